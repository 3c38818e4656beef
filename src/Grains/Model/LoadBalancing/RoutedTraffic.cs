using System.Collections.Immutable;
using Emulator.Contracts;

namespace Emulator.Model.LoadBalancing;

/// <summary>What a service's requests over one window came to: in total, from its own profile, and per load balancer share.</summary>
public sealed record RoutedIncrement(TrafficIncrement Total, TrafficIncrement Direct, ImmutableArray<(RoutedLoad Route, TrafficIncrement Increment)> Routes)
{
    public static RoutedIncrement Zero { get; } = new(default, default, []);
}

/// <summary>
/// One traffic model for both ways requests reach a service (B-LB-3, B-ELB-1): the service's own synthetic profile
/// (traffic entering at its target group) and the shares of load balancer flows its target group receives (route
/// epochs). The offered rate is their sum, integrated by <see cref="TrafficModel.Accumulate"/> over the service's
/// target timeline, so 503s, 502s and CPU see all of it at once; the outcome is then attributed to each source by its
/// share of the window's requests (exact for the rate-proportional 502s and for 503s, which hit every source alike).
/// </summary>
public static class RoutedTraffic
{
    /// <summary>The routes in force at <paramref name="t"/>: the last epoch starting at or before it (none before the first).</summary>
    public static ImmutableArray<RoutedLoad> RoutesAt(IReadOnlyList<RouteEpoch> epochs, DateTimeOffset t)
    {
        ImmutableArray<RoutedLoad> routes = [];
        foreach (var e in epochs)
        {
            if (e.From <= t)
            {
                routes = e.Routes;
            }
        }

        return routes;
    }

    /// <summary>The total rate a target group receives from load balancer flows at <paramref name="t"/>.</summary>
    public static double RateAt(IReadOnlyList<RouteEpoch> epochs, DateTimeOffset t) =>
        RoutesAt(epochs, t).Sum(r => r.Fraction * TrafficModel.RateAt(r.Profile, r.Start, t));

    /// <summary>
    /// Adds an epoch from <paramref name="from"/> and drops the ones no longer needed for anything at or after
    /// <paramref name="keepFrom"/> (the epoch in force there stays).
    /// </summary>
    public static ImmutableArray<RouteEpoch> Append(ImmutableArray<RouteEpoch> epochs, DateTimeOffset from, ImmutableArray<RoutedLoad> routes, DateTimeOffset keepFrom)
    {
        var kept = (epochs.IsDefault ? [] : epochs).Where(e => e.From < from).ToList();
        kept.Add(new RouteEpoch(from, routes));
        var firstNeeded = kept.FindLastIndex(e => e.From <= keepFrom);
        return [.. kept.Skip(Math.Max(0, firstNeeded))];
    }

    /// <summary>The part of a timeline over (from, to] (from and to within the timeline's window).</summary>
    public static TrafficTimeline Slice(TrafficTimeline tl, DateTimeOffset from, DateTimeOffset to)
    {
        if (from <= tl.From && to >= tl.To)
        {
            return tl;
        }

        int routable = tl.RoutableAtFrom, dead = tl.DeadRoutableAtFrom;
        foreach (var c in tl.Changes)
        {
            if (c.At <= from)
            {
                routable += c.RoutableDelta;
                dead += c.DeadRoutableDelta;
            }
        }

        // B-DP-8 fault classes: their live counts at the slice's start, their changes inside it.
        var classes = tl.FaultClasses.IsDefault
            ? tl.FaultClasses
            : [.. tl.FaultClasses.Select(k => k with
            {
                LiveAtFrom = k.LiveAtFrom + k.Changes.Where(c => c.At <= from).Sum(c => c.RoutableDelta),
                Changes = [.. k.Changes.Where(c => c.At > from && c.At <= to)],
            })];

        return tl with
        {
            From = from,
            To = to,
            RoutableAtFrom = routable,
            DeadRoutableAtFrom = dead,
            Changes = [.. tl.Changes.Where(c => c.At > from && c.At <= to)],
            Deaths = [.. tl.Deaths.Where(d => d.At > from && d.At <= to)],
            FaultClasses = classes,
        };
    }

    /// <summary>
    /// The sum of the service's own profile and the routed shares as one step profile anchored at <paramref name="anchor"/>:
    /// a step wherever any part changes. <paramref name="template"/> gives the request duration and per-task capacity.
    /// </summary>
    public static TrafficProfile Combine(TrafficProfile? direct, DateTimeOffset directStart, IReadOnlyList<RoutedLoad> routes, DateTimeOffset anchor, TrafficProfile template)
    {
        var parts = new List<(TrafficProfile Profile, DateTimeOffset Start, double Fraction)>(routes.Count + 1);
        if (direct is not null)
        {
            parts.Add((direct, directStart, 1));
        }

        parts.AddRange(routes.Select(r => (r.Profile, r.Start, r.Fraction)));
        var instants = new SortedSet<DateTimeOffset> { anchor };
        foreach (var (profile, start, _) in parts)
        {
            foreach (var step in profile.Steps)
            {
                if (start + step.Offset > anchor)
                {
                    instants.Add(start + step.Offset);
                }
            }
        }

        // Steps carry each part's step rate; each part's ramps, sines and spikes are carried as shapes of the sum,
        // shifted to the anchor and scaled by the part's fraction (the sum's rate is the parts' rates added).
        var steps = instants.Select(t => new TrafficStep(t - anchor, parts.Sum(p => p.Fraction * StepRateAt(p.Profile, p.Start, t)))).ToImmutableArray();
        var shapes = parts.SelectMany(p => (p.Profile.Shapes.IsDefault ? [] : p.Profile.Shapes)
            .Select(s => s with { Offset = s.Offset + (p.Start - anchor), RequestsPerSecond = s.RequestsPerSecond * p.Fraction })).ToImmutableArray();
        return template with { Steps = steps, Shapes = shapes.IsEmpty ? default : shapes };
    }

    /// <summary>The rate of a profile's steps alone at <paramref name="t"/> (its shapes left out).</summary>
    private static double StepRateAt(TrafficProfile profile, DateTimeOffset start, DateTimeOffset t) =>
        TrafficModel.RateAt(profile with { Shapes = default }, start, t);

    /// <summary>Requests a profile makes over (from, to].</summary>
    public static double Requests(TrafficProfile profile, DateTimeOffset start, DateTimeOffset from, DateTimeOffset to) =>
        to <= from ? 0 : TrafficModel.Accumulate(new TrafficTimeline("", "", from, to, 1, 0, [], [], 1, 0, 0, 0), profile, start).Requests;

    /// <summary>
    /// The service's requests over the timeline's window from its own profile (null: none) and from the route epochs, split at
    /// every epoch change; the outcome per source by its share of each piece's requests.
    /// </summary>
    public static RoutedIncrement Accumulate(TrafficTimeline tl, TrafficProfile? direct, DateTimeOffset directStart, IReadOnlyList<RouteEpoch> epochs, TrafficProfile template)
    {
        if (tl.To <= tl.From || (direct is null && epochs.Count == 0))
        {
            return RoutedIncrement.Zero;
        }

        if (epochs.All(e => e.Routes.IsEmpty))
        {
            if (direct is null)
            {
                return RoutedIncrement.Zero;
            }

            // No load balancer flow: the service's own profile alone, exactly as B-LB-3 integrates it.
            var own = TrafficModel.Accumulate(tl, direct!, directStart);
            return new RoutedIncrement(own, own, []);
        }

        var cuts = new SortedSet<DateTimeOffset> { tl.To };
        foreach (var e in epochs)
        {
            if (e.From > tl.From && e.From < tl.To)
            {
                cuts.Add(e.From);
            }
        }

        TrafficIncrement total = default, fromDirect = default;
        var perRoute = ImmutableArray.CreateBuilder<(RoutedLoad, TrafficIncrement)>();
        var a = tl.From;
        foreach (var b in cuts)
        {
            var routes = RoutesAt(epochs, a);
            if (direct is not null || !routes.IsEmpty)
            {
                var piece = TrafficModel.Accumulate(Slice(tl, a, b), Combine(direct, directStart, routes, a, template), a);
                total += piece;
                if (piece.Requests > 0)
                {
                    var own = direct is null ? 0 : Requests(direct, directStart, a, b);
                    var shares = routes.Select(r => r.Fraction * Requests(r.Profile, r.Start, a, b)).ToList();
                    var sum = own + shares.Sum();
                    if (sum > 0)
                    {
                        fromDirect += Scale(piece, own / sum);
                        for (var i = 0; i < routes.Length; i++)
                        {
                            if (shares[i] > 0)
                            {
                                perRoute.Add((routes[i], Scale(piece, shares[i] / sum)));
                            }
                        }
                    }
                }
            }

            a = b;
        }

        return new RoutedIncrement(total, fromDirect, perRoute.ToImmutable());
    }

    private static TrafficIncrement Scale(TrafficIncrement i, double f) => new(i.Requests * f, i.Failed503 * f, i.Failed502 * f, i.Failed5xx * f, i.CpuExtra * f);
}
