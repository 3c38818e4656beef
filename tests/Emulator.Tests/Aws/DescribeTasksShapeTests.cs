using System.Text.Json.Nodes;
using Emulator.Tests.EndToEnd;

namespace Emulator.Tests.Aws;

/// <summary>
/// DescribeTasks remembers task shapes per task record (the requests/s hot path): repeated calls answer the same
/// shape, and a task that changes (B-TL-2: a new record, a new version) is shown as it is now, never from the cache.
/// </summary>
[Collection(EmulatorCollection.Name)]
public sealed class DescribeTasksShapeTests(EmulatorClusterFixture fixture) : IAsyncLifetime
{
    private readonly EcsDriver _ecs = new(fixture);
    private readonly InProcessAws _aws = new(fixture);

    public Task InitializeAsync() => _ecs.InitializeAsync();

    public Task DisposeAsync() => _ecs.DisposeAsync();

    private Task<JsonObject> Ecs(string operation, JsonObject body) => _aws.Ecs(operation, body);

    [Fact]
    public async Task Repeated_DescribeTasks_answer_the_same_shape_and_changes_show_at_once()
    {
        var cluster = await _ecs.CreateCluster("shape");
        await Ecs("PutClusterCapacityProviders", new() { ["cluster"] = cluster, ["capacityProviders"] = new JsonArray("FARGATE"), ["defaultCapacityProviderStrategy"] = new JsonArray() });
        var family = cluster.Replace("-", "", StringComparison.Ordinal);
        await Ecs("RegisterTaskDefinition", new()
        {
            ["family"] = family, ["networkMode"] = "awsvpc", ["requiresCompatibilities"] = new JsonArray("FARGATE"), ["cpu"] = "256", ["memory"] = "512",
            ["containerDefinitions"] = new JsonArray(new JsonObject { ["name"] = "web", ["image"] = "nginx" }),
        });
        var run = await Ecs("RunTask", new() { ["cluster"] = cluster, ["taskDefinition"] = family, ["launchType"] = "FARGATE", ["count"] = 2 });
        var arns = run["tasks"]!.AsArray().Select(t => (string)t!["taskArn"]!).ToList();
        var request = new JsonObject { ["cluster"] = cluster, ["tasks"] = new JsonArray([.. arns.Select(a => (JsonNode)a)]) };

        // Compare two answers once the tasks are RUNNING and HEALTHY (attachment PRECREATED -> ATTACHED, healthStatus
        // UNKNOWN -> HEALTHY): on virtual time nothing moves between the two calls.
        JsonNode first = new JsonObject();
        Assert.True(await EmulatorClusterFixture.Time.WaitUntil(async () =>
            !(first = await Ecs("DescribeTasks", (JsonObject)request.DeepClone()))["tasks"]!.AsArray()
                .Any(t => (string)t!["lastStatus"]! != "RUNNING" || (string)t["healthStatus"]! != "HEALTHY"), TimeSpan.FromMinutes(5)),
            "tasks never reached RUNNING: " + first.ToJsonString());

        var second = await Ecs("DescribeTasks", (JsonObject)request.DeepClone());
        Assert.Equal(first.ToJsonString(), second.ToJsonString());
        Assert.Equal(2, first["tasks"]!.AsArray().Count);
        Assert.Equal("web", (string)first["tasks"]![0]!["containers"]![0]!["name"]!);

        await Ecs("StopTask", new() { ["cluster"] = cluster, ["task"] = arns[0], ["reason"] = "shape test" });
        var after = await Ecs("DescribeTasks", (JsonObject)request.DeepClone());
        var stopped = after["tasks"]!.AsArray().Single(t => (string)t!["taskArn"]! == arns[0])!;
        Assert.Equal("STOPPED", (string)stopped["desiredStatus"]!);
        Assert.Equal("shape test", (string)stopped["stoppedReason"]!);
        Assert.True((long)stopped["version"]! > (long)first["tasks"]!.AsArray().Single(t => (string)t!["taskArn"]! == arns[0])!["version"]!);
        var untouched = after["tasks"]!.AsArray().Single(t => (string)t!["taskArn"]! == arns[1])!;
        Assert.Equal("RUNNING", (string)untouched["desiredStatus"]!);

        // Unknown tasks are failures, an unknown cluster an exception.
        var missing = await Ecs("DescribeTasks", new() { ["cluster"] = cluster, ["tasks"] = new JsonArray("0123456789abcdef0123456789abcdef") });
        Assert.Equal("MISSING", (string)missing["failures"]![0]!["reason"]!);
        var ex = await Assert.ThrowsAsync<Contracts.EcsException>(() => Ecs("DescribeTasks", new() { ["cluster"] = cluster + "-nope", ["tasks"] = new JsonArray(arns[0]) }));
        Assert.Equal(Contracts.ErrorCodes.ClusterNotFound, ex.Code);
    }
}
