using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Emulator.Benchmarks;

/// <summary>
/// Requests per second of the AWS-compatible endpoint (issue 3's benchmark): the real silo process (the built
/// Emulator.Silo.dll) on loopback, driven from this process by N concurrent HttpClient connections, after a warm-up, for
/// a fixed duration per operation: DescribeTasks (10 tasks), ListTasks, a GET through an Application Load Balancer's
/// data plane (issue 17: rule match, weights, a healthy target, the emulated app's JSON), RunTask (count 10), next to two baselines
/// through the same HTTP stack (GET /emulator/health: no grain call; ListClusters: one trivial grain call). CPU time of
/// the silo and of the load generator is reported per request, so the split of the two shared cores shows.
/// An answer that did no work counts as an error, never as speed: a non-200 status, a <c>failures</c> entry, fewer
/// tasks than asked for. RunTask's phase is as long as its capacity: it issues exactly as many calls as the cluster's
/// instances hold tasks (so every call can place its 10 tasks) and reports placed tasks per second next to requests.
/// </summary>
public static class HttpBenchmark
{
    private const string Target = "AmazonEC2ContainerServiceV20141113.";

    /// <summary>Tasks per RunTask call.</summary>
    private const int RunCount = 10;

    /// <summary>Memory (MiB) of the RunTask phase's tasks; no CPU reservation, so memory alone bounds the capacity.</summary>
    private const int RunTaskMemory = 6;

    public sealed record Phase(string Name, string Key, long Requests, long Errors, double Seconds, double SiloCpuMsPerRequest, double ClientCpuMsPerRequest, long Placed = 0, string? Note = null)
    {
        public double PerSecond => Requests / Seconds;

        /// <summary>Tasks placed per second (RunTask), 0 for operations that place nothing.</summary>
        public double PlacedPerSecond => Placed / Seconds;
    }

    /// <summary>
    /// One measured operation. <paramref name="Work"/> reads an answer's body and says how much work it did (tasks
    /// described, listed or placed); an answer below <paramref name="Expected"/> is an error. <paramref name="Calls"/>
    /// bounds the phase by a number of calls instead of by time (RunTask: the capacity).
    /// </summary>
    private sealed record Plan(string Name, string Key, Func<HttpRequestMessage> Request, Func<byte[], int>? Work, int Expected, int? Calls = null, Func<HttpRequestMessage>? WarmUp = null, string? Note = null);

    public static async Task<int> Run(BenchmarkOptions o, TextWriter output)
    {
        using var silo = SiloProcess.Start(o.TimeScale);
        using var handler = new SocketsHttpHandler { MaxConnectionsPerServer = o.HttpConnections, PooledConnectionLifetime = Timeout.InfiniteTimeSpan };
        using var http = new HttpClient(handler) { BaseAddress = new Uri(silo.Endpoint), Timeout = TimeSpan.FromSeconds(60) };
        await silo.WaitHealthy(http);
        output.WriteLine($"HTTP benchmark: silo {silo.Endpoint} (pid {silo.Pid}), {o.HttpConnections} connections, warm-up {o.HttpWarmupSeconds} s, {o.HttpSeconds} s per phase, time scale {o.TimeScale}x, {Environment.ProcessorCount} cores");

        // A cluster with EC2 capacity (m5.large through a launch template and an Auto Scaling group) and 10 RUNNING tasks.
        var prepared = await Prepare(http, o);
        var runCalls = prepared.RunCapacity / RunCount;
        if (runCalls < 1)
        {
            throw new InvalidOperationException($"the RunTask cluster has room for {prepared.RunCapacity} tasks, not one call of {RunCount}: raise --http-instances");
        }

        var runNote = $"{runCalls:N0} calls: the capacity of {o.HttpInstances} m5.large, room for {prepared.RunCapacity:N0} tasks of {RunTaskMemory} MiB";
        output.WriteLine($"RunTask phase: {runNote} (a call that places fewer than {RunCount} tasks counts as an error)");

        var plan = new Plan[]
        {
            new("GET /emulator/health (HTTP stack only)", "health", () => new HttpRequestMessage(HttpMethod.Get, "/emulator/health"), null, 0),
            new("ListClusters (one grain call)", "listClusters", () => Ecs("ListClusters", "{}"), body => Count(body, "clusterArns"), 1),
            new("DescribeTasks (10 tasks)", "describeTasks", () => Ecs("DescribeTasks", prepared.Describe), body => Failures(body) > 0 ? -1 : Count(body, "tasks"), 10),
            new("ListTasks (10 tasks)", "listTasks", () => Ecs("ListTasks", prepared.List), body => Count(body, "taskArns"), 10),
            new($"ALB data plane GET / ({DataPlaneTargets} targets)", "dataPlane", () => new HttpRequestMessage(HttpMethod.Get, prepared.DataPlaneUrl), Served, 1),
            new($"RunTask (count {RunCount})", "runTask", () => Ecs("RunTask", prepared.Run), body => Failures(body) > 0 ? -1 : Count(body, "tasks"), RunCount,
                Calls: runCalls, WarmUp: () => Ecs("RunTask", prepared.WarmRun), Note: runNote),
        };
        if (o.HttpOnly is { } only)
        {
            foreach (var p in plan.Where(p => p.Name.Contains(only, StringComparison.OrdinalIgnoreCase)))
            {
                output.WriteLine($"measuring {p.Name} only (pid {silo.Pid})");
                var measured = await Measure(http, silo, o, p);
                output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{measured.Name}: {measured.PerSecond:0} requests/s, {measured.Errors} errors, silo CPU {measured.SiloCpuMsPerRequest:0.000} ms/req"));
            }

            return 0;
        }

        var phases = new List<Phase>();
        foreach (var p in plan)
        {
            phases.Add(await Measure(http, silo, o, p));
        }

        output.WriteLine();
        output.WriteLine($"| {"operation",-40} | {"requests/s",10} | {"tasks placed/s",14} | {"vs health",9} | {"vs ListClusters",15} | {"errors",6} | {"silo CPU ms/req",15} | {"client CPU ms/req",17} |");
        output.WriteLine($"|{new string('-', 42)}|{new string('-', 12)}|{new string('-', 16)}|{new string('-', 11)}|{new string('-', 17)}|{new string('-', 8)}|{new string('-', 17)}|{new string('-', 19)}|");
        foreach (var p in phases)
        {
            var placed = p.Placed > 0 ? p.PlacedPerSecond.ToString("0", CultureInfo.InvariantCulture) : "-";
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {p.Name,-40} | {p.PerSecond,10:0} | {placed,14} | {p.PerSecond / phases[0].PerSecond,9:0.00} | {p.PerSecond / phases[1].PerSecond,15:0.00} | {p.Errors,6} | {p.SiloCpuMsPerRequest,15:0.000} | {p.ClientCpuMsPerRequest,17:0.000} |"));
        }

        var describe = phases.Single(p => p.Key == "describeTasks");
        var runTask = phases.Single(p => p.Key == "runTask");
        var errors = phases.Sum(p => p.Errors);
        output.WriteLine();
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"RunTask: {runTask.PerSecond:0} requests/s, {runTask.PlacedPerSecond:0} tasks placed/s over {runTask.Requests:N0} calls in {runTask.Seconds:0.00} s ({runTask.Note}); {runTask.Errors} answer(s) without all {RunCount} tasks"));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"DescribeTasks: {describe.PerSecond:0} requests/s (target >= 5,000: {(describe.PerSecond >= 5000 && describe.Errors == 0 ? "met" : describe.Errors > 0 ? "NOT met: errors" : "NOT met")})"));
        var dataPlane = phases.Single(p => p.Key == "dataPlane");
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"ALB data plane: {dataPlane.PerSecond:0} requests/s on loopback, {dataPlane.PerSecond / phases[0].PerSecond:0.00} of the same silo's raw HTTP baseline (GET /emulator/health, {phases[0].PerSecond:0}/s); {dataPlane.Errors} answer(s) without a serving task"));
        if (errors > 0)
        {
            output.WriteLine($"ERRORS: {errors} answer(s) did no work (non-200, a failures entry or fewer tasks than asked for): the figures above do not stand");
        }

        output.WriteLine("{\"benchmark\":\"http\",\"errors\":" + errors.ToString(CultureInfo.InvariantCulture) + ",\"phases\":[" + string.Join(",", phases.Select(p => string.Create(CultureInfo.InvariantCulture,
            $"{{\"key\":\"{p.Key}\",\"requestsPerSecond\":{p.PerSecond:0},\"placedPerSecond\":{p.PlacedPerSecond:0},\"errors\":{p.Errors},\"requests\":{p.Requests},\"seconds\":{p.Seconds:0.000},\"siloCpuMsPerRequest\":{p.SiloCpuMsPerRequest:0.000}}}"))) + "]}");
        return errors > 0 ? 1 : 0;
    }

    /// <summary>Length of a top-level array of a JSON answer (-1: not JSON or no such array).</summary>
    private static int Count(byte[] body, string property)
    {
        try
        {
            using var doc = JsonDocument.Parse(body);
            return doc.RootElement.TryGetProperty(property, out var a) && a.ValueKind == JsonValueKind.Array ? a.GetArrayLength() : -1;
        }
        catch (JsonException)
        {
            return -1;
        }
    }

    /// <summary>Entries of the answer's <c>failures</c> array (0 when absent).</summary>
    private static int Failures(byte[] body) => Math.Max(0, Count(body, "failures"));

    private static HttpRequestMessage Ecs(string operation, string body)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/") { Content = new StringContent(body, Encoding.UTF8, "application/x-amz-json-1.1") };
        request.Headers.TryAddWithoutValidation("X-Amz-Target", Target + operation);
        return request;
    }

    internal static async Task<JsonObject> Call(HttpClient http, string operation, JsonObject body)
    {
        using var response = await http.SendAsync(Ecs(operation, body.ToJsonString()));
        var text = await response.Content.ReadAsStringAsync();
        if (response.StatusCode != HttpStatusCode.OK)
        {
            throw new InvalidOperationException($"{operation} failed: {text}");
        }

        return JsonNode.Parse(text)!.AsObject();
    }

    internal static async Task<HttpResponseMessage> Query(HttpClient http, string version, params (string, string)[] fields)
    {
        var form = fields.ToDictionary(f => f.Item1, f => f.Item2);
        form["Version"] = version;
        var response = await http.PostAsync("/", new FormUrlEncodedContent(form));
        if (response.StatusCode != HttpStatusCode.OK)
        {
            throw new InvalidOperationException($"{form["Action"]} failed: {await response.Content.ReadAsStringAsync()}");
        }

        return response;
    }

    private sealed record Prepared(string Describe, string List, string Run, string WarmRun, int RunCapacity, string DataPlaneUrl);

    private static async Task<Prepared> Prepare(HttpClient http, BenchmarkOptions o)
    {
        const string cluster = "bench";
        await CreateCapacity(http, cluster, o.HttpInstances);

        // Small tasks (6 MiB, no CPU reservation): RunTask's phase places a few tens of thousands of them.
        await Call(http, "RegisterTaskDefinition", new()
        {
            ["family"] = "bench",
            ["containerDefinitions"] = new JsonArray(new JsonObject { ["name"] = "app", ["image"] = "busybox", ["cpu"] = 0, ["memory"] = RunTaskMemory, ["essential"] = true }),
        });
        var run = await Call(http, "RunTask", new() { ["cluster"] = cluster, ["taskDefinition"] = "bench", ["count"] = 10, ["launchType"] = "EC2" });
        var arns = run["tasks"]!.AsArray().Select(t => (string)t!["taskArn"]!).ToList();
        if (arns.Count != 10)
        {
            throw new InvalidOperationException("RunTask did not start 10 tasks: " + run.ToJsonString());
        }

        var sw = Stopwatch.StartNew();
        while ((await Call(http, "DescribeTasks", new() { ["cluster"] = cluster, ["tasks"] = new JsonArray([.. arns.Select(a => (JsonNode)a)]) }))["tasks"]!
               .AsArray().Any(t => (string)t!["lastStatus"]! != "RUNNING"))
        {
            if (sw.Elapsed > TimeSpan.FromMinutes(1))
            {
                throw new InvalidOperationException("the benchmark's tasks did not reach RUNNING");
            }

            await Task.Delay(50);
        }

        // RunTask goes to a cluster of its own (same capacity), so ListTasks keeps listing the 10 tasks; its warm-up to a
        // small cluster of its own, so the measured phase starts on empty instances.
        await CreateCapacity(http, "bench-run", o.HttpInstances);
        await CreateCapacity(http, "bench-run-warm", Math.Max(2, o.HttpInstances / 10));
        var capacity = await TaskRoom(http, "bench-run");

        var describe = new JsonObject { ["cluster"] = cluster, ["tasks"] = new JsonArray([.. arns.Select(a => (JsonNode)a)]) }.ToJsonString();
        var list = new JsonObject { ["cluster"] = cluster }.ToJsonString();
        var runBody = new JsonObject { ["cluster"] = "bench-run", ["taskDefinition"] = "bench", ["count"] = RunCount, ["launchType"] = "EC2" }.ToJsonString();
        var warmBody = new JsonObject { ["cluster"] = "bench-run-warm", ["taskDefinition"] = "bench", ["count"] = RunCount, ["launchType"] = "EC2" }.ToJsonString();
        return new Prepared(describe, list, runBody, warmBody, capacity, await PrepareLoadBalancer(http));
    }

    /// <summary>
    /// Issue 17's data plane: an Application Load Balancer whose listener forwards to a target group of a service of
    /// <see cref="DataPlaneTargets"/> healthy tasks (a cluster of its own); returns the listener's loopback URL.
    /// </summary>
    private static async Task<string> PrepareLoadBalancer(HttpClient http)
    {
        const string cluster = "bench-lb";
        await CreateCapacity(http, cluster, 2);
        await Call(http, "RegisterTaskDefinition", new()
        {
            ["family"] = "bench-web",
            ["containerDefinitions"] = new JsonArray(new JsonObject
            {
                ["name"] = "web", ["image"] = "nginx", ["cpu"] = 0, ["memory"] = 64, ["essential"] = true,
                ["portMappings"] = new JsonArray(new JsonObject { ["containerPort"] = 80, ["hostPort"] = 0 }),
            }),
        });
        string Value(string xml, string element) =>
            System.Xml.Linq.XDocument.Parse(xml).Descendants().First(e => e.Name.LocalName == element).Value;
        using var lb = await Query(http, "2015-12-01", ("Action", "CreateLoadBalancer"), ("Name", cluster), ("Subnets.member.1", "subnet-0emulator000001"),
            ("Subnets.member.2", "subnet-0emulator000002"));
        var lbXml = await lb.Content.ReadAsStringAsync();
        using var tg = await Query(http, "2015-12-01", ("Action", "CreateTargetGroup"), ("Name", cluster + "-tg"), ("Protocol", "HTTP"), ("Port", "80"),
            ("VpcId", Value(lbXml, "VpcId")), ("TargetType", "instance"), ("HealthyThresholdCount", "2"), ("HealthCheckIntervalSeconds", "5"), ("HealthCheckTimeoutSeconds", "2"));
        var tgArn = Value(await tg.Content.ReadAsStringAsync(), "TargetGroupArn");
        (await Query(http, "2015-12-01", ("Action", "CreateListener"), ("LoadBalancerArn", Value(lbXml, "LoadBalancerArn")), ("Protocol", "HTTP"), ("Port", "80"),
            ("DefaultActions.member.1.Type", "forward"), ("DefaultActions.member.1.TargetGroupArn", tgArn))).Dispose();
        await Call(http, "CreateService", new()
        {
            ["cluster"] = cluster, ["serviceName"] = "web", ["taskDefinition"] = "bench-web", ["desiredCount"] = DataPlaneTargets, ["launchType"] = "EC2",
            ["loadBalancers"] = new JsonArray(new JsonObject { ["targetGroupArn"] = tgArn, ["containerName"] = "web", ["containerPort"] = 80 }),
        });
        var sw = Stopwatch.StartNew();
        while (true)
        {
            using var health = await Query(http, "2015-12-01", ("Action", "DescribeTargetHealth"), ("TargetGroupArn", tgArn));
            var healthy = System.Xml.Linq.XDocument.Parse(await health.Content.ReadAsStringAsync()).Descendants().Count(e => e.Name.LocalName == "State" && e.Value == "healthy");
            var views = JsonNode.Parse(await http.GetStringAsync("/emulator/load-balancers"))!.AsArray();
            var view = views.FirstOrDefault(v => (string?)v!["name"] == cluster);
            if (healthy == DataPlaneTargets && (string?)view?["state"] == "active" && view!["listeners"]!.AsArray().FirstOrDefault()?["loopbackUrl"] is { } url)
            {
                try
                {
                    using var probe = await http.GetAsync((string)url!);
                    if (probe.StatusCode == HttpStatusCode.OK)
                    {
                        return (string)url!;
                    }
                }
                catch (HttpRequestException)
                {
                    // the listener's data-plane port opens within the data plane's next sync (a second)
                }
            }

            if (sw.Elapsed > TimeSpan.FromMinutes(2))
            {
                throw new InvalidOperationException($"the load balancer's {DataPlaneTargets} targets did not become healthy and answer ({healthy} healthy)");
            }

            await Task.Delay(100);
        }
    }

    /// <summary>Tasks behind the data-plane phase's load balancer.</summary>
    private const int DataPlaneTargets = 10;

    /// <summary>The data plane's answer did work when it names the task that served it (the emulated app's JSON).</summary>
    private static int Served(byte[] body)
    {
        try
        {
            using var doc = JsonDocument.Parse(body);
            return doc.RootElement.TryGetProperty("MY_ARN", out var arn) && arn.GetString() is { Length: > 0 } ? 1 : -1;
        }
        catch (JsonException)
        {
            return -1;
        }
    }

    /// <summary>A cluster with <paramref name="instances"/> m5.large of an Auto Scaling group (launch template with ECS_CLUSTER user data), registered.</summary>
    private static async Task CreateCapacity(HttpClient http, string cluster, int instances)
    {
        await Call(http, "CreateCluster", new() { ["clusterName"] = cluster });
        var userData = Convert.ToBase64String(Encoding.UTF8.GetBytes($"#!/bin/bash\necho ECS_CLUSTER={cluster} >> /etc/ecs/ecs.config\n"));
        (await Query(http, "2016-11-15", ("Action", "CreateLaunchTemplate"), ("LaunchTemplateName", cluster + "-lt"), ("LaunchTemplateData.ImageId", "ami-12345678"),
            ("LaunchTemplateData.InstanceType", "m5.large"), ("LaunchTemplateData.UserData", userData))).Dispose();
        var count = instances.ToString(CultureInfo.InvariantCulture);
        (await Query(http, "2011-01-01", ("Action", "CreateAutoScalingGroup"), ("AutoScalingGroupName", cluster + "-asg"), ("LaunchTemplate.LaunchTemplateName", cluster + "-lt"),
            ("LaunchTemplate.Version", "$Latest"), ("MinSize", "0"), ("MaxSize", count), ("DesiredCapacity", count),
            ("AvailabilityZones.member.1", "us-east-1a"), ("AvailabilityZones.member.2", "us-east-1b"), ("AvailabilityZones.member.3", "us-east-1c"))).Dispose();
        var sw = Stopwatch.StartNew();
        while ((await Call(http, "DescribeClusters", new() { ["clusters"] = new JsonArray(cluster) }))["clusters"]![0]!["registeredContainerInstancesCount"]!.GetValue<int>() < instances)
        {
            if (sw.Elapsed > TimeSpan.FromMinutes(2))
            {
                throw new InvalidOperationException($"the container instances of {cluster} did not register");
            }

            await Task.Delay(100);
        }
    }

    /// <summary>How many of the RunTask phase's tasks the cluster's instances hold (memory bounds it: the tasks reserve no CPU).</summary>
    private static async Task<int> TaskRoom(HttpClient http, string cluster)
    {
        var room = 0;
        string? next = null;
        do
        {
            var page = await Call(http, "ListContainerInstances", next is null ? new() { ["cluster"] = cluster, ["maxResults"] = 100 } : new() { ["cluster"] = cluster, ["maxResults"] = 100, ["nextToken"] = next });
            var arns = page["containerInstanceArns"]!.AsArray().Select(a => (JsonNode)(string)a!).ToArray();
            next = (string?)page["nextToken"];
            if (arns.Length == 0)
            {
                break;
            }

            var described = await Call(http, "DescribeContainerInstances", new() { ["cluster"] = cluster, ["containerInstances"] = new JsonArray(arns) });
            room += described["containerInstances"]!.AsArray().Sum(i => i!["remainingResources"]!.AsArray()
                .Where(r => (string)r!["name"]! == "MEMORY").Sum(r => r!["integerValue"]!.GetValue<int>()) / RunTaskMemory);
        }
        while (next is not null);

        return room;
    }

    private static async Task<Phase> Measure(HttpClient http, SiloProcess silo, BenchmarkOptions o, Plan plan)
    {
        await Drive(http, plan.WarmUp ?? plan.Request, null, 0, TimeSpan.FromSeconds(o.HttpWarmupSeconds), null, o.HttpConnections);
        var siloCpu = silo.CpuTime();
        var clientCpu = Benchmarks.Measure.CpuTime();
        var sw = Stopwatch.StartNew();
        var (requests, errors, work) = await Drive(http, plan.Request, plan.Work, plan.Expected, TimeSpan.FromSeconds(o.HttpSeconds), plan.Calls, o.HttpConnections);
        var seconds = sw.Elapsed.TotalSeconds;
        var siloMs = (silo.CpuTime() - siloCpu).TotalMilliseconds;
        var clientMs = (Benchmarks.Measure.CpuTime() - clientCpu).TotalMilliseconds;
        return new Phase(plan.Name, plan.Key, requests, errors, seconds, siloMs / Math.Max(1, requests), clientMs / Math.Max(1, requests),
            plan.Key == "runTask" ? work : 0, plan.Note);
    }

    /// <summary>
    /// N workers, each sending its next request as soon as the previous one is answered, until the deadline or, with
    /// <paramref name="calls"/>, until that many requests were sent. An answer is an error when it is not 200 or, with
    /// <paramref name="work"/>, when it did less than <paramref name="expected"/> (the work of the good answers is summed).
    /// </summary>
    private static async Task<(long Requests, long Errors, long Work)> Drive(
        HttpClient http, Func<HttpRequestMessage> request, Func<byte[], int>? work, int expected, TimeSpan duration, int? calls, int connections)
    {
        long requests = 0, errors = 0, done = 0, issued = 0;
        var deadline = Stopwatch.GetTimestamp() + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        bool More() => calls is { } n ? Interlocked.Increment(ref issued) <= n : Stopwatch.GetTimestamp() < deadline;
        var workers = Enumerable.Range(0, connections).Select(async worker =>
        {
            while (More())
            {
                using var message = request();
                using var response = await http.SendAsync(message, HttpCompletionOption.ResponseContentRead);
                var body = await response.Content.ReadAsByteArrayAsync();
                Interlocked.Increment(ref requests);
                var did = response.StatusCode != HttpStatusCode.OK ? -1 : work?.Invoke(body) ?? expected;
                if (did < expected)
                {
                    Interlocked.Increment(ref errors);
                }
                else
                {
                    Interlocked.Add(ref done, did);
                }
            }
        });
        await Task.WhenAll(workers);
        return (requests, errors, done);
    }

    /// <summary>The built silo (same configuration as this program) as a child process on free loopback ports.</summary>
    internal sealed class SiloProcess : IDisposable
    {
        private readonly Process _process;

        private SiloProcess(Process process, int port)
        {
            _process = process;
            Endpoint = $"http://127.0.0.1:{port}";
        }

        public string Endpoint { get; }

        public int Pid => _process.Id;

        public static SiloProcess Start(double timeScale, params string[] extra)
        {
#if DEBUG
            const string configuration = "Debug";
#else
            const string configuration = "Release";
#endif
            var dll = Path.Combine(RepoRoot(), "src", "Silo", "bin", configuration, "net10.0", "Emulator.Silo.dll");
            if (!File.Exists(dll))
            {
                throw new InvalidOperationException($"build the silo first ({configuration}): {dll} is missing");
            }

            var port = FreePort();
            var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            string[] args = [dll, "--port", port.ToString(CultureInfo.InvariantCulture), "--silo-port", FreePort().ToString(CultureInfo.InvariantCulture),
                "--gateway-port", FreePort().ToString(CultureInfo.InvariantCulture), "--time-scale", timeScale.ToString(CultureInfo.InvariantCulture),
                "--metrics-export-seconds", "0", "--Logging:LogLevel:Default=Warning", .. extra];
            foreach (var a in args)
            {
                info.ArgumentList.Add(a);
            }

            var process = Process.Start(info)!;
            process.OutputDataReceived += (_, _) => { };
            process.ErrorDataReceived += (_, _) => { };
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            return new SiloProcess(process, port);
        }

        /// <summary>The repository's root: the first directory above the program that holds Emulator.sln.</summary>
        public static string RepoRoot()
        {
            var root = new DirectoryInfo(AppContext.BaseDirectory);
            while (root is not null && !File.Exists(Path.Combine(root.FullName, "Emulator.sln")))
            {
                root = root.Parent;
            }

            return root?.FullName ?? throw new InvalidOperationException("Emulator.sln not found above " + AppContext.BaseDirectory);
        }

        public async Task WaitHealthy(HttpClient http)
        {
            var sw = Stopwatch.StartNew();
            while (sw.Elapsed < TimeSpan.FromSeconds(60))
            {
                if (_process.HasExited)
                {
                    throw new InvalidOperationException("the silo process exited during start-up");
                }

                try
                {
                    using var r = await http.GetAsync("/emulator/health");
                    if (r.IsSuccessStatusCode)
                    {
                        return;
                    }
                }
                catch (HttpRequestException)
                {
                    // not listening yet
                }

                await Task.Delay(200);
            }

            throw new InvalidOperationException("the silo did not answer /emulator/health within 60 s");
        }

        public TimeSpan CpuTime()
        {
            _process.Refresh();
            return _process.TotalProcessorTime;
        }

        public void Dispose()
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit(10_000);
            }

            _process.Dispose();
        }

        private static int FreePort()
        {
            using var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            return ((IPEndPoint)listener.LocalEndpoint).Port;
        }
    }
}
