using System.Text.Json;
using System.Text.Json.Nodes;
using System.Xml.Linq;

namespace Emulator.Tests.Wire;

/// <summary>
/// B-DP-6 / B-DP-7 answered by a real silo and checked against the ECS models (Debian's merged with the newest, and the
/// newest alone): a CANARY service with advancedConfiguration and lifecycle hooks (CreateService, DescribeServices), a
/// deployment paused by its PAUSE hook (DescribeServiceDeployments with lifecycleStage, lifecycleHookDetails and the
/// revisions' traffic weights), ContinueServiceDeployment with its errors, the listener rule's weights through ELBv2
/// DescribeRules, and the revisions with their advancedConfiguration.
/// </summary>
internal static class ServiceModelBlueGreen
{
    private const string Role = "arn:aws:iam::000000000000:role/ecsInfrastructureRoleForLoadBalancers";

    public static async Task Exercise(ModelCheckedApi api, string prefix)
    {
        var cluster = prefix + "-bg";
        await api.Ecs("CreateCluster", new JsonObject { ["clusterName"] = cluster });
        var name = (prefix.Length > 20 ? prefix[^20..] : prefix) + "-bg";
        string Find(XElement xml, string element) => xml.Descendants().First(e => e.Name.LocalName == element).Value;
        var lb = await api.Query("elasticloadbalancing", "CreateLoadBalancer", ("Name", name),
            ("Subnets.member.1", "subnet-0emulator000001"), ("Subnets.member.2", "subnet-0emulator000002"));
        async Task<string> Group(string suffix)
        {
            var arn = Find(await api.Query("elasticloadbalancing", "CreateTargetGroup", ("Name", name + suffix), ("Protocol", "HTTP"), ("Port", "80"),
                ("VpcId", Find(lb, "VpcId")), ("TargetType", "ip"), ("HealthCheckIntervalSeconds", "5"), ("HealthCheckTimeoutSeconds", "2"), ("HealthyThresholdCount", "2")), "TargetGroupArn");
            await api.Query("elasticloadbalancing", "ModifyTargetGroupAttributes", ("TargetGroupArn", arn),
                ("Attributes.member.1.Key", "deregistration_delay.timeout_seconds"), ("Attributes.member.1.Value", "0"));
            return arn;
        }

        var blue = await Group("-b");
        var green = await Group("-g");
        async Task<string> Rule(string port)
        {
            var listener = Find(await api.Query("elasticloadbalancing", "CreateListener", ("LoadBalancerArn", Find(lb, "LoadBalancerArn")), ("Protocol", "HTTP"), ("Port", port),
                ("DefaultActions.member.1.Type", "forward"), ("DefaultActions.member.1.TargetGroupArn", blue)), "ListenerArn");
            return Find(await api.Query("elasticloadbalancing", "CreateRule", ("ListenerArn", listener), ("Priority", "1"),
                ("Conditions.member.1.Field", "path-pattern"), ("Conditions.member.1.Values.member.1", "/*"), ("Actions.member.1.Type", "forward"),
                ("Actions.member.1.ForwardConfig.TargetGroups.member.1.TargetGroupArn", blue), ("Actions.member.1.ForwardConfig.TargetGroups.member.1.Weight", "100"),
                ("Actions.member.1.ForwardConfig.TargetGroups.member.2.TargetGroupArn", green), ("Actions.member.1.ForwardConfig.TargetGroups.member.2.Weight", "0")), "RuleArn");
        }

        var production = await Rule("80");
        var testRule = await Rule("8080");
        var family = cluster + "-web";
        JsonObject TaskDefinition(string image) => new()
        {
            ["family"] = family, ["networkMode"] = "awsvpc", ["requiresCompatibilities"] = new JsonArray("FARGATE"), ["cpu"] = "256", ["memory"] = "512",
            ["containerDefinitions"] = new JsonArray(new JsonObject
            {
                ["name"] = "web", ["image"] = image, ["portMappings"] = new JsonArray(new JsonObject { ["containerPort"] = 80 }),
            }),
        };
        await api.Ecs("RegisterTaskDefinition", TaskDefinition("nginx:1"));
        var deploymentConfiguration = new JsonObject
        {
            ["strategy"] = "CANARY", ["bakeTimeInMinutes"] = 0,
            ["canaryConfiguration"] = new JsonObject { ["canaryPercent"] = 10, ["canaryBakeTimeInMinutes"] = 1 },
            ["lifecycleHooks"] = new JsonArray(
                new JsonObject
                {
                    ["targetType"] = "AWS_LAMBDA", ["hookTargetArn"] = "arn:aws:lambda:us-east-1:000000000000:function:" + cluster,
                    ["roleArn"] = "arn:aws:iam::000000000000:role/hooks", ["lifecycleStages"] = new JsonArray("PRE_SCALE_UP"),
                    ["hookDetails"] = new JsonObject { ["check"] = "smoke" },
                },
                new JsonObject
                {
                    ["targetType"] = "PAUSE", ["lifecycleStages"] = new JsonArray("POST_SCALE_UP"),
                    ["timeoutConfiguration"] = new JsonObject { ["timeoutInMinutes"] = 1440, ["action"] = "ROLLBACK" },
                }),
        };
        await api.Ecs("CreateService", new JsonObject
        {
            ["cluster"] = cluster, ["serviceName"] = "web", ["taskDefinition"] = family, ["desiredCount"] = 1, ["launchType"] = "FARGATE",
            ["networkConfiguration"] = new JsonObject { ["awsvpcConfiguration"] = new JsonObject { ["subnets"] = new JsonArray("subnet-0emulator000001") } },
            ["loadBalancers"] = new JsonArray(new JsonObject
            {
                ["targetGroupArn"] = blue, ["containerName"] = "web", ["containerPort"] = 80,
                ["advancedConfiguration"] = new JsonObject { ["alternateTargetGroupArn"] = green, ["productionListenerRule"] = production, ["testListenerRule"] = testRule, ["roleArn"] = Role },
            }),
            ["deploymentConfiguration"] = deploymentConfiguration.DeepClone(),
        });

        async Task<List<string>> Deployments() =>
            [.. (await api.Ecs("ListServiceDeployments", new JsonObject { ["cluster"] = cluster, ["service"] = "web" })).GetProperty("serviceDeployments")
                .EnumerateArray().Select(d => d.GetProperty("serviceDeploymentArn").GetString()!)];
        async Task<JsonElement> Describe(string arn) =>
            (await api.Ecs("DescribeServiceDeployments", new JsonObject { ["serviceDeploymentArns"] = new JsonArray(arn) })).GetProperty("serviceDeployments")[0];
        var first = (await Deployments())[0];
        await api.Until("the first deployment SUCCESSFUL", async () => (await Describe(first)).GetProperty("status").GetString() == "SUCCESSFUL" ? "yes" : null);

        // A second revision: the PAUSE hook holds the deployment after SCALE_UP.
        await api.Ecs("RegisterTaskDefinition", TaskDefinition("nginx:2"));
        await api.Ecs("UpdateService", new JsonObject { ["cluster"] = cluster, ["service"] = "web", ["taskDefinition"] = family });
        var arn = (await Deployments()).First(d => d != first);
        var hookId = await api.Until("a PAUSE hook AWAITING_ACTION", async () =>
        {
            var d = await Describe(arn);
            return d.TryGetProperty("lifecycleHookDetails", out var hooks)
                ? hooks.EnumerateArray().Where(h => h.GetProperty("status").GetString() == "AWAITING_ACTION").Select(h => h.GetProperty("hookId").GetString()).FirstOrDefault()
                : null;
        });
        await api.Ecs("ContinueServiceDeployment", new JsonObject { ["serviceDeploymentArn"] = arn, ["hookId"] = hookId, ["action"] = "SOMETIMES" }, "InvalidParameterException");
        await api.Ecs("ContinueServiceDeployment", new JsonObject { ["serviceDeploymentArn"] = arn[..arn.LastIndexOf('/')] + "/nosuchdeployment", ["hookId"] = hookId }, "ServiceDeploymentNotFoundException");
        await api.Ecs("ContinueServiceDeployment", new JsonObject { ["serviceDeploymentArn"] = arn, ["hookId"] = "ecs-pause-nosuchhook" }, "InvalidParameterException");
        await api.Ecs("ContinueServiceDeployment", new JsonObject { ["serviceDeploymentArn"] = arn, ["hookId"] = hookId });
        await api.Ecs("ContinueServiceDeployment", new JsonObject { ["serviceDeploymentArn"] = arn, ["hookId"] = hookId }, "InvalidParameterException");
        var done = await api.Until("the canary deployment SUCCESSFUL", async () => (await Describe(arn)).GetProperty("status").GetString() == "SUCCESSFUL" ? "yes" : null);
        Assert.Equal("yes", done);

        var described = await api.Ecs("DescribeServices", new JsonObject { ["cluster"] = cluster, ["services"] = new JsonArray("web") });
        var service = described.GetProperty("services")[0];
        Assert.True(JsonNode.DeepEquals(deploymentConfiguration["lifecycleHooks"], JsonNode.Parse(service.GetProperty("deploymentConfiguration").GetProperty("lifecycleHooks").GetRawText())));
        var deployment = await Describe(arn);
        await api.Ecs("DescribeServiceRevisions", new JsonObject { ["serviceRevisionArns"] = new JsonArray(deployment.GetProperty("targetServiceRevision").GetProperty("arn").GetString()) });
        await api.Query("elasticloadbalancing", "DescribeRules", ("RuleArns.member.1", production), ("RuleArns.member.2", testRule));
        await api.Ecs("DeleteService", new JsonObject { ["cluster"] = cluster, ["service"] = "web", ["force"] = true });
    }
}
