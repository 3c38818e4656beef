using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Emulator.Silo.Aws;
using Emulator.Tests.EndToEnd;

namespace Emulator.Tests.Wire;

/// <summary>
/// B-W-4 pagination through the real endpoint: each operation pages at its <see cref="PageSizes"/> default and maximum,
/// rejects sizes out of range and tokens of other operations with the service's error, and its tokens walk the whole
/// list once; the real CLI's auto-pagination (<c>--page-size</c>, <c>--max-items</c>, <c>--starting-token</c>) works.
/// </summary>
[Collection(WireCollection.Name)]
public sealed class PaginationWireTests(SiloProcessFixture silo) : IDisposable
{
    private readonly AwsHttp _http = new(silo.Endpoint);
    private readonly AwsCli _aws = new(silo.Endpoint);

    public void Dispose() => _http.Dispose();

    /// <summary>Walks an ECS list operation with the given page size and returns every item, checking no page is over size.</summary>
    private async Task<List<string>> Walk(string operation, JsonObject request, string resultKey, int? size)
    {
        var all = new List<string>();
        string? token = null;
        for (var pages = 0; pages < 1000; pages++)
        {
            var body = (JsonObject)request.DeepClone();
            if (size is { } s)
            {
                body["maxResults"] = s;
            }

            if (token is not null)
            {
                body["nextToken"] = token;
            }

            var reply = await _http.Ok(operation, body);
            var items = reply[resultKey]!.AsArray().Select(n => n is JsonObject o ? $"{(string?)o["name"]}|{(string?)o["targetId"]}" : (string)n!).ToList();
            Assert.True(items.Count <= (size ?? int.MaxValue), $"{operation} page of {items.Count} over {size}");
            all.AddRange(items);
            token = (string?)reply["nextToken"];
            if (token is null)
            {
                return all;
            }
        }

        throw new InvalidOperationException("too many pages");
    }

    private async Task CheckEcsPaging(string operation, JsonObject request, string resultKey, PageSpec spec, int expectedAtLeast)
    {
        var everything = await Walk(operation, request, resultKey, spec.MaxSize);
        Assert.True(everything.Count >= expectedAtLeast, $"{operation}: {everything.Count} items, expected at least {expectedAtLeast}");
        Assert.Equal(everything.Count, everything.Distinct().Count());

        // Default page: DefaultSize items and a token when there are more.
        var first = await _http.Ok(operation, (JsonObject)request.DeepClone());
        Assert.Equal(Math.Min(spec.DefaultSize!.Value, everything.Count), first[resultKey]!.AsArray().Count);
        Assert.Equal(everything.Count > spec.DefaultSize, first["nextToken"] is not null);

        // Maximum page, and one over / under it.
        var max = (JsonObject)request.DeepClone();
        max["maxResults"] = spec.MaxSize;
        Assert.Equal(Math.Min(spec.MaxSize, everything.Count), (await _http.Ok(operation, max))[resultKey]!.AsArray().Count);
        foreach (var bad in new[] { spec.MaxSize + 1, 0 })
        {
            var b = (JsonObject)request.DeepClone();
            b["maxResults"] = bad;
            var r = await _http.Ecs(operation, b);
            Assert.Equal(HttpStatusCode.BadRequest, r.Status);
            Assert.Equal("InvalidParameterException", r.ErrorType);
        }

        // Small pages walk the same items in the same order, each once.
        Assert.Equal(everything, await Walk(operation, request, resultKey, 3));

        // A token from another operation, and a made-up one.
        var foreign = Paging.Encode(PageSizes.All.First(s => s.Operation != operation), "", 1);
        foreach (var token in new[] { foreign, "garbage!!" })
        {
            var b = (JsonObject)request.DeepClone();
            b["nextToken"] = token;
            var r = await _http.Ecs(operation, b);
            Assert.Equal("InvalidParameterException", r.ErrorType);
        }
    }

    [Fact]
    public async Task B_W_4_ecs_list_operations_page_at_the_aws_sizes()
    {
        var cluster = EmulatorClusterFixture.Unique("paging");
        var prefix = cluster.Replace("-", "", StringComparison.Ordinal);
        await _http.Ok("CreateCluster", new() { ["clusterName"] = cluster });
        await _http.Ok("PutClusterCapacityProviders", new()
        {
            ["cluster"] = cluster, ["capacityProviders"] = new JsonArray("FARGATE"), ["defaultCapacityProviderStrategy"] = new JsonArray(),
        });
        await _http.Ok("RegisterTaskDefinition", new()
        {
            ["family"] = prefix + "web", ["networkMode"] = "awsvpc", ["requiresCompatibilities"] = new JsonArray("FARGATE"), ["cpu"] = "256", ["memory"] = "512",
            ["containerDefinitions"] = new JsonArray(new JsonObject { ["name"] = "web", ["image"] = "nginx" }),
        });

        // 105 tasks, 12 services, 101 revisions of one family, 101 families, 101 clusters.
        var started = new List<string>();
        for (var i = 0; i < 11; i++)
        {
            var run = await _http.Ok("RunTask", new() { ["cluster"] = cluster, ["taskDefinition"] = prefix + "web", ["launchType"] = "FARGATE", ["count"] = i < 10 ? 10 : 5 });
            started.AddRange(run["tasks"]!.AsArray().Select(t => (string)t!["taskArn"]!));
        }

        for (var i = 0; i < 12; i++)
        {
            await _http.Ok("CreateService", new() { ["cluster"] = cluster, ["serviceName"] = $"s{i:D2}", ["taskDefinition"] = prefix + "web", ["desiredCount"] = 0, ["launchType"] = "FARGATE" });
        }

        var container = new JsonArray(new JsonObject { ["name"] = "c", ["image"] = "busybox", ["memory"] = 64 });
        for (var i = 0; i < 101; i++)
        {
            await _http.Ok("RegisterTaskDefinition", new() { ["family"] = prefix + "rev", ["containerDefinitions"] = container.DeepClone() });
            await _http.Ok("RegisterTaskDefinition", new() { ["family"] = $"{prefix}fam{i:D3}", ["containerDefinitions"] = container.DeepClone() });
            await _http.Ok("CreateCluster", new() { ["clusterName"] = $"{cluster}-c{i:D3}" });
        }

        await CheckEcsPaging("ListTasks", new() { ["cluster"] = cluster }, "taskArns", PageSizes.EcsListTasks, 105);
        Assert.Equal(started.Order(StringComparer.Ordinal), (await Walk("ListTasks", new() { ["cluster"] = cluster }, "taskArns", 100)).Order(StringComparer.Ordinal));
        await CheckEcsPaging("ListServices", new() { ["cluster"] = cluster }, "serviceArns", PageSizes.EcsListServices, 12);
        await CheckEcsPaging("ListTaskDefinitions", new() { ["familyPrefix"] = prefix + "rev" }, "taskDefinitionArns", PageSizes.EcsListTaskDefinitions, 101);
        await CheckEcsPaging("ListTaskDefinitionFamilies", new() { ["familyPrefix"] = prefix + "fam" }, "families", PageSizes.EcsListTaskDefinitionFamilies, 101);
        await CheckEcsPaging("ListClusters", new(), "clusterArns", PageSizes.EcsListClusters, 102);

        // The CLI pages by itself: --page-size sets maxResults, --max-items stops early and hands out a token to go on with.
        var cliAll = await _aws.Json("ecs", "list-tasks", "--cluster", cluster, "--page-size", "7");
        Assert.Equal(105, cliAll.GetProperty("taskArns").GetArrayLength());
        var firstTen = await _aws.Json("ecs", "list-tasks", "--cluster", cluster, "--max-items", "10", "--page-size", "4");
        Assert.Equal(10, firstTen.GetProperty("taskArns").GetArrayLength());
        var rest = await _aws.Json("ecs", "list-tasks", "--cluster", cluster, "--starting-token", firstTen.GetProperty("NextToken").GetString()!, "--page-size", "4");
        var cliWalk = firstTen.GetProperty("taskArns").EnumerateArray().Concat(rest.GetProperty("taskArns").EnumerateArray()).Select(e => e.GetString()!).ToList();
        Assert.Equal(started.Order(StringComparer.Ordinal), cliWalk.Order(StringComparer.Ordinal));
        var outOfRange = await _aws.Run("ecs", "list-tasks", "--cluster", cluster, "--max-results", "101");
        Assert.Contains("(InvalidParameterException)", outOfRange.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task B_W_4_instances_attributes_asg_and_ec2_pages()
    {
        var cluster = EmulatorClusterFixture.Unique("paging-ec2");
        var asg = cluster + "-asg";
        await _http.Ok("CreateCluster", new() { ["clusterName"] = cluster });
        var userData = Convert.ToBase64String(Encoding.UTF8.GetBytes($"#!/bin/bash\necho ECS_CLUSTER={cluster} >> /etc/ecs/ecs.config\n"));
        Assert.Null((await _http.Ec2("CreateLaunchTemplate", ("LaunchTemplateName", cluster + "-lt"), ("LaunchTemplateData.ImageId", "ami-12345678"),
            ("LaunchTemplateData.InstanceType", "t3.small"), ("LaunchTemplateData.UserData", userData))).ErrorCode);
        Assert.Null((await _http.AutoScaling("CreateAutoScalingGroup", ("AutoScalingGroupName", asg), ("LaunchTemplate.LaunchTemplateName", cluster + "-lt"),
            ("LaunchTemplate.Version", "$Latest"), ("MinSize", "0"), ("MaxSize", "120"), ("DesiredCapacity", "101"),
            ("AvailabilityZones.member.1", "us-east-1a"), ("AvailabilityZones.member.2", "us-east-1b"))).ErrorCode);

        var sw = Stopwatch.StartNew();
        while ((await Walk("ListContainerInstances", new() { ["cluster"] = cluster }, "containerInstanceArns", 100)).Count < 101)
        {
            Assert.True(sw.Elapsed < TimeSpan.FromMinutes(4), "101 container instances did not register");
            await Task.Delay(500);
        }

        await CheckEcsPaging("ListContainerInstances", new() { ["cluster"] = cluster }, "containerInstanceArns", PageSizes.EcsListContainerInstances, 101);
        await CheckEcsPaging("ListAttributes", new() { ["cluster"] = cluster, ["targetType"] = "container-instance", ["attributeName"] = "ecs.instance-type" },
            "attributes", PageSizes.EcsListAttributes, 101);

        // Auto Scaling: DescribeAutoScalingInstances max 50 (default 50), DescribeScalingActivities default 100.
        var instances = await QueryWalk((t, s) => _http.AutoScaling("DescribeAutoScalingInstances", With(t, s)), "InstanceId", 50);
        Assert.Equal(instances.Count, instances.Distinct().Count()); // other tests' groups are listed too
        Assert.True(instances.Count >= 101);
        var firstPage = await _http.AutoScaling("DescribeAutoScalingInstances");
        Assert.Equal(50, firstPage.All("AutoScalingInstances").Single().Elements().Count());
        Assert.Equal("ValidationError", (await _http.AutoScaling("DescribeAutoScalingInstances", ("MaxRecords", "51"))).ErrorCode);
        Assert.Equal("InvalidNextToken", (await _http.AutoScaling("DescribeAutoScalingInstances", ("NextToken", firstPage.Value("NextToken") + "x"))).ErrorCode);
        var activities = await _http.AutoScaling("DescribeScalingActivities", ("AutoScalingGroupName", asg));
        Assert.Equal(100, activities.All("Activities").Single().Elements().Count());
        Assert.NotNull(activities.Value("NextToken"));
        var activityIds = await QueryWalk((t, s) => _http.AutoScaling("DescribeScalingActivities", With(t, s, ("AutoScalingGroupName", asg))), "ActivityId", 9);
        Assert.Equal(activityIds.Count, activityIds.Distinct().Count());
        Assert.True(activityIds.Count >= 101);
        Assert.Equal("ValidationError", (await _http.AutoScaling("DescribeAutoScalingGroups", ("MaxRecords", "101"))).ErrorCode);

        // EC2: every instance without MaxResults, 5..1000 with it, not together with instance ids.
        var ec2All = await _http.Ec2("DescribeInstances", ("Filter.1.Name", "tag:aws:autoscaling:groupName"), ("Filter.1.Value.1", asg));
        var ids = ec2All.All("instanceId").Select(e => e.Value).ToList();
        Assert.Equal(101, ids.Count);
        Assert.Null(ec2All.Value("nextToken"));
        Assert.Subset(instances.ToHashSet(), ids.ToHashSet());
        var ec2Walk = await QueryWalk((t, s) => _http.Ec2("DescribeInstances", WithEc2(t, s, ("Filter.1.Name", "tag:aws:autoscaling:groupName"), ("Filter.1.Value.1", asg))), "instanceId", 5);
        Assert.Equal(ids, ec2Walk);
        Assert.Equal("InvalidParameterValue", (await _http.Ec2("DescribeInstances", ("MaxResults", "4"))).ErrorCode);
        Assert.Equal("InvalidParameterValue", (await _http.Ec2("DescribeInstances", ("MaxResults", "1001"))).ErrorCode);
        Assert.Equal("InvalidParameterCombination", (await _http.Ec2("DescribeInstances", ("MaxResults", "5"), ("InstanceId.1", ids[0]))).ErrorCode);
        Assert.Equal("InvalidPaginationToken", (await _http.Ec2("DescribeInstances", ("MaxResults", "5"), ("NextToken", "nope"))).ErrorCode);

        // The CLI pages EC2 and Auto Scaling by itself too.
        var cliIds = await _aws.Json("ec2", "describe-instances", "--page-size", "5", "--filters", $"Name=tag:aws:autoscaling:groupName,Values={asg}",
            "--query", "Reservations[].Instances[].InstanceId");
        Assert.Equal(ids.Order(StringComparer.Ordinal), cliIds.EnumerateArray().Select(e => e.GetString()!).Order(StringComparer.Ordinal));
        var cliAsg = await _aws.Json("autoscaling", "describe-auto-scaling-instances", "--page-size", "20", "--query", "AutoScalingInstances[].InstanceId");
        Assert.True(cliAsg.GetArrayLength() >= 101);
        Assert.Null((await _http.AutoScaling("DeleteAutoScalingGroup", ("AutoScalingGroupName", asg), ("ForceDelete", "true"))).ErrorCode);
    }

    [Fact]
    public async Task B_W_4_describe_capacity_providers_pages_by_10()
    {
        var prefix = EmulatorClusterFixture.Unique("paging-cp");
        for (var i = 0; i < 11; i++)
        {
            var lt = $"{prefix}-lt{i:D2}";
            Assert.Null((await _http.Ec2("CreateLaunchTemplate", ("LaunchTemplateName", lt), ("LaunchTemplateData.ImageId", "ami-12345678"),
                ("LaunchTemplateData.InstanceType", "t3.small"))).ErrorCode);
            Assert.Null((await _http.AutoScaling("CreateAutoScalingGroup", ("AutoScalingGroupName", $"{prefix}-asg{i:D2}"), ("LaunchTemplate.LaunchTemplateName", lt),
                ("MinSize", "0"), ("MaxSize", "1"), ("DesiredCapacity", "0"), ("AvailabilityZones.member.1", "us-east-1a"))).ErrorCode);
            await _http.Ok("CreateCapacityProvider", new()
            {
                ["name"] = $"{prefix}-cp{i:D2}",
                ["autoScalingGroupProvider"] = new JsonObject { ["autoScalingGroupArn"] = $"{prefix}-asg{i:D2}", ["managedScaling"] = new JsonObject { ["status"] = "DISABLED" } },
            });
        }

        // FARGATE, FARGATE_SPOT, these 11 and whatever other tests made: more than one page of 10.
        await CheckEcsPaging("DescribeCapacityProviders", new(), "capacityProviders", PageSizes.EcsDescribeCapacityProviders, 13);
        var named = await Walk("DescribeCapacityProviders", new() { ["capacityProviders"] = new JsonArray([.. Enumerable.Range(0, 11).Select(i => (JsonNode)$"{prefix}-cp{i:D2}")]) },
            "capacityProviders", 4);
        Assert.Equal(Enumerable.Range(0, 11).Select(i => $"{prefix}-cp{i:D2}|"), named.Order(StringComparer.Ordinal));
    }

    private static (string, string)[] With(string? token, int size, params (string, string)[] more) =>
        [.. more, ("MaxRecords", size.ToString(System.Globalization.CultureInfo.InvariantCulture)), .. token is null ? Array.Empty<(string, string)>() : [("NextToken", token)]];

    private static (string, string)[] WithEc2(string? token, int size, params (string, string)[] more) =>
        [.. more, ("MaxResults", size.ToString(System.Globalization.CultureInfo.InvariantCulture)), .. token is null ? Array.Empty<(string, string)>() : [("NextToken", token)]];

    private static async Task<List<string>> QueryWalk(Func<string?, int, Task<AwsHttp.QueryReply>> call, string itemElement, int size)
    {
        var all = new List<string>();
        string? token = null;
        for (var i = 0; i < 1000; i++)
        {
            var reply = await call(token, size);
            Assert.Null(reply.ErrorCode);
            var items = reply.All(itemElement).Select(e => e.Value).ToList();
            Assert.True(items.Count <= size);
            all.AddRange(items);
            token = reply.Value("NextToken") ?? reply.Value("nextToken");
            if (token is null)
            {
                return all;
            }
        }

        throw new InvalidOperationException("too many pages");
    }
}
