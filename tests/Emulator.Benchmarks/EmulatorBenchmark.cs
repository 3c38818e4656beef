using System.Collections.Immutable;
using System.Diagnostics;
using Emulator.Contracts;
using Emulator.Model.Lifecycle;
using Emulator.Model.Placement;
using Emulator.Runtime;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;
using Orleans.Storage;

namespace Emulator.Benchmarks;

public sealed record EmulatorResult(
    int Instances,
    int Tasks,
    int Capacity,
    double RegisterSeconds,
    double InstancesPerSecond,
    bool Completed,
    string? Error,
    int Placed,
    int Running,
    double UpdateServiceSeconds,
    double PlacedSeconds,
    double TasksPlacedPerSecond,
    double PlacedInGrainSeconds,
    double TasksPlacedPerSecondInGrain,
    double RunningSeconds,
    long HeapBefore,
    long HeapAfter,
    double HeapBytesPerTask,
    long WorkingSetBefore,
    long WorkingSetAfter,
    double WorkingSetBytesPerTask,
    int PlacementBatches,
    long PlacementTasks,
    double PlacementMsInsideCluster,
    double PlacementMaxBatchMs,
    double LagP50Seconds,
    double LagP99Seconds,
    double LagMaxSeconds,
    long LagSamples,
    int Polls,
    double PollMeanMs,
    double PollMaxMs,
    double CpuSecondsToRunning,
    RuntimeWindow ScaleOutRuntime,
    double IdleCpuBeforePercent,
    RuntimeWindow IdleBeforeRuntime,
    double IdleCpuAfterPercent,
    RuntimeWindow IdleAfterRuntime,
    CostProbes Probes,
    ProfileResult? Profile);

/// <summary>What single calls cost once the cluster holds all the tasks (Stopwatch around each call, medians).</summary>
public sealed record CostProbes(
    double DescribeMs,
    double ListTasksMs,
    double GetServiceTasksMs,
    double CheckInvariantsMs,
    int InvariantViolations,
    long EventsRetained,
    double PersistedStateBytesPerTask,
    double SerializeStateMs,
    string StorageSerializer,
    double BinaryStateBytesPerTask,
    double BinarySerializeStateMs,
    ImmutableArray<string> InvariantMessages);

/// <summary>What the Describe polls saw during the scale-out.</summary>
public sealed class Observation
{
    public double? PlacedSeconds { get; set; }

    public double? RunningSeconds { get; set; }

    public int Placed { get; set; }

    public int Running { get; set; }

    public int Polls { get; set; }

    public double PollTotalMs { get; set; }

    public double PollMaxMs { get; set; }

    public string? Error { get; set; }
}

/// <summary><c>--profile</c>: grain calls during the scale-out and while idle, and the pure model timed on its own.</summary>
public sealed record ProfileResult(
    IReadOnlyList<CallStat> IdleBeforeCalls,
    IReadOnlyList<CallStat> ScaleOutCalls,
    IReadOnlyList<CallStat> IdleCalls,
    double IdleSeconds,
    double PlaceBatchMs,
    double AccountingMs);

/// <summary>
/// The emulator at scale: a cluster of already-registered m5.large instances, one REPLICA service scaled from 0 to
/// N tasks by one UpdateService, measured through the same front door a user's script would use.
/// </summary>
public static class EmulatorBenchmark
{
    public const string ClusterName = "bench";
    public const string ServiceName = "web";
    public const int TaskCpu = 256;
    public const int TaskMemory = 512;
    private const string InstanceType = "m5.large";
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(10);
    private static readonly TimeSpan StallAfter = TimeSpan.FromSeconds(5);

    public static async Task<EmulatorResult> Run(IServiceProvider services, IGrainFactory grains, BenchmarkOptions o, CallProfile? profile, TextWriter log)
    {
        var control = grains.GetGrain<IEcsControlGrain>(GrainKeys.Control);
        var cluster = grains.GetGrain<IClusterGrain>(GrainKeys.Cluster(ClusterName));
        var runtime = services.GetRequiredService<EmulatorRuntime>();
        var zones = runtime.Options.AvailabilityZones;

        var registered = runtime.Catalog.Registered(InstanceType);
        var capacity = o.Instances * Math.Min(registered.Cpu / TaskCpu, registered.Memory / TaskMemory);
        if (o.Tasks > capacity)
        {
            log.WriteLine($"  note: {o.Tasks:N0} tasks do not fit on {o.Instances:N0} {InstanceType} (room for {capacity:N0}); the run will stall");
        }
        var td = await control.RegisterTaskDefinition(new TaskDefinitionSpec(
            "bench-web",
            [new ContainerDefinition("app", "public.ecr.aws/nginx/nginx:latest", TaskCpu, TaskMemory, null, true, [], null, 0)],
            null, null, NetworkMode.bridge, ["EC2"], [], ImmutableDictionary<string, string>.Empty));
        string? warmupNote = null;
        if (o.WarmupTasks > 0)
        {
            log.WriteLine($"  warming up on a cluster of its own: {o.WarmupTasks:N0} tasks out and back in, three times...");
            warmupNote = await EmulatorWarmUp.Run(grains, td, o.WarmupTasks, zones, TimeSpan.FromSeconds(o.TimeoutSeconds));
            if (warmupNote is not null)
            {
                log.WriteLine("  " + warmupNote);
            }
        }

        await control.CreateCluster(new CreateClusterRequest(ClusterName, [], [], ImmutableDictionary<string, string>.Empty));
        log.WriteLine($"  registering {o.Instances:N0} {InstanceType} instances...");
        var sw = Stopwatch.StartNew();
        await Measure.Fan(o.Instances, 64, i => cluster.RegisterInstance(new InstanceRegistration(
            $"i-{i:x17}", InstanceType, zones[i % zones.Count], null, false, false, ImmutableDictionary<string, string>.Empty)));
        var registerSeconds = sw.Elapsed.TotalSeconds;
        await control.CreateService(new CreateServiceRequest(ClusterName, ServiceName, td.Arn, 0, LaunchType.EC2, [], [], [],
            SchedulingStrategy.REPLICA, null, null, ImmutableDictionary<string, string>.Empty, null));
        var emptyInstances = profile is null ? [] : await cluster.GetInstances();

        // Let the empty service settle, then take the "before" readings.
        await Task.Delay(300);
        if (profile is not null)
        {
            profile.TakeSnapshot();
            profile.Enabled = true;
        }

        var idleWindow = TimeSpan.FromSeconds(2);
        Mark(log, profile, "idle window, service at 0 tasks: start");
        var idleBeforeRuntime = RuntimeWindow.Now();
        var idleBefore = await IdleCpuPercent(idleWindow);
        idleBeforeRuntime = RuntimeWindow.Now().Since(idleBeforeRuntime);
        Mark(log, profile, "idle window, service at 0 tasks: end");
        var idleBeforeCalls = profile?.TakeSnapshot() ?? [];
        var heapBefore = Measure.FullGcHeap();
        var wsBefore = Measure.WorkingSet();
        runtime.Metrics.ResetLag();
        profile?.TakeSnapshot();

        log.WriteLine($"  UpdateService desiredCount 0 -> {o.Tasks:N0}...");
        var runtimeBefore = RuntimeWindow.Now();
        var cpuBefore = Measure.CpuTime();
        Mark(log, profile, "scale-out: start");
        sw.Restart();
        using var placements = new PlacementListener(sw, o.Tasks);
        TimeSpan? updateReturned = null;
        var update = control.UpdateService(new UpdateServiceRequest(ClusterName, ServiceName, o.Tasks, null, null, null, null, null, null, false));
        var updateObserved = update.ContinueWith(_ => updateReturned = sw.Elapsed, TaskScheduler.Default);
        var seen = await Observe(cluster, update, sw, o.Tasks, TimeSpan.FromSeconds(o.TimeoutSeconds));
        Mark(log, profile, "scale-out: all RUNNING");
        var cpuToRunning = (Measure.CpuTime() - cpuBefore).TotalSeconds;
        var scaleOutRuntime = RuntimeWindow.Now().Since(runtimeBefore);
        var error = seen.Error;
        if (seen.RunningSeconds is null && error is null)
        {
            error = $"timed out after {o.TimeoutSeconds} s: {seen.Placed:N0} placed, {seen.Running:N0} running";
        }

        error = warmupNote is null ? error : error is null ? warmupNote : error + "; " + warmupNote;

        await updateObserved;
        var scaleOutCalls = profile?.TakeSnapshot() ?? [];
        var lag = runtime.Metrics.LagPercentiles();
        var (batches, placedByMeter, insideMs, maxBatchMs, allPlacedAt) = placements.Read();

        // "After": the service has settled and the cluster has persisted (it writes at most every 500 ms).
        await Task.Delay(1_000);
        var heapAfter = Measure.FullGcHeap();
        var wsAfter = Measure.WorkingSet();

        // Background cost of the emulated clock with every task RUNNING (cluster tick, service tick, persistence).
        profile?.TakeSnapshot();
        Mark(log, profile, "idle window, all tasks RUNNING: start");
        var idleAfterRuntime = RuntimeWindow.Now();
        var idleAfter = await IdleCpuPercent(idleWindow);
        idleAfterRuntime = RuntimeWindow.Now().Since(idleAfterRuntime);
        Mark(log, profile, "idle window, all tasks RUNNING: end");
        var idleCalls = profile?.TakeSnapshot() ?? [];
        if (profile is not null)
        {
            profile.Enabled = false;
        }

        log.WriteLine("  probing per-call costs at full size...");
        var probes = await Probe(services, cluster);
        ProfileResult? profiled = null;
        if (profile is not null)
        {
            log.WriteLine("  timing the pure model on its own...");
            var (placeMs, accountingMs) = await TimeModel(cluster, emptyInstances, td, o.Tasks);
            profiled = new ProfileResult(idleBeforeCalls, scaleOutCalls, idleCalls, idleWindow.TotalSeconds, placeMs, accountingMs);
        }

        var tasks = Math.Max(1, o.Tasks);
        return new EmulatorResult(
            o.Instances, o.Tasks, capacity, registerSeconds, o.Instances / registerSeconds,
            seen.RunningSeconds is not null, error, seen.Placed, seen.Running,
            updateReturned?.TotalSeconds ?? double.NaN,
            seen.PlacedSeconds ?? double.NaN, seen.PlacedSeconds is { } p ? o.Tasks / p : 0,
            allPlacedAt?.TotalSeconds ?? double.NaN, allPlacedAt is { } g ? o.Tasks / g.TotalSeconds : 0,
            seen.RunningSeconds ?? double.NaN,
            heapBefore, heapAfter, (double)(heapAfter - heapBefore) / tasks,
            wsBefore, wsAfter, (double)(wsAfter - wsBefore) / tasks,
            batches, placedByMeter, insideMs, maxBatchMs,
            lag.P50, lag.P99, lag.Max, lag.Count,
            seen.Polls, seen.Polls == 0 ? 0 : seen.PollTotalMs / seen.Polls, seen.PollMaxMs,
            cpuToRunning, scaleOutRuntime, idleBefore, idleBeforeRuntime, idleAfter, idleAfterRuntime, probes, profiled);
    }

    /// <summary>
    /// Polls the cluster every 10 ms until all tasks are RUNNING. Describe is the cheap count: one pass over the
    /// cluster's records, no task list crosses the wire. It queues behind whatever the (non-reentrant) cluster grain is
    /// doing, so it sees placements late if at all - the cluster grain's own record of the moment is kept separately.
    /// </summary>
    private static async Task<Observation> Observe(IClusterGrain cluster, Task update, Stopwatch sw, int tasks, TimeSpan timeout)
    {
        var seen = new Observation();
        var lastChange = sw.Elapsed;
        while (sw.Elapsed < timeout)
        {
            var delay = Task.Delay(PollInterval);
            await (update.IsCompleted ? delay : Task.WhenAny(update, delay));
            if (update.IsFaulted)
            {
                seen.Error = "UpdateService failed: " + update.Exception!.GetBaseException().Message;
                return seen;
            }

            var pollStart = Stopwatch.GetTimestamp();
            var info = await cluster.Describe();
            var pollMs = Stopwatch.GetElapsedTime(pollStart).TotalMilliseconds;
            seen.Polls++;
            seen.PollTotalMs += pollMs;
            seen.PollMaxMs = Math.Max(seen.PollMaxMs, pollMs);
            if (info is null)
            {
                seen.Error = "cluster vanished";
                return seen;
            }

            // Bridge tasks go PENDING the moment they are placed; the CPU reserved on instances confirms it.
            var placed = Math.Min(info.PendingTasksCount + info.RunningTasksCount, info.ReservedResources.Cpu / TaskCpu);
            if (placed != seen.Placed || info.RunningTasksCount != seen.Running)
            {
                lastChange = sw.Elapsed;
            }

            seen.Placed = placed;
            seen.Running = info.RunningTasksCount;
            if (seen.PlacedSeconds is null && seen.Placed >= tasks)
            {
                seen.PlacedSeconds = sw.Elapsed.TotalSeconds;
            }

            if (seen.Running >= tasks)
            {
                seen.RunningSeconds = sw.Elapsed.TotalSeconds;
                return seen;
            }

            // More tasks than fit (or a placement failure) would otherwise wait for the full timeout.
            if (update.IsCompleted && sw.Elapsed - lastChange > StallAfter)
            {
                seen.Error = $"stalled for {StallAfter.TotalSeconds:0} s at {seen.Placed:N0} placed, {seen.Running:N0} running";
                return seen;
            }
        }

        return seen;
    }

    /// <summary>With --profile: a CLOCK_MONOTONIC timestamp (what <c>perf record -k CLOCK_MONOTONIC</c> uses) per phase.</summary>
    private static void Mark(TextWriter log, CallProfile? profile, string phase)
    {
        if (profile is not null)
        {
            log.WriteLine($"  [monotonic {(double)Stopwatch.GetTimestamp() / Stopwatch.Frequency:F6}] {phase}");
        }
    }

    /// <summary>Process CPU over a window in which the benchmark itself does nothing, as % of one core.</summary>
    private static async Task<double> IdleCpuPercent(TimeSpan window)
    {
        var cpu = Measure.CpuTime();
        var sw = Stopwatch.StartNew();
        await Task.Delay(window);
        return 100 * (Measure.CpuTime() - cpu).TotalSeconds / sw.Elapsed.TotalSeconds;
    }

    /// <summary>
    /// The pure model on the benchmark's thread, outside any grain: one PlacementEngine.Place of the whole batch
    /// over the empty instances, and the InstanceAccounting update every placed task causes.
    /// </summary>
    private static async Task<(double PlaceMs, double AccountingMs)> TimeModel(
        IClusterGrain cluster, ImmutableArray<ContainerInstanceRecord> emptyInstances, TaskDefinitionRecord td, int count)
    {
        var request = new PlacementRequest(td.Requirements, "service:" + ServiceName, count, PlacementDefaults.ForService, [], null);
        var placeMs = double.MaxValue;
        for (var i = 0; i < 2; i++)
        {
            var start = Stopwatch.GetTimestamp();
            PlacementEngine.Place(emptyInstances, request, new Random(1));
            placeMs = Math.Min(placeMs, Stopwatch.GetElapsedTime(start).TotalMilliseconds);
        }

        var tasks = await cluster.ListTasks(TaskFilter.All);
        var byId = emptyInstances.ToDictionary(i => i.ContainerInstanceId, StringComparer.Ordinal);
        var accounting = Stopwatch.GetTimestamp();
        foreach (var t in tasks)
        {
            if (t.ContainerInstanceId is { } ci && byId.TryGetValue(ci, out var inst))
            {
                byId[ci] = InstanceAccounting.ApplyTaskChange(inst, null, t);
            }
        }

        return (placeMs, Stopwatch.GetElapsedTime(accounting).TotalMilliseconds);
    }

    private static async Task<CostProbes> Probe(IServiceProvider services, IClusterGrain cluster)
    {
        var describe = await Measure.MedianMs(5, () => cluster.Describe());
        var list = await Measure.MedianMs(3, () => cluster.ListTasks(TaskFilter.All));
        var serviceTasks = await Measure.MedianMs(3, () => cluster.GetServiceTasks(ServiceName, default));
        InvariantReport? report = null;
        var invariants = await Measure.MedianMs(1, async () => report = await cluster.CheckInvariants());

        // How many events the cluster keeps (B-EV-3) - each holds a TaskRecord version, an ARN and a UUID.
        long events = 0;
        long after = 0;
        while (true)
        {
            var page = await cluster.ReadEvents(after, null, 10_000);
            if (page.Events.IsEmpty)
            {
                break;
            }

            events += page.Events.Length;
            after = page.LastSequence;
        }

        // The memory grain storage keeps a serialized copy of the whole cluster state: estimate its size per task.
        var storage = services.GetRequiredService<IGrainStorageSerializer>();
        var allTasks = await cluster.ListTasks(TaskFilter.All);
        var instances = await cluster.GetInstances();
        var state = new Grains.ClusterState
        {
            Exists = true,
            Instances = instances.ToDictionary(i => i.ContainerInstanceId, StringComparer.Ordinal),
            Tasks = allTasks.ToDictionary(t => t.TaskId, StringComparer.Ordinal),
        };
        var serializeStart = Stopwatch.GetTimestamp();
        var withTasks = storage.Serialize(state).ToMemory().Length;
        var serializeMs = Stopwatch.GetElapsedTime(serializeStart).TotalMilliseconds;

        // The alternative a silo can configure for memory storage: Orleans' own binary serializer.
        var binary = new OrleansGrainStorageSerializer(services.GetRequiredService<Serializer>());
        binary.Serialize(state);
        var binaryStart = Stopwatch.GetTimestamp();
        var binaryBytes = binary.Serialize(state).ToMemory().Length;
        var binaryMs = Stopwatch.GetElapsedTime(binaryStart).TotalMilliseconds;
        state.Tasks = new(StringComparer.Ordinal);
        var withoutTasks = storage.Serialize(state).ToMemory().Length;
        var binaryWithoutTasks = binary.Serialize(state).ToMemory().Length;
        return new CostProbes(describe, list, serviceTasks, invariants, report?.Violations.Length ?? -1, events,
            allTasks.IsEmpty ? 0 : (double)(withTasks - withoutTasks) / allTasks.Length, serializeMs, storage.GetType().Name,
            allTasks.IsEmpty ? 0 : (double)(binaryBytes - binaryWithoutTasks) / allTasks.Length, binaryMs, report?.Violations ?? ["the invariant checker did not answer"]);
    }
}
