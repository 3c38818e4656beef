using System.Collections.Immutable;
using System.Globalization;
using Emulator.Contracts;
using Emulator.Model.Persistence;
using Emulator.Runtime;

namespace Emulator.Grains;

/// <summary>One stored segment of a cluster's event log (<see cref="EventLogSegments"/>): its events in sequence order.</summary>
[GenerateSerializer, Immutable, Alias("EventLogSegment")]
public sealed record EventLogSegment([property: Id(0)] ImmutableArray<EmulatorEvent> Events);

/// <summary>
/// B-EV-3 across a silo's death: the event log is stored in segments of 64 sequence numbers beside the cluster's
/// state, and a reactivated cluster grain reads back what its memory log held, with the same sequence numbers.
/// Durable mode: new events are written before the cluster's state (so the stored sequence never runs ahead of the
/// stored log) and before any call answers (an event a reader has seen is in storage). The embedded default writes
/// them when the grain deactivates, like the rest of its state.
/// </summary>
public sealed partial class ClusterGrain
{
    private ChunkStorage<EventLogSegment>? _eventSegments;

    /// <summary>The newest sequence number in storage.</summary>
    private long _eventsStoredThrough;

    /// <summary>The oldest segment storage may hold (segments before it were deleted or never written); -1: none yet.</summary>
    private long _eventSegmentsFrom = -1;

    private ChunkStorage<EventLogSegment> EventSegments => _eventSegments ??= ChunkStorage<EventLogSegment>.For(ServiceProvider, "emulator-event-segment");

    private bool EventsPending => _events.Count > 0 && _events[^1].Sequence > _eventsStoredThrough;

    /// <summary>
    /// Reads the stored segments that can hold retained events. Storage may be ahead of the persisted sequence (the
    /// log is written first), so the segments after it are read until one is missing; numbering continues after the
    /// newest of the two, never reusing a sequence number.
    /// </summary>
    private async Task LoadEventLogAsync()
    {
        if (!S.Exists && S.EventSequence == 0)
        {
            return;
        }

        var capacity = _rt.Options.EventLogCapacity;
        var last = S.EventSequence;
        for (var next = EventLogSegments.SegmentOf(last + 1); await EventSegments.ReadAsync(SegmentKey(next)) is { Events.Length: > 0 } ahead; next++)
        {
            last = Math.Max(last, ahead.Events[^1].Sequence);
        }

        _events.Clear();
        if (EventLogSegments.ToLoad(last, capacity) is (long from, long to))
        {
            var segments = await Task.WhenAll(Enumerable.Range(0, (int)(to - from + 1)).Select(i => EventSegments.ReadAsync(SegmentKey(from + i))));
            _events.AddRange(segments.Where(s => s is not null).SelectMany(s => s!.Events).Where(e => e.Sequence > last - EventLogSegments.MaxRetained(capacity)));
            _eventSegmentsFrom = _events.Count > 0 ? EventLogSegments.SegmentOf(_events[0].Sequence) : -1;
        }

        S.EventSequence = last;
        _eventsStoredThrough = last;
    }

    /// <summary>Writes the segments that gained events, then deletes the segments trimmed from memory.</summary>
    private async Task PersistEventLogAsync()
    {
        if (_events.Count == 0)
        {
            return;
        }

        var oldest = _events[0].Sequence;
        if (EventLogSegments.ToWrite(_eventsStoredThrough, _events[^1].Sequence) is (long from, long to))
        {
            from = Math.Max(from, EventLogSegments.SegmentOf(oldest));
            var writes = new List<Task>();
            for (var segment = from; segment <= to; segment++)
            {
                var (first, last) = EventLogSegments.Sequences(segment);
                var start = FirstEventAtOrAfter(first);
                var end = FirstEventAtOrAfter(last + 1);
                writes.Add(EventSegments.WriteAsync(SegmentKey(segment), new EventLogSegment([.. _events.GetRange(start, end - start)])));
            }

            await Task.WhenAll(writes);
            _eventsStoredThrough = _events[^1].Sequence;
            _eventSegmentsFrom = _eventSegmentsFrom < 0 ? from : _eventSegmentsFrom;
        }

        if (_eventSegmentsFrom >= 0 && EventLogSegments.Expired(_eventSegmentsFrom, oldest) is (long gone, long through))
        {
            await Task.WhenAll(Enumerable.Range(0, (int)(through - gone + 1)).Select(i => EventSegments.DeleteAsync(SegmentKey(gone + i))));
            _eventSegmentsFrom = through + 1;
        }
    }

    /// <summary>
    /// On deactivation the log is written, except when the embedded default's silo shuts down: its storage is this
    /// process's memory and goes with it (and the storage grains may already be gone).
    /// </summary>
    private Task PersistEventLogOnDeactivationAsync(DeactivationReason reason) =>
        reason.ReasonCode == DeactivationReasonCode.ShuttingDown && !_rt.Options.WriteThrough ? Task.CompletedTask : PersistEventLogAsync();

    /// <summary>The index in the memory log of the first event numbered at least <paramref name="sequence"/>.</summary>
    private int FirstEventAtOrAfter(long sequence)
    {
        int lo = 0, hi = _events.Count;
        while (lo < hi)
        {
            var mid = (lo + hi) / 2;
            if (_events[mid].Sequence < sequence)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid;
            }
        }

        return lo;
    }

    private string SegmentKey(long segment) => Name + "#" + segment.ToString(CultureInfo.InvariantCulture);
}
