using System.Text.Json.Nodes;
using Emulator.Contracts;

namespace Emulator.Silo.Aws.Ecs;

/// <summary>ECS service operations (B-SV-*, B-DP-1): Create, Update, Describe, List, Delete.</summary>
public static class EcsServiceOperations
{
    [AwsOperation(AwsServices.Ecs, "CreateService")]
    public static async Task<JsonObject> CreateService(JsonInput input, AwsContext context)
    {
        await EcsTrafficShiftInputs.Validate(input, context);
        var deployment = input.Object("deploymentConfiguration");
        var info = await context.Control.CreateService(new CreateServiceRequest(
            input.String("cluster"), input.RequiredString("serviceName"), input.RequiredString("taskDefinition"), input.Int("desiredCount"),
            input.Enum<LaunchType>("launchType"), EcsInputs.Strategy(input), EcsInputs.PlacementStrategies(input), EcsInputs.PlacementConstraints(input),
            input.Enum<SchedulingStrategy>("schedulingStrategy") ?? SchedulingStrategy.REPLICA,
            deployment?.Int("minimumHealthyPercent"), deployment?.Int("maximumPercent"), input.Tags(),
            EcsInputs.ClientToken(input, Emulator.Model.Lifecycle.ClientTokens.CreateServiceMaxLength), EcsInputs.Fingerprint(input),
            EcsInputs.LoadBalancers(input), EcsInputs.ServiceOptionsPatch(input)));
        return new JsonObject { ["service"] = Shape(info, context) };
    }

    [AwsOperation(AwsServices.Ecs, "UpdateService")]
    public static async Task<JsonObject> UpdateService(JsonInput input, AwsContext context)
    {
        var current = await context.Grains.GetGrain<IServiceGrain>(GrainKeys.Service(Arns.ClusterName(input.String("cluster")), Arns.ShortName(input.RequiredString("service")))).Describe();
        if (current is { Status: not ServiceStatus.INACTIVE })
        {
            await EcsTrafficShiftInputs.Validate(input, context, current);
        }

        var deployment = input.Object("deploymentConfiguration");
        var info = await context.Control.UpdateService(new UpdateServiceRequest(
            input.String("cluster"), input.RequiredString("service"), input.Int("desiredCount"), input.String("taskDefinition"),
            input.Has("capacityProviderStrategy") ? EcsInputs.Strategy(input) : null,
            input.Has("placementStrategy") ? EcsInputs.PlacementStrategies(input) : null,
            input.Has("placementConstraints") ? EcsInputs.PlacementConstraints(input) : null,
            deployment?.Int("minimumHealthyPercent"), deployment?.Int("maximumPercent"), input.Bool("forceNewDeployment") ?? false,
            input.Has("loadBalancers") ? EcsInputs.LoadBalancers(input) : null, EcsInputs.ServiceOptionsPatch(input, CurrentTrafficShift(input, current))));
        return new JsonObject { ["service"] = Shape(info, context) };
    }

    /// <summary>
    /// B-DP-6: an update naming some of linearConfiguration, canaryConfiguration and lifecycleHooks keeps the others: the
    /// service's settings now (null when it names all or none of them, or the service does not exist).
    /// </summary>
    private static TrafficShiftSettings? CurrentTrafficShift(JsonInput input, ServiceInfo? current)
    {
        var deployment = input.Object("deploymentConfiguration");
        var named = new[] { "linearConfiguration", "canaryConfiguration", "lifecycleHooks" }.Count(m => deployment?.Has(m) == true);
        return named is 0 or 3 ? null : current?.Spec.EffectiveOptions.TrafficShift;
    }

    [AwsOperation(AwsServices.Ecs, "DescribeServices")]
    public static async Task<JsonObject> DescribeServices(JsonInput input, AwsContext context)
    {
        var names = input.Strings("services") ?? throw input.Missing("services");
        if (names.Length > 10)
        {
            throw ErrorCodes.Invalid("services can have at most 10 items.");
        }

        var cluster = await context.Cluster(input.String("cluster")).Describe() ?? throw Errors.ClusterNotFound();
        var services = new JsonArray();
        var failures = new JsonArray();
        foreach (var n in names)
        {
            var info = await context.Grains.GetGrain<IServiceGrain>(GrainKeys.Service(cluster.Name, Arns.ShortName(n))).Describe();
            if (info is null)
            {
                failures.Add(EcsShapes.Failure(n.StartsWith("arn:", StringComparison.Ordinal) ? n : Arns.Service(context.Region, context.Account, cluster.Name, n), "MISSING"));
            }
            else
            {
                var shape = Shape(info, context);
                shape["tags"] = WireJson.Tags(await EcsTagOperations.Effective(context, info.Arn, info.Spec.Tags));
                services.Add(shape);
            }
        }

        return new JsonObject { ["services"] = services, ["failures"] = failures };
    }

    [AwsOperation(AwsServices.Ecs, "ListServices")]
    public static async Task<JsonObject> ListServices(JsonInput input, AwsContext context)
    {
        var launchType = input.Enum<LaunchType>("launchType");
        var scheduling = input.Enum<SchedulingStrategy>("schedulingStrategy");
        var cluster = await context.Cluster(input.String("cluster")).Describe() ?? throw Errors.ClusterNotFound();
        var arns = new List<string>();
        foreach (var s in cluster.Services)
        {
            var info = await context.Grains.GetGrain<IServiceGrain>(GrainKeys.Service(cluster.Name, s)).Describe();
            if (info is not null && (launchType is null || info.Spec.LaunchType == launchType) && (scheduling is null || info.Spec.SchedulingStrategy == scheduling))
            {
                arns.Add(info.Arn);
            }
        }

        var (page, next) = Paging.Page(arns, PageSizes.EcsListServices, input.String("nextToken"), input.Int("maxResults"), a => a);
        return new JsonObject { ["serviceArns"] = WireJson.Strings(page) }.With("nextToken", next);
    }

    [AwsOperation(AwsServices.Ecs, "DeleteService")]
    public static async Task<JsonObject> DeleteService(JsonInput input, AwsContext context)
    {
        var info = await context.Control.DeleteService(input.String("cluster"), input.RequiredString("service"), input.Bool("force") ?? false);
        await EcsTagOperations.Deleted(context, info.Arn);
        return new JsonObject { ["service"] = Shape(info, context) };
    }

    public static JsonObject Shape(ServiceInfo s, AwsContext context)
    {
        var spec = s.Spec;
        var options = spec.EffectiveOptions;
        var o = new JsonObject
        {
            ["serviceArn"] = s.Arn,
            ["serviceName"] = spec.Name,
            ["clusterArn"] = Arns.Cluster(context.Region, context.Account, spec.Cluster),
            ["loadBalancers"] = WireJson.Array((spec.LoadBalancers.IsDefault ? [] : spec.LoadBalancers).Select(lb => (JsonNode?)new JsonObject
            {
                ["targetGroupArn"] = lb.TargetGroupArn,
                ["containerName"] = lb.ContainerName,
                ["containerPort"] = lb.ContainerPort,
            }.With("advancedConfiguration", lb.Advanced is { } advanced ? EcsTrafficShiftShapes.Advanced(advanced) : null))),
            ["serviceRegistries"] = new JsonArray(),
            ["status"] = s.Status.ToString(),
            ["desiredCount"] = spec.DesiredCount,
            ["runningCount"] = s.RunningCount,
            ["pendingCount"] = s.PendingCount,
            ["taskDefinition"] = spec.TaskDefinition.Arn,
            ["deploymentConfiguration"] = DeploymentConfiguration(spec.MinimumHealthyPercent, spec.MaximumPercent, options.CircuitBreaker, options.Alarms,
                options.Strategy, options.BakeTimeInMinutes).WithTrafficShift(options.TrafficShift),
            ["deploymentController"] = new JsonObject { ["type"] = options.DeploymentController },
            ["deployments"] = WireJson.Array(s.Deployments.Select(d => (JsonNode?)Deployment(d))),
            ["events"] = WireJson.Array(s.Events.Select(e => (JsonNode?)new JsonObject
            {
                ["id"] = e.Id,
                ["createdAt"] = WireJson.Epoch(e.CreatedAt),
                ["message"] = e.Message,
            })),
            ["createdAt"] = WireJson.Epoch(s.CreatedAt),
            ["placementConstraints"] = WireJson.Array((spec.PlacementConstraints.IsDefault ? [] : spec.PlacementConstraints)
                .Select(c => (JsonNode?)new JsonObject { ["type"] = c.Type.ToString() }.With("expression", c.Expression))),
            ["placementStrategy"] = WireJson.Array((spec.PlacementStrategies.IsDefault ? [] : spec.PlacementStrategies)
                .Select(p => (JsonNode?)new JsonObject { ["type"] = p.Type.ToString() }.With("field", p.Field))),
            ["schedulingStrategy"] = spec.SchedulingStrategy.ToString(),
            ["enableECSManagedTags"] = options.EnableEcsManagedTags,
            ["propagateTags"] = options.PropagateTags,
            ["enableExecuteCommand"] = options.EnableExecuteCommand,
            ["availabilityZoneRebalancing"] = options.AvailabilityZoneRebalancing,
            ["tags"] = WireJson.Tags(spec.Tags),
        };
        if (options.Network is { } network)
        {
            o["networkConfiguration"] = NetworkConfiguration(network);
        }

        if (options.HealthCheckGracePeriodSeconds is { } grace)
        {
            o["healthCheckGracePeriodSeconds"] = grace;
        }

        if (spec.LaunchType == LaunchType.FARGATE || spec.CapacityProviderStrategy.Any(i => i.CapacityProvider is "FARGATE" or "FARGATE_SPOT"))
        {
            o["platformVersion"] = options.PlatformVersion ?? "LATEST";
            o["platformFamily"] = "Linux";
        }
        else if (options.PlatformVersion is { } platform)
        {
            o["platformVersion"] = platform;
        }

        // B-DP-5: the current service deployment and the revisions the service runs now.
        if (s.CurrentServiceDeploymentId is { } current)
        {
            o["currentServiceDeployment"] = DeploymentArns.ServiceDeployment(context.Region, context.Account, spec.Cluster, spec.Name, current);
        }

        if (!s.CurrentRevisions.IsDefaultOrEmpty)
        {
            o["currentServiceRevisions"] = WireJson.Array(s.CurrentRevisions.Select(r => (JsonNode?)new JsonObject
            {
                ["arn"] = DeploymentArns.ServiceRevision(context.Region, context.Account, spec.Cluster, spec.Name, r.RevisionId),
                ["requestedTaskCount"] = r.Requested,
                ["runningTaskCount"] = r.Running,
                ["pendingTaskCount"] = r.Pending,
            }));
        }

        if (spec.LaunchType is { } lt)
        {
            o["launchType"] = lt.ToString();
        }
        else if (!spec.CapacityProviderStrategy.IsDefaultOrEmpty)
        {
            o["capacityProviderStrategy"] = EcsShapes.Strategy(spec.CapacityProviderStrategy);
        }

        return o;
    }

    /// <summary>DeploymentConfiguration as written (B-DP-2, B-DP-3): members the service never set are left out, as AWS does.</summary>
    public static JsonObject DeploymentConfiguration(int minimumHealthyPercent, int maximumPercent, DeploymentCircuitBreakerSpec cb, DeploymentAlarmsSpec? alarms,
        string? strategy, int? bakeTimeInMinutes)
    {
        var breaker = new JsonObject { ["enable"] = cb.Enable, ["rollback"] = cb.Rollback };
        if (cb.ResetOnHealthyTask is { } reset)
        {
            breaker["resetOnHealthyTask"] = reset;
        }

        if (cb.Threshold is { } threshold)
        {
            breaker["thresholdConfiguration"] = new JsonObject { ["type"] = threshold.Type, ["value"] = threshold.Value };
        }

        var o = new JsonObject
        {
            ["deploymentCircuitBreaker"] = breaker,
            ["maximumPercent"] = maximumPercent,
            ["minimumHealthyPercent"] = minimumHealthyPercent,
        };
        if (alarms is not null)
        {
            o["alarms"] = new JsonObject { ["alarmNames"] = WireJson.Strings(alarms.AlarmNames.IsDefault ? [] : alarms.AlarmNames), ["enable"] = alarms.Enable, ["rollback"] = alarms.Rollback };
        }

        o.With("strategy", strategy);
        if (bakeTimeInMinutes is { } bake)
        {
            o["bakeTimeInMinutes"] = bake;
        }

        return o;
    }

    public static JsonObject NetworkConfiguration(AwsVpcConfiguration n) => new()
    {
        ["awsvpcConfiguration"] = new JsonObject
        {
            ["subnets"] = WireJson.Strings(n.Subnets.IsDefault ? [] : n.Subnets),
            ["securityGroups"] = WireJson.Strings(n.SecurityGroups.IsDefault ? [] : n.SecurityGroups),
            ["assignPublicIp"] = n.AssignPublicIp ? "ENABLED" : "DISABLED",
        },
    };

    private static JsonObject Deployment(DeploymentInfo d)
    {
        var o = new JsonObject
        {
            ["id"] = d.Id,
            ["status"] = d.Status,
            ["taskDefinition"] = d.TaskDefinitionArn,
            ["desiredCount"] = d.DesiredCount,
            ["pendingCount"] = d.PendingCount,
            ["runningCount"] = d.RunningCount,
            ["failedTasks"] = d.FailedTasks,
            ["createdAt"] = WireJson.Epoch(d.CreatedAt),
            ["updatedAt"] = WireJson.Epoch(d.UpdatedAt),
            ["rolloutState"] = d.RolloutState.ToString(),
            ["rolloutStateReason"] = d.RolloutStateReason,
        };
        if (d.LaunchType is { } lt)
        {
            o["launchType"] = lt.ToString();
        }
        else if (!d.CapacityProviderStrategy.IsDefaultOrEmpty)
        {
            o["capacityProviderStrategy"] = EcsShapes.Strategy(d.CapacityProviderStrategy);
        }

        return o;
    }
}
