using System.Collections.Immutable;
using Emulator.Contracts;
using Emulator.Model.Catalog;
using Emulator.Model.Lifecycle;
using Emulator.Model.Scaling;
using Emulator.Model.Time;
using Emulator.Runtime;
using Microsoft.Extensions.Logging;

namespace Emulator.Grains;

[GenerateSerializer, Alias("CapacityProviderState")]
public sealed class CapacityProviderState
{
    [Id(0)] public bool Exists { get; set; }

    [Id(1)] public CapacityProviderSpec? Spec { get; set; }

    [Id(2)] public string? Cluster { get; set; }

    [Id(3)] public ImmutableArray<double> Datapoints { get; set; } = [];

    [Id(4)] public CasStatus? Last { get; set; }

    [Id(5)] public string AlarmId { get; set; } = "";

    [Id(6)] public string? AsgArn { get; set; }

    [Id(7)] public string Status { get; set; } = "ACTIVE";

    /// <summary>How many times this provider's grain was activated on its persisted state (seeds a fresh id stream).</summary>
    [Id(8)] public int Incarnation { get; set; }

    /// <summary>B-MI-3: since when each Managed Instances instance has been idle or underutilized.</summary>
    [Id(9)] public ImmutableDictionary<string, DateTimeOffset> ManagedLowSince { get; set; } = ImmutableDictionary<string, DateTimeOffset>.Empty;

    /// <summary>B-MI-2..4: the manager's latest decisions with their reasons, newest first (bounded).</summary>
    [Id(10)] public ImmutableList<string> ManagedDecisions { get; set; } = [];

    /// <summary>B-MI-2: instances the manager has launched so far.</summary>
    [Id(11)] public int ManagedLaunched { get; set; }

    /// <summary>B-MI-3, B-MI-4: instances the manager has taken out so far.</summary>
    [Id(12)] public int ManagedTerminated { get; set; }

    /// <summary>B-MI-2: the manager's evaluations so far.</summary>
    [Id(13)] public long ManagedEvaluations { get; set; }

    /// <summary>B-MI-2: when the manager last evaluated.</summary>
    [Id(14)] public DateTimeOffset? ManagedEvaluatedAt { get; set; }
}

/// <summary>
/// An Auto Scaling group capacity provider and its Cluster Auto Scaling loop (B-CAS-1..7). A timer armed for the
/// absolute grid of metric periods (B-T-3: precise, no drift) runs one evaluation per period; each evaluation reads the
/// provider's instances and PROVISIONING queue from the cluster and the group from its grain, lets the pure
/// <see cref="ClusterAutoScaling"/> model decide, then applies managed termination protection and the new desired
/// capacity. Recovery (issue 5): an evaluation that fails (its cluster's grain was on a silo that died) is retried
/// every <see cref="Model.EmulatorTimings.CapacityProviderRetry"/> instead of a period later, and a reminder every quarter period (it outlives a dead
/// silo, timers do not) reactivates the provider, whose activation evaluates at once: CAS resumes within one metric
/// period of a silo's death declaration.
/// </summary>
public sealed partial class CapacityProviderGrain : Grain, ICapacityProviderGrain, IRemindable
{
    private const string ReminderName = "cas";

    private readonly IPersistentState<CapacityProviderState> _store;
    private readonly EmulatorRuntime _rt;
    private readonly ILogger<CapacityProviderGrain> _log;
    private Random _random = new(0);
    private long _evaluations;
    private DueTimer? _timer;

    /// <summary>When the next scheduled evaluation is due (emulated; the grid of metric periods).</summary>
    private DateTimeOffset _nextEvaluationAt;

    /// <summary>Set after a failed evaluation: the timer's next wake is a retry, not the next period.</summary>
    private DateTimeOffset? _retryAt;

    public CapacityProviderGrain([PersistentState("capacityProvider", "emulator")] IPersistentState<CapacityProviderState> store, EmulatorRuntime runtime, ILogger<CapacityProviderGrain> log)
    {
        _store = store;
        _rt = runtime;
        _log = log;
    }

    private CapacityProviderState S => _store.State;

    private CapacityProviderSpec Spec => S.Spec!;

    private string Name => this.GetPrimaryKeyString();

    private IAutoScalingGroupGrain Asg => GrainFactory.GetGrain<IAutoScalingGroupGrain>(GrainKeys.AutoScalingGroup(Spec.AutoScalingGroup));

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (S.Exists)
        {
            S.Incarnation++;
            await _store.WriteStateAsync(cancellationToken);
        }

        _random = _rt.Random.For(Durability.Scope("capacity-provider/" + Name, S.Incarnation));
        if (Active)
        {
            // Reactivated on persisted state (its silo died, or the emulator restarted): evaluate at once, then on the
            // period grid from here; the wake reminder is (re)registered at its current period.
            StartSchedule(_rt.Clock.Now);
            await SyncReminder();
        }
    }

    private bool Active => S.Exists && S.Cluster is not null && Spec.ManagedScaling.Status == ManagedScalingStatus.ENABLED;

    /// <summary>B-MI-1: a MANAGED_INSTANCES provider (its manager runs instead of CAS).</summary>
    private bool IsManaged => S.Spec?.ManagedInstances is not null;

    /// <summary>CAS evaluates once per metric period (B-CAS-3); the Managed Instances manager more often (B-MI-2).</summary>
    private TimeSpan Period => IsManaged ? _rt.Options.Timings.ManagedInstancesPeriod : _rt.Options.Timings.MetricPeriod;

    public async Task<CapacityProviderInfo> Create(CapacityProviderSpec spec)
    {
        if (S.Exists)
        {
            throw ErrorCodes.Invalid($"The specified capacity provider already exists. To change the configuration of an existing capacity provider, update the capacity provider.");
        }

        var asgInfo = await GrainFactory.GetGrain<IAutoScalingGroupGrain>(GrainKeys.AutoScalingGroup(spec.AutoScalingGroup)).Describe()
            ?? throw ErrorCodes.Invalid($"The specified Auto Scaling group ARN {spec.AutoScalingGroup} is not valid or does not exist.");
        if (asgInfo.CapacityProvider is { } other && other != spec.Name)
        {
            throw ErrorCodes.Invalid($"The specified Auto Scaling group is already in use by capacity provider {other}.");
        }

        Validate(spec, asgInfo);
        S.Exists = true;
        S.Status = "ACTIVE";
        S.Spec = spec;
        S.AsgArn = asgInfo.Arn;
        S.AlarmId = RandomIds.Uuid(_random);
        S.Datapoints = [];
        S.Last = null;
        S.Cluster = null;
        await Asg.AttachCapacityProvider(spec.Name, spec.ManagedDraining);
        await _store.WriteStateAsync();
        return Info();
    }

    public async Task<CapacityProviderInfo> Update(ManagedScalingSpec? managedScaling, bool? managedTerminationProtection, bool? managedDraining)
    {
        EnsureExists();
        if (IsManaged)
        {
            throw ErrorCodes.Invalid("The autoScalingGroupProvider configuration cannot be updated for a capacity provider of type MANAGED_INSTANCES. Use managedInstancesProvider.");
        }

        var spec = Spec with
        {
            ManagedScaling = managedScaling ?? Spec.ManagedScaling,
            ManagedTerminationProtection = managedTerminationProtection ?? Spec.ManagedTerminationProtection,
            ManagedDraining = managedDraining ?? Spec.ManagedDraining,
        };
        var asgInfo = await Asg.Describe() ?? throw ErrorCodes.Invalid("The Auto Scaling group of this capacity provider no longer exists.");
        Validate(spec, asgInfo);
        S.Spec = spec;
        await Asg.AttachCapacityProvider(spec.Name, spec.ManagedDraining);
        await _store.WriteStateAsync();
        if (S.Cluster is { } cluster)
        {
            await GrainFactory.GetGrain<IClusterGrain>(cluster).UpdateProvider(Info().ToClusterProvider());
        }

        await SyncReminder();
        return Info();
    }

    public Task<CapacityProviderInfo?> Describe() => Task.FromResult(S.Exists ? Info() : null);

    public async Task<CapacityProviderInfo> Delete()
    {
        EnsureExists();
        if (IsManaged)
        {
            return await DeleteManaged();
        }

        if (S.Cluster is { } cluster)
        {
            throw new EcsException(ErrorCodes.ResourceInUse, $"The specified capacity provider is in use by cluster {cluster}. Remove it from the cluster before deleting it.");
        }

        var info = Info() with { Status = "INACTIVE" };
        await Asg.AttachCapacityProvider(null, false);
        S.Exists = false;
        S.Status = "INACTIVE";
        await _store.WriteStateAsync();
        await SyncReminder();
        return info;
    }

    public async Task SetCluster(string? cluster)
    {
        EnsureExists();
        if (S.Cluster == cluster)
        {
            return;
        }

        if (S.Cluster is not null)
        {
            _rt.Metrics.RemoveCpr(S.Cluster, Name);
        }

        S.Cluster = cluster;
        S.Datapoints = [];
        await _store.WriteStateAsync();
        await SyncReminder();
    }

    public async Task<CasStatus> EvaluateNow()
    {
        EnsureExists();
        await Evaluate();
        return S.Last ?? Idle();
    }

    /// <summary>The wake-up reminder: its firing reactivates a provider whose silo died (activation restarts the schedule).</summary>
    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (!Active)
        {
            await SyncReminder();
            return;
        }

        if (_timer is null)
        {
            StartSchedule(_rt.Clock.Now);
        }
    }

    /// <summary>The scheduled evaluation (B-CAS-3: once per metric period), retried soon after a failure.</summary>
    private async Task Tick(CancellationToken cancellationToken)
    {
        _timer?.Fired();
        try
        {
            var now = _rt.Clock.Now;
            var due = _retryAt ?? _nextEvaluationAt;
            if (!Active || now < due)
            {
                return;
            }

            var unreachable = false;
            try
            {
                await Evaluate();
            }
            catch (EcsException e)
            {
                LogEvaluationFailed(Name, e.Message); // refused by a grain (e.g. the group is gone): next period
            }
            catch (Exception e)
            {
                // The cluster's or the group's grain is unreachable (its silo died and is not declared dead yet).
                LogEvaluationFailed(Name, e.Message);
                unreachable = true;
            }

            if (unreachable)
            {
                _retryAt = now + _rt.Options.Timings.CapacityProviderRetry;
                return;
            }

            _rt.Metrics.RecordLag(TimerLag.Of(_nextEvaluationAt, now), LagSources.CasEvaluation);
            _nextEvaluationAt = TickSchedule.NextTick(_nextEvaluationAt, now, Period);
            _retryAt = null;
        }
        finally
        {
            if (_timer is not null && Active)
            {
                _timer.Arm(_retryAt ?? _nextEvaluationAt);
            }
        }
    }

    private void StartSchedule(DateTimeOffset firstEvaluation)
    {
        _nextEvaluationAt = firstEvaluation;
        _retryAt = null;
        _timer ??= DueTimer.Register(this, Tick, _rt.Clock);
        _timer.Arm(firstEvaluation);
    }

    /// <summary>One CAS evaluation (B-CAS-1..7), once per metric period.</summary>
    private async Task Evaluate()
    {
        if (IsManaged)
        {
            await EvaluateManaged();
            return;
        }

        if (S.Cluster is not { } clusterName || Spec.ManagedScaling.Status != ManagedScalingStatus.ENABLED)
        {
            return;
        }

        var now = _rt.Clock.Now;
        var cluster = GrainFactory.GetGrain<IClusterGrain>(clusterName);
        var snapshot = await cluster.GetProviderSnapshot(Name);
        var asg = await Asg.Describe();
        if (asg is null || !snapshot.Associated)
        {
            return;
        }

        var byEc2 = snapshot.Instances.ToDictionary(i => i.Ec2InstanceId, StringComparer.Ordinal);
        var casInstances = asg.Instances
            .Where(i => InstanceLifecycle.CountsTowardCapacity(i.State))
            .Select(i =>
            {
                var registered = byEc2.GetValueOrDefault(i.InstanceId);
                var remaining = registered is null
                    ? _rt.Catalog.Registered(i.InstanceType)
                    : registered.AcceptsPlacements ? registered.Remaining : ResourceSet.Zero; // draining/disconnected offer nothing
                return new CasInstance(i.InstanceId, i.InstanceType, i.State == LifecycleState.InService, registered is not null, remaining,
                    registered?.UsedPorts ?? InstanceCatalog.AgentReservedPorts, registered?.NonDaemonTasks ?? 0, i.LaunchedAt);
            })
            .ToImmutableArray();
        var capacity = new AsgCapacity(asg.DesiredCapacity, asg.Spec.MinSize, asg.Spec.MaxSize, asg.Spec.InstanceTypes, casInstances);
        var provisioning = snapshot.Queued.SelectMany(q => Enumerable.Repeat(new ProvisioningTask(q.Needs, q.DistinctInstance), q.Count)).ToList();
        var ms = Spec.ManagedScaling;
        var settings = new CasSettings(ms.TargetCapacity, ms.MinimumScalingStepSize, ms.MaximumScalingStepSize, TimeSpan.FromSeconds(ms.InstanceWarmupPeriod));
        var decision = ClusterAutoScaling.Evaluate(capacity, provisioning, S.Datapoints, settings, _rt.Catalog, now);

        _evaluations++;
        S.Datapoints = decision.Datapoints;
        S.Last = new CasStatus(decision.Metrics.M, decision.Metrics.N, decision.Metrics.Cpr, ms.TargetCapacity,
            decision.NewDesired ?? asg.DesiredCapacity, now, decision.Alarm.ToString(), decision.Explanation, provisioning.Count,
            decision.Datapoints, _evaluations, S.AlarmId);
        _rt.Metrics.RecordCpr(clusterName, Name, decision.Metrics.Cpr);
        PublishCprDatapoint(clusterName, now, decision.Metrics.Cpr);
        cluster.AppendEvents([new EmulatorEvent(0, RandomIds.Uuid(_random), EventTypes.CapacityProviderReservation, EventTypes.SourceEmulator, now,
            [Arns.CapacityProvider(_rt.Region, _rt.Account, Name)],
            ImmutableDictionary<string, string>.Empty
                .Add("capacityProvider", Name).Add("M", decision.Metrics.M.ToString(System.Globalization.CultureInfo.InvariantCulture))
                .Add("N", decision.Metrics.N.ToString(System.Globalization.CultureInfo.InvariantCulture))
                .Add("CapacityProviderReservation", decision.Metrics.Cpr.ToString("0.###", System.Globalization.CultureInfo.InvariantCulture))
                .Add("queued", provisioning.Count.ToString(System.Globalization.CultureInfo.InvariantCulture))
                .Add("explanation", decision.Explanation),
            null, null)]).Ignore();

        // B-CAS-7: ECS keeps protection on instances running non-daemon tasks and removes it from empty ones.
        if (Spec.ManagedTerminationProtection)
        {
            var protection = InstanceGroup.ManagedProtection(asg.Instances, byEc2.ToDictionary(e => e.Key, e => e.Value.NonDaemonTasks, StringComparer.Ordinal));
            if (!protection.IsEmpty)
            {
                await Asg.SetProtection(protection);
            }
        }

        if (decision.NewDesired is { } desired)
        {
            var alarm = decision.Alarm == CasAlarm.High
                ? ScalingActivities.CasHighAlarmName(asg.Spec.Name, S.AlarmId)
                : ScalingActivities.CasLowAlarmName(asg.Spec.Name, S.AlarmId);
            LogScaling(Name, decision.Explanation);
            await Asg.SetDesiredCapacity(desired, alarm);
        }

        await _store.WriteStateAsync();
    }

    /// <summary>Schedule on (first evaluation one period from now) and the wake reminder, or both off.</summary>
    private async Task SyncReminder()
    {
        if (Active)
        {
            if (_timer is null)
            {
                StartSchedule(_rt.Clock.Now + Period);
            }

            await this.RegisterOrUpdateReminder(ReminderName, Durability.WakePeriod(_rt), Durability.WakePeriod(_rt));
        }
        else
        {
            _timer?.Dispose();
            _timer = null;
            if (await this.GetReminder(ReminderName) is { } reminder)
            {
                await this.UnregisterReminder(reminder);
            }
        }
    }

    /// <summary>B-CAS-6 ranges and B-CAS-7's prerequisites.</summary>
    private static void Validate(CapacityProviderSpec spec, AsgInfo asg)
    {
        var ms = spec.ManagedScaling;
        if (ClusterAutoScaling.ValidateSettings(ms.TargetCapacity, ms.MinimumScalingStepSize, ms.MaximumScalingStepSize, ms.InstanceWarmupPeriod) is { } error)
        {
            throw ErrorCodes.Invalid(error);
        }

        if (spec.ManagedTerminationProtection && ms.Status != ManagedScalingStatus.ENABLED)
        {
            throw ErrorCodes.Invalid("The managed termination protection setting for the capacity provider is invalid. To enable managed termination protection for a capacity provider, managed scaling must also be enabled.");
        }

        if (spec.ManagedTerminationProtection && !asg.Spec.NewInstancesProtectedFromScaleIn)
        {
            throw ErrorCodes.Invalid("The managed termination protection setting for the capacity provider is invalid. To enable managed termination protection for a capacity provider, the Auto Scaling group must have instance protection from scale in enabled.");
        }
    }

    private CasStatus Idle() => new(0, 0, 0, Spec.ManagedScaling.TargetCapacity, 0, null, "None", "not evaluated yet", 0, [], 0);

    private CapacityProviderInfo Info() => IsManaged
        ? ManagedInfo()
        : new(Name, Arns.CapacityProvider(_rt.Region, _rt.Account, Name), S.Status, ProviderType.AutoScalingGroup, Spec, S.Cluster, S.AsgArn, S.Last);

    private void EnsureExists()
    {
        if (!S.Exists)
        {
            throw ErrorCodes.Invalid($"The specified capacity provider {Name} does not exist.");
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "CAS {Provider}: evaluation failed: {Reason}")]
    private partial void LogEvaluationFailed(string provider, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "CAS {Provider}: {Explanation}")]
    private partial void LogScaling(string provider, string explanation);

    /// <summary>B-CAS-3: one CloudWatch CapacityProviderReservation datapoint per evaluation, at its emulated time.</summary>
    private void PublishCprDatapoint(string clusterName, DateTimeOffset at, double cpr) =>
        GrainFactory.GetGrain<IMetricStoreGrain>(MetricNamespaces.ManagedScaling).Put([
            MetricNamespaces.Datum("CapacityProviderReservation", at, cpr, "Percent", ("ClusterName", clusterName), ("CapacityProviderName", Name))]).Ignore();
}
