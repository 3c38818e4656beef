using Emulator.Contracts;
using Emulator.Model;
using Emulator.Model.Lifecycle;
using TaskStatus = Emulator.Contracts.TaskStatus;

namespace Emulator.Tests.Model.Lifecycle;

public sealed class InstanceAccountingTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public void B_CI_2_reserved_resources_follow_the_task_until_stopped()
    {
        var r = new Random(1);
        var timings = new EmulatorTimings();
        var inst = TaskLifecycleTests.Instance();
        var task = TaskLifecycleTests.NewTask() with { HostPorts = [8080] };
        var placed = TaskLifecycle.Placed(task, inst, [8080], timings, T0, r);
        inst = InstanceAccounting.ApplyTaskChange(inst, task, placed);
        Assert.Equal(new ResourceSet(256, 512, 0, 0), inst.Used);
        Assert.Contains(8080, inst.UsedPorts);
        Assert.Equal(1, inst.PendingTasksCount);
        Assert.Equal(1, inst.RunningTasksCount); // desiredStatus RUNNING (B-CI-2)
        Assert.Equal(1, inst.NonDaemonTasks);
        Assert.Equal(1, inst.TaskGroups["service:web"]);

        var running = TaskLifecycle.Advance(placed, timings, T0 + TimeSpan.FromSeconds(10), r);
        inst = InstanceAccounting.ApplyTaskChange(inst, placed, running);
        Assert.Equal(0, inst.PendingTasksCount);
        Assert.Equal(1, inst.RunningTasksCount);

        var stopping = TaskLifecycle.RequestStop(running, StopReasons.UserInitiated, "x", timings, T0 + TimeSpan.FromSeconds(20));
        inst = InstanceAccounting.ApplyTaskChange(inst, running, stopping);
        Assert.Equal(0, inst.RunningTasksCount);
        Assert.Equal(new ResourceSet(256, 512, 0, 0), inst.Used); // STOPPING still holds resources

        var stopped = TaskLifecycle.Advance(stopping, timings, T0 + TimeSpan.FromSeconds(30), r);
        Assert.Equal(TaskStatus.STOPPED, stopped.LastStatus);
        inst = InstanceAccounting.ApplyTaskChange(inst, stopping, stopped);
        Assert.Equal(ResourceSet.Zero, inst.Used);
        Assert.DoesNotContain(8080, inst.UsedPorts);
        Assert.Contains(22, inst.UsedPorts); // the agent's ports stay reserved
        Assert.Empty(inst.TaskGroups);
        var recount = InstanceAccounting.Recount(inst, [stopped]);
        Assert.Equal(recount.Used, inst.Used);
        Assert.True(recount.UsedPorts.SetEquals(inst.UsedPorts));
        Assert.Equal((recount.RunningTasksCount, recount.PendingTasksCount, recount.NonDaemonTasks), (inst.RunningTasksCount, inst.PendingTasksCount, inst.NonDaemonTasks));
    }
}
