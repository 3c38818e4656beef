using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;

namespace Emulator.Benchmarks;

/// <summary>
/// Requests per second of the AWS-compatible endpoint (issue 3's benchmark): the real silo process (the built
/// Emulator.Silo.dll) on loopback, driven from this process by N concurrent HttpClient connections, after a warm-up, for
/// a fixed duration per operation: DescribeTasks (10 tasks), ListTasks, RunTask (count 10), next to two baselines
/// through the same HTTP stack (GET /emulator/health: no grain call; ListClusters: one trivial grain call). CPU time of
/// the silo and of the load generator is reported per request, so the split of the two shared cores shows.
/// </summary>
public static class HttpBenchmark
{
    private const string Target = "AmazonEC2ContainerServiceV20141113.";

    public sealed record Phase(string Name, long Requests, long Errors, double Seconds, double SiloCpuMsPerRequest, double ClientCpuMsPerRequest)
    {
        public double PerSecond => Requests / Seconds;
    }

    public static async Task<int> Run(BenchmarkOptions o, TextWriter output)
    {
        using var silo = SiloProcess.Start(o.TimeScale);
        using var handler = new SocketsHttpHandler { MaxConnectionsPerServer = o.HttpConnections, PooledConnectionLifetime = Timeout.InfiniteTimeSpan };
        using var http = new HttpClient(handler) { BaseAddress = new Uri(silo.Endpoint), Timeout = TimeSpan.FromSeconds(60) };
        await silo.WaitHealthy(http);
        output.WriteLine($"HTTP benchmark: silo {silo.Endpoint} (pid {silo.Pid}), {o.HttpConnections} connections, warm-up {o.HttpWarmupSeconds} s, {o.HttpSeconds} s per phase, time scale {o.TimeScale}x, {Environment.ProcessorCount} cores");

        // A cluster with EC2 capacity (m5.large through a launch template and an Auto Scaling group) and 10 RUNNING tasks.
        var (describeBody, listBody, runBody) = await Prepare(http, o);

        var plan = new (string Name, Func<HttpRequestMessage> Request)[]
        {
            ("GET /emulator/health (HTTP stack only)", () => new HttpRequestMessage(HttpMethod.Get, "/emulator/health")),
            ("ListClusters (one grain call)", () => Ecs("ListClusters", "{}")),
            ("DescribeTasks (10 tasks)", () => Ecs("DescribeTasks", describeBody)),
            ("ListTasks (10 tasks)", () => Ecs("ListTasks", listBody)),
            ("RunTask (count 10)", () => Ecs("RunTask", runBody)),
        };
        if (o.HttpOnly is { } only)
        {
            foreach (var (name, request) in plan.Where(p => p.Name.Contains(only, StringComparison.OrdinalIgnoreCase)))
            {
                output.WriteLine($"measuring {name} only (pid {silo.Pid})");
                var p = await Measure(http, silo, o, name, request);
                output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{p.Name}: {p.PerSecond:0} requests/s, {p.Errors} errors, silo CPU {p.SiloCpuMsPerRequest:0.000} ms/req"));
            }

            return 0;
        }

        var phases = new List<Phase>();
        foreach (var (name, request) in plan)
        {
            phases.Add(await Measure(http, silo, o, name, request));
        }

        output.WriteLine();
        output.WriteLine($"| {"operation",-40} | {"requests/s",10} | {"vs health",9} | {"vs ListClusters",15} | {"errors",6} | {"silo CPU ms/req",15} | {"client CPU ms/req",17} |");
        output.WriteLine($"|{new string('-', 42)}|{new string('-', 12)}|{new string('-', 11)}|{new string('-', 17)}|{new string('-', 8)}|{new string('-', 17)}|{new string('-', 19)}|");
        foreach (var p in phases)
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {p.Name,-40} | {p.PerSecond,10:0} | {p.PerSecond / phases[0].PerSecond,9:0.00} | {p.PerSecond / phases[1].PerSecond,15:0.00} | {p.Errors,6} | {p.SiloCpuMsPerRequest,15:0.000} | {p.ClientCpuMsPerRequest,17:0.000} |"));
        }

        var describe = phases[2].PerSecond;
        output.WriteLine();
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"DescribeTasks: {describe:0} requests/s (target >= 5,000: {(describe >= 5000 ? "met" : "NOT met")})"));
        output.WriteLine("{" + string.Join(",", phases.Select(p => string.Create(CultureInfo.InvariantCulture, $"\"{p.Name.Split(' ')[0]}\":{p.PerSecond:0}"))) + "}");
        return 0;
    }

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

    private static async Task<(string Describe, string List, string Run)> Prepare(HttpClient http, BenchmarkOptions o)
    {
        const string cluster = "bench";
        await Call(http, "CreateCluster", new() { ["clusterName"] = cluster });
        var userData = Convert.ToBase64String(Encoding.UTF8.GetBytes($"#!/bin/bash\necho ECS_CLUSTER={cluster} >> /etc/ecs/ecs.config\n"));
        (await Query(http, "2016-11-15", ("Action", "CreateLaunchTemplate"), ("LaunchTemplateName", "bench-lt"), ("LaunchTemplateData.ImageId", "ami-12345678"),
            ("LaunchTemplateData.InstanceType", "m5.large"), ("LaunchTemplateData.UserData", userData))).Dispose();
        var instances = o.HttpInstances.ToString(CultureInfo.InvariantCulture);
        (await Query(http, "2011-01-01", ("Action", "CreateAutoScalingGroup"), ("AutoScalingGroupName", "bench-asg"), ("LaunchTemplate.LaunchTemplateName", "bench-lt"),
            ("LaunchTemplate.Version", "$Latest"), ("MinSize", "0"), ("MaxSize", instances), ("DesiredCapacity", instances),
            ("AvailabilityZones.member.1", "us-east-1a"), ("AvailabilityZones.member.2", "us-east-1b"), ("AvailabilityZones.member.3", "us-east-1c"))).Dispose();
        var sw = Stopwatch.StartNew();
        while ((await Call(http, "DescribeClusters", new() { ["clusters"] = new JsonArray(cluster) }))["clusters"]![0]!["registeredContainerInstancesCount"]!.GetValue<int>() < o.HttpInstances)
        {
            if (sw.Elapsed > TimeSpan.FromMinutes(2))
            {
                throw new InvalidOperationException("the benchmark's container instances did not register");
            }

            await Task.Delay(100);
        }

        // Small tasks (6 MiB, no CPU reservation) so that RunTask's 10 tasks per request keep fitting during its phase.
        await Call(http, "RegisterTaskDefinition", new()
        {
            ["family"] = "bench",
            ["containerDefinitions"] = new JsonArray(new JsonObject { ["name"] = "app", ["image"] = "busybox", ["cpu"] = 0, ["memory"] = 6, ["essential"] = true }),
        });
        var run = await Call(http, "RunTask", new() { ["cluster"] = cluster, ["taskDefinition"] = "bench", ["count"] = 10, ["launchType"] = "EC2" });
        var arns = run["tasks"]!.AsArray().Select(t => (string)t!["taskArn"]!).ToList();
        if (arns.Count != 10)
        {
            throw new InvalidOperationException("RunTask did not start 10 tasks: " + run.ToJsonString());
        }

        sw.Restart();
        while ((await Call(http, "DescribeTasks", new() { ["cluster"] = cluster, ["tasks"] = new JsonArray([.. arns.Select(a => (JsonNode)a)]) }))["tasks"]!
               .AsArray().Any(t => (string)t!["lastStatus"]! != "RUNNING"))
        {
            if (sw.Elapsed > TimeSpan.FromMinutes(1))
            {
                throw new InvalidOperationException("the benchmark's tasks did not reach RUNNING");
            }

            await Task.Delay(50);
        }

        // RunTask goes to a cluster of its own (same capacity), so ListTasks keeps listing the 10 tasks.
        await Call(http, "CreateCluster", new() { ["clusterName"] = "bench-run" });
        var runUserData = Convert.ToBase64String(Encoding.UTF8.GetBytes("#!/bin/bash\necho ECS_CLUSTER=bench-run >> /etc/ecs/ecs.config\n"));
        (await Query(http, "2016-11-15", ("Action", "CreateLaunchTemplate"), ("LaunchTemplateName", "bench-run-lt"), ("LaunchTemplateData.ImageId", "ami-12345678"),
            ("LaunchTemplateData.InstanceType", "m5.large"), ("LaunchTemplateData.UserData", runUserData))).Dispose();
        (await Query(http, "2011-01-01", ("Action", "CreateAutoScalingGroup"), ("AutoScalingGroupName", "bench-run-asg"), ("LaunchTemplate.LaunchTemplateName", "bench-run-lt"),
            ("LaunchTemplate.Version", "$Latest"), ("MinSize", "0"), ("MaxSize", instances), ("DesiredCapacity", instances),
            ("AvailabilityZones.member.1", "us-east-1a"), ("AvailabilityZones.member.2", "us-east-1b"), ("AvailabilityZones.member.3", "us-east-1c"))).Dispose();
        sw.Restart();
        while ((await Call(http, "DescribeClusters", new() { ["clusters"] = new JsonArray("bench-run") }))["clusters"]![0]!["registeredContainerInstancesCount"]!.GetValue<int>() < o.HttpInstances)
        {
            if (sw.Elapsed > TimeSpan.FromMinutes(2))
            {
                throw new InvalidOperationException("the RunTask cluster's container instances did not register");
            }

            await Task.Delay(100);
        }

        var describe = new JsonObject { ["cluster"] = cluster, ["tasks"] = new JsonArray([.. arns.Select(a => (JsonNode)a)]) }.ToJsonString();
        var list = new JsonObject { ["cluster"] = cluster }.ToJsonString();
        var runBody = new JsonObject { ["cluster"] = "bench-run", ["taskDefinition"] = "bench", ["count"] = 10, ["launchType"] = "EC2" }.ToJsonString();
        return (describe, list, runBody);
    }

    private static async Task<Phase> Measure(HttpClient http, SiloProcess silo, BenchmarkOptions o, string name, Func<HttpRequestMessage> request)
    {
        await Drive(http, request, TimeSpan.FromSeconds(o.HttpWarmupSeconds), o.HttpConnections);
        var siloCpu = silo.CpuTime();
        var clientCpu = Benchmarks.Measure.CpuTime();
        var sw = Stopwatch.StartNew();
        var (requests, errors) = await Drive(http, request, TimeSpan.FromSeconds(o.HttpSeconds), o.HttpConnections);
        var seconds = sw.Elapsed.TotalSeconds;
        var siloMs = (silo.CpuTime() - siloCpu).TotalMilliseconds;
        var clientMs = (Benchmarks.Measure.CpuTime() - clientCpu).TotalMilliseconds;
        return new Phase(name, requests, errors, seconds, siloMs / Math.Max(1, requests), clientMs / Math.Max(1, requests));
    }

    /// <summary>N workers, each sending its next request as soon as the previous one is answered, until the deadline.</summary>
    private static async Task<(long Requests, long Errors)> Drive(HttpClient http, Func<HttpRequestMessage> request, TimeSpan duration, int connections)
    {
        long requests = 0, errors = 0;
        var deadline = Stopwatch.GetTimestamp() + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        var workers = Enumerable.Range(0, connections).Select(async worker =>
        {
            while (Stopwatch.GetTimestamp() < deadline)
            {
                using var message = request();
                using var response = await http.SendAsync(message, HttpCompletionOption.ResponseContentRead);
                _ = await response.Content.ReadAsByteArrayAsync();
                Interlocked.Increment(ref requests);
                if (response.StatusCode != HttpStatusCode.OK)
                {
                    Interlocked.Increment(ref errors);
                }
            }
        });
        await Task.WhenAll(workers);
        return (requests, errors);
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
