using System.Collections.Immutable;
using System.Text.Json.Nodes;
using Emulator.Contracts;

namespace Emulator.Silo.Aws.ApplicationAutoScaling;

/// <summary>
/// Application Auto Scaling (B-AS-1, B-W-2): AWS JSON 1.1, X-Amz-Target AnyScaleFrontendService.*, for the scalable
/// dimension ecs:service:DesiredCount. Wire shapes stay here; the scalable target grains see contracts. Every field a
/// request gives is kept and described back as given (Terraform reads them back). Errors: ValidationException,
/// ObjectNotFoundException, LimitExceededException, InvalidNextTokenException, ResourceNotFoundException (tags).
/// </summary>
public static class AppAutoScalingOperations
{
    public const string Validation = "ValidationException";
    public const string ObjectNotFound = "ObjectNotFoundException";

    private static readonly string[] Namespaces =
    [
        "ecs", "elasticmapreduce", "ec2", "appstream", "dynamodb", "rds", "sagemaker", "custom-resource", "comprehend", "lambda", "cassandra",
        "kafka", "elasticache", "neptune", "workspaces",
    ];

    private static readonly string[] PolicyTypes = ["StepScaling", "TargetTrackingScaling", "PredictiveScaling"];

    [AwsOperation(AwsServices.ApplicationAutoScaling, "RegisterScalableTarget")]
    public static Task<JsonObject> RegisterScalableTarget(JsonInput input, AwsContext context) => Run(async () =>
    {
        var (ns, resourceId, dimension) = TargetKey(input);
        var suspended = input.Object("SuspendedState") is { } s
            ? new SuspendedStateSpec(s.Bool("DynamicScalingInSuspended") ?? false, s.Bool("DynamicScalingOutSuspended") ?? false, s.Bool("ScheduledScalingSuspended") ?? false)
            : null;
        var tags = input.Map("Tags");
        CheckTags(tags);
        var info = await Target(context, ns, resourceId, dimension).Register(new ScalableTargetSpec(ns, resourceId, dimension,
            input.Int("MinCapacity"), input.Int("MaxCapacity"), input.String("RoleARN"), suspended, tags));
        return new JsonObject { ["ScalableTargetARN"] = info.Arn };
    });

    [AwsOperation(AwsServices.ApplicationAutoScaling, "DeregisterScalableTarget")]
    public static Task<JsonObject> DeregisterScalableTarget(JsonInput input, AwsContext context) => Run(async () =>
    {
        var (ns, resourceId, dimension) = TargetKey(input);
        await Target(context, ns, resourceId, dimension).Deregister();
        return new JsonObject();
    });

    [AwsOperation(AwsServices.ApplicationAutoScaling, "DescribeScalableTargets")]
    public static Task<JsonObject> DescribeScalableTargets(JsonInput input, AwsContext context) => Run(async () =>
    {
        var ns = Namespace(input);
        var dimension = input.String("ScalableDimension");
        var ids = input.Strings("ResourceIds") ?? [];
        var targets = (await Targets(context, ns, ids, dimension)).ToList();
        var (page, next) = Paging.Page(targets, PageSizes.AasDescribeScalableTargets, input.String("NextToken"), input.Int("MaxResults"), t => t.ResourceId);
        return new JsonObject { ["ScalableTargets"] = new JsonArray([.. page.Select(t => (JsonNode)TargetJson(t))]) }.With("NextToken", next);
    });

    [AwsOperation(AwsServices.ApplicationAutoScaling, "PutScalingPolicy")]
    public static Task<JsonObject> PutScalingPolicy(JsonInput input, AwsContext context) => Run(async () =>
    {
        var name = Name(input, "PolicyName");
        var (ns, resourceId, dimension) = TargetKey(input);
        var type = input.String("PolicyType") ?? "StepScaling";
        if (!PolicyTypes.Contains(type))
        {
            throw Invalid($"1 validation error detected: Value '{type}' at 'policyType' failed to satisfy constraint: Member must satisfy enum value set: [{string.Join(", ", PolicyTypes)}]");
        }

        var spec = new ScalingPolicySpec(name, type, TargetTrackingOf(input.Object("TargetTrackingScalingPolicyConfiguration")), StepScalingOf(input.Object("StepScalingPolicyConfiguration")));
        var info = await Target(context, ns, resourceId, dimension).PutPolicy(spec);
        return new JsonObject
        {
            ["PolicyARN"] = info.Arn,
            ["Alarms"] = new JsonArray([.. info.Alarms.Select(a => (JsonNode)new JsonObject { ["AlarmName"] = a.AlarmName, ["AlarmARN"] = a.AlarmArn })]),
        };
    });

    [AwsOperation(AwsServices.ApplicationAutoScaling, "DescribeScalingPolicies")]
    public static Task<JsonObject> DescribeScalingPolicies(JsonInput input, AwsContext context) => Run(async () =>
    {
        var ns = Namespace(input);
        var names = input.Strings("PolicyNames") ?? [];
        var resourceId = input.String("ResourceId");
        var targets = await Targets(context, ns, resourceId is null ? [] : [resourceId], input.String("ScalableDimension"));
        var policies = new List<ScalingPolicyInfo>();
        foreach (var t in targets)
        {
            policies.AddRange((await Target(context, t.ServiceNamespace, t.ResourceId, t.ScalableDimension).Policies())
                .Where(p => names.IsEmpty || names.Contains(p.Spec.PolicyName)));
        }

        var (page, next) = Paging.Page(policies, PageSizes.AasDescribeScalingPolicies, input.String("NextToken"), input.Int("MaxResults"), p => p.Arn);
        return new JsonObject { ["ScalingPolicies"] = new JsonArray([.. page.Select(p => (JsonNode)PolicyJson(p))]) }.With("NextToken", next);
    });

    [AwsOperation(AwsServices.ApplicationAutoScaling, "DeleteScalingPolicy")]
    public static Task<JsonObject> DeleteScalingPolicy(JsonInput input, AwsContext context) => Run(async () =>
    {
        var name = Name(input, "PolicyName");
        var (ns, resourceId, dimension) = TargetKey(input);
        await Target(context, ns, resourceId, dimension).DeletePolicy(name);
        return new JsonObject();
    });

    [AwsOperation(AwsServices.ApplicationAutoScaling, "PutScheduledAction")]
    public static Task<JsonObject> PutScheduledAction(JsonInput input, AwsContext context) => Run(async () =>
    {
        var name = Name(input, "ScheduledActionName");
        var (ns, resourceId, dimension) = TargetKey(input);
        var action = input.Object("ScalableTargetAction");
        var target = Target(context, ns, resourceId, dimension);

        // Updating an existing action, a member left out keeps its value (AWS; Terraform sends only what changed).
        var existing = (await target.ScheduledActions()).FirstOrDefault(a => a.Spec.Name == name)?.Spec;
        var schedule = input.String("Schedule") ?? existing?.Schedule ?? throw input.Missing("Schedule");
        await target.PutScheduledAction(new ScheduledActionSpec(name, schedule,
            input.Has("Timezone") ? input.String("Timezone") : existing?.Timezone,
            input.Has("StartTime") ? input.Timestamp("StartTime") : existing?.StartTime,
            input.Has("EndTime") ? input.Timestamp("EndTime") : existing?.EndTime,
            action is null ? existing?.MinCapacity : action.Int("MinCapacity") ?? existing?.MinCapacity,
            action is null ? existing?.MaxCapacity : action.Int("MaxCapacity") ?? existing?.MaxCapacity));
        return new JsonObject();
    });

    [AwsOperation(AwsServices.ApplicationAutoScaling, "DescribeScheduledActions")]
    public static Task<JsonObject> DescribeScheduledActions(JsonInput input, AwsContext context) => Run(async () =>
    {
        var ns = Namespace(input);
        var names = input.Strings("ScheduledActionNames") ?? [];
        var resourceId = input.String("ResourceId");
        var actions = new List<ScheduledActionInfo>();
        foreach (var t in await Targets(context, ns, resourceId is null ? [] : [resourceId], input.String("ScalableDimension")))
        {
            actions.AddRange((await Target(context, t.ServiceNamespace, t.ResourceId, t.ScalableDimension).ScheduledActions())
                .Where(a => names.IsEmpty || names.Contains(a.Spec.Name)));
        }

        var (page, next) = Paging.Page(actions, PageSizes.AasDescribeScheduledActions, input.String("NextToken"), input.Int("MaxResults"), a => a.Arn);
        return new JsonObject { ["ScheduledActions"] = new JsonArray([.. page.Select(a => (JsonNode)ScheduledJson(a))]) }.With("NextToken", next);
    });

    [AwsOperation(AwsServices.ApplicationAutoScaling, "DeleteScheduledAction")]
    public static Task<JsonObject> DeleteScheduledAction(JsonInput input, AwsContext context) => Run(async () =>
    {
        var name = Name(input, "ScheduledActionName");
        var (ns, resourceId, dimension) = TargetKey(input);
        await Target(context, ns, resourceId, dimension).DeleteScheduledAction(name);
        return new JsonObject();
    });

    [AwsOperation(AwsServices.ApplicationAutoScaling, "DescribeScalingActivities")]
    public static Task<JsonObject> DescribeScalingActivities(JsonInput input, AwsContext context) => Run(async () =>
    {
        var ns = Namespace(input);
        var resourceId = input.String("ResourceId");
        var includeNotScaled = input.Bool("IncludeNotScaledActivities") ?? false;
        var activities = new List<ScalingActivityRecord>();
        foreach (var t in await Targets(context, ns, resourceId is null ? [] : [resourceId], input.String("ScalableDimension")))
        {
            activities.AddRange(await Target(context, t.ServiceNamespace, t.ResourceId, t.ScalableDimension).Activities(includeNotScaled));
        }

        var ordered = activities.OrderByDescending(a => a.StartTime).ToList();
        var (page, next) = Paging.Page(ordered, PageSizes.AasDescribeScalingActivities, input.String("NextToken"), input.Int("MaxResults"), a => a.ActivityId);
        return new JsonObject { ["ScalingActivities"] = new JsonArray([.. page.Select(a => (JsonNode)ActivityJson(a))]) }.With("NextToken", next);
    });

    [AwsOperation(AwsServices.ApplicationAutoScaling, "TagResource")]
    public static Task<JsonObject> TagResource(JsonInput input, AwsContext context) => Run(async () =>
    {
        var tags = input.Map("Tags") ?? throw input.Missing("Tags");
        CheckTags(tags);
        var target = await ByArn(context, input);
        var current = (await target.Describe())!.Tags;
        if (current.SetItems(tags).Count > 50)
        {
            throw new EcsException("TooManyTagsException", "A scalable target can have at most 50 tags.");
        }

        await target.Tag(tags);
        return new JsonObject();
    });

    [AwsOperation(AwsServices.ApplicationAutoScaling, "UntagResource")]
    public static Task<JsonObject> UntagResource(JsonInput input, AwsContext context) => Run(async () =>
    {
        var keys = input.Strings("TagKeys") ?? throw input.Missing("TagKeys");
        await (await ByArn(context, input)).Untag(keys);
        return new JsonObject();
    });

    [AwsOperation(AwsServices.ApplicationAutoScaling, "ListTagsForResource")]
    public static Task<JsonObject> ListTagsForResource(JsonInput input, AwsContext context) => Run(async () =>
    {
        var info = await (await ByArn(context, input)).Describe();
        return new JsonObject { ["Tags"] = MapJson(info!.Tags) };
    });

    // ------------------------------------------------------------------ inputs

    /// <summary>ECS parameter errors become Application Auto Scaling's ValidationException (its model declares no other).</summary>
    private static async Task<JsonObject> Run(Func<Task<JsonObject>> handler)
    {
        try
        {
            return await handler();
        }
        catch (EcsException e) when (e.Code is ErrorCodes.InvalidParameter or ErrorCodes.ValidationError or ErrorCodes.ServiceNotFound or ErrorCodes.ClusterNotFound)
        {
            throw new EcsException(Validation, e.Message);
        }
    }

    private static EcsException Invalid(string message) => new(Validation, message);

    private static string Namespace(JsonInput input)
    {
        var ns = input.String("ServiceNamespace") ?? throw input.Missing("ServiceNamespace");
        if (!Namespaces.Contains(ns))
        {
            throw Invalid($"1 validation error detected: Value '{ns}' at 'serviceNamespace' failed to satisfy constraint: Member must satisfy enum value set: [{string.Join(", ", Namespaces)}]");
        }

        return ns;
    }

    /// <summary>(namespace, resource id, dimension) of a request naming one scalable target; only ecs:service:DesiredCount is emulated.</summary>
    private static (string Namespace, string ResourceId, string Dimension) TargetKey(JsonInput input)
    {
        var ns = Namespace(input);
        var resourceId = input.String("ResourceId") is { Length: > 0 } r ? r : throw input.Missing("ResourceId");
        var dimension = input.String("ScalableDimension") is { Length: > 0 } d ? d : throw input.Missing("ScalableDimension");
        if (ns != AppAutoScaling.EcsNamespace || dimension != AppAutoScaling.EcsDesiredCount)
        {
            throw Invalid($"Unsupported service namespace, resource type or scalable dimension: this emulator scales {AppAutoScaling.EcsNamespace} / {AppAutoScaling.EcsDesiredCount} (got {ns} / {dimension}).");
        }

        if (AppAutoScaling.ParseResourceId(resourceId) is null)
        {
            throw Invalid($"Unsupported resource ID {resourceId}: an ECS service is service/CLUSTER/SERVICE.");
        }

        return (ns, resourceId, dimension);
    }

    private static string Name(JsonInput input, string member)
    {
        var name = input.String(member) ?? throw input.Missing(member);
        if (name.Length is 0 or > 256 || name.Contains(':', StringComparison.Ordinal) || name.Contains('/', StringComparison.Ordinal) || name.Contains('|', StringComparison.Ordinal))
        {
            throw Invalid($"1 validation error detected: Value '{name}' at '{char.ToLowerInvariant(member[0])}{member[1..]}' failed to satisfy constraint: Member must have length between 1 and 256 and must not contain ':', '/' or '|'");
        }

        return name;
    }

    private static void CheckTags(ImmutableDictionary<string, string>? tags)
    {
        if (tags is null)
        {
            return;
        }

        if (tags.Count > 50)
        {
            throw new EcsException("TooManyTagsException", "A scalable target can have at most 50 tags.");
        }

        foreach (var key in tags.Keys.Where(k => k.Length is 0 or > 128 || k.StartsWith("aws:", StringComparison.Ordinal)))
        {
            throw Invalid($"Invalid tag key '{key}': 1 to 128 characters, not starting with aws:.");
        }
    }

    private static TargetTrackingSpec? TargetTrackingOf(JsonInput? c)
    {
        if (c is null)
        {
            return null;
        }

        var predefined = c.Object("PredefinedMetricSpecification");
        var custom = c.Object("CustomizedMetricSpecification");
        return new TargetTrackingSpec(
            c.Double("TargetValue") ?? throw c.Missing("TargetValue"),
            predefined is null ? null : predefined.String("PredefinedMetricType") ?? throw predefined.Missing("PredefinedMetricType"),
            predefined?.String("ResourceLabel"),
            custom is null ? null : new CustomizedMetricSpec(custom.String("MetricName"), custom.String("Namespace"), Dimensions(custom, "Dimensions"),
                custom.String("Statistic"), custom.String("Unit"), [.. custom.Objects("Metrics").Select(QueryOf)]),
            c.Int("ScaleOutCooldown"), c.Int("ScaleInCooldown"), c.Bool("DisableScaleIn"));
    }

    private static MetricQuerySpec QueryOf(JsonInput q)
    {
        var stat = q.Object("MetricStat");
        var metric = stat?.Object("Metric");
        return new MetricQuerySpec(q.String("Id") ?? throw q.Missing("Id"),
            stat is null ? null : new MetricStatSpec(metric?.String("Namespace") ?? "", metric?.String("MetricName") ?? "",
                metric is null ? [] : Dimensions(metric, "Dimensions"), 60, stat.String("Stat") ?? throw stat.Missing("Stat"), stat.String("Unit")),
            q.String("Expression"), q.String("Label"), q.Bool("ReturnData") ?? true, null, null, q.Bool("ReturnData") is not null);
    }

    private static ImmutableArray<MetricDimension> Dimensions(JsonInput o, string member) =>
        [.. o.Objects(member).Select(d => new MetricDimension(d.String("Name") ?? throw d.Missing("Name"), d.String("Value") ?? throw d.Missing("Value")))];

    private static StepScalingSpec? StepScalingOf(JsonInput? c) => c is null ? null : new StepScalingSpec(
        c.String("AdjustmentType"),
        [.. c.Objects("StepAdjustments").Select(s => new StepAdjustmentSpec(s.Double("MetricIntervalLowerBound"), s.Double("MetricIntervalUpperBound"),
            s.Int("ScalingAdjustment") ?? throw s.Missing("ScalingAdjustment")))],
        c.Int("MinAdjustmentMagnitude"), c.Int("Cooldown"), c.String("MetricAggregationType"));

    // ------------------------------------------------------------------ grains

    private static IScalableTargetGrain Target(AwsContext context, string ns, string resourceId, string dimension) =>
        context.Grains.GetGrain<IScalableTargetGrain>(GrainKeys.ScalableTarget(ns, resourceId, dimension));

    /// <summary>The registered targets of a namespace (optionally these resource ids and this dimension), by resource id.</summary>
    private static async Task<IReadOnlyList<ScalableTargetInfo>> Targets(AwsContext context, string ns, ImmutableArray<string> resourceIds, string? dimension)
    {
        var keys = await context.Grains.GetGrain<IAccountGrain>(GrainKeys.Account).List(ResourceKind.ScalableTarget);
        var wanted = keys.Select(GrainKeys.ParseScalableTarget)
            .Where(k => k.ServiceNamespace == ns && (dimension is null || k.ScalableDimension == dimension) && (resourceIds.IsDefaultOrEmpty || resourceIds.Contains(k.ResourceId)))
            .ToList();
        var infos = await Task.WhenAll(wanted.Select(k => Target(context, k.ServiceNamespace, k.ResourceId, k.ScalableDimension).Describe()));
        return [.. infos.Where(i => i is not null).Select(i => i!).OrderBy(i => i.ResourceId, StringComparer.Ordinal)];
    }

    private static async Task<IScalableTargetGrain> ByArn(AwsContext context, JsonInput input)
    {
        var arn = input.String("ResourceARN") ?? throw input.Missing("ResourceARN");
        if (!arn.StartsWith("arn:aws:application-autoscaling:", StringComparison.Ordinal) || !arn.Contains(":scalable-target/", StringComparison.Ordinal))
        {
            throw Invalid($"Invalid ResourceARN {arn}: tags are supported on scalable targets (arn:aws:application-autoscaling:REGION:ACCOUNT:scalable-target/ID).");
        }

        var targets = await Targets(context, AppAutoScaling.EcsNamespace, [], null);
        var target = targets.FirstOrDefault(t => t.Arn == arn) ?? throw new EcsException(ErrorCodes.ResourceNotFound, $"No scalable target found with ARN {arn}.");
        return Target(context, target.ServiceNamespace, target.ResourceId, target.ScalableDimension);
    }

    // ------------------------------------------------------------------ outputs

    private static JsonObject TargetJson(ScalableTargetInfo t) => new()
    {
        ["ServiceNamespace"] = t.ServiceNamespace,
        ["ResourceId"] = t.ResourceId,
        ["ScalableDimension"] = t.ScalableDimension,
        ["MinCapacity"] = t.MinCapacity,
        ["MaxCapacity"] = t.MaxCapacity,
        ["RoleARN"] = t.RoleArn,
        ["CreationTime"] = WireJson.Epoch(t.CreationTime),
        ["SuspendedState"] = new JsonObject
        {
            ["DynamicScalingInSuspended"] = t.SuspendedState.DynamicScalingInSuspended,
            ["DynamicScalingOutSuspended"] = t.SuspendedState.DynamicScalingOutSuspended,
            ["ScheduledScalingSuspended"] = t.SuspendedState.ScheduledScalingSuspended,
        },
        ["ScalableTargetARN"] = t.Arn,
    };

    private static JsonObject PolicyJson(ScalingPolicyInfo p)
    {
        var o = new JsonObject
        {
            ["PolicyARN"] = p.Arn,
            ["PolicyName"] = p.Spec.PolicyName,
            ["ServiceNamespace"] = p.ServiceNamespace,
            ["ResourceId"] = p.ResourceId,
            ["ScalableDimension"] = p.ScalableDimension,
            ["PolicyType"] = p.Spec.PolicyType,
        };
        if (p.Spec.StepScaling is { } step)
        {
            o["StepScalingPolicyConfiguration"] = new JsonObject
            {
                ["StepAdjustments"] = new JsonArray([.. step.StepAdjustments.Select(s => (JsonNode)new JsonObject()
                    .With("MetricIntervalLowerBound", s.MetricIntervalLowerBound is { } lo ? JsonValue.Create(lo) : null)
                    .With("MetricIntervalUpperBound", s.MetricIntervalUpperBound is { } hi ? JsonValue.Create(hi) : null)
                    .With("ScalingAdjustment", JsonValue.Create(s.ScalingAdjustment)))]),
            }
            .With("AdjustmentType", step.AdjustmentType)
            .With("MinAdjustmentMagnitude", step.MinAdjustmentMagnitude is { } m ? JsonValue.Create(m) : null)
            .With("Cooldown", step.Cooldown is { } c ? JsonValue.Create(c) : null)
            .With("MetricAggregationType", step.MetricAggregationType);
        }

        if (p.Spec.TargetTracking is { } tt)
        {
            var config = new JsonObject { ["TargetValue"] = tt.TargetValue };
            if (tt.PredefinedMetricType is { } type)
            {
                config["PredefinedMetricSpecification"] = new JsonObject { ["PredefinedMetricType"] = type }.With("ResourceLabel", tt.ResourceLabel);
            }

            if (tt.CustomizedMetric is { } custom)
            {
                var c = new JsonObject().With("MetricName", custom.MetricName).With("Namespace", custom.Namespace);
                if (!custom.Dimensions.IsDefaultOrEmpty)
                {
                    c["Dimensions"] = DimensionsJson(custom.Dimensions);
                }

                c.With("Statistic", custom.Statistic).With("Unit", custom.Unit);
                if (!custom.Metrics.IsDefaultOrEmpty)
                {
                    c["Metrics"] = new JsonArray([.. custom.Metrics.Select(q =>
                    {
                        var node = new JsonObject().With("Expression", q.Expression).With("Id", q.Id).With("Label", q.Label);
                        if (q.MetricStat is { } ms)
                        {
                            var metric = new JsonObject { ["MetricName"] = ms.MetricName, ["Namespace"] = ms.Namespace };
                            if (!ms.Dimensions.IsDefaultOrEmpty)
                            {
                                metric["Dimensions"] = DimensionsJson(ms.Dimensions);
                            }

                            node["MetricStat"] = new JsonObject { ["Metric"] = metric, ["Stat"] = ms.Stat }.With("Unit", ms.Unit);
                        }

                        if (q.ReturnDataGiven)
                        {
                            node["ReturnData"] = q.ReturnData;
                        }

                        return (JsonNode)node;
                    })]);
                }

                config["CustomizedMetricSpecification"] = c;
            }

            config.With("ScaleOutCooldown", tt.ScaleOutCooldown is { } so ? JsonValue.Create(so) : null)
                .With("ScaleInCooldown", tt.ScaleInCooldown is { } si ? JsonValue.Create(si) : null)
                .With("DisableScaleIn", tt.DisableScaleIn is { } d ? JsonValue.Create(d) : null);
            o["TargetTrackingScalingPolicyConfiguration"] = config;
        }

        o["Alarms"] = new JsonArray([.. p.Alarms.Select(a => (JsonNode)new JsonObject { ["AlarmName"] = a.AlarmName, ["AlarmARN"] = a.AlarmArn })]);
        o["CreationTime"] = WireJson.Epoch(p.CreationTime);
        return o;
    }

    private static JsonObject ScheduledJson(ScheduledActionInfo a)
    {
        var o = new JsonObject
        {
            ["ScheduledActionName"] = a.Spec.Name,
            ["ScheduledActionARN"] = a.Arn,
            ["ServiceNamespace"] = a.ServiceNamespace,
            ["Schedule"] = a.Spec.Schedule,
        }.With("Timezone", a.Spec.Timezone);
        o["ResourceId"] = a.ResourceId;
        o["ScalableDimension"] = a.ScalableDimension;
        o.With("StartTime", WireJson.Epoch(a.Spec.StartTime)).With("EndTime", WireJson.Epoch(a.Spec.EndTime));
        o["ScalableTargetAction"] = new JsonObject()
            .With("MinCapacity", a.Spec.MinCapacity is { } min ? JsonValue.Create(min) : null)
            .With("MaxCapacity", a.Spec.MaxCapacity is { } max ? JsonValue.Create(max) : null);
        o["CreationTime"] = WireJson.Epoch(a.CreationTime);
        return o;
    }

    private static JsonObject ActivityJson(ScalingActivityRecord a)
    {
        var o = new JsonObject
        {
            ["ActivityId"] = a.ActivityId,
            ["ServiceNamespace"] = a.ServiceNamespace,
            ["ResourceId"] = a.ResourceId,
            ["ScalableDimension"] = a.ScalableDimension,
            ["Description"] = a.Description,
            ["Cause"] = a.Cause,
            ["StartTime"] = WireJson.Epoch(a.StartTime),
        }.With("EndTime", WireJson.Epoch(a.EndTime));
        o["StatusCode"] = a.StatusCode;
        o.With("StatusMessage", a.StatusMessage);
        if (a.NotScaled)
        {
            o["NotScaledReasons"] = new JsonArray([.. a.NotScaledReasons.Select(r => (JsonNode)new JsonObject { ["Code"] = r.Code }
                .With("MaxCapacity", r.MaxCapacity is { } max ? JsonValue.Create(max) : null)
                .With("MinCapacity", r.MinCapacity is { } min ? JsonValue.Create(min) : null)
                .With("CurrentCapacity", r.CurrentCapacity is { } c ? JsonValue.Create(c) : null))]);
        }

        return o;
    }

    private static JsonArray DimensionsJson(ImmutableArray<MetricDimension> dims) =>
        new([.. dims.Select(d => (JsonNode)new JsonObject { ["Name"] = d.Name, ["Value"] = d.Value })]);

    private static JsonObject MapJson(ImmutableDictionary<string, string> map) =>
        new(map.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => KeyValuePair.Create(kv.Key, (JsonNode?)JsonValue.Create(kv.Value))));
}
