using System.Collections.Immutable;
using System.Globalization;
using Emulator.Contracts;
using Emulator.Model.Catalog;
using Emulator.Model.Chaos;
using Emulator.Model.Lifecycle;
using Emulator.Model.Scaling;
using Emulator.Runtime;
using TaskStatus = Emulator.Contracts.TaskStatus;

namespace Emulator.Grains;

/// <summary>A drained container instance set to go back to ACTIVE at a time (FIS drain with a duration).</summary>
[GenerateSerializer, Immutable, Alias("PendingUndrain")]
public sealed record PendingUndrain(
    [property: Id(0)] string Cluster,
    [property: Id(1)] ImmutableArray<string> ContainerInstances,
    [property: Id(2)] DateTimeOffset At);

[GenerateSerializer, Alias("ChaosState")]
public sealed class ChaosState
{
    [Id(0)] public long Sequence { get; set; }

    [Id(1)] public ImmutableList<ChaosInjection> Injections { get; set; } = [];

    [Id(2)] public ImmutableList<PendingUndrain> Undrains { get; set; } = [];
}

/// <summary>
/// Chaos actions (issue 4; B-SP-1..5, B-ASG-3, B-ASG-5, B-CI-3, B-SV-5). Each action validates its input first and
/// injects nothing when it is invalid, resolves its target against the live state, picks with a seeded selection
/// (<see cref="ChaosSelections"/>), tells the owning grains (ASG, cluster, Spot market) and records the injection.
/// Time-bounded faults carry their end time (they end on the emulated clock, also across reactivation); only a
/// drain with a duration needs an active step at its end, kept in state with a timer.
/// </summary>
public sealed class ChaosGrain(
    [PersistentState("chaos", "emulator")] IPersistentState<ChaosState> store,
    EmulatorRuntime runtime) : Grain, IChaosGrain, IRemindable
{
    private const int InjectionLimit = 10_000;
    private const string ReminderName = "undrain";
    private DueTimer? _timer;

    /// <summary>When the action being run started (non-reentrant grain: one action at a time); its injection's time.</summary>
    private DateTimeOffset _at;

    private ChaosState S => store.State;

    private DateTimeOffset Now => runtime.Clock.Now;

    private IEcsControlGrain Control => GrainFactory.GetGrain<IEcsControlGrain>(GrainKeys.Control);

    private ISpotMarketGrain Market => GrainFactory.GetGrain<ISpotMarketGrain>(ISpotMarketGrain.Key);

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (!S.Undrains.IsEmpty)
        {
            StartTimer();
        }

        return Task.CompletedTask;
    }

    public async Task<ChaosInjection> InterruptSpotInstances(ChaosTarget target, TimeSpan? notice, bool rebalanceRecommendation, TimeSpan? rebalanceLead)
    {
        const string action = "aws:ec2:send-spot-instance-interruptions";
        _at = Now;
        ValidateTarget(target);
        var noticeValue = notice ?? runtime.Options.Timings.SpotNotice;
        Check(ChaosSelections.ValidateDuration(noticeValue, "interruption notice"));
        if (rebalanceLead is { } lead && (lead < TimeSpan.Zero || lead > ChaosSelections.MaxDuration))
        {
            throw ErrorCodes.Invalid($"The rebalance lead {lead} is invalid: it must not be negative and at most {ChaosSelections.MaxDuration.TotalHours} hours.");
        }

        var view = await Resolve(target.Cluster);
        var candidates = view.Instances(target).Where(i => i.IsSpot && i.State == LifecycleState.InService).ToList();
        var chosen = Pick(candidates.Select(i => i.Ec2InstanceId), target.Selection, action);
        var hit = ImmutableArray.CreateBuilder<string>();
        foreach (var group in candidates.Where(i => chosen.Contains(i.Ec2InstanceId)).GroupBy(i => i.AutoScalingGroup))
        {
            hit.AddRange(await Asg(group.Key).InterruptSpot(group.Select(i => i.Ec2InstanceId).ToImmutableArray(), noticeValue, rebalanceRecommendation, rebalanceLead));
        }

        var times = ChaosSelections.SpotTimes(_at, noticeValue, rebalanceRecommendation, rebalanceLead);
        var message = $"{hit.Count} Spot instance(s) interrupted: "
                      + (times.RebalanceAt is { } r ? $"rebalance recommendation at {Iso(r)}, " : "")
                      + $"warning at {Iso(times.WarningAt)}, termination at {Iso(times.TerminateAt)}";
        return await Record(action, target.Cluster, hit.ToImmutable(), message, times.TerminateAt);
    }

    public async Task<ChaosInjection> InterruptFargateSpotTasks(ChaosTarget target)
    {
        const string action = "emulator:fargate-spot-interruption";
        _at = Now;
        ValidateTarget(target);
        var view = await Resolve(target.Cluster);
        var candidates = view.Tasks(target).Where(t => t.CapacityProvider == "FARGATE_SPOT").Select(t => t.TaskId);
        var chosen = Pick(candidates, target.Selection, action);
        var hit = chosen.IsEmpty ? [] : await Cluster(view.Name).InterruptFargateSpotTasks(chosen);
        return await Record(action, view.Name, hit.Select(id => TaskArn(view.Name, id)).ToImmutableArray(),
            $"{hit.Length} Fargate Spot task(s) interrupted ({StopReasons.TerminationNotice}: {StopReasons.FargateSpotInterrupted})", null);
    }

    public async Task<ChaosInjection> TerminateInstances(ChaosTarget target)
    {
        const string action = "aws:ec2:terminate-instances";
        _at = Now;
        ValidateTarget(target);
        var view = await Resolve(target.Cluster);
        var candidates = view.Instances(target).Where(i => i.State is LifecycleState.Pending or LifecycleState.InService or LifecycleState.TerminatingWait).ToList();
        var chosen = Pick(candidates.Select(i => i.Ec2InstanceId), target.Selection, action);
        var hit = ImmutableArray.CreateBuilder<string>();
        foreach (var group in candidates.Where(i => chosen.Contains(i.Ec2InstanceId)).GroupBy(i => i.AutoScalingGroup))
        {
            hit.AddRange(await Asg(group.Key).TerminateNow(group.Select(i => i.Ec2InstanceId).ToImmutableArray()));
        }

        return await Record(action, view.Name, hit.ToImmutable(), $"{hit.Count} instance(s) terminated", null);
    }

    public async Task<ChaosInjection> DrainInstances(ChaosTarget target, TimeSpan? duration)
    {
        const string action = "aws:ecs:drain-container-instances";
        _at = Now;
        ValidateTarget(target);
        if (duration is { } d)
        {
            Check(ChaosSelections.ValidateDuration(d));
        }

        var view = await Resolve(target.Cluster);
        var candidates = view.Instances(target).Where(i => i.ContainerInstance is { Status: ContainerInstanceStatus.ACTIVE }).ToList();
        var chosen = Pick(candidates.Select(i => i.ContainerInstance!.ContainerInstanceId), target.Selection, action);
        DateTimeOffset? until = duration is { } span ? _at + span : null;
        var planned = until is { } end && !chosen.IsEmpty ? new PendingUndrain(view.Name, chosen, end) : null;
        if (planned is not null)
        {
            // The end of the drain (and the reminder that outlives this silo) is persisted before the drain: if the
            // silo dies in between, the undrain still happens (it only touches instances still DRAINING); a drain is
            // never left without its end.
            S.Undrains = S.Undrains.Add(planned);
            await store.WriteStateAsync();
            StartTimer();

            // The timer does the work; the reminder brings the grain back if its silo went away meanwhile.
            var period = Durability.WakePeriod(runtime);
            await this.RegisterOrUpdateReminder(ReminderName, period, period);
        }

        ImmutableArray<string> drained;
        try
        {
            var changes = chosen.IsEmpty ? [] : await Control.UpdateContainerInstancesState(view.Name, chosen, ContainerInstanceStatus.DRAINING);
            drained = changes.Where(c => c.FailureReason is null).Select(c => c.ContainerInstanceId).ToImmutableArray();
        }
        finally
        {
            if (planned is not null)
            {
                S.Undrains = S.Undrains.Remove(planned);
            }
        }

        if (until is { } at && !drained.IsEmpty)
        {
            S.Undrains = S.Undrains.Add(new PendingUndrain(view.Name, drained, at)); // what was drained (Record writes it)
        }

        return await Record(action, view.Name, drained.Select(id => Arns.ContainerInstance(runtime.Region, runtime.Account, view.Name, id)).ToImmutableArray(),
            $"{drained.Length} container instance(s) set to DRAINING" + (until is { } u ? $" until {Iso(u)}" : ""), until);
    }

    public async Task<ChaosInjection> StopTasks(ChaosTarget target, string reason)
    {
        const string action = "aws:ecs:stop-task";
        _at = Now;
        ValidateTarget(target);
        var view = await Resolve(target.Cluster);
        var chosen = Pick(view.Tasks(target).Select(t => t.TaskId), target.Selection, action);
        var text = string.IsNullOrWhiteSpace(reason) ? "Task stopped by chaos experiment (aws:ecs:stop-task)" : reason;
        if (text.Length > 255)
        {
            throw ErrorCodes.Invalid("The stop reason must be at most 255 characters.");
        }

        var stopped = chosen.IsEmpty ? [] : await Cluster(view.Name).StopTasks(chosen, StopReasons.UserInitiated, text);
        return await Record(action, view.Name, stopped.Select(t => TaskArn(view.Name, t.TaskId)).ToImmutableArray(),
            $"{stopped.Length} task(s) stopped (UserInitiated: {text})", null);
    }

    public async Task<ChaosInjection> ExhaustSpotPools(string? instanceType, string? availabilityZone, TimeSpan duration)
    {
        const string action = "emulator:exhaust-spot-pool";
        _at = Now;
        Check(ChaosSelections.ValidateDuration(duration));
        if (instanceType is not null && !runtime.Catalog.TryGet(instanceType, out _))
        {
            throw ErrorCodes.Invalid($"Unknown instance type '{instanceType}'.");
        }

        ValidateZone(availabilityZone);
        var until = _at + duration;
        await Market.Exhaust(instanceType, availabilityZone, until);
        var pool = $"{instanceType ?? "every type"} in {availabilityZone ?? "every zone"}";
        return await Record(action, "", [SpotMarket.PoolKey(instanceType ?? SpotMarket.Any, availabilityZone ?? SpotMarket.Any)],
            $"Spot pools of {pool} exhausted until {Iso(until)}", until);
    }

    public async Task<ChaosInjection> InsufficientInstanceCapacity(ChaosTarget target, ImmutableArray<string> availabilityZones, TimeSpan duration)
    {
        const string action = "aws:ec2:asg-insufficient-instance-capacity-error";
        _at = Now;
        Check(ChaosSelections.Validate(target.Selection));
        Check(ChaosSelections.ValidateDuration(duration));
        var zones = availabilityZones.IsDefault ? [] : availabilityZones;
        foreach (var z in zones)
        {
            ValidateZone(z);
        }

        // Groups named by id/ARN or by name must exist; otherwise every group of the cluster (any cluster when the
        // target names none) whose tags match is a candidate. The seeded selection then picks among them.
        var named = (target.Ids.IsDefault ? [] : target.Ids).Select(Arns.AutoScalingGroupName)
            .Concat(target.AutoScalingGroup is { } g ? [Arns.AutoScalingGroupName(g)] : [])
            .ToHashSet(StringComparer.Ordinal);
        foreach (var name in named)
        {
            if (await Asg(name).Describe() is null)
            {
                throw ErrorCodes.Invalid($"AutoScalingGroup {name} not found.");
            }
        }

        var cluster = string.IsNullOrEmpty(target.Cluster) ? null : Arns.ClusterName(target.Cluster);
        var candidates = new List<string>();
        foreach (var name in await GrainFactory.GetGrain<IAccountGrain>(GrainKeys.Account).List(ResourceKind.AutoScalingGroup))
        {
            if (named.Count > 0 && !named.Contains(name))
            {
                continue;
            }

            if (await Asg(name).Describe() is { } info
                && (named.Count > 0 || cluster is null || info.Spec.ClusterName == cluster)
                && (target.Tags ?? ImmutableDictionary<string, string>.Empty).All(t => info.Spec.Tags.TryGetValue(t.Key, out var v) && v == t.Value))
            {
                candidates.Add(name);
            }
        }

        if (candidates.Count == 0)
        {
            throw ErrorCodes.Invalid("No Auto Scaling group matches the target.");
        }

        var names = Pick(candidates, target.Selection, action);
        var until = _at + duration;
        foreach (var name in names)
        {
            await Market.InsufficientCapacity(name, zones, until);
        }

        return await Record(action, "", [.. names],
            $"Launches of {string.Join(", ", names)} fail with InsufficientInstanceCapacity in {(zones.IsEmpty ? "every zone" : string.Join(", ", zones))} until {Iso(until)}", until);
    }

    public async Task<ChaosInjection> FailTaskLaunches(string cluster, string? service, double probability, TimeSpan duration)
    {
        const string action = "emulator:fail-task-launches";
        _at = Now;
        Check(ChaosSelections.ValidateProbability(probability));
        Check(ChaosSelections.ValidateDuration(duration));
        var view = await Resolve(cluster);
        string? serviceName = service is null ? null : Arns.ShortName(service);
        if (serviceName is not null && !view.Status.Services.Any(s => s.Spec.Name == serviceName))
        {
            throw Errors.ServiceNotFoundIn(serviceName, view.Name);
        }

        var until = _at + duration;
        await Cluster(view.Name).SetLaunchFaults(new LaunchFaults(probability, "CannotPullContainerError: task launch failure injected by a chaos experiment", until, serviceName));
        return await Record(action, view.Name, serviceName is null ? [] : [Arns.Service(runtime.Region, runtime.Account, view.Name, serviceName)],
            $"Task launches of {(serviceName is null ? "every service and task" : "service " + serviceName)} fail with probability {probability.ToString(CultureInfo.InvariantCulture)} until {Iso(until)}", until);
    }

    public async Task<ChaosInjection> TaskFault(string cluster, string service, TaskFaultKind kind, double value, TimeSpan duration)
    {
        const string action = "emulator:task-fault";
        _at = Now;
        Check(ChaosSelections.ValidateDuration(duration));
        if (!Enum.IsDefined(kind))
        {
            throw ErrorCodes.Invalid($"Unknown task fault '{kind}'.");
        }

        Check(TaskFaultLabels.Validate(kind, value));
        var view = await Resolve(cluster);
        var serviceName = Arns.ShortName(service);
        if (!view.Status.Services.Any(s => s.Spec.Name == serviceName))
        {
            throw new EcsException(ErrorCodes.ServiceNotFound, $"Service {serviceName} not found in cluster {view.Name}.");
        }

        var until = _at + duration;
        var reached = await Cluster(view.Name).SetServiceTaskFault(serviceName, new ServiceTaskFault(kind, value, _at, until));
        var what = kind switch
        {
            TaskFaultKind.PullFailure => "new tasks fail to pull their image",
            TaskFaultKind.Exit => $"tasks exit {value.ToString(CultureInfo.InvariantCulture)} s after they run (or after now)",
            TaskFaultKind.HealthCheck => "container health checks fail",
            TaskFaultKind.TargetHealth => "load balancer health checks fail",
            TaskFaultKind.ErrorRate => $"{value.ToString(CultureInfo.InvariantCulture)} of requests are answered 5xx",
            _ => $"CPU per request x {value.ToString(CultureInfo.InvariantCulture)}",
        };
        return await Record(action, view.Name, reached.Select(id => TaskArn(view.Name, id)).ToImmutableArray(),
            $"Service {serviceName}: {what} until {Iso(until)} ({reached.Length} running task(s) reached)", until);
    }

    public async Task<ChaosInjection> ZoneOutage(string availabilityZone, TimeSpan? duration)
    {
        const string action = "emulator:az-outage";
        _at = Now;
        if (string.IsNullOrWhiteSpace(availabilityZone))
        {
            throw ErrorCodes.Invalid("An availability zone is required.");
        }

        ValidateZone(availabilityZone);
        if (duration is { } d)
        {
            Check(ChaosSelections.ValidateDuration(d));
        }

        DateTimeOffset? until = duration is { } span ? _at + span : null;
        await Market.ZoneOutage(availabilityZone, until); // first: nothing launches there from now on
        var account = GrainFactory.GetGrain<IAccountGrain>(GrainKeys.Account);
        var lost = ImmutableArray.CreateBuilder<string>();
        var groups = (await account.List(ResourceKind.AutoScalingGroup)).Concat(await account.List(ResourceKind.ManagedInstancesGroup)); // B-MI-2: managed instances too
        foreach (var asg in groups.Order(StringComparer.Ordinal))
        {
            try
            {
                lost.AddRange(await Asg(asg).LoseZone(availabilityZone));
            }
            catch (EcsException)
            {
                // deleted meanwhile
            }
        }

        foreach (var cluster in (await account.List(ResourceKind.Cluster)).Order(StringComparer.Ordinal))
        {
            try
            {
                lost.AddRange((await Cluster(cluster).SetZoneOutage(availabilityZone, true, until)).Select(id => TaskArn(cluster, id)));
            }
            catch (EcsException)
            {
                // deleted meanwhile
            }
        }

        return await Record(action, "", lost.ToImmutable(),
            $"Availability zone {availabilityZone} out" + (until is { } u ? $" until {Iso(u)}" : " until restored") + $": {lost.Count} instance(s) and Fargate task(s) lost", until);
    }

    public async Task<ChaosInjection> RestoreZone(string availabilityZone)
    {
        const string action = "emulator:az-restore";
        _at = Now;
        ValidateZone(availabilityZone);
        await Market.RestoreZone(availabilityZone);
        foreach (var cluster in await GrainFactory.GetGrain<IAccountGrain>(GrainKeys.Account).List(ResourceKind.Cluster))
        {
            try
            {
                await Cluster(cluster).SetZoneOutage(availabilityZone, false, null);
            }
            catch (EcsException)
            {
                // deleted meanwhile
            }
        }

        return await Record(action, "", [availabilityZone], $"Availability zone {availabilityZone} restored", null);
    }

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (!S.Undrains.IsEmpty)
        {
            StartTimer();
        }
        else if (await this.GetReminder(ReminderName) is { } reminder)
        {
            await this.UnregisterReminder(reminder);
        }
    }

    public Task<ImmutableArray<ChaosInjection>> GetInjections(long afterSequence) =>
        Task.FromResult(S.Injections.Where(i => i.Sequence > afterSequence).ToImmutableArray());

    // ------------------------------------------------------------------ helpers

    private async Task<ChaosInjection> Record(string action, string cluster, ImmutableArray<string> targets, string message, DateTimeOffset? until)
    {
        var injection = new ChaosInjection(++S.Sequence, action, _at, cluster, targets, message, until);
        S.Injections = S.Injections.Add(injection);
        if (S.Injections.Count > InjectionLimit)
        {
            S.Injections = S.Injections.RemoveRange(0, S.Injections.Count - InjectionLimit);
        }

        await store.WriteStateAsync();
        return injection;
    }

    /// <summary>The seeded pick: the stream depends on the seed, the action and its place in the injection log.</summary>
    private ImmutableArray<string> Pick(IEnumerable<string> candidates, ChaosSelection selection, string action) =>
        ChaosSelections.Select(candidates, selection, runtime.Random.For($"chaos/{S.Sequence + 1}/{action}"));

    private static void ValidateTarget(ChaosTarget? target)
    {
        if (target is null || string.IsNullOrWhiteSpace(target.Cluster))
        {
            throw ErrorCodes.Invalid("A target with a cluster is required.");
        }

        Check(ChaosSelections.Validate(target.Selection));
    }

    private void ValidateZone(string? zone)
    {
        if (zone is not null && !runtime.Options.AvailabilityZones.Contains(zone))
        {
            throw ErrorCodes.Invalid($"Unknown availability zone '{zone}'. Zones: {string.Join(", ", runtime.Options.AvailabilityZones)}.");
        }
    }

    private static void Check(string? error)
    {
        if (error is not null)
        {
            throw ErrorCodes.Invalid(error);
        }
    }

    private async Task<ClusterView> Resolve(string cluster)
    {
        var name = Arns.ClusterName(cluster);
        var status = await Control.GetClusterStatus(name, false); // ClusterNotFoundException for an unknown cluster
        var asgs = status.AutoScalingGroups.ToDictionary(a => a.Spec.Name, StringComparer.Ordinal);
        foreach (var missing in status.Instances.Select(i => i.AutoScalingGroup).OfType<string>().Distinct().Where(a => !asgs.ContainsKey(a)).ToList())
        {
            if (await Asg(missing).Describe() is { } info)
            {
                asgs[missing] = info;
            }
        }

        return new ClusterView(name, status, asgs);
    }

    private IAutoScalingGroupGrain Asg(string name) => GrainFactory.GetGrain<IAutoScalingGroupGrain>(GrainKeys.AutoScalingGroup(name));

    private IClusterGrain Cluster(string name) => GrainFactory.GetGrain<IClusterGrain>(GrainKeys.Cluster(name));

    private string TaskArn(string cluster, string id) => Arns.Task(runtime.Region, runtime.Account, cluster, id);

    private static string Iso(DateTimeOffset at) => ScalingActivities.Timestamp(at);

    /// <summary>B-T-3: the timer wakes when the earliest planned undrain is due (not every emulated second).</summary>
    private void StartTimer()
    {
        _timer ??= DueTimer.Register(this, Tick, runtime.Clock);
        _timer.ArmNoLaterThan(S.Undrains.Min(u => u.At));
    }

    /// <summary>FIS drain with a duration: the instances go back to ACTIVE when it ends (B-CI-4).</summary>
    private async Task Tick(CancellationToken cancellationToken)
    {
        _timer?.Fired();
        try
        {
            await Undrain(cancellationToken);
        }
        finally
        {
            if (S.Undrains.IsEmpty)
            {
                _timer?.Dispose();
                _timer = null;
            }
            else
            {
                _timer?.Arm(S.Undrains.Min(u => u.At));
            }
        }
    }

    private async Task Undrain(CancellationToken cancellationToken)
    {
        var now = Now;
        var due = S.Undrains.Where(u => u.At <= now).ToList();
        foreach (var u in due)
        {
            try
            {
                var instances = await Cluster(u.Cluster).GetInstances();
                var still = u.ContainerInstances.Where(id => instances.Any(i => i.ContainerInstanceId == id && i.Status == ContainerInstanceStatus.DRAINING)).ToImmutableArray();
                if (!still.IsEmpty)
                {
                    await Control.UpdateContainerInstancesState(u.Cluster, still, ContainerInstanceStatus.ACTIVE);
                }
            }
            catch (EcsException)
            {
                // the cluster is gone
            }

            runtime.Metrics.RecordLag(now - u.At, LagSources.Chaos);
        }

        if (due.Count > 0)
        {
            S.Undrains = S.Undrains.RemoveRange(due);
            await store.WriteStateAsync(cancellationToken);
        }
    }

    /// <summary>One instance as chaos targets see it: its EC2 side (ASG) and, once registered, its container instance.</summary>
    private sealed record InstanceCandidate(
        string Ec2InstanceId, string AutoScalingGroup, string? CapacityProvider, ImmutableDictionary<string, string> Tags,
        string AvailabilityZone, string InstanceType, bool IsSpot, LifecycleState State, ContainerInstanceRecord? ContainerInstance);

    /// <summary>The live state of one cluster, and the target filters over it (every non-null filter must match).</summary>
    private sealed record ClusterView(string Name, ClusterStatus Status, Dictionary<string, AsgInfo> Asgs)
    {
        public IEnumerable<InstanceCandidate> Instances(ChaosTarget target)
        {
            var byEc2 = Status.Instances.Where(i => i.Status != ContainerInstanceStatus.INACTIVE).ToDictionary(i => i.Ec2InstanceId, StringComparer.Ordinal);
            var ids = target.Ids.IsDefaultOrEmpty ? null : target.Ids.Select(Arns.ShortName).ToHashSet(StringComparer.Ordinal);
            var asgFilter = target.AutoScalingGroup is { } a ? Arns.AutoScalingGroupName(a) : null;
            var serviceFilter = target.Service is { } s ? Arns.ShortName(s) : null;
            var withService = serviceFilter is null
                ? null
                : Status.Tasks.Where(t => t.ServiceName == serviceFilter && t.LastStatus != TaskStatus.STOPPED && t.Ec2InstanceId is not null)
                    .Select(t => t.Ec2InstanceId!).ToHashSet(StringComparer.Ordinal);
            foreach (var asg in Asgs.Values)
            {
                foreach (var i in asg.Instances.Where(i => i.State != LifecycleState.Terminated))
                {
                    var ci = byEc2.GetValueOrDefault(i.InstanceId);
                    // An instance carries its group's tags and aws:autoscaling:groupName (FIS templates target groups that way).
                    var c = new InstanceCandidate(i.InstanceId, asg.Spec.Name, asg.CapacityProvider ?? ci?.CapacityProvider, asg.Spec.InstanceTags,
                        i.AvailabilityZone, i.InstanceType, i.IsSpot, i.State, ci);
                    if ((ids is null || ids.Contains(c.Ec2InstanceId) || (ci is not null && ids.Contains(ci.ContainerInstanceId)))
                        && (target.CapacityProvider is null || c.CapacityProvider == Arns.ShortName(target.CapacityProvider))
                        && (asgFilter is null || c.AutoScalingGroup == asgFilter)
                        && (withService is null || withService.Contains(c.Ec2InstanceId))
                        && TagsMatch(target.Tags, c.Tags)
                        && (target.AvailabilityZone is null || c.AvailabilityZone == target.AvailabilityZone)
                        && (target.InstanceType is null || c.InstanceType == target.InstanceType))
                    {
                        yield return c;
                    }
                }
            }
        }

        public IEnumerable<TaskRecord> Tasks(ChaosTarget target)
        {
            var ids = target.Ids.IsDefaultOrEmpty ? null : target.Ids.Select(Arns.ShortName).ToHashSet(StringComparer.Ordinal);
            var serviceFilter = target.Service is { } s ? Arns.ShortName(s) : null;
            var serviceTags = Status.Services.ToDictionary(v => v.Spec.Name, v => v.Spec.Tags, StringComparer.Ordinal);
            var instances = Status.Instances.ToDictionary(i => i.ContainerInstanceId, StringComparer.Ordinal);
            var asgFilter = target.AutoScalingGroup is { } a ? Arns.AutoScalingGroupName(a) : null;
            return Status.Tasks.Where(t =>
            {
                var instance = t.ContainerInstanceId is { } ci ? instances.GetValueOrDefault(ci) : null;
                return t.LastStatus != TaskStatus.STOPPED && t.DesiredStatus == DesiredStatus.RUNNING
                       && (ids is null || ids.Contains(t.TaskId))
                       && (serviceFilter is null || t.ServiceName == serviceFilter)
                       && (target.CapacityProvider is null || t.CapacityProvider == Arns.ShortName(target.CapacityProvider))
                       && (asgFilter is null || instance?.AutoScalingGroup == asgFilter)
                       && ((target.Tags?.Count ?? 0) == 0 || (t.ServiceName is { } svc && serviceTags.TryGetValue(svc, out var tags) && TagsMatch(target.Tags, tags)))
                       && (target.AvailabilityZone is null || t.AvailabilityZone == target.AvailabilityZone)
                       && (target.InstanceType is null || instance?.InstanceType == target.InstanceType);
            });
        }

        private static bool TagsMatch(ImmutableDictionary<string, string>? wanted, ImmutableDictionary<string, string> have) =>
            wanted is null || wanted.All(w => have.TryGetValue(w.Key, out var v) && v == w.Value);
    }
}
