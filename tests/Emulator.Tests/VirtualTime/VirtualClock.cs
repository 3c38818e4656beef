namespace Emulator.Tests.VirtualTime;

/// <summary>
/// A wall clock that only moves when the test moves it: it stands behind the emulated clock (B-T-1) and behind
/// Orleans' grain timers (the keyed <c>TimeProviderNames.Grains</c> provider), so timer-driven behaviour runs at the
/// test's pace and in the test's order instead of the machine's. Timers never fire on their own: <see cref="FireDue"/>
/// fires those that are due, in due order, and the <see cref="VirtualTimeHost"/> decides when.
/// </summary>
public sealed class VirtualClock(DateTimeOffset start) : TimeProvider
{
    private readonly Lock _gate = new();
    private readonly PriorityQueue<Timer, (long Due, long Sequence)> _queue = new();
    private long _now = start.UtcTicks;
    private long _sequence;

    /// <summary>Raised before a grain timer's callback runs (the host counts the tick it schedules as work in flight).</summary>
    public event Action? GrainTimerFiring;

    public override DateTimeOffset GetUtcNow() => new(Interlocked.Read(ref _now), TimeSpan.Zero);

    public override long GetTimestamp() => Interlocked.Read(ref _now);

    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    public override TimeZoneInfo LocalTimeZone => TimeZoneInfo.Utc;

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = new Timer(this, callback, state);
        timer.Change(dueTime, period);
        return timer;
    }

    /// <summary>The earliest instant a live timer is due at, or null when none is armed.</summary>
    public DateTimeOffset? NextDue
    {
        get
        {
            lock (_gate)
            {
                while (_queue.TryPeek(out var timer, out var key))
                {
                    if (timer.IsArmedFor(key.Sequence))
                    {
                        return new DateTimeOffset(key.Due, TimeSpan.Zero);
                    }

                    _queue.Dequeue(); // re-armed or disposed since: a stale entry
                }

                return null;
            }
        }
    }

    /// <summary>The latest instant at or before <paramref name="until"/> that a live timer is due at.</summary>
    public DateTimeOffset? LatestDueAtOrBefore(DateTimeOffset until)
    {
        lock (_gate)
        {
            long? latest = null;
            foreach (var (timer, key) in _queue.UnorderedItems)
            {
                if (key.Due <= until.UtcTicks && (latest is null || key.Due > latest) && timer.IsArmedFor(key.Sequence))
                {
                    latest = key.Due;
                }
            }

            return latest is { } t ? new DateTimeOffset(t, TimeSpan.Zero) : null;
        }
    }

    /// <summary>Moves the clock forward to <paramref name="to"/> (never back) without firing anything.</summary>
    public void MoveTo(DateTimeOffset to)
    {
        lock (_gate)
        {
            if (to.UtcTicks > _now)
            {
                Interlocked.Exchange(ref _now, to.UtcTicks);
            }
        }
    }

    /// <summary>
    /// Fires every timer due at or before now, in due order (each once: a periodic timer is re-armed one period on).
    /// Returns how many fired.
    /// </summary>
    public int FireDue()
    {
        var due = new List<(Timer Timer, long Sequence)>();
        lock (_gate)
        {
            while (_queue.TryPeek(out var timer, out var key) && key.Due <= _now)
            {
                _queue.Dequeue();
                if (timer.IsArmedFor(key.Sequence))
                {
                    due.Add((timer, key.Sequence));
                }
            }
        }

        var fired = 0;
        foreach (var (timer, sequence) in due)
        {
            if (timer.Fire(sequence))
            {
                fired++;
            }
        }

        return fired;
    }

    private long Schedule(Timer timer, TimeSpan dueTime)
    {
        lock (_gate)
        {
            var sequence = ++_sequence;
            var due = _now + Math.Max(0, dueTime.Ticks);
            _queue.Enqueue(timer, (due, sequence));
            return sequence;
        }
    }

    private sealed class Timer(VirtualClock clock, TimerCallback callback, object? state) : ITimer
    {
        // Orleans' grain timers hand their GrainTimer as the callback state; other timers on this clock are not ticks.
        private readonly bool _grainTimer = state?.GetType().Name.StartsWith("GrainTimer", StringComparison.Ordinal) ?? false;
        private long _armed; // the sequence number of the live queue entry, 0 when disarmed
        private TimeSpan _period = Timeout.InfiniteTimeSpan;
        private readonly Lock _lock = new();
        private bool _disposed;

        public bool IsArmedFor(long sequence) => Interlocked.Read(ref _armed) == sequence;

        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            lock (_lock)
            {
                if (_disposed)
                {
                    return false;
                }

                _period = period;
                Interlocked.Exchange(ref _armed, dueTime == Timeout.InfiniteTimeSpan ? 0 : clock.Schedule(this, dueTime));
                return true;
            }
        }

        public bool Fire(long sequence)
        {
            lock (_lock)
            {
                if (_disposed || Interlocked.Read(ref _armed) != sequence)
                {
                    return false;
                }

                Interlocked.Exchange(ref _armed, _period == Timeout.InfiniteTimeSpan || _period <= TimeSpan.Zero ? 0 : clock.Schedule(this, _period));
            }

            if (_grainTimer)
            {
                clock.GrainTimerFiring?.Invoke();
            }

            callback(state);
            return true;
        }

        public void Dispose()
        {
            lock (_lock)
            {
                _disposed = true;
                Interlocked.Exchange(ref _armed, 0);
            }
        }

        public ValueTask DisposeAsync()
        {
            Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
