namespace Emulator.Model.Time;

/// <summary>
/// B-T-3: when a grain's timer should next fire, on an absolute emulated schedule. A periodic tick keeps its grid
/// (a late tick does not push every later one back, which is what a timer re-armed "one period after the previous
/// tick finished" does), and a transition due between two ticks is a wake of its own instead of waiting for the next
/// tick: lag is then the wake's own lateness, not the tick's granularity.
/// </summary>
public static class TickSchedule
{
    /// <summary>
    /// The tick after the one scheduled at <paramref name="scheduled"/>, processed at <paramref name="now"/>: the next
    /// grid point strictly after now (ticks missed while late are coalesced into the one that came).
    /// </summary>
    public static DateTimeOffset NextTick(DateTimeOffset scheduled, DateTimeOffset now, TimeSpan period)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(period, TimeSpan.Zero);
        var next = scheduled + period;
        if (next > now)
        {
            return next;
        }

        var missed = (now - scheduled).Ticks / period.Ticks; // whole periods already elapsed since the scheduled tick
        return scheduled + TimeSpan.FromTicks((missed + 1) * period.Ticks);
    }

    /// <summary>
    /// How late each tick of the grid was, from the one scheduled at <paramref name="scheduled"/> to the last one due by
    /// <paramref name="now"/>: ticks missed while the grain was busy are coalesced into one wake, but each counts as
    /// late (at most <paramref name="max"/> of them, so a long pause does not mean a long loop).
    /// </summary>
    public static IEnumerable<TimeSpan> LateTicks(DateTimeOffset scheduled, DateTimeOffset now, TimeSpan period, int max = 4096)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(period, TimeSpan.Zero);
        for (var (due, n) = (scheduled, 0); due <= now && n < max; due += period, n++)
        {
            yield return TimerLag.Of(due, now);
        }
    }

    /// <summary>
    /// B-T-3 (Model choice): a stable offset in [0, <paramref name="spread"/>) for the periodic work of one of many
    /// grains (from a hash of <paramref name="key"/>), so that a thousand services do not all wake on the same grid
    /// instant: the work of a period is spread over its first seconds instead of arriving as one burst that makes every
    /// timer due then late. The same key always gets the same offset (seeded runs stay reproducible).
    /// </summary>
    public static TimeSpan Offset(string key, TimeSpan spread)
    {
        if (spread <= TimeSpan.Zero)
        {
            return TimeSpan.Zero;
        }

        // Whole milliseconds, so that offsets read well in event times and logs.
        var steps = Math.Max(1, (long)spread.TotalMilliseconds);
        return TimeSpan.FromMilliseconds((uint)SeededRandomSource.StableHash(key) % steps);
    }

    /// <summary>The earlier of the next periodic tick and the earliest due transition (if any).</summary>
    public static DateTimeOffset NextWake(DateTimeOffset nextTick, DateTimeOffset? earliestDue) =>
        earliestDue is { } due && due < nextTick ? due : nextTick;

    /// <summary>
    /// The wall delay until <paramref name="wake"/> at <paramref name="timeScale"/> emulated seconds per wall second,
    /// never less than <paramref name="minimum"/> (so a burst of due transitions is handled in batches).
    /// </summary>
    public static TimeSpan WallDelay(DateTimeOffset wake, DateTimeOffset now, double timeScale, TimeSpan minimum)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(timeScale, 0);
        var wall = wake <= now ? TimeSpan.Zero : TimeSpan.FromTicks((long)Math.Ceiling((wake - now).Ticks / timeScale));
        return wall < minimum ? minimum : wall;
    }
}
