using System.Net;
using System.Net.Sockets;
using Emulator.Contracts;
using Emulator.Model;
using Microsoft.AspNetCore.Connections;

namespace Emulator.Silo.DataPlane;

/// <summary>The address the data-plane ports listen on (the silo's <c>--bind</c>, loopback by default).</summary>
public sealed record DataPlaneBinding(string Address);

/// <summary>
/// Serves every listener's data-plane port on this silo (issue 17). Once a second it reads the listener directory
/// (<see cref="ILoadBalancerDirectoryGrain"/>) and starts a small Kestrel server on each new port, stops the ones of
/// deleted listeners, and prints where each listener answers. Every flush interval it hands the router's counts to the
/// grains. Durable multi-silo mode: every silo tries to serve every port; on one machine the first silo to bind a port
/// serves it and the others retry each second, so when that silo dies a survivor takes the port over within about a
/// second (silos on separate machines each serve all ports on their own address).
/// </summary>
public sealed partial class DataPlaneHost(DataPlaneRouter router, IGrainFactory grains, EmulatorOptions options, DataPlaneBinding binding, ILogger<DataPlaneHost> log)
    : BackgroundService
{
    private static readonly TimeSpan SyncEvery = TimeSpan.FromSeconds(1);

    private readonly Dictionary<int, WebApplication> _servers = [];
    private readonly HashSet<int> _refused = [];

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var flushing = FlushLoop(stoppingToken);
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                try
                {
                    await Sync(stoppingToken);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    LogSyncFailed(log, e.Message); // the silo may still be starting; the next round tries again
                }

                await Task.Delay(SyncEvery, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // stopping
        }
        finally
        {
            await flushing;
            router.Flush();
            foreach (var server in _servers.Values)
            {
                await server.StopAsync(CancellationToken.None);
                await server.DisposeAsync();
            }

            _servers.Clear();
        }
    }

    private async Task FlushLoop(CancellationToken stoppingToken)
    {
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                await Task.Delay(options.LoadBalancing.DataPlaneFlushInterval, stoppingToken);
                router.Flush();
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // stopping
        }
    }

    private async Task Sync(CancellationToken stoppingToken)
    {
        var listeners = await grains.GetGrain<ILoadBalancerDirectoryGrain>(GrainKeys.Account).List();
        router.SetListeners(listeners);
        var wanted = listeners.ToDictionary(l => l.Port);
        foreach (var port in _servers.Keys.Where(p => !wanted.ContainsKey(p)).ToList())
        {
            await _servers[port].StopAsync(stoppingToken);
            await _servers[port].DisposeAsync();
            _servers.Remove(port);
        }

        _refused.IntersectWith(wanted.Keys);
        foreach (var (port, listener) in wanted)
        {
            if (_servers.ContainsKey(port))
            {
                continue;
            }

            var server = Build(port);
            try
            {
                await server.StartAsync(stoppingToken);
            }
            catch (IOException e) when (e.InnerException is SocketException or AddressInUseException)
            {
                if (_refused.Add(port))
                {
                    LogPortTaken(log, port, listener.ListenerArn);
                }

                await server.DisposeAsync();
                continue;
            }

            _servers[port] = server;
            _refused.Remove(port);
            await Announce(listener);
        }
    }

    private WebApplication Build(int port)
    {
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore();
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.AddServerHeader = false;
            k.Listen(Address(), port);
        });
        var app = builder.Build();
        app.Run(http => Handle(http, port));
        return app;
    }

    private async Task Handle(HttpContext http, int port)
    {
        var request = http.Request;
        var headers = request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase);
        var query = request.Query.SelectMany(q => q.Value.Select(v => new KeyValuePair<string, string>(q.Key, v ?? ""))).ToList();
        var source = http.Connection.RemoteIpAddress is { } ip ? (ip.IsIPv4MappedToIPv6 ? ip.MapToIPv4() : ip).ToString() : null;
        var answer = await router.Serve(port, new DataPlaneRequest(request.Method, request.Host.Value ?? "", request.Path.Value ?? "/",
            request.QueryString.Value ?? "", headers, query, source));
        http.Response.StatusCode = answer.Status;
        http.Response.ContentType = answer.ContentType;
        foreach (var (name, value) in answer.Headers)
        {
            http.Response.Headers[name] = value;
        }

        await http.Response.WriteAsync(answer.Body, http.RequestAborted);
    }

    private async Task Announce(DataPlaneListener listener)
    {
        var lb = await grains.GetGrain<ILoadBalancerGrain>(listener.LoadBalancer).Describe();
        var l = lb?.Listeners.FirstOrDefault(x => x.Arn == listener.ListenerArn);
        if (lb is not null && l is not null)
        {
            // The line a user copies: the DNS name answers on loopback (*.localhost), or the plain address next to it.
            Console.WriteLine($"load balancer {lb.Spec.Name} listener {l.Protocol}:{l.Port} serves http://{lb.DnsName}:{listener.Port}/ (http://{binding.Address}:{listener.Port}/)");
        }
    }

    private IPAddress Address() => binding.Address switch
    {
        "localhost" => IPAddress.Loopback,
        var a when IPAddress.TryParse(a, out var ip) => ip,
        _ => IPAddress.Loopback,
    };

    [LoggerMessage(Level = LogLevel.Debug, Message = "Load balancer data plane: listener directory not read ({Reason})")]
    private static partial void LogSyncFailed(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Load balancer data plane: port {Port} of listener {Listener} is served by another process (another silo?); retrying every second")]
    private static partial void LogPortTaken(ILogger logger, int port, string listener);
}
