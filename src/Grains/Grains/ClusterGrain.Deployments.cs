using System.Collections.Immutable;
using Emulator.Contracts;
using Emulator.Model.Catalog;
using Emulator.Model.Lifecycle;
using Emulator.Model.LoadBalancing;
using TaskStatus = Emulator.Contracts.TaskStatus;

namespace Emulator.Grains;

/// <summary>
/// The cluster's side of deployments (B-DP-1, B-DP-2, B-DP-8, B-AZ-1): how a service sees its tasks' health (when each
/// became healthy, when its container or target health checks failed), which zones a service can use, and the task
/// failure faults a task carries (from its task definition's docker labels and from chaos on its service). The hooks in
/// ClusterGrain.cs are three one-line calls (the task view, the zones, a new task's faults).
/// </summary>
public sealed partial class ClusterGrain
{
    private ImmutableArray<string> _instanceZones = [];
    private long _instanceZonesTicks;

    /// <summary>
    /// A service task as its scheduler and circuit breaker see it: healthy (container, and target when the service has a
    /// target group), since when, and when and why its health checks failed (B-TL-5, B-LB-1, B-DP-8).
    /// </summary>
    private ServiceTaskView ServiceTaskViewOf(TaskRecord t, bool balanced, DateTimeOffset now)
    {
        var timings = _rt.Options.Timings;
        var container = t.StartedAt is null ? default : TaskHealth.Container(t, timings);
        DateTimeOffset? healthyAt = container.HealthyAt;
        DateTimeOffset? unhealthyAt = container.UnhealthyAt;
        string? reason = unhealthyAt is null ? null : StopReasons.FailedContainerHealthChecks;
        if (balanced && t.StartedAt is not null && TargetGroupOf(t) is { } spec && Facts(t, spec) is { } facts)
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
            t.ContainerInstanceId is { } ci && S.Instances.TryGetValue(ci, out var inst) && inst.Status != ContainerInstanceStatus.ACTIVE,
            t.ContainerInstanceId, t.StopCode, t.StoppedAt, t.StoppedReason, t.StartedAt, healthy ? healthyAt : null, unhealthyAt, reason,
            t.AvailabilityZone, t.TaskDefinitionArn);
    }

    /// <summary>B-AZ-1: the configured zones that are not out of service (chaos AZ outage).</summary>
    private ImmutableArray<string> ZonesInService(DateTimeOffset now) =>
        _rt.Options.AvailabilityZones.Where(z => !(S.ZoneOutages.TryGetValue(z, out var until) && (until is null || until > now))).ToImmutableArray();

    /// <summary>B-AZ-1: the zones of ACTIVE, connected container instances (recomputed at most every 250 ms of wall time).</summary>
    private ImmutableArray<string> InstanceZones()
    {
        if (_instanceZonesTicks == 0 || _rt.Wall.GetElapsedTime(_instanceZonesTicks) >= TimeSpan.FromMilliseconds(250))
        {
            _instanceZonesTicks = _rt.Wall.GetTimestamp();
            _instanceZones = S.Instances.Values.Where(i => i.AcceptsPlacements).Select(i => i.AvailabilityZone)
                .Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToImmutableArray();
        }

        return _instanceZones;
    }

    /// <summary>B-DP-8: a new task carries its task definition's faults and the chaos faults active on its service.</summary>
    private TaskFaults? FaultsForNewTask(LaunchRequest request, DateTimeOffset now)
    {
        var faults = request.TaskDefinition.Faults;
        if (request.ServiceName is { } service && S.ServiceFaults.TryGetValue(service, out var chaos))
        {
            foreach (var fault in chaos.Where(f => f.Until is null || f.Until > now))
            {
                faults = TaskFaultLabels.Apply(faults, fault, alreadyStarted: false) ?? faults;
            }
        }

        return faults;
    }

    public Task<ImmutableArray<string>> SetServiceTaskFault(string serviceName, ServiceTaskFault fault)
    {
        EnsureExists();
        if (!S.Services.Contains(serviceName))
        {
            throw new EcsException(ErrorCodes.ServiceNotFound, $"Service {serviceName} not found in cluster {Name}.");
        }

        var now = Now;
        var list = S.ServiceFaults.GetValueOrDefault(serviceName) ?? [];
        S.ServiceFaults[serviceName] = list.RemoveAll(f => f.Until is { } until && until <= now).Add(fault);
        var reached = ImmutableArray.CreateBuilder<string>();
        foreach (var id in (_tasksByService.GetValueOrDefault(serviceName) ?? []).ToList())
        {
            var t = S.Tasks[id];
            if (t.DesiredStatus != DesiredStatus.RUNNING || t.LastStatus == TaskStatus.STOPPED)
            {
                continue;
            }

            if (TaskFaultLabels.Apply(t.Faults, fault, alreadyStarted: t.StartedAt is not null) is { } faults)
            {
                Replace(t, TaskLifecycle.WithFaults(t, faults, now));
                reached.Add(id);
            }
        }

        _servicesToPoke.Add(serviceName);
        FlushPokes();
        MarkDirty();
        return Task.FromResult(reached.ToImmutable());
    }
}
