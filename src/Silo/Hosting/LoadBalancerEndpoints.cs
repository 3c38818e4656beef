using System.Collections.Immutable;
using System.Text.Json;
using System.Text.Json.Serialization;
using Emulator.Contracts;
using Emulator.Silo.DataPlane;

namespace Emulator.Silo.Hosting;

/// <summary>
/// The emulator's own views of Application Load Balancers (no AWS API): where each listener's data plane answers, and
/// synthetic traffic entering at a listener (B-ELB-1), with its figures.
/// <list type="bullet">
/// <item><c>GET /emulator/load-balancers</c>: every load balancer with its listeners' URLs (<c>http://DNSNAME:PORT/</c>
/// and the plain loopback form).</item>
/// <item><c>POST /emulator/load-balancers/{name}/traffic</c>: <c>{"listenerPort": 80, "name": "prod", "requestsPerSecond": 100,
/// "request": {"path": "/api", "host": "...", "method": "GET", "headers": {"X-Test": "1"}, "query": {"a": "b"}, "sourceIp": "10.0.0.1"}}</c>
/// (the rate profile as for <c>/emulator/traffic</c>: steps, request duration, per-task capacity).</item>
/// <item><c>DELETE /emulator/load-balancers/{name}/traffic/{listenerPort}/{flow}</c> stops a flow.</item>
/// <item><c>GET /emulator/load-balancers/{name}/traffic</c>: figures per flow and target group.</item>
/// </list>
/// </summary>
public static class LoadBalancerEndpoints
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter() },
        WriteIndented = true,
    };

    public static WebApplication MapLoadBalancerEndpoints(this WebApplication app)
    {
        app.MapGet("/emulator/load-balancers", async (IGrainFactory grains, DataPlaneBinding binding) =>
        {
            var result = new List<object>();
            foreach (var name in await grains.GetGrain<IAccountGrain>(GrainKeys.Account).List(ResourceKind.LoadBalancer))
            {
                if (await grains.GetGrain<ILoadBalancerGrain>(name).Describe() is { } lb)
                {
                    result.Add(new
                    {
                        name = lb.Spec.Name,
                        arn = lb.Arn,
                        dnsName = lb.DnsName,
                        state = lb.State,
                        listeners = lb.Listeners.OrderBy(l => l.Port).Select(l => new
                        {
                            arn = l.Arn,
                            port = l.Port,
                            protocol = l.Protocol,
                            dataPlanePort = l.DataPlanePort,
                            url = $"http://{lb.DnsName}:{l.DataPlanePort}/",
                            loopbackUrl = $"http://{binding.Address}:{l.DataPlanePort}/",
                        }),
                    });
                }
            }

            return Results.Json(result, Json);
        });
        app.MapGet("/emulator/load-balancers/{name}/traffic", (string name, IGrainFactory grains) =>
            Answer(async () => Results.Json(await grains.GetGrain<ILoadBalancerGrain>(name).GetFigures(), Json)));
        app.MapPost("/emulator/load-balancers/{name}/traffic", (string name, HttpRequest request, IGrainFactory grains) => Answer(async () =>
        {
            using var body = await JsonDocument.ParseAsync(request.Body);
            var root = body.RootElement;
            var lb = await grains.GetGrain<ILoadBalancerGrain>(name).Describe() ?? throw new EcsException("LoadBalancerNotFound", "One or more load balancers not found");
            var listener = Listener(lb, root);
            var flow = root.TryGetProperty("name", out var n) && n.ValueKind == JsonValueKind.String ? n.GetString()! : "default";
            var profile = TrafficProfiles.Parse(root);
            var shape = root.TryGetProperty("request", out var r) ? Request(r) : null;
            var started = await grains.GetGrain<ILoadBalancerGrain>(name).SetListenerTraffic(listener.Arn, flow, profile, shape);
            return Results.Json(started, Json);
        }));
        app.MapDelete("/emulator/load-balancers/{name}/traffic/{listenerPort:int}/{flow}", (string name, int listenerPort, string flow, IGrainFactory grains) => Answer(async () =>
        {
            var lb = await grains.GetGrain<ILoadBalancerGrain>(name).Describe() ?? throw new EcsException("LoadBalancerNotFound", "One or more load balancers not found");
            var listener = lb.Listeners.FirstOrDefault(l => l.Port == listenerPort) ?? throw new EcsException("ListenerNotFound", "One or more listeners not found");
            await grains.GetGrain<ILoadBalancerGrain>(name).SetListenerTraffic(listener.Arn, flow, null, null);
            return Results.NoContent();
        }));
        return app;
    }

    private static ListenerRecord Listener(LoadBalancerInfo lb, JsonElement root)
    {
        if (root.TryGetProperty("listenerArn", out var arn) && arn.ValueKind == JsonValueKind.String)
        {
            return lb.Listeners.FirstOrDefault(l => l.Arn == arn.GetString()) ?? throw new EcsException("ListenerNotFound", "One or more listeners not found");
        }

        if (root.TryGetProperty("listenerPort", out var port) && port.TryGetInt32(out var p))
        {
            return lb.Listeners.FirstOrDefault(l => l.Port == p) ?? throw new EcsException("ListenerNotFound", $"The load balancer has no listener on port {p}");
        }

        return lb.Listeners.Length == 1 ? lb.Listeners[0] : throw ErrorCodes.Invalid("Give 'listenerPort' or 'listenerArn': the load balancer has several listeners (or none).");
    }

    private static SyntheticRequest Request(JsonElement r)
    {
        if (r.ValueKind != JsonValueKind.Object)
        {
            throw ErrorCodes.Invalid("'request' must be an object.");
        }

        string? Text(string name) => r.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
        var headers = ImmutableDictionary.CreateBuilder<string, string>(StringComparer.OrdinalIgnoreCase);
        if (r.TryGetProperty("headers", out var h) && h.ValueKind == JsonValueKind.Object)
        {
            foreach (var p in h.EnumerateObject())
            {
                headers[p.Name] = p.Value.ToString();
            }
        }

        var query = ImmutableArray.CreateBuilder<QueryStringPair>();
        if (r.TryGetProperty("query", out var q) && q.ValueKind == JsonValueKind.Object)
        {
            foreach (var p in q.EnumerateObject())
            {
                query.Add(new QueryStringPair(p.Name, p.Value.ToString()));
            }
        }

        var path = Text("path") ?? "/";
        return new SyntheticRequest(Text("method") ?? "GET", Text("host"), path.StartsWith('/') ? path : "/" + path, headers.ToImmutable(), query.ToImmutable(), Text("sourceIp"));
    }

    private static async Task<IResult> Answer(Func<Task<IResult>> handle)
    {
        try
        {
            return await handle();
        }
        catch (JsonException e)
        {
            return Results.Json(new { __type = ErrorCodes.InvalidParameter, message = "The body is not valid JSON: " + e.Message }, Json, statusCode: 400);
        }
        catch (Exception e) when (e is OverflowException or ArgumentException)
        {
            return Results.Json(new { __type = ErrorCodes.InvalidParameter, message = "A number is out of range: " + e.Message }, Json, statusCode: 400);
        }
        catch (EcsException e)
        {
            return Results.Json(new { __type = e.Code, message = e.Message }, Json, statusCode: 400);
        }
    }
}
