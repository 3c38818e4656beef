using System.Collections.Immutable;
using System.Diagnostics;
using System.Globalization;
using Emulator.Contracts;
using Spectre.Console;

namespace Emulator.Client;

/// <summary>What <c>client load-test</c> runs.</summary>
public sealed record LoadTestOptions(int Services, int TasksPerService, int Instances, string InstanceType, int TaskCpu, int TaskMemory,
    int HoldSeconds, int BaselineActivations, int TimeoutSeconds, double RequestsPerSecond = 0, ImmutableArray<LoadStep> Profile = default, int WarmUpTasks = 0,
    int Repeat = 1, string? Cluster = null);

/// <summary>Which run of how many, and where: the report says whether a run measured cold or warm code.</summary>
public sealed record LoadRunContext(int Run, int Runs, bool FreshSilo);

/// <summary>The figures of one measured run of the load test (one per <c>--repeat</c>).</summary>
public sealed record LoadRunResult(
    int Run,
    string Cluster,
    int Tasks,
    int Instances,
    double PlacedPerSecond,
    double PlaceSeconds,
    double RunningSeconds,
    long RssBytes,
    long RssPerTaskBytes,
    double ScaleUpCpuSeconds,
    double HoldCpuPercent,
    double LagP99,
    double HeldLagP99,
    long HeldLagCount,
    double RawActivationsPerSecond,
    double Ratio,
    int Silos,
    string? ClusterGrainSilo,
    double? RedisCpuShare,
    bool TimedOut,
    bool ProfileReached,
    IReadOnlyList<string> InvariantViolations)
{
    /// <summary>A run whose figures do not stand: it timed out, missed a profile step or ended in an inconsistent state.</summary>
    public bool Failed => TimedOut || !ProfileReached || InvariantViolations.Count > 0;

    public bool RatioGoalMet => !Failed && Ratio >= LoadTest.RatioGoal;
}

/// <summary>
/// A load test through the client's gateway: registers container instances in one call per batch, creates N services
/// of M tasks, watches placement and start with progress bars, holds the steady state to read timer lag, measures raw
/// Orleans activations on the same silo(s) for the ratio, and ends with the emulator's invariant checker (a violation
/// fails the run). Figures come from every active silo (<see cref="ISiloDiagnosticsGrain"/>, one per silo) and, in the
/// durable mode, from Redis. <c>--repeat N</c> runs it N times and prints the median and range of each figure.
/// </summary>
public static class LoadTest
{
    /// <summary>The goal of the placement rate against the raw activation rate of the same run.</summary>
    public const double RatioGoal = 0.4;

    /// <summary>
    /// How often the client reads the cluster's counts while tasks are placed: a 10,000-task run places in well under a
    /// second, so a coarse poll would quantize its rate (a Describe is answered from kept counts).
    /// </summary>
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(10);

    /// <summary>
    /// <paramref name="o"/>.Repeat runs against the silo(s) the client is connected to, each on a cluster of its own; the
    /// cluster of a run is deleted before the next (its services, tasks and instances first). Run 1 measures cold code,
    /// later runs warm code. Exit code 1 when any run timed out, missed a profile step or violated an invariant.
    /// </summary>
    public static async Task<int> RunAsync(IGrainFactory grains, LoadTestOptions o, IAnsiConsole console, CancellationToken ct, string? redis = null, Pause? pause = null)
    {
        await using var probe = await SiloProbe.ConnectAsync(grains, redis);
        var baseName = o.Cluster ?? DefaultName();
        var runs = new List<LoadRunResult>();
        for (var run = 1; run <= o.Repeat; run++)
        {
            var cluster = ClusterName(baseName, run, o.Repeat);
            runs.Add(await RunOnceAsync(grains, probe, o, cluster, new LoadRunContext(run, o.Repeat, false), console, ct, pause ?? Pauses.Wall));
            if (run < o.Repeat)
            {
                await TearDownAsync(grains, cluster, o, console, ct, pause ?? Pauses.Wall);
            }
        }

        return Finish(runs, o, console, o.WarmUpTasks > 0
            ? "on the same silo(s), each on a cluster of its own (the run before's deleted first), each after a warm-up"
            : "on the same silo(s), each on a cluster of its own (the run before's deleted first): run 1 cold, later runs warm, so the median mixes both (--fresh-silo: every run cold; --warm-up-tasks N: every run warm)");
    }

    /// <summary>
    /// <c>--fresh-silo</c>: every run starts the built embedded silo, connects, measures and kills it, so that each run
    /// measures a cold process with nothing left from the run before (what a single run on a fresh silo measures).
    /// </summary>
    public static async Task<int> RunOnFreshSilosAsync(FreshSiloOptions silo, LoadTestOptions o, IAnsiConsole console, CancellationToken ct)
    {
        var baseName = o.Cluster ?? DefaultName();
        var runs = new List<LoadRunResult>();
        for (var run = 1; run <= o.Repeat; run++)
        {
            await using var process = await FreshSilo.StartAsync(silo, run, ct);
            console.MarkupLineInterpolated(
                $"fresh silo for run {run} of {o.Repeat}: pid {process.Pid}, gateway {silo.GatewayPort}, {silo.TimeScale.ToString(CultureInfo.InvariantCulture)}x, ServiceLaunchesPerMinute {silo.LaunchesPerMinute:N0} (log {process.LogPath})");
            await using var connection = await EmulatorConnection.ConnectAsync(silo.GatewayPort, ct);
            await using var probe = await SiloProbe.ConnectAsync(connection.Grains, null);
            runs.Add(await RunOnceAsync(connection.Grains, probe, o, ClusterName(baseName, run, o.Repeat), new LoadRunContext(run, o.Repeat, true), console, ct, Pauses.Wall));
        }

        return Finish(runs, o, console, o.WarmUpTasks > 0
            ? $"each on a fresh silo process, warmed by {o.WarmUpTasks:N0} tasks first"
            : "each on a fresh silo process (cold)");
    }

    private static string DefaultName() => "load-" + DateTime.UtcNow.ToString("HHmmss", CultureInfo.InvariantCulture);

    private static string ClusterName(string baseName, int run, int runs) => runs == 1 ? baseName : $"{baseName}-r{run}";

    private static int Finish(List<LoadRunResult> runs, LoadTestOptions o, IAnsiConsole console, string measured)
    {
        if (runs.Count > 1)
        {
            LoadTestSummary.Print(console, runs, o, measured);
        }

        return runs.Any(r => r.Failed) ? 1 : 0;
    }

    private static async Task<LoadRunResult> RunOnceAsync(
        IGrainFactory grains, SiloProbe probe, LoadTestOptions o, string cluster, LoadRunContext run, IAnsiConsole console, CancellationToken ct, Pause pause)
    {
        if (run.Runs > 1)
        {
            console.MarkupLineInterpolated($"[bold]run {run.Run} of {run.Runs}[/] (cluster {cluster})");
        }

        var control = grains.GetGrain<IEcsControlGrain>(GrainKeys.Control);
        var total = o.Services * o.TasksPerService;
        var clusterGrain = grains.GetGrain<IClusterGrain>(GrainKeys.Cluster(cluster));
        var multi = probe.Silos.Length > 1;
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

        var start = await probe.ReadAsync(collect: true, resetLag: true);
        if (multi)
        {
            console.MarkupLineInterpolated(
                $"cluster {cluster} on {probe.Silos.Length} silos ({string.Join(", ", start.Silos.Select(s => $"{probe.Name(s.SiloAddress)} {s.SiloAddress} pid {s.ProcessId}"))}; {start.TimeScale}x, {start.ProcessorCount} cores): RSS {Mb(start.ResidentBytes)} in total before the test");
        }
        else
        {
            var s = start.Silos[0];
            console.MarkupLineInterpolated($"cluster {cluster} on silo {s.SiloAddress} (pid {s.ProcessId}, {s.TimeScale}x, {s.ProcessorCount} cores): RSS {Mb(s.ResidentBytes)} before the test");
        }

        var wall = Stopwatch.StartNew();
        double placeSeconds = 0, runningSeconds = 0, instancesSeconds = 0;
        ClusterReading? afterInstances = null, atSteady = null;
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
                afterInstances = await probe.ReadAsync(collect: true, resetLag: true);

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

                    await pause(PollInterval, ct);
                }

                await createAll;
                atSteady = await probe.ReadAsync(collect: true, resetLag: true); // lag of every transition of the scale-up
            });

        if (timedOut)
        {
            console.MarkupLineInterpolated($"[red]timed out after {o.TimeoutSeconds} s[/] before all {total:N0} tasks ran");
        }

        var located = await probe.LocateAsync(cluster);

        // A profile over time (--profile): each step's desired count, and how long the cluster took to follow it.
        var steps = o.Profile.IsDefaultOrEmpty || timedOut
            ? []
            : await LoadProfile.RunAsync(grains, probe, cluster, o.Services, o.Profile, o.TimeoutSeconds, console, ct, pause);

        // Steady state held (with traffic flowing when --rps is given): timer lag and idle CPU.
        console.MarkupLineInterpolated($"holding the steady state {o.HoldSeconds} s to read timer lag...");
        var beforeHold = await probe.ReadAsync(collect: false, resetLag: true);
        await pause(TimeSpan.FromSeconds(o.HoldSeconds), ct);
        var held = await probe.ReadAsync(collect: false, resetLag: false);
        if (await SiloProbe.ActiveSilosAsync(grains) is var activeNow && !activeNow.SequenceEqual(probe.Silos))
        {
            console.MarkupLineInterpolated(
                $"[yellow]the active silos changed during the run (now {string.Join(", ", activeNow)}): the figures cover the {probe.Silos.Length} active at its start[/]");
        }

        // Raw Orleans, same run: activations of an empty grain with 256 calls in flight from this client, spread over the
        // silos by Orleans' placement; with several silos also on each silo alone (silo-pinned probes). With a warm-up, the
        // probe grain's code is warmed too, as the emulator's was (both sides measured warm).
        var rawBySilo = new Dictionary<string, double>(StringComparer.Ordinal);
        console.MarkupLineInterpolated($"raw Orleans baseline: activating {o.BaselineActivations:N0} empty grains{(multi ? $", then {o.BaselineActivations:N0} on each of the {probe.Silos.Length} silos" : "")}...");
        if (o.WarmUpTasks > 0)
        {
            var warmKey = Stopwatch.GetTimestamp() + (1L << 40);
            await Fan(1_000, 256, i => grains.GetGrain<IActivationProbeGrain>(warmKey + i).Touch());
            await Fan(1_000, 256, i => grains.GetGrain<IActivationProbeGrain>(warmKey + i).Deactivate());
        }

        var baseKey = Stopwatch.GetTimestamp();
        var raw = Stopwatch.StartNew();
        await Fan(o.BaselineActivations, 256, i => grains.GetGrain<IActivationProbeGrain>(baseKey + i).Touch());
        var rawClusterWide = o.BaselineActivations / raw.Elapsed.TotalSeconds;
        await Fan(o.BaselineActivations, 256, i => grains.GetGrain<IActivationProbeGrain>(baseKey + i).Deactivate());
        if (multi)
        {
            foreach (var silo in probe.Silos)
            {
                var stamp = Stopwatch.GetTimestamp().ToString(CultureInfo.InvariantCulture);
                string Key(long i) => GrainKeys.PinnedToSilo(silo, $"{stamp}-{i}");
                raw.Restart();
                await Fan(o.BaselineActivations, 256, i => grains.GetGrain<IPinnedProbeGrain>(Key(i)).Touch());
                rawBySilo[silo] = o.BaselineActivations / raw.Elapsed.TotalSeconds;
                await Fan(o.BaselineActivations, 256, i => grains.GetGrain<IPinnedProbeGrain>(Key(i)).Deactivate());
            }
        }

        // The figures stand only on a consistent final state: the invariant checker over the run's clusters.
        var invariants = await InvariantCheck.RunAsync(grains, o.WarmUpTasks > 0 ? [cluster, cluster + "-warm"] : [cluster]);
        InvariantCheck.Print(console, invariants);

        // The ratio's baseline: the silo that ran the cluster grain (placement is its work), else the whole cluster's.
        var rawPerSecond = located.ClusterGrainSilo is { } grainSilo && rawBySilo.TryGetValue(grainSilo, out var onGrainSilo) ? onGrainSilo : rawClusterWide;
        var placedPerSecond = placeSeconds > 0 ? total / placeSeconds : 0;
        var ratio = placedPerSecond / rawPerSecond;
        var scaleCpu = atSteady!.CpuSeconds - afterInstances!.CpuSeconds;
        var holdCpu = 100 * (held.CpuSeconds - beforeHold.CpuSeconds) / o.HoldSeconds;
        double? redisShare = atSteady.Redis is { } rEnd && afterInstances.Redis is { } rStart
            ? (rEnd.CpuSeconds - rStart.CpuSeconds) / Math.Max(0.001, scaleCpu + rEnd.CpuSeconds - rStart.CpuSeconds)
            : null;
        var result = new LoadRunResult(run.Run, cluster, total, o.Instances, placedPerSecond, placeSeconds, runningSeconds, atSteady.ResidentBytes,
            (atSteady.ResidentBytes - afterInstances.ResidentBytes) / Math.Max(1, total), scaleCpu, holdCpu, atSteady.Lag.P99, held.Lag.P99, held.Lag.Count,
            rawPerSecond, ratio, probe.Silos.Length, located.ClusterGrainSilo, redisShare, timedOut, steps.All(s => s.Reached), invariants.Violations);

        var table = new Table().AddColumns("figure", "value");
        void Row(string k, string v) => table.AddRow(Markup.Escape(k), Markup.Escape(v));
        string SiloName(string silo) => multi ? $" ({probe.Name(silo)})" : "";
        Row("tasks / services / instances", $"{total:N0} / {o.Services:N0} / {o.Instances:N0} {o.InstanceType}");
        Row("measured", Measured(o, cluster, run));
        if (multi)
        {
            Row("silos", $"{probe.Silos.Length} active: {string.Join(", ", probe.Silos.Select(s => $"{probe.Name(s)} {s}"))}; figures below from every one");
            Row("where the grains ran", (located.ClusterGrainSilo is { } cs ? $"cluster grain {cluster} on {probe.Name(cs)}" : $"cluster grain {cluster} not active")
                + $"; service grains {string.Join(" / ", probe.Silos.Select(s => $"{located.ServiceGrainsBySilo.GetValueOrDefault(s)} on {probe.Name(s)}"))}");
        }

        Row("instances registered in", $"{instancesSeconds:0.0} s wall");
        Row("tasks placed per second", $"{placedPerSecond:N0} ({placeSeconds:0.00} s wall to place all, client poll every {PollInterval.TotalMilliseconds:0} ms)");
        Row("time to steady state (all RUNNING)", $"{runningSeconds:0.00} s wall, {(atSteady.EmulatedNow - afterInstances.EmulatedNow).TotalSeconds:0} s emulated (from the first CreateService)");
        Row(multi ? "RSS, all silos" : "RSS", $"{Mb(afterInstances.ResidentBytes)} after instances, {Mb(atSteady.ResidentBytes)} at steady state");
        Row("memory per task", $"{(atSteady.ResidentBytes - afterInstances.ResidentBytes) / (double)Math.Max(1, total) / 1024:0.0} KB RSS, {(atSteady.GcHeapBytes - afterInstances.GcHeapBytes) / (double)Math.Max(1, total) / 1024:0.0} KB GC heap");
        Row(multi ? "CPU during the scale-up, all silos" : "CPU during the scale-up", $"{scaleCpu:0.0} s = {100 * scaleCpu / Math.Max(0.001, runningSeconds):0}% of one core");
        Row(multi ? "CPU holding steady state, all silos" : "CPU holding steady state", $"{holdCpu:0}% of one core");
        if (multi)
        {
            foreach (var silo in probe.Silos)
            {
                var (a, s, b, h) = (afterInstances.Silo(silo), atSteady.Silo(silo), beforeHold.Silo(silo), held.Silo(silo));
                Row($"  {probe.Name(silo)} {silo}", $"pid {s.ProcessId}: CPU {s.CpuSeconds - a.CpuSeconds:0.0} s during the scale-up, {100 * (h.CpuSeconds - b.CpuSeconds) / o.HoldSeconds:0}% of one core holding; "
                    + $"RSS {Mb(s.ResidentBytes)} at steady state; timer lag p99 {s.LagP99:0.###} over {s.LagCount:N0} (scale-up), {h.LagP99:0.###} over {h.LagCount:N0} (held)");
            }
        }

        if (atSteady.Redis is { } redisEnd && afterInstances.Redis is { } redisStart && held.Redis is { } redisHeld && beforeHold.Redis is { } redisBeforeHold)
        {
            var redisScale = redisEnd.CpuSeconds - redisStart.CpuSeconds;
            Row($"  Redis {probe.RedisAddress}", $"CPU {redisScale:0.0} s during the scale-up = {100 * redisShare!.Value:0}% of silos + Redis; "
                + $"{100 * (redisHeld.CpuSeconds - redisBeforeHold.CpuSeconds) / o.HoldSeconds:0}% of one core holding; RSS {Mb(redisEnd.ResidentBytes)}");
        }

        var lagUp = atSteady.Lag;
        Row("timer lag, scale-up to all RUNNING (emulated s)", $"p50 {lagUp.P50:0.###}, p99 {lagUp.P99:0.###}, max {lagUp.Max:0.###} over {lagUp.Count:N0} due transitions at {atSteady.TimeScale}x" + (multi ? ", all silos" : ""));
        // The profile of the scale-up: what held the cluster grain while the tasks were placed and started.
        foreach (var (silo, turn) in Busiest(atSteady))
        {
            Row($"  scale-up: {turn.Grain} grain busy in {turn.Method}{SiloName(silo)}", $"{100 * turn.TotalMilliseconds / 1000 / Math.Max(0.001, runningSeconds):0.0}% of the scale-up, {turn.Count:N0} turns, max {turn.MaxMilliseconds:0.0} ms");
        }

        var lagHeld = held.Lag;
        Row("timer lag, steady state held (emulated s)", $"p99 {lagHeld.P99:0.###} over {lagHeld.Count:N0} due timers" + (multi ? ", all silos" : ""));
        foreach (var s in held.Silos)
        {
            foreach (var source in s.LagBySource)
            {
                Row($"  of which {source.Source}{SiloName(s.SiloAddress)}", $"p50 {source.P50:0.###}, p99 {source.P99:0.###}, max {source.Max:0.###} over {source.Count:N0}");
            }
        }

        // The profile behind the lag: a timer waits while its grain is busy.
        foreach (var (silo, turn) in Busiest(held))
        {
            Row($"  {turn.Grain} grain busy in {turn.Method}{SiloName(silo)}", $"{100 * turn.TotalMilliseconds / 1000 / o.HoldSeconds:0.0}% of the hold, {turn.Count:N0} turns, max {turn.MaxMilliseconds:0.0} ms");
        }

        if (multi)
        {
            Row("raw Orleans activations per second", $"{rawClusterWide:N0} spread over the {probe.Silos.Length} silos by Orleans (same run, from this client)");
            foreach (var silo in probe.Silos)
            {
                Row($"  on {probe.Name(silo)} alone" + (silo == located.ClusterGrainSilo ? " (ran the cluster grain)" : ""), $"{rawBySilo[silo]:N0}");
            }
        }
        else
        {
            Row("raw Orleans activations per second", $"{rawPerSecond:N0} (same silo, same run, from this client)");
        }

        var verdict = result.RatioGoalMet ? "met" : timedOut ? "not met: timed out" : invariants.Holds ? result.ProfileReached ? "not met" : "not met: a profile step was not reached" : "NOT MET: invariants violated";
        Row("placement rate / raw activation rate",
            $"{ratio:0.00} (goal >= {RatioGoal:0.00}: {verdict})" + (multi ? $"; against the cluster-wide rate {placedPerSecond / rawClusterWide:0.00}" : ""));
        Row("invariants (checked after the run)", invariants.Holds
            ? $"hold: {invariants.Tasks:N0} tasks, {invariants.Instances:N0} instances (over-commit, counters, cost ledger, task counts, PROVISIONING queue, index)"
            : $"VIOLATED ({invariants.Violations.Count:N0}): {invariants.Violations[0]}");
        foreach (var step in steps)
        {
            Row($"profile step at +{step.Step.At.TotalSeconds:0} s: {step.Target:N0} tasks",
                step.Reached ? $"reached in {step.WallSeconds:0.0} s wall, {step.EmulatedSeconds:0} s emulated; timer lag p99 {step.LagP99:0.###} s" : $"not reached in {step.WallSeconds:0} s");
        }

        console.Write(table);
        var perSilo = multi
            ? string.Create(CultureInfo.InvariantCulture,
                $",\"clusterGrainSilo\":{Json(located.ClusterGrainSilo)},\"siloCpuSeconds\":[{string.Join(",", probe.Silos.Select(s => (atSteady.Silo(s).CpuSeconds - afterInstances.Silo(s).CpuSeconds).ToString("0.00", CultureInfo.InvariantCulture)))}],\"siloRssBytes\":[{string.Join(",", probe.Silos.Select(s => atSteady.Silo(s).ResidentBytes))}],\"siloHeldLagP99\":[{string.Join(",", probe.Silos.Select(s => held.Silo(s).LagP99.ToString("0.###", CultureInfo.InvariantCulture)))}],\"siloRawActivationsPerSecond\":[{string.Join(",", probe.Silos.Select(s => rawBySilo[s].ToString("0", CultureInfo.InvariantCulture)))}],\"rawClusterWidePerSecond\":{rawClusterWide:0}")
            : "";
        var redisJson = redisShare is { } share ? string.Create(CultureInfo.InvariantCulture, $",\"redisCpuShare\":{share:0.000}") : "";
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{{\"run\":{run.Run},\"tasks\":{total},\"instances\":{o.Instances},\"placedPerSecond\":{placedPerSecond:0},\"placeSeconds\":{placeSeconds:0.000},\"runningSeconds\":{runningSeconds:0.000},\"rssBytes\":{atSteady.ResidentBytes},\"rssPerTaskBytes\":{result.RssPerTaskBytes},\"scaleUpCpuSeconds\":{scaleCpu:0.00},\"holdCpuPercent\":{holdCpu:0},\"lagP99\":{lagUp.P99:0.###},\"heldLagP99\":{lagHeld.P99:0.###},\"heldLagCount\":{lagHeld.Count},\"timeScale\":{held.TimeScale},\"warmUpTasks\":{o.WarmUpTasks},\"rawActivationsPerSecond\":{rawPerSecond:0},\"ratio\":{ratio:0.00},\"ratioGoalMet\":{Bool(result.RatioGoalMet)},\"invariantViolations\":{invariants.Violations.Count},\"silos\":{probe.Silos.Length}{perSilo}{redisJson},\"timedOut\":{Bool(timedOut)}}}"));
        return result;
    }

    private static string Measured(LoadTestOptions o, string cluster, LoadRunContext run)
    {
        if (o.WarmUpTasks > 0)
        {
            return $"warm: after {o.WarmUpTasks:N0} tasks on a separate cluster {cluster}-warm and 1,000 probe activations (--warm-up-tasks 0: cold)";
        }

        if (run.FreshSilo)
        {
            return $"cold: run {run.Run} of {run.Runs} on a fresh silo process; the emulator's code runs for the first time in the scale-up, the baseline's after it";
        }

        return run.Run == 1
            ? "cold: the emulator's code runs for the first time in the scale-up, the baseline's after it (--warm-up-tasks N: warm; --fresh-silo: every run cold)"
            : $"warm: run {run.Run} of {run.Runs} on the same silo(s) after {run.Run - 1} run(s) (their clusters deleted)";
    }

    /// <summary>The busiest grain methods over every silo (the cluster grain's turns are recorded on its silo).</summary>
    private static IEnumerable<(string Silo, GrainTurns Turn)> Busiest(ClusterReading reading) =>
        reading.Silos.SelectMany(s => s.Turns.Select(t => (s.SiloAddress, t))).OrderByDescending(x => x.t.TotalMilliseconds).Take(6);

    /// <summary>
    /// Deletes a run's cluster before the next run, as a user would: traffic off, services deleted with force (their
    /// tasks stop), instances deregistered, then the cluster, retried while its tasks are still stopping.
    /// </summary>
    private static async Task TearDownAsync(IGrainFactory grains, string cluster, LoadTestOptions o, IAnsiConsole console, CancellationToken ct, Pause pause)
    {
        console.MarkupLineInterpolated($"deleting cluster {cluster} before the next run (services, tasks, instances)...");
        var control = grains.GetGrain<IEcsControlGrain>(GrainKeys.Control);
        var sw = Stopwatch.StartNew();
        var limit = TimeSpan.FromSeconds(Math.Max(120, o.TimeoutSeconds));
        foreach (var name in o.WarmUpTasks > 0 ? new[] { cluster, cluster + "-warm" } : [cluster])
        {
            var grain = grains.GetGrain<IClusterGrain>(GrainKeys.Cluster(name));
            var services = (await control.GetClusterStatus(name, false)).Services.Select(s => s.Spec.Name).ToList();
            await Fan(services.Count, 32, async i =>
            {
                if (o.RequestsPerSecond > 0)
                {
                    await grains.GetGrain<ITrafficGrain>(name).SetServiceTraffic(services[(int)i], null);
                }

                await control.DeleteService(name, services[(int)i], force: true);
            });
            while ((await grain.Describe()) is { } info && info.RunningTasksCount + info.PendingTasksCount > 0 && sw.Elapsed < limit)
            {
                await pause(TimeSpan.FromMilliseconds(100), ct);
            }

            var instances = (await grain.GetInstances()).Where(i => i.Status != ContainerInstanceStatus.INACTIVE).Select(i => i.ContainerInstanceId).ToList();
            await Fan(instances.Count, 64, i => grain.DeregisterInstance(instances[(int)i], force: true));
            while (true)
            {
                try
                {
                    await control.DeleteCluster(name);
                    break;
                }
                catch (EcsException) when (sw.Elapsed < limit)
                {
                    await pause(TimeSpan.FromMilliseconds(100), ct); // tasks still stopping, services still draining: try again shortly
                }
                catch (EcsException e)
                {
                    console.MarkupLineInterpolated($"[yellow]cluster {name} not deleted after {sw.Elapsed.TotalSeconds:0} s ({e.Code}: {e.Message}); the next run shares the silo with it[/]");
                    break;
                }
            }
        }
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
        var control = grains.GetGrain<IEcsControlGrain>(GrainKeys.Control);
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

    private static string Bool(bool b) => b ? "true" : "false";

    private static string Json(string? s) => s is null ? "null" : "\"" + s.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";

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
