using System.Collections.Immutable;
using System.Diagnostics;
using System.Globalization;
using Emulator.Contracts;
using Spectre.Console;

namespace Emulator.Client;

/// <summary>What <c>client load-test</c> runs.</summary>
public sealed record LoadTestOptions(int Services, int TasksPerService, int Instances, string InstanceType, int TaskCpu, int TaskMemory,
    int HoldSeconds, int BaselineActivations, int TimeoutSeconds, double RequestsPerSecond = 0, ImmutableArray<LoadStep> Profile = default, int WarmUpTasks = 0);

/// <summary>
/// A load test through the client's gateway: registers container instances in one call per batch, creates N services
/// of M tasks, watches placement and start with progress bars, holds the steady state to read timer lag, then
/// measures raw Orleans activations on the same silo for the ratio. Figures come from the silo the client reached
/// (<see cref="IDiagnosticsGrain"/>): run it against a single silo for per-process figures.
/// </summary>
public static class LoadTest
{
    public static async Task<int> RunAsync(IGrainFactory grains, LoadTestOptions o, IAnsiConsole console, CancellationToken ct, Pause? pause = null)
    {
        pause ??= Pauses.Wall;
        var control = grains.GetGrain<IEcsControlGrain>(0);
        var diagnostics = grains.GetGrain<IDiagnosticsGrain>(0);
        var cluster = "load-" + DateTime.UtcNow.ToString("HHmmss", CultureInfo.InvariantCulture);
        var total = o.Services * o.TasksPerService;
        var clusterGrain = grains.GetGrain<IClusterGrain>(GrainKeys.Cluster(cluster));
        await control.CreateCluster(new CreateClusterRequest(cluster, [], [], ImmutableDictionary<string, string>.Empty));
        // Behind load balancers (--rps): the container listens on 80 with a dynamic host port; one target group per service.
        var balanced = o.RequestsPerSecond > 0;
        ImmutableArray<PortMapping> ports = balanced ? [new PortMapping(80, 0, "tcp")] : [];
        var td = await control.RegisterTaskDefinition(new TaskDefinitionSpec("load-" + cluster,
            [new ContainerDefinition("app", "public.ecr.aws/nginx/nginx:latest", o.TaskCpu, o.TaskMemory, null, true, ports, null, 0)],
            null, null, NetworkMode.bridge, ["EC2"], [], ImmutableDictionary<string, string>.Empty));
        var targetGroups = new string[o.Services];
        if (balanced)
        {
            await Fan(o.Services, 32, async s =>
            {
                var name = $"{cluster}-tg-{s}";
                targetGroups[(int)s] = (await grains.GetGrain<ITargetGroupGrain>(name).Create(TargetGroupSpec.Default(name) with { HealthyThresholdCount = 2 })).Arn;
            });
        }

        if (o.WarmUpTasks > 0)
        {
            await WarmUpAsync(grains, cluster + "-warm", td, o, console, ct);
        }

        var start = await diagnostics.Read(collect: true, resetLag: true);
        console.MarkupLineInterpolated($"cluster {cluster} on silo {start.SiloAddress} (pid {start.ProcessId}, {start.TimeScale}x, {start.ProcessorCount} cores): RSS {Mb(start.ResidentBytes)} before the test");
        var wall = Stopwatch.StartNew();
        double placeSeconds = 0, runningSeconds = 0, instancesSeconds = 0;
        SiloDiagnostics? afterInstances = null, atPlaced = null, atSteady = null;
        var timedOut = false;
        await console.Progress().AutoClear(false).Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
            .StartAsync(async progress =>
            {
                var registered = progress.AddTask("container instances registered", maxValue: o.Instances);
                var placed = progress.AddTask("tasks placed (PENDING or RUNNING)", maxValue: total);
                var running = progress.AddTask("tasks RUNNING", maxValue: total);

                // Instances register through the cluster grain, many calls in flight (each is one agent registration).
                var zones = new[] { "us-east-1a", "us-east-1b", "us-east-1c" };
                var next = 0;
                await Task.WhenAll(Enumerable.Range(0, 64).Select(async _ =>
                {
                    int i;
                    while ((i = Interlocked.Increment(ref next) - 1) < o.Instances)
                    {
                        await clusterGrain.RegisterInstance(new InstanceRegistration($"i-load{i:x13}", o.InstanceType, zones[i % zones.Length], null, false, false,
                            ImmutableDictionary<string, string>.Empty));
                        registered.Increment(1);
                    }
                }));
                instancesSeconds = wall.Elapsed.TotalSeconds;
                afterInstances = await diagnostics.Read(collect: true, resetLag: true);

                // N services, 32 CreateService calls in flight; each service launches its tasks in batches (B-SV-3).
                var scaleUp = Stopwatch.StartNew();
                var created = 0;
                var createAll = Task.WhenAll(Enumerable.Range(0, 32).Select(async _ =>
                {
                    int s;
                    while ((s = Interlocked.Increment(ref created) - 1) < o.Services)
                    {
                        await control.CreateService(new CreateServiceRequest(cluster, $"svc-{s}", td.Arn, o.TasksPerService, LaunchType.EC2, [], [], [],
                            SchedulingStrategy.REPLICA, 100, 200, ImmutableDictionary<string, string>.Empty, null,
                            LoadBalancers: balanced ? [new ServiceLoadBalancer(targetGroups[s], "app", 80)] : []));
                        if (balanced)
                        {
                            await grains.GetGrain<ITrafficGrain>(cluster).SetServiceTraffic($"svc-{s}", TrafficProfile.Constant(o.RequestsPerSecond));
                        }
                    }
                }));
                while (!ct.IsCancellationRequested)
                {
                    var info = (await clusterGrain.Describe())!;
                    placed.Value = info.RunningTasksCount + info.PendingTasksCount;
                    running.Value = info.RunningTasksCount;
                    if (placeSeconds == 0 && info.RunningTasksCount + info.PendingTasksCount >= total)
                    {
                        placeSeconds = scaleUp.Elapsed.TotalSeconds;
                        atPlaced = await diagnostics.Read(collect: false, resetLag: false);
                    }

                    if (info.RunningTasksCount >= total)
                    {
                        runningSeconds = scaleUp.Elapsed.TotalSeconds;
                        break;
                    }

                    if (scaleUp.Elapsed > TimeSpan.FromSeconds(o.TimeoutSeconds))
                    {
                        timedOut = true;
                        break;
                    }

                    await pause(TimeSpan.FromMilliseconds(250), ct);
                }

                await createAll;
                atSteady = await diagnostics.Read(collect: true, resetLag: true); // lag of every transition of the scale-up
            });

        if (timedOut)
        {
            console.MarkupLineInterpolated($"[red]timed out after {o.TimeoutSeconds} s[/] before all {total:N0} tasks ran");
        }

        // A profile over time (--profile): each step's desired count, and how long the cluster took to follow it.
        var steps = o.Profile.IsDefaultOrEmpty || timedOut
            ? []
            : await LoadProfile.RunAsync(grains, cluster, o.Services, o.Profile, o.TimeoutSeconds, console, ct, pause);

        // Steady state held (with traffic flowing when --rps is given): timer lag and idle CPU.
        console.MarkupLineInterpolated($"holding the steady state {o.HoldSeconds} s to read timer lag...");
        await pause(TimeSpan.FromSeconds(o.HoldSeconds), ct);
        var held = await diagnostics.Read(collect: false, resetLag: false);

        // Raw Orleans on the same silo, same run: activations of an empty grain with 256 calls in flight from this client.
        // With a warm-up, the probe grain's code is warmed too, as the emulator's was (both sides measured warm).
        console.MarkupLineInterpolated($"raw Orleans baseline: activating {o.BaselineActivations:N0} empty grains...");
        if (o.WarmUpTasks > 0)
        {
            var warmKey = Stopwatch.GetTimestamp() + (1L << 40);
            await Fan(1_000, 256, i => grains.GetGrain<IActivationProbeGrain>(warmKey + i).Touch());
            await Fan(1_000, 256, i => grains.GetGrain<IActivationProbeGrain>(warmKey + i).Deactivate());
        }

        var baseKey = Stopwatch.GetTimestamp();
        var raw = Stopwatch.StartNew();
        await Fan(o.BaselineActivations, 256, i => grains.GetGrain<IActivationProbeGrain>(baseKey + i).Touch());
        var rawPerSecond = o.BaselineActivations / raw.Elapsed.TotalSeconds;
        await Fan(o.BaselineActivations, 256, i => grains.GetGrain<IActivationProbeGrain>(baseKey + i).Deactivate());

        var placedPerSecond = placeSeconds > 0 ? total / placeSeconds : 0;
        var scaleCpu = atSteady!.CpuSeconds - afterInstances!.CpuSeconds;
        var table = new Table().AddColumns("figure", "value");
        void Row(string k, string v) => table.AddRow(Markup.Escape(k), Markup.Escape(v));
        Row("tasks / services / instances", $"{total:N0} / {o.Services:N0} / {o.Instances:N0} {o.InstanceType}");
        Row("measured", o.WarmUpTasks > 0
            ? $"warm: after {o.WarmUpTasks:N0} tasks on a separate cluster {cluster}-warm and 1,000 probe activations (--warm-up-tasks 0: cold)"
            : "cold: the emulator's code runs for the first time in the scale-up, the baseline's after it (--warm-up-tasks N: warm)");
        Row("instances registered in", $"{instancesSeconds:0.0} s wall");
        Row("tasks placed per second", $"{placedPerSecond:N0} ({placeSeconds:0.0} s wall to place all)");
        Row("time to steady state (all RUNNING)", $"{runningSeconds:0.0} s wall, {(atSteady.EmulatedNow - afterInstances.EmulatedNow).TotalSeconds:0} s emulated (from the first CreateService)");
        Row("RSS", $"{Mb(afterInstances.ResidentBytes)} after instances, {Mb(atSteady.ResidentBytes)} at steady state");
        Row("memory per task", $"{(atSteady.ResidentBytes - afterInstances.ResidentBytes) / (double)Math.Max(1, total) / 1024:0.0} KB RSS, {(atSteady.GcHeapBytes - afterInstances.GcHeapBytes) / (double)Math.Max(1, total) / 1024:0.0} KB GC heap");
        Row("CPU during the scale-up", $"{scaleCpu:0.0} s = {100 * scaleCpu / Math.Max(0.001, runningSeconds):0}% of one core");
        Row("CPU holding steady state", $"{100 * (held.CpuSeconds - atSteady.CpuSeconds) / o.HoldSeconds:0}% of one core");
        Row("timer lag, scale-up to all RUNNING (emulated s)", $"p50 {atSteady.LagP50:0.###}, p99 {atSteady.LagP99:0.###}, max {atSteady.LagMax:0.###} over {atSteady.LagCount:N0} due transitions at {atSteady.TimeScale}x");
        // The profile of the scale-up: what held the cluster grain while the tasks were placed and started.
        foreach (var turn in atSteady.Turns.Take(6))
        {
            Row($"  scale-up: {turn.Grain} grain busy in {turn.Method}", $"{100 * turn.TotalMilliseconds / 1000 / Math.Max(0.001, runningSeconds):0.0}% of the scale-up, {turn.Count:N0} turns, max {turn.MaxMilliseconds:0.0} ms");
        }

        Row("timer lag, steady state held (emulated s)", $"p99 {held.LagP99:0.###} over {held.LagCount:N0} due timers");
        foreach (var source in held.LagBySource)
        {
            Row($"  of which {source.Source}", $"p50 {source.P50:0.###}, p99 {source.P99:0.###}, max {source.Max:0.###} over {source.Count:N0}");
        }

        // The profile behind the lag: a timer waits while its grain is busy.
        foreach (var turn in held.Turns.Take(6))
        {
            Row($"  {turn.Grain} grain busy in {turn.Method}", $"{100 * turn.TotalMilliseconds / 1000 / o.HoldSeconds:0.0}% of the hold, {turn.Count:N0} turns, max {turn.MaxMilliseconds:0.0} ms");
        }

        Row("raw Orleans activations per second", $"{rawPerSecond:N0} (same silo, same run, from this client)");
        Row("placement rate / raw activation rate", $"{placedPerSecond / rawPerSecond:0.00} (goal >= 0.40)");
        foreach (var step in steps)
        {
            Row($"profile step at +{step.Step.At.TotalSeconds:0} s: {step.Target:N0} tasks",
                step.Reached ? $"reached in {step.WallSeconds:0.0} s wall, {step.EmulatedSeconds:0} s emulated; timer lag p99 {step.LagP99:0.###} s" : $"not reached in {step.WallSeconds:0} s");
        }

        console.Write(table);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{{\"tasks\":{total},\"instances\":{o.Instances},\"placedPerSecond\":{placedPerSecond:0},\"placeSeconds\":{placeSeconds:0.00},\"runningSeconds\":{runningSeconds:0.00},\"rssBytes\":{atSteady.ResidentBytes},\"rssPerTaskBytes\":{(atSteady.ResidentBytes - afterInstances.ResidentBytes) / Math.Max(1, total)},\"lagP99\":{atSteady.LagP99:0.###},\"heldLagP99\":{held.LagP99:0.###},\"heldLagCount\":{held.LagCount},\"timeScale\":{held.TimeScale},\"warmUpTasks\":{o.WarmUpTasks},\"rawActivationsPerSecond\":{rawPerSecond:0},\"ratio\":{placedPerSecond / rawPerSecond:0.00},\"timedOut\":{(timedOut ? "true" : "false")}}}"));
        return timedOut || steps.Any(x => !x.Reached) ? 1 : 0;
    }

    /// <summary>
    /// The same flow at a small scale on a cluster of its own, so that the measured scale-up runs warm code (tiered JIT
    /// done), as the raw baseline, measured after everything else, does. Its tasks stay RUNNING (a few hundred records).
    /// </summary>
    private static async Task WarmUpAsync(IGrainFactory grains, string cluster, TaskDefinitionRecord td, LoadTestOptions o, IAnsiConsole console, CancellationToken ct)
    {
        const int Services = 4;
        var perService = Math.Max(1, o.WarmUpTasks / Services);
        var instances = Math.Max(200, Services * perService / 5);
        console.MarkupLineInterpolated($"warm-up: {Services * perService:N0} tasks on {instances:N0} instances of cluster {cluster}...");
        var control = grains.GetGrain<IEcsControlGrain>(0);
        var clusterGrain = grains.GetGrain<IClusterGrain>(GrainKeys.Cluster(cluster));
        await control.CreateCluster(new CreateClusterRequest(cluster, [], [], ImmutableDictionary<string, string>.Empty));
        await Fan(instances, 64, i => clusterGrain.RegisterInstance(new InstanceRegistration($"i-warm{i:x13}", o.InstanceType, "us-east-1" + (char)('a' + i % 3), null, false, false,
            ImmutableDictionary<string, string>.Empty)));
        await Fan(Services, Services, s => control.CreateService(new CreateServiceRequest(cluster, $"warm-{s}", td.Arn, perService, LaunchType.EC2, [], [], [],
            SchedulingStrategy.REPLICA, 100, 200, ImmutableDictionary<string, string>.Empty, null)));
        var waited = Stopwatch.StartNew();
        while ((await clusterGrain.Describe())!.RunningTasksCount < Services * perService && waited.Elapsed < TimeSpan.FromSeconds(120))
        {
            await Task.Delay(100, ct);
        }

        await Task.Delay(2_000, ct); // the tiered JIT compiles what the warm-up made hot in the background
    }

    private static string Mb(long bytes) => (bytes / 1024.0 / 1024.0).ToString("N0", CultureInfo.InvariantCulture) + " MB";

    private static Task Fan(int count, int inFlight, Func<long, Task> call)
    {
        var next = -1L;
        return Task.WhenAll(Enumerable.Range(0, inFlight).Select(async _ =>
        {
            long i;
            while ((i = Interlocked.Increment(ref next)) < count)
            {
                await call(i);
            }
        }));
    }
}
