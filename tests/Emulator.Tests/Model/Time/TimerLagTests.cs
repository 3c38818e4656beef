using Emulator.Model.Time;

namespace Emulator.Tests.Model.Time;

public sealed class TimerLagTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public void B_T_3_a_due_transition_is_late_by_the_time_past_its_due_time_and_never_negative()
    {
        Assert.Equal(TimeSpan.FromSeconds(2.5), TimerLag.Of(T0, T0.AddSeconds(2.5)));
        Assert.Equal(TimeSpan.Zero, TimerLag.Of(T0, T0));
        Assert.Equal(TimeSpan.Zero, TimerLag.Of(T0.AddSeconds(1), T0));
    }

    [Fact]
    public void B_T_3_a_tick_is_late_by_how_much_its_interval_exceeded_the_period()
    {
        var period = TimeSpan.FromSeconds(1);
        Assert.Equal(TimeSpan.Zero, TimerLag.OfTick(T0, T0.AddSeconds(1), period));
        Assert.Equal(TimeSpan.Zero, TimerLag.OfTick(T0, T0.AddSeconds(0.4), period));
        Assert.Equal(TimeSpan.FromSeconds(0.35), TimerLag.OfTick(T0, T0.AddSeconds(1.35), period));
    }
}
