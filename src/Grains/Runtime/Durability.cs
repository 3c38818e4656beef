namespace Emulator.Runtime;

/// <summary>
/// What grains share to survive a silo's death: the wake-up reminder (reminders live in the reminder table, timers
/// die with their silo) and the id-stream scope of a reactivated grain.
/// </summary>
public static class Durability
{
    public const string WakeReminder = "wake";

    /// <summary>One metric period in wall time (so scheduled work resumes within one period of the grain's return), at least 1 s.</summary>
    public static TimeSpan WakePeriod(EmulatorRuntime runtime)
    {
        var wall = runtime.Clock.ToWall(runtime.Options.Timings.MetricPeriod);
        return wall < TimeSpan.FromSeconds(1) ? TimeSpan.FromSeconds(1) : wall;
    }

    /// <summary>
    /// B-ID-4 with reactivation: the first incarnation keeps the plain scope (a run without crashes is reproducible
    /// from its seed); a reactivated grain gets a new stream so it cannot hand out the ids it handed out before.
    /// </summary>
    public static string Scope(string scope, int incarnation) => incarnation <= 0 ? scope : scope + "#" + incarnation;
}
