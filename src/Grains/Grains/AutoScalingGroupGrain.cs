using System.Collections.Immutable;
using Emulator.Contracts;
using Emulator.Model.Chaos;
using Emulator.Model.Scaling;
using Emulator.Model.Time;
using Emulator.Runtime;
using Microsoft.Extensions.Logging;

namespace Emulator.Grains;

[GenerateSerializer, Alias("AsgState")]
public sealed class AsgState
{
    [Id(0)] public bool Exists { get; set; }

    [Id(1)] public AsgSpec? Spec { get; set; }

    [Id(2)] public string Uuid { get; set; } = "";

    [Id(3)] public int Desired { get; set; }

    [Id(4)] public Dictionary<string, AsgInstance> Instances { get; set; } = new(StringComparer.Ordinal);

    [Id(5)] public ImmutableList<ScalingActivity> Activities { get; set; } = [];

    [Id(6)] public string? CapacityProvider { get; set; }

    [Id(7)] public bool ManagedDraining { get; set; }

    [Id(8)] public DateTimeOffset CreatedAt { get; set; }

    /// <summary>The first half of the next activities' Cause: why desired capacity last changed (B-ASG-6).</summary>
    [Id(9)] public string LastDesiredCause { get; set; } = "";

    /// <summary>Unused since the shared Spot market (<see cref="ISpotMarketGrain"/>) holds exhausted pools; kept for stored state.</summary>
    [Id(10)] public ImmutableHashSet<string> ExhaustedPools { get; set; } = [];

    /// <summary>Cost of instances already dropped from <see cref="Instances"/> (B-IT-5).</summary>
    [Id(11)] public decimal DroppedInstancesCost { get; set; }

    /// <summary>B-SP-1..3, B-ASG-5: Spot interruptions in progress, by instance id (survive reactivation).</summary>
    [Id(12)] public Dictionary<string, SpotInterruptionPlan> Interruptions { get; set; } = new(StringComparer.Ordinal);

    /// <summary>B-SP-5: the emulated time up to which the pools' interruption rates have been applied.</summary>
    [Id(13)] public DateTimeOffset? RateAppliedUntil { get; set; }

    /// <summary>How many times this group's grain was activated on its persisted state (seeds a fresh id stream).</summary>
    [Id(50)] public int Incarnation { get; set; }
}

/// <summary>
/// One EC2 Spot interruption in progress (B-SP-1..3, B-ASG-5): when the rebalance recommendation, the warning and
/// the termination happen, what has been done, and (with capacity rebalancing) the at-risk flag and replacement.
/// </summary>
[GenerateSerializer, Immutable, Alias("SpotInterruptionPlan")]
public sealed record SpotInterruptionPlan(
    [property: Id(0)] string InstanceId,
    [property: Id(1)] DateTimeOffset? RebalanceAt,
    [property: Id(2)] DateTimeOffset WarningAt,
    [property: Id(3)] DateTimeOffset TerminateAt,
    [property: Id(4)] bool RebalanceSent,
    [property: Id(5)] bool WarningSent,
    [property: Id(6)] bool AtRisk,
    [property: Id(7)] string? ReplacementId);

/// <summary>
/// An EC2 Auto Scaling group and its instances (B-ASG-1..4, B-ASG-6, B-CAS-8). A timer ticks every emulated second:
/// due instances go InService, InService instances register their ECS agent with the cluster, the group launches or
/// terminates toward its desired capacity (choices from the pure <see cref="AutoScalingGroups"/> model) and
/// Terminating:Wait instances finish once managed draining has emptied them.
/// </summary>
public sealed partial class AutoScalingGroupGrain : Grain, IAutoScalingGroupGrain, IRemindable, IIncomingGrainCallFilter
{
    private const int ActivityLimit = 500;

    private readonly IPersistentState<AsgState> _store;
    private readonly EmulatorRuntime _rt;
    private readonly ILogger<AutoScalingGroupGrain> _log;
    private Random _random = new(0);
    private DueTimer? _timer;
    private DateTimeOffset _nextTickAt;
    private DateTimeOffset _nextGroupMetricsAt;
    private bool _reconciledWithCluster;

    /// <summary>After a failed launch the group tries again 10 s later (emulated), not on every tick (B-ASG-6: one failed activity per attempt).</summary>
    private DateTimeOffset _launchRetryAt;

    public AutoScalingGroupGrain([PersistentState("asg", "emulator")] IPersistentState<AsgState> store, EmulatorRuntime runtime, ILogger<AutoScalingGroupGrain> log)
    {
        _store = store;
        _rt = runtime;
        _log = log;
    }

    private AsgState S => _store.State;

    private AsgSpec Spec => S.Spec!;

    private string Name => this.GetPrimaryKeyString();

    private DateTimeOffset Now => _rt.Clock.Now;

    private IClusterGrain Cluster => GrainFactory.GetGrain<IClusterGrain>(GrainKeys.Cluster(Spec.ClusterName));

    private ISpotMarketGrain Market => GrainFactory.GetGrain<ISpotMarketGrain>(ISpotMarketGrain.Key);

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (S.Exists)
        {
            // Reactivated on persisted state: a fresh id stream (no EC2 instance id handed out twice), then the
            // first tick reconciles with the cluster (what either side had not yet written when a silo died).
            S.Incarnation++;
            await _store.WriteStateAsync(cancellationToken);
        }

        _random = _rt.Random.For(Durability.Scope("asg/" + Name, S.Incarnation));
        _reconciledWithCluster = !S.Exists;
        if (S.Exists)
        {
            StartTimer();
            await this.RegisterOrUpdateReminder(Durability.WakeReminder, Durability.WakePeriod(_rt), Durability.WakePeriod(_rt));
        }
    }

    /// <summary>The wake-up reminder: it outlives a dead silo and reactivates this group (whose activation restarts its timer).</summary>
    /// <summary>After every call: a launch or an interruption it scheduled gets its own wake (B-T-3).</summary>
    public async Task Invoke(IIncomingGrainCallContext context)
    {
        await context.Invoke();
        WakeWhenDue();
    }

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (!S.Exists && await this.GetReminder(Durability.WakeReminder) is { } reminder)
        {
            await this.UnregisterReminder(reminder);
        }
    }

    /// <summary>
    /// After a reactivation: container instances of this group that the cluster lacks register again (the agent
    /// reconnects); container instances whose EC2 instance this group terminated (or never kept) are terminated in
    /// the cluster too. Nothing is dropped silently: each side is brought back to what the other persisted.
    /// </summary>
    private async Task<bool> ReconcileWithCluster()
    {
        ImmutableArray<ContainerInstanceRecord> registered;
        try
        {
            registered = await Cluster.GetInstances();
        }
        catch (EcsException)
        {
            return false;
        }

        var changed = false;
        var inCluster = registered.Where(r => r.AutoScalingGroup == Name).ToDictionary(r => r.Ec2InstanceId, StringComparer.Ordinal);
        foreach (var i in S.Instances.Values.ToList())
        {
            if (i.Registered && i.State is LifecycleState.InService or LifecycleState.TerminatingWait && !inCluster.ContainsKey(i.InstanceId))
            {
                LogReconciled(Name, i.InstanceId, "registers again: its container instance is missing from the cluster");
                S.Instances[i.InstanceId] = i with { Registered = false };
                changed = true;
            }
        }

        foreach (var record in inCluster.Values.Where(r => r.Status != ContainerInstanceStatus.INACTIVE))
        {
            if (!S.Instances.TryGetValue(record.Ec2InstanceId, out var mine) || mine.State == LifecycleState.Terminated)
            {
                LogReconciled(Name, record.Ec2InstanceId, "terminated in the cluster: the group no longer runs it");
                await Cluster.InstanceTerminated(record.Ec2InstanceId);
            }
        }

        return changed;
    }

    public async Task<AsgInfo> Create(AsgSpec spec)
    {
        if (S.Exists)
        {
            throw new EcsException(ErrorCodes.AlreadyExists, $"AutoScalingGroup by this name already exists - A group with the name {spec.Name} already exists");
        }

        var error = Validate(spec.MinSize, spec.MaxSize, spec.DesiredCapacity);
        if (error is not null)
        {
            throw new EcsException(ErrorCodes.ValidationError, error);
        }

        if (spec.InstanceTypes.IsDefaultOrEmpty || spec.InstanceTypes.Any(t => !_rt.Catalog.TryGet(t, out _)))
        {
            throw new EcsException(ErrorCodes.ValidationError, $"Invalid instance type(s): {string.Join(", ", spec.InstanceTypes.IsDefault ? [] : spec.InstanceTypes)}. Known types: {string.Join(", ", _rt.Catalog.All.Select(t => t.Name))}.");
        }

        var zones = spec.AvailabilityZones.IsDefaultOrEmpty ? _rt.Options.AvailabilityZones.ToImmutableArray() : spec.AvailabilityZones;
        S.Exists = true;
        S.Spec = spec with { AvailabilityZones = zones };
        S.Uuid = RandomIds.Uuid(_random);
        S.Desired = spec.DesiredCapacity;
        S.CreatedAt = Now;
        S.LastDesiredCause = ScalingActivities.CauseUserRequest(Now, spec.MinSize, spec.MaxSize, 0, spec.DesiredCapacity);
        await _store.WriteStateAsync();
        StartTimer();
        _reconciledWithCluster = true;
        await this.RegisterOrUpdateReminder(Durability.WakeReminder, Durability.WakePeriod(_rt), Durability.WakePeriod(_rt));
        Publish();
        return Info();
    }

    public async Task<AsgInfo> Update(AsgUpdate update)
    {
        EnsureExists();
        var min = update.MinSize ?? Spec.MinSize;
        var max = update.MaxSize ?? Spec.MaxSize;
        var desired = update.DesiredCapacity ?? Math.Max(min, Math.Min(S.Desired, max)); // not Math.Clamp: min > max is a ValidationError below
        var error = Validate(min, max, desired);
        if (error is not null)
        {
            throw new EcsException(ErrorCodes.ValidationError, error);
        }

        var baseSpec = update.Spec ?? Spec; // issue 14: UpdateAutoScalingGroup's launch, zones, settings and tags, resolved at the edge
        S.Spec = baseSpec with
        {
            MinSize = min,
            MaxSize = max,
            NewInstancesProtectedFromScaleIn = update.NewInstancesProtectedFromScaleIn ?? baseSpec.NewInstancesProtectedFromScaleIn,
            CapacityRebalance = update.CapacityRebalance ?? baseSpec.CapacityRebalance,
            Tags = update.Tags is { } tags ? baseSpec.Tags.SetItems(tags) : baseSpec.Tags,
        };
        if (desired != S.Desired)
        {
            S.LastDesiredCause = ScalingActivities.CauseUserRequest(Now, min, max, S.Desired, desired);
            S.Desired = desired;
        }

        await _store.WriteStateAsync();
        Publish();
        return Info();
    }

    public Task<AsgInfo?> Describe() => Task.FromResult(S.Exists ? Info() : null);

    public async Task Delete(bool force)
    {
        EnsureExists();
        var live = S.Instances.Values.Where(i => i.State != LifecycleState.Terminated).ToList();
        if (live.Count > 0 && !force)
        {
            throw new EcsException(ErrorCodes.ResourceInUse, "You cannot delete an AutoScalingGroup while there are instances or pending Spot instance request(s) still in the group.");
        }

        foreach (var i in live)
        {
            await Terminate(i, ScalingActivities.CauseUserRequest(Now, 0, 0, S.Desired, 0));
        }

        S.Exists = false;
        _timer?.Dispose();
        _timer = null;
        _rt.Metrics.RemoveAsg(Name);
        await _store.WriteStateAsync();
    }

    public async Task<AsgInfo> SetDesiredCapacity(int desired, string? casAlarmName)
    {
        EnsureExists();
        if (desired > Spec.MaxSize)
        {
            throw new EcsException(ErrorCodes.ValidationError, $"New SetDesiredCapacity value {desired} is above max value {Spec.MaxSize} for the AutoScalingGroup.");
        }

        if (desired < Spec.MinSize)
        {
            throw new EcsException(ErrorCodes.ValidationError, $"New SetDesiredCapacity value {desired} is below min value {Spec.MinSize} for the AutoScalingGroup.");
        }

        if (desired != S.Desired)
        {
            S.LastDesiredCause = casAlarmName is null
                ? ScalingActivities.CauseSetDesiredCapacity(Now, S.Desired, desired)
                : ScalingActivities.CauseCasAlarm(Now, casAlarmName, PolicyName, S.Desired, desired);
            S.Desired = desired;
            _launchRetryAt = default;
            await _store.WriteStateAsync();
            await Reconcile(Now);
        }

        Publish();
        return Info();
    }

    public async Task SetProtection(ImmutableDictionary<string, bool> protection)
    {
        EnsureExists();
        var changed = false;
        foreach (var (id, protect) in protection)
        {
            if (S.Instances.TryGetValue(id, out var i) && i.ProtectedFromScaleIn != protect)
            {
                S.Instances[id] = i with { ProtectedFromScaleIn = protect };
                changed = true;
            }
        }

        if (changed)
        {
            await _store.WriteStateAsync();
        }
    }

    public async Task<ScalingActivity> TerminateInstance(string instanceId, bool decrementDesired)
    {
        EnsureExists();
        if (!S.Instances.TryGetValue(instanceId, out var instance) || instance.State is LifecycleState.Terminated)
        {
            throw new EcsException(ErrorCodes.ValidationError, $"Instance Id not found - No managed instance found for instance ID: {instanceId}");
        }

        if (decrementDesired)
        {
            if (S.Desired - 1 < Spec.MinSize)
            {
                throw new EcsException(ErrorCodes.ValidationError,
                    $"Currently, desiredSize equals minSize ({Spec.MinSize}). Terminating instance without replacement will violate group's min size constraint. Either set shouldDecrementDesiredCapacity flag to false or lower group's min size.");
            }

            S.Desired--;
        }

        var cause = decrementDesired
            ? ScalingActivities.JoinCauses(ScalingActivities.CauseSelectedForTermination(Now, instanceId), ScalingActivities.CauseSetDesiredCapacity(Now, S.Desired + 1, S.Desired))
            : ScalingActivities.CauseSelectedForTermination(Now, instanceId);
        var activity = await BeginTermination(instance, cause);
        await _store.WriteStateAsync();
        Publish();
        return activity;
    }

    public async Task AttachCapacityProvider(string? capacityProvider, bool managedDraining)
    {
        EnsureExists();
        S.CapacityProvider = capacityProvider;
        S.ManagedDraining = managedDraining && capacityProvider is not null;
        await _store.WriteStateAsync();
    }

    public Task<ImmutableArray<ScalingActivity>> GetActivities(int max) =>
        Task.FromResult(S.Activities.Take(Math.Max(1, max)).ToImmutableArray());

    public async Task<ImmutableArray<string>> InterruptSpot(ImmutableArray<string> instanceIds, TimeSpan notice, bool rebalanceRecommendation, TimeSpan? rebalanceLead)
    {
        EnsureExists();
        var now = Now;
        var accepted = ImmutableArray.CreateBuilder<string>();
        foreach (var id in instanceIds.Distinct(StringComparer.Ordinal))
        {
            if (S.Instances.TryGetValue(id, out var i) && i.IsSpot && i.State is LifecycleState.InService or LifecycleState.Pending or LifecycleState.TerminatingWait
                && !S.Interruptions.ContainsKey(id))
            {
                var times = ChaosSelections.SpotTimes(now, notice, rebalanceRecommendation, rebalanceLead);
                S.Interruptions[id] = new SpotInterruptionPlan(id, times.RebalanceAt, times.WarningAt, times.TerminateAt, false, false, false, null);
                accepted.Add(id);
            }
        }

        if (accepted.Count > 0)
        {
            await ProcessInterruptions(now); // the steps due now (warning, DRAINING) happen before the call returns
            await _store.WriteStateAsync();
        }

        return accepted.ToImmutable();
    }

    public async Task<ImmutableArray<string>> TerminateNow(ImmutableArray<string> instanceIds)
    {
        EnsureExists();
        var done = ImmutableArray.CreateBuilder<string>();
        foreach (var id in instanceIds.Distinct(StringComparer.Ordinal))
        {
            if (S.Instances.TryGetValue(id, out var i) && i.State != LifecycleState.Terminated)
            {
                await Terminate(i, ScalingActivities.CauseHealthCheckTerminated(Now));
                done.Add(id);
            }
        }

        if (done.Count > 0)
        {
            await _store.WriteStateAsync();
            Publish();
        }

        return done.ToImmutable();
    }

    public async Task<ImmutableArray<string>> LoseZone(string availabilityZone)
    {
        EnsureExists();
        var ids = S.Instances.Values
            .Where(i => i.AvailabilityZone == availabilityZone && i.State != LifecycleState.Terminated)
            .Select(i => i.InstanceId)
            .ToImmutableArray();
        var lost = await TerminateNow(ids);
        await Reconcile(Now); // B-ASG-2: replacements go to the zones that are left
        await _store.WriteStateAsync();
        return lost;
    }

    /// <summary>
    /// B-SP-1..3, B-ASG-5: the due steps of every interruption in progress: the rebalance recommendation (capacity
    /// rebalancing: the instance is at risk and its replacement launches first), the warning (DRAINING when Spot
    /// draining is on), the at-risk instance's termination once its replacement is in service, and the forced
    /// termination at the end of the notice (no managed draining wait: the host is gone).
    /// </summary>
    private async Task<bool> ProcessInterruptions(DateTimeOffset now)
    {
        if (S.Interruptions.Count == 0)
        {
            return false;
        }

        var changed = false;
        foreach (var plan in S.Interruptions.Values.OrderBy(p => p.InstanceId, StringComparer.Ordinal).ToList())
        {
            if (!S.Instances.TryGetValue(plan.InstanceId, out var instance) || instance.State == LifecycleState.Terminated)
            {
                S.Interruptions.Remove(plan.InstanceId);
                changed = true;
                continue;
            }

            var p = plan;
            if (p.RebalanceAt is { } rebalanceAt && rebalanceAt <= now && !p.RebalanceSent)
            {
                Ec2Event(EventTypes.RebalanceRecommendation, instance.InstanceId, rebalanceAt, false);
                p = p with { RebalanceSent = true, AtRisk = Spec.CapacityRebalance };
            }

            if (p.WarningAt <= now && !p.WarningSent)
            {
                _rt.Metrics.RecordLag(now - p.WarningAt, LagSources.SpotInterruption);
                Ec2Event(EventTypes.SpotInterruptionWarning, instance.InstanceId, p.WarningAt, true);
                p = p with { WarningSent = true, AtRisk = p.AtRisk || Spec.CapacityRebalance };
                if (Spec.SpotDraining && instance.Registered)
                {
                    await Cluster.DrainEc2Instance(instance.InstanceId); // B-SP-2
                }
            }

            if (p.AtRisk && p.ReplacementId is null)
            {
                // B-ASG-5: launch the replacement first (desired unchanged: the at-risk instance no longer counts).
                S.Interruptions[p.InstanceId] = p; // counted as at risk from here on
                var conditions = await Market.GetLaunchConditions(Name, Spec.InstanceTypes, Spec.AvailabilityZones);
                var live = S.Instances.Values.Count(i => i.State is LifecycleState.Pending or LifecycleState.InService && !IsAtRisk(i.InstanceId));
                if (live < S.Desired)
                {
                    var id = await Launch(now, live, S.Desired, conditions, conditions.Pools.ToList(), ScalingActivities.CauseRebalanceLaunch(now));
                    p = p with { ReplacementId = id ?? "" };
                }
                else
                {
                    p = p with { ReplacementId = "" };
                }
            }

            S.Interruptions[p.InstanceId] = p;
            if (p.TerminateAt <= now)
            {
                _rt.Metrics.RecordLag(now - p.TerminateAt, LagSources.SpotInterruption);
                await Terminate(instance, ScalingActivities.CauseHealthCheckTerminated(p.TerminateAt)); // B-SP-3
            }
            else if (p.AtRisk && instance.State == LifecycleState.InService
                     && (p.ReplacementId == "" || (p.ReplacementId is { } r && S.Instances.TryGetValue(r, out var replacement) && replacement.State == LifecycleState.InService)))
            {
                // B-ASG-5: the replacement is in service: the at-risk instance goes (managed draining applies).
                await BeginTermination(instance, ScalingActivities.CauseRebalanceTerminate(now));
            }

            changed |= p != plan;
        }

        return changed;
    }

    /// <summary>
    /// B-SP-5: every 10 emulated seconds, the pools' interruption rates (per instance-hour, default 0) may interrupt
    /// InService Spot instances; the seeded stream decides which (<see cref="SpotMarket.Interrupted"/>).
    /// </summary>
    private async Task<bool> ApplyInterruptionRates(DateTimeOffset now)
    {
        var step = TimeSpan.FromSeconds(10);
        if (S.RateAppliedUntil is { } until && now - until < step)
        {
            return false;
        }

        var from = S.RateAppliedUntil ?? now;
        S.RateAppliedUntil = now;
        var spot = S.Instances.Values.Where(i => i.IsSpot && i.State == LifecycleState.InService && !S.Interruptions.ContainsKey(i.InstanceId)).ToList();
        if (spot.Count == 0 || now <= from)
        {
            return false;
        }

        var conditions = await Market.GetLaunchConditions(Name, spot.Select(i => i.InstanceType).Distinct().ToImmutableArray(),
            spot.Select(i => i.AvailabilityZone).Distinct().ToImmutableArray());
        var rates = conditions.Pools.ToDictionary(p => SpotMarket.PoolKey(p.InstanceType, p.AvailabilityZone), p => p.InterruptionRatePerHour, StringComparer.Ordinal);
        var hit = SpotMarket.Interrupted(
            spot.Select(i => (i.InstanceId, rates.GetValueOrDefault(SpotMarket.PoolKey(i.InstanceType, i.AvailabilityZone)))),
            now - from, _random);
        if (hit.IsEmpty)
        {
            return false;
        }

        await InterruptSpot(hit, _rt.Options.Timings.SpotNotice, false, null);
        return true;
    }

    private bool IsAtRisk(string instanceId) => S.Interruptions.TryGetValue(instanceId, out var p) && p.AtRisk;

    /// <summary>B-SP-1, B-EV-2: EC2's own events (source aws.ec2) about one instance.</summary>
    private void Ec2Event(string detailType, string instanceId, DateTimeOffset at, bool warning)
    {
        var detail = ImmutableDictionary<string, string>.Empty.Add("instance-id", instanceId);
        if (warning)
        {
            detail = detail.Add("instance-action", "terminate");
        }

        Cluster.AppendEvents([new EmulatorEvent(0, RandomIds.Uuid(_random), detailType, EventTypes.SourceEc2, at,
            [$"arn:aws:ec2:{_rt.Region}:{_rt.Account}:instance/{instanceId}"], detail, null, null)]).Ignore();
    }

    // ------------------------------------------------------------------ the tick

    private async Task Tick(CancellationToken cancellationToken)
    {
        _timer?.Fired();
        try
        {
            await TickCore(cancellationToken);
        }
        finally
        {
            // B-T-3: the next wake is the next second of the grid, or sooner when an instance or interruption step is due.
            var now = Now;
            if (now >= _nextTickAt)
            {
                _nextTickAt = TickSchedule.NextTick(_nextTickAt, now, TimeSpan.FromSeconds(1));
            }

            _timer?.Arm(TickSchedule.NextWake(_nextTickAt, EarliestDue()));
        }
    }

    /// <summary>The earliest instant at which an instance's lifecycle step or a Spot interruption step is due (null: none).</summary>
    private DateTimeOffset? EarliestDue()
    {
        DateTimeOffset? earliest = null;
        void Consider(DateTimeOffset at)
        {
            if (earliest is null || at < earliest)
            {
                earliest = at;
            }
        }

        foreach (var i in S.Instances.Values)
        {
            if (i.InServiceAt is not { } inService)
            {
                continue;
            }

            if (i.State == LifecycleState.Pending)
            {
                Consider(inService);
            }
            else if (i.State == LifecycleState.InService && !i.Registered)
            {
                Consider(inService + _rt.Options.Timings.AgentRegistration);
            }
        }

        foreach (var p in S.Interruptions.Values)
        {
            if (p.RebalanceAt is { } rebalance && !p.RebalanceSent)
            {
                Consider(rebalance);
            }

            Consider(p.WarningSent ? p.TerminateAt : p.WarningAt);
        }

        return earliest;
    }

    private async Task TickCore(CancellationToken cancellationToken)
    {
        if (!S.Exists)
        {
            return;
        }

        var changed = false;
        if (!_reconciledWithCluster)
        {
            _reconciledWithCluster = true;
            changed |= await ReconcileWithCluster();
        }

        var now = Now;
        var timings = _rt.Options.Timings;
        foreach (var i in S.Instances.Values.ToList())
        {
            switch (i.State)
            {
                // B-ASG-1 / B-T-2: Pending -> InService after the EC2 launch time.
                case LifecycleState.Pending when i.InServiceAt is { } at && at <= now:
                    _rt.Metrics.RecordLag(now - at, LagSources.InstanceLifecycle);
                    S.Instances[i.InstanceId] = i with { State = LifecycleState.InService };
                    Event(EventTypes.InstanceLaunchSuccessful, i.InstanceId, at);
                    changed = true;
                    break;

                // The ECS agent registers AgentRegistration after InService (B-T-2).
                case LifecycleState.InService when !i.Registered && i.InServiceAt is { } inService && inService + timings.AgentRegistration <= now:
                    try
                    {
                        await Cluster.RegisterInstance(new InstanceRegistration(
                            i.InstanceId, i.InstanceType, i.AvailabilityZone, Name, i.IsSpot, Spec.SpotDraining,
                            ImmutableDictionary<string, string>.Empty));
                        S.Instances[i.InstanceId] = i with { Registered = true };
                        changed = true;
                    }
                    catch (EcsException)
                    {
                        // The agent keeps retrying, like the real one does, until its cluster exists.
                    }

                    break;
            }
        }

        changed |= await ApplyInterruptionRates(now);
        changed |= await ProcessInterruptions(now);
        changed |= await FinishDraining(now);
        changed |= await Reconcile(now);
        if (changed)
        {
            await _store.WriteStateAsync(cancellationToken);
        }

        Publish();
    }

    /// <summary>B-CAS-8: Terminating:Wait instances terminate once no service task remains, or at the hook timeout.</summary>
    private async Task<bool> FinishDraining(DateTimeOffset now)
    {
        var waiting = S.Instances.Values.Where(i => i.State == LifecycleState.TerminatingWait).ToList();
        if (waiting.Count == 0)
        {
            return false;
        }

        var remaining = await Cluster.CountServiceTasks(waiting.Select(i => i.InstanceId).ToImmutableArray());
        foreach (var i in waiting)
        {
            var timedOut = i.TerminationStartedAt is { } started && started + _rt.Options.Timings.DrainingHookTimeout <= now;
            if (remaining.GetValueOrDefault(i.InstanceId) == 0 || timedOut)
            {
                await Terminate(i, null);
            }
        }

        return true;
    }

    /// <summary>Launch or terminate toward the desired capacity (B-ASG-1..4).</summary>
    private async Task<bool> Reconcile(DateTimeOffset now)
    {
        // B-ASG-5: an at-risk instance (capacity rebalancing) no longer counts: its replacement launches first.
        var live = S.Instances.Values.Where(i => i.State is LifecycleState.Pending or LifecycleState.InService && !IsAtRisk(i.InstanceId)).ToList();
        if (live.Count == S.Desired)
        {
            return false;
        }

        if (live.Count < S.Desired)
        {
            if (now < _launchRetryAt)
            {
                return false;
            }

            var from = live.Count;
            var conditions = await Market.GetLaunchConditions(Name, Spec.InstanceTypes, Spec.AvailabilityZones);
            var pools = conditions.Pools.ToList();
            for (var n = live.Count; n < S.Desired; n++)
            {
                if (await Launch(now, from, S.Desired, conditions, pools, null) is null)
                {
                    break;
                }
            }

            return true;
        }

        var views = live.Select(View).ToList();
        var victims = AutoScalingGroups.ChooseScaleInVictims(views, live.Count - S.Desired, now, _random);
        var current = live.Count;
        foreach (var id in victims)
        {
            var cause = ScalingActivities.JoinCauses(S.LastDesiredCause, ScalingActivities.CauseTerminateToMatch(now, current, S.Desired));
            await BeginTermination(S.Instances[id], cause);
        }

        if (victims.IsEmpty)
        {
            return false; // B-ASG-4: all protected: desired dropped but nothing terminates
        }

        return true;
    }

    /// <summary>
    /// One launch (B-ASG-2, B-ASG-3): the zones and Spot pools come from the shared market (zones out of service or
    /// under an insufficient-capacity fault are left out); a Spot launch takes a unit of its pool's capacity, and a
    /// pool that turns out empty is dropped and the choice made again. Returns the new instance id, or null after
    /// recording a failed scaling activity.
    /// </summary>
    private async Task<string?> Launch(DateTimeOffset now, int from, int to, LaunchConditions conditions, List<SpotPoolInfo> pools, string? cause)
    {
        var spec = Spec;
        var current = S.Instances.Values.Where(i => i.State is LifecycleState.Pending or LifecycleState.InService && !IsAtRisk(i.InstanceId)).Select(View).ToList();
        var distribution = spec.InstancesDistribution is { } d
            ? new InstancesDistribution(d.OnDemandBaseCapacity, d.OnDemandPercentageAboveBaseCapacity, d.SpotAllocationStrategy)
            : null;
        cause ??= ScalingActivities.JoinCauses(S.LastDesiredCause, ScalingActivities.CauseLaunchToMatch(now, from, to));
        var activityId = RandomIds.Uuid(_random);
        LaunchChoice? choice = null;
        while (!conditions.LaunchableZones.IsEmpty)
        {
            choice = AutoScalingGroups.ChooseLaunch(conditions.LaunchableZones, spec.InstanceTypes, distribution, current,
                pools.Select(p => new SpotPool(p.InstanceType, p.AvailabilityZone, p.Price, p.AvailableCapacity, p.Exhausted)).ToList());
            if (choice is null || !choice.IsSpot || await Market.Acquire(choice.InstanceType, choice.AvailabilityZone))
            {
                break;
            }

            // Another group took the pool's last capacity: it is empty for this choice.
            var taken = pools.FindIndex(p => p.InstanceType == choice.InstanceType && p.AvailabilityZone == choice.AvailabilityZone);
            if (taken < 0)
            {
                choice = null;
                break;
            }

            pools[taken] = pools[taken] with { AvailableCapacity = 0 };
            choice = null;
        }

        if (choice is null)
        {
            // B-ASG-3 / B-ASG-6: no zone or pool can launch: a failed scaling activity. An insufficient-capacity
            // fault (FIS asg-insufficient-instance-capacity-error) or a lost zone reads like AWS's
            // InsufficientInstanceCapacity; exhausted Spot pools like AWS's Spot capacity message.
            var zone = conditions.InsufficientCapacityZones.FirstOrDefault() ?? spec.AvailabilityZones[0];
            var spotOnly = !conditions.LaunchableZones.IsEmpty;
            var message = spotOnly ? ScalingActivities.InsufficientSpotCapacity() : ScalingActivities.InsufficientCapacity(spec.InstanceTypes[0], zone);
            AddActivity(new ScalingActivity(activityId, Name, ScalingActivities.LaunchFailedDescription(message), cause, now, now, "Failed",
                spotOnly ? ScalingActivities.InsufficientCapacity(spec.InstanceTypes[0], conditions.LaunchableZones[0]) : message, 100));
            Event(EventTypes.InstanceLaunchUnsuccessful, "", now);
            _launchRetryAt = now + TimeSpan.FromSeconds(10);
            return null;
        }

        var id = RandomIds.Ec2InstanceId(_random);
        var info = _rt.Catalog.Get(choice.InstanceType);
        var price = choice.IsSpot
            ? pools.FirstOrDefault(p => p.InstanceType == choice.InstanceType && p.AvailabilityZone == choice.AvailabilityZone)?.Price
              ?? AutoScalingGroups.SpotPrice(info.OnDemandPricePerHour, _rt.Options.SpotPriceFraction)
            : info.OnDemandPricePerHour;
        var inServiceAt = now + _rt.Options.Timings.WithJitter(_rt.Options.Timings.Ec2Launch, _random);
        S.Instances[id] = new AsgInstance(id, choice.InstanceType, choice.AvailabilityZone, choice.IsSpot, LifecycleState.Pending,
            spec.NewInstancesProtectedFromScaleIn, now, inServiceAt, false, spec.LaunchTemplateVersion, null, price, null);
        if (choice.IsSpot)
        {
            var used = pools.FindIndex(p => p.InstanceType == choice.InstanceType && p.AvailabilityZone == choice.AvailabilityZone);
            if (used >= 0 && pools[used].AvailableCapacity is { } left)
            {
                pools[used] = pools[used] with { AvailableCapacity = left - 1 };
            }
        }

        AddActivity(new ScalingActivity(activityId, Name, ScalingActivities.LaunchDescription(id), cause, now, inServiceAt, "Successful", null, 100));
        LogLaunched(Name, id, choice.InstanceType, choice.AvailabilityZone, choice.IsSpot);
        return id;
    }

    private async Task<ScalingActivity> BeginTermination(AsgInstance instance, string cause)
    {
        var now = Now;
        if (S.ManagedDraining && instance.Registered && instance.State == LifecycleState.InService)
        {
            // B-CAS-8: the instance waits in Terminating:Wait while its container instance drains.
            S.Instances[instance.InstanceId] = instance with { State = LifecycleState.TerminatingWait, TerminationStartedAt = now };
            var waiting = new ScalingActivity(RandomIds.Uuid(_random), Name, ScalingActivities.TerminateDescription(instance.InstanceId),
                cause, now, null, "WaitingForELBConnectionDraining", "Waiting for managed draining of the ECS container instance", 50);
            AddActivity(waiting);
            await Cluster.DrainEc2Instance(instance.InstanceId);
            return waiting;
        }

        return await Terminate(instance, cause);
    }

    private async Task<ScalingActivity> Terminate(AsgInstance instance, string? cause)
    {
        var now = Now;
        S.Instances[instance.InstanceId] = instance with { State = LifecycleState.Terminated, TerminatedAt = now, TerminationStartedAt = instance.TerminationStartedAt ?? now };
        S.Interruptions.Remove(instance.InstanceId);
        if (instance.Registered)
        {
            await Cluster.InstanceTerminated(instance.InstanceId);
        }

        if (instance.IsSpot)
        {
            await Market.Release(instance.InstanceType, instance.AvailabilityZone);
        }

        var description = ScalingActivities.TerminateDescription(instance.InstanceId);
        var open = S.Activities.FirstOrDefault(a => a.Description == description && a.EndTime is null);
        ScalingActivity done;
        if (open is not null)
        {
            done = open with { EndTime = now, StatusCode = "Successful", StatusMessage = null, Progress = 100 };
            S.Activities = S.Activities.Replace(open, done);
        }
        else
        {
            done = new ScalingActivity(RandomIds.Uuid(_random), Name, description, cause ?? S.LastDesiredCause, now, now, "Successful", null, 100);
            AddActivity(done);
        }

        Event(EventTypes.InstanceTerminateSuccessful, instance.InstanceId, now);
        LogTerminated(Name, instance.InstanceId);

        // Terminated instances are kept a while for Describe, then dropped.
        foreach (var old in S.Instances.Values.Where(i => i.State == LifecycleState.Terminated && i.TerminatedAt < now - TimeSpan.FromHours(1)).ToList())
        {
            S.DroppedInstancesCost += TaskCosts.Instance(old.PricePerHour, old.LaunchedAt, old.TerminatedAt, now);
            S.Instances.Remove(old.InstanceId);
        }

        return done;
    }

    private void AddActivity(ScalingActivity a)
    {
        S.Activities = S.Activities.Insert(0, a);
        if (S.Activities.Count > ActivityLimit)
        {
            S.Activities = S.Activities.RemoveRange(ActivityLimit, S.Activities.Count - ActivityLimit);
        }
    }

    private void Event(string detailType, string instanceId, DateTimeOffset at)
    {
        if (!S.Exists || S.Spec is null)
        {
            return;
        }

        var detail = ImmutableDictionary<string, string>.Empty
            .Add("AutoScalingGroupName", Name)
            .Add("EC2InstanceId", instanceId)
            .Add("StatusCode", detailType == EventTypes.InstanceLaunchUnsuccessful ? "Failed" : "InProgress");
        Cluster.AppendEvents([new EmulatorEvent(0, RandomIds.Uuid(_random), detailType, EventTypes.SourceAutoScaling, at,
            [Arn], detail, null, null)]).Ignore();
    }

    private static AsgInstanceView View(AsgInstance i) =>
        new(i.InstanceId, i.AvailabilityZone, i.InstanceType, i.IsSpot, i.State, i.ProtectedFromScaleIn, i.LaunchedAt, i.LaunchTemplateVersion);

    private string PolicyName => ScalingActivities.CasPolicyName(S.Uuid);

    private string Arn => Arns.AutoScalingGroup(_rt.Region, _rt.Account, S.Uuid, Name);

    private AsgInfo Info() => new(Spec, Arn, S.Desired, S.Instances.Values.Where(i => i.State != LifecycleState.Terminated).ToImmutableArray(),
        S.CapacityProvider, S.CreatedAt, "Active", AccruedCost());

    /// <summary>B-IT-5: every instance accrues its price per emulated second from launch to termination.</summary>
    private decimal AccruedCost()
    {
        var now = Now;
        return S.DroppedInstancesCost + S.Instances.Values.Sum(i => TaskCosts.Instance(i.PricePerHour, i.LaunchedAt, i.TerminatedAt, now));
    }

    private void Publish()
    {
        _rt.Metrics.RecordAsg(Name, S.Desired, S.Instances.Values.Count(i => i.State == LifecycleState.InService));
        _rt.Metrics.RecordCost("AutoScalingGroupName", Name, Spec.ClusterName, AccruedCost());
        PublishGroupMetrics();
    }

    private static string? Validate(int min, int max, int desired)
    {
        if (min < 0 || max < 0)
        {
            return "Min and max sizes must not be negative.";
        }

        if (min > max)
        {
            return $"Max bound, {max}, must be greater than or equal to min bound, {min}";
        }

        if (desired < min || desired > max)
        {
            return $"Desired capacity:{desired} must be between the specified min size:{min} and max size:{max}";
        }

        return null;
    }

    private void StartTimer()
    {
        if (_timer is null)
        {
            _timer = DueTimer.Register(this, Tick, _rt.Clock);
            _nextTickAt = Now + TimeSpan.FromSeconds(1);
            _timer.Arm(_nextTickAt);
        }
    }

    /// <summary>After a call that launched an instance or scheduled an interruption: wake when its first step is due (B-T-3).</summary>
    private void WakeWhenDue()
    {
        if (_timer is not null && EarliestDue() is { } due)
        {
            _timer.ArmNoLaterThan(due);
        }
    }

    private void EnsureExists()
    {
        if (!S.Exists)
        {
            throw new EcsException(ErrorCodes.ValidationError, $"AutoScalingGroup name not found - AutoScalingGroup {Name} not found");
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "ASG {Asg}: reconciliation after reactivation: {Instance} {What}")]
    private partial void LogReconciled(string asg, string instance, string what);

    [LoggerMessage(Level = LogLevel.Debug, Message = "ASG {Asg}: launching {Instance} ({Type}, {Zone}, spot={Spot})")]
    private partial void LogLaunched(string asg, string instance, string type, string zone, bool spot);

    [LoggerMessage(Level = LogLevel.Debug, Message = "ASG {Asg}: terminated {Instance}")]
    private partial void LogTerminated(string asg, string instance);

    /// <summary>AWS/AutoScaling group metrics to the CloudWatch store, once per metric period (emulated).</summary>
    private void PublishGroupMetrics()
    {
        var now = Now;
        if (now < _nextGroupMetricsAt)
        {
            return;
        }

        _nextGroupMetricsAt = now + _rt.Options.Timings.MetricPeriod;
        var inService = S.Instances.Values.Count(i => i.State == LifecycleState.InService);
        GrainFactory.GetGrain<IMetricStoreGrain>(MetricNamespaces.AutoScaling).Put([
            MetricNamespaces.Datum("GroupDesiredCapacity", now, S.Desired, "None", ("AutoScalingGroupName", Name)),
            MetricNamespaces.Datum("GroupInServiceInstances", now, inService, "None", ("AutoScalingGroupName", Name))]).Ignore();
        if (S.CapacityProvider is { } provider && Spec.ClusterName is { } cluster)
        {
            // B-IT-5: what the provider's instances have cost so far (Spot at the pool price).
            GrainFactory.GetGrain<IMetricStoreGrain>(MetricNamespaces.EmulatorCost).Put([
                MetricNamespaces.Datum("EstimatedCharges", now, (double)AccruedCost(), "None", ("ClusterName", cluster), ("CapacityProviderName", provider))]).Ignore();
        }
    }
}
