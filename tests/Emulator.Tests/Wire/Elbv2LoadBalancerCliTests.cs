using System.Globalization;
using System.Text.Json;
using Emulator.Tests.EndToEnd;

namespace Emulator.Tests.Wire;

/// <summary>
/// B-ELB-1 and the load balancer data plane (issue 17) through the real AWS CLI and real curl: an Application Load
/// Balancer with a listener, a path rule and forward weights in front of two Fargate services, the workshop's
/// <c>curl -s &lt;load balancer&gt; | jq</c> answered with <c>ALL_TASKS</c> / <c>MY_ARN</c> / <c>MY_STRATEGY</c>, weights moved
/// with modify-listener, fixed responses, 503 with no target, the load balancer's CloudWatch metrics, AWS's errors for
/// bad input, and deletion closing the port.
/// </summary>
[Collection(WireCollection.Name)]
public sealed class Elbv2LoadBalancerCliTests(SiloProcessFixture silo)
{
    private readonly AwsCli _aws = new(silo.Endpoint);

    [Fact]
    public async Task B_ELB_1_listener_rules_and_weights_route_curl_requests_to_the_services_tasks()
    {
        var cluster = EmulatorClusterFixture.Unique("alb");
        await _aws.Json("ecs", "create-cluster", "--cluster-name", cluster);
        await _aws.Json("ecs", "put-cluster-capacity-providers", "--cluster", cluster, "--capacity-providers", "FARGATE", "FARGATE_SPOT",
            "--default-capacity-provider-strategy", "capacityProvider=FARGATE,weight=1,base=1", "capacityProvider=FARGATE_SPOT,weight=4");
        var file = Path.GetTempFileName();
        await File.WriteAllTextAsync(file, $$"""
            {"family":"{{cluster}}-web","networkMode":"awsvpc","requiresCompatibilities":["FARGATE"],"cpu":"256","memory":"512",
             "containerDefinitions":[{"name":"web","image":"public.ecr.aws/aws-containers/ecsdemo-capacityproviders:latest","portMappings":[{"containerPort":80}]}]}
            """);
        await _aws.Json("ecs", "register-task-definition", "--cli-input-json", "file://" + file);
        // The account's default VPC and two of its subnets, as a user finds them.
        var vpc = (await _aws.Json("ec2", "describe-vpcs", "--filters", "Name=is-default,Values=true")).GetProperty("Vpcs")[0].GetProperty("VpcId").GetString()!;
        var subnets = (await _aws.Json("ec2", "describe-subnets", "--filters", $"Name=vpc-id,Values={vpc}")).GetProperty("Subnets").EnumerateArray()
            .OrderBy(x => x.GetProperty("AvailabilityZone").GetString(), StringComparer.Ordinal).Take(2)
            .Select(x => (Id: x.GetProperty("SubnetId").GetString()!, Zone: x.GetProperty("AvailabilityZone").GetString()!)).ToList();
        _subnets = string.Join(',', subnets.Select(x => x.Id));
        var blue = await TargetGroup(cluster + "-blue", vpc);
        var green = await TargetGroup(cluster + "-green", vpc);

        // Bad input first: AWS's errors, nothing created.
        var oneSubnet = await _aws.Run("elbv2", "create-load-balancer", "--name", cluster, "--subnets", subnets[0].Id);
        Assert.Contains("ValidationError", oneSubnet.Stderr, StringComparison.Ordinal);
        Assert.Contains("LoadBalancerNotFound", (await _aws.Run("elbv2", "describe-load-balancers", "--names", cluster)).Stderr, StringComparison.Ordinal);

        var lb = (await _aws.Json("elbv2", "create-load-balancer", "--name", cluster, "--subnets", subnets[0].Id, subnets[1].Id,
            "--type", "application", "--scheme", "internet-facing")).GetProperty("LoadBalancers")[0];
        var lbArn = lb.GetProperty("LoadBalancerArn").GetString()!;
        var dns = lb.GetProperty("DNSName").GetString()!;
        Assert.StartsWith($"arn:aws:elasticloadbalancing:us-east-1:000000000000:loadbalancer/app/{cluster}/", lbArn, StringComparison.Ordinal);
        Assert.StartsWith(cluster + "-", dns, StringComparison.Ordinal);
        Assert.EndsWith(".us-east-1.elb.localhost", dns, StringComparison.Ordinal);
        Assert.Equal(subnets.Select(x => x.Zone), lb.GetProperty("AvailabilityZones").EnumerateArray().Select(z => z.GetProperty("ZoneName").GetString()).Order());
        // CreateLoadBalancer is idempotent with the same settings; other settings under the name are refused.
        Assert.Equal(vpc, lb.GetProperty("VpcId").GetString());
        Assert.Equal(lbArn, (await _aws.Json("elbv2", "create-load-balancer", "--name", cluster, "--subnets", subnets[0].Id, subnets[1].Id,
            "--type", "application", "--scheme", "internet-facing")).GetProperty("LoadBalancers")[0].GetProperty("LoadBalancerArn").GetString());
        Assert.Contains("DuplicateLoadBalancerName", (await _aws.Run("elbv2", "create-load-balancer", "--name", cluster, "--subnets",
            subnets[0].Id, subnets[1].Id, "--scheme", "internal")).Stderr, StringComparison.Ordinal);

        var listener = (await _aws.Json("elbv2", "create-listener", "--load-balancer-arn", lbArn, "--protocol", "HTTP", "--port", "80",
            "--default-actions", $"Type=forward,TargetGroupArn={blue}")).GetProperty("Listeners")[0];
        var listenerArn = listener.GetProperty("ListenerArn").GetString()!;
        Assert.Contains("DuplicateListener", (await _aws.Run("elbv2", "create-listener", "--load-balancer-arn", lbArn, "--protocol", "HTTP", "--port", "80",
            "--default-actions", $"Type=forward,TargetGroupArn={blue}")).Stderr, StringComparison.Ordinal);
        await _aws.Json("elbv2", "create-rule", "--listener-arn", listenerArn, "--priority", "10",
            "--conditions", "Field=path-pattern,Values=/green/*", "--actions", $"Type=forward,TargetGroupArn={green}");
        await _aws.Json("elbv2", "create-rule", "--listener-arn", listenerArn, "--priority", "5",
            "--conditions", "Field=path-pattern,Values=/health", "--actions",
            """[{"Type":"fixed-response","FixedResponseConfig":{"StatusCode":"200","ContentType":"text/plain","MessageBody":"ok"}}]""");
        var taken = await _aws.Run("elbv2", "create-rule", "--listener-arn", listenerArn, "--priority", "10",
            "--conditions", "Field=path-pattern,Values=/other", "--actions", $"Type=forward,TargetGroupArn={green}");
        Assert.Contains("PriorityInUse", taken.Stderr, StringComparison.Ordinal);
        var rules = (await _aws.Json("elbv2", "describe-rules", "--listener-arn", listenerArn)).GetProperty("Rules").EnumerateArray().ToList();
        Assert.Equal(["5", "10", "default"], rules.Select(r => r.GetProperty("Priority").GetString()));

        // The workshop's frontend: 10 tasks, base 1 on FARGATE then 1:4 (B-CP-3): 3 FARGATE, 7 FARGATE_SPOT.
        await Service(cluster, "web-blue", blue, 10);
        await Service(cluster, "web-green", green, 2, "capacityProvider=FARGATE,weight=1");
        await Until("12 healthy targets and an active load balancer", async () =>
            (await Healthy(blue)) == 10 && (await Healthy(green)) == 2
            && (await _aws.Json("elbv2", "describe-load-balancers", "--load-balancer-arns", lbArn)).GetProperty("LoadBalancers")[0]
                .GetProperty("State").GetProperty("Code").GetString() == "active");

        using var http = new HttpClient();
        var views = JsonDocument.Parse(await http.GetStringAsync($"{silo.Endpoint}/emulator/load-balancers")).RootElement;
        var view = views.EnumerateArray().Single(v => v.GetProperty("name").GetString() == cluster);
        var url = view.GetProperty("listeners")[0].GetProperty("url").GetString()!;
        Assert.StartsWith($"http://{dns}:", url, StringComparison.Ordinal);

        // curl -s <load balancer> | jq, as the workshop's chapters end.
        var first = await Until200(url);
        var all = first.GetProperty("ALL_TASKS").EnumerateObject().ToList();
        Assert.Equal(10, all.Count);
        Assert.Equal(3, all.Count(t => t.Value.GetString() == "FARGATE"));
        Assert.Equal(7, all.Count(t => t.Value.GetString() == "FARGATE_SPOT"));
        Assert.Contains(all, t => t.Name == first.GetProperty("MY_ARN").GetString());
        Assert.Equal(all.Single(t => t.Name == first.GetProperty("MY_ARN").GetString()).Value.GetString(), first.GetProperty("MY_STRATEGY").GetString());
        Assert.Equal("web-blue", first.GetProperty("MY_SERVICE").GetString());
        var served = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < 10; i++)
        {
            var answer = (await Curl(url)).Json;
            served.Add(answer.GetProperty("MY_ARN").GetString()!);
            Assert.Contains(answer.GetProperty("MY_ARN").GetString()!, answer.GetProperty("ALL_TASKS").EnumerateObject().Select(t => t.Name));
        }

        // Requests spread over the frontend's tasks (its Fargate Spot tasks come and go at 600x, so which ones is not fixed).
        Assert.True(served.Count >= 2, $"{served.Count} task(s) answered 10 requests");

        // Round robin over the healthy targets, where the fleet holds still (web-green runs on FARGATE only): 10
        // requests, 5 to each of its 2 tasks.
        var greenServed = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < 10; i++)
        {
            var answer = (await Curl(url + "green/cart")).Json;
            Assert.Equal("web-green", answer.GetProperty("MY_SERVICE").GetString());
            greenServed[answer.GetProperty("MY_ARN").GetString()!] = greenServed.GetValueOrDefault(answer.GetProperty("MY_ARN").GetString()!) + 1;
        }

        Assert.Equal([5, 5], greenServed.Values);
        var health = await Curl(url + "health");
        Assert.Equal((200, "ok"), (health.Status, health.Body));

        // Forward weights (B-ELB-1): 3:1 between blue and green moves a quarter of the default rule's requests to green.
        await _aws.Json("elbv2", "modify-listener", "--listener-arn", listenerArn, "--default-actions",
            $$$"""[{"Type":"forward","ForwardConfig":{"TargetGroups":[{"TargetGroupArn":"{{{blue}}}","Weight":3},{"TargetGroupArn":"{{{green}}}","Weight":1}]}}]""");
        var described = (await _aws.Json("elbv2", "describe-listeners", "--listener-arns", listenerArn)).GetProperty("Listeners")[0]
            .GetProperty("DefaultActions")[0].GetProperty("ForwardConfig").GetProperty("TargetGroups").EnumerateArray()
            .Select(g => (g.GetProperty("TargetGroupArn").GetString(), g.GetProperty("Weight").GetInt32())).ToList();
        Assert.Equal([(blue, 3), (green, 1)], described);
        await Until("green answering on the default rule", async () => (await Curl(url)).Json.GetProperty("MY_SERVICE").GetString() == "web-green");
        var byService = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < 40; i++)
        {
            var s = (await Curl(url)).Json.GetProperty("MY_SERVICE").GetString()!;
            byService[s] = byService.GetValueOrDefault(s) + 1;
        }

        Assert.Equal(30, byService["web-blue"]);
        Assert.Equal(10, byService["web-green"]);

        // No target: the path rule's group emptied answers 503 as ELB does.
        await _aws.Json("ecs", "update-service", "--cluster", cluster, "--service", "web-green", "--desired-count", "0");
        await Until("503 from an empty target group", async () => (await Curl(url + "green/cart")).Status == 503);

        // The load balancer's own figures in CloudWatch (AWS/ApplicationELB by LoadBalancer).
        var dimension = lbArn[(lbArn.IndexOf(":loadbalancer/", StringComparison.Ordinal) + ":loadbalancer/".Length)..];
        await Until("RequestCount by LoadBalancer in CloudWatch", async () => await Sum(cluster, dimension, "RequestCount") >= 50);
        Assert.True(await Sum(cluster, dimension, "HTTPCode_ELB_5XX_Count") >= 1);

        // Deleting: a target group in use by a rule is refused; the load balancer's deletion closes its port.
        Assert.Contains("ResourceInUse", (await _aws.Run("elbv2", "delete-target-group", "--target-group-arn", green)).Stderr, StringComparison.Ordinal);
        await _aws.Run("elbv2", "delete-load-balancer", "--load-balancer-arn", lbArn);
        Assert.Contains("LoadBalancerNotFound", (await _aws.Run("elbv2", "describe-load-balancers", "--load-balancer-arns", lbArn)).Stderr, StringComparison.Ordinal);
        await Until("the port closed", async () => (await Curl(url)).Status is 0 or 503);
    }

    private string _subnets = "";

    private async Task<string> TargetGroup(string name, string vpc) =>
        (await _aws.Json("elbv2", "create-target-group", "--name", name, "--protocol", "HTTP", "--port", "80", "--vpc-id", vpc,
            "--target-type", "ip", "--healthy-threshold-count", "2", "--health-check-interval-seconds", "5", "--health-check-timeout-seconds", "2"))
        .GetProperty("TargetGroups")[0].GetProperty("TargetGroupArn").GetString()!;

    private async Task Service(string cluster, string name, string targetGroup, int count, string? strategy = null)
    {
        string[] args = ["ecs", "create-service", "--cluster", cluster, "--service-name", name, "--task-definition", cluster + "-web",
            "--desired-count", count.ToString(CultureInfo.InvariantCulture), "--load-balancers", $"targetGroupArn={targetGroup},containerName=web,containerPort=80",
            "--network-configuration", $"awsvpcConfiguration={{subnets=[{_subnets}],assignPublicIp=DISABLED}}"];
        var r = await _aws.Run(strategy is null ? args : [.. args, "--capacity-provider-strategy", strategy]);
        Assert.True(r.ExitCode == 0, r.Stderr);
    }

    private async Task<int> Healthy(string targetGroup) =>
        (await _aws.Json("elbv2", "describe-target-health", "--target-group-arn", targetGroup)).GetProperty("TargetHealthDescriptions").EnumerateArray()
        .Count(d => d.GetProperty("TargetHealth").GetProperty("State").GetString() == "healthy");

    private static Task<(int Status, string Body, JsonElement Json)> Curl(string url) => RealCurl.Get(url);

    private static async Task<JsonElement> Until200(string url)
    {
        JsonElement json = default;
        await Until("a 200 from the load balancer", async () =>
        {
            var r = await Curl(url);
            json = r.Json;
            return r.Status == 200 && r.Json.GetProperty("ALL_TASKS").EnumerateObject().Count() == 10;
        });
        return json;
    }

    private async Task<double> Sum(string cluster, string loadBalancer, string metric)
    {
        using var http = new HttpClient();
        var status = JsonDocument.Parse(await http.GetStringAsync($"{silo.Endpoint}/emulator/status/{cluster}")).RootElement;
        var now = DateTimeOffset.Parse(status.GetProperty("now").GetString()!, CultureInfo.InvariantCulture);
        var stats = await _aws.Json("cloudwatch", "get-metric-statistics", "--namespace", "AWS/ApplicationELB", "--metric-name", metric,
            "--dimensions", $"Name=LoadBalancer,Value={loadBalancer}",
            "--start-time", (now - TimeSpan.FromHours(3)).ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture),
            "--end-time", (now + TimeSpan.FromHours(1)).ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture),
            "--period", "60", "--statistics", "Sum");
        return stats.GetProperty("Datapoints").EnumerateArray().Sum(d => d.GetProperty("Sum").GetDouble());
    }

    private static Task Until(string what, Func<Task<bool>> condition) => EmulatorReads.Until(what, condition, TimeSpan.FromMinutes(4));
}
