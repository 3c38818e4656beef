using System.Collections.Immutable;
using System.Diagnostics;
using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using Emulator.Client;
using Emulator.Contracts;

namespace Emulator.Tests.Wire.MultiSilo;

/// <summary>
/// The dashboard (issue 15) in the durable mode: every silo serves the page and the same live view of a cluster,
/// whichever silo hosts its grains (the views read through the grains, nothing is kept per silo).
/// </summary>
[Collection(DashboardCollection.Name)]
public sealed partial class DashboardDurableModeTests
{
    [Fact]
    public async Task Every_silo_of_the_durable_mode_serves_the_page_and_the_same_cluster_view()
    {
        await using var silos = new SiloProcesses();
        await silos.StartRedisAsync();
        // One after the other: a silo joining validates connectivity with the first, which must be up.
        var ports = new List<int>();
        for (var i = 0; i < 2; i++)
        {
            ports.Add(HttpPort(silos, await silos.StartSiloAsync(60)));
        }

        await using var connection = await EmulatorConnection.ConnectAsync(0, silos.Redis, silos.ClusterId, CancellationToken.None);
        var control = connection.Grains.GetGrain<IEcsControlGrain>(GrainKeys.Control);

        const string cluster = "dash";
        await control.CreateCluster(new CreateClusterRequest(cluster, [], [], ImmutableDictionary<string, string>.Empty));
        await control.CreateAutoScalingGroup(new AsgSpec("dash-asg", 2, 2, 2, [], ["m5.large"], null, cluster,
            false, true, false, "1", ImmutableDictionary<string, string>.Empty, null, null));
        await control.CreateCapacityProvider(new CapacityProviderSpec("dash-cp", "dash-asg", ManagedScalingSpec.Default, true, false, ImmutableDictionary<string, string>.Empty));
        await control.PutClusterCapacityProviders(cluster, ["dash-cp"], [new CapacityProviderStrategyItem("dash-cp", 1, 0)]);
        var td = await control.RegisterTaskDefinition(new TaskDefinitionSpec("dash",
            [new ContainerDefinition("app", "public.ecr.aws/nginx/nginx:latest", 256, 512, null, true, [], null, 0)],
            null, null, NetworkMode.bridge, ["EC2"], [], ImmutableDictionary<string, string>.Empty));
        await control.CreateService(new CreateServiceRequest(cluster, "web", td.Arn, 3, null, [], [], [], SchedulingStrategy.REPLICA, 100, 200,
            ImmutableDictionary<string, string>.Empty, null));
        var sw = Stopwatch.StartNew();
        while ((await control.GetClusterStatus(cluster, false)).Cluster.RunningTasksCount < 3)
        {
            Assert.True(sw.Elapsed < TimeSpan.FromMinutes(3), "3 tasks did not reach RUNNING within 3 minutes");
            await Task.Delay(250);
        }

        using var http = new HttpClient();
        var views = new List<(HashSet<string> Instances, int Tasks)>();
        foreach (var port in ports)
        {
            var root = $"http://127.0.0.1:{port}";
            var page = await http.GetAsync(root + "/ui/clusters/" + cluster);
            Assert.Equal(HttpStatusCode.OK, page.StatusCode);
            Assert.Contains("/ui/assets/app.js", await page.Content.ReadAsStringAsync(), StringComparison.Ordinal);
            var module = await http.GetAsync(root + "/ui/assets/app.js");
            Assert.Equal(HttpStatusCode.OK, module.StatusCode);
            Assert.Equal("text/javascript", module.Content.Headers.ContentType?.MediaType);

            var list = JsonDocument.Parse(await http.GetStringAsync(root + "/emulator/ui/clusters")).RootElement;
            Assert.Contains(list.GetProperty("clusters").EnumerateArray(), c => c.GetProperty("name").GetString() == cluster);

            var snapshot = JsonDocument.Parse(await http.GetStringAsync(root + "/emulator/ui/clusters/" + cluster)).RootElement;
            var instances = snapshot.GetProperty("instances").EnumerateArray().ToList();
            views.Add((instances.Select(i => i.GetProperty("ec2").GetString()!).ToHashSet(), instances.Sum(i => i.GetProperty("t").GetArrayLength())));
            Assert.Equal("dash-cp", snapshot.GetProperty("lanes")[0].GetProperty("name").GetString());
        }

        Assert.All(views, v => Assert.Equal((2, 3), (v.Instances.Count, v.Tasks)));
        Assert.Equal(views[0].Instances, views[1].Instances);
    }

    /// <summary>The HTTP port a silo printed in its ready line.</summary>
    private static int HttpPort(SiloProcesses silos, Process silo)
    {
        var sw = Stopwatch.StartNew();
        while (sw.Elapsed < TimeSpan.FromSeconds(30))
        {
            string log;
            lock (silos.Logs[silo.Id])
            {
                log = silos.Logs[silo.Id].ToString();
            }

            if (ReadyLine().Match(log) is { Success: true } m)
            {
                return int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
            }

            Thread.Sleep(100);
        }

        Assert.Fail("the silo printed no ready line");
        return 0;
    }

    [GeneratedRegex(@"silo ready: HTTP http://127\.0\.0\.1:(\d+)")]
    private static partial Regex ReadyLine();
}
