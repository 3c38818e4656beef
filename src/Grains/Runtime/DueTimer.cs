using Emulator.Model.Time;

namespace Emulator.Runtime;

/// <summary>
/// A grain timer armed for emulated instants (B-T-3). Orleans re-arms a periodic grain timer one period after the
/// previous tick <i>finished</i>, so its ticks drift later and later; this one is a one-shot armed for an absolute
/// emulated instant (<see cref="TickSchedule"/>), re-armed by its owner after every tick and earlier whenever
/// something becomes due sooner. Arming during the tick takes effect when the tick completes (Orleans defers it).
/// </summary>
public sealed class DueTimer : IDisposable
{
    /// <summary>The shortest wall delay between two wakes (a burst of due work is handled in batches).</summary>
    public static readonly TimeSpan MinimumDelay = TimeSpan.FromMilliseconds(1);

    private readonly IGrainTimer _timer;
    private readonly IEmulatedClock _clock;

    private DueTimer(IGrainTimer timer, IEmulatedClock clock)
    {
        _timer = timer;
        _clock = clock;
    }

    /// <summary>
    /// The emulated instant the timer is armed for; <see cref="DateTimeOffset.MinValue"/> while the owner's tick runs
    /// (it re-arms at its end), null before the first arming.
    /// </summary>
    public DateTimeOffset? ArmedFor { get; private set; }

    /// <summary>Registers the (non-interleaving, keep-alive) timer on <paramref name="grain"/>, disarmed.</summary>
    public static DueTimer Register(IGrainBase grain, Func<CancellationToken, Task> callback, IEmulatedClock clock) =>
        new(grain.RegisterGrainTimer(callback, new GrainTimerCreationOptions(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan)
        {
            Interleave = false,
            KeepAlive = true,
        }), clock);

    /// <summary>Called first thing in the tick: the owner re-arms at its end (in a <c>finally</c>).</summary>
    public void Fired() => ArmedFor = DateTimeOffset.MinValue;

    /// <summary>Fire at <paramref name="wake"/> (emulated), replacing whatever was armed.</summary>
    public void Arm(DateTimeOffset wake)
    {
        ArmedFor = wake;
        _timer.Change(TickSchedule.WallDelay(wake, _clock.Now, _clock.TimeScale, MinimumDelay), Timeout.InfiniteTimeSpan);
    }

    /// <summary>Fire at <paramref name="wake"/> unless already armed for an earlier instant (or the tick runs: it re-arms).</summary>
    public void ArmNoLaterThan(DateTimeOffset wake)
    {
        if (ArmedFor is null || wake < ArmedFor)
        {
            Arm(wake);
        }
    }

    public void Dispose() => _timer.Dispose();
}
