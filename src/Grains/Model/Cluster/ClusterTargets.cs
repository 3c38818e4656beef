using System.Collections.Immutable;
using Emulator.Contracts;
using Emulator.Model.Lifecycle;
using Emulator.Model.LoadBalancing;
using TaskStatus = Emulator.Contracts.TaskStatus;

namespace Emulator.Model.Cluster;

/// <summary>
/// The cluster's tasks as load balancer targets (B-LB-1, B-LB-2) and as their services see them (B-TL-5, B-SV-4).
/// <c>groups</c> (in each method) maps a load-balanced service to its target group, <c>since</c> to when
/// the service was put behind it: tasks launched before are not targets. <c>byDeployment</c> (B-DP-6) maps a deployment
/// to the target group its tasks register with instead of their service's (a blue/green deployment's green tasks in the
/// alternate group, the blue tasks left in the old one after the swap).
/// </summary>
public static class ClusterTargets
{
    /// <summary>The task's target group: its service's, unless the task was launched before the service named it.</summary>
    public static TargetGroupSpec? TargetGroupOf(TaskRecord t, IReadOnlyDictionary<string, TargetGroupSpec> groups, IReadOnlyDictionary<string, DateTimeOffset> since,
        IReadOnlyDictionary<string, TargetGroupSpec>? byDeployment = null)
    {
        ArgumentNullException.ThrowIfNull(t);
        ArgumentNullException.ThrowIfNull(groups);
        ArgumentNullException.ThrowIfNull(since);
        if (t.ServiceName is not { } service || !groups.TryGetValue(service, out var spec) || t.CreatedAt < since.GetValueOrDefault(service))
        {
            return null;
        }

        return byDeployment is { Count: > 0 } && t.DeploymentId is { } d && byDeployment.TryGetValue(d, out var own) ? own : spec;
    }

    /// <summary>
    /// A task is a target from the moment it became RUNNING (B-LB-1). It died without deregistration when it stopped
    /// while not deregistered (host terminated, forced deregistration) or before its deregistration delay was over.
    /// </summary>
    public static TargetFacts? Facts(TaskRecord t, TargetGroupSpec spec)
    {
        ArgumentNullException.ThrowIfNull(t);
        ArgumentNullException.ThrowIfNull(spec);
        if (t.StartedAt is not { } started)
        {
            return null;
        }

        DateTimeOffset? died = null;
        if (t.LastStatus == TaskStatus.STOPPED && t.StoppedAt is { } stoppedAt
            && (t.DeregisteredAt is not { } dereg || stoppedAt < dereg + TimeSpan.FromSeconds(spec.DeregistrationDelaySeconds)))
        {
            died = stoppedAt;
        }

        // B-DP-8: the task's error rate and CPU factor (labels for good, chaos until its end) travel with its target.
        var facts = new TargetFacts(t.TaskId, started, t.DeregisteredAt, died, TaskHealth.TargetChecksFailFrom(t));
        return t.Faults is { } f && (f.ErrorRate > 0 || (f.CpuPerRequest > 0 && Math.Abs(f.CpuPerRequest - 1) > 1e-12))
            ? facts with { ErrorRate = Math.Clamp(f.ErrorRate, 0, 1), CpuPerRequest = f.CpuPerRequest > 0 ? f.CpuPerRequest : 1, LoadFaultUntil = f.Until }
            : facts;
    }

    /// <summary>B-LB-2: the deregistration delay of a RUNNING target (null: no load balancer, or not RUNNING).</summary>
    public static TimeSpan? DeregistrationDelay(TaskRecord t, IReadOnlyDictionary<string, TargetGroupSpec> groups, IReadOnlyDictionary<string, DateTimeOffset> since,
        IReadOnlyDictionary<string, TargetGroupSpec>? byDeployment = null)
    {
        ArgumentNullException.ThrowIfNull(t);
        return t.LastStatus == TaskStatus.RUNNING && TargetGroupOf(t, groups, since, byDeployment) is { } spec
            ? TimeSpan.FromSeconds(spec.DeregistrationDelaySeconds)
            : null;
    }

    /// <summary>B-TL-5 / B-SV-4: a target counts as healthy only once its target group says so (no target group: healthy).</summary>
    public static bool TargetHealthy(TaskRecord t, IReadOnlyDictionary<string, TargetGroupSpec> groups, IReadOnlyDictionary<string, DateTimeOffset> since, DateTimeOffset now,
        IReadOnlyDictionary<string, TargetGroupSpec>? byDeployment = null) =>
        TargetGroupOf(t, groups, since, byDeployment) is not { } spec
        || (Facts(t, spec) is { } f && TargetHealthModel.At(f, HealthCheckSettings.From(spec), now).Phase == TargetPhase.Healthy);

    /// <summary>
    /// The service's tasks as its scheduler reads them (B-SV-3, B-SV-4): healthy is B-TL-5's 40 s after RUNNING and, for
    /// a load-balanced service, its target healthy too; on a draining instance is any instance not ACTIVE. One pass
    /// over the service's tasks; a service without a target group looks up no target health.
    /// </summary>
    public static ImmutableArray<ServiceTaskView> ServiceTaskViews(ClusterBook book, string serviceName, EmulatorTimings timings, DateTimeOffset now,
        IReadOnlyDictionary<string, TargetGroupSpec> groups, IReadOnlyDictionary<string, DateTimeOffset> since,
        IReadOnlyDictionary<string, TargetGroupSpec>? byDeployment = null)
    {
        ArgumentNullException.ThrowIfNull(book);
        ArgumentNullException.ThrowIfNull(groups);
        var ids = book.TasksOf(serviceName);
        var views = ImmutableArray.CreateBuilder<ServiceTaskView>(ids.Count);
        var balanced = groups.ContainsKey(serviceName);
        foreach (var id in ids)
        {
            views.Add(ServiceTaskViewOf(book, book.Tasks[id], balanced, timings, now, groups, since, byDeployment));
        }

        return views.MoveToImmutable();
    }

    /// <summary>
    /// A service task as its scheduler and circuit breaker see it (B-TL-5, B-LB-1, B-DP-2, B-DP-8): healthy (container,
    /// and target when the service has a target group), since when, and when and why its health checks failed.
    /// </summary>
    public static ServiceTaskView ServiceTaskViewOf(ClusterBook book, TaskRecord t, bool balanced, EmulatorTimings timings, DateTimeOffset now,
        IReadOnlyDictionary<string, TargetGroupSpec> groups, IReadOnlyDictionary<string, DateTimeOffset> since,
        IReadOnlyDictionary<string, TargetGroupSpec>? byDeployment = null)
    {
        ArgumentNullException.ThrowIfNull(book);
        ArgumentNullException.ThrowIfNull(t);
        var container = t.StartedAt is null ? default : TaskHealth.Container(t, timings);
        DateTimeOffset? healthyAt = container.HealthyAt;
        DateTimeOffset? unhealthyAt = container.UnhealthyAt;
        string? reason = unhealthyAt is null ? null : StopReasons.FailedContainerHealthChecks;
        if (balanced && t.StartedAt is not null && TargetGroupOf(t, groups, since, byDeployment) is { } spec && Facts(t, spec) is { } facts)
        {
            var settings = HealthCheckSettings.From(spec);
            var targetHealthyAt = TargetHealthModel.HealthyAtOrNull(facts, settings);
            healthyAt = healthyAt is { } c && targetHealthyAt is { } h ? (c > h ? c : h) : null;
            if (TargetHealthModel.UnhealthyWhileAlive(facts, settings) is { } targetUnhealthy && (unhealthyAt is null || targetUnhealthy < unhealthyAt))
            {
                unhealthyAt = targetUnhealthy;
                reason = StopReasons.FailedElbHealthChecks(spec.Name);
            }
        }

        var healthy = t.LastStatus == TaskStatus.RUNNING && t.DesiredStatus == DesiredStatus.RUNNING
                      && healthyAt is { } at && at <= now && !(unhealthyAt is { } u && u <= now);
        return new ServiceTaskView(
            t.TaskId, t.DeploymentId, t.CapacityProvider, t.LastStatus, t.DesiredStatus, healthy,
            t.ContainerInstanceId is { } ci && book.Instances.TryGetValue(ci, out var inst) && inst.Status != ContainerInstanceStatus.ACTIVE,
            t.ContainerInstanceId, t.StopCode, t.StoppedAt, t.StoppedReason, t.StartedAt, healthy ? healthyAt : null, unhealthyAt, reason,
            t.AvailabilityZone, t.TaskDefinitionArn);
    }

    /// <summary>B-LB-1: the targets of one service in one of its target groups among the cluster's tasks, with their facts.</summary>
    public static IEnumerable<(TaskRecord Task, TargetFacts Facts)> Targets(ClusterBook book, string service, TargetGroupSpec spec,
        IReadOnlyDictionary<string, TargetGroupSpec> groups, IReadOnlyDictionary<string, DateTimeOffset> since,
        IReadOnlyDictionary<string, TargetGroupSpec>? byDeployment = null)
    {
        ArgumentNullException.ThrowIfNull(book);
        ArgumentNullException.ThrowIfNull(spec);
        foreach (var id in book.TasksOf(service))
        {
            var t = book.Tasks[id];
            if (TargetGroupOf(t, groups, since, byDeployment) is { } own && own.Name == spec.Name && Facts(t, spec) is { } f)
            {
                yield return (t, f);
            }
        }
    }
}
