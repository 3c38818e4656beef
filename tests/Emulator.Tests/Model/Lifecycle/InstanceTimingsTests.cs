using Emulator.Model;

namespace Emulator.Tests.Model.Lifecycle;

/// <summary>B-T-2: every emulated duration of the instance and Spot lifecycles (and the other control loops) is an option with AWS's default, validated.</summary>
public sealed class InstanceTimingsTests
{
    [Fact]
    public void B_T_2_defaults()
    {
        var t = new EmulatorTimings();
        Assert.Equal(TimeSpan.FromSeconds(40), t.Ec2Launch);
        Assert.Equal(TimeSpan.FromSeconds(20), t.AgentRegistration);
        Assert.Equal(TimeSpan.FromSeconds(120), t.SpotNotice);
        Assert.Equal(TimeSpan.FromSeconds(3600), t.DrainingHookTimeout);
        Assert.Equal(TimeSpan.FromSeconds(1), t.AutoScalingGroupTick);
        Assert.Equal(TimeSpan.FromSeconds(10), t.LaunchRetry);
        Assert.Equal(TimeSpan.FromSeconds(10), t.SpotInterruptionRateStep);
        Assert.Equal(TimeSpan.FromHours(1), t.TerminatedInstanceRetention);
        Assert.Equal(TimeSpan.FromSeconds(5), t.CapacityProviderRetry);
        Assert.Equal(TimeSpan.FromMinutes(5), t.PlacementFailureEventRepeat);
        Assert.Equal(TimeSpan.FromMinutes(1), t.ServiceLaunchWindow);
        Assert.Equal(TimeSpan.FromSeconds(5), t.TrafficStep);
        Assert.Empty(t.Validate());
    }

    [Theory]
    [InlineData(nameof(EmulatorTimings.AutoScalingGroupTick), 0, "Timings.AutoScalingGroupTick must be positive.")]
    [InlineData(nameof(EmulatorTimings.SpotInterruptionRateStep), 0, "Timings.SpotInterruptionRateStep must be positive.")]
    [InlineData(nameof(EmulatorTimings.CapacityProviderRetry), -1, "Timings.CapacityProviderRetry must be positive.")]
    [InlineData(nameof(EmulatorTimings.ServiceLaunchWindow), 0, "Timings.ServiceLaunchWindow must be positive.")]
    [InlineData(nameof(EmulatorTimings.TrafficStep), 0, "Timings.TrafficStep must be positive.")]
    [InlineData(nameof(EmulatorTimings.ServiceReconcilePeriod), 0, "Timings.ServiceReconcilePeriod must be positive.")]
    [InlineData(nameof(EmulatorTimings.LaunchRetry), -1, "Timings.LaunchRetry must not be negative.")]
    [InlineData(nameof(EmulatorTimings.TerminatedInstanceRetention), -1, "Timings.TerminatedInstanceRetention must not be negative.")]
    [InlineData(nameof(EmulatorTimings.PlacementFailureEventRepeat), -1, "Timings.PlacementFailureEventRepeat must not be negative.")]
    [InlineData(nameof(EmulatorTimings.DrainingHookTimeout), -1, "Timings.DrainingHookTimeout must not be negative.")]
    [InlineData(nameof(EmulatorTimings.AlarmEvaluationSpread), -1, "Timings.AlarmEvaluationSpread must not be negative.")]
    [InlineData(nameof(EmulatorTimings.MetricPublishSpread), -1, "Timings.MetricPublishSpread must not be negative.")]
    [InlineData(nameof(EmulatorTimings.MetricPublishSpread), 15, "Timings.MetricPublishSpread must be shorter than Timings.AlarmEvaluationDelay (an alarm would read a period before its datapoints arrived).")]
    public void B_T_2_a_bad_duration_is_refused_at_start_up(string name, int seconds, string error)
    {
        var t = new EmulatorTimings();
        typeof(EmulatorTimings).GetProperty(name)!.SetValue(t, TimeSpan.FromSeconds(seconds));
        Assert.Equal([error], t.Validate());
        Assert.Contains(error, new EmulatorOptions { Timings = t }.Validate());
    }

    [Theory]
    [InlineData(nameof(EmulatorTimings.LaunchRetry))]
    [InlineData(nameof(EmulatorTimings.TerminatedInstanceRetention))]
    [InlineData(nameof(EmulatorTimings.PlacementFailureEventRepeat))]
    [InlineData(nameof(EmulatorTimings.AlarmEvaluationSpread))]
    [InlineData(nameof(EmulatorTimings.MetricPublishSpread))]
    public void B_T_2_zero_is_allowed_where_it_means_at_once(string name)
    {
        var t = new EmulatorTimings();
        typeof(EmulatorTimings).GetProperty(name)!.SetValue(t, TimeSpan.Zero);
        Assert.Empty(t.Validate());
    }
}
