using System.Diagnostics;

namespace Emulator.Runtime;

/// <summary>
/// The wall clock of grain timers, with timers that fire when due (B-T-3). .NET's own timers keep their schedule in
/// coarse milliseconds: on these machines a 10 ms one-shot fired 2.3 ms late at the median and 4.7 ms at p99, which
/// at 100x is 0.23 s and 0.47 s of emulated lateness before the grain even runs. These timers wait on one dedicated
/// thread with a precise timed wait (the median lateness is a fraction of a millisecond) and run the callback on it:
/// Orleans' grain-timer callback only hands a message to the grain, so it is short. Used for Orleans'
/// <c>TimeProviderNames.Grains</c> only; time itself is <see cref="TimeProvider.System"/>'s.
/// </summary>
public sealed class PreciseTimeProvider : TimeProvider, IDisposable
{
    private readonly object _gate = new(); // Monitor.Wait / Pulse
    private readonly PriorityQueue<(PreciseTimer Timer, long Generation), long> _queue = new();
    private readonly Thread _thread;
    private long _earliest = long.MaxValue;
    private bool _disposed;

    public PreciseTimeProvider()
    {
        _thread = new Thread(Run) { IsBackground = true, Name = "emulator-grain-timers" };
        _thread.Start();
    }

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        ArgumentNullException.ThrowIfNull(callback);
        var timer = new PreciseTimer(this, callback, state);
        timer.Change(dueTime, period);
        return timer;
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _disposed = true;
            _queue.Clear();
            Monitor.PulseAll(_gate);
        }
    }

    private void Schedule(PreciseTimer timer, long generation, long dueTimestamp)
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _queue.Enqueue((timer, generation), dueTimestamp);
            if (dueTimestamp < _earliest)
            {
                _earliest = dueTimestamp;
                Monitor.Pulse(_gate); // the thread waits for a later instant: wake it to wait less
            }
        }
    }

    private void Run()
    {
        var due = new List<(PreciseTimer Timer, long Generation)>();
        while (true)
        {
            lock (_gate)
            {
                while (true)
                {
                    if (_disposed)
                    {
                        return;
                    }

                    if (!_queue.TryPeek(out var head, out var at))
                    {
                        _earliest = long.MaxValue;
                        Monitor.Wait(_gate);
                        continue;
                    }

                    if (head.Generation != head.Timer.Generation)
                    {
                        _queue.Dequeue(); // changed or disposed since
                        continue;
                    }

                    var remaining = at - Stopwatch.GetTimestamp();
                    if (remaining > 0)
                    {
                        _earliest = at;
                        // Whole milliseconds, rounded up: the wait never ends early by more than the clock's own error.
                        Monitor.Wait(_gate, (int)Math.Min(int.MaxValue, Math.Max(1, (remaining * 1000 + Stopwatch.Frequency - 1) / Stopwatch.Frequency)));
                        continue;
                    }

                    var now = Stopwatch.GetTimestamp();
                    while (_queue.TryPeek(out head, out at) && at <= now)
                    {
                        _queue.Dequeue();
                        if (head.Generation == head.Timer.Generation)
                        {
                            due.Add(head);
                        }
                    }

                    _earliest = _queue.TryPeek(out _, out at) ? at : long.MaxValue;
                    break;
                }
            }

            foreach (var (timer, generation) in due)
            {
                timer.Fire(generation);
            }

            due.Clear();
        }
    }

    private sealed class PreciseTimer(PreciseTimeProvider owner, TimerCallback callback, object? state) : ITimer
    {
        private readonly object _sync = new();
        private long _generation;
        private TimeSpan _period = Timeout.InfiniteTimeSpan;
        private long _dueTimestamp;

        public long Generation => Volatile.Read(ref _generation);

        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            long generation;
            long at;
            lock (_sync)
            {
                if (_generation < 0)
                {
                    return false; // disposed
                }

                generation = ++_generation;
                _period = period;
                if (dueTime == Timeout.InfiniteTimeSpan)
                {
                    return true;
                }

                ArgumentOutOfRangeException.ThrowIfLessThan(dueTime, TimeSpan.Zero);
                at = _dueTimestamp = Stopwatch.GetTimestamp() + (long)(dueTime.TotalSeconds * Stopwatch.Frequency);
            }

            owner.Schedule(this, generation, at);
            return true;
        }

        public void Fire(long generation)
        {
            long next = 0;
            lock (_sync)
            {
                if (generation != _generation)
                {
                    return;
                }

                if (_period != Timeout.InfiniteTimeSpan && _period > TimeSpan.Zero)
                {
                    next = _dueTimestamp += (long)(_period.TotalSeconds * Stopwatch.Frequency);
                }
            }

            if (next != 0)
            {
                owner.Schedule(this, generation, next);
            }

            try
            {
                callback(state);
            }
            catch (Exception e)
            {
                // A timer callback that throws must not end every other grain timer of the silo.
                Trace.TraceError("Grain timer callback failed: {0}", e);
            }
        }

        public void Dispose()
        {
            lock (_sync)
            {
                _generation = long.MinValue;
            }
        }

        public ValueTask DisposeAsync()
        {
            Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
