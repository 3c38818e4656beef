using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Emulator.Contracts;

namespace Emulator.Runtime;

/// <summary>
/// The emulator's OpenTelemetry instruments (meter "Emulator"): CapacityProviderReservation per cluster/provider
/// (B-CAS-3), ASG desired/in-service, tasks by state and provider, CPU/memory reservation per cluster, placement
/// latency and timer lag (B-T-3). Grains push their latest figures here; observable gauges read them.
/// </summary>
public sealed class EmulatorMetrics : IDisposable
{
    public const string MeterName = "Emulator";

    private readonly Meter _meter;
    private readonly Histogram<double> _placementLatency;
    private readonly Histogram<double> _timerLag;
    private readonly Counter<long> _tasksPlaced;
    private readonly ConcurrentDictionary<(string Cluster, string Provider), double> _cpr = new();
    private readonly ConcurrentDictionary<string, (int Desired, int InService)> _asg = new();
    private readonly ConcurrentDictionary<string, ClusterFigures> _clusters = new();
    private readonly LagReservoir _lag = new(4096);
    private readonly ConcurrentDictionary<string, LagReservoir> _lagBySource = new(StringComparer.Ordinal);
    private readonly CallTimings<(string Grain, string Method)> _turns = new();
    private readonly CallTimings<(string Grain, string Method)> _cpu = new();
    private readonly ConcurrentDictionary<(string Dimension, string Name, string Cluster), double> _costs = new();
    private readonly ConcurrentDictionary<(string Cluster, string Service), ServiceTrafficFigures> _traffic = new();

    public EmulatorMetrics()
    {
        _meter = new Meter(MeterName, "1.0");
        _placementLatency = _meter.CreateHistogram<double>("emulator.placement.latency", "ms", "Wall time to place one batch of tasks.");
        _timerLag = _meter.CreateHistogram<double>("emulator.timer.lag", "s", "How late, in emulated seconds, due transitions were processed (B-T-3).");
        _tasksPlaced = _meter.CreateCounter<long>("emulator.tasks.placed", "{task}", "Tasks placed on an instance or on Fargate.");
        _meter.CreateObservableGauge("CapacityProviderReservation", () => _cpr.Select(kv =>
            new Measurement<double>(kv.Value, new("ClusterName", kv.Key.Cluster), new("CapacityProviderName", kv.Key.Provider))),
            "%", "AWS/ECS/ManagedScaling CapacityProviderReservation (B-CAS-3).");
        _meter.CreateObservableGauge("GroupDesiredCapacity", () => _asg.Select(kv =>
            new Measurement<int>(kv.Value.Desired, new KeyValuePair<string, object?>("AutoScalingGroupName", kv.Key))), "{instance}");
        _meter.CreateObservableGauge("GroupInServiceInstances", () => _asg.Select(kv =>
            new Measurement<int>(kv.Value.InService, new KeyValuePair<string, object?>("AutoScalingGroupName", kv.Key))), "{instance}");
        _meter.CreateObservableGauge("emulator.tasks", () => _clusters.SelectMany(kv => kv.Value.TasksByStateAndProvider.Select(t =>
            new Measurement<int>(t.Value, new("ClusterName", kv.Key), new("state", t.Key.State), new("CapacityProviderName", t.Key.Provider)))),
            "{task}", "Tasks by lastStatus and capacity provider.");
        _meter.CreateObservableGauge("CPUReservation", () => _clusters.Select(kv =>
            new Measurement<double>(kv.Value.CpuReservation, new KeyValuePair<string, object?>("ClusterName", kv.Key))), "%");
        _meter.CreateObservableGauge("MemoryReservation", () => _clusters.Select(kv =>
            new Measurement<double>(kv.Value.MemoryReservation, new KeyValuePair<string, object?>("ClusterName", kv.Key))), "%");
        _meter.CreateObservableGauge("emulator.cost", () => _costs.Select(kv =>
            new Measurement<double>(kv.Value, new(kv.Key.Dimension, kv.Key.Name), new("ClusterName", kv.Key.Cluster))),
            "USD", "Accrued cost by Auto Scaling group, capacity provider and service (B-IT-5).");
        // B-LB-3 / B-LB-4: synthetic traffic per service (totals since the traffic started) and its target group's health.
        _meter.CreateObservableCounter("RequestCount", () => Traffic(f => f.Requests), "{request}", "Requests sent to the service's target group (B-LB-3).");
        _meter.CreateObservableCounter("HTTPCode_ELB_5XX_Count", () => Traffic(f => f.Failed), "{request}", "Requests that failed with 502 or 503.");
        _meter.CreateObservableCounter("HTTPCode_ELB_503_Count", () => Traffic(f => f.Failed503NoHealthyTarget), "{request}", "Requests failed: no healthy target.");
        _meter.CreateObservableCounter("HTTPCode_ELB_502_Count", () => Traffic(f => f.Failed502TargetDied), "{request}", "Requests failed: their target died.");
        _meter.CreateObservableGauge("HealthyHostCount", () => Traffic(f => f.HealthyHosts), "{target}");
        _meter.CreateObservableGauge("UnHealthyHostCount", () => Traffic(f => f.UnhealthyHosts), "{target}");
        _meter.CreateObservableGauge("CPUUtilization", () => Traffic(f => f.CpuUtilizationPercent), "%", "AWS/ECS CPUUtilization from the traffic model (B-LB-4).");
        _meter.CreateObservableGauge("emulator.provisioning.queue", () => _clusters.Select(kv =>
            new Measurement<int>(kv.Value.Queued, new KeyValuePair<string, object?>("ClusterName", kv.Key))), "{task}");
    }

    public void RecordCpr(string cluster, string provider, double cpr) => _cpr[(cluster, provider)] = cpr;

    public void RemoveCpr(string cluster, string provider) => _cpr.TryRemove((cluster, provider), out _);

    public void RecordAsg(string name, int desired, int inService) => _asg[name] = (desired, inService);

    public void RemoveAsg(string name) => _asg.TryRemove(name, out _);

    public void RecordCluster(string cluster, ClusterFigures figures) => _clusters[cluster] = figures;

    /// <summary>B-IT-5: accrued USD of one thing (dimension AutoScalingGroupName / CapacityProviderName / ServiceName).</summary>
    public void RecordCost(string dimension, string name, string cluster, decimal usd) => _costs[(dimension, name, cluster)] = (double)usd;

    public void RemoveCluster(string cluster) => _clusters.TryRemove(cluster, out _);

    /// <summary>B-LB-3: the latest traffic figures of one service.</summary>
    public void RecordTraffic(string cluster, ServiceTrafficFigures figures) => _traffic[(cluster, figures.Service)] = figures;

    public void RecordPlacement(double milliseconds, int tasks)
    {
        _placementLatency.Record(milliseconds);
        _tasksPlaced.Add(tasks);
    }

    /// <summary>B-T-3: one timer (of kind <paramref name="source"/>, see <see cref="LagSources"/>) came this late in emulated time.</summary>
    public void RecordLag(TimeSpan lag, string source)
    {
        var s = Math.Max(0, lag.TotalSeconds);
        _timerLag.Record(s, new KeyValuePair<string, object?>("source", source));
        _lag.Add(s);
        _lagBySource.GetOrAdd(source, static _ => new LagReservoir(4096)).Add(s);
    }

    /// <summary>Percentiles of recent timer lag in emulated seconds (B-T-3), for reports.</summary>
    public (double P50, double P99, double Max, long Count) LagPercentiles() => _lag.Percentiles();

    /// <summary>
    /// The newest timer-lag values of the window (at most 4,096) and how many the window counted: a client merges the
    /// windows of several silos by weighting each silo's values with count / values.
    /// </summary>
    public double[] LagSample() => _lag.Values();

    /// <summary>The same percentiles per kind of timer (the profile of where lag comes from).</summary>
    public IReadOnlyDictionary<string, (double P50, double P99, double Max, long Count)> LagPercentilesBySource() =>
        _lagBySource.Where(kv => kv.Value.Count > 0).ToDictionary(kv => kv.Key, kv => kv.Value.Percentiles(), StringComparer.Ordinal);

    /// <summary>
    /// One turn of a hot grain (the cluster grain): how long the call or tick held the grain. A timer comes late when
    /// its grain is busy, so the busy time by method is the profile behind timer lag (B-T-3).
    /// </summary>
    public void RecordTurn(string grain, string method, TimeSpan elapsed) => _turns.Record((grain, method), elapsed);

    /// <summary>
    /// The thread CPU (<see cref="ThreadCpu"/>) of the synchronous parts of one kind of work, where wall time would also
    /// count the time it waited (the alarm shards' evaluation waits on the metric store).
    /// </summary>
    public void RecordCpu(string grain, string method, TimeSpan cpu) => _cpu.Record((grain, method), cpu);

    /// <summary>CPU recorded with <see cref="RecordCpu"/> since the last reset, busiest first.</summary>
    public IReadOnlyList<CallTiming<(string Grain, string Method)>> CpuProfile() => _cpu.Read(reset: false);

    /// <summary>Turns since the last reset, busiest first.</summary>
    public IReadOnlyList<CallTiming<(string Grain, string Method)>> TurnProfile() => _turns.Read(reset: false);

    /// <summary>Starts a new window of timer lag and turn figures.</summary>
    public void ResetLag()
    {
        _turns.Reset();
        _cpu.Reset();
        _lag.Reset();
        foreach (var r in _lagBySource.Values)
        {
            r.Reset();
        }
    }

    public void Dispose() => _meter.Dispose();

    private IEnumerable<Measurement<double>> Traffic(Func<ServiceTrafficFigures, double> value) =>
        _traffic.Select(kv => new Measurement<double>(value(kv.Value),
            new("ClusterName", kv.Key.Cluster), new("ServiceName", kv.Key.Service), new("TargetGroup", kv.Value.TargetGroup ?? "")));

    private sealed class LagReservoir(int size)
    {
        private readonly double[] _values = new double[size];
        private readonly Lock _gate = new();
        private long _count;
        private double _max;

        public void Add(double v)
        {
            lock (_gate)
            {
                _values[_count % _values.Length] = v;
                _count++;
                _max = Math.Max(_max, v);
            }
        }

        public long Count
        {
            get
            {
                lock (_gate)
                {
                    return _count;
                }
            }
        }

        public void Reset()
        {
            lock (_gate)
            {
                _count = 0;
                _max = 0;
            }
        }

        public double[] Values()
        {
            lock (_gate)
            {
                return _values.Take((int)Math.Min(_count, _values.Length)).ToArray();
            }
        }

        public (double, double, double, long) Percentiles()
        {
            double[] copy;
            long count;
            double max;
            lock (_gate)
            {
                count = _count;
                max = _max;
                copy = _values.Take((int)Math.Min(count, _values.Length)).ToArray();
            }

            if (copy.Length == 0)
            {
                return (0, 0, 0, 0);
            }

            Array.Sort(copy);
            return (copy[(int)(copy.Length * 0.5)], copy[Math.Min(copy.Length - 1, (int)(copy.Length * 0.99))], max, count);
        }
    }
}

/// <summary>The kinds of timer whose lateness is measured (B-T-3), the <c>source</c> tag of <c>emulator.timer.lag</c>.</summary>
public static class LagSources
{
    /// <summary>The cluster grain's periodic tick (health, PROVISIONING time-outs, placement of the queue).</summary>
    public const string ClusterTick = "cluster-tick";

    /// <summary>A task's due lifecycle transition (B-TL-*), handled when due rather than at the next tick.</summary>
    public const string TaskTransition = "task-transition";

    /// <summary>A capacity provider's CAS evaluation, once per metric period (B-CAS-*).</summary>
    public const string CasEvaluation = "cas-evaluation";

    /// <summary>A scheduled Spot interruption step: warning or termination (B-SP-*).</summary>
    public const string SpotInterruption = "spot-interruption";

    /// <summary>An Auto Scaling group instance's due lifecycle step (Pending -> InService, B-ASG-1).</summary>
    public const string InstanceLifecycle = "instance-lifecycle";

    /// <summary>A chaos action's scheduled end (undrain, restore).</summary>
    public const string Chaos = "chaos";

    /// <summary>A CloudWatch alarm shard's evaluation, once per alarm period (B-CW-1).</summary>
    public const string AlarmEvaluation = "alarm-evaluation";

    /// <summary>A scheduled action of a scalable target (B-AS-4).</summary>
    public const string ScheduledAction = "scheduled-action";
}

/// <summary>One cluster's latest figures for the gauges.</summary>
public sealed record ClusterFigures(
    IReadOnlyDictionary<(string State, string Provider), int> TasksByStateAndProvider,
    double CpuReservation,
    double MemoryReservation,
    int Queued);
