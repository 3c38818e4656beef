using System.Collections.Immutable;
using Emulator.Contracts;
using Emulator.Model.Alarms;
using Emulator.Model.AutoScaling;

namespace Emulator.Tests.Model.AutoScaling;

/// <summary>B-AS-2..6: target tracking arithmetic, step bounds, cooldowns, arbitration, suspension, deployments.</summary>
public sealed class ServiceScalingTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Cooldown = TimeSpan.FromSeconds(300);

    private static ScalingRequest Tracking(double metric, double target = 50, bool disableScaleIn = false) =>
        new("cpu", "TargetTrackingScaling", c => ServiceScaling.TargetTrackingDesired(c, metric, target), Cooldown, Cooldown, disableScaleIn);

    private static ScalingDecision Decide(ScalingRequest r, int current, CooldownState? cooldowns = null, SuspendedStateSpec? suspended = null, bool deploying = false, int min = 1, int max = 20, double at = 0) =>
        ServiceScaling.Decide(r, current, min, max, suspended ?? SuspendedStateSpec.None, cooldowns ?? CooldownState.None, deploying, T0.AddSeconds(at));

    [Theory]
    [InlineData(4, 75, 50, 6)] // ceil(4 x 75 / 50)
    [InlineData(4, 100, 50, 8)]
    [InlineData(3, 51, 50, 4)] // 3.06 -> 4
    [InlineData(10, 20, 50, 4)] // scale in
    [InlineData(4, 50, 50, 4)] // exactly 4.0 stays 4 (no rounding up of float noise)
    [InlineData(0, 80, 50, 1)] // from zero a scale-out asks for one
    public void B_AS_2_target_tracking_desired_is_ceil_current_times_metric_over_target(int current, double metric, double target, int expected) =>
        Assert.Equal(expected, ServiceScaling.TargetTrackingDesired(current, metric, target));

    [Fact]
    public void B_AS_2_scale_out_is_clamped_to_max_and_reports_already_at_max()
    {
        var d = Decide(Tracking(100), 15);
        Assert.Equal(20, d.NewDesired); // 30 clamped to 20
        var at = Decide(Tracking(100), 20);
        Assert.Null(at.NewDesired);
        Assert.Equal("AlreadyAtMaxCapacity", at.NotScaledCode);
    }

    [Fact]
    public void B_AS_2_scale_in_is_clamped_to_min_and_reports_already_at_min()
    {
        Assert.Equal(2, Decide(Tracking(10), 8, min: 2).NewDesired);
        Assert.Equal("AlreadyAtMinCapacity", Decide(Tracking(10), 2, min: 2).NotScaledCode);
        Assert.Equal("AlreadyAtDesiredCapacity", Decide(Tracking(50), 4).NotScaledCode);
    }

    [Fact]
    public void B_AS_2_scale_out_cooldown_counts_capacity_already_added()
    {
        // 4 -> 6 at t=0 starts a scale-out cooldown with base 4.
        var first = Decide(Tracking(75), 4);
        Assert.Equal(6, first.NewDesired);
        Assert.Equal(new CooldownState(T0 + Cooldown, 4, null), first.Cooldowns);

        // A minute later the metric still reads 75 % (new tasks not yet running): from base 4 that is 6 again: no change.
        var again = Decide(Tracking(75), 6, first.Cooldowns, at: 60);
        Assert.Null(again.NewDesired);
        Assert.Null(again.NotScaledCode);

        // A larger breach within the cooldown: ceil(4 x 150 / 50) = 12 > 6: scales out, keeping the base.
        var larger = Decide(Tracking(150), 6, first.Cooldowns, at: 120);
        Assert.Equal(12, larger.NewDesired);
        Assert.Equal(4, larger.Cooldowns.ScaleOutBase);

        // After the cooldown the current capacity is the base again.
        Assert.Equal(9, Decide(Tracking(75), 6, first.Cooldowns, at: 301).NewDesired);
    }

    [Fact]
    public void B_AS_2_scale_out_during_scale_in_cooldown_happens_at_once_and_ends_it()
    {
        var scaledIn = Decide(Tracking(20), 10);
        Assert.Equal(4, scaledIn.NewDesired);
        Assert.Equal(T0 + Cooldown, scaledIn.Cooldowns.ScaleInUntil);
        var outNow = Decide(Tracking(100), 4, scaledIn.Cooldowns, at: 30);
        Assert.Equal(8, outNow.NewDesired);
        Assert.Null(outNow.Cooldowns.ScaleInUntil);
    }

    [Fact]
    public void B_AS_2_scale_in_waits_for_both_cooldowns()
    {
        var inCooldown = new CooldownState(null, 0, T0 + Cooldown);
        Assert.Null(Decide(Tracking(10), 10, inCooldown, at: 60).NewDesired);
        Assert.Equal(2, Decide(Tracking(10), 10, inCooldown, at: 301).NewDesired);
        var outCooldown = new CooldownState(T0 + Cooldown, 5, null);
        Assert.Null(Decide(Tracking(10), 10, outCooldown, at: 60).NewDesired);
    }

    [Fact]
    public void B_AS_2_disable_scale_in_and_suspended_states_stop_quietly()
    {
        Assert.Null(Decide(Tracking(10, disableScaleIn: true), 10).NewDesired);
        Assert.Equal(20, Decide(Tracking(200, disableScaleIn: true), 10).NewDesired);
        Assert.Null(Decide(Tracking(100), 4, suspended: new SuspendedStateSpec(false, true, false)).NewDesired);
        Assert.Null(Decide(Tracking(10), 10, suspended: new SuspendedStateSpec(true, false, false)).NewDesired);
        Assert.Equal(8, Decide(Tracking(100), 4, suspended: new SuspendedStateSpec(true, false, false)).NewDesired);
    }

    [Fact]
    public void B_AS_5_scale_in_is_suspended_during_a_deployment_scale_out_is_not()
    {
        var quiet = Decide(Tracking(10), 10, deploying: true);
        Assert.Null(quiet.NewDesired);
        Assert.Contains("B-AS-5", quiet.Explanation, StringComparison.Ordinal);
        Assert.Equal(8, Decide(Tracking(100), 4, deploying: true).NewDesired);
    }

    [Fact]
    public void B_AS_2_several_policies_scale_in_only_when_all_agree_to_the_largest()
    {
        Assert.Null(ServiceScaling.ScaleInVote([3, null]));
        Assert.Equal(5, ServiceScaling.ScaleInVote([3, 5, 4]));
    }

    [Theory]
    [InlineData(60, 1)] // 10 above the threshold 50: [0, 20) -> +1
    [InlineData(75, 2)] // [20, 40) -> +2
    [InlineData(95, 4)] // [40, +inf) -> +4
    [InlineData(50, 1)] // lower bound inclusive above the threshold
    [InlineData(70, 2)] // 20 is the next step's lower bound
    public void B_AS_3_step_bounds_are_relative_to_the_threshold(double metric, int adjustment)
    {
        ImmutableArray<StepAdjustmentSpec> steps = [new(0, 20, 1), new(20, 40, 2), new(40, null, 4)];
        Assert.Null(StepScaling.Validate(new StepScalingSpec("ChangeInCapacity", steps, null, null, null)));
        Assert.Equal(adjustment, StepScaling.Select(steps, metric, 50)!.ScalingAdjustment);
    }

    [Fact]
    public void B_AS_3_below_threshold_bounds_lower_exclusive_upper_inclusive()
    {
        ImmutableArray<StepAdjustmentSpec> steps = [new(null, -10, -2), new(-10, 0, -1)];
        Assert.Equal(-1, StepScaling.Select(steps, 45, 50)!.ScalingAdjustment);
        Assert.Equal(-2, StepScaling.Select(steps, 40, 50)!.ScalingAdjustment); // -10 is inclusive upper of the first
        Assert.Equal(-1, StepScaling.Select(steps, 50, 50)!.ScalingAdjustment); // 0 is the upper bound, inclusive below
    }

    [Theory]
    [InlineData("ChangeInCapacity", 2, 4, null, 6)]
    [InlineData("ExactCapacity", 7, 4, null, 7)]
    [InlineData("PercentChangeInCapacity", 25, 4, null, 5)] // 1
    [InlineData("PercentChangeInCapacity", 25, 4, 2, 6)] // MinAdjustmentMagnitude 2 (the API reference's example)
    [InlineData("PercentChangeInCapacity", 10, 4, null, 5)] // 0.4 -> 1
    [InlineData("PercentChangeInCapacity", -10, 4, null, 3)] // -0.4 -> -1
    [InlineData("PercentChangeInCapacity", 50, 7, null, 10)] // 3.5 -> 3
    public void B_AS_3_adjustment_types_and_min_adjustment_magnitude(string type, int adjustment, int current, int? magnitude, int expected) =>
        Assert.Equal(expected, StepScaling.Desired(type, adjustment, current, magnitude));

    [Fact]
    public void B_AS_3_step_cooldown_adds_only_the_difference_of_a_larger_step()
    {
        // The API guide's example: +2, then within the cooldown a +3 step: only 1 more.
        ScalingRequest Step(int adj) => new("step", "StepScaling", c => StepScaling.Desired("ChangeInCapacity", adj, c, null), Cooldown, Cooldown, false);
        var first = Decide(Step(2), 4);
        Assert.Equal(6, first.NewDesired);
        Assert.Equal(7, Decide(Step(3), 6, first.Cooldowns, at: 60).NewDesired);
        Assert.Null(Decide(Step(2), 6, first.Cooldowns, at: 60).NewDesired);
    }

    [Fact]
    public void B_AS_3_step_configurations_are_validated()
    {
        Assert.NotNull(StepScaling.Validate(new StepScalingSpec("ChangeInCapacity", [new(0, 10, 1), new(5, null, 2)], null, null, null))); // overlap
        Assert.NotNull(StepScaling.Validate(new StepScalingSpec("ChangeInCapacity", [new(0, 10, 1), new(20, null, 2)], null, null, null))); // gap
        Assert.NotNull(StepScaling.Validate(new StepScalingSpec("ChangeInCapacity", [new(0, null, 1)], 2, null, null))); // magnitude needs percent
        Assert.NotNull(StepScaling.Validate(new StepScalingSpec("ExactCapacity", [new(0, null, -1)], null, null, null)));
        Assert.NotNull(StepScaling.Validate(new StepScalingSpec("Bogus", [new(0, null, 1)], null, null, null)));
        Assert.NotNull(StepScaling.Validate(new StepScalingSpec("ChangeInCapacity", [], null, null, null)));
        Assert.Equal(60, StepScaling.Aggregate("Maximum", [40, 60, 50]));
        Assert.Equal(50, StepScaling.Aggregate(null, [40, 60, 50]));
    }

    [Fact]
    public void B_AS_2_target_tracking_alarms_are_three_of_three_above_and_fifteen_of_fifteen_below_ninety_percent()
    {
        var spec = new TargetTrackingSpec(50, "ECSServiceAverageCPUUtilization", null, null, null, null, null);
        Assert.Null(TargetTracking.Validate(spec));
        var high = TargetTracking.Alarm(spec, TargetTracking.HighAlarmName("service/c/s", "u"), "arn:p", "c", "s", high: true, "p");
        var low = TargetTracking.Alarm(spec, TargetTracking.LowAlarmName("service/c/s", "u"), "arn:p", "c", "s", high: false, "p");
        Assert.Equal(("TargetTracking-service/c/s-AlarmHigh-u", 3, 3, 50.0, "GreaterThanThreshold"), (high.Name, high.EvaluationPeriods, high.Required, high.Threshold!.Value, high.ComparisonOperator));
        Assert.Equal(("TargetTracking-service/c/s-AlarmLow-u", 15, 15, 45.0, "LessThanThreshold"), (low.Name, low.EvaluationPeriods, low.Required, low.Threshold!.Value, low.ComparisonOperator));
        Assert.Equal(("AWS/ECS", "CPUUtilization", "Average"), (high.Namespace, high.MetricName, high.Statistic));
        Assert.Equal<string>(["arn:p"], high.AlarmActions);
        Assert.Null(AlarmRules.Validate(high));
    }

    [Fact]
    public void B_AS_2_predefined_metrics_and_resource_labels()
    {
        var alb = new TargetTrackingSpec(1000, "ALBRequestCountPerTarget", "app/web/0123456789abcdef/targetgroup/web-tg/fedcba9876543210", null, null, null, null);
        Assert.Null(TargetTracking.Validate(alb));
        var alarm = TargetTracking.Alarm(alb, "h", "arn:p", "c", "s", true, "p");
        Assert.Equal(("AWS/ApplicationELB", "RequestCountPerTarget", "Sum", "targetgroup/web-tg/fedcba9876543210"),
            (alarm.Namespace, alarm.MetricName, alarm.Statistic, alarm.Dimensions.Single().Value));
        Assert.NotNull(TargetTracking.Validate(alb with { ResourceLabel = null }));
        Assert.NotNull(TargetTracking.Validate(alb with { PredefinedMetricType = "ECSServiceAverageCPUUtilization" })); // label not allowed
        Assert.NotNull(TargetTracking.Validate(alb with { PredefinedMetricType = "DynamoDBReadCapacityUtilization", ResourceLabel = null }));
        Assert.NotNull(TargetTracking.Validate(alb with { TargetValue = -1 }));
    }

    [Fact]
    public void B_AS_2_customized_metric_math_backlog_per_task()
    {
        var metrics = ImmutableArray.Create(
            new MetricQuerySpec("m1", new MetricStatSpec("AWS/SQS", "ApproximateNumberOfMessagesVisible", [new MetricDimension("QueueName", "q")], 60, "Sum", null), null, null, false, null, null),
            new MetricQuerySpec("m2", new MetricStatSpec("ECS/ContainerInsights", "RunningTaskCount", [new MetricDimension("ClusterName", "c"), new MetricDimension("ServiceName", "s")], 60, "Average", null), null, null, false, null, null),
            new MetricQuerySpec("e1", null, "m1 / m2", "backlog per task", true, null, null));
        var spec = new TargetTrackingSpec(100, null, null, new CustomizedMetricSpec(null, null, [], null, null, metrics), null, null, null);
        Assert.Null(TargetTracking.Validate(spec));
        var alarm = TargetTracking.Alarm(spec, "h", "arn:p", "c", "s", true, "p");
        Assert.Equal(3, alarm.Metrics.Length);
        Assert.Null(alarm.Namespace);
        Assert.Null(AlarmRules.Validate(alarm));
    }
}
