using System.Collections.Immutable;
using Emulator.Contracts;
using Emulator.Model.Alarms;
using Emulator.Model.Metrics;

namespace Emulator.Tests.Model.Alarms;

/// <summary>B-CW-1: CloudWatch alarm evaluation (M out of N, TreatMissingData), reasons, series and validation.</summary>
public sealed class AlarmEvaluationTests
{
    [Fact]
    public void B_CW_1_next_evaluation_is_the_period_after_the_one_evaluated_so_a_late_shard_skips_no_period()
    {
        var period = TimeSpan.FromMinutes(1);
        var delay = TimeSpan.FromSeconds(15);
        var t0 = new DateTimeOffset(2026, 12, 6, 10, 0, 15, TimeSpan.Zero); // a grid point plus the delay

        // On time: the next minute's instant.
        Assert.Equal(t0.AddMinutes(1), AlarmSeries.NextDue(t0, t0.AddMilliseconds(5), period, delay));

        // Woken 3.5 minutes late: still the period right after the one just evaluated (catching up one by one).
        Assert.Equal(t0.AddMinutes(1), AlarmSeries.NextDue(t0, t0.AddMinutes(3.5), period, delay));

        // More than MaxCatchUpPeriods behind: start again from now's grid.
        var now = t0.AddMinutes(AlarmSeries.MaxCatchUpPeriods + 2.5);
        Assert.Equal(t0.AddMinutes(AlarmSeries.MaxCatchUpPeriods + 3), AlarmSeries.NextDue(t0, now, period, delay));

        // A new alarm: the first grid instant after now.
        Assert.Equal(t0.AddMinutes(1), AlarmSeries.NextDue(null, t0.AddSeconds(20), period, delay));
    }

    [Fact]
    public void B_CW_1_alarm_shards_take_turns_over_the_spread_after_the_evaluation_delay()
    {
        var delay = TimeSpan.FromSeconds(15);
        var spread = TimeSpan.FromSeconds(30);
        var minute = TimeSpan.FromMinutes(1);
        var delays = Enumerable.Range(0, 16).Select(s => AlarmSeries.ShardDelay(s, 16, delay, spread, minute)).ToList();
        Assert.Equal(delay, delays[0]);
        Assert.Equal(delay + TimeSpan.FromSeconds(28.125), delays[15]);
        Assert.Equal(16, delays.Distinct().Count()); // no two shards on the same instant

        // Never more than one period: a 10 s alarm's shards spread over its 10 s.
        Assert.Equal(delay + TimeSpan.FromSeconds(9.375), AlarmSeries.ShardDelay(15, 16, delay, spread, TimeSpan.FromSeconds(10)));

        // No spread: every shard at the delay.
        Assert.Equal(delay, AlarmSeries.ShardDelay(9, 16, delay, TimeSpan.Zero, minute));

        // A shard's alarm still evaluates every period, the periods ending on the grid: its next due is the grid plus its delay.
        var t = new DateTimeOffset(2026, 12, 6, 10, 0, 0, TimeSpan.Zero) + delays[15];
        Assert.Equal(t + minute, AlarmSeries.NextDue(t, t.AddSeconds(1), minute, delays[15]));
        Assert.Equal(new DateTimeOffset(2026, 12, 6, 9, 57, 0, TimeSpan.Zero), AlarmSeries.PeriodStarts(t - delays[15], 60, 3)[0]);
    }

    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static AlarmSpec Spec(int n = 3, int? m = null, string op = "GreaterThanThreshold", string? treat = null, double threshold = 50) =>
        new("a", null, true, [], [], [], "AWS/ECS", "CPUUtilization", [], "Average", null, 60, null, n, m, threshold, op, treat, null, [], null,
            ImmutableDictionary<string, string>.Empty, null);

    /// <summary>Values oldest first; '-' is missing.</summary>
    private static AlarmOutcome Run(AlarmSpec spec, string values, AlarmStateValue current = AlarmStateValue.OK)
    {
        var parsed = values.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(v => v == "-" ? (double?)null : double.Parse(v, System.Globalization.CultureInfo.InvariantCulture)).ToList();
        var starts = Enumerable.Range(0, parsed.Count).Select(i => T0.AddMinutes(i)).ToList();
        return AlarmEvaluator.Evaluate(spec, current, parsed, starts, spec.Threshold!.Value, T0.AddMinutes(parsed.Count));
    }

    [Theory]
    [InlineData("10 60 70 80", AlarmStateValue.ALARM)] // the newest 3 breach
    [InlineData("60 70 80 10", AlarmStateValue.OK)] // the newest is fine: 2 of 3
    [InlineData("60 60 60", AlarmStateValue.ALARM)]
    [InlineData("50 60 60", AlarmStateValue.OK)] // 50 is not greater than the threshold 50
    public void B_CW_1_three_of_three_alarms_only_when_every_evaluated_datapoint_breaches(string values, AlarmStateValue expected) =>
        Assert.Equal(expected, Run(Spec(), values).State);

    [Fact]
    public void B_CW_1_datapoints_to_alarm_two_of_three()
    {
        Assert.Equal(AlarmStateValue.ALARM, Run(Spec(3, 2), "10 60 10 70").State);
        Assert.Equal(AlarmStateValue.OK, Run(Spec(3, 2), "60 60 10 10 70").State);
    }

    [Fact]
    public void B_CW_1_missing_newest_datapoints_use_older_real_ones_from_the_evaluation_range()
    {
        // 3 real datapoints exist in the range: TreatMissingData plays no part (AWS: "most recent real data points").
        var outcome = Run(Spec(treat: "breaching"), "60 70 80 - -");
        Assert.Equal(AlarmStateValue.ALARM, outcome.State);
        Assert.Equal<double>([60, 70, 80], outcome.Evaluated);
        Assert.Equal(AlarmStateValue.OK, Run(Spec(treat: "breaching"), "10 20 30 - -").State);
    }

    [Theory]
    [InlineData(null, AlarmStateValue.INSUFFICIENT_DATA)]
    [InlineData("missing", AlarmStateValue.INSUFFICIENT_DATA)]
    [InlineData("breaching", AlarmStateValue.ALARM)]
    [InlineData("notBreaching", AlarmStateValue.OK)]
    [InlineData("ignore", AlarmStateValue.ALARM)] // the current state (ALARM here) is kept
    public void B_CW_1_no_datapoint_at_all_follows_treat_missing_data(string? treat, AlarmStateValue expected)
    {
        var outcome = Run(Spec(treat: treat), "- - - - -", AlarmStateValue.ALARM);
        Assert.Equal(expected, outcome.State);
        if (expected == AlarmStateValue.INSUFFICIENT_DATA)
        {
            Assert.Equal("Insufficient Data: 3 datapoints were unknown.", outcome.Reason);
        }
    }

    [Theory]
    [InlineData("breaching", "- 60 -", AlarmStateValue.ALARM)] // 1 real breaching + 2 filled breaching
    [InlineData("notBreaching", "- 60 -", AlarmStateValue.OK)]
    [InlineData("missing", "- 60 -", AlarmStateValue.OK)] // missing ones do not count: 1 of 3
    [InlineData("ignore", "- 60 -", AlarmStateValue.INSUFFICIENT_DATA)] // could still reach ALARM: state kept
    [InlineData("ignore", "- 10 -", AlarmStateValue.OK)] // 1 of 3 fine with M = 3: ALARM impossible
    public void B_CW_1_some_datapoints_missing_are_filled_as_treat_missing_data_says(string treat, string values, AlarmStateValue expected)
    {
        Assert.Equal(expected, Run(Spec(treat: treat), values, AlarmStateValue.INSUFFICIENT_DATA).State);
    }

    [Fact]
    public void B_CW_1_reason_names_the_datapoints_the_threshold_and_the_transition()
    {
        var outcome = Run(Spec(), "60 70 80", AlarmStateValue.OK);
        Assert.StartsWith("Threshold Crossed: 3 out of the last 3 datapoints [80.0 (01/01/26 00:02:00), 70.0 (01/01/26 00:01:00), 60.0 (01/01/26 00:00:00)] were greater than the threshold (50.0)", outcome.Reason, StringComparison.Ordinal);
        Assert.EndsWith("(minimum 3 datapoints for OK -> ALARM transition).", outcome.Reason, StringComparison.Ordinal);
        Assert.Contains("\"threshold\":50", outcome.ReasonData, StringComparison.Ordinal);
        Assert.Equal(80, outcome.Latest);
    }

    [Theory]
    [InlineData("GreaterThanOrEqualToThreshold", 50, true)]
    [InlineData("GreaterThanThreshold", 50, false)]
    [InlineData("LessThanThreshold", 49.9, true)]
    [InlineData("LessThanOrEqualToThreshold", 50, true)]
    public void B_CW_1_comparison_operators(string op, double value, bool breaches) =>
        Assert.Equal(breaches, AlarmEvaluator.Breaches(op, value, 50));

    [Fact]
    public void B_CW_1_period_values_are_the_statistic_of_each_minute_with_statistic_sets_and_percentiles()
    {
        var starts = AlarmSeries.PeriodStarts(T0.AddMinutes(3).AddSeconds(15), 60, 3);
        Assert.Equal([T0, T0.AddMinutes(1), T0.AddMinutes(2)], starts);
        MetricDatum D(double minute, double v, MetricStatisticSet? set = null) => new("m", [], T0.AddMinutes(minute), v, "None", set);
        var points = new[] { D(0.1, 10), D(0.5, 30), D(1.2, 0, new MetricStatisticSet(4, 40, 5, 20)), D(2.9, 7) };
        Assert.Equal([20, 10, 7], AlarmSeries.Summarise(points, "Average", null, starts, 60));
        Assert.Equal([2, 4, 1], AlarmSeries.Summarise(points, "SampleCount", null, starts, 60));
        Assert.Equal([30, 10, 7], AlarmSeries.Summarise(points, "p90", null, starts, 60));
        Assert.Equal([null, null, null], AlarmSeries.Summarise(points, "Average", "Percent", starts, 60));
    }

    [Fact]
    public void B_CW_1_alarm_on_metric_math_uses_the_query_that_returns_data()
    {
        var q = ImmutableArray.Create(
            new MetricQuerySpec("m1", new MetricStatSpec("SQS", "Messages", [], 60, "Sum", null), null, null, false, null, null),
            new MetricQuerySpec("m2", new MetricStatSpec("ECS/ContainerInsights", "RunningTaskCount", [], 60, "Average", null), null, null, false, null, null),
            new MetricQuerySpec("e1", null, "m1 / m2", "backlog per task", true, null, null));
        var spec = Spec() with { Namespace = null, MetricName = null, Statistic = null, PeriodSeconds = null, Metrics = q };
        Assert.Null(AlarmRules.Validate(spec));
        var starts = AlarmSeries.PeriodStarts(T0.AddMinutes(2), 60, 2);
        MetricDatum D(double minute, double v) => new("x", [], T0.AddMinutes(minute), v, "None");
        var values = AlarmSeries.Values(spec, [[D(0, 300), D(1, 100)], [D(0, 3), D(1, 0)]], starts);
        Assert.Equal([100, null], values); // 300 / 3; a division by zero has no datapoint
    }

    [Theory]
    [InlineData(0, null, "GreaterThanThreshold", "ValidationError")] // EvaluationPeriods 0
    [InlineData(3, 4, "GreaterThanThreshold", "ValidationError")] // M > N
    [InlineData(3, null, "GreaterThan", "ValidationError")]
    public void B_CW_1_put_metric_alarm_rejects_bad_input(int n, int? m, string op, string code)
    {
        var error = AlarmRules.Validate(Spec(n, m, op));
        Assert.NotNull(error);
        Assert.Equal(code, error!.Value.Code);
    }

    [Fact]
    public void B_CW_1_put_metric_alarm_rejects_bad_periods_statistics_and_metrics_lists()
    {
        Assert.NotNull(AlarmRules.Validate(Spec() with { PeriodSeconds = 45 }));
        Assert.NotNull(AlarmRules.Validate(Spec() with { Statistic = "Median" }));
        Assert.NotNull(AlarmRules.Validate(Spec() with { Statistic = null, ExtendedStatistic = "p101" }));
        Assert.Null(AlarmRules.Validate(Spec() with { Statistic = null, ExtendedStatistic = "p99.9" }));
        Assert.Null(AlarmRules.Validate(Spec() with { PeriodSeconds = 10 }));
        var twoResults = ImmutableArray.Create(
            new MetricQuerySpec("m1", new MetricStatSpec("N", "M", [], 60, "Sum", null), null, null, true, null, null),
            new MetricQuerySpec("e1", null, "m1 * 2", null, true, null, null));
        Assert.Contains("Exactly one", AlarmRules.Validate(Spec() with { Namespace = null, MetricName = null, Statistic = null, PeriodSeconds = null, Metrics = twoResults })!.Value.Message, StringComparison.Ordinal);
        var unknownId = ImmutableArray.Create(new MetricQuerySpec("e1", null, "m9 * 2", null, true, null, null));
        Assert.Contains("m9", AlarmRules.Validate(Spec() with { Namespace = null, MetricName = null, Statistic = null, PeriodSeconds = null, Metrics = unknownId })!.Value.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void B_CW_1_percentile_statistic_names()
    {
        Assert.Equal(99.9, MetricStatistics.Percentile("p99.9"));
        Assert.Null(MetricStatistics.Percentile("tm99"));
        Assert.True(MetricStatistics.IsStatistic("SampleCount"));
    }
}
