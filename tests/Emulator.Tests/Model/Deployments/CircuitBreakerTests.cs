using Emulator.Contracts;
using Emulator.Model.Deployments;
using Emulator.Model.Lifecycle;
using TaskStatus = Emulator.Contracts.TaskStatus;

namespace Emulator.Tests.Model.Deployments;

/// <summary>B-DP-2: the circuit breaker's threshold under each threshold type, its two stages and resetOnHealthyTask.</summary>
public sealed class CircuitBreakerTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    [Theory]
    // BOUNDED_PERCENT 50 (AWS's default): ceil(0.5 x desired) clamped to [3, 200].
    [InlineData("BOUNDED_PERCENT", 50, 1, 3)]
    [InlineData("BOUNDED_PERCENT", 50, 4, 3)]
    [InlineData("BOUNDED_PERCENT", 50, 25, 13)]
    [InlineData("BOUNDED_PERCENT", 50, 400, 200)]
    [InlineData("BOUNDED_PERCENT", 50, 800, 200)]
    [InlineData("BOUNDED_PERCENT", 10, 25, 3)]
    [InlineData("BOUNDED_PERCENT", 100, 150, 150)]
    // UNBOUNDED_PERCENT: the same without the bounds (at least one failure).
    [InlineData("UNBOUNDED_PERCENT", 50, 1, 1)]
    [InlineData("UNBOUNDED_PERCENT", 50, 4, 2)]
    [InlineData("UNBOUNDED_PERCENT", 50, 25, 13)]
    [InlineData("UNBOUNDED_PERCENT", 50, 400, 200)]
    [InlineData("UNBOUNDED_PERCENT", 50, 800, 400)]
    [InlineData("UNBOUNDED_PERCENT", 10, 800, 80)]
    // COUNT: the value itself, whatever the desired count.
    [InlineData("COUNT", 5, 1, 5)]
    [InlineData("COUNT", 5, 4, 5)]
    [InlineData("COUNT", 5, 25, 5)]
    [InlineData("COUNT", 5, 400, 5)]
    [InlineData("COUNT", 5, 800, 5)]
    [InlineData("COUNT", 1, 800, 1)]
    public void B_DP_2_threshold_per_type_and_desired_count(string type, int value, int desired, int expected)
    {
        Assert.Equal(expected, CircuitBreaker.Threshold(new ThresholdConfigurationSpec(type, value), desired));
    }

    [Fact]
    public void B_DP_2_default_threshold_is_bounded_percent_50()
    {
        var spec = new DeploymentCircuitBreakerSpec(true, true);
        Assert.Equal(ThresholdConfigurationSpec.Default, spec.EffectiveThreshold);
        Assert.True(spec.ResetsOnHealthyTask);
        foreach (var (desired, expected) in new[] { (1, 3), (4, 3), (25, 13), (400, 200), (800, 200) })
        {
            Assert.Equal(expected, CircuitBreaker.Threshold(spec.EffectiveThreshold, desired));
        }
    }

    [Theory]
    [InlineData("COUNT", 0)]
    [InlineData("COUNT", -1)]
    [InlineData("COUNT", 10_001)]
    [InlineData("BOUNDED_PERCENT", 0)]
    [InlineData("BOUNDED_PERCENT", 101)]
    [InlineData("UNBOUNDED_PERCENT", 0)]
    [InlineData("UNBOUNDED_PERCENT", 250)]
    [InlineData("HALF", 50)]
    public void B_DP_2_threshold_values_out_of_range_are_refused(string type, int value)
    {
        Assert.NotNull(CircuitBreaker.Validate(new ThresholdConfigurationSpec(type, value)));
    }

    [Theory]
    [InlineData("COUNT", 1)]
    [InlineData("COUNT", 10_000)]
    [InlineData("BOUNDED_PERCENT", 1)]
    [InlineData("UNBOUNDED_PERCENT", 100)]
    public void B_DP_2_threshold_values_in_range_are_accepted(string type, int value)
    {
        Assert.Null(CircuitBreaker.Validate(new ThresholdConfigurationSpec(type, value)));
    }

    private static ServiceTaskView Failed(string id, string stopCode, DateTimeOffset stoppedAt, DateTimeOffset? startedAt = null, string? reason = null) =>
        new(id, "ecs-svc/2", null, TaskStatus.STOPPED, DesiredStatus.STOPPED, false, false, "ci", stopCode, stoppedAt, reason ?? "failed", startedAt);

    private static ServiceTaskView Running(string id, DateTimeOffset startedAt, DateTimeOffset? healthyAt) =>
        new(id, "ecs-svc/2", null, TaskStatus.RUNNING, DesiredStatus.RUNNING, healthyAt is not null, false, "ci", null, null, null, startedAt, healthyAt);

    [Fact]
    public void B_DP_2_stage_1_counts_tasks_that_stop_before_running()
    {
        var tasks = new[]
        {
            Failed("a", StopReasons.TaskFailedToStart, T0.AddSeconds(10)),
            Failed("b", StopReasons.EssentialContainerExited, T0.AddSeconds(11)),
            Failed("c", StopReasons.ServiceSchedulerInitiated, T0.AddSeconds(12)), // scale-in: not the revision's fault
            Failed("d", StopReasons.SpotInterruption, T0.AddSeconds(13)), // its host went away
        };
        var state = CircuitBreaker.Observe(CircuitBreakerState.Empty, tasks, T0.AddSeconds(20));
        Assert.Equal(2, CircuitBreaker.FailureCount(state, resetOnHealthyTask: true));
        Assert.False(state.Stage2);
        var verdict = CircuitBreaker.Evaluate(state, new DeploymentCircuitBreakerSpec(true, false, null, new ThresholdConfigurationSpec("COUNT", 2)), 4);
        Assert.Equal((2, 2, 1, true), (verdict.FailureCount, verdict.Threshold, verdict.Stage, verdict.Tripped));
        Assert.Equal("ECS deployment circuit breaker: task failed to start.", CircuitBreaker.FailureReason(verdict.Stage));
    }

    [Fact]
    public void B_DP_2_stage_2_begins_with_the_first_running_task_and_counts_health_check_failures()
    {
        var started = T0.AddSeconds(10);
        var stage1 = CircuitBreaker.Observe(CircuitBreakerState.Empty, [Failed("a", StopReasons.TaskFailedToStart, T0.AddSeconds(5))], T0.AddSeconds(6));
        Assert.False(stage1.Stage2);

        var tasks = new[]
        {
            Running("r", started, null),
            Failed("elb", StopReasons.ServiceSchedulerInitiated, T0.AddSeconds(120), started, StopReasons.FailedElbHealthChecks("web-tg")),
            Failed("hc", StopReasons.ServiceSchedulerInitiated, T0.AddSeconds(130), started, StopReasons.FailedContainerHealthChecks),
            Failed("exit", StopReasons.EssentialContainerExited, T0.AddSeconds(140), started),
            Failed("replaced", StopReasons.ServiceSchedulerInitiated, T0.AddSeconds(150), started, "Scaling activity initiated by (deployment ecs-svc/2)"),
        };
        var stage2 = CircuitBreaker.Observe(stage1, tasks, T0.AddSeconds(160));
        Assert.True(stage2.Stage2);
        Assert.Equal(4, CircuitBreaker.FailureCount(stage2, resetOnHealthyTask: true)); // a, elb, hc, exit
        Assert.Equal(2, CircuitBreaker.FailureStage(tasks[1]));
        Assert.Equal(1, CircuitBreaker.FailureStage(Failed("x", StopReasons.TaskFailedToStart, T0)));
        Assert.Equal(0, CircuitBreaker.FailureStage(tasks[4]));
        Assert.Equal("ECS deployment circuit breaker: tasks failed to reach a healthy state.", CircuitBreaker.FailureReason(2));
    }

    [Fact]
    public void B_DP_2_a_task_is_counted_once()
    {
        var tasks = new[] { Failed("a", StopReasons.TaskFailedToStart, T0.AddSeconds(5)) };
        var once = CircuitBreaker.Observe(CircuitBreakerState.Empty, tasks, T0.AddSeconds(6));
        var twice = CircuitBreaker.Observe(once, tasks, T0.AddSeconds(20));
        Assert.Equal(1, CircuitBreaker.FailureCount(twice, true));
    }

    [Fact]
    public void B_DP_2_reset_on_healthy_task_counts_only_failures_after_the_latest_healthy_task()
    {
        var first = CircuitBreaker.Observe(CircuitBreakerState.Empty,
            [Failed("a", StopReasons.TaskFailedToStart, T0.AddSeconds(5)), Failed("b", StopReasons.TaskFailedToStart, T0.AddSeconds(6))], T0.AddSeconds(7));
        Assert.Equal(2, CircuitBreaker.FailureCount(first, true));

        // A task becomes healthy at +60 s, then one more fails at +70 s.
        var later = CircuitBreaker.Observe(first,
            [Running("ok", T0.AddSeconds(20), T0.AddSeconds(60)), Failed("c", StopReasons.TaskFailedToStart, T0.AddSeconds(70))], T0.AddSeconds(80));
        Assert.Equal(1, CircuitBreaker.FailureCount(later, resetOnHealthyTask: true));
        Assert.Equal(3, CircuitBreaker.FailureCount(later, resetOnHealthyTask: false));
        Assert.Equal(T0.AddSeconds(60), later.LastHealthyAt);

        var spec = new DeploymentCircuitBreakerSpec(true, true, ResetOnHealthyTask: false, new ThresholdConfigurationSpec("COUNT", 3));
        Assert.True(CircuitBreaker.Evaluate(later, spec, 10).Tripped);
        Assert.False(CircuitBreaker.Evaluate(later, spec with { ResetOnHealthyTask = true }, 10).Tripped);
    }

    [Fact]
    public void B_DP_2_a_disabled_breaker_never_trips()
    {
        var state = CircuitBreaker.Observe(CircuitBreakerState.Empty,
            Enumerable.Range(0, 10).Select(i => Failed($"t{i}", StopReasons.TaskFailedToStart, T0.AddSeconds(i))), T0.AddMinutes(1));
        var verdict = CircuitBreaker.Evaluate(state, new DeploymentCircuitBreakerSpec(false, false), 4);
        Assert.Equal(10, verdict.FailureCount);
        Assert.False(verdict.Tripped);
    }

    [Fact]
    public void B_DP_2_failures_still_stopping_count_at_the_moment_they_are_seen()
    {
        var stopping = new ServiceTaskView("s", "ecs-svc/2", null, TaskStatus.DEACTIVATING, DesiredStatus.STOPPED, false, false, "ci",
            StopReasons.ServiceSchedulerInitiated, null, StopReasons.FailedElbHealthChecks("tg"), T0);
        var state = CircuitBreaker.Observe(CircuitBreakerState.Empty, [stopping], T0.AddMinutes(2));
        Assert.Equal([T0.AddMinutes(2)], state.FailureTimes.ToArray());
    }
}
