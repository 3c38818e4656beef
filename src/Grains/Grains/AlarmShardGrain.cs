using System.Collections.Immutable;
using System.Diagnostics;
using Emulator.Contracts;
using Emulator.Model.Alarms;
using Emulator.Model.Time;
using Emulator.Runtime;
using Microsoft.Extensions.Logging;

namespace Emulator.Grains;

/// <summary>One alarm as a shard stores it: its definition and state, history, transitions and subscribers.</summary>
[GenerateSerializer, Immutable, Alias("StoredAlarm")]
public sealed record StoredAlarm(
    [property: Id(0)] AlarmInfo Info,
    [property: Id(1)] ImmutableList<AlarmHistoryItem> History,
    [property: Id(2)] ImmutableList<AlarmTransition> Transitions,
    [property: Id(3)] ImmutableArray<IAlarmSubscriber> Subscribers);

[GenerateSerializer, Alias("AlarmShardState")]
public sealed class AlarmShardState
{
    [Id(0)] public Dictionary<string, StoredAlarm> Alarms { get; set; } = new(StringComparer.Ordinal);
}

/// <summary>
/// The alarms of one shard (B-CW-1; see <see cref="ICloudWatchAlarmsGrain"/> for the contract). Each alarm is due once
/// per period on the period grid plus the evaluation delay; a <see cref="DueTimer"/> wakes the shard at the earliest
/// due instant and every alarm due then is evaluated in one batch: one <see cref="IMetricStoreGrain.GetMany"/> per
/// namespace, the pure <see cref="AlarmEvaluator"/>, then transitions (history, subscribers, events) and actions
/// (one-way to scalable targets). State is written only when something a caller can see changed.
/// </summary>
public sealed partial class AlarmShardGrain(
    [PersistentState("alarms", "emulator")] IPersistentState<AlarmShardState> store, EmulatorRuntime runtime, ILogger<AlarmShardGrain> log)
    : Grain, IAlarmShardGrain, IRemindable
{
    private readonly Dictionary<string, DateTimeOffset> _due = new(StringComparer.Ordinal);
    private DueTimer? _timer;
    private bool _ticking;
    private Random _random = new(0);

    private AlarmShardState S => store.State;

    private DateTimeOffset Now => runtime.Clock.Now;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _random = runtime.Random.For("alarm-shard/" + this.GetPrimaryKeyLong());
        _timer = DueTimer.Register(this, Tick, runtime.Clock);
        foreach (var name in S.Alarms.Keys)
        {
            Schedule(name);
        }

        await SyncReminder();
    }

    public Task ReceiveReminder(string reminderName, TickStatus status) => Task.CompletedTask;

    public async Task<AlarmInfo> Put(AlarmSpec spec)
    {
        if (AlarmRules.Validate(spec) is { } error)
        {
            throw new EcsException(error.Code, error.Message);
        }

        var now = Now;
        var arn = AlarmHistory.Arn(runtime.Region, runtime.Account, spec.Name);
        StoredAlarm stored;
        if (S.Alarms.TryGetValue(spec.Name, out var existing))
        {
            stored = existing with
            {
                Info = existing.Info with { Spec = spec, ConfigurationUpdatedAt = now },
                History = AlarmHistory.Keep(existing.History, AlarmHistory.Created(spec.Name, now, update: true)),
            };
        }
        else
        {
            var info = new AlarmInfo(spec, arn, AlarmStateValue.INSUFFICIENT_DATA, "Unchecked: Initial alarm creation", null, now, now, now, null, null);
            stored = new StoredAlarm(info, [AlarmHistory.Created(spec.Name, now, update: false)], [], []);
        }

        S.Alarms[spec.Name] = stored;
        await store.WriteStateAsync();
        Schedule(spec.Name);
        await SyncReminder();
        return stored.Info;
    }

    public async Task<ImmutableArray<string>> Delete(ImmutableArray<string> names, bool onlyExisting)
    {
        var deleted = names.Where(S.Alarms.Remove).ToImmutableArray();
        foreach (var name in deleted)
        {
            _due.Remove(name);
        }

        if (!deleted.IsEmpty)
        {
            await store.WriteStateAsync();
            await SyncReminder();
        }

        _ = onlyExisting;
        return deleted;
    }

    public Task<ImmutableArray<string>> Missing(ImmutableArray<string> names) =>
        Task.FromResult(names.Where(n => !S.Alarms.ContainsKey(n)).ToImmutableArray());

    public Task<ImmutableArray<AlarmInfo>> Describe(AlarmQuery query) =>
        Task.FromResult(S.Alarms.Values.Select(a => a.Info)
            .Where(a => query.Names.IsDefaultOrEmpty || query.Names.Contains(a.Spec.Name))
            .Where(a => query.NamePrefix is null || a.Spec.Name.StartsWith(query.NamePrefix, StringComparison.Ordinal))
            .Where(a => query.State is null || a.State == query.State)
            .Where(a => query.ActionPrefix is null || a.Spec.AlarmActions.Concat(a.Spec.OkActions).Concat(a.Spec.InsufficientDataActions).Any(x => x.StartsWith(query.ActionPrefix, StringComparison.Ordinal)))
            .ToImmutableArray());

    public async Task SetState(string name, AlarmStateValue state, string reason, string? reasonData)
    {
        if (!S.Alarms.ContainsKey(name))
        {
            throw new EcsException("ResourceNotFound", $"Alarm {name} not found.");
        }

        Apply(name, state, reason, reasonData, null, [], Now, forced: true);
        await store.WriteStateAsync();
    }

    public async Task SetActionsEnabled(ImmutableArray<string> names, bool enabled)
    {
        var now = Now;
        var changed = false;
        foreach (var name in names)
        {
            if (S.Alarms.TryGetValue(name, out var a) && a.Info.Spec.ActionsEnabled != enabled)
            {
                S.Alarms[name] = a with
                {
                    Info = a.Info with { Spec = a.Info.Spec with { ActionsEnabled = enabled }, ConfigurationUpdatedAt = now },
                    History = AlarmHistory.Keep(a.History, AlarmHistory.Created(name, now, update: true)),
                };
                changed = true;
            }
        }

        if (changed)
        {
            await store.WriteStateAsync();
        }
    }

    public Task<ImmutableArray<AlarmHistoryItem>> History(string? name, string? itemType, DateTimeOffset? start, DateTimeOffset? end) =>
        Task.FromResult(S.Alarms.Values
            .Where(a => name is null || a.Info.Spec.Name == name)
            .SelectMany(a => a.History)
            .Where(h => itemType is null || h.HistoryItemType == itemType)
            .Where(h => (start is null || h.Timestamp >= start) && (end is null || h.Timestamp < end))
            .ToImmutableArray());

    public Task<ImmutableArray<AlarmTransition>> EnteredAlarmSince(ImmutableArray<string> names, DateTimeOffset since) =>
        Task.FromResult(names.Where(S.Alarms.ContainsKey)
            .SelectMany(n => S.Alarms[n].Transitions)
            .Where(t => t.To == AlarmStateValue.ALARM && t.At >= since)
            .ToImmutableArray());

    public async Task Subscribe(ImmutableArray<string> names, IAlarmSubscriber subscriber, bool add)
    {
        foreach (var name in names.Where(S.Alarms.ContainsKey))
        {
            var a = S.Alarms[name];
            var others = a.Subscribers.IsDefault ? [] : a.Subscribers.Where(s => !s.Equals(subscriber)).ToImmutableArray();
            S.Alarms[name] = a with { Subscribers = add ? others.Add(subscriber) : others };
        }

        await store.WriteStateAsync();
    }

    public async Task<int> EvaluateNow()
    {
        var names = S.Alarms.Keys.ToList();
        await Evaluate(names, Now);
        return names.Count;
    }

    /// <summary>The timer: every alarm due by now, in one batch; then re-armed for the earliest next due.</summary>
    private async Task Tick(CancellationToken cancellationToken)
    {
        _timer?.Fired();
        _ticking = true;
        try
        {
            var now = Now;
            var due = _due.Where(kv => kv.Value <= now).ToList();
            if (due.Count == 0)
            {
                return;
            }

            foreach (var (_, at) in due.DistinctBy(d => d.Value))
            {
                runtime.Metrics.RecordLag(TimerLag.Of(at, now), LagSources.AlarmEvaluation);
            }

            var started = Stopwatch.GetTimestamp();

            // Each alarm is evaluated as of its scheduled instant (not the late wake): timer lag never shifts the periods
            // it reads (STYLE: stamped with the scheduled instant).
            foreach (var batch in due.GroupBy(d => d.Value))
            {
                await Evaluate([.. batch.Select(d => d.Key)], batch.Key);
            }

            runtime.Metrics.RecordTurn("alarm-shard", "Evaluate", Stopwatch.GetElapsedTime(started));
        }
        catch (Exception e)
        {
            LogEvaluationFailed(this.GetPrimaryKeyLong(), e.Message);
        }
        finally
        {
            _ticking = false;
            Rearm();
        }
    }

    private async Task Evaluate(List<string> names, DateTimeOffset now)
    {
        var cpu = ThreadCpu.Now();
        var work = new List<(string Name, AlarmSpec Spec, DateTimeOffset[] Starts, IReadOnlyList<MetricStatSpec> Reads)>();
        foreach (var name in names)
        {
            if (!S.Alarms.TryGetValue(name, out var a))
            {
                continue;
            }

            var spec = a.Info.Spec;
            var starts = AlarmSeries.PeriodStarts(now - Delay(spec), spec.EvaluationPeriodSeconds, AlarmEvaluator.EvaluationRange(spec));
            work.Add((name, spec, starts, AlarmSeries.Reads(spec)));
            Schedule(name, now);
        }

        // One read per namespace for the whole batch.
        var wanted = work.SelectMany(w => w.Reads.Select(r => (Read: r, From: w.Starts[0], To: w.Starts[^1] + TimeSpan.FromSeconds(w.Spec.EvaluationPeriodSeconds))))
            .GroupBy(x => x.Read.Namespace, StringComparer.Ordinal);
        var raw = new Dictionary<(string Ns, string Name, string Dims), ImmutableArray<MetricDatum>>();
        foreach (var ns in wanted)
        {
            var keys = ns.Select(x => new MetricSeriesKey(x.Read.MetricName, Sorted(x.Read.Dimensions))).Distinct(SeriesKeyComparer.Instance).ToImmutableArray();
            var from = ns.Min(x => x.From);
            var to = ns.Max(x => x.To);
            runtime.Metrics.RecordCpu("alarm-shard", "Evaluate", ThreadCpu.Since(cpu));
            var data = await GrainFactory.GetGrain<IMetricStoreGrain>(ns.Key).GetMany(keys, from, to);
            cpu = ThreadCpu.Now();
            for (var i = 0; i < keys.Length; i++)
            {
                raw[(ns.Key, keys[i].MetricName, DimsKey(keys[i].Dimensions))] = data[i];
            }
        }

        var changed = false;
        foreach (var (name, spec, starts, reads) in work)
        {
            if (!S.Alarms.TryGetValue(name, out var stored) || stored.Info.Spec != spec)
            {
                continue; // replaced or deleted meanwhile
            }

            AlarmOutcome outcome;
            try
            {
                var inputs = reads.Select(r => (IReadOnlyList<MetricDatum>)raw.GetValueOrDefault((r.Namespace, r.MetricName, DimsKey(Sorted(r.Dimensions))), [])).ToList();
                var values = AlarmSeries.Values(spec, inputs, starts);
                outcome = AlarmEvaluator.Evaluate(spec, stored.Info.State, values, starts, spec.Threshold ?? 0, now);
            }
            catch (MetricMathException e)
            {
                outcome = new AlarmOutcome(AlarmStateValue.INSUFFICIENT_DATA, "Unable to evaluate the metric math expression: " + e.Message, "{}", [], null, 0);
            }

            changed |= Apply(name, outcome.State, outcome.Reason, outcome.ReasonData, outcome.Latest, outcome.Evaluated, now, forced: false);
        }

        runtime.Metrics.RecordCpu("alarm-shard", "Evaluate", ThreadCpu.Since(cpu));
        if (changed)
        {
            await store.WriteStateAsync();
        }
    }

    /// <summary>
    /// Records an evaluation or SetAlarmState: a transition updates state, history and transitions, notifies
    /// subscribers, appends the event and fires the new state's actions; an alarm staying in ALARM fires its scaling
    /// policy actions again (B-CW-1). Returns whether persisted state changed.
    /// </summary>
    private bool Apply(string name, AlarmStateValue state, string reason, string? reasonData, double? latest, ImmutableArray<double> evaluated, DateTimeOffset now, bool forced)
    {
        var a = S.Alarms[name];
        var before = a.Info;
        if (state == before.State && !forced)
        {
            S.Alarms[name] = a with { Info = before with { EvaluatedAt = now, LatestValue = latest ?? before.LatestValue } };
            if (state == AlarmStateValue.ALARM)
            {
                FireActions(S.Alarms[name], evaluated, now, transition: false);
            }

            return false;
        }

        var info = before with
        {
            State = state,
            StateReason = reason,
            StateReasonData = reasonData,
            StateUpdatedAt = now,
            StateTransitionedAt = state != before.State ? now : before.StateTransitionedAt,
            EvaluatedAt = forced ? before.EvaluatedAt : now,
            LatestValue = latest ?? before.LatestValue,
        };
        var transition = new AlarmTransition(name, info.Arn, before.State, state, now, reason);
        a = a with
        {
            Info = info,
            History = AlarmHistory.Keep(a.History, AlarmHistory.StateUpdate(name, before.State, before.StateReason, state, reason, reasonData, now)),
            Transitions = AlarmHistory.Keep(a.Transitions, transition),
        };
        S.Alarms[name] = a;
        LogTransition(name, before.State, state, reason);
        if (!a.Subscribers.IsDefaultOrEmpty)
        {
            foreach (var subscriber in a.Subscribers)
            {
                subscriber.OnAlarmTransition(transition).Ignore();
            }
        }

        if (AlarmHistory.Cluster(info.Spec) is { } cluster)
        {
            GrainFactory.GetGrain<IClusterGrain>(GrainKeys.Cluster(cluster)).AppendEvents([new EmulatorEvent(0, RandomIds.Uuid(_random), EventTypes.AlarmStateChange,
                EventTypes.SourceCloudWatch, now, [info.Arn], AlarmHistory.EventDetail(info, before.State, before.StateReason), null, null)]).Ignore();
        }

        if (state != before.State || forced)
        {
            FireActions(a, evaluated, now, transition: true);
        }

        return true;
    }

    private void FireActions(StoredAlarm a, ImmutableArray<double> evaluated, DateTimeOffset now, bool transition)
    {
        var info = a.Info;
        if (!info.Spec.ActionsEnabled)
        {
            return;
        }

        var history = a.History;
        foreach (var action in AlarmHistory.ActionsFor(info.Spec, info.State))
        {
            if (AppAutoScaling.ParsePolicyArn(action) is { } policy)
            {
                var key = GrainKeys.ScalableTarget(policy.Namespace, policy.ResourceId, policy.Namespace == AppAutoScaling.EcsNamespace ? AppAutoScaling.EcsDesiredCount : "");
                GrainFactory.GetGrain<IScalableTargetGrain>(key).OnAlarmAction(new AlarmActionInvocation(
                    action, info.Spec.Name, info.Arn, now, info.Spec.Threshold, evaluated.IsDefault ? [] : evaluated, transition)).Ignore();
                if (transition)
                {
                    history = AlarmHistory.Keep(history, AlarmHistory.Action(info.Spec.Name, action, now, ok: true));
                }
            }
            else if (transition)
            {
                // SNS topics, EC2 actions, ...: recorded as executed; the emulator delivers nothing (Model choice).
                history = AlarmHistory.Keep(history, AlarmHistory.Action(info.Spec.Name, action, now, ok: true));
            }
        }

        S.Alarms[info.Spec.Name] = a with { History = history };
    }

    /// <summary>The alarm's next evaluation (<see cref="AlarmSeries.NextDue"/>).</summary>
    private void Schedule(string name, DateTimeOffset? evaluatedAt = null)
    {
        var spec = S.Alarms[name].Info.Spec;
        _due[name] = AlarmSeries.NextDue(evaluatedAt, Now, TimeSpan.FromSeconds(spec.EvaluationPeriodSeconds), Delay(spec));
        if (_timer is null || _ticking)
        {
            return; // the tick re-arms for the earliest due when it ends
        }

        // After a tick that left nothing due (the shard's last alarm deleted) the timer is disarmed: arm it afresh.
        if (_timer.ArmedFor == DateTimeOffset.MinValue)
        {
            _timer.Arm(_due[name]);
        }
        else
        {
            _timer.ArmNoLaterThan(_due[name]);
        }
    }

    /// <summary>How long after a period's end this shard evaluates it (<see cref="AlarmSeries.ShardDelay"/>).</summary>
    private TimeSpan Delay(AlarmSpec spec) =>
        AlarmSeries.ShardDelay((int)this.GetPrimaryKeyLong(), AlarmShards.Count, runtime.Options.Timings.AlarmEvaluationDelay,
            runtime.Options.Timings.AlarmEvaluationSpread, TimeSpan.FromSeconds(spec.EvaluationPeriodSeconds));

    private void Rearm()
    {
        if (_timer is not null && _due.Count > 0)
        {
            _timer.Arm(_due.Values.Min());
        }
    }

    private async Task SyncReminder()
    {
        if (S.Alarms.Count > 0)
        {
            await this.RegisterOrUpdateReminder(Durability.WakeReminder, Durability.WakePeriod(runtime), Durability.WakePeriod(runtime));
        }
        else if (await this.GetReminder(Durability.WakeReminder) is { } reminder)
        {
            await this.UnregisterReminder(reminder);
        }
    }

    private static ImmutableArray<MetricDimension> Sorted(ImmutableArray<MetricDimension> dims) =>
        dims.IsDefault ? [] : dims.Sort((a, b) => string.CompareOrdinal(a.Name, b.Name));

    private static string DimsKey(ImmutableArray<MetricDimension> dims) => string.Join("|", dims.Select(d => d.Name + "=" + d.Value));

    private sealed class SeriesKeyComparer : IEqualityComparer<MetricSeriesKey>
    {
        public static SeriesKeyComparer Instance { get; } = new();

        public bool Equals(MetricSeriesKey? x, MetricSeriesKey? y) =>
            x is not null && y is not null && x.MetricName == y.MetricName && DimsKey(x.Dimensions) == DimsKey(y.Dimensions);

        public int GetHashCode(MetricSeriesKey obj) => HashCode.Combine(obj.MetricName, DimsKey(obj.Dimensions));
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Alarm {Alarm}: {From} -> {To}: {Reason}")]
    private partial void LogTransition(string alarm, AlarmStateValue from, AlarmStateValue to, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Alarm shard {Shard}: evaluation failed: {Reason}")]
    private partial void LogEvaluationFailed(long shard, string reason);
}
