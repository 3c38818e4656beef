namespace Emulator.Model.Placement;

/// <summary>The placement index (B-PL-2 at scale): cells of instances sharing spread-attribute buckets, a MinKeyTree per cell; chooses exactly what the scan chooses (the equivalence tests compare them).</summary>
public static partial class PlacementEngine
{
    private sealed partial class BatchState
    {
        /// <summary>
        /// Builds the index when it pays (or is asked for) and the strategies leave few cells; null otherwise, and the
        /// batch is chosen by scanning.
        /// </summary>
        private MinKeyTree[]? BuildIndex(bool wanted, out int[][] members, out int[][] cellBuckets, out int[] cellOf, out int[] slotOf,
            out int[] keySource, out int[] instanceKeys, out int[] tiedCells)
        {
            members = [];
            cellBuckets = [];
            cellOf = [];
            slotOf = [];
            keySource = new int[_strategies.Length];
            instanceKeys = [];
            tiedCells = [];
            if (!wanted)
            {
                return null;
            }

            var perInstance = 0;
            var attributes = new List<int>();
            for (var s = 0; s < _strategies.Length; s++)
            {
                if (_keyIndex[s] is null)
                {
                    keySource[s] = perInstance++;
                }
                else
                {
                    keySource[s] = ~attributes.Count;
                    attributes.Add(s);
                }
            }

            // Cells: the distinct combinations of attribute buckets (a mixed-radix number of the buckets), numbered
            // densely in order of first appearance; too many cells and scanning is as cheap.
            long combinations = 1;
            foreach (var s in attributes)
            {
                combinations *= _keys[s].Length;
                if (combinations > IndexMaxCombinations)
                {
                    return null;
                }
            }

            var denseOf = new int[combinations];
            var cellCount = 0;
            cellOf = new int[_n];
            for (var i = 0; i < _n; i++)
            {
                var combination = 0;
                foreach (var s in attributes)
                {
                    combination = combination * _keys[s].Length + _keyIndex[s]![i];
                }

                var d = denseOf[combination] - 1;
                if (d < 0)
                {
                    if (cellCount == IndexMaxCells)
                    {
                        cellOf = [];
                        return null;
                    }

                    d = cellCount++;
                    denseOf[combination] = d + 1;
                }

                cellOf[i] = d;
            }

            var sizes = new int[cellCount];
            slotOf = new int[_n];
            for (var i = 0; i < _n; i++)
            {
                slotOf[i] = sizes[cellOf[i]]++;
            }

            members = new int[cellCount][];
            cellBuckets = new int[cellCount][];
            for (var c = 0; c < cellCount; c++)
            {
                members[c] = new int[sizes[c]];
            }

            for (var i = 0; i < _n; i++)
            {
                var c = cellOf[i];
                members[c][slotOf[i]] = i;
                if (slotOf[i] == 0)
                {
                    var path = new int[attributes.Count];
                    for (var a = 0; a < attributes.Count; a++)
                    {
                        path[a] = _keyIndex[attributes[a]]![i];
                    }

                    cellBuckets[c] = path;
                }
            }

            var trees = new MinKeyTree[cellCount];
            instanceKeys = new int[perInstance];
            tiedCells = new int[cellCount];
            for (var c = 0; c < cellCount; c++)
            {
                trees[c] = new MinKeyTree(members[c].Length, perInstance);
            }

            // The out parameters become fields only when this returns: fill the trees through the locals.
            for (var i = 0; i < _n; i++)
            {
                var k = 0;
                for (var s = 0; s < _strategies.Length; s++)
                {
                    if (keySource[s] >= 0)
                    {
                        instanceKeys[k++] = _keys[s][i];
                    }
                }

                trees[cellOf[i]].Load(slotOf[i], _reject[i] == Rejection.None, instanceKeys);
            }

            foreach (var t in trees)
            {
                t.Build();
            }

            return trees;
        }

        private ReadOnlySpan<int> InstanceKeys(int i)
        {
            var k = 0;
            for (var s = 0; s < _strategies.Length; s++)
            {
                if (_keySource[s] >= 0)
                {
                    _instanceKeys[k++] = _keys[s][i];
                }
            }

            return _instanceKeys;
        }

        /// <summary>
        /// <see cref="Choose"/> through the index: the same instance and the same draw from <paramref name="random"/>
        /// as the scan (lexicographic minimum, ties in input order, one draw only when two or more tie), in
        /// O(cells x strategies + log instances).
        /// </summary>
        private int ChooseIndexed(Random random)
        {
            var trees = _trees!;
            var best = _best;
            var tied = _tiedCells;
            var tiedCount = 0;
            var total = 0;
            for (var c = 0; c < trees.Length; c++)
            {
                var tree = trees[c];
                if (tree.MinCount == 0)
                {
                    continue;
                }

                var cmp = tiedCount == 0 ? -1 : CompareCell(c, best);
                if (cmp < 0)
                {
                    for (var s = 0; s < best.Length; s++)
                    {
                        best[s] = CellKey(c, s);
                    }

                    tied[0] = c;
                    tiedCount = 1;
                    total = tree.MinCount;
                }
                else if (cmp == 0)
                {
                    tied[tiedCount++] = c;
                    total += tree.MinCount;
                }
            }

            if (total == 0)
            {
                return -1;
            }

            var k = total == 1 ? 0 : random.Next(total);
            if (tiedCount == 1)
            {
                return _members[tied[0]][trees[tied[0]].Select(k)];
            }

            // The k-th tie in input order across several cells: the smallest instance index with more than k ties at
            // or before it.
            int lo = 0, hi = _n - 1;
            while (lo < hi)
            {
                var mid = (lo + hi) >>> 1;
                var atOrBefore = 0;
                for (var t = 0; t < tiedCount; t++)
                {
                    var cell = tied[t];
                    atOrBefore += trees[cell].CountMinBefore(UpperBound(_members[cell], mid));
                }

                if (atOrBefore > k)
                {
                    hi = mid;
                }
                else
                {
                    lo = mid + 1;
                }
            }

            return lo;
        }

        private int CellKey(int cell, int s)
        {
            var source = _keySource[s];
            return source >= 0 ? _trees![cell].MinKey(source) : _keys[s][_cellBuckets[cell][~source]];
        }

        private int CompareCell(int cell, int[] best)
        {
            for (var s = 0; s < best.Length; s++)
            {
                var c = CellKey(cell, s).CompareTo(best[s]);
                if (c != 0)
                {
                    return c;
                }
            }

            return 0;
        }

        /// <summary>How many of the ascending <paramref name="sorted"/> are at most <paramref name="value"/>.</summary>
        private static int UpperBound(int[] sorted, int value)
        {
            int lo = 0, hi = sorted.Length;
            while (lo < hi)
            {
                var mid = (lo + hi) >>> 1;
                if (sorted[mid] <= value)
                {
                    lo = mid + 1;
                }
                else
                {
                    hi = mid;
                }
            }

            return lo;
        }
    }
}
