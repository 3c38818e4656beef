using System.Collections.Immutable;
using System.Diagnostics;
using System.Globalization;
using Emulator.Contracts;
using Spectre.Console;

namespace Emulator.Client;

/// <summary>One step of a load profile: every service's desired count becomes <see cref="TasksPerService"/> at <see cref="At"/> (emulated, from the profile's start).</summary>
public sealed record LoadStep(TimeSpan At, int TasksPerService);

/// <summary>What one step of a load profile did: how long the cluster took to get there, and the timer lag meanwhile.</summary>
public sealed record LoadStepResult(LoadStep Step, int Target, double WallSeconds, double EmulatedSeconds, double LagP99, long LagCount, bool Reached);

/// <summary>
/// <c>client load-test --profile</c>: load over time. After the first scale-up the client walks the steps: at each
/// step's emulated offset it sets every service's desired count, then watches the cluster until exactly that many
/// tasks RUN with none PENDING (scale-out and scale-in alike), and records the time it took and the timer lag of the step.
/// </summary>
public static class LoadProfile
{
    /// <summary>Parses <c>TASKS@SECONDS,...</c> (e.g. <c>2000@0,500@600</c>): offsets in emulated seconds, increasing; counts >= 0.</summary>
    public static ImmutableArray<LoadStep> Parse(string text, out string? error)
    {
        error = null;
        var steps = ImmutableArray.CreateBuilder<LoadStep>();
        foreach (var part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var at = part.IndexOf('@');
            if (at <= 0
                || !int.TryParse(part[..at], NumberStyles.None, CultureInfo.InvariantCulture, out var tasks)
                || !double.TryParse(part[(at + 1)..], NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds)
                || seconds < 0 || double.IsNaN(seconds) || double.IsInfinity(seconds))
            {
                error = $"'{part}' is not TASKS@SECONDS (tasks per service, emulated seconds from the profile's start)";
                return [];
            }

            var step = new LoadStep(TimeSpan.FromSeconds(seconds), tasks);
            if (steps.Count > 0 && step.At <= steps[^1].At)
            {
                error = $"'{part}': step offsets must increase";
                return [];
            }

            steps.Add(step);
        }

        if (steps.Count == 0)
        {
            error = "the profile has no step";
        }

        return steps.ToImmutable();
    }

    public static async Task<ImmutableArray<LoadStepResult>> RunAsync(
        IGrainFactory grains, SiloProbe silos, string cluster, int services, ImmutableArray<LoadStep> steps, int timeoutSeconds, IAnsiConsole console, CancellationToken ct, Pause? pause = null)
    {
        var control = grains.GetGrain<IEcsControlGrain>(GrainKeys.Control);
        var clusterGrain = grains.GetGrain<IClusterGrain>(GrainKeys.Cluster(cluster));
        var start = await control.Now();
        var results = ImmutableArray.CreateBuilder<LoadStepResult>();
        foreach (var step in steps)
        {
            var due = start + step.At;
            while (await control.Now() is var now && now < due)
            {
                await (pause ?? Pauses.Wall)(TimeSpan.FromMilliseconds(Math.Clamp((due - now).TotalMilliseconds / 60, 5, 250)), ct);
            }

            await silos.ReadAsync(collect: false, resetLag: true);
            var target = services * step.TasksPerService;
            var wall = Stopwatch.StartNew();
            var emulatedFrom = await control.Now();
            await Task.WhenAll(Enumerable.Range(0, services).Select(s =>
                control.UpdateService(new UpdateServiceRequest(cluster, $"svc-{s}", step.TasksPerService, null, null, null, null, null, null, false))));
            var reached = false;
            while (!ct.IsCancellationRequested && wall.Elapsed < TimeSpan.FromSeconds(timeoutSeconds))
            {
                var info = (await clusterGrain.Describe())!;
                if (info.RunningTasksCount == target && info.PendingTasksCount == 0)
                {
                    reached = true;
                    break;
                }

                await (pause ?? Pauses.Wall)(TimeSpan.FromMilliseconds(100), ct);
            }

            var emulated = (await control.Now() - emulatedFrom).TotalSeconds;
            var lag = (await silos.ReadAsync(collect: false, resetLag: true)).Lag; // every silo's timers, merged
            var result = new LoadStepResult(step, target, wall.Elapsed.TotalSeconds, emulated, lag.P99, lag.Count, reached);
            results.Add(result);
            console.MarkupLineInterpolated(
                $"step {results.Count}/{steps.Length} at +{step.At.TotalSeconds:0} s emulated: {services} x {step.TasksPerService} = {target:N0} tasks {(reached ? "RUNNING" : "[red]not reached[/]")} after {result.WallSeconds:0.0} s wall, {emulated:0} s emulated; timer lag p99 {lag.P99:0.###} s over {lag.Count:N0}");
        }

        return results.ToImmutable();
    }
}
