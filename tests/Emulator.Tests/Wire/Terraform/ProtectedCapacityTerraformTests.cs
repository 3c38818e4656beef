using System.Net;
using System.Text.Json.Nodes;
using Emulator.Tests.EndToEnd;
using Xunit.Abstractions;

namespace Emulator.Tests.Wire;

/// <summary>
/// tests/terraform/protected-capacity: the arguments real configurations use beyond the workshop examples (the default
/// VPC, AL2023's recommended-AMI document, inline and customer managed IAM policies, a versioned launch template with
/// block devices, network interfaces and metadata options, an Auto Scaling group with scale-in protection and a
/// capacity wait, managed termination protection, cluster configuration, a target group, and an awsvpc service on EC2 behind the target group)
/// apply without drift; awsvpc tasks run only on instances in their subnets' zones; a new launch template version
/// reaches the group; destroy leaves nothing behind.
/// </summary>
[Collection(TerraformCollection.Name)]
public sealed class ProtectedCapacityTerraformTests(TerraformSiloFixture silo, ITestOutputHelper output) : IClassFixture<TerraformSiloFixture>
{
    [TerraformFact]
    public async Task Protected_capacity_with_awsvpc_tasks_on_ec2_applies_without_drift_and_destroys_cleanly()
    {
        var name = EmulatorClusterFixture.Unique("tf-protected");
        using var tf = await TerraformWorkspace.Create("tests/terraform/protected-capacity", silo.Endpoint, output, ("name", name));
        using var read = new EmulatorReads(silo.Endpoint);

        await tf.Apply();
        var zones = (await tf.Outputs()).GetProperty("task_zones").GetProperty("value").EnumerateArray().Select(z => z.GetString()!).ToHashSet();
        Assert.Equal(2, zones.Count);
        var tasks = (await read.Tasks(name)).Where(t => (string?)t["lastStatus"] == "RUNNING").ToList();
        Assert.Equal(2, tasks.Count);
        Assert.All(tasks, t => Assert.Contains((string)t["availabilityZone"]!, zones));
        Assert.Equal(2, tasks.Select(t => (string)t["containerInstanceArn"]!).Distinct().Count());

        // The service's load_balancer block: its tasks are the target group's targets (ip targets of awsvpc tasks).
        var targetGroupArn = Value(await read.Http.Query("2015-12-01", "DescribeTargetGroups", ("Names.member.1", name + "-tg")), "TargetGroupArn");
        await EmulatorReads.Until("both tasks to be registered targets", async () =>
            (await read.Http.Query("2015-12-01", "DescribeTargetHealth", ("TargetGroupArn", targetGroupArn))).All("Target").Count() == 2);

        // B-CAS-7: managed termination protection keeps instances running tasks protected and unprotects the empty one,
        // which is the instance in the zone without a task subnet.
        var group = await read.Http.AutoScaling("DescribeAutoScalingGroups", ("AutoScalingGroupNames.member.1", name + "-asg"));
        var instances = group.All("Instances").SelectMany(i => i.Elements())
            .Select(i => (Zone: i.Elements().First(e => e.Name.LocalName == "AvailabilityZone").Value,
                          Protected: i.Elements().First(e => e.Name.LocalName == "ProtectedFromScaleIn").Value == "true"))
            .ToList();
        Assert.Equal(3, instances.Count);
        Assert.All(instances, i => Assert.Equal(zones.Contains(i.Zone), i.Protected));
        Assert.Contains(group.All("Tags").SelectMany(t => t.Elements()), t => t.Elements().Any(e => e.Name.LocalName == "Key" && e.Value == "CostCenter")
            && t.Elements().Any(e => e.Name.LocalName == "PropagateAtLaunch" && e.Value == "false"));
        var cluster = (await read.Http.Ok("DescribeClusters", new JsonObject { ["clusters"] = new JsonArray(name), ["include"] = new JsonArray("CONFIGURATIONS", "SETTINGS") }))["clusters"]![0]!;
        Assert.Equal("OVERRIDE", (string?)cluster["configuration"]!["executeCommandConfiguration"]!["logging"]);
        Assert.Equal("enhanced", (string?)cluster["settings"]![0]!["value"]);
        await tf.AssertNoDrift();

        // A new instance type: a new launch template version, made default, and the group follows it.
        await tf.Apply(("instance_type", "t3.large"));
        var versions = await read.Http.Ec2("DescribeLaunchTemplateVersions", ("LaunchTemplateName", Value(group, "LaunchTemplateName")), ("LaunchTemplateVersion.1", "$Default"));
        Assert.Equal(("2", "t3.large"), (versions.Value("versionNumber"), versions.Value("instanceType")));
        var updated = await read.Http.AutoScaling("DescribeAutoScalingGroups", ("AutoScalingGroupNames.member.1", name + "-asg"));
        Assert.Equal("2", updated.All("LaunchTemplate").First().Elements().First(e => e.Name.LocalName == "Version").Value);
        await tf.AssertNoDrift(("instance_type", "t3.large"));

        await tf.Destroy(("instance_type", "t3.large"));
        Assert.Equal("INACTIVE", (string?)(await read.Cluster(name))?["status"]);
        Assert.Null(await read.Group(name + "-asg"));
        var tg = await read.Http.Query("2015-12-01", "DescribeTargetGroups", ("Names.member.1", name + "-tg"));
        Assert.Equal("TargetGroupNotFound", tg.ErrorCode);
        var policies = await read.Http.Query("2010-05-08", "ListPolicies", ("Scope", "Local"));
        Assert.Equal(HttpStatusCode.OK, policies.Status);
        Assert.DoesNotContain(policies.All("PolicyName"), p => p.Value == name + "-describe");
        output.WriteLine("wall times: " + string.Join(", ", tf.Timings.Select(t => $"{t.Command} {t.Elapsed.TotalSeconds:F0} s")));
    }

    private static string Value(AwsHttp.QueryReply reply, string name) => reply.Value(name) ?? throw new InvalidOperationException($"no {name}");
}
