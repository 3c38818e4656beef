using System.Collections.Immutable;
using System.Diagnostics;
using Emulator.Contracts;
using Emulator.Model.Cluster;
using Emulator.Model.Scaling;
using Emulator.Model.Time;
using Emulator.Runtime;
using Microsoft.Extensions.Logging;
using TaskStatus = Emulator.Contracts.TaskStatus;

namespace Emulator.Grains;

/// <summary>
/// An ECS cluster. Its records (tasks, container instances, the PROVISIONING queue) and every index over them live in
/// a <see cref="ClusterBook"/> working on the persisted state; launch decisions are made by
/// <see cref="LaunchPlanner"/>, the queue by <see cref="QueuePlacer"/>, the other rules by
/// <see cref="ClusterRules"/> and <see cref="ContainerInstanceRules"/> (pure model, tested without a silo). A call
/// reads: validate, plan, apply to the book, persist; the book's observer (<see cref="Notices"/>) emits the events,
/// arms the timer and tells services what changed.
/// Partial files: instances, tasks, the tick, chaos knobs, figures, events, load balancing, the event log.
/// </summary>
public sealed partial class ClusterGrain : Grain, IClusterGrain, IRemindable, IIncomingGrainCallFilter
{
    private static readonly TimeSpan PersistEvery = TimeSpan.FromMilliseconds(500);

    private readonly IPersistentState<ClusterState> _store;
    private readonly EmulatorRuntime _rt;
    private readonly ILogger<ClusterGrain> _log;
    private readonly Dictionary<string, string> _placementMessages = new(StringComparer.Ordinal);
    private readonly HashSet<string> _servicesToPoke = new(StringComparer.Ordinal);
    private ClusterBook _book = null!;
    private Random _random = new(0);
    private bool _capacityChanged;
    private bool _dirty;
    private long _lastPersistTicks;
    private DueTimer? _timer;
    private DateTimeOffset _nextTickAt;
    private int _servicesWakeSlice;

    public ClusterGrain([PersistentState("cluster", "emulator")] IPersistentState<ClusterState> store, EmulatorRuntime runtime, ILogger<ClusterGrain> log)
    {
        _store = store;
        _rt = runtime;
        _log = log;
    }

    /// <summary>
    /// How often time-driven changes are written. Durable mode: every 0.5 s (calls are written through anyway). The
    /// embedded default keeps its grain state in this process's memory only, so a periodic write protects nothing that
    /// a crash would not lose with it: time-driven changes are written when the grain deactivates. (Writing a
    /// 10,000-task state took the grain for ~70 ms every few seconds, and every timer due meanwhile came late, B-T-3.)
    /// </summary>
    private TimeSpan PersistInterval => _rt.Options.WriteThrough ? PersistEvery : TimeSpan.MaxValue;

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
        _book = new ClusterBook(S, ClusterBook.CatalogPrices(_rt.Catalog, _rt.Options.SpotPriceFraction), new Notices(this));
        _capacityChanged = _book.Queue.Count > 0; // B-PQ-2: a placement pass a dead silo may not have run (capacity appeared, the tick never came)
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

        WakeServices();
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
            _lastPersistTicks = _rt.Wall.GetTimestamp();
            await _store.WriteStateAsync();
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
        Refuse(ClusterRules.DeleteRefusal(_book, S.Services.Count));
        S.Status = "INACTIVE";
        var info = Info();
        S.Exists = false;
        S.Providers = ImmutableDictionary<string, ClusterProvider>.Empty;
        S.DefaultStrategy = [];
        _book.Clear();
        _settledTargets.Clear();
        _timer?.Dispose();
        _timer = null;
        _rt.Metrics.RemoveCluster(Name);
        await _store.WriteStateAsync();
        return info;
    }

    public async Task<ClusterInfo> SetCapacityProviders(ImmutableArray<ClusterProvider> providers, ImmutableArray<CapacityProviderStrategyItem> defaultStrategy)
    {
        EnsureExists();

        // B-CP-5: removing a provider that tasks still use is refused; B-CP-1: the default strategy must be valid.
        Refuse(ClusterRules.ProviderRemovalRefusal(_book, S.Providers.Keys, providers.Select(p => p.Name).ToHashSet(StringComparer.Ordinal)));
        if (!defaultStrategy.IsDefaultOrEmpty && CapacityProviderStrategies.Validate(defaultStrategy, n => LaunchPlanner.KindOf(providers, n)) is { } strategyError)
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
        foreach (var d in S.DeploymentServices.Where(kv => kv.Value == serviceName).Select(kv => kv.Key).ToList())
        {
            S.DeploymentServices.Remove(d);
            S.DeploymentTargetGroups.Remove(d);
        }

        ForgetSettledTargets(serviceName);
        MarkDirty();
        return Task.CompletedTask;
    }

    public Task<InvariantReport> CheckInvariants() =>
        Task.FromResult(new InvariantReport(_book.Invariants(Now), _book.Tasks.Count, _book.Instances.Count, _book.Queue.Count));

    // ------------------------------------------------------------------ helpers

    private ClusterInfo Info()
    {
        var (registered, used, count) = _book.ActiveCapacity();
        return new ClusterInfo(
            Name, Arns.Cluster(_rt.Region, _rt.Account, Name), S.Status, count,
            _book.CountTasks(TaskStatus.RUNNING),
            _book.CountTasks(TaskStatus.PENDING),
            S.Services.Count, S.Providers.Keys.Order(StringComparer.Ordinal).ToImmutableArray(), S.DefaultStrategy,
            _book.Queue.Count, S.Tags, S.Services.ToImmutableArray(), registered, used);
    }

    /// <summary>What the launch planner needs to know of the cluster besides its book.</summary>
    private LaunchSettings Settings() =>
        new(Name, _rt.Region, _rt.Account, S.Providers, S.DefaultStrategy, S.ClientTokenRecords, S.ZoneOutages,
            _rt.Options.AvailabilityZones, _rt.Options.ProvisioningQueueLimit);

    /// <summary>
    /// Wakes every service about once per <see cref="Durability.ServicesWakePeriod"/>, a slice of them per wake-up
    /// reminder, so that a thousand services are not a thousand calls in one turn of the cluster grain (its timers
    /// would wait for it, B-T-3).
    /// </summary>
    private void WakeServices()
    {
        var slices = Math.Max(1, (int)Math.Round(Durability.ServicesWakePeriod(_rt) / Durability.WakePeriod(_rt)));
        var slice = _servicesWakeSlice++ % slices;
        var i = 0;
        foreach (var service in S.Services)
        {
            if (i++ % slices == slice)
            {
                GrainFactory.GetGrain<IServiceGrain>(GrainKeys.Service(Name, service)).Wake().Ignore();
            }
        }
    }

    private void PokeAllServices()
    {
        foreach (var s in S.Services)
        {
            _servicesToPoke.Add(s);
        }
    }

    /// <summary>Tells each service whose tasks changed (one-way; B-SV-3 reconciles on every change).</summary>
    private void FlushPokes()
    {
        foreach (var s in _servicesToPoke)
        {
            GrainFactory.GetGrain<IServiceGrain>(GrainKeys.Service(Name, s)).Poke().Ignore();
        }

        _servicesToPoke.Clear();
    }

    private void StartTimer()
    {
        if (_timer is null)
        {
            _timer = DueTimer.Register(this, Tick, _rt.Clock);
            _nextTickAt = Now + _rt.Options.TickPeriod;
            _timer.Arm(TickSchedule.NextWake(_nextTickAt, _book.NextDue));
        }
    }

    private void MarkDirty() => _dirty = true;

    private void EnsureExists()
    {
        if (!S.Exists)
        {
            throw Errors.ClusterNotFound();
        }
    }

    /// <summary>A rule's rejection becomes the caller's AWS error; nothing was changed.</summary>
    private static void Refuse(Rejection? rejection)
    {
        if (rejection is not null)
        {
            throw new EcsException(rejection.Code, rejection.Message) { ResourceIds = rejection.ResourceIds };
        }
    }
}
