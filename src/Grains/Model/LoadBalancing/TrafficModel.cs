using Emulator.Contracts;

namespace Emulator.Model.LoadBalancing;

/// <summary>
/// Requests over one interval (B-LB-3): arrived, failed 503 (no healthy target), 502 (target died) and target 5xx
/// (shed by overloaded tasks, B-LB-4 Model choice, or answered 5xx by tasks with an error rate, B-DP-8).
/// <see cref="CpuExtra"/>: B-DP-8 <c>emulator.cpuPerRequest</c>, the requests' extra CPU cost in plain requests
/// (a request to a task with factor 3 counts 2 here), so the service's CPU is (Requests + CpuExtra) over its tasks.
/// </summary>
public readonly record struct TrafficIncrement(double Requests, double Failed503, double Failed502, double Failed5xx = 0, double CpuExtra = 0)
{
    public static TrafficIncrement operator +(TrafficIncrement a, TrafficIncrement b) =>
        new(a.Requests + b.Requests, a.Failed503 + b.Failed503, a.Failed502 + b.Failed502, a.Failed5xx + b.Failed5xx, a.CpuExtra + b.CpuExtra);
}

/// <summary>
/// Synthetic traffic as flows (B-LB-3, B-LB-4): the request rate of a profile integrated over the intervals in which
/// the set of routable targets is constant, so the totals are exact whatever the tick and cost O(changes), not
/// O(requests). Requests are split evenly over the routable targets (round robin in the limit):
/// - no routable target: every request fails 503;
/// - a share routed to a dead target that is not yet unhealthy fails 502;
/// - when a routable target dies, the requests in flight on it fail 502: its rate share x the request duration;
///   a draining target that dies loses only what is still in flight (Model choice: its share is taken as one more
///   target's share of the current rate);
/// - an overloaded task (B-LB-4, Model choice): the live routable targets serve at most PerTaskCapacity requests/s
///   each; the excess fails as target 5xx (HTTPCode_Target_5XX_Count), so an under-scaled service measurably fails;
/// - B-DP-8 fault classes (<see cref="TargetFaultClass"/>): a task with CPU factor f serves at most PerTaskCapacity / f
///   requests/s (the excess fails 5xx as above) and costs f plain requests of CPU each (<see cref="TrafficIncrement.CpuExtra"/>);
///   of the requests it serves, its error rate e is answered 5xx. Old and new revisions side by side each keep their own.
/// Ramps and sines are integrated in pieces of at most <see cref="ShapeResolution"/> at their midpoint rate.
/// </summary>
public static class TrafficModel
{
    /// <summary>The longest piece over which a continuous shape's rate is taken as constant.</summary>
    public static readonly TimeSpan ShapeResolution = TimeSpan.FromSeconds(5);

    /// <summary>The profile's rate at <paramref name="t"/>: the last step whose offset has passed (0 before the first) plus its shapes, never below 0.</summary>
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

        if (!profile.Shapes.IsDefaultOrEmpty)
        {
            foreach (var shape in profile.Shapes)
            {
                var since = elapsed - shape.Offset;
                if (since < TimeSpan.Zero)
                {
                    continue;
                }

                rate += shape.Kind switch
                {
                    TrafficShapeKind.Ramp => shape.RequestsPerSecond * (shape.Duration <= TimeSpan.Zero ? 1 : Math.Min(1, since / shape.Duration)),
                    TrafficShapeKind.Sine => shape.Period <= TimeSpan.Zero ? 0 : shape.RequestsPerSecond * Math.Sin(2 * Math.PI * (since / shape.Period)),
                    _ => since < shape.Duration ? shape.RequestsPerSecond : 0,
                };
            }
        }

        return Math.Max(0, rate);
    }

    /// <summary>B-LB-4 (Model choice): memory utilization of a task at a CPU utilization.</summary>
    public static double MemoryUtilization(double cpuPercent, TrafficProfile profile) =>
        Math.Clamp(profile.MemoryBaselinePercent + profile.MemoryPerLoadPercent * Math.Min(100, cpuPercent) / 100, 0, 100);

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

        var classes = timeline.FaultClasses.IsDefault ? [] : timeline.FaultClasses;
        var classLive = new int[classes.Length];
        var classNext = new int[classes.Length];
        for (var k = 0; k < classes.Length; k++)
        {
            classLive[k] = classes[k].LiveAtFrom;
            foreach (var c in classes[k].Changes)
            {
                points.Add(c.At);
            }
        }

        foreach (var step in profile.Steps)
        {
            var at = profileStart + step.Offset;
            if (at > from && at < to)
            {
                points.Add(at);
            }
        }

        var continuous = !profile.Shapes.IsDefaultOrEmpty;
        if (continuous)
        {
            foreach (var shape in profile.Shapes)
            {
                foreach (var at in new[] { profileStart + shape.Offset, profileStart + shape.Offset + shape.Duration })
                {
                    if (at > from && at < to)
                    {
                        points.Add(at);
                    }
                }
            }

            for (var at = from + ShapeResolution; at < to; at += ShapeResolution)
            {
                points.Add(at);
            }
        }

        var duration = profile.RequestDuration.TotalSeconds;
        var routable = timeline.RoutableAtFrom;
        var dead = timeline.DeadRoutableAtFrom;
        int ci = 0, di = 0;
        var a = from;
        double requests = 0, f503 = 0, f502 = 0, f5xx = 0, cpuExtra = 0;
        foreach (var b in points)
        {
            if (b <= from || b > to)
            {
                continue;
            }

            var rate = RateAt(profile, profileStart, continuous ? a + (b - a) / 2 : a);
            var seconds = (b - a).TotalSeconds;
            var n = rate * seconds;
            requests += n;
            if (routable <= 0)
            {
                f503 += n;
            }
            else
            {
                var deadShare = Math.Min(dead, routable);
                f502 += dead > 0 ? n * deadShare / routable : 0;
                var live = routable - deadShare;
                if (classes.Length == 0)
                {
                    var toLive = n * live / routable;
                    f5xx += Math.Max(0, toLive - live * profile.PerTaskCapacity * seconds);
                }
                else
                {
                    var share = ServeFaulty(classes, classLive, live, n / routable, profile.PerTaskCapacity * seconds);
                    f5xx += share.Failed5xx;
                    cpuExtra += share.CpuExtra;
                }
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

            for (var k = 0; k < classes.Length; k++)
            {
                var changes = classes[k].Changes;
                while (classNext[k] < changes.Length && changes[classNext[k]].At <= b)
                {
                    classLive[k] += changes[classNext[k]++].RoutableDelta;
                }
            }

            a = b;
        }

        return new TrafficIncrement(requests, f503, f502, f5xx, cpuExtra);
    }

    /// <summary>
    /// B-LB-4 with B-DP-8: <paramref name="live"/> live targets each receive <paramref name="perTarget"/> requests over a
    /// slice in which a plain task serves at most <paramref name="capacity"/>; <paramref name="classLive"/>[k] of them are
    /// in fault class k. A task with CPU factor f serves at most capacity / f (the excess fails 5xx), answers its error
    /// rate e of what it serves 5xx, and costs (f - 1) x served extra plain requests of CPU. Plain tasks fail only their
    /// overload.
    /// </summary>
    public static (double Failed5xx, double CpuExtra) ServeFaulty(IReadOnlyList<TargetFaultClass> classes, IReadOnlyList<int> classLive, int live,
        double perTarget, double capacity)
    {
        ArgumentNullException.ThrowIfNull(classes);
        ArgumentNullException.ThrowIfNull(classLive);
        double failed = 0, cpuExtra = 0;
        var plain = live;
        for (var k = 0; k < classes.Count; k++)
        {
            var count = Math.Min(Math.Max(0, classLive[k]), Math.Max(0, plain));
            if (count == 0)
            {
                continue;
            }

            plain -= count;
            var factor = classes[k].CpuPerRequest > 0 ? classes[k].CpuPerRequest : 1;
            var overload = Math.Max(0, perTarget - capacity / factor);
            var served = perTarget - overload;
            failed += count * (overload + served * Math.Clamp(classes[k].ErrorRate, 0, 1));
            cpuExtra += count * served * (factor - 1);
        }

        failed += Math.Max(0, plain) * Math.Max(0, perTarget - capacity);
        return (failed, cpuExtra);
    }

    /// <summary>
    /// B-LB-4 with B-DP-8: the mean CPU factor of the targets receiving requests at the timeline's end (1 when none has
    /// a CPU fault), which turns the current request rate into the CPU the live figures show.
    /// </summary>
    public static double CpuFactorAtTo(TrafficTimeline timeline)
    {
        ArgumentNullException.ThrowIfNull(timeline);
        if (timeline.FaultClasses.IsDefaultOrEmpty)
        {
            return 1;
        }

        var live = timeline.RoutableAtFrom - timeline.DeadRoutableAtFrom + timeline.Changes.Sum(c => c.RoutableDelta - c.DeadRoutableDelta);
        if (live <= 0)
        {
            return 1;
        }

        double weighted = 0;
        var faulty = 0;
        foreach (var c in timeline.FaultClasses)
        {
            var count = Math.Max(0, c.LiveAtFrom + c.Changes.Sum(x => x.RoutableDelta));
            faulty += count;
            weighted += count * (c.CpuPerRequest > 0 ? c.CpuPerRequest : 1);
        }

        faulty = Math.Min(faulty, live);
        return (weighted + (live - faulty)) / live;
    }

    /// <summary>B-LB-4: per-task CPU = the service's load over its healthy tasks against the per-task capacity, capped at 100 %.</summary>
    public static double CpuUtilization(double requestsPerSecond, int healthyTasks, double perTaskCapacity)
    {
        if (healthyTasks <= 0 || perTaskCapacity <= 0)
        {
            return 0;
        }

        // Rounded to 1e-6 %: rates integrated over many slices carry float noise (300 requests/s over 6 tasks must read
        // 50 %, not 50.0000000001 %, or a target tracking alarm at 50 would never leave ALARM).
        return Math.Round(Math.Min(100, 100 * requestsPerSecond / healthyTasks / perTaskCapacity), 6);
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

        if (!profile.Shapes.IsDefaultOrEmpty)
        {
            foreach (var shape in profile.Shapes)
            {
                if (shape.Offset < TimeSpan.Zero || shape.Duration < TimeSpan.Zero || double.IsNaN(shape.RequestsPerSecond) || double.IsInfinity(shape.RequestsPerSecond))
                {
                    errors.Add($"A {shape.Kind} shape needs a finite rate and non-negative offset and duration.");
                }

                if (shape.Kind == TrafficShapeKind.Sine && shape.Period <= TimeSpan.Zero)
                {
                    errors.Add("A sine shape needs a positive period.");
                }

                if (shape.Kind == TrafficShapeKind.Spike && shape.Duration <= TimeSpan.Zero)
                {
                    errors.Add("A spike shape needs a positive duration.");
                }
            }
        }

        if (profile.MemoryBaselinePercent is < 0 or > 100 || profile.MemoryPerLoadPercent is < 0 or > 100 || double.IsNaN(profile.MemoryBaselinePercent + profile.MemoryPerLoadPercent))
        {
            errors.Add("memoryBaselinePercent and memoryPerLoadPercent must be between 0 and 100.");
        }

        return errors;
    }
}
