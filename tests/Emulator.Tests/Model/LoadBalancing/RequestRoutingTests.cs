using Emulator.Contracts;
using Emulator.Model.LoadBalancing;

namespace Emulator.Tests.Model.LoadBalancing;

/// <summary>B-ELB-1: listener rules in priority order, conditions, weighted forward actions, redirects.</summary>
public sealed class RequestRoutingTests
{
    private const string Listener = "arn:aws:elasticloadbalancing:us-east-1:000000000000:listener/app/lb/0123456789abcdef/1111111111111111";
    private const string Blue = "arn:aws:elasticloadbalancing:us-east-1:000000000000:targetgroup/blue/aaaaaaaaaaaaaaaa";
    private const string Green = "arn:aws:elasticloadbalancing:us-east-1:000000000000:targetgroup/green/bbbbbbbbbbbbbbbb";

    internal static ListenerRuleRecord Rule(int? priority, string targetGroup, params RuleCondition[] conditions) =>
        new($"{Listener.Replace(":listener/", ":listener-rule/", StringComparison.Ordinal)}/{priority?.ToString("x16", System.Globalization.CultureInfo.InvariantCulture) ?? "ffffffffffffffff"}",
            Listener, priority, [.. conditions], [ListenerAction.ForwardTo(new WeightedTargetGroup(targetGroup, 1))]);

    internal static RuleCondition Path(params string[] values) => new("path-pattern", [.. values]);

    internal static RuleCondition Host(params string[] values) => new("host-header", [.. values]);

    internal static RuleCondition Header(string name, params string[] values) => new("http-header", [.. values], name);

    internal static HttpRequestShape Request(string path = "/", string host = "lb-1.us-east-1.elb.localhost", string method = "GET",
        IReadOnlyDictionary<string, string>? headers = null, string? query = null, string? sourceIp = null) =>
        new(method, host, path, new Dictionary<string, string>(headers ?? new Dictionary<string, string>(), StringComparer.OrdinalIgnoreCase),
            query is null ? [] : query.Split('&').Select(p => p.Split('=')).Select(kv => new KeyValuePair<string, string>(kv[0], kv.Length > 1 ? kv[1] : "")).ToList(),
            sourceIp);

    private static string Routed(IReadOnlyList<ListenerRuleRecord> rules, HttpRequestShape request) =>
        RequestRouting.Match(rules, request).Action.Forward!.TargetGroups[0].TargetGroupArn;

    [Fact]
    public void B_ELB_1_rules_are_evaluated_lowest_priority_first_and_the_default_rule_last()
    {
        // Given out of order: the listener's rules are matched by priority, not by position.
        var rules = new[]
        {
            Rule(null, "default"), Rule(20, Blue, Path("/api/*")), Rule(10, Green, Path("/api/v2/*")),
        };
        Assert.Equal(Green, Routed(rules, Request("/api/v2/orders")));
        Assert.Equal(Blue, Routed(rules, Request("/api/v1/orders")));
        Assert.Equal("default", Routed(rules, Request("/static/app.js")));
        Assert.True(RequestRouting.Match(rules, Request("/x")).Rule.IsDefault);
    }

    [Theory]
    [InlineData("/api/*", "/api/orders", true)]
    [InlineData("/api/*", "/api/", true)]
    [InlineData("/api/*", "/API/orders", false)] // paths are case-sensitive
    [InlineData("/img/*.png", "/img/a/b.png", true)]
    [InlineData("/img/?.png", "/img/ab.png", false)]
    [InlineData("/img/?.png", "/img/a.png", true)]
    [InlineData("*", "/anything", true)]
    [InlineData("/exact", "/exact", true)]
    [InlineData("/exact", "/exact/more", false)]
    public void B_ELB_1_path_pattern_wildcards_match_the_whole_path_case_sensitively(string pattern, string path, bool matches) =>
        Assert.Equal(matches, RequestRouting.Matches(Path(pattern), Request(path)));

    [Theory]
    [InlineData("*.example.com", "api.example.com", true)]
    [InlineData("*.example.com", "API.Example.COM", true)] // host names are case-insensitive
    [InlineData("*.example.com", "example.com", false)]
    [InlineData("www.example.com", "www.example.com", true)]
    [InlineData("www.example.co?", "www.example.com", true)]
    public void B_ELB_1_host_header_matches_case_insensitively(string pattern, string host, bool matches) =>
        Assert.Equal(matches, RequestRouting.Matches(Host(pattern), Request(host: host)));

    [Fact]
    public void B_ELB_1_host_header_ignores_the_port_of_the_request()
    {
        Assert.Equal("lb-1.elb.localhost", HttpRequestShape.StripPort("lb-1.elb.localhost:18000"));
        Assert.Equal("[::1]", HttpRequestShape.StripPort("[::1]:80"));
        Assert.Equal("10.0.0.1", HttpRequestShape.StripPort("10.0.0.1"));
    }

    [Fact]
    public void B_ELB_1_http_header_condition_matches_name_case_insensitively_and_any_of_its_values()
    {
        var condition = Header("X-Test-Traffic", "true", "yes*");
        Assert.True(RequestRouting.Matches(condition, Request(headers: new Dictionary<string, string> { ["x-test-traffic"] = "TRUE" })));
        Assert.True(RequestRouting.Matches(condition, Request(headers: new Dictionary<string, string> { ["X-Test-Traffic"] = "yes please" })));
        Assert.False(RequestRouting.Matches(condition, Request(headers: new Dictionary<string, string> { ["X-Test-Traffic"] = "no" })));
        Assert.False(RequestRouting.Matches(condition, Request()));
    }

    [Fact]
    public void B_ELB_1_method_query_string_and_source_ip_conditions()
    {
        Assert.True(RequestRouting.Matches(new RuleCondition("http-request-method", ["POST", "PUT"]), Request(method: "PUT")));
        Assert.False(RequestRouting.Matches(new RuleCondition("http-request-method", ["POST"]), Request(method: "post")));

        var query = new RuleCondition("query-string", [], null, [new QueryStringPair("version", "v2*"), new QueryStringPair(null, "beta")]);
        Assert.True(RequestRouting.Matches(query, Request(query: "version=V2.1")));
        Assert.True(RequestRouting.Matches(query, Request(query: "anything=beta")));
        Assert.False(RequestRouting.Matches(query, Request(query: "version=v1")));

        var ip = new RuleCondition("source-ip", ["10.0.0.0/16", "192.168.1.7/32"]);
        Assert.True(RequestRouting.Matches(ip, Request(sourceIp: "10.0.255.1")));
        Assert.True(RequestRouting.Matches(ip, Request(sourceIp: "192.168.1.7")));
        Assert.False(RequestRouting.Matches(ip, Request(sourceIp: "10.1.0.1")));
        Assert.False(RequestRouting.Matches(ip, Request()));
    }

    [Fact]
    public void B_ELB_1_all_conditions_of_a_rule_must_hold()
    {
        var rules = new[] { Rule(null, Blue), Rule(1, Green, Path("/api/*"), Header("X-Canary", "1")) };
        Assert.Equal(Green, Routed(rules, Request("/api/x", headers: new Dictionary<string, string> { ["X-Canary"] = "1" })));
        Assert.Equal(Blue, Routed(rules, Request("/api/x")));
        Assert.Equal(Blue, Routed(rules, Request("/web", headers: new Dictionary<string, string> { ["X-Canary"] = "1" })));
    }

    [Fact]
    public void B_ELB_1_forward_weights_give_each_target_group_its_share()
    {
        var forward = new ForwardConfig([new WeightedTargetGroup(Blue, 3), new WeightedTargetGroup(Green, 1)], false, null);
        var shares = RequestRouting.Shares(forward);
        Assert.Equal<(string, double)>([(Blue, 0.75), (Green, 0.25)], shares);

        // The weighted round robin splits every run of (total weight) requests exactly.
        var picks = Enumerable.Range(0, 400).Select(i => RequestRouting.Pick(forward, i)).ToList();
        Assert.Equal(300, picks.Count(p => p == Blue));
        Assert.Equal(100, picks.Count(p => p == Green));
    }

    [Fact]
    public void B_ELB_1_zero_weights_leave_no_target_group()
    {
        var forward = new ForwardConfig([new WeightedTargetGroup(Blue, 0), new WeightedTargetGroup(Green, 0)], false, null);
        Assert.Empty(RequestRouting.Shares(forward));
        Assert.Null(RequestRouting.Pick(forward, 7));
        var oneSided = forward with { TargetGroups = [new WeightedTargetGroup(Blue, 0), new WeightedTargetGroup(Green, 5)] };
        Assert.Equal<(string, double)>([(Green, 1.0)], RequestRouting.Shares(oneSided));
        Assert.All(Enumerable.Range(0, 10), i => Assert.Equal(Green, RequestRouting.Pick(oneSided, i)));
    }

    [Fact]
    public void B_ELB_1_redirect_location_fills_the_request_parts_and_drops_default_ports()
    {
        var toHttps = new RedirectConfig("HTTPS", "443", "#{host}", "/#{path}", "#{query}", "HTTP_301");
        Assert.Equal("https://shop.example.com/cart/1?x=2", RequestRouting.RedirectLocation(toHttps, "HTTP", "shop.example.com", 80, "/cart/1", "x=2"));
        var moved = new RedirectConfig("#{protocol}", "#{port}", "new.example.com", "/v2/#{path}", "", "HTTP_302");
        Assert.Equal("http://new.example.com:8080/v2/a", RequestRouting.RedirectLocation(moved, "HTTP", "old", 8080, "/a", "q=1"));
    }
}
