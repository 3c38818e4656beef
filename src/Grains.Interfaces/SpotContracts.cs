using System.Collections.Immutable;

namespace Emulator.Contracts;

/// <summary>Settings of one Spot pool (B-IT-4, B-SP-5); "*" as type or zone covers every one; null fields use the defaults.</summary>
[GenerateSerializer, Immutable, Alias("SpotPoolSettings")]
public sealed record SpotPoolSettings(
    [property: Id(0)] string InstanceType,
    [property: Id(1)] string AvailabilityZone,
    [property: Id(2)] double? PriceFraction,
    [property: Id(3)] int? Capacity,
    [property: Id(4)] double? InterruptionRatePerHour);

/// <summary>
/// The Spot market's state as data: per-pool settings and used capacity (keys "type/zone"), exhausted pools and AZ
/// outages with the emulated time they end (null: until restored), and insufficient-capacity faults per Auto
/// Scaling group (zone -> end; "*" = every zone).
/// </summary>
[GenerateSerializer, Immutable, Alias("SpotMarketState")]
public sealed record SpotMarketState(
    [property: Id(0)] ImmutableDictionary<string, SpotPoolSettings> Pools,
    [property: Id(1)] ImmutableDictionary<string, int> InUse,
    [property: Id(2)] ImmutableDictionary<string, DateTimeOffset> ExhaustedUntil,
    [property: Id(3)] ImmutableDictionary<string, DateTimeOffset?> ZoneOutages,
    [property: Id(4)] ImmutableDictionary<string, ImmutableDictionary<string, DateTimeOffset>> InsufficientCapacity)
{
    public static SpotMarketState Empty { get; } = new(
        ImmutableDictionary<string, SpotPoolSettings>.Empty,
        ImmutableDictionary<string, int>.Empty,
        ImmutableDictionary<string, DateTimeOffset>.Empty,
        ImmutableDictionary<string, DateTimeOffset?>.Empty,
        ImmutableDictionary<string, ImmutableDictionary<string, DateTimeOffset>>.Empty);
}

/// <summary>One Spot pool as a launching Auto Scaling group sees it.</summary>
[GenerateSerializer, Immutable, Alias("SpotPoolInfo")]
public sealed record SpotPoolInfo(
    [property: Id(0)] string InstanceType,
    [property: Id(1)] string AvailabilityZone,
    [property: Id(2)] decimal Price,
    [property: Id(3)] int? AvailableCapacity,
    [property: Id(4)] bool Exhausted,
    [property: Id(5)] double InterruptionRatePerHour);

/// <summary>What an Auto Scaling group may launch now: zones without outage or fault, and the Spot pools there.</summary>
[GenerateSerializer, Immutable, Alias("LaunchConditions")]
public sealed record LaunchConditions(
    [property: Id(0)] ImmutableArray<string> LaunchableZones,
    [property: Id(1)] ImmutableArray<string> InsufficientCapacityZones,
    [property: Id(2)] ImmutableArray<SpotPoolInfo> Pools);

/// <summary>
/// The EC2 Spot market shared by every Auto Scaling group (B-IT-4, B-ASG-3, B-SP-5): pools per (instance type, AZ)
/// with price (30 % of On-Demand by default), capacity (unlimited by default) and interruption rate (0 per
/// instance-hour by default), all configurable under Emulator:Spot; pool exhaustion, AZ outages and
/// insufficient-capacity faults (chaos) that end on the emulated clock. ASG grains consult it on every launch;
/// it calls no other grain. Key <see cref="Key"/>.
/// </summary>
[Alias("ISpotMarketGrain")]
public interface ISpotMarketGrain : IGrainWithStringKey
{
    public const string Key = GrainKeys.SpotMarket;

    [Alias("GetLaunchConditions")]
    Task<LaunchConditions> GetLaunchConditions(string autoScalingGroup, ImmutableArray<string> instanceTypes, ImmutableArray<string> zones);

    /// <summary>Takes one unit of the pool's capacity for a Spot launch; false when the pool cannot launch now.</summary>
    [Alias("Acquire")] Task<bool> Acquire(string instanceType, string availabilityZone);

    /// <summary>A Spot instance of the pool terminated: its capacity returns.</summary>
    [Alias("Release")] Task Release(string instanceType, string availabilityZone);

    /// <summary>Sets (replaces) a pool's settings at run time.</summary>
    [Alias("ConfigurePool")] Task ConfigurePool(SpotPoolSettings settings);

    /// <summary>B-ASG-3: pools of the type (null: all) in the zone (null: all) have no capacity until the time.</summary>
    [Alias("Exhaust")] Task Exhaust(string? instanceType, string? availabilityZone, DateTimeOffset until);

    [Alias("ZoneOutage")] Task ZoneOutage(string availabilityZone, DateTimeOffset? until);

    [Alias("RestoreZone")] Task RestoreZone(string availabilityZone);

    /// <summary>Launches of the group fail with InsufficientInstanceCapacity in the zones (empty: all) until the time.</summary>
    [Alias("InsufficientCapacity")]
    Task InsufficientCapacity(string autoScalingGroup, ImmutableArray<string> zones, DateTimeOffset until);

    [Alias("Describe")] Task<SpotMarketState> Describe();
}
