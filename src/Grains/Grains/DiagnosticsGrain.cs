using System.Collections.Immutable;
using System.Diagnostics;
using Emulator.Contracts;
using Emulator.Runtime;

namespace Emulator.Grains;

/// <summary>Process figures of the silo its key names (see <see cref="ISiloDiagnosticsGrain"/>).</summary>
[SiloPinnedPlacement]
public sealed class SiloDiagnosticsGrain(EmulatorRuntime runtime, ILocalSiloDetails silo) : Grain, ISiloDiagnosticsGrain
{
    public Task<SiloDiagnostics> Read(bool collect, bool resetLag)
    {
        var here = silo.SiloAddress.ToParsableString();
        var named = GrainKeys.PinnedSilo(this.GetPrimaryKeyString());
        if (!string.Equals(here, named, StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"diagnostics of silo {named} answered by silo {here}: silo-pinned placement is not configured");
        }

        return Task.FromResult(Snapshot(runtime, silo, collect, resetLag));
    }

    /// <summary>The process figures of this silo now.</summary>
    private static SiloDiagnostics Snapshot(EmulatorRuntime runtime, ILocalSiloDetails silo, bool collect, bool resetLag)
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
        var sample = runtime.Metrics.LagSample();
        if (resetLag)
        {
            runtime.Metrics.ResetLag();
        }

        return new SiloDiagnostics(
            silo.SiloAddress.ToParsableString(), Environment.ProcessId, process.WorkingSet64, GC.GetTotalMemory(false),
            process.TotalProcessorTime.TotalSeconds, Environment.ProcessorCount, runtime.Clock.TimeScale, p50, p99, max, count, runtime.Clock.Now, bySource, turns,
            [.. sample], Environment.MachineName);
    }
}

/// <summary>An empty grain on the silo its key names, for each silo's raw activation baseline.</summary>
[SiloPinnedPlacement]
public sealed class PinnedProbeGrain : Grain, IPinnedProbeGrain
{
    public Task Touch() => Task.CompletedTask;

    public Task Deactivate()
    {
        DeactivateOnIdle();
        return Task.CompletedTask;
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
