using System.Collections.Immutable;
using Emulator.Contracts;
using Emulator.Model.Chaos;

namespace Emulator.Tests.Model.Chaos;

public sealed class SpotMarketTests
{
    private static readonly DateTimeOffset Now = new(2026, 1, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly string[] Zones = ["us-east-1a", "us-east-1b", "us-east-1c"];

    private static decimal Price(string type) => type switch { "m5.large" => 0.096m, "c5.large" => 0.085m, _ => 0.1m };

    private static ImmutableArray<SpotPoolInfo> Pools(SpotMarketState state, IReadOnlyList<SpotPoolSettings>? settings = null, DateTimeOffset? at = null) =>
        SpotMarket.Pools(state, settings ?? [], ["m5.large", "c5.large"], Zones, Price, 0.30, 0, at ?? Now);

    [Fact]
    public void B_IT_4_spot_price_defaults_to_30_percent_of_on_demand_and_is_configurable_per_pool()
    {
        var pools = Pools(SpotMarketState.Empty, [new SpotPoolSettings("c5.large", "us-east-1b", 0.5, null, null)]);
        Assert.Equal(6, pools.Length);
        Assert.Equal(0.0288m, pools.Single(p => p is { InstanceType: "m5.large", AvailabilityZone: "us-east-1a" }).Price);
        Assert.Equal(0.0425m, pools.Single(p => p is { InstanceType: "c5.large", AvailabilityZone: "us-east-1b" }).Price);
        Assert.Equal(0.0255m, pools.Single(p => p is { InstanceType: "c5.large", AvailabilityZone: "us-east-1a" }).Price);
        Assert.All(pools, p => Assert.Null(p.AvailableCapacity));
    }

    [Fact]
    public void B_SP_5_pool_settings_fall_back_from_exact_to_wildcards_and_later_entries_win()
    {
        IReadOnlyList<SpotPoolSettings> settings =
        [
            new("*", "*", null, null, 0.1),
            new("m5.large", "*", null, null, 0.2),
            new("m5.large", "us-east-1a", null, null, 0.3),
            new("m5.large", "us-east-1a", null, null, 0.4),
        ];
        Assert.Equal(0.4, SpotMarket.SettingsFor(settings, "m5.large", "us-east-1a")!.InterruptionRatePerHour);
        Assert.Equal(0.2, SpotMarket.SettingsFor(settings, "m5.large", "us-east-1b")!.InterruptionRatePerHour);
        Assert.Equal(0.1, SpotMarket.SettingsFor(settings, "c5.large", "us-east-1b")!.InterruptionRatePerHour);
        Assert.Null(SpotMarket.SettingsFor([], "c5.large", "us-east-1b"));
    }

    [Fact]
    public void B_ASG_3_capacity_counts_instances_in_use_and_an_empty_pool_cannot_launch()
    {
        IReadOnlyList<SpotPoolSettings> settings = [new("m5.large", "us-east-1a", null, 2, null)];
        var state = SpotMarket.Acquire(SpotMarketState.Empty, "m5.large", "us-east-1a");
        var pool = Pools(state, settings).Single(p => p is { InstanceType: "m5.large", AvailabilityZone: "us-east-1a" });
        Assert.Equal(1, pool.AvailableCapacity);
        Assert.True(SpotMarket.CanLaunch(pool));

        state = SpotMarket.Acquire(state, "m5.large", "us-east-1a");
        pool = Pools(state, settings).Single(p => p is { InstanceType: "m5.large", AvailabilityZone: "us-east-1a" });
        Assert.Equal(0, pool.AvailableCapacity);
        Assert.False(SpotMarket.CanLaunch(pool));

        state = SpotMarket.Release(SpotMarket.Release(SpotMarket.Release(state, "m5.large", "us-east-1a"), "m5.large", "us-east-1a"), "m5.large", "us-east-1a");
        Assert.Empty(state.InUse); // never below zero
    }

    [Fact]
    public void B_ASG_3_exhaustion_covers_wildcards_and_ends_on_the_emulated_clock()
    {
        var state = SpotMarket.Exhaust(SpotMarketState.Empty, null, "us-east-1b", Now.AddMinutes(10));
        var pools = Pools(state);
        Assert.All(pools.Where(p => p.AvailabilityZone == "us-east-1b"), p => Assert.True(p.Exhausted));
        Assert.All(pools.Where(p => p.AvailabilityZone != "us-east-1b"), p => Assert.False(p.Exhausted));
        Assert.All(Pools(state, at: Now.AddMinutes(10)), p => Assert.False(p.Exhausted));

        var typeOnly = SpotMarket.Exhaust(SpotMarketState.Empty, "c5.large", null, Now.AddMinutes(1));
        Assert.True(SpotMarket.IsExhausted(typeOnly, "c5.large", "us-east-1c", Now));
        Assert.False(SpotMarket.IsExhausted(typeOnly, "m5.large", "us-east-1c", Now));
        Assert.Empty(SpotMarket.Expire(typeOnly, Now.AddMinutes(2)).ExhaustedUntil);
    }

    [Fact]
    public void AZ_outage_removes_the_zone_from_launches_until_restored_or_its_end()
    {
        var state = SpotMarket.ZoneOut(SpotMarketState.Empty, "us-east-1a", null);
        Assert.Equal(["us-east-1b", "us-east-1c"], SpotMarket.LaunchableZones(state, "asg", Zones, Now.AddDays(1)).ToArray());
        Assert.DoesNotContain(Pools(state), p => p.AvailabilityZone == "us-east-1a");
        Assert.Equal(Zones, SpotMarket.LaunchableZones(SpotMarket.RestoreZone(state, "us-east-1a"), "asg", Zones, Now).ToArray());

        var bounded = SpotMarket.ZoneOut(SpotMarketState.Empty, "us-east-1a", Now.AddMinutes(5));
        Assert.Equal(2, SpotMarket.LaunchableZones(bounded, "asg", Zones, Now.AddMinutes(4)).Length);
        Assert.Equal(3, SpotMarket.LaunchableZones(bounded, "asg", Zones, Now.AddMinutes(5)).Length);
    }

    [Fact]
    public void Insufficient_capacity_fault_applies_to_its_group_and_zones_only()
    {
        var state = SpotMarket.InsufficientCapacityFor(SpotMarketState.Empty, "asg-a", ["us-east-1a"], Now.AddMinutes(5));
        Assert.Equal(["us-east-1b", "us-east-1c"], SpotMarket.LaunchableZones(state, "asg-a", Zones, Now).ToArray());
        Assert.Equal(["us-east-1a"], SpotMarket.InsufficientCapacityZones(state, "asg-a", Zones, Now).ToArray());
        Assert.Equal(Zones, SpotMarket.LaunchableZones(state, "asg-b", Zones, Now).ToArray());

        var all = SpotMarket.InsufficientCapacityFor(SpotMarketState.Empty, "asg-a", [], Now.AddMinutes(5));
        Assert.Empty(SpotMarket.LaunchableZones(all, "asg-a", Zones, Now));
        Assert.Equal(Zones, SpotMarket.LaunchableZones(all, "asg-a", Zones, Now.AddMinutes(5)).ToArray());
        Assert.Empty(SpotMarket.Expire(all, Now.AddMinutes(6)).InsufficientCapacity);
    }

    [Fact]
    public void B_SP_5_rate_zero_interrupts_nothing_and_the_draw_is_seeded_and_order_independent()
    {
        var ids = Enumerable.Range(0, 200).Select(i => ($"i-{i:D17}", 0.0)).ToList();
        Assert.Empty(SpotMarket.Interrupted(ids, TimeSpan.FromHours(10), new Random(1)));

        var rated = ids.Select(i => (i.Item1, 1.0)).ToList();
        var a = SpotMarket.Interrupted(rated, TimeSpan.FromMinutes(10), new Random(7));
        var b = SpotMarket.Interrupted(Enumerable.Reverse(rated), TimeSpan.FromMinutes(10), new Random(7));
        Assert.Equal(a.ToArray(), b.ToArray());
        Assert.Empty(SpotMarket.Interrupted(rated, TimeSpan.Zero, new Random(7)));
    }

    [Fact]
    public void B_SP_5_rate_per_instance_hour_gives_the_expected_share()
    {
        // 1 interruption per instance-hour over 30 minutes: p = 1 - e^-0.5 = 39.3 %.
        var rated = Enumerable.Range(0, 10_000).Select(i => ($"i-{i:D17}", 1.0)).ToList();
        var hit = SpotMarket.Interrupted(rated, TimeSpan.FromMinutes(30), new Random(3)).Length;
        Assert.InRange(hit, 3700, 4160);
    }
}
