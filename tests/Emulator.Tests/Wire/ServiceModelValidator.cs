using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using System.Xml.Linq;

namespace Emulator.Tests.Wire;

/// <summary>
/// Checks wire responses against the AWS service models (botocore's service-2.json, shipped in Debian's awscli):
/// every member present is declared by the operation's output shape, types match the protocol's encoding (JSON:
/// timestamps as epoch numbers; query/EC2 XML: ISO 8601), enum values are in the enum, numbers and string lengths
/// inside min/max, required members present, and error codes are ones the operation declares or common ones.
/// Returns the problems found, each with its path; an empty list means the response fits the model.
/// </summary>
public static partial class ServiceModelValidator
{
    /// <summary>Where Debian's awscli package keeps the botocore models (the CI installs it).</summary>
    public const string DebianModels = "/usr/lib/python3/dist-packages/awscli/botocore/data";

    /// <summary>Emulator service key -> botocore service directory.</summary>
    private static readonly Dictionary<string, string> Directories = new(StringComparer.Ordinal)
    {
        ["ecs"] = "ecs",
        ["autoscaling"] = "autoscaling",
        ["ec2"] = "ec2",
        ["cloudwatch"] = "cloudwatch",
        ["elasticloadbalancing"] = "elbv2",
        ["iam"] = "iam",
        ["sts"] = "sts",
        ["logs"] = "logs",
        ["ssm"] = "ssm",
        ["application-autoscaling"] = "application-autoscaling",
        ["cloudformation"] = "cloudformation",
    };

    /// <summary>Errors any operation of a JSON protocol service may answer (AWS's common errors).</summary>
    private static readonly HashSet<string> CommonJsonErrors = new(StringComparer.Ordinal)
    {
        "AccessDeniedException", "IncompleteSignature", "InternalFailure", "InvalidAction", "InvalidClientTokenId",
        "MissingAuthenticationToken", "NotAuthorized", "OptInRequired", "RequestExpired", "ServiceUnavailable",
        "ThrottlingException", "ValidationError", "ValidationException", "SerializationException", "UnknownOperationException",
    };

    /// <summary>Errors any query protocol operation may answer (AWS's common errors for query APIs).</summary>
    private static readonly HashSet<string> CommonQueryErrors = new(StringComparer.Ordinal)
    {
        "AccessDenied", "IncompleteSignature", "InternalFailure", "InvalidAction", "InvalidClientTokenId", "InvalidParameterCombination",
        "InvalidParameterValue", "InvalidQueryParameter", "MalformedQueryString", "MissingAction", "MissingAuthenticationToken",
        "MissingParameter", "NotAuthorized", "OptInRequired", "RequestExpired", "ServiceUnavailable", "Throttling", "ValidationError",
    };

    /// <summary>
    /// EC2 declares no errors in its model; its API reference lists the codes. These are the ones of the subset the
    /// emulator implements (plus the common ones above).
    /// </summary>
    private static readonly HashSet<string> Ec2Errors = new(StringComparer.Ordinal)
    {
        "InvalidLaunchTemplateName.AlreadyExistsException", "InvalidLaunchTemplateName.MalformedException",
        "InvalidLaunchTemplateName.NotFoundException", "InvalidLaunchTemplateId.NotFound", "InvalidLaunchTemplateId.Malformed",
        "InvalidLaunchTemplateId.VersionNotFound", "InvalidInstanceID.NotFound", "InvalidInstanceID.Malformed",
        "InvalidParameter", "UnknownParameter", "InvalidRequest", "OperationNotPermitted", "UnsupportedOperation",
        // The network (issue 14), from the EC2 API reference's error code list.
        "InvalidVpcID.NotFound", "InvalidSubnetID.NotFound", "InvalidGroup.NotFound", "InvalidGroup.Duplicate", "InvalidGroup.Reserved",
        "CannotDelete", "DependencyViolation", "InvalidPermission.Duplicate", "InvalidPermission.NotFound", "InvalidSecurityGroupRuleId.NotFound",
        "RulesPerSecurityGroupLimitExceeded", "InvalidVpc.Range", "InvalidSubnet.Range", "InvalidSubnet.Conflict", "InvalidID", "VPCIdNotSpecified",
        "TagLimitExceeded", "InvalidRouteTableID.NotFound", "InvalidNetworkAclID.NotFound", "InvalidNetworkInterfaceID.NotFound",
        "InvalidUserData.Malformed", "VersionLimitExceeded",
    };

    /// <summary>
    /// Members AWS added after the Debian awscli model (botocore of awscli 2.9.19, January 2023) was cut, as declared by
    /// the newer model inside @aws-sdk/client-ecs 3.964.0 (tests/sdk-js/package-lock.json): (service, shape) -> member -> shape.
    /// Kept short and explicit so every allowance is visible.
    /// </summary>
    private static readonly Dictionary<(string Service, string Shape), Dictionary<string, string>> NewerMembers = new()
    {
        // ECS managed instance draining (2023-11): AutoScalingGroupProvider.managedDraining, enum ManagedDraining.
        [("ecs", "AutoScalingGroupProvider")] = new(StringComparer.Ordinal) { ["managedDraining"] = "ManagedDrainingNewer" },

        // ECS AZ rebalancing (2024-11, B-AZ-1): Service.availabilityZoneRebalancing, enum AvailabilityZoneRebalancing.
        [("ecs", "Service")] = new(StringComparer.Ordinal) { ["availabilityZoneRebalancing"] = "AvailabilityZoneRebalancingNewer" },

        // CloudWatch Logs log group classes (2023-11) and log group ARNs without ':*', as in the aws-sdk v2 2.1693.0 model
        // (apis/logs-2014-03-28): LogGroup.logGroupClass, LogGroup.logGroupArn.
        [("logs", "LogGroup")] = new(StringComparer.Ordinal) { ["logGroupClass"] = "LogGroupClassNewer", ["logGroupArn"] = "Arn" },
    };

    /// <summary>Enum values added after the Debian model, from the same newer model: (service, shape) -> values.</summary>
    private static readonly Dictionary<(string Service, string Shape), string[]> NewerEnumValues = new()
    {
        [("ecs", "CapacityProviderUpdateStatus")] = ["CREATE_IN_PROGRESS", "CREATE_COMPLETE", "CREATE_FAILED"],
        [("ecs", "ManagedDrainingNewer")] = ["ENABLED", "DISABLED"],

        // ECS Managed Instances (2025-09, B-MI-1): the Compatibility enum of @aws-sdk/client-ecs 3.1178.0 (its exported
        // model leaves the member unconstrained).
        [("ecs", "Compatibility")] = ["MANAGED_INSTANCES"],
        [("ecs", "AvailabilityZoneRebalancingNewer")] = ["ENABLED", "DISABLED"],
        [("logs", "LogGroupClassNewer")] = ["STANDARD", "INFREQUENT_ACCESS", "DELIVERY"],
    };

    /// <summary>
    /// Shapes AWS added or changed after the Debian model, as declared by @aws-sdk/client-application-auto-scaling
    /// 3.964.0 (tests/sdk-js/package-lock.json): target tracking metric math (CustomizedMetricSpecification.Metrics, whose
    /// MetricName/Namespace/Statistic are then absent), not-scaled activities (2023-01), scalable target ARNs and tags
    /// (2023-03). A shape here replaces the Debian one.
    /// </summary>
    private static readonly Dictionary<(string Service, string Shape), string> NewerShapes = new()
    {
        [("application-autoscaling", "CustomizedMetricSpecification")] = """
            {"type":"structure","members":{"MetricName":{"shape":"MetricName"},"Namespace":{"shape":"MetricNamespace"},"Dimensions":{"shape":"MetricDimensions"},
             "Statistic":{"shape":"MetricStatistic"},"Unit":{"shape":"MetricUnit"},"Metrics":{"shape":"TargetTrackingMetricDataQueries"}}}
            """,
        [("application-autoscaling", "TargetTrackingMetricDataQueries")] = """{"type":"list","member":{"shape":"TargetTrackingMetricDataQuery"}}""",
        [("elasticloadbalancing", "ListenerAttributeNewer")] = """{"type":"structure","members":{"Key":{"shape":"String"},"Value":{"shape":"String"}}}""",
        [("elasticloadbalancing", "ListenerAttributesNewer")] = """{"type":"list","member":{"shape":"ListenerAttributeNewer"}}""",
        [("elasticloadbalancing", "DescribeListenerAttributesInput")] = """{"type":"structure","required":["ListenerArn"],"members":{"ListenerArn":{"shape":"ListenerArn"}}}""",
        [("elasticloadbalancing", "DescribeListenerAttributesOutput")] = """{"type":"structure","members":{"Attributes":{"shape":"ListenerAttributesNewer"}}}""",
        [("elasticloadbalancing", "ModifyListenerAttributesInput")] = """{"type":"structure","required":["ListenerArn","Attributes"],"members":{"ListenerArn":{"shape":"ListenerArn"},"Attributes":{"shape":"ListenerAttributesNewer"}}}""",
        [("elasticloadbalancing", "ModifyListenerAttributesOutput")] = """{"type":"structure","members":{"Attributes":{"shape":"ListenerAttributesNewer"}}}""",
        [("application-autoscaling", "TargetTrackingMetricDataQuery")] = """
            {"type":"structure","required":["Id"],"members":{"Expression":{"shape":"Expression"},"Id":{"shape":"Id"},"Label":{"shape":"XmlString"},
             "MetricStat":{"shape":"TargetTrackingMetricStat"},"ReturnData":{"shape":"ReturnData"}}}
            """,
        [("application-autoscaling", "Expression")] = """{"type":"string","max":2048,"min":1}""",
        [("application-autoscaling", "Id")] = """{"type":"string","max":255,"min":1}""",
        [("application-autoscaling", "ReturnData")] = """{"type":"boolean"}""",
        [("application-autoscaling", "TargetTrackingMetricStat")] = """
            {"type":"structure","required":["Metric","Stat"],"members":{"Metric":{"shape":"TargetTrackingMetric"},"Stat":{"shape":"XmlString"},"Unit":{"shape":"TargetTrackingMetricUnit"}}}
            """,
        [("application-autoscaling", "TargetTrackingMetricUnit")] = """{"type":"string","max":1023,"min":1}""",
        [("application-autoscaling", "TargetTrackingMetric")] = """
            {"type":"structure","members":{"Dimensions":{"shape":"TargetTrackingMetricDimensions"},"MetricName":{"shape":"TargetTrackingMetricName"},"Namespace":{"shape":"TargetTrackingMetricNamespace"}}}
            """,
        [("application-autoscaling", "TargetTrackingMetricDimensions")] = """{"type":"list","member":{"shape":"TargetTrackingMetricDimension"}}""",
        [("application-autoscaling", "TargetTrackingMetricDimension")] = """
            {"type":"structure","required":["Name","Value"],"members":{"Name":{"shape":"TargetTrackingMetricDimensionName"},"Value":{"shape":"TargetTrackingMetricDimensionValue"}}}
            """,
        [("application-autoscaling", "TargetTrackingMetricDimensionName")] = """{"type":"string","max":255,"min":1}""",
        [("application-autoscaling", "TargetTrackingMetricDimensionValue")] = """{"type":"string","max":1024,"min":1}""",
        [("application-autoscaling", "TargetTrackingMetricName")] = """{"type":"string","max":255,"min":1}""",
        [("application-autoscaling", "TargetTrackingMetricNamespace")] = """{"type":"string","max":255,"min":1}""",
        [("application-autoscaling", "NotScaledReasons")] = """{"type":"list","member":{"shape":"NotScaledReason"}}""",
        [("application-autoscaling", "NotScaledReason")] = """
            {"type":"structure","required":["Code"],"members":{"Code":{"shape":"XmlString"},"MaxCapacity":{"shape":"ResourceCapacity"},"MinCapacity":{"shape":"ResourceCapacity"},"CurrentCapacity":{"shape":"ResourceCapacity"}}}
            """,
        [("application-autoscaling", "TagMap")] = """{"type":"map","key":{"shape":"TagKey"},"value":{"shape":"TagValue"}}""",
        [("application-autoscaling", "TagKey")] = """{"type":"string","max":128,"min":1}""",
        [("application-autoscaling", "TagValue")] = """{"type":"string","max":256,"min":0}""",
        [("application-autoscaling", "TagResourceRequest")] = """{"type":"structure","required":["ResourceARN","Tags"],"members":{"ResourceARN":{"shape":"AmazonResourceName"},"Tags":{"shape":"TagMap"}}}""",
        [("application-autoscaling", "TagResourceResponse")] = """{"type":"structure","members":{}}""",
        [("application-autoscaling", "UntagResourceRequest")] = """{"type":"structure","required":["ResourceARN","TagKeys"],"members":{"ResourceARN":{"shape":"AmazonResourceName"},"TagKeys":{"shape":"TagKeyList"}}}""",
        [("application-autoscaling", "TagKeyList")] = """{"type":"list","member":{"shape":"TagKey"}}""",
        [("application-autoscaling", "UntagResourceResponse")] = """{"type":"structure","members":{}}""",
        [("application-autoscaling", "ListTagsForResourceRequest")] = """{"type":"structure","required":["ResourceARN"],"members":{"ResourceARN":{"shape":"AmazonResourceName"}}}""",
        [("application-autoscaling", "ListTagsForResourceResponse")] = """{"type":"structure","members":{"Tags":{"shape":"TagMap"}}}""",
        [("application-autoscaling", "AmazonResourceName")] = """{"type":"string","max":1011,"min":1}""",
        [("application-autoscaling", "ResourceNotFoundException")] = """{"type":"structure","members":{"Message":{"shape":"ErrorMessage"},"ResourceName":{"shape":"AmazonResourceName"}},"exception":true}""",
        [("application-autoscaling", "TooManyTagsException")] = """{"type":"structure","members":{"Message":{"shape":"ErrorMessage"},"ResourceName":{"shape":"AmazonResourceName"}},"exception":true}""",
    };

    /// <summary>Members added after the Debian model to existing shapes (same source as <see cref="NewerShapes"/>).</summary>
    private static readonly Dictionary<(string Service, string Shape), Dictionary<string, string>> NewerAasMembers = new()
    {
        [("application-autoscaling", "ScalableTarget")] = new(StringComparer.Ordinal) { ["ScalableTargetARN"] = "XmlString" },
        [("application-autoscaling", "RegisterScalableTargetResponse")] = new(StringComparer.Ordinal) { ["ScalableTargetARN"] = "XmlString" },
        [("application-autoscaling", "ScalingActivity")] = new(StringComparer.Ordinal) { ["NotScaledReasons"] = "NotScaledReasons" },
    };

    /// <summary>Operations added after the Debian model (tags on scalable targets, 2023-03): name -> (input, output, errors).</summary>
    private static readonly Dictionary<(string Service, string Operation), (string Input, string Output, string[] Errors)> NewerOperations = new()
    {
        [("application-autoscaling", "TagResource")] = ("TagResourceRequest", "TagResourceResponse", ["ResourceNotFoundException", "TooManyTagsException", "ValidationException"]),
        [("application-autoscaling", "UntagResource")] = ("UntagResourceRequest", "UntagResourceResponse", ["ResourceNotFoundException", "ValidationException"]),
        [("application-autoscaling", "ListTagsForResource")] = ("ListTagsForResourceRequest", "ListTagsForResourceResponse", ["ResourceNotFoundException"]),

        // ELBv2 listener attributes (2024), as the aws-sdk v2 2.1693.0 model declares them (apis/elasticloadbalancingv2-2015-12-01):
        // the Terraform provider 5.x reads them for every listener.
        [("elasticloadbalancing", "DescribeListenerAttributes")] = ("DescribeListenerAttributesInput", "DescribeListenerAttributesOutput", ["ListenerNotFoundException"]),
        [("elasticloadbalancing", "ModifyListenerAttributes")] = ("ModifyListenerAttributesInput", "ModifyListenerAttributesOutput", ["ListenerNotFoundException", "InvalidConfigurationRequestException"]),
    };

    private static readonly ConcurrentDictionary<string, JsonElement> Models = new(StringComparer.Ordinal);

    /// <summary>
    /// The newest ECS model the registries offer: the one embedded in tests/sdk-js's @aws-sdk/client-ecs (lockfile
    /// committed), written as botocore JSON by tests/sdk-js/export-ecs-model.mjs. Service deployments and revisions,
    /// thresholdConfiguration, currentServiceDeployment and the other fields of 2024-2025 are declared only there.
    /// </summary>
    public const string EcsNewest = "ecs-newest";

    private static readonly Lazy<JsonObject> NewestEcs = new(ExportNewestEcs);

    /// <summary>
    /// The model of one service: "ecs" is Debian's botocore model with what the newest ECS model adds merged in
    /// (operations, shapes, members, enum values), so ECS responses are checked against both; "ecs-newest" is the newest
    /// model alone. Fails clearly when Debian's awscli or the SDK packages are not installed.
    /// </summary>
    public static JsonElement Model(string service) => Models.GetOrAdd(service, s =>
    {
        if (s == EcsNewest)
        {
            using var newest = JsonDocument.Parse(NewestEcs.Value.ToJsonString());
            return newest.RootElement.Clone();
        }

        var dir = Path.Combine(DebianModels, Directories[s]);
        Assert.True(Directory.Exists(dir), $"the AWS service models are missing: {dir} (apt-get install -y awscli; test.sh installs it)");
        var version = Directory.GetDirectories(dir).Select(Path.GetFileName).Order(StringComparer.Ordinal).Last()!;
        var model = JsonNode.Parse(File.ReadAllText(Path.Combine(dir, version, "service-2.json")))!.AsObject();
        var shapes = model["shapes"]!.AsObject();
        foreach (var ((svc, shape), values) in NewerEnumValues.Where(e => e.Key.Service == s))
        {
            var target = shapes[shape] as JsonObject ?? (JsonObject)(shapes[shape] = new JsonObject { ["type"] = "string", ["enum"] = new JsonArray() });
            var existing = target["enum"]!.AsArray();
            foreach (var v in values.Where(v => existing.All(e => e!.GetValue<string>() != v)))
            {
                existing.Add(v);
            }
        }

        foreach (var ((_, shape), json) in NewerShapes.Where(e => e.Key.Service == s))
        {
            shapes[shape] = JsonNode.Parse(json);
        }

        var operations = model["operations"]!.AsObject();
        foreach (var ((_, name), (input, output, errors)) in NewerOperations.Where(e => e.Key.Service == s))
        {
            operations[name] = new JsonObject
            {
                ["name"] = name,
                ["input"] = new JsonObject { ["shape"] = input },
                ["output"] = new JsonObject { ["shape"] = output },
                ["errors"] = new JsonArray([.. errors.Select(e => (JsonNode)new JsonObject { ["shape"] = e })]),
            };
        }

        foreach (var ((svc, shape), members) in NewerMembers.Concat(NewerAasMembers).Where(e => e.Key.Service == s))
        {
            var target = shapes[shape]!["members"]!.AsObject();
            foreach (var (name, memberShape) in members)
            {
                target.TryAdd(name, new JsonObject { ["shape"] = memberShape });
            }
        }

        if (s == "ecs")
        {
            MergeNewer(model, NewestEcs.Value);
        }

        using var doc = JsonDocument.Parse(model.ToJsonString());
        return doc.RootElement.Clone();
    });

    /// <summary>
    /// Adds to a Debian model what a newer model of the same service declares beyond it: operations (with their
    /// shapes), members of existing structures (with the shapes they name), enum values of members typed by an enum in
    /// both. Nothing Debian declares is removed or narrowed.
    /// </summary>
    private static void MergeNewer(JsonObject model, JsonObject newer)
    {
        var shapes = model["shapes"]!.AsObject();
        var newShapes = newer["shapes"]!.AsObject();

        string Import(string name)
        {
            if (shapes.ContainsKey(name))
            {
                return name;
            }

            var copy = newShapes[name]!.DeepClone().AsObject();
            shapes[name] = copy;
            foreach (var reference in References(copy))
            {
                Import(reference);
            }

            return name;
        }

        void MergeStructure(string name, string newerName, HashSet<string> seen)
        {
            if (!seen.Add(name) || shapes[name] is not JsonObject old || newShapes[newerName] is not JsonObject fresh)
            {
                return;
            }

            if (old["type"]?.GetValue<string>() == "string" && old["enum"] is JsonArray values && fresh["enum"] is JsonArray newValues)
            {
                foreach (var v in newValues.Select(v => v!.GetValue<string>()).Where(v => values.All(e => e!.GetValue<string>() != v)).ToList())
                {
                    values.Add(v);
                }

                return;
            }

            if (old["type"]?.GetValue<string>() == "list" && fresh["type"]?.GetValue<string>() == "list")
            {
                MergeStructure(old["member"]!["shape"]!.GetValue<string>(), fresh["member"]!["shape"]!.GetValue<string>(), seen);
                return;
            }

            if (old["type"]?.GetValue<string>() != "structure" || fresh["type"]?.GetValue<string>() != "structure")
            {
                return;
            }

            var members = old["members"]!.AsObject();
            foreach (var (member, node) in fresh["members"]!.AsObject())
            {
                var freshShape = node!["shape"]!.GetValue<string>();
                if (members[member] is JsonObject existing)
                {
                    MergeStructure(existing["shape"]!.GetValue<string>(), freshShape, seen);
                }
                else
                {
                    var copy = node.DeepClone().AsObject();
                    copy["shape"] = Import(freshShape);
                    members[member] = copy;
                }
            }
        }

        var operations = model["operations"]!.AsObject();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (name, node) in newer["operations"]!.AsObject())
        {
            if (operations[name] is JsonObject op)
            {
                MergeStructure(op["input"]!["shape"]!.GetValue<string>(), node!["input"]!["shape"]!.GetValue<string>(), seen);
                MergeStructure(op["output"]!["shape"]!.GetValue<string>(), node["output"]!["shape"]!.GetValue<string>(), seen);
                continue;
            }

            var copy = node!.DeepClone().AsObject();
            Import(copy["input"]!["shape"]!.GetValue<string>());
            Import(copy["output"]!["shape"]!.GetValue<string>());
            foreach (var e in copy["errors"]!.AsArray())
            {
                Import(e!["shape"]!.GetValue<string>());
            }

            operations[name] = copy;
        }
    }

    private static IEnumerable<string> References(JsonObject shape)
    {
        if (shape["members"] is JsonObject members)
        {
            foreach (var (_, m) in members)
            {
                yield return m!["shape"]!.GetValue<string>();
            }
        }

        foreach (var key in new[] { "member", "key", "value" })
        {
            if (shape[key] is JsonObject r)
            {
                yield return r["shape"]!.GetValue<string>();
            }
        }
    }

    /// <summary>Runs tests/sdk-js/export-ecs-model.mjs once per test process.</summary>
    private static JsonObject ExportNewestEcs()
    {
        var dir = Path.Combine(Emulator.Tests.Client.ScenarioParserTests.RepoRoot(), "tests", "sdk-js");
        Assert.True(Directory.Exists(Path.Combine(dir, "node_modules", "@aws-sdk", "client-ecs")),
            $"the newest ECS model comes from @aws-sdk/client-ecs: run `npm ci` in {dir} (test.sh does this)");
        var output = Path.Combine(Path.GetTempPath(), $"ecs-newest-{Environment.ProcessId}.json");
        var info = new System.Diagnostics.ProcessStartInfo("node") { WorkingDirectory = dir, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add("export-ecs-model.mjs");
        info.ArgumentList.Add(output);
        using var p = System.Diagnostics.Process.Start(info)!;
        var errors = p.StandardError.ReadToEnd();
        p.WaitForExit();
        Assert.True(p.ExitCode == 0, "export-ecs-model.mjs failed: " + errors);
        var model = JsonNode.Parse(File.ReadAllText(output))!.AsObject();
        File.Delete(output);
        return model;
    }

    /// <summary>Every operation the model of a service declares.</summary>
    public static bool Declares(string service, string operation) => Model(service).GetProperty("operations").TryGetProperty(operation, out _);

    // ------------------------------------------------------------------ JSON protocols (ECS JSON 1.1, CloudWatch JSON 1.0)

    /// <summary>
    /// A JSON protocol response: a 200 body against the output shape, or an error body against the declared errors. ECS
    /// responses are checked against Debian's model (merged with the newest) and against the newest ECS model alone.
    /// </summary>
    public static List<string> ValidateJson(string service, string operation, int status, string body, string? errorTypeHeader)
    {
        var problems = ValidateJsonAgainst(service, operation, status, body, errorTypeHeader);
        if (service == "ecs")
        {
            problems.AddRange(ValidateJsonAgainst(EcsNewest, operation, status, body, errorTypeHeader).Select(p => "(newest ECS model) " + p));
        }

        return problems;
    }

    private static List<string> ValidateJsonAgainst(string service, string operation, int status, string body, string? errorTypeHeader)
    {
        var problems = new List<string>();
        var model = Model(service);
        if (!model.GetProperty("operations").TryGetProperty(operation, out var op))
        {
            return [$"{service}:{operation} is not an operation of the AWS model"];
        }

        JsonElement root;
        try
        {
            using var doc = JsonDocument.Parse(body);
            root = doc.RootElement.Clone();
        }
        catch (JsonException e)
        {
            return [$"{operation}: the body is not JSON ({e.Message}): {Truncate(body)}"];
        }

        if (status != 200)
        {
            ValidateJsonError(service, operation, op, status, root, errorTypeHeader, problems);
            return problems;
        }

        if (root.ValueKind != JsonValueKind.Object)
        {
            problems.Add($"{operation}: the body is not a JSON object");
            return problems;
        }

        if (op.TryGetProperty("output", out var output))
        {
            CheckJson(model, output.GetProperty("shape").GetString()!, root, operation, problems);
        }
        else if (root.EnumerateObject().Any())
        {
            problems.Add($"{operation}: the operation has no output, but the body has members {string.Join(", ", root.EnumerateObject().Select(p => p.Name))}");
        }

        return problems;
    }

    private static void ValidateJsonError(string service, string operation, JsonElement op, int status, JsonElement root, string? header, List<string> problems)
    {
        if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("__type", out var type) || type.ValueKind != JsonValueKind.String)
        {
            problems.Add($"{operation}: error {status} without a __type: {Truncate(root.GetRawText())}");
            return;
        }

        var code = type.GetString()!;
        code = code[(code.IndexOf('#', StringComparison.Ordinal) + 1)..];
        if (!root.TryGetProperty("message", out var message) || message.ValueKind != JsonValueKind.String || message.GetString()!.Length == 0)
        {
            problems.Add($"{operation}: error {code} without a message");
        }

        if (header is not null && header != code)
        {
            problems.Add($"{operation}: x-amzn-ErrorType {header} differs from __type {code}");
        }

        var declared = DeclaredErrors(service, op, shapeNames: true);
        if (!declared.ContainsKey(code) && !CommonJsonErrors.Contains(code) && !(service == "cloudwatch" && CommonQueryErrors.Contains(code)))
        {
            problems.Add($"{operation}: error code {code} is neither declared by the operation ({string.Join(", ", declared.Keys)}) nor a common error");
        }

        var expected = declared.TryGetValue(code, out var s) ? s : code is "ServerException" or "InternalFailure" or "ServiceUnavailable" ? 500 : 400;
        if (status != expected)
        {
            problems.Add($"{operation}: error {code} answered with HTTP {status}, the model says {expected}");
        }
    }

    private static void CheckJson(JsonElement model, string shapeName, JsonElement value, string path, List<string> problems)
    {
        var shape = model.GetProperty("shapes").GetProperty(shapeName);
        var type = shape.GetProperty("type").GetString();
        if (value.ValueKind == JsonValueKind.Null)
        {
            problems.Add($"{path}: null (AWS omits absent members) for {shapeName}");
            return;
        }

        switch (type)
        {
            case "structure":
                if (value.ValueKind != JsonValueKind.Object)
                {
                    problems.Add($"{path}: expected an object ({shapeName}), got {value.ValueKind}");
                    return;
                }

                var members = shape.TryGetProperty("members", out var m) ? m : default;
                foreach (var p in value.EnumerateObject())
                {
                    if (members.ValueKind != JsonValueKind.Object || !members.TryGetProperty(p.Name, out var member))
                    {
                        problems.Add($"{path}.{p.Name}: not a member of {shapeName}");
                        continue;
                    }

                    CheckJson(model, member.GetProperty("shape").GetString()!, p.Value, $"{path}.{p.Name}", problems);
                }

                foreach (var required in Required(shape).Where(r => !value.TryGetProperty(r, out _)))
                {
                    problems.Add($"{path}.{required}: required by {shapeName} but missing");
                }

                break;
            case "list":
                if (value.ValueKind != JsonValueKind.Array)
                {
                    problems.Add($"{path}: expected an array ({shapeName}), got {value.ValueKind}");
                    return;
                }

                var item = shape.GetProperty("member").GetProperty("shape").GetString()!;
                var i = 0;
                foreach (var e in value.EnumerateArray())
                {
                    CheckJson(model, item, e, $"{path}[{i++}]", problems);
                }

                break;
            case "map":
                if (value.ValueKind != JsonValueKind.Object)
                {
                    problems.Add($"{path}: expected an object ({shapeName} map), got {value.ValueKind}");
                    return;
                }

                foreach (var p in value.EnumerateObject())
                {
                    CheckScalar(model, shape.GetProperty("key").GetProperty("shape").GetString()!, p.Name, $"{path} key {p.Name}", problems);
                    CheckJson(model, shape.GetProperty("value").GetProperty("shape").GetString()!, p.Value, $"{path}[{p.Name}]", problems);
                }

                break;
            case "string" or "blob":
                if (value.ValueKind != JsonValueKind.String)
                {
                    problems.Add($"{path}: expected a string ({shapeName}), got {value.ValueKind} {value.GetRawText()}");
                    return;
                }

                CheckScalar(model, shapeName, value.GetString()!, path, problems);
                break;
            case "boolean":
                if (value.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
                {
                    problems.Add($"{path}: expected a boolean ({shapeName}), got {value.ValueKind} {value.GetRawText()}");
                }

                break;
            case "integer" or "long":
                if (value.ValueKind != JsonValueKind.Number || !value.TryGetInt64(out var n))
                {
                    problems.Add($"{path}: expected an integer ({shapeName}), got {value.GetRawText()}");
                    return;
                }

                if (type == "integer" && n is < int.MinValue or > int.MaxValue)
                {
                    problems.Add($"{path}: {n} overflows a 32-bit integer ({shapeName})");
                }

                CheckRange(shape, n, path, shapeName, problems);
                break;
            case "double" or "float":
                if (value.ValueKind != JsonValueKind.Number)
                {
                    problems.Add($"{path}: expected a number ({shapeName}), got {value.GetRawText()}");
                    return;
                }

                CheckRange(shape, value.GetDouble(), path, shapeName, problems);
                break;
            case "document":
                break;
            case "timestamp":
                // awsJson: epoch seconds as a number unless the shape says otherwise.
                if (shape.TryGetProperty("timestampFormat", out var format) && format.GetString() == "iso8601")
                {
                    if (value.ValueKind != JsonValueKind.String || !DateTimeOffset.TryParse(value.GetString(), CultureInfo.InvariantCulture, DateTimeStyles.None, out _))
                    {
                        problems.Add($"{path}: expected an ISO 8601 timestamp ({shapeName}), got {value.GetRawText()}");
                    }
                }
                else if (value.ValueKind != JsonValueKind.Number)
                {
                    problems.Add($"{path}: expected a timestamp in epoch seconds ({shapeName}), got {value.GetRawText()}");
                }
                else if (value.GetDouble() is < 0 or > 32503680000)
                {
                    problems.Add($"{path}: timestamp {value.GetRawText()} is not plausible epoch seconds");
                }

                break;
            default:
                problems.Add($"{path}: the validator does not know shape type {type} ({shapeName})");
                break;
        }
    }

    // ------------------------------------------------------------------ query protocol (Auto Scaling, CloudWatch) and EC2

    /// <summary>
    /// A query protocol response: <c>&lt;OpResponse&gt;&lt;OpResult&gt;…&lt;/OpResult&gt;&lt;ResponseMetadata/&gt;</c>
    /// (EC2: the members directly under <c>&lt;OpResponse&gt;</c> beside <c>requestId</c>), or an error document.
    /// </summary>
    public static List<string> ValidateXml(string service, string operation, int status, string body)
    {
        var problems = new List<string>();
        var model = Model(service);
        if (!model.GetProperty("operations").TryGetProperty(operation, out var op))
        {
            return [$"{service}:{operation} is not an operation of the AWS model"];
        }

        XElement root;
        try
        {
            root = XDocument.Parse(body).Root!;
        }
        catch (System.Xml.XmlException e)
        {
            return [$"{operation}: the body is not XML ({e.Message}): {Truncate(body)}"];
        }

        var ec2 = service == "ec2";
        if (status != 200)
        {
            ValidateXmlError(service, operation, op, status, root, problems);
            return problems;
        }

        // The model writes EC2's namespace without the trailing slash AWS sends.
        var modelNs = model.GetProperty("metadata").GetProperty("xmlNamespace").GetString()!;
        XNamespace ns = root.Name.Namespace;
        if (root.Name.LocalName != operation + "Response" || ns.NamespaceName.TrimEnd('/') != modelNs.TrimEnd('/'))
        {
            problems.Add($"{operation}: the root element is {root.Name}, expected {{{modelNs}}}{operation}Response");
            return problems;
        }

        var outputShape = op.TryGetProperty("output", out var output) ? output.GetProperty("shape").GetString() : null;
        if (ec2)
        {
            var requestId = root.Elements().FirstOrDefault(e => e.Name.LocalName == "requestId");
            if (requestId is null || requestId.Value.Length == 0)
            {
                problems.Add($"{operation}: no requestId");
            }

            var members = new XElement(root.Name, root.Elements().Where(e => e != requestId));
            if (outputShape is null)
            {
                if (members.HasElements)
                {
                    problems.Add($"{operation}: the operation has no output, but the response has {string.Join(", ", members.Elements().Select(e => e.Name.LocalName))}");
                }
            }
            else
            {
                CheckXml(model, outputShape, members, operation, problems, ec2: true);
            }

            return problems;
        }

        var metadata = root.Element(ns + "ResponseMetadata");
        if (metadata?.Element(ns + "RequestId") is not { Value.Length: > 0 })
        {
            problems.Add($"{operation}: no ResponseMetadata/RequestId");
        }

        var others = root.Elements().Where(e => e != metadata).ToList();
        if (outputShape is null)
        {
            if (others.Count > 0)
            {
                problems.Add($"{operation}: the operation has no output, but the response has {string.Join(", ", others.Select(e => e.Name.LocalName))}");
            }

            return problems;
        }

        var wrapper = output.TryGetProperty("resultWrapper", out var w) ? w.GetString()! : operation + "Result";
        if (others.Count != 1 || others[0].Name != ns + wrapper)
        {
            problems.Add($"{operation}: expected exactly one {wrapper} beside ResponseMetadata, got {string.Join(", ", others.Select(e => e.Name.LocalName))}");
            return problems;
        }

        CheckXml(model, outputShape, others[0], operation, problems, ec2: false);
        return problems;
    }

    private static void ValidateXmlError(string service, string operation, JsonElement op, int status, XElement root, List<string> problems)
    {
        XElement? error;
        if (service == "ec2")
        {
            // <Response><Errors><Error><Code/><Message/></Error></Errors><RequestID/></Response>
            error = root.Name.LocalName == "Response" ? root.Element("Errors")?.Element("Error") : null;
            if (root.Element("RequestID") is not { Value.Length: > 0 })
            {
                problems.Add($"{operation}: EC2 error without RequestID");
            }
        }
        else
        {
            // <ErrorResponse><Error><Type/><Code/><Message/></Error><RequestId/></ErrorResponse>
            error = root.Name.LocalName == "ErrorResponse" ? root.Elements().FirstOrDefault(e => e.Name.LocalName == "Error") : null;
            var type = error?.Elements().FirstOrDefault(e => e.Name.LocalName == "Type")?.Value;
            if (type is not ("Sender" or "Receiver"))
            {
                problems.Add($"{operation}: query error without Type Sender/Receiver");
            }
            else if ((type == "Receiver") != (status >= 500))
            {
                problems.Add($"{operation}: error Type {type} with HTTP {status}");
            }

            if (root.Elements().FirstOrDefault(e => e.Name.LocalName == "RequestId") is not { Value.Length: > 0 })
            {
                problems.Add($"{operation}: query error without RequestId");
            }
        }

        if (error is null)
        {
            problems.Add($"{operation}: error {status} is not an AWS error document: {Truncate(root.ToString())}");
            return;
        }

        var code = error.Elements().FirstOrDefault(e => e.Name.LocalName == "Code")?.Value ?? "";
        if (error.Elements().FirstOrDefault(e => e.Name.LocalName == "Message") is not { Value.Length: > 0 })
        {
            problems.Add($"{operation}: error {code} without a Message");
        }

        var declared = DeclaredErrors(service, op, shapeNames: false);
        var known = declared.ContainsKey(code) || CommonQueryErrors.Contains(code) || (service == "ec2" && Ec2Errors.Contains(code));
        if (!known)
        {
            problems.Add($"{operation}: error code '{code}' is neither declared by the operation ({string.Join(", ", declared.Keys)}) nor a common error");
        }

        var expected = declared.TryGetValue(code, out var s) ? s : code is "InternalFailure" or "ServiceUnavailable" ? 500 : 400;
        if (status != expected)
        {
            problems.Add($"{operation}: error {code} answered with HTTP {status}, the model says {expected}");
        }
    }

    private static void CheckXml(JsonElement model, string shapeName, XElement element, string path, List<string> problems, bool ec2)
    {
        var shape = model.GetProperty("shapes").GetProperty(shapeName);
        var type = shape.GetProperty("type").GetString();
        switch (type)
        {
            case "structure":
                var members = shape.TryGetProperty("members", out var m) ? m.EnumerateObject().ToList() : [];
                var byElement = members.ToDictionary(p => ElementName(p.Name, p.Value), p => p, StringComparer.Ordinal);
                foreach (var child in element.Elements())
                {
                    if (!byElement.TryGetValue(child.Name.LocalName, out var member))
                    {
                        problems.Add($"{path}.{child.Name.LocalName}: not a member of {shapeName}");
                        continue;
                    }

                    if (element.Elements(child.Name).Count() > 1)
                    {
                        problems.Add($"{path}.{child.Name.LocalName}: repeated");
                    }

                    CheckXml(model, member.Value.GetProperty("shape").GetString()!, child, $"{path}.{member.Name}", problems, ec2);
                }

                foreach (var required in Required(shape))
                {
                    var name = ElementName(required, m.GetProperty(required));
                    if (!element.Elements().Any(e => e.Name.LocalName == name))
                    {
                        problems.Add($"{path}.{required}: required by {shapeName} but missing");
                    }
                }

                break;
            case "list":
                var itemMember = shape.GetProperty("member");
                var itemName = itemMember.TryGetProperty("locationName", out var ln) ? ln.GetString()! : "member";
                var i = 0;
                foreach (var child in element.Elements())
                {
                    if (child.Name.LocalName != itemName)
                    {
                        problems.Add($"{path}[{i}]: list item element <{child.Name.LocalName}>, expected <{itemName}> ({shapeName})");
                    }

                    CheckXml(model, itemMember.GetProperty("shape").GetString()!, child, $"{path}[{i++}]", problems, ec2);
                }

                if (element.Nodes().OfType<XText>().Any(t => !string.IsNullOrWhiteSpace(t.Value)))
                {
                    problems.Add($"{path}: text inside the list {shapeName}");
                }

                break;
            case "map":
                foreach (var entry in element.Elements())
                {
                    var key = entry.Elements().FirstOrDefault(e => e.Name.LocalName == "key");
                    var value = entry.Elements().FirstOrDefault(e => e.Name.LocalName == "value");
                    if (entry.Name.LocalName != "entry" || key is null || value is null)
                    {
                        problems.Add($"{path}: map entries are <entry><key/><value/></entry> ({shapeName})");
                        continue;
                    }

                    CheckXml(model, shape.GetProperty("value").GetProperty("shape").GetString()!, value, $"{path}[{key.Value}]", problems, ec2);
                }

                break;
            default:
                if (element.HasElements)
                {
                    problems.Add($"{path}: expected a {type} ({shapeName}), got child elements");
                    return;
                }

                var text = element.Value;
                switch (type)
                {
                    case "string" or "blob":
                        CheckScalar(model, shapeName, text, path, problems);
                        break;
                    case "boolean" when text is not ("true" or "false"):
                        problems.Add($"{path}: expected true/false ({shapeName}), got '{text}'");
                        break;
                    case "integer" or "long":
                        if (!long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n))
                        {
                            problems.Add($"{path}: expected an integer ({shapeName}), got '{text}'");
                        }
                        else
                        {
                            CheckRange(shape, n, path, shapeName, problems);
                        }

                        break;
                    case "double" or "float":
                        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var d))
                        {
                            problems.Add($"{path}: expected a number ({shapeName}), got '{text}'");
                        }
                        else
                        {
                            CheckRange(shape, d, path, shapeName, problems);
                        }

                        break;
                    case "timestamp" when !IsoTimestamp().IsMatch(text):
                        problems.Add($"{path}: expected an ISO 8601 timestamp ({shapeName}), got '{text}'");
                        break;
                    case "boolean" or "timestamp":
                        break;
                    default:
                        problems.Add($"{path}: the validator does not know shape type {type} ({shapeName})");
                        break;
                }

                break;
        }
    }

    /// <summary>Query and EC2 XML: the member's locationName, else its name.</summary>
    private static string ElementName(string member, JsonElement def) =>
        def.TryGetProperty("locationName", out var l) ? l.GetString()! : member;

    // ------------------------------------------------------------------ shared

    private static void CheckScalar(JsonElement model, string shapeName, string text, string path, List<string> problems)
    {
        var shape = model.GetProperty("shapes").GetProperty(shapeName);
        if (shape.TryGetProperty("enum", out var values) && values.EnumerateArray().All(v => v.GetString() != text))
        {
            problems.Add($"{path}: '{text}' is not in the enum {shapeName} ({string.Join(", ", values.EnumerateArray().Select(v => v.GetString()))})");
        }

        if (shape.GetProperty("type").GetString() == "string")
        {
            CheckRange(shape, text.Length, path + " (length)", shapeName, problems);
        }
    }

    private static void CheckRange(JsonElement shape, double value, string path, string shapeName, List<string> problems)
    {
        if (shape.TryGetProperty("min", out var min) && value < min.GetDouble())
        {
            problems.Add($"{path}: {value} is below the minimum {min.GetDouble()} of {shapeName}");
        }

        if (shape.TryGetProperty("max", out var max) && value > max.GetDouble())
        {
            problems.Add($"{path}: {value} is above the maximum {max.GetDouble()} of {shapeName}");
        }
    }

    private static IEnumerable<string> Required(JsonElement shape) =>
        shape.TryGetProperty("required", out var r) ? r.EnumerateArray().Select(e => e.GetString()!) : [];

    /// <summary>
    /// The error codes an operation declares (the shape's error.code, else its name) and their status. JSON protocols
    /// may also name the error by its shape (a query-compatible JSON service sends either).
    /// </summary>
    private static Dictionary<string, int> DeclaredErrors(string service, JsonElement op, bool shapeNames)
    {
        var shapes = Model(service).GetProperty("shapes");
        var result = new Dictionary<string, int>(StringComparer.Ordinal);
        if (op.TryGetProperty("errors", out var errors))
        {
            foreach (var e in errors.EnumerateArray())
            {
                var name = e.GetProperty("shape").GetString()!;
                var shape = shapes.GetProperty(name);
                var code = name;
                var status = 400;
                if (shape.TryGetProperty("error", out var info))
                {
                    code = info.TryGetProperty("code", out var c) ? c.GetString()! : name;
                    status = info.TryGetProperty("httpStatusCode", out var h) ? h.GetInt32() : 400;
                }

                // ECS marks ServerException as a server fault without a status: it is a 500.
                if (shape.TryGetProperty("exception", out _) && shape.TryGetProperty("fault", out var fault) && fault.GetBoolean())
                {
                    status = 500;
                }

                result[code] = status;
                if (shapeNames)
                {
                    result.TryAdd(name, status);
                }
            }
        }

        return result;
    }

    private static string Truncate(string s) => s.Length <= 300 ? s : s[..300] + "…";

    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")]
    private static partial Regex IsoTimestamp();
}
