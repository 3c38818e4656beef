using Emulator.Client;
using Emulator.Contracts;

namespace Emulator.Tests.Client;

/// <summary>Issue 18: figures of repeated runs (median and range) and timer lag merged over several silos.</summary>
public sealed class FiguresTests
{
    [Fact]
    public void A_spread_is_the_median_and_range_of_the_runs()
    {
        var odd = Spread.Of([0.54, 0.42, 0.73, 0.46, 0.56]);
        Assert.Equal(5, odd.Runs);
        Assert.Equal(0.54, odd.Median);
        Assert.Equal(0.42, odd.Min);
        Assert.Equal(0.73, odd.Max);
        Assert.Equal("0.54 (0.42–0.73, 5 runs)", odd.Format("0.00"));
        Assert.Equal("{\"median\":0.54,\"min\":0.42,\"max\":0.73,\"runs\":5,\"values\":[0.54,0.42,0.73,0.46,0.56]}", odd.ToJson("0.00"));

        var even = Spread.Of([4.0, 1.0, 3.0, 2.0]);
        Assert.Equal(2.5, even.Median);
        Assert.Equal("3 (1 run)", Spread.Of([3.0, double.NaN]).Format("0")); // a run without the figure is left out
        Assert.Equal("n/a", Spread.Of([]).Format("0"));
    }

    private static SiloDiagnostics Silo(string address, long count, params double[] sample) =>
        new(address, 1, 0, 0, 0, 2, 100, Percentile(sample, 0.5), Percentile(sample, 0.99), sample.DefaultIfEmpty().Max(), count, default, [], [], [.. sample], "m");

    private static double Percentile(double[] values, double q)
    {
        if (values.Length == 0)
        {
            return 0;
        }

        var sorted = values.Order().ToArray();
        return sorted[Math.Min(sorted.Length - 1, (int)(sorted.Length * q))];
    }

    [Fact]
    public void Lag_of_one_silo_is_that_silos_own_and_silos_without_lag_do_not_dilute_it()
    {
        var busy = Silo("a", 3, 0.1, 0.2, 5.0);
        var merged = LagFigures.Merge([busy, Silo("b", 0), Silo("c", 0)]);
        Assert.Equal(new LagFigures(busy.LagP50, busy.LagP99, 5.0, 3), merged);
    }

    [Fact]
    public void Lag_of_several_silos_weighs_each_retained_value_by_what_its_window_counted()
    {
        // Silo a kept 4 of 4,000 lags (each stands for 1,000), all small; silo b kept 10 of 10, all large: b is 10 of
        // 4,010 lags, 0.25 %, so the p99 is a's and the max is b's.
        var a = Silo("a", 4_000, 0.1, 0.1, 0.2, 0.2);
        var b = Silo("b", 10, Enumerable.Repeat(9.0, 10).ToArray());
        var merged = LagFigures.Merge([a, b]);
        Assert.Equal(4_010, merged.Count);
        Assert.Equal(0.2, merged.P99);
        Assert.Equal(9.0, merged.Max);

        // With as many lags on b as on a, half the distribution is b's: the p99 is b's value.
        var even = LagFigures.Merge([a, Silo("b", 4_000, 9.0, 9.0)]);
        Assert.Equal(9.0, even.P99);
        Assert.Equal(0.2, even.P50);
    }

    [Fact]
    public void Process_totals_count_each_process_once()
    {
        // An in-process test cluster runs two silos in one process: its CPU and RSS are not doubled.
        var one = Silo("a", 0) with { ProcessId = 7, CpuSeconds = 3, ResidentBytes = 100 };
        var two = Silo("b", 0) with { ProcessId = 7, CpuSeconds = 3, ResidentBytes = 100 };
        var three = Silo("c", 0) with { ProcessId = 8, CpuSeconds = 1, ResidentBytes = 50 };
        var reading = new ClusterReading([one, two, three], null);
        Assert.Equal(4, reading.CpuSeconds);
        Assert.Equal(150, reading.ResidentBytes);
        Assert.Equal(3, reading.Silos.Length);
    }
}
