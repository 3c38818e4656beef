using System.Collections.Immutable;
using Emulator.Contracts;
using Emulator.Model.Cluster;
using Emulator.Runtime;

namespace Emulator.Grains;

/// <summary>
/// The cluster's figures: gauges for the emulator's own metrics, task costs (B-IT-5), and the AWS/ECS CloudWatch
/// metrics CPUReservation / MemoryReservation. Every figure comes from the record book's kept counts and ledger,
/// never from a pass over the tasks.
/// </summary>
public sealed partial class ClusterGrain
{
    private long _figuresPublished;
    private long _lastFiguresTicks;
    private DateTimeOffset _nextReservationMetricsAt;

    public Task<TaskCostReport> GetTaskCosts() => Task.FromResult(_book.CostReport(Now));

    private void PublishFigures()
    {
        // The gauges are read every few seconds at most: a pass over every task each tick would cost a core at 6000x.
        if (_rt.Wall.GetElapsedTime(_lastFiguresTicks) < TimeSpan.FromMilliseconds(250))
        {
            return;
        }

        _lastFiguresTicks = _rt.Wall.GetTimestamp();
        var byState = _book.TaskCounts.ToDictionary(kv => (kv.Key.Status.ToString(), kv.Key.Provider), kv => kv.Value);
        var (registered, used, _) = _book.ActiveCapacity();
        if (++_figuresPublished % 4 == 0)
        {
            var costs = _book.CostReport(Now);
            foreach (var (service, usd) in costs.ByService)
            {
                _rt.Metrics.RecordCost("ServiceName", service, Name, usd);
            }

            foreach (var (provider, usd) in costs.ByCapacityProvider)
            {
                _rt.Metrics.RecordCost("CapacityProviderName", provider, Name, usd);
            }
        }

        var (cpu, memory) = ClusterRules.Reservation(registered, used);
        _rt.Metrics.RecordCluster(Name, new ClusterFigures(byState, cpu, memory, _book.Queue.Count));
        PublishReservationMetrics(cpu, memory);
    }

    /// <summary>AWS/ECS CPUReservation / MemoryReservation to the CloudWatch store, once per metric period (emulated).</summary>
    private void PublishReservationMetrics(double cpu, double memory)
    {
        var now = Now;
        if (now < _nextReservationMetricsAt)
        {
            return;
        }

        _nextReservationMetricsAt = now + _rt.Options.Timings.MetricPeriod;
        PublishCostMetrics(now);
        GrainFactory.GetGrain<IMetricStoreGrain>(MetricNamespaces.Ecs).Put([
            MetricNamespaces.Datum("CPUReservation", now, cpu, "Percent", ("ClusterName", Name)),
            MetricNamespaces.Datum("MemoryReservation", now, memory, "Percent", ("ClusterName", Name))]).Ignore();
    }

    private void PublishCostMetrics(DateTimeOffset now)
    {
        // B-IT-5: the cluster's task costs by service and by capacity provider into the emulator's CloudWatch namespace.
        var costs = _book.CostReport(now);
        var data = ImmutableArray.CreateBuilder<MetricDatum>();
        foreach (var (service, usd) in costs.ByService)
        {
            data.Add(MetricNamespaces.Datum("EstimatedCharges", now, (double)usd, "None", ("ClusterName", Name), ("ServiceName", service)));
        }

        // Auto Scaling group providers are charged by their instances: their group publishes that (AutoScalingGroupGrain).
        foreach (var (provider, usd) in costs.ByCapacityProvider.Where(p => p.Key is "FARGATE" or "FARGATE_SPOT"))
        {
            data.Add(MetricNamespaces.Datum("EstimatedCharges", now, (double)usd, "None", ("ClusterName", Name), ("CapacityProviderName", provider)));
        }

        if (data.Count > 0)
        {
            GrainFactory.GetGrain<IMetricStoreGrain>(MetricNamespaces.EmulatorCost).Put(data.ToImmutable()).Ignore();
        }
    }
}
