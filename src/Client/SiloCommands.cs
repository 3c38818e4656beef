using System.Diagnostics;
using Emulator.Contracts;
using Spectre.Console;

namespace Emulator.Client;

/// <summary>The client's silo views and the kill-silo chaos action (durable multi-silo mode).</summary>
public static class SiloCommands
{
    public static void ShowSilos(IReadOnlyList<SiloView> silos, IAnsiConsole console)
    {
        var most = SiloChaos.MostGrains(silos);
        var table = new Table().AddColumns("silo", "status", "pid", "machine", "http", "gateway", "emulator grains", "all grains");
        foreach (var s in silos)
        {
            table.AddRow(Markup.Escape(s.Address) + (s == most ? " [yellow](most grains)[/]" : ""), s.Status, s.Pid?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "?",
                Markup.Escape(s.Machine ?? "?"), s.HttpPort?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "?",
                s.GatewayPort?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "?",
                s.EmulatorGrains.ToString(System.Globalization.CultureInfo.InvariantCulture), s.AllGrains.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        console.Write(table);
    }

    /// <summary>
    /// Kills a silo (SIGKILL), then reports, from the kill instant in wall and emulated time: when the cluster declared
    /// it dead, when CAS and the scheduled work (cluster and group timers) ran again, when the services were back at
    /// their desired count; then how many emulator grains the survivors host and a state check (every cluster still
    /// answers, its invariants hold).
    /// </summary>
    public static async Task<int> KillSiloAsync(EmulatorConnection connection, string which, IAnsiConsole console, CancellationToken ct)
    {
        if (connection.Redis is null)
        {
            console.MarkupLine("[red]kill-silo needs the durable mode (--redis host:port)[/]: the embedded default runs one silo, and killing it stops the emulator.");
            return 2;
        }

        var silos = await SiloChaos.ListAsync(connection);
        var active = silos.Where(s => s.Status == "Active").ToList();
        var victim = which == "most-grains"
            ? SiloChaos.MostGrains(active)
            : active.SingleOrDefault(s => s.Address == which) ?? (active.Count(s => s.Address.StartsWith(which, StringComparison.Ordinal)) == 1
                ? active.Single(s => s.Address.StartsWith(which, StringComparison.Ordinal)) : null);
        if (victim is null)
        {
            console.MarkupLineInterpolated($"[red]no single active silo matches '{which}'[/]; active: {string.Join(", ", active.Select(s => s.Address))}");
            return 2;
        }

        if (active.Count < 2)
        {
            console.MarkupLine("[red]refused:[/] it is the last active silo; killing it would stop the emulator (start another first).");
            return 2;
        }

        var clusters = await ListClusters(connection);
        var watch = await RecoveryWatch.PrepareAsync(connection, clusters);
        console.MarkupLineInterpolated($"killing silo {victim.Address} (pid {victim.Pid}, {victim.EmulatorGrains} emulator grains) with SIGKILL");
        watch.MarkKill();
        if (SiloChaos.Kill(victim) is { } why)
        {
            console.MarkupLineInterpolated($"[red]cannot kill:[/] {why}");
            return 2;
        }

        // Every figure from the kill instant, in wall and emulated time: the death declaration, CAS (each provider's
        // first CapacityProviderReservation datapoint after the kill), the clusters' and groups' timers, the services.
        var recovery = await watch.WatchAsync(victim.Address, TimeSpan.FromSeconds(120), services: true, ct);
        foreach (var line in recovery.Lines())
        {
            console.WriteLine(line);
        }

        var problems = recovery.DeclaredDeadWall is null ? 1 : 0;
        foreach (var missing in recovery.Figures.Where(f => f.SinceKill is null))
        {
            console.MarkupLineInterpolated($"[red]not resumed within 120 s:[/] {missing.What} {missing.Subject}");
            problems++;
        }

        foreach (var cluster in clusters)
        {
            var check = Stopwatch.StartNew();
            while (true)
            {
                try
                {
                    var report = await connection.Grains.GetGrain<IClusterGrain>(GrainKeys.Cluster(cluster)).CheckInvariants();
                    console.MarkupLineInterpolated($"cluster {cluster}: answers {(DateTimeOffset.UtcNow - recovery.KilledAtWall).TotalSeconds:0.0} s after the kill, {report.Tasks} tasks, {report.Instances} instances, {report.Queued} queued, invariants {(report.Violations.IsEmpty ? "hold" : string.Join("; ", report.Violations))}");
                    problems += report.Violations.Length;
                    break;
                }
                catch (Exception e) when (e is not OperationCanceledException && check.Elapsed < TimeSpan.FromSeconds(60))
                {
                    await Task.Delay(250, ct);
                }
            }
        }

        var after = await SiloChaos.ListAsync(connection);
        console.MarkupLineInterpolated($"emulator grains now: {string.Join(", ", after.Where(s => s.Status == "Active").Select(s => $"{s.Address}={s.EmulatorGrains}"))}");
        return problems == 0 ? 0 : 1;
    }

    private static async Task<IReadOnlyList<string>> ListClusters(EmulatorConnection connection) =>
        await connection.Grains.GetGrain<IAccountGrain>(GrainKeys.Account).List(ResourceKind.Cluster);
}
