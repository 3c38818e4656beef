using System.Collections.Immutable;
using Emulator.Contracts;
using Emulator.Model.Catalog;
using Emulator.Model.Scaling;

namespace Emulator.Model.Lifecycle;

/// <summary>What a reactivated group and its cluster disagree on (B-ASG-1, B-CI-5).</summary>
public sealed record ClusterReconciliation(ImmutableArray<string> RegisterAgain, ImmutableArray<string> TerminateInCluster)
{
    public bool IsEmpty => RegisterAgain.IsEmpty && TerminateInCluster.IsEmpty;
}

/// <summary>A request to change the group's desired capacity: refused with AWS's message, or the new value and why (B-ASG-6's cause).</summary>
public sealed record DesiredChange(string? Error, int Desired, string Cause);

/// <summary>
/// The group-level rules of an EC2 Auto Scaling group over its instances (B-ASG-1, B-ASG-4, B-ASG-5, B-ASG-6,
/// B-CAS-7, B-CAS-8): the one definition of a live instance, sizes and desired capacity changes, what brings the group
/// to its desired capacity, when its next stage is due, reconciliation with its cluster and retention of terminated
/// instances. Per-instance stages are <see cref="InstanceLifecycle"/>'s, Spot interruptions <see cref="SpotInterruptions"/>'.
/// </summary>
public static class InstanceGroup
{
    /// <summary>
    /// B-ASG-1, B-ASG-5: a live instance counts toward the group's capacity (Pending or InService) and is not at risk
    /// under capacity rebalancing (its replacement launches first). The only definition: launches, scale-in, the
    /// replacement of an at-risk instance and the launch's AZ balance all count with it.
    /// </summary>
    public static bool IsLive(AsgInstance i, SpotInterruptionPlan? interruption) =>
        InstanceLifecycle.CountsTowardCapacity(i.State) && !SpotInterruptions.IsAtRisk(interruption);

    /// <summary>The group's live instances (<see cref="IsLive(AsgInstance, SpotInterruptionPlan?)"/>), in a stable order.</summary>
    public static ImmutableArray<AsgInstance> Live(IEnumerable<AsgInstance> instances, IReadOnlyDictionary<string, SpotInterruptionPlan> interruptions) =>
        instances.Where(i => IsLive(i, interruptions.GetValueOrDefault(i.InstanceId))).ToImmutableArray();

    /// <summary>
    /// CreateAutoScalingGroup: the group as created (B-ID-1: the emulator's zones when none are given), the cause of
    /// its first desired capacity (B-ASG-6), or AWS's ValidationError message (sizes, instance types of the catalog).
    /// </summary>
    public static (AsgSpec Spec, string Cause, string? Error) Create(AsgSpec spec, IReadOnlyList<string> defaultZones, InstanceCatalog catalog, DateTimeOffset now)
    {
        if (ValidateSizes(spec.MinSize, spec.MaxSize, spec.DesiredCapacity) is { } sizes)
        {
            return (spec, "", sizes);
        }

        if (spec.InstanceTypes.IsDefaultOrEmpty || spec.InstanceTypes.Any(t => !catalog.TryGet(t, out _)))
        {
            return (spec, "",
                $"Invalid instance type(s): {string.Join(", ", spec.InstanceTypes.IsDefault ? [] : spec.InstanceTypes)}. Known types: {string.Join(", ", catalog.All.Select(t => t.Name))}.");
        }

        var zones = spec.AvailabilityZones.IsDefaultOrEmpty ? defaultZones.ToImmutableArray() : spec.AvailabilityZones;
        return (spec with { AvailabilityZones = zones }, ScalingActivities.CauseUserRequest(now, spec.MinSize, spec.MaxSize, 0, spec.DesiredCapacity), null);
    }

    /// <summary>
    /// UpdateAutoScalingGroup: the new spec and desired capacity (<see cref="DesiredAfterUpdate"/>), with the cause
    /// when desired changes (B-ASG-6), or AWS's ValidationError message. Tags given are merged into the group's.
    /// </summary>
    public static (AsgSpec Spec, DesiredChange Desired) Update(AsgSpec spec, AsgUpdate update, int current, DateTimeOffset now)
    {
        var min = update.MinSize ?? spec.MinSize;
        var max = update.MaxSize ?? spec.MaxSize;
        var desired = DesiredAfterUpdate(update.DesiredCapacity, min, max, current);
        if (ValidateSizes(min, max, desired) is { } error)
        {
            return (spec, new DesiredChange(error, current, ""));
        }

        var baseSpec = update.Spec ?? spec; // issue 14: UpdateAutoScalingGroup's launch, zones, settings and tags, resolved at the edge
        var updated = baseSpec with
        {
            MinSize = min,
            MaxSize = max,
            NewInstancesProtectedFromScaleIn = update.NewInstancesProtectedFromScaleIn ?? baseSpec.NewInstancesProtectedFromScaleIn,
            CapacityRebalance = update.CapacityRebalance ?? baseSpec.CapacityRebalance,
            Tags = update.Tags is { } tags ? baseSpec.Tags.SetItems(tags) : baseSpec.Tags,
        };
        return (updated, new DesiredChange(null, desired, desired == current ? "" : ScalingActivities.CauseUserRequest(now, min, max, current, desired)));
    }

    /// <summary>B-CAS-8: managed draining applies to a group only while a capacity provider with it enabled uses the group.</summary>
    public static bool ManagedDrainingApplies(string? capacityProvider, bool managedDraining) => managedDraining && capacityProvider is not null;

    /// <summary>An AZ outage: the group's instances still present in the zone (they terminate at once, B-SP-3).</summary>
    public static ImmutableArray<string> InZone(IEnumerable<AsgInstance> instances, string availabilityZone) =>
        [.. instances.Where(i => i.AvailabilityZone == availabilityZone && InstanceLifecycle.IsPresent(i)).Select(i => i.InstanceId)];

    /// <summary>B-ASG-1: min and max not negative, min &lt;= max, min &lt;= desired &lt;= max; AWS's ValidationError message, or null.</summary>
    public static string? ValidateSizes(int min, int max, int desired)
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

    /// <summary>
    /// UpdateAutoScalingGroup: the desired capacity asked for, else the current one moved inside the new bounds
    /// (not clamped when min &gt; max: <see cref="ValidateSizes"/> refuses that).
    /// </summary>
    public static int DesiredAfterUpdate(int? requested, int min, int max, int current) =>
        requested ?? Math.Max(min, Math.Min(current, max));

    /// <summary>
    /// SetDesiredCapacity by a user (<paramref name="casAlarmName"/> null) or by CAS's alarm (B-CAS-4/5): refused
    /// outside min..max; the cause names who changed it (B-ASG-6).
    /// </summary>
    public static DesiredChange SetDesired(int desired, int current, int min, int max, string? casAlarmName, string policyName, DateTimeOffset now)
    {
        if (desired > max)
        {
            return new DesiredChange($"New SetDesiredCapacity value {desired} is above max value {max} for the AutoScalingGroup.", current, "");
        }

        if (desired < min)
        {
            return new DesiredChange($"New SetDesiredCapacity value {desired} is below min value {min} for the AutoScalingGroup.", current, "");
        }

        var cause = casAlarmName is null
            ? ScalingActivities.CauseSetDesiredCapacity(now, current, desired)
            : ScalingActivities.CauseCasAlarm(now, casAlarmName, policyName, current, desired);
        return new DesiredChange(null, desired, cause);
    }

    /// <summary>
    /// TerminateInstanceInAutoScalingGroup: with <paramref name="decrementDesired"/> desired capacity drops by one
    /// (refused below min); the cause names the instance (and the desired change).
    /// </summary>
    public static DesiredChange TerminateOnRequest(string instanceId, bool decrementDesired, int current, int min, DateTimeOffset now)
    {
        var selected = ScalingActivities.CauseSelectedForTermination(now, instanceId);
        if (!decrementDesired)
        {
            return new DesiredChange(null, current, selected);
        }

        if (current - 1 < min)
        {
            return new DesiredChange(
                $"Currently, desiredSize equals minSize ({min}). Terminating instance without replacement will violate group's min size constraint. Either set shouldDecrementDesiredCapacity flag to false or lower group's min size.",
                current, "");
        }

        return new DesiredChange(null, current - 1, ScalingActivities.JoinCauses(selected, ScalingActivities.CauseSetDesiredCapacity(now, current, current - 1)));
    }

    /// <summary>DeleteAutoScalingGroup: refused while instances remain unless forced; AWS's ResourceInUse message, or null.</summary>
    public static string? DeleteRefusal(IEnumerable<AsgInstance> instances, bool force) =>
        !force && instances.Any(InstanceLifecycle.IsPresent)
            ? "You cannot delete an AutoScalingGroup while there are instances or pending Spot instance request(s) still in the group."
            : null;

    /// <summary>
    /// B-ASG-1, B-ASG-4: what brings the group to its desired capacity. Below it: launch the difference (not before
    /// <paramref name="launchRetryAt"/>, after a failed launch), the cause being why desired last changed and the
    /// launch that follows. Above it: take out the scale-in victims of <see cref="AutoScalingGroups.ChooseScaleInVictims"/>
    /// (B-CAS-7: never protected ones; all protected, nothing happens). No steps when live equals desired.
    /// </summary>
    public static ImmutableArray<InstanceStep> PlanCapacity(
        IEnumerable<AsgInstance> instances, IReadOnlyDictionary<string, SpotInterruptionPlan> interruptions, int desired, string lastDesiredCause,
        DateTimeOffset launchRetryAt, DateTimeOffset now, Random random)
    {
        var live = Live(instances, interruptions);
        if (live.Length < desired)
        {
            return now < launchRetryAt
                ? []
                : [new LaunchInstances(desired - live.Length, ScalingActivities.JoinCauses(lastDesiredCause, ScalingActivities.CauseLaunchToMatch(now, live.Length, desired)))];
        }

        if (live.Length == desired)
        {
            return [];
        }

        var cause = ScalingActivities.JoinCauses(lastDesiredCause, ScalingActivities.CauseTerminateToMatch(now, live.Length, desired));
        return [.. AutoScalingGroups.ChooseScaleInVictims(live.Select(InstanceLifecycle.View).ToList(), live.Length - desired, now, random)
            .Select(id => new BeginTermination(id, cause))];
    }

    /// <summary>
    /// B-CAS-8: the Terminating:Wait instances whose wait is over (<see cref="InstanceLifecycle.WaitEndsAt"/>)
    /// terminate, each at the instant its wait ended; <paramref name="serviceTasksLeft"/> counts the service tasks
    /// still on each (missing: none).
    /// </summary>
    public static ImmutableArray<InstanceStep> FinishDraining(
        IEnumerable<AsgInstance> instances, IReadOnlyDictionary<string, int> serviceTasksLeft, string lastDesiredCause, EmulatorTimings timings, DateTimeOffset now) =>
    [
        .. instances
            .Select(i => (i.InstanceId, EndsAt: InstanceLifecycle.WaitEndsAt(i, serviceTasksLeft.GetValueOrDefault(i.InstanceId), timings, now)))
            .Where(w => w.EndsAt is not null)
            .Select(w => new TerminateInstance(w.InstanceId, lastDesiredCause, w.EndsAt!.Value)),
    ];

    /// <summary>The instances waiting in Terminating:Wait (B-CAS-8).</summary>
    public static ImmutableArray<string> Waiting(IEnumerable<AsgInstance> instances) =>
        [.. instances.Where(i => i.State == LifecycleState.TerminatingWait).Select(i => i.InstanceId)];

    /// <summary>
    /// B-T-3: the earliest stage due after <paramref name="after"/> of any instance or Spot interruption, or null: the
    /// group's timer wakes for it instead of waiting for its next tick. A stage already due and not done (an agent
    /// whose cluster refused it) is left to the tick.
    /// </summary>
    public static DateTimeOffset? EarliestDue(
        IEnumerable<AsgInstance> instances, IEnumerable<SpotInterruptionPlan> interruptions, EmulatorTimings timings, DateTimeOffset after)
    {
        DateTimeOffset? earliest = null;
        foreach (var due in instances.Select(i => InstanceLifecycle.NextDue(i, timings)).Concat(interruptions.Select(p => (DateTimeOffset?)SpotInterruptions.NextDue(p))))
        {
            if (due is { } at && at > after && (earliest is null || at < earliest))
            {
                earliest = at;
            }
        }

        return earliest;
    }

    /// <summary>
    /// After a reactivation (a silo died): an instance the group counts as registered whose container instance the
    /// cluster lacks registers again (the agent reconnects); a container instance of this group whose EC2 instance the
    /// group terminated, or never kept, is terminated in the cluster too. Nothing is dropped silently.
    /// </summary>
    public static ClusterReconciliation ReconcileWithCluster(
        IReadOnlyDictionary<string, AsgInstance> instances, string autoScalingGroupName, IEnumerable<ContainerInstanceRecord> registered)
    {
        var inCluster = registered.Where(r => r.AutoScalingGroup == autoScalingGroupName).ToDictionary(r => r.Ec2InstanceId, StringComparer.Ordinal);
        var again = instances.Values
            .Where(i => i.Registered && i.State is LifecycleState.InService or LifecycleState.TerminatingWait && !inCluster.ContainsKey(i.InstanceId))
            .Select(i => i.InstanceId);
        var terminate = inCluster.Values
            .Where(r => r.Status != ContainerInstanceStatus.INACTIVE
                        && (!instances.TryGetValue(r.Ec2InstanceId, out var mine) || !InstanceLifecycle.IsPresent(mine)))
            .Select(r => r.Ec2InstanceId);
        return new ClusterReconciliation([.. again], [.. terminate]);
    }

    /// <summary>Terminated instances past <see cref="EmulatorTimings.TerminatedInstanceRetention"/>: the group drops them (their cost is kept, B-IT-5).</summary>
    public static ImmutableArray<AsgInstance> Expired(IEnumerable<AsgInstance> instances, EmulatorTimings timings, DateTimeOffset now) =>
        [.. instances.Where(i => i.State == LifecycleState.Terminated && i.TerminatedAt < now - timings.TerminatedInstanceRetention)];

    /// <summary>
    /// B-CAS-7, managed termination protection: ECS keeps scale-in protection on every InService instance that runs
    /// a non-daemon task and removes it from empty ones, so a scale-in only terminates empty instances. Returns only
    /// the changes (instance id -> protected); instances the cluster does not know (not registered) are left alone.
    /// </summary>
    public static ImmutableDictionary<string, bool> ManagedProtection(IEnumerable<AsgInstance> instances, IReadOnlyDictionary<string, int> nonDaemonTasksByInstance) =>
        instances
            .Where(i => i.State == LifecycleState.InService && nonDaemonTasksByInstance.ContainsKey(i.InstanceId))
            .Select(i => (i.InstanceId, i.ProtectedFromScaleIn, Protect: nonDaemonTasksByInstance[i.InstanceId] > 0))
            .Where(p => p.ProtectedFromScaleIn != p.Protect)
            .ToImmutableDictionary(p => p.InstanceId, p => p.Protect);
}
