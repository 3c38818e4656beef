using System.Collections.Immutable;
using Emulator.Contracts;
using Emulator.Model.Scaling;

namespace Emulator.Model.Lifecycle;

/// <summary>
/// The lifecycle of one EC2 instance of an Auto Scaling group (B-ASG-1, B-T-2, B-CAS-8), as stages:
/// <c>Pending</c> -> <c>InService</c> (after the EC2 launch time) -> registered (the ECS agent, after the
/// registration time) -> <c>Terminating:Wait</c> (managed draining) -> <c>Terminated</c>. Every transition is a pure
/// <c>with</c> update stamped with its <i>scheduled</i> instant (so timer lag never distorts the emulated history),
/// returned with the steps the group applies (<see cref="InstanceStep"/>). Like <see cref="TaskLifecycle"/> for tasks.
/// </summary>
public static class InstanceLifecycle
{
    /// <summary>B-ASG-1: Pending and InService instances count toward the group's capacity; Terminating[:Wait] and Terminated ones do not.</summary>
    public static bool CountsTowardCapacity(LifecycleState state) => state is LifecycleState.Pending or LifecycleState.InService;

    /// <summary>Still in the group (Describe lists it; Delete needs force; it can be terminated).</summary>
    public static bool IsPresent(AsgInstance i) => i.State != LifecycleState.Terminated;

    /// <summary>
    /// A new instance (B-ASG-2, B-ASG-3 chose where and what): Pending, due InService after the EC2 launch time
    /// (B-T-2, with the configured jitter from <paramref name="random"/>), protected from scale-in when the group
    /// protects new instances (B-CAS-7 requires it).
    /// </summary>
    public static AsgInstance Launched(
        string instanceId, LaunchChoice choice, decimal pricePerHour, bool protectedFromScaleIn, string launchTemplateVersion,
        EmulatorTimings timings, DateTimeOffset now, Random random) =>
        new(instanceId, choice.InstanceType, choice.AvailabilityZone, choice.IsSpot, LifecycleState.Pending, protectedFromScaleIn, now,
            now + timings.WithJitter(timings.Ec2Launch, random), false, launchTemplateVersion, null, pricePerHour, null);

    /// <summary>
    /// When the instance's next stage is due, or null when nothing is scheduled: InService at the end of the launch
    /// time; the agent's registration <see cref="EmulatorTimings.AgentRegistration"/> after that; the end of managed
    /// draining's lifecycle hook (<see cref="EmulatorTimings.DrainingHookTimeout"/>, B-CAS-8).
    /// </summary>
    public static DateTimeOffset? NextDue(AsgInstance i, EmulatorTimings timings) => i.State switch
    {
        LifecycleState.Pending => i.InServiceAt,
        LifecycleState.InService when !i.Registered && i.InServiceAt is { } inService => inService + timings.AgentRegistration,
        LifecycleState.TerminatingWait when i.TerminationStartedAt is { } started => started + timings.DrainingHookTimeout,
        _ => null,
    };

    /// <summary>
    /// Applies every stage due at or before <paramref name="now"/>: Pending -> InService at its scheduled instant
    /// ("EC2 Instance Launch Successful" stamped then, B-EV-2), then, once the registration time has passed too, the
    /// agent's registration (<see cref="RegisterWithCluster"/>; the group records the outcome).
    /// </summary>
    public static InstanceTransition Advance(AsgInstance i, string autoScalingGroupName, EmulatorTimings timings, DateTimeOffset now)
    {
        var steps = ImmutableArray.CreateBuilder<InstanceStep>();
        var next = i;
        if (next.State == LifecycleState.Pending && next.InServiceAt is { } at && at <= now)
        {
            next = next with { State = LifecycleState.InService };
            steps.Add(new ObserveLag(at, LagSource.InstanceLifecycle));
            steps.Add(GroupEvent(EventTypes.InstanceLaunchSuccessful, autoScalingGroupName, next.InstanceId, at));
        }

        if (next.State == LifecycleState.InService && !next.Registered && NextDue(next, timings) is { } registration && registration <= now)
        {
            steps.Add(new RegisterWithCluster(next));
        }

        return new InstanceTransition(next, steps.ToImmutable());
    }

    /// <summary>The cluster accepted the agent's registration: the container instance is ACTIVE.</summary>
    public static AsgInstance AgentRegistered(AsgInstance i) => i with { Registered = true };

    /// <summary>The cluster lost the container instance (a silo died before it was written): the agent registers again.</summary>
    public static AsgInstance AgentLost(AsgInstance i) => i with { Registered = false };

    /// <summary>
    /// Takes the instance out of service (scale-in B-ASG-4, rebalancing B-ASG-5, TerminateInstanceInAutoScalingGroup).
    /// B-CAS-8: with managed draining, a registered InService instance waits in Terminating:Wait (an open activity
    /// "Waiting for managed draining…") while its container instance drains; anything else terminates at once.
    /// </summary>
    public static InstanceTransition BeginTermination(AsgInstance i, bool managedDraining, string autoScalingGroupName, string cause, DateTimeOffset now)
    {
        if (managedDraining && i.Registered && i.State == LifecycleState.InService)
        {
            return new InstanceTransition(
                i with { State = LifecycleState.TerminatingWait, TerminationStartedAt = now },
                [new RecordActivity(InstanceActivities.WaitingForManagedDraining(i.InstanceId, cause, now)), new DrainContainerInstance(i.InstanceId)]);
        }

        return Terminate(i, autoScalingGroupName, cause, now);
    }

    /// <summary>
    /// B-CAS-8: when a Terminating:Wait instance's wait ends: at <paramref name="now"/> once no service task is left
    /// on it, at the scheduled end of the lifecycle hook once that has passed; null while it still waits (or when it
    /// is not waiting).
    /// </summary>
    public static DateTimeOffset? WaitEndsAt(AsgInstance i, int serviceTasksLeft, EmulatorTimings timings, DateTimeOffset now)
    {
        if (i.State != LifecycleState.TerminatingWait)
        {
            return null;
        }

        if (NextDue(i, timings) is { } timeout && timeout <= now)
        {
            return timeout;
        }

        return serviceTasksLeft == 0 ? now : null;
    }

    /// <summary>
    /// The instance terminates at <paramref name="at"/> (B-ASG-1; B-SP-3 at the end of the notice; B-CAS-8 after
    /// draining). Its container instance is deregistered (B-CI-5: its tasks stop at once), a Spot instance's pool
    /// gets its capacity back, the termination activity completes (<paramref name="cause"/> when none is open) and
    /// "EC2 Instance Terminate Successful" is emitted, stamped <paramref name="at"/>.
    /// </summary>
    public static InstanceTransition Terminate(AsgInstance i, string autoScalingGroupName, string cause, DateTimeOffset at)
    {
        if (i.State == LifecycleState.Terminated)
        {
            return InstanceTransition.Unchanged(i);
        }

        var steps = ImmutableArray.CreateBuilder<InstanceStep>();
        if (i.Registered)
        {
            steps.Add(new DeregisterFromCluster(i.InstanceId));
        }

        if (i.IsSpot)
        {
            steps.Add(new ReleaseSpotCapacity(i.InstanceType, i.AvailabilityZone));
        }

        steps.Add(new CompleteTerminationActivity(i.InstanceId, cause, at));
        steps.Add(GroupEvent(EventTypes.InstanceTerminateSuccessful, autoScalingGroupName, i.InstanceId, at));
        return new InstanceTransition(
            i with { State = LifecycleState.Terminated, TerminatedAt = at, TerminationStartedAt = i.TerminationStartedAt ?? at },
            steps.ToImmutable());
    }

    /// <summary>
    /// B-EV-2: an Auto Scaling event ("EC2 Instance Launch Successful", "… Unsuccessful", "EC2 Instance Terminate
    /// Successful"), detail as AWS sends it: the group, the instance (empty for a launch that made none) and the status.
    /// </summary>
    public static EmitInstanceEvent GroupEvent(string detailType, string autoScalingGroupName, string instanceId, DateTimeOffset at) =>
        new(EventTypes.SourceAutoScaling, detailType, instanceId, at, ImmutableDictionary<string, string>.Empty
            .Add("AutoScalingGroupName", autoScalingGroupName)
            .Add("EC2InstanceId", instanceId)
            .Add("StatusCode", detailType == EventTypes.InstanceLaunchUnsuccessful ? InstanceActivities.Failed : "InProgress"));

    /// <summary>The instance as the group's placement and scale-in choices see it (<see cref="AutoScalingGroups"/>).</summary>
    public static AsgInstanceView View(AsgInstance i) =>
        new(i.InstanceId, i.AvailabilityZone, i.InstanceType, i.IsSpot, i.State, i.ProtectedFromScaleIn, i.LaunchedAt, i.LaunchTemplateVersion);
}
