using System.Collections.Immutable;
using Emulator.Contracts;
using Emulator.Model.Deployments;
using Emulator.Model.Lifecycle;
using Emulator.Model.Scheduling;
using Microsoft.Extensions.Logging;
using TaskStatus = Emulator.Contracts.TaskStatus;

namespace Emulator.Grains;

/// <summary>
/// B-AZ-1: Availability Zone rebalancing of a steady service: the step comes from <see cref="AzRebalancing"/>; tasks
/// started to rebalance are placed with a memberOf constraint on their zone (so a zone without room queues them in
/// PROVISIONING and Cluster Auto Scaling launches capacity there), tasks stopped to rebalance leave the fullest zones,
/// and AWS's events say so (SERVICE_REBALANCING_STARTED, TASKS_STARTED, TASKS_STOPPED, SERVICE_REBALANCING_COMPLETED).
/// Model choice: the tasks of each capacity provider (or launch type) are balanced over the zones that provider can
/// use, each within its share of minimumHealthyPercent / maximumPercent, since the scheduler places them per provider
/// (B-CP-3). Services whose placement constraints name a zone are left alone. Known gap: a zone the service may use but
/// where no capacity comes: tasks started to rebalance that are still waiting in PROVISIONING for a container instance
/// after <c>Emulator:Timings:RebalanceQueueGrace</c> (Cluster Auto Scaling had time to launch one) are stopped, and the service
/// does not try to rebalance again for <c>Emulator:Timings:RebalanceBackoff</c> (Model choice: AWS documents that rebalancing
/// stops when a zone lacks capacity, not for how long).
/// </summary>
public sealed partial class ServiceGrain
{
    private readonly Dictionary<string, (DateTimeOffset At, ImmutableArray<string> Zones)> _groupZones = new(StringComparer.Ordinal);
    private Dictionary<string, DateTimeOffset> RebalanceLaunched => S.RebalanceLaunched;

    /// <summary>One rebalancing step; true when it started or stopped tasks.</summary>
    private async Task<bool> Rebalance(ServiceTasksSnapshot snapshot, DeploymentState primary, DateTimeOffset now)
    {
        var spec = Spec;
        if (!spec.EffectiveOptions.Rebalancing || spec.SchedulingStrategy == SchedulingStrategy.DAEMON)
        {
            if (S.Rebalancing)
            {
                S.Rebalancing = false;
                _dirty = true;
            }

            return false;
        }

        if (!spec.PlacementConstraints.IsDefaultOrEmpty && spec.PlacementConstraints.Any(c => c.Expression?.Contains("availability-zone", StringComparison.Ordinal) == true))
        {
            return false;
        }

        if (now < S.RebalanceBlockedUntil)
        {
            return false;
        }

        if (await GiveUpOnQueuedRebalancing(snapshot, now))
        {
            return true;
        }

        var current = CurrentTasks(snapshot, primary.Id);
        var steps = new List<(string? Provider, RebalanceStep Step)>();
        foreach (var share in Targets(spec, snapshot).Where(p => p.Count > 0))
        {
            var zones = await UsableZones(snapshot, share.CapacityProvider, now);
            var (maxTasks, minHealthy) = ServiceScheduler.Bounds(share.Count, spec.MinimumHealthyPercent, spec.MaximumPercent);
            steps.Add((share.CapacityProvider, AzRebalancing.Plan(zones, current.Where(t => t.CapacityProvider == share.CapacityProvider).ToList(), share.Count, maxTasks, minHealthy)));
        }

        var counts = steps.SelectMany(s => s.Step.Counts).GroupBy(kv => kv.Key, StringComparer.Ordinal)
            .ToImmutableSortedDictionary(g => g.Key, g => g.Sum(kv => kv.Value), StringComparer.Ordinal);
        if (steps.All(s => s.Step.Launch.IsEmpty && s.Step.Stop.IsEmpty))
        {
            if (steps.All(s => s.Step.Balanced && !s.Step.Waiting) && S.Rebalancing && current.Count == spec.DesiredCount)
            {
                S.Rebalancing = false;
                _dirty = true;
                AddEvent(ServiceEvents.RebalancingCompleted(Name, AzRebalancing.Describe(counts)), now);
                ServiceAction("SERVICE_REBALANCING_COMPLETED", now);
            }

            return false;
        }

        if (!S.Rebalancing)
        {
            S.Rebalancing = true;
            _dirty = true;
            AddEvent(ServiceEvents.RebalancingStarted(Name, AzRebalancing.Describe(counts)), now);
            ServiceAction("SERVICE_REBALANCING_STARTED", now);
        }

        var unplaced = 0;
        foreach (var (provider, zone, count) in steps.SelectMany(s => s.Step.Launch.Select(l => (s.Provider, l.Zone, l.Count))))
        {
            var ids = await Launch(primary, provider, count, [], now,
                [new PlacementConstraint(PlacementConstraintType.memberOf, $"attribute:ecs.availability-zone == {zone}")]);
            foreach (var id in ids)
            {
                RebalanceLaunched[id] = now;
                _dirty = true;
            }

            if (!ids.IsEmpty)
            {
                AddEvent(ServiceEvents.RebalancingStartedTasks(Name, ids.Length, zone, ids.Take(10).ToList()), now);
                ServiceAction("TASKS_STARTED", now);
            }
            else
            {
                unplaced += count;
            }
        }

        // B-AZ-1: a zone without room and without a queue to wait in (the EC2 launch type: no capacity provider launches
        // instances) refuses the task at once. Rebalancing stops there, as AWS documents, and pauses for
        // RebalanceBackoff like rebalancing whose queued tasks found no capacity; trying again on every reconciliation
        // would call the cluster for nothing forever (a full 100,000-task cluster spent half its time so).
        if (unplaced > 0)
        {
            S.RebalanceBlockedUntil = now + _rt.Options.Timings.RebalanceBackoff;
            S.Rebalancing = false;
            _dirty = true;
            LogRebalancingPaused(ClusterName, Name, unplaced);
            return true;
        }

        foreach (var group in steps.SelectMany(s => s.Step.Stop).GroupBy(s => s.Zone, StringComparer.Ordinal))
        {
            var ids = group.Select(s => s.TaskId).ToImmutableArray();
            var stopped = await Cluster.StopTasks(ids, StopReasons.ServiceSchedulerInitiated, StopReasons.ScalingActivity(primary.Id));
            AddEvent(ServiceEvents.RebalancingStoppedTasks(Name, stopped.Length, group.Key, ids.Take(10).ToList()), now);
            ServiceAction("TASKS_STOPPED", now);
        }

        return true;
    }

    /// <summary>
    /// Tasks started to rebalance that still wait for a container instance after <c>Emulator:Timings:RebalanceQueueGrace</c>:
    /// stopped, rebalancing ends and pauses for <c>Emulator:Timings:RebalanceBackoff</c>. True when it stopped some.
    /// </summary>
    private async Task<bool> GiveUpOnQueuedRebalancing(ServiceTasksSnapshot snapshot, DateTimeOffset now)
    {
        if (RebalanceLaunched.Count == 0)
        {
            return false;
        }

        var queued = snapshot.Tasks
            .Where(t => RebalanceLaunched.ContainsKey(t.TaskId) && t.DesiredStatus == DesiredStatus.RUNNING
                        && t.LastStatus == TaskStatus.PROVISIONING && t.ContainerInstanceId is null)
            .Select(t => t.TaskId)
            .ToHashSet(StringComparer.Ordinal);
        var (done, stuck) = AzRebalancing.QueuedLaunches(RebalanceLaunched, queued, now, _rt.Options.Timings.RebalanceQueueGrace);
        foreach (var id in done)
        {
            RebalanceLaunched.Remove(id);
            _dirty = true;
        }

        if (stuck.IsEmpty)
        {
            return false;
        }

        await Cluster.StopTasks(stuck, StopReasons.ServiceSchedulerInitiated, StopReasons.ScalingActivity(Primary.Id));
        RebalanceLaunched.Clear();
        S.RebalanceBlockedUntil = now + _rt.Options.Timings.RebalanceBackoff;
        S.Rebalancing = false;
        _dirty = true;
        LogRebalancingPaused(ClusterName, Name, stuck.Length);
        return true;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "{Cluster}/{Service}: {Count} task(s) to rebalance found no container instance; AZ rebalancing paused (B-AZ-1)")]
    private partial void LogRebalancingPaused(string cluster, string service, int count);

    /// <summary>
    /// The zones the service can use now: out of service zones never; Fargate every other zone; an Auto Scaling group
    /// provider the zones of its group (capacity can be launched there); the EC2 launch type the zones of ACTIVE instances.
    /// </summary>
    private async Task<IReadOnlyCollection<string>> UsableZones(ServiceTasksSnapshot snapshot, string? provider, DateTimeOffset now)
    {
        var available = (snapshot.Zones.IsDefault ? [] : snapshot.Zones).ToHashSet(StringComparer.Ordinal);
        var instanceZones = snapshot.InstanceZones.IsDefault ? [] : snapshot.InstanceZones;
        var usable = new HashSet<string>(StringComparer.Ordinal);
        if (provider is null)
        {
            usable.UnionWith(Spec.LaunchType == LaunchType.FARGATE ? available : instanceZones);
        }
        else if (snapshot.Providers.GetValueOrDefault(provider) is { } cp)
        {
            if (cp.Type is ProviderType.Fargate or ProviderType.FargateSpot)
            {
                usable.UnionWith(available);
            }
            else if (cp.AutoScalingGroup is { } asg)
            {
                usable.UnionWith(await GroupZones(asg, now));
            }
        }

        usable.IntersectWith(available);

        // An awsvpc service's tasks run only in its subnets' zones: a zone without one of its subnets is no zone to
        // balance into (launching there broke the subnet placement and rebalancing never converged).
        if (SubnetZones(Spec) is { IsDefaultOrEmpty: false } subnetZones)
        {
            usable.IntersectWith(subnetZones);
        }

        return usable;
    }

    /// <summary>An Auto Scaling group's zones (read at most once a minute of emulated time).</summary>
    private async Task<ImmutableArray<string>> GroupZones(string asg, DateTimeOffset now)
    {
        if (_groupZones.TryGetValue(asg, out var known) && now - known.At < TimeSpan.FromMinutes(1))
        {
            return known.Zones;
        }

        var info = await GrainFactory.GetGrain<IAutoScalingGroupGrain>(GrainKeys.AutoScalingGroup(asg)).Describe();
        var zones = info?.Spec.AvailabilityZones is { IsDefaultOrEmpty: false } z ? z : [.. _rt.Options.AvailabilityZones];
        _groupZones[asg] = (now, zones);
        return zones;
    }
}
