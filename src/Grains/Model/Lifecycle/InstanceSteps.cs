using System.Collections.Immutable;
using Emulator.Contracts;

namespace Emulator.Model.Lifecycle;

/// <summary>
/// What an EC2 Auto Scaling group does after a pure lifecycle decision (B-ASG-1, B-ASG-5, B-ASG-6, B-SP-1..3,
/// B-CAS-8). The instance and Spot interruption state machines (<see cref="InstanceLifecycle"/>,
/// <see cref="InstanceGroup"/>, <see cref="SpotInterruptions"/>) return these as data, in order, and the group's
/// grain applies them: calls to the cluster and the Spot market, events, scaling activities. Nothing is decided while
/// they are applied; an outcome the group needs back (did the agent register, which instance replaced an at-risk one)
/// goes through a pure function again (<see cref="InstanceLifecycle.AgentRegistered"/>,
/// <see cref="SpotInterruptions.ReplacementLaunched"/>). kwok's "lifecycle stages as data" is the model.
/// </summary>
public abstract record InstanceStep;

/// <summary>
/// B-T-2: the instance's ECS agent registers with the group's cluster (its container instance becomes ACTIVE). The
/// cluster may refuse (it does not exist yet): the agent tries again on the next tick, like the real one does. On
/// success the group records <see cref="InstanceLifecycle.AgentRegistered"/>.
/// </summary>
public sealed record RegisterWithCluster(AsgInstance Instance) : InstanceStep;

/// <summary>B-CAS-8 (managed draining), B-SP-2 (Spot draining at the warning): the instance's container instance goes DRAINING.</summary>
public sealed record DrainContainerInstance(string InstanceId) : InstanceStep;

/// <summary>B-CI-5, B-SP-3: the EC2 instance is gone: its container instance is deregistered and its tasks stop at once.</summary>
public sealed record DeregisterFromCluster(string InstanceId) : InstanceStep;

/// <summary>B-SP-3: a terminated Spot instance gives its unit of capacity back to its pool.</summary>
public sealed record ReleaseSpotCapacity(string InstanceType, string AvailabilityZone) : InstanceStep;

/// <summary>
/// B-EV-2: an event about one instance, stamped with the instant it happened (the scheduled one, not the late
/// tick's). Source <c>aws.autoscaling</c> names the group as its resource, <c>aws.ec2</c> the instance.
/// </summary>
public sealed record EmitInstanceEvent(string Source, string DetailType, string InstanceId, DateTimeOffset At, ImmutableDictionary<string, string> Detail)
    : InstanceStep;

/// <summary>B-ASG-6: a new scaling activity (the group gives it an id from its seeded stream, B-ID-4).</summary>
public sealed record RecordActivity(ActivityDraft Activity) : InstanceStep;

/// <summary>
/// B-ASG-6: the instance's termination activity ends Successful at <paramref name="At"/>: the one its
/// Terminating:Wait opened, else a new one with <paramref name="Cause"/> (<see cref="InstanceActivities.CompleteTermination"/>).
/// </summary>
public sealed record CompleteTerminationActivity(string InstanceId, string Cause, DateTimeOffset At) : InstanceStep;

/// <summary>B-T-3: a step due at <paramref name="ScheduledAt"/> is being applied: the group reports how late.</summary>
public sealed record ObserveLag(DateTimeOffset ScheduledAt, LagSource Source) : InstanceStep;

/// <summary>
/// B-ASG-1..3: launch up to <paramref name="Count"/> instances toward desired capacity (each through
/// <see cref="InstanceLaunches"/>); the first launch that finds no capacity records a failed activity and ends the
/// batch (<see cref="InstanceLaunches.Failure"/>: one failed activity per attempt).
/// </summary>
public sealed record LaunchInstances(int Count, string Cause) : InstanceStep;

/// <summary>
/// B-ASG-5: launch one instance in place of an at-risk one (desired capacity unchanged); its id goes back through
/// <see cref="SpotInterruptions.ReplacementLaunched"/>.
/// </summary>
public sealed record LaunchReplacement(string AtRiskInstanceId, string Cause) : InstanceStep;

/// <summary>
/// B-ASG-4, B-ASG-5, B-CAS-8: take the instance out of service through <see cref="InstanceLifecycle.BeginTermination"/>
/// (Terminating:Wait under managed draining, else terminated at once).
/// </summary>
public sealed record BeginTermination(string InstanceId, string Cause) : InstanceStep;

/// <summary>B-SP-3, B-CAS-8 (hook timeout): the instance terminates, at <paramref name="At"/>, through <see cref="InstanceLifecycle.Terminate"/>.</summary>
public sealed record TerminateInstance(string InstanceId, string Cause, DateTimeOffset At) : InstanceStep;

/// <summary>Which of the emulator's lag figures (B-T-3) a due step counts toward.</summary>
public enum LagSource
{
    /// <summary>An instance's due lifecycle stage (Pending -> InService, B-ASG-1).</summary>
    InstanceLifecycle,

    /// <summary>A Spot interruption's warning or termination (B-SP-1).</summary>
    SpotInterruption,
}

/// <summary>A scaling activity before the group names it (B-ASG-6).</summary>
public sealed record ActivityDraft(
    string Description,
    string Cause,
    DateTimeOffset StartTime,
    DateTimeOffset? EndTime,
    string StatusCode,
    string? StatusMessage,
    int Progress)
{
    public ScalingActivity Named(string activityId, string autoScalingGroupName) =>
        new(activityId, autoScalingGroupName, Description, Cause, StartTime, EndTime, StatusCode, StatusMessage, Progress);
}

/// <summary>The transition of one instance: its new record and what the group does about it, in order.</summary>
public sealed record InstanceTransition(AsgInstance Instance, ImmutableArray<InstanceStep> Steps)
{
    public static InstanceTransition Unchanged(AsgInstance instance) => new(instance, []);
}
