using System.Collections.Immutable;
using Emulator.Contracts;
using Emulator.Model.Scaling;

namespace Emulator.Model.Lifecycle;

/// <summary>A launch that found no capacity (B-ASG-3, B-ASG-6): its failed activity, its event, and when the group tries again.</summary>
public sealed record InstanceLaunchFailure(ActivityDraft Activity, EmitInstanceEvent Event, DateTimeOffset RetryAt);

/// <summary>
/// One launch of an Auto Scaling group (B-ASG-2, B-ASG-3) over what the shared Spot market says now
/// (<see cref="LaunchConditions"/>): where and what (<see cref="AutoScalingGroups.ChooseLaunch"/>), the pool a Spot
/// launch takes a unit from, its price, and the failure when nothing can launch. A Spot choice is confirmed by the
/// market (another group may have taken the pool's last unit): if refused, <see cref="PoolTaken"/> empties that pool
/// and the choice is made again.
/// </summary>
public static class InstanceLaunches
{
    /// <summary>The next instance's zone, type and purchase option, or null when no zone or pool can launch.</summary>
    public static LaunchChoice? Choose(AsgSpec spec, LaunchConditions conditions, ImmutableArray<SpotPoolInfo> pools, IReadOnlyList<AsgInstanceView> live)
    {
        if (conditions.LaunchableZones.IsDefaultOrEmpty)
        {
            return null;
        }

        var distribution = spec.InstancesDistribution is { } d
            ? new InstancesDistribution(d.OnDemandBaseCapacity, d.OnDemandPercentageAboveBaseCapacity, d.SpotAllocationStrategy)
            : null;
        return AutoScalingGroups.ChooseLaunch(conditions.LaunchableZones, spec.InstanceTypes, distribution, live,
            pools.Select(p => new SpotPool(p.InstanceType, p.AvailabilityZone, p.Price, p.AvailableCapacity, p.Exhausted)).ToList());
    }

    /// <summary>
    /// The market refused the Spot <paramref name="choice"/>: its pool is empty for this group's next choice. Null
    /// when the pool is not among <paramref name="pools"/> (nothing to empty: the launch fails).
    /// </summary>
    public static ImmutableArray<SpotPoolInfo>? PoolTaken(ImmutableArray<SpotPoolInfo> pools, LaunchChoice choice)
    {
        var index = IndexOf(pools, choice);
        return index < 0 ? null : pools.SetItem(index, pools[index] with { AvailableCapacity = 0 });
    }

    /// <summary>A Spot launch took one unit of its pool (a pool of unlimited capacity stays unlimited).</summary>
    public static ImmutableArray<SpotPoolInfo> Consumed(ImmutableArray<SpotPoolInfo> pools, LaunchChoice choice)
    {
        var index = choice.IsSpot ? IndexOf(pools, choice) : -1;
        return index >= 0 && pools[index].AvailableCapacity is { } left
            ? pools.SetItem(index, pools[index] with { AvailableCapacity = left - 1 })
            : pools;
    }

    /// <summary>B-IT-4: On-Demand at the catalog price; Spot at its pool's price, or the default fraction of On-Demand.</summary>
    public static decimal Price(LaunchChoice choice, ImmutableArray<SpotPoolInfo> pools, decimal onDemandPricePerHour, double spotPriceFraction)
    {
        if (!choice.IsSpot)
        {
            return onDemandPricePerHour;
        }

        var index = IndexOf(pools, choice);
        return index >= 0 ? pools[index].Price : AutoScalingGroups.SpotPrice(onDemandPricePerHour, spotPriceFraction);
    }

    /// <summary>
    /// B-ASG-3, B-ASG-6: no zone or pool can launch. An insufficient-capacity fault (FIS
    /// asg-insufficient-instance-capacity-error) or a lost zone reads like AWS's InsufficientInstanceCapacity;
    /// exhausted Spot pools (zones left, no pool in them) like AWS's Spot capacity message. The group tries again
    /// <see cref="EmulatorTimings.LaunchRetry"/> later.
    /// </summary>
    public static InstanceLaunchFailure Failure(AsgSpec spec, LaunchConditions conditions, string autoScalingGroupName, string cause, EmulatorTimings timings, DateTimeOffset now)
    {
        var zone = conditions.InsufficientCapacityZones.IsDefaultOrEmpty ? spec.AvailabilityZones[0] : conditions.InsufficientCapacityZones[0];
        var spotOnly = !conditions.LaunchableZones.IsDefaultOrEmpty;
        var reason = spotOnly ? ScalingActivities.InsufficientSpotCapacity() : ScalingActivities.InsufficientCapacity(spec.InstanceTypes[0], zone);
        var statusMessage = spotOnly ? ScalingActivities.InsufficientCapacity(spec.InstanceTypes[0], conditions.LaunchableZones[0]) : reason;
        return new InstanceLaunchFailure(
            InstanceActivities.LaunchFailed(statusMessage, reason, cause, now),
            InstanceLifecycle.GroupEvent(EventTypes.InstanceLaunchUnsuccessful, autoScalingGroupName, "", now),
            now + timings.LaunchRetry);
    }

    private static int IndexOf(ImmutableArray<SpotPoolInfo> pools, LaunchChoice choice)
    {
        for (var i = 0; i < pools.Length; i++)
        {
            if (pools[i].InstanceType == choice.InstanceType && pools[i].AvailabilityZone == choice.AvailabilityZone)
            {
                return i;
            }
        }

        return -1;
    }
}
