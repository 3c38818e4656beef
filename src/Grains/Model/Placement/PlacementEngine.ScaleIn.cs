using System.Collections.Immutable;
using PlacementStrategy = Emulator.Contracts.PlacementStrategy;

namespace Emulator.Model.Placement;

public static partial class PlacementEngine
{
    /// <summary>
    /// Which <paramref name="count"/> tasks to stop on scale-in (B-PL-2 reverse), in the order chosen: first tasks
    /// still queued (input order), then placed tasks not yet running, then running ones ranked by the strategies
    /// reversed: binpack stops the task on the instance with the most of that resource left; spread stops from the
    /// instance / attribute value with the most tasks of the group, keeping the balance; random, or ties, draw from
    /// <paramref name="random"/>. The balance is measured over the candidates given.
    /// </summary>
    public static ImmutableArray<string> ChooseTasksToStop(IReadOnlyList<StopCandidate> candidates, int count, ImmutableArray<PlacementStrategy> strategies, Random random)
    {
        ArgumentNullException.ThrowIfNull(candidates);
        ArgumentNullException.ThrowIfNull(random);
        var n = candidates.Count;
        count = Math.Min(count, n);
        if (count <= 0)
        {
            return [];
        }

        var strats = StrategyCompiler.CompileAll(strategies);
        var chosen = new bool[n];
        var result = ImmutableArray.CreateBuilder<string>(count);

        // Queued tasks hold nothing and cost nothing to cancel: they go first.
        for (var i = 0; i < n && result.Count < count; i++)
        {
            if (!candidates[i].Placed)
            {
                chosen[i] = true;
                result.Add(candidates[i].TaskId);
            }
        }

        if (result.Count == count)
        {
            return result.MoveToImmutable();
        }

        // Instance index per candidate (to count what has been taken off each instance).
        var instanceIds = new Dictionary<string, int>(StringComparer.Ordinal);
        var instanceOf = new int[n];
        for (var i = 0; i < n; i++)
        {
            var id = candidates[i].Instance?.ContainerInstanceId ?? "";
            if (!instanceIds.TryGetValue(id, out var x))
            {
                x = instanceIds.Count;
                instanceIds.Add(id, x);
            }

            instanceOf[i] = x;
        }

        var takenFromInstance = new int[instanceIds.Count];

        // For spread: each candidate's cell (instance or attribute value, and group) and the live count per cell.
        var cellOf = new int[strats.Length][];
        var cellCount = new int[strats.Length][];
        for (var s = 0; s < strats.Length; s++)
        {
            if (strats[s].Kind is StrategyKind.SpreadInstance or StrategyKind.SpreadAttribute)
            {
                (cellOf[s], cellCount[s]) = Cells(candidates, chosen, strats[s]);
            }
        }

        var best = new long[strats.Length + 1];
        var ties = new int[n];
        while (result.Count < count)
        {
            var tieCount = 0;
            for (var i = 0; i < n; i++)
            {
                if (chosen[i])
                {
                    continue;
                }

                var cmp = 0;
                if (tieCount == 0)
                {
                    cmp = 1;
                }
                else
                {
                    for (var s = 0; s <= strats.Length; s++)
                    {
                        var k = StopKey(s, i);
                        if (k != best[s])
                        {
                            cmp = k > best[s] ? 1 : -1;
                            break;
                        }
                    }
                }

                if (cmp > 0)
                {
                    for (var s = 0; s <= strats.Length; s++)
                    {
                        best[s] = StopKey(s, i);
                    }

                    tieCount = 0;
                    ties[tieCount++] = i;
                }
                else if (cmp == 0)
                {
                    ties[tieCount++] = i;
                }
            }

            var pick = tieCount == 1 ? ties[0] : ties[random.Next(tieCount)];
            chosen[pick] = true;
            result.Add(candidates[pick].TaskId);
            takenFromInstance[instanceOf[pick]]++;
            for (var s = 0; s < strats.Length; s++)
            {
                if (cellOf[s] is { } cells)
                {
                    cellCount[s][cells[pick]]--;
                }
            }
        }

        return result.MoveToImmutable();

        // Higher is stopped first. Key 0 puts tasks not yet running ahead of running ones.
        long StopKey(int k, int i)
        {
            if (k == 0)
            {
                return candidates[i].Running ? 0 : 1;
            }

            var s = k - 1;
            switch (strats[s].Kind)
            {
                case StrategyKind.BinpackCpu:
                case StrategyKind.BinpackMemory:
                    // Most remaining first; among equals keep emptying the instance already picked from, since
                    // stopping a task there only adds to what it has left.
                    var remaining = candidates[i].Instance is { } inst
                        ? (strats[s].Kind == StrategyKind.BinpackCpu ? inst.Remaining.Cpu : inst.Remaining.Memory)
                        : 0;
                    return ((long)remaining << 20) + Math.Min(takenFromInstance[instanceOf[i]], (1 << 20) - 1);
                default:
                    return cellCount[s][cellOf[s][i]];
            }
        }
    }

    /// <summary>Groups candidates by (instance or attribute value, task group) and counts the unchosen ones per cell.</summary>
    private static (int[] CellOf, int[] CellCount) Cells(IReadOnlyList<StopCandidate> candidates, bool[] chosen, CompiledStrategy strategy)
    {
        var ids = new Dictionary<(string Where, string Group), int>();
        var cellOf = new int[candidates.Count];
        for (var i = 0; i < candidates.Count; i++)
        {
            var c = candidates[i];
            string where;
            if (strategy.Kind == StrategyKind.SpreadInstance)
            {
                where = c.Instance?.ContainerInstanceId ?? "";
            }
            else
            {
                // Instances lacking the attribute share one value of their own (B-PL-2), distinct from any real value.
                where = c.Instance is { } inst && inst.Attributes.TryGetValue(strategy.AttributeName!, out var v) ? "=" + v : "";
            }

            var key = (where, c.Group);
            if (!ids.TryGetValue(key, out var id))
            {
                id = ids.Count;
                ids.Add(key, id);
            }

            cellOf[i] = id;
        }

        var cellCount = new int[ids.Count];
        for (var i = 0; i < candidates.Count; i++)
        {
            if (!chosen[i])
            {
                cellCount[cellOf[i]]++;
            }
        }

        return (cellOf, cellCount);
    }
}
