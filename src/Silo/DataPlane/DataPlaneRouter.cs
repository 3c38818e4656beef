using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Text.Json.Nodes;
using Emulator.Contracts;
using Emulator.Grains;
using Emulator.Model;
using Emulator.Model.LoadBalancing;
using Emulator.Model.Time;

namespace Emulator.Silo.DataPlane;

/// <summary>A real HTTP request at a listener's data-plane port.</summary>
public sealed record DataPlaneRequest(string Method, string Host, string Path, string QueryString, IReadOnlyDictionary<string, string> Headers,
    IReadOnlyList<KeyValuePair<string, string>> Query, string? SourceIp);

/// <summary>What the data plane answers: status, content type, body and extra headers (Location of a redirect, the serving task).</summary>
public sealed record DataPlaneResponse(int Status, string ContentType, string Body, IReadOnlyDictionary<string, string> Headers);

/// <summary>
/// The load balancer data plane (issue 17): a real request at a listener's port is routed by the same pure function as
/// synthetic traffic (<see cref="RequestRouting.Match"/>), split by the matched forward action's weights (a weighted round
/// robin, <see cref="RequestRouting.Pick"/>), sent round robin to a target that receives requests (B-LB-1: healthy, or
/// dead and not yet found unhealthy, which answers 502, B-LB-2), and answered by an emulated app: JSON naming the serving
/// task, its capacity provider, zone and task definition, and every RUNNING task of its service with its provider (the
/// seed workshop's <c>ALL_TASKS</c> / <c>MY_ARN</c> / <c>MY_STRATEGY</c>). No target: 503; fixed-response and redirect
/// actions answer as configured. Every request is counted, in batches handed over every
/// <see cref="LoadBalancingOptions.DataPlaneFlushInterval"/>, into the same counters as synthetic traffic: the service's
/// (its traffic grain: figures, CloudWatch, CPU for auto scaling, B-LB-4) and the load balancer's.
/// The views of the load balancers and targets are cached for <see cref="LoadBalancingOptions.DataPlaneCacheTime"/>
/// (wall time), so a change (a new weight, a task that became healthy) reaches the data plane within that time.
/// </summary>
public sealed class DataPlaneRouter(IGrainFactory grains, IEmulatedClock clock, EmulatorOptions options, TimeProvider wall)
{
    private readonly ConcurrentDictionary<int, DataPlaneListener> _ports = new();
    private readonly ConcurrentDictionary<string, Cached<LoadBalancerInfo?>> _loadBalancers = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Cached<ImmutableArray<ServiceDataPlaneTargets>>> _targets = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, StrongBox> _sequences = new(StringComparer.Ordinal);
    private readonly Lock _countsLock = new();
    private Dictionary<(string Cluster, string Service, string TargetGroup, string LoadBalancer, string Flow), RequestCounts> _served = [];
    private Dictionary<(string LoadBalancer, string Flow), RequestCounts> _answered = [];

    private TimeSpan CacheTime => options.LoadBalancing.DataPlaneCacheTime;

    /// <summary>The listeners every silo serves, from the directory (the host refreshes it).</summary>
    public void SetListeners(IEnumerable<DataPlaneListener> listeners)
    {
        var current = listeners.ToDictionary(l => l.Port);
        foreach (var port in _ports.Keys.Where(p => !current.ContainsKey(p)))
        {
            _ports.TryRemove(port, out _);
        }

        foreach (var (port, l) in current)
        {
            _ports[port] = l;
        }
    }

    public async Task<DataPlaneResponse> Serve(int port, DataPlaneRequest request)
    {
        var started = wall.GetTimestamp();
        if (!_ports.TryGetValue(port, out var entry) || await LoadBalancer(entry.LoadBalancer) is not { } lb
            || lb.Listeners.FirstOrDefault(l => l.Arn == entry.ListenerArn) is not { } listener)
        {
            return ElbError(503, "Service Temporarily Unavailable");
        }

        var flow = FlowRouting.Key(listener.Arn, LoadBalancerGrain.DataPlaneFlow);
        if (clock.Now < lb.ActiveAt)
        {
            // A provisioning load balancer resolves to nothing on AWS; here its port answers as ELB does without capacity.
            Answered(lb.Spec.Name, flow, RequestCounts.Zero with { Requests = 1, Failed503 = 1 });
            return ElbError(503, "Service Temporarily Unavailable");
        }

        var book = new ListenerBook(lb.Listeners, lb.Rules);
        var shape = new HttpRequestShape(request.Method, HttpRequestShape.StripPort(request.Host), request.Path,
            new Dictionary<string, string>(request.Headers, StringComparer.OrdinalIgnoreCase), request.Query, request.SourceIp);
        var decision = RequestRouting.Match(book.RulesOf(listener), shape);
        switch (decision.Action.Type)
        {
            case ListenerAction.FixedResponseType:
                var f = decision.Action.FixedResponse!;
                Answered(lb.Spec.Name, flow, RequestCounts.Zero with { Requests = 1, FixedResponses = 1 });
                return new DataPlaneResponse(int.Parse(f.StatusCode, System.Globalization.CultureInfo.InvariantCulture), f.ContentType ?? "text/plain",
                    f.MessageBody ?? "", ImmutableDictionary<string, string>.Empty);
            case ListenerAction.RedirectType:
                var r = decision.Action.Redirect!;
                Answered(lb.Spec.Name, flow, RequestCounts.Zero with { Requests = 1, Redirects = 1 });
                var location = RequestRouting.RedirectLocation(r, listener.Protocol, shape.Host, listener.Port, request.Path, request.QueryString.TrimStart('?'));
                return new DataPlaneResponse(r.StatusCode == "HTTP_301" ? 301 : 302, "text/html", "",
                    ImmutableDictionary<string, string>.Empty.Add("Location", location));
        }

        var groupArn = RequestRouting.Pick(decision.Action.Forward!, Next("rule:" + decision.Rule.Arn));
        var services = groupArn is null ? [] : await Targets(groupArn);
        if (groupArn is null || services.IsEmpty)
        {
            Answered(lb.Spec.Name, flow, RequestCounts.Zero with { Requests = 1, Failed503 = 1 });
            return ElbError(503, "Service Temporarily Unavailable");
        }

        var group = TargetGroupArns.Name(groupArn);
        var routable = services.SelectMany(s => s.Routable.Select(t => (Service: s, Task: t))).ToList();
        if (routable.Count == 0)
        {
            Served(services[0], group, lb.Spec.Name, flow, RequestCounts.Zero with { Requests = 1, Failed503 = 1 });
            return ElbError(503, "Service Temporarily Unavailable");
        }

        var (service, task) = routable[(int)(Next("tg:" + groupArn) % routable.Count)];
        if (task.Dead)
        {
            // B-LB-2: a target that died without deregistration keeps its share until its health checks fail.
            Served(service, group, lb.Spec.Name, flow, RequestCounts.Zero with { Requests = 1, Failed502 = 1 });
            return ElbError(502, "Bad Gateway");
        }

        var body = EmulatedApp(task, service);
        var seconds = wall.GetElapsedTime(started).TotalSeconds;
        Served(service, group, lb.Spec.Name, flow, RequestCounts.Zero with { Requests = 1, ResponseTimeSum = seconds });
        return new DataPlaneResponse(200, "application/json", body, ImmutableDictionary<string, string>.Empty.Add("X-Emulator-Task", task.TaskArn));
    }

    /// <summary>Hands the counts gathered since the last call to the traffic grains (per cluster) and the load balancers.</summary>
    public void Flush()
    {
        Dictionary<(string Cluster, string Service, string TargetGroup, string LoadBalancer, string Flow), RequestCounts> served;
        Dictionary<(string LoadBalancer, string Flow), RequestCounts> answered;
        lock (_countsLock)
        {
            (served, _served) = (_served, []);
            (answered, _answered) = (_answered, []);
        }

        var at = clock.Now;
        foreach (var cluster in served.GroupBy(kv => kv.Key.Cluster, StringComparer.Ordinal))
        {
            grains.GetGrain<ITrafficGrain>(GrainKeys.Cluster(cluster.Key)).RecordRequests(
                [.. cluster.Select(kv => new ObservedRequests(kv.Key.Service, kv.Key.TargetGroup, kv.Key.LoadBalancer, kv.Key.Flow, at, kv.Value))]).Ignore();
        }

        foreach (var lb in answered.GroupBy(kv => kv.Key.LoadBalancer, StringComparer.Ordinal))
        {
            grains.GetGrain<ILoadBalancerGrain>(lb.Key).ReportServed([.. lb.Select(kv => new LoadBalancerServed(at, kv.Key.Flow, "", kv.Value))]).Ignore();
        }
    }

    /// <summary>The emulated app's answer: the workshop's shape plus the serving task's zone and task definition.</summary>
    public static string EmulatedApp(DataPlaneTask task, ServiceDataPlaneTargets service)
    {
        var all = new JsonObject();
        foreach (var t in service.RunningTasks)
        {
            all[t.TaskArn] = t.ProviderOrLaunchType;
        }

        return new JsonObject
        {
            ["ALL_TASKS"] = all,
            ["MY_ARN"] = task.TaskArn,
            ["MY_STRATEGY"] = task.ProviderOrLaunchType,
            ["MY_AVAILABILITY_ZONE"] = task.AvailabilityZone,
            ["MY_TASK_DEFINITION"] = Arns.ShortName(task.TaskDefinitionArn),
            ["MY_SERVICE"] = service.Service,
            ["MY_CLUSTER"] = service.Cluster,
        }.ToJsonString();
    }

    private static DataPlaneResponse ElbError(int status, string text) => new(status, "text/html",
        $"<html>\r\n<head><title>{status} {text}</title></head>\r\n<body>\r\n<center><h1>{status} {text}</h1></center>\r\n</body>\r\n</html>\r\n",
        ImmutableDictionary<string, string>.Empty.Add("Server", "awselb/2.0"));

    private void Served(ServiceDataPlaneTargets service, string targetGroup, string loadBalancer, string flow, RequestCounts counts)
    {
        lock (_countsLock)
        {
            var key = (service.Cluster, service.Service, targetGroup, loadBalancer, flow);
            _served[key] = _served.GetValueOrDefault(key, RequestCounts.Zero).Add(counts);
        }
    }

    private void Answered(string loadBalancer, string flow, RequestCounts counts)
    {
        lock (_countsLock)
        {
            _answered[(loadBalancer, flow)] = _answered.GetValueOrDefault((loadBalancer, flow), RequestCounts.Zero).Add(counts);
        }
    }

    private long Next(string key) => Interlocked.Increment(ref _sequences.GetOrAdd(key, _ => new StrongBox()).Value) - 1;

    private Task<LoadBalancerInfo?> LoadBalancer(string name) =>
        Fresh(_loadBalancers, name, () => grains.GetGrain<ILoadBalancerGrain>(name).Describe());

    private Task<ImmutableArray<ServiceDataPlaneTargets>> Targets(string targetGroupArn) =>
        Fresh(_targets, targetGroupArn, () => grains.GetGrain<ITargetGroupGrain>(TargetGroupArns.Name(targetGroupArn)).GetDataPlaneTargets());

    /// <summary>The cached answer while it is younger than the cache time, else a new read (concurrent requests share it).</summary>
    private Task<T> Fresh<T>(ConcurrentDictionary<string, Cached<T>> cache, string key, Func<Task<T>> read)
    {
        var now = wall.GetTimestamp();
        if (cache.TryGetValue(key, out var hit) && wall.GetElapsedTime(hit.At, now) < CacheTime && !hit.Value.IsFaulted)
        {
            return hit.Value;
        }

        var next = new Cached<T>(read(), now);
        cache[key] = next;
        return next.Value;
    }

    private sealed record Cached<T>(Task<T> Value, long At);

    private sealed class StrongBox
    {
        public long Value;
    }
}
