using System.Net;
using System.Text.Json.Nodes;
using Emulator.Tests.EndToEnd;

namespace Emulator.Tests.Wire;

/// <summary>
/// clientToken idempotency at the wire (the members named clientToken in the ECS model this CLI ships: CreateService,
/// CreateTaskSet — not implemented — and RunTask in newer models). Same token + same request: the original result and
/// nothing new; same token + other parameters: AWS's error, nothing changed.
/// </summary>
[Collection(WireCollection.Name)]
public sealed class ClientTokenWireTests(SiloProcessFixture silo) : IDisposable
{
    private readonly AwsHttp _http = new(silo.Endpoint);
    private readonly AwsCli _aws = new(silo.Endpoint);

    public void Dispose() => _http.Dispose();

    private async Task<string> FargateCluster(string name)
    {
        await _http.Ok("CreateCluster", new() { ["clusterName"] = name });
        await _http.Ok("PutClusterCapacityProviders", new()
        {
            ["cluster"] = name, ["capacityProviders"] = new JsonArray("FARGATE"), ["defaultCapacityProviderStrategy"] = new JsonArray(),
        });
        var family = name.Replace("-", "", StringComparison.Ordinal);
        await _http.Ok("RegisterTaskDefinition", new()
        {
            ["family"] = family, ["networkMode"] = "awsvpc", ["requiresCompatibilities"] = new JsonArray("FARGATE"), ["cpu"] = "256", ["memory"] = "512",
            ["containerDefinitions"] = new JsonArray(new JsonObject { ["name"] = "web", ["image"] = "nginx" }),
        });
        return family;
    }

    private async Task<List<string>> Tasks(string cluster) =>
        [.. (await _http.Ok("ListTasks", new() { ["cluster"] = cluster }))["taskArns"]!.AsArray().Select(n => (string)n!)];

    private static List<string> Arns(JsonObject runTask) => [.. runTask["tasks"]!.AsArray().Select(t => (string)t!["taskArn"]!)];

    [Fact]
    public async Task RunTask_with_the_same_token_and_request_returns_the_same_tasks_and_starts_none()
    {
        var cluster = EmulatorClusterFixture.Unique("idem-run");
        var family = await FargateCluster(cluster);
        var request = new JsonObject { ["cluster"] = cluster, ["taskDefinition"] = family, ["launchType"] = "FARGATE", ["count"] = 3, ["clientToken"] = "retry-1" };
        var first = Arns(await _http.Ok("RunTask", request));
        Assert.Equal(3, first.Count);

        // A retry, even with its members in another order, is the same request.
        var reordered = new JsonObject { ["clientToken"] = "retry-1", ["count"] = 3, ["launchType"] = "FARGATE", ["taskDefinition"] = family, ["cluster"] = cluster };
        Assert.Equal(first, Arns(await _http.Ok("RunTask", (JsonObject)request.DeepClone())));
        Assert.Equal(first, Arns(await _http.Ok("RunTask", reordered)));
        Assert.Equal(first.Order(StringComparer.Ordinal), (await Tasks(cluster)).Order(StringComparer.Ordinal));

        // Same token, another count: ConflictException naming the tasks the token already started; nothing started.
        var changed = (JsonObject)request.DeepClone();
        changed["count"] = 4;
        var conflict = await _http.Ecs("RunTask", changed);
        Assert.Equal(HttpStatusCode.BadRequest, conflict.Status);
        Assert.Equal("ConflictException", conflict.ErrorType);
        Assert.Contains(first[0], (string)conflict.Body["message"]!, StringComparison.Ordinal);
        Assert.Equal(first.Order(StringComparer.Ordinal), conflict.Body["resourceIds"]!.AsArray().Select(n => (string)n!).Order(StringComparer.Ordinal));
        Assert.Equal(3, (await Tasks(cluster)).Count);

        // Without a token, or with a new one, tasks start; the same token in another cluster is another request.
        var fresh = (JsonObject)request.DeepClone();
        fresh["clientToken"] = "retry-2";
        Assert.Equal(3, Arns(await _http.Ok("RunTask", fresh)).Except(first).Count());
        var other = EmulatorClusterFixture.Unique("idem-run2");
        var otherFamily = await FargateCluster(other);
        var elsewhere = new JsonObject { ["cluster"] = other, ["taskDefinition"] = otherFamily, ["launchType"] = "FARGATE", ["count"] = 3, ["clientToken"] = "retry-1" };
        Assert.Equal(3, Arns(await _http.Ok("RunTask", elsewhere)).Count);
        Assert.Equal(6, (await Tasks(cluster)).Count);

        // Malformed tokens are rejected before anything starts.
        foreach (var bad in new[] { new string('x', 65), "has space", "" })
        {
            var b = (JsonObject)request.DeepClone();
            b["clientToken"] = bad;
            Assert.Equal("InvalidParameterException", (await _http.Ecs("RunTask", b)).ErrorType);
        }

        Assert.Equal(6, (await Tasks(cluster)).Count);
    }

    [Fact]
    public async Task CreateService_with_the_same_token_is_idempotent_and_different_parameters_are_refused()
    {
        var cluster = EmulatorClusterFixture.Unique("idem-svc");
        var family = await FargateCluster(cluster);
        var create = await _aws.Json("ecs", "create-service", "--cluster", cluster, "--service-name", "web", "--task-definition", family,
            "--desired-count", "2", "--launch-type", "FARGATE", "--client-token", "svc-token-1");
        var again = await _aws.Json("ecs", "create-service", "--cluster", cluster, "--service-name", "web", "--task-definition", family,
            "--desired-count", "2", "--launch-type", "FARGATE", "--client-token", "svc-token-1");
        Assert.Equal(create.GetProperty("service").GetProperty("createdAt").GetString(), again.GetProperty("service").GetProperty("createdAt").GetString());
        Assert.Equal(create.GetProperty("service").GetProperty("serviceArn").GetString(), again.GetProperty("service").GetProperty("serviceArn").GetString());

        var different = await _aws.Run("ecs", "create-service", "--cluster", cluster, "--service-name", "web", "--task-definition", family,
            "--desired-count", "5", "--launch-type", "FARGATE", "--client-token", "svc-token-1");
        Assert.Contains("(InvalidParameterException)", different.Stderr, StringComparison.Ordinal);
        Assert.Contains("not idempotent", different.Stderr, StringComparison.Ordinal);
        var described = await _aws.Json("ecs", "describe-services", "--cluster", cluster, "--services", "web");
        Assert.Equal(2, described.GetProperty("services")[0].GetProperty("desiredCount").GetInt32());

        var tooLong = await _aws.Run("ecs", "create-service", "--cluster", cluster, "--service-name", "web2", "--task-definition", family,
            "--desired-count", "1", "--launch-type", "FARGATE", "--client-token", new string('t', 37));
        Assert.Contains("(InvalidParameterException)", tooLong.Stderr, StringComparison.Ordinal);
        var services = await _aws.Json("ecs", "list-services", "--cluster", cluster);
        Assert.Equal(1, services.GetProperty("serviceArns").GetArrayLength());
    }
}
