using System.Collections.Immutable;
using Emulator.Contracts;
using Emulator.Model;
using Emulator.Model.Catalog;
using Emulator.Model.Lifecycle;
using TaskStatus = Emulator.Contracts.TaskStatus;

namespace Emulator.Tests.Model.Lifecycle;

public sealed class TaskLifecycleTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly EmulatorTimings Timings = new();

    internal static TaskRecord NewTask(NetworkMode mode = NetworkMode.bridge, LaunchType launchType = LaunchType.EC2, string? service = "web") =>
        TaskLifecycle.New("t1", "c", "arn:td", new TaskRequirements(256, 512, [], 0, mode), service is null ? "family:f" : "service:" + service,
            null, service, service is null ? null : "ecs-svc/1", "cp", launchType, false, 0, T0);

    internal static ContainerInstanceRecord Instance(string id = "ci1", string type = "m5.large") =>
        new(id, "c", "i-" + id, type, "us-east-1a", "cp", "asg", false, ContainerInstanceStatus.ACTIVE, true,
            InstanceCatalog.Default.Registered(type), ResourceSet.Zero, InstanceCatalog.AgentReservedPorts,
            ImmutableDictionary<string, string>.Empty, T0, 1, 0, 0, ImmutableDictionary<string, int>.Empty, 0, false);

    [Fact]
    public void B_TL_1_new_task_is_provisioning_desired_running_version_1()
    {
        var t = NewTask();
        Assert.Equal(TaskStatus.PROVISIONING, t.LastStatus);
        Assert.Equal(DesiredStatus.RUNNING, t.DesiredStatus);
        Assert.Equal(1, t.Version);
        Assert.True(t.IsQueued);
    }

    [Fact]
    public void B_T_2_bridge_task_goes_pending_at_placement_and_running_10s_later()
    {
        var placed = TaskLifecycle.Placed(NewTask(), Instance(), [], Timings, T0, new Random(1));
        Assert.Equal(TaskStatus.PENDING, placed.LastStatus);
        Assert.Equal(T0 + TimeSpan.FromSeconds(10), placed.NextTransitionAt);
        Assert.Same(placed, TaskLifecycle.Advance(placed, Timings, T0 + TimeSpan.FromSeconds(9), new Random(1)));
        var running = TaskLifecycle.Advance(placed, Timings, T0 + TimeSpan.FromSeconds(12), new Random(1));
        Assert.Equal(TaskStatus.RUNNING, running.LastStatus);
        Assert.Equal(T0 + TimeSpan.FromSeconds(10), running.StartedAt); // the scheduled time, not the late tick
        Assert.Equal(3, running.Version);
    }

    [Fact]
    public void B_T_2_awsvpc_task_stays_provisioning_5s_for_the_eni()
    {
        var r = new Random(1);
        var placed = TaskLifecycle.Placed(NewTask(NetworkMode.awsvpc), Instance(), [], Timings, T0, r);
        Assert.Equal(TaskStatus.PROVISIONING, placed.LastStatus);
        var pending = TaskLifecycle.Advance(placed, Timings, T0 + TimeSpan.FromSeconds(5), r);
        Assert.Equal(TaskStatus.PENDING, pending.LastStatus);
        var running = TaskLifecycle.Advance(pending, Timings, T0 + TimeSpan.FromSeconds(15), r);
        Assert.Equal(TaskStatus.RUNNING, running.LastStatus);
    }

    [Fact]
    public void B_T_2_fargate_task_runs_40s_after_acceptance()
    {
        var r = new Random(1);
        var t = TaskLifecycle.FargateAccepted(NewTask(NetworkMode.awsvpc, LaunchType.FARGATE), "us-east-1b", Timings, T0, r);
        Assert.Equal(TaskStatus.PROVISIONING, TaskLifecycle.Advance(t, Timings, T0 + TimeSpan.FromSeconds(39), r).LastStatus);
        Assert.Equal(TaskStatus.RUNNING, TaskLifecycle.Advance(t, Timings, T0 + TimeSpan.FromSeconds(40), r).LastStatus);
    }

    [Fact]
    public void B_TL_1_stop_of_running_task_moves_forward_through_stopping_to_stopped()
    {
        var r = new Random(1);
        var running = TaskLifecycle.Advance(TaskLifecycle.Placed(NewTask(), Instance(), [], Timings, T0, r), Timings, T0 + TimeSpan.FromSeconds(10), r);
        var stopping = TaskLifecycle.RequestStop(running, StopReasons.UserInitiated, StopReasons.StoppedByUser, Timings, T0 + TimeSpan.FromSeconds(60));
        Assert.Equal(TaskStatus.STOPPING, stopping.LastStatus);
        Assert.Equal(DesiredStatus.STOPPED, stopping.DesiredStatus);
        var stopped = TaskLifecycle.Advance(stopping, Timings, T0 + TimeSpan.FromSeconds(62), r);
        Assert.Equal(TaskStatus.STOPPED, stopped.LastStatus);
        Assert.True(stopped.Version > stopping.Version);
        Assert.Equal(T0 + TimeSpan.FromSeconds(62), stopped.StoppedAt);
    }

    [Fact]
    public void B_TL_1_awsvpc_stop_passes_deprovisioning()
    {
        var r = new Random(1);
        var t = TaskLifecycle.Placed(NewTask(NetworkMode.awsvpc), Instance(), [], Timings, T0, r);
        t = TaskLifecycle.Advance(TaskLifecycle.Advance(t, Timings, T0 + TimeSpan.FromSeconds(5), r), Timings, T0 + TimeSpan.FromSeconds(15), r);
        t = TaskLifecycle.RequestStop(t, StopReasons.UserInitiated, "x", Timings, T0 + TimeSpan.FromSeconds(20));
        t = TaskLifecycle.Advance(t, Timings, T0 + TimeSpan.FromSeconds(22), r);
        Assert.Equal(TaskStatus.DEPROVISIONING, t.LastStatus);
        t = TaskLifecycle.Advance(t, Timings, T0 + TimeSpan.FromSeconds(23), r);
        Assert.Equal(TaskStatus.STOPPED, t.LastStatus);
    }

    [Fact]
    public void B_CI_3_stop_of_a_pending_task_is_immediate()
    {
        var pending = TaskLifecycle.Placed(NewTask(), Instance(), [], Timings, T0, new Random(1));
        var stopped = TaskLifecycle.RequestStop(pending, StopReasons.ServiceSchedulerInitiated, "draining", Timings, T0 + TimeSpan.FromSeconds(1));
        Assert.Equal(TaskStatus.STOPPED, stopped.LastStatus);
    }

    [Fact]
    public void B_T_2_stop_timeout_caps_the_shutdown()
    {
        var timings = new EmulatorTimings { ContainerExit = TimeSpan.FromSeconds(90) };
        var r = new Random(1);
        var running = TaskLifecycle.Advance(TaskLifecycle.Placed(NewTask(), Instance(), [], timings, T0, r), timings, T0 + TimeSpan.FromSeconds(10), r);
        var stopping = TaskLifecycle.RequestStop(running, StopReasons.UserInitiated, "x", timings, T0 + TimeSpan.FromSeconds(10));
        Assert.Equal(T0 + TimeSpan.FromSeconds(40), stopping.NextTransitionAt); // 30 s stopTimeout, not 90 s
    }

    [Fact]
    public void B_TL_3_host_loss_stops_at_once_with_spot_interruption_for_spot_hosts()
    {
        var r = new Random(1);
        var running = TaskLifecycle.Advance(TaskLifecycle.Placed(NewTask(), Instance(), [], Timings, T0, r), Timings, T0 + TimeSpan.FromSeconds(10), r);
        var lost = TaskLifecycle.HostLost(running, StopReasons.HostStopCode(true), StopReasons.HostTerminated("i-1"), Timings, T0 + TimeSpan.FromSeconds(30));
        Assert.Equal(TaskStatus.STOPPED, lost.LastStatus);
        Assert.Equal("SpotInterruption", lost.StopCode);
        Assert.Equal("Host EC2 (instance i-1) stopped/terminated", lost.StoppedReason);
        Assert.Equal("ServiceSchedulerInitiated", StopReasons.HostStopCode(false));
    }

    [Fact]
    public void B_TL_3_injected_start_failure_stops_with_TaskFailedToStart()
    {
        var r = new Random(1);
        var t = NewTask() with { FailureInjected = StopReasons.CannotPull("repo/app:bad") };
        var failed = TaskLifecycle.Advance(TaskLifecycle.Placed(t, Instance(), [], Timings, T0, r), Timings, T0 + TimeSpan.FromSeconds(10), r);
        Assert.Equal(TaskStatus.STOPPED, failed.LastStatus);
        Assert.Equal("TaskFailedToStart", failed.StopCode);
        Assert.StartsWith("CannotPullContainerError", failed.StoppedReason, StringComparison.Ordinal);
    }

    [Fact]
    public void B_TL_5_healthy_40s_after_running()
    {
        var r = new Random(1);
        var running = TaskLifecycle.Advance(TaskLifecycle.Placed(NewTask(), Instance(), [], Timings, T0, r), Timings, T0 + TimeSpan.FromSeconds(10), r);
        Assert.False(TaskLifecycle.IsHealthy(running, Timings, T0 + TimeSpan.FromSeconds(49)));
        Assert.True(TaskLifecycle.IsHealthy(running, Timings, T0 + TimeSpan.FromSeconds(50)));
    }

    [Fact]
    public void B_PQ_3_queued_task_times_out_after_30_minutes()
    {
        var t = NewTask();
        Assert.False(TaskLifecycle.ProvisioningTimedOut(t, Timings, T0 + TimeSpan.FromMinutes(29)));
        Assert.True(TaskLifecycle.ProvisioningTimedOut(t, Timings, T0 + TimeSpan.FromMinutes(30)));
    }

    [Fact]
    public void B_T_2_stopped_tasks_are_deleted_after_one_hour()
    {
        var stopped = TaskLifecycle.RequestStop(NewTask(), StopReasons.UserInitiated, "x", Timings, T0);
        Assert.False(TaskLifecycle.ShouldBeDeleted(stopped, T0 + TimeSpan.FromMinutes(59)));
        Assert.True(TaskLifecycle.ShouldBeDeleted(stopped, T0 + TimeSpan.FromHours(1)));
    }

    [Fact]
    public void B_TL_1_status_never_goes_back()
    {
        var r = new Random(7);
        var t = TaskLifecycle.Placed(NewTask(NetworkMode.awsvpc), Instance(), [], Timings, T0, r);
        var last = t.LastStatus;
        var now = T0;
        for (var i = 0; i < 200; i++)
        {
            now += TimeSpan.FromSeconds(1);
            if (i == 30)
            {
                t = TaskLifecycle.RequestStop(t, StopReasons.UserInitiated, "x", Timings, now);
            }

            t = TaskLifecycle.Advance(t, Timings, now, r);
            Assert.True(t.LastStatus >= last);
            last = t.LastStatus;
        }

        Assert.Equal(TaskStatus.STOPPED, t.LastStatus);
    }
}
