using System.Collections.Immutable;
using Emulator.Contracts;
using Emulator.Model;
using Emulator.Model.LoadBalancing;
using Emulator.Model.Lifecycle;
using Emulator.Tests.Model.Lifecycle;
using TaskStatus = Emulator.Contracts.TaskStatus;

namespace Emulator.Tests.Model.LoadBalancing;

/// <summary>B-LB-1, B-LB-2: target health as a function of time, and the DEACTIVATING step of a stop.</summary>
public sealed class TargetHealthModelTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>The workshop's target group: healthy threshold 2, 30 s checks, unhealthy 2, deregistration delay 90 s.</summary>
    internal static readonly HealthCheckSettings Workshop = new(TimeSpan.FromSeconds(30), 2, 2, TimeSpan.FromSeconds(90));

    private static DateTimeOffset At(double seconds) => T0 + TimeSpan.FromSeconds(seconds);

    [Theory]
    [InlineData(0, TargetPhase.Initial)]
    [InlineData(30, TargetPhase.Initial)]
    [InlineData(59.9, TargetPhase.Initial)]
    [InlineData(60, TargetPhase.Healthy)]
    [InlineData(600, TargetPhase.Healthy)]
    public void B_LB_1_target_is_healthy_after_two_passing_checks_at_30s(double seconds, TargetPhase expected)
    {
        var f = new TargetFacts("t", T0, null, null);
        Assert.Equal(expected, TargetHealthModel.At(f, Workshop, At(seconds)).Phase);
        Assert.Equal(expected == TargetPhase.Healthy, TargetHealthModel.At(f, Workshop, At(seconds)).Routable);
    }

    [Fact]
    public void B_LB_1_aws_default_healthy_threshold_5_takes_150s()
    {
        var s = HealthCheckSettings.From(TargetGroupSpec.Default("tg"));
        var f = new TargetFacts("t", T0, null, null);
        Assert.Equal(At(150), TargetHealthModel.HealthyAt(f, s));
        Assert.Equal(TimeSpan.FromSeconds(300), s.DeregistrationDelay);
    }

    [Fact]
    public void B_LB_1_not_a_target_before_registration()
    {
        var f = new TargetFacts("t", At(10), null, null);
        Assert.Equal(TargetPhase.Absent, TargetHealthModel.At(f, Workshop, At(5)).Phase);
        Assert.Null(TargetHealthModel.Describe(f, Workshop, At(5)));
    }

    [Fact]
    public void B_LB_2_deregistered_target_drains_for_the_delay_without_requests_then_leaves()
    {
        var f = new TargetFacts("t", T0, At(100), null);
        Assert.Equal(TargetPhase.Healthy, TargetHealthModel.At(f, Workshop, At(99)).Phase);
        var draining = TargetHealthModel.At(f, Workshop, At(100));
        Assert.Equal(TargetPhase.Draining, draining.Phase);
        Assert.False(draining.Routable);
        Assert.Equal(TargetPhase.Draining, TargetHealthModel.At(f, Workshop, At(189.9)).Phase);
        Assert.Equal(TargetPhase.Absent, TargetHealthModel.At(f, Workshop, At(190)).Phase);
        Assert.Equal((TargetHealthState.draining, "Target.DeregistrationInProgress"), TargetHealthModel.Describe(f, Workshop, At(120)));
    }

    [Fact]
    public void B_LB_1_dead_target_keeps_requests_until_two_checks_fail_then_unhealthy()
    {
        // Registered at 0, healthy at 60, dies at 100: checks at 120 and 150 fail -> unhealthy at 150.
        var f = new TargetFacts("t", T0, null, At(100));
        Assert.Equal(At(150), TargetHealthModel.UnhealthyAt(f, Workshop));
        var dead = TargetHealthModel.At(f, Workshop, At(120));
        Assert.Equal(TargetPhase.Healthy, dead.Phase);
        Assert.True(dead.Routable);
        Assert.True(dead.Dead);
        var unhealthy = TargetHealthModel.At(f, Workshop, At(150));
        Assert.Equal(TargetPhase.Unhealthy, unhealthy.Phase);
        Assert.False(unhealthy.Routable);
        Assert.Equal((TargetHealthState.unhealthy, "Target.FailedHealthChecks"), TargetHealthModel.Describe(f, Workshop, At(160)));
        Assert.Equal(TargetPhase.Absent, TargetHealthModel.At(f, Workshop, At(180)).Phase);
    }

    [Fact]
    public void B_LB_1_check_at_the_instant_of_death_still_passes()
    {
        var f = new TargetFacts("t", T0, null, At(60));
        Assert.Equal(At(120), TargetHealthModel.UnhealthyAt(f, Workshop));
        Assert.True(TargetHealthModel.At(f, Workshop, At(60)).Routable);
    }

    [Fact]
    public void B_LB_1_target_dying_before_healthy_never_gets_requests()
    {
        var f = new TargetFacts("t", T0, null, At(40));
        Assert.False(TargetHealthModel.At(f, Workshop, At(50)).Routable);
        Assert.Equal(TargetPhase.Initial, TargetHealthModel.At(f, Workshop, At(50)).Phase);
        Assert.Equal(TargetPhase.Unhealthy, TargetHealthModel.At(f, Workshop, At(90)).Phase);
    }

    [Fact]
    public void B_LB_3_timeline_counts_routable_targets_changes_and_deaths()
    {
        var targets = new[]
        {
            new TargetFacts("a", T0, null, null),              // healthy at 60
            new TargetFacts("b", At(30), null, null),          // healthy at 90
            new TargetFacts("c", T0, At(70), null),            // healthy at 60, draining 70..160
            new TargetFacts("d", T0, null, At(80)),            // healthy 60, dies 80, unhealthy at 120 (checks 90, 120)
        };
        var tl = TargetHealthModel.Timeline("web", "tg", targets, Workshop, At(50), At(100));
        Assert.Equal(0, tl.RoutableAtFrom);
        Assert.Equal(
            [new TargetChange(At(60), 3, 0), new TargetChange(At(70), -1, 0), new TargetChange(At(80), 0, 1), new TargetChange(At(90), 1, 0)],
            tl.Changes.ToArray());
        Assert.Equal([new TargetDeath(At(80), null)], tl.Deaths.ToArray());
        Assert.Equal(3, tl.HealthyAtTo); // a, b, and d (dead, not yet detected)
        Assert.Equal(1, tl.DrainingAtTo);
        Assert.Equal(0, tl.UnhealthyAtTo);
    }

    [Fact]
    public void B_LB_2_stop_of_a_target_goes_deactivating_for_the_delay_then_stopping()
    {
        var timings = new EmulatorTimings();
        var running = TaskLifecycleTests.NewTask() with { LastStatus = TaskStatus.RUNNING, StartedAt = T0 };
        var stopped = TaskLifecycle.RequestStop(running, StopReasons.ServiceSchedulerInitiated, "scale-in", timings, At(100), TimeSpan.FromSeconds(90));
        Assert.Equal(TaskStatus.DEACTIVATING, stopped.LastStatus);
        Assert.Equal(DesiredStatus.STOPPED, stopped.DesiredStatus);
        Assert.Equal(At(100), stopped.DeregisteredAt);
        Assert.Equal(At(190), stopped.NextTransitionAt);
        var stopping = TaskLifecycle.Advance(stopped, timings, At(190), new Random(1));
        Assert.Equal(TaskStatus.STOPPING, stopping.LastStatus);
        Assert.Equal(At(192), stopping.NextTransitionAt);
    }

    [Fact]
    public void B_LB_2_without_a_load_balancer_a_stop_skips_deactivating()
    {
        var running = TaskLifecycleTests.NewTask() with { LastStatus = TaskStatus.RUNNING, StartedAt = T0 };
        var stopped = TaskLifecycle.RequestStop(running, StopReasons.UserInitiated, "x", new EmulatorTimings(), At(100));
        Assert.Equal(TaskStatus.STOPPING, stopped.LastStatus);
        Assert.Null(stopped.DeregisteredAt);
    }

    [Fact]
    public void B_LB_2_host_death_skips_the_deregistration_delay()
    {
        var running = TaskLifecycleTests.NewTask() with { LastStatus = TaskStatus.RUNNING, StartedAt = T0 };
        var lost = TaskLifecycle.HostLost(running, "SpotInterruption", "Host EC2 (instance i-1) stopped/terminated", new EmulatorTimings(), At(100));
        Assert.Equal(TaskStatus.STOPPED, lost.LastStatus);
        Assert.Null(lost.DeregisteredAt);
    }

    [Theory]
    [InlineData(4, 30, 2, 2, 90, "healthCheckIntervalSeconds")]
    [InlineData(5, 30, 11, 2, 90, "healthyThresholdCount")]
    [InlineData(5, 30, 2, 1, 90, "unhealthyThresholdCount")]
    [InlineData(5, 30, 2, 2, 3601, "deregistration_delay")]
    [InlineData(5, 30, 2, 2, 90, null)]
    public void Target_group_settings_are_validated_with_elb_limits(int timeout, int interval, int healthy, int unhealthy, int delay, string? problem)
    {
        var spec = TargetGroupSpec.Default("tg") with
        {
            HealthCheckTimeoutSeconds = timeout,
            HealthCheckIntervalSeconds = problem == "healthCheckIntervalSeconds" ? timeout : interval,
            HealthyThresholdCount = healthy,
            UnhealthyThresholdCount = unhealthy,
            DeregistrationDelaySeconds = delay,
        };
        var error = TargetGroups.Validate(spec);
        if (problem is null)
        {
            Assert.Null(error);
        }
        else
        {
            Assert.Contains(problem, error);
        }
    }

    [Theory]
    [InlineData("-tg")]
    [InlineData("tg_1")]
    [InlineData("a-name-that-is-longer-than-32-chars")]
    public void Target_group_names_follow_elb_rules(string name) => Assert.NotNull(TargetGroups.Validate(TargetGroupSpec.Default(name)));

    [Fact]
    public void Target_group_arn_and_dimension()
    {
        var arn = TargetGroupArns.Arn("us-east-1", "000000000000", "web-tg", "0123456789abcdef");
        Assert.Equal("arn:aws:elasticloadbalancing:us-east-1:000000000000:targetgroup/web-tg/0123456789abcdef", arn);
        Assert.Equal("web-tg", TargetGroupArns.Name(arn));
        Assert.Equal("web-tg", new ServiceLoadBalancer(arn, "app", 80).TargetGroupName);
        Assert.Equal("targetgroup/web-tg/0123456789abcdef", TargetGroupArns.Dimension(arn));
    }

    internal static ImmutableArray<TargetFacts> Healthy(int n) =>
        Enumerable.Range(0, n).Select(i => new TargetFacts("t" + i, T0 - TimeSpan.FromHours(1), null, null)).ToImmutableArray();

    [Fact]
    public void B_LB_3_settled_targets_give_the_same_timeline_as_a_pass_over_every_target_once_quiet()
    {
        var random = new Random(7);
        for (var round = 0; round < 200; round++)
        {
            var targets = Enumerable.Range(0, random.Next(0, 12)).Select(i =>
            {
                var registered = At(random.Next(0, 300));
                DateTimeOffset? dereg = random.Next(3) == 0 ? registered + TimeSpan.FromSeconds(random.Next(0, 200)) : null;
                DateTimeOffset? died = random.Next(3) == 0 ? registered + TimeSpan.FromSeconds(random.Next(0, 300)) : null;
                return new TargetFacts("t" + i, registered, dereg, died);
            }).ToList();
            var settled = TargetHealthModel.Settle(targets, Workshop);
            Assert.All(targets, f => Assert.Equal(TargetHealthModel.At(f, Workshop, settled.QuietFrom), TargetHealthModel.At(f, Workshop, settled.QuietFrom + TimeSpan.FromDays(1))));

            var from = settled.QuietFrom + TimeSpan.FromSeconds(random.Next(0, 100));
            var to = from + TimeSpan.FromSeconds(random.Next(1, 100));
            var full = TargetHealthModel.Timeline("web", "tg", targets, Workshop, from, to);
            var quick = settled.Timeline("web", "tg", from, to);
            Assert.Equal(full with { Changes = [], Deaths = [] }, quick with { Changes = [], Deaths = [] });
            Assert.Empty(full.Changes);
            Assert.Empty(full.Deaths);
        }
    }

    [Fact]
    public void B_LB_3_settled_targets_refuse_a_window_that_starts_while_they_still_change()
    {
        var settled = TargetHealthModel.Settle([new TargetFacts("t", T0, null, null)], Workshop);
        Assert.Equal(At(60), settled.QuietFrom); // healthy after 2 x 30 s
        Assert.Equal(1, settled.Healthy);
        Assert.Throws<ArgumentOutOfRangeException>(() => settled.Timeline("web", "tg", At(30), At(90)));
    }
}
