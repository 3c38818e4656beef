using System.Globalization;
using Emulator.Contracts;
using Spectre.Console;

namespace Emulator.Client;

/// <summary>
/// The figures of repeated load-test runs (<c>--repeat N</c>) as median and range, and the goal judged on the median:
/// a single run of the shared 2-core machine varies by a third, so a headline figure is a median with its range.
/// </summary>
public static class LoadTestSummary
{
    public static void Print(IAnsiConsole console, IReadOnlyList<LoadRunResult> runs, LoadTestOptions o, string measured)
    {
        Spread Of(Func<LoadRunResult, double> f) => Spread.Of(runs.Select(f));
        var placed = Of(r => r.PlacedPerSecond);
        var raw = Of(r => r.RawActivationsPerSecond);
        var ratio = Of(r => r.Ratio);
        var running = Of(r => r.RunningSeconds);
        var rss = Of(r => r.RssBytes / 1024.0 / 1024.0);
        var rssPerTask = Of(r => r.RssPerTaskBytes / 1024.0);
        var cpu = Of(r => r.ScaleUpCpuSeconds);
        var holdCpu = Of(r => r.HoldCpuPercent);
        var lag = Of(r => r.LagP99);
        var heldLag = Of(r => r.HeldLagP99);
        var failed = runs.Where(r => r.Failed).ToList();
        var goalMet = failed.Count == 0 && ratio.Median >= LoadTest.RatioGoal;

        console.WriteLine();
        console.MarkupLineInterpolated($"[bold]{runs.Count} runs[/] of {runs[0].Tasks:N0} tasks / {o.Services:N0} services / {o.Instances:N0} {o.InstanceType}, {measured}: median (min–max)");
        var table = new Table().AddColumns("figure", $"median (min–max, {runs.Count} runs)");
        void Row(string k, string v) => table.AddRow(Markup.Escape(k), Markup.Escape(v));
        Row("tasks placed per second", placed.Format("N0"));
        Row("raw Orleans activations per second", raw.Format("N0"));
        Row("time to steady state (all RUNNING, s wall)", running.Format("0.00"));
        Row("RSS at steady state (MB)", rss.Format("N0"));
        Row("RSS per task (KB)", rssPerTask.Format("0.0"));
        Row("CPU during the scale-up (s)", cpu.Format("0.0"));
        Row("CPU holding steady state (% of one core)", holdCpu.Format("0"));
        Row("timer lag p99, scale-up (emulated s)", lag.Format("0.###"));
        Row("timer lag p99, steady state held (emulated s)", heldLag.Format("0.###"));
        if (runs.Any(r => r.RedisCpuShare is not null))
        {
            Row("Redis's share of the scale-up CPU (%)", Of(r => 100 * (r.RedisCpuShare ?? double.NaN)).Format("0"));
        }

        Row("placement rate / raw activation rate", $"{ratio.Format("0.00")}; goal >= {LoadTest.RatioGoal:0.00} on the median: "
            + (goalMet ? "met" : failed.Count > 0 ? $"NOT MET: {failed.Count} run(s) failed" : "not met"));
        Row("runs that failed", failed.Count == 0
            ? "none (every run reached steady state, every profile step, and the invariants held)"
            : string.Join("; ", failed.Select(r => $"run {r.Run}: " + string.Join(", ", new[]
            {
                r.TimedOut ? "timed out" : null,
                r.ProfileReached ? null : "a profile step not reached",
                r.InvariantViolations.Count > 0 ? $"{r.InvariantViolations.Count} invariant violation(s), first: {r.InvariantViolations[0]}" : null,
            }.OfType<string>()))));
        console.Write(table);

        string J(Spread s, string format) => s.ToJson(format);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{{\"summary\":true,\"runs\":{runs.Count},\"tasks\":{runs[0].Tasks},\"instances\":{o.Instances},\"measured\":\"{measured}\",\"failedRuns\":{failed.Count},\"placedPerSecond\":{J(placed, "0")},\"rawActivationsPerSecond\":{J(raw, "0")},\"ratio\":{J(ratio, "0.00")},\"runningSeconds\":{J(running, "0.000")},\"rssMb\":{J(rss, "0")},\"rssPerTaskKb\":{J(rssPerTask, "0.0")},\"scaleUpCpuSeconds\":{J(cpu, "0.00")},\"holdCpuPercent\":{J(holdCpu, "0")},\"lagP99\":{J(lag, "0.###")},\"heldLagP99\":{J(heldLag, "0.###")},\"ratioGoalMet\":{(goalMet ? "true" : "false")}}}"));
    }
}
