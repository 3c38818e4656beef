using System.Collections.Immutable;
using Emulator.Contracts;
using Emulator.Model.Lifecycle;
using Emulator.Model.Placement;

namespace Emulator.Model.Cluster;

/// <summary>The PROVISIONING queue's rules (B-PQ-2, B-PQ-3) over a <see cref="ClusterBook"/>.</summary>
public static class QueuePlacer
{
    /// <summary>
    /// B-PQ-2: when capacity appears, queued tasks are placed in arrival order. A run of identical tasks (same
    /// provider, group, needs and placement) is placed as one batch; once a run leaves tasks unplaced, later runs of
    /// the same kind are not tried again in this pass (they would not fit either), while other kinds still are.
    /// Each placed task leaves the queue through <see cref="ClusterBook.Replace"/>, so the book's observer hears of it
    /// before the next batch draws from <paramref name="random"/>. Returns how many tasks were placed.
    /// </summary>
    public static int PlaceQueued(ClusterBook book, EmulatorTimings timings, DateTimeOffset now, Random random)
    {
        ArgumentNullException.ThrowIfNull(book);
        ArgumentNullException.ThrowIfNull(timings);
        ArgumentNullException.ThrowIfNull(random);
        var queue = book.Queue;
        var placedCount = 0;
        var index = 0;
        HashSet<(string?, string, string)>? blocked = null;
        while (index < queue.Count)
        {
            var head = book.Tasks[queue[index]];
            var spec = book.QueuedPlacementOf(head.TaskId) ?? QueuedPlacement.None;
            var key = (head.CapacityProvider, head.Needs.Key + "|" + head.Group, string.Join(';', spec.Constraints.Select(c => c.Type + c.Expression)));

            // The run of identical tasks that starts here is placed as one batch.
            var run = new List<TaskRecord> { head };
            for (var j = index + 1; j < queue.Count; j++)
            {
                var t = book.Tasks[queue[j]];
                if (t.CapacityProvider != head.CapacityProvider || t.Group != head.Group || !t.Needs.Equals(head.Needs)
                    || book.QueuedPlacementOf(t.TaskId) != spec)
                {
                    break;
                }

                run.Add(t);
            }

            if (blocked?.Contains(key) == true)
            {
                index += run.Count;
                continue;
            }

            var placement = PlacementEngine.Place(
                [.. book.Instances.Values],
                new PlacementRequest(head.Needs, head.Group, run.Count, spec.Strategies, spec.Constraints, head.CapacityProvider),
                random);
            foreach (var a in placement.Placed)
            {
                var t = run[a.TaskIndex];
                book.Replace(t, TaskLifecycle.Placed(t, book.Instances[a.ContainerInstanceId], a.HostPorts, timings, now, random));
                placedCount++;
            }

            if (placement.Unplaced > 0)
            {
                (blocked ??= []).Add(key);
                index += placement.Unplaced;
            }
        }

        return placedCount;
    }

    /// <summary>B-PQ-3: the oldest queued task when it has waited its maximum (then it stops), else null.</summary>
    public static TaskRecord? TimedOut(ClusterBook book, EmulatorTimings timings, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(book);
        return book.Queue.Count > 0 && book.Tasks.TryGetValue(book.Queue[0], out var head) && TaskLifecycle.ProvisioningTimedOut(head, timings, now)
            ? head
            : null;
    }

    /// <summary>
    /// B-CAS-2's input: the provider's queued tasks grouped by identical needs and distinctInstance, in order of first
    /// arrival.
    /// </summary>
    public static ImmutableArray<QueuedTaskNeeds> QueuedNeeds(ClusterBook book, string capacityProvider)
    {
        ArgumentNullException.ThrowIfNull(book);
        return book.Queue
            .Select(id => book.Tasks[id])
            .Where(t => t.CapacityProvider == capacityProvider)
            .GroupBy(t => (t.Needs, Distinct: book.QueuedPlacementOf(t.TaskId)?.Constraints.Any(c => c.Type == PlacementConstraintType.distinctInstance) ?? false))
            .Select(g => new QueuedTaskNeeds(g.Key.Needs, g.Key.Distinct, g.Count()))
            .ToImmutableArray();
    }
}
