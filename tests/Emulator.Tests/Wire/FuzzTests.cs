using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Emulator.Silo.Aws;

namespace Emulator.Tests.Wire;

/// <summary>Thousands of generated invalid requests: zero 5xx, the silo still answers, state unchanged.</summary>
[Collection(WireCollection.Name)]
public sealed class FuzzTests(SiloProcessFixture silo)
{
    private static readonly string[] Members =
    [
        "cluster", "clusters", "service", "services", "serviceName", "taskDefinition", "tasks", "task", "count", "desiredCount",
        "launchType", "capacityProviderStrategy", "placementStrategy", "placementConstraints", "containerInstances", "status",
        "family", "containerDefinitions", "name", "autoScalingGroupProvider", "capacityProviders", "defaultCapacityProviderStrategy",
        "maxResults", "nextToken", "include", "filter", "attributes", "resourceArn", "tags", "tagKeys", "force", "cpu", "memory",
        "networkMode", "deploymentConfiguration", "schedulingStrategy", "clientToken", "reason", "targetType",
    ];

    [Fact]
    public async Task Generated_invalid_requests_never_get_a_5xx_and_change_nothing()
    {
        using var http = new HttpClient { BaseAddress = new Uri(silo.Endpoint) };
        var random = new Random(20261122);
        var state = await State(http);
        var changedByRejected = new List<string>();
        var operations = OperationTable.Instance.Operations.ToList();
        var serverErrors = new List<string>();
        for (var i = 0; i < 3000; i++)
        {
            var op = operations[random.Next(operations.Count)];
            var (service, name) = (op[..op.IndexOf(':', StringComparison.Ordinal)], op[(op.IndexOf(':', StringComparison.Ordinal) + 1)..]);
            HttpResponseMessage response;
            string sent;
            if (service is "ecs" || (service == "cloudwatch" && random.Next(2) == 0))
            {
                var target = service == "ecs" ? "AmazonEC2ContainerServiceV20141113" : "GraniteServiceVersion20100801";
                sent = random.Next(10) == 0 ? Garbage(random) : Body(random).ToJsonString();
                using var request = new HttpRequestMessage(HttpMethod.Post, "/");
                request.Headers.TryAddWithoutValidation("X-Amz-Target", $"{target}.{(random.Next(20) == 0 ? name + "X" : name)}");
                request.Content = new StringContent(sent, Encoding.UTF8, service == "ecs" ? "application/x-amz-json-1.1" : "application/x-amz-json-1.0");
                response = await http.SendAsync(request);
            }
            else
            {
                var version = service switch { "autoscaling" => "2011-01-01", "ec2" => "2016-11-15", _ => "2010-08-01" };
                var form = new Dictionary<string, string> { ["Action"] = name, ["Version"] = version };
                for (var k = random.Next(6); k > 0; k--)
                {
                    form[QueryKey(random)] = Scalar(random).ToJsonString().Trim('"');
                }

                sent = string.Join('&', form.Select(kv => $"{kv.Key}={kv.Value}"));
                response = await http.PostAsync("/", new FormUrlEncodedContent(form));
            }

            if ((int)response.StatusCode >= 500)
            {
                serverErrors.Add($"{op} {(int)response.StatusCode}: {sent} -> {await response.Content.ReadAsStringAsync()}");
            }

            // Random input is sometimes valid; what must hold is that a REJECTED request changed nothing.
            var mutating = !(name.StartsWith("Describe", StringComparison.Ordinal) || name.StartsWith("List", StringComparison.Ordinal) || name.StartsWith("Get", StringComparison.Ordinal));
            if (mutating)
            {
                var now = await State(http);
                if (!response.IsSuccessStatusCode && now != state)
                {
                    changedByRejected.Add($"{op} {(int)response.StatusCode}: {sent}");
                }

                state = now;
            }

            response.Dispose();
        }

        Assert.True(serverErrors.Count == 0, string.Join(Environment.NewLine, serverErrors.Take(10)));
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/emulator/health")).StatusCode);
        Assert.True(changedByRejected.Count == 0, "rejected requests changed state: " + string.Join(Environment.NewLine, changedByRejected.Take(10)));
    }

    /// <summary>What invalid requests must not change: the clusters and the task definitions that exist.</summary>
    private static async Task<string> State(HttpClient http)
    {
        async Task<string> Call(string op, string body)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/");
            request.Headers.TryAddWithoutValidation("X-Amz-Target", "AmazonEC2ContainerServiceV20141113." + op);
            request.Content = new StringContent(body, Encoding.UTF8, "application/x-amz-json-1.1");
            using var response = await http.SendAsync(request);
            return await response.Content.ReadAsStringAsync();
        }

        return await Call("ListClusters", "{}") + await Call("ListTaskDefinitionFamilies", """{"status":"ALL"}""");
    }

    private static JsonObject Body(Random r)
    {
        var o = new JsonObject();
        for (var k = r.Next(5); k > 0; k--)
        {
            o[Members[r.Next(Members.Length)]] = Value(r, 2);
        }

        return o;
    }

    private static JsonNode? Value(Random r, int depth) => r.Next(depth > 0 ? 7 : 5) switch
    {
        0 => null,
        1 or 2 => Scalar(r),
        3 => JsonValue.Create(r.Next(2) == 0),
        4 => JsonValue.Create(r.Next(-5, 100_000)),
        5 => new JsonArray(Enumerable.Range(0, r.Next(4)).Select(_ => Value(r, depth - 1)).ToArray()),
        _ => new JsonObject(Enumerable.Range(0, r.Next(4)).Select(i => new KeyValuePair<string, JsonNode?>(Members[r.Next(Members.Length)] + i, Value(r, depth - 1)))),
    };

    private static JsonNode Scalar(Random r) => r.Next(8) switch
    {
        0 => JsonValue.Create(""),
        1 => JsonValue.Create("arn:aws:ecs:us-east-1:000000000000:cluster/ghost"),
        2 => JsonValue.Create(new string('x', r.Next(1, 400))),
        3 => JsonValue.Create("attribute:ecs.instance-type =~ ("),
        4 => JsonValue.Create("-1"),
        5 => JsonValue.Create("FARGATE"),
        6 => JsonValue.Create("default"),
        _ => JsonValue.Create("ghost-" + r.Next(1000)),
    };

    private static string QueryKey(Random r) => r.Next(6) switch
    {
        0 => "AutoScalingGroupName",
        1 => "MinSize",
        2 => "InstanceIds.member." + r.Next(1, 3),
        3 => "Namespace",
        4 => "InstanceId.1",
        _ => "LaunchTemplate.LaunchTemplateName",
    };

    private static string Garbage(Random r) => r.Next(4) switch
    {
        0 => "{",
        1 => "[]",
        2 => "\"text\"",
        _ => "{\"cluster\": }",
    };
}
