using System.Collections.Immutable;
using System.Globalization;
using Emulator.Contracts;
using Emulator.Model.Catalog;

namespace Emulator.Model.ManagedInstances;

/// <summary>Pending tasks with equal needs, in arrival order (a run of the PROVISIONING queue).</summary>
public sealed record PendingTasks(TaskRequirements Needs, bool DistinctInstance, int Count);

/// <summary>One launch decision: <see cref="Count"/> instances of a type for <see cref="Tasks"/> pending tasks, with its reason.</summary>
public sealed record PlannedLaunch(
    string InstanceType,
    int Count,
    int Tasks,
    ResourceSet Needs,
    string Reason,
    ImmutableArray<string> SpotAlternatives);

/// <summary>
/// What the manager launches for the pending tasks (B-MI-2): the launches, the tasks already covered by instances on
/// their way (launched, not registered yet), and the tasks no allowed type can hold.
/// </summary>
public sealed record ProvisioningPlan(ImmutableArray<PlannedLaunch> Launches, int CoveredByLaunching, int Unfittable)
{
    public int Instances => Launches.Sum(l => l.Count);
}

/// <summary>
/// B-MI-2: how many instances of which types the Managed Instances manager launches for the pending tasks. No Auto
/// Scaling group, no CapacityProviderReservation: the tasks themselves are packed.
/// <para>
/// Model choice (AWS says "cost-optimized" and no more): (1) pending tasks first fill the instances already launching;
/// (2) the rest are dealt round-robin over as many groups as there are zones (at most the task count), so the new
/// instances spread over the zones: zone spread wins over binpacking (B-MI-2: at least 3 instances when possible);
/// (3) each group is packed instance by instance, each time choosing the allowed type with the lowest On-Demand price
/// per task it can hold from the group's remaining tasks (ties: more tasks, then the name) — "cheapest price per
/// fitting task set". For a Spot provider, the other allowed types that hold the same tasks are alternatives, cheapest
/// first, so an exhausted Spot pool falls back to the next (B-MI-4).
/// </para>
/// </summary>
public static class Provisioning
{
    public static ProvisioningPlan Plan(
        IReadOnlyList<PendingTasks> pending,
        IReadOnlyList<ResourceSet> capacityOnItsWay,
        ImmutableArray<InstanceTypeInfo> allowed,
        InstanceCatalog catalog,
        int zones,
        bool spot)
    {
        var runs = pending.Where(p => p.Count > 0).Select(p => new Run(p.Needs, p.DistinctInstance, p.Count)).ToList();
        var total = runs.Sum(r => r.Count);

        // (1) Capacity already there or on its way takes what fits first: the free resources of registered instances
        // (the cluster places queued tasks on them within its next tick, B-PQ-2) and whole instances still launching.
        foreach (var free in capacityOnItsWay)
        {
            Pack(runs, free);
        }

        var covered = total - runs.Sum(r => r.Count);
        var shapes = allowed.Select(t => (Type: t, Shape: catalog.Registered(t))).ToList();
        var unfittable = 0;
        foreach (var r in runs.Where(r => !shapes.Any(s => r.Needs.Resources.FitsWithin(s.Shape))))
        {
            unfittable += r.Count;
            r.Count = 0;
        }

        runs.RemoveAll(r => r.Count == 0);
        var remaining = runs.Sum(r => r.Count);
        if (remaining == 0 || shapes.Count == 0)
        {
            return new ProvisioningPlan([], covered, unfittable);
        }

        // (2) Deal the tasks round-robin into one group per zone (at most one group per task).
        var groupCount = Math.Clamp(Math.Min(zones, remaining), 1, int.MaxValue);
        var groups = Enumerable.Range(0, groupCount).Select(_ => new List<Run>()).ToList();
        var dealt = 0;
        foreach (var run in runs)
        {
            var share = new int[groupCount];
            for (var k = 0; k < run.Count; k++)
            {
                share[(dealt + k) % groupCount]++;
            }

            dealt += run.Count;
            for (var g = 0; g < groupCount; g++)
            {
                if (share[g] > 0)
                {
                    groups[g].Add(new Run(run.Needs, run.DistinctInstance, share[g]));
                }
            }
        }

        // (3) Pack each group, instance by instance, cheapest price per task.
        var launches = new List<(InstanceTypeInfo Type, int Tasks, ResourceSet Needs, ImmutableArray<string> Alternatives)>();
        foreach (var group in groups)
        {
            while (group.Sum(r => r.Count) > 0)
            {
                (InstanceTypeInfo Type, int Tasks, decimal PerTask)? best = null;
                var fits = new List<(InstanceTypeInfo Type, int Tasks)>();
                foreach (var (type, shape) in shapes)
                {
                    var n = Count(group, shape);
                    if (n == 0)
                    {
                        continue;
                    }

                    fits.Add((type, n));
                    var perTask = type.OnDemandPricePerHour / n;
                    if (best is not { } b || perTask < b.PerTask || (perTask == b.PerTask && n > b.Tasks))
                    {
                        best = (type, n, perTask);
                    }
                }

                if (best is not { } chosen)
                {
                    break; // cannot happen: unfittable runs were removed
                }

                var before = group.Select(r => r.Count).ToArray();
                Pack(group, catalog.Registered(chosen.Type));
                var needs = ResourceSet.Zero;
                for (var i = 0; i < group.Count; i++)
                {
                    for (var k = 0; k < before[i] - group[i].Count; k++)
                    {
                        needs += group[i].Needs.Resources;
                    }
                }

                var alternatives = spot
                    ? fits.Where(f => f.Type.Name != chosen.Type.Name && f.Tasks >= chosen.Tasks).Select(f => f.Type.Name).ToImmutableArray()
                    : [];
                launches.Add((chosen.Type, chosen.Tasks, needs, alternatives));
            }
        }

        var merged = launches
            .GroupBy(l => l.Type.Name, StringComparer.Ordinal)
            .Select(g =>
            {
                var type = g.First().Type;
                var tasks = g.Sum(l => l.Tasks);
                var needs = g.Aggregate(ResourceSet.Zero, (sum, l) => sum + l.Needs);
                return new PlannedLaunch(type.Name, g.Count(), tasks, needs, Reason(type, g.Count(), tasks, needs, groupCount), g.First().Alternatives);
            })
            .OrderBy(l => l.InstanceType, StringComparer.Ordinal)
            .ToImmutableArray();
        return new ProvisioningPlan(merged, covered, unfittable);
    }

    /// <summary>The decision's reason as the manager's events and the client show it.</summary>
    public static string Reason(InstanceTypeInfo type, int count, int tasks, ResourceSet needs, int zones)
    {
        var times = count > 1 ? $"{count} x " : "";
        var plural = tasks == 1 ? "" : "s";
        var spread = zones > 1 ? $"; spread over {zones} zones" : "";
        return string.Create(CultureInfo.InvariantCulture,
            $"launched {times}{type.Name}: {tasks} pending task{plural} need {needs.Cpu / 1024.0:0.##} vCPU / {needs.Memory / 1024.0:0.##} GiB; cheapest type matching requirements ({type.OnDemandPricePerHour * count / Math.Max(1, tasks):0.#####} USD per task-hour){spread}");
    }

    /// <summary>How many of the group's tasks (in order) one instance of <paramref name="shape"/> holds.</summary>
    private static int Count(List<Run> group, ResourceSet shape)
    {
        var copy = group.Select(r => new Run(r.Needs, r.DistinctInstance, r.Count)).ToList();
        var before = copy.Sum(r => r.Count);
        Pack(copy, shape);
        return before - copy.Sum(r => r.Count);
    }

    /// <summary>Fills one instance of <paramref name="shape"/> with the runs' tasks in order (a distinctInstance run puts at most one there).</summary>
    private static void Pack(List<Run> runs, ResourceSet shape)
    {
        var free = shape;
        foreach (var run in runs)
        {
            if (run.Count == 0)
            {
                continue;
            }

            var each = run.Needs.Resources;
            var fit = MaxFit(each, free);
            var take = Math.Min(run.DistinctInstance || !run.Needs.HostPorts.IsDefaultOrEmpty ? 1 : run.Count, fit); // static host ports: one per instance
            for (var k = 0; k < take; k++)
            {
                free -= each;
            }

            run.Count -= take;
        }
    }

    private static int MaxFit(ResourceSet each, ResourceSet free)
    {
        if (!each.FitsWithin(free))
        {
            return 0;
        }

        var n = int.MaxValue;
        n = each.Cpu > 0 ? Math.Min(n, free.Cpu / each.Cpu) : n;
        n = each.Memory > 0 ? Math.Min(n, free.Memory / each.Memory) : n;
        n = each.Gpu > 0 ? Math.Min(n, free.Gpu / each.Gpu) : n;
        n = each.Eni > 0 ? Math.Min(n, free.Eni / each.Eni) : n;
        return n == int.MaxValue ? 1 : n;
    }

    private sealed class Run(TaskRequirements needs, bool distinctInstance, int count)
    {
        public TaskRequirements Needs { get; } = needs;

        public bool DistinctInstance { get; } = distinctInstance;

        public int Count { get; set; } = count;
    }
}
