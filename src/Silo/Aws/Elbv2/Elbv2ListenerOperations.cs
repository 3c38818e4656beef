using System.Collections.Immutable;
using System.Xml.Linq;
using Emulator.Contracts;
using Emulator.Model.LoadBalancing;
using static Emulator.Silo.Aws.QueryXml;

namespace Emulator.Silo.Aws.Elbv2;

/// <summary>
/// Listeners and listener rules of Application Load Balancers over the query protocol (B-ELB-1): HTTP and HTTPS
/// listeners with forward (weighted target groups), fixed-response and redirect actions; rules with priorities and
/// host-header, path-pattern, http-header, http-request-method, query-string and source-ip conditions. A listener or rule
/// ARN names its load balancer, whose grain validates and applies the change (nothing changes on an error).
/// </summary>
public static class Elbv2ListenerOperations
{
    [AwsOperation(AwsServices.Elbv2, "CreateListener")]
    public static async Task<XElement> CreateListener(QueryInput input, AwsContext context)
    {
        var lb = await Elbv2LoadBalancerOperations.Existing(context, input.RequiredString("LoadBalancerArn"));
        var port = input.Int("Port") ?? throw QueryInput.Validation("A listener port must be specified");
        var protocol = input.String("Protocol") ?? throw QueryInput.Validation("A listener protocol must be specified");
        var tags = Elbv2Inputs.Tags(input);
        var listener = await Elbv2LoadBalancerOperations.Grain(context, lb.Spec.Name).CreateListener(port, protocol,
            Elbv2Inputs.Actions(input, "DefaultActions") ?? [], Certificates(input) ?? [], input.String("SslPolicy"));
        if (!tags.IsEmpty)
        {
            await context.Grains.GetGrain<ITagRegistryGrain>(GrainKeys.Tags).Tag(listener.Arn, tags);
        }

        return E("CreateListenerResult", Members("Listeners", [Elbv2LoadBalancerShapes.Listener(listener, lb.Arn)]));
    }

    [AwsOperation(AwsServices.Elbv2, "DescribeListeners")]
    public static async Task<XElement> DescribeListeners(QueryInput input, AwsContext context)
    {
        var arns = input.Strings("ListenerArns");
        var found = new List<(ListenerRecord Listener, string LoadBalancerArn)>();
        if (input.String("LoadBalancerArn") is { } lbArn)
        {
            var lb = await Elbv2LoadBalancerOperations.Existing(context, lbArn);
            found.AddRange(lb.Listeners.Where(l => arns.IsEmpty || arns.Contains(l.Arn)).Select(l => (l, lb.Arn)));
            if (found.Count < arns.Length)
            {
                throw Error(ListenerRules.ListenerNotFound());
            }
        }
        else if (!arns.IsEmpty)
        {
            foreach (var arn in arns)
            {
                var (lb, listener) = await Listener(context, arn);
                found.Add((listener, lb.Arn));
            }
        }
        else
        {
            throw QueryInput.Validation("You must specify either listener ARNs or a load balancer ARN");
        }

        var (page, next) = Page(found.OrderBy(f => f.Listener.Port).ToList(), input, PageSizes.Elbv2DescribeListeners, f => f.Listener.Arn);
        return E("DescribeListenersResult", Members("Listeners", page.Select(f => Elbv2LoadBalancerShapes.Listener(f.Listener, f.LoadBalancerArn))), V("NextMarker", next));
    }

    [AwsOperation(AwsServices.Elbv2, "ModifyListener")]
    public static async Task<XElement> ModifyListener(QueryInput input, AwsContext context)
    {
        var (lb, listener) = await Listener(context, input.RequiredString("ListenerArn"));
        var patch = new ListenerPatch(input.Int("Port"), input.String("Protocol"), Elbv2Inputs.Actions(input, "DefaultActions"), Certificates(input), input.String("SslPolicy"));
        var updated = await Elbv2LoadBalancerOperations.Grain(context, lb.Spec.Name).ModifyListener(listener.Arn, patch);
        return E("ModifyListenerResult", Members("Listeners", [Elbv2LoadBalancerShapes.Listener(updated, lb.Arn)]));
    }

    [AwsOperation(AwsServices.Elbv2, "DeleteListener")]
    public static async Task<XElement> DeleteListener(QueryInput input, AwsContext context)
    {
        var (lb, listener) = await Listener(context, input.RequiredString("ListenerArn"));
        await Elbv2LoadBalancerOperations.Grain(context, lb.Spec.Name).DeleteListener(listener.Arn);
        return E("DeleteListenerResult");
    }

    [AwsOperation(AwsServices.Elbv2, "DescribeListenerAttributes")]
    public static async Task<XElement> DescribeListenerAttributes(QueryInput input, AwsContext context)
    {
        var (lb, listener) = await Listener(context, input.RequiredString("ListenerArn"));
        var attributes = await Elbv2LoadBalancerOperations.Grain(context, lb.Spec.Name).DescribeListenerAttributes(listener.Arn);
        return E("DescribeListenerAttributesResult", Elbv2LoadBalancerShapes.Attributes(attributes.OrderBy(a => a.Key, StringComparer.Ordinal)));
    }

    [AwsOperation(AwsServices.Elbv2, "ModifyListenerAttributes")]
    public static async Task<XElement> ModifyListenerAttributes(QueryInput input, AwsContext context)
    {
        var (lb, listener) = await Listener(context, input.RequiredString("ListenerArn"));
        var changes = input.Members("Attributes").Select(a => (Key: a.RequiredString("Key"), Value: a.String("Value") ?? "")).ToList();
        if (changes.Count == 0)
        {
            throw QueryInput.Validation("1 validation error detected: Value null at 'attributes' failed to satisfy constraint: Member must not be null");
        }

        var attributes = await Elbv2LoadBalancerOperations.Grain(context, lb.Spec.Name).ModifyListenerAttributes(listener.Arn,
            changes.ToImmutableDictionary(c => c.Key, c => c.Value, StringComparer.Ordinal));
        return E("ModifyListenerAttributesResult", Elbv2LoadBalancerShapes.Attributes(attributes.OrderBy(a => a.Key, StringComparer.Ordinal)));
    }

    [AwsOperation(AwsServices.Elbv2, "CreateRule")]
    public static async Task<XElement> CreateRule(QueryInput input, AwsContext context)
    {
        var (lb, listener) = await Listener(context, input.RequiredString("ListenerArn"));
        var priority = input.Int("Priority") ?? throw QueryInput.Validation("1 validation error detected: Value null at 'priority' failed to satisfy constraint: Member must not be null");
        var tags = Elbv2Inputs.Tags(input);
        var rule = await Elbv2LoadBalancerOperations.Grain(context, lb.Spec.Name).CreateRule(listener.Arn, priority,
            Elbv2Inputs.Conditions(input) ?? [], Elbv2Inputs.Actions(input, "Actions") ?? []);
        if (!tags.IsEmpty)
        {
            await context.Grains.GetGrain<ITagRegistryGrain>(GrainKeys.Tags).Tag(rule.Arn, tags);
        }

        return E("CreateRuleResult", Members("Rules", [Elbv2LoadBalancerShapes.Rule(rule)]));
    }

    [AwsOperation(AwsServices.Elbv2, "DescribeRules")]
    public static async Task<XElement> DescribeRules(QueryInput input, AwsContext context)
    {
        var arns = input.Strings("RuleArns");
        var rules = new List<ListenerRuleRecord>();
        if (input.String("ListenerArn") is { } listenerArn)
        {
            var (lb, listener) = await Listener(context, listenerArn);
            rules.AddRange(Book(lb).RulesOf(listener).Where(r => arns.IsEmpty || arns.Contains(r.Arn)));
            if (rules.Count < arns.Length)
            {
                throw Error(ListenerRules.RuleNotFound());
            }
        }
        else if (!arns.IsEmpty)
        {
            foreach (var arn in arns)
            {
                rules.Add(await Rule(context, arn));
            }
        }
        else
        {
            throw QueryInput.Validation("You must specify either listener rule ARNs or a listener ARN");
        }

        var (page, next) = Page(rules, input, PageSizes.Elbv2DescribeRules, r => r.Arn);
        return E("DescribeRulesResult", Members("Rules", page.Select(Elbv2LoadBalancerShapes.Rule)), V("NextMarker", next));
    }

    [AwsOperation(AwsServices.Elbv2, "ModifyRule")]
    public static async Task<XElement> ModifyRule(QueryInput input, AwsContext context)
    {
        var arn = input.RequiredString("RuleArn");
        var lb = await Elbv2LoadBalancerOperations.Find(context, arn) ?? throw Error(ListenerRules.RuleNotFound());
        var conditions = Elbv2Inputs.Conditions(input);
        var actions = Elbv2Inputs.Actions(input, "Actions");
        if (conditions is null && actions is null)
        {
            throw QueryInput.Validation("Either conditions or actions must be specified");
        }

        var rule = await Elbv2LoadBalancerOperations.Grain(context, lb.Spec.Name).ModifyRule(arn, conditions, actions);
        return E("ModifyRuleResult", Members("Rules", [Elbv2LoadBalancerShapes.Rule(rule)]));
    }

    [AwsOperation(AwsServices.Elbv2, "SetRulePriorities")]
    public static async Task<XElement> SetRulePriorities(QueryInput input, AwsContext context)
    {
        var pairs = input.Members("RulePriorities").Select(p => new RulePriority(p.RequiredString("RuleArn"),
            p.Int("Priority") ?? throw QueryInput.Validation("1 validation error detected: Value null at 'rulePriorities.member.priority' failed to satisfy constraint: Member must not be null"))).ToImmutableArray();
        if (pairs.IsEmpty)
        {
            throw QueryInput.Validation("1 validation error detected: Value null at 'rulePriorities' failed to satisfy constraint: Member must not be null");
        }

        // The rules of one call belong to one listener, so to one load balancer: rules of several are refused before any changes.
        var loadBalancers = new List<LoadBalancerInfo>();
        foreach (var p in pairs)
        {
            loadBalancers.Add(await Elbv2LoadBalancerOperations.Find(context, p.RuleArn) ?? throw Error(ListenerRules.RuleNotFound()));
        }

        if (loadBalancers.Select(l => l.Arn).Distinct(StringComparer.Ordinal).Count() > 1)
        {
            throw QueryInput.Validation("All rules must belong to the same listener");
        }

        var rules = await Elbv2LoadBalancerOperations.Grain(context, loadBalancers[0].Spec.Name).SetRulePriorities(pairs);
        return E("SetRulePrioritiesResult", Members("Rules", rules.Select(Elbv2LoadBalancerShapes.Rule)));
    }

    [AwsOperation(AwsServices.Elbv2, "DeleteRule")]
    public static async Task<XElement> DeleteRule(QueryInput input, AwsContext context)
    {
        var arn = input.RequiredString("RuleArn");
        var lb = await Elbv2LoadBalancerOperations.Find(context, arn) ?? throw Error(ListenerRules.RuleNotFound());
        await Elbv2LoadBalancerOperations.Grain(context, lb.Spec.Name).DeleteRule(arn);
        return E("DeleteRuleResult");
    }

    /// <summary>The listener an ARN names, with its load balancer (ListenerNotFound otherwise).</summary>
    public static async Task<(LoadBalancerInfo LoadBalancer, ListenerRecord Listener)> Listener(AwsContext context, string listenerArn)
    {
        var lb = await Elbv2LoadBalancerOperations.Find(context, listenerArn);
        var listener = lb?.Listeners.FirstOrDefault(l => l.Arn == listenerArn);
        return lb is not null && listener is not null ? (lb, listener) : throw Error(ListenerRules.ListenerNotFound());
    }

    private static async Task<ListenerRuleRecord> Rule(AwsContext context, string ruleArn) =>
        await Elbv2LoadBalancerOperations.Find(context, ruleArn) is { } lb && Book(lb).Rule(ruleArn) is { } rule
            ? rule
            : throw Error(ListenerRules.RuleNotFound());

    private static ListenerBook Book(LoadBalancerInfo lb) => new(lb.Listeners, lb.Rules);

    private static ImmutableArray<string>? Certificates(QueryInput input)
    {
        var list = input.Members("Certificates").Select(c => c.RequiredString("CertificateArn")).ToImmutableArray();
        return list.IsEmpty ? null : list;
    }

    private static EcsException Error(ElbError e) => new(e.Code, e.Message);
}
