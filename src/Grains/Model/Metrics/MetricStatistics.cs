using System.Globalization;
using Emulator.Contracts;

namespace Emulator.Model.Metrics;

/// <summary>CloudWatch statistics of one period bucket; <see cref="Values"/> keeps the samples for percentiles.</summary>
public sealed record StatisticsBucket(DateTimeOffset Timestamp, double SampleCount, double Sum, double Minimum, double Maximum)
{
    public List<double> Values { get; init; } = [];

    public double Average => SampleCount == 0 ? 0 : Sum / SampleCount;

    /// <summary>The value of a statistic by its CloudWatch name (Average, Sum, Minimum, Maximum, SampleCount, pNN).</summary>
    public double Get(string statistic) => statistic switch
    {
        "Average" => Average,
        "Sum" => Sum,
        "Minimum" => Minimum,
        "Maximum" => Maximum,
        "SampleCount" => SampleCount,
        _ when MetricStatistics.Percentile(statistic) is { } p => MetricStatistics.PercentileOf(Values, p),
        _ => throw new ArgumentOutOfRangeException(nameof(statistic), statistic, "Unknown statistic."),
    };

    /// <summary>Buckets are equal by their statistics (the samples kept for percentiles do not take part).</summary>
    public bool Equals(StatisticsBucket? other) =>
        other is not null && Timestamp == other.Timestamp && SampleCount.Equals(other.SampleCount) && Sum.Equals(other.Sum)
        && Minimum.Equals(other.Minimum) && Maximum.Equals(other.Maximum);

    public override int GetHashCode() => HashCode.Combine(Timestamp, SampleCount, Sum, Minimum, Maximum);
}

/// <summary>
/// GetMetricStatistics / GetMetricData / alarm arithmetic: datapoints in [start, end) grouped into Period buckets
/// aligned to multiples of the period since the Unix epoch (CloudWatch rounds to period boundaries), empty buckets
/// left out, oldest first. A datum sent as a statistic set (PutMetricData StatisticValues, Values/Counts) counts as
/// its samples. Percentiles (ExtendedStatistic pNN) are nearest-rank over the samples' values (a statistic set counts
/// as its average: Model choice, CloudWatch cannot do better without the raw values either).
/// </summary>
public static class MetricStatistics
{
    public static readonly IReadOnlyList<string> Statistics = ["Average", "Sum", "Minimum", "Maximum", "SampleCount"];

    /// <summary>True for the five statistics and for percentiles p0..p100 (e.g. p90, p99.9).</summary>
    public static bool IsStatistic(string s) => Statistics.Contains(s) || Percentile(s) is not null;

    /// <summary>The percentile of an extended statistic "pNN" (0..100), or null.</summary>
    public static double? Percentile(string statistic) =>
        statistic.Length > 1 && statistic[0] == 'p'
        && double.TryParse(statistic[1..], NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var p) && p is >= 0 and <= 100
            ? p
            : null;

    public static double PercentileOf(List<double> values, double p)
    {
        if (values.Count == 0)
        {
            return 0;
        }

        var sorted = values.Order().ToList();
        var rank = (int)Math.Ceiling(p / 100 * sorted.Count);
        return sorted[Math.Clamp(rank - 1, 0, sorted.Count - 1)];
    }

    public static IReadOnlyList<StatisticsBucket> Aggregate(IEnumerable<(DateTimeOffset Timestamp, double Value)> points, DateTimeOffset start, DateTimeOffset end, TimeSpan period) =>
        Aggregate(points.Select(p => new MetricDatum("", [], p.Timestamp, p.Value, "None")), start, end, period);

    public static IReadOnlyList<StatisticsBucket> Aggregate(IEnumerable<MetricDatum> points, DateTimeOffset start, DateTimeOffset end, TimeSpan period)
    {
        if (period <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(period), "The period must be positive.");
        }

        var buckets = new SortedDictionary<long, StatisticsBucket>();
        foreach (var d in points)
        {
            var t = d.Timestamp;
            if (t < start || t >= end)
            {
                continue;
            }

            var index = (t - DateTimeOffset.UnixEpoch).Ticks / period.Ticks;
            var n = d.SampleCount;
            var value = d.Statistics is null ? d.Value : n > 0 ? d.Sum / n : d.Value;
            if (buckets.TryGetValue(index, out var b))
            {
                b.Values.Add(value);
                buckets[index] = b with { SampleCount = b.SampleCount + n, Sum = b.Sum + d.Sum, Minimum = Math.Min(b.Minimum, d.Minimum), Maximum = Math.Max(b.Maximum, d.Maximum), Values = b.Values };
            }
            else
            {
                buckets[index] = new StatisticsBucket(DateTimeOffset.UnixEpoch + TimeSpan.FromTicks(period.Ticks * index), n, d.Sum, d.Minimum, d.Maximum) { Values = [value] };
            }
        }

        return [.. buckets.Values];
    }
}
