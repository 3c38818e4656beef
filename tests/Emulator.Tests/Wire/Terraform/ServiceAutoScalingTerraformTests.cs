using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using Emulator.Tests.EndToEnd;
using Xunit.Abstractions;

namespace Emulator.Tests.Wire;

/// <summary>
/// examples/terraform/service-auto-scaling with the real Terraform CLI against a silo of its own (issue 14 with issue
/// 11): aws_appautoscaling_target, a target tracking and a step scaling aws_appautoscaling_policy,
/// aws_cloudwatch_metric_alarm and aws_appautoscaling_scheduled_action apply and show no drift; the backlog alarm,
/// fed through PutMetricData, fires the step policy and the service scales out within the applied maximum (B-AS-3);
/// a new maximum and new alarm tags apply without drift; destroy leaves no target, policy, alarm or action behind.
/// </summary>
[Collection(TerraformCollection.Name)]
public sealed class ServiceAutoScalingTerraformTests(TerraformSiloFixture silo, ITestOutputHelper output) : IClassFixture<TerraformSiloFixture>
{
    [TerraformFact]
    public async Task Service_auto_scaling_applies_without_drift_scales_on_its_alarm_and_destroys_cleanly()
    {
        var name = EmulatorClusterFixture.Unique("tf-sas");
        var resourceId = $"service/{name}/worker";
        // The nightly action would run every 2.4 minutes of wall time at 600x and move the minimum under the test; here it
        // is yearly (1 January), still applied, described and destroyed.
        using var tf = await TerraformWorkspace.Create("examples/terraform/service-auto-scaling", silo.Endpoint, output, ("name", name),
            ("night_schedule", "cron(0 1 1 1 ? *)"));
        using var read = new EmulatorReads(silo.Endpoint);

        await tf.Apply();
        var target = await Target(read, resourceId);
        Assert.Equal((2, 10), ((int)target!["MinCapacity"]!, (int)target["MaxCapacity"]!));
        var policies = (await Aas(read, "DescribeScalingPolicies", resourceId))["ScalingPolicies"]!.AsArray();
        Assert.Equal(["backlog-steps", "cpu50"], policies.Select(p => (string)p!["PolicyName"]!).Order(StringComparer.Ordinal));
        var actions = (await Aas(read, "DescribeScheduledActions", resourceId))["ScheduledActions"]!.AsArray();
        Assert.Equal("cron(0 1 1 1 ? *)", (string)Assert.Single(actions)!["Schedule"]!);
        Assert.Equal(2, (int)(await read.Service(name, "worker"))["desiredCount"]!);
        await tf.AssertNoDrift();

        // The capacity loop under the applied configuration: a backlog of 300 for two minutes puts the alarm in ALARM,
        // its action (the step policy) adds a task; the desired count Terraform ignores changes, and the plan stays empty.
        var alarm = name + "-backlog-high";
        await EmulatorReads.Until("the backlog alarm to fire the step policy", async () =>
        {
            var put = await read.Http.Query("2010-08-01", "PutMetricData", ("Namespace", "App/" + name), ("MetricData.member.1.MetricName", "Backlog"),
                ("MetricData.member.1.Value", "300"));
            Assert.Equal(HttpStatusCode.OK, put.Status);
            return (int)(await read.Service(name, "worker"))["desiredCount"]! > 2;
        });

        // The alarm went to ALARM (it may be back to OK already: missing data is not breaching, and a minute is 0.1 s
        // here), and the scaling activity names it and the step policy.
        var history = await read.Http.Query("2010-08-01", "DescribeAlarmHistory", ("AlarmName", alarm), ("HistoryItemType", "StateUpdate"));
        Assert.Contains(history.All("HistorySummary"), h => h.Value.EndsWith("to ALARM", StringComparison.Ordinal));
        var activities = (await read.Http.Aas("DescribeScalingActivities", new JsonObject { ["ServiceNamespace"] = "ecs", ["ResourceId"] = resourceId })).Body;
        Assert.Contains(activities["ScalingActivities"]!.AsArray(), a => ((string)a!["Cause"]!).Contains($"alarm {alarm} in state ALARM triggered policy backlog-steps", StringComparison.Ordinal));
        Assert.InRange((int)(await read.Service(name, "worker"))["desiredCount"]!, 3, 10);
        await tf.AssertNoDrift();

        // A new maximum and a new threshold apply; still no drift.
        (string, string)[] v2 = [("max_capacity", "6"), ("backlog_threshold", "1000")];
        await tf.Apply(v2);
        Assert.Equal(6, (int)(await Target(read, resourceId))!["MaxCapacity"]!);
        var threshold = (await read.Http.Query("2010-08-01", "DescribeAlarms", ("AlarmNames.member.1", alarm))).Value("Threshold");
        Assert.Equal(1000, double.Parse(threshold!, CultureInfo.InvariantCulture));
        await tf.AssertNoDrift(v2);

        await tf.Destroy(v2);
        Assert.Null(await Target(read, resourceId));
        Assert.Empty((await Aas(read, "DescribeScalingPolicies", resourceId))["ScalingPolicies"]!.AsArray());
        Assert.Empty((await Aas(read, "DescribeScheduledActions", resourceId))["ScheduledActions"]!.AsArray());
        Assert.Empty((await read.Http.Query("2010-08-01", "DescribeAlarms", ("AlarmNames.member.1", alarm))).All("AlarmName"));
        Assert.Equal("INACTIVE", (string?)(await read.Cluster(name))?["status"]);

        await tf.Apply();
        Assert.Equal(10, (int)(await Target(read, resourceId))!["MaxCapacity"]!);
        await tf.AssertNoDrift();
        output.WriteLine("wall times: " + string.Join(", ", tf.Timings.Select(t => $"{t.Command} {t.Elapsed.TotalSeconds:F0} s")));
    }

    private static async Task<JsonObject> Aas(EmulatorReads read, string operation, string resourceId)
    {
        var r = await read.Http.Aas(operation, new JsonObject { ["ServiceNamespace"] = "ecs", ["ResourceId"] = resourceId, ["ScalableDimension"] = "ecs:service:DesiredCount" });
        Assert.True(r.Status == HttpStatusCode.OK, $"{operation}: {r.Body.ToJsonString()}");
        return r.Body;
    }

    private static async Task<JsonObject?> Target(EmulatorReads read, string resourceId)
    {
        var r = await read.Http.Aas("DescribeScalableTargets", new JsonObject { ["ServiceNamespace"] = "ecs", ["ResourceIds"] = new JsonArray(resourceId) });
        Assert.True(r.Status == HttpStatusCode.OK, r.Body.ToJsonString());
        return r.Body["ScalableTargets"]!.AsArray().FirstOrDefault()?.AsObject();
    }
}
