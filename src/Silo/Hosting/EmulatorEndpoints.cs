using System.Text.Json;
using System.Text.Json.Serialization;
using Emulator.Contracts;

namespace Emulator.Silo.Hosting;

/// <summary>
/// The emulator's own read-only HTTP views (health, a cluster's status, its event log from a point). The
/// AWS-compatible API is served on the same port by its own handlers.
/// </summary>
public static class EmulatorEndpoints
{
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
                var status = await grains.GetGrain<IEcsControlGrain>(0).GetClusterStatus(cluster, false);
                return Results.Json(status, Json);
            }
            catch (EcsException e)
            {
                return Results.Json(new { __type = e.Code, message = e.Message }, Json, statusCode: 400);
            }
        });
        app.MapGet("/emulator/events/{cluster}", async (string cluster, long? after, IGrainFactory grains) =>
        {
            var page = await grains.GetGrain<IClusterGrain>(GrainKeys.Cluster(cluster)).ReadEvents(after ?? 0, null, 1000);
            return Results.Json(page, Json);
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
        return app;
    }
}
