using System.Text.Json.Nodes;
using System.Xml.Linq;
using Emulator.Client;
using Emulator.Contracts;
using Emulator.Silo.Aws;
using Emulator.Tests.EndToEnd;
using Spectre.Console.Testing;

namespace Emulator.Tests.Aws;

/// <summary>
/// B-DP-6 / B-DP-7 through the ECS operations on a live in-process silo: every traffic-shift field a CreateService or
/// UpdateService writes comes back from DescribeServices as written; bad settings are InvalidParameterException and change
/// nothing (no deployment, the same configuration); ContinueServiceDeployment's errors; the client's lambda-hook command.
/// </summary>
[Collection(EmulatorCollection.Name)]
public sealed class TrafficShiftServiceEdgeTests(EmulatorClusterFixture fixture) : IAsyncLifetime
{
    private const string Role = "arn:aws:iam::000000000000:role/ecsInfrastructureRoleForLoadBalancers";
    private readonly EcsDriver _ecs = new(fixture);
    private readonly InProcessAws _aws = new(fixture);

    public Task InitializeAsync() => _ecs.InitializeAsync();

    public Task DisposeAsync() => _ecs.DisposeAsync();

    private Task<JsonObject> Ecs(string operation, JsonObject body) => _aws.Ecs(operation, body);

    private async Task<EcsException> Refused(string operation, JsonObject body) =>
        await Assert.ThrowsAsync<EcsException>(() => Ecs(operation, body));

    private async Task<string> Elbv2(string action, params (string Key, string Value)[] form) => (await _aws.Query(AwsServices.Elbv2, action, form)).ToString();

    private static string Value(string xml, string element) => XElement.Parse(xml).Descendants().First(e => e.Name.LocalName == element).Value;

    private sealed record Balancer(string Blue, string Green, string Production, string Test);

    /// <summary>A load balancer with a production listener (80) and a test listener (8080), each with a rule forwarding to blue.</summary>
    private async Task<Balancer> LoadBalancer(string prefix)
    {
        var lb = await Elbv2("CreateLoadBalancer", ("Name", prefix), ("Subnets.member.1", "subnet-0emulator000001"), ("Subnets.member.2", "subnet-0emulator000002"));
        var vpc = Value(lb, "VpcId");
        async Task<string> Group(string name) =>
            Value(await Elbv2("CreateTargetGroup", ("Name", name), ("Protocol", "HTTP"), ("Port", "80"), ("VpcId", vpc), ("TargetType", "ip")), "TargetGroupArn");
        var blue = await Group(prefix + "-b");
        var green = await Group(prefix + "-g");
        async Task<string> Rule(int port)
        {
            var listener = Value(await Elbv2("CreateListener", ("LoadBalancerArn", Value(lb, "LoadBalancerArn")), ("Protocol", "HTTP"), ("Port", port.ToString(System.Globalization.CultureInfo.InvariantCulture)),
                ("DefaultActions.member.1.Type", "forward"), ("DefaultActions.member.1.TargetGroupArn", blue)), "ListenerArn");
            return Value(await Elbv2("CreateRule", ("ListenerArn", listener), ("Priority", "1"), ("Conditions.member.1.Field", "path-pattern"),
                ("Conditions.member.1.Values.member.1", "/*"), ("Actions.member.1.Type", "forward"), ("Actions.member.1.TargetGroupArn", blue)), "RuleArn");
        }

        return new Balancer(blue, green, await Rule(80), await Rule(8080));
    }

    private async Task<(string Cluster, string Family)> Fargate(string prefix)
    {
        var cluster = await _ecs.CreateCluster(prefix);
        await Ecs("PutClusterCapacityProviders", new() { ["cluster"] = cluster, ["capacityProviders"] = new JsonArray("FARGATE"), ["defaultCapacityProviderStrategy"] = new JsonArray() });
        var family = cluster.Replace("-", "", StringComparison.Ordinal);
        await Ecs("RegisterTaskDefinition", new()
        {
            ["family"] = family, ["networkMode"] = "awsvpc", ["requiresCompatibilities"] = new JsonArray("FARGATE"), ["cpu"] = "256", ["memory"] = "512",
            ["containerDefinitions"] = new JsonArray(new JsonObject
            {
                ["name"] = "web", ["image"] = "nginx", ["portMappings"] = new JsonArray(new JsonObject { ["containerPort"] = 80 }),
            }),
        });
        return (cluster, family);
    }

    private static JsonObject Advanced(Balancer b) => new()
    {
        ["alternateTargetGroupArn"] = b.Green, ["productionListenerRule"] = b.Production, ["testListenerRule"] = b.Test, ["roleArn"] = Role,
    };

    private static JsonArray LoadBalancers(Balancer b, JsonObject? advanced) => new(new JsonObject
    {
        ["targetGroupArn"] = b.Blue, ["containerName"] = "web", ["containerPort"] = 80,
    }.WithMember("advancedConfiguration", advanced));

    private static JsonObject Network() => new() { ["awsvpcConfiguration"] = new JsonObject { ["subnets"] = new JsonArray("subnet-0emulator000001") } };

    private async Task<JsonObject> Described(string cluster) =>
        (await Ecs("DescribeServices", new() { ["cluster"] = cluster, ["services"] = new JsonArray("web") }))["services"]![0]!.AsObject();

    private async Task<int> Deployments(string cluster) =>
        (await Ecs("ListServiceDeployments", new() { ["cluster"] = cluster, ["service"] = "web" }))["serviceDeployments"]!.AsArray().Count;

    [Fact]
    public async Task B_DP_6_every_traffic_shift_field_round_trips_through_describe_services()
    {
        var (cluster, family) = await Fargate("bg-rt");
        var b = await LoadBalancer(EmulatorClusterFixture.Unique("bgrt"));
        var deployment = new JsonObject
        {
            ["maximumPercent"] = 200, ["minimumHealthyPercent"] = 100, ["strategy"] = "CANARY", ["bakeTimeInMinutes"] = 2,
            ["deploymentCircuitBreaker"] = new JsonObject { ["enable"] = true, ["rollback"] = true },
            ["canaryConfiguration"] = new JsonObject { ["canaryPercent"] = 10.5, ["canaryBakeTimeInMinutes"] = 1 },
            ["linearConfiguration"] = new JsonObject { ["stepPercent"] = 20, ["stepBakeTimeInMinutes"] = 0 },
            ["lifecycleHooks"] = new JsonArray(
                new JsonObject
                {
                    ["targetType"] = "PAUSE", ["lifecycleStages"] = new JsonArray("POST_TEST_TRAFFIC_SHIFT"),
                    ["timeoutConfiguration"] = new JsonObject { ["timeoutInMinutes"] = 60, ["action"] = "ROLLBACK" },
                },
                new JsonObject
                {
                    ["targetType"] = "AWS_LAMBDA", ["hookTargetArn"] = "arn:aws:lambda:us-east-1:000000000000:function:smoke",
                    ["roleArn"] = "arn:aws:iam::000000000000:role/hooks", ["lifecycleStages"] = new JsonArray("PRE_SCALE_UP", "PRODUCTION_TRAFFIC_SHIFT"),
                    ["hookDetails"] = new JsonObject { ["suite"] = "smoke", ["timeouts"] = new JsonArray(1, 2) },
                }),
        };
        var created = (await Ecs("CreateService", new()
        {
            ["cluster"] = cluster, ["serviceName"] = "web", ["taskDefinition"] = family, ["desiredCount"] = 1, ["launchType"] = "FARGATE",
            ["networkConfiguration"] = Network(), ["loadBalancers"] = LoadBalancers(b, Advanced(b)), ["deploymentConfiguration"] = deployment.DeepClone(),
        }))["service"]!.AsObject();

        foreach (var service in new[] { created, await Described(cluster) })
        {
            Assert.True(JsonNode.DeepEquals(deployment, service["deploymentConfiguration"]), service["deploymentConfiguration"]!.ToJsonString());
            Assert.True(JsonNode.DeepEquals(LoadBalancers(b, Advanced(b)), service["loadBalancers"]), service["loadBalancers"]!.ToJsonString());
        }

        // An update naming only lifecycleHooks keeps the canary and linear settings; [] removes the hooks.
        var hooks = new JsonArray(new JsonObject { ["targetType"] = "PAUSE", ["lifecycleStages"] = new JsonArray("POST_SCALE_UP") });
        var updated = (await Ecs("UpdateService", new() { ["cluster"] = cluster, ["service"] = "web", ["deploymentConfiguration"] = new JsonObject { ["lifecycleHooks"] = hooks.DeepClone() } }))["service"]!.AsObject();
        deployment["lifecycleHooks"] = hooks.DeepClone();
        Assert.True(JsonNode.DeepEquals(deployment, updated["deploymentConfiguration"]), updated["deploymentConfiguration"]!.ToJsonString());
        Assert.True(JsonNode.DeepEquals(deployment, (await Described(cluster))["deploymentConfiguration"]));
        await Ecs("UpdateService", new() { ["cluster"] = cluster, ["service"] = "web", ["deploymentConfiguration"] = new JsonObject { ["lifecycleHooks"] = new JsonArray() } });
        deployment.Remove("lifecycleHooks");
        Assert.True(JsonNode.DeepEquals(deployment, (await Described(cluster))["deploymentConfiguration"]));
    }

    [Fact]
    public async Task B_DP_6_bad_traffic_shift_settings_are_InvalidParameterException_and_change_nothing()
    {
        var (cluster, family) = await Fargate("bg-bad");
        var b = await LoadBalancer(EmulatorClusterFixture.Unique("bgbad"));
        var other = await LoadBalancer(EmulatorClusterFixture.Unique("bgoth"));
        await Ecs("CreateService", new()
        {
            ["cluster"] = cluster, ["serviceName"] = "web", ["taskDefinition"] = family, ["desiredCount"] = 1, ["launchType"] = "FARGATE",
            ["networkConfiguration"] = Network(), ["loadBalancers"] = LoadBalancers(b, null),
        });
        var before = await Described(cluster);
        var deployments = await Deployments(cluster);

        JsonObject Update(JsonObject? deploymentConfiguration, JsonObject? advanced = null, bool balancers = false) => new JsonObject
        {
            ["cluster"] = cluster, ["service"] = "web", ["taskDefinition"] = family,
        }.WithMember("deploymentConfiguration", deploymentConfiguration).WithMember("loadBalancers", balancers ? LoadBalancers(b, advanced) : null);

        var cases = new (JsonObject Request, string Message)[]
        {
            (Update(new() { ["strategy"] = "CANARY", ["canaryConfiguration"] = new JsonObject { ["canaryPercent"] = 0 } }, Advanced(b), true), "canaryPercent"),
            (Update(new() { ["strategy"] = "LINEAR", ["linearConfiguration"] = new JsonObject { ["stepPercent"] = 2 } }, Advanced(b), true), "stepPercent"),
            (Update(new() { ["strategy"] = "BLUE_GREEN" }, Advanced(b).WithMember("alternateTargetGroupArn", null), true), "alternateTargetGroupArn"),
            (Update(new() { ["strategy"] = "BLUE_GREEN" }, Advanced(b).WithMember("productionListenerRule", other.Production), true), "does not forward"),
            (Update(new() { ["lifecycleHooks"] = new JsonArray(new JsonObject { ["targetType"] = "PAUSE", ["lifecycleStages"] = new JsonArray("TEST_TRAFFIC_SHIFT") }) }), "PAUSE"),
            (Update(new() { ["lifecycleHooks"] = new JsonArray(new JsonObject { ["targetType"] = "AWS_LAMBDA", ["lifecycleStages"] = new JsonArray("POST_SCALE_UP") }) }), "hookTargetArn"),
            (Update(null, new JsonObject { ["productionListenerRule"] = b.Production }, true), "alternateTargetGroupArn"),
            (Update(new() { ["strategy"] = "BLUE_GREEN" }), "advancedConfiguration"), // the service's load balancer has none
        };
        foreach (var (request, message) in cases)
        {
            var e = await Refused("UpdateService", request);
            Assert.Equal(ErrorCodes.InvalidParameter, e.Code);
            Assert.Contains(message, e.Message, StringComparison.Ordinal);
        }

        // Nothing changed: the same configuration, load balancers and task definition, no new service deployment.
        var after = await Described(cluster);
        foreach (var member in new[] { "deploymentConfiguration", "loadBalancers", "taskDefinition", "deployments" })
        {
            Assert.True(JsonNode.DeepEquals(before[member], after[member]), $"{member}: {before[member]?.ToJsonString()} -> {after[member]?.ToJsonString()}");
        }

        Assert.Equal(deployments, await Deployments(cluster));

        // A CreateService with bad settings creates nothing.
        var refused = await Refused("CreateService", new()
        {
            ["cluster"] = cluster, ["serviceName"] = "web2", ["taskDefinition"] = family, ["desiredCount"] = 1, ["launchType"] = "FARGATE",
            ["networkConfiguration"] = Network(), ["loadBalancers"] = LoadBalancers(b, Advanced(b)),
            ["deploymentConfiguration"] = new JsonObject { ["strategy"] = "CANARY", ["canaryConfiguration"] = new JsonObject { ["canaryPercent"] = 101 } },
        });
        Assert.Equal(ErrorCodes.InvalidParameter, refused.Code);
        var missing = await Ecs("DescribeServices", new() { ["cluster"] = cluster, ["services"] = new JsonArray("web2") });
        Assert.Equal("MISSING", (string)missing["failures"]![0]!["reason"]!);
    }

    [Fact]
    public async Task B_DP_7_continue_service_deployment_answers_aws_errors()
    {
        var (cluster, family) = await Fargate("bg-cont");
        await Ecs("CreateService", new()
        {
            ["cluster"] = cluster, ["serviceName"] = "web", ["taskDefinition"] = family, ["desiredCount"] = 1, ["launchType"] = "FARGATE", ["networkConfiguration"] = Network(),
        });
        var arn = (string)(await Ecs("ListServiceDeployments", new() { ["cluster"] = cluster, ["service"] = "web" }))["serviceDeployments"]![0]!["serviceDeploymentArn"]!;

        async Task Expect(string code, string message, JsonObject body)
        {
            var e = await Refused("ContinueServiceDeployment", body);
            Assert.Equal(code, e.Code);
            Assert.Contains(message, e.Message, StringComparison.Ordinal);
        }

        await Expect(ErrorCodes.ServiceDeploymentNotFound, "not found", new() { ["serviceDeploymentArn"] = arn[..arn.LastIndexOf('/')] + "/nosuchdeployment", ["hookId"] = "ecs-pause-1" });
        await Expect(ErrorCodes.InvalidParameter, "Invalid service deployment ARN", new() { ["serviceDeploymentArn"] = "arn:aws:ecs:us-east-1:000000000000:service/" + cluster + "/web", ["hookId"] = "ecs-pause-1" });
        await Expect(ErrorCodes.InvalidParameter, "'action'", new() { ["serviceDeploymentArn"] = arn, ["hookId"] = "ecs-pause-1", ["action"] = "PAUSE" });
        await Expect(ErrorCodes.InvalidParameter, "hookId", new() { ["serviceDeploymentArn"] = arn });

        // A rolling deployment has no hook awaiting an action: InvalidParameterException (the operation declares no ConflictException).
        await Expect(ErrorCodes.InvalidParameter, "ecs-pause-1", new() { ["serviceDeploymentArn"] = arn, ["hookId"] = "ecs-pause-1" });
    }

    [Fact]
    public async Task B_DP_7_client_lambda_hook_sets_lists_and_removes_outcomes_and_refuses_bad_input()
    {
        var function = $"arn:aws:lambda:us-east-1:000000000000:function:{EmulatorClusterFixture.Unique("check")}";
        var hooks = fixture.Grains.GetGrain<ILambdaHooksGrain>(GrainKeys.LambdaHooks);
        var console = new TestConsole().Width(400);
        Assert.Equal(0, await LambdaHookCommands.RunAsync(fixture.Grains, console, new(function, "FAILED", 30, false, false, false)));
        Assert.Contains(new LambdaHookOutcome(function, false, 30), await hooks.List());
        Assert.Contains("FAILED after 30 s IN_PROGRESS", console.Output, StringComparison.Ordinal);

        foreach (var bad in new LambdaHookCommands.Request[]
        {
            new(function, "MAYBE", null, false, false, false),
            new(function, "SUCCEEDED", 10, true, false, false),
            new(function, "SUCCEEDED", -5, false, false, false),
            new("not-an-arn", "SUCCEEDED", null, false, false, false),
            new(null, "SUCCEEDED", null, false, false, false),
            new(function, null, null, false, false, true),
            new(function, "SUCCEEDED", null, false, true, false),
        })
        {
            var output = new TestConsole().Width(400);
            Assert.Equal(2, await LambdaHookCommands.RunAsync(fixture.Grains, output, bad));
            Assert.Contains("lambda-hook:", output.Output, StringComparison.Ordinal);
            Assert.Contains(new LambdaHookOutcome(function, false, 30), await hooks.List()); // unchanged
        }

        var list = new TestConsole().Width(400);
        Assert.Equal(0, await LambdaHookCommands.RunAsync(fixture.Grains, list, new(null, null, null, false, false, true)));
        Assert.Contains(function, list.Output, StringComparison.Ordinal);

        Assert.Equal(0, await LambdaHookCommands.RunAsync(fixture.Grains, new TestConsole().Width(400), new(function, null, null, true, false, false)));
        Assert.Contains(new LambdaHookOutcome(function, true, null), await hooks.List());
        Assert.Equal(0, await LambdaHookCommands.RunAsync(fixture.Grains, new TestConsole().Width(400), new(function, null, null, false, true, false)));
        Assert.DoesNotContain(await hooks.List(), o => o.FunctionArn == function);
        Assert.Equal(2, await LambdaHookCommands.RunAsync(fixture.Grains, new TestConsole().Width(400), new(function, null, null, false, true, false)));
    }
}

internal static class JsonMembers
{
    /// <summary>Sets (or with null removes) a member and returns the object, for building requests inline.</summary>
    public static JsonObject WithMember(this JsonObject o, string name, JsonNode? value)
    {
        if (value is null)
        {
            o.Remove(name);
        }
        else
        {
            o[name] = value;
        }

        return o;
    }
}
