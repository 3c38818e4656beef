using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using System.Text.Json;
using Emulator.Contracts;

namespace Emulator.Benchmarks;

/// <summary>
/// <c>--repeat N</c>: the whole benchmark N times, each run in a fresh process of its own (cold, exactly as a single
/// run), its output passed through; then the median and range of every headline figure from the runs' JSON lines,
/// the targets judged on the medians, and one JSON summary line. A figure of one run on a shared 2-core machine varies
/// by a third between runs, so published figures are medians with their range.
/// </summary>
public static class Repeat
{
    public static async Task<int> Run(string[] args, BenchmarkOptions o, TextWriter output)
    {
        var (runs, failed) = await RunChildren(WithoutRepeat(args), o.Repeat, output);

        output.WriteLine();
        output.WriteLine($"=== {o.Repeat} runs{(runs.Count < o.Repeat ? $", {o.Repeat - runs.Count} without a result" : "")}{(failed > 0 ? $", {failed} failed (exit code != 0)" : "")}: median (min–max) ===");
        var rows = o.Http ? HttpRows(runs) : EmulatorRows(runs);
        foreach (var (what, spread, format, _) in rows)
        {
            output.WriteLine($"  {what,-58} {spread.Format(format)}");
        }

        var met = true;
        if (!o.Http)
        {
            var ratio = Spread.Of(runs.Select(r => Number(r, "ratio")));
            var heap = Spread.Of(runs.Select(r => Number(r, "emulator", "heapBytesPerTask")));
            var consistent = failed == 0 && runs.Count == o.Repeat && runs.All(r => Number(r, "targets", "invariantViolations") == 0 && r.GetProperty("emulator").GetProperty("completed").GetBoolean());
            var ratioMet = consistent && ratio.Median >= Report.RatioTarget;
            var memoryMet = consistent && heap.Median <= Report.BytesPerTaskTarget;
            met = ratioMet && memoryMet;
            output.WriteLine();
            output.WriteLine("Targets (on the medians; every run must have completed with its invariants holding)");
            output.WriteLine($"  task placement rate (poll) / raw activation rate: {ratio.Format("0.00")}, target >= {Report.RatioTarget:0.0}: {(ratioMet ? "MET" : "MISSED")}");
            output.WriteLine($"  GC heap per task: {Spread.Of(heap.Values.Select(v => v / 1024)).Format("0.00")} KB, target <= {Report.BytesPerTaskTarget / 1024:0} KB: {(memoryMet ? "MET" : "MISSED")}");
        }

        else
        {
            var describe = rows.Where(r => r.Key == "describeTasksRequestsPerSecond").Select(r => r.Spread).FirstOrDefault();
            var errors = runs.Sum(r => Number(r, "errors"));
            met = describe is not null && describe.Median >= 5000 && errors == 0;
            output.WriteLine();
            output.WriteLine($"Targets (on the medians): DescribeTasks {describe?.Format("N0") ?? "n/a"} requests/s, target >= 5,000: {(met ? "met" : "NOT met")}"
                + (errors > 0 ? $"; {errors:0} answer(s) did no work over the runs: the figures do not stand" : "; every answer did its work (0 errors)"));
        }

        output.WriteLine("{\"summary\":true,\"benchmark\":\"" + (o.Http ? "http" : "emulator") + "\",\"runs\":" + o.Repeat.ToString(CultureInfo.InvariantCulture)
                         + ",\"failedRuns\":" + failed.ToString(CultureInfo.InvariantCulture)
                         + string.Concat(rows.Select(r => ",\"" + r.Key + "\":" + r.Spread.ToJson(r.Format.StartsWith('N') ? "0" : r.Format)))
                         + ",\"targetsMet\":" + (met && failed == 0 ? "true" : "false") + "}");
        return failed == 0 && runs.Count == o.Repeat ? 0 : 1;
    }

    /// <summary>The arguments of one run: these without <c>--repeat N</c>, after the <paramref name="prefix"/> (a mode switch).</summary>
    internal static List<string> WithoutRepeat(IReadOnlyList<string> args, params string[] prefix)
    {
        var childArgs = new List<string>(prefix);
        for (var i = 0; i < args.Count; i++)
        {
            if (args[i] == "--repeat")
            {
                i++;
                continue;
            }

            childArgs.Add(args[i]);
        }

        return childArgs;
    }

    /// <summary>This program <paramref name="repeat"/> times with <paramref name="childArgs"/>, each a process of its own: every run's JSON line and how many failed.</summary>
    internal static async Task<(List<JsonElement> Runs, int Failed)> RunChildren(List<string> childArgs, int repeat, TextWriter output)
    {
        var runs = new List<JsonElement>();
        var failed = 0;
        for (var run = 1; run <= repeat; run++)
        {
            output.WriteLine($"=== run {run} of {repeat} (a process of its own: {string.Join(' ', childArgs)}) ===");
            var (exit, json) = await RunChild(childArgs, output);
            if (exit != 0)
            {
                failed++;
                output.WriteLine($"=== run {run}: exit code {exit} ===");
            }

            if (json is { } j)
            {
                runs.Add(j);
            }
        }

        return (runs, failed);
    }

    private static List<(string What, Spread Spread, string Format, string Key)> EmulatorRows(List<JsonElement> runs)
    {
        (string, Spread, string, string) Row(string what, string key, string format, params string[] path) =>
            (what, Spread.Of(runs.Select(r => Number(r, path))), format, key);
        return
        [
            Row("raw grain activations /s", "rawActivationsPerSecond", "N0", "baseline", "activationsPerSecond"),
            Row("tasks placed /s (Describe poll)", "placedPerSecond", "N0", "emulator", "tasksPlacedPerSecond"),
            Row("tasks placed /s (recorded by the cluster grain)", "placedPerSecondInGrain", "N0", "emulator", "tasksPlacedPerSecondInGrain"),
            Row("placement rate (poll) / raw activation rate", "ratio", "0.00", "ratio"),
            Row("placement rate (in grain) / raw activation rate", "ratioInGrain", "0.00", "ratioInGrain"),
            Row("all tasks RUNNING (s)", "runningSeconds", "0.000", "emulator", "runningSeconds"),
            Row("GC heap per task (B)", "heapBytesPerTask", "N0", "emulator", "heapBytesPerTask"),
            Row("idle CPU with every task RUNNING (% of one core)", "idleCpuAfterPercent", "0", "emulator", "idleCpuAfterPercent"),
            Row("timer lag p99 during the scale-out (emulated s)", "lagP99Seconds", "0.##", "emulator", "lagP99Seconds"),
        ];
    }

    private static List<(string What, Spread Spread, string Format, string Key)> HttpRows(List<JsonElement> runs)
    {
        var rows = new List<(string, Spread, string, string)>();
        var keys = runs.SelectMany(r => r.GetProperty("phases").EnumerateArray().Select(p => p.GetProperty("key").GetString()!)).Distinct().ToList();
        IEnumerable<JsonElement> Phase(string key) => runs.SelectMany(r => r.GetProperty("phases").EnumerateArray().Where(p => p.GetProperty("key").GetString() == key));
        foreach (var key in keys)
        {
            rows.Add(($"{key}: requests/s", Spread.Of(Phase(key).Select(p => Number(p, "requestsPerSecond"))), "N0", key + "RequestsPerSecond"));
            if (Phase(key).Any(p => Number(p, "placedPerSecond") > 0))
            {
                rows.Add(($"{key}: tasks placed/s", Spread.Of(Phase(key).Select(p => Number(p, "placedPerSecond"))), "N0", key + "PlacedPerSecond"));
            }

            rows.Add(($"{key}: silo CPU ms/request", Spread.Of(Phase(key).Select(p => Number(p, "siloCpuMsPerRequest"))), "0.000", key + "SiloCpuMsPerRequest"));
            rows.Add(($"{key}: errors (answers that did no work)", Spread.Of(Phase(key).Select(p => Number(p, "errors"))), "0", key + "Errors"));
        }

        return rows;
    }

    /// <summary>A number at a JSON path (NaN written as "NaN" counts as missing).</summary>
    internal static double Number(JsonElement e, params string[] path)
    {
        foreach (var p in path)
        {
            if (e.ValueKind != JsonValueKind.Object || !e.TryGetProperty(p, out e))
            {
                return double.NaN;
            }
        }

        return e.ValueKind switch
        {
            JsonValueKind.Number => e.GetDouble(),
            JsonValueKind.String when double.TryParse(e.GetString(), NumberStyles.Float, CultureInfo.InvariantCulture, out var d) => d,
            _ => double.NaN,
        };
    }

    /// <summary>This program again, in a process of its own; its stdout passed through; the last JSON line parsed.</summary>
    private static async Task<(int Exit, JsonElement? Json)> RunChild(List<string> args, TextWriter output)
    {
        var host = Environment.ProcessPath ?? "dotnet";
        var info = new ProcessStartInfo(host) { RedirectStandardOutput = true, UseShellExecute = false };
        if (string.Equals(Path.GetFileNameWithoutExtension(host), "dotnet", StringComparison.OrdinalIgnoreCase))
        {
            info.ArgumentList.Add(Assembly.GetEntryAssembly()!.Location); // started as "dotnet Emulator.Benchmarks.dll"
        }

        foreach (var a in args)
        {
            info.ArgumentList.Add(a);
        }

        using var process = Process.Start(info)!;
        string? json = null;
        while (await process.StandardOutput.ReadLineAsync() is { } line)
        {
            output.WriteLine(line);
            if (line.StartsWith('{'))
            {
                json = line;
            }
        }

        await process.WaitForExitAsync();
        if (json is null)
        {
            return (process.ExitCode, null);
        }

        try
        {
            using var doc = JsonDocument.Parse(json);
            return (process.ExitCode, doc.RootElement.Clone());
        }
        catch (JsonException)
        {
            return (process.ExitCode, null);
        }
    }
}
