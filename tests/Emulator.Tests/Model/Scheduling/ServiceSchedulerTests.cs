using Emulator.Contracts;
using Emulator.Model.Scheduling;
using TaskStatus = Emulator.Contracts.TaskStatus;

namespace Emulator.Tests.Model.Scheduling;

public sealed class ServiceSchedulerTests
{
    private const string Primary = "ecs-svc/2";
    private const string Old = "ecs-svc/1";

    private static ServiceTaskView Task(int i, string deployment = Primary, bool healthy = true, bool draining = false,
        TaskStatus status = TaskStatus.RUNNING, string? provider = null) =>
        new($"t{i}", deployment, provider, status, DesiredStatus.RUNNING, healthy, draining, "ci", null, null, null);

    private static ReplicaPlan Plan(int desired, int min, int max, params ServiceTaskView[] tasks) =>
        ServiceScheduler.PlanReplica(desired, min, max, Primary, [new ProviderLaunch(null, desired)], tasks, 500);

    [Theory]
    [InlineData(4, 50, 200, 8, 2)]
    [InlineData(2, 75, 200, 4, 2)]
    [InlineData(3, 100, 125, 3, 3)]
    [InlineData(3, 50, 150, 4, 2)]
    public void B_SV_2_ceiling_rounds_down_floor_rounds_up(int desired, int min, int max, int expectedMax, int expectedMin)
    {
        Assert.Equal((expectedMax, expectedMin), ServiceScheduler.Bounds(desired, min, max));
    }

    [Fact]
    public void B_SV_4_min_50_desired_4_may_stop_2_before_starting_2()
    {
        // Four healthy tasks on a DRAINING instance, maximumPercent 100: no room to start, but two may stop first.
        var plan = Plan(4, 50, 100, Task(1, draining: true), Task(2, draining: true), Task(3, draining: true), Task(4, draining: true));
        Assert.Equal(2, plan.StopTasks.Length);
        Assert.Empty(plan.Launch);
    }

    [Fact]
    public void B_SV_4_min_75_desired_2_can_stop_none_first()
    {
        var plan = Plan(2, 75, 100, Task(1, draining: true), Task(2, draining: true));
        Assert.Empty(plan.StopTasks);
        Assert.Empty(plan.Launch);
        Assert.NotNull(plan.Note); // and says why it cannot progress
    }

    [Fact]
    public void B_SV_4_max_125_desired_3_cannot_start_an_extra_task()
    {
        var plan = Plan(3, 100, 125, Task(1, draining: true), Task(2, draining: true), Task(3, draining: true));
        Assert.Empty(plan.Launch);
        Assert.Empty(plan.StopTasks);
    }

    [Fact]
    public void B_SV_4_min_100_max_200_starts_replacements_before_stopping()
    {
        var plan = Plan(2, 100, 200, Task(1, draining: true), Task(2, draining: true));
        Assert.Equal(2, plan.Launch.Sum(l => l.Count));
        Assert.Empty(plan.StopTasks);

        // Once the replacements are healthy, the old ones can go.
        var next = Plan(2, 100, 200, Task(1, draining: true), Task(2, draining: true), Task(3), Task(4));
        Assert.Equal(2, next.StopTasks.Length);
    }

    [Fact]
    public void B_SV_4_min_100_max_100_stalls()
    {
        var plan = Plan(2, 100, 100, Task(1, draining: true), Task(2, draining: true));
        Assert.Empty(plan.Launch);
        Assert.Empty(plan.StopTasks);
        Assert.Contains("cannot progress", plan.Note, StringComparison.Ordinal);
    }

    [Fact]
    public void B_CI_3_pending_task_on_draining_instance_is_stopped_at_once()
    {
        var plan = Plan(2, 100, 100, Task(1), Task(2, draining: true, healthy: false, status: TaskStatus.PENDING));
        Assert.Equal(["t2"], plan.StopTasks.AsEnumerable());
    }

    [Fact]
    public void B_SV_3_scale_out_launches_the_difference_within_the_rate_budget()
    {
        var plan = ServiceScheduler.PlanReplica(1000, 100, 200, Primary, [new ProviderLaunch(null, 1000)], [], 500);
        Assert.Equal(500, plan.Launch.Sum(l => l.Count));
    }

    [Fact]
    public void B_SV_3_scale_in_stops_the_excess_per_provider()
    {
        var tasks = Enumerable.Range(0, 10).Select(i => Task(i, provider: i < 3 ? "A" : "B")).ToArray();
        var plan = ServiceScheduler.PlanReplica(4, 100, 200, Primary, [new ProviderLaunch("A", 1), new ProviderLaunch("B", 3)], tasks, 500);
        Assert.Equal(2, plan.StopExcess.Single(s => s.CapacityProvider == "A").Count);
        Assert.Equal(4, plan.StopExcess.Single(s => s.CapacityProvider == "B").Count);
        Assert.Empty(plan.Launch);
    }

    [Fact]
    public void B_CP_3_service_launches_the_difference_per_provider()
    {
        var tasks = new[] { Task(1, provider: "A") };
        var plan = ServiceScheduler.PlanReplica(40, 100, 200, Primary, [new ProviderLaunch("A", 9), new ProviderLaunch("B", 31)], tasks, 500);
        Assert.Equal(8, plan.Launch.Single(l => l.CapacityProvider == "A").Count);
        Assert.Equal(31, plan.Launch.Single(l => l.CapacityProvider == "B").Count);
    }

    [Fact]
    public void B_DP_1_rolling_deployment_replaces_old_tasks_within_the_bounds()
    {
        var plan = Plan(4, 50, 200, Task(1, Old), Task(2, Old), Task(3, Old), Task(4, Old));
        Assert.Equal(4, plan.Launch.Sum(l => l.Count));
        Assert.Equal(2, plan.StopTasks.Length);
        Assert.False(plan.Steady);
    }

    [Fact]
    public void B_SV_6_steady_when_all_desired_tasks_run_healthy_on_the_primary_deployment()
    {
        Assert.True(Plan(2, 100, 200, Task(1), Task(2)).Steady);
        Assert.False(Plan(2, 100, 200, Task(1), Task(2, healthy: false)).Steady);
        Assert.False(Plan(3, 100, 200, Task(1), Task(2)).Steady);
    }

    [Fact]
    public void B_SV_1_daemon_one_task_per_active_eligible_instance_and_stops_after_service_tasks_on_draining()
    {
        var instances = new[]
        {
            new DaemonInstanceView("a", ContainerInstanceStatus.ACTIVE, true, 0),
            new DaemonInstanceView("b", ContainerInstanceStatus.ACTIVE, false, 0),
            new DaemonInstanceView("c", ContainerInstanceStatus.DRAINING, true, 2),
            new DaemonInstanceView("d", ContainerInstanceStatus.DRAINING, true, 0),
        };
        var tasks = new[]
        {
            new ServiceTaskView("tc", Primary, null, TaskStatus.RUNNING, DesiredStatus.RUNNING, true, true, "c", null, null, null),
            new ServiceTaskView("td", Primary, null, TaskStatus.RUNNING, DesiredStatus.RUNNING, true, true, "d", null, null, null),
        };
        var plan = ServiceScheduler.PlanDaemon(Primary, instances, tasks);
        Assert.Equal(["a"], plan.LaunchOnInstances.AsEnumerable());
        Assert.Equal(["td"], plan.StopTasks.AsEnumerable());
    }

    [Theory]
    [InlineData(1, 30)]
    [InlineData(2, 60)]
    [InlineData(3, 120)]
    [InlineData(10, 900)]
    public void B_SV_5_start_failure_backoff_doubles_up_to_15_minutes(int failures, int seconds)
    {
        Assert.Equal(TimeSpan.FromSeconds(seconds), ServiceScheduler.StartFailureBackoff(failures, TimeSpan.FromSeconds(30), TimeSpan.FromMinutes(15)));
    }

    [Fact]
    public void B_SV_3_a_service_reconciles_at_once_when_poked_every_5_s_while_converging_and_every_period_once_steady()
    {
        var last = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var period = TimeSpan.FromSeconds(15);
        Assert.Equal(last, ServiceScheduler.NextReconcileAt(last, poked: true, steady: true, period, 60));
        Assert.Equal(last.AddSeconds(5), ServiceScheduler.NextReconcileAt(last, poked: false, steady: false, period, 60)); // 20 ms wall = 1.2 s: 5 s wins
        Assert.Equal(last.AddSeconds(60), ServiceScheduler.NextReconcileAt(last, poked: false, steady: true, period, 60)); // 1 s wall = 60 s: the floor wins
        Assert.Equal(last.AddSeconds(15), ServiceScheduler.NextReconcileAt(last, poked: false, steady: true, period, 10));
        Assert.Equal(last.AddSeconds(120), ServiceScheduler.NextReconcileAt(last, poked: false, steady: false, period, 6000)); // 20 ms wall at 6000x
    }

    // ---- B-SV-4 during a rolling deployment (B-DP-1): old tasks belong to the previous deployment.

    [Fact]
    public void B_SV_4_B_DP_1_min_50_desired_4_stops_2_old_before_starting_2_new_at_max_100()
    {
        var plan = Plan(4, 50, 100, Task(1, Old), Task(2, Old), Task(3, Old), Task(4, Old));
        Assert.Equal(2, plan.StopTasks.Length);
        Assert.Empty(plan.Launch);

        // Once those two are gone, two new tasks start in their room.
        var next = Plan(4, 50, 100, Task(3, Old), Task(4, Old));
        Assert.Equal(2, next.Launch.Sum(l => l.Count));
    }

    [Fact]
    public void B_SV_4_B_DP_1_min_75_desired_2_max_100_cannot_stop_or_start()
    {
        var plan = Plan(2, 75, 100, Task(1, Old), Task(2, Old));
        Assert.Empty(plan.StopTasks);
        Assert.Empty(plan.Launch);
        Assert.NotNull(plan.Note);
        Assert.Equal(2, plan.OldCount);
    }

    [Fact]
    public void B_SV_4_B_DP_1_max_125_desired_3_cannot_start_an_extra_task_during_a_deployment()
    {
        var plan = Plan(3, 100, 125, Task(1, Old), Task(2, Old), Task(3, Old));
        Assert.Empty(plan.Launch);
        Assert.Empty(plan.StopTasks);
        Assert.NotNull(plan.Note);
    }

    [Fact]
    public void B_SV_4_B_DP_1_rolling_50_200_starts_all_new_then_replaces_only_healthy_ones()
    {
        // desired 4, min 50 %, max 200 %: 4 new tasks start at once (room 8 - 4), and 2 old may stop meanwhile.
        var start = Plan(4, 50, 200, Task(1, Old), Task(2, Old), Task(3, Old), Task(4, Old));
        Assert.Equal(4, start.Launch.Sum(l => l.Count));
        Assert.Equal(2, start.StopTasks.Length);

        // New tasks not yet healthy: the remaining old ones are the healthy floor (2) and stay.
        var mid = Plan(4, 50, 200, Task(3, Old), Task(4, Old), Task(5, healthy: false), Task(6, healthy: false), Task(7, healthy: false), Task(8, healthy: false));
        Assert.Empty(mid.StopTasks);
        Assert.False(mid.Steady);

        // New tasks healthy: the old ones go; then the service is steady.
        var late = Plan(4, 50, 200, Task(3, Old), Task(4, Old), Task(5), Task(6), Task(7), Task(8));
        Assert.Equal(2, late.StopTasks.Length);
        Assert.True(Plan(4, 50, 200, Task(5), Task(6), Task(7), Task(8)).Steady);
    }

    [Fact]
    public void B_DP_1_unhealthy_tasks_are_stopped_after_the_grace_period_with_their_reason()
    {
        var now = new DateTimeOffset(2026, 1, 1, 0, 10, 0, TimeSpan.Zero);
        var started = now.AddMinutes(-2);
        ServiceTaskView T(string id, DateTimeOffset? unhealthyAt, string? reason, DesiredStatus desired = DesiredStatus.RUNNING) =>
            new(id, Primary, null, TaskStatus.RUNNING, desired, false, false, "ci", null, null, null, started, null, unhealthyAt, reason);
        var tasks = new[]
        {
            T("elb", now.AddSeconds(-1), "Task failed ELB health checks in (target-group tg)"),
            T("hc", now, Emulator.Model.Lifecycle.StopReasons.FailedContainerHealthChecks),
            T("later", now.AddSeconds(1), "x"),
            T("fine", null, null),
            T("stopping", now.AddMinutes(-1), "x", DesiredStatus.STOPPED),
        };
        Assert.Equal(["elb", "hc"], ServiceScheduler.UnhealthyToStop(tasks, now, TimeSpan.Zero).Select(v => v.TaskId));
        Assert.Empty(ServiceScheduler.UnhealthyToStop(tasks, now, TimeSpan.FromMinutes(3))); // healthCheckGracePeriodSeconds 180
        Assert.Equal("Task failed container health checks", ServiceScheduler.UnhealthyToStop(tasks, now, TimeSpan.Zero)[1].Reason);
    }

    [Fact]
    public void B_DP_1_service_events_say_what_blocks_a_deployment()
    {
        Assert.Equal(
            "(service web) was unable to stop or start tasks during a deployment because of the service deployment configuration. Update the minimumHealthyPercent or maximumPercent value and try again.",
            ServiceEvents.DeploymentConfigurationBlocks("web"));
        Assert.Equal("(service web) is not AZ balanced with 0 tasks in a, 2 tasks in b. AZ Rebalancing in progress.",
            ServiceEvents.RebalancingStarted("web", "0 tasks in a, 2 tasks in b"));
    }
}
