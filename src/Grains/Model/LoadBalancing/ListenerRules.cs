using System.Collections.Immutable;
using Emulator.Contracts;

namespace Emulator.Model.LoadBalancing;

/// <summary>A load balancer's listeners and (non-default) rules, the state the listener and rule operations change.</summary>
public sealed record ListenerBook(ImmutableArray<ListenerRecord> Listeners, ImmutableArray<ListenerRuleRecord> Rules)
{
    public static ListenerBook Empty { get; } = new([], []);

    public ListenerRecord? Listener(string arn) => Listeners.FirstOrDefault(l => l.Arn == arn);

    /// <summary>A rule by ARN, the default rules included (built from their listener).</summary>
    public ListenerRuleRecord? Rule(string arn) =>
        Rules.FirstOrDefault(r => r.Arn == arn)
        ?? Listeners.Where(l => l.DefaultRuleArn == arn).Select(l => new ListenerRuleRecord(l.DefaultRuleArn, l.Arn, null, [], l.DefaultActions)).FirstOrDefault();

    /// <summary>A listener's rules in priority order, the default rule last.</summary>
    public ImmutableArray<ListenerRuleRecord> RulesOf(ListenerRecord listener) =>
    [
        .. Rules.Where(r => r.ListenerArn == listener.Arn).OrderBy(r => r.Priority),
        new ListenerRuleRecord(listener.DefaultRuleArn, listener.Arn, null, [], listener.DefaultActions),
    ];

    /// <summary>Every action of every listener and rule (what the load balancer forwards to).</summary>
    public IEnumerable<ListenerAction> AllActions() => Listeners.SelectMany(l => l.DefaultActions).Concat(Rules.SelectMany(r => r.Actions));
}

/// <summary>The outcome of a change to a <see cref="ListenerBook"/>: the new book and what changed, or the AWS error (nothing changed).</summary>
public sealed record BookChange<T>(ListenerBook Book, T Result, ElbError? Error)
{
    public static BookChange<T> Fail(ListenerBook book, ElbError error) => new(book, default!, error);
}

/// <summary>
/// Listener and rule changes (B-ELB-1) as pure functions over a <see cref="ListenerBook"/>: every check first, then one
/// new book. Actions and conditions are validated by <see cref="LoadBalancerValidation"/> before these are called; the
/// checks here are the ones that need the book: duplicate ports, priorities in use, counts, default rules, membership.
/// </summary>
public static class ListenerRules
{
    public static BookChange<ListenerRecord> AddListener(ListenerBook book, ListenerRecord listener, string loadBalancerArn)
    {
        if (book.Listeners.Any(l => l.Port == listener.Port))
        {
            return BookChange<ListenerRecord>.Fail(book, new ElbError(ElbErrorCodes.DuplicateListener, $"A listener already exists on this port for this load balancer '{loadBalancerArn}'"));
        }

        if (book.Listeners.Length >= LoadBalancerValidation.MaxListeners)
        {
            return BookChange<ListenerRecord>.Fail(book, new ElbError(ElbErrorCodes.TooManyListeners, $"You've reached the limit on the number of listeners per load balancer ({LoadBalancerValidation.MaxListeners})"));
        }

        return new(book with { Listeners = book.Listeners.Add(listener) }, listener, null);
    }

    public static BookChange<ListenerRecord> ModifyListener(ListenerBook book, string listenerArn, ListenerPatch patch, string loadBalancerArn)
    {
        if (book.Listener(listenerArn) is not { } current)
        {
            return BookChange<ListenerRecord>.Fail(book, ListenerNotFound());
        }

        if (patch.Port is { } port && port != current.Port && book.Listeners.Any(l => l.Port == port))
        {
            return BookChange<ListenerRecord>.Fail(book, new ElbError(ElbErrorCodes.DuplicateListener, $"A listener already exists on this port for this load balancer '{loadBalancerArn}'"));
        }

        var updated = current with
        {
            Port = patch.Port ?? current.Port,
            Protocol = patch.Protocol ?? current.Protocol,
            DefaultActions = patch.DefaultActions ?? current.DefaultActions,
            CertificateArns = patch.CertificateArns ?? current.CertificateArns,
            SslPolicy = patch.SslPolicy ?? current.SslPolicy,
        };
        if (updated.Protocol == "HTTP")
        {
            updated = updated with { CertificateArns = [], SslPolicy = null };
        }

        return new(book with { Listeners = book.Listeners.Replace(current, updated) }, updated, null);
    }

    public static BookChange<ListenerRecord> RemoveListener(ListenerBook book, string listenerArn)
    {
        if (book.Listener(listenerArn) is not { } current)
        {
            return BookChange<ListenerRecord>.Fail(book, ListenerNotFound());
        }

        return new(new ListenerBook(book.Listeners.Remove(current), book.Rules.RemoveAll(r => r.ListenerArn == listenerArn)), current, null);
    }

    public static BookChange<ListenerRuleRecord> AddRule(ListenerBook book, ListenerRuleRecord rule)
    {
        if (book.Listener(rule.ListenerArn) is null)
        {
            return BookChange<ListenerRuleRecord>.Fail(book, ListenerNotFound());
        }

        if (LoadBalancerValidation.Priority(rule.Priority ?? 0) is { } invalid)
        {
            return BookChange<ListenerRuleRecord>.Fail(book, invalid);
        }

        if (book.Rules.Any(r => r.ListenerArn == rule.ListenerArn && r.Priority == rule.Priority))
        {
            return BookChange<ListenerRuleRecord>.Fail(book, PriorityInUse(rule.Priority!.Value));
        }

        if (book.Rules.Count(r => r.ListenerArn == rule.ListenerArn) >= LoadBalancerValidation.MaxRulesPerListener)
        {
            return BookChange<ListenerRuleRecord>.Fail(book, new ElbError(ElbErrorCodes.TooManyRules, $"You've reached the limit on the number of rules per listener ({LoadBalancerValidation.MaxRulesPerListener})"));
        }

        return new(book with { Rules = book.Rules.Add(rule) }, rule, null);
    }

    /// <summary>
    /// ModifyRule: new conditions and/or actions. A default rule's actions are its listener's default actions; its
    /// conditions cannot be set (OperationNotPermitted).
    /// </summary>
    public static BookChange<ListenerRuleRecord> ModifyRule(ListenerBook book, string ruleArn, ImmutableArray<RuleCondition>? conditions, ImmutableArray<ListenerAction>? actions)
    {
        if (book.Rule(ruleArn) is not { } current)
        {
            return BookChange<ListenerRuleRecord>.Fail(book, RuleNotFound());
        }

        if (current.IsDefault)
        {
            if (conditions is { IsDefaultOrEmpty: false })
            {
                return BookChange<ListenerRuleRecord>.Fail(book, new ElbError(ElbErrorCodes.OperationNotPermitted, $"You cannot modify the conditions of the default rule '{ruleArn}'"));
            }

            if (actions is not { } defaults)
            {
                return new(book, current, null);
            }

            var listener = book.Listener(current.ListenerArn)!;
            var updated = listener with { DefaultActions = defaults };
            var next = book with { Listeners = book.Listeners.Replace(listener, updated) };
            return new(next, next.Rule(ruleArn)!, null);
        }

        var rule = current with { Conditions = conditions ?? current.Conditions, Actions = actions ?? current.Actions };
        return new(book with { Rules = book.Rules.Replace(current, rule) }, rule, null);
    }

    /// <summary>
    /// SetRulePriorities, all or nothing: every rule exists and is not a default rule, all belong to one listener, no
    /// priority is given twice, and no rule left out holds a priority given here.
    /// </summary>
    public static BookChange<ImmutableArray<ListenerRuleRecord>> SetPriorities(ListenerBook book, ImmutableArray<RulePriority> priorities)
    {
        if (priorities.IsDefaultOrEmpty)
        {
            return BookChange<ImmutableArray<ListenerRuleRecord>>.Fail(book, new ElbError(ElbErrorCodes.Validation,
                "1 validation error detected: Value null at 'rulePriorities' failed to satisfy constraint: Member must not be null"));
        }

        var rules = new List<ListenerRuleRecord>();
        foreach (var p in priorities)
        {
            if (book.Rule(p.RuleArn) is not { } rule)
            {
                return BookChange<ImmutableArray<ListenerRuleRecord>>.Fail(book, RuleNotFound());
            }

            if (rule.IsDefault)
            {
                return BookChange<ImmutableArray<ListenerRuleRecord>>.Fail(book, new ElbError(ElbErrorCodes.OperationNotPermitted, $"The priority of the default rule '{p.RuleArn}' cannot be set"));
            }

            if (LoadBalancerValidation.Priority(p.Priority) is { } invalid)
            {
                return BookChange<ImmutableArray<ListenerRuleRecord>>.Fail(book, invalid);
            }

            rules.Add(rule);
        }

        if (rules.Select(r => r.ListenerArn).Distinct(StringComparer.Ordinal).Count() > 1)
        {
            return BookChange<ImmutableArray<ListenerRuleRecord>>.Fail(book, new ElbError(ElbErrorCodes.Validation, "All rules must belong to the same listener"));
        }

        if (priorities.GroupBy(p => p.Priority).FirstOrDefault(g => g.Count() > 1) is { } twice)
        {
            return BookChange<ImmutableArray<ListenerRuleRecord>>.Fail(book, new ElbError(ElbErrorCodes.Validation, $"Priority '{twice.Key}' was provided multiple times"));
        }

        if (priorities.GroupBy(p => p.RuleArn, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1) is { } ruleTwice)
        {
            return BookChange<ImmutableArray<ListenerRuleRecord>>.Fail(book, new ElbError(ElbErrorCodes.Validation, $"Rule '{ruleTwice.Key}' was provided multiple times"));
        }

        var listenerArn = rules[0].ListenerArn;
        var moved = priorities.Select(p => p.RuleArn).ToHashSet(StringComparer.Ordinal);
        if (book.Rules.FirstOrDefault(r => r.ListenerArn == listenerArn && !moved.Contains(r.Arn) && priorities.Any(p => p.Priority == r.Priority)) is { } holder)
        {
            return BookChange<ImmutableArray<ListenerRuleRecord>>.Fail(book, PriorityInUse(holder.Priority!.Value));
        }

        var next = book.Rules.Select(r => priorities.FirstOrDefault(p => p.RuleArn == r.Arn) is { } p ? r with { Priority = p.Priority } : r).ToImmutableArray();
        var changed = priorities.Select(p => next.First(r => r.Arn == p.RuleArn)).ToImmutableArray();
        return new(book with { Rules = next }, changed, null);
    }

    public static BookChange<ListenerRuleRecord> RemoveRule(ListenerBook book, string ruleArn)
    {
        if (book.Rule(ruleArn) is not { } rule)
        {
            return BookChange<ListenerRuleRecord>.Fail(book, RuleNotFound());
        }

        if (rule.IsDefault)
        {
            return BookChange<ListenerRuleRecord>.Fail(book, new ElbError(ElbErrorCodes.OperationNotPermitted, $"The default rule '{ruleArn}' cannot be deleted"));
        }

        return new(book with { Rules = book.Rules.Remove(rule) }, rule, null);
    }

    public static ElbError ListenerNotFound() => new(ElbErrorCodes.ListenerNotFound, "One or more listeners not found");

    public static ElbError RuleNotFound() => new(ElbErrorCodes.RuleNotFound, "One or more rules not found");

    public static ElbError PriorityInUse(int priority) => new(ElbErrorCodes.PriorityInUse, $"Priority '{priority}' is currently in use");
}

/// <summary>
/// B-DP-6: the forward weights blue/green, linear and canary deployments move. Pure: a deployment computes the weights
/// of each step with <see cref="Split"/> and applies them with <see cref="With"/> (ILoadBalancerGrain.SetForwardWeights).
/// </summary>
public static class ForwardWeights
{
    /// <summary>
    /// Weights sending <paramref name="percentToTarget"/> % of requests to <paramref name="target"/> and the rest to
    /// <paramref name="source"/>, in ELB's integer weights (0..999): the split is exact to 0.1 % (5 % canary: 950 / 50;
    /// 0.1 %: 999 / 1), 0 % and 100 % put all weight on one group (weight 1 / 0).
    /// </summary>
    public static ImmutableArray<WeightedTargetGroup> Split(string source, string target, double percentToTarget)
    {
        if (double.IsNaN(percentToTarget) || percentToTarget < 0 || percentToTarget > 100)
        {
            throw new ArgumentOutOfRangeException(nameof(percentToTarget), percentToTarget, "A traffic share is a percentage between 0 and 100.");
        }

        var toTarget = (int)Math.Round(percentToTarget * 10, MidpointRounding.AwayFromZero);
        return toTarget switch
        {
            0 => [new WeightedTargetGroup(source, 1), new WeightedTargetGroup(target, 0)],
            1000 => [new WeightedTargetGroup(source, 0), new WeightedTargetGroup(target, 1)],
            _ => [new WeightedTargetGroup(source, 1000 - toTarget), new WeightedTargetGroup(target, toTarget)],
        };
    }

    /// <summary>The share (0..1) of a forward action's requests that <paramref name="targetGroupArn"/> receives.</summary>
    public static double ShareOf(ForwardConfig forward, string targetGroupArn) =>
        RequestRouting.Shares(forward).Where(s => s.TargetGroupArn == targetGroupArn).Sum(s => s.Fraction);

    /// <summary>
    /// The actions with the forward action's target groups and weights replaced (its stickiness kept). Null when the
    /// actions have no forward action to change.
    /// </summary>
    public static ImmutableArray<ListenerAction>? With(ImmutableArray<ListenerAction> actions, ImmutableArray<WeightedTargetGroup> weights)
    {
        var forward = actions.FirstOrDefault(a => a.Type == ListenerAction.ForwardType);
        if (forward is null)
        {
            return null;
        }

        var config = (forward.Forward ?? new ForwardConfig([], false, null)) with { TargetGroups = weights };
        return actions.Replace(forward, forward with { Forward = config });
    }
}
