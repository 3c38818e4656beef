using System.Collections.Immutable;
using Emulator.Contracts;
using TaskStatus = Emulator.Contracts.TaskStatus;

namespace Emulator.Model.Deployments;

/// <summary>One step of AZ rebalancing: tasks to start per zone, tasks to stop (and their zones), the counts it saw.</summary>
public sealed record RebalanceStep(
    ImmutableArray<(string Zone, int Count)> Launch,
    ImmutableArray<(string TaskId, string Zone)> Stop,
    ImmutableSortedDictionary<string, int> Counts,
    bool Balanced,
    bool Waiting);

/// <summary>
/// Availability Zone rebalancing (B-AZ-1). Once a service is steady, its tasks per zone (over the zones it can use)
/// should differ by at most one. When they do not, it starts tasks in the zones with the fewest (within maximumPercent),
/// waits until they are healthy, then stops as many tasks in the zones with the most (within minimumHealthyPercent),
/// and repeats until balanced. With no room above desired (maximumPercent 100) it stops one task in the fullest zone
/// first when minimumHealthyPercent allows, and the scheduler's replacement, spread over zones, lands in the emptiest.
/// </summary>
public static class AzRebalancing
{
    /// <summary>Tasks per zone over the usable zones (zones without tasks count 0), ordered by zone name.</summary>
    public static ImmutableSortedDictionary<string, int> Counts(IEnumerable<string> zones, IEnumerable<ServiceTaskView> tasks)
    {
        var counts = ImmutableSortedDictionary.CreateBuilder<string, int>(StringComparer.Ordinal);
        foreach (var z in zones)
        {
            counts[z] = 0;
        }

        foreach (var t in tasks)
        {
            if (t.DesiredStatus == DesiredStatus.RUNNING && t.AvailabilityZone is { } z && counts.ContainsKey(z))
            {
                counts[z]++;
            }
        }

        return counts.ToImmutable();
    }

    /// <summary>Balanced: at most one task of difference between the fullest and the emptiest usable zone.</summary>
    public static bool IsBalanced(IReadOnlyDictionary<string, int> counts) =>
        counts.Count <= 1 || counts.Values.Max() - counts.Values.Min() <= 1;

    /// <summary>
    /// The next step. <paramref name="tasks"/> are the service's current tasks (desired RUNNING, of the primary
    /// deployment); <paramref name="desired"/> its desired count; <paramref name="maxTasks"/> and
    /// <paramref name="minHealthy"/> the B-SV-2 bounds.
    /// </summary>
    public static RebalanceStep Plan(IReadOnlyCollection<string> zones, IReadOnlyList<ServiceTaskView> tasks, int desired, int maxTasks, int minHealthy)
    {
        ArgumentNullException.ThrowIfNull(zones);
        ArgumentNullException.ThrowIfNull(tasks);
        var live = tasks.Where(t => t.DesiredStatus == DesiredStatus.RUNNING).ToList();
        var counts = Counts(zones, live);
        var working = counts.ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal);
        var empty = ImmutableArray<(string, int)>.Empty;
        var noStop = ImmutableArray<(string, string)>.Empty;
        if (zones.Count <= 1)
        {
            return new RebalanceStep(empty, noStop, counts, true, false);
        }

        // B-AZ-1: rebalancing starts from a steady state. A task that still waits for capacity has no zone yet; counting it
        // nowhere would make its zone look empty and start as many again (the service would never settle).
        if (live.Count <= desired && live.Any(t => t.AvailabilityZone is null))
        {
            return new RebalanceStep(empty, noStop, counts, IsBalanced(counts), true);
        }

        // Extra tasks started to rebalance: once they are all healthy, stop as many in the fullest zones.
        if (live.Count > desired)
        {
            if (live.Any(t => !t.Healthy))
            {
                return new RebalanceStep(empty, noStop, counts, IsBalanced(counts), true);
            }

            var stops = ImmutableArray.CreateBuilder<(string, string)>();
            var healthy = live.Count;
            var stopped = new HashSet<string>(StringComparer.Ordinal);
            for (var i = 0; i < live.Count - desired && healthy - 1 >= minHealthy; i++)
            {
                var zone = working.OrderByDescending(kv => kv.Value).ThenBy(kv => kv.Key, StringComparer.Ordinal).First().Key;
                var victim = live.Where(t => t.AvailabilityZone == zone && !stopped.Contains(t.TaskId))
                    .OrderBy(t => t.StartedAt ?? DateTimeOffset.MaxValue).ThenBy(t => t.TaskId, StringComparer.Ordinal).FirstOrDefault();
                if (victim is null)
                {
                    break;
                }

                stopped.Add(victim.TaskId);
                stops.Add((victim.TaskId, zone));
                working[zone]--;
                healthy--;
            }

            return new RebalanceStep(empty, stops.ToImmutable(), counts, IsBalanced(working), false);
        }

        if (IsBalanced(counts))
        {
            return new RebalanceStep(empty, noStop, counts, true, false);
        }

        if (live.Any(t => !t.Healthy) || live.Count < desired)
        {
            return new RebalanceStep(empty, noStop, counts, false, true);
        }

        // Moves needed: tasks above the fair share in the fullest zones.
        var fair = desired / zones.Count;
        var remainder = desired % zones.Count;
        var moves = 0;
        foreach (var (zone, n) in working.OrderByDescending(kv => kv.Value).ThenBy(kv => kv.Key, StringComparer.Ordinal))
        {
            var share = fair + (remainder-- > 0 ? 1 : 0);
            moves += Math.Max(0, n - share);
        }

        var room = Math.Max(0, maxTasks - live.Count);
        var launchCount = Math.Min(room, Math.Max(1, moves));
        if (launchCount > 0)
        {
            var launch = new Dictionary<string, int>(StringComparer.Ordinal);
            for (var i = 0; i < launchCount; i++)
            {
                var zone = working.OrderBy(kv => kv.Value).ThenBy(kv => kv.Key, StringComparer.Ordinal).First().Key;
                launch[zone] = launch.GetValueOrDefault(zone) + 1;
                working[zone]++;
            }

            return new RebalanceStep([.. launch.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => (kv.Key, kv.Value))], noStop, counts, false, false);
        }

        // No room above desired: stop one in the fullest zone first, if enough healthy tasks remain.
        if (live.Count - 1 >= minHealthy)
        {
            var zone = working.OrderByDescending(kv => kv.Value).ThenBy(kv => kv.Key, StringComparer.Ordinal).First().Key;
            var victim = live.Where(t => t.AvailabilityZone == zone && t.LastStatus == TaskStatus.RUNNING)
                .OrderBy(t => t.TaskId, StringComparer.Ordinal).First();
            return new RebalanceStep(empty, [(victim.TaskId, zone)], counts, false, false);
        }

        return new RebalanceStep(empty, noStop, counts, false, true);
    }

    /// <summary>"2 tasks in us-east-1a, 3 tasks in us-east-1b and 1 tasks in us-east-1c" (AWS's wording).</summary>
    /// <summary>
    /// B-AZ-1 (Model choice): of the tasks started to rebalance (<paramref name="launched"/>, with when), those no longer
    /// waiting for a container instance (placed or gone: not in <paramref name="waiting"/>) and those that have waited
    /// <paramref name="grace"/> or longer (Cluster Auto Scaling had time to launch capacity: rebalancing gives up on them).
    /// </summary>
    public static (ImmutableArray<string> Done, ImmutableArray<string> Stuck) QueuedLaunches(
        IReadOnlyDictionary<string, DateTimeOffset> launched, IReadOnlySet<string> waiting, DateTimeOffset now, TimeSpan grace) =>
        ([.. launched.Keys.Where(id => !waiting.Contains(id)).Order(StringComparer.Ordinal)],
         [.. launched.Where(kv => waiting.Contains(kv.Key) && now - kv.Value >= grace).Select(kv => kv.Key).Order(StringComparer.Ordinal)]);

    public static string Describe(IReadOnlyDictionary<string, int> counts)
    {
        var parts = counts.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => $"{kv.Value} tasks in {kv.Key}").ToList();
        return parts.Count <= 1 ? string.Join("", parts) : string.Join(", ", parts.Take(parts.Count - 1)) + " and " + parts[^1];
    }
}
