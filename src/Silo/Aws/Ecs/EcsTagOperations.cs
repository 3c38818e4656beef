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
        var arn = await context.Control.ExistingResourceArn(input.RequiredString("resourceArn"), listing: true);
        return new JsonObject { ["tags"] = WireJson.Tags(await Registry(context).Get(arn)) };
    }

    private static ITagRegistryGrain Registry(AwsContext context) => context.Grains.GetGrain<ITagRegistryGrain>(GrainKeys.Tags);
}
