using System.Collections.Immutable;
using System.Globalization;
using Emulator.Contracts;

namespace Emulator.Model.ManagedInstances;

/// <summary>One registered instance of a Managed Instances provider as consolidation sees it.</summary>
public sealed record ManagedInstance(
    string InstanceId,
    string InstanceType,
    bool AcceptsPlacements,
    bool Draining,
    bool IsSpot,
    ResourceSet Registered,
    ResourceSet Used,
    int NonDaemonTasks,
    int ServiceTasks);

/// <summary>An instance the manager takes out: drained first when it still runs tasks (B-MI-3), or handed back after a Spot warning (B-MI-4).</summary>
public sealed record ManagedTermination(string InstanceId, string Reason, bool Idle);

/// <summary>Consolidation's result: when each instance became idle or underutilized (kept between evaluations) and what to take out now.</summary>
public sealed record ConsolidationDecision(ImmutableDictionary<string, DateTimeOffset> LowSince, ImmutableArray<ManagedTermination> Terminations);

/// <summary>
/// B-MI-3, B-MI-4: which instances the Managed Instances manager terminates. Idle instances (no task but daemons)
/// terminate after <c>scaleInAfter</c>; an underutilized instance (Model choice: CPU and memory reserved both under
/// <see cref="ConsolidationSettings.UnderutilizedBelow"/>) is drained after <c>scaleInAfter</c> when its tasks fit
/// on the provider's other instances; a Spot instance DRAINING after its interruption warning is handed back (its
/// group does not replace it: the manager launches for the displaced tasks).
/// <para>
/// Model choice: nothing is consolidated while tasks wait in PROVISIONING or instances are launching (the manager is
/// growing); the tasks of an underutilized instance are taken as equal shares of its reservation (the cluster's
/// record has no per-task sizes) and fitted first-fit on the others' remaining resources, the least used instance
/// first; an instance chosen as a destination is not drained in the same evaluation; an instance running standalone
/// (RunTask) tasks is never drained (draining does not move them, B-CI-3: they would die with the host).
/// </para>
/// </summary>
public static class Consolidation
{
    public static ConsolidationDecision Evaluate(
        IReadOnlyList<ManagedInstance> instances,
        ImmutableDictionary<string, DateTimeOffset> lowSince,
        int pendingTasks,
        int launching,
        ConsolidationSettings settings,
        DateTimeOffset now)
    {
        var terminations = ImmutableArray.CreateBuilder<ManagedTermination>();

        // B-MI-4: a Spot instance DRAINING after its warning is handed back, whatever else happens.
        foreach (var i in instances.Where(i => i.IsSpot && i.Draining))
        {
            terminations.Add(new ManagedTermination(i.InstanceId,
                $"Spot interruption warning for {i.InstanceId} ({i.InstanceType}): draining it and launching replacement capacity for its {i.NonDaemonTasks} task{(i.NonDaemonTasks == 1 ? "" : "s")}", i.NonDaemonTasks == 0));
        }

        var since = ImmutableDictionary.CreateBuilder<string, DateTimeOffset>(StringComparer.Ordinal);
        foreach (var i in instances.Where(i => i.AcceptsPlacements))
        {
            if (i.NonDaemonTasks == 0 || Utilization(i) < settings.UnderutilizedBelow)
            {
                since[i.InstanceId] = lowSince.TryGetValue(i.InstanceId, out var at) ? at : now;
            }
        }

        var result = since.ToImmutable();
        if (settings.ScaleInAfter is not { } wait || pendingTasks > 0 || launching > 0)
        {
            return new ConsolidationDecision(result, terminations.ToImmutable());
        }

        var due = instances.Where(i => i.AcceptsPlacements && result.TryGetValue(i.InstanceId, out var at) && now - at >= wait).ToList();
        foreach (var idle in due.Where(i => i.NonDaemonTasks == 0).OrderBy(i => i.InstanceId, StringComparer.Ordinal))
        {
            terminations.Add(new ManagedTermination(idle.InstanceId,
                string.Create(CultureInfo.InvariantCulture, $"terminating idle {idle.InstanceId} ({idle.InstanceType}): no tasks for {(now - result[idle.InstanceId]).TotalSeconds:0} s (scaleInAfter {wait.TotalSeconds:0} s)"), true));
        }

        var taken = terminations.Select(t => t.InstanceId).ToHashSet(StringComparer.Ordinal);
        var destinations = new HashSet<string>(StringComparer.Ordinal);
        var free = instances.Where(i => i.AcceptsPlacements && !taken.Contains(i.InstanceId))
            .ToDictionary(i => i.InstanceId, i => i.Registered - i.Used, StringComparer.Ordinal);
        // B-CI-3: draining moves service tasks only; an instance running standalone tasks (RunTask) is not drained.
        foreach (var low in due.Where(i => i.NonDaemonTasks > 0 && i.ServiceTasks >= i.NonDaemonTasks).OrderBy(Utilization).ThenBy(i => i.InstanceId, StringComparer.Ordinal))
        {
            if (destinations.Contains(low.InstanceId))
            {
                continue;
            }

            var share = new ResourceSet(low.Used.Cpu / low.NonDaemonTasks, low.Used.Memory / low.NonDaemonTasks, low.Used.Gpu / low.NonDaemonTasks, low.Used.Eni / low.NonDaemonTasks);
            var trial = new Dictionary<string, ResourceSet>(free, StringComparer.Ordinal);
            trial.Remove(low.InstanceId);
            var used = new HashSet<string>(StringComparer.Ordinal);
            var placed = 0;
            for (var t = 0; t < low.NonDaemonTasks; t++)
            {
                var target = trial.Where(kv => share.FitsWithin(kv.Value)).OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => kv.Key).FirstOrDefault();
                if (target is null)
                {
                    break;
                }

                trial[target] -= share;
                used.Add(target);
                placed++;
            }

            if (placed < low.NonDaemonTasks)
            {
                continue; // B-MI-3: its tasks do not fit elsewhere: it stays.
            }

            free = trial;
            destinations.UnionWith(used);
            terminations.Add(new ManagedTermination(low.InstanceId,
                string.Create(CultureInfo.InvariantCulture,
                    $"draining underutilized {low.InstanceId} ({low.InstanceType}): {Utilization(low) * 100:0} % reserved for {(now - result[low.InstanceId]).TotalSeconds:0} s (scaleInAfter {wait.TotalSeconds:0} s); its {low.NonDaemonTasks} task{(low.NonDaemonTasks == 1 ? "" : "s")} fit on {used.Count} other instance{(used.Count == 1 ? "" : "s")}"),
                false));
        }

        return new ConsolidationDecision(result, terminations.ToImmutable());
    }

    /// <summary>The larger of the CPU and memory fractions reserved.</summary>
    public static double Utilization(ManagedInstance i) => Math.Max(
        i.Registered.Cpu == 0 ? 0 : (double)i.Used.Cpu / i.Registered.Cpu,
        i.Registered.Memory == 0 ? 0 : (double)i.Used.Memory / i.Registered.Memory);

    /// <summary>
    /// B-MI-3: <c>scaleInAfter</c> as a wait: null (not given) is the emulator's default, -1 turns consolidation off
    /// (null result), 0..3600 seconds as given.
    /// </summary>
    public static TimeSpan? ScaleInAfter(int? configured, TimeSpan defaultWait) => configured switch
    {
        null => defaultWait,
        -1 => null,
        var s => TimeSpan.FromSeconds(s.Value),
    };

    /// <summary>B-MI-3's range check (InvalidParameterException text), or null.</summary>
    public static string? ValidateScaleInAfter(int? value) =>
        value is null or -1 or (>= 0 and <= 3600) ? null : $"The scaleInAfter value {value} is invalid. Valid values are -1 or 0 to 3600 seconds.";
}

/// <summary>Consolidation's knobs: the wait (null: off) and the underutilization threshold (Model choice, default 0.5).</summary>
public sealed record ConsolidationSettings(TimeSpan? ScaleInAfter, double UnderutilizedBelow = 0.5);
