using System.Collections.Immutable;
using Emulator.Contracts;
using Emulator.Model.Cluster;
using Emulator.Model.Lifecycle;

namespace Emulator.Grains;

/// <summary>The cluster's chaos knobs: launch faults, Fargate Spot capacity and interruptions (B-PQ-4, B-SP-4), zone outages.</summary>
public sealed partial class ClusterGrain
{
    public Task SetLaunchFaults(LaunchFaults? faults)
    {
        S.Faults = faults;
        MarkDirty();
        return Task.CompletedTask;
    }

    public Task SetFargateSpotCapacity(bool available)
    {
        EnsureExists();
        S.FargateSpotAvailable = available;
        MarkDirty();
        return Task.CompletedTask;
    }

    public Task<ImmutableArray<string>> InterruptFargateSpotTasks(ImmutableArray<string> taskIds)
    {
        EnsureExists();
        var hit = ImmutableArray.CreateBuilder<string>();
        foreach (var id in taskIds.Select(Arns.ShortName))
        {
            // B-SP-4: TerminationNotice; the service replaces the task on FARGATE_SPOT (B-CP-4: never on FARGATE).
            if (_book.Tasks.TryGetValue(id, out var t) && ClusterRules.FargateSpotInterruptible(t))
            {
                StopOne(t, StopReasons.TerminationNotice, StopReasons.FargateSpotInterrupted);
                hit.Add(id);
            }
        }

        FlushPokes();
        MarkDirty();
        return Task.FromResult(hit.ToImmutable());
    }

    public Task<ImmutableArray<string>> SetZoneOutage(string availabilityZone, bool @out, DateTimeOffset? until)
    {
        EnsureExists();
        var lost = ImmutableArray.CreateBuilder<string>();
        if (!@out)
        {
            S.ZoneOutages.Remove(availabilityZone);
            MarkDirty();
            return Task.FromResult(lost.ToImmutable());
        }

        S.ZoneOutages[availabilityZone] = until;
        foreach (var t in ClusterRules.LostWithZone(_book, availabilityZone))
        {
            _book.Replace(t, TaskLifecycle.HostLost(t, StopReasons.HostStopCode(t.CapacityProvider == ClusterRules.FargateSpot),
                StopReasons.ZoneLost(availabilityZone), _rt.Options.Timings, Now));
            lost.Add(t.TaskId);
        }

        PokeAllServices();
        FlushPokes();
        MarkDirty();
        return Task.FromResult(lost.ToImmutable());
    }
}
