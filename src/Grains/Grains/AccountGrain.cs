using System.Collections.Immutable;
using Emulator.Contracts;

namespace Emulator.Grains;

[GenerateSerializer, Alias("AccountState")]
public sealed class AccountState
{
    [Id(0)] public Dictionary<ResourceKind, ImmutableSortedSet<string>> Names { get; set; } = [];
}

/// <summary>The account's list of named resources (clusters, capacity providers, ASGs) for List* and status.</summary>
public sealed class AccountGrain([PersistentState("account", "emulator")] IPersistentState<AccountState> store) : Grain, IAccountGrain
{
    public async Task<bool> Add(ResourceKind kind, string name)
    {
        var set = store.State.Names.GetValueOrDefault(kind) ?? ImmutableSortedSet<string>.Empty.WithComparer(StringComparer.Ordinal);
        if (set.Contains(name))
        {
            return false;
        }

        store.State.Names[kind] = set.Add(name);
        await store.WriteStateAsync();
        return true;
    }

    public async Task Remove(ResourceKind kind, string name)
    {
        if (store.State.Names.GetValueOrDefault(kind) is { } set && set.Contains(name))
        {
            store.State.Names[kind] = set.Remove(name);
            await store.WriteStateAsync();
        }
    }

    public Task<ImmutableArray<string>> List(ResourceKind kind) =>
        Task.FromResult(store.State.Names.GetValueOrDefault(kind)?.ToImmutableArray() ?? []);
}
