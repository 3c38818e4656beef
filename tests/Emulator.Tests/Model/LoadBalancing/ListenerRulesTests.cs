using System.Collections.Immutable;
using Emulator.Contracts;
using Emulator.Model.LoadBalancing;

namespace Emulator.Tests.Model.LoadBalancing;

/// <summary>B-ELB-1: listener and rule changes with ELB's checks, all or nothing; bad input gets AWS's error.</summary>
public sealed class ListenerRulesTests
{
    private const string LbArn = "arn:aws:elasticloadbalancing:us-east-1:000000000000:loadbalancer/app/lb/0123456789abcdef";
    private const string Blue = "arn:aws:elasticloadbalancing:us-east-1:000000000000:targetgroup/blue/aaaaaaaaaaaaaaaa";
    private const string Green = "arn:aws:elasticloadbalancing:us-east-1:000000000000:targetgroup/green/bbbbbbbbbbbbbbbb";

    private static readonly LoadBalancerSpec Lb = new("lb", "application", "internet-facing", "ipv4", "vpc-1",
        [new LoadBalancerSubnet("subnet-a", "us-east-1a"), new LoadBalancerSubnet("subnet-b", "us-east-1b")], []);

    private static ListenerRecord NewListener(int port, string id) =>
        new(LoadBalancerArns.Listener(LbArn, id), port, "HTTP", [ListenerAction.ForwardTo(new WeightedTargetGroup(Blue, 1))], [], null, 18000 + port,
            LoadBalancerArns.Rule(LoadBalancerArns.Listener(LbArn, id), "d" + id[1..]));

    private static ListenerRuleRecord NewRule(ListenerRecord listener, int priority, string id) =>
        new(LoadBalancerArns.Rule(listener.Arn, id), listener.Arn, priority, [new RuleCondition("path-pattern", ["/" + id + "/*"])],
            [ListenerAction.ForwardTo(new WeightedTargetGroup(Green, 1))]);

    /// <summary>A book with listener 80 (rules at 10, 20, 30) and listener 8080 (rule at 10).</summary>
    private static (ListenerBook Book, ListenerRecord Http, ListenerRecord Test) Book()
    {
        var http = NewListener(80, "1111111111111111");
        var test = NewListener(8080, "2222222222222222");
        var book = ListenerRules.AddListener(ListenerBook.Empty, http, LbArn).Book;
        book = ListenerRules.AddListener(book, test, LbArn).Book;
        foreach (var (p, id) in new[] { (10, "a000000000000010"), (20, "a000000000000020"), (30, "a000000000000030") })
        {
            book = ListenerRules.AddRule(book, NewRule(http, p, id)).Book;
        }

        book = ListenerRules.AddRule(book, NewRule(test, 10, "b000000000000010")).Book;
        return (book, http, test);
    }

    private static string RuleArn(ListenerRecord l, string id) => LoadBalancerArns.Rule(l.Arn, id);

    [Fact]
    public void B_ELB_1_a_priority_in_use_on_the_listener_is_refused_and_the_same_priority_on_another_listener_is_fine()
    {
        var (book, http, test) = Book();
        var taken = ListenerRules.AddRule(book, NewRule(http, 20, "c000000000000020"));
        Assert.Equal(ElbErrorCodes.PriorityInUse, taken.Error!.Code);
        Assert.Equal("Priority '20' is currently in use", taken.Error.Message);
        Assert.Same(book, taken.Book);

        Assert.Null(ListenerRules.AddRule(book, NewRule(test, 20, "c000000000000020")).Error);
        Assert.Equal(ElbErrorCodes.Validation, ListenerRules.AddRule(book, NewRule(http, 0, "c000000000000000")).Error!.Code);
        Assert.Equal(ElbErrorCodes.Validation, ListenerRules.AddRule(book, NewRule(http, 50_001, "c000000000000001")).Error!.Code);
    }

    [Fact]
    public void B_ELB_1_set_rule_priorities_swaps_priorities_in_one_call()
    {
        var (book, http, _) = Book();
        var change = ListenerRules.SetPriorities(book, [new RulePriority(RuleArn(http, "a000000000000010"), 20), new RulePriority(RuleArn(http, "a000000000000020"), 10)]);
        Assert.Null(change.Error);
        Assert.Equal([20, 10], change.Result.Select(r => r.Priority!.Value));
        var ordered = change.Book.RulesOf(http).Select(r => r.Arn).ToList();
        Assert.Equal([RuleArn(http, "a000000000000020"), RuleArn(http, "a000000000000010"), RuleArn(http, "a000000000000030"), http.DefaultRuleArn], ordered);
    }

    [Theory]
    [InlineData("duplicate", ElbErrorCodes.Validation, "Priority '5' was provided multiple times")]
    [InlineData("held", ElbErrorCodes.PriorityInUse, "Priority '30' is currently in use")]
    [InlineData("listeners", ElbErrorCodes.Validation, "All rules must belong to the same listener")]
    [InlineData("default", ElbErrorCodes.OperationNotPermitted, "The priority of the default rule")]
    [InlineData("missing", ElbErrorCodes.RuleNotFound, "One or more rules not found")]
    [InlineData("range", ElbErrorCodes.Validation, "Member must have value less than or equal to 50000")]
    public void B_ELB_1_set_rule_priorities_refuses_bad_input_and_changes_nothing(string kind, string code, string message)
    {
        var (book, http, test) = Book();
        var a = RuleArn(http, "a000000000000010");
        ImmutableArray<RulePriority> request = kind switch
        {
            "duplicate" => [new RulePriority(a, 5), new RulePriority(RuleArn(http, "a000000000000020"), 5)],
            "held" => [new RulePriority(a, 30)], // the rule at 30 is not part of the call
            "listeners" => [new RulePriority(a, 40), new RulePriority(RuleArn(test, "b000000000000010"), 41)],
            "default" => [new RulePriority(http.DefaultRuleArn, 40)],
            "missing" => [new RulePriority(a, 40), new RulePriority(RuleArn(http, "ffffffffffffffff"), 41)],
            _ => [new RulePriority(a, 50_001)],
        };
        var change = ListenerRules.SetPriorities(book, request);
        Assert.Equal(code, change.Error!.Code);
        Assert.Contains(message, change.Error.Message, StringComparison.Ordinal);
        Assert.Same(book, change.Book);
    }

    [Fact]
    public void B_ELB_1_the_default_rule_cannot_be_deleted_nor_given_conditions_but_its_actions_are_the_listeners()
    {
        var (book, http, _) = Book();
        Assert.Equal(ElbErrorCodes.OperationNotPermitted, ListenerRules.RemoveRule(book, http.DefaultRuleArn).Error!.Code);
        Assert.Equal(ElbErrorCodes.OperationNotPermitted,
            ListenerRules.ModifyRule(book, http.DefaultRuleArn, [new RuleCondition("path-pattern", ["/x"])], null).Error!.Code);

        ImmutableArray<ListenerAction> toGreen = [ListenerAction.ForwardTo(new WeightedTargetGroup(Green, 1))];
        var change = ListenerRules.ModifyRule(book, http.DefaultRuleArn, null, toGreen);
        Assert.Null(change.Error);
        Assert.True(change.Result.IsDefault);
        Assert.Equal(toGreen, change.Book.Listener(http.Arn)!.DefaultActions);
        Assert.Equal(toGreen, change.Book.Rule(http.DefaultRuleArn)!.Actions);
    }

    [Fact]
    public void B_ELB_1_listeners_one_per_port_and_rules_go_with_their_listener()
    {
        var (book, http, test) = Book();
        var duplicate = ListenerRules.AddListener(book, NewListener(80, "3333333333333333"), LbArn);
        Assert.Equal(ElbErrorCodes.DuplicateListener, duplicate.Error!.Code);
        Assert.Equal(ElbErrorCodes.DuplicateListener, ListenerRules.ModifyListener(book, test.Arn, new ListenerPatch(80, null, null, null, null), LbArn).Error!.Code);

        var removed = ListenerRules.RemoveListener(book, http.Arn);
        Assert.Null(removed.Error);
        Assert.DoesNotContain(removed.Book.Rules, r => r.ListenerArn == http.Arn);
        Assert.Single(removed.Book.Rules);
        Assert.Equal(ElbErrorCodes.ListenerNotFound, ListenerRules.RemoveListener(removed.Book, http.Arn).Error!.Code);
    }

    [Fact]
    public void B_ELB_1_at_most_100_rules_per_listener()
    {
        var (book, _, test) = Book();
        for (var p = 11; p <= 109; p++)
        {
            book = ListenerRules.AddRule(book, NewRule(test, p, p.ToString("x16", System.Globalization.CultureInfo.InvariantCulture))).Book;
        }

        Assert.Equal(100, book.Rules.Count(r => r.ListenerArn == test.Arn));
        Assert.Equal(ElbErrorCodes.TooManyRules, ListenerRules.AddRule(book, NewRule(test, 200, "00000000000000c8")).Error!.Code);
    }

    [Theory]
    [InlineData(5, 950, 50)]
    [InlineData(10, 900, 100)]
    [InlineData(0.1, 999, 1)]
    [InlineData(33.33, 667, 333)]
    [InlineData(0, 1, 0)]
    [InlineData(100, 0, 1)]
    public void B_DP_6_split_gives_integer_weights_for_a_traffic_share(double percent, int source, int target)
    {
        var weights = ForwardWeights.Split(Blue, Green, percent);
        Assert.Equal<WeightedTargetGroup>([new WeightedTargetGroup(Blue, source), new WeightedTargetGroup(Green, target)], weights);
        Assert.Equal(percent / 100, ForwardWeights.ShareOf(new ForwardConfig(weights, false, null), Green), 3);
        Assert.Null(LoadBalancerValidation.Actions([ListenerAction.ForwardTo([.. weights])], "actions"));
    }

    [Fact]
    public void B_DP_6_with_replaces_the_forward_actions_weights_only()
    {
        var sticky = new ListenerAction(ListenerAction.ForwardType, 1, new ForwardConfig([new WeightedTargetGroup(Blue, 1)], true, 300), null, null);
        var moved = ForwardWeights.With([sticky], ForwardWeights.Split(Blue, Green, 10))!.Value.Single();
        Assert.Equal<WeightedTargetGroup>([new WeightedTargetGroup(Blue, 900), new WeightedTargetGroup(Green, 100)], moved.Forward!.TargetGroups);
        Assert.True(moved.Forward.StickinessEnabled);
        Assert.Null(ForwardWeights.With([new ListenerAction(ListenerAction.FixedResponseType, 1, null, new FixedResponseConfig("200", null, null), null)], []));
        Assert.Throws<ArgumentOutOfRangeException>(() => ForwardWeights.Split(Blue, Green, 101));
    }

    [Theory]
    [InlineData("weight-high", ElbErrorCodes.Validation, "Value '1000' at 'actions.1.member.forwardConfig.targetGroups.2.member.weight' failed to satisfy constraint: Member must have value less than or equal to 999")]
    [InlineData("weight-negative", ElbErrorCodes.Validation, "Member must have value greater than or equal to 0")]
    [InlineData("six-groups", ElbErrorCodes.Validation, "Member must have length less than or equal to 5")]
    [InlineData("same-group-twice", ElbErrorCodes.Validation, "is specified more than once")]
    [InlineData("no-group", ElbErrorCodes.Validation, "A target group ARN must be specified")]
    [InlineData("unknown-type", ElbErrorCodes.Validation, "Member must satisfy enum value set")]
    [InlineData("authenticate", ElbErrorCodes.InvalidLoadBalancerAction, "does not model")]
    [InlineData("two-terminal", ElbErrorCodes.InvalidLoadBalancerAction, "only one forward, redirect or fixed-response action")]
    [InlineData("fixed-status", ElbErrorCodes.Validation, "^(2|4|5)\\d\\d$")]
    [InlineData("fixed-type", ElbErrorCodes.Validation, "Content type")]
    [InlineData("redirect-loop", ElbErrorCodes.Validation, "loop")]
    [InlineData("six-actions", ElbErrorCodes.TooManyActions, "more than 5 actions")]
    [InlineData("none", ElbErrorCodes.Validation, "Value null at 'actions'")]
    public void B_ELB_1_bad_actions_get_elbs_error(string kind, string code, string message)
    {
        ListenerAction Forward(params (string Arn, int Weight)[] groups) =>
            new(ListenerAction.ForwardType, 1, new ForwardConfig([.. groups.Select(g => new WeightedTargetGroup(g.Arn, g.Weight))], false, null), null, null);
        ImmutableArray<ListenerAction> actions = kind switch
        {
            "weight-high" => [Forward((Blue, 1), (Green, 1000))],
            "weight-negative" => [Forward((Blue, -1))],
            "six-groups" => [Forward([.. Enumerable.Range(0, 6).Select(i => ($"{Blue}{i}", 1))])],
            "same-group-twice" => [Forward((Blue, 1), (Blue, 2))],
            "no-group" => [new ListenerAction(ListenerAction.ForwardType, 1, null, null, null)],
            "unknown-type" => [new ListenerAction("teleport", 1, null, null, null)],
            "authenticate" => [new ListenerAction("authenticate-oidc", 1, null, null, null)],
            "two-terminal" => [Forward((Blue, 1)), new ListenerAction(ListenerAction.FixedResponseType, 2, null, new FixedResponseConfig("404", null, null), null)],
            "fixed-status" => [new ListenerAction(ListenerAction.FixedResponseType, 1, null, new FixedResponseConfig("302", null, null), null)],
            "fixed-type" => [new ListenerAction(ListenerAction.FixedResponseType, 1, null, new FixedResponseConfig("200", "image/png", null), null)],
            "redirect-loop" => [new ListenerAction(ListenerAction.RedirectType, 1, null, null, new RedirectConfig("#{protocol}", "#{port}", "#{host}", "/#{path}", "#{query}", "HTTP_301"))],
            "six-actions" => [.. Enumerable.Range(1, 6).Select(i => Forward((Blue, 1)) with { Order = i })],
            _ => [],
        };
        var error = LoadBalancerValidation.Actions(actions, "actions");
        Assert.Equal(code, error!.Code);
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("field", "Condition field 'cookie' must be one of")]
    [InlineData("values", "can only have '5' condition values")]
    [InlineData("twice", "A rule can only have one 'path-pattern' condition")]
    [InlineData("empty", "must have at least one value")]
    [InlineData("header-name", "must specify an HTTP header name")]
    [InlineData("cidr", "is not a valid CIDR block")]
    [InlineData("method", "uppercase letters")]
    [InlineData("none", "Value null at 'conditions'")]
    public void B_ELB_1_bad_conditions_get_a_validation_error(string kind, string message)
    {
        ImmutableArray<RuleCondition> conditions = kind switch
        {
            "field" => [new RuleCondition("cookie", ["a"])],
            "values" => [new RuleCondition("path-pattern", ["/a", "/b", "/c"]), new RuleCondition("host-header", ["a", "b", "c"])],
            "twice" => [new RuleCondition("path-pattern", ["/a"]), new RuleCondition("path-pattern", ["/b"])],
            "empty" => [new RuleCondition("host-header", [])],
            "header-name" => [new RuleCondition("http-header", ["x"])],
            "cidr" => [new RuleCondition("source-ip", ["10.0.0.0/40"])],
            "method" => [new RuleCondition("http-request-method", ["get"])],
            _ => [],
        };
        var error = LoadBalancerValidation.Conditions(conditions);
        Assert.Equal(ElbErrorCodes.Validation, error!.Code);
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void B_ELB_1_target_groups_must_exist_share_the_vpc_speak_http_and_belong_to_no_other_load_balancer()
    {
        TargetGroupSummary Group(string arn, string vpc = "vpc-1", string protocol = "HTTP", string type = "ip", params string[] loadBalancers) =>
            new(arn, TargetGroupSpec.Default(TargetGroupArns.Name(arn)) with { VpcId = vpc, Protocol = protocol, TargetType = type }, [], [.. loadBalancers]);
        ElbError? Check(TargetGroupSummary? group) =>
            LoadBalancerValidation.TargetGroups(Lb, LbArn, [ListenerAction.ForwardTo(new WeightedTargetGroup(Blue, 1))], _ => group);

        Assert.Null(Check(Group(Blue)));
        Assert.Null(Check(Group(Blue, loadBalancers: LbArn)));
        Assert.Equal(ElbErrorCodes.TargetGroupNotFound, Check(null)!.Code);
        var vpc = Check(Group(Blue, vpc: "vpc-2"))!;
        Assert.Equal((ElbErrorCodes.InvalidConfigurationRequest, $"The following target groups are in a different VPC than load balancer '{LbArn}': {Blue}"), (vpc.Code, vpc.Message));
        Assert.Equal(ElbErrorCodes.IncompatibleProtocols, Check(Group(Blue, protocol: "TCP"))!.Code);
        Assert.Equal(ElbErrorCodes.InvalidConfigurationRequest, Check(Group(Blue, type: "alb"))!.Code);
        Assert.Null(Check(Group(Blue, vpc: "vpc-9", protocol: "HTTP", type: "lambda")));
        var other = Check(Group(Blue, loadBalancers: LbArn.Replace("/lb/", "/other/", StringComparison.Ordinal)))!;
        Assert.Equal((ElbErrorCodes.TargetGroupAssociationLimit, $"The following target groups cannot be associated with more than one load balancer: {Blue}"), (other.Code, other.Message));
    }

    [Theory]
    [InlineData("name", "Load balancer name 'bad_name'")]
    [InlineData("zone", "At least two subnets in two different Availability Zones")]
    [InlineData("same-zone", "multiple subnets in the same Availability Zone")]
    [InlineData("scheme", "Member must satisfy enum value set: [internet-facing, internal]")]
    [InlineData("network", "Application Load Balancers only")]
    public void B_ELB_1_bad_load_balancers_are_refused(string kind, string message)
    {
        var spec = kind switch
        {
            "name" => Lb with { Name = "bad_name" },
            "zone" => Lb with { Subnets = [Lb.Subnets[0]] },
            "same-zone" => Lb with { Subnets = [.. Lb.Subnets, new LoadBalancerSubnet("subnet-c", "us-east-1a")] },
            "scheme" => Lb with { Scheme = "public" },
            _ => Lb with { Type = "network" },
        };
        Assert.Contains(message, LoadBalancerValidation.LoadBalancer(spec)!.Message, StringComparison.Ordinal);
        Assert.Null(LoadBalancerValidation.LoadBalancer(Lb));
    }

    [Fact]
    public void B_ELB_1_listeners_are_http_or_https_with_a_certificate()
    {
        ImmutableArray<ListenerAction> forward = [ListenerAction.ForwardTo(new WeightedTargetGroup(Blue, 1))];
        Assert.Null(LoadBalancerValidation.Listener(80, "HTTP", forward, []));
        Assert.Null(LoadBalancerValidation.Listener(443, "HTTPS", forward, ["arn:aws:acm:us-east-1:000000000000:certificate/x"]));
        Assert.Equal("Listener protocol 'TCP' must be one of 'HTTPS, HTTP'", LoadBalancerValidation.Listener(80, "TCP", forward, [])!.Message);
        Assert.Equal(ElbErrorCodes.CertificateNotFound, LoadBalancerValidation.Listener(443, "HTTPS", forward, [])!.Code);
        Assert.Equal(ElbErrorCodes.Validation, LoadBalancerValidation.Listener(70000, "HTTP", forward, [])!.Code);
    }

    [Fact]
    public void B_ELB_1_attributes_have_aws_defaults_and_are_validated()
    {
        var defaults = LoadBalancers.DefaultAttributes;
        Assert.Equal("60", defaults["idle_timeout.timeout_seconds"]);
        Assert.Equal("false", defaults["deletion_protection.enabled"]);
        var (set, ok) = LoadBalancers.ModifyAttributes(defaults, ImmutableDictionary<string, string>.Empty.Add("deletion_protection.enabled", "true"));
        Assert.Null(ok);
        Assert.Equal("true", set["deletion_protection.enabled"]);
        Assert.Equal(ElbErrorCodes.Validation, LoadBalancers.ModifyAttributes(defaults, ImmutableDictionary<string, string>.Empty.Add("nope", "1")).Error!.Code);
        Assert.Equal(ElbErrorCodes.InvalidConfigurationRequest, LoadBalancers.ModifyAttributes(defaults, ImmutableDictionary<string, string>.Empty.Add("idle_timeout.timeout_seconds", "0")).Error!.Code);
        Assert.Equal(ElbErrorCodes.InvalidConfigurationRequest, LoadBalancers.ModifyAttributes(defaults, ImmutableDictionary<string, string>.Empty.Add("access_logs.s3.enabled", "true")).Error!.Code);
    }

    [Fact]
    public void B_ELB_1_dns_names_are_aws_shaped_under_localhost_and_state_follows_provisioning()
    {
        Assert.Equal("web-1234567890.us-east-1.elb.localhost", LoadBalancers.DnsName("web", "internet-facing", "us-east-1", 1234567890));
        Assert.Equal("internal-web-1234567890.us-east-1.elb.localhost", LoadBalancers.DnsName("web", "internal", "us-east-1", 1234567890));
        var active = new DateTimeOffset(2026, 1, 1, 0, 0, 30, TimeSpan.Zero);
        Assert.Equal("provisioning", LoadBalancers.State(active, active.AddTicks(-1)));
        Assert.Equal("active", LoadBalancers.State(active, active));
        Assert.Equal(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero), LoadBalancers.PeriodStart(active, TimeSpan.FromMinutes(1)));
    }

    [Fact]
    public void Load_balancer_arns_name_their_load_balancer_listener_and_rule()
    {
        var listener = LoadBalancerArns.Listener(LbArn, "1111111111111111");
        var rule = LoadBalancerArns.Rule(listener, "2222222222222222");
        Assert.Equal("arn:aws:elasticloadbalancing:us-east-1:000000000000:listener/app/lb/0123456789abcdef/1111111111111111", listener);
        Assert.Equal("arn:aws:elasticloadbalancing:us-east-1:000000000000:listener-rule/app/lb/0123456789abcdef/1111111111111111/2222222222222222", rule);
        Assert.All(new[] { LbArn, listener, rule }, a => Assert.Equal(("lb", "0123456789abcdef"), (LoadBalancerArns.Name(a), LoadBalancerArns.Id(a))));
        Assert.Equal(listener, LoadBalancerArns.ListenerOfRule(rule));
        Assert.Equal("app/lb/0123456789abcdef", LoadBalancerArns.Dimension(LbArn));
        Assert.Null(LoadBalancerArns.Name(Blue));
    }

    [Theory]
    [InlineData("18000-18002", new[] { 18000, 18001, 18002 })]
    [InlineData("30690,30692,30690", new[] { 30690, 30692 })]
    [InlineData("30690-30691, 30699", new[] { 30690, 30691, 30699 })]
    public void Data_plane_ports_are_ranges_and_lists(string text, int[] ports) =>
        Assert.Equal(ports, new LoadBalancingOptions { DataPlanePorts = text }.ParsePorts().Ports);

    [Theory]
    [InlineData("")]
    [InlineData("80-70")]
    [InlineData("x")]
    [InlineData("70000")]
    public void Bad_data_plane_ports_fail_validation(string text) =>
        Assert.NotEmpty(new LoadBalancingOptions { DataPlanePorts = text }.Validate());
}
