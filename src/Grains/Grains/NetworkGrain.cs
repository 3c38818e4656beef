using Emulator.Contracts;
using Emulator.Model.Network;
using Emulator.Runtime;

namespace Emulator.Grains;

[GenerateSerializer, Alias("NetworkGrainState")]
public sealed class NetworkGrainState
{
    [Id(0)] public NetworkState State { get; set; } = NetworkState.Empty;

    /// <summary>Changes applied so far: scopes the seeded id stream, so ids stay unique across deletes (B-ID-4).</summary>
    [Id(1)] public long Changes { get; set; }
}

/// <summary>
/// The account's EC2 network (<see cref="INetworkGrain"/>): validate and change in the pure model, persist. The default
/// VPC is created on first use, from the seed, so the same seed gives the same default VPC and subnet ids.
/// </summary>
public sealed class NetworkGrain([PersistentState("network", "emulator")] IPersistentState<NetworkGrainState> store, EmulatorRuntime runtime) : Grain, INetworkGrain
{
    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (NetworkModel.DefaultVpc(store.State.State) is null)
        {
            store.State.State = NetworkModel.WithDefaultVpc(store.State.State, Context("default-vpc"));
            await store.WriteStateAsync(cancellationToken);
        }

        await base.OnActivateAsync(cancellationToken);
    }

    public Task<NetworkState> Read() => Task.FromResult(store.State.State);

    public async Task<NetworkChange> Apply(NetworkCommand command)
    {
        var context = Context(store.State.Changes.ToString(System.Globalization.CultureInfo.InvariantCulture));
        var before = store.State.State;
        var (next, id) = command is NetworkCreateVpc or NetworkCreateSubnet or NetworkCreateSecurityGroup
            ? NetworkModel.Create(store.State.State, command, context)
            : (NetworkModel.Apply(store.State.State, command, context), null);
        store.State.State = next;
        store.State.Changes++;
        await store.WriteStateAsync();
        // The rules this change authorized, found here (one change at a time), not by the caller comparing reads: two
        // Authorize calls at once (Terraform creates an ingress and an egress rule in parallel) must not see each other's.
        var createdRules = command is NetworkSecurityGroupRules { Authorize: true } rules
            ? NetworkModel.NewRuleIds(before, next, rules.GroupId)
            : [];
        return new NetworkChange(next, id, createdRules);
    }

    private NetworkContext Context(string scope) =>
        new(runtime.Account, runtime.Region, Zones.Of(runtime.Region, runtime.Options.AvailabilityZones), runtime.Clock.Now, runtime.Random.For("network/" + scope));
}
