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
        return app;
    }
}
