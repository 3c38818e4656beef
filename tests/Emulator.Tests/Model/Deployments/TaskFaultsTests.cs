using System.Collections.Immutable;
using Emulator.Contracts;
using Emulator.Model;
using Emulator.Model.Catalog;
using Emulator.Model.Lifecycle;
using Emulator.Model.LoadBalancing;
using TaskStatus = Emulator.Contracts.TaskStatus;

namespace Emulator.Tests.Model.Deployments;

/// <summary>B-DP-8: the emulator.* docker labels, what they do to a task's lifecycle and health, and the same faults as chaos.</summary>
public sealed class TaskFaultsTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly EmulatorTimings Timings = new();

    private static TaskDefinitionSpec Spec(ImmutableDictionary<string, string>? labels, bool essential = true, ContainerHealthCheck? hc = null) =>
        new("web", [new ContainerDefinition("app", "repo/web:2", 256, 512, null, essential, [], null, 0, labels, hc)], null, null, NetworkMode.bridge, [], [],
            ImmutableDictionary<string, string>.Empty);

    private static ImmutableDictionary<string, string> Labels(params (string K, string V)[] kv) => kv.ToImmutableDictionary(x => x.K, x => x.V);

    [Fact]
    public void B_DP_8_labels_parse_into_faults()
    {
        var (faults, error) = TaskFaultLabels.Parse(Spec(Labels(("emulator.pull", "fail"), ("emulator.exitAfter", "5m"), ("emulator.exitCode", "137"),
            ("emulator.healthCheck", "fail"), ("emulator.targetHealth", "fail"), ("emulator.errorRate", "0.25"), ("emulator.cpuPerRequest", "3"), ("team", "web"))));
        Assert.Null(error);
        Assert.NotNull(faults);
        Assert.StartsWith("CannotPullContainerError:", faults.PullFailure, StringComparison.Ordinal);
        Assert.Contains("repo/web:2", faults.PullFailure, StringComparison.Ordinal);
        Assert.Equal(TimeSpan.FromMinutes(5), faults.ExitAfter);
        Assert.Equal(137, faults.ExitCode);
        Assert.True(faults.HealthCheckFails);
        Assert.NotNull(faults.HealthCheck); // Docker's default timings when the container declares none
        Assert.True(faults.TargetHealthFails);
        Assert.Equal(0.25, faults.ErrorRate);
        Assert.Equal(3, faults.CpuPerRequest);
    }

    [Fact]
    public void B_DP_8_no_emulator_labels_no_faults()
    {
        Assert.Equal((null, null), TaskFaultLabels.Parse(Spec(Labels(("team", "web")))));
        Assert.Equal((null, null), TaskFaultLabels.Parse(Spec(null)));
    }

    [Theory]
    [InlineData("emulator.pull", "sometimes")]
    [InlineData("emulator.exitAfter", "soon")]
    [InlineData("emulator.exitAfter", "0s")]
    [InlineData("emulator.exitCode", "256")]
    [InlineData("emulator.healthCheck", "pass")]
    [InlineData("emulator.targetHealth", "yes")]
    [InlineData("emulator.errorRate", "1.5")]
    [InlineData("emulator.errorRate", "half")]
    [InlineData("emulator.cpuPerRequest", "0")]
    [InlineData("emulator.chaos", "on")]
    public void B_DP_8_bad_labels_are_refused_at_registration(string key, string value)
    {
        var (faults, error) = TaskFaultLabels.Parse(Spec(Labels((key, value))));
        Assert.Null(faults);
        Assert.Contains(key, error, StringComparison.Ordinal);
    }

    [Fact]
    public void B_DP_8_a_non_essential_container_exiting_leaves_the_task_running()
    {
        var (faults, _) = TaskFaultLabels.Parse(Spec(Labels(("emulator.exitAfter", "30s")), essential: false));
        Assert.Null(faults?.ExitAfter);
    }

    [Fact]
    public void B_DP_8_a_declared_container_health_check_is_the_tasks()
    {
        var hc = new ContainerHealthCheck(["CMD-SHELL", "curl -f localhost"], 10, 5, 2, 20);
        var (faults, _) = TaskFaultLabels.Parse(Spec(null, hc: hc));
        Assert.Equal(hc, faults?.HealthCheck);
        Assert.False(faults!.HealthCheckFails);
    }

    private static TaskRecord Pending(TaskFaults? faults) =>
        TaskLifecycle.New("t1", "c", "arn:td", new TaskRequirements(256, 512, [], 0, NetworkMode.bridge), "service:web", null, "web", "ecs-svc/1", null,
            LaunchType.EC2, false, 0, T0) with { LastStatus = TaskStatus.PENDING, ContainerInstanceId = "ci", NextTransitionAt = T0.AddSeconds(10), Faults = faults };

    [Fact]
    public void B_DP_8_pull_failure_stops_the_task_before_running()
    {
        var t = TaskLifecycle.Advance(Pending(TaskFaults.None with { PullFailure = "CannotPullContainerError: nope" }), Timings, T0.AddSeconds(10), new Random(1));
        Assert.Equal((TaskStatus.STOPPED, StopReasons.TaskFailedToStart, "CannotPullContainerError: nope"), (t.LastStatus, t.StopCode, t.StoppedReason));
        Assert.Null(t.StartedAt);
    }

    [Fact]
    public void B_DP_8_exit_after_stops_the_task_that_long_after_running()
    {
        var running = TaskLifecycle.Advance(Pending(TaskFaults.None with { ExitAfter = TimeSpan.FromMinutes(2), ExitCode = 3 }), Timings, T0.AddSeconds(10), new Random(1));
        Assert.Equal(TaskStatus.RUNNING, running.LastStatus);
        Assert.Equal(T0.AddSeconds(130), running.NextTransitionAt);
        var exited = TaskLifecycle.Advance(running, Timings, T0.AddSeconds(130), new Random(1));
        Assert.Equal((TaskStatus.STOPPED, StopReasons.EssentialContainerExited, StopReasons.EssentialExited), (exited.LastStatus, exited.StopCode, exited.StoppedReason));
        Assert.Equal(T0.AddSeconds(130), exited.StoppedAt);
        Assert.Null(exited.DeregisteredAt); // its target dies without a deregistration
    }

    [Fact]
    public void B_TL_5_without_a_health_check_healthy_40s_after_running()
    {
        var t = Pending(null) with { LastStatus = TaskStatus.RUNNING, StartedAt = T0 };
        var h = TaskHealth.Container(t, Timings);
        Assert.Equal(T0.AddSeconds(40), h.HealthyAt);
        Assert.Null(h.UnhealthyAt);
        Assert.False(TaskHealth.IsHealthy(t, Timings, T0.AddSeconds(39)));
        Assert.True(TaskHealth.IsHealthy(t, Timings, T0.AddSeconds(40)));
    }

    [Fact]
    public void B_DP_8_container_health_check_passes_at_its_first_check_or_fails_after_its_retries()
    {
        var hc = new ContainerHealthCheck(["CMD"], 10, 5, 3, 0);
        var ok = Pending(TaskFaults.None with { HealthCheck = hc }) with { LastStatus = TaskStatus.RUNNING, StartedAt = T0 };
        Assert.Equal(new ContainerHealth(T0.AddSeconds(10), null), TaskHealth.Container(ok, Timings));

        var failing = ok with { Faults = ok.Faults! with { HealthCheckFails = true } };
        var h = TaskHealth.Container(failing, Timings);
        Assert.Null(h.HealthyAt);
        Assert.Equal(T0.AddSeconds(30), h.UnhealthyAt); // checks at +10, +20, +30 fail
        Assert.Equal("UNHEALTHY", h.StatusAt(T0.AddSeconds(30)));
        Assert.Equal("UNKNOWN", h.StatusAt(T0.AddSeconds(29)));

        // Failures inside the start period do not count.
        var slow = failing with { Faults = failing.Faults! with { HealthCheck = hc with { StartPeriodSeconds = 25 } } };
        Assert.Equal(T0.AddSeconds(50), TaskHealth.Container(slow, Timings).UnhealthyAt); // counted from +30: +30, +40, +50
    }

    [Fact]
    public void B_DP_8_health_check_fault_injected_into_a_running_task_counts_from_the_injection()
    {
        var hc = new ContainerHealthCheck(["CMD"], 10, 5, 2, 0);
        var t = Pending(TaskFaults.None with { HealthCheck = hc, HealthCheckFails = true, Since = T0.AddSeconds(95) }) with { LastStatus = TaskStatus.RUNNING, StartedAt = T0 };
        var h = TaskHealth.Container(t, Timings);
        Assert.Equal(T0.AddSeconds(10), h.HealthyAt);
        Assert.Equal(T0.AddSeconds(110), h.UnhealthyAt); // first failing check at +100, second at +110

        // A fault that ends before the retries run out leaves the task healthy.
        var brief = t with { Faults = t.Faults! with { Until = T0.AddSeconds(105) } };
        Assert.Null(TaskHealth.Container(brief, Timings).UnhealthyAt);
    }

    [Fact]
    public void B_DP_8_failing_target_never_healthy_then_unhealthy_after_the_unhealthy_threshold()
    {
        var s = new HealthCheckSettings(TimeSpan.FromSeconds(30), 2, 2, TimeSpan.FromSeconds(90));
        var f = new TargetFacts("t1", T0, null, null, T0);
        Assert.Null(TargetHealthModel.HealthyAtOrNull(f, s));
        Assert.Equal(T0.AddSeconds(60), TargetHealthModel.UnhealthyWhileAlive(f, s));
        Assert.Equal(TargetPhase.Initial, TargetHealthModel.At(f, s, T0.AddSeconds(59)).Phase);
        var unhealthy = TargetHealthModel.At(f, s, T0.AddSeconds(60));
        Assert.Equal((TargetPhase.Unhealthy, false, false), (unhealthy.Phase, unhealthy.Routable, unhealthy.Dead));
        Assert.Equal(TargetHealthState.unhealthy, TargetHealthModel.Describe(f, s, T0.AddSeconds(61))!.Value.State);

        // Injected later: healthy first, then out of rotation two failed checks after the injection.
        var later = f with { FailsFrom = T0.AddSeconds(100) };
        Assert.Equal(T0.AddSeconds(60), TargetHealthModel.HealthyAtOrNull(later, s));
        Assert.Equal(T0.AddSeconds(150), TargetHealthModel.UnhealthyWhileAlive(later, s));
        Assert.True(TargetHealthModel.At(later, s, T0.AddSeconds(149)).Routable);
        Assert.False(TargetHealthModel.At(later, s, T0.AddSeconds(150)).Routable);
    }

    [Fact]
    public void B_DP_8_chaos_faults_apply_to_running_and_new_tasks()
    {
        var since = T0.AddMinutes(10);
        Assert.Null(TaskFaultLabels.Apply(null, new ServiceTaskFault(TaskFaultKind.PullFailure, 0, since, null), alreadyStarted: true));
        Assert.NotNull(TaskFaultLabels.Apply(null, new ServiceTaskFault(TaskFaultKind.PullFailure, 0, since, null), alreadyStarted: false)!.PullFailure);
        var hc = TaskFaultLabels.Apply(null, new ServiceTaskFault(TaskFaultKind.HealthCheck, 0, since, since.AddMinutes(5)), alreadyStarted: true)!;
        Assert.Equal((true, since, since.AddMinutes(5)), (hc.HealthCheckFails, hc.Since, hc.Until));
        Assert.Null(TaskFaultLabels.Apply(null, new ServiceTaskFault(TaskFaultKind.TargetHealth, 0, since, null), alreadyStarted: false)!.Since);
        Assert.Equal(TimeSpan.FromSeconds(30), TaskFaultLabels.Apply(null, new ServiceTaskFault(TaskFaultKind.Exit, 30, since, null), true)!.ExitAfter);
        Assert.Equal(0.5, TaskFaultLabels.Apply(null, new ServiceTaskFault(TaskFaultKind.ErrorRate, 0.5, since, null), true)!.ErrorRate);
        Assert.NotNull(TaskFaultLabels.Validate(TaskFaultKind.ErrorRate, 2));
        Assert.NotNull(TaskFaultLabels.Validate(TaskFaultKind.Exit, 0));
        Assert.Null(TaskFaultLabels.Validate(TaskFaultKind.CpuPerRequest, 4));

        // Injected into a running task, the exit is due that long after the injection.
        var running = Pending(null) with { LastStatus = TaskStatus.RUNNING, StartedAt = T0, NextTransitionAt = null };
        var withExit = TaskLifecycle.WithFaults(running, TaskFaults.None with { ExitAfter = TimeSpan.FromSeconds(30) }, since);
        Assert.Equal(since.AddSeconds(30), withExit.NextTransitionAt);
    }
}
