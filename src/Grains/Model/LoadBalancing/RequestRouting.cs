using System.Collections.Immutable;
using System.Net;
using Emulator.Contracts;

namespace Emulator.Model.LoadBalancing;

/// <summary>
/// An HTTP request as listener rules see it (B-ELB-1): method, host (without its port), path (without the query
/// string), headers (names case-insensitive), query parameters in order, and the client's address.
/// </summary>
public sealed record HttpRequestShape(
    string Method,
    string Host,
    string Path,
    IReadOnlyDictionary<string, string> Headers,
    IReadOnlyList<KeyValuePair<string, string>> Query,
    string? SourceIp)
{
    /// <summary>A synthetic request's shape; a request without a host carries the load balancer's DNS name.</summary>
    public static HttpRequestShape From(SyntheticRequest r, string dnsName) => new(
        r.Method,
        StripPort(r.Host ?? dnsName),
        r.Path,
        r.Headers.WithComparers(StringComparer.OrdinalIgnoreCase),
        r.Query.IsDefault ? [] : r.Query.Select(q => new KeyValuePair<string, string>(q.Key ?? "", q.Value)).ToList(),
        r.SourceIp);

    public static string StripPort(string host)
    {
        if (host.StartsWith('['))
        {
            var close = host.IndexOf(']', StringComparison.Ordinal);
            return close > 0 ? host[..(close + 1)] : host;
        }

        var colon = host.LastIndexOf(':');
        return colon > 0 && host.IndexOf(':', StringComparison.Ordinal) == colon ? host[..colon] : host;
    }
}

/// <summary>What a listener does with a request: the rule that matched and its terminal action.</summary>
public sealed record RoutingDecision(ListenerRuleRecord Rule, ListenerAction Action);

/// <summary>
/// Listener rule evaluation (B-ELB-1), the one routing function of the emulator: synthetic flows and the data plane's
/// real requests both go through it. Rules are evaluated in priority order (lowest first), the default rule last; a rule
/// matches when every condition holds, and a condition holds when any of its values matches. Matching follows ELB:
/// host names and header values case-insensitively, paths case-sensitively, <c>*</c> (any run of characters) and
/// <c>?</c> (exactly one) as wildcards, query-string keys and values case-insensitively, source-ip by CIDR.
/// Known gaps: no authenticate-* actions, no stickiness (a sticky forward action still splits by weight).
/// </summary>
public static class RequestRouting
{
    /// <summary>The first rule of <paramref name="rules"/> (a listener's rules, the default one last) that matches, with its action.</summary>
    public static RoutingDecision Match(IReadOnlyList<ListenerRuleRecord> rules, HttpRequestShape request)
    {
        foreach (var rule in rules.OrderBy(r => r.Priority ?? int.MaxValue))
        {
            if (rule.IsDefault || rule.Conditions.All(c => Matches(c, request)))
            {
                return new RoutingDecision(rule, TerminalAction(rule.Actions));
            }
        }

        throw new ArgumentException("A listener's rules include its default rule.", nameof(rules));
    }

    /// <summary>The action that answers the request: the last in order (ELB runs actions in order; only the last may be terminal).</summary>
    public static ListenerAction TerminalAction(ImmutableArray<ListenerAction> actions) =>
        actions.OrderBy(a => a.Order ?? int.MaxValue).Last();

    public static bool Matches(RuleCondition c, HttpRequestShape r) => c.Field switch
    {
        "host-header" => c.Values.Any(v => Wildcard(v, r.Host, ignoreCase: true)),
        "path-pattern" => c.Values.Any(v => Wildcard(v, r.Path, ignoreCase: false)),
        "http-header" => c.HttpHeaderName is { } name && r.Headers.TryGetValue(name, out var header)
                         && c.Values.Any(v => Wildcard(v, header, ignoreCase: true)),
        "http-request-method" => c.Values.Any(v => string.Equals(v, r.Method, StringComparison.Ordinal)),
        "query-string" => !c.QueryStrings.IsDefaultOrEmpty && c.QueryStrings.Any(q => r.Query.Any(p =>
            (q.Key is null || Wildcard(q.Key, p.Key, ignoreCase: true)) && Wildcard(q.Value, p.Value, ignoreCase: true))),
        "source-ip" => r.SourceIp is { } ip && c.Values.Any(v => InCidr(ip, v)),
        _ => false,
    };

    /// <summary>ELB's wildcard match over the whole value: <c>*</c> any run of characters (also none), <c>?</c> exactly one.</summary>
    public static bool Wildcard(string pattern, string value, bool ignoreCase)
    {
        var comparison = ignoreCase ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;
        int p = 0, v = 0, star = -1, mark = 0;
        while (v < value.Length)
        {
            if (p < pattern.Length && (pattern[p] == '?' || string.Compare(pattern, p, value, v, 1, comparison) == 0) && pattern[p] != '*')
            {
                p++;
                v++;
            }
            else if (p < pattern.Length && pattern[p] == '*')
            {
                star = p++;
                mark = v;
            }
            else if (star >= 0)
            {
                p = star + 1;
                v = ++mark;
            }
            else
            {
                return false;
            }
        }

        while (p < pattern.Length && pattern[p] == '*')
        {
            p++;
        }

        return p == pattern.Length;
    }

    /// <summary>Whether an IPv4 or IPv6 address is inside a CIDR block (a bare address is a /32 or /128).</summary>
    public static bool InCidr(string address, string cidr)
    {
        var slash = cidr.IndexOf('/', StringComparison.Ordinal);
        if (!IPAddress.TryParse(address, out var ip) || !IPAddress.TryParse(slash < 0 ? cidr : cidr[..slash], out var network)
            || ip.AddressFamily != network.AddressFamily)
        {
            return false;
        }

        var a = ip.GetAddressBytes();
        var n = network.GetAddressBytes();
        var bits = slash < 0 ? a.Length * 8 : int.TryParse(cidr[(slash + 1)..], out var b) ? b : -1;
        if (bits < 0 || bits > a.Length * 8)
        {
            return false;
        }

        for (var i = 0; i < a.Length && bits > 0; i++, bits -= 8)
        {
            var mask = bits >= 8 ? 0xFF : (byte)(0xFF << (8 - bits));
            if ((a[i] & mask) != (n[i] & mask))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>B-ELB-1: each target group's share of a forward action: its weight over the total (empty when every weight is 0).</summary>
    public static ImmutableArray<(string TargetGroupArn, double Fraction)> Shares(ForwardConfig forward)
    {
        var total = forward.TargetGroups.Sum(g => g.Weight);
        return total <= 0
            ? []
            : [.. forward.TargetGroups.Where(g => g.Weight > 0).Select(g => (g.TargetGroupArn, (double)g.Weight / total))];
    }

    /// <summary>
    /// The target group of the <paramref name="sequence"/>-th request of a forward action: a weighted round robin over the
    /// total weight, so every run of (total weight) requests splits exactly by weight. Null when every weight is 0.
    /// </summary>
    public static string? Pick(ForwardConfig forward, long sequence)
    {
        var total = forward.TargetGroups.Sum(g => g.Weight);
        if (total <= 0)
        {
            return null;
        }

        var slot = (int)(((sequence % total) + total) % total);
        foreach (var g in forward.TargetGroups)
        {
            if (slot < g.Weight)
            {
                return g.TargetGroupArn;
            }

            slot -= g.Weight;
        }

        return forward.TargetGroups[^1].TargetGroupArn;
    }

    /// <summary>
    /// A redirect's Location: <c>#{protocol}</c>, <c>#{host}</c>, <c>#{port}</c>, <c>#{path}</c> (without its leading
    /// slash) and <c>#{query}</c> replaced by the request's parts; the port is left out when it is the protocol's default.
    /// </summary>
    public static string RedirectLocation(RedirectConfig r, string protocol, string host, int port, string path, string query)
    {
        string Fill(string s) => s.Replace("#{protocol}", protocol.ToLowerInvariant(), StringComparison.Ordinal)
            .Replace("#{host}", host, StringComparison.Ordinal)
            .Replace("#{port}", port.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal)
            .Replace("#{path}", path.TrimStart('/'), StringComparison.Ordinal)
            .Replace("#{query}", query, StringComparison.Ordinal);
        var scheme = Fill(r.Protocol).ToLowerInvariant();
        var toPort = Fill(r.Port);
        var defaultPort = (scheme == "https" && toPort == "443") || (scheme == "http" && toPort == "80");
        var toPath = Fill(r.Path);
        var toQuery = Fill(r.Query);
        return $"{scheme}://{Fill(r.Host)}{(defaultPort ? "" : ":" + toPort)}{(toPath.StartsWith('/') ? toPath : "/" + toPath)}{(toQuery.Length > 0 ? "?" + toQuery : "")}";
    }
}
