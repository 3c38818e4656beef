using System.Collections.Concurrent;
using System.Diagnostics;

namespace Emulator.Benchmarks;

/// <summary>
/// <c>--profile</c> only: an incoming grain call filter that counts calls and the wall time spent inside each
/// grain method (from the first line to completion, queueing excluded). Off by default so that the baseline is raw
/// Orleans with no filter in the call path. Timer ticks are not grain calls and do not show up here.
/// </summary>
public sealed class CallProfile
{
    private readonly ConcurrentDictionary<string, Stat> _stats = new(StringComparer.Ordinal);

    public bool Enabled { get; set; }

    public async Task Invoke(IIncomingGrainCallContext context)
    {
        if (!Enabled)
        {
            await context.Invoke();
            return;
        }

        var start = Stopwatch.GetTimestamp();
        try
        {
            await context.Invoke();
        }
        finally
        {
            var key = $"{context.InterfaceMethod?.DeclaringType?.Name ?? context.InterfaceName}.{context.MethodName} @{context.TargetId.Type}";
            _stats.GetOrAdd(key, _ => new Stat()).Add(Stopwatch.GetElapsedTime(start).Ticks);
        }
    }

    /// <summary>The figures since the last call, busiest first, and a fresh start.</summary>
    public IReadOnlyList<CallStat> TakeSnapshot()
    {
        var result = _stats.Select(kv => kv.Value.Take(kv.Key)).Where(s => s.Calls > 0).OrderByDescending(s => s.TotalMs).ToList();
        return result;
    }

    private sealed class Stat
    {
        private readonly Lock _gate = new();
        private long _calls;
        private long _ticks;
        private long _maxTicks;

        public void Add(long ticks)
        {
            lock (_gate)
            {
                _calls++;
                _ticks += ticks;
                _maxTicks = Math.Max(_maxTicks, ticks);
            }
        }

        public CallStat Take(string name)
        {
            lock (_gate)
            {
                var s = new CallStat(name, _calls, TimeSpan.FromTicks(_ticks).TotalMilliseconds, TimeSpan.FromTicks(_maxTicks).TotalMilliseconds);
                _calls = _ticks = _maxTicks = 0;
                return s;
            }
        }
    }
}

public sealed record CallStat(string Method, long Calls, double TotalMs, double MaxMs)
{
    public double MeanMs => Calls == 0 ? 0 : TotalMs / Calls;
}
