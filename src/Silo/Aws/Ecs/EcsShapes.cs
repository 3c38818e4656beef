using System.Collections.Immutable;
using System.Text.Json.Nodes;
using Emulator.Contracts;

namespace Emulator.Silo.Aws.Ecs;

/// <summary>ECS wire shapes (AWS service model, camelCase) built from the contracts.</summary>
public static class EcsShapes
{
    public static JsonObject Cluster(ClusterInfo c, bool withStatistics = false, bool withTags = false)
    {
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
            ["settings"] = new JsonArray(new JsonObject { ["name"] = "containerInsights", ["value"] = "disabled" }),
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

        return o;
    }

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
