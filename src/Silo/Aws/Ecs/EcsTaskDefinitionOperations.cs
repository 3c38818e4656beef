using System.Collections.Immutable;
using System.Globalization;
using System.Text.Json.Nodes;
using Emulator.Contracts;

namespace Emulator.Silo.Aws.Ecs;

/// <summary>ECS task definition and capacity provider operations (B-W-1, B-ID-2, B-ID-3, B-CAS-6).</summary>
public static class EcsTaskDefinitionOperations
{
    private static ITaskDefinitionRegistryGrain Registry(AwsContext c) => c.Grains.GetGrain<ITaskDefinitionRegistryGrain>(GrainKeys.TaskDefinitions);

    [AwsOperation(AwsServices.Ecs, "RegisterTaskDefinition")]
    public static async Task<JsonObject> RegisterTaskDefinition(JsonInput input, AwsContext context)
    {
        var family = input.RequiredString("family");
        var containers = input.Objects("containerDefinitions");
        if (!input.Has("containerDefinitions"))
        {
            throw input.Missing("containerDefinitions");
        }

        var defs = containers.Select(c => new ContainerDefinition(
            c.RequiredString("name"),
            c.RequiredString("image"),
            c.Int("cpu") ?? 0,
            c.Int("memory"),
            c.Int("memoryReservation"),
            c.Bool("essential") ?? true,
            c.Objects("portMappings").Select(p => new PortMapping(p.Int("containerPort") ?? 0, p.Int("hostPort"), p.String("protocol") ?? "tcp")).ToImmutableArray(),
            c.Int("stopTimeout"),
            c.Objects("resourceRequirements").Where(r => r.String("type") == "GPU")
                .Sum(r => int.TryParse(r.String("value"), NumberStyles.Integer, CultureInfo.InvariantCulture, out var g) ? g : 0),
            c.Map("dockerLabels"),
            c.Object("healthCheck") is { } hc
                ? new ContainerHealthCheck(hc.Strings("command") ?? throw hc.Missing("command"), hc.Int("interval") ?? 30, hc.Int("timeout") ?? 5, hc.Int("retries") ?? 3, hc.Int("startPeriod") ?? 0)
                : null)).ToImmutableArray();
        var document = JsonNode.Parse(input.Element.GetRawText())!.AsObject();
        document.Remove("tags");
        var spec = new TaskDefinitionSpec(family, defs, input.String("cpu"), input.String("memory"),
            input.Enum<NetworkMode>("networkMode") ?? NetworkMode.bridge, input.Strings("requiresCompatibilities") ?? [],
            EcsInputs.PlacementConstraints(input), input.Tags(), document.ToJsonString());
        var record = await context.Control.RegisterTaskDefinition(spec);
        return new JsonObject { ["taskDefinition"] = TaskDefinition(record, input), ["tags"] = WireJson.Tags(spec.Tags) };
    }

    [AwsOperation(AwsServices.Ecs, "DescribeTaskDefinition")]
    public static async Task<JsonObject> DescribeTaskDefinition(JsonInput input, AwsContext context)
    {
        var record = await Registry(context).Get(input.RequiredString("taskDefinition"))
            ?? throw Errors.TaskDefinitionUnknown();
        var result = new JsonObject { ["taskDefinition"] = TaskDefinition(record, null) };
        if ((input.Strings("include") ?? []).Contains("TAGS"))
        {
            result["tags"] = WireJson.Tags(await EcsTagOperations.Effective(context, record.Arn, record.Spec.Tags));
        }

        return result;
    }

    [AwsOperation(AwsServices.Ecs, "ListTaskDefinitions")]
    public static async Task<JsonObject> ListTaskDefinitions(JsonInput input, AwsContext context)
    {
        var status = input.String("status") ?? "ACTIVE";
        if (status is not ("ACTIVE" or "INACTIVE" or "DELETE_IN_PROGRESS"))
        {
            throw ErrorCodes.Invalid($"Invalid status '{status}': valid values are ACTIVE, INACTIVE, DELETE_IN_PROGRESS.");
        }

        var sort = input.String("sort") ?? "ASC";
        if (sort is not ("ASC" or "DESC"))
        {
            throw ErrorCodes.Invalid($"Invalid sort '{sort}': valid values are ASC, DESC.");
        }

        var all = await Registry(context).List(input.String("familyPrefix"), status == "ACTIVE");
        var ordered = sort == "ASC" ? all.ToList() : all.Reverse().ToList();
        var (page, next) = Paging.Page(ordered, PageSizes.EcsListTaskDefinitions, input.String("nextToken"), input.Int("maxResults"), r => r.Arn);
        return new JsonObject { ["taskDefinitionArns"] = WireJson.Strings(page.Select(r => r.Arn)) }.With("nextToken", next);
    }

    [AwsOperation(AwsServices.Ecs, "ListTaskDefinitionFamilies")]
    public static async Task<JsonObject> ListTaskDefinitionFamilies(JsonInput input, AwsContext context)
    {
        var status = input.String("status") ?? "ACTIVE";
        if (status is not ("ACTIVE" or "INACTIVE" or "ALL"))
        {
            throw ErrorCodes.Invalid($"Invalid status '{status}': valid values are ACTIVE, INACTIVE, ALL.");
        }

        var all = await Registry(context).List(input.String("familyPrefix"), null);
        var families = all.GroupBy(r => r.Family)
            .Where(g => status == "ALL" || (status == "ACTIVE" ? g.Any(r => r.Active) : g.All(r => !r.Active)))
            .Select(g => g.Key).Order(StringComparer.Ordinal).ToList();
        var (page, next) = Paging.Page(families, PageSizes.EcsListTaskDefinitionFamilies, input.String("nextToken"), input.Int("maxResults"), f => f);
        return new JsonObject { ["families"] = WireJson.Strings(page) }.With("nextToken", next);
    }

    [AwsOperation(AwsServices.Ecs, "DeregisterTaskDefinition")]
    public static async Task<JsonObject> DeregisterTaskDefinition(JsonInput input, AwsContext context)
    {
        var record = await context.Control.DeregisterTaskDefinition(input.RequiredString("taskDefinition"));
        return new JsonObject { ["taskDefinition"] = TaskDefinition(record, null) };
    }

    [AwsOperation(AwsServices.Ecs, "CreateCapacityProvider")]
    public static async Task<JsonObject> CreateCapacityProvider(JsonInput input, AwsContext context)
    {
        var name = input.RequiredString("name");
        if (input.Object("managedInstancesProvider") is { } managed)
        {
            // B-MI-1: a MANAGED_INSTANCES provider (no Auto Scaling group; it belongs to the request's cluster).
            if (input.Has("autoScalingGroupProvider"))
            {
                throw ErrorCodes.Invalid("You can specify only one of autoScalingGroupProvider or managedInstancesProvider.");
            }

            var mi = EcsManagedInstances.Create(managed, input.String("cluster"));
            var created = await context.Control.CreateCapacityProvider(new CapacityProviderSpec(
                name, "", ManagedScalingSpec.Default, false, true, input.Tags(), mi));
            return new JsonObject { ["capacityProvider"] = CapacityProvider(created, "CREATE_COMPLETE") };
        }

        var asg = input.Object("autoScalingGroupProvider") ?? throw input.Missing("autoScalingGroupProvider");
        var info = await context.Control.CreateCapacityProvider(new CapacityProviderSpec(
            name, asg.RequiredString("autoScalingGroupArn"), ManagedScaling(asg.Object("managedScaling"), ManagedScalingSpec.Default with { Status = ManagedScalingStatus.DISABLED }),
            EnabledFlag(asg, "managedTerminationProtection", false), EnabledFlag(asg, "managedDraining", true), input.Tags()));
        return new JsonObject { ["capacityProvider"] = CapacityProvider(info, "CREATE_COMPLETE") };
    }

    [AwsOperation(AwsServices.Ecs, "UpdateCapacityProvider")]
    public static async Task<JsonObject> UpdateCapacityProvider(JsonInput input, AwsContext context)
    {
        var name = Arns.ShortName(input.RequiredString("name"));
        var current = (await context.Control.DescribeCapacityProviders([name])).FirstOrDefault(p => p.Spec is not null);
        if (input.Object("managedInstancesProvider") is { } managed)
        {
            // B-MI-1: the new configuration, merged over the current one (template members given replace theirs).
            var existing = current?.Spec?.ManagedInstances
                ?? throw ErrorCodes.Invalid(current is null
                    ? $"The specified capacity provider {name} does not exist."
                    : "The managedInstancesProvider configuration can only be updated for a capacity provider of type MANAGED_INSTANCES.");
            var updated = await context.Control.UpdateCapacityProvider(new CapacityProviderUpdate(name, null, null, null, EcsManagedInstances.Update(managed, existing)));
            return new JsonObject { ["capacityProvider"] = CapacityProvider(updated, "UPDATE_COMPLETE") };
        }

        var asg = input.Object("autoScalingGroupProvider") ?? throw input.Missing("autoScalingGroupProvider");
        // Partial managedScaling members keep their current values: read them to merge (the update itself is the front door's).
        var info = await context.Control.UpdateCapacityProvider(new CapacityProviderUpdate(
            name,
            asg.Object("managedScaling") is { } ms && current is not null ? ManagedScaling(ms, current.Spec!.ManagedScaling) : null,
            asg.Has("managedTerminationProtection") ? EnabledFlag(asg, "managedTerminationProtection", false) : null,
            asg.Has("managedDraining") ? EnabledFlag(asg, "managedDraining", true) : null));
        return new JsonObject { ["capacityProvider"] = CapacityProvider(info, "UPDATE_COMPLETE") };
    }

    [AwsOperation(AwsServices.Ecs, "DescribeCapacityProviders")]
    public static async Task<JsonObject> DescribeCapacityProviders(JsonInput input, AwsContext context)
    {
        var names = input.Strings("capacityProviders") ?? [];
        var found = await context.Control.DescribeCapacityProviders(names);
        var failures = names.Select(Arns.ShortName).Where(n => found.All(f => f.Name != n))
            .Select(n => (JsonNode?)EcsShapes.Failure(Arns.CapacityProvider(context.Region, context.Account, n), "MISSING"));
        var (page, next) = Paging.Page(found, PageSizes.EcsDescribeCapacityProviders, input.String("nextToken"), input.Int("maxResults"), p => p.Name);
        var shapes = new List<JsonNode?>();
        foreach (var p in page)
        {
            var shape = CapacityProvider(p, null);
            shape["tags"] = WireJson.Tags(await EcsTagOperations.Effective(context, p.Arn, p.Spec?.Tags));
            shapes.Add(shape);
        }

        return new JsonObject
        {
            ["capacityProviders"] = WireJson.Array(shapes),
            ["failures"] = WireJson.Array(failures),
        }.With("nextToken", next);
    }

    [AwsOperation(AwsServices.Ecs, "DeleteCapacityProvider")]
    public static async Task<JsonObject> DeleteCapacityProvider(JsonInput input, AwsContext context)
    {
        var name = input.RequiredString("capacityProvider");
        try
        {
            var info = await context.Control.DeleteCapacityProvider(name);
            await EcsTagOperations.Deleted(context, info.Arn);
            return new JsonObject { ["capacityProvider"] = CapacityProvider(info, "DELETE_COMPLETE") };
        }
        catch (EcsException e) when (e.Code == ErrorCodes.ResourceInUse)
        {
            // The model declares no ResourceInUseException here: AWS answers 200 with the provider still ACTIVE,
            // updateStatus DELETE_FAILED and the reason. Known gap: the failed status is not kept for later Describes.
            var current = (await context.Control.DescribeCapacityProviders([name])).FirstOrDefault();
            if (current is null)
            {
                throw;
            }

            var shape = CapacityProvider(current, "DELETE_FAILED");
            shape["updateStatusReason"] = $"The capacity provider cannot be deleted because it is associated with cluster: {current.Cluster}. Remove the capacity provider from the cluster and try again.";
            return new JsonObject { ["capacityProvider"] = shape };
        }
    }

    public static JsonObject TaskDefinition(TaskDefinitionRecord r, JsonInput? original)
    {
        var spec = r.Spec;
        if (spec.Document is { } document)
        {
            return FromDocument(r, JsonNode.Parse(document)!.AsObject());
        }

        var containers = spec.Containers.Select(c =>
        {
            var o = new JsonObject
            {
                ["name"] = c.Name,
                ["image"] = c.Image,
                ["cpu"] = c.Cpu,
                ["portMappings"] = WireJson.Array(c.PortMappings.Select(p => (JsonNode?)new JsonObject
                {
                    ["containerPort"] = p.ContainerPort,
                    ["hostPort"] = p.HostPort ?? (spec.NetworkMode == NetworkMode.bridge ? 0 : p.ContainerPort),
                    ["protocol"] = p.Protocol,
                })),
                ["essential"] = c.Essential,
                ["environment"] = new JsonArray(),
                ["mountPoints"] = new JsonArray(),
                ["volumesFrom"] = new JsonArray(),
            };
            o.With("memory", c.Memory is { } m ? JsonValue.Create(m) : null)
             .With("memoryReservation", c.MemoryReservation is { } mr ? JsonValue.Create(mr) : null)
             .With("stopTimeout", c.StopTimeout is { } st ? JsonValue.Create(st) : null);
            if (c.DockerLabels is { Count: > 0 } labels)
            {
                var l = new JsonObject();
                foreach (var (k, v) in labels.OrderBy(kv => kv.Key, StringComparer.Ordinal))
                {
                    l[k] = v;
                }

                o["dockerLabels"] = l;
            }

            if (c.HealthCheck is { } check)
            {
                o["healthCheck"] = new JsonObject
                {
                    ["command"] = WireJson.Strings(check.Command.IsDefault ? [] : check.Command),
                    ["interval"] = check.IntervalSeconds,
                    ["timeout"] = check.TimeoutSeconds,
                    ["retries"] = check.Retries,
                    ["startPeriod"] = check.StartPeriodSeconds,
                };
            }

            return (JsonNode?)o;
        });
        var compat = spec.RequiresCompatibilities.IsDefaultOrEmpty ? ["EC2"] : spec.RequiresCompatibilities.ToList();
        if (!compat.Contains("EC2") && spec.NetworkMode != NetworkMode.awsvpc)
        {
            compat.Add("EC2");
        }

        var result = new JsonObject
        {
            ["taskDefinitionArn"] = r.Arn,
            ["containerDefinitions"] = WireJson.Array(containers),
            ["family"] = r.Family,
            ["networkMode"] = spec.NetworkMode.ToString(),
            ["revision"] = r.Revision,
            ["volumes"] = new JsonArray(),
            ["status"] = r.Active ? "ACTIVE" : "INACTIVE",
            ["requiresAttributes"] = new JsonArray(),
            ["placementConstraints"] = WireJson.Array((spec.PlacementConstraints.IsDefault ? [] : spec.PlacementConstraints)
                .Select(c => (JsonNode?)new JsonObject { ["type"] = c.Type.ToString() }.With("expression", c.Expression))),
            ["compatibilities"] = WireJson.Strings(compat.Distinct()),
            ["requiresCompatibilities"] = WireJson.Strings(spec.RequiresCompatibilities.IsDefault ? [] : spec.RequiresCompatibilities),
            ["registeredAt"] = WireJson.Epoch(r.RegisteredAt),
        };
        result.With("cpu", spec.Cpu).With("memory", spec.Memory).With("deregisteredAt", WireJson.Epoch(r.DeregisteredAt));
        if (original?.String("executionRoleArn") is { } exec)
        {
            result["executionRoleArn"] = exec;
        }

        return result;
    }

    /// <summary>
    /// A task definition as registered (its document) with what ECS adds: identity, status and times, compatibilities,
    /// and the defaults DescribeTaskDefinition shows for members left out (network mode, empty lists, essential,
    /// container CPU 0, host ports).
    /// </summary>
    private static JsonObject FromDocument(TaskDefinitionRecord r, JsonObject doc)
    {
        var spec = r.Spec;
        var containers = new JsonArray();
        foreach (var node in doc["containerDefinitions"] as JsonArray ?? [])
        {
            var c = (node as JsonObject)?.DeepClone().AsObject() ?? [];
            c.TryAdd("cpu", 0);
            c.TryAdd("essential", true);
            c.TryAdd("portMappings", new JsonArray());
            foreach (var pm in c["portMappings"] as JsonArray ?? [])
            {
                if (pm is JsonObject m)
                {
                    if (!m.ContainsKey("hostPort") && m["containerPort"] is { } cp)
                    {
                        m["hostPort"] = spec.NetworkMode == NetworkMode.bridge ? 0 : cp.DeepClone();
                    }

                    m.TryAdd("protocol", "tcp");
                }
            }

            c.TryAdd("environment", new JsonArray());
            c.TryAdd("mountPoints", new JsonArray());
            c.TryAdd("volumesFrom", new JsonArray());
            containers.Add(c);
        }

        var compat = spec.RequiresCompatibilities.IsDefaultOrEmpty ? ["EC2"] : spec.RequiresCompatibilities.ToList();
        if (!compat.Contains("EC2") && spec.NetworkMode != NetworkMode.awsvpc)
        {
            compat.Add("EC2");
        }

        var o = new JsonObject { ["taskDefinitionArn"] = r.Arn, ["containerDefinitions"] = containers, ["family"] = r.Family };
        foreach (var (name, value) in doc)
        {
            if (name is not ("containerDefinitions" or "family"))
            {
                o[name] = value?.DeepClone();
            }
        }

        o["networkMode"] = spec.NetworkMode.ToString();
        o["revision"] = r.Revision;
        o.TryAdd("volumes", new JsonArray());
        o["status"] = r.Active ? "ACTIVE" : "INACTIVE";
        o["requiresAttributes"] = new JsonArray();
        o.TryAdd("placementConstraints", new JsonArray());
        o["compatibilities"] = WireJson.Strings(compat.Distinct());
        o.TryAdd("requiresCompatibilities", new JsonArray());
        o["registeredAt"] = WireJson.Epoch(r.RegisteredAt);
        return o.With("deregisteredAt", WireJson.Epoch(r.DeregisteredAt));
    }

    public static JsonObject CapacityProvider(CapacityProviderInfo p, string? updateStatus)
    {
        var o = new JsonObject { ["capacityProviderArn"] = p.Arn, ["name"] = p.Name, ["status"] = p.Status, ["tags"] = WireJson.Tags(p.Spec?.Tags) };
        if (p.Spec?.ManagedInstances is { } mi)
        {
            o["type"] = "MANAGED_INSTANCES"; // written for Managed Instances only: the golden shapes of the other types predate the member
            o["cluster"] = mi.Cluster;
            o["managedInstancesProvider"] = EcsManagedInstances.Shape(mi);
        }
        else if (p.Spec is { } spec)
        {
            var ms = spec.ManagedScaling;
            o["autoScalingGroupProvider"] = new JsonObject
            {
                ["autoScalingGroupArn"] = p.AutoScalingGroupArn ?? spec.AutoScalingGroup,
                ["managedScaling"] = new JsonObject
                {
                    ["status"] = ms.Status.ToString(),
                    ["targetCapacity"] = ms.TargetCapacity,
                    ["minimumScalingStepSize"] = ms.MinimumScalingStepSize,
                    ["maximumScalingStepSize"] = ms.MaximumScalingStepSize,
                    ["instanceWarmupPeriod"] = ms.InstanceWarmupPeriod,
                },
                ["managedTerminationProtection"] = spec.ManagedTerminationProtection ? "ENABLED" : "DISABLED",
                ["managedDraining"] = spec.ManagedDraining ? "ENABLED" : "DISABLED",
            };
        }

        return o.With("updateStatus", updateStatus);
    }

    private static ManagedScalingSpec ManagedScaling(JsonInput? ms, ManagedScalingSpec fallback) => ms is null
        ? fallback
        : new ManagedScalingSpec(
            ms.Enum<ManagedScalingStatus>("status") ?? fallback.Status,
            ms.Int("targetCapacity") ?? fallback.TargetCapacity,
            ms.Int("minimumScalingStepSize") ?? fallback.MinimumScalingStepSize,
            ms.Int("maximumScalingStepSize") ?? fallback.MaximumScalingStepSize,
            ms.Int("instanceWarmupPeriod") ?? fallback.InstanceWarmupPeriod);

    private static bool EnabledFlag(JsonInput input, string name, bool fallback) => input.String(name) switch
    {
        null => fallback,
        "ENABLED" => true,
        "DISABLED" => false,
        var v => throw ErrorCodes.Invalid($"Invalid value '{v}' for {name}: valid values are ENABLED, DISABLED."),
    };
}
