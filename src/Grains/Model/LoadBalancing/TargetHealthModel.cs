using System.Collections.Immutable;
using Emulator.Contracts;

namespace Emulator.Model.LoadBalancing;

/// <summary>The health check and deregistration settings of a target group (B-LB-1, B-LB-2).</summary>
public sealed record HealthCheckSettings(TimeSpan Interval, int HealthyThreshold, int UnhealthyThreshold, TimeSpan DeregistrationDelay)
{
    public static HealthCheckSettings From(TargetGroupSpec spec) => new(
        TimeSpan.FromSeconds(spec.HealthCheckIntervalSeconds), spec.HealthyThresholdCount, spec.UnhealthyThresholdCount,
        TimeSpan.FromSeconds(spec.DeregistrationDelaySeconds));
}

/// <summary>
/// What the load balancer knows of one target: registered when its task became RUNNING, deregistered when its task
/// was stopped through the load balancer (DEACTIVATING, B-LB-2), died when its task or host went away without a
/// deregistration (host terminated, instance force-deregistered).
/// </summary>
/// <remarks>
/// <see cref="FailsFrom"/>: from when the target's health checks fail while its task lives (B-DP-8 <c>emulator.targetHealth=fail</c>).
/// <see cref="ErrorRate"/> and <see cref="CpuPerRequest"/>: B-DP-8 <c>emulator.errorRate</c> / <c>emulator.cpuPerRequest</c>
/// (or the same chaos faults), in force until <see cref="LoadFaultUntil"/> (null: for good).
/// </remarks>
public sealed record TargetFacts(string TaskId, DateTimeOffset RegisteredAt, DateTimeOffset? DeregisteredAt, DateTimeOffset? DiedAt, DateTimeOffset? FailsFrom = null,
    double ErrorRate = 0, double CpuPerRequest = 1, DateTimeOffset? LoadFaultUntil = null)
{
    /// <summary>True when the target answers some requests 5xx or spends more (or less) CPU per request than a plain task.</summary>
    public bool HasLoadFault => ErrorRate > 0 || (CpuPerRequest > 0 && Math.Abs(CpuPerRequest - 1) > 1e-12);

    /// <summary>B-DP-8: the error rate / CPU factor are in force at <paramref name="t"/>.</summary>
    public bool LoadFaultAt(DateTimeOffset t) => HasLoadFault && (LoadFaultUntil is not { } until || t < until);

    /// <summary>The fault class key of the target (see <see cref="TargetFaultClass"/>).</summary>
    public (double ErrorRate, double CpuPerRequest) LoadFaultKey => (ErrorRate, CpuPerRequest > 0 ? CpuPerRequest : 1);
}

public enum TargetPhase
{
    Absent = 0,
    Initial = 1,
    Healthy = 2,
    Unhealthy = 3,
    Draining = 4,
}

/// <summary>A target at one moment: its phase, whether the load balancer sends it requests, whether its task is dead.</summary>
public readonly record struct TargetView(TargetPhase Phase, bool Routable, bool Dead);

/// <summary>
/// Target health as a pure function of time (B-LB-1, B-LB-2). Health checks run every interval from registration:
/// the check at registration + k x interval passes while the task lives (a check at the instant of death still
/// passes). A target is healthy after <c>healthyThreshold</c> passing checks, i.e. at registration + threshold x
/// interval (the workshop's 2 x 30 s: "at least one minute"). A dead target keeps receiving its share of requests
/// (which fail) until <c>unhealthyThreshold</c> checks have failed; it is then shown unhealthy for one more interval
/// and dropped (Model choice: ECS has deregistered the stopped task by then). A deregistered target drains for the
/// deregistration delay: no new requests, in-flight ones finish.
/// Known gaps: checks are not jittered, there is no fail-open when every target is unhealthy (requests get 503), and
/// no slow start.
/// </summary>
public static class TargetHealthModel
{
    /// <summary>The most change times one target has (<see cref="ChangeTimes"/>).</summary>
    public const int MaxChangeTimes = 9;

    public static DateTimeOffset HealthyAt(TargetFacts f, HealthCheckSettings s) => HealthyAtOrNull(f, s) ?? DateTimeOffset.MaxValue;

    /// <summary>
    /// When the target turns healthy: after <c>healthyThreshold</c> passing checks, unless its checks fail first (B-DP-8):
    /// then never (null).
    /// </summary>
    public static DateTimeOffset? HealthyAtOrNull(TargetFacts f, HealthCheckSettings s)
    {
        var at = f.RegisteredAt + s.Interval * Math.Max(1, s.HealthyThreshold);
        return f.FailsFrom is { } fails && FirstCheckAtOrAfter(f, s, fails) <= at ? null : at;
    }

    /// <summary>
    /// B-DP-8: when a live target whose checks fail from <see cref="TargetFacts.FailsFrom"/> is found unhealthy: after
    /// <c>unhealthyThreshold</c> failing checks from the first check at or after that instant; null when its checks pass.
    /// </summary>
    public static DateTimeOffset? UnhealthyWhileAlive(TargetFacts f, HealthCheckSettings s)
    {
        if (f.FailsFrom is not { } fails)
        {
            return null;
        }

        var interval = s.Interval > TimeSpan.Zero ? s.Interval : TimeSpan.FromSeconds(1);
        return FirstCheckAtOrAfter(f, s, fails) + interval * (Math.Max(1, s.UnhealthyThreshold) - 1);
    }

    private static DateTimeOffset FirstCheckAtOrAfter(TargetFacts f, HealthCheckSettings s, DateTimeOffset at)
    {
        var interval = s.Interval > TimeSpan.Zero ? s.Interval : TimeSpan.FromSeconds(1);
        var k = at <= f.RegisteredAt ? 1 : Math.Max(1, (long)Math.Ceiling((at - f.RegisteredAt) / interval));
        return f.RegisteredAt + interval * k;
    }

    /// <summary>The first check after death plus (unhealthyThreshold - 1) intervals; null while the task lives.</summary>
    public static DateTimeOffset? UnhealthyAt(TargetFacts f, HealthCheckSettings s)
    {
        if (f.DiedAt is not { } died)
        {
            return null;
        }

        var interval = s.Interval > TimeSpan.Zero ? s.Interval : TimeSpan.FromSeconds(1);
        var sinceRegistration = died - f.RegisteredAt;
        var k = sinceRegistration < TimeSpan.Zero ? 1 : (long)Math.Floor(sinceRegistration / interval) + 1;
        return f.RegisteredAt + interval * k + interval * (Math.Max(1, s.UnhealthyThreshold) - 1);
    }

    public static TargetView At(TargetFacts f, HealthCheckSettings s, DateTimeOffset t)
    {
        if (t < f.RegisteredAt)
        {
            return default;
        }

        if (f.DeregisteredAt is { } dereg && t >= dereg && (f.DiedAt is null || f.DiedAt >= dereg))
        {
            return t < dereg + s.DeregistrationDelay
                ? new TargetView(TargetPhase.Draining, false, f.DiedAt is { } d && t >= d)
                : default;
        }

        var healthyAt = HealthyAt(f, s);
        var aliveUnhealthy = UnhealthyWhileAlive(f, s);
        if (f.DiedAt is { } died && t >= died)
        {
            var unhealthyAt = UnhealthyAt(f, s)!.Value;
            if (aliveUnhealthy is { } au && au <= died)
            {
                // Already out of rotation when it died: no request reached it.
                return t < unhealthyAt + s.Interval ? new TargetView(TargetPhase.Unhealthy, false, true) : default;
            }

            if (t >= unhealthyAt)
            {
                return t < unhealthyAt + s.Interval ? new TargetView(TargetPhase.Unhealthy, false, true) : default;
            }

            return healthyAt <= died ? new TargetView(TargetPhase.Healthy, true, true) : new TargetView(TargetPhase.Initial, false, true);
        }

        if (aliveUnhealthy is { } unhealthy && t >= unhealthy)
        {
            return new TargetView(TargetPhase.Unhealthy, false, false);
        }

        return t >= healthyAt ? new TargetView(TargetPhase.Healthy, true, false) : new TargetView(TargetPhase.Initial, false, false);
    }

    /// <summary>Every moment at which the target's view may change (at most <see cref="MaxChangeTimes"/>), written into <paramref name="into"/>.</summary>
    public static int ChangeTimes(TargetFacts f, HealthCheckSettings s, Span<DateTimeOffset> into)
    {
        var n = 0;
        into[n++] = f.RegisteredAt;
        if (HealthyAtOrNull(f, s) is { } healthy)
        {
            into[n++] = healthy;
        }

        if (UnhealthyWhileAlive(f, s) is { } unhealthy)
        {
            into[n++] = unhealthy;
        }

        if (f.DiedAt is { } died)
        {
            into[n++] = died;
            var u = UnhealthyAt(f, s)!.Value;
            into[n++] = u;
            into[n++] = u + s.Interval;
        }

        if (f.DeregisteredAt is { } dereg)
        {
            into[n++] = dereg;
            into[n++] = dereg + s.DeregistrationDelay;
        }

        // B-DP-8: a chaos error rate / CPU factor that ends moves the target out of its fault class.
        if (f.HasLoadFault && f.LoadFaultUntil is { } until && until > f.RegisteredAt)
        {
            into[n++] = until;
        }

        return n;
    }

    /// <summary>The target as DescribeTargetHealth reports it, or null when it is not (or no longer) registered.</summary>
    public static (TargetHealthState State, string? Reason)? Describe(TargetFacts f, HealthCheckSettings s, DateTimeOffset now)
    {
        var v = At(f, s, now);
        return v.Phase switch
        {
            TargetPhase.Initial => (TargetHealthState.initial, "Elb.RegistrationInProgress"),
            TargetPhase.Healthy => (TargetHealthState.healthy, null),
            TargetPhase.Unhealthy => (TargetHealthState.unhealthy, "Target.FailedHealthChecks"),
            TargetPhase.Draining => (TargetHealthState.draining, "Target.DeregistrationInProgress"),
            _ => null,
        };
    }

    /// <summary>
    /// B-LB-3: the service's targets over (from, to]: routable counts at <paramref name="from"/>, every change after it
    /// (summed per instant, in time order), the deaths of targets that had requests in flight, and health counts at
    /// <paramref name="to"/>. One pass over the targets; the result is small whatever their number.
    /// </summary>
    public static TrafficTimeline Timeline(string service, string targetGroup, IEnumerable<TargetFacts> targets, HealthCheckSettings s,
        DateTimeOffset from, DateTimeOffset to)
    {
        int routable = 0, dead = 0, healthy = 0, unhealthy = 0, initial = 0, draining = 0;
        var changes = new SortedDictionary<DateTimeOffset, (int Routable, int Dead)>();
        var deaths = ImmutableArray.CreateBuilder<TargetDeath>();
        var classes = new FaultClassBuilder();
        Span<DateTimeOffset> times = stackalloc DateTimeOffset[MaxChangeTimes];
        foreach (var f in targets)
        {
            var start = At(f, s, from);
            if (start.Routable)
            {
                routable++;
                if (start.Dead)
                {
                    dead++;
                }
            }

            if (f.HasLoadFault && InFaultClass(f, start, from))
            {
                classes.AddLive(f.LoadFaultKey);
            }

            var count = ChangeTimes(f, s, times);
            foreach (var c in times[..count])
            {
                if (c <= from || c > to)
                {
                    continue;
                }

                var before = At(f, s, c.AddTicks(-1));
                var after = At(f, s, c);
                var dr = (after.Routable ? 1 : 0) - (before.Routable ? 1 : 0);
                var dd = (after.Routable && after.Dead ? 1 : 0) - (before.Routable && before.Dead ? 1 : 0);
                if (dr != 0 || dd != 0)
                {
                    var cur = changes.GetValueOrDefault(c);
                    changes[c] = (cur.Routable + dr, cur.Dead + dd);
                }

                if (f.HasLoadFault)
                {
                    var dc = (InFaultClass(f, after, c) ? 1 : 0) - (InFaultClass(f, before, c.AddTicks(-1)) ? 1 : 0);
                    if (dc != 0)
                    {
                        classes.AddChange(f.LoadFaultKey, c, dc);
                    }
                }
            }

            if (f.DiedAt is { } died && died > from && died <= to)
            {
                var before = At(f, s, died.AddTicks(-1));
                if (before.Routable)
                {
                    deaths.Add(new TargetDeath(died, null));
                }
                else if (before.Phase == TargetPhase.Draining && f.DeregisteredAt is { } dereg)
                {
                    deaths.Add(new TargetDeath(died, died - dereg));
                }
            }

            switch (At(f, s, to).Phase)
            {
                case TargetPhase.Healthy: healthy++; break;
                case TargetPhase.Unhealthy: unhealthy++; break;
                case TargetPhase.Initial: initial++; break;
                case TargetPhase.Draining: draining++; break;
            }
        }

        deaths.Sort((a, b) => a.At.CompareTo(b.At));
        return new TrafficTimeline(service, targetGroup, from, to, routable, dead,
            changes.Where(kv => kv.Value != (0, 0)).Select(kv => new TargetChange(kv.Key, kv.Value.Routable, kv.Value.Dead)).ToImmutableArray(),
            deaths.ToImmutable(), healthy, unhealthy, initial, draining, classes.Build());
    }

    /// <summary>B-DP-8: a target counts in its fault class while it receives requests, lives, and its fault is in force.</summary>
    private static bool InFaultClass(TargetFacts f, TargetView v, DateTimeOffset t) => v.Routable && !v.Dead && f.LoadFaultAt(t);

    /// <summary>Collects the fault classes of a timeline (few: one per faulty revision or chaos value).</summary>
    private sealed class FaultClassBuilder
    {
        private readonly SortedDictionary<(double ErrorRate, double Cpu), (int Live, SortedDictionary<DateTimeOffset, int> Changes)> _classes = [];

        private (int Live, SortedDictionary<DateTimeOffset, int> Changes) Get((double, double) key) =>
            _classes.TryGetValue(key, out var c) ? c : _classes[key] = (0, []);

        public void AddLive((double, double) key)
        {
            var c = Get(key);
            _classes[key] = (c.Live + 1, c.Changes);
        }

        public void AddChange((double, double) key, DateTimeOffset at, int delta)
        {
            var c = Get(key);
            c.Changes[at] = c.Changes.GetValueOrDefault(at) + delta;
        }

        public ImmutableArray<TargetFaultClass> Build() =>
            [.. _classes.Select(kv => new TargetFaultClass(kv.Key.ErrorRate, kv.Key.Cpu, kv.Value.Live,
                    [.. kv.Value.Changes.Where(c => c.Value != 0).Select(c => new TargetChange(c.Key, c.Value, 0))]))
                .Where(c => c.LiveAtFrom != 0 || c.Changes.Length > 0)];
    }

    /// <summary>
    /// B-LB-3: the instant after which none of <paramref name="targets"/> changes any more (the latest of their change
    /// times) and the counts from then on. Target facts change only when a task record does, so a cluster computes
    /// this once per change and answers every later window that starts after <see cref="SettledTargets.QuietFrom"/>
    /// without a pass over its targets (<see cref="SettledTargets.Timeline"/>).
    /// </summary>
    public static SettledTargets Settle(IEnumerable<TargetFacts> targets, HealthCheckSettings s)
    {
        var quietFrom = DateTimeOffset.MinValue;
        var facts = targets as IReadOnlyCollection<TargetFacts> ?? targets.ToList();
        Span<DateTimeOffset> times = stackalloc DateTimeOffset[MaxChangeTimes];
        foreach (var f in facts)
        {
            var count = ChangeTimes(f, s, times);
            foreach (var c in times[..count])
            {
                if (c > quietFrom)
                {
                    quietFrom = c;
                }
            }
        }

        int routable = 0, dead = 0, healthy = 0, unhealthy = 0, initial = 0, draining = 0;
        var classes = new FaultClassBuilder();
        foreach (var f in facts)
        {
            var v = At(f, s, quietFrom);
            if (v.Routable)
            {
                routable++;
                dead += v.Dead ? 1 : 0;
            }

            if (f.HasLoadFault && InFaultClass(f, v, quietFrom))
            {
                classes.AddLive(f.LoadFaultKey);
            }

            switch (v.Phase)
            {
                case TargetPhase.Healthy: healthy++; break;
                case TargetPhase.Unhealthy: unhealthy++; break;
                case TargetPhase.Initial: initial++; break;
                case TargetPhase.Draining: draining++; break;
            }
        }

        return new SettledTargets(quietFrom, routable, dead, healthy, unhealthy, initial, draining, classes.Build());
    }
}

/// <summary>Targets that no longer change after <see cref="QuietFrom"/>, with their counts from then on (see <see cref="TargetHealthModel.Settle"/>).</summary>
public sealed record SettledTargets(DateTimeOffset QuietFrom, int Routable, int DeadRoutable, int Healthy, int Unhealthy, int Initial, int Draining,
    ImmutableArray<TargetFaultClass> FaultClasses = default)
{
    /// <summary>
    /// The same timeline <see cref="TargetHealthModel.Timeline"/> gives over (from, to] when <paramref name="from"/> is
    /// at or after <see cref="QuietFrom"/>: no changes, no deaths, constant counts.
    /// </summary>
    public TrafficTimeline Timeline(string service, string targetGroup, DateTimeOffset from, DateTimeOffset to)
    {
        if (from < QuietFrom)
        {
            throw new ArgumentOutOfRangeException(nameof(from), from, $"The targets still change until {QuietFrom:O}.");
        }

        return new TrafficTimeline(service, targetGroup, from, to, Routable, DeadRoutable, [], [], Healthy, Unhealthy, Initial, Draining, FaultClasses);
    }
}
