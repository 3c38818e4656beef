using Emulator.Contracts;

namespace Emulator.Grains;

[GenerateSerializer, Alias("ClusterSettingsState")]
public sealed class ClusterSettingsState
{
    [Id(0)] public ClusterSettingsRecord? Record { get; set; }
}

/// <summary>A cluster's settings and configuration as written, and its deletion time (<see cref="IClusterSettingsGrain"/>).</summary>
public sealed class ClusterSettingsGrain([PersistentState("cluster-settings", "emulator")] IPersistentState<ClusterSettingsState> store) : Grain, IClusterSettingsGrain
{
    public Task<ClusterSettingsRecord?> Get() => Task.FromResult(store.State.Record);

    public async Task<ClusterSettingsRecord> Put(ClusterSettingsRecord record)
    {
        store.State.Record = record;
        await store.WriteStateAsync();
        return record;
    }
}
