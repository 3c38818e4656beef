using System.Collections.Immutable;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Emulator.Contracts;
using Emulator.Model.Lifecycle;
using Emulator.Model.Scaling;
using Emulator.Model.Time;
using TaskStatus = Emulator.Contracts.TaskStatus;

namespace Emulator.Model.Cluster;

/// <summary>Told of every task change the book makes, in order (the cluster grain emits events, arms timers, pokes services).</summary>
public interface IClusterBookObserver
{
    void TaskAdded(TaskRecord task);

    void TaskReplaced(TaskRecord before, TaskRecord after);

    void TaskRemoved(TaskRecord task);
}

/// <summary>The cost group of a task (B-IT-5): its service ("" for none), its capacity provider or launch type, Fargate or not.</summary>
public readonly record struct TaskCostGroup(string Service, string Provider, bool Fargate)
{
    public static TaskCostGroup Of(TaskRecord t) => new(t.ServiceName ?? "", t.ProviderOrLaunchType, t.LaunchType == LaunchType.FARGATE);
}

/// <summary>
/// A cluster's record book: its tasks and container instances, the PROVISIONING queue (B-PQ-1, B-PQ-2) and every
/// index derived from them, kept in step by the only three ways a task changes (<see cref="Add"/>,
/// <see cref="Replace"/>, <see cref="Remove"/>):
/// <list type="bullet">
/// <item>each instance's reserved resources and counters (B-CI-2, B-PL-7, through <see cref="InstanceAccounting"/>);</item>
/// <item>tasks by instance, by service; instances by EC2 id;</item>
/// <item>task counts by (lastStatus, capacity provider or launch type), live Fargate tasks by zone;</item>
/// <item>the cost ledger and the cost of deleted tasks (B-IT-5);</item>
/// <item>the due queue of task transitions (B-T-2).</item>
/// </list>
/// Every index can be recomputed from the records (<see cref="Recount"/>) and <see cref="Invariants"/> compares the
/// kept ones with a recount. Nothing here knows about grains, timers or events: the <see cref="IClusterBookObserver"/>
/// hears of each change. Hot path: a change costs a few dictionary operations, no pass over the tasks.
/// </summary>
public sealed partial class ClusterBook
{
    private static readonly HashSet<string> NoIds = [];

    private readonly IClusterRecords _records;
    private readonly Dictionary<string, TaskRecord> _tasks;
    private readonly Dictionary<string, ContainerInstanceRecord> _instances;
    private readonly List<string> _queue;
    private readonly Dictionary<string, QueuedPlacement> _queuedPlacements;
    private readonly Func<ContainerInstanceRecord, decimal> _hourlyPrice;

    private readonly HashSet<string> _queued = new(StringComparer.Ordinal);
    private readonly Dictionary<string, HashSet<string>> _tasksByInstance = new(StringComparer.Ordinal);
    private readonly Dictionary<string, HashSet<string>> _tasksByService = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _instanceByEc2 = new(StringComparer.Ordinal);
    private readonly Dictionary<(TaskStatus Status, string Provider), int> _taskCounts = [];
    private readonly Dictionary<string, int> _fargateByZone = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (TaskCostGroup Group, TaskCostTerms Terms)> _costTerms = new(StringComparer.Ordinal);
    private readonly CostLedger<TaskCostGroup> _costLedger = new();
    private readonly PriorityQueue<string, DateTimeOffset> _due = new();

    /// <summary>The due entry <see cref="TryTakeDue"/> handed out last: a transition that lands on the same instant needs a new one.</summary>
    private (string? TaskId, DateTimeOffset Due) _taken;

    /// <param name="records">The stored records; the book works on these collections and rebuilds its indexes from them.</param>
    /// <param name="hourlyPrice">What an instance costs per hour (B-IT-4): an EC2 task's cost is its share of it.</param>
    /// <param name="observer">Hears of every task change; null for none.</param>
    public ClusterBook(IClusterRecords records, Func<ContainerInstanceRecord, decimal> hourlyPrice, IClusterBookObserver? observer = null)
    {
        ArgumentNullException.ThrowIfNull(records);
        ArgumentNullException.ThrowIfNull(hourlyPrice);
        _records = records;
        _tasks = records.Tasks;
        _instances = records.Instances;
        _queue = records.Queue;
        _queuedPlacements = records.QueuedPlacements;
        _hourlyPrice = hourlyPrice;
        Observer = observer;
        Recount();
    }

    public IClusterBookObserver? Observer { get; set; }

    public IReadOnlyDictionary<string, TaskRecord> Tasks => _tasks;

    public IReadOnlyDictionary<string, ContainerInstanceRecord> Instances => _instances;

    /// <summary>The PROVISIONING queue of every provider, in arrival order (B-PQ-2).</summary>
    public IReadOnlyList<string> Queue => _queue;

    /// <summary>Tasks by (lastStatus, capacity provider or launch type): every task counted once.</summary>
    public IReadOnlyDictionary<(TaskStatus Status, string Provider), int> TaskCounts => _taskCounts;

    /// <summary>The earliest instant a task transition may be due (an entry may be stale: it only wakes the grain early).</summary>
    public DateTimeOffset? NextDue => _due.TryPeek(out _, out var due) ? due : null;

    /// <summary>B-IT-4 prices: On-Demand from the catalog, Spot instances at the Spot fraction.</summary>
    public static Func<ContainerInstanceRecord, decimal> CatalogPrices(Catalog.InstanceCatalog catalog, double spotPriceFraction)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        return i =>
        {
            var hourly = catalog.Get(i.InstanceType).OnDemandPricePerHour;
            return i.IsSpot ? AutoScalingGroups.SpotPrice(hourly, spotPriceFraction) : hourly;
        };
    }

    /// <summary>How the queued task wants to be placed (null: queued without one, or not queued).</summary>
    public QueuedPlacement? QueuedPlacementOf(string taskId) => _queuedPlacements.GetValueOrDefault(taskId);

    public bool IsInQueue(string taskId) => _queued.Contains(taskId);

    /// <summary>The ids of the tasks on the instance (every status, until they are deleted).</summary>
    public IReadOnlyCollection<string> TasksOn(string containerInstanceId) => _tasksByInstance.GetValueOrDefault(containerInstanceId) ?? NoIds;

    /// <summary>The ids of the service's tasks (every status, until they are deleted).</summary>
    public IReadOnlyCollection<string> TasksOf(string serviceName) => _tasksByService.GetValueOrDefault(serviceName) ?? NoIds;

    /// <summary>The container instance registered last for this EC2 instance.</summary>
    public ContainerInstanceRecord? InstanceByEc2(string ec2InstanceId) =>
        _instanceByEc2.TryGetValue(ec2InstanceId, out var id) ? _instances.GetValueOrDefault(id) : null;

    public int CountTasks(TaskStatus status)
    {
        var n = 0;
        foreach (var (key, count) in _taskCounts)
        {
            if (key.Status == status)
            {
                n += count;
            }
        }

        return n;
    }

    /// <summary>Fargate tasks not STOPPED in the zone (the Fargate zone choice balances them).</summary>
    public int LiveFargateTasksIn(string availabilityZone) => _fargateByZone.GetValueOrDefault(availabilityZone);

    /// <summary>Registered and reserved resources of the instances that are not INACTIVE, and how many there are.</summary>
    public (ResourceSet Registered, ResourceSet Used, int Count) ActiveCapacity()
    {
        var registered = ResourceSet.Zero;
        var used = ResourceSet.Zero;
        var count = 0;
        foreach (var i in _instances.Values)
        {
            if (i.Status != ContainerInstanceStatus.INACTIVE)
            {
                registered += i.Registered;
                used += i.Used;
                count++;
            }
        }

        return (registered, used, count);
    }

    /// <summary>A task / container instance id not used in this cluster (B-ID-4: drawn from the seeded stream).</summary>
    public string UnusedId(Random random)
    {
        var id = RandomIds.TaskId(random);
        while (_tasks.ContainsKey(id) || _instances.ContainsKey(id))
        {
            id = RandomIds.TaskId(random);
        }

        return id;
    }

    // ------------------------------------------------------------------ tasks

    /// <summary>
    /// Adds a new task. A task for the PROVISIONING queue comes with how it wants to be placed and joins the end of
    /// the queue (B-PQ-1); a new EC2 task added without one is placed by the next <see cref="Replace"/> of the same step.
    /// </summary>
    public void Add(TaskRecord task, QueuedPlacement? queued = null)
    {
        ArgumentNullException.ThrowIfNull(task);
        if (queued is not null && !task.IsQueued)
        {
            throw new ArgumentException($"task {task.TaskId} ({task.LastStatus}) cannot wait in the PROVISIONING queue", nameof(queued));
        }

        if (!_tasks.TryAdd(task.TaskId, task))
        {
            throw new ArgumentException($"task {task.TaskId} is already in the book", nameof(task));
        }

        if (task.ContainerInstanceId is { } ci && _instances.TryGetValue(ci, out var instance))
        {
            _instances[ci] = InstanceAccounting.ApplyTaskChange(instance, null, task);
        }

        if (queued is not null)
        {
            _queue.Add(task.TaskId);
            _queued.Add(task.TaskId);
            _queuedPlacements[task.TaskId] = queued;
        }

        Index(null, task);
        Observer?.TaskAdded(task);
    }

    /// <summary>
    /// Replaces a task record with its next version (<paramref name="before"/> must be the record the book holds):
    /// instance accounting, indexes, the ledger and the due queue follow; a task that is no longer queued leaves
    /// the PROVISIONING queue (placed, or stopped).
    /// </summary>
    public void Replace(TaskRecord before, TaskRecord after)
    {
        ArgumentNullException.ThrowIfNull(before);
        ArgumentNullException.ThrowIfNull(after);
        ref var slot = ref CollectionsMarshal.GetValueRefOrNullRef(_tasks, after.TaskId);
        if (Unsafe.IsNullRef(ref slot) || !ReferenceEquals(slot, before))
        {
            throw new ArgumentException($"task {after.TaskId}: the record replaced is not the one in the book", nameof(before));
        }

        slot = after;
        if (before.ContainerInstanceId is { } oldCi && _instances.TryGetValue(oldCi, out var oldInst))
        {
            _instances[oldCi] = InstanceAccounting.ApplyTaskChange(oldInst, before, after.ContainerInstanceId == oldCi ? after : null);
        }

        if (after.ContainerInstanceId is { } newCi && newCi != before.ContainerInstanceId && _instances.TryGetValue(newCi, out var newInst))
        {
            _instances[newCi] = InstanceAccounting.ApplyTaskChange(newInst, null, after);
        }

        if (_queued.Count > 0 && !after.IsQueued && _queued.Remove(after.TaskId))
        {
            _queue.Remove(after.TaskId);
            _queuedPlacements.Remove(after.TaskId);
        }

        Index(before, after);
        Observer?.TaskReplaced(before, after);
    }

    /// <summary>Deletes a task (B-T-2: a STOPPED task after its retention). B-IT-5: its cost stays in the totals.</summary>
    public void Remove(TaskRecord task, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(task);
        if (!_tasks.TryGetValue(task.TaskId, out var held) || !ReferenceEquals(held, task))
        {
            throw new ArgumentException($"task {task.TaskId}: the record removed is not the one in the book", nameof(task));
        }

        var cost = TaskCost(task, now);
        if (task.ServiceName is { } service)
        {
            _records.DeletedTaskCostByService[service] = _records.DeletedTaskCostByService.GetValueOrDefault(service) + cost;
        }

        var key = task.ProviderOrLaunchType;
        _records.DeletedTaskCostByProvider[key] = _records.DeletedTaskCostByProvider.GetValueOrDefault(key) + cost;
        if (task.LaunchType == LaunchType.FARGATE)
        {
            _records.DeletedFargateCost += cost;
        }

        _tasks.Remove(task.TaskId);
        if (task.LastStatus != TaskStatus.STOPPED && task.ContainerInstanceId is { } holder && _instances.TryGetValue(holder, out var instance))
        {
            _instances[holder] = InstanceAccounting.ApplyTaskChange(instance, task, null);
        }

        if (_queued.Remove(task.TaskId))
        {
            _queue.Remove(task.TaskId);
            _queuedPlacements.Remove(task.TaskId);
        }

        Ledger(task.TaskId, null);
        Count(task, -1);
        FargateZone(task, -1);
        if (task.ServiceName is { } svc)
        {
            _tasksByService.GetValueOrDefault(svc)?.Remove(task.TaskId);
        }

        if (task.ContainerInstanceId is { } ci)
        {
            _tasksByInstance.GetValueOrDefault(ci)?.Remove(task.TaskId);
        }

        Observer?.TaskRemoved(task);
    }

    /// <summary>
    /// The next task transition due at or before <paramref name="now"/>, taken off the due queue (B-T-2); entries a
    /// later change superseded are skipped.
    /// </summary>
    public bool TryTakeDue(DateTimeOffset now, out TaskRecord task, out DateTimeOffset due)
    {
        while (_due.TryPeek(out var id, out var at) && at <= now)
        {
            _due.Dequeue();
            if (_tasks.TryGetValue(id, out var t) && t.NextTransitionAt == at)
            {
                task = t;
                due = at;
                _taken = (id, at);
                return true;
            }
        }

        task = null!;
        due = default;
        return false;
    }

    // ------------------------------------------------------------------ instances

    /// <summary>A newly registered container instance (its id is new; its EC2 id now finds it).</summary>
    public void AddInstance(ContainerInstanceRecord instance)
    {
        ArgumentNullException.ThrowIfNull(instance);
        if (!_instances.TryAdd(instance.ContainerInstanceId, instance))
        {
            throw new ArgumentException($"container instance {instance.ContainerInstanceId} is already in the book", nameof(instance));
        }

        _instanceByEc2[instance.Ec2InstanceId] = instance.ContainerInstanceId;
        if (!_tasksByInstance.ContainsKey(instance.ContainerInstanceId))
        {
            _tasksByInstance[instance.ContainerInstanceId] = new HashSet<string>(StringComparer.Ordinal);
        }
    }

    /// <summary>
    /// A new version of a container instance (status, attributes, provider). Its accounting is the book's: the
    /// caller derives the new record from the one the book holds.
    /// </summary>
    public void ReplaceInstance(ContainerInstanceRecord instance)
    {
        ArgumentNullException.ThrowIfNull(instance);
        if (!_instances.ContainsKey(instance.ContainerInstanceId))
        {
            throw new ArgumentException($"container instance {instance.ContainerInstanceId} is not in the book", nameof(instance));
        }

        _instances[instance.ContainerInstanceId] = instance;
    }

    // ------------------------------------------------------------------ whole book

    /// <summary>Forgets every task and instance (a deleted cluster); the cost of deleted tasks stays.</summary>
    public void Clear()
    {
        _tasks.Clear();
        _instances.Clear();
        _queue.Clear();
        _queuedPlacements.Clear();
        Recount();
    }

    /// <summary>
    /// Recomputes every index from the records, and each instance's accounting from its tasks (what was stored is
    /// the truth). Used on activation; <see cref="Invariants"/> compares the kept indexes with the same recount.
    /// </summary>
    public void Recount()
    {
        _queued.Clear();
        _taskCounts.Clear();
        _fargateByZone.Clear();
        _costTerms.Clear();
        _costLedger.Clear();
        _due.Clear();
        _taken = default;
        _tasksByInstance.Clear();
        _tasksByService.Clear();
        _instanceByEc2.Clear();
        foreach (var i in _instances.Values)
        {
            _tasksByInstance[i.ContainerInstanceId] = new HashSet<string>(StringComparer.Ordinal);
            _instanceByEc2[i.Ec2InstanceId] = i.ContainerInstanceId;
        }

        foreach (var id in _queue)
        {
            _queued.Add(id);
        }

        foreach (var t in _tasks.Values)
        {
            Index(null, t);
        }

        foreach (var id in _instances.Keys.ToList())
        {
            _instances[id] = InstanceAccounting.Recount(_instances[id], _tasksByInstance[id].Select(t => _tasks[t]));
        }
    }

    // ------------------------------------------------------------------ costs (B-IT-5)

    /// <summary>What the task has cost by <paramref name="now"/>.</summary>
    public decimal TaskCost(TaskRecord task, DateTimeOffset now) => CostTerms(task).At(now);

    /// <summary>The cluster's task costs now, from the ledger (one pass over the cost groups, not over the tasks).</summary>
    public TaskCostReport CostReport(DateTimeOffset now)
    {
        var byService = new Dictionary<string, decimal>(_records.DeletedTaskCostByService, StringComparer.Ordinal);
        var byProvider = new Dictionary<string, decimal>(_records.DeletedTaskCostByProvider, StringComparer.Ordinal);
        var fargate = _records.DeletedFargateCost;
        var ec2 = 0m;
        foreach (var group in _costLedger.Groups)
        {
            var cost = _costLedger.At(group, now);
            if (group.Service.Length > 0)
            {
                byService[group.Service] = byService.GetValueOrDefault(group.Service) + cost;
            }

            byProvider[group.Provider] = byProvider.GetValueOrDefault(group.Provider) + cost;
            if (group.Fargate)
            {
                fargate += cost;
            }
            else
            {
                ec2 += cost;
            }
        }

        return new TaskCostReport(byService.ToImmutableDictionary(), byProvider.ToImmutableDictionary(), fargate, ec2);
    }

    private TaskCostTerms CostTerms(TaskRecord t) =>
        t.ContainerInstanceId is { } ci && _instances.TryGetValue(ci, out var instance)
            ? TaskCosts.Terms(t, _hourlyPrice(instance), instance.Registered.Cpu)
            : TaskCosts.Terms(t, null, 0);

    // ------------------------------------------------------------------ indexes

    private void Index(TaskRecord? before, TaskRecord after)
    {
        if (before is null)
        {
            Count(after, +1);
            FargateZone(after, +1);
            if (after.ServiceName is { } svc)
            {
                if (!_tasksByService.TryGetValue(svc, out var set))
                {
                    _tasksByService[svc] = set = new HashSet<string>(StringComparer.Ordinal);
                }

                set.Add(after.TaskId);
            }
        }
        else
        {
            if (before.LastStatus != after.LastStatus)
            {
                Count(before, -1);
                Count(after, +1);
            }

            if (before.LaunchType == LaunchType.FARGATE || after.LaunchType == LaunchType.FARGATE)
            {
                FargateZone(before, -1);
                FargateZone(after, +1);
            }
        }

        Ledger(after.TaskId, after);
        if (before?.ContainerInstanceId is { } oldCi && oldCi != after.ContainerInstanceId)
        {
            _tasksByInstance.GetValueOrDefault(oldCi)?.Remove(after.TaskId);
        }

        if (after.ContainerInstanceId is { } ci && ci != before?.ContainerInstanceId)
        {
            if (!_tasksByInstance.TryGetValue(ci, out var set))
            {
                _tasksByInstance[ci] = set = new HashSet<string>(StringComparer.Ordinal);
            }

            set.Add(after.TaskId);
        }

        // A transition of zero duration (a timing configured 0) keeps the instant whose entry was just taken: it needs
        // an entry again, or the task would never move on.
        if (after.NextTransitionAt is { } due
            && (due != before?.NextTransitionAt || (_taken.Due == due && string.Equals(_taken.TaskId, after.TaskId, StringComparison.Ordinal))))
        {
            _due.Enqueue(after.TaskId, due);
            _taken = default;
        }
    }

    private void Count(TaskRecord t, int delta)
    {
        ref var n = ref CollectionsMarshal.GetValueRefOrAddDefault(_taskCounts, (t.LastStatus, t.ProviderOrLaunchType), out _);
        n += delta;
        if (n == 0)
        {
            _taskCounts.Remove((t.LastStatus, t.ProviderOrLaunchType));
        }
    }

    private void FargateZone(TaskRecord t, int delta)
    {
        if (t.LaunchType != LaunchType.FARGATE || t.LastStatus == TaskStatus.STOPPED || t.AvailabilityZone is not { } zone)
        {
            return;
        }

        ref var n = ref CollectionsMarshal.GetValueRefOrAddDefault(_fargateByZone, zone, out _);
        n += delta;
        if (n == 0)
        {
            _fargateByZone.Remove(zone);
        }
    }

    /// <summary>Keeps the cost ledger in step with a task record (null: the task is gone).</summary>
    private void Ledger(string taskId, TaskRecord? after)
    {
        if (_costTerms.Remove(taskId, out var old))
        {
            _costLedger.Remove(old.Group, old.Terms);
        }

        if (after is not null)
        {
            var entry = (TaskCostGroup.Of(after), CostTerms(after));
            _costTerms[taskId] = entry;
            _costLedger.Add(entry.Item1, entry.Item2);
        }
    }
}
