using System.Collections.Immutable;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Emulator.Contracts;
using Emulator.Runtime;
using Microsoft.Extensions.DependencyInjection;

namespace Emulator.Benchmarks;

/// <summary>
/// Service auto scaling at scale (issue 11): N services (default 1,000) of M tasks each (default 10: 10,000 tasks) behind
/// target groups with steady synthetic traffic at 47 % CPU, each with a target tracking policy at 50 % (2 alarms each:
/// 2,000 alarms), at 100x. After a warm-up it measures, over a window of wall time: the p50 / p99 / max timer lag in
/// emulated seconds (goal: p99 under 1 s), the lag of the alarm evaluations themselves, process CPU, and the share of it
/// spent evaluating alarms (the alarm shards' busy time). An alarm still in INSUFFICIENT_DATA at the end did no work
/// and is counted as an error, never as speed. A raw Orleans baseline (grain calls/s) is measured in the same run.
/// Usage: <c>--service-auto-scaling [--services N] [--tasks-per-service N] [--time-scale X] [--warmup-seconds N] [--seconds N] [--skip-baseline] [--profile] [--repeat N]</c>.
/// </summary>
public static class ServiceAutoScalingBenchmark
{
    private const string ClusterName = "sas-bench";
    private const string InstanceType = "m5.large";
    private const int TaskCpu = 256;
    private const int TaskMemory = 512;

    public static async Task<int> Run(string[] args, TextWriter log)
    {
        int services = 1_000, perService = 10, warmupSeconds = 60, seconds = 60;
        double timeScale = 100;
        var skipBaseline = false;
        CallProfile? profile = null;
        var repeat = 1;
        for (var i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            switch (args[i])
            {
                case "--services": services = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--tasks-per-service": perService = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--time-scale": timeScale = double.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--warmup-seconds": warmupSeconds = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--seconds": seconds = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--skip-baseline": skipBaseline = true; break;
                case "--profile": profile = new CallProfile(); break;
                case "--repeat": repeat = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                default:
                    Console.Error.WriteLine($"unknown option {args[i]}; usage: --service-auto-scaling [--services N] [--tasks-per-service N] [--time-scale X] [--warmup-seconds N] [--seconds N] [--skip-baseline] [--profile] [--repeat N]");
                    return 2;
            }
        }

        if (repeat > 1)
        {
            return await RunRepeated(args, repeat, log);
        }

        var options = new BenchmarkOptions { TimeScale = timeScale, Activations = 20_000 };
        var emulator = BenchmarkHost.EmulatorOptionsFor(options);
        using var host = BenchmarkHost.Build(emulator, profile);
        await host.StartAsync();
        var grains = host.Services.GetRequiredService<IGrainFactory>();
        var runtime = host.Services.GetRequiredService<EmulatorRuntime>();
        log.WriteLine($"Service auto scaling benchmark: {services:N0} services x {perService} tasks, {2 * services:N0} alarms, {timeScale}x, " +
                      $"{Environment.ProcessorCount} cores, load average {LoadAverage()}");

        BaselineResult? baseline = null;
        if (!skipBaseline)
        {
            log.WriteLine("Raw Orleans baseline:");
            baseline = await BaselineBenchmark.Run(grains, options, log);
            log.WriteLine($"  grain -> grain calls: {baseline.GrainCallsPerSecond:N0}/s");
        }

        var control = grains.GetGrain<IEcsControlGrain>(GrainKeys.Control);
        var cluster = grains.GetGrain<IClusterGrain>(GrainKeys.Cluster(ClusterName));
        var zones = runtime.Options.AvailabilityZones;
        var registered = runtime.Catalog.Registered(InstanceType);
        var perInstance = Math.Min(registered.Cpu / TaskCpu, registered.Memory / TaskMemory);
        var instances = (services * perService + perInstance - 1) / perInstance + services / 10 + 1;
        var td = await control.RegisterTaskDefinition(new TaskDefinitionSpec("sas-bench-web",
            [new ContainerDefinition("app", "public.ecr.aws/nginx/nginx:latest", TaskCpu, TaskMemory, null, true, [new PortMapping(80, 0, "tcp")], null, 0)],
            null, null, NetworkMode.bridge, ["EC2"], [], ImmutableDictionary<string, string>.Empty));
        await control.CreateCluster(new CreateClusterRequest(ClusterName, [], [], ImmutableDictionary<string, string>.Empty));
        log.WriteLine($"  registering {instances:N0} {InstanceType} instances, {services:N0} target groups and services...");
        var setup = Stopwatch.StartNew();
        await Measure.Fan(instances, 64, i => cluster.RegisterInstance(new InstanceRegistration(
            $"i-{i:x17}", InstanceType, zones[i % zones.Count], null, false, false, ImmutableDictionary<string, string>.Empty)));
        await Measure.Fan(services, 32, async s =>
        {
            var tg = await grains.GetGrain<ITargetGroupGrain>($"sas-tg-{s}").Create(TargetGroupSpec.Default($"sas-tg-{s}") with { HealthyThresholdCount = 2, HealthCheckIntervalSeconds = 10 });
            await control.CreateService(new CreateServiceRequest(ClusterName, $"svc-{s}", td.Arn, perService, LaunchType.EC2, [], [], [],
                SchedulingStrategy.REPLICA, null, null, ImmutableDictionary<string, string>.Empty, null, LoadBalancers: [new ServiceLoadBalancer(tg.Arn, "app", 80)]));
        });

        log.WriteLine($"  registering {services:N0} scalable targets with a target tracking policy each...");
        await Measure.Fan(services, 32, async s =>
        {
            var target = grains.GetGrain<IScalableTargetGrain>(GrainKeys.ScalableTarget(AppAutoScaling.EcsNamespace, AppAutoScaling.ResourceId(ClusterName, $"svc-{s}"), AppAutoScaling.EcsDesiredCount));
            await target.Register(new ScalableTargetSpec(AppAutoScaling.EcsNamespace, AppAutoScaling.ResourceId(ClusterName, $"svc-{s}"), AppAutoScaling.EcsDesiredCount, perService, perService * 3, null, null, null));
            await target.PutPolicy(new ScalingPolicySpec("cpu50", "TargetTrackingScaling",
                new TargetTrackingSpec(50, "ECSServiceAverageCPUUtilization", null, null, null, null, null), null));
        });

        var total = services * perService;
        var running = 0;
        while (setup.Elapsed < TimeSpan.FromMinutes(10))
        {
            running = (await cluster.Describe())?.RunningTasksCount ?? 0;
            if (running >= total)
            {
                break;
            }

            await Task.Delay(500);
        }

        log.WriteLine($"  {running:N0} of {total:N0} tasks RUNNING after {setup.Elapsed.TotalSeconds:0.0} s; traffic at 47 % CPU on every service...");
        var traffic = grains.GetGrain<ITrafficGrain>(ClusterName);
        await Measure.Fan(services, 32, s => traffic.SetServiceTraffic($"svc-{s}", TrafficProfile.Constant(perService * 100 * 0.47)));

        log.WriteLine($"  warming up for {warmupSeconds} s ({warmupSeconds * timeScale / 60:0} emulated minutes)...");
        await Task.Delay(TimeSpan.FromSeconds(warmupSeconds));
        runtime.Metrics.ResetLag();
        if (profile is not null)
        {
            profile.Enabled = true;
            profile.TakeCpuSnapshot();
            profile.TakeSnapshot();
        }

        var allocatedBefore = GC.GetTotalAllocatedBytes();
        var cpu = Measure.CpuTime();
        var gcPause = GC.GetTotalPauseDuration();
        int gen0 = GC.CollectionCount(0), gen1 = GC.CollectionCount(1), gen2 = GC.CollectionCount(2);
        var window = Stopwatch.StartNew();
        log.WriteLine($"  measuring for {seconds} s ({seconds * timeScale / 60:0} emulated minutes)...");
        await Task.Delay(TimeSpan.FromSeconds(seconds));
        var cpuSeconds = (Measure.CpuTime() - cpu).TotalSeconds;
        var wall = window.Elapsed.TotalSeconds;
        var gcPauseMs = (GC.GetTotalPauseDuration() - gcPause).TotalMilliseconds;
        var allocatedMbPerSecond = (GC.GetTotalAllocatedBytes() - allocatedBefore) / wall / 1e6;
        var calls = profile?.TakeCpuSnapshot();
        var ephemeral = GC.GetGCMemoryInfo(GCKind.Ephemeral);
        var lastEphemeral = $"last gen{ephemeral.Generation} GC: pause {ephemeral.PauseDurations[0].TotalMilliseconds:0.#} ms, promoted {ephemeral.PromotedBytes / 1e6:0.#} MB, " +
                            $"heap {ephemeral.HeapSizeBytes / 1e6:N0} MB, gen0 budget {ephemeral.GenerationInfo[0].SizeBeforeBytes / 1e6:0.#} MB";
        var gcCounts = $"{GC.CollectionCount(0) - gen0:N0} / {GC.CollectionCount(1) - gen1:N0} / {GC.CollectionCount(2) - gen2:N0}";
        var lastGen2Pause = GC.GetGCMemoryInfo(GCKind.FullBlocking).PauseDurations.ToArray().Concat(GC.GetGCMemoryInfo(GCKind.Background).PauseDurations.ToArray()).DefaultIfEmpty().Max();
        var lag = runtime.Metrics.LagPercentiles();
        var bySource = runtime.Metrics.LagPercentilesBySource();
        var turns = runtime.Metrics.TurnProfile();
        var alarmTurns = turns.Where(t => t.Key.Grain == "alarm-shard").ToList();
        var alarmWallMs = alarmTurns.Sum(t => t.TotalMilliseconds);
        var evaluations = alarmTurns.Sum(t => t.Count);

        // The CPU of alarm evaluation: the thread CPU of the shards' own work and of the metric store reads they make
        // (only alarm shards read with GetMany), not the wall time a batch waited for the store.
        var alarmMs = runtime.Metrics.CpuProfile().Where(t => t.Key is ("alarm-shard", _) or ("metric-store", "GetMany")).Sum(t => t.TotalMilliseconds);

        var alarms = await grains.GetGrain<ICloudWatchAlarmsGrain>(0).Describe(new AlarmQuery([], "TargetTracking-service/" + ClusterName + "/", null, null));
        var insufficient = alarms.Count(a => a.State == AlarmStateValue.INSUFFICIENT_DATA);
        var inAlarm = alarms.Count(a => a.State == AlarmStateValue.ALARM);
        await BenchmarkHost.Stop(host);

        var cpuPercent = 100 * cpuSeconds / wall;
        var alarmShare = cpuSeconds <= 0 ? 0 : alarmMs / 1000 / cpuSeconds * 100;
        log.WriteLine();
        log.WriteLine("| figure | value |");
        log.WriteLine("|---|---|");
        log.WriteLine($"| services / tasks / alarms | {services:N0} / {running:N0} RUNNING of {total:N0} / {alarms.Length:N0} |");
        log.WriteLine($"| timer lag p50 / p99 / max (emulated s, all timers) | {lag.P50:0.###} / {lag.P99:0.###} / {lag.Max:0.###} ({lag.Count:N0} timers) |");
        if (bySource.TryGetValue(LagSources.AlarmEvaluation, out var a))
        {
            log.WriteLine($"| alarm evaluation lag p50 / p99 / max (emulated s) | {a.P50:0.###} / {a.P99:0.###} / {a.Max:0.###} ({a.Count:N0} batches) |");
        }

        log.WriteLine($"| p99 under 1 emulated second | {(lag.P99 < 1 ? "yes" : "NO")} |");
        log.WriteLine($"| process CPU | {cpuPercent:0.#} % of one core ({Environment.ProcessorCount} cores) |");
        log.WriteLine($"| alarm evaluation CPU (thread CPU of the shards and their metric reads) | {alarmMs / wall / 10:0.##} % of one core, {alarmShare:0.#} % of the process CPU; {evaluations:N0} shard batches, {alarmMs / Math.Max(1, evaluations):0.###} ms CPU each |");
        log.WriteLine($"| alarm shard batch wall time (including the wait for the metric store) | {alarmWallMs / Math.Max(1, evaluations):0.###} ms each |");
        log.WriteLine($"| GC pauses in the window (gen0 / gen1 / gen2 collections) | {gcPauseMs:N0} ms ({gcCounts}); last gen2 pause {lastGen2Pause.TotalMilliseconds:0.#} ms; {allocatedMbPerSecond:N0} MB/s allocated; {lastEphemeral} |");
        log.WriteLine($"| alarms: INSUFFICIENT_DATA (errors) / ALARM / OK | {insufficient:N0} / {inAlarm:N0} / {alarms.Length - insufficient - inAlarm:N0} |");
        if (baseline is not null)
        {
            log.WriteLine($"| raw Orleans grain -> grain calls (same run) | {baseline.GrainCallsPerSecond:N0}/s |");
        }

        // Where the lag comes from: each kind of timer, and the turns that held the hot grains (a timer is late while its
        // grain is busy).
        log.WriteLine();
        log.WriteLine("| timer kind | count | lag p50 / p99 / max (emulated s) |");
        log.WriteLine("|---|---|---|");
        foreach (var (source, l) in bySource.OrderByDescending(kv => kv.Value.P99))
        {
            log.WriteLine($"| {source} | {l.Count:N0} | {l.P50:0.###} / {l.P99:0.###} / {l.Max:0.###} |");
        }

        log.WriteLine();
        log.WriteLine("| grain turn | count | total ms | max ms |");
        log.WriteLine("|---|---|---|---|");
        foreach (var t in turns.OrderByDescending(t => t.TotalMilliseconds).Take(8))
        {
            log.WriteLine($"| {t.Key.Grain}.{t.Key.Method} | {t.Count:N0} | {t.TotalMilliseconds:N0} | {t.MaxMilliseconds:0.#} |");
        }

        if (calls is not null)
        {
            log.WriteLine();
            log.WriteLine("| grain call (synchronous part) | calls | CPU ms | MB allocated |");
            log.WriteLine("|---|---|---|---|");
            foreach (var c in calls.Take(15))
            {
                log.WriteLine($"| {c.Method} | {c.Calls:N0} | {c.CpuMs:N0} | {c.Bytes / 1e6:N1} |");
            }

            log.WriteLine("heaviest allocators: " + string.Join(", ", calls.OrderByDescending(c => c.Bytes).Take(8).Select(c => $"{c.Method} {c.Bytes / 1e6:N0} MB")));
        }

        log.WriteLine(JsonSerializer.Serialize(new
        {
            services, tasks = total, running, alarms = alarms.Length, timeScale, lagP50 = lag.P50, lagP99 = lag.P99, lagMax = lag.Max,
            alarmLagP99 = bySource.TryGetValue(LagSources.AlarmEvaluation, out var b) ? b.P99 : 0, cpuPercent, alarmCpuPercentOfProcess = alarmShare,
            alarmCpuPercentOfCore = alarmMs / wall / 10, gcPausePercent = gcPauseMs / wall / 10,
            errors = insufficient, baselineGrainCallsPerSecond = baseline?.GrainCallsPerSecond,
        }));
        return insufficient > 0 || running < total ? 1 : 0;
    }

    /// <summary>
    /// <c>--repeat N</c>: N runs, each a process of its own (cold, exactly as a single run), then the median and range of
    /// every figure; the goal is judged on the median and only when every run ended with every alarm evaluated.
    /// </summary>
    private static async Task<int> RunRepeated(string[] args, int repeat, TextWriter log)
    {
        var (runs, failed) = await Repeat.RunChildren(Repeat.WithoutRepeat(args, "--service-auto-scaling"), repeat, log);
        Spread Of(string key) => Spread.Of(runs.Select(r => Repeat.Number(r, key)));
        var lagP99 = Of("lagP99");
        var consistent = failed == 0 && runs.Count == repeat && runs.All(r => Repeat.Number(r, "errors") == 0);
        log.WriteLine();
        log.WriteLine($"=== {repeat} runs{(failed > 0 ? $", {failed} failed (exit code != 0)" : "")}: median (min–max) ===");
        log.WriteLine($"  timer lag p50, all timers (emulated s)            {Of("lagP50").Format("0.###")}");
        log.WriteLine($"  timer lag p99, all timers (emulated s)            {lagP99.Format("0.###")}");
        log.WriteLine($"  timer lag max, all timers (emulated s)            {Of("lagMax").Format("0.###")}");
        log.WriteLine($"  alarm evaluation lag p99 (emulated s)             {Of("alarmLagP99").Format("0.###")}");
        log.WriteLine($"  process CPU (% of one core)                       {Of("cpuPercent").Format("0.#")}");
        log.WriteLine($"  alarm evaluation CPU (% of one core)              {Of("alarmCpuPercentOfCore").Format("0.##")}");
        log.WriteLine($"  alarm evaluation CPU (% of the process CPU)       {Of("alarmCpuPercentOfProcess").Format("0.#")}");
        log.WriteLine($"  GC pauses (% of the window)                       {Of("gcPausePercent").Format("0.#")}");
        log.WriteLine($"  raw Orleans grain -> grain calls /s               {Of("baselineGrainCallsPerSecond").Format("N0")}");
        var met = consistent && lagP99.Median < 1;
        log.WriteLine($"Goal (on the median; every run must have evaluated every alarm): timer lag p99 under 1 emulated s: {(met ? "MET" : "MISSED")}");
        return consistent ? 0 : 1;
    }

    private static string LoadAverage()
    {
        try
        {
            return File.ReadAllText("/proc/loadavg").Split(' ')[0];
        }
        catch (IOException)
        {
            return "?";
        }
    }
}
