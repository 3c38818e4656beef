using System.Collections.Immutable;
using Emulator.Contracts;
using Emulator.Model;
using Emulator.Model.Lifecycle;
using Emulator.Model.Scaling;

namespace Emulator.Tests.Model.Lifecycle;

/// <summary>Shared records of the instance and Spot lifecycle tests.</summary>
internal static class Asg
{
    public const string Group = "web-asg";
    public static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    public static readonly EmulatorTimings Timings = new();

    public static AsgInstance Instance(
        string id,
        LifecycleState state = LifecycleState.InService,
        bool registered = true,
        bool spot = false,
        string zone = "us-east-1a",
        bool isProtected = false,
        DateTimeOffset? launchedAt = null,
        DateTimeOffset? terminationStartedAt = null,
        DateTimeOffset? terminatedAt = null)
    {
        var launched = launchedAt ?? T0;
        return new AsgInstance(id, "m5.large", zone, spot, state, isProtected, launched, launched + Timings.Ec2Launch, registered, "1",
            terminationStartedAt, 0.096m, terminatedAt);
    }

    public static AsgSpec Spec(
        string[]? types = null, MixedInstancesSpec? mixed = null, bool spotDraining = false, bool capacityRebalance = false, bool protectNew = false) =>
        new(Group, 0, 10, 2, ["us-east-1a", "us-east-1b", "us-east-1c"], [.. types ?? ["m5.large"]], mixed, "prod", spotDraining, protectNew,
            capacityRebalance, "1", ImmutableDictionary<string, string>.Empty, null, null);

    public static T Single<T>(ImmutableArray<InstanceStep> steps)
        where T : InstanceStep => Assert.Single(steps.OfType<T>());

    public static string Describe(InstanceStep step) => step switch
    {
        RegisterWithCluster r => $"register {r.Instance.InstanceId}",
        DrainContainerInstance d => $"drain {d.InstanceId}",
        DeregisterFromCluster d => $"deregister {d.InstanceId}",
        ReleaseSpotCapacity r => $"release {r.InstanceType}/{r.AvailabilityZone}",
        EmitInstanceEvent e => $"event {e.DetailType} {e.InstanceId} @{(e.At - T0).TotalSeconds}",
        RecordActivity a => $"activity {a.Activity.StatusCode} {a.Activity.Description}",
        CompleteTerminationActivity c => $"complete {c.InstanceId} @{(c.At - T0).TotalSeconds}",
        ObserveLag l => $"lag {l.Source} @{(l.ScheduledAt - T0).TotalSeconds}",
        LaunchInstances l => $"launch {l.Count}",
        LaunchReplacement l => $"replace {l.AtRiskInstanceId}",
        BeginTermination b => $"begin-termination {b.InstanceId}",
        TerminateInstance t => $"terminate {t.InstanceId} @{(t.At - T0).TotalSeconds}",
        _ => step.GetType().Name,
    };

    public static string[] Describe(ImmutableArray<InstanceStep> steps) => [.. steps.Select(Describe)];
}

/// <summary>
/// The instance lifecycle as stages (B-ASG-1, B-T-2, B-CAS-8, B-ASG-6, B-EV-2): each transition is pure, stamped with
/// its scheduled instant, and returns the steps the group applies.
/// </summary>
public sealed class InstanceLifecycleTests
{
    private static readonly DateTimeOffset T0 = Asg.T0;

    private static AsgInstance NewInstance(bool spot = false, bool protectNew = false) =>
        InstanceLifecycle.Launched("i-1", new LaunchChoice("us-east-1b", "c5.large", spot), 0.085m, protectNew, "3", Asg.Timings, T0, new Random(1));

    [Fact]
    public void B_ASG_1_B_T_2_a_launched_instance_is_pending_and_due_in_service_after_the_40s_launch_time()
    {
        var i = NewInstance();
        Assert.Equal(LifecycleState.Pending, i.State);
        Assert.Equal(T0 + TimeSpan.FromSeconds(40), i.InServiceAt);
        Assert.Equal(T0 + TimeSpan.FromSeconds(40), InstanceLifecycle.NextDue(i, Asg.Timings));
        Assert.Equal(("c5.large", "us-east-1b", 0.085m, "3", false), (i.InstanceType, i.AvailabilityZone, i.PricePerHour, i.LaunchTemplateVersion, i.Registered));
        Assert.True(InstanceLifecycle.CountsTowardCapacity(i.State));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void B_CAS_7_new_instances_are_protected_when_the_group_protects_new_instances(bool protectNew) =>
        Assert.Equal(protectNew, NewInstance(protectNew: protectNew).ProtectedFromScaleIn);

    [Fact]
    public void B_T_2_launch_time_takes_the_configured_jitter_from_the_seeded_stream()
    {
        var timings = new EmulatorTimings { Jitter = 0.5 };
        var a = InstanceLifecycle.Launched("i-1", new LaunchChoice("a", "m5.large", false), 1, false, "1", timings, T0, new Random(7));
        var b = InstanceLifecycle.Launched("i-1", new LaunchChoice("a", "m5.large", false), 1, false, "1", timings, T0, new Random(7));
        Assert.Equal(a.InServiceAt, b.InServiceAt);
        Assert.InRange(a.InServiceAt!.Value, T0 + TimeSpan.FromSeconds(20), T0 + TimeSpan.FromSeconds(60));
    }

    /// <summary>kwok-style stage table: the instance advanced at each instant, what it is then and what the group does.</summary>
    [Theory]
    [InlineData(39, "Pending", new string[0])]
    [InlineData(40, "InService", new[] { "lag InstanceLifecycle @40", "event EC2 Instance Launch Successful i-1 @40" })]
    [InlineData(59, "InService", new[] { "lag InstanceLifecycle @40", "event EC2 Instance Launch Successful i-1 @40" })]
    [InlineData(60, "InService", new[] { "lag InstanceLifecycle @40", "event EC2 Instance Launch Successful i-1 @40", "register i-1" })]
    [InlineData(75, "InService", new[] { "lag InstanceLifecycle @40", "event EC2 Instance Launch Successful i-1 @40", "register i-1" })]
    public void B_ASG_1_B_T_2_pending_goes_in_service_at_40s_stamped_then_and_the_agent_registers_20s_later(int at, string state, string[] steps)
    {
        var t = InstanceLifecycle.Advance(NewInstance(), Asg.Group, Asg.Timings, T0.AddSeconds(at));
        Assert.Equal(state, t.Instance.State.ToString());
        Assert.Equal(steps, Asg.Describe(t.Steps));
        Assert.False(t.Instance.Registered); // registered only once the cluster accepted it
    }

    [Fact]
    public void B_T_2_registration_is_recorded_when_the_cluster_accepts_it_and_tried_again_until_then()
    {
        var inService = InstanceLifecycle.Advance(NewInstance(), Asg.Group, Asg.Timings, T0.AddSeconds(40)).Instance;
        Assert.Equal(T0.AddSeconds(60), InstanceLifecycle.NextDue(inService, Asg.Timings));

        // The cluster refused (it does not exist yet): the same step comes again on the next advance.
        var retry = InstanceLifecycle.Advance(inService, Asg.Group, Asg.Timings, T0.AddSeconds(61));
        Assert.Equal(["register i-1"], Asg.Describe(retry.Steps));

        var registered = InstanceLifecycle.AgentRegistered(inService);
        Assert.True(registered.Registered);
        Assert.Null(InstanceLifecycle.NextDue(registered, Asg.Timings));
        Assert.Empty(InstanceLifecycle.Advance(registered, Asg.Group, Asg.Timings, T0.AddHours(1)).Steps);
        Assert.False(InstanceLifecycle.AgentLost(registered).Registered);
    }

    [Fact]
    public void B_EV_2_the_launch_event_names_the_group_the_instance_and_InProgress()
    {
        var e = Asg.Single<EmitInstanceEvent>(InstanceLifecycle.Advance(NewInstance(), Asg.Group, Asg.Timings, T0.AddSeconds(45)).Steps);
        Assert.Equal(EventTypes.SourceAutoScaling, e.Source);
        Assert.Equal(T0.AddSeconds(40), e.At); // the scheduled instant, not the late tick's
        Assert.Equal(Asg.Group, e.Detail["AutoScalingGroupName"]);
        Assert.Equal("i-1", e.Detail["EC2InstanceId"]);
        Assert.Equal("InProgress", e.Detail["StatusCode"]);
    }

    // ---- B-CAS-8: managed draining ----

    [Fact]
    public void B_CAS_8_with_managed_draining_a_registered_in_service_instance_waits_in_Terminating_Wait_while_it_drains()
    {
        var t = InstanceLifecycle.BeginTermination(Asg.Instance("i-1"), managedDraining: true, Asg.Group, "why", T0.AddMinutes(5));
        Assert.Equal(LifecycleState.TerminatingWait, t.Instance.State);
        Assert.Equal(T0.AddMinutes(5), t.Instance.TerminationStartedAt);
        Assert.False(InstanceLifecycle.CountsTowardCapacity(t.Instance.State));
        Assert.Equal(["activity WaitingForELBConnectionDraining Terminating EC2 instance: i-1", "drain i-1"], Asg.Describe(t.Steps));
        var waiting = Asg.Single<RecordActivity>(t.Steps).Activity;
        Assert.Equal(("why", (DateTimeOffset?)null, "Waiting for managed draining of the ECS container instance", 50),
            (waiting.Cause, waiting.EndTime, waiting.StatusMessage, waiting.Progress));
        Assert.Equal(T0.AddMinutes(5) + TimeSpan.FromSeconds(3600), InstanceLifecycle.NextDue(t.Instance, Asg.Timings)); // the hook timeout
    }

    [Theory]
    [InlineData(false, LifecycleState.InService, true)] // no managed draining
    [InlineData(true, LifecycleState.Pending, false)] // nothing to drain yet
    [InlineData(true, LifecycleState.InService, false)] // agent not registered
    [InlineData(true, LifecycleState.TerminatingWait, true)] // already waiting: a second request ends the wait
    public void B_CAS_8_without_something_to_drain_the_instance_terminates_at_once(bool managedDraining, LifecycleState state, bool registered)
    {
        var t = InstanceLifecycle.BeginTermination(Asg.Instance("i-1", state, registered), managedDraining, Asg.Group, "why", T0.AddMinutes(5));
        Assert.Equal(LifecycleState.Terminated, t.Instance.State);
        Assert.Equal(T0.AddMinutes(5), t.Instance.TerminatedAt);
    }

    [Theory]
    [InlineData(3, 60, null)] // tasks left, hook not over: still waiting
    [InlineData(0, 60, 60)] // drained: ends now
    [InlineData(2, 3600, 3600)] // hook timeout: ends at its scheduled instant...
    [InlineData(2, 3700, 3600)] // ...even when noticed late
    [InlineData(0, 3700, 3600)]
    public void B_CAS_8_the_wait_ends_when_no_service_task_is_left_or_at_the_3600s_hook_timeout(int tasksLeft, int at, int? endsAt)
    {
        var waiting = Asg.Instance("i-1", LifecycleState.TerminatingWait, terminationStartedAt: T0);
        Assert.Equal(endsAt is { } e ? T0.AddSeconds(e) : null, InstanceLifecycle.WaitEndsAt(waiting, tasksLeft, Asg.Timings, T0.AddSeconds(at)));
        Assert.Null(InstanceLifecycle.WaitEndsAt(Asg.Instance("i-2"), 0, Asg.Timings, T0.AddSeconds(at))); // not waiting
    }

    [Fact]
    public void B_T_2_the_hook_timeout_is_configurable()
    {
        var timings = new EmulatorTimings { DrainingHookTimeout = TimeSpan.FromMinutes(2) };
        var waiting = Asg.Instance("i-1", LifecycleState.TerminatingWait, terminationStartedAt: T0);
        Assert.Equal(T0.AddMinutes(2), InstanceLifecycle.WaitEndsAt(waiting, 5, timings, T0.AddMinutes(3)));
    }

    // ---- termination ----

    [Theory]
    [InlineData(true, true, new[] { "deregister i-1", "release m5.large/us-east-1a", "complete i-1 @120", "event EC2 Instance Terminate Successful i-1 @120" })]
    [InlineData(true, false, new[] { "deregister i-1", "complete i-1 @120", "event EC2 Instance Terminate Successful i-1 @120" })]
    [InlineData(false, true, new[] { "release m5.large/us-east-1a", "complete i-1 @120", "event EC2 Instance Terminate Successful i-1 @120" })]
    public void B_ASG_1_B_SP_3_termination_deregisters_the_container_instance_releases_the_spot_unit_and_completes_the_activity(
        bool registered, bool spot, string[] steps)
    {
        var t = InstanceLifecycle.Terminate(Asg.Instance("i-1", registered: registered, spot: spot), Asg.Group, "cause", T0.AddSeconds(120));
        Assert.Equal(LifecycleState.Terminated, t.Instance.State);
        Assert.Equal(T0.AddSeconds(120), t.Instance.TerminatedAt);
        Assert.Equal(T0.AddSeconds(120), t.Instance.TerminationStartedAt);
        Assert.False(InstanceLifecycle.IsPresent(t.Instance));
        Assert.Equal(steps, Asg.Describe(t.Steps));
    }

    [Fact]
    public void B_CAS_8_a_drained_instance_keeps_when_its_termination_started()
    {
        var waiting = Asg.Instance("i-1", LifecycleState.TerminatingWait, terminationStartedAt: T0);
        var t = InstanceLifecycle.Terminate(waiting, Asg.Group, "cause", T0.AddMinutes(3));
        Assert.Equal((T0, T0.AddMinutes(3)), (t.Instance.TerminationStartedAt!.Value, t.Instance.TerminatedAt!.Value));
    }

    [Fact]
    public void B_ASG_1_terminated_is_final()
    {
        var gone = Asg.Instance("i-1", LifecycleState.Terminated, terminatedAt: T0);
        var t = InstanceLifecycle.Terminate(gone, Asg.Group, "cause", T0.AddHours(1));
        Assert.Same(gone, t.Instance);
        Assert.Empty(t.Steps);
        Assert.Null(InstanceLifecycle.NextDue(gone, Asg.Timings));
    }

    // ---- B-ASG-6: activities ----

    [Fact]
    public void B_ASG_6_completing_a_termination_closes_the_open_Terminating_Wait_activity()
    {
        var open = InstanceActivities.WaitingForManagedDraining("i-1", "scale-in cause", T0).Named("a-1", Asg.Group);
        var ids = 0;
        var (log, done) = InstanceActivities.CompleteTermination([open], Asg.Group, "i-1", "fallback", T0.AddMinutes(2), () => $"new-{++ids}");
        Assert.Equal(0, ids); // no id drawn
        Assert.Equal(("a-1", "scale-in cause", "Successful", (string?)null, 100, (DateTimeOffset?)T0.AddMinutes(2)),
            (done.ActivityId, done.Cause, done.StatusCode, done.StatusMessage, done.Progress, done.EndTime));
        Assert.Equal([done], log);
    }

    [Fact]
    public void B_ASG_6_completing_a_termination_without_an_open_activity_records_a_new_one_with_the_cause()
    {
        var launch = InstanceActivities.Launch("i-1", "launch cause", T0, T0.AddSeconds(40)).Named("a-1", Asg.Group);
        var (log, done) = InstanceActivities.CompleteTermination([launch], Asg.Group, "i-1", "health check cause", T0.AddMinutes(2), () => "a-2");
        Assert.Equal(("a-2", "Terminating EC2 instance: i-1", "health check cause", "Successful"), (done.ActivityId, done.Description, done.Cause, done.StatusCode));
        Assert.Equal((T0.AddMinutes(2), (DateTimeOffset?)T0.AddMinutes(2)), (done.StartTime, done.EndTime));
        Assert.Equal([done, launch], log); // newest first
    }

    [Fact]
    public void B_ASG_6_a_launch_activity_ends_when_the_instance_is_due_in_service()
    {
        var a = InstanceActivities.Launch("i-1", "cause", T0, T0.AddSeconds(40));
        Assert.Equal(("Launching a new EC2 instance: i-1", "Successful", 100, (DateTimeOffset?)T0.AddSeconds(40)), (a.Description, a.StatusCode, a.Progress, a.EndTime));
    }

    [Fact]
    public void B_ASG_6_the_log_keeps_the_newest_500()
    {
        var log = ImmutableList<ScalingActivity>.Empty;
        for (var n = 0; n < 510; n++)
        {
            log = InstanceActivities.Add(log, InstanceActivities.Launch($"i-{n}", "c", T0, T0).Named($"a-{n}", Asg.Group));
        }

        Assert.Equal(500, log.Count);
        Assert.Equal("a-509", log[0].ActivityId);
        Assert.Equal("a-10", log[^1].ActivityId);
    }
}
