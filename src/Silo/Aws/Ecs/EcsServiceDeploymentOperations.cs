using System.Collections.Immutable;
using System.Text.Json.Nodes;
using Emulator.Contracts;

namespace Emulator.Silo.Aws.Ecs;

/// <summary>
/// B-DP-5: service deployments and revisions (ECS API of 2024-2025): ListServiceDeployments, DescribeServiceDeployments,
/// DescribeServiceRevisions, StopServiceDeployment. A service deployment ARN names its cluster and service, so every
/// call goes to the one service grain that keeps that history.
/// </summary>
public static class EcsServiceDeploymentOperations
{
    private const int MaxArns = 20;

    [AwsOperation(AwsServices.Ecs, "ListServiceDeployments")]
    public static async Task<JsonObject> ListServiceDeployments(JsonInput input, AwsContext context)
    {
        var service = input.RequiredString("service");
        var cluster = await context.Cluster(input.String("cluster")).Describe() ?? throw Errors.ClusterNotFound();
        var grain = context.Grains.GetGrain<IServiceGrain>(GrainKeys.Service(cluster.Name, Arns.ShortName(service)));
        if (await grain.Describe() is not { } info || info.Status == ServiceStatus.INACTIVE)
        {
            throw Errors.ServiceNotFound();
        }

        var statuses = input.Strings("status") ?? [];
        foreach (var s in statuses.Where(s => !ServiceDeploymentStatuses.All.Contains(s)))
        {
            throw ErrorCodes.Invalid($"Invalid status '{s}': valid values are {string.Join(", ", ServiceDeploymentStatuses.All)}.");
        }

        var created = input.Object("createdAt");
        var before = created?.Timestamp("before");
        var after = created?.Timestamp("after");
        var all = (await grain.ListServiceDeployments())
            .Where(v => (statuses.IsEmpty || statuses.Contains(v.Record.Status))
                        && (before is null || v.Record.CreatedAt <= before) && (after is null || v.Record.CreatedAt >= after))
            .ToList();
        var (page, next) = Paging.Page(all, PageSizes.EcsListServiceDeployments, input.String("nextToken"), input.Int("maxResults"), v => v.Record.Id);
        return new JsonObject
        {
            ["serviceDeployments"] = WireJson.Array(page.Select(v => (JsonNode?)Brief(v, context))),
        }.With("nextToken", next);
    }

    [AwsOperation(AwsServices.Ecs, "DescribeServiceDeployments")]
    public static async Task<JsonObject> DescribeServiceDeployments(JsonInput input, AwsContext context)
    {
        var arns = input.Strings("serviceDeploymentArns") ?? throw input.Missing("serviceDeploymentArns");
        CheckCount(arns, "serviceDeploymentArns");
        var found = new JsonArray();
        var failures = new JsonArray();
        foreach (var (key, group) in GroupByService(arns, "service-deployment", failures))
        {
            var views = await context.Grains.GetGrain<IServiceGrain>(GrainKeys.Service(key.Cluster, key.Service)).GetServiceDeployments([.. group.Select(g => g.Id)]);
            foreach (var (arn, id) in group)
            {
                if (views.FirstOrDefault(v => v.Record.Id == id) is { } v)
                {
                    found.Add(Full(v, context));
                }
                else
                {
                    failures.Add(EcsShapes.Failure(arn, "MISSING"));
                }
            }
        }

        return new JsonObject { ["serviceDeployments"] = found, ["failures"] = failures };
    }

    [AwsOperation(AwsServices.Ecs, "DescribeServiceRevisions")]
    public static async Task<JsonObject> DescribeServiceRevisions(JsonInput input, AwsContext context)
    {
        var arns = input.Strings("serviceRevisionArns") ?? throw input.Missing("serviceRevisionArns");
        CheckCount(arns, "serviceRevisionArns");
        var found = new JsonArray();
        var failures = new JsonArray();
        foreach (var (key, group) in GroupByService(arns, "service-revision", failures))
        {
            var revisions = await context.Grains.GetGrain<IServiceGrain>(GrainKeys.Service(key.Cluster, key.Service)).GetServiceRevisions([.. group.Select(g => g.Id)]);
            foreach (var (arn, id) in group)
            {
                if (revisions.FirstOrDefault(r => r.Id == id) is { } r)
                {
                    found.Add(Revision(r, key.Cluster, key.Service, context));
                }
                else
                {
                    failures.Add(EcsShapes.Failure(arn, "MISSING"));
                }
            }
        }

        return new JsonObject { ["serviceRevisions"] = found, ["failures"] = failures };
    }

    [AwsOperation(AwsServices.Ecs, "StopServiceDeployment")]
    public static async Task<JsonObject> StopServiceDeployment(JsonInput input, AwsContext context)
    {
        var arn = input.RequiredString("serviceDeploymentArn");
        var stopType = input.String("stopType") ?? "ROLLBACK";
        if (DeploymentArns.Parse(arn, "service-deployment") is not { } key)
        {
            throw ErrorCodes.Invalid($"Invalid service deployment ARN '{arn}': expected arn:aws:ecs:REGION:ACCOUNT:service-deployment/CLUSTER/SERVICE/ID.");
        }

        var view = await context.Grains.GetGrain<IServiceGrain>(GrainKeys.Service(key.Cluster, key.Service)).StopServiceDeployment(key.Id, stopType);
        return new JsonObject { ["serviceDeploymentArn"] = Arn(view, context) };
    }

    /// <summary>
    /// B-DP-7 ContinueServiceDeployment: answers a PAUSE hook AWAITING_ACTION of a BLUE_GREEN / LINEAR / CANARY deployment
    /// (action CONTINUE, the default, or ROLLBACK). An ARN that is not a service deployment's or a bad action:
    /// InvalidParameterException; an unknown deployment: ServiceDeploymentNotFoundException; no such hook awaiting an action
    /// (or the deployment over): InvalidParameterException, as the model declares no ConflictException for this operation.
    /// </summary>
    [AwsOperation(AwsServices.Ecs, "ContinueServiceDeployment")]
    public static async Task<JsonObject> ContinueServiceDeployment(JsonInput input, AwsContext context)
    {
        var arn = input.RequiredString("serviceDeploymentArn");
        var hookId = input.RequiredString("hookId");
        var action = input.String("action") ?? "CONTINUE";
        if (action is not ("CONTINUE" or "ROLLBACK"))
        {
            throw ErrorCodes.Invalid($"1 validation error detected: Value '{action}' at 'action' failed to satisfy constraint: Member must satisfy enum value set: [ROLLBACK, CONTINUE]");
        }

        if (DeploymentArns.Parse(arn, "service-deployment") is not { } key)
        {
            throw ErrorCodes.Invalid($"Invalid service deployment ARN '{arn}': expected arn:aws:ecs:REGION:ACCOUNT:service-deployment/CLUSTER/SERVICE/ID.");
        }

        ServiceDeploymentView view;
        try
        {
            view = await context.Grains.GetGrain<IServiceGrain>(GrainKeys.Service(key.Cluster, key.Service)).ContinueServiceDeployment(key.Id, hookId, action);
        }
        catch (EcsException e) when (e.Code == ErrorCodes.Conflict)
        {
            throw ErrorCodes.Invalid(e.Message);
        }

        return new JsonObject { ["serviceDeploymentArn"] = Arn(view, context) };
    }

    private static void CheckCount(ImmutableArray<string> arns, string member)
    {
        if (arns.IsEmpty || arns.Length > MaxArns)
        {
            throw ErrorCodes.Invalid($"{member} must name between 1 and {MaxArns} ARNs.");
        }
    }

    /// <summary>ARNs grouped by the service they name (in first-seen order); ARNs that are not of the kind fail as MISSING.</summary>
    private static List<((string Cluster, string Service) Key, List<(string Arn, string Id)> Items)> GroupByService(ImmutableArray<string> arns, string kind, JsonArray failures)
    {
        var groups = new List<((string, string) Key, List<(string, string)> Items)>();
        foreach (var arn in arns)
        {
            if (DeploymentArns.Parse(arn, kind) is not { } p)
            {
                failures.Add(EcsShapes.Failure(arn, "MISSING"));
                continue;
            }

            var key = (p.Cluster, p.Service);
            var group = groups.FirstOrDefault(g => g.Key == key);
            if (group.Items is null)
            {
                group = (key, []);
                groups.Add(group);
            }

            group.Items.Add((arn, p.Id));
        }

        return groups;
    }

    private static string Arn(ServiceDeploymentView v, AwsContext c) => DeploymentArns.ServiceDeployment(c.Region, c.Account, v.Cluster, v.Service, v.Record.Id);

    private static string RevisionArn(ServiceDeploymentView v, string id, AwsContext c) => DeploymentArns.ServiceRevision(c.Region, c.Account, v.Cluster, v.Service, id);

    private static JsonObject Brief(ServiceDeploymentView v, AwsContext c)
    {
        var d = v.Record;
        return new JsonObject
        {
            ["serviceDeploymentArn"] = Arn(v, c),
            ["serviceArn"] = Arns.Service(c.Region, c.Account, v.Cluster, v.Service),
            ["clusterArn"] = Arns.Cluster(c.Region, c.Account, v.Cluster),
            ["createdAt"] = WireJson.Epoch(d.CreatedAt),
            ["targetServiceRevisionArn"] = RevisionArn(v, d.TargetRevisionId, c),
            ["status"] = d.Status,
        }.With("startedAt", WireJson.Epoch(d.StartedAt)).With("finishedAt", WireJson.Epoch(d.FinishedAt)).With("statusReason", d.StatusReason);
    }

    private static JsonObject Full(ServiceDeploymentView v, AwsContext c)
    {
        var d = v.Record;
        // B-DP-6: a traffic-shifting deployment's revisions carry the share of production and test traffic they are asked to serve.
        JsonObject Summary(ServiceRevisionSummary s) => new JsonObject
        {
            ["arn"] = RevisionArn(v, s.RevisionId, c),
            ["requestedTaskCount"] = s.Requested,
            ["runningTaskCount"] = s.Running,
            ["pendingTaskCount"] = s.Pending,
        }.With("requestedTestTrafficWeight", s.TestTrafficWeight is { } test ? JsonValue.Create(test) : null)
            .With("requestedProductionTrafficWeight", s.ProductionTrafficWeight is { } production ? JsonValue.Create(production) : null);

        var o = new JsonObject
        {
            ["serviceDeploymentArn"] = Arn(v, c),
            ["serviceArn"] = Arns.Service(c.Region, c.Account, v.Cluster, v.Service),
            ["clusterArn"] = Arns.Cluster(c.Region, c.Account, v.Cluster),
            ["createdAt"] = WireJson.Epoch(d.CreatedAt),
            ["updatedAt"] = WireJson.Epoch(d.UpdatedAt),
            ["sourceServiceRevisions"] = WireJson.Array(v.Sources.Select(s => (JsonNode?)Summary(s))),
            ["targetServiceRevision"] = Summary(v.Target),
            ["status"] = d.Status,
            ["deploymentConfiguration"] = EcsServiceOperations.DeploymentConfiguration(d.MinimumHealthyPercent, d.MaximumPercent, d.CircuitBreaker, d.Alarms,
                v.TrafficShift?.Strategy, d.BakeTimeInMinutes).WithTrafficShift(v.TrafficShift?.Settings),
            ["deploymentCircuitBreaker"] = new JsonObject { ["status"] = d.CircuitBreakerStatus, ["failureCount"] = d.FailureCount, ["threshold"] = d.Threshold },
        };
        o.With("startedAt", WireJson.Epoch(d.StartedAt)).With("finishedAt", WireJson.Epoch(d.FinishedAt)).With("stoppedAt", WireJson.Epoch(d.StoppedAt))
            .With("statusReason", d.StatusReason).With("lifecycleStage", d.LifecycleStage ?? v.TrafficShift?.LifecycleStage);

        // B-DP-7: the hooks of the current phase (a PAUSE hook AWAITING_ACTION names the hookId ContinueServiceDeployment takes).
        if (v.TrafficShift is { Hooks.IsDefaultOrEmpty: false } shift)
        {
            o["lifecycleHookDetails"] = WireJson.Array(shift.Hooks.Select(h => (JsonNode?)EcsTrafficShiftShapes.HookDetail(h)));
        }

        if (d.Alarms is { } alarms)
        {
            o["alarms"] = new JsonObject
            {
                ["status"] = d.AlarmsStatus,
                ["alarmNames"] = WireJson.Strings(alarms.AlarmNames.IsDefault ? [] : alarms.AlarmNames),
                ["triggeredAlarmNames"] = WireJson.Strings(d.TriggeredAlarms.IsDefault ? [] : d.TriggeredAlarms),
            };
        }
        else
        {
            o["alarms"] = new JsonObject { ["status"] = MonitorStatuses.Disabled };
        }

        if (d.Rollback is { } r)
        {
            o["rollback"] = new JsonObject
            {
                ["reason"] = r.Reason,
                ["startedAt"] = WireJson.Epoch(r.StartedAt),
                ["serviceRevisionArn"] = RevisionArn(v, r.RevisionId, c),
            };
        }

        return o;
    }

    private static JsonObject Revision(ServiceRevisionRecord r, string cluster, string service, AwsContext c)
    {
        var o = new JsonObject
        {
            ["serviceRevisionArn"] = DeploymentArns.ServiceRevision(c.Region, c.Account, cluster, service, r.Id),
            ["serviceArn"] = Arns.Service(c.Region, c.Account, cluster, service),
            ["clusterArn"] = Arns.Cluster(c.Region, c.Account, cluster),
            ["taskDefinition"] = r.TaskDefinitionArn,
            ["loadBalancers"] = WireJson.Array((r.LoadBalancers.IsDefault ? [] : r.LoadBalancers).Select(lb => (JsonNode?)new JsonObject
            {
                ["targetGroupArn"] = lb.TargetGroupArn,
            }.With("containerName", lb.ContainerName).With("containerPort", lb.ContainerPort is { } port ? JsonValue.Create(port) : null)
                .With("advancedConfiguration", lb.Advanced is { } advanced ? EcsTrafficShiftShapes.Advanced(advanced) : null))),
            ["serviceRegistries"] = new JsonArray(),
            ["containerImages"] = WireJson.Array((r.ContainerImages.IsDefault ? [] : r.ContainerImages).Select(i => (JsonNode?)new JsonObject
            {
                ["containerName"] = i.ContainerName,
                ["image"] = i.Image,
            })),
            ["guardDutyEnabled"] = false,
            ["createdAt"] = WireJson.Epoch(r.CreatedAt),
        };
        if (r.LaunchType is { } lt)
        {
            o["launchType"] = lt.ToString();
        }
        else if (!r.CapacityProviderStrategy.IsDefaultOrEmpty)
        {
            o["capacityProviderStrategy"] = EcsShapes.Strategy(r.CapacityProviderStrategy);
        }

        if (r.Network is { } n)
        {
            o["networkConfiguration"] = EcsServiceOperations.NetworkConfiguration(n);
        }

        o.With("platformVersion", r.PlatformVersion);
        return o;
    }
}
