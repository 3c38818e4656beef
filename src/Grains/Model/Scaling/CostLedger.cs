namespace Emulator.Model.Scaling;

/// <summary>
/// B-IT-5: what groups of tasks have cost so far, kept as tasks change rather than summed task by task on every
/// report. A task's cost is linear in time while it runs (<see cref="TaskCostTerms"/>), so a group's running tasks
/// cost sum(rate) x now - sum(rate x start) and its stopped ones a fixed sum: a report is one pass over the groups
/// whatever the number of tasks. Sums are decimal; they differ from a task-by-task sum only past the 12th decimal.
/// </summary>
public sealed class CostLedger<TKey>
    where TKey : notnull
{
    private readonly Dictionary<TKey, Totals> _groups;

    public CostLedger(IEqualityComparer<TKey>? comparer = null) => _groups = new Dictionary<TKey, Totals>(comparer);

    public IEnumerable<TKey> Groups => _groups.Keys;

    /// <summary>A task's terms join the group (a changed task leaves with its old terms first, <see cref="Remove"/>).</summary>
    public void Add(TKey group, TaskCostTerms terms) => Apply(group, terms, +1);

    /// <summary>Takes back exactly what <see cref="Add"/> added for these terms.</summary>
    public void Remove(TKey group, TaskCostTerms terms) => Apply(group, terms, -1);

    public void Clear() => _groups.Clear();

    /// <summary>What the group's tasks have cost by <paramref name="now"/> (0 for an unknown group).</summary>
    public decimal At(TKey group, DateTimeOffset now)
    {
        if (!_groups.TryGetValue(group, out var g))
        {
            return 0;
        }

        var open = g.OpenRate == 0 ? 0 : ((g.OpenRate * now.UtcTicks) - g.OpenRateTimesStart) / TimeSpan.TicksPerSecond;
        return g.Closed + open;
    }

    private void Apply(TKey group, TaskCostTerms terms, int sign)
    {
        ref var g = ref System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(_groups, group, out _);
        g.Count += sign;
        if (terms.PerSecond == 0)
        {
            // A free task (not yet holding resources) still makes its group known.
        }
        else if (terms.Until is not null)
        {
            g.Closed += sign * terms.At(DateTimeOffset.MaxValue); // the end is fixed: so is the cost
        }
        else
        {
            g.OpenRate += sign * terms.PerSecond;
            g.OpenRateTimesStart += sign * terms.PerSecond * terms.From.UtcTicks;
        }

        if (g.Count == 0)
        {
            _groups.Remove(group); // no residue of rounding left behind
        }
    }

    private struct Totals
    {
        public int Count;
        public decimal Closed;
        public decimal OpenRate;
        public decimal OpenRateTimesStart;
    }
}
