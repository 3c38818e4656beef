namespace Emulator.Model.Time;

/// <summary>B-T-3: how late, in emulated time, a timer fired against its schedule.</summary>
public static class TimerLag
{
    /// <summary>A transition due at <paramref name="due"/> processed at <paramref name="now"/>: late by the difference, never negative.</summary>
    public static TimeSpan Of(DateTimeOffset due, DateTimeOffset now) => due >= now ? TimeSpan.Zero : now - due;

    /// <summary>
    /// A periodic tick due every <paramref name="period"/> after the previous one: late by how much the interval exceeded
    /// the period (a tick that came early or on time is not late).
    /// </summary>
    public static TimeSpan OfTick(DateTimeOffset previous, DateTimeOffset now, TimeSpan period) => Of(previous + period, now);
}
