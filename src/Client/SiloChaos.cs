using System.Diagnostics;
using System.Text.Json;
using StackExchange.Redis;

namespace Emulator.Client;

/// <summary>One silo as the client sees it: Orleans' view (address, status, activations) plus its process (from Redis).</summary>
public sealed record SiloView(string Address, string Status, int EmulatorGrains, int AllGrains, int? Pid, string? Machine, int? HttpPort, int? GatewayPort);

/// <summary>
/// Silo loss as a chaos action (durable mode): list the silos, kill one with SIGKILL (kill -9 semantics: no graceful
/// shutdown, no state flushed), watch the cluster declare it dead. Silos record their process id in Redis at start
/// (key "{clusterId}:emulator:silos"); killing works for silos on this machine.
/// </summary>
public static class SiloChaos
{
    public static string SilosKey(string clusterId) => clusterId + ":emulator:silos";

    public static async Task<IReadOnlyList<SiloView>> ListAsync(EmulatorConnection connection)
    {
        var management = connection.Grains.GetGrain<IManagementGrain>(0);
        var hosts = await management.GetHosts(onlyActive: false);
        var stats = await management.GetSimpleGrainStatistics();
        var processes = await ReadProcessesAsync(connection);
        return hosts
            .Where(h => h.Value is SiloStatus.Active or SiloStatus.Joining or SiloStatus.ShuttingDown or SiloStatus.Stopping || processes.ContainsKey(h.Key.ToParsableString()))
            .Select(h =>
            {
                var address = h.Key.ToParsableString();
                var mine = stats.Where(s => s.SiloAddress.Equals(h.Key)).ToList();
                processes.TryGetValue(address, out var p);
                return new SiloView(address, h.Value.ToString(),
                    mine.Where(s => s.GrainType.Contains("Emulator.", StringComparison.Ordinal)).Sum(s => s.ActivationCount),
                    mine.Sum(s => s.ActivationCount), p?.Pid, p?.Machine, p?.HttpPort, p?.GatewayPort);
            })
            .OrderBy(s => s.Address, StringComparer.Ordinal)
            .ToList();
    }

    /// <summary>The active silo hosting the most emulator grains (ties: the most grains of any kind).</summary>
    public static SiloView? MostGrains(IEnumerable<SiloView> silos) =>
        silos.Where(s => s.Status == nameof(SiloStatus.Active))
            .OrderByDescending(s => s.EmulatorGrains).ThenByDescending(s => s.AllGrains).FirstOrDefault();

    /// <summary>SIGKILL to the silo's process (same machine only). Returns why it could not, or null.</summary>
    public static string? Kill(SiloView silo)
    {
        if (silo.Pid is not { } pid)
        {
            return $"silo {silo.Address} has no process id in Redis (not started with --redis, or by another emulator version)";
        }

        if (silo.Machine is { } machine && !string.Equals(machine, Environment.MachineName, StringComparison.OrdinalIgnoreCase))
        {
            return $"silo {silo.Address} runs on {machine}, not on this machine ({Environment.MachineName}): kill its process there (kill -9 {pid})";
        }

        try
        {
            using var process = Process.GetProcessById(pid);
            process.Kill(entireProcessTree: false); // SIGKILL on Linux and macOS
            return null;
        }
        catch (ArgumentException)
        {
            return $"no process {pid} on this machine (the silo already exited?)";
        }
    }

    private static async Task<Dictionary<string, ProcessEntry>> ReadProcessesAsync(EmulatorConnection connection)
    {
        var result = new Dictionary<string, ProcessEntry>(StringComparer.Ordinal);
        if (connection.Redis is null)
        {
            return result;
        }

        await using var redis = await ConnectionMultiplexer.ConnectAsync(connection.Redis);
        foreach (var entry in await redis.GetDatabase().HashGetAllAsync(SilosKey(connection.ClusterId)))
        {
            if (JsonSerializer.Deserialize<ProcessEntry>(entry.Value.ToString()) is { } p)
            {
                result[entry.Name.ToString()] = p;
            }
        }

        return result;
    }

    private sealed record ProcessEntry(int Pid, string Machine, int HttpPort, int GatewayPort, int SiloPort);
}
