using Emulator.Contracts;
using Spectre.Console;

namespace Emulator.Client;

/// <summary>
/// The emulator's invariant checker (<see cref="IClusterGrain.CheckInvariants"/>: no instance over-committed, every
/// instance's counters equal to a recount of its tasks, the cost ledger equal to a task-by-task sum, the kept task
/// counts equal to the records, the PROVISIONING queue in step with the tasks, every placed task in its instance's
/// index) over the clusters a load test, scenario or experiment touched, run at its end: the run's figures and
/// verdict only stand on a consistent final state, so a violation fails the run.
/// </summary>
public static class InvariantCheck
{
    /// <summary>What the checker said about each cluster.</summary>
    public sealed record Result(IReadOnlyList<(string Cluster, InvariantReport Report)> Clusters)
    {
        /// <summary>Every violation, as "cluster NAME: what the checker found".</summary>
        public IReadOnlyList<string> Violations { get; } =
            [.. Clusters.SelectMany(c => c.Report.Violations.Select(v => $"cluster {c.Cluster}: {v}"))];

        public bool Holds => Violations.Count == 0;

        public int Tasks => Clusters.Sum(c => c.Report.Tasks);

        public int Instances => Clusters.Sum(c => c.Report.Instances);
    }

    public static async Task<Result> RunAsync(IGrainFactory grains, IEnumerable<string> clusters)
    {
        var reports = new List<(string, InvariantReport)>();
        foreach (var cluster in clusters.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal))
        {
            reports.Add((cluster, await grains.GetGrain<IClusterGrain>(GrainKeys.Cluster(cluster)).CheckInvariants()));
        }

        return new Result(reports);
    }

    /// <summary>One line when the invariants hold; otherwise a red heading and each violation (the first <paramref name="show"/>).</summary>
    public static void Print(IAnsiConsole console, Result result, int show = 20)
    {
        var where = string.Join(", ", result.Clusters.Select(c => c.Cluster));
        if (result.Holds)
        {
            console.MarkupLineInterpolated(
                $"invariants hold (over-commit, counters, cost ledger, task counts, PROVISIONING queue, index) in {where}: {result.Tasks:N0} tasks, {result.Instances:N0} instances");
            return;
        }

        console.MarkupLineInterpolated($"[red]INVARIANT VIOLATED:[/] {result.Violations.Count:N0} violation(s) of the emulator's invariants in {where}:");
        foreach (var v in result.Violations.Take(show))
        {
            console.MarkupLineInterpolated($"  [red]-[/] {v}");
        }

        if (result.Violations.Count > show)
        {
            console.MarkupLineInterpolated($"  ... and {result.Violations.Count - show:N0} more");
        }
    }
}
