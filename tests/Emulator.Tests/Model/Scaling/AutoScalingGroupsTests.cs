using Emulator.Contracts;
using Emulator.Model.Scaling;

namespace Emulator.Tests.Model.Scaling;

public sealed class AutoScalingGroupsTests
{
    private static readonly DateTimeOffset Now = new(2026, 1, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly string[] Zones = ["us-east-1a", "us-east-1b", "us-east-1c"];
    private static readonly string[] Types = ["m5.large", "c5.large", "m4.large"];

    private static AsgInstanceView Instance(
        string id,
        string az = "us-east-1a",
        bool spot = false,
        LifecycleState state = LifecycleState.InService,
        bool isProtected = false,
        DateTimeOffset? launchedAt = null,
        string version = "1") =>
        new(id, az, "m5.large", spot, state, isProtected, launchedAt ?? Now.AddMinutes(-30), version);

    // ---- B-ASG-2: AZ balance ----

    [Fact]
    public void B_ASG_2_launch_goes_to_the_AZ_with_the_fewest_instances()
    {
        var current = new[] { Instance("i-1", "us-east-1a"), Instance("i-2", "us-east-1b"), Instance("i-3", "us-east-1a") };
        Assert.Equal("us-east-1c", AutoScalingGroups.ChooseAvailabilityZone(Zones, current));
    }

    [Fact]
    public void B_ASG_2_ties_go_to_the_first_zone_in_order()
    {
        Assert.Equal("us-east-1a", AutoScalingGroups.ChooseAvailabilityZone(Zones, []));
        Assert.Equal("us-east-1b", AutoScalingGroups.ChooseAvailabilityZone(Zones, [Instance("i-1", "us-east-1a")]));
        Assert.Equal("us-east-1c", AutoScalingGroups.ChooseAvailabilityZone(["us-east-1c", "us-east-1a"], []));
    }

    [Fact]
    public void B_ASG_2_terminating_instances_do_not_count()
    {
        var current = new[]
        {
            Instance("i-1", "us-east-1a", state: LifecycleState.Terminating),
            Instance("i-2", "us-east-1b"),
            Instance("i-3", "us-east-1c", state: LifecycleState.Pending),
        };
        Assert.Equal("us-east-1a", AutoScalingGroups.ChooseAvailabilityZone(Zones, current));
    }

    // ---- B-ASG-3: mixed instances policy ----

    private static SpotPool Pool(string type, string az, decimal price, int? capacity = null, bool exhausted = false) =>
        new(type, az, price, capacity, exhausted);

    private static List<LaunchChoice> LaunchSequence(int count, InstancesDistribution? distribution, IReadOnlyList<SpotPool> pools)
    {
        var current = new List<AsgInstanceView>();
        var choices = new List<LaunchChoice>();
        for (var i = 0; i < count; i++)
        {
            var choice = AutoScalingGroups.ChooseLaunch(Zones, Types, distribution, current, pools);
            Assert.NotNull(choice);
            choices.Add(choice);
            current.Add(new AsgInstanceView($"i-{i}", choice.AvailabilityZone, choice.InstanceType, choice.IsSpot, LifecycleState.Pending, false, Now, "1"));
        }

        return choices;
    }

    [Fact]
    public void B_ASG_3_without_a_mixed_instances_policy_launches_are_on_demand_of_the_first_type()
    {
        var choices = LaunchSequence(4, null, []);
        Assert.All(choices, c => Assert.False(c.IsSpot));
        Assert.All(choices, c => Assert.Equal("m5.large", c.InstanceType));
        Assert.Equal(["us-east-1a", "us-east-1b", "us-east-1c", "us-east-1a"], choices.Select(c => c.AvailabilityZone));
    }

    [Fact]
    public void B_ASG_3_default_distribution_is_all_on_demand()
    {
        Assert.Equal(new InstancesDistribution(0, 100, "lowest-price"), InstancesDistribution.Default);
        Assert.All(LaunchSequence(5, InstancesDistribution.Default, []), c => Assert.False(c.IsSpot));
    }

    [Theory]
    [InlineData(0, 0, "SSSSSS")]
    [InlineData(2, 0, "OOSSSS")]
    [InlineData(1, 50, "OOSOSO")]  // above the base: 1 -> 1 OD (0.5 rounds up), 2 -> 1, 3 -> 2 (1.5 rounds up), ...
    [InlineData(0, 25, "OSSSOS")]
    [InlineData(0, 100, "OOOOOO")]
    public void B_ASG_3_on_demand_base_then_percentage_rounded_up_in_favour_of_on_demand(int baseCapacity, int percentage, string expected)
    {
        var distribution = new InstancesDistribution(baseCapacity, percentage, InstancesDistribution.LowestPrice);
        var kinds = new string([.. LaunchSequence(6, distribution, []).Select(c => c.IsSpot ? 'S' : 'O')]);
        Assert.Equal(expected, kinds);
    }

    [Theory]
    [InlineData(1, 1, 0, 1)]
    [InlineData(2, 1, 50, 2)]
    [InlineData(3, 1, 50, 2)]
    [InlineData(4, 1, 50, 3)]
    [InlineData(10, 0, 33, 4)]   // 3.3 rounds up
    [InlineData(0, 3, 50, 0)]
    public void B_ASG_3_on_demand_target(int total, int baseCapacity, int percentage, int expected) =>
        Assert.Equal(expected, AutoScalingGroups.OnDemandTarget(total, new InstancesDistribution(baseCapacity, percentage, "lowest-price")));

    private static readonly InstancesDistribution AllSpot = new(0, 0, InstancesDistribution.LowestPrice);

    [Fact]
    public void B_ASG_3_lowest_price_picks_the_cheapest_pool_of_the_chosen_AZ()
    {
        SpotPool[] pools =
        [
            Pool("m5.large", "us-east-1a", 0.0288m),
            Pool("c5.large", "us-east-1a", 0.0255m),
            Pool("m4.large", "us-east-1a", 0.0300m),
            Pool("m4.large", "us-east-1b", 0.0010m),
        ];
        var choice = AutoScalingGroups.ChooseLaunch(Zones, Types, AllSpot, [], pools);
        Assert.Equal(new LaunchChoice("us-east-1a", "c5.large", true), choice);
    }

    [Fact]
    public void B_ASG_3_capacity_optimized_picks_the_pool_with_most_capacity()
    {
        SpotPool[] pools =
        [
            Pool("m5.large", "us-east-1a", 0.0288m, 5),
            Pool("c5.large", "us-east-1a", 0.0255m, 50),
            Pool("m4.large", "us-east-1a", 0.0300m, 10),
        ];
        var distribution = AllSpot with { SpotAllocationStrategy = InstancesDistribution.CapacityOptimized };
        Assert.Equal("c5.large", AutoScalingGroups.ChooseLaunch(Zones, Types, distribution, [], pools)?.InstanceType);
    }

    [Fact]
    public void B_ASG_3_price_capacity_optimized_picks_the_cheapest_of_the_deepest_pools()
    {
        SpotPool[] pools =
        [
            Pool("m5.large", "us-east-1a", 0.0288m, 50),
            Pool("c5.large", "us-east-1a", 0.0255m, 50),
            Pool("m4.large", "us-east-1a", 0.0100m, 10),
        ];
        var distribution = AllSpot with { SpotAllocationStrategy = InstancesDistribution.PriceCapacityOptimized };
        Assert.Equal("c5.large", AutoScalingGroups.ChooseLaunch(Zones, Types, distribution, [], pools)?.InstanceType);
    }

    [Fact]
    public void B_ASG_3_price_ties_go_to_the_override_priority()
    {
        SpotPool[] pools = [Pool("m4.large", "us-east-1a", 0.03m), Pool("c5.large", "us-east-1a", 0.03m), Pool("m5.large", "us-east-1a", 0.03m)];
        Assert.Equal("m5.large", AutoScalingGroups.ChooseLaunch(Zones, Types, AllSpot, [], pools)?.InstanceType);
    }

    [Fact]
    public void B_ASG_3_exhausted_pools_move_the_allocation_to_other_pools()
    {
        SpotPool[] pools =
        [
            Pool("c5.large", "us-east-1a", 0.0255m, exhausted: true),
            Pool("m5.large", "us-east-1a", 0.0288m, capacity: 0),
            Pool("m4.large", "us-east-1a", 0.0300m),
        ];
        Assert.Equal("m4.large", AutoScalingGroups.ChooseLaunch(Zones, Types, AllSpot, [], pools)?.InstanceType);
    }

    [Fact]
    public void B_ASG_3_a_fully_exhausted_AZ_moves_the_launch_to_the_next_AZ()
    {
        var pools = Types.SelectMany(t => new[] { Pool(t, "us-east-1a", 0.02m, exhausted: true), Pool(t, "us-east-1b", 0.03m, exhausted: true), Pool(t, "us-east-1c", 0.04m) }).ToArray();
        var choice = AutoScalingGroups.ChooseLaunch(Zones, Types, AllSpot, [], pools);
        Assert.Equal(new LaunchChoice("us-east-1c", "m5.large", true), choice);
    }

    [Fact]
    public void B_ASG_3_no_spot_capacity_anywhere_means_no_launch()
    {
        var pools = Zones.SelectMany(z => Types.Select(t => Pool(t, z, 0.02m, exhausted: true))).ToArray();
        Assert.Null(AutoScalingGroups.ChooseLaunch(Zones, Types, AllSpot, [], pools));
        // On-Demand is unaffected by Spot exhaustion.
        Assert.False(AutoScalingGroups.ChooseLaunch(Zones, Types, InstancesDistribution.Default, [], pools)!.IsSpot);
    }

    [Fact]
    public void B_ASG_3_an_unlisted_pool_is_available_but_ranks_after_priced_pools()
    {
        SpotPool[] pools = [Pool("m4.large", "us-east-1a", 0.05m)];
        Assert.Equal("m4.large", AutoScalingGroups.ChooseLaunch(Zones, Types, AllSpot, [], pools)?.InstanceType);
        Assert.Equal("m5.large", AutoScalingGroups.ChooseLaunch(Zones, Types, AllSpot, [], [])?.InstanceType);
    }

    // ---- B-ASG-4: scale-in victims ----

    [Fact]
    public void B_ASG_4_protected_instances_never_chosen()
    {
        var instances = new[] { Instance("i-1", isProtected: true), Instance("i-2"), Instance("i-3", isProtected: true) };
        Assert.Equal<string>(["i-2"], AutoScalingGroups.ChooseScaleInVictims(instances, 3, Now, new Random(1)));
    }

    [Fact]
    public void B_ASG_4_all_protected_means_no_victims()
    {
        var instances = new[] { Instance("i-1", isProtected: true), Instance("i-2", isProtected: true) };
        Assert.Empty(AutoScalingGroups.ChooseScaleInVictims(instances, 2, Now, new Random(1)));
    }

    [Fact]
    public void B_ASG_4_instances_already_terminating_are_not_chosen_again()
    {
        var instances = new[]
        {
            Instance("i-1", state: LifecycleState.TerminatingWait),
            Instance("i-2", state: LifecycleState.Terminating),
            Instance("i-3", state: LifecycleState.Terminated),
            Instance("i-4"),
        };
        Assert.Equal<string>(["i-4"], AutoScalingGroups.ChooseScaleInVictims(instances, 4, Now, new Random(1)));
    }

    [Fact]
    public void B_ASG_4_the_AZ_with_the_most_unprotected_instances_goes_first()
    {
        var instances = new[]
        {
            Instance("a-1", "us-east-1a"), Instance("a-2", "us-east-1a", isProtected: true), Instance("a-3", "us-east-1a", isProtected: true),
            Instance("b-1", "us-east-1b"), Instance("b-2", "us-east-1b"),
        };
        var victims = AutoScalingGroups.ChooseScaleInVictims(instances, 2, Now, new Random(1));
        Assert.Contains(victims[0], new[] { "b-1", "b-2" });
        Assert.Equal(2, victims.Length);
        Assert.DoesNotContain("a-2", victims);
    }

    [Fact]
    public void B_ASG_4_rebalances_AZs_one_victim_at_a_time()
    {
        var instances = new[]
        {
            Instance("a-1", "us-east-1a"), Instance("a-2", "us-east-1a"), Instance("a-3", "us-east-1a"),
            Instance("b-1", "us-east-1b"),
        };
        var victims = AutoScalingGroups.ChooseScaleInVictims(instances, 3, Now, new Random(1));
        Assert.Equal(3, victims.Length);
        Assert.StartsWith("a-", victims[0], StringComparison.Ordinal);
        Assert.StartsWith("a-", victims[1], StringComparison.Ordinal); // 2 a vs 1 b
        Assert.Equal(3, victims.Distinct().Count());                     // then 1 a vs 1 b: a tie, either may go
    }

    [Fact]
    public void B_ASG_4_oldest_launch_template_version_goes_first()
    {
        var instances = new[] { Instance("i-1", version: "10"), Instance("i-2", version: "2"), Instance("i-3", version: "3") };
        Assert.Equal<string>(["i-2", "i-3", "i-1"], AutoScalingGroups.ChooseScaleInVictims(instances, 3, Now, new Random(1)));
    }

    [Fact]
    public void B_ASG_4_then_closest_to_the_next_billing_hour()
    {
        var instances = new[]
        {
            Instance("i-1", launchedAt: Now.AddMinutes(-10)),          // 10 min into its hour
            Instance("i-2", launchedAt: Now.AddMinutes(-115)),         // 55 min into its second hour
            Instance("i-3", launchedAt: Now.AddMinutes(-50)),          // 50 min
        };
        Assert.Equal<string>(["i-2", "i-3", "i-1"], AutoScalingGroups.ChooseScaleInVictims(instances, 3, Now, new Random(1)));
    }

    [Fact]
    public void B_ASG_4_remaining_ties_are_broken_by_the_seeded_random_source()
    {
        var instances = Enumerable.Range(0, 10).Select(i => Instance($"i-{i}")).ToArray();
        var first = AutoScalingGroups.ChooseScaleInVictims(instances, 4, Now, new Random(42));
        var again = AutoScalingGroups.ChooseScaleInVictims([.. instances.Reverse()], 4, Now, new Random(42));
        Assert.Equal<string>(first, again);
        Assert.Equal(4, first.Distinct().Count());
    }

    [Fact]
    public void B_ASG_4_fewer_victims_than_asked_when_not_enough_are_eligible()
    {
        var instances = new[] { Instance("i-1"), Instance("i-2", isProtected: true) };
        Assert.Single(AutoScalingGroups.ChooseScaleInVictims(instances, 5, Now, new Random(1)));
        Assert.Empty(AutoScalingGroups.ChooseScaleInVictims(instances, 0, Now, new Random(1)));
    }

    // ---- B-IT-4: Spot price ----

    [Theory]
    [InlineData("0.096", 0.30, "0.0288")]
    [InlineData("0.0208", 0.30, "0.00624")]
    [InlineData("0.526", 0.30, "0.1578")]
    [InlineData("0.10", 0.5, "0.05")]
    public void B_IT_4_spot_price_defaults_to_30_percent_of_on_demand(string onDemand, double fraction, string expected) =>
        Assert.Equal(decimal.Parse(expected), AutoScalingGroups.SpotPrice(decimal.Parse(onDemand), fraction));

    [Fact]
    public void B_IT_4_spot_price_default_fraction_is_30_percent() =>
        Assert.Equal(0.0288m, AutoScalingGroups.SpotPrice(0.096m));
}
