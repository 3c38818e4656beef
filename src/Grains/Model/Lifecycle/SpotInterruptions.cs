using System.Collections.Immutable;
using Emulator.Contracts;
using Emulator.Model.Chaos;
using Emulator.Model.Scaling;

namespace Emulator.Model.Lifecycle;

/// <summary>What a Spot interruption's sequence needs to know of its group (B-SP-2, B-ASG-5).</summary>
public sealed record SpotGroupView(
    IReadOnlyDictionary<string, AsgInstance> Instances,
    IReadOnlyDictionary<string, SpotInterruptionPlan> Interruptions,
    int Desired,
    bool CapacityRebalance,
    bool SpotDraining);

/// <summary>One step of an interruption: the plan after it (null: the interruption is over) and what the group does.</summary>
public sealed record SpotAdvance(SpotInterruptionPlan? Plan, ImmutableArray<InstanceStep> Steps);

/// <summary>
/// The Spot interruption sequence of an EC2 Spot instance (B-SP-1..3, B-SP-5) and capacity rebalancing (B-ASG-5), as
/// stages of a <see cref="SpotInterruptionPlan"/>: the optional rebalance recommendation, the "EC2 Spot Instance
/// Interruption Warning" (with Spot draining, the container instance goes DRAINING), then the termination a notice
/// later (120 s by default, B-T-2), without the managed draining wait: the host is gone. With capacity rebalancing the
/// instance is at risk from the recommendation (or the warning): it no longer counts toward capacity, a replacement
/// launches first, and once that is InService the at-risk instance is taken out (managed draining applies). Every
/// event is stamped with its scheduled instant.
/// </summary>
public static class SpotInterruptions
{
    /// <summary>B-SP-1: a Spot instance that is Pending, InService or Terminating:Wait, and not already being interrupted, can be.</summary>
    public static bool CanInterrupt(AsgInstance? i, IReadOnlyDictionary<string, SpotInterruptionPlan> interruptions) =>
        i is { IsSpot: true, State: LifecycleState.Pending or LifecycleState.InService or LifecycleState.TerminatingWait }
        && !interruptions.ContainsKey(i.InstanceId);

    /// <summary>
    /// B-SP-1: a new interruption at <paramref name="now"/>: with a rebalance recommendation, it comes now and the
    /// warning <paramref name="rebalanceLead"/> later; the termination <paramref name="notice"/> after the warning.
    /// </summary>
    public static SpotInterruptionPlan Schedule(string instanceId, DateTimeOffset now, TimeSpan notice, bool rebalanceRecommendation, TimeSpan? rebalanceLead)
    {
        var times = ChaosSelections.SpotTimes(now, notice, rebalanceRecommendation, rebalanceLead);
        return new SpotInterruptionPlan(instanceId, times.RebalanceAt, times.WarningAt, times.TerminateAt, false, false, false, null);
    }

    /// <summary>B-ASG-5: the instance is at risk (capacity rebalancing): it no longer counts toward the group's capacity.</summary>
    public static bool IsAtRisk(SpotInterruptionPlan? plan) => plan is { AtRisk: true };

    /// <summary>When the plan's next stage is due: the recommendation, else the warning, else the termination.</summary>
    public static DateTimeOffset NextDue(SpotInterruptionPlan p) =>
        p.RebalanceAt is { } rebalance && !p.RebalanceSent ? rebalance
        : p.WarningSent ? p.TerminateAt
        : p.WarningAt;

    /// <summary>
    /// Applies the stages due at <paramref name="now"/>, in order: the recommendation (at risk under capacity
    /// rebalancing), the warning (at risk too; DRAINING with Spot draining, B-SP-2), the replacement of an at-risk
    /// instance (B-ASG-5: launched when the group is below desired without it, else none is needed), then either the
    /// forced termination at the end of the notice (B-SP-3) or, with the replacement InService (or none needed), the
    /// at-risk instance's rebalancing termination. The interruption is over (null plan) once its instance is gone.
    /// </summary>
    public static SpotAdvance Advance(SpotInterruptionPlan plan, SpotGroupView group, DateTimeOffset now)
    {
        if (!group.Instances.TryGetValue(plan.InstanceId, out var instance) || !InstanceLifecycle.IsPresent(instance))
        {
            return new SpotAdvance(null, []);
        }

        var steps = ImmutableArray.CreateBuilder<InstanceStep>();
        var p = plan;
        if (p.RebalanceAt is { } rebalanceAt && rebalanceAt <= now && !p.RebalanceSent)
        {
            steps.Add(Ec2Event(EventTypes.RebalanceRecommendation, p.InstanceId, rebalanceAt));
            p = p with { RebalanceSent = true, AtRisk = group.CapacityRebalance };
        }

        if (p.WarningAt <= now && !p.WarningSent)
        {
            steps.Add(new ObserveLag(p.WarningAt, LagSource.SpotInterruption));
            steps.Add(Ec2Event(EventTypes.SpotInterruptionWarning, p.InstanceId, p.WarningAt));
            p = p with { WarningSent = true, AtRisk = p.AtRisk || group.CapacityRebalance };
            if (group.SpotDraining && instance.Registered)
            {
                steps.Add(new DrainContainerInstance(p.InstanceId));
            }
        }

        if (p.AtRisk && p.ReplacementId is null)
        {
            var atRisk = p;
            var live = group.Instances.Values.Count(i =>
                InstanceGroup.IsLive(i, i.InstanceId == atRisk.InstanceId ? atRisk : group.Interruptions.GetValueOrDefault(i.InstanceId)));
            if (live < group.Desired)
            {
                steps.Add(new LaunchReplacement(p.InstanceId, ScalingActivities.CauseRebalanceLaunch(now)));
            }
            else
            {
                p = p with { ReplacementId = "" };
            }
        }

        if (p.TerminateAt <= now)
        {
            steps.Add(new ObserveLag(p.TerminateAt, LagSource.SpotInterruption));
            steps.Add(new TerminateInstance(p.InstanceId, ScalingActivities.CauseHealthCheckTerminated(p.TerminateAt), p.TerminateAt));
        }
        else if (p.AtRisk && instance.State == LifecycleState.InService && ReplacementReady(p, group.Instances))
        {
            steps.Add(new BeginTermination(p.InstanceId, ScalingActivities.CauseRebalanceTerminate(now)));
        }

        return new SpotAdvance(p, steps.ToImmutable());
    }

    /// <summary>B-ASG-5: the replacement launch's outcome: its instance id, or "" when none could launch (the at-risk instance then goes unreplaced).</summary>
    public static SpotInterruptionPlan ReplacementLaunched(SpotInterruptionPlan plan, string? replacementId) =>
        plan with { ReplacementId = replacementId ?? "" };

    /// <summary>
    /// B-SP-5: whether the pools' interruption rates are applied now, and over which window: every
    /// <paramref name="step"/>, over the time since they were last applied (nothing on the first call, which only
    /// starts the clock).
    /// </summary>
    public static (bool Due, TimeSpan Window) RateWindow(DateTimeOffset? appliedUntil, DateTimeOffset now, TimeSpan step)
    {
        if (appliedUntil is { } until && now - until < step)
        {
            return (false, TimeSpan.Zero);
        }

        var from = appliedUntil ?? now;
        return (true, now > from ? now - from : TimeSpan.Zero);
    }

    /// <summary>B-SP-5: the instances a pool's interruption rate may hit: InService Spot instances not already interrupted.</summary>
    public static ImmutableArray<AsgInstance> RateCandidates(IEnumerable<AsgInstance> instances, IReadOnlyDictionary<string, SpotInterruptionPlan> interruptions) =>
        instances.Where(i => i.IsSpot && i.State == LifecycleState.InService && !interruptions.ContainsKey(i.InstanceId)).ToImmutableArray();

    /// <summary>
    /// B-SP-5: which candidates the pools' rates (per instance-hour, from the market's <paramref name="pools"/>; a pool
    /// it does not list has rate 0) interrupt over <paramref name="window"/>, drawn from the seeded stream
    /// (<see cref="SpotMarket.Interrupted"/>).
    /// </summary>
    public static ImmutableArray<string> RateHits(IEnumerable<AsgInstance> candidates, IEnumerable<SpotPoolInfo> pools, TimeSpan window, Random random)
    {
        var rates = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var p in pools)
        {
            rates[SpotMarket.PoolKey(p.InstanceType, p.AvailabilityZone)] = p.InterruptionRatePerHour;
        }

        return SpotMarket.Interrupted(candidates.Select(i => (i.InstanceId, rates.GetValueOrDefault(SpotMarket.PoolKey(i.InstanceType, i.AvailabilityZone)))), window, random);
    }

    /// <summary>
    /// B-SP-1, B-EV-2: EC2's own events (source aws.ec2) about an instance: the rebalance recommendation carries the
    /// instance id, the interruption warning also <c>instance-action: terminate</c>.
    /// </summary>
    public static EmitInstanceEvent Ec2Event(string detailType, string instanceId, DateTimeOffset at)
    {
        var detail = ImmutableDictionary<string, string>.Empty.Add("instance-id", instanceId);
        if (detailType == EventTypes.SpotInterruptionWarning)
        {
            detail = detail.Add("instance-action", "terminate");
        }

        return new EmitInstanceEvent(EventTypes.SourceEc2, detailType, instanceId, at, detail);
    }

    private static bool ReplacementReady(SpotInterruptionPlan p, IReadOnlyDictionary<string, AsgInstance> instances) =>
        p.ReplacementId == ""
        || (p.ReplacementId is { } id && instances.TryGetValue(id, out var replacement) && replacement.State == LifecycleState.InService);
}
