using System.Diagnostics;

namespace Emulator.Benchmarks;

public sealed record BaselineResult(
    int Activations,
    double ActivationSeconds,
    double ActivationsPerSecond,
    double HeapBytesPerActivation,
    int Callers,
    long GrainCalls,
    double GrainCallsPerSecond,
    int ClientInFlight,
    long ClientCalls,
    double ClientCallsPerSecond,
    double DeactivationSeconds,
    RuntimeWindow ActivationRuntime,
    RuntimeWindow GrainCallRuntime);

/// <summary>
/// Raw Orleans on the same silo, in the same process, just before the emulator runs: what one activation and one
/// grain call cost here and now. The emulator's figures are read against these.
/// </summary>
public static class BaselineBenchmark
{
    private const int ActivationWorkers = 512;
    private const long WarmupKeys = 1_000_000_000;
    private const long TargetKeys = 2_000_000_000;

    public static async Task<BaselineResult> Run(IGrainFactory grains, BenchmarkOptions o, TextWriter log)
    {
        // Warm-up: JIT (and tiered re-JIT) the activation and call paths so the measured runs see steady-state code.
        log.WriteLine("  warming up...");
        var warmup = Math.Max(1_000, o.Activations / 5);
        await Measure.Fan(warmup, ActivationWorkers, i => grains.GetGrain<IActivationGrain>(WarmupKeys + i).Touch());
        for (var round = 0; round < 3; round++)
        {
            await Measure.Fan(o.Callers, o.Callers, i => grains.GetGrain<ICallerGrain>(i).Run(TargetKeys + i, 3_000));
            await Measure.Fan(30_000, o.ClientInFlight, i => grains.GetGrain<IPingGrain>(TargetKeys + i % o.ClientInFlight).Ping(i));
            await Measure.WaitForJitQuiet(TimeSpan.FromSeconds(5));
        }

        await Measure.Fan(warmup, ActivationWorkers, i => grains.GetGrain<IActivationGrain>(WarmupKeys + i).Deactivate());
        await WaitForDeactivation(grains, TimeSpan.FromSeconds(30));
        await Measure.WaitForJitQuiet(TimeSpan.FromSeconds(10));

        // 1. Grain -> grain: each caller grain awaits its own ping grain in a loop (ORLEANS-NOTES: 64 callers).
        var perCaller = Math.Max(1_000, 2_000_000 / o.Callers);
        log.WriteLine($"  {o.Callers} caller grains x {perCaller:N0} grain -> grain calls...");
        var window = RuntimeWindow.Now();
        var sw = Stopwatch.StartNew();
        await Measure.Fan(o.Callers, o.Callers, i => CallInChunks(grains.GetGrain<ICallerGrain>(i), TargetKeys + i, perCaller));
        var grainCallSeconds = sw.Elapsed.TotalSeconds;
        var grainCallRuntime = RuntimeWindow.Now().Since(window);
        var grainCalls = (long)perCaller * o.Callers;

        // 2. In-process client -> grain with many calls in flight.
        var clientCalls = 500_000;
        log.WriteLine($"  {clientCalls:N0} client -> grain calls, {o.ClientInFlight} in flight...");
        await Measure.WaitForJitQuiet(TimeSpan.FromSeconds(5));
        sw.Restart();
        await Measure.Fan(clientCalls, o.ClientInFlight, i => grains.GetGrain<IPingGrain>(TargetKeys + i % o.ClientInFlight).Ping(i));
        var clientSeconds = sw.Elapsed.TotalSeconds;

        // 3. Activations: each call activates a new grain (placement, directory registration, activation, call).
        await Measure.WaitForJitQuiet(TimeSpan.FromSeconds(5));
        var heapBefore = Measure.FullGcHeap();
        log.WriteLine($"  activating {o.Activations:N0} grains ({ActivationWorkers} concurrent calls)...");
        window = RuntimeWindow.Now();
        sw.Restart();
        await Measure.Fan(o.Activations, ActivationWorkers, i => grains.GetGrain<IActivationGrain>(i).Touch());
        var activationSeconds = sw.Elapsed.TotalSeconds;
        var activationRuntime = RuntimeWindow.Now().Since(window);
        var heapAfter = Measure.FullGcHeap();

        // Leave the silo as the emulator would find it: the 100,000 baseline activations go away.
        sw.Restart();
        await Measure.Fan(o.Activations, ActivationWorkers, i => grains.GetGrain<IActivationGrain>(i).Deactivate());
        await WaitForDeactivation(grains, TimeSpan.FromSeconds(30));
        var deactivationSeconds = sw.Elapsed.TotalSeconds;

        return new BaselineResult(
            o.Activations, activationSeconds, o.Activations / activationSeconds,
            (double)(heapAfter - heapBefore) / o.Activations,
            o.Callers, grainCalls, grainCalls / grainCallSeconds,
            o.ClientInFlight, clientCalls, clientCalls / clientSeconds,
            deactivationSeconds, activationRuntime, grainCallRuntime);
    }

    /// <summary>Keeps each grain call well under the 30 s response timeout, even on a slow or busy machine.</summary>
    private static async Task CallInChunks(ICallerGrain caller, long target, int calls)
    {
        for (var done = 0; done < calls; done += 5_000)
        {
            await caller.Run(target, Math.Min(5_000, calls - done));
        }
    }

    private static async Task WaitForDeactivation(IGrainFactory grains, TimeSpan timeout)
    {
        var management = grains.GetGrain<IManagementGrain>(0);
        var sw = Stopwatch.StartNew();
        while (sw.Elapsed < timeout)
        {
            var stats = await management.GetSimpleGrainStatistics();
            if (stats.Where(s => s.GrainType.Contains(nameof(ActivationGrain), StringComparison.Ordinal)).Sum(s => s.ActivationCount) == 0)
            {
                return;
            }

            await Task.Delay(100);
        }
    }
}
