using System.Runtime.InteropServices;

namespace Emulator.Runtime;

/// <summary>
/// CPU time of the calling thread (Linux <c>clock_gettime(CLOCK_THREAD_CPUTIME_ID)</c>). The synchronous part of a
/// grain turn runs on one thread, so the difference of two readings around it is the CPU that part used, not the wall
/// time it waited (a benchmark's "CPU share" must not count time spent queued behind another grain). Null where the
/// clock is unavailable.
/// </summary>
public static class ThreadCpu
{
    private const int ClockThreadCpuTime = 3;

    /// <summary>The thread's CPU time so far, or null off Linux.</summary>
    public static TimeSpan? Now()
    {
        if (!OperatingSystem.IsLinux())
        {
            return null;
        }

        return ClockGetTime(ClockThreadCpuTime, out var ts) == 0 ? TimeSpan.FromTicks(ts.Seconds * TimeSpan.TicksPerSecond + ts.Nanoseconds / 100) : null;
    }

    /// <summary>The CPU used since <paramref name="start"/> (a <see cref="Now"/> reading on the same thread), zero when unknown.</summary>
    public static TimeSpan Since(TimeSpan? start) => start is { } s && Now() is { } now && now >= s ? now - s : TimeSpan.Zero;

    [DllImport("libc", EntryPoint = "clock_gettime")]
    private static extern int ClockGetTime(int clock, out Timespec ts);

    [StructLayout(LayoutKind.Sequential)]
    private struct Timespec
    {
        public long Seconds;
        public long Nanoseconds;
    }
}
