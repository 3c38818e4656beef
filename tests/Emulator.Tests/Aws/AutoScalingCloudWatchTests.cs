using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Xml.Linq;
using Emulator.Contracts;
using Emulator.Runtime;
using Emulator.Silo.Aws;
using Emulator.Tests.EndToEnd;
using Emulator.Tests.Model.Catalog;
using Microsoft.Extensions.DependencyInjection;
using Orleans.TestingHost;

namespace Emulator.Tests.Aws;

/// <summary>
/// EC2 Auto Scaling, EC2 and CloudWatch handlers (B-W-3, B-ASG-1..6, B-CAS-3..5) called through the operation table
/// against the shared in-process cluster.
/// </summary>
[Collection(EmulatorCollection.Name)]
public sealed class AutoScalingCloudWatchTests(EmulatorClusterFixture fixture) : IAsyncLifetime
{
    private static readonly string[] SeedOverrides = ["m5.large", "m5d.large", "m5a.large", "m5ad.large", "m5n.large", "m5dn.large", "m3.large", "m4.large", "t3.large", "t2.large"];

    private readonly EcsDriver _ecs = new(fixture);
    private AwsContext _context = null!;

    public Task InitializeAsync()
    {
        var silo = fixture.Cluster.Primary as InProcessSiloHandle ?? throw new InvalidOperationException("the test cluster runs in process");
        var runtime = silo.SiloHost.Services.GetRequiredService<EmulatorRuntime>();
        _context = new AwsContext(fixture.Grains, runtime, "test-request");
        return _ecs.InitializeAsync();
    }

    public Task DisposeAsync() => _ecs.DisposeAsync();

    [Fact]
    public async Task Workshop_launch_template_user_data_joins_the_named_cluster_with_spot_draining()
    {
        var cluster = await _ecs.CreateCluster("lt");
        var lt = EmulatorClusterFixture.Unique("ECSEC2SpotCapacityLaunchTemplate");
        var userData = Convert.ToBase64String(Encoding.UTF8.GetBytes(EcsAgentConfigTests.WorkshopUserData.Replace("EcsSpotWorkshop", cluster, StringComparison.Ordinal)));
        var created = await Query(AwsServices.Ec2, "CreateLaunchTemplate",
            ("LaunchTemplateName", lt), ("LaunchTemplateData.InstanceType", "m5.large"), ("LaunchTemplateData.ImageId", "ami-0abc"),
            ("LaunchTemplateData.UserData", userData));
        var ltId = created.Element("launchTemplate")!.Element("launchTemplateId")!.Value;
        Assert.StartsWith("lt-", ltId, StringComparison.Ordinal);

        var asg = EmulatorClusterFixture.Unique("ECSEC2SpotCapacity");
        var form = new List<(string, string)>
        {
            ("AutoScalingGroupName", asg), ("MinSize", "0"), ("MaxSize", "10"), ("DesiredCapacity", "2"),
            ("VPCZoneIdentifier", "subnet-0a1,subnet-0b2"),
            ("MixedInstancesPolicy.LaunchTemplate.LaunchTemplateSpecification.LaunchTemplateId", ltId),
            ("MixedInstancesPolicy.LaunchTemplate.LaunchTemplateSpecification.Version", "1"),
            ("MixedInstancesPolicy.InstancesDistribution.OnDemandBaseCapacity", "0"),
            ("MixedInstancesPolicy.InstancesDistribution.OnDemandPercentageAboveBaseCapacity", "0"),
            ("MixedInstancesPolicy.InstancesDistribution.SpotAllocationStrategy", "capacity-optimized"),
            ("Tags.member.1.Key", "Name"), ("Tags.member.1.Value", "spot"),
        };
        form.AddRange(SeedOverrides.Select((t, i) => ($"MixedInstancesPolicy.LaunchTemplate.Overrides.member.{i + 1}.InstanceType", t)));
        await Query(AwsServices.AutoScaling, "CreateAutoScalingGroup", [.. form]);

        var info = (await fixture.Grains.GetGrain<IAutoScalingGroupGrain>(asg).Describe())!;
        Assert.Equal(cluster, info.Spec.ClusterName);
        Assert.True(info.Spec.SpotDraining);
        Assert.Equal(SeedOverrides, info.Spec.InstanceTypes);
        Assert.Equal(new MixedInstancesSpec(0, 0, "capacity-optimized"), info.Spec.InstancesDistribution);

        await _ecs.WaitUntil("2 container instances registered", async () => (await _ecs.Status(cluster)).Instances.Length == 2, TimeSpan.FromMinutes(3));

        var groups = await Query(AwsServices.AutoScaling, "DescribeAutoScalingGroups", ("AutoScalingGroupNames.member.1", asg));
        var g = Assert.Single(groups.Element("AutoScalingGroups")!.Elements("member"));
        Assert.Equal("2", g.Element("DesiredCapacity")!.Value);
        Assert.Equal("capacity-optimized", g.Element("MixedInstancesPolicy")!.Element("InstancesDistribution")!.Element("SpotAllocationStrategy")!.Value);
        Assert.Equal(10, g.Element("MixedInstancesPolicy")!.Element("LaunchTemplate")!.Element("Overrides")!.Elements("member").Count());
        Assert.Equal("EC2", g.Element("HealthCheckType")!.Value);
        Assert.All(g.Element("Instances")!.Elements("member"), i => Assert.Equal("InService", i.Element("LifecycleState")!.Value));

        var ec2 = await Query(AwsServices.Ec2, "DescribeInstances", ("Filter.1.Name", "tag:aws:autoscaling:groupName"), ("Filter.1.Value.1", asg));
        var instances = ec2.Descendants("instancesSet").SelectMany(s => s.Elements("item")).ToList();
        Assert.Equal(2, instances.Count);
        Assert.All(instances, i => Assert.Equal("spot", i.Element("instanceLifecycle")!.Value));
        Assert.All(instances, i => Assert.Equal("running", i.Element("instanceState")!.Element("name")!.Value));

        var details = await Query(AwsServices.AutoScaling, "DescribeAutoScalingInstances");
        Assert.Equal(2, details.Element("AutoScalingInstances")!.Elements("member").Count(m => m.Element("AutoScalingGroupName")!.Value == asg));

        var activities = await Query(AwsServices.AutoScaling, "DescribeScalingActivities", ("AutoScalingGroupName", asg));
        Assert.Equal(2, activities.Element("Activities")!.Elements("member")
            .Count(a => a.Element("Description")!.Value.StartsWith("Launching a new EC2 instance: i-", StringComparison.Ordinal)));

        await Query(AwsServices.AutoScaling, "SetDesiredCapacity", ("AutoScalingGroupName", asg), ("DesiredCapacity", "1"));
        Assert.Equal(1, (await fixture.Grains.GetGrain<IAutoScalingGroupGrain>(asg).Describe())!.DesiredCapacity);
        await _ecs.WaitUntil("1 instance left", async () => (await fixture.Grains.GetGrain<IAutoScalingGroupGrain>(asg).Describe())!.Instances.Length == 1,
            TimeSpan.FromMinutes(3));
    }

    [Fact]
    public async Task EC2_TerminateInstances_is_replaced_by_the_group()
    {
        var cluster = await _ecs.CreateCluster("term");
        var lc = EmulatorClusterFixture.Unique("lc");
        await Query(AwsServices.AutoScaling, "CreateLaunchConfiguration", ("LaunchConfigurationName", lc), ("ImageId", "ami-1"), ("InstanceType", "t3.small"),
            ("UserData", Convert.ToBase64String(Encoding.UTF8.GetBytes($"#!/bin/bash\necho \"ECS_CLUSTER={cluster}\" >> /etc/ecs/ecs.config"))));
        var asg = EmulatorClusterFixture.Unique("asg");
        await Query(AwsServices.AutoScaling, "CreateAutoScalingGroup", ("AutoScalingGroupName", asg), ("MinSize", "1"), ("MaxSize", "3"),
            ("LaunchConfigurationName", lc), ("AvailabilityZones.member.1", "us-east-1a"));
        var grain = fixture.Grains.GetGrain<IAutoScalingGroupGrain>(asg);
        Assert.Equal(cluster, (await grain.Describe())!.Spec.ClusterName);
        await _ecs.WaitUntil("1 in service", async () => (await grain.Describe())!.InService == 1, TimeSpan.FromMinutes(2));
        var first = (await grain.Describe())!.Instances[0].InstanceId;

        var result = await Query(AwsServices.Ec2, "TerminateInstances", ("InstanceId.1", first));
        Assert.Equal(first, result.Element("instancesSet")!.Element("item")!.Element("instanceId")!.Value);
        await _ecs.WaitUntil("a replacement in service", async () => (await grain.Describe()) is { DesiredCapacity: 1, InService: 1 } i && i.Instances.All(x => x.InstanceId != first),
            TimeSpan.FromMinutes(3));

        var inUse = await Fails(AwsServices.AutoScaling, "DeleteLaunchConfiguration", ("LaunchConfigurationName", lc));
        Assert.Equal("ResourceInUse", inUse.Code);
        await Query(AwsServices.AutoScaling, "DeleteAutoScalingGroup", ("AutoScalingGroupName", asg), ("ForceDelete", "true"));
        await Query(AwsServices.AutoScaling, "DeleteLaunchConfiguration", ("LaunchConfigurationName", lc));
        Assert.Empty((await Query(AwsServices.AutoScaling, "DescribeAutoScalingGroups", ("AutoScalingGroupNames.member.1", asg))).Element("AutoScalingGroups")!.Elements());
    }

    [Fact]
    public async Task CAS_publishes_CPR_datapoints_policy_and_alarms()
    {
        var cluster = await _ecs.CreateCluster("cw");
        var (asg, provider) = await _ecs.CreateAsgProvider(cluster, "t3.small", min: 0, max: 10, desired: 0);
        await _ecs.Control.PutClusterCapacityProviders(cluster, [provider], [new CapacityProviderStrategyItem(provider, 1, 0)]);
        await _ecs.WaitUntil("3 CAS evaluations", async () => (await _ecs.Provider(provider)).Cas is { Evaluations: >= 3 }, TimeSpan.FromMinutes(10));

        var now = _context.Now;
        var start = QueryXml.Time(now - TimeSpan.FromHours(1));
        var end = QueryXml.Time(now + TimeSpan.FromMinutes(1));
        var stats = await Query(AwsServices.CloudWatch, "GetMetricStatistics",
            ("Namespace", "AWS/ECS/ManagedScaling"), ("MetricName", "CapacityProviderReservation"),
            ("Dimensions.member.1.Name", "ClusterName"), ("Dimensions.member.1.Value", cluster),
            ("Dimensions.member.2.Name", "CapacityProviderName"), ("Dimensions.member.2.Value", provider),
            ("StartTime", start), ("EndTime", end), ("Period", "60"), ("Statistics.member.1", "Average"), ("Statistics.member.2", "SampleCount"));
        var points = stats.Element("Datapoints")!.Elements("member").ToList();
        Assert.True(points.Sum(p => int.Parse(p.Element("SampleCount")!.Value, System.Globalization.CultureInfo.InvariantCulture)) >= 3, stats.ToString());
        Assert.All(points, p => Assert.Equal("100", p.Element("Average")!.Value)); // M = 0, N = 0 -> 100 (B-CAS-3)

        var json = await Json(AwsServices.CloudWatch, "GetMetricData", new JsonObject
        {
            ["StartTime"] = (now - TimeSpan.FromHours(1)).ToUnixTimeSeconds(),
            ["EndTime"] = (now + TimeSpan.FromMinutes(1)).ToUnixTimeSeconds(),
            ["MetricDataQueries"] = new JsonArray(new JsonObject
            {
                ["Id"] = "cpr",
                ["MetricStat"] = new JsonObject
                {
                    ["Metric"] = new JsonObject
                    {
                        ["Namespace"] = "AWS/ECS/ManagedScaling",
                        ["MetricName"] = "CapacityProviderReservation",
                        ["Dimensions"] = new JsonArray(
                            new JsonObject { ["Name"] = "CapacityProviderName", ["Value"] = provider },
                            new JsonObject { ["Name"] = "ClusterName", ["Value"] = cluster }),
                    },
                    ["Period"] = 60,
                    ["Stat"] = "Maximum",
                },
            }),
        });
        var result = json["MetricDataResults"]![0]!;
        Assert.True(result["Values"]!.AsArray().Count >= 2, json.ToJsonString());
        Assert.Equal(JsonValueKind.Number, result["Timestamps"]![0]!.GetValueKind());

        var metrics = await Query(AwsServices.CloudWatch, "ListMetrics", ("Namespace", "AWS/ECS/ManagedScaling"),
            ("Dimensions.member.1.Name", "CapacityProviderName"), ("Dimensions.member.1.Value", provider));
        Assert.Single(metrics.Element("Metrics")!.Elements("member"));

        var policies = await Query(AwsServices.AutoScaling, "DescribePolicies", ("AutoScalingGroupName", asg));
        var policy = Assert.Single(policies.Element("ScalingPolicies")!.Elements("member"));
        Assert.StartsWith("ECSManagedAutoScalingPolicy-", policy.Element("PolicyName")!.Value, StringComparison.Ordinal);
        Assert.Equal("TargetTrackingScaling", policy.Element("PolicyType")!.Value);
        Assert.Equal("100", policy.Element("TargetTrackingConfiguration")!.Element("TargetValue")!.Value);
        Assert.Equal(2, policy.Element("Alarms")!.Elements("member").Count());

        var alarms = await Json(AwsServices.CloudWatch, "DescribeAlarms", new JsonObject { ["AlarmNamePrefix"] = $"TargetTracking-{asg}-" });
        var list = alarms["MetricAlarms"]!.AsArray();
        Assert.Equal(2, list.Count);
        var high = list.Single(a => ((string)a!["AlarmName"]!).Contains("AlarmHigh", StringComparison.Ordinal))!;
        var low = list.Single(a => ((string)a!["AlarmName"]!).Contains("AlarmLow", StringComparison.Ordinal))!;
        Assert.Equal("GreaterThanThreshold", (string)high["ComparisonOperator"]!);
        Assert.Equal(1, (int)high["EvaluationPeriods"]!);
        Assert.Equal("LessThanThreshold", (string)low["ComparisonOperator"]!);
        Assert.Equal(15, (int)low["EvaluationPeriods"]!);
        Assert.Equal(100.0, (double)low["Threshold"]!);
        Assert.Equal("OK", (string)high["StateValue"]!);
        Assert.Equal(2, (await Query(AwsServices.CloudWatch, "DescribeAlarms", ("AlarmNamePrefix", $"TargetTracking-{asg}-"))).Element("MetricAlarms")!.Elements("member").Count());
    }

    /// <summary>B-W-4: GetMetricData pages data points with MaxDatapoints (PageSizes.CwGetMetricData) and NextToken.</summary>
    [Fact]
    public async Task GetMetricData_pages_datapoints_with_MaxDatapoints_and_NextToken()
    {
        var cluster = await _ecs.CreateCluster("cwpage");
        var (_, provider) = await _ecs.CreateAsgProvider(cluster, "t3.small", min: 0, max: 10, desired: 0);
        await _ecs.Control.PutClusterCapacityProviders(cluster, [provider], [new CapacityProviderStrategyItem(provider, 1, 0)]);
        await _ecs.WaitUntil("6 CAS evaluations", async () => (await _ecs.Provider(provider)).Cas is { Evaluations: >= 6 }, TimeSpan.FromMinutes(10));

        // A window that has closed (ends a minute before now), so no datapoint arrives in it between the calls.
        var now = _context.Now;
        var end = new DateTimeOffset(now.Year, now.Month, now.Day, now.Hour, now.Minute, 0, TimeSpan.Zero) - TimeSpan.FromMinutes(1);
        JsonObject Request(int? max, string? token)
        {
            var metric = new JsonObject
            {
                ["Namespace"] = "AWS/ECS/ManagedScaling", ["MetricName"] = "CapacityProviderReservation",
                ["Dimensions"] = new JsonArray(new JsonObject { ["Name"] = "CapacityProviderName", ["Value"] = provider }, new JsonObject { ["Name"] = "ClusterName", ["Value"] = cluster }),
            };
            var body = new JsonObject
            {
                ["StartTime"] = (end - TimeSpan.FromHours(1)).ToUnixTimeSeconds(), ["EndTime"] = end.ToUnixTimeSeconds(),
                ["MetricDataQueries"] = new JsonArray(
                    new JsonObject { ["Id"] = "a", ["MetricStat"] = new JsonObject { ["Metric"] = metric.DeepClone(), ["Period"] = 60, ["Stat"] = "Maximum" } },
                    new JsonObject { ["Id"] = "b", ["MetricStat"] = new JsonObject { ["Metric"] = metric.DeepClone(), ["Period"] = 60, ["Stat"] = "SampleCount" } }),
            };
            if (max is { } m)
            {
                body["MaxDatapoints"] = m;
            }

            if (token is not null)
            {
                body["NextToken"] = token;
            }

            return body;
        }

        var whole = await Json(AwsServices.CloudWatch, "GetMetricData", Request(null, null));
        Assert.Null(whole["NextToken"]);
        var expected = whole["MetricDataResults"]!.AsArray().SelectMany(r => r!["Timestamps"]!.AsArray().Select(t => $"{r["Id"]}@{t}")).ToList();
        Assert.True(expected.Count >= 4, whole.ToJsonString());

        var seen = new List<string>();
        string? next = null;
        var pages = 0;
        do
        {
            var page = await Json(AwsServices.CloudWatch, "GetMetricData", Request(3, next));
            var points = page["MetricDataResults"]!.AsArray().SelectMany(r => r!["Timestamps"]!.AsArray().Select(t => $"{r["Id"]}@{t}")).ToList();
            Assert.InRange(points.Count, 1, 3);
            seen.AddRange(points);
            next = (string?)page["NextToken"];
            if (next is not null)
            {
                Assert.Contains(page["MetricDataResults"]!.AsArray(), r => (string)r!["StatusCode"]! == "PartialData");
            }

            pages++;
        }
        while (next is not null && pages < 100);
        Assert.Equal(expected, seen);
        Assert.Equal((expected.Count + 2) / 3, pages);

        Assert.Equal(ErrorCodes.ValidationError, (await Assert.ThrowsAsync<EcsException>(() => Json(AwsServices.CloudWatch, "GetMetricData", Request(0, null)))).Code);
        Assert.Equal("InvalidNextToken", (await Assert.ThrowsAsync<EcsException>(() => Json(AwsServices.CloudWatch, "GetMetricData", Request(3, "bogus")))).Code);
    }

    [Fact]
    public async Task Bad_input_is_a_ValidationError_and_changes_nothing()
    {
        var asg = EmulatorClusterFixture.Unique("bad");
        var lc = EmulatorClusterFixture.Unique("lc");
        await Query(AwsServices.AutoScaling, "CreateLaunchConfiguration", ("LaunchConfigurationName", lc), ("ImageId", "ami-1"), ("InstanceType", "t3.small"));

        Assert.Equal("ValidationError", (await Fails(AwsServices.AutoScaling, "CreateAutoScalingGroup",
            ("AutoScalingGroupName", asg), ("MinSize", "3"), ("MaxSize", "1"), ("LaunchConfigurationName", lc))).Code);
        Assert.Equal("ValidationError", (await Fails(AwsServices.AutoScaling, "CreateAutoScalingGroup",
            ("AutoScalingGroupName", asg), ("MinSize", "0"), ("MaxSize", "1"))).Code);
        Assert.Equal("ValidationError", (await Fails(AwsServices.AutoScaling, "CreateAutoScalingGroup",
            ("AutoScalingGroupName", asg), ("MinSize", "0"), ("MaxSize", "1"), ("LaunchTemplate.LaunchTemplateName", "no-such-template"))).Code);
        Assert.Equal("ValidationError", (await Fails(AwsServices.AutoScaling, "CreateAutoScalingGroup",
            ("AutoScalingGroupName", asg), ("MinSize", "x"), ("MaxSize", "1"), ("LaunchConfigurationName", lc))).Code);
        Assert.Equal("ValidationError", (await Fails(AwsServices.AutoScaling, "CreateLaunchConfiguration",
            ("LaunchConfigurationName", EmulatorClusterFixture.Unique("lc")), ("ImageId", "ami-1"), ("InstanceType", "z9.huge"))).Code);
        Assert.Equal("ValidationError", (await Fails(AwsServices.AutoScaling, "CreateAutoScalingGroup",
            ("AutoScalingGroupName", asg), ("MinSize", "0"), ("MaxSize", "1"), ("LaunchConfigurationName", lc))).Code); // no zone or subnet
        Assert.Equal("ValidationError", (await Fails(AwsServices.AutoScaling, "CreateAutoScalingGroup", ("AutoScalingGroupName", asg), ("MinSize", "0"),
            ("MaxSize", "1"), ("LaunchConfigurationName", lc), ("VPCZoneIdentifier", "subnet-0123456789abcdef0"))).Code); // no such subnet
        Assert.Empty((await Query(AwsServices.AutoScaling, "DescribeAutoScalingGroups", ("AutoScalingGroupNames.member.1", asg))).Element("AutoScalingGroups")!.Elements());

        await Query(AwsServices.AutoScaling, "CreateAutoScalingGroup", ("AutoScalingGroupName", asg), ("MinSize", "0"), ("MaxSize", "2"),
            ("DesiredCapacity", "0"), ("LaunchConfigurationName", lc), ("AvailabilityZones.member.1", "us-east-1a"));
        Assert.Equal("AlreadyExists", (await Fails(AwsServices.AutoScaling, "CreateAutoScalingGroup", ("AutoScalingGroupName", asg), ("MinSize", "0"),
            ("MaxSize", "2"), ("LaunchConfigurationName", lc), ("AvailabilityZones.member.1", "us-east-1a"))).Code);
        Assert.Equal("ValidationError", (await Fails(AwsServices.AutoScaling, "SetDesiredCapacity", ("AutoScalingGroupName", asg), ("DesiredCapacity", "5"))).Code);
        Assert.Equal("ValidationError", (await Fails(AwsServices.AutoScaling, "UpdateAutoScalingGroup", ("AutoScalingGroupName", asg), ("MinSize", "3"))).Code);
        var info = (await fixture.Grains.GetGrain<IAutoScalingGroupGrain>(asg).Describe())!;
        Assert.Equal((0, 2, 0), (info.Spec.MinSize, info.Spec.MaxSize, info.DesiredCapacity));

        Assert.Equal("InvalidNextToken", (await Fails(AwsServices.AutoScaling, "DescribeAutoScalingGroups", ("NextToken", "garbage!"))).Code);
        Assert.Equal("InvalidLaunchTemplateName.NotFoundException", (await Fails(AwsServices.Ec2, "DescribeLaunchTemplates", ("LaunchTemplateName.1", "nope-nope"))).Code);
        Assert.Equal("InvalidParameterValue", (await Fails(AwsServices.CloudWatch, "GetMetricStatistics", ("Namespace", "AWS/ECS"), ("MetricName", "CPUReservation"),
            ("StartTime", "2026-01-01T00:00:00Z"), ("EndTime", "2026-01-01T01:00:00Z"), ("Period", "61"), ("Statistics.member.1", "Average"))).Code);
        await Query(AwsServices.AutoScaling, "DeleteAutoScalingGroup", ("AutoScalingGroupName", asg));
    }

    [Fact]
    public async Task Alarm_tags_are_the_creation_tags_then_every_change_and_go_with_the_alarm()
    {
        // Issue 14 (aws_cloudwatch_metric_alarm): ListTagsForResource returns what PutMetricAlarm created the alarm with,
        // TagResource / UntagResource change it, an update's Tags are ignored (as AWS does), DeleteAlarms forgets them.
        var name = EmulatorClusterFixture.Unique("alarm");
        (string, string)[] alarm = [("AlarmName", name), ("Namespace", "App/Tags"), ("MetricName", "Backlog"), ("Statistic", "Sum"), ("Period", "60"),
            ("EvaluationPeriods", "1"), ("Threshold", "10"), ("ComparisonOperator", "GreaterThanThreshold")];
        await Query(AwsServices.CloudWatch, "PutMetricAlarm", [.. alarm, ("Tags.member.1.Key", "team"), ("Tags.member.1.Value", "web")]);
        var arn = (string)(await Json(AwsServices.CloudWatch, "DescribeAlarms", new JsonObject { ["AlarmNames"] = new JsonArray(name) }))["MetricAlarms"]![0]!["AlarmArn"]!;
        Assert.Equal($"arn:aws:cloudwatch:{_context.Region}:{_context.Account}:alarm:{name}", arn);

        async Task<string> Tags() => string.Join(",", ((JsonArray)(await Json(AwsServices.CloudWatch, "ListTagsForResource", new JsonObject { ["ResourceARN"] = arn }))["Tags"]!)
            .Select(t => $"{t!["Key"]}={t["Value"]}"));
        Assert.Equal("team=web", await Tags());
        await Query(AwsServices.CloudWatch, "TagResource", ("ResourceARN", arn), ("Tags.member.1.Key", "env"), ("Tags.member.1.Value", "prod"),
            ("Tags.member.2.Key", "team"), ("Tags.member.2.Value", "ops"));
        Assert.Equal("env=prod,team=ops", await Tags());
        await Json(AwsServices.CloudWatch, "UntagResource", new JsonObject { ["ResourceARN"] = arn, ["TagKeys"] = new JsonArray("team") });
        Assert.Equal("env=prod", await Tags());
        await Query(AwsServices.CloudWatch, "PutMetricAlarm", [.. alarm, ("Tags.member.1.Key", "ignored"), ("Tags.member.1.Value", "x")]);
        Assert.Equal("env=prod", await Tags());

        // Bad input changes nothing.
        Assert.Equal("InvalidParameterValue", (await Fails(AwsServices.CloudWatch, "TagResource", ("ResourceARN", arn), ("Tags.member.1.Key", "aws:x"), ("Tags.member.1.Value", "1"))).Code);
        Assert.Equal("InvalidParameterValue", (await Fails(AwsServices.CloudWatch, "ListTagsForResource", ("ResourceARN", "arn:aws:ecs:us-east-1:1:cluster/x"))).Code);
        Assert.Equal("MissingParameter", (await Fails(AwsServices.CloudWatch, "UntagResource", ("ResourceARN", arn))).Code);
        Assert.Equal("env=prod", await Tags());

        // Deleted, then created again: the new alarm starts from its own creation tags; a missing alarm is ResourceNotFoundException.
        await Query(AwsServices.CloudWatch, "DeleteAlarms", ("AlarmNames.member.1", name));
        Assert.Equal("ResourceNotFoundException", (await Fails(AwsServices.CloudWatch, "ListTagsForResource", ("ResourceARN", arn))).Code);
        await Query(AwsServices.CloudWatch, "PutMetricAlarm", [.. alarm, ("Tags.member.1.Key", "team"), ("Tags.member.1.Value", "new")]);
        Assert.Equal("team=new", await Tags());
        await Query(AwsServices.CloudWatch, "DeleteAlarms", ("AlarmNames.member.1", name));
    }

    private Task<XElement> Query(string service, string operation, params (string Key, string Value)[] form)
    {
        var handler = OperationTable.Instance.Query(service, operation) ?? throw new InvalidOperationException($"{service}:{operation} not in the table");
        return handler(new QueryInput(form.ToDictionary(f => f.Key, f => f.Value, StringComparer.Ordinal)), _context);
    }

    private async Task<JsonObject> Json(string service, string operation, JsonObject body)
    {
        var handler = OperationTable.Instance.Json(service, operation) ?? throw new InvalidOperationException($"{service}:{operation} not in the table");
        using var doc = JsonDocument.Parse(body.ToJsonString());
        return await handler(new JsonInput(doc.RootElement.Clone()), _context);
    }

    private async Task<EcsException> Fails(string service, string operation, params (string Key, string Value)[] form) =>
        await Assert.ThrowsAsync<EcsException>(() => Query(service, operation, form));
}
