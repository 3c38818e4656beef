using System.Collections.Immutable;
using Emulator.Contracts;
using Emulator.Model.Catalog;
using Emulator.Model.Lifecycle;
using TaskStatus = Emulator.Contracts.TaskStatus;

namespace Emulator.Grains;

/// <summary>
/// The cluster's side of deployments (B-DP-1, B-DP-2, B-DP-8, B-AZ-1): how a service sees its tasks' health (when each
/// became healthy, when its container or target health checks failed), which zones a service can use, and the task
/// failure faults a task carries (from its task definition's docker labels and from chaos on its service). The hooks in
/// ClusterGrain.Tasks.cs are two (the zones, a new task's faults); the task view is ClusterTargets.ServiceTaskViewOf.
/// </summary>
public sealed partial class ClusterGrain
{
    private ImmutableArray<string> _instanceZones = [];
    private long _instanceZonesTicks;

    /// <summary>B-AZ-1: the configured zones that are not out of service (chaos AZ outage).</summary>
    private ImmutableArray<string> ZonesInService(DateTimeOffset now) =>
        _rt.Options.AvailabilityZones.Where(z => !(S.ZoneOutages.TryGetValue(z, out var until) && (until is null || until > now))).ToImmutableArray();

    /// <summary>B-AZ-1: the zones of ACTIVE, connected container instances (recomputed at most every 250 ms of wall time).</summary>
    private ImmutableArray<string> InstanceZones()
    {
        if (_instanceZonesTicks == 0 || _rt.Wall.GetElapsedTime(_instanceZonesTicks) >= TimeSpan.FromMilliseconds(250))
        {
            _instanceZonesTicks = _rt.Wall.GetTimestamp();
            _instanceZones = _book.Instances.Values.Where(i => i.AcceptsPlacements).Select(i => i.AvailabilityZone)
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
        foreach (var id in _book.TasksOf(serviceName).ToList())
        {
            var t = _book.Tasks[id];
            if (t.DesiredStatus != DesiredStatus.RUNNING || t.LastStatus == TaskStatus.STOPPED)
            {
                continue;
            }

            if (TaskFaultLabels.Apply(t.Faults, fault, alreadyStarted: t.StartedAt is not null) is { } faults)
            {
                _book.Replace(t, TaskLifecycle.WithFaults(t, faults, now));
                reached.Add(id);
            }
        }

        _servicesToPoke.Add(serviceName);
        FlushPokes();
        MarkDirty();
        return Task.FromResult(reached.ToImmutable());
    }
}
