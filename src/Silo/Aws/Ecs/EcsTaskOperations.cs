using System.Globalization;
using System.Text.Json.Nodes;
using Emulator.Contracts;
using TaskStatus = Emulator.Contracts.TaskStatus;

namespace Emulator.Silo.Aws.Ecs;

/// <summary>ECS task operations: RunTask, StartTask, StopTask, DescribeTasks, ListTasks (B-W-1, B-TL-*, B-CP-2).</summary>
public static class EcsTaskOperations
{
    [AwsOperation(AwsServices.Ecs, "RunTask")]
    public static async Task<JsonObject> RunTask(JsonInput input, AwsContext context)
    {
        var result = await context.Control.RunTask(new RunTaskRequest(
            input.String("cluster"), input.RequiredString("taskDefinition"), input.Int("count") ?? 1, input.Enum<LaunchType>("launchType"),
            EcsInputs.Strategy(input), EcsInputs.PlacementStrategies(input), EcsInputs.PlacementConstraints(input),
            input.String("group"), input.String("startedBy"),
            EcsInputs.ClientToken(input, Emulator.Model.Lifecycle.ClientTokens.RunTaskMaxLength), EcsInputs.Fingerprint(input),
            EcsInputs.Network(input)));
        return await Launched(result, context);
    }

    [AwsOperation(AwsServices.Ecs, "StartTask")]
    public static async Task<JsonObject> StartTask(JsonInput input, AwsContext context)
    {
        var result = await context.Control.StartTask(new StartTaskRequest(
            input.String("cluster"), input.RequiredString("taskDefinition"), input.Strings("containerInstances") ?? throw input.Missing("containerInstances"),
            input.String("group"), input.String("startedBy")));
        return await Launched(result, context);
    }

    [AwsOperation(AwsServices.Ecs, "StopTask")]
    public static async Task<JsonObject> StopTask(JsonInput input, AwsContext context)
    {
        var task = await context.Control.StopTask(input.String("cluster"), input.RequiredString("task"), input.String("reason"));
        return new JsonObject { ["task"] = await Shape(task, context) };
    }

    [AwsOperation(AwsServices.Ecs, "DescribeTasks")]
    public static async Task<JsonObject> DescribeTasks(JsonInput input, AwsContext context)
    {
        var ids = input.Strings("tasks") ?? throw input.Missing("tasks");
        if (ids.Length > 100)
        {
            throw ErrorCodes.Invalid("tasks can have at most 100 items.");
        }

        // One grain call when every task is found (only an existing cluster holds tasks); the cluster is looked up only to
        // tell a missing cluster from missing tasks.
        var clusterName = Arns.ClusterName(input.String("cluster"));
        var cluster = context.Cluster(clusterName);
        var found = await cluster.GetTasks(ids);
        if (found.Length < ids.Length && await cluster.Describe() is null)
        {
            throw Errors.ClusterNotFound();
        }

        var tasks = new JsonArray();
        foreach (var t in found)
        {
            tasks.Add(await CachedShape(t, context));
        }

        var failures = ids.Where(id => found.All(t => t.TaskId != Arns.ShortName(id)))
            .Select(id => (JsonNode?)EcsShapes.Failure(id.StartsWith("arn:", StringComparison.Ordinal) ? id : Arns.Task(context.Region, context.Account, clusterName, id), "MISSING"));
        return new JsonObject { ["tasks"] = tasks, ["failures"] = WireJson.Array(failures) };
    }

    [AwsOperation(AwsServices.Ecs, "ListTasks")]
    public static async Task<JsonObject> ListTasks(JsonInput input, AwsContext context)
    {
        // Input is validated before anything is looked up, like AWS.
        var launchType = input.Enum<LaunchType>("launchType");
        var desired = input.String("desiredStatus") switch
        {
            null or "RUNNING" => DesiredStatus.RUNNING,
            "STOPPED" => DesiredStatus.STOPPED,
            "PENDING" => DesiredStatus.RUNNING,
            var v => throw ErrorCodes.Invalid($"Invalid desiredStatus '{v}': valid values are RUNNING, PENDING, STOPPED."),
        };
        var pendingOnly = input.String("desiredStatus") == "PENDING";
        var cluster = context.Cluster(input.String("cluster"));
        var info = await cluster.Describe() ?? throw Errors.ClusterNotFound();
        var tasks = await cluster.ListTasks(new TaskFilter(input.String("serviceName") is { } s ? Arns.ShortName(s) : null, input.String("family"),
            input.String("startedBy"), input.String("containerInstance"), desired, launchType));
        var arns = tasks.Where(t => !pendingOnly || t.LastStatus < TaskStatus.RUNNING)
            .OrderBy(t => t.CreatedAt).ThenBy(t => t.TaskId, StringComparer.Ordinal)
            .Select(t => Arns.Task(context.Region, context.Account, info.Name, t.TaskId)).ToList();
        var (page, next) = Paging.Page(arns, PageSizes.EcsListTasks, input.String("nextToken"), input.Int("maxResults"), a => a);
        return new JsonObject { ["taskArns"] = WireJson.Strings(page) }.With("nextToken", next);
    }

    private static async Task<JsonObject> Launched(LaunchResult result, AwsContext context)
    {
        var tasks = new JsonArray();
        foreach (var t in result.Tasks)
        {
            tasks.Add(await Shape(t, context));
        }

        return new JsonObject
        {
            ["tasks"] = tasks,
            ["failures"] = WireJson.Array(result.Failures.Select(f => (JsonNode?)EcsShapes.Failure(f.Arn, f.Reason, f.Detail))),
        };
    }

    /// <summary>
    /// The Task shape of a record for DescribeTasks, remembered per record instance: a task's record is replaced on every
    /// change (B-TL-2 bumps its version), so a record the cluster grain still hands out shapes the same — except
    /// healthStatus, which turns HEALTHY with time and is part of the key. Pollers (waiters, dashboards, the benchmark)
    /// describe the same unchanged tasks over and over; the shape is then written from the parsed element instead of
    /// being built again. Entries go with their records (weak keys).
    /// </summary>
    private static async ValueTask<JsonNode> CachedShape(TaskRecord t, AwsContext context)
    {
        var healthy = Health(t, context);
        var cache = Shapes.GetOrCreateValue(context.Runtime);
        if (cache.TryGetValue(t, out var known) && known.Healthy == healthy)
        {
            return JsonObject.Create(known.Shape)!;
        }

        var shape = await Shape(t, context);
        var element = System.Text.Json.JsonSerializer.SerializeToElement(shape);
        cache.AddOrUpdate(t, new CachedTaskShape(healthy, element));
        return JsonObject.Create(element)!;
    }

    private sealed record CachedTaskShape(string Healthy, System.Text.Json.JsonElement Shape);

    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<Emulator.Runtime.EmulatorRuntime,
        System.Runtime.CompilerServices.ConditionalWeakTable<TaskRecord, CachedTaskShape>> Shapes = new();

    /// <summary>The task's healthStatus (B-TL-5, B-DP-8): HEALTHY, UNHEALTHY or UNKNOWN, from its container health.</summary>
    private static string Health(TaskRecord t, AwsContext context) =>
        t.LastStatus != TaskStatus.RUNNING ? "UNKNOWN" : Emulator.Model.Lifecycle.TaskHealth.Container(t, context.Runtime.Options.Timings).StatusAt(context.Now);

    /// <summary>The Task shape of the service model, from a task record and its task definition.</summary>
    public static async Task<JsonObject> Shape(TaskRecord t, AwsContext context)
    {
        var td = await context.TaskDefinitionRevision(t.TaskDefinitionArn);
        var taskArn = Arns.Task(context.Region, context.Account, t.Cluster, t.TaskId);
        var health = Health(t, context);
        var containers = (td?.Spec.Containers ?? []).Select((c, i) =>
        {
            var o = new JsonObject
            {
                ["containerArn"] = $"arn:aws:ecs:{context.Region}:{context.Account}:container/{t.Cluster}/{t.TaskId}/{Guid(t.TaskId, i)}",
                ["taskArn"] = taskArn,
                ["name"] = c.Name,
                ["image"] = c.Image,
                ["lastStatus"] = ContainerStatus(t.LastStatus),
                ["networkBindings"] = WireJson.Array(c.PortMappings.Where(p => t.HostPorts.Contains(p.HostPort ?? p.ContainerPort)).Select(p => (JsonNode?)new JsonObject
                {
                    ["bindIP"] = "0.0.0.0",
                    ["containerPort"] = p.ContainerPort,
                    ["hostPort"] = p.HostPort ?? p.ContainerPort,
                    ["protocol"] = p.Protocol,
                })),
                ["networkInterfaces"] = new JsonArray(),
                ["healthStatus"] = c.HealthCheck is not null && c.Essential ? health : "UNKNOWN",
                ["cpu"] = c.Cpu.ToString(CultureInfo.InvariantCulture),
            };
            o.With("memory", c.Memory?.ToString(CultureInfo.InvariantCulture)).With("memoryReservation", c.MemoryReservation?.ToString(CultureInfo.InvariantCulture));
            if (t.LastStatus == TaskStatus.STOPPED)
            {
                // B-DP-8: an essential container that exited carries its emulator.exitCode (default 1).
                o["exitCode"] = t.StopCode switch
                {
                    "TaskFailedToStart" => 1,
                    "EssentialContainerExited" when c.Essential => t.Faults?.ExitCode ?? 1,
                    _ => 0,
                };
            }

            return (JsonNode?)o;
        });
        var shape = new JsonObject
        {
            ["attachments"] = t.Needs.NetworkMode == NetworkMode.awsvpc
                ? new JsonArray(new JsonObject
                {
                    ["id"] = Guid(t.TaskId, 99),
                    ["type"] = "ElasticNetworkInterface",
                    ["status"] = t.LastStatus is TaskStatus.PROVISIONING ? "PRECREATED" : t.LastStatus == TaskStatus.STOPPED ? "DELETED" : "ATTACHED",
                    ["details"] = new JsonArray(new JsonObject { ["name"] = "subnetId", ["value"] = "subnet-0emulator000001" }),
                })
                : new JsonArray(),
            ["attributes"] = new JsonArray(),
            ["availabilityZone"] = t.AvailabilityZone ?? context.Runtime.Options.AvailabilityZones[0],
            ["clusterArn"] = Arns.Cluster(context.Region, context.Account, t.Cluster),
            ["containers"] = WireJson.Array(containers),
            ["cpu"] = t.Needs.Cpu.ToString(CultureInfo.InvariantCulture),
            ["createdAt"] = WireJson.Epoch(t.CreatedAt),
            ["desiredStatus"] = t.DesiredStatus.ToString(),
            ["enableExecuteCommand"] = false,
            ["group"] = t.Group,
            ["healthStatus"] = health,
            ["lastStatus"] = t.LastStatus.ToString(),
            ["launchType"] = t.LaunchType.ToString(),
            ["memory"] = t.Needs.Memory.ToString(CultureInfo.InvariantCulture),
            ["overrides"] = new JsonObject { ["containerOverrides"] = WireJson.Array((td?.Spec.Containers ?? []).Select(c => (JsonNode?)new JsonObject { ["name"] = c.Name })), ["inferenceAcceleratorOverrides"] = new JsonArray() },
            ["taskArn"] = taskArn,
            ["taskDefinitionArn"] = t.TaskDefinitionArn,
            ["version"] = t.Version,
            ["tags"] = new JsonArray(),
        };
        shape.With("capacityProviderName", t.CapacityProvider)
            .With("containerInstanceArn", t.ContainerInstanceId is { } ci ? Arns.ContainerInstance(context.Region, context.Account, t.Cluster, ci) : null)
            .With("startedBy", t.StartedBy)
            .With("connectivity", t.ConnectivityAt is null ? null : "CONNECTED")
            .With("connectivityAt", WireJson.Epoch(t.ConnectivityAt))
            .With("pullStartedAt", WireJson.Epoch(t.PullStartedAt))
            .With("pullStoppedAt", WireJson.Epoch(t.StartedAt))
            .With("startedAt", WireJson.Epoch(t.StartedAt))
            .With("stoppingAt", WireJson.Epoch(t.StoppingAt))
            .With("stoppedAt", WireJson.Epoch(t.StoppedAt))
            .With("executionStoppedAt", WireJson.Epoch(t.StoppedAt))
            .With("stopCode", t.StopCode)
            .With("stoppedReason", t.StoppedReason)
            .With("platformVersion", t.LaunchType == LaunchType.FARGATE ? "1.4.0" : null)
            .With("platformFamily", t.LaunchType == LaunchType.FARGATE ? "Linux" : null);
        return shape;
    }

    private static string ContainerStatus(TaskStatus s) => s switch
    {
        TaskStatus.PROVISIONING or TaskStatus.PENDING or TaskStatus.ACTIVATING => "PENDING",
        TaskStatus.RUNNING or TaskStatus.DEACTIVATING or TaskStatus.STOPPING => "RUNNING",
        _ => "STOPPED",
    };

    private static string Guid(string taskId, int index)
    {
        var h = Emulator.Model.Time.SeededRandomSource.StableHash(taskId + index.ToString(CultureInfo.InvariantCulture)).ToString("x8", CultureInfo.InvariantCulture);
        return $"{h}-{taskId[..4]}-{taskId[4..8]}-{taskId[8..12]}-{taskId[12..24]}";
    }
}
