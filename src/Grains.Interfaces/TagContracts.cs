using System.Collections.Immutable;

namespace Emulator.Contracts;

/// <summary>
/// Tags of ECS resources by ARN (TagResource, UntagResource, ListTagsForResource, and Describe* with include TAGS): the
/// tags a resource was created with, then every change to them.
/// </summary>
[Alias("ITagRegistryGrain")]
public interface ITagRegistryGrain : IGrainWithStringKey
{
    [Alias("Tag")] Task<ImmutableDictionary<string, string>> Tag(string arn, ImmutableDictionary<string, string> tags);

    [Alias("Untag")] Task<ImmutableDictionary<string, string>> Untag(string arn, ImmutableArray<string> keys);

    [Alias("Get")] Task<ImmutableDictionary<string, string>> Get(string arn);

    /// <summary>The resource's tags, or null when none were ever recorded for the ARN.</summary>
    [Alias("Find")] Task<ImmutableDictionary<string, string>?> Find(string arn);

    /// <summary>Records these as the resource's tags (the first TagResource / UntagResource starts from its creation tags).</summary>
    [Alias("Replace")] Task Replace(string arn, ImmutableDictionary<string, string> tags);

    /// <summary>The resource was deleted: its recorded tags go (a resource created again under the ARN starts from its own).</summary>
    [Alias("Forget")] Task Forget(string arn);
}
