namespace Emulator.Runtime;

/// <summary>
/// What grains share to survive a silo's death: the wake-up reminder (reminders live in the reminder table, timers
/// die with their silo) and the id-stream scope of a reactivated grain.
/// </summary>
public static class Durability
{
    public const string WakeReminder = "wake";

    /// <summary>
    /// Period of the wake-up reminders: a quarter metric period in wall time, at least 250 ms. A grain whose silo died
    /// is back within a quarter period of Orleans handing its reminder to a survivor, and its activation restarts
    /// its timer: scheduled work resumes within one metric period of the death (issue 5). A tick on a live grain
    /// does nothing.
    /// </summary>
    public static TimeSpan WakePeriod(EmulatorRuntime runtime)
    {
        var wall = runtime.Clock.ToWall(runtime.Options.Timings.MetricPeriod / 4);
        return wall < TimeSpan.FromMilliseconds(250) ? TimeSpan.FromMilliseconds(250) : wall;
    }

    /// <summary>How often a cluster's wake-up also wakes its services (a call each): one metric period in wall time, at least 1 s.</summary>
    public static TimeSpan ServicesWakePeriod(EmulatorRuntime runtime)
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
