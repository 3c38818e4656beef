using StackExchange.Redis;

namespace Emulator.Silo.Hosting;

/// <summary>
/// Who this silo is: <c>GET /emulator/silo</c> answers its process id, Orleans address and mode; in the durable mode
/// the silo also records itself in Redis (<see cref="DurableMode.SilosKey"/>) so that <c>client silos</c> and
/// <c>client kill-silo</c> can map an Orleans silo address to a process.
/// </summary>
public static class SiloRegistry
{
    public static WebApplication UseSiloRegistry(this WebApplication app, SiloHostOptions host)
    {
        var details = app.Services.GetRequiredService<ILocalSiloDetails>();
        app.MapGet("/emulator/silo", () => Results.Json(new
        {
            pid = Environment.ProcessId,
            siloAddress = details.SiloAddress.ToParsableString(),
            mode = host.Durable ? "durable" : "embedded",
            clusterId = host.Durable ? host.ClusterId : null,
            httpPort = host.Port,
            gatewayPort = host.GatewayPort,
        }));
        if (app.Services.GetService<IConnectionMultiplexer>() is { } redis)
        {
            app.Lifetime.ApplicationStarted.Register(() => DurableMode.RegisterSilo(redis, host.ClusterId, details.SiloAddress.ToParsableString(), host));
            app.Lifetime.ApplicationStopping.Register(() => DurableMode.UnregisterSilo(redis, host.ClusterId, details.SiloAddress.ToParsableString()));
        }

        return app;
    }
}
