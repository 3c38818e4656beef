using System.Diagnostics;
using System.Net;
using System.Text.Json.Nodes;

namespace Emulator.Tests.Wire;

/// <summary>What the Terraform tests read back from the emulator, through its AWS API as a user would.</summary>
public sealed class EmulatorReads(string endpoint) : IDisposable
{
    public AwsHttp Http { get; } = new(endpoint);

    public void Dispose() => Http.Dispose();

    /// <summary>The cluster's non-STOPPED tasks (DescribeTasks of every ListTasks page).</summary>
    public async Task<List<JsonObject>> Tasks(string cluster, string? desiredStatus = "RUNNING")
    {
        var arns = new List<string>();
        string? token = null;
        do
        {
            var list = new JsonObject { ["cluster"] = cluster, ["maxResults"] = 100 };
            if (desiredStatus is not null)
            {
                list["desiredStatus"] = desiredStatus;
            }

            if (token is not null)
            {
                list["nextToken"] = token;
            }

            var page = await Http.Ok("ListTasks", list);
            arns.AddRange(page["taskArns"]!.AsArray().Select(a => (string)a!));
            token = (string?)page["nextToken"];
        }
        while (token is not null);

        var tasks = new List<JsonObject>();
        foreach (var chunk in arns.Chunk(100))
        {
            var d = await Http.Ok("DescribeTasks", new JsonObject { ["cluster"] = cluster, ["tasks"] = new JsonArray([.. chunk.Select(a => (JsonNode)a)]) });
            tasks.AddRange(d["tasks"]!.AsArray().Select(t => t!.AsObject()));
        }

        return tasks;
    }

    /// <summary>RUNNING tasks per capacity provider.</summary>
    public async Task<Dictionary<string, int>> RunningByProvider(string cluster) =>
        (await Tasks(cluster)).Where(t => (string?)t["lastStatus"] == "RUNNING")
            .GroupBy(t => (string?)t["capacityProviderName"] ?? (string)t["launchType"]!)
            .ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);

    public async Task<JsonObject> Service(string cluster, string service)
    {
        var d = await Http.Ok("DescribeServices", new JsonObject { ["cluster"] = cluster, ["services"] = new JsonArray(service) });
        return d["services"]!.AsArray().Single()!.AsObject();
    }

    public async Task<JsonObject?> Cluster(string cluster)
    {
        var d = await Http.Ok("DescribeClusters", new JsonObject { ["clusters"] = new JsonArray(cluster) });
        return d["clusters"]!.AsArray().FirstOrDefault()?.AsObject();
    }

    /// <summary>A group's DesiredCapacity and instance count, or null when the group does not exist.</summary>
    public async Task<(int Desired, int Instances)?> Group(string name)
    {
        var r = await Http.AutoScaling("DescribeAutoScalingGroups", ("AutoScalingGroupNames.member.1", name));
        Assert.True(r.Status == HttpStatusCode.OK, r.Body.ToString());
        var group = r.All("AutoScalingGroups").SelectMany(g => g.Elements()).FirstOrDefault();
        return group is null ? null
            : (int.Parse(group.Elements().First(e => e.Name.LocalName == "DesiredCapacity").Value, System.Globalization.CultureInfo.InvariantCulture),
               group.Elements().Where(e => e.Name.LocalName == "Instances").SelectMany(e => e.Elements()).Count());
    }

    /// <summary>Polls until the condition holds (wall-clock wire test against a real silo).</summary>
    public static async Task Until(string what, Func<Task<bool>> condition, TimeSpan? timeout = null)
    {
        var sw = Stopwatch.StartNew();
        while (!await condition())
        {
            Assert.True(sw.Elapsed < (timeout ?? TimeSpan.FromMinutes(3)), "timed out waiting for " + what);
            await Task.Delay(500);
        }
    }
}
