using System.Collections.Immutable;
using Emulator.Contracts;
using Emulator.Model.Lifecycle;
using Emulator.Model.Scheduling;
using TaskStatus = Emulator.Contracts.TaskStatus;

namespace Emulator.Grains;

/// <summary>Task health and counts after each reconcile (B-DP-1, B-DP-2, B-SV-5, B-LB-1): unhealthy tasks replaced, deployments settled, failures tracked, counts kept.</summary>
public sealed partial class ServiceGrain
{
    /// <summary>
    /// B-DP-1, B-LB-1, B-DP-8: tasks whose load balancer or container health checks failed (past
    /// healthCheckGracePeriodSeconds) are stopped and replaced; the circuit breaker counts them (stage 2).
    /// </summary>
    private async Task<bool> StopUnhealthy(ServiceTasksSnapshot snapshot, DateTimeOffset now)
    {
        var grace = TimeSpan.FromSeconds(Spec.EffectiveOptions.HealthCheckGracePeriodSeconds ?? 0);
        var victims = ServiceScheduler.UnhealthyToStop(snapshot.Tasks, now, grace);
        if (victims.IsEmpty)
        {
            return false;
        }

        // The cluster names the target group; the stoppedReason names its ARN, as AWS's does.
        var groupArn = Spec.LoadBalancers.IsDefaultOrEmpty ? null : Spec.LoadBalancers[0].TargetGroupArn;
        victims = [.. victims.Select(v => groupArn is not null && StopReasons.IsHealthCheckFailure(v.Reason) && v.Reason != StopReasons.FailedContainerHealthChecks
            ? (v.TaskId, StopReasons.FailedElbHealthChecks(groupArn))
            : v)];
        foreach (var group in victims.GroupBy(v => v.Reason, StringComparer.Ordinal))
        {
            var ids = group.Select(v => v.TaskId).ToImmutableArray();
            foreach (var id in ids.Take(10))
            {
                AddEvent(group.Key == StopReasons.FailedContainerHealthChecks
                    ? ServiceEvents.FailedContainerHealthChecks(Name, id)
                    : ServiceEvents.UnhealthyTarget(Name, id, TargetGroupArnOf(group.Key)), now);
            }

            StoppedEvents(await Cluster.StopTasks(ids, StopReasons.ServiceSchedulerInitiated, group.Key), now);
        }

        return true;
    }

    private static string TargetGroupArnOf(string reason)
    {
        const string marker = "(target-group ";
        var i = reason.IndexOf(marker, StringComparison.Ordinal);
        return i < 0 ? "" : reason[(i + marker.Length)..].TrimEnd(')');
    }

    private async Task Settle(bool steady, ServiceTasksSnapshot snapshot, DateTimeOffset now)
    {
        var active = snapshot.Tasks.Where(t => t.DesiredStatus == DesiredStatus.RUNNING).Select(t => t.DeploymentId).ToHashSet(StringComparer.Ordinal);

        // B-DP-1: older deployments with no tasks left become INACTIVE (dropped from the list).
        var before = S.Deployments.Count;
        S.Deployments = S.Deployments.Where(d => d.Status == PrimaryStatus || active.Contains(d.Id)).ToImmutableList();
        var dirty = before != S.Deployments.Count;
        await ReleaseDeploymentGroups(snapshot); // B-DP-6

        // B-DP-3: with deployment alarms the PRIMARY deployment stays IN_PROGRESS for its bake time once its tasks are steady.
        if (steady && !S.Steady && Primary.Rollout == DeploymentRolloutState.IN_PROGRESS && !await BakeOver(now))
        {
            steady = false;
        }
        else if (!steady)
        {
            BakeInterrupted();
        }

        if (steady && !S.Steady)
        {
            S.Steady = true;
            if (Primary.Rollout == DeploymentRolloutState.IN_PROGRESS)
            {
                CompleteDeployment(Primary, now);
            }

            AddEvent(ServiceEvents.SteadyState(Name), now);
            ServiceAction("SERVICE_STEADY_STATE", now);
            dirty = true;
        }
        else if (!steady && S.Steady)
        {
            S.Steady = false;
            dirty = true;
        }

        // B-SV-7: DRAINING until every task has actually stopped.
        if (S.Status == ServiceStatus.DRAINING && snapshot.Tasks.All(t => t.LastStatus == TaskStatus.STOPPED))
        {
            S.Status = ServiceStatus.INACTIVE;
            await UnbindTargetGroups(Spec);
            await Cluster.RemoveService(Name);
            _timer?.Dispose();
            _timer = null;
            dirty = true;
        }

        if (dirty || _dirty)
        {
            _dirty = false;
            await _store.WriteStateAsync();
        }
    }

    /// <summary>B-SV-5: tasks that keep failing to start push the next launch further out, up to 15 minutes.</summary>
    private void TrackFailures(ServiceTasksSnapshot snapshot, DateTimeOffset now)
    {
        var failures = snapshot.Tasks.Count(t => t.StopCode == StopReasons.TaskFailedToStart && t.StoppedAt > S.LastFailureSeenAt);
        var startedOk = snapshot.Tasks.Any(t => t.LastStatus == TaskStatus.RUNNING && t.Healthy);
        if (failures > 0)
        {
            S.LastFailureSeenAt = snapshot.Tasks.Where(t => t.StopCode == StopReasons.TaskFailedToStart && t.StoppedAt is not null).Max(t => t.StoppedAt!.Value);
            S.ConsecutiveFailures += failures;
            var backoff = ServiceScheduler.StartFailureBackoff(S.ConsecutiveFailures, _rt.Options.Timings.StartFailureBackoffInitial, _rt.Options.Timings.StartFailureBackoffMax);
            S.BackoffUntil = now + backoff;
            if (S.ConsecutiveFailures >= 3)
            {
                AddEvent(ServiceEvents.UnableToConsistentlyStart(Name), now);
                ServiceAction("SERVICE_TASK_START_IMPAIRED", now);
            }
        }
        else if (startedOk && S.ConsecutiveFailures > 0 && snapshot.Tasks.All(t => t.DesiredStatus != DesiredStatus.RUNNING || t.LastStatus == TaskStatus.RUNNING))
        {
            S.ConsecutiveFailures = 0;
            S.BackoffUntil = null;
        }
    }

    private void UpdateCounts(ServiceTasksSnapshot snapshot)
    {
        _running = 0;
        _pending = 0;
        var byDeployment = new Dictionary<string, (int Running, int Pending)>(StringComparer.Ordinal);
        var byProvider = ImmutableDictionary.CreateBuilder<string, int>();
        foreach (var t in snapshot.Tasks)
        {
            var running = t.LastStatus == TaskStatus.RUNNING;
            var pending = t.LastStatus is TaskStatus.PENDING or TaskStatus.PROVISIONING or TaskStatus.ACTIVATING;
            if (!running && !pending)
            {
                continue;
            }

            _running += running ? 1 : 0;
            _pending += pending ? 1 : 0;
            var key = t.DeploymentId ?? "";
            var c = byDeployment.GetValueOrDefault(key);
            byDeployment[key] = running ? (c.Running + 1, c.Pending) : (c.Running, c.Pending + 1);
            if (running)
            {
                var provider = t.CapacityProvider ?? "-";
                byProvider[provider] = byProvider.GetValueOrDefault(provider) + 1;
            }
        }

        _byDeployment = byDeployment;
        _runningByProvider = byProvider.ToImmutable();
    }
}
