using Emulator.Model.Cluster;
using Emulator.Model.Lifecycle;
using Emulator.Model.Time;
using Emulator.Runtime;

namespace Emulator.Grains;

/// <summary>
/// The cluster's clock: due task transitions (B-T-2), PROVISIONING timeouts (B-PQ-3), placing the queue when capacity
/// appeared (B-PQ-2), the gauges, and the periodic write. One DueTimer, armed for the earliest of the next tick on
/// the absolute grid and the earliest due transition (B-T-3).
/// </summary>
public sealed partial class ClusterGrain
{
    private async Task Tick(CancellationToken cancellationToken)
    {
        _timer?.Fired();
        try
        {
            await TickCore(cancellationToken);
        }
        finally
        {
            // B-T-3: the next wake is the next tick of the absolute grid or the earliest due transition, whichever
            // comes first (a stale queue entry only wakes the grain early).
            _timer?.Arm(TickSchedule.NextWake(_nextTickAt, _book.NextDue));
        }
    }

    private async Task TickCore(CancellationToken cancellationToken)
    {
        var now = Now;
        var timings = _rt.Options.Timings;

        // B-T-3: the tick is due every TickPeriod of emulated time on a fixed grid; how late it came is timer lag too
        // (what steady state has when no task transition is due). A wake for a due transition between two ticks
        // does the same work but is not a tick.
        if (now >= _nextTickAt)
        {
            foreach (var late in TickSchedule.LateTicks(_nextTickAt, now, _rt.Options.TickPeriod))
            {
                _rt.Metrics.RecordLag(late, LagSources.ClusterTick);
            }

            _nextTickAt = TickSchedule.NextTick(_nextTickAt, now, _rt.Options.TickPeriod);
        }

        while (_book.TryTakeDue(now, out var t, out var due))
        {
            _rt.Metrics.RecordLag(TimerLag.Of(due, now), LagSources.TaskTransition);
            var step = ClusterRules.DueTransition(t, S.FargateSpotAvailable, timings, _rt.Options.TickPeriod, now, _random);
            if (step.Delete)
            {
                _book.Remove(t, now);
            }
            else if (!ReferenceEquals(step.Next, t))
            {
                _book.Replace(t, step.Next);
            }
        }

        // B-PQ-3: a task waits in PROVISIONING at most the configured time (the queue is in arrival order).
        while (QueuePlacer.TimedOut(_book, timings, now) is { } head)
        {
            StopOne(head, StopReasons.TaskFailedToStart, StopReasons.CapacityUnavailable);
        }

        if (_capacityChanged)
        {
            _capacityChanged = false;
            QueuePlacer.PlaceQueued(_book, timings, Now, _random); // B-PQ-2
        }

        FlushPokes();
        PublishFigures();
        if (_dirty && _rt.Wall.GetElapsedTime(_lastPersistTicks) >= PersistInterval)
        {
            _dirty = false;
            _lastPersistTicks = _rt.Wall.GetTimestamp();
            await PersistEventLogAsync();
            await _store.WriteStateAsync(cancellationToken);
        }
    }
}
