using System.Diagnostics;
using Emulator.Runtime;

namespace Emulator.Benchmarks;

/// <summary>
/// <c>--profile</c> only: an incoming grain call filter that counts calls and the wall time spent inside each
/// grain method (from the first line to completion, queueing excluded). Off by default so that the baseline is raw
/// Orleans with no filter in the call path. Timer ticks are not grain calls and do not show up here.
/// </summary>
public sealed class CallProfile
{
    private readonly CallTimings<string> _stats = new(StringComparer.Ordinal);

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
            _stats.Record(key, Stopwatch.GetElapsedTime(start));
        }
    }

    /// <summary>The figures since the last call, busiest first, and a fresh start.</summary>
    public IReadOnlyList<CallStat> TakeSnapshot() =>
        _stats.Read(reset: true).Select(t => new CallStat(t.Key, t.Count, t.TotalMilliseconds, t.MaxMilliseconds)).ToList();
}

public sealed record CallStat(string Method, long Calls, double TotalMs, double MaxMs)
{
    public double MeanMs => Calls == 0 ? 0 : TotalMs / Calls;
}
