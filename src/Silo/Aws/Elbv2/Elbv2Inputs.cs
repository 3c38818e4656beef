using System.Collections.Immutable;
using Emulator.Contracts;
using Emulator.Runtime;

namespace Emulator.Silo.Aws.Elbv2;

/// <summary>
/// Reading ELB v2 query input into the contracts (B-ELB-1): actions (<c>DefaultActions.member.N.*</c>,
/// <c>Actions.member.N.*</c>), rule conditions, subnets and tags.
/// </summary>
public static class Elbv2Inputs
{
    /// <summary>
    /// Where a load balancer is: a subnet of the account's EC2 network (<see cref="INetworkGrain"/>: the default VPC's or
    /// one a template or configuration created) gives its zone and VPC. Model choice, for configurations written before
    /// the network model: a subnet id the network does not know is accepted (the subnets <c>subnet-0emulator00000N</c> are
    /// the Nth configured zone's, any other stands for the zones in the order given), in the default VPC (or
    /// <see cref="DefaultVpcId"/> when the network has none).
    /// </summary>
    public const string DefaultVpcId = "vpc-0emulator000001";

    public const string DefaultSecurityGroup = "sg-0emulator000001";

    private const string DefaultSubnetPrefix = "subnet-0emulator00000";

    /// <summary>The VPC and subnets (with their zones) of CreateLoadBalancer (<c>Subnets</c> or <c>SubnetMappings</c>).</summary>
    public static async Task<(string VpcId, ImmutableArray<LoadBalancerSubnet> Subnets)> Placement(QueryInput input, AwsContext context)
    {
        var network = await context.Grains.GetGrain<INetworkGrain>(INetworkGrain.Key).Read();
        var guessed = Subnets(input, context.Runtime);
        var subnets = guessed.Select(s => network.Subnets.TryGetValue(s.SubnetId, out var known) ? s with { AvailabilityZone = known.AvailabilityZone } : s)
            .ToImmutableArray();
        var vpc = guessed.Select(s => network.Subnets.TryGetValue(s.SubnetId, out var known) ? known.VpcId : null).FirstOrDefault(v => v is not null)
                  ?? network.Vpcs.Values.FirstOrDefault(v => v.IsDefault)?.VpcId
                  ?? DefaultVpcId;
        return (vpc, subnets);
    }

    /// <summary>The subnets of CreateLoadBalancer (<c>Subnets</c> or <c>SubnetMappings</c>) with their zones, without the network.</summary>
    public static ImmutableArray<LoadBalancerSubnet> Subnets(QueryInput input, EmulatorRuntime runtime)
    {
        var ids = input.Strings("Subnets");
        if (ids.IsEmpty)
        {
            ids = [.. input.Members("SubnetMappings").Select(m => m.RequiredString("SubnetId"))];
        }

        var zones = runtime.Options.AvailabilityZones;
        var result = ImmutableArray.CreateBuilder<LoadBalancerSubnet>();
        var next = 0;
        foreach (var id in ids)
        {
            var zone = id.StartsWith(DefaultSubnetPrefix, StringComparison.Ordinal)
                       && int.TryParse(id.AsSpan(DefaultSubnetPrefix.Length), System.Globalization.CultureInfo.InvariantCulture, out var k) && k >= 1 && k <= zones.Count
                ? zones[k - 1]
                : zones[next++ % zones.Count];
            result.Add(new LoadBalancerSubnet(id, zone));
        }

        return result.ToImmutable();
    }

    /// <summary>Actions under <paramref name="member"/> (<c>DefaultActions</c> or <c>Actions</c>); null when none are given.</summary>
    public static ImmutableArray<ListenerAction>? Actions(QueryInput input, string member)
    {
        var list = input.Members(member);
        if (list.Count == 0)
        {
            return null;
        }

        return [.. list.Select(Action)];
    }

    private static ListenerAction Action(QueryInput a)
    {
        var type = a.RequiredString("Type");
        var arn = a.String("TargetGroupArn");
        ForwardConfig? forward = null;
        if (a.Structure("ForwardConfig") is { } config)
        {
            var groups = config.Members("TargetGroups").Select(g => new WeightedTargetGroup(g.RequiredString("TargetGroupArn"), g.Int("Weight") ?? 1)).ToImmutableArray();
            var sticky = config.Structure("TargetGroupStickinessConfig");
            forward = new ForwardConfig(groups, sticky?.Bool("Enabled") ?? false, sticky?.Int("DurationSeconds"));
            if (arn is not null && (groups.Length != 1 || groups[0].TargetGroupArn != arn))
            {
                throw QueryInput.Validation("You cannot specify both a target group ARN and a forward configuration with other target groups: give the one target group in ForwardConfig, or only TargetGroupArn");
            }
        }
        else if (arn is not null)
        {
            forward = new ForwardConfig([new WeightedTargetGroup(arn, 1)], false, null);
        }

        FixedResponseConfig? fixedResponse = a.Structure("FixedResponseConfig") is { } f
            ? new FixedResponseConfig(f.RequiredString("StatusCode"), f.String("ContentType"), f.String("MessageBody"))
            : null;
        RedirectConfig? redirect = a.Structure("RedirectConfig") is { } r
            ? new RedirectConfig(r.String("Protocol") ?? "#{protocol}", r.String("Port") ?? "#{port}", r.String("Host") ?? "#{host}",
                r.String("Path") ?? "/#{path}", r.String("Query") ?? "#{query}", r.RequiredString("StatusCode"))
            : null;
        return new ListenerAction(type, a.Int("Order"), type == ListenerAction.ForwardType ? forward : null,
            type == ListenerAction.FixedResponseType ? fixedResponse : null, type == ListenerAction.RedirectType ? redirect : null);
    }

    /// <summary>Rule conditions (<c>Conditions.member.N.*</c>); null when none are given.</summary>
    public static ImmutableArray<RuleCondition>? Conditions(QueryInput input)
    {
        var list = input.Members("Conditions");
        if (list.Count == 0)
        {
            return null;
        }

        return [.. list.Select(Condition)];
    }

    private static RuleCondition Condition(QueryInput c)
    {
        var field = c.RequiredString("Field");
        var legacy = c.Strings("Values");
        var config = field switch
        {
            "host-header" => c.Structure("HostHeaderConfig"),
            "path-pattern" => c.Structure("PathPatternConfig"),
            "http-header" => c.Structure("HttpHeaderConfig"),
            "http-request-method" => c.Structure("HttpRequestMethodConfig"),
            "query-string" => c.Structure("QueryStringConfig"),
            "source-ip" => c.Structure("SourceIpConfig"),
            _ => null,
        };
        if (!legacy.IsEmpty && config is not null)
        {
            throw QueryInput.Validation($"A '{field}' condition takes either Values or its own configuration, not both");
        }

        if (!legacy.IsEmpty && field is not ("host-header" or "path-pattern"))
        {
            throw QueryInput.Validation($"A '{field}' condition needs its configuration ({field} values cannot be given as Values)");
        }

        return field switch
        {
            "http-header" => new RuleCondition(field, config?.Strings("Values") ?? [], config?.String("HttpHeaderName")),
            "query-string" => new RuleCondition(field, [], null,
                [.. (config?.Members("Values") ?? []).Select(q => new QueryStringPair(q.String("Key"), q.String("Value") ?? ""))]),
            _ => new RuleCondition(field, legacy.IsEmpty ? config?.Strings("Values") ?? [] : legacy),
        };
    }

    /// <summary><c>Tags.member.N.Key/Value</c>, with ELB's checks (no aws: keys, no key twice, at most 50).</summary>
    public static ImmutableDictionary<string, string> Tags(QueryInput input)
    {
        var tags = ImmutableDictionary.CreateBuilder<string, string>(StringComparer.Ordinal);
        foreach (var t in input.Members("Tags"))
        {
            var key = t.RequiredString("Key");
            if (key.StartsWith("aws:", StringComparison.OrdinalIgnoreCase))
            {
                throw QueryInput.Validation("Tag keys starting with 'aws:' are reserved for internal use");
            }

            if (tags.ContainsKey(key))
            {
                throw new EcsException("DuplicateTagKeys", $"Tag key was specified more than once: {key}");
            }

            tags[key] = t.String("Value") ?? "";
        }

        return tags.Count > 50
            ? throw new EcsException("TooManyTags", "The quota for the number of tags that can be assigned to a load balancing resource has been reached")
            : tags.ToImmutable();
    }
}
