using Emulator.Model.Scaling;

namespace Emulator.Tests.Model.Scaling;

public sealed class ScalingActivitiesTests
{
    private static readonly DateTimeOffset At = new(2026, 1, 1, 9, 30, 15, 500, TimeSpan.FromHours(9));

    [Fact]
    public void B_ASG_6_timestamps_are_UTC_whole_seconds_with_Z() =>
        Assert.Equal("2026-01-01T00:30:15Z", ScalingActivities.Timestamp(At));

    [Fact]
    public void B_ASG_6_descriptions_use_AWS_wording()
    {
        Assert.Equal("Launching a new EC2 instance: i-0123456789abcdef0", ScalingActivities.LaunchDescription("i-0123456789abcdef0"));
        Assert.Equal("Terminating EC2 instance: i-0123456789abcdef0", ScalingActivities.TerminateDescription("i-0123456789abcdef0"));
    }

    [Fact]
    public void B_ASG_6_a_CAS_scale_out_cause_reads_like_AWS()
    {
        var alarm = ScalingActivities.CasHighAlarmName("my-asg", "abc");
        var policy = ScalingActivities.CasPolicyName("def");
        var cause = ScalingActivities.JoinCauses(
            ScalingActivities.CauseCasAlarm(At, alarm, policy, 2, 4),
            ScalingActivities.CauseLaunchToMatch(At.AddSeconds(8), 2, 4));
        Assert.Equal(
            "At 2026-01-01T00:30:15Z a monitor alarm TargetTracking-my-asg-AlarmHigh-abc in state ALARM triggered policy "
            + "ECSManagedAutoScalingPolicy-def changing the desired capacity from 2 to 4.  At 2026-01-01T00:30:23Z an instance "
            + "was started in response to a difference between desired and actual capacity, increasing the capacity from 2 to 4.",
            cause);
    }

    [Fact]
    public void B_ASG_6_user_request_and_terminate_causes_read_like_AWS()
    {
        Assert.Equal(
            "At 2026-01-01T00:30:15Z a user request update of AutoScalingGroup constraints to min: 0, max: 10, desired: 3 changing the desired capacity from 4 to 3.",
            ScalingActivities.CauseUserRequest(At, 0, 10, 4, 3));
        Assert.Equal(
            "At 2026-01-01T00:30:15Z a user request explicitly set group desired capacity changing the desired capacity from 1 to 2.",
            ScalingActivities.CauseSetDesiredCapacity(At, 1, 2));
        Assert.Equal(
            "At 2026-01-01T00:30:15Z an instance was taken out of service in response to a difference between desired and actual capacity, shrinking the capacity from 4 to 3.",
            ScalingActivities.CauseTerminateToMatch(At, 4, 3));
        Assert.Equal("At 2026-01-01T00:30:15Z instance i-1 was selected for termination.", ScalingActivities.CauseSelectedForTermination(At, "i-1"));
        Assert.Equal("TargetTracking-my-asg-AlarmLow-x", ScalingActivities.CasLowAlarmName("my-asg", "x"));
    }

    [Fact]
    public void B_ASG_3_insufficient_capacity_names_type_and_AZ()
    {
        var message = ScalingActivities.InsufficientCapacity("m5.large", "us-east-1a");
        Assert.Contains("sufficient m5.large capacity", message, StringComparison.Ordinal);
        Assert.Contains("(us-east-1a)", message, StringComparison.Ordinal);
        Assert.EndsWith("Launching EC2 instance failed.", message, StringComparison.Ordinal);
        Assert.StartsWith("Launching a new EC2 instance.  Status Reason: We currently", ScalingActivities.LaunchFailedDescription(message), StringComparison.Ordinal);
        Assert.EndsWith("Launching EC2 instance failed.", ScalingActivities.InsufficientSpotCapacity(), StringComparison.Ordinal);
    }
}
