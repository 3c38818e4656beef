using System.Collections.Immutable;
using Emulator.Contracts;
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

[GenerateSerializer, Immutable, Alias("DeploymentState")]
public sealed record DeploymentState(
    [property: Id(0)] string Id,
    [property: Id(1)] TaskDefinitionRecord TaskDefinition,
    [property: Id(2)] string Status,
    [property: Id(3)] DeploymentRolloutState Rollout,
    [property: Id(4)] string Reason,
    [property: Id(5)] DateTimeOffset CreatedAt,
    [property: Id(6)] DateTimeOffset UpdatedAt,
    [property: Id(7)] int FailedTasks,
    [property: Id(8)] LaunchType? LaunchType,
    [property: Id(9)] ImmutableArray<CapacityProviderStrategyItem> Strategy);

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
}

/// <summary>
/// An ECS service's scheduler (B-SV-1..7). Each reconciliation reads the service's tasks from the cluster in one
/// call, asks the pure <see cref="ServiceScheduler"/> what to do, and applies it in batches (one LaunchTasks call
/// per provider, one stop call): never a round trip per task.
/// </summary>
public sealed partial class ServiceGrain : Grain, IServiceGrain
{
    private const int EventLimit = 100;

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
    private string? _lastPlacementEvent;
    private DateTimeOffset _lastPlacementEventAt;
    private string? _lastNote;
    private DateTimeOffset _nextInsightsAt = DateTimeOffset.MaxValue;

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

    private DeploymentState Primary => S.Deployments.First(d => d.Status == "PRIMARY");

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
        S.Deployments = [NewDeployment(spec.TaskDefinition, spec, now)];
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

        // Settings stored as written (ServiceOptions); a changed network configuration deploys (B-DP-1).
        var newNetwork = false;
        if (update.Options is { } patch)
        {
            var options = (spec.Options ?? ServiceOptions.Default).With(patch);
            newNetwork = patch.Network is { } network && !SameNetwork(network, spec.Options?.Network);
            spec = spec with { Options = options };
        }

        // B-DP-1: a new task definition, strategy, network configuration or a forced deployment starts a new PRIMARY deployment.
        if (newTaskDef || update.ForceNewDeployment || update.CapacityProviderStrategy is not null || newLoadBalancers || newNetwork)
        {
            S.Deployments = S.Deployments
                .Select(d => d.Status == "PRIMARY" ? d with { Status = "ACTIVE", UpdatedAt = now } : d)
                .Prepend(NewDeployment(spec.TaskDefinition, spec, now))
                .ToImmutableList();
            S.Steady = false;
        }

        if (spec.DesiredCount != Spec.DesiredCount)
        {
            S.Steady = false;
        }

        S.Spec = spec;
        await _store.WriteStateAsync();
        await Reconcile();
        return Info();
    }

    public Task<ServiceInfo?> Describe() => Task.FromResult(S.Exists ? Info() : null);

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
    private DateTimeOffset NextWake => NextReconcileAt < _nextInsightsAt ? NextReconcileAt : _nextInsightsAt;

    /// <summary>
    /// ECS/ContainerInsights RunningTaskCount, DesiredTaskCount and PendingTaskCount (ClusterName, ServiceName) once per
    /// metric period, stamped with the period that just ended and taken from the latest reconciliation's counts (what
    /// target tracking on a custom metric such as backlog per task divides by, B-AS-2).
    /// </summary>
    private void PublishInsights()
    {
        var now = Now;
        if (now < _nextInsightsAt || !S.Exists || S.Status == ServiceStatus.INACTIVE)
        {
            return;
        }

        var period = _rt.Options.Timings.MetricPeriod;
        var stamp = _nextInsightsAt - period;
        _nextInsightsAt = TickSchedule.NextTick(_nextInsightsAt, now, period);
        (string, string) cluster = ("ClusterName", ClusterName), service = ("ServiceName", Name);
        GrainFactory.GetGrain<IMetricStoreGrain>(MetricNamespaces.ContainerInsights).Put([
            MetricNamespaces.Datum("RunningTaskCount", stamp, _running, "Count", cluster, service),
            MetricNamespaces.Datum("PendingTaskCount", stamp, _pending, "Count", cluster, service),
            MetricNamespaces.Datum("DesiredTaskCount", stamp, Spec.DesiredCount, "Count", cluster, service)]).Ignore();
    }

    /// <summary>B-SV-3: the timer wakes only when the next reconciliation is due, not every emulated second.</summary>
    private DateTimeOffset NextReconcileAt =>
        ServiceScheduler.NextReconcileAt(_lastReconcile, _poked, S.Steady, _rt.Options.Timings.ServiceReconcilePeriod, _rt.Clock.TimeScale);

    /// <summary>B-SV-3: one reconciliation: read, plan (pure), apply in batches, record events.</summary>
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

        var primary = Primary;
        var reason = StopReasons.ScalingActivity(primary.Id);
        var launchAllowed = S.BackoffUntil is null || S.BackoffUntil <= now;
        var changed = false;
        bool steady;
        if (daemon)
        {
            var plan = ServiceScheduler.PlanDaemon(primary.Id, snapshot.Instances, snapshot.Tasks);
            if (!plan.StopTasks.IsEmpty)
            {
                await Cluster.StopTasks(plan.StopTasks, StopReasons.ServiceSchedulerInitiated, reason);
                changed = true;
            }

            if (!plan.LaunchOnInstances.IsEmpty && launchAllowed && S.Status == ServiceStatus.ACTIVE)
            {
                await Launch(primary, null, plan.LaunchOnInstances.Length, plan.LaunchOnInstances, now);
                changed = true;
            }

            steady = plan.Steady;
        }
        else
        {
            var targets = Targets(spec, snapshot);
            var budget = Math.Max(0, _rt.Options.ServiceLaunchesPerMinute - LaunchesInLastMinute(now));
            var plan = ServiceScheduler.PlanReplica(
                spec.DesiredCount, spec.MinimumHealthyPercent, spec.MaximumPercent, primary.Id, targets, snapshot.Tasks,
                launchAllowed ? budget : 0);
            foreach (var excess in plan.StopExcess)
            {
                await Cluster.StopServiceTasks(Name, excess.CapacityProvider, excess.Count, PlacementFor(spec), reason);
                changed = true;
            }

            if (!plan.StopTasks.IsEmpty)
            {
                var stopped = await Cluster.StopTasks(plan.StopTasks, StopReasons.ServiceSchedulerInitiated, reason);
                AddEvent(ServiceEvents.StoppedTasks(Name, stopped.Select(t => t.TaskId).Take(10).ToList()), now);
                changed = true;
            }

            if (S.Status == ServiceStatus.ACTIVE)
            {
                foreach (var l in plan.Launch)
                {
                    await Launch(primary, l.CapacityProvider, l.Count, [], now);
                    changed = true;
                }
            }

            if (plan.Note is { } note && note != _lastNote)
            {
                AddEvent(ServiceEvents.CannotProgress(Name, note), now);
            }

            _lastNote = plan.Note;
            steady = plan.Steady;
        }

        if (changed)
        {
            snapshot = await Cluster.GetServiceTasks(Name, daemon ? constraints : default);
            UpdateCounts(snapshot);
        }

        await Settle(steady && !changed, snapshot, now);
        _timer?.Arm(NextWake);
    }

    private async Task Launch(DeploymentState deployment, string? provider, int count, ImmutableArray<string> targets, DateTimeOffset now)
    {
        var spec = Spec;
        var request = new LaunchRequest(
            deployment.TaskDefinition, count, "service:" + Name, deployment.Id, Name, deployment.Id,
            deployment.LaunchType ?? (provider is null ? spec.LaunchType ?? LaunchType.EC2 : null), [],
            [new ProviderAllocation(provider, count)], PlacementFor(spec), Constraints(spec), targets,
            spec.SchedulingStrategy == SchedulingStrategy.DAEMON, null, null, SubnetZones(spec));
        try
        {
            var result = await Cluster.LaunchTasks(request);
            var started = result.Tasks.Where(t => t.LastStatus != TaskStatus.PROVISIONING || t.ContainerInstanceId is not null || t.LaunchType == LaunchType.FARGATE).ToList();
            if (!result.Tasks.IsEmpty)
            {
                S.Launches = S.Launches.Add((now, result.Tasks.Length));
            }

            if (started.Count > 0)
            {
                AddEvent(ServiceEvents.StartedTasks(Name, started.Select(t => t.TaskId).Take(10).ToList()), now);
            }

            if (result.PlacementMessage is { } message)
            {
                PlacementEvent(message, now);
            }
        }
        catch (EcsException e) when (e.Code == ErrorCodes.ClientException)
        {
            PlacementEvent($"(service {Name}) was unable to place a task. Reason: {e.Message}", now);
        }
    }

    private void PlacementEvent(string message, DateTimeOffset now)
    {
        // AWS repeats a placement failure event, but not on every reconcile (B-PL-5).
        if (message != _lastPlacementEvent || now - _lastPlacementEventAt >= _rt.Options.Timings.PlacementFailureEventRepeat)
        {
            AddEvent(message, now);
            _lastPlacementEvent = message;
            _lastPlacementEventAt = now;
            ServiceAction("SERVICE_TASK_PLACEMENT_FAILURE", now);
        }
    }

    private async Task Settle(bool steady, ServiceTasksSnapshot snapshot, DateTimeOffset now)
    {
        var active = snapshot.Tasks.Where(t => t.DesiredStatus == DesiredStatus.RUNNING).ToList();

        // B-DP-1: older deployments with no tasks left become INACTIVE (dropped from the list).
        var before = S.Deployments.Count;
        S.Deployments = S.Deployments
            .Where(d => d.Status == "PRIMARY" || active.Any(t => t.DeploymentId == d.Id))
            .ToImmutableList();
        var dirty = before != S.Deployments.Count;

        if (steady && !S.Steady)
        {
            S.Steady = true;
            var primary = Primary;
            if (primary.Rollout == DeploymentRolloutState.IN_PROGRESS)
            {
                S.Deployments = S.Deployments.Replace(primary, primary with
                {
                    Rollout = DeploymentRolloutState.COMPLETED,
                    Reason = "ECS deployment " + primary.Id + " completed.",
                    UpdatedAt = now,
                });
                AddEvent(ServiceEvents.DeploymentCompleted(Name, primary.Id), now);
                DeploymentEvent("SERVICE_DEPLOYMENT_COMPLETED", primary.Id, now);
            }

            AddEvent(ServiceEvents.SteadyState(Name), now);
            ServiceAction("SERVICE_STEADY_STATE", now);
            dirty = true;
        }
        else if (!steady && S.Steady)
        {
            S.Steady = false;
            dirty = true;
        }

        // B-SV-7: DRAINING until every task has actually stopped.
        if (S.Status == ServiceStatus.DRAINING && snapshot.Tasks.All(t => t.LastStatus == TaskStatus.STOPPED))
        {
            S.Status = ServiceStatus.INACTIVE;
            await UnbindTargetGroups(Spec);
            await Cluster.RemoveService(Name);
            _timer?.Dispose();
            _timer = null;
            dirty = true;
        }

        if (dirty)
        {
            await _store.WriteStateAsync();
        }
    }

    /// <summary>B-SV-5: tasks that keep failing to start push the next launch further out, up to 15 minutes.</summary>
    private void TrackFailures(ServiceTasksSnapshot snapshot, DateTimeOffset now)
    {
        var failures = snapshot.Tasks.Count(t => t.StopCode == StopReasons.TaskFailedToStart && t.StoppedAt > S.LastFailureSeenAt);
        var startedOk = snapshot.Tasks.Any(t => t.LastStatus == TaskStatus.RUNNING && t.Healthy);
        if (failures > 0)
        {
            S.LastFailureSeenAt = snapshot.Tasks.Where(t => t.StopCode == StopReasons.TaskFailedToStart && t.StoppedAt is not null).Max(t => t.StoppedAt!.Value);
            S.ConsecutiveFailures += failures;
            var primary = Primary;
            S.Deployments = S.Deployments.Replace(primary, primary with { FailedTasks = primary.FailedTasks + failures, UpdatedAt = now });
            var backoff = ServiceScheduler.StartFailureBackoff(S.ConsecutiveFailures, _rt.Options.Timings.StartFailureBackoffInitial, _rt.Options.Timings.StartFailureBackoffMax);
            S.BackoffUntil = now + backoff;
            if (S.ConsecutiveFailures >= 3)
            {
                AddEvent(ServiceEvents.UnableToConsistentlyStart(Name), now);
                ServiceAction("SERVICE_TASK_START_IMPAIRED", now);
            }
        }
        else if (startedOk && S.ConsecutiveFailures > 0 && snapshot.Tasks.All(t => t.DesiredStatus != DesiredStatus.RUNNING || t.LastStatus == TaskStatus.RUNNING))
        {
            S.ConsecutiveFailures = 0;
            S.BackoffUntil = null;
        }
    }

    private void UpdateCounts(ServiceTasksSnapshot snapshot)
    {
        _running = snapshot.Tasks.Count(t => t.LastStatus == TaskStatus.RUNNING);
        _pending = snapshot.Tasks.Count(t => t.LastStatus is TaskStatus.PENDING or TaskStatus.PROVISIONING or TaskStatus.ACTIVATING);
        _runningByProvider = snapshot.Tasks
            .Where(t => t.LastStatus == TaskStatus.RUNNING)
            .GroupBy(t => t.CapacityProvider ?? "-")
            .ToImmutableDictionary(g => g.Key, g => g.Count());
    }

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

    private DeploymentState NewDeployment(TaskDefinitionRecord taskDefinition, ServiceSpec spec, DateTimeOffset now) =>
        new(RandomIds.DeploymentId(_random), taskDefinition, "PRIMARY", DeploymentRolloutState.IN_PROGRESS,
            "ECS deployment in progress.", now, now, 0, spec.LaunchType,
            spec.CapacityProviderStrategy.IsDefault ? [] : spec.CapacityProviderStrategy);

    private void AddEvent(string message, DateTimeOffset now)
    {
        S.Events = S.Events.Insert(0, new ServiceEventRecord(RandomIds.Uuid(_random), now, message));
        if (S.Events.Count > EventLimit)
        {
            S.Events = S.Events.RemoveRange(EventLimit, S.Events.Count - EventLimit);
        }

        LogServiceEvent(ClusterName, Name, message);
    }

    private void ServiceAction(string eventName, DateTimeOffset now) =>
        Cluster.AppendEvents([new EmulatorEvent(0, RandomIds.Uuid(_random), EventTypes.ServiceAction, EventTypes.SourceEcs, now,
            [Arn], ImmutableDictionary<string, string>.Empty.Add("eventType", "INFO").Add("eventName", eventName)
                .Add("clusterArn", Arns.Cluster(_rt.Region, _rt.Account, ClusterName)), null, null)]).Ignore();

    private void DeploymentEvent(string eventName, string deploymentId, DateTimeOffset now) =>
        Cluster.AppendEvents([new EmulatorEvent(0, RandomIds.Uuid(_random), EventTypes.DeploymentStateChange, EventTypes.SourceEcs, now,
            [Arn], ImmutableDictionary<string, string>.Empty.Add("eventType", "INFO").Add("eventName", eventName)
                .Add("deploymentId", deploymentId).Add("updatedAt", now.ToString("O")).Add("reason", $"ECS deployment {deploymentId} completed."), null, null)]).Ignore();

    private string Arn => Arns.Service(_rt.Region, _rt.Account, ClusterName, Name);

    private ServiceInfo Info()
    {
        var deployments = S.Deployments.Select(d => new DeploymentInfo(
            d.Id, d.Status, d.TaskDefinition.Arn,
            d.Status == "PRIMARY" ? Spec.DesiredCount : 0,
            d.Status == "PRIMARY" ? _pending : 0,
            d.Status == "PRIMARY" ? _running : 0,
            d.FailedTasks, d.Rollout, d.Reason, d.CreatedAt, d.UpdatedAt, d.LaunchType, d.Strategy, d.TaskDefinition)).ToImmutableArray();
        return new ServiceInfo(Spec, Arn, S.Status, _running, _pending, deployments, S.Events.ToImmutableArray(), S.CreatedAt, S.Steady, _runningByProvider);
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
            throw new EcsException(ErrorCodes.ServiceNotFound, "Service not found.");
        }

        if (S.Status == ServiceStatus.DRAINING)
        {
            throw new EcsException(ErrorCodes.ServiceNotActive, "Service was not ACTIVE.");
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "{Cluster}/{Service}: {Message}")]
    private partial void LogServiceEvent(string cluster, string service, string message);
}
