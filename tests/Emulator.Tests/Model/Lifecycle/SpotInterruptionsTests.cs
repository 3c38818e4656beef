using Emulator.Contracts;
using Emulator.Model.Lifecycle;

namespace Emulator.Tests.Model.Lifecycle;

/// <summary>
/// The Spot interruption sequence (B-SP-1..3, B-SP-5) and capacity rebalancing (B-ASG-5) as stages of a plan: what is
/// due when, stamped with its scheduled instant, and the steps the group applies.
/// </summary>
public sealed class SpotInterruptionsTests
{
    private static readonly DateTimeOffset T0 = Asg.T0;
    private static readonly TimeSpan Notice = TimeSpan.FromSeconds(120);

    private static SpotGroupView Group(
        IEnumerable<AsgInstance> instances, int desired, bool capacityRebalance = false, bool spotDraining = false, params SpotInterruptionPlan[] plans) =>
        new(instances.ToDictionary(i => i.InstanceId, StringComparer.Ordinal), plans.ToDictionary(p => p.InstanceId, StringComparer.Ordinal), desired,
            capacityRebalance, spotDraining);

    /// <summary>Advances the plan at each instant in turn (the group's ticks), recording what each did.</summary>
    private static (SpotInterruptionPlan? Plan, List<string> Steps) Run(SpotInterruptionPlan plan, SpotGroupView group, params int[] seconds)
    {
        var steps = new List<string>();
        SpotInterruptionPlan? p = plan;
        foreach (var s in seconds)
        {
            if (p is null)
            {
                break;
            }

            var advance = SpotInterruptions.Advance(p, group with { Interruptions = new Dictionary<string, SpotInterruptionPlan> { [p.InstanceId] = p } }, T0.AddSeconds(s));
            steps.AddRange(advance.Steps.Select(st => $"{s}: {Asg.Describe(st)}"));
            p = advance.Plan;
        }

        return (p, steps);
    }

    // ---- B-SP-1: the sequence ----

    [Fact]
    public void B_SP_1_without_a_recommendation_the_warning_is_now_and_the_termination_120s_later()
    {
        var plan = SpotInterruptions.Schedule("i-1", T0, Notice, false, null);
        Assert.Equal((null, T0, T0.AddSeconds(120)), (plan.RebalanceAt, plan.WarningAt, plan.TerminateAt));
        Assert.Equal(T0, SpotInterruptions.NextDue(plan));
    }

    [Fact]
    public void B_SP_1_with_a_recommendation_it_comes_first_the_warning_after_the_lead_then_the_notice()
    {
        var plan = SpotInterruptions.Schedule("i-1", T0, Notice, true, TimeSpan.FromMinutes(10));
        Assert.Equal((T0, T0.AddMinutes(10), T0.AddMinutes(12)), (plan.RebalanceAt!.Value, plan.WarningAt, plan.TerminateAt));
        Assert.Equal(T0, SpotInterruptions.NextDue(plan));
        Assert.Equal(T0.AddMinutes(10), SpotInterruptions.NextDue(plan with { RebalanceSent = true }));
        Assert.Equal(T0.AddMinutes(12), SpotInterruptions.NextDue(plan with { RebalanceSent = true, WarningSent = true }));
    }

    [Fact]
    public void B_SP_1_B_SP_3_the_recommendation_the_warning_and_the_termination_each_at_its_scheduled_instant()
    {
        var plan = SpotInterruptions.Schedule("i-1", T0, Notice, true, TimeSpan.FromSeconds(30));
        var (end, steps) = Run(plan, Group([Asg.Instance("i-1", spot: true)], 1), 0, 29, 31, 100, 152);
        Assert.Equal(
        [
            "0: event EC2 Instance Rebalance Recommendation i-1 @0",
            "31: lag SpotInterruption @30", "31: event EC2 Spot Instance Interruption Warning i-1 @30",
            "152: lag SpotInterruption @150", "152: terminate i-1 @150",
        ], steps);
        Assert.NotNull(end); // the group ends it when the instance is gone (below)
        Assert.Null(SpotInterruptions.Advance(end, Group([Asg.Instance("i-1", LifecycleState.Terminated, spot: true)], 1), T0.AddSeconds(160)).Plan);
        Assert.Null(SpotInterruptions.Advance(end, Group([], 1), T0.AddSeconds(160)).Plan);
    }

    [Fact]
    public void B_SP_1_B_EV_2_the_warning_is_an_aws_ec2_event_with_instance_action_terminate()
    {
        var advance = SpotInterruptions.Advance(SpotInterruptions.Schedule("i-1", T0, Notice, true, null), Group([Asg.Instance("i-1", spot: true)], 1), T0);
        var events = advance.Steps.OfType<EmitInstanceEvent>().ToList();
        Assert.Equal([EventTypes.RebalanceRecommendation, EventTypes.SpotInterruptionWarning], events.Select(e => e.DetailType));
        Assert.All(events, e => Assert.Equal((EventTypes.SourceEc2, "i-1"), (e.Source, e.Detail["instance-id"])));
        Assert.False(events[0].Detail.ContainsKey("instance-action"));
        Assert.Equal("terminate", events[1].Detail["instance-action"]);
    }

    [Theory]
    [InlineData(LifecycleState.Pending, true, true)]
    [InlineData(LifecycleState.InService, true, true)]
    [InlineData(LifecycleState.TerminatingWait, true, true)]
    [InlineData(LifecycleState.Terminated, true, false)]
    [InlineData(LifecycleState.InService, false, false)] // On-Demand
    public void B_SP_1_spot_instances_still_in_the_group_can_be_interrupted_once(LifecycleState state, bool spot, bool can)
    {
        var i = Asg.Instance("i-1", state, spot: spot);
        Assert.Equal(can, SpotInterruptions.CanInterrupt(i, new Dictionary<string, SpotInterruptionPlan>()));
        Assert.False(SpotInterruptions.CanInterrupt(i, new Dictionary<string, SpotInterruptionPlan> { ["i-1"] = SpotInterruptions.Schedule("i-1", T0, Notice, false, null) }));
        Assert.False(SpotInterruptions.CanInterrupt(null, new Dictionary<string, SpotInterruptionPlan>()));
    }

    // ---- B-SP-2: Spot draining ----

    [Theory]
    [InlineData(true, true, true)]
    [InlineData(true, false, false)] // the agent never registered: nothing to drain
    [InlineData(false, true, false)] // ECS_ENABLE_SPOT_INSTANCE_DRAINING off (AWS's default): tasks die with the host
    public void B_SP_2_with_spot_draining_the_container_instance_goes_DRAINING_at_the_warning(bool spotDraining, bool registered, bool drains)
    {
        var advance = SpotInterruptions.Advance(SpotInterruptions.Schedule("i-1", T0, Notice, false, null),
            Group([Asg.Instance("i-1", registered: registered, spot: true)], 1, spotDraining: spotDraining), T0);
        Assert.Equal(drains, advance.Steps.OfType<DrainContainerInstance>().Any(d => d.InstanceId == "i-1"));
        Assert.True(advance.Plan!.WarningSent);
        Assert.Empty(advance.Steps.OfType<TerminateInstance>()); // not before the notice ends
    }

    // ---- B-SP-3: the termination ----

    [Fact]
    public void B_SP_3_the_host_terminates_at_the_end_of_the_notice_even_while_it_drains_and_the_cause_is_the_health_check()
    {
        var plan = SpotInterruptions.Schedule("i-1", T0, Notice, false, null) with { WarningSent = true };
        var draining = Asg.Instance("i-1", LifecycleState.TerminatingWait, spot: true, terminationStartedAt: T0);
        var advance = SpotInterruptions.Advance(plan, Group([draining], 1), T0.AddSeconds(125));
        var terminate = Asg.Single<TerminateInstance>(advance.Steps);
        Assert.Equal(T0.AddSeconds(120), terminate.At); // no managed draining wait: the host is gone
        Assert.Equal(
            "At 2026-01-01T00:02:00Z an instance was taken out of service in response to an EC2 health check indicating it has been terminated or stopped.",
            terminate.Cause);
        Assert.Equal(TimeSpan.FromSeconds(120), SpotInterruptions.Advance(plan, Group([draining], 1), T0.AddSeconds(119)).Plan!.TerminateAt - T0);
        Assert.Empty(SpotInterruptions.Advance(plan, Group([draining], 1), T0.AddSeconds(119)).Steps);
    }

    // ---- B-ASG-5: capacity rebalancing ----

    [Fact]
    public void B_ASG_5_a_recommendation_puts_the_instance_at_risk_and_its_replacement_launches_first()
    {
        var plan = SpotInterruptions.Schedule("i-1", T0, Notice, true, TimeSpan.FromMinutes(10));
        var group = Group([Asg.Instance("i-1", spot: true), Asg.Instance("i-2", spot: true)], 2, capacityRebalance: true);
        var advance = SpotInterruptions.Advance(plan, group, T0);
        Assert.True(advance.Plan!.AtRisk);
        Assert.Null(advance.Plan.ReplacementId); // until the launch answers
        Assert.Equal(["event EC2 Instance Rebalance Recommendation i-1 @0", "replace i-1"], Asg.Describe(advance.Steps));
        Assert.Equal("At 2026-01-01T00:00:00Z an instance was launched in response to an EC2 instance rebalance recommendation.",
            Asg.Single<LaunchReplacement>(advance.Steps).Cause);
    }

    [Fact]
    public void B_ASG_5_the_at_risk_instance_is_taken_out_once_its_replacement_is_in_service_before_the_warning()
    {
        var atRisk = SpotInterruptions.ReplacementLaunched(
            SpotInterruptions.Schedule("i-1", T0, Notice, true, TimeSpan.FromMinutes(10)) with { RebalanceSent = true, AtRisk = true }, "i-3");
        var pending = Group([Asg.Instance("i-1", spot: true), Asg.Instance("i-3", LifecycleState.Pending, spot: true)], 2, capacityRebalance: true);
        Assert.Empty(SpotInterruptions.Advance(atRisk, pending, T0.AddSeconds(30)).Steps);

        var inService = Group([Asg.Instance("i-1", spot: true), Asg.Instance("i-3", spot: true)], 2, capacityRebalance: true);
        var advance = SpotInterruptions.Advance(atRisk, inService, T0.AddSeconds(45));
        var begin = Asg.Single<BeginTermination>(advance.Steps);
        Assert.Equal("i-1", begin.InstanceId);
        Assert.Equal("At 2026-01-01T00:00:45Z an instance was taken out of service in response to an EC2 instance rebalance recommendation.", begin.Cause);
        Assert.Empty(advance.Steps.OfType<EmitInstanceEvent>()); // the warning is 10 min away

        // Once it is waiting (managed draining), the plan only waits for the end.
        var waiting = Group([Asg.Instance("i-1", LifecycleState.TerminatingWait, spot: true), Asg.Instance("i-3", spot: true)], 2, capacityRebalance: true);
        Assert.Empty(SpotInterruptions.Advance(atRisk, waiting, T0.AddSeconds(50)).Steps);
    }

    [Fact]
    public void B_ASG_5_no_replacement_is_needed_when_the_group_is_at_desired_without_the_at_risk_instance_so_it_goes_at_once()
    {
        var plan = SpotInterruptions.Schedule("i-1", T0, Notice, true, TimeSpan.FromMinutes(10));
        var group = Group([Asg.Instance("i-1", spot: true), Asg.Instance("i-2", spot: true)], 1, capacityRebalance: true);
        var advance = SpotInterruptions.Advance(plan, group, T0);
        Assert.Equal("", advance.Plan!.ReplacementId);
        Assert.Equal(["event EC2 Instance Rebalance Recommendation i-1 @0", "begin-termination i-1"], Asg.Describe(advance.Steps));
    }

    [Fact]
    public void B_ASG_5_a_replacement_that_could_not_launch_leaves_the_at_risk_instance_unreplaced()
    {
        var plan = SpotInterruptions.ReplacementLaunched(
            SpotInterruptions.Schedule("i-1", T0, Notice, true, TimeSpan.FromMinutes(10)) with { RebalanceSent = true, AtRisk = true }, null);
        Assert.Equal("", plan.ReplacementId);
        var advance = SpotInterruptions.Advance(plan, Group([Asg.Instance("i-1", spot: true)], 1, capacityRebalance: true), T0.AddSeconds(11));
        Assert.Equal(["begin-termination i-1"], Asg.Describe(advance.Steps));
    }

    [Fact]
    public void B_ASG_5_with_capacity_rebalancing_the_warning_alone_also_puts_the_instance_at_risk()
    {
        var advance = SpotInterruptions.Advance(SpotInterruptions.Schedule("i-1", T0, Notice, false, null),
            Group([Asg.Instance("i-1", spot: true)], 1, capacityRebalance: true, spotDraining: true), T0);
        Assert.True(advance.Plan!.AtRisk);
        Assert.Equal(
            ["lag SpotInterruption @0", "event EC2 Spot Instance Interruption Warning i-1 @0", "drain i-1", "replace i-1"],
            Asg.Describe(advance.Steps));
    }

    [Fact]
    public void B_ASG_5_without_capacity_rebalancing_a_recommendation_changes_nothing_but_the_event()
    {
        var advance = SpotInterruptions.Advance(SpotInterruptions.Schedule("i-1", T0, Notice, true, TimeSpan.FromMinutes(10)),
            Group([Asg.Instance("i-1", spot: true)], 1), T0);
        Assert.False(advance.Plan!.AtRisk);
        Assert.Equal(["event EC2 Instance Rebalance Recommendation i-1 @0"], Asg.Describe(advance.Steps));
    }

    // ---- B-SP-5: interruption rates ----

    [Theory]
    [InlineData(null, 0, true, 0)] // the first call starts the clock
    [InlineData(0, 9, false, 0)]
    [InlineData(0, 10, true, 10)]
    [InlineData(0, 25, true, 25)] // a late tick covers the whole window
    public void B_SP_5_rates_are_applied_every_10s_over_the_time_since_the_last_application(int? appliedUntil, int now, bool due, int window)
    {
        var (isDue, span) = SpotInterruptions.RateWindow(appliedUntil is { } u ? T0.AddSeconds(u) : null, T0.AddSeconds(now), Asg.Timings.SpotInterruptionRateStep);
        Assert.Equal((due, TimeSpan.FromSeconds(window)), (isDue, span));
    }

    [Fact]
    public void B_SP_5_only_in_service_spot_instances_not_already_interrupted_are_candidates()
    {
        var instances = new[]
        {
            Asg.Instance("i-spot", spot: true), Asg.Instance("i-od"), Asg.Instance("i-pending", LifecycleState.Pending, spot: true),
            Asg.Instance("i-interrupted", spot: true),
        };
        var plans = new Dictionary<string, SpotInterruptionPlan> { ["i-interrupted"] = SpotInterruptions.Schedule("i-interrupted", T0, Notice, false, null) };
        Assert.Equal(["i-spot"], SpotInterruptions.RateCandidates(instances, plans).Select(i => i.InstanceId));
    }

    [Fact]
    public void B_SP_5_a_pools_rate_interrupts_its_instances_from_the_seeded_stream_and_rate_0_never()
    {
        var candidates = Enumerable.Range(1, 20)
            .Select(n => Asg.Instance($"i-{n}", spot: true, zone: n <= 10 ? "us-east-1a" : "us-east-1b"))
            .ToArray();
        SpotPoolInfo[] pools = [new("m5.large", "us-east-1a", 0.03m, null, false, 3600), new("m5.large", "us-east-1b", 0.03m, null, false, 0)];
        var hit = SpotInterruptions.RateHits(candidates, pools, TimeSpan.FromSeconds(10), new Random(3)); // 10 per instance per 10 s: certain
        Assert.Equal(Enumerable.Range(1, 10).Select(n => $"i-{n}").Order(StringComparer.Ordinal), hit.Order(StringComparer.Ordinal));
        Assert.Equal(hit.ToArray(), SpotInterruptions.RateHits(candidates, pools, TimeSpan.FromSeconds(10), new Random(3)).ToArray());
        Assert.Empty(SpotInterruptions.RateHits(candidates, [], TimeSpan.FromHours(10), new Random(3))); // an unlisted pool has rate 0
        Assert.Empty(SpotInterruptions.RateHits(candidates, pools, TimeSpan.Zero, new Random(3)));
    }

    [Fact]
    public void B_T_2_the_notice_is_configurable()
    {
        var plan = SpotInterruptions.Schedule("i-1", T0, TimeSpan.FromSeconds(30), false, null);
        Assert.Equal(T0.AddSeconds(30), plan.TerminateAt);
        Assert.Equal(
            ["0: lag SpotInterruption @0", "0: event EC2 Spot Instance Interruption Warning i-1 @0", "30: lag SpotInterruption @30", "30: terminate i-1 @30"],
            Run(plan, Group([Asg.Instance("i-1", spot: true)], 1), 0, 29, 30).Steps);
    }
}
