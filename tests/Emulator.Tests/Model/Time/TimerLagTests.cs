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
    public void B_T_3_a_late_tick_keeps_the_grid_the_next_tick_is_not_pushed_back()
    {
        var period = TimeSpan.FromSeconds(1);
        Assert.Equal(T0.AddSeconds(1), TickSchedule.NextTick(T0, T0, period));
        Assert.Equal(T0.AddSeconds(1), TickSchedule.NextTick(T0, T0.AddSeconds(0.35), period)); // late by 0.35 s: next still at +1 s
        Assert.Equal(T0.AddSeconds(2), TickSchedule.NextTick(T0, T0.AddSeconds(1), period)); // exactly one period late: the next grid point
        Assert.Equal(T0.AddSeconds(4), TickSchedule.NextTick(T0, T0.AddSeconds(3.2), period)); // missed ticks are coalesced
    }

    [Fact]
    public void B_T_3_periodic_work_of_many_grains_is_spread_over_the_window_stable_per_key()
    {
        var spread = TimeSpan.FromSeconds(10);
        var offsets = Enumerable.Range(0, 1000).Select(i => TickSchedule.Offset($"arn:aws:ecs:us-east-1:000000000000:service/c/svc-{i}", spread)).ToList();
        Assert.All(offsets, o => Assert.InRange(o, TimeSpan.Zero, spread - TimeSpan.FromMilliseconds(1)));

        // Spread, not bunched: every second of the window gets a share (about 100 of 1,000 each), none gets a third.
        var perSecond = offsets.GroupBy(o => (int)o.TotalSeconds).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(10, perSecond.Count);
        Assert.All(perSecond.Values, n => Assert.InRange(n, 50, 330));

        // The same key always gets the same offset; no spread, no offset.
        Assert.Equal(offsets[7], TickSchedule.Offset("arn:aws:ecs:us-east-1:000000000000:service/c/svc-7", spread));
        Assert.Equal(TimeSpan.Zero, TickSchedule.Offset("anything", TimeSpan.Zero));
    }

    [Fact]
    public void B_T_3_a_transition_due_before_the_next_tick_is_a_wake_of_its_own()
    {
        Assert.Equal(T0.AddSeconds(0.3), TickSchedule.NextWake(T0.AddSeconds(1), T0.AddSeconds(0.3)));
        Assert.Equal(T0.AddSeconds(1), TickSchedule.NextWake(T0.AddSeconds(1), T0.AddSeconds(4)));
        Assert.Equal(T0.AddSeconds(1), TickSchedule.NextWake(T0.AddSeconds(1), null));
    }

    [Fact]
    public void B_T_3_the_wall_delay_scales_by_the_time_scale_and_has_a_floor()
    {
        var floor = TimeSpan.FromMilliseconds(1);
        Assert.Equal(TimeSpan.FromMilliseconds(10), TickSchedule.WallDelay(T0.AddSeconds(1), T0, 100, floor));
        Assert.Equal(floor, TickSchedule.WallDelay(T0, T0.AddSeconds(5), 100, floor)); // already due: at once (the floor)
        Assert.Equal(floor, TickSchedule.WallDelay(T0.AddSeconds(0.01), T0, 100, floor)); // 0.1 ms of wall: the floor
        Assert.Throws<ArgumentOutOfRangeException>(() => TickSchedule.NextTick(T0, T0, TimeSpan.Zero));
    }

    [Fact]
    public void B_T_3_ticks_missed_while_busy_each_count_as_late()
    {
        var period = TimeSpan.FromSeconds(1);
        Assert.Equal([TimeSpan.FromSeconds(0.25)], TickSchedule.LateTicks(T0, T0.AddSeconds(0.25), period));
        Assert.Equal([TimeSpan.FromSeconds(2.5), TimeSpan.FromSeconds(1.5), TimeSpan.FromSeconds(0.5)], TickSchedule.LateTicks(T0, T0.AddSeconds(2.5), period));
        Assert.Empty(TickSchedule.LateTicks(T0.AddSeconds(1), T0, period)); // not due yet
        Assert.Equal(10, TickSchedule.LateTicks(T0, T0.AddDays(1), period, max: 10).Count());
    }
}
