using System.Collections.Immutable;
using Emulator.Contracts;
using Emulator.Model.Lifecycle;

namespace Emulator.Model.Deployments;

/// <summary>The circuit breaker's view of one deployment: failures counted against the threshold, and its stage (B-DP-2).</summary>
public sealed record CircuitBreakerVerdict(int FailureCount, int Threshold, int Stage, bool Tripped);

/// <summary>
/// The deployment circuit breaker (B-DP-2). Threshold: <c>value</c> for COUNT; ceil(value % x desiredCount) clamped to
/// [3, 200] for BOUNDED_PERCENT (AWS's default, value 50); the same unclamped (at least 1) for UNBOUNDED_PERCENT.
/// Stage 1 counts tasks of the deployment that stop before RUNNING (TaskFailedToStart, EssentialContainerExited);
/// once a task of the deployment has reached RUNNING (stage 2) tasks that stop after RUNNING because their essential
/// container exited or because they failed their load balancer or container health checks count too.
/// With resetOnHealthyTask (default true) a task of the deployment becoming healthy resets the count: only failures
/// after the latest such instant count. At the threshold the deployment fails.
/// Model choice (AWS documents no rounding): the percentage is rounded up.
/// </summary>
public static class CircuitBreaker
{
    public const int BoundedMinimum = 3;
    public const int BoundedMaximum = 200;

    /// <summary>Model choice: the range the emulator accepts for a threshold value of each type.</summary>
    public const int MaxCount = 10_000;

    public static int Threshold(ThresholdConfigurationSpec config, int desiredCount)
    {
        ArgumentNullException.ThrowIfNull(config);
        var desired = Math.Max(0, desiredCount);
        var percent = (int)Math.Ceiling(config.Value * (double)desired / 100.0);
        return config.Type switch
        {
            ThresholdConfigurationSpec.Count => Math.Max(1, config.Value),
            ThresholdConfigurationSpec.UnboundedPercent => Math.Max(1, percent),
            _ => Math.Clamp(percent, BoundedMinimum, BoundedMaximum),
        };
    }

    /// <summary>Null when the threshold configuration is valid, else InvalidParameterException's message.</summary>
    public static string? Validate(ThresholdConfigurationSpec? config)
    {
        if (config is null)
        {
            return null;
        }

        return config.Type switch
        {
            ThresholdConfigurationSpec.Count when config.Value is < 1 or > MaxCount =>
                $"Invalid thresholdConfiguration: value {config.Value} is out of range for type COUNT; it must be between 1 and {MaxCount}.",
            ThresholdConfigurationSpec.BoundedPercent or ThresholdConfigurationSpec.UnboundedPercent when config.Value is < 1 or > 100 =>
                $"Invalid thresholdConfiguration: value {config.Value} is out of range for type {config.Type}; it must be between 1 and 100.",
            ThresholdConfigurationSpec.Count or ThresholdConfigurationSpec.BoundedPercent or ThresholdConfigurationSpec.UnboundedPercent => null,
            _ => $"Invalid thresholdConfiguration: type '{config.Type}' is not one of COUNT, BOUNDED_PERCENT, UNBOUNDED_PERCENT.",
        };
    }

    /// <summary>
    /// Whether a task of the deployment counts as a failure, and in which stage: 1 for a task that stopped before
    /// RUNNING, 2 for one that stopped after RUNNING for a reason that says the revision is bad; 0 for a task that is
    /// fine or that was stopped for a reason unrelated to its revision (scale-in, replacement, its host went away, a user).
    /// </summary>
    public static int FailureStage(ServiceTaskView t)
    {
        ArgumentNullException.ThrowIfNull(t);
        if (t.DesiredStatus != DesiredStatus.STOPPED || t.StopCode is null)
        {
            return 0;
        }

        if (t.StopCode is StopReasons.TaskFailedToStart or StopReasons.EssentialContainerExited)
        {
            return t.StartedAt is null ? 1 : 2;
        }

        return t.StartedAt is not null && StopReasons.IsHealthCheckFailure(t.StoppedReason) ? 2 : 0;
    }

    /// <summary>
    /// Folds what the deployment's tasks show now into the breaker's memory: newly failed tasks are counted once (at
    /// the instant they stopped, <paramref name="now"/> while still stopping), the latest healthy instant is kept, and
    /// stage 2 starts with the first task that reached RUNNING.
    /// </summary>
    public static CircuitBreakerState Observe(CircuitBreakerState state, IEnumerable<ServiceTaskView> deploymentTasks, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(deploymentTasks);
        var counted = state.Counted;
        var times = state.FailureTimes.IsDefault ? ImmutableArray<DateTimeOffset>.Empty : state.FailureTimes;
        var lastHealthy = state.LastHealthyAt;
        var stage2 = state.Stage2;
        var builder = times.ToBuilder();
        foreach (var t in deploymentTasks)
        {
            stage2 |= t.StartedAt is not null;
            if (t.HealthyAt is { } healthyAt && healthyAt <= now && t.DesiredStatus == DesiredStatus.RUNNING && (lastHealthy is null || healthyAt > lastHealthy))
            {
                lastHealthy = healthyAt;
            }

            if (FailureStage(t) > 0 && !counted.Contains(t.TaskId))
            {
                counted = counted.Add(t.TaskId);
                builder.Add(t.StoppedAt ?? now);
            }
        }

        return new CircuitBreakerState(counted, builder.ToImmutable(), lastHealthy, stage2);
    }

    /// <summary>The failures that count: every one, or with resetOnHealthyTask only those after the latest healthy instant.</summary>
    public static int FailureCount(CircuitBreakerState state, bool resetOnHealthyTask)
    {
        ArgumentNullException.ThrowIfNull(state);
        var times = state.FailureTimes.IsDefault ? ImmutableArray<DateTimeOffset>.Empty : state.FailureTimes;
        return resetOnHealthyTask && state.LastHealthyAt is { } reset ? times.Count(t => t > reset) : times.Length;
    }

    /// <summary>B-DP-2: the breaker's verdict for a deployment rolling out to <paramref name="desiredCount"/> tasks.</summary>
    public static CircuitBreakerVerdict Evaluate(CircuitBreakerState state, DeploymentCircuitBreakerSpec spec, int desiredCount)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var threshold = Threshold(spec.EffectiveThreshold, desiredCount);
        var count = FailureCount(state, spec.ResetsOnHealthyTask);
        return new CircuitBreakerVerdict(count, threshold, state.Stage2 ? 2 : 1, spec.Enable && count >= threshold);
    }

    /// <summary>The rolloutStateReason of a deployment the breaker failed (B-DP-4).</summary>
    public static string FailureReason(int stage) => stage >= 2
        ? "ECS deployment circuit breaker: tasks failed to reach a healthy state."
        : "ECS deployment circuit breaker: task failed to start.";
}
