using System.Text.Json.Nodes;
using Emulator.Contracts;

namespace Emulator.Silo.Aws.Ecs;

/// <summary>ECS cluster operations (B-W-1, B-ID-3).</summary>
public static class EcsClusterOperations
{
    [AwsOperation(AwsServices.Ecs, "CreateCluster")]
    public static async Task<JsonObject> CreateCluster(JsonInput input, AwsContext context)
    {
        var name = input.String("clusterName") ?? "default";
        var info = await context.Control.CreateCluster(new CreateClusterRequest(
            name, input.Strings("capacityProviders") ?? [], EcsInputs.Strategy(input, "defaultCapacityProviderStrategy"), input.Tags()));
        return new JsonObject { ["cluster"] = EcsShapes.Cluster(info, withTags: true) };
    }

    [AwsOperation(AwsServices.Ecs, "DescribeClusters")]
    public static async Task<JsonObject> DescribeClusters(JsonInput input, AwsContext context)
    {
        var names = input.Strings("clusters") is { Length: > 0 } list ? list : ["default"];
        var include = input.Strings("include") ?? [];
        foreach (var i in include)
        {
            if (i is not ("ATTACHMENTS" or "CONFIGURATIONS" or "SETTINGS" or "STATISTICS" or "TAGS"))
            {
                throw ErrorCodes.Invalid($"Invalid include value '{i}': valid values are ATTACHMENTS, CONFIGURATIONS, SETTINGS, STATISTICS, TAGS.");
            }
        }

        var clusters = new JsonArray();
        var failures = new JsonArray();
        foreach (var n in names)
        {
            var info = await context.Cluster(n).Describe();
            if (info is null)
            {
                failures.Add(EcsShapes.Failure(n.StartsWith("arn:", StringComparison.Ordinal) ? n : Arns.Cluster(context.Region, context.Account, n), "MISSING"));
            }
            else
            {
                clusters.Add(EcsShapes.Cluster(info, include.Contains("STATISTICS"), include.Contains("TAGS")));
            }
        }

        return new JsonObject { ["clusters"] = clusters, ["failures"] = failures };
    }

    [AwsOperation(AwsServices.Ecs, "ListClusters")]
    public static async Task<JsonObject> ListClusters(JsonInput input, AwsContext context)
    {
        var names = await context.Grains.GetGrain<IAccountGrain>(GrainKeys.Account).List(ResourceKind.Cluster);
        var (page, next) = Paging.Page(names, PageSizes.EcsListClusters, input.String("nextToken"), input.Int("maxResults"), n => n);
        return new JsonObject { ["clusterArns"] = WireJson.Strings(page.Select(n => Arns.Cluster(context.Region, context.Account, n))) }
            .With("nextToken", next);
    }

    [AwsOperation(AwsServices.Ecs, "DeleteCluster")]
    public static async Task<JsonObject> DeleteCluster(JsonInput input, AwsContext context)
    {
        var info = await context.Control.DeleteCluster(input.RequiredString("cluster"));
        return new JsonObject { ["cluster"] = EcsShapes.Cluster(info) };
    }

    [AwsOperation(AwsServices.Ecs, "UpdateCluster")]
    public static async Task<JsonObject> UpdateCluster(JsonInput input, AwsContext context)
    {
        var info = await context.Cluster(input.RequiredString("cluster")).Describe()
            ?? throw Errors.ClusterNotFound();
        foreach (var s in input.Objects("settings"))
        {
            if (s.String("name") is not "containerInsights" || s.String("value") is not ("enabled" or "disabled" or "enhanced"))
            {
                throw ErrorCodes.Invalid("Cluster settings support name 'containerInsights' with value 'enabled', 'enhanced' or 'disabled'.");
            }
        }

        return new JsonObject { ["cluster"] = EcsShapes.Cluster(info) };
    }

    [AwsOperation(AwsServices.Ecs, "PutClusterCapacityProviders")]
    public static async Task<JsonObject> PutClusterCapacityProviders(JsonInput input, AwsContext context)
    {
        var cluster = input.RequiredString("cluster");
        var providers = input.Strings("capacityProviders") ?? throw input.Missing("capacityProviders");
        if (!input.Has("defaultCapacityProviderStrategy"))
        {
            throw input.Missing("defaultCapacityProviderStrategy");
        }

        var info = await context.Control.PutClusterCapacityProviders(cluster, providers, EcsInputs.Strategy(input, "defaultCapacityProviderStrategy"));
        return new JsonObject { ["cluster"] = EcsShapes.Cluster(info) };
    }
}
