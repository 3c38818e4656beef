using Emulator.Contracts;
using Emulator.Model.Scaling;

namespace Emulator.Tests.Model.Scaling;

public sealed class CapacityProviderStrategiesTests
{
    private static CapacityProviderStrategyItem Item(string name, int weight = 0, int @base = 0) => new(name, weight, @base);

    private static ProviderKind? Kind(string name) => name switch
    {
        "FARGATE" => ProviderKind.Fargate,
        "FARGATE_SPOT" => ProviderKind.FargateSpot,
        "missing" => null,
        _ => ProviderKind.AutoScalingGroup,
    };

    private static int[] Counts(IReadOnlyList<CapacityProviderStrategyItem> items, int total) =>
        [.. CapacityProviderStrategies.Split(items, total).Select(c => c.Count)];

    [Fact]
    public void B_CP_3_base1_weight1_and_weight4_40_tasks_split_9_31() =>
        Assert.Equal([9, 31], Counts([Item("A", 1, 1), Item("B", 4)], 40));

    [Fact]
    public void B_CP_3_fargate_base1_weight1_and_fargate_spot_weight4_10_tasks_split_3_7()
    {
        var split = CapacityProviderStrategies.Split([Item("FARGATE", 1, 1), Item("FARGATE_SPOT", 4)], 10);
        Assert.Equal<ProviderCount>([new ProviderCount("FARGATE", 3), new ProviderCount("FARGATE_SPOT", 7)], split);
    }

    [Theory]
    [InlineData(2, 1, 3, 10, 4, 6)]
    [InlineData(2, 1, 3, 22, 7, 15)]
    [InlineData(1, 1, 4, 40, 9, 31)]
    [InlineData(1, 1, 4, 10, 3, 7)]
    [InlineData(1, 1, 4, 0, 0, 0)]
    [InlineData(1, 1, 4, 1, 1, 0)]
    [InlineData(5, 1, 1, 3, 3, 0)] // the base is capped at the total
    [InlineData(3, 0, 1, 5, 3, 2)] // a weight-0 item only gets its base
    [InlineData(0, 1, 3, 2, 0, 2)] // quotas 0.5 / 1.5 tie on remainder: the larger weight wins
    public void B_CP_3_base_first_then_weights_by_largest_remainder(int baseA, int weightA, int weightB, int total, int expectedA, int expectedB) =>
        Assert.Equal([expectedA, expectedB], Counts([Item("A", weightA, baseA), Item("B", weightB)], total));

    [Fact]
    public void B_CP_3_equal_weights_tie_to_the_earlier_item() =>
        Assert.Equal([1, 1, 0], Counts([Item("A", 1), Item("B", 1), Item("C", 1)], 2));

    [Fact]
    public void B_CP_3_the_split_always_adds_up_to_the_total()
    {
        var random = new Random(7);
        for (var round = 0; round < 500; round++)
        {
            var items = Enumerable.Range(0, random.Next(1, 6))
                .Select(i => Item($"cp{i}", random.Next(0, 1001), i == 0 ? random.Next(0, 20) : 0))
                .ToList();
            if (items.All(i => i.Weight == 0))
            {
                items[^1] = items[^1] with { Weight = 1 };
            }

            var total = random.Next(0, 2000);
            var split = CapacityProviderStrategies.Split(items, total);
            Assert.Equal(total, split.Sum(c => c.Count));
            Assert.Equal(items.Select(i => i.CapacityProvider), split.Select(c => c.CapacityProvider));
            Assert.True(split[0].Count >= Math.Min(items[0].Base, total));
        }
    }

    [Fact]
    public void B_CP_1_a_valid_strategy_has_no_error()
    {
        Assert.Null(CapacityProviderStrategies.Validate([Item("FARGATE", 1, 1), Item("FARGATE_SPOT", 4)], Kind));
        Assert.Null(CapacityProviderStrategies.Validate([Item("asg-a", 0, 100000), Item("asg-b", 1000)], Kind));
    }

    public static TheoryData<CapacityProviderStrategyItem[], string> InvalidStrategies => new()
    {
        { [], "at least one capacity provider" },
        { [.. Enumerable.Range(0, 21).Select(i => Item($"cp{i}", 1))], "maximum of 20" },
        { [Item("A", 1001)], "weight value for capacity provider A" },
        { [Item("A", -1)], "weight value for capacity provider A" },
        { [Item("A", 1, 100001)], "base value for capacity provider A" },
        { [Item("A", 1, -1)], "base value for capacity provider A" },
        { [Item("A", 1, 1), Item("B", 1, 2)], "Only one capacity provider in a capacity provider strategy can have a base" },
        { [Item("A", 0, 1), Item("B", 0)], "no capacity providers with a weight value greater than zero" },
        { [Item("A", 1), Item("A", 2)], "duplicate capacity providers: A" },
        { [Item("missing", 1)], "not associated with the cluster" },
        { [Item("asg-a", 1), Item("FARGATE", 1)], "cannot contain a mix of capacity providers using Auto Scaling groups and Fargate providers" },
        { [Item("FARGATE_SPOT", 1), Item("asg-a", 1)], "cannot contain a mix" },
    };

    [Theory]
    [MemberData(nameof(InvalidStrategies))]
    public void B_CP_1_invalid_strategies_are_rejected_with_AWS_messages(CapacityProviderStrategyItem[] items, string expected)
    {
        var error = CapacityProviderStrategies.Validate(items, Kind);
        Assert.NotNull(error);
        Assert.Contains(expected, error, StringComparison.Ordinal);
    }

    [Fact]
    public void B_CP_1_an_unknown_provider_is_named_in_the_error() =>
        Assert.Contains("missing", CapacityProviderStrategies.Validate([Item("FARGATE", 1), Item("missing", 1)], Kind), StringComparison.Ordinal);
}
