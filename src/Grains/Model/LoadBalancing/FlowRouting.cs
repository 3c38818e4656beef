using System.Collections.Immutable;
using Emulator.Contracts;

namespace Emulator.Model.LoadBalancing;

/// <summary>Why a share of a flow never reaches a target: the load balancer answered it (fixed-response, redirect) or had nowhere to send it (503).</summary>
public enum NonTargetOutcome
{
    FixedResponse = 0,
    Redirect = 1,

    /// <summary>A forward action whose weights are all 0, or a target group no ECS service registers targets with: ELB's 503.</summary>
    NoTarget = 2,
}

/// <summary>A share of a flow the load balancer answers itself (B-ELB-1).</summary>
public sealed record NonTargetLoad(string Flow, NonTargetOutcome Outcome, TrafficProfile Profile, DateTimeOffset Start, double Fraction, string? TargetGroupArn);

/// <summary>Where a load balancer's flows go: per target group ARN the shares it receives, and the shares answered by the load balancer.</summary>
public sealed record FlowRoutes(ImmutableDictionary<string, ImmutableArray<RoutedLoad>> ByTargetGroup, ImmutableArray<NonTargetLoad> NonTarget)
{
    public ImmutableArray<RoutedLoad> For(string targetGroupArn) => ByTargetGroup.GetValueOrDefault(targetGroupArn, []);
}

/// <summary>
/// Synthetic traffic entering at listeners (B-ELB-1): each flow's request shape goes through <see cref="RequestRouting.Match"/>
/// (the same function the data plane's real requests go through), and the matched rule's action decides its fate: a forward
/// action splits the flow's rate by weight over its target groups (each share a <see cref="RoutedLoad"/> that the target
/// group's clusters integrate over their healthy targets, B-LB-3), fixed-response and redirect actions are answered by the
/// load balancer, and a forward to no weight or to a target group without an ECS service is ELB's 503.
/// </summary>
public static class FlowRouting
{
    /// <summary>A flow's key in figures and routes: <c>LISTENER-ID/NAME</c> (the listener ARN's last segment).</summary>
    public static string Key(string listenerArn, string name) => listenerArn[(listenerArn.LastIndexOf('/') + 1)..] + "/" + name;

    public static FlowRoutes Route(string loadBalancer, string dnsName, ListenerBook book, IEnumerable<ListenerFlow> flows, Func<string, bool> hasTargets)
    {
        var byGroup = new Dictionary<string, ImmutableArray<RoutedLoad>.Builder>(StringComparer.Ordinal);
        var nonTarget = ImmutableArray.CreateBuilder<NonTargetLoad>();
        foreach (var flow in flows)
        {
            if (book.Listener(flow.ListenerArn) is not { } listener)
            {
                continue;
            }

            var key = Key(flow.ListenerArn, flow.Name);
            var decision = RequestRouting.Match(book.RulesOf(listener), HttpRequestShape.From(flow.Request, dnsName));
            switch (decision.Action.Type)
            {
                case ListenerAction.FixedResponseType:
                    nonTarget.Add(new NonTargetLoad(key, NonTargetOutcome.FixedResponse, flow.Profile, flow.Start, 1, null));
                    break;
                case ListenerAction.RedirectType:
                    nonTarget.Add(new NonTargetLoad(key, NonTargetOutcome.Redirect, flow.Profile, flow.Start, 1, null));
                    break;
                default:
                    var shares = RequestRouting.Shares(decision.Action.Forward!);
                    if (shares.IsEmpty)
                    {
                        nonTarget.Add(new NonTargetLoad(key, NonTargetOutcome.NoTarget, flow.Profile, flow.Start, 1, null));
                    }

                    foreach (var (arn, fraction) in shares)
                    {
                        if (!hasTargets(arn))
                        {
                            nonTarget.Add(new NonTargetLoad(key, NonTargetOutcome.NoTarget, flow.Profile, flow.Start, fraction, arn));
                            continue;
                        }

                        if (!byGroup.TryGetValue(arn, out var list))
                        {
                            byGroup[arn] = list = ImmutableArray.CreateBuilder<RoutedLoad>();
                        }

                        list.Add(new RoutedLoad(loadBalancer, key, flow.Profile, flow.Start, fraction));
                    }

                    break;
            }
        }

        return new FlowRoutes(byGroup.ToImmutableDictionary(kv => kv.Key, kv => kv.Value.ToImmutable(), StringComparer.Ordinal), nonTarget.ToImmutable());
    }

    /// <summary>
    /// Requests the load balancer answered itself over (from, to]: each non-target share's rate integrated, as 503s,
    /// fixed responses or redirects (B-ELB-1). Per flow key.
    /// </summary>
    public static ImmutableArray<(NonTargetLoad Load, RequestCounts Counts)> Answered(IEnumerable<NonTargetLoad> loads, DateTimeOffset from, DateTimeOffset to)
    {
        var result = ImmutableArray.CreateBuilder<(NonTargetLoad, RequestCounts)>();
        foreach (var load in loads)
        {
            var n = load.Fraction * RoutedTraffic.Requests(load.Profile, load.Start, from, to);
            if (n <= 0)
            {
                continue;
            }

            result.Add((load, load.Outcome switch
            {
                NonTargetOutcome.FixedResponse => RequestCounts.Zero with { Requests = n, FixedResponses = n },
                NonTargetOutcome.Redirect => RequestCounts.Zero with { Requests = n, Redirects = n },
                _ => RequestCounts.Zero with { Requests = n, Failed503 = n },
            }));
        }

        return result.ToImmutable();
    }
}
