using System.Collections.Immutable;
using Emulator.Contracts;
using Emulator.Model.Deployments;
using Emulator.Model.Lifecycle;
using Emulator.Model.Placement;
using Emulator.Model.Scaling;
using Emulator.Model.Scheduling;
using Emulator.Model.Time;
using Emulator.Runtime;
using Microsoft.Extensions.Logging;
using TaskStatus = Emulator.Contracts.TaskStatus;
using PlacementStrategy = Emulator.Contracts.PlacementStrategy;

namespace Emulator.Grains;

[GenerateSerializer, Alias("ServiceState")]
public sealed class ServiceState
{
    [Id(0)] public bool Exists { get; set; }

    [Id(1)] public ServiceSpec? Spec { get; set; }

    [Id(2)] public ServiceStatus Status { get; set; }

    [Id(3)] public ImmutableList<DeploymentState> Deployments { get; set; } = [];

    [Id(4)] public ImmutableList<ServiceEventRecord> Events { get; set; } = [];

    [Id(5)] public DateTimeOffset CreatedAt { get; set; }

    [Id(6)] public int ConsecutiveFailures { get; set; }

    [Id(7)] public DateTimeOffset? BackoffUntil { get; set; }

    [Id(8)] public DateTimeOffset LastFailureSeenAt { get; set; }

    [Id(9)] public bool Steady { get; set; }

    [Id(10)] public ImmutableList<(DateTimeOffset At, int Count)> Launches { get; set; } = [];

    /// <summary>How many times this service's grain was activated on its persisted state (seeds a fresh id stream).</summary>
    [Id(11)] public int Incarnation { get; set; }

    /// <summary>B-DP-5: the service deployments (newest first), kept 90 emulated days after they finish.</summary>
    [Id(12)] public ImmutableList<ServiceDeploymentRecord> ServiceDeployments { get; set; } = [];

    /// <summary>B-DP-5: the service revisions the kept deployments name.</summary>
    [Id(13)] public ImmutableList<ServiceRevisionRecord> Revisions { get; set; } = [];

    /// <summary>B-AZ-1: an AZ rebalancing is in progress (its started event was written, its completed one not yet).</summary>
    [Id(14)] public bool Rebalancing { get; set; }

    /// <summary>
    /// B-AZ-1: tasks started to rebalance and when, until they are placed or gone (stored: a service reactivated after
    /// its silo died must still give up on those that wait for capacity that never comes).
    /// </summary>
    [Id(15)] public Dictionary<string, DateTimeOffset> RebalanceLaunched { get; set; } = new(StringComparer.Ordinal);

    /// <summary>B-AZ-1: no rebalancing before this instant (after it gave up or was refused).</summary>
    [Id(16)] public DateTimeOffset RebalanceBlockedUntil { get; set; } = DateTimeOffset.MinValue;

    /// <summary>B-DP-6: the latest BLUE_GREEN / LINEAR / CANARY service deployment's run (kept after it ends, for the APIs).</summary>
    [Id(17)] public TrafficShiftRun? Shift { get; set; }

    /// <summary>B-DP-6: the target group the service's tasks register with after a swap (null: its loadBalancers entry's).</summary>
    [Id(18)] public string? ActiveTargetGroupArn { get; set; }

    /// <summary>B-DP-6: deployments whose tasks register with another target group than the service's (deployment id -> group ARN).</summary>
    [Id(19)] public ImmutableDictionary<string, string> GroupOverrides { get; set; } = ImmutableDictionary<string, string>.Empty.WithComparers(StringComparer.Ordinal);
}

/// <summary>
/// An ECS service's scheduler (B-SV-1..7) and its deployments (B-DP-1..5, B-AZ-1). Each reconciliation reads the
/// service's tasks from the cluster in one call, folds them into the deployments' circuit breakers, asks the pure
/// <see cref="ServiceScheduler"/> what to do, and applies it in batches (one LaunchTasks call per provider, one stop
/// call): never a round trip per task.
/// </summary>
public sealed partial class ServiceGrain : Grain, IServiceGrain
{
    private const int EventLimit = 100;
    private const string PrimaryStatus = "PRIMARY";
    private const string ActiveStatus = "ACTIVE";

    private readonly IPersistentState<ServiceState> _store;
    private readonly EmulatorRuntime _rt;
    private readonly ILogger<ServiceGrain> _log;
    private Random _random = new(0);
    private DueTimer? _timer;
    private bool _poked;
    private DateTimeOffset _lastReconcile;
    private int _running;
    private int _pending;
    private ImmutableDictionary<string, int> _runningByProvider = ImmutableDictionary<string, int>.Empty;
    private Dictionary<string, (int Running, int Pending)> _byDeployment = new(StringComparer.Ordinal);
    private string? _lastPlacementEvent;
    private DateTimeOffset _lastPlacementEventAt;
    private string? _lastNote;
    private readonly List<EmulatorEvent> _eventsToSend = [];
    private DateTimeOffset _nextInsightsAt = DateTimeOffset.MaxValue;
    private TimeSpan? _insightsOffset;

    public ServiceGrain([PersistentState("service", "emulator")] IPersistentState<ServiceState> store, EmulatorRuntime runtime, ILogger<ServiceGrain> log)
    {
        _store = store;
        _rt = runtime;
        _log = log;
    }

    private ServiceState S => _store.State;

    private ServiceSpec Spec => S.Spec!;

    private string ClusterName => GrainKeys.ParseService(this.GetPrimaryKeyString()).Cluster;

    private string Name => GrainKeys.ParseService(this.GetPrimaryKeyString()).Service;

    private IClusterGrain Cluster => GrainFactory.GetGrain<IClusterGrain>(GrainKeys.Cluster(ClusterName));

    private DateTimeOffset Now => _rt.Clock.Now;

    private DeploymentState Primary => S.Deployments.First(d => d.Status == PrimaryStatus);

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (S.Exists && S.Status != ServiceStatus.INACTIVE)
        {
            // Reactivated (its cluster's wake-up reminder or any call): a fresh id stream, timer back on.
            S.Incarnation++;
            await _store.WriteStateAsync(cancellationToken);
        }

        _random = _rt.Random.For(Durability.Scope("service/" + this.GetPrimaryKeyString(), S.Incarnation));
        if (S.Exists && S.Status != ServiceStatus.INACTIVE)
        {
            StartTimer();
            _poked = true;
        }
    }

    public async Task<ServiceInfo> Create(ServiceSpec spec)
    {
        if (S.Exists && S.Status != ServiceStatus.INACTIVE)
        {
            // A retry with the creation's client token and the same parameters gets the service back; anything else is
            // the error AWS gives a clashing CreateService.
            if (spec.ClientToken is not null && spec.ClientToken == Spec.ClientToken
                && ClientTokens.Check(Spec.RequestFingerprint, S.CreatedAt, spec.RequestFingerprint, Now, TimeSpan.MaxValue) == ClientTokenOutcome.Replay)
            {
                return Info(); // idempotent retry
            }

            throw ErrorCodes.Invalid("Creation of service was not idempotent.");
        }

        S.Shift = null;
        S.ActiveTargetGroupArn = null;
        S.GroupOverrides = S.GroupOverrides.Clear();
        await BindTargetGroups(spec, null);
        var now = Now;
        S.Exists = true;
        S.Spec = spec;
        S.Status = ServiceStatus.ACTIVE;
        S.CreatedAt = now;
        S.Events = [];
        S.Steady = false;
        S.ConsecutiveFailures = 0;
        S.BackoffUntil = null;
        S.LastFailureSeenAt = now;
        S.Launches = [];
        S.Deployments = [];
        S.ServiceDeployments = [];
        S.Revisions = [];
        S.Rebalancing = false;
        StartDeployment(spec, now);
        await Cluster.AddService(Name);
        await _store.WriteStateAsync();
        StartTimer();
        await Reconcile();
        return Info();
    }

    public async Task<ServiceInfo> Update(ServiceUpdate update)
    {
        EnsureActive();
        var now = Now;
        var spec = Spec;
        if (update.DesiredCount is { } desired)
        {
            spec = spec with { DesiredCount = desired };
        }

        if (update.CapacityProviderStrategy is { } strategy)
        {
            spec = spec with { CapacityProviderStrategy = strategy };
        }

        if (update.PlacementStrategies is { } ps)
        {
            spec = spec with { PlacementStrategies = ps };
        }

        if (update.PlacementConstraints is { } pc)
        {
            spec = spec with { PlacementConstraints = pc };
        }

        if (update.MinimumHealthyPercent is { } min)
        {
            spec = spec with { MinimumHealthyPercent = min };
        }

        if (update.MaximumPercent is { } max)
        {
            spec = spec with { MaximumPercent = max };
        }

        // Settings stored as written (ServiceOptions); a changed network configuration deploys (B-DP-1).
        var newNetwork = false;
        if (update.Options is { } patch)
        {
            newNetwork = patch.Network is { } network && !SameNetwork(network, spec.Options?.Network);
            spec = spec with { Options = spec.EffectiveOptions.With(patch) };
        }

        var newLoadBalancers = update.LoadBalancers is { } lbs && !lbs.SequenceEqual(spec.LoadBalancers.IsDefault ? [] : spec.LoadBalancers);
        if (newLoadBalancers)
        {
            spec = spec with { LoadBalancers = update.LoadBalancers!.Value };
            await BindTargetGroups(spec, Spec);
        }

        var newTaskDef = update.TaskDefinition is { } td && td.Arn != Primary.TaskDefinition.Arn;
        if (newTaskDef)
        {
            spec = spec with { TaskDefinition = update.TaskDefinition! };
        }

        if (spec.DesiredCount != Spec.DesiredCount)
        {
            S.Steady = false;
            S.Rebalancing = false; // B-AZ-1: the scheduler's own arithmetic takes over again
        }

        S.Spec = spec;

        // B-DP-1: a new task definition, strategy, load balancers, network configuration or a forced deployment starts a
        // new PRIMARY deployment (and a new service deployment and revision, B-DP-5).
        if (ServiceDeployments.StartsDeployment(newTaskDef, update.CapacityProviderStrategy is not null, newLoadBalancers, newNetwork, update.ForceNewDeployment))
        {
            StartDeployment(spec, now);
        }

        await _store.WriteStateAsync();
        await Reconcile();
        return Info();
    }

    public Task<ServiceInfo?> Describe() => Task.FromResult(S.Exists ? Info() : null);

    public Task Wake() => Task.CompletedTask;

    public async Task<ServiceInfo> Delete(bool force)
    {
        EnsureActive();
        if (Spec.DesiredCount > 0 && Spec.SchedulingStrategy == SchedulingStrategy.REPLICA && !force)
        {
            throw ErrorCodes.Invalid("The service cannot be stopped while it is scaled above 0.");
        }

        // B-SV-7: DRAINING until its tasks are gone, then INACTIVE.
        S.Spec = Spec with { DesiredCount = 0 };
        S.Status = ServiceStatus.DRAINING;
        S.Rebalancing = false;
        await _store.WriteStateAsync();
        await Reconcile();
        return Info();
    }

    public async Task Poke()
    {
        _poked = true;
        if (S.Exists && S.Status != ServiceStatus.INACTIVE)
        {
            await Reconcile();
        }
    }

    private async Task Tick(CancellationToken cancellationToken)
    {
        _timer?.Fired();
        try
        {
            if (!S.Exists || S.Status == ServiceStatus.INACTIVE)
            {
                return;
            }

            if (Now >= NextReconcileAt)
            {
                await Reconcile();
            }

            PublishInsights();
        }
        finally
        {
            _timer?.Arm(NextWake);
        }
    }

    /// <summary>The next reconciliation, or the next Container Insights datapoint when that is sooner.</summary>
    private DateTimeOffset NextWake
    {
        get
        {
            var next = NextReconcileAt < InsightsDueAt ? NextReconcileAt : InsightsDueAt;
            return S.Shift is { Result: BlueGreenResult.InProgress, WakeAt: { } shift } && shift < next ? shift : next; // B-DP-6 bake ends, hook timeouts
        }
    }

    /// <summary>When the next Container Insights datapoints go out: the period's end plus this service's offset (B-T-3).</summary>
    private DateTimeOffset InsightsDueAt => _nextInsightsAt == DateTimeOffset.MaxValue ? _nextInsightsAt : _nextInsightsAt + InsightsOffset;

    private TimeSpan InsightsOffset => _insightsOffset ??= TickSchedule.Offset(Arn, _rt.Options.Timings.MetricPublishSpread);

    /// <summary>
    /// ECS/ContainerInsights RunningTaskCount, DesiredTaskCount and PendingTaskCount (ClusterName, ServiceName) once per
    /// metric period, stamped with the period that just ended and taken from the latest reconciliation's counts (what
    /// target tracking on a custom metric such as backlog per task divides by, B-AS-2).
    /// </summary>
    private void PublishInsights()
    {
        var now = Now;
        if (now < InsightsDueAt || !S.Exists || S.Status == ServiceStatus.INACTIVE)
        {
            return;
        }

        var period = _rt.Options.Timings.MetricPeriod;
        var stamp = _nextInsightsAt - period;
        _nextInsightsAt = TickSchedule.NextTick(_nextInsightsAt, now - InsightsOffset, period);
        (string, string) cluster = ("ClusterName", ClusterName), service = ("ServiceName", Name);
        GrainFactory.GetGrain<IMetricStoreGrain>(MetricNamespaces.ContainerInsights).Put([
            MetricNamespaces.Datum("RunningTaskCount", stamp, _running, "Count", cluster, service),
            MetricNamespaces.Datum("PendingTaskCount", stamp, _pending, "Count", cluster, service),
            MetricNamespaces.Datum("DesiredTaskCount", stamp, Spec.DesiredCount, "Count", cluster, service)]).Ignore();
    }

    /// <summary>B-SV-3: the timer wakes only when the next reconciliation is due, not every emulated second.</summary>
    private DateTimeOffset NextReconcileAt
    {
        get
        {
            var next = ServiceScheduler.NextReconcileAt(_lastReconcile, _poked, S.Steady, _rt.Options.Timings.ServiceReconcilePeriod, _rt.Clock.TimeScale);
            return S.Shift is { Result: BlueGreenResult.InProgress, WakeAt: { } shift } && shift < next && shift > _lastReconcile ? shift : next;
        }
    }

    /// <summary>
    /// B-SV-3: one reconciliation: read; fold the tasks into the deployments (circuit breaker, B-DP-2); replace tasks that
    /// failed their health checks; plan (pure) and apply in batches; rebalance zones (B-AZ-1); settle deployments.
    /// </summary>
    private async Task Reconcile()
    {
        _poked = false;
        var now = Now;
        _lastReconcile = now;
        var spec = Spec;
        var daemon = spec.SchedulingStrategy == SchedulingStrategy.DAEMON;
        var constraints = Constraints(spec);
        var snapshot = await Cluster.GetServiceTasks(Name, daemon ? constraints : default);
        TrackFailures(snapshot, now);
        UpdateCounts(snapshot);

        var changed = await MonitorDeployments(snapshot, now);
        changed |= await StopUnhealthy(snapshot, now);
        spec = Spec; // a rollback puts the previous revision's task definition back
        var primary = Primary;
        var reason = StopReasons.ScalingActivity(primary.Id);
        var launchAllowed = S.BackoffUntil is null || S.BackoffUntil <= now;
        bool steady;
        if (daemon)
        {
            var plan = ServiceScheduler.PlanDaemon(primary.Id, snapshot.Instances, snapshot.Tasks);
            if (!plan.StopTasks.IsEmpty)
            {
                await Cluster.StopTasks(plan.StopTasks, StopReasons.ServiceSchedulerInitiated, reason);
                changed = true;
            }

            if (!plan.LaunchOnInstances.IsEmpty && launchAllowed && S.Status == ServiceStatus.ACTIVE && primary.Rollout != DeploymentRolloutState.FAILED)
            {
                await Launch(primary, null, plan.LaunchOnInstances.Length, plan.LaunchOnInstances, now, []);
                changed = true;
            }

            steady = plan.Steady;
        }
        else if (ActiveShift(primary) is { } shift)
        {
            // B-DP-6: a BLUE_GREEN / LINEAR / CANARY deployment: its lifecycle decides both colours' counts.
            var budget = launchAllowed ? Math.Max(0, _rt.Options.ServiceLaunchesPerMinute - LaunchesInLastMinute(now)) : 0;
            (var shifted, steady) = await ReconcileShift(shift, primary, spec, snapshot, budget, now);
            changed |= shifted;
        }
        else
        {
            // B-DP-2: a deployment that failed (without a rollback) launches nothing more and replaces nothing more.
            var halted = primary.Rollout == DeploymentRolloutState.FAILED;
            var targets = Targets(spec, snapshot);
            var budget = Math.Max(0, _rt.Options.ServiceLaunchesPerMinute - LaunchesInLastMinute(now));

            // B-AZ-1: tasks started to rebalance zones are not scaled in as excess: rebalancing stops its own.
            var extra = S.Rebalancing ? Math.Max(0, CurrentTasks(snapshot, primary.Id).Count - spec.DesiredCount) : 0;
            var plan = ServiceScheduler.PlanReplica(
                spec.DesiredCount + extra, spec.MinimumHealthyPercent, spec.MaximumPercent, primary.Id, targets, snapshot.Tasks,
                launchAllowed && !halted ? budget : 0);
            foreach (var excess in plan.StopExcess)
            {
                await Cluster.StopServiceTasks(Name, excess.CapacityProvider, excess.Count, PlacementFor(spec), reason);
                changed = true;
            }

            if (!plan.StopTasks.IsEmpty && !halted)
            {
                var stopped = await Cluster.StopTasks(plan.StopTasks, StopReasons.ServiceSchedulerInitiated, reason);
                StoppedEvents(stopped, now);
                changed = true;
            }

            if (S.Status == ServiceStatus.ACTIVE && !halted)
            {
                foreach (var l in plan.Launch)
                {
                    await Launch(primary, l.CapacityProvider, l.Count, [], now, []);
                    changed = true;
                }
            }

            var note = halted ? null : plan.Note;
            if (note is not null && note != _lastNote)
            {
                // B-SV-4: during a deployment AWS says the deployment configuration blocks it; draining says why.
                var deploying = snapshot.Tasks.Any(t => t.DesiredStatus == DesiredStatus.RUNNING && t.DeploymentId != primary.Id);
                AddEvent(deploying ? ServiceEvents.DeploymentConfigurationBlocks(Name) : ServiceEvents.CannotProgress(Name, note), now);
            }

            _lastNote = note;
            steady = plan.Steady && !halted && extra == 0;
            if (!changed && primary.Rollout == DeploymentRolloutState.COMPLETED && plan.OldCount == 0 && S.Status == ServiceStatus.ACTIVE
                && (plan.Steady || S.Rebalancing))
            {
                changed = await Rebalance(snapshot, primary, now);
                steady &= !S.Rebalancing;
            }
        }

        if (changed)
        {
            snapshot = await Cluster.GetServiceTasks(Name, daemon ? constraints : default);
            UpdateCounts(snapshot);
        }

        await Settle(steady && !changed, snapshot, now);
        FlushEvents();
        _timer?.Arm(NextWake);
    }

    /// <summary>Starts tasks of a deployment (one LaunchTasks call); returns the ids of the tasks created.</summary>
    private async Task<ImmutableArray<string>> Launch(DeploymentState deployment, string? provider, int count, ImmutableArray<string> targets, DateTimeOffset now,
        ImmutableArray<PlacementConstraint> extraConstraints)
    {
        var spec = Spec;
        var request = new LaunchRequest(
            deployment.TaskDefinition, count, "service:" + Name, deployment.Id, Name, deployment.Id,
            deployment.LaunchType ?? (provider is null ? spec.LaunchType ?? LaunchType.EC2 : null), [],
            [new ProviderAllocation(provider, count)], PlacementFor(spec), Constraints(spec).AddRange(extraConstraints.IsDefault ? [] : extraConstraints), targets,
            spec.SchedulingStrategy == SchedulingStrategy.DAEMON, null, null, SubnetZones(spec));
        try
        {
            var result = await Cluster.LaunchTasks(request);
            var started = result.Tasks.Where(t => t.LastStatus != TaskStatus.PROVISIONING || t.ContainerInstanceId is not null || t.LaunchType == LaunchType.FARGATE).ToList();
            if (!result.Tasks.IsEmpty)
            {
                S.Launches = S.Launches.Add((now, result.Tasks.Length));
            }

            if (started.Count > 0 && extraConstraints.IsDefaultOrEmpty)
            {
                AddEvent(ServiceEvents.StartedTasks(Name, started.Select(t => t.TaskId).Take(10).ToList()), now);
            }

            if (result.PlacementMessage is { } message)
            {
                PlacementEvent(message, now);
            }

            return result.Tasks.Select(t => t.TaskId).ToImmutableArray();
        }
        catch (EcsException e) when (e.Code == ErrorCodes.ClientException)
        {
            PlacementEvent($"(service {Name}) was unable to place a task. Reason: {e.Message}", now);
            return [];
        }
    }

    /// <summary>The primary deployment's tasks that are wanted running on a usable instance (B-SV-4's "current" tasks).</summary>
    private static List<ServiceTaskView> CurrentTasks(ServiceTasksSnapshot snapshot, string primaryId) =>
        snapshot.Tasks.Where(t => t.DesiredStatus == DesiredStatus.RUNNING && t.DeploymentId == primaryId && !t.OnDrainingInstance).ToList();

    /// <summary>B-CP-3: the split of the whole desired count over the providers of the strategy in force.</summary>
    private static ImmutableArray<ProviderLaunch> Targets(ServiceSpec spec, ServiceTasksSnapshot snapshot)
    {
        if (spec.LaunchType is not null)
        {
            return [new ProviderLaunch(null, spec.DesiredCount)];
        }

        var strategy = !spec.CapacityProviderStrategy.IsDefaultOrEmpty ? spec.CapacityProviderStrategy : snapshot.DefaultStrategy;
        if (strategy.IsDefaultOrEmpty)
        {
            return [new ProviderLaunch(null, spec.DesiredCount)];
        }

        return CapacityProviderStrategies.Split(strategy, spec.DesiredCount)
            .Select(p => new ProviderLaunch(p.CapacityProvider, p.Count))
            .ToImmutableArray();
    }

    private static ImmutableArray<PlacementStrategy> PlacementFor(ServiceSpec spec) =>
        spec.PlacementStrategies.IsDefaultOrEmpty ? PlacementDefaults.ForService : spec.PlacementStrategies;

    /// <summary>The service's own constraints, plus the zones of its awsvpc subnets (tasks land in their subnets' zones).</summary>
    private static ImmutableArray<PlacementConstraint> Constraints(ServiceSpec spec) =>
        (spec.PlacementConstraints.IsDefault ? [] : spec.PlacementConstraints).AddRange(SubnetPlacement.ZoneConstraints(SubnetZones(spec)));

    private static ImmutableArray<string> SubnetZones(ServiceSpec spec) => spec.Options?.Network?.Zones ?? default;

    private static bool SameNetwork(AwsVpcConfiguration a, AwsVpcConfiguration? b) =>
        b is not null && a.Subnets.SequenceEqual(b.Subnets) && a.SecurityGroups.SequenceEqual(b.SecurityGroups) && a.AssignPublicIp == b.AssignPublicIp;

    private int LaunchesInLastMinute(DateTimeOffset now)
    {
        var cutoff = now - _rt.Options.Timings.ServiceLaunchWindow; // B-SV-3
        S.Launches = S.Launches.RemoveAll(l => l.At < cutoff);
        return S.Launches.Sum(l => l.Count);
    }

    private ServiceInfo Info()
    {
        var deployments = S.Deployments.Select(d =>
        {
            var counts = _byDeployment.GetValueOrDefault(d.Id);
            var primary = d.Status == PrimaryStatus;
            var breaker = d.Breaker is { } b ? CircuitBreaker.Evaluate(b, Spec.EffectiveOptions.CircuitBreaker, Spec.DesiredCount) : null;
            return new DeploymentInfo(
                d.Id, d.Status, d.TaskDefinition.Arn,
                primary ? Spec.DesiredCount : counts.Running + counts.Pending,
                counts.Pending, counts.Running,
                d.FailedTasks, d.Rollout, d.Reason, d.CreatedAt, d.UpdatedAt, d.LaunchType, d.Strategy, d.TaskDefinition,
                breaker?.FailureCount ?? 0,
                Spec.EffectiveOptions.CircuitBreaker.Enable ? CircuitBreaker.Threshold(Spec.EffectiveOptions.CircuitBreaker.EffectiveThreshold, Spec.DesiredCount) : null,
                d.RevisionId, d.ServiceDeploymentId, d.BakeUntil);
        }).ToImmutableArray();
        return new ServiceInfo(Spec, Arn, S.Status, _running, _pending, deployments, S.Events.ToImmutableArray(), S.CreatedAt, S.Steady, _runningByProvider,
            S.ServiceDeployments.FirstOrDefault()?.Id, CurrentRevisions(),
            S.Shift is { } shift && S.ServiceDeployments.FirstOrDefault(x => x.Id == shift.ServiceDeploymentId) is { } shifted ? ShiftView(shifted) : null);
    }

    private void StartTimer()
    {
        if (_timer is null)
        {
            var period = _rt.Options.Timings.MetricPeriod;
            _nextInsightsAt = DateTimeOffset.UnixEpoch + TimeSpan.FromTicks(((Now - DateTimeOffset.UnixEpoch).Ticks / period.Ticks + 1) * period.Ticks);
            _timer = DueTimer.Register(this, Tick, _rt.Clock);
            _timer.Arm(NextWake);
        }
    }

    private void EnsureActive()
    {
        if (!S.Exists || S.Status == ServiceStatus.INACTIVE)
        {
            throw Errors.ServiceNotFound();
        }

        if (S.Status == ServiceStatus.DRAINING)
        {
            throw Errors.ServiceNotActive();
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "{Cluster}/{Service}: {Message}")]
    private partial void LogServiceEvent(string cluster, string service, string message);
}
