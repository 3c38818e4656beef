namespace Emulator.Model.Metrics;

/// <summary>CloudWatch statistics of one period bucket.</summary>
public sealed record StatisticsBucket(DateTimeOffset Timestamp, int SampleCount, double Sum, double Minimum, double Maximum)
{
    public double Average => SampleCount == 0 ? 0 : Sum / SampleCount;

    /// <summary>The value of a statistic by its CloudWatch name (Average, Sum, Minimum, Maximum, SampleCount).</summary>
    public double Get(string statistic) => statistic switch
    {
        "Average" => Average,
        "Sum" => Sum,
        "Minimum" => Minimum,
        "Maximum" => Maximum,
        "SampleCount" => SampleCount,
        _ => throw new ArgumentOutOfRangeException(nameof(statistic), statistic, "Unknown statistic."),
    };
}

/// <summary>
/// GetMetricStatistics / GetMetricData arithmetic: datapoints in [start, end) grouped into Period buckets aligned to
/// multiples of the period since the Unix epoch (CloudWatch rounds to period boundaries), empty buckets left out,
/// oldest first.
/// </summary>
public static class MetricStatistics
{
    public static readonly IReadOnlyList<string> Statistics = ["Average", "Sum", "Minimum", "Maximum", "SampleCount"];

    public static IReadOnlyList<StatisticsBucket> Aggregate(IEnumerable<(DateTimeOffset Timestamp, double Value)> points, DateTimeOffset start, DateTimeOffset end, TimeSpan period)
    {
        if (period <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(period), "The period must be positive.");
        }

        var buckets = new SortedDictionary<long, StatisticsBucket>();
        foreach (var (t, v) in points)
        {
            if (t < start || t >= end)
            {
                continue;
            }

            var index = (t - DateTimeOffset.UnixEpoch).Ticks / period.Ticks;
            buckets[index] = buckets.TryGetValue(index, out var b)
                ? b with { SampleCount = b.SampleCount + 1, Sum = b.Sum + v, Minimum = Math.Min(b.Minimum, v), Maximum = Math.Max(b.Maximum, v) }
                : new StatisticsBucket(DateTimeOffset.UnixEpoch + TimeSpan.FromTicks(period.Ticks * index), 1, v, v, v);
        }

        return [.. buckets.Values];
    }
}
