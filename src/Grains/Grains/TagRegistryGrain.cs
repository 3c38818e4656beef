using System.Collections.Immutable;
using Emulator.Contracts;

namespace Emulator.Grains;

[GenerateSerializer, Alias("TagRegistryState")]
public sealed class TagRegistryState
{
    [Id(0)] public Dictionary<string, ImmutableDictionary<string, string>> Tags { get; set; } = new(StringComparer.Ordinal);
}

/// <summary>Tags by resource ARN. Limits as ECS: 50 tags, keys 1..128, values up to 256, no "aws:" keys.</summary>
public sealed class TagRegistryGrain([PersistentState("tags", "emulator")] IPersistentState<TagRegistryState> store) : Grain, ITagRegistryGrain
{
    public async Task<ImmutableDictionary<string, string>> Tag(string arn, ImmutableDictionary<string, string> tags)
    {
        foreach (var (k, v) in tags)
        {
            if (k.Length is < 1 or > 128 || v.Length > 256)
            {
                throw ErrorCodes.Invalid("Tag keys must be 1 to 128 characters and values at most 256 characters.");
            }

            if (k.StartsWith("aws:", StringComparison.OrdinalIgnoreCase))
            {
                throw ErrorCodes.Invalid("Tag keys beginning with 'aws:' are reserved.");
            }
        }

        var merged = (store.State.Tags.GetValueOrDefault(arn) ?? ImmutableDictionary<string, string>.Empty.WithComparers(StringComparer.Ordinal)).SetItems(tags);
        if (merged.Count > 50)
        {
            throw ErrorCodes.Invalid("A resource can have at most 50 tags.");
        }

        store.State.Tags[arn] = merged;
        await store.WriteStateAsync();
        return merged;
    }

    public async Task<ImmutableDictionary<string, string>> Untag(string arn, ImmutableArray<string> keys)
    {
        var current = store.State.Tags.GetValueOrDefault(arn) ?? ImmutableDictionary<string, string>.Empty;
        var left = current.RemoveRange(keys);
        store.State.Tags[arn] = left;
        await store.WriteStateAsync();
        return left;
    }

    public Task<ImmutableDictionary<string, string>> Get(string arn) =>
        Task.FromResult(store.State.Tags.GetValueOrDefault(arn) ?? ImmutableDictionary<string, string>.Empty);

    public Task<ImmutableDictionary<string, string>?> Find(string arn) => Task.FromResult(store.State.Tags.GetValueOrDefault(arn));

    public async Task Forget(string arn)
    {
        if (store.State.Tags.Remove(arn))
        {
            await store.WriteStateAsync();
        }
    }

    public async Task Replace(string arn, ImmutableDictionary<string, string> tags)
    {
        store.State.Tags[arn] = tags;
        await store.WriteStateAsync();
    }
}
