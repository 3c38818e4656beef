namespace Emulator.Model.Time;

/// <summary>
/// The one emulated clock (B-T-1): emulatedNow = epoch + (wallNow - wallStart) x timeScale.
/// Everything in the emulator reads time from here, never from the wall clock directly.
/// </summary>
public interface IEmulatedClock
{
    /// <summary>Emulated "now".</summary>
    DateTimeOffset Now { get; }

    /// <summary>Emulated seconds per wall second (default 60).</summary>
    double TimeScale { get; }

    /// <summary>Wall-clock duration that corresponds to an emulated duration.</summary>
    TimeSpan ToWall(TimeSpan emulated);
}

/// <summary>
/// The production clock: scales the wall clock read from an injected <see cref="TimeProvider"/>. The wall start is
/// an absolute UTC instant, so every silo of a cluster given the same start, epoch and scale agrees on "now".
/// </summary>
public sealed class ScaledClock : IEmulatedClock
{
    private readonly TimeProvider _wall;
    private readonly DateTimeOffset _wallStart;
    private readonly DateTimeOffset _epoch;

    public ScaledClock(TimeProvider wall, double timeScale, DateTimeOffset epoch, DateTimeOffset wallStart)
    {
        if (!(timeScale > 0) || double.IsInfinity(timeScale))
        {
            throw new ArgumentOutOfRangeException(nameof(timeScale), timeScale, "The time scale must be a positive number.");
        }

        _wall = wall;
        _wallStart = wallStart;
        TimeScale = timeScale;
        _epoch = epoch;
    }

    public double TimeScale { get; }

    public DateTimeOffset Now
    {
        get
        {
            var elapsed = _wall.GetUtcNow() - _wallStart;
            return _epoch + TimeSpan.FromTicks((long)(elapsed.Ticks * TimeScale));
        }
    }

    public TimeSpan ToWall(TimeSpan emulated) => TimeSpan.FromTicks(Math.Max(0, (long)(emulated.Ticks / TimeScale)));
}
