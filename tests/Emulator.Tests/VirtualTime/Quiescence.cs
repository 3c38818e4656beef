namespace Emulator.Tests.VirtualTime;

/// <summary>
/// Knows when the emulator has finished reacting: no emulator grain is running a turn, no call to an emulator grain
/// is on its way, and no grain timer tick the <see cref="VirtualClock"/> fired is still queued. The virtual-time host
/// waits for this before it moves the clock again, so every step's consequences happen at that step's instant.
/// </summary>
public sealed class Quiescence
{
    internal const string CountedCall = "vt.counted";

    private readonly Lock _gate = new();
    private long _calls;   // counted calls sent to emulator grains and not yet finished
    private long _ticks;   // grain timer ticks fired and not yet finished
    private long _running; // emulator grain turns running (counted or not: test-client calls, reminders)
    private long _changes;
    private TaskCompletionSource? _idle;

    /// <summary>How many times the host gave up waiting for work that never showed up (a lost call) and went on.</summary>
    public int Resets { get; private set; }

    public bool IsIdle
    {
        get
        {
            lock (_gate)
            {
                return IdleLocked;
            }
        }
    }

    public override string ToString()
    {
        lock (_gate)
        {
            return $"calls {_calls}, ticks {_ticks}, running {_running}, changes {_changes}, resets {Resets}";
        }
    }

    private bool IdleLocked => _calls <= 0 && _ticks <= 0 && _running == 0;

    internal void CallSent() => Change(ref _calls, +1);

    internal void TickFired() => Change(ref _ticks, +1);

    internal void TurnStarted()
    {
        lock (_gate)
        {
            _running++;
        }
    }

    internal void TurnEnded(bool countedCall, bool tick)
    {
        lock (_gate)
        {
            _running--;
            if (countedCall)
            {
                _calls--;
            }

            if (tick)
            {
                _ticks--;
            }

            if (countedCall || tick)
            {
                _changes++;
            }

            SignalIfIdle();
        }
    }

    /// <summary>
    /// Completes when the emulator is idle. A call that never arrives (rejected on its way) would keep the count up
    /// for good: after <paramref name="stall"/> of wall time with no turn running and nothing changing, the
    /// outstanding counts are dropped and <see cref="Resets"/> says so.
    /// </summary>
    public async Task WaitIdleAsync(TimeSpan stall)
    {
        while (true)
        {
            Task wait;
            long changes;
            lock (_gate)
            {
                if (IdleLocked)
                {
                    // Clamp: a tick Orleans queued without a physical timer finishes without a matching fire.
                    _calls = Math.Max(0, _calls);
                    _ticks = Math.Max(0, _ticks);
                    return;
                }

                _idle ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                wait = _idle.Task;
                changes = _changes;
            }

            if (await Task.WhenAny(wait, Task.Delay(stall)) == wait)
            {
                continue;
            }

            if (Environment.GetEnvironmentVariable("VT_DEBUG") is { } log)
            {
                File.AppendAllText(log, $"{DateTime.Now:HH:mm:ss.fff} stalled: {this}{Environment.NewLine}");
            }

            lock (_gate)
            {
                if (_running == 0 && _changes == changes)
                {
                    Resets++;
                    _calls = 0;
                    _ticks = 0;
                    SignalIfIdle();
                }
            }
        }
    }

    private void Change(ref long counter, int delta)
    {
        lock (_gate)
        {
            counter += delta;
            _changes++;
            SignalIfIdle();
        }
    }

    private void SignalIfIdle()
    {
        if (IdleLocked && _idle is { } idle)
        {
            _idle = null;
            idle.TrySetResult();
        }
    }

    internal static bool IsEmulatorType(Type? type) => type?.Namespace?.StartsWith("Emulator.", StringComparison.Ordinal) ?? false;

    internal static bool IsTimerTick(IIncomingGrainCallContext context) =>
        string.Equals(context.Request.GetInterfaceType()?.Name, "IGrainTimerInvoker", StringComparison.Ordinal);
}

/// <summary>Counts, in a silo, the calls to emulator grains and the turns they run (see <see cref="Quiescence"/>).</summary>
public sealed class QuiescenceFilter(Quiescence quiescence) : IIncomingGrainCallFilter, IOutgoingGrainCallFilter
{
    public async Task Invoke(IIncomingGrainCallContext context)
    {
        // Every grain timer tick the clock fired is counted, whoever's grain it is; calls only to emulator grains.
        var tick = Quiescence.IsTimerTick(context);
        if (!tick && !Quiescence.IsEmulatorType(context.Grain?.GetType()))
        {
            await context.Invoke();
            return;
        }

        var counted = !tick && RequestContext.Get(Quiescence.CountedCall) is not null;
        RequestContext.Remove(Quiescence.CountedCall);
        quiescence.TurnStarted();
        try
        {
            await context.Invoke();
        }
        finally
        {
            quiescence.TurnEnded(counted, tick);
        }
    }

    public async Task Invoke(IOutgoingGrainCallContext context)
    {
        if (Quiescence.IsEmulatorType(context.Request.GetInterfaceType()))
        {
            RequestContext.Set(Quiescence.CountedCall, true);
            quiescence.CallSent();
        }
        else
        {
            RequestContext.Remove(Quiescence.CountedCall);
        }

        await context.Invoke();
    }
}
