using System.Collections.Immutable;
using System.Globalization;
using Emulator.Contracts;
using Emulator.Model.Lifecycle;
using TaskStatus = Emulator.Contracts.TaskStatus;

namespace Emulator.Model.Cluster;

public sealed partial class ClusterBook
{
    /// <summary>
    /// What is wrong with the book, empty when nothing is: no instance over-committed (B-PL-7), every task in exactly
    /// one state and, if queued, in the PROVISIONING queue once (B-PQ-1), and every kept index, count and the cost
    /// ledger (B-IT-5) equal to a recount from the records. One pass over the records; for checkers, not hot paths.
    /// </summary>
    public ImmutableArray<string> Invariants(DateTimeOffset now)
    {
        var violations = ImmutableArray.CreateBuilder<string>();
        CheckInstances(violations);
        CheckTaskIndexes(violations);
        CheckQueue(violations);
        CheckCounts(violations, now);
        CheckDue(violations);
        return violations.ToImmutable();
    }

    private void CheckInstances(ImmutableArray<string>.Builder violations)
    {
        foreach (var instance in _instances.Values)
        {
            var onIt = TasksOn(instance.ContainerInstanceId);
            var recount = InstanceAccounting.Recount(instance, onIt.Where(_tasks.ContainsKey).Select(id => _tasks[id]));

            // B-PL-7: never over-committed.
            if (!instance.Used.FitsWithin(instance.Registered) || !instance.Used.IsNonNegative)
            {
                violations.Add($"instance {instance.ContainerInstanceId} over-committed: used {instance.Used} of {instance.Registered}");
            }

            if (recount.Used != instance.Used || recount.NonDaemonTasks != instance.NonDaemonTasks
                || recount.RunningTasksCount != instance.RunningTasksCount || recount.PendingTasksCount != instance.PendingTasksCount
                || !recount.UsedPorts.SetEquals(instance.UsedPorts)
                || recount.TaskGroups.Count != instance.TaskGroups.Count || recount.TaskGroups.Any(g => instance.TaskGroups.GetValueOrDefault(g.Key) != g.Value))
            {
                violations.Add($"instance {instance.ContainerInstanceId} counters drifted: stored {instance.Used}, tasks say {recount.Used}");
            }

            if (instance.Status == ContainerInstanceStatus.INACTIVE && onIt.Any(id => _tasks.TryGetValue(id, out var t) && t.LastStatus != TaskStatus.STOPPED))
            {
                violations.Add($"INACTIVE instance {instance.ContainerInstanceId} still has live tasks");
            }

            if (!_instanceByEc2.TryGetValue(instance.Ec2InstanceId, out var latest) || !_instances.TryGetValue(latest, out var found)
                || found.Ec2InstanceId != instance.Ec2InstanceId)
            {
                violations.Add($"instance {instance.ContainerInstanceId}: EC2 instance {instance.Ec2InstanceId} does not find it");
            }
            else if (latest != instance.ContainerInstanceId && instance.Status != ContainerInstanceStatus.INACTIVE)
            {
                violations.Add($"instance {instance.ContainerInstanceId} is {instance.Status} but EC2 instance {instance.Ec2InstanceId} finds {latest}");
            }
        }

        if (_instanceByEc2.Count != _instances.Values.Select(i => i.Ec2InstanceId).Distinct(StringComparer.Ordinal).Count())
        {
            violations.Add($"the EC2 index holds {_instanceByEc2.Count} EC2 instances, the records another number");
        }
    }

    private void CheckTaskIndexes(ImmutableArray<string>.Builder violations)
    {
        foreach (var t in _tasks.Values)
        {
            if (t.LaunchType is LaunchType.EC2 or LaunchType.MANAGED_INSTANCES && t.LastStatus is > TaskStatus.PROVISIONING and < TaskStatus.STOPPED && t.ContainerInstanceId is null)
            {
                violations.Add($"task {t.TaskId} is {t.LastStatus} without an instance");
            }

            if (t.DesiredStatus == DesiredStatus.STOPPED && t.LastStatus < TaskStatus.RUNNING)
            {
                violations.Add($"task {t.TaskId} desired STOPPED but {t.LastStatus}");
            }

            if (t.ContainerInstanceId is { } ci && !(_tasksByInstance.GetValueOrDefault(ci)?.Contains(t.TaskId) ?? false))
            {
                violations.Add($"task {t.TaskId} missing from instance {ci}'s index");
            }

            if (t.ServiceName is { } svc && !(_tasksByService.GetValueOrDefault(svc)?.Contains(t.TaskId) ?? false))
            {
                violations.Add($"task {t.TaskId} missing from service {svc}'s index");
            }
        }

        foreach (var (ci, ids) in _tasksByInstance)
        {
            foreach (var id in ids.Where(id => !_tasks.TryGetValue(id, out var t) || t.ContainerInstanceId != ci))
            {
                violations.Add($"instance {ci}'s index holds task {id}, which is not on it");
            }
        }

        foreach (var (svc, ids) in _tasksByService)
        {
            foreach (var id in ids.Where(id => !_tasks.TryGetValue(id, out var t) || t.ServiceName != svc))
            {
                violations.Add($"service {svc}'s index holds task {id}, which is not its");
            }
        }
    }

    private void CheckQueue(ImmutableArray<string>.Builder violations)
    {
        var queued = new HashSet<string>(StringComparer.Ordinal);
        foreach (var id in _queue)
        {
            if (!queued.Add(id))
            {
                violations.Add($"task {id} is in the PROVISIONING queue twice");
            }

            if (!_tasks.ContainsKey(id))
            {
                violations.Add($"the PROVISIONING queue holds {id}, which is no task");
            }
        }

        if (!queued.SetEquals(_queued))
        {
            violations.Add($"the queue index holds {_queued.Count} tasks, the queue {queued.Count}");
        }

        foreach (var t in _tasks.Values)
        {
            var inQueue = queued.Contains(t.TaskId);
            if (t.IsQueued != inQueue)
            {
                violations.Add($"task {t.TaskId} ({t.LastStatus}, instance {t.ContainerInstanceId ?? "-"}) queued={t.IsQueued} but in queue={inQueue}");
            }
        }

        foreach (var id in _queuedPlacements.Keys.Where(id => !queued.Contains(id)))
        {
            violations.Add($"task {id} has a queued placement but is not queued");
        }
    }

    private void CheckCounts(ImmutableArray<string>.Builder violations, DateTimeOffset now)
    {
        // Every task in exactly one state: the kept counts agree with the records.
        var counted = _tasks.Values.GroupBy(t => (t.LastStatus, t.ProviderOrLaunchType)).ToDictionary(g => g.Key, g => g.Count());
        if (counted.Count != _taskCounts.Count || counted.Any(kv => _taskCounts.GetValueOrDefault(kv.Key) != kv.Value))
        {
            violations.Add($"task counts drifted: kept {string.Join(", ", _taskCounts.Select(kv => $"{kv.Key}={kv.Value}"))}, records say {string.Join(", ", counted.Select(kv => $"{kv.Key}={kv.Value}"))}");
        }

        var zones = _tasks.Values
            .Where(t => t.LaunchType == LaunchType.FARGATE && t.LastStatus != TaskStatus.STOPPED && t.AvailabilityZone is not null)
            .GroupBy(t => t.AvailabilityZone!, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
        if (zones.Count != _fargateByZone.Count || zones.Any(kv => _fargateByZone.GetValueOrDefault(kv.Key) != kv.Value))
        {
            violations.Add($"Fargate tasks by zone drifted: kept {string.Join(", ", _fargateByZone.Select(kv => $"{kv.Key}={kv.Value}"))}, records say {string.Join(", ", zones.Select(kv => $"{kv.Key}={kv.Value}"))}");
        }

        // B-IT-5: the cost ledger agrees with a task-by-task sum.
        var groups = _tasks.Values.GroupBy(TaskCostGroup.Of).ToList();
        foreach (var g in groups)
        {
            var expected = g.Sum(t => TaskCost(t, now));
            if (Math.Abs(_costLedger.At(g.Key, now) - expected) > 1e-9m)
            {
                violations.Add($"cost ledger drifted for {g.Key}: {_costLedger.At(g.Key, now)} kept, {expected} from the tasks");
            }
        }

        var withTasks = groups.Select(g => g.Key).ToHashSet();
        foreach (var group in _costLedger.Groups.Where(g => !withTasks.Contains(g)))
        {
            violations.Add($"cost ledger keeps {group}, which has no task");
        }

        if (_costTerms.Count != _tasks.Count || _costTerms.Keys.Any(id => !_tasks.ContainsKey(id)))
        {
            violations.Add($"cost terms kept for {_costTerms.Count} tasks, the book holds {_tasks.Count}");
        }
    }

    private void CheckDue(ImmutableArray<string>.Builder violations)
    {
        // A task whose next transition has no due entry would never move again (B-T-2).
        var entries = new HashSet<(string, DateTimeOffset)>();
        foreach (var (id, due) in _due.UnorderedItems)
        {
            entries.Add((id, due));
        }

        foreach (var t in _tasks.Values)
        {
            if (t.NextTransitionAt is { } due && !entries.Contains((t.TaskId, due)))
            {
                violations.Add($"task {t.TaskId} is due at {due.ToString("O", CultureInfo.InvariantCulture)} but not in the due queue");
            }
        }
    }
}
