using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;

namespace Emulator.Client;

/// <summary>
/// An Orleans client connected to the emulator: to one local silo's gateway (embedded default, localhost
/// clustering), or, with a Redis address, to every gateway the durable multi-silo cluster lists in Redis.
/// </summary>
public sealed class EmulatorConnection : IAsyncDisposable
{
    private readonly IHost _host;

    private EmulatorConnection(IHost host, string? redis, string clusterId)
    {
        _host = host;
        Grains = host.Services.GetRequiredService<IClusterClient>();
        Redis = redis;
        ClusterId = clusterId;
    }

    public IGrainFactory Grains { get; }

    /// <summary>The Redis of the durable mode (null: embedded default).</summary>
    public string? Redis { get; }

    public string ClusterId { get; }

    public static Task<EmulatorConnection> ConnectAsync(int gatewayPort, CancellationToken cancellationToken) =>
        ConnectAsync(gatewayPort, null, "ecs-emulator", cancellationToken);

    public static async Task<EmulatorConnection> ConnectAsync(int gatewayPort, string? redis, string clusterId, CancellationToken cancellationToken)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.UseOrleansClient(c =>
        {
            if (string.IsNullOrWhiteSpace(redis))
            {
                c.UseLocalhostClustering(gatewayPort);
            }
            else
            {
                c.Configure<ClusterOptions>(o =>
                {
                    o.ClusterId = clusterId;
                    o.ServiceId = clusterId;
                });
                c.UseRedisClustering(o => o.ConfigurationOptions = StackExchange.Redis.ConfigurationOptions.Parse(redis));

                // A killed silo's gateway leaves the list within seconds, not the default minute.
                c.Configure<GatewayOptions>(o => o.GatewayListRefreshPeriod = TimeSpan.FromSeconds(2));
            }
        });
        var host = builder.Build();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(20));
        await host.StartAsync(timeout.Token);
        return new EmulatorConnection(host, redis, clusterId);
    }

    public async ValueTask DisposeAsync()
    {
        await _host.StopAsync();
        _host.Dispose();
    }
}
