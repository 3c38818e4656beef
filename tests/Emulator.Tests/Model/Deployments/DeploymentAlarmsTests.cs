using Emulator.Contracts;
using Emulator.Model.Deployments;

namespace Emulator.Tests.Model.Deployments;

/// <summary>B-DP-3: which alarm transitions fail a deployment, and its bake time.</summary>
public sealed class DeploymentAlarmsTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public void B_DP_3_an_alarm_entering_ALARM_during_the_deployment_or_its_bake_time_fails_it()
    {
        var entered = new[]
        {
            new AlarmEntered("web-5xx", T0.AddMinutes(-5)), // already in ALARM before the start: not monitored
            new AlarmEntered("other", T0.AddMinutes(2)), // not named by the deployment
            new AlarmEntered("web-latency", T0.AddMinutes(3)),
            new AlarmEntered("web-5xx", T0.AddMinutes(4)),
            new AlarmEntered("web-5xx", T0.AddMinutes(6)),
        };
        Assert.Equal(["web-latency", "web-5xx"], DeploymentAlarms.Triggered(entered, ["web-5xx", "web-latency"], T0, null).ToArray());
        Assert.Empty(DeploymentAlarms.Triggered(entered, ["web-5xx"], T0, T0.AddMinutes(3))); // the bake ended before it entered ALARM
        Assert.Empty(DeploymentAlarms.Triggered(entered, ["web-5xx"], T0.AddMinutes(7), null));
    }

    [Fact]
    public void B_DP_3_bake_time_is_the_longest_alarm_window_unless_set()
    {
        Assert.Equal(TimeSpan.FromMinutes(5), DeploymentAlarms.BakeTime([(60, 3), (60, 5), (300, 1)], null));
        Assert.Equal(TimeSpan.FromMinutes(2), DeploymentAlarms.BakeTime([(60, 3)], 2));
        Assert.Equal(TimeSpan.Zero, DeploymentAlarms.BakeTime([], null));
        Assert.True(DeploymentAlarms.Watches(new DeploymentAlarmsSpec(["a"], true, true)));
        Assert.False(DeploymentAlarms.Watches(new DeploymentAlarmsSpec(["a"], false, true)));
        Assert.False(DeploymentAlarms.Watches(null));
    }
}
