using Emulator.Model.Persistence;

namespace Emulator.Tests.Model.Persistence;

/// <summary>B-EV-3 / B-CAS-3 history storage layout: which segments and chunks a flush writes, a reload reads, retention deletes.</summary>
public sealed class HistoryChunksTests
{
    [Theory]
    [InlineData(1, 0)]
    [InlineData(64, 0)]
    [InlineData(65, 1)]
    [InlineData(128, 1)]
    [InlineData(129, 2)]
    public void B_EV_3_segment_k_holds_sequences_k_times_64_plus_1_to_k_plus_1_times_64(long sequence, long segment)
    {
        Assert.Equal(segment, EventLogSegments.SegmentOf(sequence));
        var (first, last) = EventLogSegments.Sequences(segment);
        Assert.InRange(sequence, first, last);
        Assert.Equal(EventLogSegments.SegmentSize, last - first + 1);
    }

    [Theory]
    [InlineData(0, 0, null, null)] // nothing yet
    [InlineData(10, 10, null, null)] // nothing new
    [InlineData(0, 3, 0L, 0L)] // the first events
    [InlineData(60, 70, 0L, 1L)] // the open segment is rewritten with the new one
    [InlineData(64, 70, 1L, 1L)] // a full segment is never rewritten
    [InlineData(64, 2_000, 1L, 31L)] // a burst writes each new segment once
    public void B_EV_3_a_flush_writes_only_the_segments_that_gained_events(long storedThrough, long last, long? from, long? to)
    {
        var range = EventLogSegments.ToWrite(storedThrough, last);
        Assert.Equal(from is null ? null : (from.Value, to!.Value), range);
    }

    [Fact]
    public void B_EV_3_a_reload_reads_the_segments_of_the_most_events_the_memory_log_can_hold()
    {
        Assert.Null(EventLogSegments.ToLoad(0, 20_000));
        Assert.Equal((0L, 1L), EventLogSegments.ToLoad(100, 20_000));
        Assert.Equal(25_000, EventLogSegments.MaxRetained(20_000)); // trimmed back to 20,000 only past 25,000
        var (from, to) = EventLogSegments.ToLoad(100_000, 20_000)!.Value;
        Assert.Equal(EventLogSegments.SegmentOf(100_000 - 25_000 + 1), from);
        Assert.Equal(EventLogSegments.SegmentOf(100_000), to);
    }

    [Theory]
    [InlineData(0, 1, null, null)]
    [InlineData(0, 64, null, null)] // the oldest retained event is in the first stored segment
    [InlineData(0, 65, 0L, 0L)]
    [InlineData(3, 5_001, 3L, 77L)] // 5,000 trimmed events: segments 3..77 go, 78 (4,993..5,056) stays
    public void B_EV_3_segments_wholly_trimmed_from_memory_are_deleted(long storedFrom, long oldestRetained, long? from, long? to)
    {
        var range = EventLogSegments.Expired(storedFrom, oldestRetained);
        Assert.Equal(from is null ? null : (from.Value, to!.Value), range);
    }

    [Fact]
    public void B_CAS_3_a_series_is_stored_by_the_emulated_hour_and_an_hour_expires_once_wholly_older_than_a_day()
    {
        var t = new DateTimeOffset(2026, 1, 2, 10, 59, 59, TimeSpan.Zero);
        var chunk = MetricChunks.ChunkOf(t);
        Assert.Equal(new DateTimeOffset(2026, 1, 2, 10, 0, 0, TimeSpan.Zero), MetricChunks.Start(chunk));
        Assert.Equal(chunk + 1, MetricChunks.ChunkOf(t.AddSeconds(1)));
        Assert.Equal(chunk, MetricChunks.ChunkOf(t.ToOffset(TimeSpan.FromHours(2)))); // by the instant, not the offset

        var cutoff = t.AddSeconds(1); // 11:00
        Assert.True(MetricChunks.Expired(chunk, cutoff)); // 10:00-11:00 is wholly before 11:00
        Assert.False(MetricChunks.Expired(chunk, cutoff.AddTicks(-1)));
        Assert.False(MetricChunks.Expired(chunk + 1, cutoff));
    }
}
