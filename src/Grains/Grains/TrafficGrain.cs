using System.Collections.Immutable;
using Emulator.Contracts;
using Emulator.Model.LoadBalancing;
using Emulator.Runtime;

namespace Emulator.Grains;

/// <summary>One service's traffic: its profile, totals since it started, and the open metric period's sums.</summary>
[GenerateSerializer, Immutable, Alias("ServiceTraffic")]
public sealed record ServiceTraffic(
    [property: Id(0)] TrafficProfile? Profile,
    [property: Id(1)] DateTimeOffset ProfileStart,
    [property: Id(2)] TrafficIncrementState Totals,
    [property: Id(3)] TrafficIncrementState Period,
    [property: Id(4)] string? TargetGroup,
    [property: Id(5)] int Healthy,
    [property: Id(6)] int Unhealthy,
    [property: Id(7)] string? TargetGroupArn,
    [property: Id(8)] double CpuFactor = 1,
    [property: Id(9)] double PeriodResponseTimeSum = 0,
    [property: Id(10)] DateTimeOffset SeenAt = default)
{
    /// <summary>B-DP-8: the mean CPU factor of the live targets at the last accounting (1 when unknown).</summary>
    public double CpuFactorOrOne => CpuFactor > 0 ? CpuFactor : 1;
}

[GenerateSerializer, Immutable, Alias("TrafficIncrementState")]
public sealed record TrafficIncrementState(
    [property: Id(0)] double Requests,
    [property: Id(1)] double Failed503,
    [property: Id(2)] double Failed502,
    [property: Id(3)] double Failed5xx = 0,
    [property: Id(4)] double CpuExtra = 0)
{
    public static TrafficIncrementState Zero { get; } = new(0, 0, 0);

    public TrafficIncrementState Add(TrafficIncrement i) =>
        new(Requests + i.Requests, Failed503 + i.Failed503, Failed502 + i.Failed502, Failed5xx + i.Failed5xx, CpuExtra + i.CpuExtra);
}

[GenerateSerializer, Alias("TrafficState")]
public sealed class TrafficState
{
    [Id(0)] public Dictionary<string, ServiceTraffic> Services { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Traffic and health are accounted up to here (emulated time).</summary>
    [Id(1)] public DateTimeOffset ComputedTo { get; set; }

    [Id(2)] public DateTimeOffset NextPeriodAt { get; set; }

    [Id(3)] public bool Running { get; set; }
}

/// <summary>
/// Synthetic traffic of one cluster's load-balanced services (B-LB-3, B-LB-4). On each tick it asks the cluster, in
/// one call, for every service's target timeline over the elapsed emulated interval and integrates the request rate
/// over it (<see cref="TrafficModel"/>): cost per tick grows with the number of targets and health changes, never with
/// the request rate. The rate is the service's own profile plus the load balancer flow shares its target group
/// receives (B-ELB-1, <see cref="RoutedTraffic"/>), and the data plane's real requests are added to the same counters
/// (issue 17): one traffic model, one set of figures, one CPU (B-LB-4). What each load balancer flow came to goes back
/// to its load balancer (one-way), which publishes the per-load-balancer metrics. Once per metric period it publishes
/// AWS/ApplicationELB (RequestCount, HTTPCode_ELB_5XX_Count, HTTPCode_ELB_503_Count, HTTPCode_ELB_502_Count,
/// HTTPCode_Target_5XX_Count (overloaded tasks, B-DP-8 error rates), RequestCountPerTarget, TargetResponseTime,
/// HealthyHostCount, UnHealthyHostCount by TargetGroup) and AWS/ECS CPUUtilization and MemoryUtilization (ClusterName,
/// ServiceName) to the CloudWatch store, on the metric-period grid (the periods alarms evaluate, B-CW-1).
/// </summary>
public sealed class TrafficGrain(
    [PersistentState("traffic", "emulator")] IPersistentState<TrafficState> store, EmulatorRuntime runtime) : Grain, ITrafficGrain, IRemindable
{
    /// <summary>Load balancer flow shares per target group (read from the target group, again when it says they changed).</summary>
    private readonly Dictionary<string, ImmutableArray<RouteEpoch>> _routes = new(StringComparer.Ordinal);
    private readonly HashSet<string> _staleRoutes = new(StringComparer.Ordinal);

    /// <summary>What load balancer flows came to since the last hand-over, per load balancer name.</summary>
    private readonly Dictionary<string, List<LoadBalancerServed>> _served = new(StringComparer.Ordinal);

    private IGrainTimer? _timer;
    private long _lastPersistTicks;
    private bool _dirty;

    private TrafficState S => store.State;

    private string ClusterName => this.GetPrimaryKeyString();

    private DateTimeOffset Now => runtime.Clock.Now;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (S.Running)
        {
            StartTimer();
            await this.RegisterOrUpdateReminder(Durability.WakeReminder, Durability.WakePeriod(runtime), Durability.WakePeriod(runtime));
        }
    }

    /// <summary>
    /// The wake-up reminder: timers die with a silo, reminders do not (durable mode). Without it, traffic whose grain
    /// lived on a killed silo would stop being accounted and published (and CPU-driven service auto scaling with it)
    /// until something called this grain again; firing reactivates it, and activation restarts the timer.
    /// </summary>
    public Task ReceiveReminder(string reminderName, TickStatus status) => Task.CompletedTask;

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        if (_dirty)
        {
            await store.WriteStateAsync(cancellationToken);
        }
    }

    public async Task SetServiceTraffic(string service, TrafficProfile? profile)
    {
        if (profile is not null && TrafficModel.Validate(profile) is { Count: > 0 } errors)
        {
            throw ErrorCodes.Invalid(string.Join(" ", errors));
        }

        if (profile is null && S.Services.ContainsKey(service))
        {
            // Stopping traffic needs no live service (it may have been deleted since).
            await Advance();
            S.Services[service] = S.Services[service] with { Profile = null };
            await store.WriteStateAsync();
            _dirty = false;
            return;
        }

        var info = await GrainFactory.GetGrain<IServiceGrain>(GrainKeys.Service(ClusterName, service)).Describe();
        if (info is null || info.Status == ServiceStatus.INACTIVE)
        {
            throw Errors.ServiceNotFound();
        }

        if (info.Spec.LoadBalancers.IsDefaultOrEmpty)
        {
            throw ErrorCodes.Invalid($"Service {service} does not name a target group: synthetic traffic goes through a load balancer (B-LB-3).");
        }

        await Start();
        await Advance();
        var now = Now;
        var current = S.Services.GetValueOrDefault(service) ?? Empty(info.Spec.LoadBalancers[0].TargetGroupName);
        S.Services[service] = current with { Profile = profile, ProfileStart = now };
        await store.WriteStateAsync();
        _dirty = false;
    }

    public async Task<ImmutableArray<ServiceTrafficFigures>> GetFigures()
    {
        await Start();
        await Advance();
        var now = Now;
        return S.Services.OrderBy(kv => kv.Key, StringComparer.Ordinal)
            .Select(kv => Figures(ServiceOf(kv.Key), kv.Value, now) with { Alternate = kv.Key.Contains(AlternateSeparator, StringComparison.Ordinal) })
            .ToImmutableArray();
    }

    public Task EnsureRunning() => Start();

    public Task RoutesChanged(string targetGroup)
    {
        _staleRoutes.Add(targetGroup);
        return Task.CompletedTask;
    }

    public async Task RecordRequests(ImmutableArray<ObservedRequests> observed)
    {
        await Start();
        foreach (var o in observed)
        {
            // B-DP-6: requests to a blue/green service's second target group count in that group's entry.
            var key = S.Services.TryGetValue(o.Service, out var own) && own.TargetGroup is { } tg && tg != o.TargetGroup
                ? AlternateKey(o.Service, o.TargetGroup)
                : o.Service;
            var svc = S.Services.GetValueOrDefault(key) ?? Empty(o.TargetGroup);
            var inc = new TrafficIncrement(o.Counts.Requests, o.Counts.Failed503, o.Counts.Failed502, o.Counts.Target5xx);
            S.Services[key] = svc with
            {
                Totals = svc.Totals.Add(inc),
                Period = svc.Period.Add(inc),
                PeriodResponseTimeSum = svc.PeriodResponseTimeSum + o.Counts.ResponseTimeSum,
            };
            if (o.LoadBalancer is { } lb)
            {
                Served(lb, new LoadBalancerServed(o.At, o.Flow, o.TargetGroup, o.Counts));
            }
        }

        _dirty = true;
        HandOverServed();
    }

    private async Task Start()
    {
        if (!S.Running)
        {
            S.Running = true;
            S.ComputedTo = Now;
            var period = runtime.Options.Timings.MetricPeriod;
            S.NextPeriodAt = DateTimeOffset.UnixEpoch + TimeSpan.FromTicks(((Now - DateTimeOffset.UnixEpoch).Ticks / period.Ticks + 1) * period.Ticks);
            await store.WriteStateAsync();
            await this.RegisterOrUpdateReminder(Durability.WakeReminder, Durability.WakePeriod(runtime), Durability.WakePeriod(runtime));
        }

        StartTimer();
    }

    private async Task Tick(CancellationToken cancellationToken)
    {
        await Advance();
        if (_dirty && runtime.Wall.GetElapsedTime(_lastPersistTicks) >= TimeSpan.FromMilliseconds(500))
        {
            _dirty = false;
            _lastPersistTicks = runtime.Wall.GetTimestamp();
            await store.WriteStateAsync(cancellationToken);
        }
    }

    /// <summary>Accounts traffic from where it stopped up to now, in slices that end on metric period boundaries.</summary>
    private async Task Advance()
    {
        var now = Now;
        var cluster = GrainFactory.GetGrain<IClusterGrain>(GrainKeys.Cluster(ClusterName));
        var period = runtime.Options.Timings.MetricPeriod;
        while (S.ComputedTo < now)
        {
            var from = S.ComputedTo;
            var to = now < S.NextPeriodAt ? now : S.NextPeriodAt;
            var timelines = await cluster.GetTrafficTimelines([], from, to);
            foreach (var tl in timelines)
            {
                // B-DP-6: a blue/green service's second target group has an entry of its own (SERVICE@GROUP).
                var key = tl.Alternate ? AlternateKey(tl.Service, tl.TargetGroup) : tl.Service;
                var svc = S.Services.GetValueOrDefault(key) ?? Empty(tl.TargetGroup);
                var epochs = await RoutesOf(tl.TargetGroup);
                var routed = svc.Profile is null && epochs.IsEmpty
                    ? RoutedIncrement.Zero
                    : RoutedTraffic.Accumulate(tl, svc.Profile, svc.ProfileStart, epochs, Template(svc, epochs));
                var inc = routed.Total;
                var responseTime = svc.Profile is { } own ? Reached(routed.Direct) * own.RequestDuration.TotalSeconds : 0;
                foreach (var (route, share) in routed.Routes)
                {
                    var counts = new RequestCounts(share.Requests, share.Failed503, share.Failed502, share.Failed5xx,
                        Reached(share) * route.Profile.RequestDuration.TotalSeconds, 0, 0);
                    responseTime += counts.ResponseTimeSum;
                    Served(route.LoadBalancer, new LoadBalancerServed(from, route.Flow, tl.TargetGroup, counts));
                }

                S.Services[key] = svc with
                {
                    SeenAt = to,
                    Totals = svc.Totals.Add(inc),
                    Period = svc.Period.Add(inc),
                    PeriodResponseTimeSum = svc.PeriodResponseTimeSum + responseTime,
                    TargetGroup = tl.TargetGroup,
                    TargetGroupArn = svc.TargetGroup == tl.TargetGroup ? svc.TargetGroupArn : null,
                    Healthy = tl.HealthyAtTo,
                    Unhealthy = tl.UnhealthyAtTo,
                    CpuFactor = TrafficModel.CpuFactorAtTo(tl),
                };
            }

            S.ComputedTo = to;
            if (to >= S.NextPeriodAt)
            {
                await PublishPeriod(S.NextPeriodAt - period, period);
                S.NextPeriodAt += period;
            }

            _dirty = true;
        }

        foreach (var (service, svc) in S.Services)
        {
            if (!service.Contains(AlternateSeparator, StringComparison.Ordinal))
            {
                runtime.Metrics.RecordTraffic(ClusterName, Figures(service, svc, now));
            }
        }

        HandOverServed();
    }

    /// <summary>The load balancer flow shares the target group receives over time (cached; read again once the group says they changed).</summary>
    private async Task<ImmutableArray<RouteEpoch>> RoutesOf(string targetGroup)
    {
        if (!_routes.TryGetValue(targetGroup, out var epochs) || _staleRoutes.Remove(targetGroup))
        {
            epochs = await GrainFactory.GetGrain<ITargetGroupGrain>(targetGroup).GetRoutes();
            _routes[targetGroup] = epochs;
        }

        return epochs;
    }

    /// <summary>Request duration and per-task capacity of the combined load: the service's own profile's, else the first flow's duration and the configured capacity.</summary>
    private TrafficProfile Template(ServiceTraffic svc, ImmutableArray<RouteEpoch> epochs) =>
        svc.Profile ?? new TrafficProfile([], epochs.SelectMany(e => e.Routes).Select(r => r.Profile.RequestDuration).FirstOrDefault(TrafficProfile.Constant(0).RequestDuration),
            runtime.Options.LoadBalancing.PerTaskCapacity);

    private static double Reached(TrafficIncrement i) => Math.Max(0, i.Requests - i.Failed503 - i.Failed502);

    private void Served(string loadBalancer, LoadBalancerServed served)
    {
        if (!_served.TryGetValue(loadBalancer, out var list))
        {
            _served[loadBalancer] = list = [];
        }

        list.Add(served);
    }

    /// <summary>Sends each load balancer what its flows came to (one-way: a load balancer never waits on traffic).</summary>
    private void HandOverServed()
    {
        foreach (var (lb, list) in _served)
        {
            if (list.Count > 0)
            {
                GrainFactory.GetGrain<ILoadBalancerGrain>(lb).ReportServed([.. list]).Ignore();
            }
        }

        _served.Clear();
    }

    private const char AlternateSeparator = '@';

    private static string AlternateKey(string service, string targetGroup) => service + AlternateSeparator + targetGroup;

    private static string ServiceOf(string key) => key.IndexOf(AlternateSeparator, StringComparison.Ordinal) is var i and >= 0 ? key[..i] : key;

    private async Task PublishPeriod(DateTimeOffset periodStart, TimeSpan period)
    {
        var elb = ImmutableArray.CreateBuilder<MetricDatum>();
        var ecs = ImmutableArray.CreateBuilder<MetricDatum>();

        // B-LB-4 / B-DP-6: a service's CPU is the load of all its target groups (blue and green) over all their healthy targets.
        var alternates = S.Services.Where(kv => kv.Key.Contains(AlternateSeparator, StringComparison.Ordinal))
            .GroupBy(kv => ServiceOf(kv.Key), StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => (Load: g.Sum(kv => kv.Value.Period.Requests + kv.Value.Period.CpuExtra), Healthy: g.Sum(kv => kv.Value.Healthy)), StringComparer.Ordinal);
        foreach (var (service, current) in S.Services.ToList())
        {
            var alternate = service.Contains(AlternateSeparator, StringComparison.Ordinal);
            if (alternate && current.SeenAt < periodStart)
            {
                // No deployment uses this group any more (its last period went out before): its totals stay in the
                // figures (experiments count every request), nothing more is published for it.
                continue;
            }

            var svc = current;
            if (svc.TargetGroup is { } name && svc.TargetGroupArn is null
                && await GrainFactory.GetGrain<ITargetGroupGrain>(name).Describe() is { } group)
            {
                svc = svc with { TargetGroupArn = group.Arn };
            }

            if (svc.TargetGroupArn is { } arn)
            {
                var dim = ("TargetGroup", TargetGroupArns.Dimension(arn));
                elb.Add(MetricNamespaces.Datum("RequestCount", periodStart, svc.Period.Requests, "Count", dim));
                elb.Add(MetricNamespaces.Datum("HTTPCode_ELB_5XX_Count", periodStart, svc.Period.Failed503 + svc.Period.Failed502, "Count", dim));
                elb.Add(MetricNamespaces.Datum("HTTPCode_ELB_503_Count", periodStart, svc.Period.Failed503, "Count", dim));
                elb.Add(MetricNamespaces.Datum("HTTPCode_ELB_502_Count", periodStart, svc.Period.Failed502, "Count", dim));
                elb.Add(MetricNamespaces.Datum("HTTPCode_Target_5XX_Count", periodStart, svc.Period.Failed5xx, "Count", dim));
                if (svc.Healthy > 0)
                {
                    // B-AS-2 ALBRequestCountPerTarget: the period's requests over the healthy targets (Sum per minute).
                    elb.Add(MetricNamespaces.Datum("RequestCountPerTarget", periodStart, svc.Period.Requests / svc.Healthy, "Count", dim));
                }

                elb.Add(MetricNamespaces.Datum("HealthyHostCount", periodStart, svc.Healthy, "Count", dim));
                elb.Add(MetricNamespaces.Datum("UnHealthyHostCount", periodStart, svc.Unhealthy, "Count", dim));
                if (svc.Period.Requests - svc.Period.Failed503 - svc.Period.Failed502 is > 0 and var reached)
                {
                    elb.Add(MetricNamespaces.Datum("TargetResponseTime", periodStart, svc.PeriodResponseTimeSum / reached, "Seconds", dim));
                }
            }

            var other = alternate ? default : alternates.GetValueOrDefault(service);
            if (!alternate && (svc.Profile is not null || svc.Period.Requests + other.Load > 0))
            {
                // B-LB-4: the period's average load (its own profile, load balancer flows and the data plane's requests)
                // over the healthy tasks at its end (B-DP-8: requests to tasks with a CPU factor weigh that much more).
                var cpu = TrafficModel.CpuUtilization((svc.Period.Requests + svc.Period.CpuExtra + other.Load) / period.TotalSeconds, svc.Healthy + other.Healthy, Capacity(svc));
                ecs.Add(MetricNamespaces.Datum("CPUUtilization", periodStart, cpu, "Percent", ("ClusterName", ClusterName), ("ServiceName", service)));
                if (svc.Healthy + other.Healthy > 0)
                {
                    ecs.Add(MetricNamespaces.Datum("MemoryUtilization", periodStart, TrafficModel.MemoryUtilization(cpu, svc.Profile ?? MemoryDefaults), "Percent", ("ClusterName", ClusterName), ("ServiceName", service)));
                }
            }

            S.Services[service] = svc with { Period = TrafficIncrementState.Zero, PeriodResponseTimeSum = 0 };
        }

        if (elb.Count > 0)
        {
            GrainFactory.GetGrain<IMetricStoreGrain>(MetricNamespaces.ApplicationElb).Put(elb.ToImmutable()).Ignore();
        }

        if (ecs.Count > 0)
        {
            GrainFactory.GetGrain<IMetricStoreGrain>(MetricNamespaces.Ecs).Put(ecs.ToImmutable()).Ignore();
        }
    }

    /// <summary>B-LB-4 memory model (Model choice) for a service reached only through load balancer flows or the data plane.</summary>
    private static readonly TrafficProfile MemoryDefaults = TrafficProfile.Constant(0);

    private double Capacity(ServiceTraffic svc) => svc.Profile?.PerTaskCapacity ?? runtime.Options.LoadBalancing.PerTaskCapacity;

    private ServiceTrafficFigures Figures(string service, ServiceTraffic svc, DateTimeOffset now)
    {
        var rate = (svc.Profile is { } p ? TrafficModel.RateAt(p, svc.ProfileStart, now) : 0)
                   + (svc.TargetGroup is { } tg && _routes.TryGetValue(tg, out var epochs) ? RoutedTraffic.RateAt(epochs, now) : 0);
        var cpu = TrafficModel.CpuUtilization(rate * svc.CpuFactorOrOne, svc.Healthy, Capacity(svc));
        return new ServiceTrafficFigures(ClusterName, service, svc.TargetGroup, svc.Totals.Requests, svc.Totals.Failed503, svc.Totals.Failed502,
            svc.Healthy, svc.Unhealthy, rate, cpu, S.ComputedTo, svc.Totals.Failed5xx,
            svc.Healthy > 0 && (svc.Profile is not null || rate > 0) ? TrafficModel.MemoryUtilization(cpu, svc.Profile ?? MemoryDefaults) : 0);
    }

    private static ServiceTraffic Empty(string? targetGroup) =>
        new(null, default, TrafficIncrementState.Zero, TrafficIncrementState.Zero, targetGroup, 0, 0, null);

    private void StartTimer()
    {
        if (_timer is null)
        {
            var period = runtime.WallPeriod(runtime.Options.Timings.TrafficStep);
            if (period < TimeSpan.FromMilliseconds(20))
            {
                period = TimeSpan.FromMilliseconds(20);
            }

            _timer = this.RegisterGrainTimer(Tick, new GrainTimerCreationOptions(period, period) { Interleave = false, KeepAlive = true });
        }
    }
}
