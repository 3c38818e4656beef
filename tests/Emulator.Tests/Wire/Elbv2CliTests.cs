using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using Emulator.Tests.EndToEnd;

namespace Emulator.Tests.Wire;

/// <summary>
/// The workshop's load balancer settings through the real AWS CLI (B-LB-1, B-LB-2, B-W-4): an ELB v2 target group with
/// healthy threshold 2, 30 s checks and deregistration delay 90 s, a service naming it, describe-target-health showing
/// the tasks healthy; then the emulator's traffic endpoint and the AWS/ApplicationELB metrics in CloudWatch.
/// </summary>
[Collection(WireCollection.Name)]
public sealed class Elbv2CliTests(SiloProcessFixture silo)
{
    private readonly AwsCli _aws = new(silo.Endpoint);

    [Fact]
    public async Task B_LB_1_workshop_target_group_and_service_show_healthy_targets_through_the_cli()
    {
        var cluster = EmulatorClusterFixture.Unique("elb");
        var tgName = cluster + "-tg";
        var userData = Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes($"#!/bin/bash\necho ECS_CLUSTER={cluster} >> /etc/ecs/ecs.config\n"));
        await _aws.Json("ecs", "create-cluster", "--cluster-name", cluster);
        await _aws.Json("ec2", "create-launch-template", "--launch-template-name", cluster + "-lt",
            "--launch-template-data", $$"""{"ImageId":"ami-12345678","InstanceType":"m5.large","UserData":"{{userData}}"}""");
        var create = await _aws.Run("autoscaling", "create-auto-scaling-group", "--auto-scaling-group-name", cluster + "-asg",
            "--launch-template", $"LaunchTemplateName={cluster}-lt,Version=$Latest", "--min-size", "1", "--max-size", "1", "--desired-capacity", "1",
            "--availability-zones", "us-east-1a");
        Assert.True(create.ExitCode == 0, create.Stderr);

        var tg = (await _aws.Json("elbv2", "create-target-group", "--name", tgName, "--protocol", "HTTP", "--port", "80", "--vpc-id", "vpc-0123456789abcdef0",
            "--target-type", "instance", "--healthy-threshold-count", "2", "--health-check-interval-seconds", "30"))
            .GetProperty("TargetGroups")[0];
        var tgArn = tg.GetProperty("TargetGroupArn").GetString()!;
        Assert.StartsWith($"arn:aws:elasticloadbalancing:us-east-1:000000000000:targetgroup/{tgName}/", tgArn, StringComparison.Ordinal);
        Assert.Equal(2, tg.GetProperty("HealthyThresholdCount").GetInt32());
        Assert.Equal(2, tg.GetProperty("UnhealthyThresholdCount").GetInt32());
        Assert.Equal(30, tg.GetProperty("HealthCheckIntervalSeconds").GetInt32());
        Assert.Equal("instance", tg.GetProperty("TargetType").GetString());

        var attributes = await _aws.Json("elbv2", "modify-target-group-attributes", "--target-group-arn", tgArn,
            "--attributes", "Key=deregistration_delay.timeout_seconds,Value=90");
        Assert.Equal("90", Attribute(attributes, "deregistration_delay.timeout_seconds"));
        Assert.Equal("90", Attribute(await _aws.Json("elbv2", "describe-target-group-attributes", "--target-group-arn", tgArn), "deregistration_delay.timeout_seconds"));

        var missing = await _aws.Run("elbv2", "describe-target-groups", "--names", "no-such-group");
        Assert.NotEqual(0, missing.ExitCode);
        Assert.Contains("TargetGroupNotFound", missing.Stderr, StringComparison.Ordinal);
        var bad = await _aws.Run("elbv2", "create-target-group", "--name", tgName + "-x", "--protocol", "HTTP", "--port", "80", "--vpc-id", "vpc-1",
            "--health-check-interval-seconds", "301");
        Assert.Contains("ValidationError", bad.Stderr, StringComparison.Ordinal);

        var file = Path.GetTempFileName();
        await File.WriteAllTextAsync(file, $$"""{"family":"{{cluster}}-web","containerDefinitions":[{"name":"web","image":"nginx","cpu":256,"memory":512,"portMappings":[{"containerPort":80,"hostPort":0}]}]}""");
        await _aws.Json("ecs", "register-task-definition", "--cli-input-json", "file://" + file);
        var unknown = await _aws.Run("ecs", "create-service", "--cluster", cluster, "--service-name", "nope", "--task-definition", cluster + "-web",
            "--desired-count", "1", "--load-balancers", "targetGroupArn=arn:aws:elasticloadbalancing:us-east-1:000000000000:targetgroup/absent/0123456789abcdef,containerName=web,containerPort=80");
        Assert.Contains("InvalidParameterException", unknown.Stderr, StringComparison.Ordinal);

        var service = (await _aws.Json("ecs", "create-service", "--cluster", cluster, "--service-name", "web", "--task-definition", cluster + "-web",
            "--desired-count", "2", "--launch-type", "EC2", "--load-balancers", $"targetGroupArn={tgArn},containerName=web,containerPort=80"))
            .GetProperty("service");
        var lb = service.GetProperty("loadBalancers")[0];
        Assert.Equal(tgArn, lb.GetProperty("targetGroupArn").GetString());
        Assert.Equal(80, lb.GetProperty("containerPort").GetInt32());

        await Until("2 healthy targets", async () => (await Health(tgArn)).Count(h => h.State == "healthy") == 2);
        var health = await Health(tgArn);
        Assert.All(health, h => Assert.StartsWith("i-", h.Id, StringComparison.Ordinal));
        Assert.All(health, h => Assert.InRange(h.Port, 32768, 65535)); // bridge mode, dynamic host port

        var inUse = await _aws.Run("elbv2", "delete-target-group", "--target-group-arn", tgArn);
        Assert.Contains("ResourceInUse", inUse.Stderr, StringComparison.Ordinal);

        // Synthetic traffic (an emulator feature) and its AWS/ApplicationELB figures in CloudWatch.
        using var http = new HttpClient();
        var post = await http.PostAsync($"{silo.Endpoint}/emulator/traffic/{cluster}/web", JsonContent.Create(new { requestsPerSecond = 100 }));
        Assert.True(post.IsSuccessStatusCode, await post.Content.ReadAsStringAsync());
        var invalid = await http.PostAsync($"{silo.Endpoint}/emulator/traffic/{cluster}/web", JsonContent.Create(new { requestsPerSecond = -5 }));
        Assert.Equal(System.Net.HttpStatusCode.BadRequest, invalid.StatusCode);
        await Until("RequestCount in CloudWatch", async () => (await Sum(cluster, tgArn, "RequestCount")) > 0);
        var figures = JsonDocument.Parse(await http.GetStringAsync($"{silo.Endpoint}/emulator/traffic/{cluster}")).RootElement[0];
        Assert.Equal("web", figures.GetProperty("service").GetString());
        Assert.Equal(0, figures.GetProperty("failed").GetDouble());
        Assert.Equal(2, figures.GetProperty("healthyHosts").GetInt32());
        Assert.Equal(0, await Sum(cluster, tgArn, "HTTPCode_ELB_5XX_Count"));
    }

    private static string Attribute(JsonElement result, string key) =>
        result.GetProperty("Attributes").EnumerateArray().Single(a => a.GetProperty("Key").GetString() == key).GetProperty("Value").GetString()!;

    private async Task<List<(string Id, int Port, string State)>> Health(string tgArn) =>
        (await _aws.Json("elbv2", "describe-target-health", "--target-group-arn", tgArn)).GetProperty("TargetHealthDescriptions").EnumerateArray()
        .Select(d => (d.GetProperty("Target").GetProperty("Id").GetString()!, d.GetProperty("Target").GetProperty("Port").GetInt32(),
            d.GetProperty("TargetHealth").GetProperty("State").GetString()!))
        .ToList();

    private async Task<double> Sum(string cluster, string tgArn, string metric)
    {
        using var http = new HttpClient();
        var status = JsonDocument.Parse(await http.GetStringAsync($"{silo.Endpoint}/emulator/status/{cluster}")).RootElement;
        var now = DateTimeOffset.Parse(status.GetProperty("now").GetString()!, CultureInfo.InvariantCulture);
        var stats = await _aws.Json("cloudwatch", "get-metric-statistics", "--namespace", "AWS/ApplicationELB", "--metric-name", metric,
            "--dimensions", $"Name=TargetGroup,Value={tgArn[tgArn.IndexOf("targetgroup/", StringComparison.Ordinal)..]}",
            "--start-time", (now - TimeSpan.FromHours(3)).ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture),
            "--end-time", (now + TimeSpan.FromHours(1)).ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture),
            "--period", "60", "--statistics", "Sum");
        return stats.GetProperty("Datapoints").EnumerateArray().Sum(d => d.GetProperty("Sum").GetDouble());
    }

    private static async Task Until(string what, Func<Task<bool>> condition)
    {
        var sw = Stopwatch.StartNew();
        while (!await condition())
        {
            Assert.True(sw.Elapsed < TimeSpan.FromMinutes(4), "timed out waiting for " + what);
            await Task.Delay(500);
        }
    }
}
