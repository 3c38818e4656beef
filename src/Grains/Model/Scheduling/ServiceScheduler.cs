using System.Collections.Immutable;
using Emulator.Contracts;
using TaskStatus = Emulator.Contracts.TaskStatus;

namespace Emulator.Model.Scheduling;

/// <summary>Launch this many tasks on a provider (null = launch type, no provider).</summary>
public sealed record ProviderLaunch(string? CapacityProvider, int Count);

/// <summary>What a REPLICA service's scheduler does next (B-SV-1, B-SV-3, B-SV-4).</summary>
public sealed record ReplicaPlan(
    ImmutableArray<ProviderLaunch> Launch,
    ImmutableArray<ProviderLaunch> StopExcess,
    ImmutableArray<string> StopTasks,
    bool Steady,
    int CurrentCount,
    int OldCount,
    string? Note);

/// <summary>What a DAEMON service's scheduler does next (B-SV-1, B-CI-3).</summary>
public sealed record DaemonPlan(ImmutableArray<string> LaunchOnInstances, ImmutableArray<string> StopTasks, bool Steady);

/// <summary>
/// The service scheduler's arithmetic. Tasks of the primary deployment on non-DRAINING instances are "current";
/// tasks of older deployments or on DRAINING instances are "old" and get replaced. Replacement starts while
/// RUNNING + PENDING stays below floor(desired x maximumPercent / 100) and stops old tasks while the healthy ones
/// left stay at least ceil(desired x minimumHealthyPercent / 100) (B-SV-2, B-SV-4).
/// </summary>
public static class ServiceScheduler
{
    /// <summary>While converging (B-SV-3), a service reconciles every 5 emulated seconds...</summary>
    public static readonly TimeSpan ConvergingPeriod = TimeSpan.FromSeconds(5);

    /// <summary>...but not more often than every 20 ms of wall time; a steady service not more than once a wall second.</summary>
    public static readonly TimeSpan ConvergingWallFloor = TimeSpan.FromMilliseconds(20);

    public static readonly TimeSpan SteadyWallFloor = TimeSpan.FromSeconds(1);

    /// <summary>
    /// B-SV-3: when a service reconciles next, besides every change it is told of: at once when poked, 5 emulated
    /// seconds after the last reconciliation while converging (tasks become healthy without telling anyone), the
    /// reconcile period once steady. Each has a wall-clock floor (converted at <paramref name="timeScale"/>) so that a
    /// service at a high time scale stays cheap.
    /// </summary>
    public static DateTimeOffset NextReconcileAt(DateTimeOffset last, bool poked, bool steady, TimeSpan reconcilePeriod, double timeScale)
    {
        if (poked)
        {
            return last;
        }

        var (every, wallFloor) = steady ? (reconcilePeriod, SteadyWallFloor) : (ConvergingPeriod, ConvergingWallFloor);
        var floor = TimeSpan.FromTicks((long)(wallFloor.Ticks * timeScale));
        return last + (every > floor ? every : floor);
    }

    /// <summary>B-SV-2: the ceiling is rounded down, the floor rounded up.</summary>
    public static (int MaxTasks, int MinHealthy) Bounds(int desired, int minimumHealthyPercent, int maximumPercent) =>
        (desired * maximumPercent / 100, (desired * minimumHealthyPercent + 99) / 100);

    public static ReplicaPlan PlanReplica(
        int desired,
        int minimumHealthyPercent,
        int maximumPercent,
        string primaryDeploymentId,
        IReadOnlyList<ProviderLaunch> targets,
        IReadOnlyList<ServiceTaskView> tasks,
        int launchBudget)
    {
        var (maxTasks, minHealthy) = Bounds(desired, minimumHealthyPercent, maximumPercent);
        var active = tasks.Where(t => t.DesiredStatus == DesiredStatus.RUNNING).ToList();
        var current = active.Where(t => !IsOld(t, primaryDeploymentId)).ToList();
        var old = active.Where(t => IsOld(t, primaryDeploymentId)).ToList();

        // 1. Scale-in: more current tasks than desired -> stop the excess, from the providers above their share.
        var stopExcess = ImmutableArray.CreateBuilder<ProviderLaunch>();
        if (current.Count > desired)
        {
            var excess = current.Count - desired;
            var over = targets
                .Select(p => new ProviderLaunch(p.CapacityProvider, current.Count(t => t.CapacityProvider == p.CapacityProvider) - p.Count))
                .Where(p => p.Count > 0)
                .OrderByDescending(p => p.Count)
                .ToList();

            // Tasks on providers no longer in the strategy are over their (zero) share too.
            var known = targets.Select(p => p.CapacityProvider).ToHashSet();
            over.AddRange(current.Where(t => !known.Contains(t.CapacityProvider))
                .GroupBy(t => t.CapacityProvider)
                .Select(g => new ProviderLaunch(g.Key, g.Count())));
            foreach (var p in over.OrderByDescending(p => p.Count))
            {
                var n = Math.Min(p.Count, excess);
                if (n > 0)
                {
                    stopExcess.Add(p with { Count = n });
                    excess -= n;
                }
            }
        }

        // 2. Launch toward desired, within maximumPercent and the launch rate budget (B-SV-3, B-SV-4).
        var launch = ImmutableArray.CreateBuilder<ProviderLaunch>();
        var need = Math.Max(0, desired - current.Count);
        var room = Math.Max(0, Math.Max(maxTasks, desired) - active.Count);
        if (old.Count > 0)
        {
            room = Math.Max(0, maxTasks - active.Count);
        }

        var toLaunch = Math.Min(need, Math.Min(room, Math.Max(0, launchBudget)));
        string? note = null;

        // Blocked only when nothing is on its way: current tasks still starting or not yet healthy will make room.
        var inFlight = current.Any(t => !t.Healthy);
        if (need > 0 && toLaunch == 0 && room == 0 && !inFlight)
        {
            note = $"maximumPercent {maximumPercent} allows at most {maxTasks} tasks; {active.Count} are running or pending";
        }

        if (toLaunch > 0)
        {
            var remaining = toLaunch;
            foreach (var p in targets)
            {
                var deficit = p.Count - current.Count(t => t.CapacityProvider == p.CapacityProvider);
                var n = Math.Min(Math.Max(0, deficit), remaining);
                if (n > 0)
                {
                    launch.Add(p with { Count = n });
                    remaining -= n;
                }
            }

            // Shares can lag the desired count (e.g. strategy changed): the rest goes to the first provider with a share.
            if (remaining > 0)
            {
                var first = targets.FirstOrDefault(p => p.Count > 0) ?? targets.FirstOrDefault() ?? new ProviderLaunch(null, 0);
                var existing = launch.FirstOrDefault(l => l.CapacityProvider == first.CapacityProvider);
                if (existing is not null)
                {
                    launch.Remove(existing);
                    launch.Add(existing with { Count = existing.Count + remaining });
                }
                else
                {
                    launch.Add(new ProviderLaunch(first.CapacityProvider, remaining));
                }
            }
        }

        // 3. Replace old tasks: unhealthy ones go at once (they count for nothing); healthy ones only while enough
        //    healthy tasks remain (B-SV-4, B-CI-3: PENDING tasks on a DRAINING instance stop at once).
        var stop = ImmutableArray.CreateBuilder<string>();
        var healthy = active.Count(t => t.Healthy);
        foreach (var t in old.OrderBy(t => t.Healthy).ThenBy(t => t.TaskId, StringComparer.Ordinal))
        {
            if (!t.Healthy)
            {
                stop.Add(t.TaskId);
            }
            else if (healthy - 1 >= minHealthy)
            {
                stop.Add(t.TaskId);
                healthy--;
            }
        }

        if (old.Count > 0 && stop.Count == 0 && toLaunch == 0 && !inFlight)
        {
            note = $"minimumHealthyPercent {minimumHealthyPercent} needs {minHealthy} healthy tasks and maximumPercent {maximumPercent} allows {maxTasks}: replacement cannot progress";
        }

        var steady = old.Count == 0 && current.Count == desired
            && current.All(t => t.LastStatus == TaskStatus.RUNNING && t.Healthy);
        return new ReplicaPlan(launch.ToImmutable(), stopExcess.ToImmutable(), stop.ToImmutable(), steady, current.Count, old.Count, note);
    }

    public static DaemonPlan PlanDaemon(string primaryDeploymentId, IReadOnlyList<DaemonInstanceView> instances, IReadOnlyList<ServiceTaskView> tasks)
    {
        var active = tasks.Where(t => t.DesiredStatus == DesiredStatus.RUNNING).ToList();
        var byInstance = instances.ToDictionary(i => i.ContainerInstanceId, StringComparer.Ordinal);
        var stop = ImmutableArray.CreateBuilder<string>();
        var covered = new HashSet<string>(StringComparer.Ordinal);
        foreach (var t in active)
        {
            if (t.ContainerInstanceId is null || !byInstance.TryGetValue(t.ContainerInstanceId, out var inst)
                || inst.Status == ContainerInstanceStatus.INACTIVE || !inst.Eligible)
            {
                stop.Add(t.TaskId);
            }
            else if (inst.Status == ContainerInstanceStatus.DRAINING)
            {
                // B-CI-3: daemon tasks on a DRAINING instance stop after the service tasks.
                if (inst.OtherServiceTasks == 0)
                {
                    stop.Add(t.TaskId);
                }
                else
                {
                    covered.Add(inst.ContainerInstanceId);
                }
            }
            else if (t.DeploymentId != primaryDeploymentId)
            {
                // DAEMON deployments stop the old task first (minimumHealthyPercent defaults to 0 for daemons).
                stop.Add(t.TaskId);
            }
            else if (!covered.Add(inst.ContainerInstanceId))
            {
                stop.Add(t.TaskId);
            }
        }

        var launch = instances
            .Where(i => i.Status == ContainerInstanceStatus.ACTIVE && i.Eligible && !covered.Contains(i.ContainerInstanceId)
                        && !active.Any(t => t.ContainerInstanceId == i.ContainerInstanceId && !stop.Contains(t.TaskId)))
            .Select(i => i.ContainerInstanceId)
            .ToImmutableArray();
        var steady = launch.IsEmpty && stop.Count == 0 && active.All(t => t.LastStatus == TaskStatus.RUNNING);
        return new DaemonPlan(launch, stop.ToImmutable(), steady);
    }

    /// <summary>
    /// B-DP-1, B-LB-1, B-DP-8: running tasks whose load balancer or container health checks failed, with the reason the
    /// scheduler stops them for. healthCheckGracePeriodSeconds: failed checks are ignored until that long after the task
    /// started.
    /// </summary>
    public static ImmutableArray<(string TaskId, string Reason)> UnhealthyToStop(IReadOnlyList<ServiceTaskView> tasks, DateTimeOffset now, TimeSpan gracePeriod)
    {
        ArgumentNullException.ThrowIfNull(tasks);
        var result = ImmutableArray.CreateBuilder<(string, string)>();
        foreach (var t in tasks)
        {
            if (t.DesiredStatus == DesiredStatus.RUNNING && t.LastStatus == TaskStatus.RUNNING && t.UnhealthyAt is { } at && at <= now
                && t.StartedAt is { } started && now >= started + gracePeriod && t.UnhealthyReason is { } reason)
            {
                result.Add((t.TaskId, reason));
            }
        }

        return result.ToImmutable();
    }

    /// <summary>B-SV-5: the retry interval doubles per consecutive failure, capped (15 min by default).</summary>
    public static TimeSpan StartFailureBackoff(int consecutiveFailures, TimeSpan initial, TimeSpan max)
    {
        if (consecutiveFailures <= 0)
        {
            return TimeSpan.Zero;
        }

        var factor = Math.Pow(2, Math.Min(consecutiveFailures - 1, 30));
        var ticks = initial.Ticks * factor;
        return ticks >= max.Ticks ? max : TimeSpan.FromTicks((long)ticks);
    }

    private static bool IsOld(ServiceTaskView t, string primary) => t.DeploymentId != primary || t.OnDrainingInstance;
}

/// <summary>AWS's service event texts (B-SV-6, B-PL-5, B-SV-5).</summary>
public static class ServiceEvents
{
    public static string SteadyState(string service) => $"(service {service}) has reached a steady state.";

    public static string StartedTasks(string service, IReadOnlyCollection<string> taskIds) =>
        $"(service {service}) has started {taskIds.Count} tasks: {string.Join(' ', taskIds.Select(t => $"(task {t})"))}.";

    public static string StoppedTasks(string service, IReadOnlyCollection<string> taskIds) =>
        $"(service {service}) has stopped {taskIds.Count} running tasks: {string.Join(' ', taskIds.Select(t => $"(task {t})"))}.";

    public static string UnableToConsistentlyStart(string service) =>
        $"(service {service}) is unable to consistently start tasks successfully. For more information, see the Troubleshooting section of the Amazon ECS Developer Guide.";

    public static string DeploymentCompleted(string service, string deploymentId) =>
        $"(service {service}) (deployment {deploymentId}) deployment completed.";

    public static string CannotProgress(string service, string why) =>
        $"(service {service}) is unable to replace tasks: {why}.";

    /// <summary>B-SV-4 during a deployment: minimumHealthyPercent / maximumPercent leave the scheduler no move.</summary>
    public static string DeploymentConfigurationBlocks(string service) =>
        $"(service {service}) was unable to stop or start tasks during a deployment because of the service deployment configuration. Update the minimumHealthyPercent or maximumPercent value and try again.";

    /// <summary>B-DP-4: a deployment failed (circuit breaker or alarms).</summary>
    public static string DeploymentFailed(string service, string deploymentId, string reason) =>
        $"(service {service}) (deployment {deploymentId}) deployment failed: {reason}";

    /// <summary>B-DP-6 / B-DP-7: a traffic-shifting service deployment moved (stage, weights) or a hook was answered.</summary>
    public static string LifecycleStage(string service, string serviceDeploymentId, string what) =>
        $"(service {service}) (service deployment {serviceDeploymentId}) {what}";

    /// <summary>B-DP-4: a rollback started.</summary>
    public static string RollingBack(string service, string deploymentId, string reason) =>
        $"(service {service}) (deployment {deploymentId}) deployment in progress: {reason}";

    /// <summary>B-DP-8: the scheduler replaces a task whose container health check failed.</summary>
    public static string FailedContainerHealthChecks(string service, string taskId) =>
        $"(service {service}) (task {taskId}) failed container health checks.";

    /// <summary>B-LB-1: the scheduler replaces a task whose target failed its health checks.</summary>
    public static string UnhealthyTarget(string service, string taskId, string targetGroupArn) =>
        $"(service {service}) (task {taskId}) is unhealthy in (target-group {targetGroupArn}) due to (reason Health checks failed).";

    /// <summary>B-LB-2: deregistration before stopping.</summary>
    public static string DrainingConnections(string service, int count) =>
        $"(service {service}) has begun draining connections on {count} tasks.";

    /// <summary>B-AZ-1: the texts of AZ rebalancing.</summary>
    public static string RebalancingStarted(string service, string counts) =>
        $"(service {service}) is not AZ balanced with {counts}. AZ Rebalancing in progress.";

    public static string RebalancingStartedTasks(string service, int count, string zone, IReadOnlyCollection<string> taskIds) =>
        $"(service {service}) has started {count} tasks in {zone} to AZ Rebalance: {string.Join(' ', taskIds.Select(t => $"(task {t})"))}.";

    public static string RebalancingStoppedTasks(string service, int count, string zone, IReadOnlyCollection<string> taskIds) =>
        $"(service {service}) has stopped {count} running tasks in {zone} to AZ Rebalance: {string.Join(' ', taskIds.Select(t => $"(task {t})"))}.";

    public static string RebalancingCompleted(string service, string counts) =>
        $"(service {service}) is AZ balanced with {counts}.";
}
