using Emulator.Model;
using Emulator.Model.Catalog;
using Emulator.Model.Time;

namespace Emulator.Runtime;

/// <summary>
/// What every grain is handed: the one emulated clock, the seeded random source, the validated options, the
/// instance catalog, the metrics and the wall clock behind the emulated one. Injected, never read from statics, so
/// tests and benchmarks control all of it (the virtual-time test host drives <see cref="Wall"/> by hand).
/// </summary>
public sealed class EmulatorRuntime(IEmulatedClock clock, IRandomSource random, EmulatorOptions options, InstanceCatalog catalog, EmulatorMetrics metrics, TimeProvider wall)
{
    /// <summary>
    /// The wall clock the emulated clock scales (B-T-1). Grains measure wall-time throttles (how often gauges are
    /// published, state written, services woken) with it, never with <c>Stopwatch</c>, so that on virtual time they
    /// follow the test's clock. CPU profiling of grain turns stays on <c>Stopwatch</c>: it measures the machine.
    /// </summary>
    public TimeProvider Wall { get; } = wall;

    public IEmulatedClock Clock { get; } = clock;

    public IRandomSource Random { get; } = random;

    public EmulatorOptions Options { get; } = options;

    public InstanceCatalog Catalog { get; } = catalog;

    public EmulatorMetrics Metrics { get; } = metrics;

    public string Region => Options.Region;

    public string Account => Options.AccountId;

    /// <summary>The wall period of a timer that should fire every <paramref name="emulated"/> (at least 2 ms).</summary>
    public TimeSpan WallPeriod(TimeSpan emulated)
    {
        var wall = Clock.ToWall(emulated);
        return wall < TimeSpan.FromMilliseconds(2) ? TimeSpan.FromMilliseconds(2) : wall;
    }
}
