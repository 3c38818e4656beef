using System.Net;
using System.Text.Json;
using Emulator.Tests.EndToEnd;

namespace Emulator.Tests.Wire;

/// <summary>The silo's event log over HTTP: EventBridge-shaped JSON (B-EV-1), followed live as server-sent events and read back from a point in time with filters (B-EV-3).</summary>
[Collection(WireCollection.Name)]
public sealed class EventStreamTests(SiloProcessFixture silo)
{
    private const string TaskStateChange = "ECS Task State Change";
    private readonly AwsCli _aws = new(silo.Endpoint);

    [Fact]
    public async Task B_EV_1_B_EV_3_sse_stream_follows_live_filters_by_detail_type_and_resource_and_reads_back_from_a_time()
    {
        var cluster = EmulatorClusterFixture.Unique("sse");
        await _aws.Json("ecs", "create-cluster", "--cluster-name", cluster);
        await _aws.Json("ecs", "put-cluster-capacity-providers", "--cluster", cluster, "--capacity-providers", "FARGATE",
            "--default-capacity-provider-strategy", "capacityProvider=FARGATE,weight=1");
        var file = Path.GetTempFileName();
        await File.WriteAllTextAsync(file, """
            {"family":"sse-demo","networkMode":"awsvpc","requiresCompatibilities":["FARGATE"],"cpu":"256","memory":"512",
             "containerDefinitions":[{"name":"web","image":"nginx"}]}
            """);
        await _aws.Json("ecs", "register-task-definition", "--cli-input-json", "file://" + file);
        File.Delete(file);

        using var http = new HttpClient { Timeout = TimeSpan.FromMinutes(2) };
        var streamUrl = $"{silo.Endpoint}/emulator/events/{cluster}/stream?detailType={Uri.EscapeDataString(TaskStateChange)}";

        // Live: the stream is open before anything happens; the task's events arrive as they happen.
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        using var response = await http.GetAsync(streamUrl, HttpCompletionOption.ResponseHeadersRead, cts.Token);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        await using var body = await response.Content.ReadAsStreamAsync(cts.Token);
        using var reader = new StreamReader(body);

        var run = await _aws.Json("ecs", "run-task", "--cluster", cluster, "--task-definition", "sse-demo", "--count", "2");
        var taskArns = run.GetProperty("tasks").EnumerateArray().Select(t => t.GetProperty("taskArn").GetString()!).ToList();
        Assert.Equal(2, taskArns.Count);

        var live = new List<(long Id, JsonElement Event)>();
        long? pendingId = null;
        while (live.Count(e => e.Event.GetProperty("detail").GetProperty("lastStatus").GetString() == "RUNNING") < 2)
        {
            var line = await reader.ReadLineAsync(cts.Token);
            Assert.NotNull(line);
            if (line.StartsWith("id: ", StringComparison.Ordinal))
            {
                pendingId = long.Parse(line[4..], System.Globalization.CultureInfo.InvariantCulture);
            }
            else if (line.StartsWith("data: ", StringComparison.Ordinal))
            {
                live.Add((pendingId!.Value, JsonDocument.Parse(line[6..]).RootElement.Clone()));
            }
        }

        await cts.CancelAsync();
        Assert.All(live, e =>
        {
            var ev = e.Event;
            Assert.Equal("0", ev.GetProperty("version").GetString());
            Assert.Equal(TaskStateChange, ev.GetProperty("detail-type").GetString());
            Assert.Equal("aws.ecs", ev.GetProperty("source").GetString());
            Assert.Equal("000000000000", ev.GetProperty("account").GetString());
            Assert.Equal("us-east-1", ev.GetProperty("region").GetString());
            Assert.EndsWith("Z", ev.GetProperty("time").GetString(), StringComparison.Ordinal);
            Assert.Contains(ev.GetProperty("resources")[0].GetString(), taskArns);
            Assert.Equal(ev.GetProperty("resources")[0].GetString(), ev.GetProperty("detail").GetProperty("taskArn").GetString());
        });
        Assert.Equal(live.Select(e => e.Id).Order(), live.Select(e => e.Id)); // in order (B-EV-3)
        Assert.Contains(live, e => e.Event.GetProperty("detail").GetProperty("lastStatus").GetString() == "PROVISIONING");

        // Read back, filtered by resource: only the first task's events, and the backlog ends with follow=false.
        var first = taskArns[0];
        var backlog = await ReadStream(http, $"{silo.Endpoint}/emulator/events/{cluster}/stream?follow=false&resource={Uri.EscapeDataString(first)}");
        Assert.NotEmpty(backlog);
        Assert.All(backlog, e => Assert.Contains(first, e.GetProperty("resources").EnumerateArray().Select(r => r.GetString())));
        Assert.Contains(backlog, e => e.GetProperty("detail-type").GetString() == "ECS Task State Change");

        // Read back from a point in time (emulated): nothing earlier than it.
        var runningTime = live.First(e => e.Event.GetProperty("detail").GetProperty("lastStatus").GetString() == "RUNNING").Event.GetProperty("time").GetString()!;
        var since = await ReadStream(http, $"{silo.Endpoint}/emulator/events/{cluster}/stream?follow=false&since={Uri.EscapeDataString(runningTime)}&detailType={Uri.EscapeDataString(TaskStateChange)}");
        Assert.NotEmpty(since);
        Assert.All(since, e => Assert.True(string.CompareOrdinal(e.GetProperty("time").GetString(), runningTime) >= 0));
        Assert.DoesNotContain(since, e => e.GetProperty("detail").GetProperty("lastStatus").GetString() == "PROVISIONING");

        // The JSON page takes the same filters and renders the same EventBridge JSON.
        var page = JsonDocument.Parse(await http.GetStringAsync($"{silo.Endpoint}/emulator/events/{cluster}?detailType={Uri.EscapeDataString(TaskStateChange)}&resource={Uri.EscapeDataString(first)}")).RootElement;
        var events = page.GetProperty("events").EnumerateArray().ToList();
        Assert.Equal(backlog.Count(e => e.GetProperty("detail-type").GetString() == TaskStateChange), events.Count);
        Assert.All(events, e => Assert.Equal(first, e.GetProperty("detail").GetProperty("taskArn").GetString()));
        Assert.True(page.GetProperty("lastSequence").GetInt64() >= live.Max(e => e.Id));

        // Bad input is a clear 400.
        using var bad = await http.GetAsync($"{silo.Endpoint}/emulator/events/{cluster}/stream?since=yesterday");
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Contains("ISO 8601", await bad.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        using var missing = await http.GetAsync($"{silo.Endpoint}/emulator/events/no-such-{cluster}/stream");
        Assert.Equal(HttpStatusCode.BadRequest, missing.StatusCode);
        Assert.Contains("ClusterNotFoundException", await missing.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    private static async Task<List<JsonElement>> ReadStream(HttpClient http, string url)
    {
        var text = await http.GetStringAsync(url);
        return text.Split('\n')
            .Where(l => l.StartsWith("data: ", StringComparison.Ordinal))
            .Select(l => JsonDocument.Parse(l[6..]).RootElement.Clone())
            .ToList();
    }
}
