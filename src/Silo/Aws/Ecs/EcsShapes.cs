using System.Collections.Immutable;
using System.Text.Json.Nodes;
using Emulator.Contracts;

namespace Emulator.Silo.Aws.Ecs;

/// <summary>ECS wire shapes (AWS service model, camelCase) built from the contracts.</summary>
public static class EcsShapes
{
    public static JsonObject Cluster(ClusterInfo c, ClusterSettingsRecord? settings, bool withStatistics = false, bool withTags = false, bool withConfiguration = false)
    {
        settings ??= ClusterSettingsRecord.Default;
        var o = new JsonObject
        {
            ["clusterArn"] = c.Arn,
            ["clusterName"] = c.Name,
            ["status"] = c.Status,
            ["registeredContainerInstancesCount"] = c.RegisteredContainerInstancesCount,
            ["runningTasksCount"] = c.RunningTasksCount,
            ["pendingTasksCount"] = c.PendingTasksCount,
            ["activeServicesCount"] = c.ActiveServicesCount,
            ["statistics"] = new JsonArray(),
            ["tags"] = new JsonArray(),
            ["settings"] = WireJson.Array(settings.Settings.Select(kv => (JsonNode?)new JsonObject { ["name"] = kv.Key, ["value"] = kv.Value })),
            ["capacityProviders"] = WireJson.Strings(c.CapacityProviders),
            ["defaultCapacityProviderStrategy"] = Strategy(c.DefaultStrategy),
        };
        if (withStatistics)
        {
            o["statistics"] = WireJson.Array(new (string, int)[]
            {
                ("runningEC2TasksCount", c.RunningTasksCount),
                ("pendingEC2TasksCount", c.PendingTasksCount),
                ("provisioningTasksCount", c.ProvisioningTasksCount),
                ("activeEC2ServiceCount", c.ActiveServicesCount),
                ("drainingEC2ServiceCount", 0),
            }.Select(s => (JsonNode?)new JsonObject { ["name"] = s.Item1, ["value"] = s.Item2.ToString(System.Globalization.CultureInfo.InvariantCulture) }));
        }

        if (withTags)
        {
            o["tags"] = WireJson.Tags(c.Tags);
        }

        if (withConfiguration && (settings.ExecuteCommand is not null || settings.ManagedStorage is not null))
        {
            var configuration = new JsonObject();
            if (settings.ExecuteCommand is { } e)
            {
                var exec = new JsonObject().With("kmsKeyId", e.KmsKeyId).With("logging", e.Logging);
                if (e.HasLogConfiguration)
                {
                    exec["logConfiguration"] = new JsonObject()
                        .With("cloudWatchLogGroupName", e.CloudWatchLogGroupName)
                        .With("cloudWatchEncryptionEnabled", e.CloudWatchEncryptionEnabled is { } cw ? JsonValue.Create(cw) : null)
                        .With("s3BucketName", e.S3BucketName)
                        .With("s3EncryptionEnabled", e.S3EncryptionEnabled is { } s3 ? JsonValue.Create(s3) : null)
                        .With("s3KeyPrefix", e.S3KeyPrefix);
                }

                configuration["executeCommandConfiguration"] = exec;
            }

            if (settings.ManagedStorage is { } m)
            {
                configuration["managedStorageConfiguration"] = new JsonObject().With("kmsKeyId", m.KmsKeyId).With("fargateEphemeralStorageKmsKeyId", m.FargateEphemeralStorageKmsKeyId);
            }

            o["configuration"] = configuration;
        }

        return o;
    }

    /// <summary>A deleted cluster, as DescribeClusters shows it after DeleteCluster.</summary>
    public static JsonObject InactiveCluster(string name, string region, string account) => new()
    {
        ["clusterArn"] = Arns.Cluster(region, account, name),
        ["clusterName"] = name,
        ["status"] = "INACTIVE",
        ["registeredContainerInstancesCount"] = 0,
        ["runningTasksCount"] = 0,
        ["pendingTasksCount"] = 0,
        ["activeServicesCount"] = 0,
        ["statistics"] = new JsonArray(),
        ["tags"] = new JsonArray(),
        ["settings"] = new JsonArray(),
        ["capacityProviders"] = new JsonArray(),
        ["defaultCapacityProviderStrategy"] = new JsonArray(),
    };

    public static JsonArray Strategy(ImmutableArray<CapacityProviderStrategyItem> items) =>
        WireJson.Array((items.IsDefault ? [] : items).Select(i => (JsonNode?)new JsonObject
        {
            ["capacityProvider"] = i.CapacityProvider,
            ["weight"] = i.Weight,
            ["base"] = i.Base,
        }));

    /// <summary>An entry of a response's failures list (B-W: MISSING where AWS reports it).</summary>
    public static JsonObject Failure(string? arn, string reason, string? detail = null) =>
        new JsonObject().With("arn", arn).With("reason", reason).With("detail", detail);
}
