using System.Collections.Immutable;
using Emulator.Contracts;
using Emulator.Model;
using Emulator.Model.Catalog;
using Emulator.Model.Lifecycle;

namespace Emulator.Tests.Model.Lifecycle;

/// <summary>
/// The group-level rules over an Auto Scaling group's instances (B-ASG-1, B-ASG-4, B-ASG-5, B-ASG-6, B-CAS-7,
/// B-CAS-8): the one definition of a live instance, capacity, sizes, due stages, reconciliation, retention.
/// </summary>
public sealed class InstanceGroupTests
{
    private static readonly DateTimeOffset T0 = Asg.T0;
    private static readonly IReadOnlyDictionary<string, SpotInterruptionPlan> NoInterruptions = new Dictionary<string, SpotInterruptionPlan>();

    private static SpotInterruptionPlan Plan(string id, bool atRisk = false) => new(id, null, T0, T0.AddSeconds(120), false, true, atRisk, null);

    // ---- the one definition of a live instance ----

    [Theory]
    [InlineData(LifecycleState.Pending, false, true)]
    [InlineData(LifecycleState.InService, false, true)]
    [InlineData(LifecycleState.InService, true, false)] // B-ASG-5: at risk, its replacement launches first
    [InlineData(LifecycleState.TerminatingWait, false, false)]
    [InlineData(LifecycleState.Terminating, false, false)]
    [InlineData(LifecycleState.Terminated, false, false)]
    public void B_ASG_1_B_ASG_5_live_means_pending_or_in_service_and_not_at_risk(LifecycleState state, bool atRisk, bool live)
    {
        var i = Asg.Instance("i-1", state);
        Assert.Equal(live, InstanceGroup.IsLive(i, Plan("i-1", atRisk)));
        var interruptions = new Dictionary<string, SpotInterruptionPlan> { ["i-1"] = Plan("i-1", atRisk) };
        Assert.Equal(live, InstanceGroup.Live([i], interruptions).Length == 1);
        Assert.Equal(state is LifecycleState.Pending or LifecycleState.InService, InstanceGroup.IsLive(i, null)); // an interruption without rebalancing does not count
    }

    // ---- B-ASG-1 / B-ASG-4: reaching desired capacity ----

    [Fact]
    public void B_ASG_1_below_desired_launches_the_difference_with_the_cause_of_the_change()
    {
        var steps = InstanceGroup.PlanCapacity([Asg.Instance("i-1"), Asg.Instance("i-2", LifecycleState.TerminatingWait)], NoInterruptions, 3, "At X desired 1 -> 3.",
            default, T0, new Random(1));
        var launch = Asg.Single<LaunchInstances>(steps);
        Assert.Equal(2, launch.Count);
        Assert.Equal(
            "At X desired 1 -> 3.  At 2026-01-01T00:00:00Z an instance was started in response to a difference between desired and actual capacity, increasing the capacity from 1 to 3.",
            launch.Cause);
    }

    [Fact]
    public void B_ASG_6_after_a_failed_launch_the_group_waits_for_the_retry_instant()
    {
        Assert.Empty(InstanceGroup.PlanCapacity([], NoInterruptions, 2, "", T0.AddSeconds(10), T0.AddSeconds(9), new Random(1)));
        Assert.Single(InstanceGroup.PlanCapacity([], NoInterruptions, 2, "", T0.AddSeconds(10), T0.AddSeconds(10), new Random(1)));
    }

    [Fact]
    public void B_ASG_5_an_at_risk_instance_does_not_count_so_the_group_launches_its_replacement()
    {
        var interruptions = new Dictionary<string, SpotInterruptionPlan> { ["i-2"] = Plan("i-2", atRisk: true) };
        var steps = InstanceGroup.PlanCapacity([Asg.Instance("i-1"), Asg.Instance("i-2", spot: true)], interruptions, 2, "", default, T0, new Random(1));
        Assert.Equal(1, Asg.Single<LaunchInstances>(steps).Count);
    }

    [Fact]
    public void B_ASG_1_at_desired_nothing_happens()
    {
        Assert.Empty(InstanceGroup.PlanCapacity([Asg.Instance("i-1"), Asg.Instance("i-2", LifecycleState.Pending)], NoInterruptions, 2, "", default, T0, new Random(1)));
    }

    [Fact]
    public void B_ASG_4_above_desired_takes_out_the_victims_from_the_zone_with_the_most()
    {
        var instances = new[]
        {
            Asg.Instance("i-1", zone: "us-east-1a"), Asg.Instance("i-2", zone: "us-east-1a"), Asg.Instance("i-3", zone: "us-east-1b"),
        };
        var steps = InstanceGroup.PlanCapacity(instances, NoInterruptions, 2, "At X desired 3 -> 2.", default, T0.AddMinutes(10), new Random(1));
        var victim = Asg.Single<BeginTermination>(steps);
        Assert.Contains(victim.InstanceId, new[] { "i-1", "i-2" });
        Assert.Equal(
            "At X desired 3 -> 2.  At 2026-01-01T00:10:00Z an instance was taken out of service in response to a difference between desired and actual capacity, shrinking the capacity from 3 to 2.",
            victim.Cause);
    }

    [Fact]
    public void B_ASG_4_B_CAS_7_protected_instances_are_never_chosen_and_all_protected_means_nothing_terminates()
    {
        var mixed = new[] { Asg.Instance("i-1", isProtected: true), Asg.Instance("i-2"), Asg.Instance("i-3", isProtected: true) };
        var steps = InstanceGroup.PlanCapacity(mixed, NoInterruptions, 0, "", default, T0, new Random(1));
        Assert.Equal(["begin-termination i-2"], Asg.Describe(steps));

        var allProtected = new[] { Asg.Instance("i-1", isProtected: true), Asg.Instance("i-2", isProtected: true) };
        Assert.Empty(InstanceGroup.PlanCapacity(allProtected, NoInterruptions, 1, "", default, T0, new Random(1)));
    }

    [Fact]
    public void B_ASG_4_victims_are_the_same_for_the_same_seed()
    {
        var instances = Enumerable.Range(1, 6).Select(n => Asg.Instance($"i-{n}", zone: n % 2 == 0 ? "us-east-1a" : "us-east-1b")).ToArray();
        Assert.Equal(
            Asg.Describe(InstanceGroup.PlanCapacity(instances, NoInterruptions, 2, "", default, T0, new Random(5))),
            Asg.Describe(InstanceGroup.PlanCapacity(instances.Reverse().ToArray(), NoInterruptions, 2, "", default, T0, new Random(5))));
    }

    // ---- B-CAS-8: finishing managed draining ----

    [Fact]
    public void B_CAS_8_drained_or_timed_out_instances_terminate_each_at_the_instant_its_wait_ended()
    {
        var instances = new[]
        {
            Asg.Instance("i-1", LifecycleState.TerminatingWait, terminationStartedAt: T0), // empty now
            Asg.Instance("i-2", LifecycleState.TerminatingWait, terminationStartedAt: T0), // tasks left
            Asg.Instance("i-3", LifecycleState.TerminatingWait, terminationStartedAt: T0.AddMinutes(-70)), // hook over at T0 - 10 min
            Asg.Instance("i-4"),
        };
        Assert.Equal(["i-1", "i-2", "i-3"], InstanceGroup.Waiting(instances).ToArray());
        var left = new Dictionary<string, int> { ["i-2"] = 2, ["i-3"] = 1 };
        var steps = InstanceGroup.FinishDraining(instances, left, "last cause", Asg.Timings, T0.AddMinutes(1));
        Assert.Equal(["terminate i-1 @60", "terminate i-3 @-600"], Asg.Describe(steps));
        Assert.All(steps.OfType<TerminateInstance>(), t => Assert.Equal("last cause", t.Cause));
    }

    // ---- sizes and desired capacity (B-ASG-1, B-ASG-6) ----

    [Theory]
    [InlineData(0, 10, 2, null)]
    [InlineData(-1, 10, 2, "Min and max sizes must not be negative.")]
    [InlineData(5, 4, 4, "Max bound, 4, must be greater than or equal to min bound, 5")]
    [InlineData(1, 4, 5, "Desired capacity:5 must be between the specified min size:1 and max size:4")]
    [InlineData(1, 4, 0, "Desired capacity:0 must be between the specified min size:1 and max size:4")]
    public void B_ASG_1_sizes_are_validated_with_AWS_messages(int min, int max, int desired, string? error) =>
        Assert.Equal(error, InstanceGroup.ValidateSizes(min, max, desired));

    [Theory]
    [InlineData(null, 2, 6, 8, 6)] // desired moves inside the new bounds
    [InlineData(null, 2, 6, 1, 2)]
    [InlineData(null, 2, 6, 4, 4)]
    [InlineData(5, 2, 6, 4, 5)]
    [InlineData(null, 6, 2, 4, 6)] // min > max: not clamped, ValidateSizes refuses it
    public void B_ASG_1_update_keeps_desired_inside_the_new_bounds(int? requested, int min, int max, int current, int expected) =>
        Assert.Equal(expected, InstanceGroup.DesiredAfterUpdate(requested, min, max, current));

    [Fact]
    public void B_ASG_1_B_ID_1_a_group_created_without_zones_gets_the_emulators_and_its_first_cause_is_the_user_request()
    {
        var (spec, cause, error) = InstanceGroup.Create(Asg.Spec() with { AvailabilityZones = [] }, ["us-east-1a", "us-east-1b"], InstanceCatalog.Default, T0);
        Assert.Null(error);
        Assert.Equal(["us-east-1a", "us-east-1b"], spec.AvailabilityZones.ToArray());
        Assert.Equal("At 2026-01-01T00:00:00Z a user request update of AutoScalingGroup constraints to min: 0, max: 10, desired: 2 changing the desired capacity from 0 to 2.", cause);
        Assert.Equal(["us-east-1c"], InstanceGroup.Create(Asg.Spec() with { AvailabilityZones = ["us-east-1c"] }, ["us-east-1a"], InstanceCatalog.Default, T0).Spec.AvailabilityZones.ToArray());
    }

    [Fact]
    public void B_IT_1_a_group_with_an_unknown_instance_type_or_bad_sizes_is_refused()
    {
        var unknown = InstanceGroup.Create(Asg.Spec(["m5.large", "z9.mega"]), ["us-east-1a"], InstanceCatalog.Default, T0).Error;
        Assert.StartsWith("Invalid instance type(s): m5.large, z9.mega. Known types: ", unknown, StringComparison.Ordinal);
        Assert.NotNull(InstanceGroup.Create(Asg.Spec([]), ["us-east-1a"], InstanceCatalog.Default, T0).Error);
        Assert.Equal("Desired capacity:2 must be between the specified min size:0 and max size:1",
            InstanceGroup.Create(Asg.Spec() with { MaxSize = 1 }, ["us-east-1a"], InstanceCatalog.Default, T0).Error);
    }

    [Fact]
    public void B_ASG_1_B_ASG_6_update_merges_the_settings_and_names_the_new_constraints_when_desired_moves()
    {
        var spec = Asg.Spec() with { Tags = ImmutableDictionary<string, string>.Empty.Add("a", "1") };
        var (updated, desired) = InstanceGroup.Update(spec, new AsgUpdate(3, 5, null, true, true, new Dictionary<string, string> { ["b"] = "2" }.ToImmutableDictionary()), 2, T0);
        Assert.Equal((3, 5, true, true), (updated.MinSize, updated.MaxSize, updated.NewInstancesProtectedFromScaleIn, updated.CapacityRebalance));
        Assert.Equal(["a", "b"], updated.Tags.Keys.Order(StringComparer.Ordinal));
        Assert.Equal((null, 3), (desired.Error, desired.Desired));
        Assert.Equal("At 2026-01-01T00:00:00Z a user request update of AutoScalingGroup constraints to min: 3, max: 5, desired: 3 changing the desired capacity from 2 to 3.", desired.Cause);

        var same = InstanceGroup.Update(spec, new AsgUpdate(null, null, null, null, null), 2, T0);
        Assert.Equal((2, ""), (same.Desired.Desired, same.Desired.Cause));
        Assert.Same(spec.Tags, same.Spec.Tags);

        var refused = InstanceGroup.Update(spec, new AsgUpdate(6, 4, null, null, null), 2, T0);
        Assert.Equal(("Max bound, 4, must be greater than or equal to min bound, 6", 2), (refused.Desired.Error, refused.Desired.Desired));
        Assert.Same(spec, refused.Spec);
    }

    [Theory]
    [InlineData("cp", true, true)]
    [InlineData("cp", false, false)]
    [InlineData(null, true, false)] // detached from its provider: no more managed draining
    public void B_CAS_8_managed_draining_applies_only_while_a_provider_with_it_uses_the_group(string? provider, bool managedDraining, bool applies) =>
        Assert.Equal(applies, InstanceGroup.ManagedDrainingApplies(provider, managedDraining));

    [Fact]
    public void B_SP_3_an_AZ_outage_takes_the_instances_still_present_in_the_zone()
    {
        var instances = new[]
        {
            Asg.Instance("i-1", zone: "us-east-1a"), Asg.Instance("i-2", LifecycleState.Pending, zone: "us-east-1a"),
            Asg.Instance("i-3", LifecycleState.Terminated, zone: "us-east-1a"), Asg.Instance("i-4", zone: "us-east-1b"),
        };
        Assert.Equal(["i-1", "i-2"], InstanceGroup.InZone(instances, "us-east-1a").ToArray());
    }

    [Fact]
    public void B_ASG_6_set_desired_capacity_by_a_user_or_by_the_CAS_alarm_names_who_changed_it()
    {
        var user = InstanceGroup.SetDesired(4, 2, 0, 10, null, "ECSManagedAutoScalingPolicy-u", T0);
        Assert.Equal((null, 4), (user.Error, user.Desired));
        Assert.Equal("At 2026-01-01T00:00:00Z a user request explicitly set group desired capacity changing the desired capacity from 2 to 4.", user.Cause);

        var cas = InstanceGroup.SetDesired(4, 2, 0, 10, "TargetTracking-web-asg-AlarmHigh-u", "ECSManagedAutoScalingPolicy-u", T0);
        Assert.Equal(
            "At 2026-01-01T00:00:00Z a monitor alarm TargetTracking-web-asg-AlarmHigh-u in state ALARM triggered policy ECSManagedAutoScalingPolicy-u changing the desired capacity from 2 to 4.",
            cas.Cause);
    }

    [Theory]
    [InlineData(11, "New SetDesiredCapacity value 11 is above max value 10 for the AutoScalingGroup.")]
    [InlineData(0, "New SetDesiredCapacity value 0 is below min value 1 for the AutoScalingGroup.")]
    public void B_ASG_1_set_desired_capacity_outside_min_max_is_refused_and_changes_nothing(int desired, string error)
    {
        var change = InstanceGroup.SetDesired(desired, 3, 1, 10, null, "p", T0);
        Assert.Equal((error, 3), (change.Error, change.Desired));
    }

    [Fact]
    public void B_ASG_6_terminate_instance_on_request_names_the_instance_and_the_desired_change()
    {
        var keep = InstanceGroup.TerminateOnRequest("i-1", false, 3, 1, T0);
        Assert.Equal((null, 3, "At 2026-01-01T00:00:00Z instance i-1 was selected for termination."), (keep.Error, keep.Desired, keep.Cause));

        var decrement = InstanceGroup.TerminateOnRequest("i-1", true, 3, 1, T0);
        Assert.Equal(2, decrement.Desired);
        Assert.Equal(
            "At 2026-01-01T00:00:00Z instance i-1 was selected for termination.  At 2026-01-01T00:00:00Z a user request explicitly set group desired capacity changing the desired capacity from 3 to 2.",
            decrement.Cause);

        var belowMin = InstanceGroup.TerminateOnRequest("i-1", true, 1, 1, T0);
        Assert.Equal(1, belowMin.Desired);
        Assert.StartsWith("Currently, desiredSize equals minSize (1).", belowMin.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void B_ASG_1_delete_needs_force_while_instances_remain()
    {
        Assert.NotNull(InstanceGroup.DeleteRefusal([Asg.Instance("i-1", LifecycleState.Pending)], force: false));
        Assert.Null(InstanceGroup.DeleteRefusal([Asg.Instance("i-1")], force: true));
        Assert.Null(InstanceGroup.DeleteRefusal([Asg.Instance("i-1", LifecycleState.Terminated)], force: false));
    }

    // ---- B-T-3: when the group wakes ----

    [Fact]
    public void B_T_3_the_earliest_due_stage_of_any_instance_or_interruption_after_the_instant()
    {
        var instances = new[]
        {
            Asg.Instance("i-1", LifecycleState.Pending, launchedAt: T0), // InService at 40 s
            Asg.Instance("i-2", LifecycleState.InService, registered: false, launchedAt: T0.AddSeconds(-50)), // registration at 10 s
            Asg.Instance("i-3", LifecycleState.TerminatingWait, terminationStartedAt: T0.AddSeconds(-3590)), // hook timeout (3600 s) at 10 s
            Asg.Instance("i-4"),
        };
        var plans = new[] { new SpotInterruptionPlan("i-4", T0.AddSeconds(5), T0.AddSeconds(30), T0.AddSeconds(150), false, false, false, null) };
        Assert.Equal(T0.AddSeconds(5), InstanceGroup.EarliestDue(instances, plans, Asg.Timings, T0));
        Assert.Equal(T0.AddSeconds(10), InstanceGroup.EarliestDue(instances, plans, Asg.Timings, T0.AddSeconds(5)));
        Assert.Equal(T0.AddSeconds(40), InstanceGroup.EarliestDue(instances, [], Asg.Timings, T0.AddSeconds(10))); // a stage due and not done is the tick's
        Assert.Null(InstanceGroup.EarliestDue([Asg.Instance("i-4")], [], Asg.Timings, T0));
    }

    // ---- reconciliation after a reactivation ----

    [Fact]
    public void B_ASG_1_B_CI_5_a_reactivated_group_and_its_cluster_are_brought_back_to_each_other()
    {
        var instances = new Dictionary<string, AsgInstance>
        {
            ["i-lost"] = Asg.Instance("i-lost"), // registered, but the cluster lacks it: registers again
            ["i-wait"] = Asg.Instance("i-wait", LifecycleState.TerminatingWait), // same
            ["i-ok"] = Asg.Instance("i-ok"),
            ["i-new"] = Asg.Instance("i-new", registered: false), // registers on its own
            ["i-gone"] = Asg.Instance("i-gone", LifecycleState.Terminated),
        };
        var cluster = new[]
        {
            Record("i-ok", Asg.Group), Record("i-gone", Asg.Group), Record("i-unknown", Asg.Group),
            Record("i-inactive", Asg.Group, ContainerInstanceStatus.INACTIVE), Record("i-other", "other-asg"),
        };
        var plan = InstanceGroup.ReconcileWithCluster(instances, Asg.Group, cluster);
        Assert.Equal(["i-lost", "i-wait"], plan.RegisterAgain.Order(StringComparer.Ordinal));
        Assert.Equal(["i-gone", "i-unknown"], plan.TerminateInCluster.Order(StringComparer.Ordinal));

        var agreeing = InstanceGroup.ReconcileWithCluster(new Dictionary<string, AsgInstance> { ["i-ok"] = Asg.Instance("i-ok") }, Asg.Group, [Record("i-ok", Asg.Group)]);
        Assert.True(agreeing.IsEmpty);
    }

    [Fact]
    public void B_IT_5_terminated_instances_are_dropped_after_the_retention_hour()
    {
        var instances = new[]
        {
            Asg.Instance("i-old", LifecycleState.Terminated, terminatedAt: T0.AddMinutes(-61)),
            Asg.Instance("i-recent", LifecycleState.Terminated, terminatedAt: T0.AddMinutes(-59)),
            Asg.Instance("i-live"),
        };
        Assert.Equal(["i-old"], InstanceGroup.Expired(instances, Asg.Timings, T0).Select(i => i.InstanceId));
        Assert.Equal(2, InstanceGroup.Expired(instances, new EmulatorTimings { TerminatedInstanceRetention = TimeSpan.FromMinutes(30) }, T0).Length);
    }

    // ---- B-CAS-7: managed termination protection ----

    [Fact]
    public void B_CAS_7_instances_running_non_daemon_tasks_are_protected_and_empty_ones_unprotected_changes_only()
    {
        var instances = new[]
        {
            Asg.Instance("i-busy"), // 2 tasks, unprotected -> protect
            Asg.Instance("i-busy-protected", isProtected: true), // already: no change
            Asg.Instance("i-empty", isProtected: true), // empty -> unprotect
            Asg.Instance("i-idle"), // empty, unprotected: no change
            Asg.Instance("i-pending", LifecycleState.Pending), // not InService: left alone
            Asg.Instance("i-unregistered"), // the cluster does not know it: left alone
        };
        var tasks = new Dictionary<string, int> { ["i-busy"] = 2, ["i-busy-protected"] = 1, ["i-empty"] = 0, ["i-idle"] = 0, ["i-pending"] = 1 };
        var changes = InstanceGroup.ManagedProtection(instances, tasks);
        Assert.Equal(2, changes.Count);
        Assert.True(changes["i-busy"]);
        Assert.False(changes["i-empty"]);
    }

    private static ContainerInstanceRecord Record(string ec2, string asg, ContainerInstanceStatus status = ContainerInstanceStatus.ACTIVE) =>
        new("ci-" + ec2, "prod", ec2, "m5.large", "us-east-1a", "cp", asg, false, status, true,
            InstanceCatalog.Default.Registered("m5.large"), ResourceSet.Zero, InstanceCatalog.AgentReservedPorts,
            ImmutableDictionary<string, string>.Empty, T0, 1, 0, 0, ImmutableDictionary<string, int>.Empty, 0, false);
}
