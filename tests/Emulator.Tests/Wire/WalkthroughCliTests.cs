using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Emulator.Tests.EndToEnd;

namespace Emulator.Tests.Wire;

/// <summary>
/// The seed talk's 3 -> 4 -> 2 walk-through (ECS-BEHAVIOR §9) driven only through the AWS API with the real CLI:
/// EC2 launch template with ECS_CLUSTER user data, Auto Scaling group, capacity provider, service; the
/// CapacityProviderReservation is read back through CloudWatch.
/// </summary>
[Collection(WireCollection.Name)]
public sealed class WalkthroughCliTests(SiloProcessFixture silo)
{
    private readonly AwsCli _aws = new(silo.Endpoint);

    [Fact]
    public async Task Seed_talk_walkthrough_through_the_api_with_cpr_from_cloudwatch()
    {
        var cluster = EmulatorClusterFixture.Unique("walk");
        var asg = cluster + "-asg";
        var provider = cluster + "-cp";
        var userData = Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes($"#!/bin/bash\necho ECS_CLUSTER={cluster} >> /etc/ecs/ecs.config\n"));
        await _aws.Json("ecs", "create-cluster", "--cluster-name", cluster);
        await _aws.Json("ec2", "create-launch-template", "--launch-template-name", cluster + "-lt",
            "--launch-template-data", $$"""{"ImageId":"ami-12345678","InstanceType":"t3.small","UserData":"{{userData}}"}""");
        var create = await _aws.Run("autoscaling", "create-auto-scaling-group", "--auto-scaling-group-name", asg,
            "--launch-template", $"LaunchTemplateName={cluster}-lt,Version=$Latest", "--min-size", "0", "--max-size", "10", "--desired-capacity", "3",
            "--availability-zones", "us-east-1a", "us-east-1b", "us-east-1c", "--new-instances-protected-from-scale-in");
        Assert.True(create.ExitCode == 0, create.Stderr);
        var asgArn = (await _aws.Json("autoscaling", "describe-auto-scaling-groups", "--auto-scaling-group-names", asg))
            .GetProperty("AutoScalingGroups")[0].GetProperty("AutoScalingGroupARN").GetString()!;
        await _aws.Json("ecs", "create-capacity-provider", "--name", provider, "--auto-scaling-group-provider",
            $"autoScalingGroupArn={asgArn},managedScaling={{status=ENABLED,targetCapacity=100}},managedTerminationProtection=ENABLED");
        await _aws.Json("ecs", "put-cluster-capacity-providers", "--cluster", cluster, "--capacity-providers", provider,
            "--default-capacity-provider-strategy", $"capacityProvider={provider},weight=1");
        await Until("3 container instances", async () => await Registered(cluster) == 3);

        var file = Path.GetTempFileName();
        await File.WriteAllTextAsync(file, """{"family":"walk-web","containerDefinitions":[{"name":"web","image":"nginx","cpu":256,"memory":512}]}""");
        await _aws.Json("ecs", "register-task-definition", "--cli-input-json", "file://" + file);
        await _aws.Json("ecs", "create-service", "--cluster", cluster, "--service-name", "web", "--task-definition", "walk-web",
            "--desired-count", "7", "--placement-strategy", "type=binpack,field=memory");
        await Until("7 running", async () => await Running(cluster) == 7);

        await _aws.Json("ecs", "update-service", "--cluster", cluster, "--service", "web", "--desired-count", "10");
        await Until("CPR 133 in CloudWatch", async () => (await CprDatapoints(cluster, provider)).Any(v => Math.Abs(v - 133.33) < 0.1));
        await Until("4 instances InService and 10 running", async () => await InService(asg) == 4 && await Running(cluster) == 10);

        await _aws.Json("ecs", "update-service", "--cluster", cluster, "--service", "web", "--desired-count", "4");
        await Until("2 instances InService", async () => await InService(asg) == 2);
        Assert.Equal(4, await Running(cluster));
        var alarms = (await _aws.Json("cloudwatch", "describe-alarms")).GetProperty("MetricAlarms").EnumerateArray()
            .Select(a => a.GetProperty("AlarmName").GetString()!).ToList();
        Assert.Contains(alarms, a => a.Contains(asg, StringComparison.Ordinal) && a.Contains("AlarmHigh", StringComparison.Ordinal));
    }

    private async Task<int> Running(string cluster)
    {
        var arns = (await _aws.Json("ecs", "list-tasks", "--cluster", cluster)).GetProperty("taskArns").EnumerateArray().Select(e => e.GetString()!).ToList();
        if (arns.Count == 0)
        {
            return 0;
        }

        var tasks = await _aws.Json(["ecs", "describe-tasks", "--cluster", cluster, "--tasks", .. arns]);
        return tasks.GetProperty("tasks").EnumerateArray().Count(t => t.GetProperty("lastStatus").GetString() == "RUNNING");
    }

    private async Task<int> Registered(string cluster)
    {
        using var http = new HttpClient();
        var status = JsonDocument.Parse(await http.GetStringAsync($"{silo.Endpoint}/emulator/status/{cluster}")).RootElement;
        return status.GetProperty("instances").EnumerateArray().Count(i => i.GetProperty("status").GetString() == "ACTIVE");
    }

    private async Task<int> InService(string asg) =>
        (await _aws.Json("autoscaling", "describe-auto-scaling-groups", "--auto-scaling-group-names", asg))
        .GetProperty("AutoScalingGroups")[0].GetProperty("Instances").EnumerateArray()
        .Count(i => i.GetProperty("LifecycleState").GetString() == "InService");

    private async Task<List<double>> CprDatapoints(string cluster, string provider)
    {
        using var http = new HttpClient();
        var status = JsonDocument.Parse(await http.GetStringAsync($"{silo.Endpoint}/emulator/status/{cluster}")).RootElement;
        var now = DateTimeOffset.Parse(status.GetProperty("now").GetString()!, CultureInfo.InvariantCulture);
        var stats = await _aws.Json("cloudwatch", "get-metric-statistics", "--namespace", "AWS/ECS/ManagedScaling", "--metric-name", "CapacityProviderReservation",
            "--dimensions", $"Name=ClusterName,Value={cluster}", $"Name=CapacityProviderName,Value={provider}",
            "--start-time", (now - TimeSpan.FromHours(3)).ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture),
            "--end-time", (now + TimeSpan.FromHours(1)).ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture),
            "--period", "60", "--statistics", "Maximum");
        return stats.GetProperty("Datapoints").EnumerateArray().Select(d => d.GetProperty("Maximum").GetDouble()).ToList();
    }

    private async Task Until(string what, Func<Task<bool>> condition)
    {
        // Generous: every CLI call is a Python process start, and CI runs the in-process suite beside this one.
        var sw = Stopwatch.StartNew();
        while (!await condition())
        {
            if (sw.Elapsed > TimeSpan.FromMinutes(6))
            {
                var groups = await _aws.Run("autoscaling", "describe-auto-scaling-groups");
                var activities = await _aws.Run("autoscaling", "describe-scaling-activities");
                Assert.Fail($"timed out waiting for {what}; groups: {groups.Stdout} {groups.Stderr}; activities: {activities.Stdout}");
            }

            await Task.Delay(500);
        }
    }
}
