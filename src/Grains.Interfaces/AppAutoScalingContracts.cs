using System.Collections.Immutable;
using Orleans.Concurrency;

namespace Emulator.Contracts;

/// <summary>SuspendedState of a scalable target (B-AS-1).</summary>
[GenerateSerializer, Immutable, Alias("SuspendedStateSpec")]
public sealed record SuspendedStateSpec(
    [property: Id(0)] bool DynamicScalingInSuspended,
    [property: Id(1)] bool DynamicScalingOutSuspended,
    [property: Id(2)] bool ScheduledScalingSuspended)
{
    public static SuspendedStateSpec None { get; } = new(false, false, false);
}

/// <summary>RegisterScalableTarget's input (B-AS-1); null members keep the registered value on an update.</summary>
[GenerateSerializer, Immutable, Alias("ScalableTargetSpec")]
public sealed record ScalableTargetSpec(
    [property: Id(0)] string ServiceNamespace,
    [property: Id(1)] string ResourceId,
    [property: Id(2)] string ScalableDimension,
    [property: Id(3)] int? MinCapacity,
    [property: Id(4)] int? MaxCapacity,
    [property: Id(5)] string? RoleArn,
    [property: Id(6)] SuspendedStateSpec? SuspendedState,
    [property: Id(7)] ImmutableDictionary<string, string>? Tags);

[GenerateSerializer, Immutable, Alias("ScalableTargetInfo")]
public sealed record ScalableTargetInfo(
    [property: Id(0)] string ServiceNamespace,
    [property: Id(1)] string ResourceId,
    [property: Id(2)] string ScalableDimension,
    [property: Id(3)] int MinCapacity,
    [property: Id(4)] int MaxCapacity,
    [property: Id(5)] string RoleArn,
    [property: Id(6)] SuspendedStateSpec SuspendedState,
    [property: Id(7)] DateTimeOffset CreationTime,
    [property: Id(8)] string Arn,
    [property: Id(9)] ImmutableDictionary<string, string> Tags);

/// <summary>A TargetTrackingScaling policy's configuration (B-AS-2), kept as given.</summary>
[GenerateSerializer, Immutable, Alias("TargetTrackingSpec")]
public sealed record TargetTrackingSpec(
    [property: Id(0)] double TargetValue,
    [property: Id(1)] string? PredefinedMetricType,
    [property: Id(2)] string? ResourceLabel,
    [property: Id(3)] CustomizedMetricSpec? CustomizedMetric,
    [property: Id(4)] int? ScaleOutCooldown,
    [property: Id(5)] int? ScaleInCooldown,
    [property: Id(6)] bool? DisableScaleIn);

/// <summary>CustomizedMetricSpecification: one metric, or <see cref="Metrics"/> with metric math (the seed blog's backlog per task).</summary>
[GenerateSerializer, Immutable, Alias("CustomizedMetricSpec")]
public sealed record CustomizedMetricSpec(
    [property: Id(0)] string? MetricName,
    [property: Id(1)] string? Namespace,
    [property: Id(2)] ImmutableArray<MetricDimension> Dimensions,
    [property: Id(3)] string? Statistic,
    [property: Id(4)] string? Unit,
    [property: Id(5)] ImmutableArray<MetricQuerySpec> Metrics);

[GenerateSerializer, Immutable, Alias("StepAdjustmentSpec")]
public sealed record StepAdjustmentSpec(
    [property: Id(0)] double? MetricIntervalLowerBound,
    [property: Id(1)] double? MetricIntervalUpperBound,
    [property: Id(2)] int ScalingAdjustment);

/// <summary>A StepScaling policy's configuration (B-AS-3), kept as given.</summary>
[GenerateSerializer, Immutable, Alias("StepScalingSpec")]
public sealed record StepScalingSpec(
    [property: Id(0)] string? AdjustmentType,
    [property: Id(1)] ImmutableArray<StepAdjustmentSpec> StepAdjustments,
    [property: Id(2)] int? MinAdjustmentMagnitude,
    [property: Id(3)] int? Cooldown,
    [property: Id(4)] string? MetricAggregationType);

[GenerateSerializer, Immutable, Alias("ScalingPolicySpec")]
public sealed record ScalingPolicySpec(
    [property: Id(0)] string PolicyName,
    [property: Id(1)] string PolicyType,
    [property: Id(2)] TargetTrackingSpec? TargetTracking,
    [property: Id(3)] StepScalingSpec? StepScaling);

[GenerateSerializer, Immutable, Alias("PolicyAlarm")]
public sealed record PolicyAlarm(
    [property: Id(0)] string AlarmName,
    [property: Id(1)] string AlarmArn);

[GenerateSerializer, Immutable, Alias("ScalingPolicyInfo")]
public sealed record ScalingPolicyInfo(
    [property: Id(0)] ScalingPolicySpec Spec,
    [property: Id(1)] string Arn,
    [property: Id(2)] string ServiceNamespace,
    [property: Id(3)] string ResourceId,
    [property: Id(4)] string ScalableDimension,
    [property: Id(5)] ImmutableArray<PolicyAlarm> Alarms,
    [property: Id(6)] DateTimeOffset CreationTime);

/// <summary>PutScheduledAction's input (B-AS-4).</summary>
[GenerateSerializer, Immutable, Alias("ScheduledActionSpec")]
public sealed record ScheduledActionSpec(
    [property: Id(0)] string Name,
    [property: Id(1)] string Schedule,
    [property: Id(2)] string? Timezone,
    [property: Id(3)] DateTimeOffset? StartTime,
    [property: Id(4)] DateTimeOffset? EndTime,
    [property: Id(5)] int? MinCapacity,
    [property: Id(6)] int? MaxCapacity);

[GenerateSerializer, Immutable, Alias("ScheduledActionInfo")]
public sealed record ScheduledActionInfo(
    [property: Id(0)] ScheduledActionSpec Spec,
    [property: Id(1)] string Arn,
    [property: Id(2)] string ServiceNamespace,
    [property: Id(3)] string ResourceId,
    [property: Id(4)] string ScalableDimension,
    [property: Id(5)] DateTimeOffset CreationTime,
    [property: Id(6)] DateTimeOffset? NextRunAt);

[GenerateSerializer, Immutable, Alias("NotScaledReasonRecord")]
public sealed record NotScaledReasonRecord(
    [property: Id(0)] string Code,
    [property: Id(1)] int? MaxCapacity,
    [property: Id(2)] int? MinCapacity,
    [property: Id(3)] int? CurrentCapacity);

/// <summary>A scaling activity (B-AS-6) with AWS's texts; not-scaled activities carry <see cref="NotScaledReasons"/>.</summary>
[GenerateSerializer, Immutable, Alias("ScalingActivityRecord")]
public sealed record ScalingActivityRecord(
    [property: Id(0)] string ActivityId,
    [property: Id(1)] string ServiceNamespace,
    [property: Id(2)] string ResourceId,
    [property: Id(3)] string ScalableDimension,
    [property: Id(4)] string Description,
    [property: Id(5)] string Cause,
    [property: Id(6)] DateTimeOffset StartTime,
    [property: Id(7)] DateTimeOffset? EndTime,
    [property: Id(8)] string StatusCode,
    [property: Id(9)] string? StatusMessage,
    [property: Id(10)] ImmutableArray<NotScaledReasonRecord> NotScaledReasons)
{
    public bool NotScaled => !NotScaledReasons.IsDefaultOrEmpty;
}

[GenerateSerializer, Immutable, Alias("PolicyAlarmState")]
public sealed record PolicyAlarmState(
    [property: Id(0)] string AlarmName,
    [property: Id(1)] AlarmStateValue State,
    [property: Id(2)] double? LatestValue);

/// <summary>What the client's status shows for one scalable target: policies with their alarms' states, the last activity, the next scheduled action.</summary>
[GenerateSerializer, Immutable, Alias("ScalableTargetStatus")]
public sealed record ScalableTargetStatus(
    [property: Id(0)] ScalableTargetInfo Target,
    [property: Id(1)] ImmutableArray<ScalingPolicyInfo> Policies,
    [property: Id(2)] ImmutableArray<PolicyAlarmState> Alarms,
    [property: Id(3)] ScalingActivityRecord? LastActivity,
    [property: Id(4)] ScheduledActionInfo? NextScheduledAction,
    [property: Id(5)] int? CurrentCapacity);

/// <summary>
/// One Application Auto Scaling scalable target (B-AS-1..6), keyed by <see cref="GrainKeys.ScalableTarget"/>: its
/// capacity bounds and suspended state, its scaling policies (target tracking with the two TargetTracking-* alarms
/// it owns in <see cref="ICloudWatchAlarmsGrain"/>; step scaling driven by the user's alarms), its scheduled actions
/// (a timer on the next run), and its scaling activities. Alarm actions reach it one-way
/// (<see cref="OnAlarmAction"/>); the decision is the pure <c>Model.AutoScaling.ServiceScaling</c>, and the new
/// desired count goes to the ECS service, whose new tasks go through placement, PROVISIONING and Cluster Auto Scaling
/// like any other (B-AS-6).
/// </summary>
[Alias("IScalableTargetGrain")]
public interface IScalableTargetGrain : IGrainWithStringKey
{
    [Alias("Register")] Task<ScalableTargetInfo> Register(ScalableTargetSpec spec);

    [Alias("Deregister")] Task Deregister();

    [Alias("Describe")] Task<ScalableTargetInfo?> Describe();

    [Alias("PutPolicy")] Task<ScalingPolicyInfo> PutPolicy(ScalingPolicySpec spec);

    [Alias("DeletePolicy")] Task DeletePolicy(string policyName);

    [Alias("Policies")] Task<ImmutableArray<ScalingPolicyInfo>> Policies();

    [Alias("PutScheduledAction")] Task<ScheduledActionInfo> PutScheduledAction(ScheduledActionSpec spec);

    [Alias("DeleteScheduledAction")] Task DeleteScheduledAction(string name);

    [Alias("ScheduledActions")] Task<ImmutableArray<ScheduledActionInfo>> ScheduledActions();

    [Alias("Activities")] Task<ImmutableArray<ScalingActivityRecord>> Activities(bool includeNotScaled);

    [Alias("Tag")] Task Tag(ImmutableDictionary<string, string> tags);

    [Alias("Untag")] Task Untag(ImmutableArray<string> keys);

    [Alias("Status")] Task<ScalableTargetStatus?> Status();

    /// <summary>An alarm naming one of this target's policies is in ALARM (B-CW-1 actions).</summary>
    [Alias("OnAlarmAction"), OneWay] Task OnAlarmAction(AlarmActionInvocation invocation);
}

/// <summary>Application Auto Scaling names (B-AS-1).</summary>
public static class AppAutoScaling
{
    public const string EcsNamespace = "ecs";
    public const string EcsDesiredCount = "ecs:service:DesiredCount";

    public static string ResourceId(string cluster, string service) => $"service/{cluster}/{service}";

    /// <summary>"service/CLUSTER/SERVICE" -> (cluster, service), or null when it is not an ECS service resource id.</summary>
    public static (string Cluster, string Service)? ParseResourceId(string resourceId)
    {
        var parts = resourceId.Split('/');
        return parts.Length == 3 && parts[0] == "service" && parts[1].Length > 0 && parts[2].Length > 0 ? (parts[1], parts[2]) : null;
    }

    public static string PolicyArn(string region, string account, string id, string ns, string resourceId, string policyName) =>
        $"arn:aws:autoscaling:{region}:{account}:scalingPolicy:{id}:resource/{ns}/{resourceId}:policyName/{policyName}";

    public static string ScheduledActionArn(string region, string account, string id, string ns, string resourceId, string name) =>
        $"arn:aws:autoscaling:{region}:{account}:scheduledAction:{id}:resource/{ns}/{resourceId}:scheduledActionName/{name}";

    public static string ScalableTargetArn(string region, string account, string id) =>
        $"arn:aws:application-autoscaling:{region}:{account}:scalable-target/{id}";

    /// <summary>The (namespace, resource id) of a policy ARN, or null when the ARN is not an Application Auto Scaling policy's.</summary>
    public static (string Namespace, string ResourceId, string PolicyName)? ParsePolicyArn(string arn)
    {
        const string resource = ":resource/";
        const string policy = ":policyName/";
        var r = arn.IndexOf(resource, StringComparison.Ordinal);
        var p = arn.IndexOf(policy, StringComparison.Ordinal);
        if (!arn.StartsWith("arn:aws:autoscaling:", StringComparison.Ordinal) || !arn.Contains(":scalingPolicy:", StringComparison.Ordinal) || r < 0 || p < r)
        {
            return null;
        }

        var path = arn[(r + resource.Length)..p];
        var slash = path.IndexOf('/');
        return slash <= 0 ? null : (path[..slash], path[(slash + 1)..], arn[(p + policy.Length)..]);
    }
}
