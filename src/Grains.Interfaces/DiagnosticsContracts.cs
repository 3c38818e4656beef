using System.Collections.Immutable;

namespace Emulator.Contracts;

/// <summary>
/// One silo's process figures, for load-test reports. <see cref="LagSample"/> holds the newest timer-lag values of the
/// window (at most a few thousand) so that a client can merge the lag of several silos into one distribution.
/// </summary>
[GenerateSerializer, Immutable, Alias("SiloDiagnostics")]
public sealed record SiloDiagnostics(
    [property: Id(0)] string SiloAddress,
    [property: Id(1)] int ProcessId,
    [property: Id(2)] long ResidentBytes,
    [property: Id(3)] long GcHeapBytes,
    [property: Id(4)] double CpuSeconds,
    [property: Id(5)] int ProcessorCount,
    [property: Id(6)] double TimeScale,
    [property: Id(7)] double LagP50,
    [property: Id(8)] double LagP99,
    [property: Id(9)] double LagMax,
    [property: Id(10)] long LagCount,
    [property: Id(11)] DateTimeOffset EmulatedNow,
    [property: Id(12)] ImmutableArray<LagBySource> LagBySource,
    [property: Id(13)] ImmutableArray<GrainTurns> Turns,
    [property: Id(14)] ImmutableArray<double> LagSample = default,
    [property: Id(15)] string? MachineName = null);

/// <summary>How long one method (or timer tick) of a hot grain held the grain since the lag window began: the profile behind timer lag.</summary>
[GenerateSerializer, Immutable, Alias("GrainTurns")]
public sealed record GrainTurns(
    [property: Id(0)] string Grain,
    [property: Id(1)] string Method,
    [property: Id(2)] long Count,
    [property: Id(3)] double TotalMilliseconds,
    [property: Id(4)] double MaxMilliseconds);

/// <summary>Timer lag (B-T-3, emulated seconds) of one kind of timer: where lag comes from.</summary>
[GenerateSerializer, Immutable, Alias("LagBySource")]
public sealed record LagBySource(
    [property: Id(0)] string Source,
    [property: Id(1)] double P50,
    [property: Id(2)] double P99,
    [property: Id(3)] double Max,
    [property: Id(4)] long Count);

/// <summary>
/// The figures of one named silo (key: <see cref="GrainKeys.PinnedToSilo"/> of its address), placed on that silo
/// whichever gateway the caller reached: a load test against several silos reads every one of them (durable mode).
/// Reading a silo that is not active fails.
/// </summary>
[Alias("ISiloDiagnosticsGrain")]
public interface ISiloDiagnosticsGrain : IGrainWithStringKey
{
    /// <param name="collect">Full blocking GC first (heap figures without garbage).</param>
    /// <param name="resetLag">Start a new timer-lag window after reading.</param>
    [Alias("Read")] Task<SiloDiagnostics> Read(bool collect, bool resetLag);
}

/// <summary>
/// A trivial grain activated on the silo its key names (<see cref="GrainKeys.PinnedToSilo"/> with a counter as
/// suffix): the raw Orleans activation rate of each silo of a multi-silo emulator, measured the same way as
/// <see cref="IActivationProbeGrain"/> but on one silo at a time.
/// </summary>
[Alias("IPinnedProbeGrain")]
public interface IPinnedProbeGrain : IGrainWithStringKey
{
    [Alias("Touch")] Task Touch();

    [Alias("Deactivate")] Task Deactivate();
}

/// <summary>A trivial grain: activating many of them measures the raw Orleans activation rate of the same run.</summary>
[Alias("IActivationProbeGrain")]
public interface IActivationProbeGrain : IGrainWithIntegerKey
{
    [Alias("Touch")] Task Touch();

    [Alias("Deactivate")] Task Deactivate();
}
