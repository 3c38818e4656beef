using Emulator.Client;

namespace Emulator.Tests.VirtualTime;

/// <summary>
/// Drives emulated time in end-to-end tests (issue 10, STYLE.md "time-driven behaviour on virtual time"): the
/// <see cref="VirtualClock"/> stands behind both the emulated clock and Orleans' grain timers, and nothing moves
/// until the test calls <see cref="Advance"/> or <see cref="WaitUntil"/>. Each step fires the timers that are due,
/// then waits until the emulator is idle (<see cref="Quiescence"/>) before the clock moves on, so a test sees the
/// same emulated history however busy the machine is.
/// </summary>
public sealed class VirtualTimeHost
{
    /// <summary>Timers due within this much emulated time of the earliest are fired together (at the last one's instant).</summary>
    public static readonly TimeSpan DefaultQuantum = TimeSpan.FromMilliseconds(250);

    private static readonly TimeSpan Stall = TimeSpan.FromSeconds(5);
    private readonly SemaphoreSlim _driving = new(1, 1);

    public VirtualTimeHost(DateTimeOffset wallStart, double timeScale)
    {
        Clock = new VirtualClock(wallStart);
        TimeScale = timeScale;
        WallStart = wallStart;
        Clock.GrainTimerFiring += Quiescence.TickFired;
    }

    public VirtualClock Clock { get; }

    public Quiescence Quiescence { get; } = new();

    public double TimeScale { get; }

    public DateTimeOffset WallStart { get; }

    /// <summary>
    /// The client runners' pause on this clock: a poll interval of wall time becomes the emulated time a live silo at
    /// <see cref="TimeScale"/> would have moved on by, advanced by hand.
    /// </summary>
    public Pause Pause => (wall, _) => Advance(wall * TimeScale);

    /// <summary>How far emulated time has moved since the start.</summary>
    public TimeSpan Elapsed => TimeSpan.FromTicks((long)((Clock.GetUtcNow() - WallStart).Ticks * TimeScale));

    /// <summary>Waits until whatever the test's last call set off has finished, without moving the clock.</summary>
    public Task Settle() => Quiescence.WaitIdleAsync(Stall);

    /// <summary>Moves emulated time forward by <paramref name="emulated"/>, firing every timer on the way when due.</summary>
    public async Task Advance(TimeSpan emulated)
    {
        await _driving.WaitAsync();
        try
        {
            var target = Clock.GetUtcNow() + ToWall(emulated);
            var quantum = ToWall(DefaultQuantum);
            while (true)
            {
                await Quiescence.WaitIdleAsync(Stall);
                if (Clock.NextDue is not { } next || next > target)
                {
                    Clock.MoveTo(target);
                    Clock.FireDue();
                    await Quiescence.WaitIdleAsync(Stall);
                    return;
                }

                // Everything due within one quantum fires together, at the latest of those instants (never past the
                // target): a timer fires at most a quantum late, and lateness is what B-T-3 already measures.
                var batchEnd = next + quantum < target ? next + quantum : target;
                Clock.MoveTo(Clock.LatestDueAtOrBefore(batchEnd) ?? next);
                Clock.FireDue();
            }
        }
        finally
        {
            _driving.Release();
        }
    }

    /// <summary>
    /// Advances emulated time in <paramref name="step"/>s (default one emulated second) until
    /// <paramref name="condition"/> holds; fails after <paramref name="emulatedTimeout"/> of emulated time.
    /// </summary>
    public async Task<bool> WaitUntil(Func<Task<bool>> condition, TimeSpan emulatedTimeout, TimeSpan? step = null)
    {
        var deadline = Elapsed + emulatedTimeout;
        await Settle();
        while (true)
        {
            if (await condition())
            {
                return true;
            }

            if (Elapsed >= deadline)
            {
                return false;
            }

            await Advance(step ?? TimeSpan.FromSeconds(1));
        }
    }

    private TimeSpan ToWall(TimeSpan emulated) => TimeSpan.FromTicks((long)Math.Ceiling(emulated.Ticks / TimeScale));
}
