using System.Collections.Immutable;

namespace Emulator.Contracts;

/// <summary>Tags of ECS resources by ARN (TagResource, UntagResource, ListTagsForResource).</summary>
[Alias("ITagRegistryGrain")]
public interface ITagRegistryGrain : IGrainWithStringKey
{
    [Alias("Tag")] Task<ImmutableDictionary<string, string>> Tag(string arn, ImmutableDictionary<string, string> tags);

    [Alias("Untag")] Task<ImmutableDictionary<string, string>> Untag(string arn, ImmutableArray<string> keys);

    [Alias("Get")] Task<ImmutableDictionary<string, string>> Get(string arn);
}
