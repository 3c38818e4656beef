using System.Collections.Immutable;
using System.Diagnostics;
using Emulator.Contracts;
using Emulator.Runtime;
using Orleans.Concurrency;

namespace Emulator.Grains;

/// <summary>Process figures of the silo it runs on (see <see cref="IDiagnosticsGrain"/>).</summary>
[StatelessWorker(1)]
public sealed class DiagnosticsGrain(EmulatorRuntime runtime, ILocalSiloDetails silo) : Grain, IDiagnosticsGrain
{
    public Task<SiloDiagnostics> Read(bool collect, bool resetLag)
    {
        if (collect)
        {
            GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
            GC.WaitForPendingFinalizers();
        }

        using var process = Process.GetCurrentProcess();
        var (p50, p99, max, count) = runtime.Metrics.LagPercentiles();
        var bySource = runtime.Metrics.LagPercentilesBySource()
            .OrderBy(kv => kv.Key, StringComparer.Ordinal)
            .Select(kv => new LagBySource(kv.Key, kv.Value.P50, kv.Value.P99, kv.Value.Max, kv.Value.Count))
            .ToImmutableArray();
        var turns = runtime.Metrics.TurnProfile().Select(t => new GrainTurns(t.Key.Grain, t.Key.Method, t.Count, t.TotalMilliseconds, t.MaxMilliseconds)).ToImmutableArray();
        if (resetLag)
        {
            runtime.Metrics.ResetLag();
        }

        return Task.FromResult(new SiloDiagnostics(
            silo.SiloAddress.ToParsableString(), Environment.ProcessId, process.WorkingSet64, GC.GetTotalMemory(false),
            process.TotalProcessorTime.TotalSeconds, Environment.ProcessorCount, runtime.Clock.TimeScale, p50, p99, max, count, runtime.Clock.Now, bySource, turns));
    }
}

/// <summary>An empty grain for the raw activation baseline.</summary>
public sealed class ActivationProbeGrain : Grain, IActivationProbeGrain
{
    public Task Touch() => Task.CompletedTask;

    public Task Deactivate()
    {
        DeactivateOnIdle();
        return Task.CompletedTask;
    }
}
