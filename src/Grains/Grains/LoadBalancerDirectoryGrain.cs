using System.Collections.Immutable;
using Emulator.Contracts;
using Emulator.Model.LoadBalancing;
using Emulator.Runtime;

namespace Emulator.Grains;

[GenerateSerializer, Alias("LoadBalancerDirectoryState")]
public sealed class LoadBalancerDirectoryState
{
    /// <summary>Every listener's data-plane port, by listener ARN.</summary>
    [Id(0)] public Dictionary<string, DataPlaneListener> Listeners { get; set; } = new(StringComparer.Ordinal);
}

/// <summary>
/// Issue 17: which loopback port each listener's data plane answers on. Ports come from
/// <c>Emulator:LoadBalancing:DataPlanePorts</c> in order, the first one no listener holds; a listener keeps its port
/// until it is deleted (also across restarts in the durable mode, where the directory is stored). Every silo's data plane
/// reads the list to know which ports to serve.
/// </summary>
public sealed class LoadBalancerDirectoryGrain(
    [PersistentState("loadbalancer-directory", "emulator")] IPersistentState<LoadBalancerDirectoryState> store, EmulatorRuntime runtime) : Grain, ILoadBalancerDirectoryGrain
{
    public async Task<int> Allocate(string listenerArn, string loadBalancer)
    {
        if (store.State.Listeners.TryGetValue(listenerArn, out var existing))
        {
            return existing.Port;
        }

        var used = store.State.Listeners.Values.Select(l => l.Port).ToHashSet();
        var (ports, _) = runtime.Options.LoadBalancing.ParsePorts();
        var free = ports.Where(p => !used.Contains(p)).Select(p => (int?)p).FirstOrDefault()
            ?? throw new EcsException(ElbErrorCodes.TooManyListeners,
                $"Every data-plane port of the emulator is taken by a listener ({runtime.Options.LoadBalancing.DataPlanePorts}, Emulator:LoadBalancing:DataPlanePorts / --lb-ports)");
        store.State.Listeners[listenerArn] = new DataPlaneListener(listenerArn, loadBalancer, free);
        await store.WriteStateAsync();
        return free;
    }

    public async Task Release(string listenerArn)
    {
        if (store.State.Listeners.Remove(listenerArn))
        {
            await store.WriteStateAsync();
        }
    }

    public Task<ImmutableArray<DataPlaneListener>> List() =>
        Task.FromResult(store.State.Listeners.Values.OrderBy(l => l.Port).ToImmutableArray());
}
