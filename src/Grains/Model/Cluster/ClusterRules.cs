using System.Collections.Immutable;
using Emulator.Contracts;
using Emulator.Model.Lifecycle;
using Emulator.Model.Placement;
using TaskStatus = Emulator.Contracts.TaskStatus;

namespace Emulator.Model.Cluster;

/// <summary>What a due task transition does: delete the task, or replace it with <see cref="Next"/> (the same record: nothing).</summary>
public readonly record struct DueStep(bool Delete, TaskRecord Next);

/// <summary>The cluster's remaining rules over its record book: deletion, provider removal, queries, chaos selections, due transitions.</summary>
public static class ClusterRules
{
    public const string FargateSpot = "FARGATE_SPOT";

    /// <summary>DeleteCluster is refused while services are active, instances are registered or tasks are not STOPPED.</summary>
    public static Rejection? DeleteRefusal(ClusterBook book, int activeServices)
    {
        ArgumentNullException.ThrowIfNull(book);
        if (activeServices > 0)
        {
            return new Rejection(ErrorCodes.ClusterContainsServices, "The Cluster cannot be deleted while Services are active.");
        }

        if (book.Instances.Values.Any(i => i.Status != ContainerInstanceStatus.INACTIVE))
        {
            return new Rejection(ErrorCodes.ClusterContainsContainerInstances, "The Cluster cannot be deleted while Container Instances are active or draining.");
        }

        return book.Tasks.Values.Any(t => t.LastStatus != TaskStatus.STOPPED)
            ? new Rejection(ErrorCodes.ClusterContainsTasks, "The Cluster cannot be deleted while Tasks are active.")
            : null;
    }

    /// <summary>B-CP-5: PutClusterCapacityProviders may not remove a provider that tasks not STOPPED still use.</summary>
    public static Rejection? ProviderRemovalRefusal(ClusterBook book, IEnumerable<string> current, IReadOnlySet<string> kept)
    {
        ArgumentNullException.ThrowIfNull(book);
        ArgumentNullException.ThrowIfNull(current);
        ArgumentNullException.ThrowIfNull(kept);
        foreach (var removed in current.Where(n => !kept.Contains(n)))
        {
            if (book.Tasks.Values.Any(t => t.CapacityProvider == removed && t.LastStatus != TaskStatus.STOPPED))
            {
                return new Rejection(ErrorCodes.ResourceInUse, $"The specified capacity provider {removed} is in use and cannot be removed.");
            }
        }

        return null;
    }

    /// <summary>
    /// The transition due for a task (B-T-2): a STOPPED task past its retention is deleted; a FARGATE_SPOT task
    /// waiting in PROVISIONING while Spot capacity is exhausted stays there and tries again five ticks later (B-PQ-4);
    /// anything else advances by <see cref="TaskLifecycle.Advance"/>.
    /// </summary>
    public static DueStep DueTransition(TaskRecord t, bool fargateSpotAvailable, EmulatorTimings timings, TimeSpan tickPeriod, DateTimeOffset now, Random random)
    {
        ArgumentNullException.ThrowIfNull(t);
        if (TaskLifecycle.ShouldBeDeleted(t, now))
        {
            return new DueStep(true, t);
        }

        if (!fargateSpotAvailable && t.CapacityProvider == FargateSpot && t.LastStatus == TaskStatus.PROVISIONING
            && t.DesiredStatus == DesiredStatus.RUNNING)
        {
            return new DueStep(false, t with { NextTransitionAt = now + (tickPeriod * 5) });
        }

        return new DueStep(false, TaskLifecycle.Advance(t, timings, now, random));
    }

    /// <summary>ListTasks: the service's tasks or all, narrowed by family, startedBy, instance, desired status, launch type.</summary>
    public static IEnumerable<TaskRecord> ListTasks(ClusterBook book, TaskFilter filter)
    {
        ArgumentNullException.ThrowIfNull(book);
        ArgumentNullException.ThrowIfNull(filter);
        IEnumerable<TaskRecord> tasks = filter.ServiceName is { } svc
            ? book.TasksOf(svc).Select(id => book.Tasks[id])
            : book.Tasks.Values;
        if (filter.Family is { } family)
        {
            tasks = tasks.Where(t => t.Group == "family:" + family || FamilyOf(t.TaskDefinitionArn) == family);
        }

        if (filter.StartedBy is { } startedBy)
        {
            tasks = tasks.Where(t => t.StartedBy == startedBy);
        }

        if (filter.ContainerInstanceId is { } ci)
        {
            var id = Arns.ShortName(ci);
            tasks = tasks.Where(t => t.ContainerInstanceId == id);
        }

        if (filter.DesiredStatus is { } desired)
        {
            tasks = tasks.Where(t => t.DesiredStatus == desired);
        }

        if (filter.LaunchType is { } lt)
        {
            tasks = tasks.Where(t => t.LaunchType == lt);
        }

        return tasks;
    }

    /// <summary>The family of a task definition ARN or "family:revision".</summary>
    public static string FamilyOf(string taskDefinitionArn)
    {
        var s = Arns.ShortName(taskDefinitionArn);
        var colon = s.LastIndexOf(':');
        return colon > 0 ? s[..colon] : s;
    }

    /// <summary>Scale-in candidates (B-PL-2 reverse): the service's tasks of the provider still wanted RUNNING, daemons aside.</summary>
    public static List<StopCandidate> StopCandidates(ClusterBook book, string serviceName, string? capacityProvider)
    {
        ArgumentNullException.ThrowIfNull(book);
        return book.TasksOf(serviceName)
            .Select(id => book.Tasks[id])
            .Where(t => t.DesiredStatus == DesiredStatus.RUNNING && !t.IsDaemon && t.CapacityProvider == capacityProvider)
            .Select(t => new StopCandidate(t.TaskId, t.Group, !t.IsQueued, t.LastStatus == TaskStatus.RUNNING,
                t.ContainerInstanceId is { } ci ? book.Instances.GetValueOrDefault(ci) : null))
            .ToList();
    }

    /// <summary>B-CAS-8 managed draining: service tasks not STOPPED on the instance.</summary>
    public static int ServiceTasksOn(ClusterBook book, string containerInstanceId)
    {
        ArgumentNullException.ThrowIfNull(book);
        return book.TasksOn(containerInstanceId).Count(id => book.Tasks[id] is { ServiceName: not null, LastStatus: not TaskStatus.STOPPED });
    }

    /// <summary>
    /// B-SV-1 DAEMON: the instances not INACTIVE, whether each meets the daemon's memberOf constraints (and its agent
    /// is connected), and how many other services' tasks it runs.
    /// </summary>
    public static ImmutableArray<DaemonInstanceView> DaemonInstances(ClusterBook book, ImmutableArray<PlacementConstraint> constraints)
    {
        ArgumentNullException.ThrowIfNull(book);
        var expressions = constraints.Where(c => c.Type == PlacementConstraintType.memberOf && c.Expression is not null)
            .Select(c => ClusterQuery.Parse(c.Expression!)).ToList();
        return book.Instances.Values
            .Where(i => i.Status != ContainerInstanceStatus.INACTIVE)
            .Select(i => new DaemonInstanceView(
                i.ContainerInstanceId, i.Status, i.AgentConnected && expressions.All(e => e.Evaluate(i)),
                book.TasksOn(i.ContainerInstanceId).Count(id => book.Tasks[id] is { ServiceName: not null, IsDaemon: false, LastStatus: not TaskStatus.STOPPED })))
            .ToImmutableArray();
    }

    /// <summary>B-SP-4: a Fargate Spot interruption hits FARGATE_SPOT tasks still wanted RUNNING.</summary>
    public static bool FargateSpotInterruptible(TaskRecord t)
    {
        ArgumentNullException.ThrowIfNull(t);
        return t.CapacityProvider == FargateSpot && t.DesiredStatus == DesiredStatus.RUNNING;
    }

    /// <summary>Chaos AZ outage: the Fargate tasks not STOPPED in the zone are lost at once (EC2 hosts go through their groups).</summary>
    public static IReadOnlyList<TaskRecord> LostWithZone(ClusterBook book, string availabilityZone)
    {
        ArgumentNullException.ThrowIfNull(book);
        return book.Tasks.Values
            .Where(t => t.LaunchType == LaunchType.FARGATE && t.AvailabilityZone == availabilityZone && t.LastStatus != TaskStatus.STOPPED)
            .ToList();
    }

    /// <summary>B-PQ-2: a change that frees capacity (a placed task stopped), so queued tasks may fit now.</summary>
    public static bool FreesCapacity(TaskRecord before, TaskRecord after)
    {
        ArgumentNullException.ThrowIfNull(before);
        ArgumentNullException.ThrowIfNull(after);
        return after.LastStatus == TaskStatus.STOPPED && before.LastStatus != TaskStatus.STOPPED && before.ContainerInstanceId is not null;
    }

    /// <summary>B-SV-3: a change its service reconciles on (lastStatus or desiredStatus moved); the service's name, else null.</summary>
    public static string? ServiceToTell(TaskRecord before, TaskRecord after)
    {
        ArgumentNullException.ThrowIfNull(before);
        ArgumentNullException.ThrowIfNull(after);
        return after.ServiceName is { } svc && (after.LastStatus != before.LastStatus || after.DesiredStatus != before.DesiredStatus) ? svc : null;
    }

    /// <summary>CPUReservation / MemoryReservation (AWS/ECS): reserved over registered, in percent (0 with nothing registered).</summary>
    public static (double Cpu, double Memory) Reservation(ResourceSet registered, ResourceSet used) =>
        (registered.Cpu == 0 ? 0 : 100.0 * used.Cpu / registered.Cpu, registered.Memory == 0 ? 0 : 100.0 * used.Memory / registered.Memory);
}
