using System.Collections.Immutable;
using Emulator.Contracts;
using Emulator.Model.Scaling;

namespace Emulator.Model.Chaos;

/// <summary>
/// The Spot market's arithmetic (B-IT-4, B-ASG-3, B-SP-5): pool prices and remaining capacity, exhaustion that ends
/// on the emulated clock, zones that are out, and which Spot instances a per-instance-hour interruption rate
/// interrupts in one tick. Pure functions; the market grain and the ASG grains only hold and apply the results.
/// </summary>
public static class SpotMarket
{
    public const string Any = "*";

    public static string PoolKey(string instanceType, string availabilityZone) => instanceType + "/" + availabilityZone;

    /// <summary>
    /// The pools an Auto Scaling group may launch Spot instances into (B-ASG-3): price (the pool's fraction of
    /// On-Demand, B-IT-4), remaining capacity (null = unlimited), whether exhausted at <paramref name="now"/>, and
    /// the interruption rate (B-SP-5). Zones out of service are left out: no pool there can launch.
    /// <paramref name="settings"/> are the configured pools, later entries overriding earlier ones.
    /// </summary>
    public static ImmutableArray<SpotPoolInfo> Pools(
        SpotMarketState state, IReadOnlyList<SpotPoolSettings> settings, IEnumerable<string> instanceTypes, IEnumerable<string> zones,
        Func<string, decimal> onDemandPrice, double defaultPriceFraction, double defaultRatePerHour, DateTimeOffset now)
    {
        var result = ImmutableArray.CreateBuilder<SpotPoolInfo>();
        var zoneList = zones.ToList();
        foreach (var type in instanceTypes.Distinct(StringComparer.Ordinal))
        {
            foreach (var zone in zoneList)
            {
                if (IsZoneOut(state, zone, now))
                {
                    continue;
                }

                var key = PoolKey(type, zone);
                var pool = SettingsFor(settings, type, zone);
                var price = AutoScalingGroups.SpotPrice(onDemandPrice(type), pool?.PriceFraction ?? defaultPriceFraction);
                int? available = pool?.Capacity is { } cap ? Math.Max(0, cap - state.InUse.GetValueOrDefault(key)) : null;
                result.Add(new SpotPoolInfo(type, zone, price, available, IsExhausted(state, type, zone, now),
                    pool?.InterruptionRatePerHour ?? defaultRatePerHour));
            }
        }

        return result.ToImmutable();
    }

    /// <summary>The settings that apply to a pool: an exact entry, else type/*, else */zone, else */* (last one wins).</summary>
    public static SpotPoolSettings? SettingsFor(IReadOnlyList<SpotPoolSettings> settings, string instanceType, string zone)
    {
        foreach (var (t, z) in new[] { (instanceType, zone), (instanceType, Any), (Any, zone), (Any, Any) })
        {
            var match = settings.LastOrDefault(p => p.InstanceType == t && p.AvailabilityZone == z);
            if (match is not null)
            {
                return match;
            }
        }

        return null;
    }

    /// <summary>True when the pool can take one more Spot instance now.</summary>
    public static bool CanLaunch(SpotPoolInfo pool) => !pool.Exhausted && pool.AvailableCapacity is null or > 0;

    /// <summary>A pool is exhausted while an exhaustion of it (or of a wildcard covering it) has not ended.</summary>
    public static bool IsExhausted(SpotMarketState state, string instanceType, string zone, DateTimeOffset now) =>
        Covering(instanceType, zone).Any(k => state.ExhaustedUntil.TryGetValue(k, out var until) && until > now);

    /// <summary>A zone is out while its outage has no end or its end is still ahead.</summary>
    public static bool IsZoneOut(SpotMarketState state, string zone, DateTimeOffset now) =>
        state.ZoneOutages.TryGetValue(zone, out var until) && (until is null || until > now);

    /// <summary>Zones of <paramref name="zones"/> where the group may launch (no outage, no insufficient-capacity fault).</summary>
    public static ImmutableArray<string> LaunchableZones(SpotMarketState state, string autoScalingGroup, IEnumerable<string> zones, DateTimeOffset now)
    {
        var faults = state.InsufficientCapacity.GetValueOrDefault(autoScalingGroup);
        return zones
            .Where(z => !IsZoneOut(state, z, now))
            .Where(z => faults is null || !((faults.TryGetValue(z, out var u) && u > now) || (faults.TryGetValue(Any, out var all) && all > now)))
            .ToImmutableArray();
    }

    /// <summary>Zones of the group blocked only by an insufficient-capacity fault (for the activity's status message).</summary>
    public static ImmutableArray<string> InsufficientCapacityZones(SpotMarketState state, string autoScalingGroup, IEnumerable<string> zones, DateTimeOffset now)
    {
        var faults = state.InsufficientCapacity.GetValueOrDefault(autoScalingGroup);
        if (faults is null)
        {
            return [];
        }

        return zones.Where(z => (faults.TryGetValue(z, out var u) && u > now) || (faults.TryGetValue(Any, out var all) && all > now)).ToImmutableArray();
    }

    /// <summary>Marks pools exhausted until <paramref name="until"/>; null type / zone = every type / zone.</summary>
    public static SpotMarketState Exhaust(SpotMarketState state, string? instanceType, string? zone, DateTimeOffset until) =>
        state with { ExhaustedUntil = state.ExhaustedUntil.SetItem(PoolKey(instanceType ?? Any, zone ?? Any), until) };

    /// <summary>Takes a zone out of service until <paramref name="until"/> (null: until restored).</summary>
    public static SpotMarketState ZoneOut(SpotMarketState state, string zone, DateTimeOffset? until) =>
        state with { ZoneOutages = state.ZoneOutages.SetItem(zone, until) };

    public static SpotMarketState RestoreZone(SpotMarketState state, string zone) =>
        state with { ZoneOutages = state.ZoneOutages.Remove(zone) };

    /// <summary>Launches of the group fail with InsufficientInstanceCapacity in the zones (empty: all) until the time.</summary>
    public static SpotMarketState InsufficientCapacityFor(SpotMarketState state, string autoScalingGroup, IReadOnlyCollection<string> zones, DateTimeOffset until)
    {
        var faults = state.InsufficientCapacity.GetValueOrDefault(autoScalingGroup) ?? ImmutableDictionary<string, DateTimeOffset>.Empty;
        foreach (var zone in zones.Count == 0 ? [Any] : zones)
        {
            faults = faults.SetItem(zone, until);
        }

        return state with { InsufficientCapacity = state.InsufficientCapacity.SetItem(autoScalingGroup, faults) };
    }

    /// <summary>One more instance in the pool (counts against its capacity, if any).</summary>
    public static SpotMarketState Acquire(SpotMarketState state, string instanceType, string zone)
    {
        var key = PoolKey(instanceType, zone);
        return state with { InUse = state.InUse.SetItem(key, state.InUse.GetValueOrDefault(key) + 1) };
    }

    /// <summary>One instance less in the pool; never below zero.</summary>
    public static SpotMarketState Release(SpotMarketState state, string instanceType, string zone)
    {
        var key = PoolKey(instanceType, zone);
        var left = state.InUse.GetValueOrDefault(key) - 1;
        return state with { InUse = left > 0 ? state.InUse.SetItem(key, left) : state.InUse.Remove(key) };
    }

    /// <summary>Drops faults that ended before <paramref name="now"/>, so the state does not grow without bound.</summary>
    public static SpotMarketState Expire(SpotMarketState state, DateTimeOffset now) =>
        state with
        {
            ExhaustedUntil = state.ExhaustedUntil.RemoveRange(state.ExhaustedUntil.Where(e => e.Value <= now).Select(e => e.Key).ToList()),
            ZoneOutages = state.ZoneOutages.RemoveRange(state.ZoneOutages.Where(e => e.Value is { } u && u <= now).Select(e => e.Key).ToList()),
            InsufficientCapacity = state.InsufficientCapacity
                .Select(g => (g.Key, Faults: g.Value.RemoveRange(g.Value.Where(f => f.Value <= now).Select(f => f.Key).ToList())))
                .Where(g => g.Faults.Count > 0)
                .ToImmutableDictionary(g => g.Key, g => g.Faults),
        };

    /// <summary>
    /// B-SP-5: which Spot instances a per-instance-hour rate interrupts during <paramref name="elapsed"/>. Each
    /// instance is interrupted with probability 1 - exp(-rate x hours) (a Poisson process), drawn from the seeded
    /// stream in instance-id order so the same seed gives the same interruptions whatever the caller's order.
    /// </summary>
    public static ImmutableArray<string> Interrupted(IEnumerable<(string InstanceId, double RatePerHour)> spotInstances, TimeSpan elapsed, Random random)
    {
        if (elapsed <= TimeSpan.Zero)
        {
            return [];
        }

        var hit = ImmutableArray.CreateBuilder<string>();
        foreach (var (id, rate) in spotInstances.OrderBy(i => i.InstanceId, StringComparer.Ordinal))
        {
            if (rate <= 0)
            {
                continue;
            }

            var p = 1 - Math.Exp(-rate * elapsed.TotalHours);
            if (random.NextDouble() < p)
            {
                hit.Add(id);
            }
        }

        return hit.ToImmutable();
    }

    private static IEnumerable<string> Covering(string instanceType, string zone) =>
        [PoolKey(instanceType, zone), PoolKey(Any, zone), PoolKey(instanceType, Any), PoolKey(Any, Any)];
}
