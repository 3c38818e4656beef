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
        var (arn, created) = await ExistingArn(input.RequiredString("resourceArn"), context);
        if (!input.Has("tags"))
        {
            throw input.Missing("tags");
        }

        await Initialize(context, arn, created);
        await Registry(context).Tag(arn, input.Tags());
        return [];
    }

    [AwsOperation(AwsServices.Ecs, "UntagResource")]
    public static async Task<JsonObject> UntagResource(JsonInput input, AwsContext context)
    {
        var (arn, created) = await ExistingArn(input.RequiredString("resourceArn"), context);
        var keys = input.Strings("tagKeys") ?? throw input.Missing("tagKeys");
        await Initialize(context, arn, created);
        await Registry(context).Untag(arn, keys);
        return [];
    }

    [AwsOperation(AwsServices.Ecs, "ListTagsForResource")]
    public static async Task<JsonObject> ListTagsForResource(JsonInput input, AwsContext context)
    {
        // The model declares no ResourceNotFoundException for ListTagsForResource: a missing cluster is
        // ClusterNotFoundException, any other missing resource InvalidParameterException.
        var (arn, created) = await ExistingArn(input.RequiredString("resourceArn"), context, listing: true);
        return new JsonObject { ["tags"] = WireJson.Tags(await Effective(context, arn, created)) };
    }

    /// <summary>A resource's tags: the ones it was created with, then every TagResource / UntagResource.</summary>
    public static async Task<ImmutableDictionary<string, string>> Effective(AwsContext context, string arn, ImmutableDictionary<string, string>? created) =>
        await Registry(context).Find(arn) ?? created ?? ImmutableDictionary<string, string>.Empty;

    /// <summary>The resource was deleted: a resource created again under its ARN starts from its own creation tags.</summary>
    public static Task Deleted(AwsContext context, string arn) => Registry(context).Forget(arn);

    private static async Task Initialize(AwsContext context, string arn, ImmutableDictionary<string, string>? created)
    {
        if (await Registry(context).Find(arn) is null)
        {
            await Registry(context).Replace(arn, created ?? ImmutableDictionary<string, string>.Empty);
        }
    }

    private static ITagRegistryGrain Registry(AwsContext context) => context.Grains.GetGrain<ITagRegistryGrain>("tags");

    /// <summary>The ARN (and the tags it was created with) if it names an existing ECS resource, else the errors the operation declares.</summary>
    private static async Task<(string Arn, ImmutableDictionary<string, string>? Created)> ExistingArn(string arn, AwsContext context, bool listing = false)
    {
        var parts = arn.Split(':', 6);
        if (parts.Length != 6 || parts[0] != "arn" || parts[2] != "ecs")
        {
            throw ErrorCodes.Invalid($"Invalid resource ARN: {arn}");
        }

        var resource = parts[5];
        var slash = resource.IndexOf('/', StringComparison.Ordinal);
        var kind = slash < 0 ? resource : resource[..slash];
        var path = slash < 0 ? [] : resource[(slash + 1)..].Split('/');
        (bool Exists, ImmutableDictionary<string, string>? Tags) found = kind switch
        {
            "cluster" when path.Length == 1 => await context.Cluster(path[0]).Describe() is { } c ? (true, c.Tags) : (false, null),
            "service" when path.Length == 2 => await context.Grains.GetGrain<IServiceGrain>(GrainKeys.Service(path[0], path[1])).Describe() is { Status: not ServiceStatus.INACTIVE } s
                ? (true, s.Spec.Tags) : (false, null),
            "task" when path.Length == 2 => (!(await context.Cluster(path[0]).GetTasks([path[1]])).IsEmpty, null),
            "container-instance" when path.Length == 2 => ((await context.Cluster(path[0]).GetInstances()).Any(i => i.ContainerInstanceId == path[1]), null),
            "task-definition" when path.Length == 1 => await context.Grains.GetGrain<ITaskDefinitionRegistryGrain>(GrainKeys.TaskDefinitions).Get(path[0]) is { } td
                ? (true, td.Spec.Tags) : (false, null),
            "capacity-provider" when path.Length == 1 => (await context.Control.DescribeCapacityProviders(ImmutableArray.Create(path[0]))).FirstOrDefault() is { } p
                ? (true, p.Spec?.Tags) : (false, null),
            _ => throw ErrorCodes.Invalid($"Invalid resource ARN: {arn}"),
        };
        return found.Exists ? (arn, found.Tags)
            : !listing ? throw new EcsException(ErrorCodes.ResourceNotFound, "The specified resource could not be found.")
            : kind == "cluster" ? throw new EcsException(ErrorCodes.ClusterNotFound, "Cluster not found.")
            : throw ErrorCodes.Invalid("The specified resource could not be found.");
    }
}
