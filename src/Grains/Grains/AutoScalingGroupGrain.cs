using System.Collections.Immutable;
using Emulator.Contracts;
using Emulator.Model.Lifecycle;
using Emulator.Model.Scaling;
using Emulator.Model.Time;
using Emulator.Runtime;
using Microsoft.Extensions.Logging;

namespace Emulator.Grains;

/// <summary>
/// An EC2 Auto Scaling group and its instances (B-ASG-1..6, B-CAS-7/8, B-SP-1..3). Every rule lives in the pure
/// model: the instance lifecycle (<see cref="InstanceLifecycle"/>), the group's capacity and sizes
/// (<see cref="InstanceGroup"/>), launches (<see cref="InstanceLaunches"/>) and the Spot interruption sequence
/// (<see cref="SpotInterruptions"/>) return new records and the steps to apply (<see cref="InstanceStep"/>); this
/// grain gathers their inputs, stores the records and applies the steps. Its timer wakes when a stage is due and
/// otherwise every <see cref="Model.EmulatorTimings.AutoScalingGroupTick"/>. The API half is this file; the tick and
/// the steps are in <c>AutoScalingGroupGrain.Lifecycle.cs</c>, Spot and instance loss in <c>AutoScalingGroupGrain.Spot.cs</c>.
/// </summary>
public sealed partial class AutoScalingGroupGrain : Grain, IAutoScalingGroupGrain, IRemindable, IIncomingGrainCallFilter
{
    private readonly IPersistentState<AsgState> _store;
    private readonly EmulatorRuntime _rt;
    private readonly ILogger<AutoScalingGroupGrain> _log;
    private Random _random = new(0);
    private DueTimer? _timer;
    private DateTimeOffset _nextTickAt;
    private DateTimeOffset _nextGroupMetricsAt;
    private bool _reconciledWithCluster;

    /// <summary>After a failed launch the group tries again <see cref="Model.EmulatorTimings.LaunchRetry"/> later, not on every tick (B-ASG-6).</summary>
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

    private string PolicyName => ScalingActivities.CasPolicyName(S.Uuid);

    private string Arn => Arns.AutoScalingGroup(_rt.Region, _rt.Account, S.Uuid, Name);

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

    /// <summary>After every call: a launch or an interruption it scheduled gets its own wake (B-T-3).</summary>
    public async Task Invoke(IIncomingGrainCallContext context)
    {
        await context.Invoke();
        WakeWhenDue();
    }

    /// <summary>The wake-up reminder: it outlives a dead silo and reactivates this group (whose activation restarts its timer).</summary>
    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (!S.Exists && await this.GetReminder(Durability.WakeReminder) is { } reminder)
        {
            await this.UnregisterReminder(reminder);
        }
    }

    public async Task<AsgInfo> Create(AsgSpec spec)
    {
        if (S.Exists)
        {
            throw new EcsException(ErrorCodes.AlreadyExists, $"AutoScalingGroup by this name already exists - A group with the name {spec.Name} already exists");
        }

        var (created, cause, error) = InstanceGroup.Create(spec, _rt.Options.AvailabilityZones, _rt.Catalog, Now);
        Check(error);
        S.Exists = true;
        S.Spec = created;
        S.Uuid = RandomIds.Uuid(_random);
        S.Desired = created.DesiredCapacity;
        S.CreatedAt = Now;
        S.LastDesiredCause = cause;
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
        var (updated, desired) = InstanceGroup.Update(Spec, update, S.Desired, Now);
        Check(desired.Error);
        S.Spec = updated;
        if (desired.Desired != S.Desired)
        {
            S.LastDesiredCause = desired.Cause;
            S.Desired = desired.Desired;
        }

        await _store.WriteStateAsync();
        Publish();
        return Info();
    }

    public Task<AsgInfo?> Describe() => Task.FromResult(S.Exists ? Info() : null);

    public async Task Delete(bool force)
    {
        EnsureExists();
        if (InstanceGroup.DeleteRefusal(S.Instances.Values, force) is { } refusal)
        {
            throw new EcsException(ErrorCodes.ResourceInUse, refusal);
        }

        var cause = ScalingActivities.CauseUserRequest(Now, 0, 0, S.Desired, 0);
        foreach (var i in S.Instances.Values.Where(InstanceLifecycle.IsPresent).ToList())
        {
            await Terminate(i, cause, Now);
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
        var change = InstanceGroup.SetDesired(desired, S.Desired, Spec.MinSize, Spec.MaxSize, casAlarmName, PolicyName, Now);
        Check(change.Error);
        if (change.Desired != S.Desired)
        {
            S.LastDesiredCause = change.Cause;
            S.Desired = change.Desired;
            _launchRetryAt = default;
            await _store.WriteStateAsync();
            await ReachDesiredCapacity(Now);
        }

        Publish();
        return Info();
    }

    /// <summary>B-CAS-7: managed termination protection (or SetInstanceProtection) sets or clears instances' protection.</summary>
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
        if (!S.Instances.TryGetValue(instanceId, out var instance) || !InstanceLifecycle.IsPresent(instance))
        {
            throw Errors.InstanceNotManaged(instanceId);
        }

        var change = InstanceGroup.TerminateOnRequest(instanceId, decrementDesired, S.Desired, Spec.MinSize, Now);
        Check(change.Error);
        S.Desired = change.Desired;
        var activity = await BeginTermination(instance, change.Cause)
                       ?? throw new InvalidOperationException($"The termination of {instanceId} recorded no activity.");
        await _store.WriteStateAsync();
        Publish();
        return activity;
    }

    public async Task AttachCapacityProvider(string? capacityProvider, bool managedDraining)
    {
        EnsureExists();
        S.CapacityProvider = capacityProvider;
        S.ManagedDraining = InstanceGroup.ManagedDrainingApplies(capacityProvider, managedDraining);
        await _store.WriteStateAsync();
    }

    public Task<ImmutableArray<ScalingActivity>> GetActivities(int max) =>
        Task.FromResult(S.Activities.Take(Math.Max(1, max)).ToImmutableArray());

    private AsgInfo Info() => new(Spec, Arn, S.Desired, S.Instances.Values.Where(InstanceLifecycle.IsPresent).ToImmutableArray(),
        S.CapacityProvider, S.CreatedAt, "Active", AccruedCost());

    /// <summary>B-IT-5: every instance accrues its price per emulated second from launch to termination.</summary>
    private decimal AccruedCost()
    {
        var now = Now;
        return S.DroppedInstancesCost + S.Instances.Values.Sum(i => TaskCosts.Instance(i.PricePerHour, i.LaunchedAt, i.TerminatedAt, now));
    }

    /// <summary>GroupInServiceInstances: instances InService (not Pending, not terminating).</summary>
    private int InServiceCount => S.Instances.Values.Count(i => i.State == LifecycleState.InService);

    private void Publish()
    {
        _rt.Metrics.RecordAsg(Name, S.Desired, InServiceCount);
        _rt.Metrics.RecordCost("AutoScalingGroupName", Name, Spec.ClusterName, AccruedCost());
        PublishGroupMetrics();
    }

    /// <summary>AWS/AutoScaling group metrics to the CloudWatch store, once per metric period (emulated).</summary>
    private void PublishGroupMetrics()
    {
        var now = Now;
        if (now < _nextGroupMetricsAt)
        {
            return;
        }

        _nextGroupMetricsAt = now + _rt.Options.Timings.MetricPeriod;
        var inService = InServiceCount;
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

    private void StartTimer()
    {
        if (_timer is null)
        {
            _timer = DueTimer.Register(this, Tick, _rt.Clock);
            _nextTickAt = Now + _rt.Options.Timings.AutoScalingGroupTick;
            _timer.Arm(_nextTickAt);
        }
    }

    /// <summary>After a call that launched an instance or scheduled an interruption: wake when its first stage is due (B-T-3).</summary>
    private void WakeWhenDue()
    {
        // What was already due was done by the call (or is left to the tick: an agent whose cluster refused it).
        if (_timer is not null && InstanceGroup.EarliestDue(S.Instances.Values, S.Interruptions.Values, _rt.Options.Timings, Now) is { } due)
        {
            _timer.ArmNoLaterThan(due);
        }
    }

    private void EnsureExists()
    {
        if (!S.Exists)
        {
            throw Errors.AutoScalingGroupNotFound(Name);
        }
    }

    /// <summary>A refusal from the model is AWS's ValidationError, and nothing changes.</summary>
    private static void Check(string? error)
    {
        if (error is not null)
        {
            throw new EcsException(ErrorCodes.ValidationError, error);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "ASG {Asg}: reconciliation after reactivation: {Instance} {What}")]
    private partial void LogReconciled(string asg, string instance, string what);

    [LoggerMessage(Level = LogLevel.Debug, Message = "ASG {Asg}: launching {Instance} ({Type}, {Zone}, spot={Spot})")]
    private partial void LogLaunched(string asg, string instance, string type, string zone, bool spot);

    [LoggerMessage(Level = LogLevel.Debug, Message = "ASG {Asg}: terminated {Instance}")]
    private partial void LogTerminated(string asg, string instance);
}
