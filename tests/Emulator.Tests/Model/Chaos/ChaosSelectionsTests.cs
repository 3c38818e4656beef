using Emulator.Contracts;
using Emulator.Model.Chaos;

namespace Emulator.Tests.Model.Chaos;

public sealed class ChaosSelectionsTests
{
    private static readonly string[] Ten = Enumerable.Range(0, 10).Select(i => $"i-{9 - i:D17}").ToArray();

    [Theory]
    [InlineData(SelectionMode.ALL, 0, 10, 10)]
    [InlineData(SelectionMode.COUNT, 3, 10, 3)]
    [InlineData(SelectionMode.COUNT, 30, 10, 10)]
    [InlineData(SelectionMode.PERCENT, 50, 10, 5)]
    [InlineData(SelectionMode.PERCENT, 25, 10, 3)]   // rounded up
    [InlineData(SelectionMode.PERCENT, 1, 10, 1)]    // at least one
    [InlineData(SelectionMode.PERCENT, 100, 7, 7)]
    [InlineData(SelectionMode.PERCENT, 30, 10, 3)]   // 3.0000000000000004 is 3, not 4
    [InlineData(SelectionMode.COUNT, 2, 0, 0)]
    public void Selection_modes_take_the_FIS_number_of_targets(SelectionMode mode, double value, int candidates, int expected) =>
        Assert.Equal(expected, ChaosSelections.HowMany(new ChaosSelection(mode, value), candidates));

    [Theory]
    [InlineData(SelectionMode.COUNT, 0)]
    [InlineData(SelectionMode.COUNT, -1)]
    [InlineData(SelectionMode.COUNT, 1.5)]
    [InlineData(SelectionMode.PERCENT, 0)]
    [InlineData(SelectionMode.PERCENT, 100.5)]
    [InlineData(SelectionMode.PERCENT, -5)]
    [InlineData((SelectionMode)9, 1)]
    public void Invalid_selections_are_rejected(SelectionMode mode, double value) =>
        Assert.NotNull(ChaosSelections.Validate(new ChaosSelection(mode, value)));

    [Fact]
    public void Valid_selections_pass_and_a_missing_one_is_rejected()
    {
        Assert.Null(ChaosSelections.Validate(ChaosSelection.All));
        Assert.Null(ChaosSelections.Validate(ChaosSelection.Count(2)));
        Assert.Null(ChaosSelections.Validate(ChaosSelection.Percent(100)));
        Assert.NotNull(ChaosSelections.Validate(null));
    }

    [Fact]
    public void Durations_and_probabilities_are_validated()
    {
        Assert.NotNull(ChaosSelections.ValidateDuration(TimeSpan.Zero));
        Assert.NotNull(ChaosSelections.ValidateDuration(TimeSpan.FromSeconds(-1)));
        Assert.NotNull(ChaosSelections.ValidateDuration(TimeSpan.FromHours(13)));
        Assert.Null(ChaosSelections.ValidateDuration(TimeSpan.FromMinutes(5)));
        Assert.NotNull(ChaosSelections.ValidateProbability(0));
        Assert.NotNull(ChaosSelections.ValidateProbability(1.01));
        Assert.NotNull(ChaosSelections.ValidateProbability(double.NaN));
        Assert.Null(ChaosSelections.ValidateProbability(0.5));
    }

    [Fact]
    public void Seeded_selection_is_reproducible_independent_of_input_order_and_sorted()
    {
        var a = ChaosSelections.Select(Ten, ChaosSelection.Count(4), new Random(11));
        var b = ChaosSelections.Select(Ten.Reverse(), ChaosSelection.Count(4), new Random(11));
        Assert.Equal(a.ToArray(), b.ToArray());
        Assert.Equal(4, a.Length);
        Assert.Equal(a.Order(StringComparer.Ordinal).ToArray(), a.ToArray());
        Assert.Equal(4, a.Distinct().Count());
        Assert.Equal(Ten.Order(StringComparer.Ordinal).ToArray(), ChaosSelections.Select(Ten, ChaosSelection.All, new Random(1)).ToArray());
    }

    [Fact]
    public void Different_seeds_pick_different_targets_somewhere()
    {
        var picks = Enumerable.Range(0, 20).Select(seed => string.Join(",", ChaosSelections.Select(Ten, ChaosSelection.Count(3), new Random(seed)))).ToHashSet();
        Assert.True(picks.Count > 1);
    }

    [Fact]
    public void B_SP_1_warning_then_termination_after_the_notice_with_an_optional_rebalance_first()
    {
        var now = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var plain = ChaosSelections.SpotTimes(now, TimeSpan.FromSeconds(120), false, null);
        Assert.Equal(new SpotInterruptionTimes(null, now, now.AddSeconds(120)), plain);

        var rebalance = ChaosSelections.SpotTimes(now, TimeSpan.FromSeconds(120), true, TimeSpan.FromMinutes(5));
        Assert.Equal(new SpotInterruptionTimes(now, now.AddMinutes(5), now.AddMinutes(7)), rebalance);
    }
}
