using System.Collections.Immutable;
using Emulator.Contracts;
using Emulator.Model.LoadBalancing;

namespace Emulator.Tests.Model.LoadBalancing;

/// <summary>
/// B-ELB-1 with B-LB-3: flows entering at a listener are matched to a rule and split by its weights; what a target group
/// receives is integrated with the service's own profile as one load over its targets, and attributed back to each source.
/// </summary>
public sealed class RoutedTrafficTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private const string LbArn = "arn:aws:elasticloadbalancing:us-east-1:000000000000:loadbalancer/app/lb/0123456789abcdef";
    private const string Blue = "arn:aws:elasticloadbalancing:us-east-1:000000000000:targetgroup/blue/aaaaaaaaaaaaaaaa";
    private const string Green = "arn:aws:elasticloadbalancing:us-east-1:000000000000:targetgroup/green/bbbbbbbbbbbbbbbb";

    private static DateTimeOffset At(double seconds) => T0 + TimeSpan.FromSeconds(seconds);

    private static TrafficProfile Constant(double rps) => new([new TrafficStep(TimeSpan.Zero, rps)], TimeSpan.FromMilliseconds(200), 100);

    private static TrafficTimeline Steady(int routable, double from, double to) =>
        new("svc", "blue", At(from), At(to), routable, 0, [], [], routable, 0, 0, 0);

    private static (ListenerBook Book, ListenerRecord Listener) Book(params (int Priority, RuleCondition Condition, ListenerAction Action)[] rules)
    {
        var listenerArn = LoadBalancerArns.Listener(LbArn, "1111111111111111");
        var listener = new ListenerRecord(listenerArn, 80, "HTTP",
            [ListenerAction.ForwardTo(new WeightedTargetGroup(Blue, 3), new WeightedTargetGroup(Green, 1))], [], null, 18000, LoadBalancerArns.Rule(listenerArn, "dddddddddddddddd"));
        var book = ListenerRules.AddListener(ListenerBook.Empty, listener, LbArn).Book;
        foreach (var (priority, condition, action) in rules)
        {
            book = ListenerRules.AddRule(book, new ListenerRuleRecord(LoadBalancerArns.Rule(listenerArn, priority.ToString("x16", System.Globalization.CultureInfo.InvariantCulture)),
                listenerArn, priority, [condition], [action])).Book;
        }

        return (book, listener);
    }

    private static ListenerFlow Flow(ListenerRecord listener, string name, double rps, SyntheticRequest? request = null) =>
        new(listener.Arn, name, Constant(rps), request ?? SyntheticRequest.Default, T0);

    [Fact]
    public void B_ELB_1_a_flow_is_split_by_the_matched_rules_weights()
    {
        var (book, listener) = Book();
        var routes = FlowRouting.Route("lb", "lb-1.us-east-1.elb.localhost", book, [Flow(listener, "prod", 100)], _ => true);
        Assert.Equal(0.75, routes.For(Blue).Single().Fraction);
        Assert.Equal(0.25, routes.For(Green).Single().Fraction);
        Assert.Equal("1111111111111111/prod", routes.For(Blue).Single().Flow);
        Assert.Empty(routes.NonTarget);
    }

    [Fact]
    public void B_ELB_1_a_header_condition_carries_test_traffic_to_its_own_target_group()
    {
        var (book, listener) = Book((1, new RuleCondition("http-header", ["true"], "X-Test"), ListenerAction.ForwardTo(new WeightedTargetGroup(Green, 1))));
        var test = SyntheticRequest.Default with { Headers = ImmutableDictionary<string, string>.Empty.Add("x-test", "true") };
        var routes = FlowRouting.Route("lb", "lb-1.us-east-1.elb.localhost", book, [Flow(listener, "prod", 100), Flow(listener, "test", 10, test)], _ => true);
        Assert.Equal([("1111111111111111/prod", 0.75)], routes.For(Blue).Select(r => (r.Flow, r.Fraction)));
        Assert.Equal([("1111111111111111/prod", 0.25), ("1111111111111111/test", 1.0)], routes.For(Green).Select(r => (r.Flow, r.Fraction)));
    }

    [Fact]
    public void B_ELB_1_fixed_responses_redirects_and_target_groups_without_targets_are_answered_by_the_load_balancer()
    {
        var (book, listener) = Book(
            (1, new RuleCondition("path-pattern", ["/health"]), new ListenerAction(ListenerAction.FixedResponseType, 1, null, new FixedResponseConfig("200", "text/plain", "ok"), null)),
            (2, new RuleCondition("path-pattern", ["/old/*"]), new ListenerAction(ListenerAction.RedirectType, 1, null, null, new RedirectConfig("HTTPS", "443", "#{host}", "/#{path}", "#{query}", "HTTP_301"))));
        var flows = new[]
        {
            Flow(listener, "health", 10, SyntheticRequest.Default with { Path = "/health" }),
            Flow(listener, "old", 20, SyntheticRequest.Default with { Path = "/old/page" }),
            Flow(listener, "web", 40),
        };
        var routes = FlowRouting.Route("lb", "lb-1.us-east-1.elb.localhost", book, flows, arn => arn == Blue); // green has no ECS service
        Assert.Equal([(NonTargetOutcome.FixedResponse, 1.0), (NonTargetOutcome.Redirect, 1.0), (NonTargetOutcome.NoTarget, 0.25)],
            routes.NonTarget.Select(n => (n.Outcome, n.Fraction)));
        Assert.Empty(routes.For(Green));

        var answered = FlowRouting.Answered(routes.NonTarget, T0, At(10));
        Assert.Equal(100, answered.Single(a => a.Load.Outcome == NonTargetOutcome.FixedResponse).Counts.FixedResponses, 9);
        Assert.Equal(200, answered.Single(a => a.Load.Outcome == NonTargetOutcome.Redirect).Counts.Redirects, 9);
        Assert.Equal(100, answered.Single(a => a.Load.Outcome == NonTargetOutcome.NoTarget).Counts.Failed503, 9); // 40 rps x 0.25 x 10 s
    }

    [Fact]
    public void B_LB_3_own_profile_and_routed_shares_add_up_and_are_attributed_to_each_source()
    {
        var route = new RoutedLoad("lb", "l/prod", Constant(40), T0, 0.75);
        var result = RoutedTraffic.Accumulate(Steady(2, 0, 10), Constant(10), T0, [new RouteEpoch(T0, [route])], Constant(0));
        Assert.Equal(400, result.Total.Requests, 9);
        Assert.Equal(100, result.Direct.Requests, 9);
        Assert.Equal(300, result.Routes.Single().Increment.Requests, 9);
        Assert.Equal(0, result.Total.Failed503);
    }

    [Fact]
    public void B_LB_3_without_a_routable_target_every_source_fails_503_in_proportion()
    {
        var route = new RoutedLoad("lb", "l/prod", Constant(30), T0, 1);
        var result = RoutedTraffic.Accumulate(Steady(0, 0, 10), Constant(10), T0, [new RouteEpoch(T0, [route])], Constant(0));
        Assert.Equal(400, result.Total.Failed503, 9);
        Assert.Equal(100, result.Direct.Failed503, 9);
        Assert.Equal(300, result.Routes.Single().Increment.Failed503, 9);
    }

    [Fact]
    public void B_DP_6_a_weight_change_takes_effect_at_its_instant()
    {
        // 100 rps, all to this group for 4 s, then 10 % from 4 s on (a canary moving weight away).
        var all = new RoutedLoad("lb", "l/prod", Constant(100), T0, 1);
        var epochs = new[] { new RouteEpoch(T0, [all]), new RouteEpoch(At(4), [all with { Fraction = 0.1 }]) };
        var result = RoutedTraffic.Accumulate(Steady(3, 0, 10), null, default, epochs, Constant(0));
        Assert.Equal(400 + 60, result.Total.Requests, 9);
        Assert.Equal(400 + 60, result.Routes.Sum(r => r.Increment.Requests), 9);
        Assert.Equal(0.1 * 100, RoutedTraffic.RateAt(epochs, At(5)), 9);
        Assert.Equal(100, RoutedTraffic.RateAt(epochs, At(3)), 9);
    }

    [Fact]
    public void B_LB_3_routes_before_the_first_epoch_send_nothing()
    {
        var route = new RoutedLoad("lb", "l/prod", Constant(100), T0, 1);
        var result = RoutedTraffic.Accumulate(Steady(1, 0, 10), null, default, [new RouteEpoch(At(30), [route])], Constant(0));
        Assert.Equal(0, result.Total.Requests);
        Assert.Empty(result.Routes);
    }

    /// <summary>
    /// The routed integration keeps the plain one as its reference: with the service's own profile alone it gives what
    /// <see cref="TrafficModel.Accumulate"/> gives, and with routes the sources always add up to the total, over random
    /// target timelines (changes and deaths) and random step profiles.
    /// </summary>
    [Fact]
    public void B_LB_3_routed_integration_equals_the_plain_model_and_its_sources_add_up()
    {
        var random = new Random(17);
        for (var run = 0; run < 200; run++)
        {
            var from = At(random.Next(0, 100));
            var to = from + TimeSpan.FromSeconds(random.Next(1, 120));
            var changes = Enumerable.Range(0, random.Next(0, 5))
                .Select(_ => from + TimeSpan.FromSeconds(random.NextDouble() * (to - from).TotalSeconds))
                .Order()
                .Select(t => new TargetChange(t, random.Next(-1, 3), 0))
                .ToImmutableArray();
            var deaths = Enumerable.Range(0, random.Next(0, 3))
                .Select(_ => new TargetDeath(from + TimeSpan.FromSeconds(random.NextDouble() * (to - from).TotalSeconds), null))
                .OrderBy(d => d.At)
                .ToImmutableArray();
            var timeline = new TrafficTimeline("svc", "tg", from, to, random.Next(0, 4), 0, changes, deaths, 1, 0, 0, 0);
            TrafficProfile RandomProfile() => new([.. Enumerable.Range(0, random.Next(1, 4))
                .Select(i => new TrafficStep(TimeSpan.FromSeconds(i * random.Next(1, 60)), random.Next(0, 500)))], TimeSpan.FromMilliseconds(200), 100);
            var own = RandomProfile();

            var plain = TrafficModel.Accumulate(timeline, own, T0);
            var alone = RoutedTraffic.Accumulate(timeline, own, T0, [], own);
            Assert.Equal(plain.Requests, alone.Total.Requests, 6);
            Assert.Equal(plain.Failed503, alone.Total.Failed503, 6);
            Assert.Equal(plain.Failed502, alone.Total.Failed502, 6);

            var epochs = new[]
            {
                new RouteEpoch(T0, [new RoutedLoad("lb", "l/a", RandomProfile(), T0, random.NextDouble())]),
                new RouteEpoch(from + (to - from) / 2, [new RoutedLoad("lb", "l/a", RandomProfile(), T0, random.NextDouble()), new RoutedLoad("lb", "l/b", RandomProfile(), from, 1)]),
            };
            var routed = RoutedTraffic.Accumulate(timeline, own, T0, epochs, own);
            var sum = routed.Direct.Requests + routed.Routes.Sum(r => r.Increment.Requests);
            Assert.Equal(routed.Total.Requests, sum, 6);
            Assert.Equal(routed.Total.Failed503 + routed.Total.Failed502,
                routed.Direct.Failed503 + routed.Direct.Failed502 + routed.Routes.Sum(r => r.Increment.Failed503 + r.Increment.Failed502), 6);
            Assert.True(routed.Total.Requests >= alone.Total.Requests - 1e-6);
        }
    }

    [Fact]
    public void B_LB_3_slices_of_a_timeline_add_up_to_the_whole()
    {
        var timeline = new TrafficTimeline("svc", "tg", At(0), At(60), 2, 0,
            [new TargetChange(At(10), 1, 0), new TargetChange(At(30), -3, 0), new TargetChange(At(45), 2, 0)], [new TargetDeath(At(30), null)], 2, 0, 0, 0);
        var profile = Constant(100);
        var whole = TrafficModel.Accumulate(timeline, profile, T0);
        var parts = new[] { 0, 10, 25, 30, 44, 60 }.Zip(new[] { 10, 25, 30, 44, 60 })
            .Aggregate(default(TrafficIncrement), (sum, w) => sum + TrafficModel.Accumulate(RoutedTraffic.Slice(timeline, At(w.First), At(w.Second)), profile, T0));
        Assert.Equal(whole.Requests, parts.Requests, 9);
        Assert.Equal(whole.Failed503, parts.Failed503, 9);
        Assert.Equal(whole.Failed502, parts.Failed502, 9);
        Assert.Equal(3, RoutedTraffic.Slice(timeline, At(10), At(20)).RoutableAtFrom);
    }

    [Fact]
    public void B_ELB_1_route_history_keeps_the_epoch_in_force_at_the_cut_off()
    {
        ImmutableArray<RouteEpoch> epochs = [];
        epochs = RoutedTraffic.Append(epochs, At(0), [], At(0));
        epochs = RoutedTraffic.Append(epochs, At(100), [new RoutedLoad("lb", "l/a", Constant(1), T0, 1)], At(0));
        epochs = RoutedTraffic.Append(epochs, At(200), [], At(150));
        Assert.Equal([At(100), At(200)], epochs.Select(e => e.From));

        // A change at an instant replaces the epochs from that instant on.
        epochs = RoutedTraffic.Append(epochs, At(150), [new RoutedLoad("lb", "l/b", Constant(2), T0, 1)], At(120));
        Assert.Equal([At(100), At(150)], epochs.Select(e => e.From));
    }

    [Fact]
    public void B_LB_3_combined_profile_steps_wherever_a_part_changes()
    {
        var stepping = new TrafficProfile([new TrafficStep(TimeSpan.Zero, 10), new TrafficStep(TimeSpan.FromSeconds(30), 50)], TimeSpan.FromMilliseconds(200), 100);
        var combined = RoutedTraffic.Combine(Constant(5), T0, [new RoutedLoad("lb", "l/a", stepping, At(10), 0.5)], At(20), Constant(0));
        Assert.Equal([(0.0, 10.0), (20.0, 30.0)], combined.Steps.Select(s => (s.Offset.TotalSeconds, s.RequestsPerSecond)));
        Assert.Equal(5 + 5, TrafficModel.RateAt(combined, At(20), At(25)));
        Assert.Equal(5 + 25, TrafficModel.RateAt(combined, At(20), At(45)));
    }
}
