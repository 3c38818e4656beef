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
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, (long Calls, double CpuMs, long Bytes)> _cpu = new(StringComparer.Ordinal);

    public bool Enabled { get; set; }

    public async Task Invoke(IIncomingGrainCallContext context)
    {
        if (!Enabled)
        {
            await context.Invoke();
            return;
        }

        var start = Stopwatch.GetTimestamp();
        var key = $"{context.InterfaceMethod?.DeclaringType?.Name ?? context.InterfaceName}.{context.MethodName} @{context.TargetId.Type}";
        try
        {
            // The synchronous part of the call (up to its first wait) runs on this thread: its CPU and allocations.
            var cpu = ThreadCpu.Now();
            var allocated = GC.GetAllocatedBytesForCurrentThread();
            var call = context.Invoke();
            var bytes = GC.GetAllocatedBytesForCurrentThread() - allocated;
            var cpuMs = ThreadCpu.Since(cpu).TotalMilliseconds;
            _cpu.AddOrUpdate(key, (1, cpuMs, bytes), (_, t) => (t.Calls + 1, t.CpuMs + cpuMs, t.Bytes + bytes));
            await call;
        }
        finally
        {
            _stats.Record(key, Stopwatch.GetElapsedTime(start));
        }
    }

    /// <summary>CPU (thread CPU) and allocations of the calls' synchronous parts, by method, heaviest CPU first, and a fresh start.</summary>
    public IReadOnlyList<(string Method, long Calls, double CpuMs, long Bytes)> TakeCpuSnapshot()
    {
        var all = _cpu.Select(kv => (kv.Key, kv.Value.Calls, kv.Value.CpuMs, kv.Value.Bytes)).OrderByDescending(t => t.CpuMs).ToList();
        _cpu.Clear();
        return all;
    }

    /// <summary>The figures since the last call, busiest first, and a fresh start.</summary>
    public IReadOnlyList<CallStat> TakeSnapshot() =>
        _stats.Read(reset: true).Select(t => new CallStat(t.Key, t.Count, t.TotalMilliseconds, t.MaxMilliseconds)).ToList();
}

public sealed record CallStat(string Method, long Calls, double TotalMs, double MaxMs)
{
    public double MeanMs => Calls == 0 ? 0 : TotalMs / Calls;
}
