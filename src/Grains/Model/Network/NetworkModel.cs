using System.Collections.Immutable;
using System.Globalization;
using Emulator.Contracts;
using Emulator.Model.Time;

namespace Emulator.Model.Network;

/// <summary>EC2's error codes for the network resources (the query protocol's Errors/Error/Code).</summary>
public static class NetworkErrors
{
    public const string VpcNotFound = "InvalidVpcID.NotFound";
    public const string SubnetNotFound = "InvalidSubnetID.NotFound";
    public const string GroupNotFound = "InvalidGroup.NotFound";
    public const string GroupDuplicate = "InvalidGroup.Duplicate";
    public const string GroupReserved = "InvalidGroup.Reserved";
    public const string CannotDelete = "CannotDelete";
    public const string DependencyViolation = "DependencyViolation";
    public const string PermissionDuplicate = "InvalidPermission.Duplicate";
    public const string PermissionNotFound = "InvalidPermission.NotFound";
    public const string RuleNotFound = "InvalidSecurityGroupRuleId.NotFound";
    public const string RulesLimit = "RulesPerSecurityGroupLimitExceeded";
    public const string VpcRange = "InvalidVpc.Range";
    public const string SubnetRange = "InvalidSubnet.Range";
    public const string SubnetConflict = "InvalidSubnet.Conflict";
    public const string InvalidParameterValue = "InvalidParameterValue";
    public const string MissingParameter = "MissingParameter";
    public const string InvalidId = "InvalidID";
}

/// <summary>What a network change needs: the account, region and zones, the time and a seeded source of ids (B-ID-4).</summary>
public sealed record NetworkContext(string Account, string Region, ImmutableArray<ZoneInfo> Zones, DateTimeOffset Now, Random Random);

/// <summary>
/// The EC2 network as pure functions over <see cref="NetworkState"/>: VPC and subnet CIDRs (sizes /16../28, subnets
/// inside their VPC and not overlapping), subnet zones, security groups and their rules with AWS's defaults (a new
/// group allows all egress; a VPC's default group allows all traffic from itself) and AWS's conflicts (duplicate
/// rules, groups still referenced, VPCs with subnets or groups). The account starts with a default VPC
/// (<see cref="WithDefaultVpc"/>): 172.31.0.0/16 with one default /20 subnet per zone.
/// </summary>
public static class NetworkModel
{
    public const int MaxRulesPerDirection = 60;

    public static VpcRecord Vpc(NetworkState s, string? id) =>
        id is not null && s.Vpcs.TryGetValue(id, out var vpc) ? vpc : throw new EcsException(NetworkErrors.VpcNotFound, $"The vpc ID '{id}' does not exist");

    public static SubnetRecord Subnet(NetworkState s, string? id) =>
        id is not null && s.Subnets.TryGetValue(id, out var subnet) ? subnet : throw new EcsException(NetworkErrors.SubnetNotFound, $"The subnet ID '{id}' does not exist");

    public static SecurityGroupRecord Group(NetworkState s, string? id) =>
        id is not null && s.SecurityGroups.TryGetValue(id, out var g) ? g : throw new EcsException(NetworkErrors.GroupNotFound, $"The security group '{id}' does not exist");

    public static VpcRecord? DefaultVpc(NetworkState s) => s.Vpcs.Values.FirstOrDefault(v => v.IsDefault);

    /// <summary>The subnet's id shape as AWS writes it ("subnet-" + 8 or 17 hex): such an id must exist.</summary>
    public static bool LooksLikeSubnetId(string id) =>
        id.StartsWith("subnet-", StringComparison.Ordinal) && id.Length is 15 or 24 && id[7..].All(char.IsAsciiHexDigitLower);

    public static NetworkState Apply(NetworkState s, NetworkCommand command, NetworkContext ctx) => command switch
    {
        NetworkCreateVpc c => CreateVpc(s, c, ctx, isDefault: false).State,
        NetworkDeleteVpc c => DeleteVpc(s, c),
        NetworkModifyVpc c => ModifyVpc(s, c),
        NetworkCreateSubnet c => CreateSubnet(s, c, ctx, defaultForAz: false).State,
        NetworkDeleteSubnet c => s with { Subnets = s.Subnets.Remove(Subnet(s, c.SubnetId).SubnetId) },
        NetworkModifySubnet c => ModifySubnet(s, c),
        NetworkCreateSecurityGroup c => CreateGroup(s, c, ctx).State,
        NetworkDeleteSecurityGroup c => DeleteGroup(s, c),
        NetworkSecurityGroupRules c => c.Authorize ? Authorize(s, c, ctx) : Revoke(s, c),
        NetworkRuleDescriptions c => Describe(s, c),
        NetworkTags c => Tag(s, c),
        _ => throw new ArgumentException("unknown network command " + command.GetType().Name, nameof(command)),
    };

    /// <summary>The id a create command made (the newest VPC / subnet / group after it).</summary>
    public static (NetworkState State, string Id) Create(NetworkState s, NetworkCommand command, NetworkContext ctx) => command switch
    {
        NetworkCreateVpc c => CreateVpc(s, c, ctx, isDefault: false),
        NetworkCreateSubnet c => CreateSubnet(s, c, ctx, defaultForAz: false),
        NetworkCreateSecurityGroup c => CreateGroup(s, c, ctx),
        _ => throw new ArgumentException("not a create command: " + command.GetType().Name, nameof(command)),
    };

    /// <summary>The account's default VPC, its default subnets (one /20 per zone) and default group, if not there yet.</summary>
    public static NetworkState WithDefaultVpc(NetworkState s, NetworkContext ctx)
    {
        if (DefaultVpc(s) is not null)
        {
            return s;
        }

        var (state, vpcId) = CreateVpc(s, new NetworkCreateVpc("172.31.0.0/16", null, ImmutableDictionary<string, string>.Empty), ctx, isDefault: true);
        for (var i = 0; i < ctx.Zones.Length && i < 16; i++)
        {
            var cidr = new Cidr((172u << 24) | (31u << 16) | ((uint)(16 * i) << 8), 20).ToString();
            (state, _) = CreateSubnet(state, new NetworkCreateSubnet(vpcId, cidr, ctx.Zones[i].Name, null, ImmutableDictionary<string, string>.Empty), ctx, defaultForAz: true);
        }

        return state;
    }

    /// <summary>The zones of the given subnets (unknown ids left out), in subnet order without repeats.</summary>
    public static ImmutableArray<string> ZonesOf(NetworkState s, IEnumerable<string> subnetIds) =>
        subnetIds.Select(id => s.Subnets.GetValueOrDefault(id)?.AvailabilityZone).OfType<string>().Distinct(StringComparer.Ordinal).ToImmutableArray();

    // ------------------------------------------------------------------ VPCs

    private static (NetworkState State, string Id) CreateVpc(NetworkState s, NetworkCreateVpc c, NetworkContext ctx, bool isDefault)
    {
        var cidr = ParseCidr(c.CidrBlock, "cidrBlock");
        if (cidr.Prefix is < 16 or > 28)
        {
            throw new EcsException(NetworkErrors.VpcRange, $"The CIDR '{c.CidrBlock}' is invalid.");
        }

        var tenancy = c.InstanceTenancy ?? "default";
        if (tenancy is not ("default" or "dedicated"))
        {
            throw new EcsException(NetworkErrors.InvalidParameterValue, $"Value ({tenancy}) for parameter instanceTenancy is invalid.");
        }

        ValidateTags(c.Tags);
        var r = ctx.Random;
        var vpcId = NewId(s, ctx, "vpc-");
        var groupId = NewId(s, ctx, "sg-");
        var vpc = new VpcRecord(vpcId, cidr.ToString(), "vpc-cidr-assoc-" + RandomIds.HexString(r, 17), isDefault, tenancy, true, isDefault, false,
            DhcpOptionsId(ctx.Account), "rtb-" + RandomIds.HexString(r, 17), "rtbassoc-" + RandomIds.HexString(r, 17), "acl-" + RandomIds.HexString(r, 17),
            groupId, c.Tags, ctx.Now);
        var defaultGroup = new SecurityGroupRecord(groupId, "default", "default VPC security group", vpcId,
        [
            new SecurityGroupRuleRecord(NewId(s, ctx, "sgr-"), false, "-1", null, null, null, null, null, groupId, null, ImmutableDictionary<string, string>.Empty),
            new SecurityGroupRuleRecord(NewId(s, ctx, "sgr-"), true, "-1", null, null, "0.0.0.0/0", null, null, null, null, ImmutableDictionary<string, string>.Empty),
        ], ImmutableDictionary<string, string>.Empty, true);
        return (s with { Vpcs = s.Vpcs.Add(vpcId, vpc), SecurityGroups = s.SecurityGroups.Add(groupId, defaultGroup) }, vpcId);
    }

    private static NetworkState DeleteVpc(NetworkState s, NetworkDeleteVpc c)
    {
        var vpc = Vpc(s, c.VpcId);
        if (s.Subnets.Values.Any(n => n.VpcId == vpc.VpcId) || s.SecurityGroups.Values.Any(g => g.VpcId == vpc.VpcId && !g.IsDefault))
        {
            throw new EcsException(NetworkErrors.DependencyViolation, $"The vpc '{vpc.VpcId}' has dependencies and cannot be deleted.");
        }

        return s with { Vpcs = s.Vpcs.Remove(vpc.VpcId), SecurityGroups = s.SecurityGroups.Remove(vpc.DefaultSecurityGroupId) };
    }

    private static NetworkState ModifyVpc(NetworkState s, NetworkModifyVpc c)
    {
        var vpc = Vpc(s, c.VpcId);
        var updated = c.Attribute switch
        {
            "enableDnsSupport" => vpc with { EnableDnsSupport = c.Value },
            "enableDnsHostnames" => vpc with { EnableDnsHostnames = c.Value },
            "enableNetworkAddressUsageMetrics" => vpc with { EnableNetworkAddressUsageMetrics = c.Value },
            _ => throw new EcsException(NetworkErrors.InvalidParameterValue, $"Value ({c.Attribute}) for parameter attribute is invalid."),
        };
        if (updated.EnableDnsHostnames && !updated.EnableDnsSupport)
        {
            throw new EcsException(NetworkErrors.InvalidParameterValue, "enableDnsHostnames can only be enabled when enableDnsSupport is enabled.");
        }

        return s with { Vpcs = s.Vpcs.SetItem(vpc.VpcId, updated) };
    }

    // ------------------------------------------------------------------ subnets

    private static (NetworkState State, string Id) CreateSubnet(NetworkState s, NetworkCreateSubnet c, NetworkContext ctx, bool defaultForAz)
    {
        var vpc = Vpc(s, c.VpcId);
        var cidr = ParseCidr(c.CidrBlock, "cidrBlock");
        if (cidr.Prefix is < 16 or > 28 || !Cidr.Parse(vpc.CidrBlock)!.Value.Contains(cidr))
        {
            throw new EcsException(NetworkErrors.SubnetRange, $"The CIDR '{c.CidrBlock}' is invalid.");
        }

        if (s.Subnets.Values.Any(n => n.VpcId == vpc.VpcId && Cidr.Parse(n.CidrBlock)!.Value.Overlaps(cidr)))
        {
            throw new EcsException(NetworkErrors.SubnetConflict, $"The CIDR '{c.CidrBlock}' conflicts with another subnet");
        }

        var zone = c.AvailabilityZone is not null ? ctx.Zones.FirstOrDefault(z => z.Name == c.AvailabilityZone)
            : c.AvailabilityZoneId is not null ? ctx.Zones.FirstOrDefault(z => z.ZoneId == c.AvailabilityZoneId)
            : ctx.Zones.OrderBy(z => s.Subnets.Values.Count(n => n.VpcId == vpc.VpcId && n.AvailabilityZone == z.Name)).ThenBy(z => z.Name, StringComparer.Ordinal).First();
        if (zone is null)
        {
            var (member, value) = c.AvailabilityZone is not null ? ("availabilityZone", c.AvailabilityZone) : ("availabilityZoneId", c.AvailabilityZoneId!);
            throw new EcsException(NetworkErrors.InvalidParameterValue,
                $"Value ({value}) for parameter {member} is invalid. Subnets can currently only be created in the following availability zones: {string.Join(", ", ctx.Zones.Select(z => z.Name))}.");
        }

        ValidateTags(c.Tags);
        var id = NewId(s, ctx, "subnet-");
        var subnet = new SubnetRecord(id, vpc.VpcId, cidr.ToString(), zone.Name, zone.ZoneId, defaultForAz, defaultForAz, "ip-name", false, c.Tags, ctx.Now);
        return (s with { Subnets = s.Subnets.Add(id, subnet) }, id);
    }

    private static NetworkState ModifySubnet(NetworkState s, NetworkModifySubnet c)
    {
        var subnet = Subnet(s, c.SubnetId);
        bool Flag() => c.Value switch
        {
            "true" => true,
            "false" => false,
            _ => throw new EcsException(NetworkErrors.InvalidParameterValue, $"Value ({c.Value}) for parameter {c.Attribute} is invalid."),
        };
        var updated = c.Attribute switch
        {
            "mapPublicIpOnLaunch" => subnet with { MapPublicIpOnLaunch = Flag() },
            "enableResourceNameDnsARecordOnLaunch" => subnet with { EnableResourceNameDnsARecord = Flag() },
            "privateDnsHostnameTypeOnLaunch" when c.Value is "ip-name" or "resource-name" => subnet with { PrivateDnsHostnameType = c.Value },
            // IPv6, DNS64, customer-owned IPs and LNI: the emulator has none of these; turning them off is a no-op, on is refused.
            "assignIpv6AddressOnCreation" or "enableDns64" or "enableResourceNameDnsAAAARecordOnLaunch" or "mapCustomerOwnedIpOnLaunch" when !Flag() => subnet,
            _ => throw new EcsException(NetworkErrors.InvalidParameterValue, $"Value ({c.Value}) for parameter {c.Attribute} is invalid: the emulator models IPv4 subnets only."),
        };
        return s with { Subnets = s.Subnets.SetItem(subnet.SubnetId, updated) };
    }

    // ------------------------------------------------------------------ security groups

    private static (NetworkState State, string Id) CreateGroup(NetworkState s, NetworkCreateSecurityGroup c, NetworkContext ctx)
    {
        if (string.IsNullOrEmpty(c.GroupName))
        {
            throw new EcsException(NetworkErrors.MissingParameter, "The request must contain the parameter groupName");
        }

        if (string.IsNullOrEmpty(c.Description))
        {
            throw new EcsException(NetworkErrors.MissingParameter, "The request must contain the parameter groupDescription");
        }

        if (c.GroupName.Length > 255 || c.Description.Length > 255 || c.GroupName.StartsWith("sg-", StringComparison.OrdinalIgnoreCase))
        {
            throw new EcsException(NetworkErrors.InvalidParameterValue, $"Value ({c.GroupName}) for parameter GroupName is invalid. Group names may not be longer than 255 characters or start with sg-.");
        }

        var vpc = c.VpcId is not null ? Vpc(s, c.VpcId) : DefaultVpc(s) ?? throw new EcsException("VPCIdNotSpecified", "No default VPC for this user");
        if (c.GroupName == "default")
        {
            throw new EcsException(NetworkErrors.GroupReserved, "The security group 'default' is reserved");
        }

        if (s.SecurityGroups.Values.Any(g => g.VpcId == vpc.VpcId && g.GroupName == c.GroupName))
        {
            throw new EcsException(NetworkErrors.GroupDuplicate, $"The security group '{c.GroupName}' already exists for VPC '{vpc.VpcId}'");
        }

        ValidateTags(c.Tags);
        var id = NewId(s, ctx, "sg-");
        var group = new SecurityGroupRecord(id, c.GroupName, c.Description, vpc.VpcId,
            [new SecurityGroupRuleRecord(NewId(s, ctx, "sgr-"), true, "-1", null, null, "0.0.0.0/0", null, null, null, null, ImmutableDictionary<string, string>.Empty)],
            c.Tags, false);
        return (s with { SecurityGroups = s.SecurityGroups.Add(id, group) }, id);
    }

    private static NetworkState DeleteGroup(NetworkState s, NetworkDeleteSecurityGroup c)
    {
        var group = c.GroupId is not null ? Group(s, c.GroupId)
            : s.SecurityGroups.Values.FirstOrDefault(g => g.GroupName == c.GroupName && g.VpcId == DefaultVpc(s)?.VpcId)
              ?? throw new EcsException(NetworkErrors.GroupNotFound, $"The security group '{c.GroupName}' does not exist in default VPC '{DefaultVpc(s)?.VpcId ?? "none"}'");
        if (group.IsDefault)
        {
            throw new EcsException(NetworkErrors.CannotDelete, $"the specified group: \"{group.GroupId}\" name: \"default\" cannot be deleted by a user");
        }

        if (s.SecurityGroups.Values.Any(g => g.GroupId != group.GroupId && g.Rules.Any(r => r.ReferencedGroupId == group.GroupId)))
        {
            throw new EcsException(NetworkErrors.DependencyViolation, $"resource {group.GroupId} has a dependent object");
        }

        return s with { SecurityGroups = s.SecurityGroups.Remove(group.GroupId) };
    }

    /// <summary>A rule request in AWS's canonical form (protocol names, ports), validated.</summary>
    public static SecurityGroupRuleRequest Normalize(SecurityGroupRuleRequest r)
    {
        var protocol = (r.Protocol ?? "").ToLowerInvariant() switch
        {
            "-1" or "all" => "-1",
            "tcp" or "6" => "tcp",
            "udp" or "17" => "udp",
            "icmp" or "1" => "icmp",
            "icmpv6" or "58" => "icmpv6",
            var p when int.TryParse(p, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n is >= 0 and <= 255 => p,
            _ => throw new EcsException(NetworkErrors.InvalidParameterValue, $"Invalid value '{r.Protocol}' for IP protocol. Unknown protocol."),
        };
        var sources = (r.CidrIpv4 is null ? 0 : 1) + (r.CidrIpv6 is null ? 0 : 1) + (r.PrefixListId is null ? 0 : 1) + (r.ReferencedGroupId is null ? 0 : 1);
        if (sources != 1)
        {
            throw new EcsException(NetworkErrors.InvalidParameterValue, "A rule names exactly one of a CIDR, an IPv6 CIDR, a prefix list or a security group.");
        }

        if (r.CidrIpv4 is not null && Cidr.Parse(r.CidrIpv4) is null)
        {
            throw new EcsException(NetworkErrors.InvalidParameterValue, $"CIDR block {r.CidrIpv4} is malformed");
        }

        if (r.CidrIpv6 is not null && !Ipv6Cidr.IsValid(r.CidrIpv6))
        {
            throw new EcsException(NetworkErrors.InvalidParameterValue, $"CIDR block {r.CidrIpv6} is malformed");
        }

        if (protocol is "-1")
        {
            return r with { Protocol = protocol, FromPort = null, ToPort = null };
        }

        if (protocol is "tcp" or "udp")
        {
            if (r.FromPort is not { } from || r.ToPort is not { } to)
            {
                throw new EcsException(NetworkErrors.InvalidParameterValue, $"Invalid value 'Must specify both from and to ports with TCP/UDP.' for portRange.");
            }

            if (from is < 0 or > 65535 || to is < 0 or > 65535 || from > to)
            {
                throw new EcsException(NetworkErrors.InvalidParameterValue, $"Invalid TCP/UDP port range {from}-{to}: ports are 0 to 65535 and from is at most to.");
            }
        }

        if (protocol is "icmp" or "icmpv6" && (r.FromPort is < -1 or > 255 || r.ToPort is < -1 or > 255))
        {
            throw new EcsException(NetworkErrors.InvalidParameterValue, $"Invalid ICMP type/code {r.FromPort}/{r.ToPort}: -1 or 0 to 255.");
        }

        return r with { Protocol = protocol };
    }

    private static bool Same(SecurityGroupRuleRecord a, SecurityGroupRuleRequest b) =>
        a.Protocol == b.Protocol && a.FromPort == b.FromPort && a.ToPort == b.ToPort && a.CidrIpv4 == b.CidrIpv4 && a.CidrIpv6 == b.CidrIpv6
        && a.PrefixListId == b.PrefixListId && a.ReferencedGroupId == b.ReferencedGroupId;

    private static NetworkState Authorize(NetworkState s, NetworkSecurityGroupRules c, NetworkContext ctx)
    {
        var group = Group(s, c.GroupId);
        if (c.Rules.IsDefaultOrEmpty)
        {
            throw new EcsException(NetworkErrors.MissingParameter, "The request must contain the parameter ipPermissions");
        }

        ValidateTags(c.Tags);
        var rules = group.Rules;
        foreach (var raw in c.Rules)
        {
            var r = Normalize(raw);
            if (r.ReferencedGroupId is { } other)
            {
                _ = Group(s, other);
            }

            if (rules.Any(x => x.IsEgress == c.Egress && Same(x, r)))
            {
                throw new EcsException(NetworkErrors.PermissionDuplicate, $"the specified rule \"peer: {r.CidrIpv4 ?? r.CidrIpv6 ?? r.PrefixListId ?? r.ReferencedGroupId}, {Describe(r)}, ALLOW\" already exists");
            }

            rules = rules.Add(new SecurityGroupRuleRecord(NewId(s, ctx, "sgr-"), c.Egress, r.Protocol, r.FromPort, r.ToPort,
                r.CidrIpv4, r.CidrIpv6, r.PrefixListId, r.ReferencedGroupId, r.Description, c.Tags));
        }

        if (rules.Count(x => x.IsEgress == c.Egress) > MaxRulesPerDirection)
        {
            throw new EcsException(NetworkErrors.RulesLimit, "The maximum number of rules per security group has been reached.");
        }

        return s with { SecurityGroups = s.SecurityGroups.SetItem(group.GroupId, group with { Rules = rules }) };
    }

    private static NetworkState Revoke(NetworkState s, NetworkSecurityGroupRules c)
    {
        var group = Group(s, c.GroupId);
        var rules = group.Rules;
        foreach (var id in c.RuleIds.IsDefault ? [] : c.RuleIds)
        {
            var rule = rules.FirstOrDefault(x => x.RuleId == id && x.IsEgress == c.Egress)
                ?? throw new EcsException(NetworkErrors.RuleNotFound, $"The security group rule ID '{id}' does not exist");
            rules = rules.Remove(rule);
        }

        foreach (var raw in c.Rules.IsDefault ? [] : c.Rules)
        {
            var r = Normalize(raw);
            var rule = rules.FirstOrDefault(x => x.IsEgress == c.Egress && Same(x, r))
                ?? throw new EcsException(NetworkErrors.PermissionNotFound, "The specified rule does not exist in this security group.");
            rules = rules.Remove(rule);
        }

        return s with { SecurityGroups = s.SecurityGroups.SetItem(group.GroupId, group with { Rules = rules }) };
    }

    private static NetworkState Describe(NetworkState s, NetworkRuleDescriptions c)
    {
        var group = Group(s, c.GroupId);
        var rules = group.Rules;
        foreach (var (id, description) in c.Descriptions)
        {
            var rule = rules.FirstOrDefault(x => x.RuleId == id) ?? throw new EcsException(NetworkErrors.RuleNotFound, $"The security group rule ID '{id}' does not exist");
            rules = rules.Replace(rule, rule with { Description = description.Length == 0 ? null : description });
        }

        return s with { SecurityGroups = s.SecurityGroups.SetItem(group.GroupId, group with { Rules = rules }) };
    }

    private static string Describe(SecurityGroupRuleRequest r) => r.Protocol switch
    {
        "-1" => "ALL",
        "tcp" or "udp" => $"{r.Protocol.ToUpperInvariant()}, from port: {r.FromPort}, to port: {r.ToPort}",
        _ => $"{r.Protocol.ToUpperInvariant()}, type: {r.FromPort}, code: {r.ToPort}",
    };

    // ------------------------------------------------------------------ tags

    private static NetworkState Tag(NetworkState s, NetworkTags c)
    {
        ValidateTags(c.Tags);
        ImmutableDictionary<string, string> Apply(ImmutableDictionary<string, string> current)
        {
            var next = current.SetItems(c.Tags);
            foreach (var (k, v) in c.Remove)
            {
                if (next.TryGetValue(k, out var have) && (v is null || v == have))
                {
                    next = next.Remove(k);
                }
            }

            return next.Count > 50 ? throw new EcsException("TagLimitExceeded", "The maximum number of tags (50) per resource has been reached.") : next;
        }

        foreach (var id in c.ResourceIds)
        {
            if (s.Vpcs.TryGetValue(id, out var vpc))
            {
                s = s with { Vpcs = s.Vpcs.SetItem(id, vpc with { Tags = Apply(vpc.Tags) }) };
            }
            else if (s.Subnets.TryGetValue(id, out var subnet))
            {
                s = s with { Subnets = s.Subnets.SetItem(id, subnet with { Tags = Apply(subnet.Tags) }) };
            }
            else if (s.SecurityGroups.TryGetValue(id, out var group))
            {
                s = s with { SecurityGroups = s.SecurityGroups.SetItem(id, group with { Tags = Apply(group.Tags) }) };
            }
            else if (s.SecurityGroups.Values.FirstOrDefault(g => g.Rules.Any(r => r.RuleId == id)) is { } owner)
            {
                var rule = owner.Rules.First(r => r.RuleId == id);
                s = s with { SecurityGroups = s.SecurityGroups.SetItem(owner.GroupId, owner with { Rules = owner.Rules.Replace(rule, rule with { Tags = Apply(rule.Tags) }) }) };
            }
            else
            {
                throw NotFoundById(id);
            }
        }

        return s;
    }

    /// <summary>The NotFound error for an id of any network resource kind (by its prefix).</summary>
    public static EcsException NotFoundById(string id) => id switch
    {
        _ when id.StartsWith("vpc-", StringComparison.Ordinal) => new EcsException(NetworkErrors.VpcNotFound, $"The vpc ID '{id}' does not exist"),
        _ when id.StartsWith("subnet-", StringComparison.Ordinal) => new EcsException(NetworkErrors.SubnetNotFound, $"The subnet ID '{id}' does not exist"),
        _ when id.StartsWith("sg-", StringComparison.Ordinal) => new EcsException(NetworkErrors.GroupNotFound, $"The security group '{id}' does not exist"),
        _ when id.StartsWith("sgr-", StringComparison.Ordinal) => new EcsException(NetworkErrors.RuleNotFound, $"The security group rule ID '{id}' does not exist"),
        _ => new EcsException(NetworkErrors.InvalidId, $"The ID '{id}' is not valid"),
    };

    private static void ValidateTags(ImmutableDictionary<string, string> tags)
    {
        foreach (var (k, v) in tags)
        {
            if (k.Length is < 1 or > 127 || v.Length > 255)
            {
                throw new EcsException(NetworkErrors.InvalidParameterValue, $"Tag key '{k}' must be 1 to 127 characters and its value at most 255.");
            }

            if (k.StartsWith("aws:", StringComparison.OrdinalIgnoreCase))
            {
                throw new EcsException(NetworkErrors.InvalidParameterValue, "Tag keys starting with 'aws:' are reserved for internal use");
            }
        }
    }

    /// <summary>The ids of the group's rules in <paramref name="after"/> that <paramref name="before"/> did not have, in rule order.</summary>
    public static ImmutableArray<string> NewRuleIds(NetworkState before, NetworkState after, string groupId)
    {
        ArgumentNullException.ThrowIfNull(before);
        ArgumentNullException.ThrowIfNull(after);
        var old = before.SecurityGroups.TryGetValue(groupId, out var g) ? g.Rules.Select(r => r.RuleId).ToHashSet(StringComparer.Ordinal) : [];
        return after.SecurityGroups.TryGetValue(groupId, out var now) ? [.. now.Rules.Select(r => r.RuleId).Where(id => !old.Contains(id))] : [];
    }

    /// <summary>A fresh id of the seeded stream (B-ID-4) that no resource of the state has.</summary>
    private static string NewId(NetworkState s, NetworkContext ctx, string prefix)
    {
        while (true)
        {
            var id = prefix + RandomIds.HexString(ctx.Random, 17);
            if (!s.Vpcs.ContainsKey(id) && !s.Subnets.ContainsKey(id) && !s.SecurityGroups.ContainsKey(id)
                && !s.SecurityGroups.Values.Any(g => g.Rules.Any(r => r.RuleId == id)))
            {
                return id;
            }
        }
    }

    private static Cidr ParseCidr(string? text, string member) =>
        Cidr.Parse(text) ?? throw new EcsException(NetworkErrors.InvalidParameterValue, $"Value ({text}) for parameter {member} is invalid. This is not a valid CIDR block.");

    private static string DhcpOptionsId(string account) =>
        "dopt-" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes("dhcp|" + account)))[..17];
}
