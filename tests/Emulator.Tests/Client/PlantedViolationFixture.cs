using Emulator.Grains;
using Emulator.Model;
using Emulator.Silo.Hosting;
using Emulator.Tests.VirtualTime;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Configuration;
using Orleans.Serialization;
using Orleans.Storage;
using Orleans.TestingHost;

namespace Emulator.Tests.Client;

/// <summary>
/// A one-silo test cluster whose grain storage plants an invariant violation, with no back door in the emulator: the
/// durable mode's write-through is on (every change a caller sees is written before the reply), and the storage
/// provider, when a cluster whose name starts with <see cref="PlantingStorage.Prefix"/> writes its state, over-commits
/// that cluster's first container instance in the state object the grain keeps (its CPU in use becomes one unit more
/// than registered) before passing the write on. Exactly what a ledger bug in the engine would leave behind: the
/// emulator goes on serving, only the invariant checker can tell. Other clusters and grains are untouched.
/// </summary>
public sealed class PlantedViolationFixture : IAsyncLifetime
{
    private static readonly DateTimeOffset Start = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>This cluster's own virtual clock (the runners advance it through <see cref="VirtualTimeHost.Pause"/>).</summary>
    public static VirtualTimeHost Time { get; } = new(Start, EndToEnd.EmulatorClusterFixture.TimeScale);

    public TestCluster Cluster { get; private set; } = null!;

    public IGrainFactory Grains => Cluster.GrainFactory;

    public async Task InitializeAsync()
    {
        var builder = new TestClusterBuilder(1);
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
        public void Configure(ISiloBuilder silo)
        {
            var options = new EmulatorOptions
            {
                TimeScale = EndToEnd.EmulatorClusterFixture.TimeScale,
                Seed = 7,
                WriteThrough = true,
                Epoch = Start,
                WallStart = Start,
            };

            // The embedded default's pieces (AddEmulator), with the "emulator" storage wrapped; on virtual time.
            silo.AddEmulatorRuntimeOnly(options, Time.Clock);
            silo.Services.AddSingleton(Time.Quiescence);
            silo.AddIncomingGrainCallFilter<QuiescenceFilter>();
            silo.AddOutgoingGrainCallFilter<QuiescenceFilter>();
            silo.UseInMemoryReminderService();
            silo.AddMemoryGrainStorage(PlantingStorage.Inner);
            silo.Services.AddOptions<MemoryGrainStorageOptions>(PlantingStorage.Inner)
                .Configure<Serializer>((o, serializer) => o.GrainStorageSerializer = new OrleansGrainStorageSerializer(serializer));
            silo.Services.AddKeyedSingleton<IGrainStorage>("emulator", (sp, _) => new PlantingStorage(sp.GetRequiredKeyedService<IGrainStorage>(PlantingStorage.Inner)));
        }
    }
}

/// <summary>The storage decorator of <see cref="PlantedViolationFixture"/>.</summary>
public sealed class PlantingStorage(IGrainStorage inner) : IGrainStorage
{
    /// <summary>
    /// Clusters whose name starts with this get one over-committed instance (the first by id when it is planted; once one
    /// is, no other: an instance registering later with a smaller id must not fill a second one, or the cluster has no
    /// room left and the runs fail for another reason than the checker).
    /// </summary>
    public const string Prefix = "planted";

    public const string Inner = "emulator-unplanted";

    public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) => inner.ReadStateAsync(stateName, grainId, grainState);

    public Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        if (grainState.State is ClusterState cluster && grainId.Key.ToString()!.StartsWith(Prefix, StringComparison.Ordinal)
            && cluster.Instances.Values.OrderBy(i => i.ContainerInstanceId, StringComparer.Ordinal).FirstOrDefault() is { } first
            && first.Used.Cpu <= first.Registered.Cpu
            && !cluster.Instances.Values.Any(i => i.Used.Cpu > i.Registered.Cpu))
        {
            cluster.Instances[first.ContainerInstanceId] = first with { Used = first.Used with { Cpu = first.Registered.Cpu + 1 } };
        }

        return inner.WriteStateAsync(stateName, grainId, grainState);
    }

    public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) => inner.ClearStateAsync(stateName, grainId, grainState);
}

[CollectionDefinition(Name)]
public sealed class PlantedViolationCollection : ICollectionFixture<PlantedViolationFixture>
{
    public const string Name = "planted-violation";
}
