using System.Collections.Immutable;
using System.Diagnostics;
using System.Globalization;
using Emulator.Contracts;
using Emulator.Runtime;
using Microsoft.Extensions.DependencyInjection;

namespace Emulator.Benchmarks;

/// <summary>
/// <c>--deployment [--services N] [--tasks N] [--time-scale X] [--rps X] [--min-healthy P] [--max-percent P]
/// [--activations N] [--timeout-seconds N]</c>: a rolling deployment (B-DP-1, B-SV-4) of N services x M tasks at once,
/// each behind its own target group with synthetic traffic (B-LB-3), on already-registered m5.large instances, at the
/// given time scale (default 100 services x 100 tasks at 100x, 10 requests/s per service, 100 % / 200 %). It reports the
/// time until every deployment is COMPLETED (emulated and wall), the requests that failed meanwhile, the timer lag
/// (B-T-3) p50 / p99 / max, and the raw Orleans baseline measured in the same process. A service whose deployment did
/// not complete, or any failed request, is reported as such: an error is never speed.
/// </summary>
public static class DeploymentBenchmark
{
    private const string ClusterName = "deploy-bench";
    private const string InstanceType = "m5.large";
    private const int TaskCpu = 128;
    private const int TaskMemory = 256;

    public static async Task<int> Run(string[] args, TextWriter output)
    {
        int services = 100, tasks = 100, minHealthy = 100, maxPercent = 200, activations = 20_000, timeoutSeconds = 1_800;
        double timeScale = 100, rps = 10;
        for (var i = 0; i + 1 < args.Length; i += 2)
        {
            var value = args[i + 1];
            switch (args[i])
            {
                case "--services": services = int.Parse(value, CultureInfo.InvariantCulture); break;
                case "--tasks": tasks = int.Parse(value, CultureInfo.InvariantCulture); break;
                case "--time-scale": timeScale = double.Parse(value, CultureInfo.InvariantCulture); break;
                case "--rps": rps = double.Parse(value, CultureInfo.InvariantCulture); break;
                case "--min-healthy": minHealthy = int.Parse(value, CultureInfo.InvariantCulture); break;
                case "--max-percent": maxPercent = int.Parse(value, CultureInfo.InvariantCulture); break;
                case "--activations": activations = int.Parse(value, CultureInfo.InvariantCulture); break;
                case "--timeout-seconds": timeoutSeconds = int.Parse(value, CultureInfo.InvariantCulture); break;
                default:
                    output.WriteLine("usage: Emulator.Benchmarks --deployment [--services N] [--tasks N] [--time-scale X] [--rps X] [--min-healthy P] [--max-percent P] [--activations N] [--timeout-seconds N]");
                    return 2;
            }
        }

        if (services < 1 || tasks < 1 || timeScale <= 0 || rps < 0)
        {
            output.WriteLine("--services and --tasks must be at least 1, --time-scale positive, --rps not negative");
            return 2;
        }

        var options = new BenchmarkOptions { TimeScale = timeScale, Activations = activations, LaunchesPerMinute = 500 };
        var emulator = BenchmarkHost.EmulatorOptionsFor(options);
        using var host = BenchmarkHost.Build(emulator, null);
        await host.StartAsync();
        var grains = host.Services.GetRequiredService<IGrainFactory>();
        var runtime = host.Services.GetRequiredService<EmulatorRuntime>();
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Deployment benchmark: {services} services x {tasks} tasks, rolling {minHealthy} % / {maxPercent} %, {rps} requests/s per service, {timeScale}x, {(Report.IsOptimized ? "Release" : "NOT OPTIMIZED")}"));
        output.WriteLine("Raw Orleans baseline:");
        var baseline = await BaselineBenchmark.Run(grains, options, output);

        // Capacity for the peak of the deployment (desired x maximumPercent), with 10 % to spare.
        var registered = runtime.Catalog.Registered(runtime.Catalog.Get(InstanceType));
        var perInstance = Math.Min(registered.Cpu / TaskCpu, registered.Memory / TaskMemory);
        var instances = (int)Math.Ceiling(services * (double)tasks * Math.Max(100, maxPercent) / 100 / perInstance * 1.1);
        var control = grains.GetGrain<IEcsControlGrain>(GrainKeys.Control);
        var cluster = grains.GetGrain<IClusterGrain>(GrainKeys.Cluster(ClusterName));
        var zones = runtime.Options.AvailabilityZones;
        await control.CreateCluster(new CreateClusterRequest(ClusterName, [], [], ImmutableDictionary<string, string>.Empty));
        output.WriteLine($"Setup: {instances:N0} {InstanceType} instances, {services} services behind their target groups...");
        await Measure.Fan(instances, 32, i => cluster.RegisterInstance(new InstanceRegistration(
            $"i-{i:x17}", InstanceType, zones[i % zones.Count], null, false, false, ImmutableDictionary<string, string>.Empty)));
        var names = Enumerable.Range(0, services).Select(i => $"svc{i:D3}").ToList();
        var v1 = new Dictionary<string, TaskDefinitionRecord>(StringComparer.Ordinal);
        var v2 = new Dictionary<string, TaskDefinitionRecord>(StringComparer.Ordinal);
        foreach (var name in names)
        {
            v1[name] = await control.RegisterTaskDefinition(Definition(name, "1"));
        }

        await Measure.Fan(services, 16, async i =>
        {
            var name = names[i];
            var group = await grains.GetGrain<ITargetGroupGrain>(name + "-tg").Create(TargetGroupSpec.Default(name + "-tg") with
            {
                HealthyThresholdCount = 2,
                HealthCheckIntervalSeconds = 10,
                DeregistrationDelaySeconds = 10,
                TargetType = "instance",
            });
            await control.CreateService(new CreateServiceRequest(ClusterName, name, v1[name].Arn, tasks, LaunchType.EC2, [], [], [],
                SchedulingStrategy.REPLICA, minHealthy, maxPercent, ImmutableDictionary<string, string>.Empty, null,
                LoadBalancers: [new ServiceLoadBalancer(group.Arn, "app", 80)],
                Options: ServiceOptionsPatch.None with { CircuitBreaker = new DeploymentCircuitBreakerSpec(true, true) }));
        });
        var timeout = TimeSpan.FromSeconds(timeoutSeconds);
        if (!await WaitAll(grains, names, null, timeout))
        {
            output.WriteLine("ERROR: the services did not reach a steady state before the deployment; nothing was measured");
            await BenchmarkHost.Stop(host);
            return 1;
        }

        var traffic = grains.GetGrain<ITrafficGrain>(ClusterName);
        if (rps > 0)
        {
            foreach (var name in names)
            {
                await traffic.SetServiceTraffic(name, TrafficProfile.Constant(rps));
            }
        }

        foreach (var name in names)
        {
            v2[name] = await control.RegisterTaskDefinition(Definition(name, "2"));
        }

        // A minute of emulated traffic before: the baseline of the request figures.
        await Task.Delay(TimeSpan.FromSeconds(60 / timeScale) + TimeSpan.FromMilliseconds(500));
        var before = (await traffic.GetFigures()).ToDictionary(f => f.Service, StringComparer.Ordinal);

        output.WriteLine($"Deploying: UpdateService of {services} services to their second revision...");
        runtime.Metrics.ResetLag();
        var cpuBefore = Measure.CpuTime();
        var emulatedStart = runtime.Clock.Now;
        var wall = Stopwatch.StartNew();
        var deploymentIds = new Dictionary<string, string>(StringComparer.Ordinal);
        await Measure.Fan(services, 16, async i =>
        {
            var name = names[i];
            var updated = await control.UpdateService(new UpdateServiceRequest(ClusterName, name, null, v2[name].Arn, null, null, null, null, null, false));
            lock (deploymentIds)
            {
                deploymentIds[name] = updated.Deployments[0].Id;
            }
        });
        var updatesSeconds = wall.Elapsed.TotalSeconds;
        var completed = await WaitAll(grains, names, deploymentIds, timeout);
        var wallSeconds = wall.Elapsed.TotalSeconds;
        var emulatedSeconds = (runtime.Clock.Now - emulatedStart).TotalSeconds;
        var cpuSeconds = (Measure.CpuTime() - cpuBefore).TotalSeconds;
        var lag = runtime.Metrics.LagPercentiles();
        var lagBySource = runtime.Metrics.LagPercentilesBySource();

        var after = await traffic.GetFigures();
        double requests = 0, failed = 0;
        foreach (var f in after)
        {
            var b = before.GetValueOrDefault(f.Service);
            requests += f.Requests - (b?.Requests ?? 0);
            failed += f.Failed - (b?.Failed ?? 0);
        }

        var outcomes = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var name in names)
        {
            var latest = (await grains.GetGrain<IServiceGrain>(GrainKeys.Service(ClusterName, name)).ListServiceDeployments())[0].Record.Status;
            outcomes[latest] = outcomes.GetValueOrDefault(latest) + 1;
        }

        var invariants = await cluster.CheckInvariants();
        await BenchmarkHost.Stop(host);

        void Row(string what, string value) => output.WriteLine($"  {what,-44} {value}");
        output.WriteLine();
        output.WriteLine("Result:");
        Row("raw Orleans activations/s, grain calls/s", string.Create(CultureInfo.InvariantCulture, $"{baseline.ActivationsPerSecond:N0}, {baseline.GrainCallsPerSecond:N0}"));
        Row("tasks replaced", $"{services * tasks:N0} ({services} services x {tasks})");
        Row("all deployments COMPLETED", completed ? "yes" : "NO (timed out)");
        Row("service deployment statuses", string.Join(", ", outcomes.Select(kv => $"{kv.Key} {kv.Value}")));
        Row("time to COMPLETED, emulated", string.Create(CultureInfo.InvariantCulture, $"{emulatedSeconds:0} s ({emulatedSeconds / 60:0.0} min)"));
        Row("time to COMPLETED, wall", string.Create(CultureInfo.InvariantCulture, $"{wallSeconds:0.0} s (UpdateService calls: {updatesSeconds:0.00} s)"));
        Row("requests during the deployment", string.Create(CultureInfo.InvariantCulture, $"{requests:N0}, failed {failed:N0}"));
        Row("timer lag p50 / p99 / max (emulated s)", string.Create(CultureInfo.InvariantCulture,
            $"{lag.P50:0.###} / {lag.P99:0.###} / {lag.Max:0.###} over {lag.Count:N0} timers (p99 = {lag.P99 / timeScale * 1000:0.#} ms wall)"));
        foreach (var (source, l) in lagBySource.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            Row($"  lag p99 {source}", string.Create(CultureInfo.InvariantCulture, $"{l.P99:0.###} s over {l.Count:N0}"));
        }

        Row("process CPU during the deployment", string.Create(CultureInfo.InvariantCulture, $"{cpuSeconds:0.0} s ({cpuSeconds / Math.Max(0.001, wallSeconds) * 100:0} % of one core)"));
        Row("invariant violations", invariants.Violations.Length.ToString(CultureInfo.InvariantCulture));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{{\"services\":{services},\"tasks\":{tasks},\"timeScale\":{timeScale},\"completed\":{(completed ? "true" : "false")},\"emulatedSeconds\":{emulatedSeconds:0.0},\"wallSeconds\":{wallSeconds:0.00},\"requests\":{requests:0},\"failedRequests\":{failed:0},\"lagP99Seconds\":{lag.P99:0.###},\"invariantViolations\":{invariants.Violations.Length}}}"));
        return completed && failed == 0 && invariants.Violations.IsEmpty ? 0 : 1;
    }

    private static TaskDefinitionSpec Definition(string name, string version) => new(
        name,
        [new ContainerDefinition("app", $"repo/{name}:{version}", TaskCpu, TaskMemory, null, true, [new PortMapping(80, 0, "tcp")], null, 0)],
        null, null, NetworkMode.bridge, ["EC2"], [], ImmutableDictionary<string, string>.Empty);

    /// <summary>Waits until every service is steady with one deployment, COMPLETED (the one started when ids are given).</summary>
    private static async Task<bool> WaitAll(IGrainFactory grains, List<string> names, Dictionary<string, string>? deploymentIds, TimeSpan timeout)
    {
        var sw = Stopwatch.StartNew();
        var pending = new HashSet<string>(names, StringComparer.Ordinal);
        while (sw.Elapsed < timeout)
        {
            foreach (var name in pending.ToList())
            {
                var info = await grains.GetGrain<IServiceGrain>(GrainKeys.Service(ClusterName, name)).Describe();
                if (info is { SteadyState: true, Deployments.Length: 1 } i && i.Deployments[0].RolloutState == DeploymentRolloutState.COMPLETED
                    && (deploymentIds is null || i.Deployments[0].Id == deploymentIds[name]))
                {
                    pending.Remove(name);
                }
            }

            if (pending.Count == 0)
            {
                return true;
            }

            await Task.Delay(200);
        }

        return false;
    }
}
