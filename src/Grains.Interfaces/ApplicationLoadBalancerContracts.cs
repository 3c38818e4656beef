using System.Collections.Immutable;
using Orleans.Concurrency;

namespace Emulator.Contracts;

/// <summary>A subnet an Application Load Balancer is in, with the availability zone it stands for (B-ELB-1).</summary>
[GenerateSerializer, Immutable, Alias("LoadBalancerSubnet")]
public sealed record LoadBalancerSubnet(
    [property: Id(0)] string SubnetId,
    [property: Id(1)] string AvailabilityZone);

/// <summary>What CreateLoadBalancer states (B-ELB-1): an Application Load Balancer in a VPC, over subnets of two zones or more.</summary>
[GenerateSerializer, Immutable, Alias("LoadBalancerSpec")]
public sealed record LoadBalancerSpec(
    [property: Id(0)] string Name,
    [property: Id(1)] string Type,
    [property: Id(2)] string Scheme,
    [property: Id(3)] string IpAddressType,
    [property: Id(4)] string VpcId,
    [property: Id(5)] ImmutableArray<LoadBalancerSubnet> Subnets,
    [property: Id(6)] ImmutableArray<string> SecurityGroups);

/// <summary>A target group of a forward action and its weight (0..999; AWS's default 1).</summary>
[GenerateSerializer, Immutable, Alias("WeightedTargetGroup")]
public sealed record WeightedTargetGroup(
    [property: Id(0)] string TargetGroupArn,
    [property: Id(1)] int Weight);

/// <summary>A forward action's target groups and weights (B-ELB-1: the weights blue/green moves, B-DP-6), and its stickiness.</summary>
[GenerateSerializer, Immutable, Alias("ForwardConfig")]
public sealed record ForwardConfig(
    [property: Id(0)] ImmutableArray<WeightedTargetGroup> TargetGroups,
    [property: Id(1)] bool StickinessEnabled,
    [property: Id(2)] int? StickinessDurationSeconds);

/// <summary>A fixed-response action: the load balancer answers itself.</summary>
[GenerateSerializer, Immutable, Alias("FixedResponseConfig")]
public sealed record FixedResponseConfig(
    [property: Id(0)] string StatusCode,
    [property: Id(1)] string? ContentType,
    [property: Id(2)] string? MessageBody);

/// <summary>A redirect action: <c>#{protocol}</c>, <c>#{host}</c>, <c>#{port}</c>, <c>#{path}</c>, <c>#{query}</c> stand for the request's parts.</summary>
[GenerateSerializer, Immutable, Alias("RedirectConfig")]
public sealed record RedirectConfig(
    [property: Id(0)] string Protocol,
    [property: Id(1)] string Port,
    [property: Id(2)] string Host,
    [property: Id(3)] string Path,
    [property: Id(4)] string Query,
    [property: Id(5)] string StatusCode);

/// <summary>
/// A listener or rule action (B-ELB-1): <c>forward</c> (<see cref="Forward"/> always holds the target groups, also when the
/// request named one <c>TargetGroupArn</c>), <c>fixed-response</c> or <c>redirect</c>.
/// </summary>
[GenerateSerializer, Immutable, Alias("ListenerAction")]
public sealed record ListenerAction(
    [property: Id(0)] string Type,
    [property: Id(1)] int? Order,
    [property: Id(2)] ForwardConfig? Forward,
    [property: Id(3)] FixedResponseConfig? FixedResponse,
    [property: Id(4)] RedirectConfig? Redirect)
{
    public const string ForwardType = "forward";
    public const string FixedResponseType = "fixed-response";
    public const string RedirectType = "redirect";

    public static ListenerAction ForwardTo(params WeightedTargetGroup[] groups) => new(ForwardType, 1, new ForwardConfig([.. groups], false, null), null, null);
}

/// <summary>A query-string condition's pair (the key may be absent: any key).</summary>
[GenerateSerializer, Immutable, Alias("QueryStringPair")]
public sealed record QueryStringPair(
    [property: Id(0)] string? Key,
    [property: Id(1)] string Value);

/// <summary>
/// A rule condition (B-ELB-1): <c>host-header</c>, <c>path-pattern</c>, <c>http-header</c> (with
/// <see cref="HttpHeaderName"/>), <c>http-request-method</c>, <c>query-string</c> (<see cref="QueryStrings"/>) or
/// <c>source-ip</c>. Values match with <c>*</c> and <c>?</c> wildcards; several values of one condition are alternatives,
/// several conditions must all hold.
/// </summary>
[GenerateSerializer, Immutable, Alias("RuleCondition")]
public sealed record RuleCondition(
    [property: Id(0)] string Field,
    [property: Id(1)] ImmutableArray<string> Values,
    [property: Id(2)] string? HttpHeaderName = null,
    [property: Id(3)] ImmutableArray<QueryStringPair> QueryStrings = default);

/// <summary>A listener (B-ELB-1) and the loopback port its data plane answers on (issue 17).</summary>
[GenerateSerializer, Immutable, Alias("ListenerRecord")]
public sealed record ListenerRecord(
    [property: Id(0)] string Arn,
    [property: Id(1)] int Port,
    [property: Id(2)] string Protocol,
    [property: Id(3)] ImmutableArray<ListenerAction> DefaultActions,
    [property: Id(4)] ImmutableArray<string> CertificateArns,
    [property: Id(5)] string? SslPolicy,
    [property: Id(6)] int DataPlanePort,
    [property: Id(7)] string DefaultRuleArn);

/// <summary>A listener rule (B-ELB-1); <see cref="Priority"/> null is the listener's default rule (its actions are the listener's default actions).</summary>
[GenerateSerializer, Immutable, Alias("ListenerRuleRecord")]
public sealed record ListenerRuleRecord(
    [property: Id(0)] string Arn,
    [property: Id(1)] string ListenerArn,
    [property: Id(2)] int? Priority,
    [property: Id(3)] ImmutableArray<RuleCondition> Conditions,
    [property: Id(4)] ImmutableArray<ListenerAction> Actions)
{
    public bool IsDefault => Priority is null;
}

/// <summary>What ModifyListener changes: members left null keep their value.</summary>
[GenerateSerializer, Immutable, Alias("ListenerPatch")]
public sealed record ListenerPatch(
    [property: Id(0)] int? Port,
    [property: Id(1)] string? Protocol,
    [property: Id(2)] ImmutableArray<ListenerAction>? DefaultActions,
    [property: Id(3)] ImmutableArray<string>? CertificateArns,
    [property: Id(4)] string? SslPolicy);

/// <summary>One entry of SetRulePriorities.</summary>
[GenerateSerializer, Immutable, Alias("RulePriority")]
public sealed record RulePriority(
    [property: Id(0)] string RuleArn,
    [property: Id(1)] int Priority);

/// <summary>
/// A synthetic request's shape (B-ELB-1): what rule conditions see. <see cref="Host"/> null is the load balancer's DNS
/// name (a client that resolved it). Header names are matched case-insensitively.
/// </summary>
[GenerateSerializer, Immutable, Alias("SyntheticRequest")]
public sealed record SyntheticRequest(
    [property: Id(0)] string Method,
    [property: Id(1)] string? Host,
    [property: Id(2)] string Path,
    [property: Id(3)] ImmutableDictionary<string, string> Headers,
    [property: Id(4)] ImmutableArray<QueryStringPair> Query,
    [property: Id(5)] string? SourceIp)
{
    public static SyntheticRequest Default { get; } = new("GET", null, "/", ImmutableDictionary<string, string>.Empty, [], null);
}

/// <summary>
/// Synthetic traffic that enters at a listener (B-ELB-1): a rate profile (B-LB-3) of requests of one shape, matched to a
/// rule, split by its forward weights and spread over the healthy targets. Named, so production and test traffic can
/// enter at the same listener side by side.
/// </summary>
[GenerateSerializer, Immutable, Alias("ListenerFlow")]
public sealed record ListenerFlow(
    [property: Id(0)] string ListenerArn,
    [property: Id(1)] string Name,
    [property: Id(2)] TrafficProfile Profile,
    [property: Id(3)] SyntheticRequest Request,
    [property: Id(4)] DateTimeOffset Start);

/// <summary>An Application Load Balancer with its listeners, rules (default ones excluded), attributes and synthetic traffic.</summary>
[GenerateSerializer, Immutable, Alias("LoadBalancerInfo")]
public sealed record LoadBalancerInfo(
    [property: Id(0)] LoadBalancerSpec Spec,
    [property: Id(1)] string Arn,
    [property: Id(2)] string DnsName,
    [property: Id(3)] string CanonicalHostedZoneId,
    [property: Id(4)] DateTimeOffset CreatedAt,
    [property: Id(5)] string State,
    [property: Id(6)] ImmutableArray<ListenerRecord> Listeners,
    [property: Id(7)] ImmutableArray<ListenerRuleRecord> Rules,
    [property: Id(8)] ImmutableDictionary<string, string> Attributes,
    [property: Id(9)] ImmutableArray<ListenerFlow> Flows,
    [property: Id(10)] DateTimeOffset ActiveAt);

/// <summary>Request figures (B-LB-3, B-ELB-1): requests, ELB 503/502, target 5xx, the sum of target response times, fixed responses and redirects.</summary>
[GenerateSerializer, Immutable, Alias("RequestCounts")]
public sealed record RequestCounts(
    [property: Id(0)] double Requests,
    [property: Id(1)] double Failed503,
    [property: Id(2)] double Failed502,
    [property: Id(3)] double Target5xx,
    [property: Id(4)] double ResponseTimeSum,
    [property: Id(5)] double FixedResponses,
    [property: Id(6)] double Redirects)
{
    public static RequestCounts Zero { get; } = new(0, 0, 0, 0, 0, 0, 0);

    /// <summary>Requests a target answered (the ELB's own 5xx, fixed responses and redirects never reach one).</summary>
    public double ReachedTargets => Requests - Failed503 - Failed502 - FixedResponses - Redirects;

    public RequestCounts Add(RequestCounts o) => new(Requests + o.Requests, Failed503 + o.Failed503, Failed502 + o.Failed502, Target5xx + o.Target5xx,
        ResponseTimeSum + o.ResponseTimeSum, FixedResponses + o.FixedResponses, Redirects + o.Redirects);
}

/// <summary>
/// Requests of one load balancer flow over part of one metric period (B-ELB-1): the counts that reached (or failed at)
/// one target group, or with <see cref="TargetGroup"/> empty the ones answered by the load balancer itself.
/// <see cref="Flow"/> is <c>LISTENER-ID/NAME</c>; the data plane's real requests use the name <c>data-plane</c>.
/// </summary>
[GenerateSerializer, Immutable, Alias("LoadBalancerServed")]
public sealed record LoadBalancerServed(
    [property: Id(0)] DateTimeOffset PeriodStart,
    [property: Id(1)] string Flow,
    [property: Id(2)] string TargetGroup,
    [property: Id(3)] RequestCounts Counts);

/// <summary>A flow's figures since it started (B-ELB-1).</summary>
[GenerateSerializer, Immutable, Alias("ListenerFlowFigures")]
public sealed record ListenerFlowFigures(
    [property: Id(0)] string ListenerArn,
    [property: Id(1)] int Port,
    [property: Id(2)] string Name,
    [property: Id(3)] double CurrentRequestsPerSecond,
    [property: Id(4)] RequestCounts Totals);

/// <summary>Requests a load balancer forwarded to one target group.</summary>
[GenerateSerializer, Immutable, Alias("TargetGroupLoadFigures")]
public sealed record TargetGroupLoadFigures(
    [property: Id(0)] string TargetGroup,
    [property: Id(1)] RequestCounts Totals);

/// <summary>
/// A load balancer's traffic figures (B-ELB-1): totals, per flow (synthetic flows and the real requests of the data plane),
/// per target group. Target-side counts arrive from the clusters' traffic ticks, so they trail by up to one tick.
/// </summary>
[GenerateSerializer, Immutable, Alias("LoadBalancerFigures")]
public sealed record LoadBalancerFigures(
    [property: Id(0)] string Name,
    [property: Id(1)] string Arn,
    [property: Id(2)] RequestCounts Totals,
    [property: Id(3)] ImmutableArray<ListenerFlowFigures> Flows,
    [property: Id(4)] ImmutableArray<TargetGroupLoadFigures> TargetGroups,
    [property: Id(5)] DateTimeOffset At);

/// <summary>
/// A share of a load balancer flow that a target group receives (B-ELB-1): the flow's rate profile times
/// <see cref="Fraction"/> (its forward weight over the rule's total weight).
/// </summary>
[GenerateSerializer, Immutable, Alias("RoutedLoad")]
public sealed record RoutedLoad(
    [property: Id(0)] string LoadBalancer,
    [property: Id(1)] string Flow,
    [property: Id(2)] TrafficProfile Profile,
    [property: Id(3)] DateTimeOffset Start,
    [property: Id(4)] double Fraction);

/// <summary>From <see cref="From"/> on (emulated time), the load balancer flows a target group receives.</summary>
[GenerateSerializer, Immutable, Alias("RouteEpoch")]
public sealed record RouteEpoch(
    [property: Id(0)] DateTimeOffset From,
    [property: Id(1)] ImmutableArray<RoutedLoad> Routes);

/// <summary>A target group as a load balancer sees it when it validates an action (B-ELB-1).</summary>
[GenerateSerializer, Immutable, Alias("TargetGroupSummary")]
public sealed record TargetGroupSummary(
    [property: Id(0)] string Arn,
    [property: Id(1)] TargetGroupSpec Spec,
    [property: Id(2)] ImmutableArray<string> Users,
    [property: Id(3)] ImmutableArray<string> LoadBalancerArns);

/// <summary>A task that serves a target group, as the data plane answers for it (issue 17).</summary>
[GenerateSerializer, Immutable, Alias("DataPlaneTask")]
public sealed record DataPlaneTask(
    [property: Id(0)] string TaskArn,
    [property: Id(1)] string ProviderOrLaunchType,
    [property: Id(2)] string? AvailabilityZone,
    [property: Id(3)] string TaskDefinitionArn,
    [property: Id(4)] bool Dead = false);

/// <summary>
/// One service's share of a target group now (issue 17): the targets that receive requests (a <see cref="DataPlaneTask.Dead"/>
/// one among them answers 502 until its health checks fail, B-LB-2), and the service's RUNNING tasks (the emulated app's
/// ALL_TASKS).
/// </summary>
[GenerateSerializer, Immutable, Alias("ServiceDataPlaneTargets")]
public sealed record ServiceDataPlaneTargets(
    [property: Id(0)] string Cluster,
    [property: Id(1)] string Service,
    [property: Id(2)] ImmutableArray<DataPlaneTask> Routable,
    [property: Id(3)] ImmutableArray<DataPlaneTask> RunningTasks);

/// <summary>Requests of one service observed by the data plane (issue 17), counted with the synthetic ones (B-LB-3, B-LB-4).</summary>
[GenerateSerializer, Immutable, Alias("ObservedRequests")]
public sealed record ObservedRequests(
    [property: Id(0)] string Service,
    [property: Id(1)] string TargetGroup,
    [property: Id(2)] string? LoadBalancer,
    [property: Id(3)] string Flow,
    [property: Id(4)] DateTimeOffset At,
    [property: Id(5)] RequestCounts Counts);

/// <summary>A listener's data-plane port, as every silo's data plane serves it (issue 17).</summary>
[GenerateSerializer, Immutable, Alias("DataPlaneListener")]
public sealed record DataPlaneListener(
    [property: Id(0)] string ListenerArn,
    [property: Id(1)] string LoadBalancer,
    [property: Id(2)] int Port);

/// <summary>
/// An Application Load Balancer (B-ELB-1), keyed by name: its listeners, rules, attributes and the synthetic flows that
/// enter at its listeners. Routing is the pure <c>RequestRouting</c>; what each target group receives is pushed to the
/// target group as <see cref="RouteEpoch"/>s, which the clusters' traffic grains integrate with their targets' health
/// (one traffic model with B-LB-3). The load balancer publishes the per-load-balancer metrics.
/// </summary>
[Alias("ILoadBalancerGrain")]
public interface ILoadBalancerGrain : IGrainWithStringKey
{
    [Alias("Create")] Task<LoadBalancerInfo> Create(LoadBalancerSpec spec);

    [Alias("Describe")] Task<LoadBalancerInfo?> Describe();

    /// <summary>Deletes the load balancer with its listeners and rules (deletion protection: OperationNotPermitted).</summary>
    [Alias("Delete")] Task Delete();

    [Alias("ModifyAttributes")] Task<ImmutableDictionary<string, string>> ModifyAttributes(ImmutableDictionary<string, string> attributes);

    [Alias("SetSecurityGroups")] Task<LoadBalancerInfo> SetSecurityGroups(ImmutableArray<string> securityGroups);

    [Alias("CreateListener")]
    Task<ListenerRecord> CreateListener(int port, string protocol, ImmutableArray<ListenerAction> defaultActions, ImmutableArray<string> certificateArns, string? sslPolicy);

    [Alias("ModifyListener")] Task<ListenerRecord> ModifyListener(string listenerArn, ListenerPatch patch);

    [Alias("DeleteListener")] Task DeleteListener(string listenerArn);

    /// <summary>DescribeListenerAttributes (ListenerNotFound when the listener is not this load balancer's).</summary>
    [Alias("DescribeListenerAttributes")] Task<ImmutableDictionary<string, string>> DescribeListenerAttributes(string listenerArn);

    /// <summary>ModifyListenerAttributes: the listener's attributes after the change (ValidationError for an unknown key or bad value).</summary>
    [Alias("ModifyListenerAttributes")] Task<ImmutableDictionary<string, string>> ModifyListenerAttributes(string listenerArn, ImmutableDictionary<string, string> attributes);

    [Alias("CreateRule")]
    Task<ListenerRuleRecord> CreateRule(string listenerArn, int priority, ImmutableArray<RuleCondition> conditions, ImmutableArray<ListenerAction> actions);

    /// <summary>Null members keep their value; a default rule takes actions only (they become the listener's default actions).</summary>
    [Alias("ModifyRule")] Task<ListenerRuleRecord> ModifyRule(string ruleArn, ImmutableArray<RuleCondition>? conditions, ImmutableArray<ListenerAction>? actions);

    /// <summary>All or nothing: every rule must be a non-default rule of one listener of this load balancer.</summary>
    [Alias("SetRulePriorities")] Task<ImmutableArray<ListenerRuleRecord>> SetRulePriorities(ImmutableArray<RulePriority> priorities);

    [Alias("DeleteRule")] Task DeleteRule(string ruleArn);

    /// <summary>
    /// B-DP-6: sets the weights of the rule's forward action (a default rule's ARN: the listener's default forward
    /// action), validated as ModifyRule validates them; the deployments' traffic shifts call this. Returns the rule.
    /// </summary>
    [Alias("SetForwardWeights")] Task<ListenerRuleRecord> SetForwardWeights(string ruleArn, ImmutableArray<WeightedTargetGroup> weights);

    /// <summary>Starts (or replaces) the named synthetic flow at a listener from now; a null profile stops it.</summary>
    [Alias("SetListenerTraffic")] Task<ListenerFlow?> SetListenerTraffic(string listenerArn, string name, TrafficProfile? profile, SyntheticRequest? request);

    [Alias("GetFigures")] Task<LoadBalancerFigures> GetFigures();

    /// <summary>Counts of this load balancer's flows, from the clusters' traffic ticks and the data plane.</summary>
    [Alias("ReportServed"), OneWay] Task ReportServed(ImmutableArray<LoadBalancerServed> served);

    /// <summary>A target group this load balancer forwards to gained its first or lost its last ECS service.</summary>
    [Alias("TargetGroupUsersChanged"), OneWay] Task TargetGroupUsersChanged(string targetGroupArn, bool hasUsers);
}

/// <summary>
/// The account's load balancer listeners and the loopback ports their data planes answer on (issue 17), allocated from
/// <c>Emulator:LoadBalancing:DataPlanePorts</c>. Singleton, keyed <see cref="GrainKeys.Account"/>.
/// </summary>
[Alias("ILoadBalancerDirectoryGrain")]
public interface ILoadBalancerDirectoryGrain : IGrainWithStringKey
{
    /// <summary>The listener's port (the same one again for the same listener); TooManyListeners when the range is used up.</summary>
    [Alias("Allocate")] Task<int> Allocate(string listenerArn, string loadBalancer);

    [Alias("Release")] Task Release(string listenerArn);

    [Alias("List")] Task<ImmutableArray<DataPlaneListener>> List();
}

/// <summary>Elastic Load Balancing ARNs (B-ID-2): load balancers, listeners and listener rules of Application Load Balancers.</summary>
public static class LoadBalancerArns
{
    public static string LoadBalancer(string region, string account, string name, string id) =>
        $"arn:aws:elasticloadbalancing:{region}:{account}:loadbalancer/app/{name}/{id}";

    public static string Listener(string loadBalancerArn, string id) => loadBalancerArn.Replace(":loadbalancer/", ":listener/", StringComparison.Ordinal) + "/" + id;

    public static string Rule(string listenerArn, string id) => listenerArn.Replace(":listener/", ":listener-rule/", StringComparison.Ordinal) + "/" + id;

    /// <summary>The load balancer's name in a load balancer, listener or rule ARN (<c>.../app/NAME/ID...</c>), or null when it is none of them.</summary>
    public static string? Name(string arn) => Part(arn, 0);

    /// <summary>The load balancer's id in a load balancer, listener or rule ARN.</summary>
    public static string? Id(string arn) => Part(arn, 1);

    /// <summary>The listener ARN a rule ARN belongs to (the rule ARN without its last segment, as a listener ARN).</summary>
    public static string? ListenerOfRule(string ruleArn)
    {
        if (!ruleArn.Contains(":listener-rule/app/", StringComparison.Ordinal))
        {
            return null;
        }

        var slash = ruleArn.LastIndexOf('/');
        return ruleArn[..slash].Replace(":listener-rule/", ":listener/", StringComparison.Ordinal);
    }

    /// <summary>The CloudWatch LoadBalancer dimension: <c>app/NAME/ID</c>.</summary>
    public static string Dimension(string loadBalancerArn)
    {
        var i = loadBalancerArn.IndexOf("loadbalancer/", StringComparison.Ordinal);
        return i < 0 ? loadBalancerArn : loadBalancerArn[(i + "loadbalancer/".Length)..];
    }

    private static string? Part(string arn, int index)
    {
        foreach (var kind in new[] { ":loadbalancer/app/", ":listener/app/", ":listener-rule/app/" })
        {
            var i = arn.IndexOf(kind, StringComparison.Ordinal);
            if (i >= 0 && arn.StartsWith("arn:", StringComparison.Ordinal))
            {
                var parts = arn[(i + kind.Length)..].Split('/');
                return parts.Length > index && parts[index].Length > 0 ? parts[index] : null;
            }
        }

        return null;
    }
}
