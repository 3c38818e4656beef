using System.Collections.Immutable;
using Emulator.Contracts;
using Emulator.Runtime;

namespace Emulator.Grains;

/// <summary>
/// The CloudWatch datapoints of one metric namespace (B-CAS-3), in memory: metrics are observations of the running
/// emulation, so a restarted silo starts a fresh history. Each series keeps one emulated day.
/// </summary>
public sealed class MetricStoreGrain(EmulatorRuntime runtime) : Grain, IMetricStoreGrain
{
    private static readonly TimeSpan Retention = TimeSpan.FromDays(1);

    private readonly Dictionary<string, (MetricSeries Series, List<MetricDatum> Points)> _series = new(StringComparer.Ordinal);

    public Task Put(ImmutableArray<MetricDatum> data)
    {
        var cutoff = runtime.Clock.Now - Retention;
        foreach (var d in data)
        {
            var key = Key(d.MetricName, d.Dimensions);
            if (!_series.TryGetValue(key, out var s))
            {
                s = (new MetricSeries(d.MetricName, d.Dimensions, d.Unit), []);
                _series[key] = s;
            }

            // Datapoints arrive in time order per series; an out-of-order one is inserted in place.
            var i = s.Points.Count;
            while (i > 0 && s.Points[i - 1].Timestamp > d.Timestamp)
            {
                i--;
            }

            s.Points.Insert(i, d);
            var expired = 0;
            while (expired < s.Points.Count && s.Points[expired].Timestamp < cutoff)
            {
                expired++;
            }

            s.Points.RemoveRange(0, expired);
        }

        return Task.CompletedTask;
    }

    public Task<ImmutableArray<MetricDatum>> Get(string metricName, ImmutableArray<MetricDimension> dimensions, DateTimeOffset start, DateTimeOffset end) =>
        Task.FromResult(_series.TryGetValue(Key(metricName, dimensions), out var s)
            ? s.Points.Where(p => p.Timestamp >= start && p.Timestamp < end).ToImmutableArray()
            : []);

    public Task<ImmutableArray<MetricSeries>> List(string? metricName, ImmutableArray<MetricDimension> dimensions) =>
        Task.FromResult(_series.Values
            .Select(s => s.Series)
            .Where(s => (metricName is null || s.MetricName == metricName)
                        && dimensions.All(f => s.Dimensions.Any(d => d.Name == f.Name && (f.Value.Length == 0 || d.Value == f.Value))))
            .OrderBy(s => Key(s.MetricName, s.Dimensions), StringComparer.Ordinal)
            .ToImmutableArray());

    private static string Key(string metricName, ImmutableArray<MetricDimension> dimensions) =>
        metricName + "|" + string.Join("|", dimensions.OrderBy(d => d.Name, StringComparer.Ordinal).Select(d => d.Name + "=" + d.Value));
}
