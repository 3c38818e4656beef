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
        var settings = ClusterSettings(input, ClusterSettingsRecord.Default);
        var info = await context.Control.CreateCluster(new CreateClusterRequest(
            name, input.Strings("capacityProviders") ?? [], EcsInputs.Strategy(input, "defaultCapacityProviderStrategy"), input.Tags(), settings));
        return new JsonObject { ["cluster"] = EcsShapes.Cluster(info, await Settings(context, info.Name), withTags: true, withConfiguration: true) };
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
            var settings = await Settings(context, Arns.ClusterName(n));
            if (info is null && settings?.DeletedAt is not null)
            {
                // Deleted: INACTIVE, as AWS shows a deleted cluster for a while (until it is created again, here).
                clusters.Add(EcsShapes.InactiveCluster(Arns.ClusterName(n), context.Region, context.Account));
            }
            else if (info is null)
            {
                failures.Add(EcsShapes.Failure(n.StartsWith("arn:", StringComparison.Ordinal) ? n : Arns.Cluster(context.Region, context.Account, n), "MISSING"));
            }
            else
            {
                var shape = EcsShapes.Cluster(info, settings, include.Contains("STATISTICS"), false, include.Contains("CONFIGURATIONS"));
                if (include.Contains("TAGS"))
                {
                    shape["tags"] = WireJson.Tags(await EcsTagOperations.Effective(context, info.Arn, info.Tags));
                }

                clusters.Add(shape);
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
        await EcsTagOperations.Deleted(context, info.Arn);
        return new JsonObject { ["cluster"] = EcsShapes.Cluster(info, await Settings(context, info.Name)) };
    }

    [AwsOperation(AwsServices.Ecs, "UpdateCluster")]
    public static async Task<JsonObject> UpdateCluster(JsonInput input, AwsContext context)
    {
        var info = await context.Cluster(input.RequiredString("cluster")).Describe()
            ?? throw Errors.ClusterNotFound();
        var grain = context.Grains.GetGrain<IClusterSettingsGrain>(info.Name);
        var settings = await grain.Put(ClusterSettings(input, await grain.Get() ?? ClusterSettingsRecord.Default));
        return new JsonObject { ["cluster"] = EcsShapes.Cluster(info, settings, withConfiguration: true) };
    }

    [AwsOperation(AwsServices.Ecs, "UpdateClusterSettings")]
    public static async Task<JsonObject> UpdateClusterSettings(JsonInput input, AwsContext context)
    {
        var info = await context.Cluster(input.RequiredString("cluster")).Describe()
            ?? throw Errors.ClusterNotFound();
        if (!input.Has("settings"))
        {
            throw input.Missing("settings");
        }

        var grain = context.Grains.GetGrain<IClusterSettingsGrain>(info.Name);
        var settings = await grain.Put(ClusterSettings(input, await grain.Get() ?? ClusterSettingsRecord.Default));
        return new JsonObject { ["cluster"] = EcsShapes.Cluster(info, settings) };
    }

    /// <summary>
    /// A request's settings and configuration over the current ones. Service Connect defaults need a Cloud Map namespace,
    /// which the emulator does not have: refused with a clear error.
    /// </summary>
    private static ClusterSettingsRecord ClusterSettings(JsonInput input, ClusterSettingsRecord current)
    {
        var settings = current.Settings;
        foreach (var s in input.Objects("settings"))
        {
            if (s.String("name") is not "containerInsights" || s.String("value") is not ("enabled" or "disabled" or "enhanced"))
            {
                throw ErrorCodes.Invalid("Cluster settings support name 'containerInsights' with value 'enabled', 'enhanced' or 'disabled'.");
            }

            settings = settings.SetItem("containerInsights", s.String("value")!);
        }

        if (input.Object("serviceConnectDefaults") is not null)
        {
            throw ErrorCodes.Invalid("Service Connect defaults need a Cloud Map namespace, which the emulator does not model.");
        }

        var configuration = input.Object("configuration");
        var exec = configuration?.Object("executeCommandConfiguration") is { } e ? ExecuteCommand(e) : current.ExecuteCommand;
        var storage = configuration?.Object("managedStorageConfiguration") is { } m
            ? new ManagedStorageConfiguration(m.String("kmsKeyId"), m.String("fargateEphemeralStorageKmsKeyId"))
            : current.ManagedStorage;
        return current with { Settings = settings, ExecuteCommand = exec, ManagedStorage = storage };
    }

    private static ExecuteCommandConfiguration ExecuteCommand(JsonInput e)
    {
        var logging = e.String("logging");
        if (logging is not (null or "NONE" or "DEFAULT" or "OVERRIDE"))
        {
            throw ErrorCodes.Invalid($"1 validation error detected: Value '{logging}' at 'configuration.executeCommandConfiguration.logging' failed to satisfy constraint: Member must satisfy enum value set: [NONE, DEFAULT, OVERRIDE]");
        }

        var log = e.Object("logConfiguration");
        if (log is not null && logging != "OVERRIDE")
        {
            throw ErrorCodes.Invalid("The log configuration can only be specified when logging is set to OVERRIDE.");
        }

        return new ExecuteCommandConfiguration(e.String("kmsKeyId"), logging, log?.String("cloudWatchLogGroupName"), log?.Bool("cloudWatchEncryptionEnabled"),
            log?.String("s3BucketName"), log?.Bool("s3EncryptionEnabled"), log?.String("s3KeyPrefix"), log is not null);
    }

    private static Task<ClusterSettingsRecord?> Settings(AwsContext context, string cluster) =>
        context.Grains.GetGrain<IClusterSettingsGrain>(cluster).Get();

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
        return new JsonObject { ["cluster"] = EcsShapes.Cluster(info, await Settings(context, info.Name)) };
    }
}
