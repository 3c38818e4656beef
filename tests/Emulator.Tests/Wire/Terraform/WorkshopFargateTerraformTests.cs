using Emulator.Tests.EndToEnd;
using Xunit.Abstractions;

namespace Emulator.Tests.Wire;

/// <summary>
/// examples/terraform/workshop-fargate (the seed workshop's Fargate chapter) with the real Terraform CLI against a silo
/// of its own, its subnets in two of the three zones: the 10 tasks split 3 FARGATE / 7 FARGATE_SPOT (B-CP-3 [seed 003])
/// and all land in their subnets' zones; the chapter's internal Application Load Balancer answers curl with the
/// workshop's ALL_TASKS (3 FARGATE / 7 FARGATE_SPOT) at its DNS name; no drift; a desired count and a new revision apply
/// and deploy; destroy leaves nothing behind (the load balancer's port closes); a second apply works.
/// </summary>
[Collection(TerraformCollection.Name)]
public sealed class WorkshopFargateTerraformTests(TerraformSiloFixture silo, ITestOutputHelper output) : IClassFixture<TerraformSiloFixture>
{
    [TerraformFact]
    public async Task Workshop_fargate_chapter_applies_in_its_subnets_zones_without_drift_and_destroys_cleanly()
    {
        var name = EmulatorClusterFixture.Unique("tf-fargate");
        const string service = "ecsdemo-capacityproviders-fargate";
        using var tf = await TerraformWorkspace.Create("examples/terraform/workshop-fargate", silo.Endpoint, output, ("name", name), ("zone_count", "2"));
        using var read = new EmulatorReads(silo.Endpoint);

        await tf.Apply();
        var zones = (await tf.Outputs()).GetProperty("subnet_zones").GetProperty("value").EnumerateArray().Select(z => z.GetString()!).ToHashSet();
        Assert.Equal(2, zones.Count);
        var tasks = await read.Tasks(name);
        Assert.Equal(10, tasks.Count(t => (string?)t["lastStatus"] == "RUNNING"));
        Assert.All(tasks, t => Assert.Contains((string)t["availabilityZone"]!, zones));
        var split = await read.RunningByProvider(name);
        Assert.Equal((3, 7), (split.GetValueOrDefault("FARGATE"), split.GetValueOrDefault("FARGATE_SPOT")));

        // curl -s <load balancer> | jq, as the chapter ends: the DNS name Terraform output, on the listener's data-plane port.
        var dns = (await tf.Outputs()).GetProperty("load_balancer_dns_name").GetProperty("value").GetString()!;
        Assert.StartsWith($"internal-{name}-", dns, StringComparison.Ordinal);
        var url = await ListenerUrl(dns);
        var answer = await Answer(url, 10);
        Assert.Equal(3, answer.GetProperty("ALL_TASKS").EnumerateObject().Count(t => t.Value.GetString() == "FARGATE"));
        Assert.Equal(7, answer.GetProperty("ALL_TASKS").EnumerateObject().Count(t => t.Value.GetString() == "FARGATE_SPOT"));
        Assert.Equal(service, answer.GetProperty("MY_SERVICE").GetString());
        Assert.Contains(answer.GetProperty("MY_AVAILABILITY_ZONE").GetString()!, zones);
        await tf.AssertNoDrift();

        // 20 tasks: base 1 + 19 split 1:4 (B-CP-3), still only in the subnets' zones.
        await tf.Apply(("desired_count", "20"));
        split = await read.RunningByProvider(name);
        Assert.Equal((5, 15), (split.GetValueOrDefault("FARGATE"), split.GetValueOrDefault("FARGATE_SPOT")));
        Assert.All(await read.Tasks(name), t => Assert.Contains((string)t["availabilityZone"]!, zones));
        await tf.AssertNoDrift(("desired_count", "20"));

        // A new revision deploys: every running task on it.
        (string, string)[] v2 = [("desired_count", "20"), ("app_image", "public.ecr.aws/aws-containers/ecsdemo-capacityproviders:v2")];
        await tf.Apply(v2);
        var revision = (string)(await read.Service(name, service))["taskDefinition"]!;
        Assert.EndsWith(":2", revision, StringComparison.Ordinal);
        Assert.All(await read.Tasks(name), t => Assert.Equal(revision, (string)t["taskDefinitionArn"]!));
        await tf.AssertNoDrift(v2);

        Assert.Equal(15, (await Answer(url, 20)).GetProperty("ALL_TASKS").EnumerateObject().Count(t => t.Value.GetString() == "FARGATE_SPOT"));

        await tf.Destroy(v2);
        Assert.Equal("INACTIVE", (string?)(await read.Cluster(name))?["status"]);
        // The load balancer is gone: its port closes within the data plane's next sync (a second).
        var closed = System.Diagnostics.Stopwatch.StartNew();
        while ((await RealCurl.Get(url)).Status != 0)
        {
            Assert.True(closed.Elapsed < TimeSpan.FromSeconds(30), "the destroyed load balancer's port still answers");
            await Task.Delay(250);
        }
        var vpcs = await read.Http.Ec2("DescribeVpcs", ("Filter.1.Name", "tag:Name"), ("Filter.1.Value.1", name + "-vpc"));
        Assert.Empty(vpcs.All("vpcId"));
        Assert.Equal("NoSuchEntity", (await read.Http.Query("2010-05-08", "GetRole", ("RoleName", name + "-task-execution"))).ErrorCode);

        await tf.Apply();
        Assert.Equal(10, (await read.Tasks(name)).Count(t => (string?)t["lastStatus"] == "RUNNING"));
        await tf.AssertNoDrift();
        output.WriteLine("wall times: " + string.Join(", ", tf.Timings.Select(t => $"{t.Command} {t.Elapsed.TotalSeconds:F0} s")));
    }

    /// <summary>The URL of the load balancer's listener at <paramref name="dns"/> (the emulator lists each listener's data-plane port).</summary>
    private async Task<string> ListenerUrl(string dns)
    {
        using var http = new HttpClient();
        var views = System.Text.Json.JsonDocument.Parse(await http.GetStringAsync($"{silo.Endpoint}/emulator/load-balancers")).RootElement;
        var url = views.EnumerateArray().Single(v => v.GetProperty("dnsName").GetString() == dns).GetProperty("listeners")[0].GetProperty("url").GetString()!;
        Assert.StartsWith($"http://{dns}:", url, StringComparison.Ordinal);
        return url;
    }

    /// <summary>The emulated app's answer once ALL_TASKS lists <paramref name="tasks"/> tasks (targets become healthy after two checks).</summary>
    private static async Task<System.Text.Json.JsonElement> Answer(string url, int tasks)
    {
        var sw = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            var r = await RealCurl.Get(url);
            if (r.Status == 200 && r.Json.GetProperty("ALL_TASKS").EnumerateObject().Count() == tasks)
            {
                return r.Json;
            }

            Assert.True(sw.Elapsed < TimeSpan.FromMinutes(2), $"the load balancer did not answer with {tasks} tasks: {r.Status} {r.Body}");
            await Task.Delay(250);
        }
    }
}
