using System.Globalization;

namespace Emulator.Model.Scaling;

/// <summary>
/// The texts of EC2 Auto Scaling scaling activities (DescribeScalingActivities), in AWS's wording (B-ASG-6).
/// A Cause is one or more sentences, each starting "At TIMEZ", joined by two spaces as AWS prints them
/// (<see cref="JoinCauses"/>): e.g. the alarm that changed the desired capacity, then the launch that followed.
/// </summary>
public static class ScalingActivities
{
    /// <summary>AWS's timestamp in causes: UTC, whole seconds, "Z" ("2026-01-01T00:00:00Z").</summary>
    public static string Timestamp(DateTimeOffset at) =>
        at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    public static string LaunchDescription(string instanceId) => $"Launching a new EC2 instance: {instanceId}";

    public static string TerminateDescription(string instanceId) => $"Terminating EC2 instance: {instanceId}";

    /// <summary>Description of a launch that failed; <paramref name="statusMessage"/> is e.g. <see cref="InsufficientCapacity"/>.</summary>
    public static string LaunchFailedDescription(string statusMessage) =>
        $"Launching a new EC2 instance.  Status Reason: {statusMessage}";

    /// <summary>Name of the high alarm of the target tracking policy ECS creates for managed scaling (B-CAS-4).</summary>
    public static string CasHighAlarmName(string autoScalingGroupName, string id) =>
        $"TargetTracking-{autoScalingGroupName}-AlarmHigh-{id}";

    /// <summary>Name of the low alarm of that policy (B-CAS-5).</summary>
    public static string CasLowAlarmName(string autoScalingGroupName, string id) =>
        $"TargetTracking-{autoScalingGroupName}-AlarmLow-{id}";

    /// <summary>Name of the target tracking policy ECS puts on the ASG for managed scaling.</summary>
    public static string CasPolicyName(string id) => $"ECSManagedAutoScalingPolicy-{id}";

    /// <summary>A CAS alarm (B-CAS-4/5) changed the desired capacity.</summary>
    public static string CauseCasAlarm(DateTimeOffset at, string alarmName, string policyName, int from, int to) =>
        $"At {Timestamp(at)} a monitor alarm {alarmName} in state ALARM triggered policy {policyName} changing the desired capacity from {from} to {to}.";

    /// <summary>
    /// UpdateAutoScalingGroup changed the desired capacity. Deviation from the brief's signature: AWS's sentence
    /// names the new min, max and desired, so they are parameters (desired is <paramref name="to"/>).
    /// </summary>
    public static string CauseUserRequest(DateTimeOffset at, int min, int max, int from, int to) =>
        $"At {Timestamp(at)} a user request update of AutoScalingGroup constraints to min: {min}, max: {max}, desired: {to} changing the desired capacity from {from} to {to}.";

    /// <summary>SetDesiredCapacity changed the desired capacity.</summary>
    public static string CauseSetDesiredCapacity(DateTimeOffset at, int from, int to) =>
        $"At {Timestamp(at)} a user request explicitly set group desired capacity changing the desired capacity from {from} to {to}.";

    public static string CauseLaunchToMatch(DateTimeOffset at, int from, int to) =>
        $"At {Timestamp(at)} an instance was started in response to a difference between desired and actual capacity, increasing the capacity from {from} to {to}.";

    public static string CauseTerminateToMatch(DateTimeOffset at, int from, int to) =>
        $"At {Timestamp(at)} an instance was taken out of service in response to a difference between desired and actual capacity, shrinking the capacity from {from} to {to}.";

    public static string CauseSelectedForTermination(DateTimeOffset at, string instanceId) =>
        $"At {Timestamp(at)} instance {instanceId} was selected for termination.";

    /// <summary>B-SP-3: the instance is gone (Spot interruption, terminate-instances, AZ loss); the group notices by its EC2 health check.</summary>
    public static string CauseHealthCheckTerminated(DateTimeOffset at) =>
        $"At {Timestamp(at)} an instance was taken out of service in response to an EC2 health check indicating it has been terminated or stopped.";

    /// <summary>B-ASG-5: capacity rebalancing launches a replacement for an at-risk Spot instance.</summary>
    public static string CauseRebalanceLaunch(DateTimeOffset at) =>
        $"At {Timestamp(at)} an instance was launched in response to an EC2 instance rebalance recommendation.";

    /// <summary>B-ASG-5: capacity rebalancing terminates the at-risk instance once its replacement runs.</summary>
    public static string CauseRebalanceTerminate(DateTimeOffset at) =>
        $"At {Timestamp(at)} an instance was taken out of service in response to an EC2 instance rebalance recommendation.";

    /// <summary>Joins cause sentences the way AWS does: two spaces between them.</summary>
    public static string JoinCauses(params IEnumerable<string> causes) => string.Join("  ", causes);

    /// <summary>Status message of an On-Demand launch that found no capacity in the AZ (B-ASG-3).</summary>
    public static string InsufficientCapacity(string instanceType, string az) =>
        $"We currently do not have sufficient {instanceType} capacity in the Availability Zone you requested ({az}). "
        + "Our system will be working on provisioning additional capacity. Launching EC2 instance failed.";

    /// <summary>Status message of a Spot launch when every pool of the group is exhausted (B-ASG-3, B-SP-3).</summary>
    public static string InsufficientSpotCapacity() =>
        "There is no Spot capacity available that matches your request. Launching EC2 instance failed.";
}
