using System.Diagnostics;
using System.Text.Json;
using Emulator.Tests.EndToEnd;

namespace Emulator.Tests.Wire;

/// <summary>
/// Application Auto Scaling and CloudWatch alarms with the real AWS CLI against a real silo (B-AS-1..6, B-CW-1, B-W-2):
/// the calls a user types, AWS's errors for bad input with nothing changed, and a step scaling policy driven by the
/// user's own alarm on a custom metric raising a service's desired count.
/// </summary>
[Collection(WireCollection.Name)]
public sealed class ServiceAutoScalingCliTests(SiloProcessFixture silo)
{
    private readonly AwsCli _aws = new(silo.Endpoint);

    private async Task<string> FargateService(string cluster)
    {
        await _aws.Json("ecs", "create-cluster", "--cluster-name", cluster);
        var file = Path.GetTempFileName();
        await File.WriteAllTextAsync(file, """
            {"family":"aas-web","networkMode":"awsvpc","requiresCompatibilities":["FARGATE"],"cpu":"256","memory":"512",
             "containerDefinitions":[{"name":"web","image":"nginx"}]}
            """);
        await _aws.Json("ecs", "register-task-definition", "--cli-input-json", "file://" + file);
        await _aws.Json("ecs", "create-service", "--cluster", cluster, "--service-name", "web", "--task-definition", "aas-web", "--desired-count", "1", "--launch-type", "FARGATE");
        return $"service/{cluster}/web";
    }

    private string[] Target(string resourceId) => ["--service-namespace", "ecs", "--scalable-dimension", "ecs:service:DesiredCount", "--resource-id", resourceId];

    private async Task AssertError(string code, params string[] args)
    {
        var r = await _aws.Run(args);
        Assert.True(r.ExitCode != 0, $"aws {string.Join(' ', args)} succeeded, expected {code}: {r.Stdout}");
        Assert.Contains($"({code})", r.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task B_AS_1_targets_policies_and_scheduled_actions_with_the_cli_and_bad_input_changes_nothing()
    {
        var cluster = EmulatorClusterFixture.Unique("aas-cli");
        var resourceId = await FargateService(cluster);

        // Registering for a service that does not exist is an error, as on AWS.
        await AssertError("ValidationException", ["application-autoscaling", "register-scalable-target", .. Target($"service/{cluster}/ghost"), "--min-capacity", "1", "--max-capacity", "2"]);
        // Debian's CLI model predates ScalableTargetARN: it prints nothing (the SDK test reads the ARN).
        var registered = await _aws.Run(["application-autoscaling", "register-scalable-target", .. Target(resourceId), "--min-capacity", "1", "--max-capacity", "5"]);
        Assert.True(registered.ExitCode == 0, registered.Stderr);

        // A negative capacity: ValidationException, the target keeps 1..5.
        await AssertError("ValidationException", ["application-autoscaling", "register-scalable-target", .. Target(resourceId), "--min-capacity", "-1", "--max-capacity", "5"]);
        await AssertError("ValidationException", ["application-autoscaling", "register-scalable-target", .. Target(resourceId), "--min-capacity", "6", "--max-capacity", "5"]);
        var targets = await _aws.Json("application-autoscaling", "describe-scalable-targets", "--service-namespace", "ecs", "--resource-ids", resourceId);
        var target = Assert.Single(targets.GetProperty("ScalableTargets").EnumerateArray());
        Assert.Equal((1, 5), (target.GetProperty("MinCapacity").GetInt32(), target.GetProperty("MaxCapacity").GetInt32()));
        Assert.False(target.GetProperty("SuspendedState").GetProperty("DynamicScalingInSuspended").GetBoolean());

        // A malformed cron and an unknown policy type: ValidationException, nothing created.
        await AssertError("ValidationException", ["application-autoscaling", "put-scheduled-action", .. Target(resourceId), "--scheduled-action-name", "bad", "--schedule", "cron(0 12 * *)",
            "--scalable-target-action", "MinCapacity=1,MaxCapacity=3"]);
        await AssertError("ValidationException", ["application-autoscaling", "put-scaling-policy", .. Target(resourceId), "--policy-name", "simple", "--policy-type", "SimpleScaling"]);
        Assert.Empty((await _aws.Json("application-autoscaling", "describe-scheduled-actions", "--service-namespace", "ecs", "--resource-id", resourceId)).GetProperty("ScheduledActions").EnumerateArray());
        Assert.Empty((await _aws.Json("application-autoscaling", "describe-scaling-policies", "--service-namespace", "ecs", "--resource-id", resourceId)).GetProperty("ScalingPolicies").EnumerateArray());

        // Target tracking: two alarms owned by the policy, visible in CloudWatch (B-AS-2).
        var policy = await _aws.Json(["application-autoscaling", "put-scaling-policy", .. Target(resourceId), "--policy-name", "cpu50", "--policy-type", "TargetTrackingScaling",
            "--target-tracking-scaling-policy-configuration", """{"TargetValue":50.0,"PredefinedMetricSpecification":{"PredefinedMetricType":"ECSServiceAverageCPUUtilization"},"ScaleInCooldown":120}"""]);
        var alarmNames = policy.GetProperty("Alarms").EnumerateArray().Select(a => a.GetProperty("AlarmName").GetString()!).ToList();
        Assert.Equal(2, alarmNames.Count);
        Assert.Matches($"^TargetTracking-{resourceId}-AlarmHigh-[0-9a-f-]{{36}}$", alarmNames[0]);
        Assert.Matches($"^TargetTracking-{resourceId}-AlarmLow-[0-9a-f-]{{36}}$", alarmNames[1]);
        var alarms = await _aws.Json("cloudwatch", "describe-alarms", "--alarm-name-prefix", $"TargetTracking-{resourceId}-");
        var high = alarms.GetProperty("MetricAlarms").EnumerateArray().Single(a => a.GetProperty("AlarmName").GetString() == alarmNames[0]);
        Assert.Equal(("CPUUtilization", "AWS/ECS", 3, 50.0, "GreaterThanThreshold"), (high.GetProperty("MetricName").GetString(), high.GetProperty("Namespace").GetString(),
            high.GetProperty("EvaluationPeriods").GetInt32(), high.GetProperty("Threshold").GetDouble(), high.GetProperty("ComparisonOperator").GetString()));
        Assert.Equal(policy.GetProperty("PolicyARN").GetString(), high.GetProperty("AlarmActions")[0].GetString());
        await AssertError("ValidationError", "cloudwatch", "delete-alarms", "--alarm-names", alarmNames[0]);

        var described = await _aws.Json("application-autoscaling", "describe-scaling-policies", "--service-namespace", "ecs", "--resource-id", resourceId);
        var config = Assert.Single(described.GetProperty("ScalingPolicies").EnumerateArray()).GetProperty("TargetTrackingScalingPolicyConfiguration");
        Assert.Equal(120, config.GetProperty("ScaleInCooldown").GetInt32());
        Assert.False(config.TryGetProperty("ScaleOutCooldown", out _)); // not given, not invented

        var scheduled = await _aws.Run(["application-autoscaling", "put-scheduled-action", .. Target(resourceId), "--scheduled-action-name", "night", "--schedule", "cron(0 2 * * ? *)",
            "--timezone", "Europe/Berlin", "--scalable-target-action", "MinCapacity=1,MaxCapacity=2"]);
        Assert.True(scheduled.ExitCode == 0, scheduled.Stderr);
        var actions = await _aws.Json("application-autoscaling", "describe-scheduled-actions", "--service-namespace", "ecs", "--resource-id", resourceId);
        Assert.Equal("Europe/Berlin", Assert.Single(actions.GetProperty("ScheduledActions").EnumerateArray()).GetProperty("Timezone").GetString());

        // Deregistering removes the policies and their alarms.
        var deregistered = await _aws.Run(["application-autoscaling", "deregister-scalable-target", .. Target(resourceId)]);
        Assert.True(deregistered.ExitCode == 0, deregistered.Stderr);
        Assert.Empty((await _aws.Json("cloudwatch", "describe-alarms", "--alarm-name-prefix", $"TargetTracking-{resourceId}-")).GetProperty("MetricAlarms").EnumerateArray());
        await AssertError("ObjectNotFoundException", ["application-autoscaling", "delete-scaling-policy", .. Target(resourceId), "--policy-name", "cpu50"]);
    }

    /// <summary>B-AS-3, B-AS-6, B-CW-1: put-metric-data above an alarm's threshold; the alarm's step policy sets the desired count.</summary>
    [Fact]
    public async Task B_AS_3_custom_metric_alarm_drives_a_step_policy_that_raises_the_desired_count()
    {
        var cluster = EmulatorClusterFixture.Unique("aas-step");
        var resourceId = await FargateService(cluster);
        Assert.Equal(0, (await _aws.Run(["application-autoscaling", "register-scalable-target", .. Target(resourceId), "--min-capacity", "1", "--max-capacity", "6"])).ExitCode);
        var policy = await _aws.Json(["application-autoscaling", "put-scaling-policy", .. Target(resourceId), "--policy-name", "backlog-step", "--policy-type", "StepScaling",
            "--step-scaling-policy-configuration", """{"AdjustmentType":"ChangeInCapacity","Cooldown":600,"StepAdjustments":[{"MetricIntervalLowerBound":0,"MetricIntervalUpperBound":100,"ScalingAdjustment":1},{"MetricIntervalLowerBound":100,"ScalingAdjustment":2}]}"""]);
        var policyArn = policy.GetProperty("PolicyARN").GetString()!;
        var ns = "Emulator/" + cluster;
        var alarm = cluster + "-backlog-high";
        var put = await _aws.Run("cloudwatch", "put-metric-alarm", "--alarm-name", alarm, "--namespace", ns, "--metric-name", "Backlog", "--statistic", "Maximum",
            "--period", "60", "--evaluation-periods", "1", "--threshold", "100", "--comparison-operator", "GreaterThanThreshold", "--alarm-actions", policyArn);
        Assert.True(put.ExitCode == 0, put.Stderr);

        // Bad input: 1,001 datums, an AWS/ namespace, a non-number.
        var many = Path.GetTempFileName();
        await File.WriteAllTextAsync(many, JsonSerializer.Serialize(Enumerable.Range(0, 1001).Select(i => new { MetricName = "Backlog", Value = i })));
        await AssertError("InvalidParameterValue", "cloudwatch", "put-metric-data", "--namespace", ns, "--metric-data", "file://" + many);
        await AssertError("InvalidParameterValue", "cloudwatch", "put-metric-data", "--namespace", "AWS/ECS", "--metric-name", "Backlog", "--value", "1");

        // 250 is 150 above the threshold: the second step, +2.
        var sw = Stopwatch.StartNew();
        int desired;
        do
        {
            var data = await _aws.Run("cloudwatch", "put-metric-data", "--namespace", ns, "--metric-name", "Backlog", "--value", "250");
            Assert.True(data.ExitCode == 0, data.Stderr);
            desired = (await _aws.Json("ecs", "describe-services", "--cluster", cluster, "--services", "web")).GetProperty("services")[0].GetProperty("desiredCount").GetInt32();
            Assert.True(sw.Elapsed < TimeSpan.FromMinutes(3), "the alarm never raised the desired count");
        }
        while (desired == 1);

        Assert.Equal(3, desired);
        var activities = await _aws.Json("application-autoscaling", "describe-scaling-activities", "--service-namespace", "ecs", "--resource-id", resourceId);
        var activity = activities.GetProperty("ScalingActivities")[0];
        Assert.Equal("Setting desired count to 3.", activity.GetProperty("Description").GetString());
        Assert.Equal($"monitor alarm {alarm} in state ALARM triggered policy backlog-step", activity.GetProperty("Cause").GetString());
        Assert.Equal("Successful", activity.GetProperty("StatusCode").GetString());
        Assert.Equal("Successfully set desired count to 3. Change successfully fulfilled by ecs.", activity.GetProperty("StatusMessage").GetString());

        // The alarm went to ALARM on the 250 datapoint (without more data it later goes back to INSUFFICIENT_DATA:
        // TreatMissingData missing, B-CW-1), as its history shows.
        var history = await _aws.Json("cloudwatch", "describe-alarm-history", "--alarm-name", alarm, "--history-item-type", "StateUpdate");
        var toAlarm = history.GetProperty("AlarmHistoryItems").EnumerateArray().Single(h => h.GetProperty("HistorySummary").GetString() == "Alarm updated from INSUFFICIENT_DATA to ALARM");
        Assert.Contains("Threshold Crossed: 1 out of the last 1 datapoint [250.0", toAlarm.GetProperty("HistoryData").GetString(), StringComparison.Ordinal);
        var disabled = await _aws.Run("cloudwatch", "disable-alarm-actions", "--alarm-names", alarm);
        Assert.True(disabled.ExitCode == 0, disabled.Stderr);
        Assert.False((await _aws.Json("cloudwatch", "describe-alarms", "--alarm-names", alarm)).GetProperty("MetricAlarms")[0].GetProperty("ActionsEnabled").GetBoolean());
        await AssertError("ResourceNotFound", "cloudwatch", "set-alarm-state", "--alarm-name", alarm + "-nope", "--state-value", "OK", "--state-reason", "x");
    }
}
