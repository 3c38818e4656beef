using System.Diagnostics;
using System.Runtime;

namespace Emulator.Benchmarks;

/// <summary>Memory and CPU readings taken the same way before and after each phase.</summary>
public static class Measure
{
    /// <summary>GC heap after a full, blocking, compacting collection (finalizers run in between).</summary>
    public static long FullGcHeap()
    {
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        return GC.GetTotalMemory(forceFullCollection: false);
    }

    public static long WorkingSet()
    {
        using var p = Process.GetCurrentProcess();
        p.Refresh();
        return p.WorkingSet64;
    }

    public static TimeSpan CpuTime()
    {
        using var p = Process.GetCurrentProcess();
        p.Refresh();
        return p.TotalProcessorTime;
    }

    /// <summary>
    /// Waits until tiered compilation has (nearly) stopped compiling, so that a measured phase runs optimized code
    /// and does not share the CPU with the JIT's background thread.
    /// </summary>
    public static async Task WaitForJitQuiet(TimeSpan max)
    {
        var sw = Stopwatch.StartNew();
        var last = JitInfo.GetCompiledMethodCount();
        while (sw.Elapsed < max)
        {
            await Task.Delay(250);
            var now = JitInfo.GetCompiledMethodCount();
            if (now - last < 3)
            {
                return;
            }

            last = now;
        }
    }

    /// <summary>Runs <paramref name="workers"/> loops over <c>0..count-1</c> (worker w takes w, w+workers, ...).</summary>
    public static Task Fan(int count, int workers, Func<int, Task> body) =>
        Task.WhenAll(Enumerable.Range(0, Math.Min(workers, count)).Select(async w =>
        {
            for (var i = w; i < count; i += workers)
            {
                await body(i);
            }
        }));

    /// <summary>Median wall milliseconds of <paramref name="repeat"/> awaited calls.</summary>
    public static async Task<double> MedianMs(int repeat, Func<Task> call)
    {
        var samples = new double[repeat];
        for (var i = 0; i < repeat; i++)
        {
            var start = Stopwatch.GetTimestamp();
            await call();
            samples[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        }

        Array.Sort(samples);
        return samples[repeat / 2];
    }
}

/// <summary>
/// Garbage collections, GC pause time (workstation GC pauses the allocating threads) and JIT work (tiered
/// compilation re-jits hot methods in the background) over a window.
/// </summary>
public readonly record struct RuntimeWindow(int Gen0, int Gen1, int Gen2, double GcPauseMs, long JitMethods, double JitMs)
{
    public static RuntimeWindow Now() =>
        new(GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2), GC.GetTotalPauseDuration().TotalMilliseconds,
            JitInfo.GetCompiledMethodCount(), JitInfo.GetCompilationTime().TotalMilliseconds);

    public RuntimeWindow Since(RuntimeWindow start) =>
        new(Gen0 - start.Gen0, Gen1 - start.Gen1, Gen2 - start.Gen2, GcPauseMs - start.GcPauseMs, JitMethods - start.JitMethods, JitMs - start.JitMs);

    public override string ToString() =>
        $"GC {Gen0}/{Gen1}/{Gen2} (gen0/1/2) paused {GcPauseMs:N0} ms; JIT {JitMethods:N0} methods {JitMs:N0} ms";
}
