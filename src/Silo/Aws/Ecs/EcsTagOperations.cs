using System.Collections.Immutable;
using System.Text.Json.Nodes;
using Emulator.Contracts;

namespace Emulator.Silo.Aws.Ecs;

/// <summary>ECS tagging: TagResource, UntagResource, ListTagsForResource on any existing ECS resource ARN.</summary>
public static class EcsTagOperations
{
    [AwsOperation(AwsServices.Ecs, "TagResource")]
    public static async Task<JsonObject> TagResource(JsonInput input, AwsContext context)
    {
        var arn = input.RequiredString("resourceArn");
        if (!input.Has("tags"))
        {
            await context.Control.ExistingResourceArn(arn, listing: false);
            throw input.Missing("tags");
        }

        await context.Control.TagResource(arn, input.Tags());
        return [];
    }

    [AwsOperation(AwsServices.Ecs, "UntagResource")]
    public static async Task<JsonObject> UntagResource(JsonInput input, AwsContext context)
    {
        var arn = input.RequiredString("resourceArn");
        if (input.Strings("tagKeys") is not { } keys)
        {
            await context.Control.ExistingResourceArn(arn, listing: false);
            throw input.Missing("tagKeys");
        }

        await context.Control.UntagResource(arn, keys);
        return [];
    }

    [AwsOperation(AwsServices.Ecs, "ListTagsForResource")]
    public static async Task<JsonObject> ListTagsForResource(JsonInput input, AwsContext context)
    {
        var tags = await context.Control.ListTagsForResource(input.RequiredString("resourceArn"));
        return new JsonObject { ["tags"] = WireJson.Tags(tags) };
    }

    /// <summary>A resource's tags for Describe* with include TAGS: the ones it was created with, then every TagResource / UntagResource.</summary>
    public static async Task<ImmutableDictionary<string, string>> Effective(AwsContext context, string arn, ImmutableDictionary<string, string>? created) =>
        await Registry(context).Find(arn) ?? created ?? ImmutableDictionary<string, string>.Empty;

    /// <summary>The resource was deleted: a resource created again under its ARN starts from its own creation tags.</summary>
    public static Task Deleted(AwsContext context, string arn) => Registry(context).Forget(arn);

    private static ITagRegistryGrain Registry(AwsContext context) => context.Grains.GetGrain<ITagRegistryGrain>(GrainKeys.Tags);
}
