using System.Collections.Immutable;
using System.Text.Json.Nodes;
using Emulator.Contracts;
using Emulator.Model.CloudFormation;
using Emulator.Silo.Aws;

namespace Emulator.Silo.CloudFormation;

/// <summary>Shared by the ECS handlers: the ECS operations (the front door behind them) and the property conversions.</summary>
internal static class Ecs
{
    /// <summary>Members whose values are maps: their keys are the user's, not property names.</summary>
    public static readonly IReadOnlySet<string> Maps = new HashSet<string>(StringComparer.Ordinal)
    {
        "DockerLabels", "Options", "DriverOpts", "Labels", "SecretOptions", "Attributes",
    };

    public static Task<JsonObject> Call(HandlerContext c, string operation, JsonObject body) => c.Aws.Json(AwsServices.Ecs, operation, body);

    /// <summary>The properties as the ECS API's camelCase members, renamed where CloudFormation's name differs.</summary>
    public static JsonObject Body(JsonObject properties, params (string Cfn, string Api)[] renames)
    {
        var body = (JsonObject)CfnProperties.Camel(properties, Maps)!;
        foreach (var (cfn, api) in renames)
        {
            var key = CfnProperties.Lower(cfn);
            if (body[key] is { } value)
            {
                body.Remove(key);
                body[api] = value.DeepClone();
            }
        }

        return body;
    }

    public static async Task Tag(HandlerContext c, string arn)
    {
        var before = Tags(c.Previous);
        var after = Tags(c.Properties);
        var removed = before.Keys.Where(k => !after.ContainsKey(k)).ToList();
        if (removed.Count > 0)
        {
            await Call(c, "UntagResource", new JsonObject { ["resourceArn"] = arn, ["tagKeys"] = new JsonArray([.. removed.Select(k => (JsonNode?)k)]) });
        }

        if (after.Count > 0 && !after.SequenceEqual(before))
        {
            await Call(c, "TagResource", new JsonObject
            {
                ["resourceArn"] = arn,
                ["tags"] = new JsonArray([.. after.Select(kv => (JsonNode?)new JsonObject { ["key"] = kv.Key, ["value"] = kv.Value })]),
            });
        }
    }

    private static ImmutableSortedDictionary<string, string> Tags(JsonObject properties) =>
        (properties["Tags"] as JsonArray ?? []).OfType<JsonObject>()
            .ToImmutableSortedDictionary(t => Template.Text(t["Key"]), t => Template.Text(t["Value"]), StringComparer.Ordinal);

    public static string AlreadyExists(string type, string id) => $"Resource of type '{type}' with identifier '{id}' already exists.";
}

/// <summary>AWS::ECS::Cluster: CreateCluster (a name ECS already has is AlreadyExists, as CloudFormation's handler checks), capacity providers and settings in place, DeleteCluster.</summary>
internal sealed class EcsClusterHandler : ResourceHandler
{
    public override IReadOnlyList<string> Types => ["AWS::ECS::Cluster"];

    /// <summary>How long (emulated) a delete waits for instances and tasks to leave the cluster before it fails with ECS's reason.</summary>
    private static readonly TimeSpan DeleteWait = TimeSpan.FromMinutes(10);

    public override async Task<ResourceOutcome> Create(HandlerContext c)
    {
        var name = c.NameOr("ClusterName", 255);
        var existing = await Ecs.Call(c, "DescribeClusters", new JsonObject { ["clusters"] = new JsonArray(name) });
        if (existing["clusters"]?.AsArray().Any(x => x?["status"]?.GetValue<string>() == "ACTIVE") == true)
        {
            return ResourceOutcome.Failed(Ecs.AlreadyExists(c.Call.Type, name));
        }

        var body = Ecs.Body(c.Properties, ("ClusterSettings", "settings"));
        body["clusterName"] = name;
        var result = await Ecs.Call(c, "CreateCluster", body);
        return ResourceOutcome.Done(name, Attributes(("Arn", result["cluster"]?["clusterArn"]?.GetValue<string>())));
    }

    public override async Task<ResourceOutcome> Update(HandlerContext c)
    {
        var changed = c.Changed;
        if (changed.Contains("CapacityProviders") || changed.Contains("DefaultCapacityProviderStrategy"))
        {
            var body = Ecs.Body(new JsonObject
            {
                ["CapacityProviders"] = c.Properties["CapacityProviders"]?.DeepClone() ?? new JsonArray(),
                ["DefaultCapacityProviderStrategy"] = c.Properties["DefaultCapacityProviderStrategy"]?.DeepClone() ?? new JsonArray(),
            });
            body["cluster"] = c.PhysicalId;
            await Ecs.Call(c, "PutClusterCapacityProviders", body);
        }

        if (changed.Contains("ClusterSettings"))
        {
            var body = Ecs.Body(new JsonObject { ["ClusterSettings"] = c.Properties["ClusterSettings"]?.DeepClone() ?? new JsonArray() }, ("ClusterSettings", "settings"));
            body["cluster"] = c.PhysicalId;
            await Ecs.Call(c, "UpdateCluster", body);
        }

        if (changed.Contains("Tags"))
        {
            await Ecs.Tag(c, Arns.Cluster(c.Region, c.Account, c.PhysicalId));
        }

        return ResourceOutcome.Done(c.PhysicalId, c.Call.Attributes);
    }

    public override Task<ResourceOutcome> Delete(HandlerContext c) => TryDelete(c);

    public override Task<ResourceOutcome> Poll(HandlerContext c) => TryDelete(c);

    /// <summary>
    /// DeleteCluster; while container instances or tasks are still leaving (an Auto Scaling group deleted just before
    /// terminates its instances), it tries again at each poll, up to <see cref="DeleteWait"/>.
    /// </summary>
    private static async Task<ResourceOutcome> TryDelete(HandlerContext c)
    {
        try
        {
            await Ecs.Call(c, "DeleteCluster", new JsonObject { ["cluster"] = c.PhysicalId });
            return ResourceOutcome.Done(c.PhysicalId);
        }
        catch (EcsException e) when (e.Code.StartsWith("ClusterContains", StringComparison.Ordinal))
        {
            var (_, since) = c.ReadHandle();
            return c.Now - since < DeleteWait
                ? ResourceOutcome.Stabilizing(c.PhysicalId, c.Call.Handle ?? c.Handle("deleting"))
                : ResourceOutcome.Failed(InProcessAws.Reason(e, c.Stack.ClientRequestToken), c.PhysicalId);
        }
    }
}

/// <summary>AWS::ECS::CapacityProvider: CreateCapacityProvider, UpdateCapacityProvider, DeleteCapacityProvider.</summary>
internal sealed class EcsCapacityProviderHandler : ResourceHandler
{
    public override IReadOnlyList<string> Types => ["AWS::ECS::CapacityProvider"];

    public override async Task<ResourceOutcome> Create(HandlerContext c)
    {
        var name = c.NameOr("Name", 255);
        var body = Ecs.Body(c.Properties);
        body["name"] = name;
        await Ecs.Call(c, "CreateCapacityProvider", body);
        return ResourceOutcome.Done(name);
    }

    public override async Task<ResourceOutcome> Update(HandlerContext c)
    {
        if (c.Changed.Contains("AutoScalingGroupProvider"))
        {
            var provider = (JsonObject)Ecs.Body(new JsonObject { ["P"] = c.Properties["AutoScalingGroupProvider"]?.DeepClone() })["p"]!;
            provider.Remove("autoScalingGroupArn");
            await Ecs.Call(c, "UpdateCapacityProvider", new JsonObject { ["name"] = c.PhysicalId, ["autoScalingGroupProvider"] = provider });
        }

        if (c.Changed.Contains("Tags"))
        {
            await Ecs.Tag(c, Arns.CapacityProvider(c.Region, c.Account, c.PhysicalId));
        }

        return ResourceOutcome.Done(c.PhysicalId, c.Call.Attributes);
    }

    public override async Task<ResourceOutcome> Delete(HandlerContext c)
    {
        await Ecs.Call(c, "DeleteCapacityProvider", new JsonObject { ["capacityProvider"] = c.PhysicalId });
        return ResourceOutcome.Done(c.PhysicalId);
    }
}

/// <summary>AWS::ECS::ClusterCapacityProviderAssociations: the cluster's providers and default strategy (PutClusterCapacityProviders); deleting clears them.</summary>
internal sealed class EcsClusterCapacityProviderAssociationsHandler : ResourceHandler
{
    public override IReadOnlyList<string> Types => ["AWS::ECS::ClusterCapacityProviderAssociations"];

    public override async Task<ResourceOutcome> Create(HandlerContext c)
    {
        var cluster = CfnProperties.Text(c.Properties, "Cluster") ?? throw new EcsException(ErrorCodes.ValidationError, "Property Cluster is required");
        await Put(c, cluster, c.Properties);
        return ResourceOutcome.Done(Arns.ClusterName(cluster));
    }

    public override async Task<ResourceOutcome> Update(HandlerContext c)
    {
        await Put(c, c.PhysicalId, c.Properties);
        return ResourceOutcome.Done(c.PhysicalId);
    }

    public override async Task<ResourceOutcome> Delete(HandlerContext c)
    {
        await Put(c, c.PhysicalId, []);
        return ResourceOutcome.Done(c.PhysicalId);
    }

    private static Task<JsonObject> Put(HandlerContext c, string cluster, JsonObject properties)
    {
        var body = Ecs.Body(new JsonObject
        {
            ["CapacityProviders"] = properties["CapacityProviders"]?.DeepClone() ?? new JsonArray(),
            ["DefaultCapacityProviderStrategy"] = properties["DefaultCapacityProviderStrategy"]?.DeepClone() ?? new JsonArray(),
        });
        body["cluster"] = cluster;
        return Ecs.Call(c, "PutClusterCapacityProviders", body);
    }
}

/// <summary>AWS::ECS::TaskDefinition: RegisterTaskDefinition (a family is generated when none is given); deleting deregisters the revision.</summary>
internal sealed class EcsTaskDefinitionHandler : ResourceHandler
{
    public override IReadOnlyList<string> Types => ["AWS::ECS::TaskDefinition"];

    public override async Task<ResourceOutcome> Create(HandlerContext c)
    {
        var body = Ecs.Body(c.Properties);
        body["family"] = c.NameOr("Family", 255);
        foreach (var container in body["containerDefinitions"]?.AsArray().OfType<JsonObject>() ?? [])
        {
            foreach (var n in new[] { "cpu", "memory", "memoryReservation", "startTimeout", "stopTimeout" })
            {
                CfnProperties.Number(container, n);
            }

            CfnProperties.Boolean(container, "essential");
            foreach (var mapping in container["portMappings"]?.AsArray().OfType<JsonObject>() ?? [])
            {
                CfnProperties.Number(mapping, "containerPort");
                CfnProperties.Number(mapping, "hostPort");
            }
        }

        var result = await Ecs.Call(c, "RegisterTaskDefinition", body);
        var arn = result["taskDefinition"]?["taskDefinitionArn"]?.GetValue<string>() ?? throw new EcsException(ErrorCodes.ServerException, "RegisterTaskDefinition returned no ARN");
        return ResourceOutcome.Done(arn, Attributes(("TaskDefinitionArn", arn)));
    }

    public override async Task<ResourceOutcome> Update(HandlerContext c)
    {
        if (c.Changed.Contains("Tags"))
        {
            await Ecs.Tag(c, c.PhysicalId);
        }

        return ResourceOutcome.Done(c.PhysicalId, c.Call.Attributes);
    }

    public override async Task<ResourceOutcome> Delete(HandlerContext c)
    {
        await Ecs.Call(c, "DeregisterTaskDefinition", new JsonObject { ["taskDefinition"] = c.PhysicalId });
        return ResourceOutcome.Done(c.PhysicalId);
    }
}

/// <summary>
/// AWS::ECS::Service: CreateService and UpdateService, each done when the service is stable (one deployment,
/// desired = running, nothing pending), as CloudFormation waits for ECS; a deployment the circuit breaker failed
/// fails the resource. Delete scales to zero, deletes and waits for the service to be INACTIVE.
/// </summary>
internal sealed class EcsServiceHandler : ResourceHandler
{
    public override IReadOnlyList<string> Types => ["AWS::ECS::Service"];

    /// <summary>How long (emulated) CloudFormation waits for a service to stabilize before it fails (AWS: 3 hours).</summary>
    public static readonly TimeSpan StabilizeLimit = TimeSpan.FromHours(3);

    private static readonly (string Cfn, string Api)[] Renames = [("PlacementStrategies", "placementStrategy"), ("ServiceName", "serviceName")];

    public override async Task<ResourceOutcome> Create(HandlerContext c)
    {
        var body = Ecs.Body(c.Properties, Renames);
        body["serviceName"] = c.NameOr("ServiceName", 255);
        body["desiredCount"] ??= 1;
        CfnProperties.Number(body, "desiredCount");
        CfnProperties.Number(body, "healthCheckGracePeriodSeconds");
        var result = await Ecs.Call(c, "CreateService", body);
        var service = result["service"]!;
        var arn = service["serviceArn"]!.GetValue<string>();
        var name = service["serviceName"]!.GetValue<string>();
        return ResourceOutcome.Stabilizing(arn, c.Handle("stabilizing"), Attributes(("ServiceArn", arn), ("Name", name)));
    }

    public override async Task<ResourceOutcome> Update(HandlerContext c)
    {
        var changed = c.Changed.ToHashSet(StringComparer.Ordinal);
        var updatable = new[]
        {
            "DesiredCount", "TaskDefinition", "CapacityProviderStrategy", "DeploymentConfiguration", "PlacementConstraints", "PlacementStrategies",
            "LoadBalancers", "NetworkConfiguration", "HealthCheckGracePeriodSeconds", "PlatformVersion", "EnableExecuteCommand", "PropagateTags",
            "EnableECSManagedTags", "ServiceRegistries", "ServiceConnectConfiguration", "AvailabilityZoneRebalancing",
        };
        var inPlace = new JsonObject();
        foreach (var p in updatable.Where(changed.Contains))
        {
            inPlace[p] = c.Properties[p]?.DeepClone() ?? (p is "CapacityProviderStrategy" or "LoadBalancers" or "PlacementConstraints" or "PlacementStrategies" ? new JsonArray() : null);
        }

        if (inPlace.Count > 0)
        {
            var body = Ecs.Body(inPlace, Renames);
            body["cluster"] = CfnProperties.Text(c.Properties, "Cluster") ?? "default";
            body["service"] = c.PhysicalId;
            CfnProperties.Number(body, "desiredCount");
            if (changed.Contains("CapacityProviderStrategy"))
            {
                body["forceNewDeployment"] = true; // ECS starts a new deployment for a new strategy
            }

            await Ecs.Call(c, "UpdateService", body);
        }

        if (changed.Contains("Tags"))
        {
            await Ecs.Tag(c, c.PhysicalId);
        }

        return inPlace.Count > 0 ? ResourceOutcome.Stabilizing(c.PhysicalId, c.Handle("stabilizing"), c.Call.Attributes) : ResourceOutcome.Done(c.PhysicalId, c.Call.Attributes);
    }

    public override async Task<ResourceOutcome> Delete(HandlerContext c)
    {
        var cluster = CfnProperties.Text(c.Properties, "Cluster") ?? "default";
        await Ecs.Call(c, "DeleteService", new JsonObject { ["cluster"] = cluster, ["service"] = c.PhysicalId, ["force"] = true });
        return ResourceOutcome.Stabilizing(c.PhysicalId, c.Handle("draining"));
    }

    public override async Task<ResourceOutcome> Poll(HandlerContext c)
    {
        var cluster = CfnProperties.Text(c.Properties, "Cluster") ?? "default";
        var (state, since) = c.ReadHandle();
        JsonObject result;
        try
        {
            result = await Ecs.Call(c, "DescribeServices", new JsonObject { ["cluster"] = cluster, ["services"] = new JsonArray(c.PhysicalId) });
        }
        catch (EcsException e) when (state == "draining" && e.Code == ErrorCodes.ClusterNotFound)
        {
            return ResourceOutcome.Done(c.PhysicalId);
        }

        var service = result["services"]?.AsArray().FirstOrDefault();
        if (state == "draining")
        {
            return service is null || service["status"]?.GetValue<string>() == "INACTIVE"
                ? ResourceOutcome.Done(c.PhysicalId)
                : ResourceOutcome.Stabilizing(c.PhysicalId, c.Call.Handle!);
        }

        if (service is null || service["status"]?.GetValue<string>() != "ACTIVE")
        {
            return ResourceOutcome.Failed($"Service {c.PhysicalId} is no longer ACTIVE", c.PhysicalId);
        }

        var deployments = service["deployments"]?.AsArray() ?? [];
        if (deployments.Any(d => d?["rolloutState"]?.GetValue<string>() == "FAILED"))
        {
            return ResourceOutcome.Failed("Error occurred during operation 'ECS Deployment Circuit Breaker was triggered'.", c.PhysicalId);
        }

        var desired = service["desiredCount"]?.GetValue<int>() ?? 0;
        var running = service["runningCount"]?.GetValue<int>() ?? 0;
        var pending = service["pendingCount"]?.GetValue<int>() ?? 0;
        if (deployments.Count <= 1 && running == desired && pending == 0)
        {
            return ResourceOutcome.Done(c.PhysicalId, c.Call.Attributes);
        }

        return c.Now - since < StabilizeLimit
            ? ResourceOutcome.Stabilizing(c.PhysicalId, c.Call.Handle!, c.Call.Attributes)
            : ResourceOutcome.Failed($"Service {c.PhysicalId} did not stabilize within {StabilizeLimit.TotalHours} hours: {running} of {desired} tasks running, {pending} pending", c.PhysicalId);
    }
}
