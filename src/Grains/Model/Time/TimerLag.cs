namespace Emulator.Model.Time;

/// <summary>B-T-3: how late, in emulated time, a timer fired against its schedule.</summary>
public static class TimerLag
{
    /// <summary>A transition due at <paramref name="due"/> processed at <paramref name="now"/>: late by the difference, never negative.</summary>
    public static TimeSpan Of(DateTimeOffset due, DateTimeOffset now) => due >= now ? TimeSpan.Zero : now - due;
}
