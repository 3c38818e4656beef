using Emulator.Model.Metrics;

namespace Emulator.Tests.Model.Metrics;

/// <summary>CloudWatch statistics over period buckets (GetMetricStatistics / GetMetricData).</summary>
public sealed class MetricStatisticsTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Buckets_are_period_aligned_and_empty_ones_left_out()
    {
        var points = new[] { (T0.AddSeconds(5), 100.0), (T0.AddSeconds(50), 200.0), (T0.AddSeconds(130), 50.0), (T0.AddSeconds(400), 1.0) };
        var buckets = MetricStatistics.Aggregate(points, T0.AddSeconds(1), T0.AddSeconds(300), TimeSpan.FromMinutes(1));
        Assert.Equal(2, buckets.Count);
        Assert.Equal(new StatisticsBucket(T0, 2, 300, 100, 200), buckets[0]);
        Assert.Equal(150, buckets[0].Get("Average"));
        Assert.Equal(T0.AddMinutes(2), buckets[1].Timestamp);
        Assert.Equal(1, buckets[1].Get("SampleCount"));
    }
}
