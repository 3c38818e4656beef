using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using System.Runtime;
using System.Text.Json;
using System.Text.Json.Serialization;
using Emulator.Model;

namespace Emulator.Benchmarks;

/// <summary>The table a person reads and the one JSON line a script reads (always the last line).</summary>
public static class Report
{
    public const double RatioTarget = 0.4;
    public const double BytesPerTaskTarget = 8 * 1024;

    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public static bool IsOptimized =>
        Assembly.GetExecutingAssembly().GetCustomAttribute<DebuggableAttribute>()?.IsJITOptimizerDisabled != true;

    public static void Header(TextWriter w, BenchmarkOptions o, EmulatorOptions e)
    {
        w.WriteLine("ECS emulator benchmark");
        w.WriteLine($"  .NET {Environment.Version}, {Environment.ProcessorCount} cores, {(IsOptimized ? "Release" : "DEBUG BUILD - figures are not meaningful")}, "
            + $"{(GCSettings.IsServerGC ? "server" : "workstation")} GC");
        w.WriteLine($"  time scale {e.TimeScale.ToString(Inv)}x, ServiceLaunchesPerMinute {e.ServiceLaunchesPerMinute:N0}, "
            + $"ProvisioningQueueLimit {e.ProvisioningQueueLimit:N0}, TaskStart {e.Timings.TaskStart.TotalSeconds.ToString(Inv)} s emulated "
            + $"= {Wall(e.Timings.TaskStart, e).ToString("0.###", Inv)} ms wall, cluster tick {e.TickPeriod.TotalSeconds.ToString(Inv)} s emulated");
        w.WriteLine($"  --tasks {o.Tasks} --instances {o.Instances} --activations {o.Activations} --time-scale {o.TimeScale.ToString(Inv)} "
            + $"--launches-per-minute {o.LaunchesPerMinute} --warmup-tasks {o.WarmupTasks}{(o.Profile ? " --profile" : "")}");
        w.WriteLine($"  load average at start: {LoadAverage()} (other processes on the machine skew both baseline and emulator)");
        w.WriteLine();
    }

    public static void Print(TextWriter w, BenchmarkOptions o, EmulatorOptions e, BaselineResult b, EmulatorResult r)
    {
        var ratio = b.ActivationsPerSecond > 0 ? r.TasksPlacedPerSecond / b.ActivationsPerSecond : 0;
        var ratioInGrain = b.ActivationsPerSecond > 0 ? r.TasksPlacedPerSecondInGrain / b.ActivationsPerSecond : 0;
        // A figure only stands on a consistent final state: with an invariant violated no target is met.
        var consistent = r.Probes.InvariantViolations == 0;
        var ratioMet = r.Completed && consistent && ratio >= RatioTarget;
        var memoryMet = r.Completed && consistent && r.HeapBytesPerTask <= BytesPerTaskTarget;

        w.WriteLine();
        w.WriteLine("Raw Orleans baseline (same process, same silo)");
        Row(w, $"grain activations ({b.Activations:N0}, 200-byte state)", $"{b.ActivationSeconds:0.00} s", $"{b.ActivationsPerSecond:N0} /s");
        Row(w, "  during activations", "", b.ActivationRuntime.ToString());
        Row(w, "GC heap per activation", "", $"{b.HeapBytesPerActivation:N0} B");
        Row(w, $"grain -> grain calls, {b.Callers} callers", $"{b.GrainCalls:N0}", $"{b.GrainCallsPerSecond:N0} /s");
        Row(w, "  during grain -> grain calls", "", b.GrainCallRuntime.ToString());
        Row(w, $"in-process client -> grain, {b.ClientInFlight} in flight", $"{b.ClientCalls:N0}", $"{b.ClientCallsPerSecond:N0} /s");
        Row(w, "deactivating the baseline grains", $"{b.DeactivationSeconds:0.00} s", "");
        w.WriteLine();
        w.WriteLine($"Emulator: {r.Tasks:N0} tasks (256 CPU / 512 MiB, bridge) on {r.Instances:N0} m5.large (room for {r.Capacity:N0})");
        Row(w, "RegisterInstance (64 concurrent)", $"{r.RegisterSeconds:0.00} s", $"{r.InstancesPerSecond:N0} /s");
        Row(w, "UpdateService call returned after", $"{r.UpdateServiceSeconds:0.000} s", "");
        Row(w, "all tasks placed, seen by a Describe poll", $"{r.PlacedSeconds:0.000} s", $"{r.TasksPlacedPerSecond:N0} tasks/s");
        Row(w, "all tasks placed, recorded by the cluster grain", $"{r.PlacedInGrainSeconds:0.000} s", $"{r.TasksPlacedPerSecondInGrain:N0} tasks/s");
        Row(w, "all tasks RUNNING", $"{r.RunningSeconds:0.000} s", $"{(r.Completed ? r.Tasks / r.RunningSeconds : 0):N0} tasks/s");
        Row(w, "  time inside LaunchTasks (emulator meter)", $"{r.PlacementMsInsideCluster:N1} ms", $"{r.PlacementBatches} batch(es), {r.PlacementTasks:N0} tasks, max {r.PlacementMaxBatchMs:N1} ms");
        Row(w, "  process CPU from UpdateService to RUNNING", $"{r.CpuSecondsToRunning:0.00} s", $"{(r.Completed ? 100 * r.CpuSecondsToRunning / r.RunningSeconds : 0):0}% of one core");
        Row(w, "  from UpdateService to RUNNING", "", r.ScaleOutRuntime.ToString());
        Row(w, "  timer lag p50 / p99 / max (emulated s)", $"{r.LagP50Seconds:0.##} / {r.LagP99Seconds:0.##} / {r.LagMaxSeconds:0.##}",
            $"= {Wall(r.LagP99Seconds, e):0.#} ms wall at p99, {r.LagSamples:N0} samples");
        Row(w, "  Describe polls (every 10 ms)", $"{r.Polls}", $"mean {r.PollMeanMs:0.0} ms, max {r.PollMaxMs:0.0} ms");
        Row(w, "GC heap before -> after (full GC)", $"{Mb(r.HeapBefore)} -> {Mb(r.HeapAfter)}", $"{r.HeapBytesPerTask:N0} B/task");
        Row(w, "working set before -> after", $"{Mb(r.WorkingSetBefore)} -> {Mb(r.WorkingSetAfter)}", $"{r.WorkingSetBytesPerTask:N0} B/task");
        Row(w, "idle CPU, service at 0 tasks (2 s)", "", $"{r.IdleCpuBeforePercent:0}% of one core");
        Row(w, "", "", r.IdleBeforeRuntime.ToString());
        Row(w, $"idle CPU, {r.Tasks:N0} tasks RUNNING (2 s)", "", $"{r.IdleCpuAfterPercent:0}% of one core");
        Row(w, "", "", r.IdleAfterRuntime.ToString());
        w.WriteLine();
        w.WriteLine($"Per-call costs with {r.Tasks:N0} tasks in the cluster (median wall time)");
        var p = r.Probes;
        Row(w, "IClusterGrain.Describe", $"{p.DescribeMs:0.00} ms", "");
        Row(w, "IClusterGrain.ListTasks(all)", $"{p.ListTasksMs:0.00} ms", "");
        Row(w, "IClusterGrain.GetServiceTasks (each service reconcile)", $"{p.GetServiceTasksMs:0.00} ms", "");
        Row(w, "IClusterGrain.CheckInvariants", $"{p.CheckInvariantsMs:0.00} ms", $"{p.InvariantViolations} violation(s)");
        Row(w, "events retained by the cluster", $"{p.EventsRetained:N0}", $"{(double)p.EventsRetained / Math.Max(1, r.Tasks):0.0} per task");
        Row(w, $"persisted state copy ({p.StorageSerializer})", $"{p.SerializeStateMs:N0} ms to write", $"{p.PersistedStateBytesPerTask:N0} B/task");
        Row(w, "  same state with OrleansGrainStorageSerializer", $"{p.BinarySerializeStateMs:N0} ms to write", $"{p.BinaryStateBytesPerTask:N0} B/task");
        if (r.Profile is { } prof)
        {
            w.WriteLine();
            w.WriteLine("Profile (--profile): the pure model alone, on the benchmark's thread");
            Row(w, $"PlacementEngine.Place, one batch of {r.Tasks:N0} over {r.Instances:N0} instances", $"{prof.PlaceBatchMs:N1} ms", "");
            Row(w, $"InstanceAccounting.ApplyTaskChange x {r.Tasks:N0}", $"{prof.AccountingMs:N1} ms", "");
            Calls(w, $"grain calls while idle with the service at 0 tasks ({prof.IdleSeconds:0} s)", prof.IdleBeforeCalls, prof.IdleSeconds);
            Calls(w, "grain calls from UpdateService to all RUNNING (time inside each method)", prof.ScaleOutCalls, r.RunningSeconds);
            Calls(w, $"grain calls while idle with all tasks RUNNING ({prof.IdleSeconds:0} s)", prof.IdleCalls, prof.IdleSeconds);
        }
        w.WriteLine();
        w.WriteLine("Targets");
        Row(w, "invariants after the run (IClusterGrain.CheckInvariants)", consistent ? "hold" : $"{r.Probes.InvariantViolations} VIOLATED",
            consistent ? "no instance over-committed; counters, cost ledger, task counts, queue and index consistent" : "no target is met");
        foreach (var v in r.Probes.InvariantMessages.Take(20))
        {
            w.WriteLine($"  INVARIANT VIOLATED: {v}");
        }

        Row(w, "task placement rate (poll) / raw activation rate", $"{ratio:0.00}", $"target >= {RatioTarget:0.0}: {(ratioMet ? "MET" : "MISSED")}");
        Row(w, "  (in-grain placement rate / raw activation rate)", $"{ratioInGrain:0.00}", "");
        Row(w, "GC heap per task", $"{r.HeapBytesPerTask / 1024:0.00} KB", $"target <= {BytesPerTaskTarget / 1024:0} KB: {(memoryMet ? "MET" : "MISSED")}");
        if (r.Error is not null)
        {
            w.WriteLine($"  ERROR: {r.Error}");
        }

        w.WriteLine($"  load average at end: {LoadAverage()}");

        w.WriteLine();
        w.WriteLine(JsonSerializer.Serialize(new
        {
            benchmark = "emulator",
            release = IsOptimized,
            cores = Environment.ProcessorCount,
            options = new { o.Tasks, o.Instances, o.Activations, e.TimeScale, e.ServiceLaunchesPerMinute, e.ProvisioningQueueLimit },
            baseline = b,
            emulator = r,
            ratio,
            ratioInGrain,
            loadAverage = LoadAverage(),
            targets = new { ratio = RatioTarget, ratioMet, bytesPerTask = BytesPerTaskTarget, memoryMet, invariantViolations = r.Probes.InvariantViolations },
        }, Json));
    }

    private static void Calls(TextWriter w, string title, IReadOnlyList<CallStat> calls, double seconds)
    {
        w.WriteLine($"  {title}");
        foreach (var c in calls.Take(10))
        {
            Row(w, "  " + c.Method, $"{c.Calls:N0} calls", $"{c.TotalMs:N0} ms total ({100 * c.TotalMs / 1000 / seconds:0}% of the window), "
                + $"mean {c.MeanMs:0.00} ms, max {c.MaxMs:N0} ms");
        }
    }

    private static string LoadAverage()
    {
        try
        {
            return string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3));
        }
        catch (IOException)
        {
            return "n/a";
        }
    }

    private static double Wall(TimeSpan emulated, EmulatorOptions e) => emulated.TotalMilliseconds / e.TimeScale;

    private static double Wall(double emulatedSeconds, EmulatorOptions e) => emulatedSeconds * 1000 / e.TimeScale;

    private static string Mb(long bytes) => $"{bytes / 1024.0 / 1024.0:N1} MB";

    private static void Row(TextWriter w, string what, string value, string rate) =>
        w.WriteLine($"  {what,-54} {value,22}  {rate}");
}
