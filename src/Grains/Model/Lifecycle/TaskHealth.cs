using Emulator.Contracts;

namespace Emulator.Model.Lifecycle;

/// <summary>When a task's containers turn healthy, or unhealthy (B-TL-5, B-DP-1, B-DP-8), as a pure function of its record.</summary>
public readonly record struct ContainerHealth(DateTimeOffset? HealthyAt, DateTimeOffset? UnhealthyAt)
{
    /// <summary>The task's healthStatus at <paramref name="now"/>: HEALTHY, UNHEALTHY or UNKNOWN.</summary>
    public string StatusAt(DateTimeOffset now) =>
        UnhealthyAt is { } u && u <= now ? "UNHEALTHY" : HealthyAt is { } h && h <= now ? "HEALTHY" : "UNKNOWN";
}

/// <summary>
/// Container health (B-TL-5, B-DP-1, B-DP-8). A task without a container health check counts as healthy 40 s after
/// RUNNING (the configured HealthGracePeriod). A task with one runs it every interval from its start: the first passing
/// check makes it HEALTHY; <c>retries</c> consecutive failing checks make it UNHEALTHY, failures inside the start period
/// not counting (Docker's rules). With <c>emulator.healthCheck=fail</c> the checks fail from the task's start (never
/// healthy), or, injected into a running task, from the fault's <c>Since</c>; a fault that ends (<c>Until</c>) before
/// the task turned unhealthy leaves it healthy. Checks are not jittered (known gap).
/// </summary>
public static class TaskHealth
{
    public static ContainerHealth Container(TaskRecord t, EmulatorTimings timings)
    {
        ArgumentNullException.ThrowIfNull(t);
        ArgumentNullException.ThrowIfNull(timings);
        if (t.StartedAt is not { } started)
        {
            return default;
        }

        var faults = t.Faults;
        if (faults?.HealthCheck is not { } hc)
        {
            return new ContainerHealth(started + timings.HealthGracePeriod, null);
        }

        var interval = TimeSpan.FromSeconds(Math.Max(1, hc.IntervalSeconds));
        var firstCheck = started + interval;
        if (!faults.HealthCheckFails)
        {
            return new ContainerHealth(firstCheck, null);
        }

        // Checks run at started + k x interval (k >= 1); failures count from the fault's start and after the start period.
        var failFrom = faults.Since is { } since && since > started ? since : started;
        var startPeriodEnd = started + TimeSpan.FromSeconds(Math.Max(0, hc.StartPeriodSeconds));
        var counting = failFrom > startPeriodEnd ? failFrom : startPeriodEnd;
        var k0 = Math.Max(1, (long)Math.Ceiling((counting - started) / interval));
        var unhealthyAt = started + interval * (k0 + Math.Max(1, hc.Retries) - 1);
        if (faults.Until is { } until && unhealthyAt > until)
        {
            return new ContainerHealth(firstCheck, null);
        }

        // The first check passes only when it runs before the fault starts.
        DateTimeOffset? healthyAt = firstCheck < failFrom ? firstCheck : null;
        return new ContainerHealth(healthyAt, unhealthyAt);
    }

    /// <summary>B-TL-5 at one instant: the task is RUNNING, wanted RUNNING, and its containers are healthy (not unhealthy).</summary>
    public static bool IsHealthy(TaskRecord t, EmulatorTimings timings, DateTimeOffset now)
    {
        if (t.LastStatus != Contracts.TaskStatus.RUNNING || t.DesiredStatus != DesiredStatus.RUNNING)
        {
            return false;
        }

        var h = Container(t, timings);
        return h.HealthyAt is { } at && at <= now && !(h.UnhealthyAt is { } u && u <= now);
    }

    /// <summary>
    /// B-DP-8 <c>emulator.targetHealth=fail</c>: from when the task's load balancer health checks fail (its start, or the
    /// injected fault's start), or null when they pass; a fault that ended is ignored.
    /// </summary>
    public static DateTimeOffset? TargetChecksFailFrom(TaskRecord t)
    {
        if (t.Faults is not { TargetHealthFails: true } f || t.StartedAt is not { } started)
        {
            return null;
        }

        var from = f.Since is { } since && since > started ? since : started;
        return f.Until is { } until && until <= from ? null : from;
    }
}
