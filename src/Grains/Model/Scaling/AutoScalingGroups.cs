using System.Collections.Immutable;
using Emulator.Contracts;

namespace Emulator.Model.Scaling;

/// <summary>One instance of an EC2 Auto Scaling group as the group's decisions see it (B-ASG-1).</summary>
public sealed record AsgInstanceView(
    string InstanceId,
    string AvailabilityZone,
    string InstanceType,
    bool IsSpot,
    LifecycleState State,
    bool ProtectedFromScaleIn,
    DateTimeOffset LaunchedAt,
    string LaunchTemplateVersion);

/// <summary>The InstancesDistribution of a mixed instances policy (B-ASG-3), with AWS's defaults.</summary>
public sealed record InstancesDistribution(int OnDemandBaseCapacity, int OnDemandPercentageAboveBaseCapacity, string SpotAllocationStrategy)
{
    public const string LowestPrice = "lowest-price";
    public const string CapacityOptimized = "capacity-optimized";
    public const string PriceCapacityOptimized = "price-capacity-optimized";

    public static InstancesDistribution Default { get; } = new(0, 100, LowestPrice);
}

/// <summary>
/// One Spot capacity pool: an instance type in an AZ (B-IT-4, B-ASG-3). <see cref="AvailableCapacity"/> null means
/// unlimited; <see cref="Exhausted"/> is the chaos knob that empties the pool.
/// </summary>
public sealed record SpotPool(string InstanceType, string AvailabilityZone, decimal Price, int? AvailableCapacity, bool Exhausted)
{
    /// <summary>True when the pool can take one more instance.</summary>
    public bool CanLaunch => !Exhausted && AvailableCapacity is null or > 0;
}

/// <summary>Where and what the next instance of a group is.</summary>
public sealed record LaunchChoice(string AvailabilityZone, string InstanceType, bool IsSpot);

/// <summary>EC2 Auto Scaling group decisions: AZ balance, the On-Demand/Spot mix, scale-in victims (B-ASG-2..4).</summary>
public static class AutoScalingGroups
{
    /// <summary>
    /// B-ASG-2: the AZ with the fewest instances; a tie goes to the earliest zone in <paramref name="zones"/>.
    /// Model choice: only instances that count toward capacity (Pending, InService) are counted. A Terminating
    /// instance is on its way out, so its replacement (Spot loss, B-SP-3) goes back to the AZ it leaves.
    /// </summary>
    public static string ChooseAvailabilityZone(IReadOnlyList<string> zones, IEnumerable<AsgInstanceView> instances)
    {
        if (zones.Count == 0)
        {
            throw new ArgumentException("An Auto Scaling group needs at least one availability zone.", nameof(zones));
        }

        var perZone = instances.Where(CountsTowardCapacity)
            .GroupBy(i => i.AvailabilityZone, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
        var best = zones[0];
        var bestCount = perZone.GetValueOrDefault(best);
        foreach (var zone in zones.Skip(1))
        {
            var count = perZone.GetValueOrDefault(zone);
            if (count < bestCount)
            {
                best = zone;
                bestCount = count;
            }
        }

        return best;
    }

    /// <summary>
    /// B-ASG-3: the next instance of the group. With no <paramref name="distribution"/> (a plain launch template)
    /// it is On-Demand. Otherwise it is On-Demand while the On-Demand count is below the target for one more
    /// instance: min(total, base) + ceil((total - base) x percentage / 100), rounding in favour of On-Demand.
    /// On-Demand takes the first type (priority order) in the AZ of <see cref="ChooseAvailabilityZone"/>.
    /// Spot picks a pool of the chosen AZ by the allocation strategy; when every pool there is exhausted it tries
    /// the other AZs in order. Null when no pool anywhere can launch: the caller records an insufficient-capacity
    /// failure (<see cref="ScalingActivities.InsufficientCapacity"/>).
    /// </summary>
    /// <remarks>
    /// Model choices: On-Demand capacity never runs out. A (type, AZ) with no entry in <paramref name="spotPools"/>
    /// is an unlimited pool of unknown price, ranked after the priced pools by lowest-price. Allocation strategies:
    /// lowest-price = the cheapest pool; capacity-optimized = the pool with the most available capacity
    /// (unlimited is the most); price-capacity-optimized = among the pools with the most available capacity, the
    /// cheapest (with unlimited pools it behaves as lowest-price). Every remaining tie goes to the type's position
    /// in <paramref name="instanceTypes"/>.
    /// </remarks>
    public static LaunchChoice? ChooseLaunch(
        IReadOnlyList<string> zones,
        IReadOnlyList<string> instanceTypes,
        InstancesDistribution? distribution,
        IReadOnlyList<AsgInstanceView> current,
        IReadOnlyList<SpotPool> spotPools)
    {
        if (instanceTypes.Count == 0)
        {
            throw new ArgumentException("An Auto Scaling group needs at least one instance type.", nameof(instanceTypes));
        }

        var zone = ChooseAvailabilityZone(zones, current);
        if (distribution is null)
        {
            return new LaunchChoice(zone, instanceTypes[0], IsSpot: false);
        }

        var live = current.Where(CountsTowardCapacity).ToList();
        var onDemand = live.Count(i => !i.IsSpot);
        if (onDemand < OnDemandTarget(live.Count + 1, distribution))
        {
            return new LaunchChoice(zone, instanceTypes[0], IsSpot: false);
        }

        foreach (var az in zones.Where(z => z == zone).Concat(zones.Where(z => z != zone)))
        {
            var pool = PickSpotPool(az, instanceTypes, distribution.SpotAllocationStrategy, spotPools);
            if (pool is not null)
            {
                return new LaunchChoice(az, pool, IsSpot: true);
            }
        }

        return null;
    }

    /// <summary>
    /// On-Demand instances wanted in a group of <paramref name="total"/> (B-ASG-3): the base first, then the
    /// percentage of the rest rounded up.
    /// </summary>
    public static int OnDemandTarget(int total, InstancesDistribution distribution)
    {
        var baseCount = Math.Min(total, Math.Max(0, distribution.OnDemandBaseCapacity));
        var above = total - baseCount;
        var percent = Math.Clamp(distribution.OnDemandPercentageAboveBaseCapacity, 0, 100);
        return baseCount + (int)(((long)above * percent + 99) / 100);
    }

    /// <summary>
    /// B-ASG-4: up to <paramref name="count"/> instances to terminate on a scale-in, in termination order. Protected
    /// and already terminating instances are never chosen, so fewer come back when not enough are eligible. For
    /// each victim: the AZ with the most eligible instances (the spec's reading; AWS counts all instances), and
    /// among the instances of the tied AZs the oldest launch template version, then the one closest to its next
    /// billing hour, then a seeded random pick.
    /// </summary>
    public static ImmutableArray<string> ChooseScaleInVictims(IReadOnlyList<AsgInstanceView> instances, int count, DateTimeOffset now, Random random)
    {
        var eligible = instances
            .Where(i => !i.ProtectedFromScaleIn && CountsTowardCapacity(i))
            .ToList();
        var victims = ImmutableArray.CreateBuilder<string>();
        while (victims.Count < count && eligible.Count > 0)
        {
            var perZone = eligible.GroupBy(i => i.AvailabilityZone, StringComparer.Ordinal).ToList();
            var most = perZone.Max(g => g.Count());
            var pool = perZone.Where(g => g.Count() == most).SelectMany(g => g).ToList();

            var oldest = pool.Select(i => i.LaunchTemplateVersion).Min(VersionComparer.Instance);
            pool = [.. pool.Where(i => VersionComparer.Instance.Compare(i.LaunchTemplateVersion, oldest) == 0)];

            var closest = pool.Max(i => IntoBillingHour(i.LaunchedAt, now));
            pool = [.. pool.Where(i => IntoBillingHour(i.LaunchedAt, now) == closest)];

            // Order first so that the seeded pick does not depend on the caller's list order.
            pool = [.. pool.OrderBy(i => i.InstanceId, StringComparer.Ordinal)];
            var victim = pool.Count == 1 ? pool[0] : pool[random.Next(pool.Count)];
            victims.Add(victim.InstanceId);
            eligible.Remove(victim);
        }

        return victims.ToImmutable();
    }

    /// <summary>B-IT-4: a Spot pool's price, by default 30 % of On-Demand, to the 6 decimals AWS prints.</summary>
    public static decimal SpotPrice(decimal onDemandPrice, double spotFraction = 0.30) =>
        decimal.Round(onDemandPrice * (decimal)spotFraction, 6, MidpointRounding.AwayFromZero);

    private static bool CountsTowardCapacity(AsgInstanceView i) => Lifecycle.InstanceLifecycle.CountsTowardCapacity(i.State);

    /// <summary>How far an instance is into its current billing hour; the largest is the closest to the next one.</summary>
    private static long IntoBillingHour(DateTimeOffset launchedAt, DateTimeOffset now)
    {
        var ticks = (now - launchedAt).Ticks % TimeSpan.TicksPerHour;
        return ticks < 0 ? ticks + TimeSpan.TicksPerHour : ticks;
    }

    private static string? PickSpotPool(string zone, IReadOnlyList<string> instanceTypes, string strategy, IReadOnlyList<SpotPool> spotPools)
    {
        var candidates = instanceTypes
            .Distinct(StringComparer.Ordinal)
            .Select((type, priority) => (
                Type: type,
                Priority: priority,
                Pool: spotPools.FirstOrDefault(p => p.InstanceType == type && p.AvailabilityZone == zone)))
            .Where(c => c.Pool is null || c.Pool.CanLaunch)
            .Select(c => (c.Type, c.Priority, Price: c.Pool?.Price ?? decimal.MaxValue, Capacity: (long?)c.Pool?.AvailableCapacity ?? long.MaxValue))
            .ToList();
        if (candidates.Count == 0)
        {
            return null;
        }

        var ranked = strategy switch
        {
            InstancesDistribution.LowestPrice => candidates.OrderBy(c => c.Price),
            InstancesDistribution.CapacityOptimized => candidates.OrderByDescending(c => c.Capacity),
            InstancesDistribution.PriceCapacityOptimized => candidates.OrderByDescending(c => c.Capacity).ThenBy(c => c.Price),
            _ => throw new ArgumentException($"Unknown SpotAllocationStrategy '{strategy}'.", nameof(strategy)),
        };
        return ranked.ThenBy(c => c.Priority).First().Type;
    }

    /// <summary>Launch template versions: numerically when both are numbers ("2" before "10"), else ordinally.</summary>
    private sealed class VersionComparer : IComparer<string>
    {
        public static readonly VersionComparer Instance = new();

        public int Compare(string? x, string? y)
        {
            if (long.TryParse(x, out var a) && long.TryParse(y, out var b))
            {
                return a.CompareTo(b);
            }

            return string.CompareOrdinal(x, y);
        }
    }
}
