namespace Emulator.Model.Persistence;

/// <summary>
/// B-EV-3 made durable: a cluster's event log is stored in fixed segments of <see cref="SegmentSize"/> sequence
/// numbers (segment k holds sequences k*S+1 .. (k+1)*S), so a flush rewrites only the segments that gained events
/// (the open tail, or a few after a burst) instead of the whole log, and expired segments are deleted whole.
/// </summary>
public static class EventLogSegments
{
    /// <summary>
    /// Events per stored segment. A flush rewrites at most one partly written segment besides the new ones, so this
    /// bounds a small flush's write (64 events of ~1 KB); 20,000 events are ~313 segments to read on reactivation.
    /// </summary>
    public const int SegmentSize = 64;

    /// <summary>The segment holding a sequence number (sequences start at 1).</summary>
    public static long SegmentOf(long sequence) => sequence < 1 ? 0 : (sequence - 1) / SegmentSize;

    /// <summary>The first and last sequence number a segment can hold.</summary>
    public static (long First, long Last) Sequences(long segment) => (segment * SegmentSize + 1, (segment + 1) * SegmentSize);

    /// <summary>The segments to write when events up to <paramref name="last"/> exist and storage holds them up to <paramref name="persistedThrough"/>; null: nothing new.</summary>
    public static (long From, long To)? ToWrite(long persistedThrough, long last) =>
        last <= persistedThrough ? null : (SegmentOf(persistedThrough + 1), SegmentOf(last));

    /// <summary>
    /// The most events the memory log holds: the capacity rule (B-EV-3) trims back to the capacity only once the log
    /// passes capacity + capacity / 4.
    /// </summary>
    public static long MaxRetained(int capacity) => capacity + capacity / 4;

    /// <summary>The segments that may hold retained events when the newest known sequence is <paramref name="last"/>.</summary>
    public static (long From, long To)? ToLoad(long last, int capacity) =>
        last < 1 ? null : (SegmentOf(Math.Max(1, last - MaxRetained(capacity) + 1)), SegmentOf(last));

    /// <summary>
    /// Segments wholly before the oldest retained event (trimmed from memory): deleted from storage. Stored segments
    /// start at <paramref name="storedFrom"/>; the result is empty when the oldest retained event is in that segment.
    /// </summary>
    public static (long From, long To)? Expired(long storedFrom, long oldestRetained)
    {
        var firstLive = SegmentOf(oldestRetained);
        return firstLive > storedFrom ? (storedFrom, firstLive - 1) : null;
    }
}

/// <summary>
/// B-CAS-3 datapoints made durable: each metric series is stored in chunks of one emulated hour
/// (<see cref="Width"/>), so a flush rewrites only the hours that gained datapoints (normally the current one) and
/// the one-day retention deletes whole chunks.
/// </summary>
public static class MetricChunks
{
    /// <summary>One emulated hour: 60 datapoints at the 1-minute metric period, 25 chunks per retained series.</summary>
    public static readonly TimeSpan Width = TimeSpan.FromHours(1);

    /// <summary>The one emulated day a series keeps (B-CAS-3; known gap: AWS keeps 15 months).</summary>
    public static readonly TimeSpan Retention = TimeSpan.FromDays(1);

    /// <summary>The chunk (hours since the epoch of <see cref="DateTimeOffset"/>) holding a timestamp.</summary>
    public static long ChunkOf(DateTimeOffset timestamp) => timestamp.UtcTicks / Width.Ticks;

    /// <summary>The first instant of a chunk.</summary>
    public static DateTimeOffset Start(long chunk) => new(chunk * Width.Ticks, TimeSpan.Zero);

    /// <summary>True when every instant of the chunk is older than the retention cutoff.</summary>
    public static bool Expired(long chunk, DateTimeOffset cutoff) => Start(chunk + 1) <= cutoff;
}
