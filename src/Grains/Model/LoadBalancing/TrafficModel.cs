using Emulator.Contracts;

namespace Emulator.Model.LoadBalancing;

/// <summary>
/// Requests over one interval (B-LB-3): arrived, failed 503 (no healthy target), 502 (target died) and answered 5xx by
/// the target itself (HTTPCode_Target_5XX_Count).
/// </summary>
public readonly record struct TrafficIncrement(double Requests, double Failed503, double Failed502, double Failed5xx = 0)
{
    public static TrafficIncrement operator +(TrafficIncrement a, TrafficIncrement b) =>
        new(a.Requests + b.Requests, a.Failed503 + b.Failed503, a.Failed502 + b.Failed502, a.Failed5xx + b.Failed5xx);
}

/// <summary>
/// Synthetic traffic as flows (B-LB-3, B-LB-4): the request rate of a profile integrated over the intervals in which
/// the set of routable targets is constant, so the totals are exact whatever the tick and cost O(changes), not
/// O(requests). Requests are split evenly over the routable targets (round robin in the limit):
/// - no routable target: every request fails 503;
/// - a share routed to a dead target that is not yet unhealthy fails 502;
/// - when a routable target dies, the requests in flight on it fail 502: its rate share x the request duration;
///   a draining target that dies loses only what is still in flight (Model choice: its share is taken as one more
///   target's share of the current rate).
/// </summary>
public static class TrafficModel
{
    /// <summary>The profile's rate at <paramref name="t"/>: the last step whose offset has passed (0 before the first).</summary>
    public static double RateAt(TrafficProfile profile, DateTimeOffset start, DateTimeOffset t)
    {
        var rate = 0.0;
        var elapsed = t - start;
        foreach (var step in profile.Steps)
        {
            if (step.Offset <= elapsed)
            {
                rate = step.RequestsPerSecond;
            }
        }

        return rate;
    }

    public static TrafficIncrement Accumulate(TrafficTimeline timeline, TrafficProfile profile, DateTimeOffset profileStart)
    {
        var from = timeline.From;
        var to = timeline.To;
        if (to <= from)
        {
            return default;
        }

        var points = new SortedSet<DateTimeOffset> { to };
        foreach (var c in timeline.Changes)
        {
            points.Add(c.At);
        }

        foreach (var d in timeline.Deaths)
        {
            points.Add(d.At);
        }

        foreach (var step in profile.Steps)
        {
            var at = profileStart + step.Offset;
            if (at > from && at < to)
            {
                points.Add(at);
            }
        }

        var duration = profile.RequestDuration.TotalSeconds;
        var routable = timeline.RoutableAtFrom;
        var dead = timeline.DeadRoutableAtFrom;
        int ci = 0, di = 0;
        var a = from;
        double requests = 0, f503 = 0, f502 = 0;
        foreach (var b in points)
        {
            if (b <= from || b > to)
            {
                continue;
            }

            var rate = RateAt(profile, profileStart, a);
            var n = rate * (b - a).TotalSeconds;
            requests += n;
            if (routable <= 0)
            {
                f503 += n;
            }
            else if (dead > 0)
            {
                f502 += n * Math.Min(dead, routable) / routable;
            }

            // Deaths at b see the targets as they were just before b.
            while (di < timeline.Deaths.Length && timeline.Deaths[di].At <= b)
            {
                var death = timeline.Deaths[di++];
                if (death.DeregisteredFor is not { } draining)
                {
                    f502 += routable > 0 ? rate / routable * duration : 0;
                }
                else
                {
                    var left = Math.Max(0, duration - draining.TotalSeconds);
                    f502 += rate / (Math.Max(0, routable) + 1) * left;
                }
            }

            while (ci < timeline.Changes.Length && timeline.Changes[ci].At <= b)
            {
                routable += timeline.Changes[ci].RoutableDelta;
                dead += timeline.Changes[ci].DeadRoutableDelta;
                ci++;
            }

            a = b;
        }

        return new TrafficIncrement(requests, f503, f502);
    }

    /// <summary>B-LB-4: per-task CPU = the service's load over its healthy tasks against the per-task capacity, capped at 100 %.</summary>
    public static double CpuUtilization(double requestsPerSecond, int healthyTasks, double perTaskCapacity)
    {
        if (healthyTasks <= 0 || perTaskCapacity <= 0)
        {
            return 0;
        }

        return Math.Min(100, 100 * requestsPerSecond / healthyTasks / perTaskCapacity);
    }

    /// <summary>Validates a profile: at least one step, non-negative rates and offsets, a positive request duration and capacity.</summary>
    public static IReadOnlyList<string> Validate(TrafficProfile profile)
    {
        var errors = new List<string>();
        if (profile.Steps.IsDefaultOrEmpty)
        {
            errors.Add("A traffic profile needs at least one step.");
        }
        else
        {
            foreach (var s in profile.Steps)
            {
                if (s.RequestsPerSecond < 0 || double.IsNaN(s.RequestsPerSecond) || double.IsInfinity(s.RequestsPerSecond))
                {
                    errors.Add($"requestsPerSecond must be a finite number >= 0 (got {s.RequestsPerSecond}).");
                }

                if (s.Offset < TimeSpan.Zero)
                {
                    errors.Add($"A step's offset must be >= 0 (got {s.Offset}).");
                }
            }
        }

        if (profile.RequestDuration <= TimeSpan.Zero)
        {
            errors.Add("requestDuration must be positive.");
        }

        if (profile.PerTaskCapacity <= 0 || double.IsNaN(profile.PerTaskCapacity))
        {
            errors.Add("perTaskCapacity must be positive.");
        }

        return errors;
    }
}
