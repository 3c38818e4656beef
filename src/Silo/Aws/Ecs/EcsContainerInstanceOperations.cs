using System.Collections.Immutable;
using System.Text.Json.Nodes;
using Emulator.Contracts;
using Emulator.Model.Placement;

namespace Emulator.Silo.Aws.Ecs;

/// <summary>ECS container instance operations (B-CI-1..6, B-PL-4 filters).</summary>
public static class EcsContainerInstanceOperations
{
    [AwsOperation(AwsServices.Ecs, "DescribeContainerInstances")]
    public static async Task<JsonObject> DescribeContainerInstances(JsonInput input, AwsContext context)
    {
        var ids = input.Strings("containerInstances") ?? throw input.Missing("containerInstances");
        if (ids.Length > 100)
        {
            throw ErrorCodes.Invalid("containerInstances can have at most 100 items.");
        }

        var cluster = context.Cluster(input.String("cluster"));
        var info = await cluster.Describe() ?? throw Errors.ClusterNotFound();
        var all = (await cluster.GetInstances()).ToDictionary(i => i.ContainerInstanceId, StringComparer.Ordinal);
        var found = new JsonArray();
        var failures = new JsonArray();
        foreach (var id in ids)
        {
            if (all.TryGetValue(Arns.ShortName(id), out var i))
            {
                found.Add(Shape(i, context));
            }
            else
            {
                failures.Add(EcsShapes.Failure(id.StartsWith("arn:", StringComparison.Ordinal) ? id : Arns.ContainerInstance(context.Region, context.Account, info.Name, id), "MISSING"));
            }
        }

        return new JsonObject { ["containerInstances"] = found, ["failures"] = failures };
    }

    [AwsOperation(AwsServices.Ecs, "ListContainerInstances")]
    public static async Task<JsonObject> ListContainerInstances(JsonInput input, AwsContext context)
    {
        ClusterQueryExpression? filter = null;
        if (input.String("filter") is { Length: > 0 } expression)
        {
            try
            {
                filter = ClusterQuery.Parse(expression);
            }
            catch (ClusterQueryException e)
            {
                throw ErrorCodes.Invalid(e.Message);
            }
        }

        var status = input.String("status");
        if (status is not (null or "ACTIVE" or "DRAINING" or "REGISTERING" or "DEREGISTERING" or "REGISTRATION_FAILED"))
        {
            throw ErrorCodes.Invalid($"Invalid status '{status}': valid values are ACTIVE, DRAINING, REGISTERING, DEREGISTERING, REGISTRATION_FAILED.");
        }

        var cluster = context.Cluster(input.String("cluster"));
        var info = await cluster.Describe() ?? throw Errors.ClusterNotFound();
        var instances = (await cluster.GetInstances())
            .Where(i => status is null ? i.Status is ContainerInstanceStatus.ACTIVE or ContainerInstanceStatus.DRAINING : i.Status.ToString() == status)
            .Where(i => filter is null || filter.Evaluate(i))
            .OrderBy(i => i.RegisteredAt).ThenBy(i => i.ContainerInstanceId, StringComparer.Ordinal)
            .Select(i => Arns.ContainerInstance(context.Region, context.Account, info.Name, i.ContainerInstanceId))
            .ToList();
        var (page, next) = Paging.Page(instances, PageSizes.EcsListContainerInstances, input.String("nextToken"), input.Int("maxResults"), a => a);
        return new JsonObject { ["containerInstanceArns"] = WireJson.Strings(page) }.With("nextToken", next);
    }

    [AwsOperation(AwsServices.Ecs, "UpdateContainerInstancesState")]
    public static async Task<JsonObject> UpdateContainerInstancesState(JsonInput input, AwsContext context)
    {
        var ids = input.Strings("containerInstances") ?? throw input.Missing("containerInstances");
        var status = input.Enum<ContainerInstanceStatus>("status") ?? throw input.Missing("status");
        var results = await context.Control.UpdateContainerInstancesState(input.String("cluster"), ids, status);
        var cluster = Arns.ClusterName(input.String("cluster"));
        return new JsonObject
        {
            ["containerInstances"] = WireJson.Array(results.Where(r => r.FailureReason is null && r.Instance is not null).Select(r => (JsonNode?)Shape(r.Instance!, context))),
            ["failures"] = WireJson.Array(results.Where(r => r.FailureReason is not null).Select(r => (JsonNode?)EcsShapes.Failure(
                Arns.ContainerInstance(context.Region, context.Account, cluster, r.ContainerInstanceId), r.FailureReason!.StartsWith("MISSING", StringComparison.Ordinal) ? "MISSING" : "INVALID_STATE", r.FailureReason))),
        };
    }

    [AwsOperation(AwsServices.Ecs, "DeregisterContainerInstance")]
    public static async Task<JsonObject> DeregisterContainerInstance(JsonInput input, AwsContext context)
    {
        var record = await context.Control.DeregisterContainerInstance(input.String("cluster"), input.RequiredString("containerInstance"), input.Bool("force") ?? false);
        return new JsonObject { ["containerInstance"] = Shape(record, context) };
    }

    [AwsOperation(AwsServices.Ecs, "PutAttributes")]
    public static async Task<JsonObject> PutAttributes(JsonInput input, AwsContext context)
    {
        var attributes = Attributes(input);
        await context.Control.PutAttributes(input.String("cluster"), attributes);
        return new JsonObject { ["attributes"] = AttributesShape(attributes) };
    }

    [AwsOperation(AwsServices.Ecs, "DeleteAttributes")]
    public static async Task<JsonObject> DeleteAttributes(JsonInput input, AwsContext context)
    {
        var attributes = Attributes(input);
        await context.Control.DeleteAttributes(input.String("cluster"), attributes);
        return new JsonObject { ["attributes"] = AttributesShape(attributes) };
    }

    [AwsOperation(AwsServices.Ecs, "ListAttributes")]
    public static async Task<JsonObject> ListAttributes(JsonInput input, AwsContext context)
    {
        if (input.RequiredString("targetType") != "container-instance")
        {
            throw Errors.AttributeTargetType();
        }

        var cluster = context.Cluster(input.String("cluster"));
        var info = await cluster.Describe() ?? throw Errors.ClusterNotFound();
        var name = input.String("attributeName");
        var value = input.String("attributeValue");
        var list = (await cluster.GetInstances())
            .Where(i => i.Status != ContainerInstanceStatus.INACTIVE)
            .SelectMany(i => i.Attributes.Select(a => (Instance: i, a.Key, a.Value)))
            .Where(a => (name is null || a.Key == name) && (value is null || a.Value == value))
            .Select(a => (JsonNode?)new JsonObject
            {
                ["name"] = a.Key,
                ["value"] = a.Value,
                ["targetType"] = "container-instance",
                ["targetId"] = Arns.ContainerInstance(context.Region, context.Account, info.Name, a.Instance.ContainerInstanceId),
            })
            .ToList();
        var (page, next) = Paging.Page(list, PageSizes.EcsListAttributes, input.String("nextToken"), input.Int("maxResults"),
            n => (string)n!["targetId"]! + "|" + (string)n["name"]!);
        return new JsonObject { ["attributes"] = WireJson.Array(page.Select(n => n?.DeepClone())) }.With("nextToken", next);
    }

    public static JsonObject Shape(ContainerInstanceRecord i, AwsContext context) => new()
    {
        ["containerInstanceArn"] = Arns.ContainerInstance(context.Region, context.Account, i.Cluster, i.ContainerInstanceId),
        ["ec2InstanceId"] = i.Ec2InstanceId,
        ["capacityProviderName"] = i.CapacityProvider,
        ["version"] = i.Version,
        ["versionInfo"] = new JsonObject { ["agentVersion"] = "1.80.0", ["agentHash"] = "emulator", ["dockerVersion"] = "DockerVersion: 20.10.25" },
        ["remainingResources"] = Resources(i.Remaining, i.UsedPorts),
        ["registeredResources"] = Resources(i.Registered, Model.Catalog.InstanceCatalog.AgentReservedPorts),
        ["status"] = i.Status.ToString(),
        ["agentConnected"] = i.AgentConnected,
        ["runningTasksCount"] = i.RunningTasksCount,
        ["pendingTasksCount"] = i.PendingTasksCount,
        ["attributes"] = WireJson.Array(i.Attributes.OrderBy(a => a.Key, StringComparer.Ordinal)
            .Select(a => (JsonNode?)new JsonObject { ["name"] = a.Key, ["value"] = a.Value })),
        ["registeredAt"] = WireJson.Epoch(i.RegisteredAt),
        ["attachments"] = new JsonArray(),
        ["tags"] = new JsonArray(),
    };

    private static JsonArray Resources(ResourceSet r, ImmutableHashSet<int> ports) => new(
        Integer("CPU", r.Cpu),
        Integer("MEMORY", r.Memory),
        new JsonObject { ["name"] = "PORTS", ["type"] = "STRINGSET", ["doubleValue"] = 0.0, ["longValue"] = 0, ["integerValue"] = 0, ["stringSetValue"] = WireJson.Strings(ports.Order().Select(p => p.ToString(System.Globalization.CultureInfo.InvariantCulture))) },
        new JsonObject { ["name"] = "PORTS_UDP", ["type"] = "STRINGSET", ["doubleValue"] = 0.0, ["longValue"] = 0, ["integerValue"] = 0, ["stringSetValue"] = new JsonArray() });

    private static JsonObject Integer(string name, int value) =>
        new() { ["name"] = name, ["type"] = "INTEGER", ["doubleValue"] = 0.0, ["longValue"] = 0, ["integerValue"] = value };

    private static ImmutableArray<InstanceAttribute> Attributes(JsonInput input)
    {
        var list = input.Objects("attributes");
        if (!input.Has("attributes"))
        {
            throw input.Missing("attributes");
        }

        return list.Select(a =>
        {
            if (a.String("targetType") is { } t && t != "container-instance")
            {
                throw Errors.AttributeTargetType();
            }

            return new InstanceAttribute(a.String("targetId") ?? throw a.Missing("targetId"), a.RequiredString("name"), a.String("value"));
        }).ToImmutableArray();
    }

    private static JsonArray AttributesShape(ImmutableArray<InstanceAttribute> attributes) =>
        WireJson.Array(attributes.Select(a => (JsonNode?)new JsonObject { ["name"] = a.Name, ["targetType"] = "container-instance", ["targetId"] = a.ContainerInstance }.With("value", a.Value)));
}
