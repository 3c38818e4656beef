using System.Collections.Immutable;
using Emulator.Contracts;
using Emulator.Model.Scaling;

namespace Emulator.Model.Lifecycle;

/// <summary>
/// B-ASG-6: the scaling activities of an instance's lifecycle, in AWS's wording (texts from
/// <see cref="ScalingActivities"/>), and the group's activity log: newest first, at most <see cref="Limit"/> kept.
/// </summary>
public static class InstanceActivities
{
    /// <summary>Activities a group keeps (DescribeScalingActivities reads them newest first).</summary>
    public const int Limit = 500;

    public const string Successful = "Successful";

    public const string Failed = "Failed";

    /// <summary>B-CAS-8: AWS's status while the lifecycle hook of managed draining holds the instance.</summary>
    public const string WaitingForDraining = "WaitingForELBConnectionDraining";

    public const string WaitingForDrainingMessage = "Waiting for managed draining of the ECS container instance";

    /// <summary>A launch: it starts now and ends when the instance is due InService (its Pending time).</summary>
    public static ActivityDraft Launch(string instanceId, string cause, DateTimeOffset now, DateTimeOffset inServiceAt) =>
        new(ScalingActivities.LaunchDescription(instanceId), cause, now, inServiceAt, Successful, null, 100);

    /// <summary>A launch that found no capacity (B-ASG-3): Failed, with the reason in its description and status message.</summary>
    public static ActivityDraft LaunchFailed(string statusMessage, string descriptionReason, string cause, DateTimeOffset now) =>
        new(ScalingActivities.LaunchFailedDescription(descriptionReason), cause, now, now, Failed, statusMessage, 100);

    /// <summary>B-CAS-8: the termination waits for managed draining: open (no end time), half done.</summary>
    public static ActivityDraft WaitingForManagedDraining(string instanceId, string cause, DateTimeOffset now) =>
        new(ScalingActivities.TerminateDescription(instanceId), cause, now, null, WaitingForDraining, WaitingForDrainingMessage, 50);

    /// <summary>A termination done at once.</summary>
    public static ActivityDraft Terminated(string instanceId, string cause, DateTimeOffset at) =>
        new(ScalingActivities.TerminateDescription(instanceId), cause, at, at, Successful, null, 100);

    /// <summary>The log with <paramref name="activity"/> first, trimmed to <see cref="Limit"/>.</summary>
    public static ImmutableList<ScalingActivity> Add(ImmutableList<ScalingActivity> log, ScalingActivity activity)
    {
        var added = log.Insert(0, activity);
        return added.Count > Limit ? added.RemoveRange(Limit, added.Count - Limit) : added;
    }

    /// <summary>
    /// The instance's termination is done at <paramref name="at"/>: the open termination activity (Terminating:Wait)
    /// becomes Successful; without one, a new Successful activity with <paramref name="cause"/> is added (its id from
    /// <paramref name="newId"/>, drawn only then). Returns the log and the activity that records the termination.
    /// </summary>
    public static (ImmutableList<ScalingActivity> Log, ScalingActivity Done) CompleteTermination(
        ImmutableList<ScalingActivity> log, string autoScalingGroupName, string instanceId, string cause, DateTimeOffset at, Func<string> newId)
    {
        var description = ScalingActivities.TerminateDescription(instanceId);
        var open = log.FirstOrDefault(a => a.Description == description && a.EndTime is null);
        if (open is not null)
        {
            var done = open with { EndTime = at, StatusCode = Successful, StatusMessage = null, Progress = 100 };
            return (log.Replace(open, done), done);
        }

        var added = Terminated(instanceId, cause, at).Named(newId(), autoScalingGroupName);
        return (Add(log, added), added);
    }
}
