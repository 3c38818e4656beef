using System.Collections.Immutable;
using Emulator.Contracts;
using Emulator.Model.Chaos;
using Emulator.Runtime;

namespace Emulator.Grains;

[GenerateSerializer, Alias("SpotMarketGrainState")]
public sealed class SpotMarketGrainState
{
    [Id(0)] public SpotMarketState Market { get; set; } = SpotMarketState.Empty;
}

/// <summary>
/// The EC2 Spot market (B-IT-4, B-ASG-3, B-SP-5): holds pool capacity in use, run-time pool settings and the
/// chaos faults (exhausted pools, AZ outages, insufficient capacity per group); every answer comes from the pure
/// <see cref="SpotMarket"/> model. Faults carry their end time, so they end on the emulated clock by themselves,
/// also across reactivation.
/// </summary>
public sealed class SpotMarketGrain(
    [PersistentState("spot-market", "emulator")] IPersistentState<SpotMarketGrainState> store,
    EmulatorRuntime runtime) : Grain, ISpotMarketGrain
{
    private SpotMarketState M
    {
        get => store.State.Market;
        set => store.State.Market = value;
    }

    private DateTimeOffset Now => runtime.Clock.Now;

    public Task<LaunchConditions> GetLaunchConditions(string autoScalingGroup, ImmutableArray<string> instanceTypes, ImmutableArray<string> zones)
    {
        var now = Now;
        var launchable = SpotMarket.LaunchableZones(M, autoScalingGroup, zones, now);
        var ice = SpotMarket.InsufficientCapacityZones(M, autoScalingGroup, zones, now);
        var pools = SpotMarket.Pools(M, Settings(), instanceTypes, launchable, PriceOf, runtime.Options.SpotPriceFraction,
            runtime.Options.SpotInterruptionRatePerHour, now);
        return Task.FromResult(new LaunchConditions(launchable, ice, pools));
    }

    public async Task<bool> Acquire(string instanceType, string availabilityZone)
    {
        var now = Now;
        var pool = SpotMarket.Pools(M, Settings(), [instanceType], [availabilityZone], PriceOf, runtime.Options.SpotPriceFraction,
            runtime.Options.SpotInterruptionRatePerHour, now).FirstOrDefault();
        if (pool is null || !SpotMarket.CanLaunch(pool))
        {
            return false;
        }

        M = SpotMarket.Acquire(M, instanceType, availabilityZone);
        await store.WriteStateAsync();
        return true;
    }

    public async Task Release(string instanceType, string availabilityZone)
    {
        M = SpotMarket.Release(M, instanceType, availabilityZone);
        await store.WriteStateAsync();
    }

    public async Task ConfigurePool(SpotPoolSettings settings)
    {
        if (settings.Capacity is < 0 || settings.InterruptionRatePerHour is < 0 || settings.PriceFraction is <= 0 or > 1)
        {
            throw ErrorCodes.Invalid("Spot pool settings: capacity and interruption rate must not be negative, the price fraction must be in (0, 1].");
        }

        M = M with { Pools = M.Pools.SetItem(SpotMarket.PoolKey(settings.InstanceType, settings.AvailabilityZone), settings) };
        await store.WriteStateAsync();
    }

    public Task Exhaust(string? instanceType, string? availabilityZone, DateTimeOffset until) =>
        Apply(SpotMarket.Exhaust(SpotMarket.Expire(M, Now), instanceType, availabilityZone, until));

    public Task ZoneOutage(string availabilityZone, DateTimeOffset? until) =>
        Apply(SpotMarket.ZoneOut(SpotMarket.Expire(M, Now), availabilityZone, until));

    public Task RestoreZone(string availabilityZone) => Apply(SpotMarket.RestoreZone(M, availabilityZone));

    public Task InsufficientCapacity(string autoScalingGroup, ImmutableArray<string> zones, DateTimeOffset until) =>
        Apply(SpotMarket.InsufficientCapacityFor(SpotMarket.Expire(M, Now), autoScalingGroup, zones.IsDefault ? [] : zones, until));

    public Task<SpotMarketState> Describe() => Task.FromResult(SpotMarket.Expire(M, Now));

    private async Task Apply(SpotMarketState next)
    {
        M = next;
        await store.WriteStateAsync();
    }

    /// <summary>Configured pools (options) overlaid by the ones set at run time.</summary>
    private List<SpotPoolSettings> Settings() =>
    [
        .. runtime.Options.SpotPools.Select(p => new SpotPoolSettings(p.InstanceType, p.AvailabilityZone, p.PriceFraction, p.Capacity, p.InterruptionRatePerHour)),
        .. M.Pools.Values.OrderBy(p => p.InstanceType, StringComparer.Ordinal).ThenBy(p => p.AvailabilityZone, StringComparer.Ordinal),
    ];

    private decimal PriceOf(string instanceType) =>
        runtime.Catalog.TryGet(instanceType, out var info) ? info.OnDemandPricePerHour : 0m;
}
