using System.Collections.Immutable;
using Orleans.Concurrency;

namespace Emulator.Contracts;

/// <summary>CloudWatch alarm states (B-CW-1).</summary>
public enum AlarmStateValue
{
    OK = 0,
    ALARM = 1,
    INSUFFICIENT_DATA = 2,
}

/// <summary>A metric and how one period of it is summarised (CloudWatch MetricStat): statistic Average, Sum, Minimum, Maximum, SampleCount or pNN.</summary>
[GenerateSerializer, Immutable, Alias("MetricStatSpec")]
public sealed record MetricStatSpec(
    [property: Id(0)] string Namespace,
    [property: Id(1)] string MetricName,
    [property: Id(2)] ImmutableArray<MetricDimension> Dimensions,
    [property: Id(3)] int PeriodSeconds,
    [property: Id(4)] string Stat,
    [property: Id(5)] string? Unit);

/// <summary>One entry of an alarm's (or GetMetricData's) Metrics[]: a metric (MetricStat) or a math expression over the others.</summary>
[GenerateSerializer, Immutable, Alias("MetricQuerySpec")]
public sealed record MetricQuerySpec(
    [property: Id(0)] string Id,
    [property: Id(1)] MetricStatSpec? MetricStat,
    [property: Id(2)] string? Expression,
    [property: Id(3)] string? Label,
    [property: Id(4)] bool ReturnData,
    [property: Id(5)] int? PeriodSeconds,
    [property: Id(6)] string? AccountId,
    [property: Id(7)] bool ReturnDataGiven = true);

/// <summary>
/// A CloudWatch metric alarm as PutMetricAlarm defines it (B-CW-1): either one metric (Namespace, MetricName,
/// Dimensions, Statistic or ExtendedStatistic, Period, Unit) or <see cref="Metrics"/> with math. Every accepted field
/// is kept and described back as AWS does. <see cref="ManagedBy"/> is the ARN of the Application Auto Scaling policy
/// that owns a TargetTracking-* alarm (null for the user's own alarms).
/// </summary>
[GenerateSerializer, Immutable, Alias("AlarmSpec")]
public sealed record AlarmSpec(
    [property: Id(0)] string Name,
    [property: Id(1)] string? Description,
    [property: Id(2)] bool ActionsEnabled,
    [property: Id(3)] ImmutableArray<string> OkActions,
    [property: Id(4)] ImmutableArray<string> AlarmActions,
    [property: Id(5)] ImmutableArray<string> InsufficientDataActions,
    [property: Id(6)] string? Namespace,
    [property: Id(7)] string? MetricName,
    [property: Id(8)] ImmutableArray<MetricDimension> Dimensions,
    [property: Id(9)] string? Statistic,
    [property: Id(10)] string? ExtendedStatistic,
    [property: Id(11)] int? PeriodSeconds,
    [property: Id(12)] string? Unit,
    [property: Id(13)] int EvaluationPeriods,
    [property: Id(14)] int? DatapointsToAlarm,
    [property: Id(15)] double? Threshold,
    [property: Id(16)] string ComparisonOperator,
    [property: Id(17)] string? TreatMissingData,
    [property: Id(18)] string? EvaluateLowSampleCountPercentile,
    [property: Id(19)] ImmutableArray<MetricQuerySpec> Metrics,
    [property: Id(20)] string? ThresholdMetricId,
    [property: Id(21)] ImmutableDictionary<string, string> Tags,
    [property: Id(22)] string? ManagedBy)
{
    /// <summary>M of "M out of N" (DatapointsToAlarm defaults to EvaluationPeriods).</summary>
    public int Required => DatapointsToAlarm ?? EvaluationPeriods;

    /// <summary>The period that drives evaluation: the metric's, or the period of the first metric query.</summary>
    public int EvaluationPeriodSeconds
    {
        get
        {
            if (PeriodSeconds is { } period)
            {
                return period;
            }

            var first = Metrics.IsDefaultOrEmpty ? 0 : Metrics.Select(m => m.MetricStat?.PeriodSeconds ?? m.PeriodSeconds ?? 0).FirstOrDefault(p => p > 0);
            return first > 0 ? first : 60;
        }
    }
}

/// <summary>An alarm with its state (DescribeAlarms' MetricAlarm).</summary>
[GenerateSerializer, Immutable, Alias("AlarmInfo")]
public sealed record AlarmInfo(
    [property: Id(0)] AlarmSpec Spec,
    [property: Id(1)] string Arn,
    [property: Id(2)] AlarmStateValue State,
    [property: Id(3)] string StateReason,
    [property: Id(4)] string? StateReasonData,
    [property: Id(5)] DateTimeOffset StateUpdatedAt,
    [property: Id(6)] DateTimeOffset ConfigurationUpdatedAt,
    [property: Id(7)] DateTimeOffset StateTransitionedAt,
    [property: Id(8)] DateTimeOffset? EvaluatedAt,
    [property: Id(9)] double? LatestValue);

/// <summary>One DescribeAlarmHistory item: ConfigurationUpdate, StateUpdate or Action.</summary>
[GenerateSerializer, Immutable, Alias("AlarmHistoryItem")]
public sealed record AlarmHistoryItem(
    [property: Id(0)] string AlarmName,
    [property: Id(1)] DateTimeOffset Timestamp,
    [property: Id(2)] string HistoryItemType,
    [property: Id(3)] string Summary,
    [property: Id(4)] string HistoryData);

/// <summary>An alarm changed state (B-CW-1): what the deployment monitor (B-DP-3) and the event stream consume.</summary>
[GenerateSerializer, Immutable, Alias("AlarmTransition")]
public sealed record AlarmTransition(
    [property: Id(0)] string AlarmName,
    [property: Id(1)] string AlarmArn,
    [property: Id(2)] AlarmStateValue From,
    [property: Id(3)] AlarmStateValue To,
    [property: Id(4)] DateTimeOffset At,
    [property: Id(5)] string Reason);

/// <summary>
/// An alarm action that names an Application Auto Scaling policy fired (B-AS-2, B-AS-3): the alarm is in ALARM (on
/// the transition and again every evaluation while it stays there). The metric value the
/// policy acts on: the evaluated <see cref="Datapoints"/> (newest last; target tracking uses the newest, step scaling aggregates them).
/// </summary>
[GenerateSerializer, Immutable, Alias("AlarmActionInvocation")]
public sealed record AlarmActionInvocation(
    [property: Id(0)] string PolicyArn,
    [property: Id(1)] string AlarmName,
    [property: Id(2)] string AlarmArn,
    [property: Id(3)] DateTimeOffset At,
    [property: Id(4)] double? Threshold,
    [property: Id(5)] ImmutableArray<double> Datapoints,
    [property: Id(6)] bool Transition);

/// <summary>DescribeAlarms filters (all optional; StateValue and prefix combine).</summary>
[GenerateSerializer, Immutable, Alias("AlarmQuery")]
public sealed record AlarmQuery(
    [property: Id(0)] ImmutableArray<string> Names,
    [property: Id(1)] string? NamePrefix,
    [property: Id(2)] AlarmStateValue? State,
    [property: Id(3)] string? ActionPrefix)
{
    public static AlarmQuery All { get; } = new([], null, null, null);

    public static AlarmQuery Named(params string[] names) => new([.. names], null, null, null);
}

/// <summary>
/// Receives alarm transitions it subscribed to (see <see cref="ICloudWatchAlarmsGrain.Subscribe"/>). Implemented by a
/// grain (e.g. the service grain watching its deployment's alarms, B-DP-3); called one-way, so a subscriber may call
/// the alarms back without a cycle.
/// </summary>
[Alias("IAlarmSubscriber")]
public interface IAlarmSubscriber : IGrain
{
    [Alias("OnAlarmTransition"), OneWay] Task OnAlarmTransition(AlarmTransition transition);
}

/// <summary>
/// The one CloudWatch alarm implementation of the emulator (B-CW-1): user alarms (PutMetricAlarm) and the
/// TargetTracking-* alarms that Application Auto Scaling policies own, evaluated on the emulated clock. Stateless
/// front door (key 0) over <see cref="IAlarmShardGrain"/>s; every caller (the AWS edge, scaling policies, deployments)
/// uses this interface.
/// Contract for consumers:
/// - Evaluation: every alarm once per period of its metric, on the period grid plus the configured evaluation delay,
///   over the most recent complete periods (M out of N, TreatMissingData as in AWS's documentation).
/// - Actions fire on the transition into a state; actions naming a scaling policy fire again at every evaluation that
///   finds the alarm in ALARM (<see cref="AlarmActionInvocation"/>, one-way to the policy's scalable target).
/// - <see cref="EnteredAlarmSince"/> answers "which of these alarms entered ALARM at or after T" from the alarms'
///   history (kept per alarm, newest 100 state changes), so a deployment started at T can poll it (B-DP-3: an alarm
///   already in ALARM at T has no transition after T and is not reported).
/// - <see cref="Subscribe"/> registers a grain for the transitions of named alarms (persisted with the alarm; an
///   alarm deleted and created again keeps no subscribers); delivery is one-way and at most once.
/// - Every transition is also an "Alarm State Change" event (source aws.cloudwatch) in the event log of the cluster
///   the alarm is about (its ClusterName dimension, or the cluster of the scaling policy it triggers).
/// </summary>
[Alias("ICloudWatchAlarmsGrain")]
public interface ICloudWatchAlarmsGrain : IGrainWithIntegerKey
{
    /// <summary>PutMetricAlarm: creates or replaces (its state is kept when it already exists).</summary>
    [Alias("Put")] Task<AlarmInfo> Put(AlarmSpec spec);

    /// <summary>DeleteAlarms: every name must exist (ResourceNotFound otherwise, nothing deleted).</summary>
    [Alias("Delete")] Task Delete(ImmutableArray<string> names);

    /// <summary>Deletes the alarms that exist among <paramref name="names"/> (a policy removing its own alarms).</summary>
    [Alias("DeleteIfExists")] Task DeleteIfExists(ImmutableArray<string> names);

    [Alias("Describe")] Task<ImmutableArray<AlarmInfo>> Describe(AlarmQuery query);

    /// <summary>SetAlarmState: the state holds until the next evaluation; actions fire on the transition.</summary>
    [Alias("SetState")] Task SetState(string name, AlarmStateValue state, string reason, string? reasonData);

    [Alias("SetActionsEnabled")] Task SetActionsEnabled(ImmutableArray<string> names, bool enabled);

    /// <summary>DescribeAlarmHistory: newest first, filtered by name, item type and [start, end).</summary>
    [Alias("History")]
    Task<ImmutableArray<AlarmHistoryItem>> History(string? name, string? itemType, DateTimeOffset? start, DateTimeOffset? end);

    /// <summary>B-DP-3: transitions into ALARM of the named alarms at or after <paramref name="since"/>, oldest first.</summary>
    [Alias("EnteredAlarmSince")] Task<ImmutableArray<AlarmTransition>> EnteredAlarmSince(ImmutableArray<string> names, DateTimeOffset since);

    [Alias("Subscribe")] Task Subscribe(ImmutableArray<string> names, IAlarmSubscriber subscriber);

    [Alias("Unsubscribe")] Task Unsubscribe(ImmutableArray<string> names, IAlarmSubscriber subscriber);
}

/// <summary>
/// The alarms whose names hash to one shard (<see cref="AlarmShards"/>): definitions, states, history and
/// subscribers, evaluated in batches (one metric read per namespace and due instant), so 2,000 alarms cost a few
/// grain calls per period, not 2,000 timers. Use <see cref="ICloudWatchAlarmsGrain"/>; shards are its implementation.
/// </summary>
[Alias("IAlarmShardGrain")]
public interface IAlarmShardGrain : IGrainWithIntegerKey
{
    [Alias("Put")] Task<AlarmInfo> Put(AlarmSpec spec);

    [Alias("Delete")] Task<ImmutableArray<string>> Delete(ImmutableArray<string> names, bool onlyExisting);

    [Alias("Missing")] Task<ImmutableArray<string>> Missing(ImmutableArray<string> names);

    [Alias("Describe")] Task<ImmutableArray<AlarmInfo>> Describe(AlarmQuery query);

    [Alias("SetState")] Task SetState(string name, AlarmStateValue state, string reason, string? reasonData);

    [Alias("SetActionsEnabled")] Task SetActionsEnabled(ImmutableArray<string> names, bool enabled);

    [Alias("History")]
    Task<ImmutableArray<AlarmHistoryItem>> History(string? name, string? itemType, DateTimeOffset? start, DateTimeOffset? end);

    [Alias("EnteredAlarmSince")] Task<ImmutableArray<AlarmTransition>> EnteredAlarmSince(ImmutableArray<string> names, DateTimeOffset since);

    [Alias("Subscribe")] Task Subscribe(ImmutableArray<string> names, IAlarmSubscriber subscriber, bool add);

    /// <summary>Evaluates every alarm now (tests and the benchmark's cross-check; the timer does it on its grid).</summary>
    [Alias("EvaluateNow")] Task<int> EvaluateNow();
}

/// <summary>Which shard holds an alarm: a stable hash of its name (the count is fixed: changing it would move alarms).</summary>
public static class AlarmShards
{
    public const int Count = 16;

    public static int Of(string alarmName)
    {
        unchecked
        {
            var h = 2166136261u;
            foreach (var c in alarmName)
            {
                h = (h ^ c) * 16777619u;
            }

            return (int)(h % Count);
        }
    }
}
