using Emulator.Client;
using Emulator.Model;
using Emulator.Silo.Hosting;
using Emulator.Tests.VirtualTime;
using Microsoft.Extensions.DependencyInjection;
using Orleans.TestingHost;

namespace Emulator.Tests.EndToEnd;

/// <summary>
/// One in-process Orleans test cluster (two silos sharing one emulated clock) for all end-to-end tests; every test
/// uses its own uniquely named cluster, ASGs and providers, so no test depends on another's leftovers. The clock is
/// virtual (<see cref="VirtualTimeHost"/>): emulated time moves only when a test advances it, so timer-driven
/// behaviour is deterministic however loaded the machine is.
/// </summary>
public sealed class EmulatorClusterFixture : IAsyncLifetime
{
    /// <summary>The default 60x: on virtual time the scale only sets how wall-time throttles map onto emulated time.</summary>
    public const double TimeScale = 60;

    private static readonly DateTimeOffset Start = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static int _counter;

    /// <summary>The one virtual clock of the test cluster's silos (they are configured by type, so it is static).</summary>
    public static VirtualTimeHost Time { get; } = new(Start, TimeScale);

    public static EmulatorOptions Options { get; } = new()
    {
        TimeScale = TimeScale,
        Seed = 42,
        WallStart = Start,
        Epoch = Start,
    };

    public TestCluster Cluster { get; private set; } = null!;

    public IGrainFactory Grains => Cluster.GrainFactory;

    public static string Unique(string prefix) => $"{prefix}-{Interlocked.Increment(ref _counter)}";

    /// <summary>The client runners' pause on the fixture's virtual clock (<see cref="VirtualTimeHost.Pause"/>).</summary>
    public static Pause Pause => Time.Pause;

    /// <summary>Moves emulated time forward (see <see cref="VirtualTimeHost.Advance"/>).</summary>
    public Task Advance(TimeSpan emulated) => Time.Advance(emulated);

    public async Task InitializeAsync()
    {
        var builder = new TestClusterBuilder(2);
        builder.AddSiloBuilderConfigurator<Configurator>();
        Cluster = builder.Build();
        await Cluster.DeployAsync();
    }

    public async Task DisposeAsync()
    {
        await Cluster.StopAllSilosAsync();
        await Cluster.DisposeAsync();
    }

    private sealed class Configurator : ISiloConfigurator
    {
        public void Configure(ISiloBuilder siloBuilder)
        {
            siloBuilder.AddEmulator(Options, Time.Clock);
            siloBuilder.Services.AddSingleton(Time.Quiescence);
            siloBuilder.AddIncomingGrainCallFilter<QuiescenceFilter>();
            siloBuilder.AddOutgoingGrainCallFilter<QuiescenceFilter>();
        }
    }
}

[CollectionDefinition(Name)]
public sealed class EmulatorCollection : ICollectionFixture<EmulatorClusterFixture>
{
    public const string Name = "emulator";
}
