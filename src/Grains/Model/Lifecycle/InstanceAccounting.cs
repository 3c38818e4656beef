using System.Collections.Immutable;
using Emulator.Contracts;
using TaskStatus = Emulator.Contracts.TaskStatus;

namespace Emulator.Model.Lifecycle;

/// <summary>
/// Keeps a container instance's reserved resources and counters in step with its tasks (B-CI-2, B-PL-7):
/// a task change is applied as "take away what the old version contributed, add what the new one does", so
/// every transition is handled by one rule and the counters can never drift.
/// </summary>
public static class InstanceAccounting
{
    public static ContainerInstanceRecord ApplyTaskChange(ContainerInstanceRecord instance, TaskRecord? before, TaskRecord? after)
    {
        var i = instance;
        if (before is not null && before.ContainerInstanceId == instance.ContainerInstanceId)
        {
            i = Contribute(i, before, -1);
        }

        if (after is not null && after.ContainerInstanceId == instance.ContainerInstanceId)
        {
            i = Contribute(i, after, +1);
        }

        return i;
    }

    /// <summary>Recomputes the counters from scratch (used by the invariant checker and on rebuild).</summary>
    public static ContainerInstanceRecord Recount(ContainerInstanceRecord instance, IEnumerable<TaskRecord> tasksOnInstance)
    {
        var i = instance with
        {
            Used = ResourceSet.Zero,
            UsedPorts = Emulator.Model.Catalog.InstanceCatalog.AgentReservedPorts,
            TaskGroups = ImmutableDictionary<string, int>.Empty,
            NonDaemonTasks = 0,
            RunningTasksCount = 0,
            PendingTasksCount = 0,
        };
        foreach (var t in tasksOnInstance)
        {
            i = Contribute(i, t, +1);
        }

        return i;
    }

    private static ContainerInstanceRecord Contribute(ContainerInstanceRecord i, TaskRecord t, int sign)
    {
        var used = i.Used;
        var ports = i.UsedPorts;
        var groups = i.TaskGroups;
        var nonDaemon = i.NonDaemonTasks;
        if (t.LastStatus != TaskStatus.STOPPED)
        {
            used = sign > 0 ? used + t.Needs.Resources : used - t.Needs.Resources;
            if (!t.HostPorts.IsDefaultOrEmpty)
            {
                ports = sign > 0 ? ports.Union(t.HostPorts) : ports.Except(t.HostPorts);
            }

            var n = groups.GetValueOrDefault(t.Group) + sign;
            groups = n > 0 ? groups.SetItem(t.Group, n) : groups.Remove(t.Group);
            if (!t.IsDaemon)
            {
                nonDaemon += sign;
            }
        }

        var running = i.RunningTasksCount + (t.DesiredStatus == DesiredStatus.RUNNING && t.LastStatus != TaskStatus.STOPPED ? sign : 0);
        var pending = i.PendingTasksCount + (t.LastStatus == TaskStatus.PENDING ? sign : 0);
        return i with
        {
            Used = used,
            UsedPorts = ports,
            TaskGroups = groups,
            NonDaemonTasks = nonDaemon,
            RunningTasksCount = running,
            PendingTasksCount = pending,
        };
    }
}
