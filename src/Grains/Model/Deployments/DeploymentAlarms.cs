using System.Collections.Immutable;
using Emulator.Contracts;

namespace Emulator.Model.Deployments;

/// <summary>An alarm's transition into ALARM, as the deployment's alarm monitor sees it (B-DP-3).</summary>
public sealed record AlarmEntered(string AlarmName, DateTimeOffset At);

/// <summary>
/// Alarm-based failure detection of a deployment (B-DP-3, <c>deploymentConfiguration.alarms {alarmNames, enable,
/// rollback}</c>): a named alarm that enters ALARM while the deployment is IN_PROGRESS, or within its bake time after
/// the tasks reached a steady state, fails it. An alarm already in ALARM when the deployment started has no transition
/// after the start and is not monitored. Bake time (Model choice, AWS documents none for rolling deployments): the
/// longest of the alarms' Period x EvaluationPeriods, or bakeTimeInMinutes when the deployment configuration sets it.
/// </summary>
public static class DeploymentAlarms
{
    /// <summary>The alarms that fail a deployment started at <paramref name="startedAt"/>, watched up to <paramref name="watchedUntil"/> (null: still in progress).</summary>
    public static ImmutableArray<string> Triggered(IEnumerable<AlarmEntered> entered, IEnumerable<string> monitored, DateTimeOffset startedAt, DateTimeOffset? watchedUntil)
    {
        ArgumentNullException.ThrowIfNull(entered);
        var names = monitored.ToHashSet(StringComparer.Ordinal);
        return entered
            .Where(e => names.Contains(e.AlarmName) && e.At >= startedAt && (watchedUntil is null || e.At <= watchedUntil))
            .OrderBy(e => e.At)
            .Select(e => e.AlarmName)
            .Distinct(StringComparer.Ordinal)
            .ToImmutableArray();
    }

    /// <summary>The bake time: bakeTimeInMinutes when set, else the longest alarm's Period x EvaluationPeriods (zero without alarms).</summary>
    public static TimeSpan BakeTime(IEnumerable<(int PeriodSeconds, int EvaluationPeriods)> alarms, int? bakeTimeInMinutes)
    {
        ArgumentNullException.ThrowIfNull(alarms);
        if (bakeTimeInMinutes is { } minutes)
        {
            return TimeSpan.FromMinutes(Math.Max(0, minutes));
        }

        var longest = alarms.Select(a => (long)Math.Max(1, a.PeriodSeconds) * Math.Max(1, a.EvaluationPeriods)).DefaultIfEmpty(0).Max();
        return TimeSpan.FromSeconds(longest);
    }

    /// <summary>Whether alarms watch this deployment at all: alarms enabled and named.</summary>
    public static bool Watches(DeploymentAlarmsSpec? alarms) => alarms is { Enable: true } a && !a.AlarmNames.IsDefaultOrEmpty;
}
