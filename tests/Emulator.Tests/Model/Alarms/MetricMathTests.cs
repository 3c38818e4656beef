using Emulator.Model.Alarms;

namespace Emulator.Tests.Model.Alarms;

/// <summary>B-CW-1: metric math over aligned series (alarms' Metrics[] and GetMetricData).</summary>
public sealed class MetricMathTests
{
    private static readonly Dictionary<string, double?[]> Series = new(StringComparer.Ordinal)
    {
        ["m1"] = [10, 20, null, 40],
        ["m2"] = [2, 0, 5, 4],
        ["m3"] = [1, 1, 1, null],
    };

    private static double?[] Eval(string e) => MetricMath.Evaluate(e, Series, 4, 60);

    [Fact]
    public void B_CW_1_arithmetic_broadcasts_scalars_and_drops_missing_and_division_by_zero()
    {
        Assert.Equal([5, null, null, 10], Eval("m1 / m2"));
        Assert.Equal([21, 41, null, 81], Eval("m1 * 2 + 1"));
        Assert.Equal([-10, -20, null, -40], Eval("-m1"));
        Assert.Equal([6, 6, 6, 6], Eval("(1 + 2) * 2"));
    }

    [Fact]
    public void B_CW_1_functions()
    {
        Assert.Equal([13, 21, 6, 44], Eval("SUM(METRICS())"));
        Assert.Equal([10, 20, 5, 40], Eval("MAX([m1, m2])"));
        Assert.Equal([70, 70, 70, 70], Eval("SUM(m1)")); // one series: a scalar
        Assert.Equal([10, 20, 0, 40], Eval("FILL(m1, 0)"));
        Assert.Equal([10, 20, 20, 40], Eval("FILL(m1, REPEAT)"));
        Assert.Equal([1, 0, null, 1], Eval("IF(m1 > 15 AND m2 < 3, 0, 1)"));
        Assert.Equal([60, 60, 60, 60], Eval("PERIOD(m1)"));
        Assert.Equal([3, 1, 6, null], Eval("SUM(METRICS('m2')) + SUM(METRICS('m3'))"));
    }

    [Theory]
    [InlineData("m1 +")]
    [InlineData("m9 * 2")]
    [InlineData("ANOMALY_DETECTION_BAND(m1)")]
    [InlineData("(m1")]
    [InlineData("METRICS()")]
    public void B_CW_1_bad_expressions_are_errors(string e) =>
        Assert.Throws<MetricMathException>(() => Eval(e));

    [Fact]
    public void B_CW_1_references_are_the_ids_an_expression_names() =>
        Assert.Equal(new HashSet<string>(["m1", "m2"]), MetricMath.References("SUM([m1, m2]) / PERIOD(m1) + FILL(m2, REPEAT)"));
}
