using System.Collections.Concurrent;

namespace Emulator.Runtime;

/// <summary>
/// How many times something ran (a grain method, a timer tick) and how long it took in total and at most, per key;
/// thread-safe. The emulator's profile of its hot grains (<see cref="EmulatorMetrics.RecordTurn"/>) and the
/// benchmark's call profile both use it.
/// </summary>
public sealed class CallTimings<TKey>
    where TKey : notnull
{
    private readonly ConcurrentDictionary<TKey, Totals> _totals;

    public CallTimings(IEqualityComparer<TKey>? comparer = null) => _totals = new ConcurrentDictionary<TKey, Totals>(comparer);

    public void Record(TKey key, TimeSpan elapsed) => _totals.GetOrAdd(key, static _ => new Totals()).Add(elapsed.TotalMilliseconds);

    /// <summary>The figures since the last reset, busiest first; <paramref name="reset"/> starts a new window.</summary>
    public IReadOnlyList<CallTiming<TKey>> Read(bool reset) =>
        _totals.Select(kv => kv.Value.Read(kv.Key, reset)).Where(t => t.Count > 0).OrderByDescending(t => t.TotalMilliseconds).ToList();

    public void Reset()
    {
        foreach (var t in _totals.Values)
        {
            t.Read(default!, reset: true);
        }
    }

    private sealed class Totals
    {
        private readonly Lock _gate = new();
        private long _count;
        private double _total;
        private double _max;

        public void Add(double ms)
        {
            lock (_gate)
            {
                _count++;
                _total += ms;
                _max = Math.Max(_max, ms);
            }
        }

        public CallTiming<TKey> Read(TKey key, bool reset)
        {
            lock (_gate)
            {
                var figures = new CallTiming<TKey>(key, _count, _total, _max);
                if (reset)
                {
                    (_count, _total, _max) = (0, 0, 0);
                }

                return figures;
            }
        }
    }
}

/// <summary>One key's figures: how many times, total and longest milliseconds.</summary>
public sealed record CallTiming<TKey>(TKey Key, long Count, double TotalMilliseconds, double MaxMilliseconds);
