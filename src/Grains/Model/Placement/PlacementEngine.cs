using System.Collections.Immutable;
using Emulator.Contracts;
using PlacementStrategy = Emulator.Contracts.PlacementStrategy;
using Emulator.Model.Catalog;

namespace Emulator.Model.Placement;

/// <summary>A batch of identical tasks to place (B-PL-1).</summary>
/// <param name="Group">The task group, "service:NAME" or "family:FAMILY" (B-TL-4): spread and distinctInstance count its tasks.</param>
/// <param name="Count">How many identical tasks to place in this batch.</param>
/// <param name="Strategies">Applied in order; empty = random among the feasible instances.</param>
/// <param name="CapacityProvider">Only instances of this capacity provider; null = every instance (launchType EC2).</param>
/// <param name="TargetContainerInstanceId">StartTask / DAEMON: only this instance.</param>
public sealed record PlacementRequest(
    TaskRequirements Needs,
    string Group,
    int Count,
    ImmutableArray<PlacementStrategy> Strategies,
    ImmutableArray<PlacementConstraint> Constraints,
    string? CapacityProvider,
    string? TargetContainerInstanceId = null);

/// <summary>Task <paramref name="TaskIndex"/> of the batch goes to this instance, holding these static host ports.</summary>
public sealed record PlacementAssignment(int TaskIndex, string ContainerInstanceId, ImmutableArray<int> HostPorts);

/// <summary>An instance in scope that could not take the task; Reason is AWS's word (B-PL-5) or its status.</summary>
public sealed record InstanceRejection(string ContainerInstanceId, string Reason);

/// <summary>Why a placement came out as it did (B-PL-5, B-PL-6).</summary>
/// <param name="Reason">AWS reason word of the closest instance (RESOURCE:CPU, RESOURCE:MEMORY, RESOURCE:PORTS,
/// RESOURCE:ENI, RESOURCE:GPU, ATTRIBUTE, AGENT); null when every task was placed or when there was no ACTIVE
/// instance in scope at all.</param>
/// <param name="ClosestContainerInstanceId">The instance that came closest to taking the first unplaced task.</param>
/// <param name="Rejected">Every instance in scope that could not take the first unplaced task (or, when all were
/// placed, the first task), with why, in input order.</param>
/// <param name="Ranking">The feasible instances for the first task of the batch, best first, as the strategies
/// ranked them; the instance actually chosen leads its tie group.</param>
/// <param name="Detail">Human text, AWS's wording where AWS has one.</param>
public sealed record PlacementExplanation(
    string? Reason,
    string? ClosestContainerInstanceId,
    ImmutableArray<InstanceRejection> Rejected,
    ImmutableArray<string> Ranking,
    string Detail);

public sealed record PlacementResult(ImmutableArray<PlacementAssignment> Placed, int Unplaced, PlacementExplanation? Explanation);

/// <summary>A task the scheduler may stop on scale-in (B-PL-2 reverse).</summary>
/// <param name="Placed">False while still queued in PROVISIONING (B-PQ-1).</param>
/// <param name="Instance">The instance the task is on; null when not placed.</param>
public sealed record StopCandidate(string TaskId, string Group, bool Placed, bool Running, ContainerInstanceRecord? Instance);

/// <summary>
/// The placement engine (B-PL-1 .. B-PL-7): filter the instances in scope, apply constraints, rank by the
/// strategies, pick; one task at a time against a private working copy so that a batch never over-commits.
/// </summary>
public static partial class PlacementEngine
{
    /// <summary>
    /// Places up to <see cref="PlacementRequest.Count"/> identical tasks. Assignments come back in task order; the
    /// first task that fits nowhere ends the batch (the rest are identical) and the remainder is Unplaced.
    /// The explanation is set whenever Unplaced &gt; 0, and always when <paramref name="explain"/> is true.
    /// Deterministic for a given <paramref name="random"/> seed: ties are the only thing drawn from it.
    /// </summary>
    public static PlacementResult Place(IReadOnlyList<ContainerInstanceRecord> instances, PlacementRequest request, Random random, bool explain = false) =>
        Place(instances, request, random, explain, PlacementSearch.Auto);

    /// <summary>
    /// <see cref="Place(IReadOnlyList{ContainerInstanceRecord}, PlacementRequest, Random, bool)"/> with the way the best
    /// instance is found chosen by the caller. Every search gives the same result for the same seed; tests compare them.
    /// </summary>
    internal static PlacementResult Place(IReadOnlyList<ContainerInstanceRecord> instances, PlacementRequest request, Random random, bool explain, PlacementSearch search)
    {
        ArgumentNullException.ThrowIfNull(instances);
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(random);

        var state = new BatchState(instances, request, search);
        var count = Math.Max(0, request.Count);
        var placed = ImmutableArray.CreateBuilder<PlacementAssignment>(Math.Min(count, 1024));
        var ports = request.Needs.HostPorts.IsDefault ? [] : request.Needs.HostPorts;
        for (var task = 0; task < count; task++)
        {
            var chosen = state.Choose(random);
            if (chosen < 0)
            {
                break;
            }

            state.Commit(chosen);
            placed.Add(new PlacementAssignment(task, state.IdOf(chosen), ports));
        }

        var unplaced = count - placed.Count;
        PlacementExplanation? explanation = null;
        if (unplaced > 0 || explain)
        {
            // Explaining is off the hot path: rebuild the state as it was before the batch for the ranking of the
            // first task, and use the working state for the rejections of the first unplaced one.
            var initial = new BatchState(instances, request, PlacementSearch.Scan);
            var firstChoice = placed.Count > 0 ? placed[0].ContainerInstanceId : null;
            explanation = (unplaced > 0 ? state : initial).Explain(initial.Rank(firstChoice), unplaced > 0, placed.Count, firstChoice, request);
        }

        return new PlacementResult(placed.DrainToImmutable(), unplaced, explanation);
    }

    // The index pays from a few tasks on a few hundred instances; below that scanning is as fast.
    private const int IndexMinInstances = 128;
    private const int IndexMinTasks = 4;
    private const int IndexMaxCells = 64;
    private const int IndexMaxCombinations = 4096;

    /// <summary>Why an instance cannot take the task, ordered from farthest to closest (B-PL-5).</summary>
    private enum Rejection : byte
    {
        None = 0,
        Status = 1,
        Agent = 2,
        Cpu = 3,
        Memory = 4,
        Ports = 5,
        Eni = 6,
        Gpu = 7,
        Attribute = 8,
    }

    /// <summary>
    /// The private working copy of a batch (B-PL-7): remaining resources, free ports and group counts per instance
    /// in scope, in flat arrays so that choosing a task is one pass over the instances with no allocation.
    /// </summary>
    private sealed partial class BatchState
    {
        private readonly ContainerInstanceRecord[] _inst;
        private readonly int _n;
        private readonly string _group;
        private readonly int _needCpu;
        private readonly int _needMemory;
        private readonly int _needGpu;
        private readonly int _needEni;
        private readonly bool _hasPorts;
        private readonly bool _distinct;
        private readonly ClusterQueryExpression[] _memberOf;
        private readonly bool _memberOfDependsOnTasks;
        private readonly bool _constraintsInvalid;
        private readonly CompiledStrategy[] _strategies;

        private readonly int[] _cpu;
        private readonly int[] _memory;
        private readonly int[] _gpu;
        private readonly int[] _eni;
        private readonly bool[] _portsFree;
        private readonly int[] _groupCount;
        private readonly int[] _added;
        private readonly bool[] _memberOk;
        private readonly Rejection[] _reject;

        // Per strategy, where its key (lower is better) is read: _keys[s][i], or _keys[s][_keyIndex[s][i]] for spread
        // on an attribute, where _keyIndex is each instance's bucket (attribute value; 0 = missing) and _keys the
        // group's task count per bucket over the ACTIVE instances in scope. Binpack and spread on instances read the
        // working arrays themselves, so committing a task updates every key at once.
        private readonly int[][] _keys;
        private readonly int[]?[] _keyIndex;

        private readonly int[] _ties;
        private readonly int[] _best;

        // The index (null when scanning): instances grouped into cells that share every spread-attribute bucket, one
        // MinKeyTree per cell over the per-instance keys (binpack cpu/memory, spread instanceId) of its feasible
        // instances. Within a cell the attribute keys are equal, so the cell's best per-instance keys are its best full
        // keys; across cells the attribute keys are read from the bucket counts at choosing time.
        private readonly MinKeyTree[]? _trees;
        private readonly int[][] _members = [];
        private readonly int[][] _cellBuckets = [];
        private readonly int[] _cellOf = [];
        private readonly int[] _slotOf = [];
        private readonly int[] _keySource = []; // per strategy: >= 0 its position in the per-instance keys, < 0 ~(attribute position)
        private readonly int[] _instanceKeys = [];
        private readonly int[] _tiedCells = [];

        public BatchState(IReadOnlyList<ContainerInstanceRecord> instances, PlacementRequest request, PlacementSearch search)
        {
            var scope = new List<ContainerInstanceRecord>(instances.Count);
            foreach (var i in instances)
            {
                if ((request.CapacityProvider is null || string.Equals(i.CapacityProvider, request.CapacityProvider, StringComparison.Ordinal))
                    && (request.TargetContainerInstanceId is null || string.Equals(i.ContainerInstanceId, request.TargetContainerInstanceId, StringComparison.Ordinal)))
                {
                    scope.Add(i);
                }
            }

            _inst = [.. scope];
            _n = _inst.Length;
            _group = request.Group ?? "";
            var needs = request.Needs.Resources;
            _needCpu = needs.Cpu;
            _needMemory = needs.Memory;
            _needGpu = needs.Gpu;
            _needEni = needs.Eni;
            var hostPorts = request.Needs.HostPorts.IsDefault ? [] : request.Needs.HostPorts;
            _hasPorts = hostPorts.Length > 0;

            var memberOf = new List<ClusterQueryExpression>();
            if (!request.Constraints.IsDefault)
            {
                foreach (var c in request.Constraints)
                {
                    if (c.Type == PlacementConstraintType.distinctInstance)
                    {
                        _distinct = true;
                    }
                    else if (c.Type == PlacementConstraintType.memberOf)
                    {
                        // Validation rejects bad expressions up front (B-PL-4); one that slips through here matches
                        // no instance rather than failing the caller's whole batch.
                        try
                        {
                            var e = ClusterQuery.ParseCached(c.Expression ?? "");
                            memberOf.Add(e);
                            _memberOfDependsOnTasks |= e.DependsOnTasks;
                        }
                        catch (ClusterQueryException)
                        {
                            _constraintsInvalid = true;
                        }
                    }
                }
            }

            _memberOf = [.. memberOf];
            _strategies = StrategyCompiler.CompileAll(request.Strategies);

            _cpu = new int[_n];
            _memory = new int[_n];
            _gpu = new int[_n];
            _eni = new int[_n];
            _portsFree = new bool[_n];
            _groupCount = new int[_n];
            _added = new int[_n];
            _memberOk = new bool[_n];
            _reject = new Rejection[_n];
            _ties = new int[_n];
            _best = new int[_strategies.Length];

            for (var i = 0; i < _n; i++)
            {
                var inst = _inst[i];
                var remaining = inst.Remaining;
                _cpu[i] = remaining.Cpu;
                _memory[i] = remaining.Memory;
                _gpu[i] = remaining.Gpu;
                _eni[i] = remaining.Eni;
                _portsFree[i] = PortsFree(inst, hostPorts);
                _groupCount[i] = inst.TaskGroups.TryGetValue(_group, out var g) ? g : 0;
                _memberOk[i] = EvaluateMemberOf(i);
            }

            _keys = new int[_strategies.Length][];
            _keyIndex = new int[_strategies.Length][];
            for (var s = 0; s < _strategies.Length; s++)
            {
                switch (_strategies[s].Kind)
                {
                    case StrategyKind.BinpackCpu:
                        _keys[s] = _cpu;
                        break;
                    case StrategyKind.BinpackMemory:
                        _keys[s] = _memory;
                        break;
                    case StrategyKind.SpreadInstance:
                        _keys[s] = _groupCount;
                        break;
                    default:
                        BuildBuckets(s, _strategies[s].AttributeName!);
                        break;
                }
            }

            for (var i = 0; i < _n; i++)
            {
                _reject[i] = Check(i);
            }

            if (search != PlacementSearch.Scan)
            {
                _trees = BuildIndex(search == PlacementSearch.Index || (_n >= IndexMinInstances && request.Count >= IndexMinTasks), out _members, out _cellBuckets,
                    out _cellOf, out _slotOf, out _keySource, out _instanceKeys, out _tiedCells);
            }
        }

        public string IdOf(int i) => _inst[i].ContainerInstanceId;

        /// <summary>
        /// The best feasible instance for the next task, or -1: lexicographic minimum of the strategy keys, ties
        /// drawn uniformly from <paramref name="random"/>. One pass, O(instances x strategies).
        /// </summary>
        public int Choose(Random random)
        {
            if (_trees is not null)
            {
                return ChooseIndexed(random);
            }

            var m = _strategies.Length;
            var reject = _reject;
            var best = _best;
            var ties = _ties;
            var tieCount = 0;
            for (var i = 0; i < reject.Length; i++)
            {
                if (reject[i] != Rejection.None)
                {
                    continue;
                }

                // Find the first strategy whose key differs from the best so far.
                var s = 0;
                var k = 0;
                if (tieCount > 0)
                {
                    for (; s < m; s++)
                    {
                        k = Key(s, i);
                        if (k != best[s])
                        {
                            break;
                        }
                    }

                    if (s == m)
                    {
                        ties[tieCount++] = i;
                        continue;
                    }

                    if (k > best[s])
                    {
                        continue;
                    }

                    best[s++] = k;
                }

                // Strictly better (or the first feasible instance): it alone is the best so far.
                for (; s < m; s++)
                {
                    best[s] = Key(s, i);
                }

                ties[0] = i;
                tieCount = 1;
            }

            return tieCount switch
            {
                0 => -1,
                1 => ties[0],
                _ => ties[random.Next(tieCount)],
            };
        }

        /// <summary>Puts one task on instance <paramref name="i"/> of the working copy (B-PL-7).</summary>
        public void Commit(int i)
        {
            _cpu[i] -= _needCpu;
            _memory[i] -= _needMemory;
            _gpu[i] -= _needGpu;
            _eni[i] -= _needEni;
            if (_hasPorts)
            {
                // Every task of the batch wants the same static ports, which this one now holds.
                _portsFree[i] = false;
            }

            _groupCount[i]++;
            _added[i]++;
            for (var s = 0; s < _strategies.Length; s++)
            {
                if (_keyIndex[s] is { } bucketOf)
                {
                    _keys[s][bucketOf[i]]++;
                }
            }

            if (_memberOfDependsOnTasks)
            {
                _memberOk[i] = EvaluateMemberOf(i);
            }

            _reject[i] = Check(i);
            if (_trees is not null)
            {
                _trees[_cellOf[i]].Set(_slotOf[i], _reject[i] == Rejection.None, InstanceKeys(i));
            }
        }
        /// <summary>
        /// The filter of B-PL-1 in AWS's order: status, agent, CPU, memory, ports, ENIs, GPUs, then the constraints
        /// (B-PL-4). The first failing check is the instance's reason.
        /// </summary>
        private Rejection Check(int i)
        {
            var inst = _inst[i];
            if (inst.Status != ContainerInstanceStatus.ACTIVE)
            {
                return Rejection.Status;
            }

            if (!inst.AgentConnected)
            {
                return Rejection.Agent;
            }

            if (_cpu[i] < _needCpu)
            {
                return Rejection.Cpu;
            }

            if (_memory[i] < _needMemory)
            {
                return Rejection.Memory;
            }

            if (!_portsFree[i])
            {
                return Rejection.Ports;
            }

            if (_eni[i] < _needEni)
            {
                return Rejection.Eni;
            }

            if (_gpu[i] < _needGpu)
            {
                return Rejection.Gpu;
            }

            if ((_distinct && _groupCount[i] > 0) || !_memberOk[i])
            {
                return Rejection.Attribute;
            }

            return Rejection.None;
        }

        /// <summary>Static host ports are free and the instance stays within 100 reserved ports (B-IT-2).</summary>
        private static bool PortsFree(ContainerInstanceRecord inst, ImmutableArray<int> hostPorts)
        {
            if (hostPorts.IsEmpty)
            {
                return true;
            }

            if (inst.UsedPorts.Count + hostPorts.Length > InstanceCatalog.MaxReservedHostPorts)
            {
                return false;
            }

            foreach (var p in hostPorts)
            {
                if (inst.UsedPorts.Contains(p))
                {
                    return false;
                }
            }

            return true;
        }

        private bool EvaluateMemberOf(int i)
        {
            if (_constraintsInvalid)
            {
                return false;
            }

            if (_memberOf.Length == 0)
            {
                return true;
            }

            var subject = new QuerySubject(_inst[i], _group, _added[i]);
            foreach (var e in _memberOf)
            {
                if (!e.Evaluate(subject))
                {
                    return false;
                }
            }

            return true;
        }

        private void BuildBuckets(int s, string attribute)
        {
            var ids = new Dictionary<string, int>(StringComparer.Ordinal);
            var bucketOf = new int[_n];
            for (var i = 0; i < _n; i++)
            {
                // Bucket 0 holds the instances lacking the attribute: they form a value of their own (B-PL-2).
                if (_inst[i].Attributes.TryGetValue(attribute, out var value))
                {
                    if (!ids.TryGetValue(value, out var id))
                    {
                        id = ids.Count + 1;
                        ids.Add(value, id);
                    }

                    bucketOf[i] = id;
                }
            }

            var bucketCount = new int[ids.Count + 1];
            for (var i = 0; i < _n; i++)
            {
                // Tasks count towards their value only on ACTIVE instances: a draining AZ should not look full.
                if (_inst[i].Status == ContainerInstanceStatus.ACTIVE)
                {
                    bucketCount[bucketOf[i]] += _groupCount[i];
                }
            }

            _keyIndex[s] = bucketOf;
            _keys[s] = bucketCount;
        }

        /// <summary>Lower is better (B-PL-2): least remaining for binpack, fewest group tasks for spread.</summary>
        private int Key(int s, int i)
        {
            var index = _keyIndex[s];
            return _keys[s][index is null ? i : index[i]];
        }

        private int CompareKeys(int a, int b)
        {
            for (var s = 0; s < _strategies.Length; s++)
            {
                var c = Key(s, a).CompareTo(Key(s, b));
                if (c != 0)
                {
                    return c;
                }
            }

            return 0;
        }
    }
}

/// <summary>AWS's placement failure reason words (B-PL-5).</summary>
public static class PlacementReasons
{
    public const string Cpu = "RESOURCE:CPU";
    public const string Memory = "RESOURCE:MEMORY";
    public const string Ports = "RESOURCE:PORTS";
    public const string Eni = "RESOURCE:ENI";
    public const string Gpu = "RESOURCE:GPU";
    public const string Attribute = "ATTRIBUTE";
    public const string Agent = "AGENT";
    public const string Fargate = "RESOURCE:FARGATE";
}

/// <summary>How <see cref="PlacementEngine"/> finds the best instance for each task; every way gives the same result.</summary>
internal enum PlacementSearch
{
    /// <summary>The index for batches large enough to pay for it, else a scan.</summary>
    Auto,

    /// <summary>One pass over every instance per task.</summary>
    Scan,

    /// <summary>The index whenever the strategies allow it (few distinct spread-attribute values).</summary>
    Index,
}
