using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Emulator.Contracts;
using Emulator.Runtime;
using Emulator.Silo.Aws;

namespace Emulator.Silo.Hosting;

/// <summary>
/// The emulator's own read-only HTTP views (health, a cluster's status, its event log from a point, and the same log
/// followed live as server-sent events). The AWS-compatible API is served on the same port by its own handlers.
/// </summary>
public static class EmulatorEndpoints
{
    private const int PageSize = 1000;

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter() },
        WriteIndented = true,
    };

    public static WebApplication MapEmulatorEndpoints(this WebApplication app)
    {
        app.MapGet("/emulator/health", () => Results.Text("ok"));
        app.MapGet("/emulator/status/{cluster}", async (string cluster, IGrainFactory grains) =>
        {
            try
            {
                var status = await grains.GetGrain<IEcsControlGrain>(GrainKeys.Control).GetClusterStatus(cluster, false);
                return Results.Json(status, Json);
            }
            catch (EcsException e)
            {
                return Results.Json(new { __type = e.Code, message = e.Message }, Json, statusCode: 400);
            }
        });

        // B-EV-1, B-EV-3: one page of the cluster's events after a sequence number, EventBridge-shaped, filtered.
        app.MapGet("/emulator/events/{cluster}", async (string cluster, long? after, HttpContext http, IGrainFactory grains, EmulatorRuntime runtime) =>
        {
            var (filter, error) = EventFilter.Parse(http.Request.Query);
            if (filter is null)
            {
                return Results.Json(new { __type = ErrorCodes.InvalidParameter, message = error }, Json, statusCode: 400);
            }

            var context = new AwsContext(grains, runtime, http.TraceIdentifier);
            var page = await grains.GetGrain<IClusterGrain>(GrainKeys.Cluster(cluster)).ReadEvents(after ?? 0, filter.Since, PageSize);
            var events = new JsonArray();
            foreach (var e in page.Events.Where(filter.Matches))
            {
                events.Add(await EventBridgeJson.Render(e, context));
            }

            var body = new JsonObject { ["events"] = events, ["lastSequence"] = page.LastSequence };
            return Results.Text(body.ToJsonString(), "application/json");
        });

        // B-EV-3: the same events as server-sent events: the backlog from `after` / Last-Event-ID / `since`, then
        // live (polling the cluster's log) until the client goes away, or until the backlog ends with follow=false.
        app.MapGet("/emulator/events/{cluster}/stream", async (string cluster, long? after, bool? follow, HttpContext http, IGrainFactory grains, EmulatorRuntime runtime) =>
        {
            var (filter, error) = EventFilter.Parse(http.Request.Query);
            if (filter is null)
            {
                http.Response.StatusCode = 400;
                await http.Response.WriteAsJsonAsync(new { __type = ErrorCodes.InvalidParameter, message = error });
                return;
            }

            var grain = grains.GetGrain<IClusterGrain>(GrainKeys.Cluster(cluster));
            if (await grain.Describe() is null)
            {
                http.Response.StatusCode = 400;
                await http.Response.WriteAsJsonAsync(new { __type = ErrorCodes.ClusterNotFound, message = Errors.ClusterNotFound().Message });
                return;
            }

            var cursor = after ?? (long.TryParse(http.Request.Headers["Last-Event-ID"].FirstOrDefault(), out var last) ? last : 0);
            http.Response.ContentType = "text/event-stream";
            http.Response.Headers.CacheControl = "no-cache";
            var context = new AwsContext(grains, runtime, http.TraceIdentifier);
            var abort = http.RequestAborted;
            var quietSince = DateTime.UtcNow;
            await http.Response.WriteAsync(": emulator event stream for cluster " + cluster + "\n\n", abort);
            await http.Response.Body.FlushAsync(abort);
            try
            {
                while (!abort.IsCancellationRequested)
                {
                    var page = await grain.ReadEvents(cursor, filter.Since, PageSize);
                    foreach (var e in page.Events.Where(filter.Matches))
                    {
                        var json = (await EventBridgeJson.Render(e, context)).ToJsonString();
                        await http.Response.WriteAsync($"id: {e.Sequence}\nevent: {e.DetailType}\ndata: {json}\n\n", abort);
                    }

                    cursor = Math.Max(cursor, page.LastSequence);
                    if (!page.Events.IsEmpty)
                    {
                        await http.Response.Body.FlushAsync(abort);
                        quietSince = DateTime.UtcNow;
                        continue; // more backlog may follow at once
                    }

                    if (follow == false)
                    {
                        break;
                    }

                    if (DateTime.UtcNow - quietSince > TimeSpan.FromSeconds(15))
                    {
                        await http.Response.WriteAsync(": keep-alive\n\n", abort); // proxies close silent streams
                        await http.Response.Body.FlushAsync(abort);
                        quietSince = DateTime.UtcNow;
                    }

                    await Task.Delay(TimeSpan.FromMilliseconds(200), abort);
                }
            }
            catch (OperationCanceledException) when (abort.IsCancellationRequested)
            {
                // the client went away
            }
        });

        // B-LB-3: synthetic traffic (an emulator feature, no AWS API): set a service's profile, stop it, read the figures.
        app.MapPost("/emulator/traffic/{cluster}/{service}", async (string cluster, string service, HttpRequest request, IGrainFactory grains) =>
        {
            try
            {
                using var body = await JsonDocument.ParseAsync(request.Body);
                var profile = TrafficProfiles.Parse(body.RootElement);
                await grains.GetGrain<ITrafficGrain>(GrainKeys.Cluster(cluster)).SetServiceTraffic(service, profile);
                return Results.Json(new { cluster, service, profile }, Json);
            }
            catch (JsonException e)
            {
                return Results.Json(new { __type = ErrorCodes.InvalidParameter, message = "The body is not valid JSON: " + e.Message }, Json, statusCode: 400);
            }
            catch (Exception e) when (e is OverflowException or ArgumentException)
            {
                return Results.Json(new { __type = ErrorCodes.InvalidParameter, message = "A number of the traffic profile is out of range: " + e.Message }, Json, statusCode: 400);
            }
            catch (EcsException e)
            {
                return Results.Json(new { __type = e.Code, message = e.Message }, Json, statusCode: 400);
            }
        });
        app.MapDelete("/emulator/traffic/{cluster}/{service}", async (string cluster, string service, IGrainFactory grains) =>
        {
            try
            {
                await grains.GetGrain<ITrafficGrain>(GrainKeys.Cluster(cluster)).SetServiceTraffic(service, null);
                return Results.NoContent();
            }
            catch (EcsException e)
            {
                return Results.Json(new { __type = e.Code, message = e.Message }, Json, statusCode: 400);
            }
        });
        app.MapGet("/emulator/traffic/{cluster}", async (string cluster, IGrainFactory grains) =>
            Results.Json(await grains.GetGrain<ITrafficGrain>(GrainKeys.Cluster(cluster)).GetFigures(), Json));
        app.MapLoadBalancerEndpoints();
        app.MapLambdaHookEndpoints();
        return app;
    }
}
