using System.Collections.Immutable;
using System.Diagnostics;
using Emulator.Contracts;
using Emulator.Model.Catalog;
using Emulator.Model.Lifecycle;
using Emulator.Model.LoadBalancing;
using Emulator.Model.Placement;
using Emulator.Model.Scaling;
using Emulator.Model.Time;
using Emulator.Runtime;
using Microsoft.Extensions.Logging;
using TaskStatus = Emulator.Contracts.TaskStatus;
using PlacementStrategy = Emulator.Contracts.PlacementStrategy;

namespace Emulator.Grains;

/// <summary>
/// An ECS cluster. Owns the placement index (its container instances and the resources their tasks hold), every
/// task record, the PROVISIONING queue and the due-transition timers. The arithmetic lives in the pure model
/// (PlacementEngine, TaskLifecycle, InstanceAccounting, CapacityProviderStrategies); this grain validates, calls it,
/// replaces records, emits events and tells services what changed.
/// </summary>
public sealed partial class ClusterGrain : Grain, IClusterGrain, IRemindable, IIncomingGrainCallFilter
{
    private static readonly TimeSpan PersistEvery = TimeSpan.FromMilliseconds(500);

    /// <summary>
    /// How often time-driven changes are written. Durable mode: every 0.5 s (calls are written through anyway). The
    /// embedded default keeps its grain state in this process's memory only, so a periodic write protects nothing that
    /// a crash would not lose with it: time-driven changes are written when the grain deactivates. (Writing a
    /// 10,000-task state took the grain for ~70 ms every few seconds, and every timer due meanwhile came late, B-T-3.)
    /// </summary>
    private TimeSpan PersistInterval => _rt.Options.WriteThrough ? PersistEvery : TimeSpan.MaxValue;

    private readonly IPersistentState<ClusterState> _store;
    private readonly EmulatorRuntime _rt;
    private readonly ILogger<ClusterGrain> _log;
    private readonly PriorityQueue<string, DateTimeOffset> _due = new();
    private readonly Dictionary<string, HashSet<string>> _tasksByInstance = new(StringComparer.Ordinal);
    private readonly Dictionary<string, HashSet<string>> _tasksByService = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _instanceByEc2 = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _placementMessages = new(StringComparer.Ordinal);
    private readonly List<EmulatorEvent> _events = [];
    private readonly HashSet<string> _servicesToPoke = new(StringComparer.Ordinal);
    private readonly Dictionary<string, SettledTargets> _settledTargets = new(StringComparer.Ordinal);
    private readonly Dictionary<(TaskStatus Status, string Provider), int> _taskCounts = new();
    private readonly Dictionary<string, ((string Service, string Provider, bool Fargate) Group, TaskCostTerms Terms)> _costTerms = new(StringComparer.Ordinal);
    private readonly CostLedger<(string Service, string Provider, bool Fargate)> _costLedger = new();
    private Random _random = new(0);
    private bool _capacityChanged;
    private bool _dirty;
    private long _lastPersistTicks;
    private DueTimer? _timer;
    private DateTimeOffset _nextTickAt;
    private long _figuresPublished;
    private long _lastFiguresTicks;
    private long _servicesWokenTicks;

    public ClusterGrain([PersistentState("cluster", "emulator")] IPersistentState<ClusterState> store, EmulatorRuntime runtime, ILogger<ClusterGrain> log)
    {
        _store = store;
        _rt = runtime;
        _log = log;
    }

    private ClusterState S => _store.State;

    private string Name => this.GetPrimaryKeyString();

    private DateTimeOffset Now => _rt.Clock.Now;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        await LoadEventLogAsync();
        if (S.Exists)
        {
            // Reactivated (after a deactivation or a silo's death): a fresh id stream, never the first one replayed.
            S.Incarnation++;
            await _store.WriteStateAsync(cancellationToken);
        }

        _random = _rt.Random.For(Durability.Scope("cluster/" + Name, S.Incarnation));
        RebuildIndexes();
        _capacityChanged = S.Queue.Count > 0; // B-PQ-2: a placement pass a dead silo may not have run (capacity appeared, the tick never came)
        if (S.Exists)
        {
            StartTimer();
            await this.RegisterOrUpdateReminder(Durability.WakeReminder, Durability.WakePeriod(_rt), Durability.WakePeriod(_rt));
            WakeServices();
        }
    }

    /// <summary>
    /// The wake-up reminder: reminders outlive a silo's death (durable mode), timers do not. Firing reactivates this
    /// grain (which restarts its lifecycle timer) and wakes its services, whose timers run their reconciliation.
    /// </summary>
    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (!S.Exists)
        {
            if (await this.GetReminder(Durability.WakeReminder) is { } reminder)
            {
                await this.UnregisterReminder(reminder);
            }

            return;
        }

        if (Stopwatch.GetElapsedTime(_servicesWokenTicks) >= Durability.ServicesWakePeriod(_rt))
        {
            WakeServices();
        }
    }

    /// <summary>Write-through (durable mode): a change a caller was told about is in storage before the reply leaves.</summary>
    public async Task Invoke(IIncomingGrainCallContext context)
    {
        var started = Stopwatch.GetTimestamp();
        await context.Invoke();
        _rt.Metrics.RecordTurn("cluster", context.ImplementationMethod.Name, Stopwatch.GetElapsedTime(started));
        if (_rt.Options.WriteThrough && EventsPending)
        {
            await PersistEventLogAsync(); // before the state: the stored sequence never runs ahead of the stored log
        }

        if (_dirty && _rt.Options.WriteThrough && S.Exists)
        {
            _dirty = false;
            _lastPersistTicks = Stopwatch.GetTimestamp();
            await _store.WriteStateAsync();
        }
    }

    private void WakeServices()
    {
        _servicesWokenTicks = Stopwatch.GetTimestamp();
        foreach (var service in S.Services)
        {
            GrainFactory.GetGrain<IServiceGrain>(GrainKeys.Service(Name, service)).Describe().Ignore();
        }
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        await PersistEventLogOnDeactivationAsync(reason);
        if (_dirty && S.Exists)
        {
            await _store.WriteStateAsync(cancellationToken);
        }
    }

    // ------------------------------------------------------------------ cluster

    public async Task<ClusterInfo> Create(CreateClusterRequest request)
    {
        if (S.Exists && S.Status == "ACTIVE")
        {
            return Info();
        }

        S.Exists = true;
        S.Status = "ACTIVE";
        S.Tags = request.Tags;
        S.CreatedAt = Now;
        await _store.WriteStateAsync();
        StartTimer();
        await this.RegisterOrUpdateReminder(Durability.WakeReminder, Durability.WakePeriod(_rt), Durability.WakePeriod(_rt));
        return Info();
    }

    public Task<ClusterInfo?> Describe() => Task.FromResult(S.Exists ? Info() : null);

    public async Task<ClusterInfo> Delete()
    {
        EnsureExists();
        if (S.Services.Count > 0)
        {
            throw new EcsException(ErrorCodes.ClusterContainsServices, "The Cluster cannot be deleted while Services are active.");
        }

        if (S.Instances.Values.Any(i => i.Status != ContainerInstanceStatus.INACTIVE))
        {
            throw new EcsException(ErrorCodes.ClusterContainsContainerInstances, "The Cluster cannot be deleted while Container Instances are active or draining.");
        }

        if (S.Tasks.Values.Any(t => t.LastStatus != TaskStatus.STOPPED))
        {
            throw new EcsException(ErrorCodes.ClusterContainsTasks, "The Cluster cannot be deleted while Tasks are active.");
        }

        S.Status = "INACTIVE";
        var info = Info();
        S.Exists = false;
        S.Providers = ImmutableDictionary<string, ClusterProvider>.Empty;
        S.DefaultStrategy = [];
        S.Tasks.Clear();
        S.Instances.Clear();
        RebuildIndexes();
        _timer?.Dispose();
        _timer = null;
        _rt.Metrics.RemoveCluster(Name);
        await _store.WriteStateAsync();
        return info;
    }

    public async Task<ClusterInfo> SetCapacityProviders(ImmutableArray<ClusterProvider> providers, ImmutableArray<CapacityProviderStrategyItem> defaultStrategy)
    {
        EnsureExists();
        var names = providers.Select(p => p.Name).ToHashSet(StringComparer.Ordinal);

        // B-CP-5: removing a provider that tasks still use is refused.
        foreach (var removed in S.Providers.Keys.Where(n => !names.Contains(n)))
        {
            if (S.Tasks.Values.Any(t => t.CapacityProvider == removed && t.LastStatus != TaskStatus.STOPPED))
            {
                throw new EcsException(ErrorCodes.ResourceInUse, $"The specified capacity provider {removed} is in use and cannot be removed.");
            }
        }

        var strategyError = defaultStrategy.IsDefaultOrEmpty ? null : CapacityProviderStrategies.Validate(defaultStrategy, n => KindOf(providers, n));
        if (strategyError is not null)
        {
            throw ErrorCodes.Invalid(strategyError);
        }

        S.Providers = providers.ToImmutableDictionary(p => p.Name, StringComparer.Ordinal);
        S.DefaultStrategy = defaultStrategy.IsDefault ? [] : defaultStrategy;
        ReassignInstanceProviders();
        _capacityChanged = true;
        await _store.WriteStateAsync();
        return Info();
    }

    public Task UpdateProvider(ClusterProvider provider)
    {
        if (S.Providers.ContainsKey(provider.Name))
        {
            S.Providers = S.Providers.SetItem(provider.Name, provider);
            ReassignInstanceProviders();
            _capacityChanged = true;
            MarkDirty();
        }

        return Task.CompletedTask;
    }

    // ------------------------------------------------------------------ instances

    public Task<ContainerInstanceRecord> RegisterInstance(InstanceRegistration reg)
    {
        EnsureExists();
        if (_instanceByEc2.TryGetValue(reg.Ec2InstanceId, out var existingId)
            && S.Instances.TryGetValue(existingId, out var existing) && existing.Status != ContainerInstanceStatus.INACTIVE)
        {
            return Task.FromResult(existing);
        }

        var type = _rt.Catalog.Get(reg.InstanceType);
        var id = UnusedId();
        var zoneIndex = Math.Max(0, _rt.Options.AvailabilityZones.IndexOf(reg.AvailabilityZone));
        var attributes = ImmutableDictionary.CreateRange(StringComparer.Ordinal, new Dictionary<string, string>
        {
            ["ecs.availability-zone"] = reg.AvailabilityZone,
            ["ecs.instance-type"] = reg.InstanceType,
            ["ecs.os-type"] = "linux",
            ["ecs.os-family"] = "LINUX",
            ["ecs.cpu-architecture"] = type.Architecture,
            ["ecs.ami-id"] = "ami-0emulator" + (SeededRandomSource.StableHash(reg.InstanceType) & 0xffff).ToString("x4"),
            ["ecs.vpc-id"] = "vpc-0emulator000001",
            ["ecs.subnet-id"] = $"subnet-0emulator00000{zoneIndex + 1}",
            ["ecs.capability.spot-instance-draining"] = reg.SpotDraining ? "true" : "false",
        }).SetItems(reg.CustomAttributes);
        var record = new ContainerInstanceRecord(
            id, Name, reg.Ec2InstanceId, reg.InstanceType, reg.AvailabilityZone,
            ProviderForAsg(reg.AutoScalingGroup), reg.AutoScalingGroup, reg.IsSpot,
            ContainerInstanceStatus.ACTIVE, true, _rt.Catalog.Registered(type), ResourceSet.Zero,
            InstanceCatalog.AgentReservedPorts, attributes, Now, 1, 0, 0,
            ImmutableDictionary<string, int>.Empty, 0, reg.SpotDraining);
        S.Instances[id] = record;
        _instanceByEc2[reg.Ec2InstanceId] = id;
        _tasksByInstance[id] = new HashSet<string>(StringComparer.Ordinal);
        InstanceEvent(record);
        _capacityChanged = true;
        PokeAllServices();
        MarkDirty();
        LogRegistered(Name, id, reg.Ec2InstanceId, reg.InstanceType);
        return Task.FromResult(record);
    }

    public Task InstanceTerminated(string ec2InstanceId)
    {
        if (!_instanceByEc2.TryGetValue(ec2InstanceId, out var id) || !S.Instances.TryGetValue(id, out var instance))
        {
            return Task.CompletedTask;
        }

        // B-SP-3, B-CI-5: the host is gone; its tasks stop at once and the instance is deregistered.
        var code = StopReasons.HostStopCode(instance.IsSpot);
        var reason = StopReasons.HostTerminated(ec2InstanceId);
        foreach (var taskId in _tasksByInstance.GetValueOrDefault(id)?.ToList() ?? [])
        {
            var t = S.Tasks[taskId];
            if (t.LastStatus != TaskStatus.STOPPED)
            {
                Replace(t, TaskLifecycle.HostLost(t, code, reason, _rt.Options.Timings, Now));
            }
        }

        SetInstance(S.Instances[id] with { Status = ContainerInstanceStatus.INACTIVE, AgentConnected = false, Version = instance.Version + 1 });
        PokeAllServices();
        FlushPokes();
        MarkDirty();
        return Task.CompletedTask;
    }

    public Task<ImmutableArray<InstanceStateChange>> UpdateInstancesState(ImmutableArray<string> containerInstances, ContainerInstanceStatus status)
    {
        EnsureExists();
        if (status is not (ContainerInstanceStatus.ACTIVE or ContainerInstanceStatus.DRAINING))
        {
            throw ErrorCodes.Invalid("Container instances status should be one of [ACTIVE,DRAINING]");
        }

        var results = ImmutableArray.CreateBuilder<InstanceStateChange>();
        foreach (var reference in containerInstances)
        {
            var id = Arns.ShortName(reference);
            if (!S.Instances.TryGetValue(id, out var instance))
            {
                results.Add(new InstanceStateChange(id, null, "MISSING"));
                continue;
            }

            // B-CI-4: only ACTIVE <-> DRAINING through this API.
            if (instance.Status is not (ContainerInstanceStatus.ACTIVE or ContainerInstanceStatus.DRAINING))
            {
                results.Add(new InstanceStateChange(id, instance, $"INVALID_STATE: cannot change a {instance.Status} container instance to {status}"));
                continue;
            }

            results.Add(new InstanceStateChange(id, SetDraining(instance, status == ContainerInstanceStatus.DRAINING), null));
        }

        FlushPokes();
        MarkDirty();
        return Task.FromResult(results.ToImmutable());
    }

    public Task DrainEc2Instance(string ec2InstanceId)
    {
        if (_instanceByEc2.TryGetValue(ec2InstanceId, out var id) && S.Instances.TryGetValue(id, out var instance)
            && instance.Status == ContainerInstanceStatus.ACTIVE)
        {
            SetDraining(instance, true);
            FlushPokes();
            MarkDirty();
        }

        return Task.CompletedTask;
    }

    public Task<ContainerInstanceRecord> DeregisterInstance(string containerInstance, bool force)
    {
        EnsureExists();
        var id = Arns.ShortName(containerInstance);
        if (!S.Instances.TryGetValue(id, out var instance) || instance.Status == ContainerInstanceStatus.INACTIVE)
        {
            throw ErrorCodes.Invalid("The referenced container instance " + id + " is not active.");
        }

        var live = (_tasksByInstance.GetValueOrDefault(id) ?? []).Select(t => S.Tasks[t]).Where(t => t.LastStatus != TaskStatus.STOPPED).ToList();
        if (live.Count > 0 && !force)
        {
            throw ErrorCodes.Invalid("Found running tasks on the instance. Set force to true to deregister the container instance.");
        }

        // B-CI-5: forced deregistration orphans the tasks; the emulator stops them so services replace them.
        foreach (var t in live)
        {
            Replace(t, TaskLifecycle.HostLost(t, StopReasons.ServiceSchedulerInitiated, "Container instance deregistered", _rt.Options.Timings, Now));
        }

        var updated = S.Instances[id] with { Status = ContainerInstanceStatus.INACTIVE, AgentConnected = false, Version = instance.Version + 1 };
        SetInstance(updated);
        PokeAllServices();
        FlushPokes();
        MarkDirty();
        return Task.FromResult(updated);
    }

    public Task<ImmutableArray<ContainerInstanceRecord>> GetInstances() => Task.FromResult(S.Instances.Values.ToImmutableArray());

    public Task<ImmutableDictionary<string, int>> CountServiceTasks(ImmutableArray<string> ec2InstanceIds)
    {
        var result = ImmutableDictionary.CreateBuilder<string, int>(StringComparer.Ordinal);
        foreach (var ec2 in ec2InstanceIds)
        {
            if (_instanceByEc2.TryGetValue(ec2, out var id) && S.Instances.TryGetValue(id, out var inst) && inst.Status != ContainerInstanceStatus.INACTIVE)
            {
                result[ec2] = _tasksByInstance[id].Count(t => S.Tasks[t] is { ServiceName: not null, LastStatus: not TaskStatus.STOPPED });
            }
        }

        return Task.FromResult(result.ToImmutable());
    }

    // ------------------------------------------------------------------ tasks

    public Task<LaunchResult> LaunchTasks(LaunchRequest request)
    {
        EnsureExists();
        if (request.ClientToken is { } token && S.ClientTokenRecords.TryGetValue(token, out var previous))
        {
            switch (ClientTokens.Check(previous.Fingerprint, previous.At, request.RequestFingerprint, Now, ClientTokens.RunTaskTimeToLive))
            {
                case ClientTokenOutcome.Replay:
                    return Task.FromResult(new LaunchResult(previous.TaskIds.Where(S.Tasks.ContainsKey).Select(id => S.Tasks[id]).ToImmutableArray(), [], null));
                case ClientTokenOutcome.Conflict:
                    var arns = previous.TaskIds.Select(id => Arns.Task(_rt.Region, _rt.Account, Name, id)).ToImmutableArray();
                    throw new EcsException(ErrorCodes.Conflict,
                        $"The clientToken is already in use with a different RunTask request. resourceIds: [{string.Join(", ", arns)}]")
                    {
                        ResourceIds = arns,
                    };
                default:
                    S.ClientTokenRecords.Remove(token); // expired: the token starts afresh
                    break;
            }
        }

        var started = Stopwatch.GetTimestamp();
        var allocations = ResolveAllocations(request);
        var now = Now;
        var strategies = request.PlacementStrategies.IsDefault ? [] : request.PlacementStrategies;
        var constraints = (request.PlacementConstraints.IsDefault ? [] : request.PlacementConstraints)
            .AddRange(request.TaskDefinition.Spec.PlacementConstraints.IsDefault ? [] : request.TaskDefinition.Spec.PlacementConstraints);

        // Decide everything first (pure), then check the PROVISIONING quota, then apply: bad input changes nothing.
        var plans = new List<(ProviderAllocation Alloc, ClusterProvider? Provider, PlacementResult? Placement, int Queue)>();
        var failures = ImmutableArray.CreateBuilder<LaunchFailure>();
        string? message = null;
        var working = S.Instances.Values.ToList();
        PlacementResult? lastPlacement = null;
        foreach (var alloc in allocations.Where(a => a.Count > 0))
        {
            var provider = alloc.CapacityProvider is null ? null : S.Providers.GetValueOrDefault(alloc.CapacityProvider);
            if (IsFargate(request, provider))
            {
                plans.Add((alloc, provider, null, 0));
                continue;
            }

            var targets = request.TargetContainerInstances.IsDefaultOrEmpty ? [null] : request.TargetContainerInstances.Select(Arns.ShortName).Cast<string?>().ToList();
            foreach (var target in targets)
            {
                var count = target is null ? alloc.Count : 1;
                if (lastPlacement is not null)
                {
                    // B-PL-7: applied only when another placement follows (one O(instances) pass less per launch).
                    working = ApplyToWorkingCopy(working, lastPlacement, request);
                }

                var placement = PlacementEngine.Place(
                    working,
                    new PlacementRequest(request.TaskDefinition.Requirements, request.Group, count, strategies, constraints, alloc.CapacityProvider, target),
                    _random);
                lastPlacement = placement;
                var queue = 0;
                if (placement.Unplaced > 0)
                {
                    message = placement.Explanation is { } why && request.ServiceName is { } svc ? PlacementMessages.ServiceEvent(svc, why) : placement.Explanation?.Detail;
                    if (provider is { ManagedScaling: true } && target is null)
                    {
                        queue = placement.Unplaced; // B-PQ-1: wait in the provider's PROVISIONING queue.
                    }
                    else if (request.ServiceName is null)
                    {
                        failures.AddRange(Failures(placement)); // a service logs the placement event instead (B-PQ-1)
                    }
                }

                plans.Add((alloc with { Count = count }, provider, placement, queue));
            }
        }

        var queuedNow = S.Queue.Count;
        var toQueue = plans.Sum(p => p.Queue);
        if (toQueue > 0 && queuedNow + toQueue > _rt.Options.ProvisioningQueueLimit)
        {
            // B-PQ-3: the per-cluster PROVISIONING quota.
            throw ErrorCodes.Client(
                $"The number of tasks in the PROVISIONING state for cluster {Name} would exceed the limit of {_rt.Options.ProvisioningQueueLimit} (quota: tasks in the PROVISIONING state per cluster).");
        }

        var created = ImmutableArray.CreateBuilder<TaskRecord>();
        foreach (var (alloc, provider, placement, queue) in plans)
        {
            if (placement is null)
            {
                for (var i = 0; i < alloc.Count; i++)
                {
                    var t = NewTask(request, alloc.CapacityProvider, LaunchType.FARGATE, now);
                    t = TaskLifecycle.FargateAccepted(t, NextFargateZone(request.SubnetZones), _rt.Options.Timings, now, _random);
                    Add(t);
                    created.Add(t);
                }

                continue;
            }

            foreach (var a in placement.Placed)
            {
                var t = NewTask(request, alloc.CapacityProvider, LaunchType.EC2, now);
                Add(t);
                t = TaskLifecycle.Placed(t, S.Instances[a.ContainerInstanceId], a.HostPorts, _rt.Options.Timings, now, _random);
                Replace(S.Tasks[t.TaskId], t);
                created.Add(t);
            }

            for (var i = 0; i < queue; i++)
            {
                var t = NewTask(request, alloc.CapacityProvider, LaunchType.EC2, now);
                Add(t);
                S.Queue.Add(t.TaskId);
                S.QueuedPlacements[t.TaskId] = new QueuedPlacement(strategies, constraints);
                created.Add(t);
            }
        }

        if (request.ServiceName is { } service && message is not null)
        {
            _placementMessages[service] = message;
        }
        else if (request.ServiceName is { } placedService)
        {
            _placementMessages.Remove(placedService);
        }

        if (request.ClientToken is { } newToken)
        {
            if (S.ClientTokenRecords.Count % 256 == 255)
            {
                foreach (var expired in S.ClientTokenRecords.Where(r => now - r.Value.At >= ClientTokens.RunTaskTimeToLive).Select(r => r.Key).ToList())
                {
                    S.ClientTokenRecords.Remove(expired);
                }
            }

            S.ClientTokenRecords[newToken] = new ClientTokenRecord(request.RequestFingerprint, now, created.Select(t => t.TaskId).ToImmutableArray());
        }

        _rt.Metrics.RecordPlacement(Stopwatch.GetElapsedTime(started).TotalMilliseconds, created.Count);
        if (request.ServiceName is { } caller)
        {
            _servicesToPoke.Remove(caller);
        }

        FlushPokes();
        MarkDirty();
        return Task.FromResult(new LaunchResult(created.ToImmutable(), failures.ToImmutable(), message));
    }

    public Task<ImmutableArray<TaskRecord>> StopTasks(ImmutableArray<string> taskIds, string stopCode, string reason)
    {
        EnsureExists();
        var result = ImmutableArray.CreateBuilder<TaskRecord>();
        foreach (var reference in taskIds)
        {
            var id = Arns.ShortName(reference);
            if (!S.Tasks.TryGetValue(id, out var t))
            {
                throw ErrorCodes.Invalid("The referenced task was not found.");
            }

            result.Add(StopOne(t, stopCode, reason));
        }

        FlushPokes();
        MarkDirty();
        return Task.FromResult(result.ToImmutable());
    }

    public Task<ImmutableArray<string>> StopServiceTasks(string serviceName, string? capacityProvider, int count, ImmutableArray<PlacementStrategy> strategies, string reason)
    {
        var candidates = (_tasksByService.GetValueOrDefault(serviceName) ?? [])
            .Select(id => S.Tasks[id])
            .Where(t => t.DesiredStatus == DesiredStatus.RUNNING && !t.IsDaemon && t.CapacityProvider == capacityProvider)
            .Select(t => new StopCandidate(t.TaskId, t.Group, !t.IsQueued, t.LastStatus == TaskStatus.RUNNING,
                t.ContainerInstanceId is { } ci ? S.Instances.GetValueOrDefault(ci) : null))
            .ToList();
        var chosen = PlacementEngine.ChooseTasksToStop(candidates, count, strategies.IsDefault ? [] : strategies, _random);
        foreach (var id in chosen)
        {
            StopOne(S.Tasks[id], StopReasons.ServiceSchedulerInitiated, reason);
        }

        _servicesToPoke.Remove(serviceName);
        FlushPokes();
        MarkDirty();
        return Task.FromResult(chosen);
    }

    public Task<ImmutableArray<TaskRecord>> GetTasks(ImmutableArray<string> taskIds) =>
        Task.FromResult(taskIds.Select(Arns.ShortName).Where(S.Tasks.ContainsKey).Select(id => S.Tasks[id]).ToImmutableArray());

    public Task<ImmutableArray<TaskRecord>> ListTasks(TaskFilter filter)
    {
        IEnumerable<TaskRecord> tasks = filter.ServiceName is { } svc
            ? (_tasksByService.GetValueOrDefault(svc) ?? []).Select(id => S.Tasks[id])
            : S.Tasks.Values;
        if (filter.Family is { } family)
        {
            tasks = tasks.Where(t => t.Group == "family:" + family || FamilyOf(t.TaskDefinitionArn) == family);
        }

        if (filter.StartedBy is { } startedBy)
        {
            tasks = tasks.Where(t => t.StartedBy == startedBy);
        }

        if (filter.ContainerInstanceId is { } ci)
        {
            var id = Arns.ShortName(ci);
            tasks = tasks.Where(t => t.ContainerInstanceId == id);
        }

        if (filter.DesiredStatus is { } desired)
        {
            tasks = tasks.Where(t => t.DesiredStatus == desired);
        }

        if (filter.LaunchType is { } lt)
        {
            tasks = tasks.Where(t => t.LaunchType == lt);
        }

        return Task.FromResult(tasks.ToImmutableArray());
    }

    public Task<ServiceTasksSnapshot> GetServiceTasks(string serviceName, ImmutableArray<PlacementConstraint> daemonConstraints)
    {
        var now = Now;
        var ids = _tasksByService.GetValueOrDefault(serviceName);
        var views = ImmutableArray.CreateBuilder<ServiceTaskView>(ids?.Count ?? 0);

        // One pass, called on every reconciliation of every service: a service without a target group has no target
        // health to look up per task (TargetHealthy is then true).
        var balanced = S.TargetGroups.ContainsKey(serviceName);
        foreach (var id in ids ?? [])
        {
            var t = S.Tasks[id];
            views.Add(new ServiceTaskView(
                t.TaskId, t.DeploymentId, t.CapacityProvider, t.LastStatus, t.DesiredStatus,
                TaskLifecycle.IsHealthy(t, _rt.Options.Timings, now) && (!balanced || TargetHealthy(t, now)),
                t.ContainerInstanceId is { } ci && S.Instances.TryGetValue(ci, out var inst) && inst.Status != ContainerInstanceStatus.ACTIVE,
                t.ContainerInstanceId, t.StopCode, t.StoppedAt, t.StoppedReason));
        }

        var tasks = views.MoveToImmutable();
        var instances = ImmutableArray<DaemonInstanceView>.Empty;
        if (!daemonConstraints.IsDefault)
        {
            var expressions = daemonConstraints.Where(c => c.Type == PlacementConstraintType.memberOf && c.Expression is not null)
                .Select(c => ClusterQuery.Parse(c.Expression!)).ToList();
            instances = S.Instances.Values
                .Where(i => i.Status != ContainerInstanceStatus.INACTIVE)
                .Select(i => new DaemonInstanceView(
                    i.ContainerInstanceId, i.Status, i.AgentConnected && expressions.All(e => e.Evaluate(i)),
                    _tasksByInstance[i.ContainerInstanceId].Count(id => S.Tasks[id] is { ServiceName: not null, IsDaemon: false, LastStatus: not TaskStatus.STOPPED })))
                .ToImmutableArray();
        }

        return Task.FromResult(new ServiceTasksSnapshot(tasks, instances, _placementMessages.GetValueOrDefault(serviceName), S.Providers, S.DefaultStrategy));
    }

    public Task<ProviderSnapshot> GetProviderSnapshot(string capacityProvider)
    {
        var instances = S.Instances.Values
            .Where(i => i.CapacityProvider == capacityProvider && i.Status != ContainerInstanceStatus.INACTIVE)
            .ToImmutableArray();
        var queued = S.Queue
            .Select(id => S.Tasks[id])
            .Where(t => t.CapacityProvider == capacityProvider)
            .GroupBy(t => (t.Needs, Distinct: S.QueuedPlacements.GetValueOrDefault(t.TaskId)?.Constraints.Any(c => c.Type == PlacementConstraintType.distinctInstance) ?? false))
            .Select(g => new QueuedTaskNeeds(g.Key.Needs, g.Key.Distinct, g.Count()))
            .ToImmutableArray();
        return Task.FromResult(new ProviderSnapshot(instances, queued, S.Exists && S.Providers.ContainsKey(capacityProvider)));
    }

    public Task AddService(string serviceName)
    {
        EnsureExists();
        S.Services = S.Services.Add(serviceName);
        MarkDirty();
        return Task.CompletedTask;
    }

    public Task RemoveService(string serviceName)
    {
        S.Services = S.Services.Remove(serviceName);
        S.TargetGroups.Remove(serviceName);
        S.TargetGroupsSince.Remove(serviceName);
        ForgetSettledTargets(serviceName);
        MarkDirty();
        return Task.CompletedTask;
    }

    public Task AppendEvents(ImmutableArray<EmulatorEvent> events)
    {
        foreach (var e in events)
        {
            AddEvent(e);
        }

        return Task.CompletedTask;
    }

    public Task<EventPage> ReadEvents(long afterSequence, DateTimeOffset? since, int max)
    {
        var page = _events
            .Where(e => e.Sequence > afterSequence && (since is null || e.Time >= since))
            .Take(Math.Clamp(max, 1, 10_000))
            .ToImmutableArray();
        // An empty page answers the latest sequence (never past it), so a reader can start "from now".
        return Task.FromResult(new EventPage(page, page.IsEmpty ? Math.Clamp(afterSequence, 0, S.EventSequence) : page[^1].Sequence));
    }

    public Task<InvariantReport> CheckInvariants()
    {
        var violations = new List<string>();
        foreach (var instance in S.Instances.Values)
        {
            var onIt = _tasksByInstance.GetValueOrDefault(instance.ContainerInstanceId) ?? [];
            var recount = InstanceAccounting.Recount(instance, onIt.Select(id => S.Tasks[id]));

            // B-PL-7: never over-committed.
            if (!instance.Used.FitsWithin(instance.Registered) || !instance.Used.IsNonNegative)
            {
                violations.Add($"instance {instance.ContainerInstanceId} over-committed: used {instance.Used} of {instance.Registered}");
            }

            if (recount.Used != instance.Used || recount.NonDaemonTasks != instance.NonDaemonTasks
                || recount.RunningTasksCount != instance.RunningTasksCount || recount.PendingTasksCount != instance.PendingTasksCount
                || !recount.UsedPorts.SetEquals(instance.UsedPorts))
            {
                violations.Add($"instance {instance.ContainerInstanceId} counters drifted: stored {instance.Used}, tasks say {recount.Used}");
            }

            if (instance.Status == ContainerInstanceStatus.INACTIVE && onIt.Any(id => S.Tasks[id].LastStatus != TaskStatus.STOPPED))
            {
                violations.Add($"INACTIVE instance {instance.ContainerInstanceId} still has live tasks");
            }
        }

        // B-IT-5: the cost ledger agrees with a task-by-task sum.
        var now = Now;
        foreach (var g in S.Tasks.Values.GroupBy(CostGroup))
        {
            var expected = g.Sum(t => TaskCost(t, now));
            if (Math.Abs(_costLedger.At(g.Key, now) - expected) > 1e-9m)
            {
                violations.Add($"cost ledger drifted for {g.Key}: {_costLedger.At(g.Key, now)} kept, {expected} from the tasks");
            }
        }

        // Every task in exactly one state: the kept counts agree with the records.
        var counted = S.Tasks.Values.GroupBy(t => (t.LastStatus, t.ProviderOrLaunchType)).ToDictionary(g => g.Key, g => g.Count());
        if (counted.Count != _taskCounts.Count || counted.Any(kv => _taskCounts.GetValueOrDefault(kv.Key) != kv.Value))
        {
            violations.Add($"task counts drifted: kept {string.Join(", ", _taskCounts.Select(kv => $"{kv.Key}={kv.Value}"))}, records say {string.Join(", ", counted.Select(kv => $"{kv.Key}={kv.Value}"))}");
        }

        var queued = new HashSet<string>(StringComparer.Ordinal);
        foreach (var id in S.Queue)
        {
            if (!queued.Add(id))
            {
                violations.Add($"task {id} is in the PROVISIONING queue twice");
            }
        }

        foreach (var t in S.Tasks.Values)
        {
            var inQueue = queued.Contains(t.TaskId);
            if (t.IsQueued != inQueue)
            {
                violations.Add($"task {t.TaskId} ({t.LastStatus}, instance {t.ContainerInstanceId ?? "-"}) queued={t.IsQueued} but in queue={inQueue}");
            }

            if (t.LaunchType == LaunchType.EC2 && t.LastStatus is > TaskStatus.PROVISIONING and < TaskStatus.STOPPED && t.ContainerInstanceId is null)
            {
                violations.Add($"task {t.TaskId} is {t.LastStatus} without an instance");
            }

            if (t.DesiredStatus == DesiredStatus.STOPPED && t.LastStatus < TaskStatus.RUNNING)
            {
                violations.Add($"task {t.TaskId} desired STOPPED but {t.LastStatus}");
            }

            if (t.ContainerInstanceId is { } ci && !(_tasksByInstance.GetValueOrDefault(ci)?.Contains(t.TaskId) ?? false))
            {
                violations.Add($"task {t.TaskId} missing from instance {ci}'s index");
            }
        }

        return Task.FromResult(new InvariantReport(violations.ToImmutableArray(), S.Tasks.Count, S.Instances.Count, S.Queue.Count));
    }

    public Task SetLaunchFaults(LaunchFaults? faults)
    {
        S.Faults = faults;
        MarkDirty();
        return Task.CompletedTask;
    }

    public Task<TaskCostReport> GetTaskCosts() => Task.FromResult(TaskCostReportNow());

    public Task<ImmutableArray<InstanceAttribute>> PutAttributes(ImmutableArray<InstanceAttribute> attributes)
    {
        EnsureExists();
        var updated = new Dictionary<string, ContainerInstanceRecord>(StringComparer.Ordinal);

        // Validate everything first: bad input changes nothing.
        foreach (var a in attributes)
        {
            var id = Arns.ShortName(a.ContainerInstance);
            var instance = updated.GetValueOrDefault(id) ?? S.Instances.GetValueOrDefault(id);
            if (instance is null || instance.Status == ContainerInstanceStatus.INACTIVE)
            {
                throw new EcsException(ErrorCodes.TargetNotFound, $"The container instance {id} was not found in cluster {Name}.");
            }

            if (!InstanceAttributes.IsValidName(a.Name) || a.Value is { Length: > 128 })
            {
                throw ErrorCodes.Invalid($"Attribute name '{a.Name}' or its value is invalid: names are up to 128 letters, numbers, hyphens, underscores, slashes and periods; values up to 128 characters.");
            }

            if (InstanceAttributes.IsBuiltIn(a.Name))
            {
                throw ErrorCodes.Invalid($"Attribute {a.Name} is managed by Amazon ECS and cannot be changed.");
            }

            var attrs = instance.Attributes.SetItem(a.Name, a.Value ?? "");
            if (attrs.Keys.Count(k => !InstanceAttributes.IsBuiltIn(k)) > InstanceAttributes.MaxCustom)
            {
                throw new EcsException(ErrorCodes.LimitExceeded, $"The container instance {id} would have more than {InstanceAttributes.MaxCustom} custom attributes.");
            }

            updated[id] = instance with { Attributes = attrs, Version = instance.Version + 1 };
        }

        foreach (var i in updated.Values)
        {
            SetInstance(i);
            InstanceEvent(i);
        }

        _capacityChanged = true; // memberOf constraints may now match (B-PQ-2)
        return Task.FromResult(attributes);
    }

    public Task<ImmutableArray<InstanceAttribute>> DeleteAttributes(ImmutableArray<InstanceAttribute> attributes)
    {
        EnsureExists();
        foreach (var a in attributes)
        {
            var id = Arns.ShortName(a.ContainerInstance);
            if (!S.Instances.TryGetValue(id, out var instance))
            {
                throw new EcsException(ErrorCodes.TargetNotFound, $"The container instance {id} was not found in cluster {Name}.");
            }

            if (InstanceAttributes.IsBuiltIn(a.Name))
            {
                throw ErrorCodes.Invalid($"Attribute {a.Name} is managed by Amazon ECS and cannot be deleted.");
            }
        }

        foreach (var a in attributes)
        {
            var id = Arns.ShortName(a.ContainerInstance);
            var instance = S.Instances[id];
            SetInstance(instance with { Attributes = instance.Attributes.Remove(a.Name), Version = instance.Version + 1 });
        }

        return Task.FromResult(attributes);
    }

    public Task SetFargateSpotCapacity(bool available)
    {
        EnsureExists();
        S.FargateSpotAvailable = available;
        MarkDirty();
        return Task.CompletedTask;
    }

    public Task<ImmutableArray<string>> InterruptFargateSpotTasks(ImmutableArray<string> taskIds)
    {
        EnsureExists();
        var hit = ImmutableArray.CreateBuilder<string>();
        foreach (var id in taskIds.Select(Arns.ShortName))
        {
            // B-SP-4: TerminationNotice; the service replaces the task on FARGATE_SPOT (B-CP-4: never on FARGATE).
            if (S.Tasks.TryGetValue(id, out var t) && t.CapacityProvider == "FARGATE_SPOT" && t.DesiredStatus == DesiredStatus.RUNNING)
            {
                StopOne(t, StopReasons.TerminationNotice, StopReasons.FargateSpotInterrupted);
                hit.Add(id);
            }
        }

        FlushPokes();
        MarkDirty();
        return Task.FromResult(hit.ToImmutable());
    }

    public Task<ImmutableArray<string>> SetZoneOutage(string availabilityZone, bool @out, DateTimeOffset? until)
    {
        EnsureExists();
        var lost = ImmutableArray.CreateBuilder<string>();
        if (!@out)
        {
            S.ZoneOutages.Remove(availabilityZone);
            MarkDirty();
            return Task.FromResult(lost.ToImmutable());
        }

        S.ZoneOutages[availabilityZone] = until;
        foreach (var t in S.Tasks.Values.Where(t => t.LaunchType == LaunchType.FARGATE && t.AvailabilityZone == availabilityZone && t.LastStatus != TaskStatus.STOPPED).ToList())
        {
            Replace(t, TaskLifecycle.HostLost(t, StopReasons.HostStopCode(t.CapacityProvider == "FARGATE_SPOT"), StopReasons.ZoneLost(availabilityZone), _rt.Options.Timings, Now));
            lost.Add(t.TaskId);
        }

        PokeAllServices();
        FlushPokes();
        MarkDirty();
        return Task.FromResult(lost.ToImmutable());
    }

    public Task<ImmutableArray<PlacementExplanationInfo>> ExplainPlacement(LaunchRequest request)
    {
        EnsureExists();
        var strategies = request.PlacementStrategies.IsDefault ? [] : request.PlacementStrategies;
        var constraints = (request.PlacementConstraints.IsDefault ? [] : request.PlacementConstraints)
            .AddRange(request.TaskDefinition.Spec.PlacementConstraints.IsDefault ? [] : request.TaskDefinition.Spec.PlacementConstraints);
        var result = ImmutableArray.CreateBuilder<PlacementExplanationInfo>();
        var working = S.Instances.Values.ToList();

        // A copy of the random stream: explaining must not change what a later real placement chooses.
        var random = new Random(SeededRandomSource.StableHash(Name + "/explain"));
        foreach (var alloc in ResolveAllocations(request).Where(a => a.Count > 0))
        {
            var provider = alloc.CapacityProvider is null ? null : S.Providers.GetValueOrDefault(alloc.CapacityProvider);
            if (IsFargate(request, provider))
            {
                result.Add(new PlacementExplanationInfo(alloc.CapacityProvider, alloc.Count, 0, null, null, [], [], "Fargate tasks need no container instance."));
                continue;
            }

            var placement = PlacementEngine.Place(
                working,
                new PlacementRequest(request.TaskDefinition.Requirements, request.Group, alloc.Count, strategies, constraints, alloc.CapacityProvider),
                random,
                explain: true);
            working = ApplyToWorkingCopy(working, placement, request);
            var why = placement.Explanation;
            result.Add(new PlacementExplanationInfo(
                alloc.CapacityProvider, placement.Placed.Length, placement.Unplaced, why?.Reason, why?.ClosestContainerInstanceId,
                why?.Rejected.Select(r => new LaunchFailure(Arns.ContainerInstance(_rt.Region, _rt.Account, Name, r.ContainerInstanceId), r.Reason, null)).ToImmutableArray() ?? [],
                why?.Ranking ?? [],
                why?.Detail ?? ""));
        }

        return Task.FromResult(result.ToImmutable());
    }

    // ------------------------------------------------------------------ the tick

    private async Task Tick(CancellationToken cancellationToken)
    {
        _timer?.Fired();
        try
        {
            await TickCore(cancellationToken);
        }
        finally
        {
            // B-T-3: the next wake is the next tick of the absolute grid or the earliest due transition, whichever
            // comes first (a stale queue entry only wakes the grain early).
            _timer?.Arm(TickSchedule.NextWake(_nextTickAt, _due.TryPeek(out _, out var due) ? due : null));
        }
    }

    private async Task TickCore(CancellationToken cancellationToken)
    {
        var now = Now;
        var timings = _rt.Options.Timings;

        // B-T-3: the tick is due every TickPeriod of emulated time on a fixed grid; how late it came is timer lag too
        // (what steady state has when no task transition is due). A wake for a due transition between two ticks
        // does the same work but is not a tick.
        if (now >= _nextTickAt)
        {
            foreach (var late in TickSchedule.LateTicks(_nextTickAt, now, _rt.Options.TickPeriod))
            {
                _rt.Metrics.RecordLag(late, LagSources.ClusterTick);
            }

            _nextTickAt = TickSchedule.NextTick(_nextTickAt, now, _rt.Options.TickPeriod);
        }

        while (_due.TryPeek(out var id, out var due) && due <= now)
        {
            _due.Dequeue();
            if (!S.Tasks.TryGetValue(id, out var t) || t.NextTransitionAt != due)
            {
                continue; // superseded by a later change
            }

            _rt.Metrics.RecordLag(TimerLag.Of(due, now), LagSources.TaskTransition);
            if (TaskLifecycle.ShouldBeDeleted(t, now))
            {
                Remove(t);
                continue;
            }

            if (!S.FargateSpotAvailable && t.CapacityProvider == "FARGATE_SPOT" && t.LastStatus == TaskStatus.PROVISIONING
                && t.DesiredStatus == DesiredStatus.RUNNING)
            {
                // B-PQ-4: no Spot capacity in its AZs: the task stays PROVISIONING and tries again later.
                Replace(t, t with { NextTransitionAt = now + _rt.Options.TickPeriod * 5 });
                continue;
            }

            var next = TaskLifecycle.Advance(t, timings, now, _random);
            if (!ReferenceEquals(next, t))
            {
                Replace(t, next);
            }
        }

        // B-PQ-3: a task waits in PROVISIONING at most the configured time (the queue is in arrival order).
        while (S.Queue.Count > 0 && S.Tasks.TryGetValue(S.Queue[0], out var head) && TaskLifecycle.ProvisioningTimedOut(head, timings, now))
        {
            StopOne(head, StopReasons.TaskFailedToStart, StopReasons.CapacityUnavailable);
        }

        if (_capacityChanged)
        {
            _capacityChanged = false;
            PlaceQueued();
        }

        FlushPokes();
        PublishFigures();
        if (_dirty && Stopwatch.GetElapsedTime(_lastPersistTicks) >= PersistInterval)
        {
            _dirty = false;
            _lastPersistTicks = Stopwatch.GetTimestamp();
            await PersistEventLogAsync();
            await _store.WriteStateAsync(cancellationToken);
        }
    }

    /// <summary>B-PQ-2: when capacity appears, queued tasks are placed in arrival order.</summary>
    private void PlaceQueued()
    {
        if (S.Queue.Count == 0)
        {
            return;
        }

        var now = Now;
        var index = 0;
        var blocked = new HashSet<(string?, string, string)>();
        while (index < S.Queue.Count)
        {
            var head = S.Tasks[S.Queue[index]];
            var spec = S.QueuedPlacements.GetValueOrDefault(head.TaskId) ?? new QueuedPlacement([], []);
            var key = (head.CapacityProvider, head.Needs.Key + "|" + head.Group, string.Join(';', spec.Constraints.Select(c => c.Type + c.Expression)));

            // The run of identical tasks that starts here is placed as one batch.
            var run = new List<TaskRecord> { head };
            for (var j = index + 1; j < S.Queue.Count; j++)
            {
                var t = S.Tasks[S.Queue[j]];
                if (t.CapacityProvider != head.CapacityProvider || t.Group != head.Group || !t.Needs.Equals(head.Needs)
                    || S.QueuedPlacements.GetValueOrDefault(t.TaskId) != spec)
                {
                    break;
                }

                run.Add(t);
            }

            if (blocked.Contains(key))
            {
                index += run.Count;
                continue;
            }

            var placement = PlacementEngine.Place(
                S.Instances.Values.ToList(),
                new PlacementRequest(head.Needs, head.Group, run.Count, spec.Strategies, spec.Constraints, head.CapacityProvider),
                _random);
            foreach (var a in placement.Placed)
            {
                var t = run[a.TaskIndex];
                S.Queue.Remove(t.TaskId);
                S.QueuedPlacements.Remove(t.TaskId);
                Replace(t, TaskLifecycle.Placed(t, S.Instances[a.ContainerInstanceId], a.HostPorts, _rt.Options.Timings, now, _random));
            }

            if (placement.Unplaced > 0)
            {
                blocked.Add(key);
                index += placement.Unplaced;
            }
        }
    }

    // ------------------------------------------------------------------ helpers

    private ImmutableArray<ProviderAllocation> ResolveAllocations(LaunchRequest request)
    {
        if (!request.Allocations.IsDefaultOrEmpty)
        {
            foreach (var a in request.Allocations)
            {
                if (a.CapacityProvider is { } p && !S.Providers.ContainsKey(p))
                {
                    throw ErrorCodes.Invalid($"The specified capacity provider {p} is not associated with the cluster {Name}.");
                }
            }

            return request.Allocations;
        }

        // B-CP-2: the request's strategy, else its launch type, else the cluster's default strategy.
        if (request.LaunchType is not null && !request.Strategy.IsDefaultOrEmpty)
        {
            throw ErrorCodes.Invalid("Specifying both a launch type and capacity provider strategy is not supported.");
        }

        if (request.LaunchType is not null)
        {
            return [new ProviderAllocation(null, request.Count)];
        }

        var strategy = !request.Strategy.IsDefaultOrEmpty ? request.Strategy : S.DefaultStrategy;
        if (strategy.IsDefaultOrEmpty)
        {
            return [new ProviderAllocation(null, request.Count)];
        }

        var error = CapacityProviderStrategies.Validate(strategy, n => KindOf(S.Providers.Values, n));
        if (error is not null)
        {
            throw ErrorCodes.Invalid(error);
        }

        return CapacityProviderStrategies.Split(strategy, request.Count)
            .Select(p => new ProviderAllocation(p.CapacityProvider, p.Count))
            .ToImmutableArray();
    }

    private static ProviderKind? KindOf(IEnumerable<ClusterProvider> providers, string name)
    {
        var p = providers.FirstOrDefault(x => x.Name == name);
        return p?.Type switch
        {
            ProviderType.AutoScalingGroup => ProviderKind.AutoScalingGroup,
            ProviderType.Fargate => ProviderKind.Fargate,
            ProviderType.FargateSpot => ProviderKind.FargateSpot,
            _ => null,
        };
    }

    private static bool IsFargate(LaunchRequest request, ClusterProvider? provider) =>
        provider?.Type is ProviderType.Fargate or ProviderType.FargateSpot
        || (provider is null && request.LaunchType == LaunchType.FARGATE);

    private List<ContainerInstanceRecord> ApplyToWorkingCopy(List<ContainerInstanceRecord> working, PlacementResult placement, LaunchRequest request)
    {
        if (placement.Placed.IsEmpty)
        {
            return working;
        }

        // Later allocations of the same request must see the resources the earlier ones took (B-PL-7).
        var byId = working.ToDictionary(i => i.ContainerInstanceId, StringComparer.Ordinal);
        foreach (var a in placement.Placed)
        {
            var probe = new TaskRecord("probe", Name, "", request.TaskDefinition.Requirements, request.Group, null, null, null, null,
                LaunchType.EC2, a.ContainerInstanceId, null, null, TaskStatus.PENDING, DesiredStatus.RUNNING, 0, Now, null, null, null,
                null, null, null, request.IsDaemon, a.HostPorts, null, null, 0, null);
            byId[a.ContainerInstanceId] = InstanceAccounting.ApplyTaskChange(byId[a.ContainerInstanceId], null, probe);
        }

        return [.. byId.Values];
    }

    private List<LaunchFailure> Failures(PlacementResult placement)
    {
        var why = placement.Explanation;
        if (why is null || why.Rejected.IsEmpty || why.Reason is null)
        {
            // No usable container instance at all: AWS answers RunTask with an error, not a failure entry.
            throw ErrorCodes.Invalid(why?.Detail is { Length: > 0 } detail ? detail : PlacementMessages.NoInstancesInCluster);
        }

        return why.Rejected
            .Select(r => new LaunchFailure(Arns.ContainerInstance(_rt.Region, _rt.Account, Name, r.ContainerInstanceId), r.Reason, null))
            .ToList();
    }

    private TaskRecord NewTask(LaunchRequest request, string? provider, LaunchType launchType, DateTimeOffset now)
    {
        var t = TaskLifecycle.New(
            UnusedId(), Name, request.TaskDefinition.Arn, request.TaskDefinition.Requirements, request.Group,
            request.StartedBy, request.ServiceName, request.DeploymentId, provider, launchType, request.IsDaemon,
            request.TaskDefinition.StopTimeoutSeconds, now);
        if (S.Faults is { } f && (f.Until is null || f.Until > now) && (f.ServiceName is null || f.ServiceName == request.ServiceName)
            && _random.NextDouble() < f.Probability)
        {
            t = t with { FailureInjected = f.Reason };
        }

        return t;
    }

    private string NextFargateZone(ImmutableArray<string> subnetZones)
    {
        // Chaos AZ outage: Fargate places nothing in a zone that is out (unless every zone is). awsvpc: the subnets' zones.
        var now = Now;
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var t in S.Tasks.Values)
        {
            if (t.LaunchType == LaunchType.FARGATE && t.LastStatus != TaskStatus.STOPPED && t.AvailabilityZone is { } z)
            {
                counts[z] = counts.GetValueOrDefault(z) + 1;
            }
        }

        return SubnetPlacement.FargateZone(_rt.Options.AvailabilityZones, subnetZones,
            z => S.ZoneOutages.TryGetValue(z, out var until) && (until is null || until > now), counts);
    }

    private TaskRecord StopOne(TaskRecord t, string stopCode, string reason)
    {
        if (t.IsQueued)
        {
            S.Queue.Remove(t.TaskId);
            S.QueuedPlacements.Remove(t.TaskId);
        }

        var stopped = TaskLifecycle.RequestStop(t, stopCode, reason, _rt.Options.Timings, Now, DeregistrationDelay(t));
        if (!ReferenceEquals(stopped, t))
        {
            Replace(t, stopped);
        }

        return stopped;
    }

    private ContainerInstanceRecord SetDraining(ContainerInstanceRecord instance, bool draining)
    {
        var status = draining ? ContainerInstanceStatus.DRAINING : ContainerInstanceStatus.ACTIVE;
        if (instance.Status == status)
        {
            return instance;
        }

        var updated = instance with { Status = status, Version = instance.Version + 1 };
        SetInstance(updated);
        InstanceEvent(updated);
        if (draining)
        {
            // B-CI-3: PENDING service tasks on a DRAINING instance stop at once; RUNNING ones are replaced by their
            // service within its min/max percent; standalone tasks are not touched.
            foreach (var id in _tasksByInstance[instance.ContainerInstanceId].ToList())
            {
                var t = S.Tasks[id];
                if (t.ServiceName is not null && !t.IsDaemon && t.DesiredStatus == DesiredStatus.RUNNING && t.LastStatus < TaskStatus.RUNNING)
                {
                    StopOne(t, StopReasons.ServiceSchedulerInitiated, "Container instance is draining");
                }
            }
        }
        else
        {
            _capacityChanged = true;
        }

        PokeAllServices();
        return updated;
    }

    /// <summary>Adds a new task record and indexes it.</summary>
    private void Add(TaskRecord t)
    {
        S.Tasks[t.TaskId] = t;
        if (t.ServiceName is { } svc)
        {
            if (!_tasksByService.TryGetValue(svc, out var set))
            {
                _tasksByService[svc] = set = new HashSet<string>(StringComparer.Ordinal);
            }

            set.Add(t.TaskId);
        }

        Index(null, t);
        TaskEvent(t);
    }

    /// <summary>Replaces a task record: keeps instance accounting, indexes, timers and events in step (B-TL-2).</summary>
    private void Replace(TaskRecord before, TaskRecord after)
    {
        S.Tasks[after.TaskId] = after;
        if (before.ContainerInstanceId is { } oldCi && S.Instances.TryGetValue(oldCi, out var oldInst))
        {
            S.Instances[oldCi] = InstanceAccounting.ApplyTaskChange(oldInst, before, after.ContainerInstanceId == oldCi ? after : null);
        }

        if (after.ContainerInstanceId is { } newCi && newCi != before.ContainerInstanceId && S.Instances.TryGetValue(newCi, out var newInst))
        {
            S.Instances[newCi] = InstanceAccounting.ApplyTaskChange(newInst, null, after);
        }

        Index(before, after);
        if (after.Version != before.Version)
        {
            TaskEvent(after);
        }

        if (after.LastStatus == TaskStatus.STOPPED && before.LastStatus != TaskStatus.STOPPED && before.ContainerInstanceId is not null)
        {
            _capacityChanged = true; // B-PQ-2: a task stopped, capacity appeared
        }

        if (after.ServiceName is { } svc && (after.LastStatus != before.LastStatus || after.DesiredStatus != before.DesiredStatus))
        {
            _servicesToPoke.Add(svc);
        }

        _dirty = true;
    }

    private void Remove(TaskRecord t)
    {
        // B-IT-5: a deleted task's cost stays in the totals.
        var cost = TaskCost(t, Now);
        if (t.ServiceName is { } service)
        {
            S.DeletedTaskCostByService[service] = S.DeletedTaskCostByService.GetValueOrDefault(service) + cost;
        }

        var key = t.ProviderOrLaunchType;
        S.DeletedTaskCostByProvider[key] = S.DeletedTaskCostByProvider.GetValueOrDefault(key) + cost;
        if (t.LaunchType == LaunchType.FARGATE)
        {
            S.DeletedFargateCost += cost;
        }

        S.Tasks.Remove(t.TaskId);
        LedgerTask(t.TaskId, null);
        Count(t, -1);
        ForgetSettledTargets(t.ServiceName);
        if (t.ServiceName is { } svc)
        {
            _tasksByService.GetValueOrDefault(svc)?.Remove(t.TaskId);
        }

        if (t.ContainerInstanceId is { } ci)
        {
            _tasksByInstance.GetValueOrDefault(ci)?.Remove(t.TaskId);
        }

        _dirty = true;
    }

    private void Index(TaskRecord? before, TaskRecord after)
    {
        ForgetSettledTargets(after.ServiceName);
        if (before is not null)
        {
            Count(before, -1);
        }

        Count(after, +1);
        LedgerTask(after.TaskId, after);
        if (before?.ContainerInstanceId is { } oldCi && oldCi != after.ContainerInstanceId)
        {
            _tasksByInstance.GetValueOrDefault(oldCi)?.Remove(after.TaskId);
        }

        if (after.ContainerInstanceId is { } ci)
        {
            if (!_tasksByInstance.TryGetValue(ci, out var set))
            {
                _tasksByInstance[ci] = set = new HashSet<string>(StringComparer.Ordinal);
            }

            set.Add(after.TaskId);
        }

        if (after.NextTransitionAt is { } due && due != before?.NextTransitionAt)
        {
            _due.Enqueue(after.TaskId, due);
            _timer?.ArmNoLaterThan(due); // B-T-3: handled when due, not at the next tick
        }
    }

    private void SetInstance(ContainerInstanceRecord instance)
    {
        S.Instances[instance.ContainerInstanceId] = instance;
        _dirty = true;
    }

    /// <summary>Tasks by (lastStatus, capacity provider or launch type), kept as records change: gauges and Describe read it without a pass over every task.</summary>
    private void Count((TaskStatus Status, string Provider) key, int delta)
    {
        var n = _taskCounts.GetValueOrDefault(key) + delta;
        if (n == 0)
        {
            _taskCounts.Remove(key);
        }
        else
        {
            _taskCounts[key] = n;
        }
    }

    private void Count(TaskRecord t, int delta) => Count((t.LastStatus, t.ProviderOrLaunchType), delta);

    private int CountTasks(TaskStatus status) => _taskCounts.Where(kv => kv.Key.Status == status).Sum(kv => kv.Value);

    private void RebuildIndexes()
    {
        _settledTargets.Clear();
        _taskCounts.Clear();
        _costTerms.Clear();
        _costLedger.Clear();
        _due.Clear();
        _tasksByInstance.Clear();
        _tasksByService.Clear();
        _instanceByEc2.Clear();
        foreach (var i in S.Instances.Values)
        {
            _tasksByInstance[i.ContainerInstanceId] = new HashSet<string>(StringComparer.Ordinal);
            _instanceByEc2[i.Ec2InstanceId] = i.ContainerInstanceId;
        }

        foreach (var t in S.Tasks.Values)
        {
            if (t.ServiceName is { } svc)
            {
                if (!_tasksByService.TryGetValue(svc, out var set))
                {
                    _tasksByService[svc] = set = new HashSet<string>(StringComparer.Ordinal);
                }

                set.Add(t.TaskId);
            }

            Index(null, t);
        }

        // Reconcile the accounting with the tasks (what was persisted is the truth).
        foreach (var id in S.Instances.Keys.ToList())
        {
            S.Instances[id] = InstanceAccounting.Recount(S.Instances[id], _tasksByInstance[id].Select(t => S.Tasks[t]));
        }
    }

    private void ReassignInstanceProviders()
    {
        foreach (var i in S.Instances.Values.ToList())
        {
            var p = ProviderForAsg(i.AutoScalingGroup);
            if (p != i.CapacityProvider)
            {
                S.Instances[i.ContainerInstanceId] = i with { CapacityProvider = p };
            }
        }
    }

    private string? ProviderForAsg(string? asg) =>
        asg is null ? null : S.Providers.Values.FirstOrDefault(p => p.AutoScalingGroup == asg)?.Name;

    private void PokeAllServices()
    {
        foreach (var s in S.Services)
        {
            _servicesToPoke.Add(s);
        }
    }

    private void FlushPokes()
    {
        foreach (var s in _servicesToPoke)
        {
            GrainFactory.GetGrain<IServiceGrain>(GrainKeys.Service(Name, s)).Poke().Ignore();
        }

        _servicesToPoke.Clear();
    }

    private void TaskEvent(TaskRecord t) =>
        AddEvent(new EmulatorEvent(0, RandomIds.Uuid(_random), EventTypes.TaskStateChange, EventTypes.SourceEcs, Now,
            [Arns.Task(_rt.Region, _rt.Account, Name, t.TaskId)], ImmutableDictionary<string, string>.Empty, t, null));

    private void InstanceEvent(ContainerInstanceRecord i) =>
        AddEvent(new EmulatorEvent(0, RandomIds.Uuid(_random), EventTypes.ContainerInstanceStateChange, EventTypes.SourceEcs, Now,
            [Arns.ContainerInstance(_rt.Region, _rt.Account, Name, i.ContainerInstanceId)], ImmutableDictionary<string, string>.Empty, null, i));

    /// <summary>B-EV-3: events are numbered in arrival order per cluster; the oldest are dropped past the capacity.</summary>
    private void AddEvent(EmulatorEvent e)
    {
        _events.Add(e with { Sequence = ++S.EventSequence });
        var capacity = _rt.Options.EventLogCapacity;
        if (_events.Count > capacity + capacity / 4)
        {
            _events.RemoveRange(0, _events.Count - capacity);
        }
    }

    private void PublishFigures()
    {
        // The gauges are read every few seconds at most: a pass over every task each tick would cost a core at 6000x.
        if (Stopwatch.GetElapsedTime(_lastFiguresTicks) < TimeSpan.FromMilliseconds(250))
        {
            return;
        }

        _lastFiguresTicks = Stopwatch.GetTimestamp();
        var byState = _taskCounts.ToDictionary(kv => (kv.Key.Status.ToString(), kv.Key.Provider), kv => kv.Value);

        var registered = ResourceSet.Zero;
        var used = ResourceSet.Zero;
        foreach (var i in S.Instances.Values)
        {
            if (i.Status != ContainerInstanceStatus.INACTIVE)
            {
                registered += i.Registered;
                used += i.Used;
            }
        }

        if (++_figuresPublished % 4 == 0)
        {
            var costs = TaskCostReportNow();
            foreach (var (service, usd) in costs.ByService)
            {
                _rt.Metrics.RecordCost("ServiceName", service, Name, usd);
            }

            foreach (var (provider, usd) in costs.ByCapacityProvider)
            {
                _rt.Metrics.RecordCost("CapacityProviderName", provider, Name, usd);
            }
        }

        _rt.Metrics.RecordCluster(Name, new ClusterFigures(
            byState,
            registered.Cpu == 0 ? 0 : 100.0 * used.Cpu / registered.Cpu,
            registered.Memory == 0 ? 0 : 100.0 * used.Memory / registered.Memory,
            S.Queue.Count));
        PublishReservationMetrics(registered, used);
    }

    /// <summary>B-IT-5: what the task has cost so far.</summary>
    private decimal TaskCost(TaskRecord t, DateTimeOffset now) => CostTerms(t).At(now);

    /// <summary>The cost group of a task: its service, its capacity provider (or launch type), Fargate or not.</summary>
    private static (string Service, string Provider, bool Fargate) CostGroup(TaskRecord t) =>
        (t.ServiceName ?? "", t.ProviderOrLaunchType, t.LaunchType == LaunchType.FARGATE);

    /// <summary>Keeps the cost ledger in step with a task record (null: the task is gone).</summary>
    private void LedgerTask(string taskId, TaskRecord? after)
    {
        if (_costTerms.Remove(taskId, out var old))
        {
            _costLedger.Remove(old.Group, old.Terms);
        }

        if (after is not null)
        {
            var entry = (CostGroup(after), CostTerms(after));
            _costTerms[taskId] = entry;
            _costLedger.Add(entry.Item1, entry.Item2);
        }
    }

    private TaskCostTerms CostTerms(TaskRecord t)
    {
        if (t.ContainerInstanceId is { } ci && S.Instances.TryGetValue(ci, out var instance))
        {
            var hourly = _rt.Catalog.Get(instance.InstanceType).OnDemandPricePerHour;
            if (instance.IsSpot)
            {
                hourly = AutoScalingGroups.SpotPrice(hourly, _rt.Options.SpotPriceFraction);
            }

            return TaskCosts.Terms(t, hourly, instance.Registered.Cpu);
        }

        return TaskCosts.Terms(t, null, 0);
    }

    /// <summary>B-IT-5: the cluster's task costs now, from the ledger (one pass over the cost groups, not over the tasks).</summary>
    private TaskCostReport TaskCostReportNow()
    {
        var now = Now;
        var byService = new Dictionary<string, decimal>(S.DeletedTaskCostByService, StringComparer.Ordinal);
        var byProvider = new Dictionary<string, decimal>(S.DeletedTaskCostByProvider, StringComparer.Ordinal);
        var fargate = S.DeletedFargateCost;
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

    private ClusterInfo Info()
    {
        var registered = ResourceSet.Zero;
        var used = ResourceSet.Zero;
        var count = 0;
        foreach (var i in S.Instances.Values)
        {
            if (i.Status != ContainerInstanceStatus.INACTIVE)
            {
                registered += i.Registered;
                used += i.Used;
                count++;
            }
        }

        return new ClusterInfo(
            Name, Arns.Cluster(_rt.Region, _rt.Account, Name), S.Status, count,
            CountTasks(TaskStatus.RUNNING),
            CountTasks(TaskStatus.PENDING),
            S.Services.Count, S.Providers.Keys.Order(StringComparer.Ordinal).ToImmutableArray(), S.DefaultStrategy,
            S.Queue.Count, S.Tags, S.Services.ToImmutableArray(), registered, used);
    }

    private void StartTimer()
    {
        if (_timer is null)
        {
            _timer = DueTimer.Register(this, Tick, _rt.Clock);
            _nextTickAt = Now + _rt.Options.TickPeriod;
            _timer.Arm(TickSchedule.NextWake(_nextTickAt, _due.TryPeek(out _, out var due) ? due : null));
        }
    }

    private void MarkDirty() => _dirty = true;

    /// <summary>A task / container instance id not used in this cluster (an id stream never hands out a live id twice).</summary>
    private string UnusedId()
    {
        var id = RandomIds.TaskId(_random);
        while (S.Tasks.ContainsKey(id) || S.Instances.ContainsKey(id))
        {
            id = RandomIds.TaskId(_random);
        }

        return id;
    }

    private void EnsureExists()
    {
        if (!S.Exists)
        {
            throw new EcsException(ErrorCodes.ClusterNotFound, "Cluster not found.");
        }
    }

    private static string FamilyOf(string taskDefinitionArn)
    {
        var s = Arns.ShortName(taskDefinitionArn);
        var colon = s.LastIndexOf(':');
        return colon > 0 ? s[..colon] : s;
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Cluster {Cluster}: container instance {Id} registered for {Ec2} ({Type})")]
    private partial void LogRegistered(string cluster, string id, string ec2, string type);

    // ------------------------------------------------------------------ CloudWatch (AWS/ECS)

    private DateTimeOffset _nextReservationMetricsAt;

    /// <summary>AWS/ECS CPUReservation / MemoryReservation to the CloudWatch store, once per metric period (emulated).</summary>
    private void PublishReservationMetrics(ResourceSet registered, ResourceSet used)
    {
        var now = Now;
        if (now < _nextReservationMetricsAt)
        {
            return;
        }

        _nextReservationMetricsAt = now + _rt.Options.Timings.MetricPeriod;
        PublishCostMetrics(now);
        GrainFactory.GetGrain<IMetricStoreGrain>(MetricNamespaces.Ecs).Put([
            MetricNamespaces.Datum("CPUReservation", now, registered.Cpu == 0 ? 0 : 100.0 * used.Cpu / registered.Cpu, "Percent", ("ClusterName", Name)),
            MetricNamespaces.Datum("MemoryReservation", now, registered.Memory == 0 ? 0 : 100.0 * used.Memory / registered.Memory, "Percent", ("ClusterName", Name))]).Ignore();
    }
}
