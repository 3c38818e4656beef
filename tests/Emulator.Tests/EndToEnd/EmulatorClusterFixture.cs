using Emulator.Model;
using Emulator.Silo.Hosting;
using Orleans.TestingHost;

namespace Emulator.Tests.EndToEnd;

/// <summary>
/// One in-process Orleans test cluster (two silos sharing one emulated clock) for all end-to-end tests; every test
/// uses its own uniquely named cluster, ASGs and providers, so no test depends on another's leftovers.
/// </summary>
public sealed class EmulatorClusterFixture : IAsyncLifetime
{
    /// <summary>600x: one emulated minute is 100 ms of wall time.</summary>
    public const double TimeScale = 600;

    private static int _counter;

    public static EmulatorOptions Options { get; } = new()
    {
        TimeScale = TimeScale,
        Seed = 42,
        WallStart = DateTimeOffset.UtcNow,
        Epoch = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero),
    };

    public TestCluster Cluster { get; private set; } = null!;

    public IGrainFactory Grains => Cluster.GrainFactory;

    public static string Unique(string prefix) => $"{prefix}-{Interlocked.Increment(ref _counter)}";

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
        public void Configure(ISiloBuilder siloBuilder) => siloBuilder.AddEmulator(Options);
    }
}

[CollectionDefinition(Name)]
public sealed class EmulatorCollection : ICollectionFixture<EmulatorClusterFixture>
{
    public const string Name = "emulator";
}
