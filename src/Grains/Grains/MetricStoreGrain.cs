using System.Collections.Immutable;
using Emulator.Contracts;
using Emulator.Model.Persistence;
using Emulator.Runtime;

namespace Emulator.Grains;

/// <summary>
/// The CloudWatch datapoints of one metric namespace (B-CAS-3). Each series keeps one emulated day, served from
/// memory and stored in chunks of one emulated hour per series (<see cref="MetricChunks"/>) plus a small index, so a
/// reactivated store (after a silo's death in the durable mode, or an idle deactivation) reads its history back.
/// Durable mode: changed chunks are written before a Get or List answers (a datapoint a caller has seen is never
/// lost) and every second otherwise; the embedded default writes them only when the grain deactivates (its storage
/// is this process's memory: a periodic write would protect nothing).
/// </summary>
public sealed class MetricStoreGrain(EmulatorRuntime runtime) : Grain, IMetricStoreGrain
{
    private static readonly TimeSpan FlushEvery = TimeSpan.FromSeconds(1);

    private readonly Dictionary<string, Series> _series = new(StringComparer.Ordinal);
    private readonly HashSet<(string Series, long Chunk)> _dirty = [];
    private readonly List<(string Series, long Chunk)> _expired = [];
    private ChunkStorage<MetricChunk> _chunks = null!;
    private ChunkStorage<MetricIndex> _index = null!;
    private bool _indexDirty;

    private string Namespace => this.GetPrimaryKeyString();

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _chunks = ChunkStorage<MetricChunk>.For(ServiceProvider, "emulator-metric-chunk");
        _index = ChunkStorage<MetricIndex>.For(ServiceProvider, "emulator-metric-index");
        await LoadAsync();
        if (runtime.Options.WriteThrough)
        {
            this.RegisterGrainTimer(_ => FlushAsync(), new GrainTimerCreationOptions(FlushEvery, FlushEvery) { Interleave = false, KeepAlive = false });
        }
    }

    /// <summary>Writes what changed, except when the embedded default's silo shuts down (its memory storage goes with the process).</summary>
    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken) =>
        reason.ReasonCode == DeactivationReasonCode.ShuttingDown && !runtime.Options.WriteThrough ? Task.CompletedTask : FlushAsync();

    public Task Put(ImmutableArray<MetricDatum> data)
    {
        var cutoff = runtime.Clock.Now - MetricChunks.Retention;
        foreach (var d in data)
        {
            var key = Key(d.MetricName, d.Dimensions);
            if (!_series.TryGetValue(key, out var s))
            {
                s = new Series(new MetricSeries(d.MetricName, d.Dimensions, d.Unit));
                _series[key] = s;
                _indexDirty = true;
            }

            // Datapoints arrive in time order per series; an out-of-order one is inserted in place.
            var ticks = d.Timestamp.UtcTicks;
            var i = s.Points.Count;
            while (i > 0 && s.Points[i - 1].Ticks > ticks)
            {
                i--;
            }

            s.Points.Insert(i, s.PointOf(d));
            var chunk = MetricChunks.ChunkOf(d.Timestamp);
            _indexDirty |= s.Chunks.Add(chunk);
            _dirty.Add((key, chunk));
            Expire(key, s, cutoff);
        }

        return Task.CompletedTask;
    }

    public async Task<ImmutableArray<MetricDatum>> Get(string metricName, ImmutableArray<MetricDimension> dimensions, DateTimeOffset start, DateTimeOffset end)
    {
        await FlushIfWriteThrough();
        return _series.TryGetValue(Key(metricName, dimensions), out var s) ? s.Range(start, end) : [];
    }

    public async Task<ImmutableArray<ImmutableArray<MetricDatum>>> GetMany(ImmutableArray<MetricSeriesKey> series, DateTimeOffset start, DateTimeOffset end)
    {
        await FlushIfWriteThrough();
        var cpu = ThreadCpu.Now();
        var result = ImmutableArray.CreateBuilder<ImmutableArray<MetricDatum>>(series.Length);
        foreach (var key in series)
        {
            if (!_series.TryGetValue(Key(key.MetricName, key.Dimensions), out var s))
            {
                result.Add([]);
                continue;
            }

            result.Add(s.Range(start, end));
        }

        // Only alarm shards read this way: their evaluation's CPU includes it.
        runtime.Metrics.RecordCpu("metric-store", "GetMany", ThreadCpu.Since(cpu));
        return result.MoveToImmutable();
    }

    public async Task<ImmutableArray<MetricSeries>> List(string? metricName, ImmutableArray<MetricDimension> dimensions)
    {
        await FlushIfWriteThrough();
        return _series.Values
            .Select(s => s.Meta)
            .Where(s => (metricName is null || s.MetricName == metricName)
                        && dimensions.All(f => s.Dimensions.Any(d => d.Name == f.Name && (f.Value.Length == 0 || d.Value == f.Value))))
            .OrderBy(s => Key(s.MetricName, s.Dimensions), StringComparer.Ordinal)
            .ToImmutableArray();
    }

    /// <summary>One emulated day per series: older datapoints leave memory, and hours wholly before the cutoff leave storage.</summary>
    private void Expire(string key, Series s, DateTimeOffset cutoff)
    {
        var expired = s.LowerBound(cutoff);
        if (expired > 0)
        {
            s.Points.RemoveRange(0, expired);
        }

        while (s.Chunks.Count > 0 && MetricChunks.Expired(s.Chunks.Min, cutoff))
        {
            if (s.Stored.Remove(s.Chunks.Min))
            {
                _expired.Add((key, s.Chunks.Min));
            }

            _dirty.Remove((key, s.Chunks.Min));
            s.Chunks.Remove(s.Chunks.Min);
            _indexDirty = true;
        }
    }

    private Task FlushIfWriteThrough() => runtime.Options.WriteThrough ? FlushAsync() : Task.CompletedTask;

    /// <summary>Writes the changed hours, then the index if series or hours were added or removed, then deletes expired hours.</summary>
    private async Task FlushAsync()
    {
        if (_dirty.Count == 0 && _expired.Count == 0 && !_indexDirty)
        {
            return;
        }

        var dirty = _dirty.ToList();
        _dirty.Clear();
        try
        {
            await Task.WhenAll(dirty.Select(c => _chunks.WriteAsync(ChunkKey(c.Series, c.Chunk), _series[c.Series].Chunk(c.Chunk))));
        }
        catch
        {
            _dirty.UnionWith(dirty);
            throw;
        }

        foreach (var (series, chunk) in dirty)
        {
            _series[series].Stored.Add(chunk);
        }

        if (_indexDirty)
        {
            _indexDirty = false;
            try
            {
                await _index.WriteAsync(Namespace, new MetricIndex(_series.Values.Select(s => new MetricIndexEntry(s.Meta, [.. s.Chunks])).ToImmutableArray()));
            }
            catch
            {
                _indexDirty = true;
                throw;
            }
        }

        var expired = _expired.ToList();
        _expired.Clear();
        await Task.WhenAll(expired.Select(c => _chunks.DeleteAsync(ChunkKey(c.Series, c.Chunk))));
    }

    /// <summary>Reads the index and every stored hour of every series; hours past the retention are dropped.</summary>
    private async Task LoadAsync()
    {
        if (await _index.ReadAsync(Namespace) is not { } index)
        {
            return;
        }

        var cutoff = runtime.Clock.Now - MetricChunks.Retention;
        var reads = index.Entries
            .SelectMany(e => e.Chunks.Select(c => (Entry: e, Chunk: c, Read: _chunks.ReadAsync(ChunkKey(Key(e.Series.MetricName, e.Series.Dimensions), c)))))
            .ToList();
        await Task.WhenAll(reads.Select(r => r.Read));
        foreach (var entry in index.Entries)
        {
            var key = Key(entry.Series.MetricName, entry.Series.Dimensions);
            _series[key] = new Series(entry.Series);
        }

        foreach (var (entry, chunk, read) in reads.OrderBy(r => r.Chunk))
        {
            var key = Key(entry.Series.MetricName, entry.Series.Dimensions);
            var s = _series[key];
            s.Chunks.Add(chunk);
            s.Stored.Add(chunk);
            if (await read is { } stored)
            {
                for (var i = 0; i < stored.Ticks.Length; i++)
                {
                    var unit = stored.Units.IsDefaultOrEmpty ? stored.Series.Unit : stored.Units[i];
                    s.Points.Add(new Point(stored.Ticks[i], stored.Values[i], unit == s.Meta.Unit ? null : unit, stored.Sets.IsDefaultOrEmpty ? null : stored.Sets[i]));
                }
            }
        }

        foreach (var (key, s) in _series)
        {
            Expire(key, s, cutoff);
        }
    }

    private string ChunkKey(string series, long chunk) => Namespace + "#" + series + "#" + chunk.ToString(System.Globalization.CultureInfo.InvariantCulture);

    private static string Key(string metricName, ImmutableArray<MetricDimension> dimensions)
    {
        if (dimensions.IsDefaultOrEmpty)
        {
            return metricName + "|";
        }

        // Dimensions usually arrive sorted by name (the contract): sort a copy only when they are not.
        var sorted = true;
        for (var i = 1; i < dimensions.Length && sorted; i++)
        {
            sorted = string.CompareOrdinal(dimensions[i - 1].Name, dimensions[i].Name) <= 0;
        }

        var dims = sorted ? dimensions : dimensions.Sort((a, b) => string.CompareOrdinal(a.Name, b.Name));
        var key = new System.Text.StringBuilder(metricName.Length + 32 * dims.Length).Append(metricName).Append('|');
        for (var i = 0; i < dims.Length; i++)
        {
            key.Append(i == 0 ? "" : "|").Append(dims[i].Name).Append('=').Append(dims[i].Value);
        }

        return key.ToString();
    }

    /// <summary>
    /// One stored datapoint: a value, not an object per datapoint (a day of a thousand series is millions of them, and
    /// every one would be an old object the garbage collector walks). The unit is null when it is the series' own.
    /// </summary>
    private readonly record struct Point(long Ticks, double Value, string? Unit, MetricStatisticSet? Statistics);

    /// <summary>A series in memory: its datapoints in time order and the hours of it that storage holds (or will at the next flush).</summary>
    private sealed class Series(MetricSeries meta)
    {
        public MetricSeries Meta { get; } = meta;

        public List<Point> Points { get; } = [];

        public Point PointOf(MetricDatum d) => new(d.Timestamp.UtcTicks, d.Value, d.Unit == Meta.Unit ? null : d.Unit, d.Statistics);

        /// <summary>The datapoints in [start, end), as datums of this series.</summary>
        public ImmutableArray<MetricDatum> Range(DateTimeOffset start, DateTimeOffset end)
        {
            var first = LowerBound(start);
            var last = LowerBound(end);
            if (last <= first)
            {
                return [];
            }

            var result = ImmutableArray.CreateBuilder<MetricDatum>(last - first);
            for (var i = first; i < last; i++)
            {
                var p = Points[i];
                result.Add(new MetricDatum(Meta.MetricName, Meta.Dimensions, new DateTimeOffset(p.Ticks, TimeSpan.Zero), p.Value, p.Unit ?? Meta.Unit, p.Statistics));
            }

            return result.MoveToImmutable();
        }

        public SortedSet<long> Chunks { get; } = [];

        /// <summary>The hours written to storage (deleted from it when they expire).</summary>
        public HashSet<long> Stored { get; } = [];

        /// <summary>The stored form of one hour of this series.</summary>
        public MetricChunk Chunk(long chunk)
        {
            var start = MetricChunks.Start(chunk);
            var end = MetricChunks.Start(chunk + 1);
            var first = LowerBound(start);
            var ticks = ImmutableArray.CreateBuilder<long>();
            var values = ImmutableArray.CreateBuilder<double>();
            var units = ImmutableArray.CreateBuilder<string>();
            var sets = ImmutableArray.CreateBuilder<MetricStatisticSet?>();
            var mixed = false;
            var anySet = false;
            var endTicks = end.UtcTicks;
            for (var i = first; i < Points.Count && Points[i].Ticks < endTicks; i++)
            {
                ticks.Add(Points[i].Ticks);
                values.Add(Points[i].Value);
                units.Add(Points[i].Unit ?? Meta.Unit);
                sets.Add(Points[i].Statistics);
                mixed |= Points[i].Unit is not null;
                anySet |= Points[i].Statistics is not null;
            }

            return new MetricChunk(Meta, ticks.ToImmutable(), values.ToImmutable(), mixed ? units.ToImmutable() : [], anySet ? sets.ToImmutable() : []);
        }

        public int LowerBound(DateTimeOffset t)
        {
            var ticks = t.UtcTicks;
            int lo = 0, hi = Points.Count;
            while (lo < hi)
            {
                var mid = (lo + hi) / 2;
                if (Points[mid].Ticks < ticks)
                {
                    lo = mid + 1;
                }
                else
                {
                    hi = mid;
                }
            }

            return lo;
        }
    }
}
