using System.Collections.Immutable;
using System.Globalization;
using Emulator.Contracts;
using Emulator.Model.LoadBalancing;
using Emulator.Model.Time;
using Emulator.Runtime;

namespace Emulator.Grains;

[GenerateSerializer, Alias("LoadBalancerState")]
public sealed class LoadBalancerState
{
    [Id(0)] public bool Exists { get; set; }

    [Id(1)] public LoadBalancerSpec? Spec { get; set; }

    [Id(2)] public string Arn { get; set; } = "";

    [Id(3)] public string DnsName { get; set; } = "";

    [Id(4)] public DateTimeOffset CreatedAt { get; set; }

    [Id(5)] public DateTimeOffset ActiveAt { get; set; }

    [Id(6)] public ImmutableArray<ListenerRecord> Listeners { get; set; } = [];

    [Id(7)] public ImmutableArray<ListenerRuleRecord> Rules { get; set; } = [];

    [Id(8)] public ImmutableDictionary<string, string> Attributes { get; set; } = ImmutableDictionary<string, string>.Empty;

    [Id(9)] public ImmutableArray<ListenerFlow> Flows { get; set; } = [];

    /// <summary>How many times a load balancer of this name was created (each gets fresh ids, B-ID-4).</summary>
    [Id(10)] public int Generation { get; set; }

    /// <summary>Ids handed out by this incarnation (each id comes from its own seeded stream).</summary>
    [Id(11)] public int IdsIssued { get; set; }

    /// <summary>Totals since creation per flow key (<c>LISTENER-ID/NAME</c>).</summary>
    [Id(12)] public Dictionary<string, RequestCounts> FlowTotals { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Totals since creation per target group ARN.</summary>
    [Id(13)] public Dictionary<string, RequestCounts> TargetGroupTotals { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Counts not yet published, per metric period start and target group ARN ("" = answered by the load balancer).</summary>
    [Id(14)] public SortedDictionary<DateTimeOffset, Dictionary<string, RequestCounts>> Pending { get; set; } = [];

    /// <summary>Requests the load balancer answers itself are accounted up to here (emulated time).</summary>
    [Id(15)] public DateTimeOffset AnsweredTo { get; set; }

    /// <summary>Forwarded target groups that have an ECS service registering targets.</summary>
    [Id(16)] public ImmutableHashSet<string> TargetGroupsWithTargets { get; set; } = ImmutableHashSet<string>.Empty;

    /// <summary>Target groups this load balancer has told about routes or references (so a later change can clear them).</summary>
    [Id(17)] public ImmutableHashSet<string> Linked { get; set; } = ImmutableHashSet<string>.Empty;

    /// <summary>Listener attributes (DescribeListenerAttributes) that differ from their defaults, by listener ARN.</summary>
    [Id(18)] public Dictionary<string, ImmutableDictionary<string, string>> ListenerAttributes { get; set; } = new(StringComparer.Ordinal);
}

/// <summary>
/// An Application Load Balancer (B-ELB-1): settings, listeners, rules and the synthetic flows entering at its listeners.
/// A grain method validates (pure <see cref="LoadBalancerValidation"/> and <see cref="ListenerRules"/>), changes the book,
/// persists, then pushes what each forwarded target group now receives (<see cref="FlowRouting"/>) to that target group,
/// from where the clusters' traffic grains integrate it with their targets' health. Requests the load balancer answers
/// itself (fixed responses, redirects, 503 with nowhere to forward) are integrated here. Once per metric period it
/// publishes AWS/ApplicationELB by LoadBalancer and by (TargetGroup, LoadBalancer).
/// Call graph: load balancer -> target group, directory, metric store (awaited); traffic grains -> load balancer and
/// target groups -> load balancer are one-way, so there is no cycle.
/// </summary>
public sealed partial class LoadBalancerGrain(
    [PersistentState("loadbalancer", "emulator")] IPersistentState<LoadBalancerState> store, EmulatorRuntime runtime) : Grain, ILoadBalancerGrain, IRemindable
{
    /// <summary>The data plane's real requests are counted under this flow name at each listener.</summary>
    public const string DataPlaneFlow = "data-plane";

    private DueTimer? _timer;

    private LoadBalancerState S => store.State;

    private string Name => this.GetPrimaryKeyString();

    private DateTimeOffset Now => runtime.Clock.Now;

    private TimeSpan Period => runtime.Options.Timings.MetricPeriod;

    /// <summary>Target-side counts of a period arrive with the traffic tick after its end: publish this long after it.</summary>
    private TimeSpan PublishDelay => Period / 6;

    private ListenerBook Book => new(S.Listeners, S.Rules);

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _timer = DueTimer.Register(this, Tick, runtime.Clock);
        if (S.Exists && (!S.Flows.IsEmpty || S.Pending.Count > 0))
        {
            ArmTimer();
            await this.RegisterOrUpdateReminder(Durability.WakeReminder, Durability.WakePeriod(runtime), Durability.WakePeriod(runtime));
        }
    }

    /// <summary>The wake-up reminder brings a load balancer with flows back after its silo's death (its activation re-arms the timer).</summary>
    public Task ReceiveReminder(string reminderName, TickStatus status) => Task.CompletedTask;

    public async Task<LoadBalancerInfo> Create(LoadBalancerSpec spec)
    {
        Throw(LoadBalancerValidation.LoadBalancer(spec));
        if (S.Exists)
        {
            // CreateLoadBalancer is idempotent: the same settings again return the load balancer.
            return SameSettings(S.Spec!, spec)
                ? Info()
                : throw new EcsException(ElbErrorCodes.DuplicateLoadBalancerName, "A load balancer with the same name already exists");
        }

        var generation = S.Generation + 1;
        store.State = new LoadBalancerState { Generation = generation, Exists = true, Spec = spec, CreatedAt = Now };
        var id = NextHex(16);
        var digits = long.Parse(NextDigits(10), CultureInfo.InvariantCulture);
        S.Arn = LoadBalancerArns.LoadBalancer(runtime.Region, runtime.Account, Name, id);
        S.DnsName = LoadBalancers.DnsName(Name, spec.Scheme, runtime.Region, digits);
        S.ActiveAt = Now + runtime.Options.LoadBalancing.Provisioning;
        S.AnsweredTo = S.ActiveAt;
        S.Attributes = LoadBalancers.DefaultAttributes;
        await store.WriteStateAsync();
        await GrainFactory.GetGrain<IAccountGrain>(GrainKeys.Account).Add(ResourceKind.LoadBalancer, Name);
        return Info();
    }

    public Task<LoadBalancerInfo?> Describe() => Task.FromResult(S.Exists ? Info() : null);

    public async Task Delete()
    {
        if (!S.Exists)
        {
            return; // DeleteLoadBalancer of a load balancer that does not exist succeeds
        }

        if (S.Attributes.GetValueOrDefault("deletion_protection.enabled") == "true")
        {
            throw new EcsException(ElbErrorCodes.OperationNotPermitted, $"Load balancer '{S.Arn}' cannot be deleted because deletion protection is enabled");
        }

        AdvanceAnswered(Now);
        var directory = GrainFactory.GetGrain<ILoadBalancerDirectoryGrain>(GrainKeys.Account);
        foreach (var l in S.Listeners)
        {
            await directory.Release(l.Arn);
        }

        S.Listeners = [];
        S.Rules = [];
        S.Flows = [];
        await PushRoutes();
        Publish(includeOpen: true);
        var generation = S.Generation;
        store.State = new LoadBalancerState { Generation = generation };
        await store.WriteStateAsync();
        await GrainFactory.GetGrain<IAccountGrain>(GrainKeys.Account).Remove(ResourceKind.LoadBalancer, Name);
        if (await this.GetReminder(Durability.WakeReminder) is { } reminder)
        {
            await this.UnregisterReminder(reminder);
        }
    }

    public async Task<ImmutableDictionary<string, string>> ModifyAttributes(ImmutableDictionary<string, string> attributes)
    {
        EnsureExists();
        var (updated, error) = LoadBalancers.ModifyAttributes(S.Attributes, attributes);
        Throw(error);
        S.Attributes = updated;
        await store.WriteStateAsync();
        return S.Attributes;
    }

    public async Task<LoadBalancerInfo> SetSecurityGroups(ImmutableArray<string> securityGroups)
    {
        EnsureExists();
        S.Spec = S.Spec! with { SecurityGroups = securityGroups };
        await store.WriteStateAsync();
        return Info();
    }

    public async Task<ListenerRecord> CreateListener(int port, string protocol, ImmutableArray<ListenerAction> defaultActions, ImmutableArray<string> certificateArns, string? sslPolicy)
    {
        EnsureExists();
        defaultActions = Normalize(defaultActions);
        Throw(LoadBalancerValidation.Listener(port, protocol, defaultActions, certificateArns));
        if (S.Listeners.FirstOrDefault(l => l.Port == port) is { } existing
            && existing.Protocol == protocol && existing.DefaultActions.SequenceEqual(defaultActions))
        {
            return existing; // CreateListener is idempotent for the same settings
        }

        await CheckTargetGroups(defaultActions);
        var arn = LoadBalancerArns.Listener(S.Arn, NextHex(16));
        var listener = new ListenerRecord(arn, port, protocol, defaultActions, protocol == "HTTPS" ? certificateArns : [],
            protocol == "HTTPS" ? sslPolicy ?? "ELBSecurityPolicy-2016-08" : null, 0, LoadBalancerArns.Rule(arn, NextHex(16)));
        Throw(ListenerRules.AddListener(Book, listener, S.Arn).Error);
        listener = listener with { DataPlanePort = await GrainFactory.GetGrain<ILoadBalancerDirectoryGrain>(GrainKeys.Account).Allocate(arn, Name) };
        var change = ListenerRules.AddListener(Book, listener, S.Arn);
        await Commit(change.Book);
        return listener;
    }

    public async Task<ListenerRecord> ModifyListener(string listenerArn, ListenerPatch patch)
    {
        EnsureExists();
        if (patch.DefaultActions is { } actions)
        {
            patch = patch with { DefaultActions = Normalize(actions) };
        }

        var change = ListenerRules.ModifyListener(Book, listenerArn, patch, S.Arn);
        Throw(change.Error);
        var updated = change.Result;
        Throw(LoadBalancerValidation.Listener(updated.Port, updated.Protocol, updated.DefaultActions, updated.CertificateArns));
        await CheckTargetGroups(updated.DefaultActions);
        await Commit(change.Book);
        return updated;
    }

    public Task<ImmutableDictionary<string, string>> DescribeListenerAttributes(string listenerArn)
    {
        EnsureExists();
        var listener = Book.Listener(listenerArn) ?? throw Error(ListenerRules.ListenerNotFound());
        return Task.FromResult(ListenerAttributesOf(listener));
    }

    public async Task<ImmutableDictionary<string, string>> ModifyListenerAttributes(string listenerArn, ImmutableDictionary<string, string> attributes)
    {
        EnsureExists();
        var listener = Book.Listener(listenerArn) ?? throw Error(ListenerRules.ListenerNotFound());
        var (updated, error) = LoadBalancers.ModifyListenerAttributes(ListenerAttributesOf(listener), attributes);
        Throw(error);
        S.ListenerAttributes[listenerArn] = updated;
        await store.WriteStateAsync();
        return updated;
    }

    private ImmutableDictionary<string, string> ListenerAttributesOf(ListenerRecord listener) =>
        S.ListenerAttributes.GetValueOrDefault(listener.Arn) ?? LoadBalancers.DefaultListenerAttributes(listener.Protocol);

    public async Task DeleteListener(string listenerArn)
    {
        EnsureExists();
        var change = ListenerRules.RemoveListener(Book, listenerArn);
        Throw(change.Error);
        S.ListenerAttributes.Remove(listenerArn);
        S.Flows = S.Flows.RemoveAll(f => f.ListenerArn == listenerArn);
        await Commit(change.Book);
        await GrainFactory.GetGrain<ILoadBalancerDirectoryGrain>(GrainKeys.Account).Release(listenerArn);
    }

    public async Task<ListenerRuleRecord> CreateRule(string listenerArn, int priority, ImmutableArray<RuleCondition> conditions, ImmutableArray<ListenerAction> actions)
    {
        EnsureExists();
        actions = Normalize(actions);
        if (Book.Listener(listenerArn) is null)
        {
            throw Error(ListenerRules.ListenerNotFound());
        }

        Throw(LoadBalancerValidation.Priority(priority));
        Throw(LoadBalancerValidation.Conditions(conditions));
        Throw(LoadBalancerValidation.Actions(actions, "actions"));
        var rule = new ListenerRuleRecord(LoadBalancerArns.Rule(listenerArn, NextHex(16)), listenerArn, priority, conditions, actions);
        Throw(ListenerRules.AddRule(Book, rule).Error);
        await CheckTargetGroups(actions);
        await Commit(ListenerRules.AddRule(Book, rule).Book);
        return rule;
    }

    public async Task<ListenerRuleRecord> ModifyRule(string ruleArn, ImmutableArray<RuleCondition>? conditions, ImmutableArray<ListenerAction>? actions)
    {
        EnsureExists();
        var current = Book.Rule(ruleArn) ?? throw Error(ListenerRules.RuleNotFound());
        if (conditions is { } c && !current.IsDefault)
        {
            Throw(LoadBalancerValidation.Conditions(c));
        }

        if (actions is { } a)
        {
            actions = Normalize(a);
            Throw(LoadBalancerValidation.Actions(actions.Value, "actions"));
            await CheckTargetGroups(actions.Value);
        }

        var change = ListenerRules.ModifyRule(Book, ruleArn, conditions, actions);
        Throw(change.Error);
        await Commit(change.Book);
        return change.Result;
    }

    public async Task<ImmutableArray<ListenerRuleRecord>> SetRulePriorities(ImmutableArray<RulePriority> priorities)
    {
        EnsureExists();
        var change = ListenerRules.SetPriorities(Book, priorities);
        Throw(change.Error);
        await Commit(change.Book);
        return change.Result;
    }

    public async Task DeleteRule(string ruleArn)
    {
        EnsureExists();
        var change = ListenerRules.RemoveRule(Book, ruleArn);
        Throw(change.Error);
        await Commit(change.Book);
    }

    public async Task<ListenerRuleRecord> SetForwardWeights(string ruleArn, ImmutableArray<WeightedTargetGroup> weights)
    {
        EnsureExists();
        var rule = Book.Rule(ruleArn) ?? throw Error(ListenerRules.RuleNotFound());
        var actions = ForwardWeights.With(rule.Actions, weights)
            ?? throw new EcsException(ElbErrorCodes.InvalidConfigurationRequest, $"Rule '{ruleArn}' has no forward action whose weights could be set");
        return await ModifyRule(ruleArn, null, actions);
    }

    public async Task<ListenerFlow?> SetListenerTraffic(string listenerArn, string name, TrafficProfile? profile, SyntheticRequest? request)
    {
        EnsureExists();
        if (Book.Listener(listenerArn) is null)
        {
            throw Error(ListenerRules.ListenerNotFound());
        }

        if (string.IsNullOrWhiteSpace(name) || name == DataPlaneFlow || name.Contains('/', StringComparison.Ordinal))
        {
            throw ErrorCodes.Invalid($"A flow needs a name without '/', other than '{DataPlaneFlow}' (the data plane's own requests).");
        }

        if (profile is not null && TrafficModel.Validate(profile) is { Count: > 0 } errors)
        {
            throw ErrorCodes.Invalid(string.Join(" ", errors));
        }

        ListenerFlow? flow = profile is null ? null : new ListenerFlow(listenerArn, name, profile, request ?? SyntheticRequest.Default, Now);
        var flows = S.Flows.RemoveAll(f => f.ListenerArn == listenerArn && f.Name == name);
        S.Flows = flow is null ? flows : flows.Add(flow);
        await Commit(Book);
        if (flow is not null)
        {
            ArmTimer();
            await this.RegisterOrUpdateReminder(Durability.WakeReminder, Durability.WakePeriod(runtime), Durability.WakePeriod(runtime));
        }

        return flow;
    }

    public Task<LoadBalancerFigures> GetFigures()
    {
        EnsureExists();
        AdvanceAnswered(Now);
        var now = Now;
        var flows = ImmutableArray.CreateBuilder<ListenerFlowFigures>();
        foreach (var (key, totals) in S.FlowTotals.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            var slash = key.IndexOf('/', StringComparison.Ordinal);
            var listener = S.Listeners.FirstOrDefault(l => l.Arn.EndsWith("/" + key[..slash], StringComparison.Ordinal));
            var flow = S.Flows.FirstOrDefault(f => FlowRouting.Key(f.ListenerArn, f.Name) == key);
            var rate = flow is null || now < S.ActiveAt ? 0 : TrafficModel.RateAt(flow.Profile, flow.Start, now);
            flows.Add(new ListenerFlowFigures(listener?.Arn ?? "", listener?.Port ?? 0, key[(slash + 1)..], rate, totals));
        }

        foreach (var flow in S.Flows.Where(f => !S.FlowTotals.ContainsKey(FlowRouting.Key(f.ListenerArn, f.Name))))
        {
            var listener = Book.Listener(flow.ListenerArn)!;
            flows.Add(new ListenerFlowFigures(listener.Arn, listener.Port, flow.Name, now < S.ActiveAt ? 0 : TrafficModel.RateAt(flow.Profile, flow.Start, now), RequestCounts.Zero));
        }

        var total = S.FlowTotals.Values.Aggregate(RequestCounts.Zero, (a, b) => a.Add(b));
        var groups = S.TargetGroupTotals.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => new TargetGroupLoadFigures(kv.Key, kv.Value)).ToImmutableArray();
        return Task.FromResult(new LoadBalancerFigures(Name, S.Arn, total, flows.ToImmutable(), groups, now));
    }

    public Task ReportServed(ImmutableArray<LoadBalancerServed> served)
    {
        if (!S.Exists)
        {
            return Task.CompletedTask;
        }

        foreach (var s in served)
        {
            var group = s.TargetGroup.Length == 0 ? "" : TargetGroupArn(s.TargetGroup);
            Count(s.Flow, group, LoadBalancers.PeriodStart(s.PeriodStart, Period), s.Counts);
        }

        ArmTimer();
        return Task.CompletedTask;
    }

    public async Task TargetGroupUsersChanged(string targetGroupArn, bool hasUsers)
    {
        if (!S.Exists || S.TargetGroupsWithTargets.Contains(targetGroupArn) == hasUsers)
        {
            return;
        }

        await Commit(Book);
    }

    private async Task Tick(CancellationToken cancellationToken)
    {
        _timer!.Fired();
        try
        {
            AdvanceAnswered(Now);
            Publish(includeOpen: false);
            await store.WriteStateAsync(cancellationToken);
        }
        finally
        {
            if (S.Exists && (!S.Flows.IsEmpty || S.Pending.Count > 0))
            {
                ArmTimer();
            }
        }
    }

    /// <summary>Replaces the listeners and rules with <paramref name="book"/> from now: what came before is accounted first, then routes are pushed.</summary>
    private async Task Commit(ListenerBook book)
    {
        AdvanceAnswered(Now);
        S.Listeners = book.Listeners;
        S.Rules = book.Rules;
        await store.WriteStateAsync();
        await PushRoutes();
    }

    /// <summary>
    /// Tells every target group the load balancer forwards to (or did) whether its actions name it and which flow shares
    /// it receives from now (from the moment the load balancer is active), learning on the way which ones have targets.
    /// </summary>
    private async Task PushRoutes()
    {
        var referenced = LoadBalancerValidation.ForwardedTargetGroups(Book.AllActions()).ToImmutableHashSet(StringComparer.Ordinal);
        var withTargets = ImmutableHashSet.CreateBuilder<string>(StringComparer.Ordinal);
        foreach (var arn in referenced)
        {
            if (await GrainFactory.GetGrain<ITargetGroupGrain>(TargetGroupArns.Name(arn)).Summary() is { } tg && tg.Arn == arn && !tg.Users.IsEmpty)
            {
                withTargets.Add(arn);
            }
        }

        S.TargetGroupsWithTargets = withTargets.ToImmutable();
        var routes = FlowRouting.Route(Name, S.DnsName, Book, S.Flows, S.TargetGroupsWithTargets.Contains);
        var from = Now < S.ActiveAt ? S.ActiveAt : Now;
        foreach (var arn in S.Linked.Union(referenced))
        {
            var grain = GrainFactory.GetGrain<ITargetGroupGrain>(TargetGroupArns.Name(arn));
            if (await grain.Summary() is not { } tg || tg.Arn != arn)
            {
                continue; // deleted (or recreated under another ARN) since
            }

            await grain.SetLoadBalancerRoutes(S.Arn, referenced.Contains(arn), routes.For(arn), from);
        }

        S.Linked = referenced;
        await store.WriteStateAsync();
    }

    /// <summary>Accounts the requests the load balancer answers itself from where it stopped up to <paramref name="now"/>, period by period.</summary>
    private void AdvanceAnswered(DateTimeOffset now)
    {
        if (!S.Exists || S.Flows.IsEmpty || now <= S.AnsweredTo)
        {
            if (S.AnsweredTo < now && now >= S.ActiveAt)
            {
                S.AnsweredTo = now;
            }

            return;
        }

        var nonTarget = FlowRouting.Route(Name, S.DnsName, Book, S.Flows, S.TargetGroupsWithTargets.Contains).NonTarget;
        var from = S.AnsweredTo < S.ActiveAt ? S.ActiveAt : S.AnsweredTo;
        while (from < now)
        {
            var period = LoadBalancers.PeriodStart(from, Period);
            var to = period + Period < now ? period + Period : now;
            foreach (var (load, counts) in FlowRouting.Answered(nonTarget, from, to))
            {
                Count(load.Flow, "", period, counts);
            }

            from = to;
        }

        S.AnsweredTo = now;
    }

    /// <summary>The ARN of a forwarded target group known by name (reports name groups by their grain key).</summary>
    private string TargetGroupArn(string name) =>
        LoadBalancerValidation.ForwardedTargetGroups(Book.AllActions()).Concat(S.Linked).FirstOrDefault(a => TargetGroupArns.Name(a) == name) ?? name;

    /// <summary>Target group checks of <see cref="LoadBalancerValidation.TargetGroups"/> with each group's summary.</summary>
    private async Task CheckTargetGroups(IEnumerable<ListenerAction> actions)
    {
        var list = actions.ToList();
        var summaries = new Dictionary<string, TargetGroupSummary?>(StringComparer.Ordinal);
        foreach (var arn in LoadBalancerValidation.ForwardedTargetGroups(list))
        {
            var tg = await GrainFactory.GetGrain<ITargetGroupGrain>(TargetGroupArns.Name(arn)).Summary();
            summaries[arn] = tg is not null && tg.Arn == arn ? tg : null;
        }

        Throw(LoadBalancerValidation.TargetGroups(S.Spec!, S.Arn, list, arn => summaries.GetValueOrDefault(arn)));
    }

    /// <summary>Actions as ELB describes them: a lone action without an order is order 1.</summary>
    private static ImmutableArray<ListenerAction> Normalize(ImmutableArray<ListenerAction> actions) =>
        actions.IsDefault ? [] : actions is [{ Order: null } single] ? [single with { Order = 1 }] : actions;

    private LoadBalancerInfo Info() => new(S.Spec!, S.Arn, S.DnsName, LoadBalancers.CanonicalHostedZoneId(runtime.Region), S.CreatedAt,
        LoadBalancers.State(S.ActiveAt, Now), S.Listeners, S.Rules, S.Attributes, S.Flows, S.ActiveAt);

    private static bool SameSettings(LoadBalancerSpec a, LoadBalancerSpec b) =>
        a.Type == b.Type && a.Scheme == b.Scheme && a.IpAddressType == b.IpAddressType && a.VpcId == b.VpcId
        && a.Subnets.Select(s => s.SubnetId).Order(StringComparer.Ordinal).SequenceEqual(b.Subnets.Select(s => s.SubnetId).Order(StringComparer.Ordinal));

    private string NextHex(int length) => RandomIds.HexString(NextStream(), length);

    private string NextDigits(int length)
    {
        var r = NextStream();
        return string.Concat(Enumerable.Range(0, length).Select(i => (char)((i == 0 ? '1' + r.Next(9) : '0' + r.Next(10)))));
    }

    private Random NextStream() => runtime.Random.For($"loadbalancer/{Name}#{S.Generation}/{S.IdsIssued++}");

    private void EnsureExists()
    {
        if (!S.Exists)
        {
            throw new EcsException(ElbErrorCodes.LoadBalancerNotFound, "One or more load balancers not found");
        }
    }

    private static EcsException Error(ElbError e) => new(e.Code, e.Message);

    private static void Throw(ElbError? error)
    {
        if (error is not null)
        {
            throw Error(error);
        }
    }
}
