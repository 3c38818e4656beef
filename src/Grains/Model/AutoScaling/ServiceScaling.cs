using System.Collections.Immutable;
using System.Globalization;
using Emulator.Contracts;

namespace Emulator.Model.AutoScaling;

/// <summary>The scalable target's cooldown bookkeeping (B-AS-2, B-AS-3): until when each cooldown runs, and the capacity before the scale-out that started it.</summary>
public sealed record CooldownState(DateTimeOffset? ScaleOutUntil, int ScaleOutBase, DateTimeOffset? ScaleInUntil)
{
    public static CooldownState None { get; } = new(null, 0, null);
}

/// <summary>What one policy execution or scheduled action asks for, before bounds, cooldowns and suspension.</summary>
public sealed record ScalingRequest(
    string PolicyName,
    string PolicyType,
    Func<int, int> Propose,
    TimeSpan ScaleOutCooldown,
    TimeSpan ScaleInCooldown,
    bool DisableScaleIn);

/// <summary>
/// The decision of one scaling request (B-AS-2..6): the new desired count, or why nothing changes — a not-scaled
/// reason code AWS reports (AlreadyAtMaxCapacity, AlreadyAtMinCapacity, AlreadyAtDesiredCapacity) or a quiet skip
/// (suspended, cooldown, deployment in progress: AWS records no activity for those).
/// </summary>
public sealed record ScalingDecision(int? NewDesired, int Proposed, string? NotScaledCode, string Explanation, CooldownState Cooldowns);

/// <summary>
/// Service auto scaling arithmetic (Application Auto Scaling for ecs:service:DesiredCount), pure and table-tested.
/// Model choices (documented in README and ECS-BEHAVIOR §14):
/// - cooldowns are kept per scalable target, with the durations of the policy that scaled last;
/// - during a scale-out cooldown a further scale-out is computed from the capacity before the scale-out that started
///   the cooldown and applied only when it exceeds the current desired count ("capacity already added counts toward
///   the next scale-out"); a scale-in waits for the scale-out cooldown to end;
/// - a scale-out during a scale-in cooldown happens at once and ends that cooldown;
/// - a policy with DisableScaleIn neither scales in nor takes part in the scale-in vote of several policies;
/// - from zero tasks a target tracking scale-out asks for at least one.
/// </summary>
public static class ServiceScaling
{
    /// <summary>B-AS-2: ceil(current x metric / target), at least 1 from 0 when the metric is above the target.</summary>
    public static int TargetTrackingDesired(int current, double metric, double target)
    {
        if (target <= 0 || double.IsNaN(metric))
        {
            return current;
        }

        var raw = current * metric / target;
        var desired = (int)Math.Ceiling(raw - 1e-9);
        return current == 0 && metric > target ? Math.Max(1, desired) : desired;
    }

    /// <summary>
    /// B-AS-2, B-AS-5, B-AS-6: bounds, cooldowns, suspension and deployments applied to one request. <paramref name="current"/>
    /// is the service's desired count now.
    /// </summary>
    public static ScalingDecision Decide(
        ScalingRequest request,
        int current,
        int min,
        int max,
        SuspendedStateSpec suspended,
        CooldownState cooldowns,
        bool deploymentInProgress,
        DateTimeOffset now)
    {
        var inScaleOutCooldown = cooldowns.ScaleOutUntil is { } outUntil && now < outUntil;
        var inScaleInCooldown = cooldowns.ScaleInUntil is { } inUntil && now < inUntil;
        var proposed = request.Propose(current);
        if (proposed > current)
        {
            if (suspended.DynamicScalingOutSuspended)
            {
                return Quiet(proposed, "dynamic scale-out is suspended", cooldowns);
            }

            if (inScaleOutCooldown)
            {
                // Capacity added by the scale-out that started the cooldown counts toward this one.
                proposed = request.Propose(cooldowns.ScaleOutBase);
                if (proposed <= current)
                {
                    return Quiet(proposed, string.Create(CultureInfo.InvariantCulture,
                        $"in scale-out cooldown until {cooldowns.ScaleOutUntil:O}: {proposed} from the {cooldowns.ScaleOutBase} before the last scale-out is not more than {current}"), cooldowns);
                }
            }

            var bounded = Math.Clamp(proposed, min, max);
            if (bounded <= current)
            {
                return NotScaled(proposed, current >= max ? "AlreadyAtMaxCapacity" : "AlreadyAtDesiredCapacity", current, min, max, cooldowns);
            }

            var baseCapacity = inScaleOutCooldown ? cooldowns.ScaleOutBase : current;
            return new ScalingDecision(bounded, proposed, null, string.Create(CultureInfo.InvariantCulture, $"scale out {current} -> {bounded}"),
                new CooldownState(now + request.ScaleOutCooldown, baseCapacity, null));
        }

        if (proposed < current)
        {
            if (request.DisableScaleIn)
            {
                return Quiet(proposed, "the policy has DisableScaleIn", cooldowns);
            }

            if (suspended.DynamicScalingInSuspended)
            {
                return Quiet(proposed, "dynamic scale-in is suspended", cooldowns);
            }

            if (deploymentInProgress)
            {
                return Quiet(proposed, "scale-in is suspended while a deployment is in progress (B-AS-5)", cooldowns);
            }

            if (inScaleInCooldown)
            {
                return Quiet(proposed, string.Create(CultureInfo.InvariantCulture, $"in scale-in cooldown until {cooldowns.ScaleInUntil:O}"), cooldowns);
            }

            if (inScaleOutCooldown)
            {
                return Quiet(proposed, string.Create(CultureInfo.InvariantCulture, $"in scale-out cooldown until {cooldowns.ScaleOutUntil:O}"), cooldowns);
            }

            var bounded = Math.Clamp(proposed, min, max);
            if (bounded >= current)
            {
                return NotScaled(proposed, current <= min ? "AlreadyAtMinCapacity" : "AlreadyAtDesiredCapacity", current, min, max, cooldowns);
            }

            return new ScalingDecision(bounded, proposed, null, string.Create(CultureInfo.InvariantCulture, $"scale in {current} -> {bounded}"),
                cooldowns with { ScaleInUntil = now + request.ScaleInCooldown });
        }

        return NotScaled(proposed, "AlreadyAtDesiredCapacity", current, min, max, cooldowns);
    }

    /// <summary>B-AS-4: a new min/max moves the current capacity inside the bounds at once (null = unchanged).</summary>
    public static int? Clamp(int current, int min, int max) => current < min ? min : current > max ? max : null;

    /// <summary>
    /// B-AS-2 with several target tracking policies: scale in only when every voting policy agrees (its low alarm is in
    /// ALARM), to the largest capacity any of them asks for; <paramref name="proposals"/> null = that policy does not agree.
    /// </summary>
    public static int? ScaleInVote(IReadOnlyList<int?> proposals) =>
        proposals.Count == 0 || proposals.Any(p => p is null) ? null : proposals.Max();

    private static ScalingDecision Quiet(int proposed, string why, CooldownState cooldowns) => new(null, proposed, null, why, cooldowns);

    private static ScalingDecision NotScaled(int proposed, string code, int current, int min, int max, CooldownState cooldowns) =>
        new(null, proposed, code, string.Create(CultureInfo.InvariantCulture, $"{code}: proposed {proposed}, current {current}, min {min}, max {max}"), cooldowns);
}

/// <summary>Step scaling (B-AS-3): which step applies to a breach, and the capacity it asks for.</summary>
public static class StepScaling
{
    public static readonly ImmutableArray<string> AdjustmentTypes = ["ChangeInCapacity", "PercentChangeInCapacity", "ExactCapacity"];

    /// <summary>
    /// The step whose bounds (relative to the threshold) contain value - threshold: above the threshold the lower bound
    /// is inclusive and the upper exclusive; below it the lower is exclusive and the upper inclusive [api].
    /// </summary>
    public static StepAdjustmentSpec? Select(ImmutableArray<StepAdjustmentSpec> steps, double value, double threshold)
    {
        var diff = value - threshold;
        foreach (var s in steps)
        {
            var lower = s.MetricIntervalLowerBound ?? double.NegativeInfinity;
            var upper = s.MetricIntervalUpperBound ?? double.PositiveInfinity;

            // A step above the threshold (lower >= 0) has its lower bound inclusive; one below it (upper <= 0) its upper.
            var above = lower >= 0 || (upper > 0 && diff >= 0);
            var inside = above ? diff >= lower && diff < upper : diff > lower && diff <= upper;
            if (inside)
            {
                return s;
            }
        }

        return null;
    }

    /// <summary>
    /// The capacity one step asks for from <paramref name="current"/>. PercentChangeInCapacity rounds like Auto
    /// Scaling (a change between 0 and 1 becomes 1, between -1 and 0 becomes -1, otherwise towards zero) and is at
    /// least <paramref name="minAdjustmentMagnitude"/> in size.
    /// </summary>
    public static int Desired(string adjustmentType, int adjustment, int current, int? minAdjustmentMagnitude)
    {
        switch (adjustmentType)
        {
            case "ExactCapacity":
                return adjustment;
            case "PercentChangeInCapacity":
                var change = current * adjustment / 100.0;
                var rounded = change is > 0 and < 1 ? 1 : change is < 0 and > -1 ? -1 : (int)Math.Truncate(change);
                if (minAdjustmentMagnitude is { } mag && Math.Abs(rounded) < mag && adjustment != 0)
                {
                    rounded = Math.Sign(adjustment) * mag;
                }

                return current + rounded;
            default:
                return current + adjustment;
        }
    }

    /// <summary>The metric value a step policy acts on: the evaluated datapoints aggregated by MetricAggregationType (default Average).</summary>
    public static double Aggregate(string? aggregation, IReadOnlyList<double> values) => values.Count == 0 ? double.NaN : aggregation switch
    {
        "Minimum" => values.Min(),
        "Maximum" => values.Max(),
        _ => values.Average(),
    };

    /// <summary>PutScalingPolicy's checks for StepScaling (the first problem, as Application Auto Scaling words it, or null).</summary>
    public static string? Validate(StepScalingSpec spec)
    {
        if (spec.AdjustmentType is null)
        {
            return "AdjustmentType is required for a step scaling policy.";
        }

        if (!AdjustmentTypes.Contains(spec.AdjustmentType))
        {
            return $"1 validation error detected: Value '{spec.AdjustmentType}' at 'stepScalingPolicyConfiguration.adjustmentType' failed to satisfy constraint: Member must satisfy enum value set: [{string.Join(", ", AdjustmentTypes)}]";
        }

        if (spec.StepAdjustments.IsDefaultOrEmpty)
        {
            return "At least one step adjustment is required for a step scaling policy.";
        }

        if (spec.MinAdjustmentMagnitude is { } mag)
        {
            if (spec.AdjustmentType != "PercentChangeInCapacity")
            {
                return "MinAdjustmentMagnitude is only supported with the PercentChangeInCapacity adjustment type.";
            }

            if (mag < 1)
            {
                return "MinAdjustmentMagnitude must be at least 1.";
            }
        }

        if (spec.Cooldown is < 0 or > 86400)
        {
            return "Cooldown must be between 0 and 86400 seconds.";
        }

        if (spec.MetricAggregationType is { } agg && agg is not ("Average" or "Minimum" or "Maximum"))
        {
            return $"1 validation error detected: Value '{agg}' at 'stepScalingPolicyConfiguration.metricAggregationType' failed to satisfy constraint: Member must satisfy enum value set: [Average, Minimum, Maximum]";
        }

        if (spec.AdjustmentType == "ExactCapacity" && spec.StepAdjustments.Any(s => s.ScalingAdjustment < 0))
        {
            return "ScalingAdjustment cannot be negative with the ExactCapacity adjustment type.";
        }

        foreach (var s in spec.StepAdjustments)
        {
            if (s.MetricIntervalLowerBound is { } lo && s.MetricIntervalUpperBound is { } hi && hi <= lo)
            {
                return "The upper bound of a step adjustment must be greater than its lower bound.";
            }
        }

        if (spec.StepAdjustments.Count(s => s.MetricIntervalLowerBound is null) > 1 || spec.StepAdjustments.Count(s => s.MetricIntervalUpperBound is null) > 1)
        {
            return "Only one step adjustment can have an unbounded lower bound and only one an unbounded upper bound.";
        }

        // The intervals must not overlap and must leave no gap between the first and the last.
        var ordered = spec.StepAdjustments.OrderBy(s => s.MetricIntervalLowerBound ?? double.NegativeInfinity).ToList();
        for (var i = 1; i < ordered.Count; i++)
        {
            var previousUpper = ordered[i - 1].MetricIntervalUpperBound ?? double.PositiveInfinity;
            var lower = ordered[i].MetricIntervalLowerBound ?? double.NegativeInfinity;
            if (previousUpper > lower)
            {
                return "Step adjustments have overlapping intervals.";
            }

            if (previousUpper < lower)
            {
                return "Step adjustments have a gap between their intervals.";
            }
        }

        return null;
    }
}

/// <summary>Target tracking (B-AS-2): the metric a policy tracks and the two alarms it owns.</summary>
public static class TargetTracking
{
    public static readonly ImmutableArray<string> EcsMetricTypes = ["ECSServiceAverageCPUUtilization", "ECSServiceAverageMemoryUtilization", "ALBRequestCountPerTarget"];

    /// <summary>Model choice (observed on AWS; configurable): high alarm 3 of 3 one-minute datapoints above the target.</summary>
    public const int HighDatapoints = 3;

    /// <summary>Model choice (observed): low alarm 15 of 15 datapoints below 90 % of the target.</summary>
    public const int LowDatapoints = 15;

    public const double LowFactor = 0.9;

    public static string HighAlarmName(string resourceId, string uuid) => $"TargetTracking-{resourceId}-AlarmHigh-{uuid}";

    public static string LowAlarmName(string resourceId, string uuid) => $"TargetTracking-{resourceId}-AlarmLow-{uuid}";

    /// <summary>The ALB's ResourceLabel "app/LB/ID/targetgroup/TG/ID" -> the TargetGroup dimension "targetgroup/TG/ID", or null.</summary>
    public static string? TargetGroupDimension(string resourceLabel)
    {
        var i = resourceLabel.IndexOf("/targetgroup/", StringComparison.Ordinal);
        if (!resourceLabel.StartsWith("app/", StringComparison.Ordinal) || i < 0)
        {
            return null;
        }

        var tg = resourceLabel[(i + 1)..];
        return tg.Split('/').Length == 3 ? tg : null;
    }

    /// <summary>PutScalingPolicy's checks for TargetTrackingScaling (null = fine).</summary>
    public static string? Validate(TargetTrackingSpec spec)
    {
        if (double.IsNaN(spec.TargetValue) || double.IsInfinity(spec.TargetValue) || spec.TargetValue <= 0)
        {
            return "The target value must be a positive number.";
        }

        if ((spec.PredefinedMetricType is null) == (spec.CustomizedMetric is null))
        {
            return "Exactly one of PredefinedMetricSpecification and CustomizedMetricSpecification must be specified.";
        }

        if (spec.PredefinedMetricType is { } type)
        {
            if (!EcsMetricTypes.Contains(type))
            {
                return $"The predefined metric type {type} is not supported for the scalable dimension ecs:service:DesiredCount.";
            }

            if (type == "ALBRequestCountPerTarget")
            {
                if (spec.ResourceLabel is null || TargetGroupDimension(spec.ResourceLabel) is null)
                {
                    return "A ResourceLabel of the form app/<load-balancer-name>/<load-balancer-id>/targetgroup/<target-group-name>/<target-group-id> is required for ALBRequestCountPerTarget.";
                }
            }
            else if (spec.ResourceLabel is not null)
            {
                return "A ResourceLabel can only be specified with the ALBRequestCountPerTarget metric type.";
            }
        }

        if (spec.CustomizedMetric is { } custom)
        {
            var hasMetric = custom.MetricName is not null || custom.Namespace is not null || custom.Statistic is not null;
            var hasMath = !custom.Metrics.IsDefaultOrEmpty;
            if (hasMetric == hasMath)
            {
                return "A customized metric specification needs either MetricName, Namespace and Statistic, or Metrics.";
            }

            if (hasMetric && (custom.MetricName is null || custom.Namespace is null || custom.Statistic is null))
            {
                return "MetricName, Namespace and Statistic are required in a customized metric specification.";
            }

            if (hasMetric && custom.Statistic is not ("Average" or "Minimum" or "Maximum" or "SampleCount" or "Sum"))
            {
                return $"1 validation error detected: Value '{custom.Statistic}' at 'targetTrackingScalingPolicyConfiguration.customizedMetricSpecification.statistic' failed to satisfy constraint: Member must satisfy enum value set: [Average, Minimum, Maximum, SampleCount, Sum]";
            }

            if (hasMath && Alarms.AlarmRules.QueriesError(custom.Metrics, forAlarm: false) is { } error)
            {
                return error;
            }
        }

        if (spec.ScaleInCooldown is < 0 or > 86400 || spec.ScaleOutCooldown is < 0 or > 86400)
        {
            return "Cooldowns must be between 0 and 86400 seconds.";
        }

        return null;
    }

    /// <summary>
    /// The alarm the policy's metric makes (B-AS-2): name, threshold and comparison decide high or low. Predefined
    /// metrics: AWS/ECS CPUUtilization / MemoryUtilization (ClusterName, ServiceName) Average; AWS/ApplicationELB
    /// RequestCountPerTarget (TargetGroup) Sum — requests per task per minute.
    /// </summary>
    public static AlarmSpec Alarm(TargetTrackingSpec spec, string name, string policyArn, string cluster, string service, bool high, string policyName)
    {
        var threshold = high ? spec.TargetValue : spec.TargetValue * LowFactor;
        var periods = high ? HighDatapoints : LowDatapoints;
        var description = $"DO NOT EDIT OR DELETE. For TargetTrackingScaling policy {policyArn}.";
        string? ns = null, metric = null, statistic = null, unit = null;
        ImmutableArray<MetricDimension> dims = [];
        ImmutableArray<MetricQuerySpec> metrics = [];
        switch (spec.PredefinedMetricType)
        {
            case "ECSServiceAverageCPUUtilization" or "ECSServiceAverageMemoryUtilization":
                (ns, metric, statistic) = (MetricNamespaces.Ecs, spec.PredefinedMetricType == "ECSServiceAverageCPUUtilization" ? "CPUUtilization" : "MemoryUtilization", "Average");
                dims = [new MetricDimension("ClusterName", cluster), new MetricDimension("ServiceName", service)];
                break;
            case "ALBRequestCountPerTarget":
                (ns, metric, statistic) = (MetricNamespaces.ApplicationElb, "RequestCountPerTarget", "Sum");
                dims = [new MetricDimension("TargetGroup", TargetGroupDimension(spec.ResourceLabel!)!)];
                break;
            default:
                var custom = spec.CustomizedMetric!;
                if (custom.Metrics.IsDefaultOrEmpty)
                {
                    (ns, metric, statistic, unit) = (custom.Namespace, custom.MetricName, custom.Statistic, custom.Unit);
                    dims = custom.Dimensions.IsDefault ? [] : custom.Dimensions;
                }
                else
                {
                    metrics = custom.Metrics;
                }

                break;
        }

        _ = policyName;
        return new AlarmSpec(name, description, true, [], [policyArn], [], ns, metric, dims.Sort((a, b) => string.CompareOrdinal(a.Name, b.Name)),
            statistic, null, metrics.IsDefaultOrEmpty ? 60 : null, unit, periods, periods, threshold,
            high ? "GreaterThanThreshold" : "LessThanThreshold", "missing", null, metrics, null, ImmutableDictionary<string, string>.Empty, policyArn);
    }
}
