namespace Emulator.Model.Placement;

/// <summary>
/// A segment tree over a fixed sequence of slots, each either absent or holding a tuple of integer keys. It answers
/// in O(1) the lexicographically smallest tuple and how many slots hold it, and in O(log n) the k-th of those slots in
/// slot order and how many of them lie before a slot; changing one slot costs O(log n x keys). The placement engine
/// uses it so that choosing the best instance for a task (B-PL-2: lowest keys, ties drawn uniformly in input order)
/// does not scan every instance for every task.
/// </summary>
internal sealed class MinKeyTree
{
    private readonly int _m;
    private readonly int _size;
    private readonly int[] _keys; // node * _m .. node * _m + _m - 1: the node's smallest tuple (meaningless when its count is 0)
    private readonly int[] _count; // how many present slots under the node hold that tuple

    /// <param name="slots">How many slots.</param>
    /// <param name="keys">The tuple length (0: every present slot ties).</param>
    public MinKeyTree(int slots, int keys)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(slots);
        ArgumentOutOfRangeException.ThrowIfNegative(keys);
        Slots = slots;
        _m = keys;
        _size = 1;
        while (_size < Math.Max(1, slots))
        {
            _size <<= 1;
        }

        _keys = new int[2 * _size * Math.Max(1, keys)];
        _count = new int[2 * _size];
    }

    public int Slots { get; }

    /// <summary>How many present slots hold the smallest tuple (0 when none is present).</summary>
    public int MinCount => _count[1];

    /// <summary>Component <paramref name="k"/> of the smallest tuple; only meaningful when <see cref="MinCount"/> &gt; 0.</summary>
    public int MinKey(int k) => _keys[_m + k];

    /// <summary>Sets a slot without updating its ancestors: call <see cref="Build"/> once all slots are loaded.</summary>
    public void Load(int slot, bool present, ReadOnlySpan<int> keys)
    {
        var node = _size + slot;
        _count[node] = present ? 1 : 0;
        keys[.._m].CopyTo(_keys.AsSpan(node * _m, _m));
    }

    /// <summary>Computes every inner node from the loaded slots, O(n x keys).</summary>
    public void Build()
    {
        for (var node = _size - 1; node >= 1; node--)
        {
            Pull(node);
        }
    }

    /// <summary>Changes one slot and the nodes above it.</summary>
    public void Set(int slot, bool present, ReadOnlySpan<int> keys)
    {
        Load(slot, present, keys);
        for (var node = (_size + slot) >> 1; node >= 1; node >>= 1)
        {
            Pull(node);
        }
    }

    /// <summary>The slot of the <paramref name="k"/>-th (0-based, in slot order) present slot holding the smallest tuple.</summary>
    public int Select(int k)
    {
        if ((uint)k >= (uint)_count[1])
        {
            throw new ArgumentOutOfRangeException(nameof(k));
        }

        var node = 1;
        while (node < _size)
        {
            var left = 2 * node;
            if (_count[left] > 0 && Equal(left, 1))
            {
                if (k < _count[left])
                {
                    node = left;
                    continue;
                }

                k -= _count[left];
            }

            node = left + 1;
        }

        return node - _size;
    }

    /// <summary>How many present slots holding the smallest tuple lie before <paramref name="slot"/> (slot order).</summary>
    public int CountMinBefore(int slot)
    {
        var total = 0;
        if (_count[1] == 0)
        {
            return 0;
        }

        for (int l = _size, r = _size + Math.Clamp(slot, 0, _size); l < r; l >>= 1, r >>= 1)
        {
            if ((l & 1) == 1)
            {
                total += MinCountAt(l++);
            }

            if ((r & 1) == 1)
            {
                total += MinCountAt(--r);
            }
        }

        return total;
    }

    // A node under the root holds the root's smallest tuple or a larger one: it counts only when they are equal.
    private int MinCountAt(int node) => _count[node] > 0 && Equal(node, 1) ? _count[node] : 0;

    private void Pull(int node)
    {
        int left = 2 * node, right = left + 1;
        int from;
        var count = 0;
        if (_count[left] == 0)
        {
            from = right;
            count = _count[right];
        }
        else if (_count[right] == 0)
        {
            from = left;
            count = _count[left];
        }
        else
        {
            var c = Compare(left, right);
            from = c <= 0 ? left : right;
            count = c < 0 ? _count[left] : c > 0 ? _count[right] : _count[left] + _count[right];
        }

        _count[node] = count;
        if (_m > 0)
        {
            Array.Copy(_keys, from * _m, _keys, node * _m, _m);
        }
    }

    private int Compare(int a, int b)
    {
        int pa = a * _m, pb = b * _m;
        for (var k = 0; k < _m; k++)
        {
            var c = _keys[pa + k].CompareTo(_keys[pb + k]);
            if (c != 0)
            {
                return c;
            }
        }

        return 0;
    }

    private bool Equal(int a, int b) => Compare(a, b) == 0;
}
