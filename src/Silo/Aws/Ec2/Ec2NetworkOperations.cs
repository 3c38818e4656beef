using System.Collections.Immutable;
using System.Xml.Linq;
using Emulator.Contracts;
using Emulator.Model.Network;
using static Emulator.Silo.Aws.Ec2.Ec2Input;
using static Emulator.Silo.Aws.QueryXml;

namespace Emulator.Silo.Aws.Ec2;

/// <summary>
/// The EC2 network over the query protocol (Version 2016-11-15): availability zones, account attributes, VPCs,
/// subnets, security groups and their rules, the main route table and default network ACL every VPC has, and tags.
/// What real ECS configurations create around a cluster; stored with AWS's ids and errors (<see cref="NetworkModel"/>).
/// Known gaps: internet and NAT gateways, route tables and ACLs of one's own, IPv6 addressing, network interfaces.
/// </summary>
public static class Ec2NetworkOperations
{
    // ------------------------------------------------------------------ zones and account

    [AwsOperation(AwsServices.Ec2, "DescribeAvailabilityZones")]
    public static Task<XElement> DescribeAvailabilityZones(QueryInput input, AwsContext context)
    {
        var names = input.Numbered("ZoneName");
        var ids = input.Numbered("ZoneId");
        _ = input.Bool("AllAvailabilityZones");
        var zones = Zones.Of(context.Region, context.Runtime.Options.AvailabilityZones);
        foreach (var n in names.Where(n => zones.All(z => z.Name != n)))
        {
            throw new EcsException(NetworkErrors.InvalidParameterValue, $"The zone '{n}' does not exist.");
        }

        foreach (var id in ids.Where(id => zones.All(z => z.ZoneId != id)))
        {
            throw new EcsException(NetworkErrors.InvalidParameterValue, $"The zone ID '{id}' does not exist.");
        }

        var filters = Filters(input);
        var selected = zones
            .Where(z => (names.IsEmpty || names.Contains(z.Name)) && (ids.IsEmpty || ids.Contains(z.ZoneId)))
            .Where(z => filters.All(f => f.Name switch
            {
                "zone-name" => f.Matches(z.Name),
                "zone-id" => f.Matches(z.ZoneId),
                "region-name" => f.Matches(z.Region),
                "state" => f.Matches("available"),
                "opt-in-status" => f.Matches("opt-in-not-required"),
                "zone-type" => f.Matches("availability-zone"),
                "group-name" or "network-border-group" => f.Matches(z.Region),
                _ => throw UnknownFilter(f),
            }));
        return Task.FromResult(E("DescribeAvailabilityZonesResult", Items("availabilityZoneInfo", selected.Select(z => E("item",
            V("optInStatus", "opt-in-not-required"),
            V("zoneName", z.Name),
            V("zoneId", z.ZoneId),
            V("groupName", z.Region),
            V("networkBorderGroup", z.Region),
            V("zoneType", "availability-zone"),
            V("zoneState", "available"),
            Items("messageSet", []),
            V("regionName", z.Region))))));
    }

    [AwsOperation(AwsServices.Ec2, "DescribeAccountAttributes")]
    public static async Task<XElement> DescribeAccountAttributes(QueryInput input, AwsContext context)
    {
        var state = await Network(context).Read();
        var all = new (string Name, string[] Values)[]
        {
            ("supported-platforms", ["VPC"]),
            ("default-vpc", [NetworkModel.DefaultVpc(state)?.VpcId ?? "none"]),
            ("max-instances", ["20"]),
            ("vpc-max-security-groups-per-interface", ["5"]),
            ("max-elastic-ips", ["5"]),
            ("vpc-max-elastic-ips", ["5"]),
        };
        var wanted = input.Numbered("AttributeName");
        foreach (var w in wanted.Where(w => all.All(a => a.Name != w)))
        {
            throw new EcsException(NetworkErrors.InvalidParameterValue, $"Value ({w}) for parameter attributeName is invalid.");
        }

        return E("DescribeAccountAttributesResult", Items("accountAttributeSet", all.Where(a => wanted.IsEmpty || wanted.Contains(a.Name)).Select(a => E("item",
            V("attributeName", a.Name),
            Items("attributeValueSet", a.Values.Select(v => E("item", V("attributeValue", v))))))));
    }

    // ------------------------------------------------------------------ VPCs

    [AwsOperation(AwsServices.Ec2, "CreateVpc")]
    public static async Task<XElement> CreateVpc(QueryInput input, AwsContext context)
    {
        if (input.String("Ipv4IpamPoolId") is not null || input.Bool("AmazonProvidedIpv6CidrBlock") == true)
        {
            throw new EcsException("UnsupportedOperation", "The emulator creates VPCs from an IPv4 CidrBlock only (no IPAM pools, no IPv6).");
        }

        var change = await Network(context).Apply(new NetworkCreateVpc(input.String("CidrBlock") ?? throw Missing("CidrBlock"), input.String("InstanceTenancy"), TagSpecifications(input, "vpc")));
        return E("CreateVpcResult", Vpc(change.State.Vpcs[change.CreatedId!], context, "vpc"));
    }

    [AwsOperation(AwsServices.Ec2, "DescribeVpcs")]
    public static async Task<XElement> DescribeVpcs(QueryInput input, AwsContext context)
    {
        var state = await Network(context).Read();
        var ids = input.Numbered("VpcId");
        foreach (var id in ids.Where(id => !state.Vpcs.ContainsKey(id)))
        {
            throw NetworkModel.NotFoundById(id);
        }

        var filters = Filters(input);
        var selected = state.Vpcs.Values.Where(v => ids.IsEmpty || ids.Contains(v.VpcId)).Where(v => filters.All(f => f.MatchesTags(v.Tags) ?? f.Name switch
        {
            "vpc-id" => f.Matches(v.VpcId),
            "is-default" or "isDefault" => f.Matches(v.IsDefault),
            "cidr" or "cidr-block" or "cidrBlock" or "cidr-block-association.cidr-block" => f.Matches(v.CidrBlock),
            "cidr-block-association.association-id" => f.Matches(v.CidrAssociationId),
            "cidr-block-association.state" or "state" => f.Matches(f.Name == "state" ? "available" : "associated"),
            "dhcp-options-id" => f.Matches(v.DhcpOptionsId),
            "owner-id" => f.Matches(context.Account),
            _ => throw UnknownFilter(f),
        })).ToList();
        var (page, next) = Page(selected, input, PageSizes.Ec2DescribeVpcs, v => v.VpcId);
        return E("DescribeVpcsResult", Items("vpcSet", page.Select(v => Vpc(v, context, "item"))), V("nextToken", next));
    }

    [AwsOperation(AwsServices.Ec2, "DeleteVpc")]
    public static async Task<XElement> DeleteVpc(QueryInput input, AwsContext context)
    {
        await Network(context).Apply(new NetworkDeleteVpc(input.String("VpcId") ?? throw Missing("VpcId")));
        return QueryXml.NoOutput(); // the model declares no output (AWS sends <return>true</return>, which SDKs ignore)
    }

    [AwsOperation(AwsServices.Ec2, "ModifyVpcAttribute")]
    public static async Task<XElement> ModifyVpcAttribute(QueryInput input, AwsContext context)
    {
        var vpcId = input.String("VpcId") ?? throw Missing("VpcId");
        var set = new[] { "EnableDnsSupport", "EnableDnsHostnames", "EnableNetworkAddressUsageMetrics" }
            .Where(a => input.String(a + ".Value") is not null).ToList();
        if (set.Count != 1)
        {
            throw new EcsException("InvalidParameterCombination", "Only one attribute can be modified at a time.");
        }

        await Network(context).Apply(new NetworkModifyVpc(vpcId, char.ToLowerInvariant(set[0][0]) + set[0][1..], input.Bool(set[0] + ".Value")!.Value));
        return QueryXml.NoOutput(); // the model declares no output (AWS sends <return>true</return>, which SDKs ignore)
    }

    [AwsOperation(AwsServices.Ec2, "DescribeVpcAttribute")]
    public static async Task<XElement> DescribeVpcAttribute(QueryInput input, AwsContext context)
    {
        var vpc = NetworkModel.Vpc(await Network(context).Read(), input.String("VpcId") ?? throw Missing("VpcId"));
        var attribute = input.String("Attribute") ?? throw Missing("Attribute");
        var value = attribute switch
        {
            "enableDnsSupport" => vpc.EnableDnsSupport,
            "enableDnsHostnames" => vpc.EnableDnsHostnames,
            "enableNetworkAddressUsageMetrics" => vpc.EnableNetworkAddressUsageMetrics,
            _ => throw new EcsException(NetworkErrors.InvalidParameterValue, $"Value ({attribute}) for parameter attribute is invalid. Unknown attribute."),
        };
        return E("DescribeVpcAttributeResult", V("vpcId", vpc.VpcId), E(attribute, V("value", value)));
    }

    // ------------------------------------------------------------------ subnets

    [AwsOperation(AwsServices.Ec2, "CreateSubnet")]
    public static async Task<XElement> CreateSubnet(QueryInput input, AwsContext context)
    {
        if (input.String("Ipv6CidrBlock") is not null || input.Bool("Ipv6Native") == true || input.String("OutpostArn") is not null)
        {
            throw new EcsException("UnsupportedOperation", "The emulator creates IPv4 subnets in availability zones only (no IPv6, no Outposts).");
        }

        var change = await Network(context).Apply(new NetworkCreateSubnet(input.String("VpcId") ?? throw Missing("VpcId"), input.String("CidrBlock") ?? throw Missing("CidrBlock"),
            input.String("AvailabilityZone"), input.String("AvailabilityZoneId"), TagSpecifications(input, "subnet")));
        return E("CreateSubnetResult", Subnet(change.State.Subnets[change.CreatedId!], context, "subnet"));
    }

    [AwsOperation(AwsServices.Ec2, "DescribeSubnets")]
    public static async Task<XElement> DescribeSubnets(QueryInput input, AwsContext context)
    {
        var state = await Network(context).Read();
        var ids = input.Numbered("SubnetId");
        foreach (var id in ids.Where(id => !state.Subnets.ContainsKey(id)))
        {
            throw NetworkModel.NotFoundById(id);
        }

        var filters = Filters(input);
        var selected = state.Subnets.Values.Where(n => ids.IsEmpty || ids.Contains(n.SubnetId)).Where(n => filters.All(f => f.MatchesTags(n.Tags) ?? f.Name switch
        {
            "subnet-id" => f.Matches(n.SubnetId),
            "vpc-id" => f.Matches(n.VpcId),
            "availability-zone" or "availabilityZone" => f.Matches(n.AvailabilityZone),
            "availability-zone-id" or "availabilityZoneId" => f.Matches(n.AvailabilityZoneId),
            "cidr" or "cidr-block" or "cidrBlock" => f.Matches(n.CidrBlock),
            "default-for-az" or "defaultForAz" => f.Matches(n.DefaultForAz),
            "map-public-ip-on-launch" => f.Matches(n.MapPublicIpOnLaunch),
            "state" => f.Matches("available"),
            "owner-id" => f.Matches(context.Account),
            "subnet-arn" => f.Matches(SubnetArn(n, context)),
            _ => throw UnknownFilter(f),
        })).ToList();
        var (page, next) = Page(selected, input, PageSizes.Ec2DescribeSubnets, n => n.SubnetId);
        return E("DescribeSubnetsResult", Items("subnetSet", page.Select(n => Subnet(n, context, "item"))), V("nextToken", next));
    }

    [AwsOperation(AwsServices.Ec2, "DeleteSubnet")]
    public static async Task<XElement> DeleteSubnet(QueryInput input, AwsContext context)
    {
        await Network(context).Apply(new NetworkDeleteSubnet(input.String("SubnetId") ?? throw Missing("SubnetId")));
        return QueryXml.NoOutput(); // the model declares no output (AWS sends <return>true</return>, which SDKs ignore)
    }

    [AwsOperation(AwsServices.Ec2, "ModifySubnetAttribute")]
    public static async Task<XElement> ModifySubnetAttribute(QueryInput input, AwsContext context)
    {
        var subnetId = input.String("SubnetId") ?? throw Missing("SubnetId");
        var bools = new[] { "MapPublicIpOnLaunch", "AssignIpv6AddressOnCreation", "EnableDns64", "EnableResourceNameDnsARecordOnLaunch", "EnableResourceNameDnsAAAARecordOnLaunch", "MapCustomerOwnedIpOnLaunch" };
        var changes = bools.Where(b => input.String(b + ".Value") is not null).Select(b => (Attribute: b, Value: input.String(b + ".Value")!)).ToList();
        if (input.String("PrivateDnsHostnameTypeOnLaunch") is { } hostname)
        {
            changes.Add(("PrivateDnsHostnameTypeOnLaunch", hostname));
        }

        if (changes.Count == 0)
        {
            throw new EcsException(NetworkErrors.MissingParameter, "The request must contain an attribute to modify.");
        }

        foreach (var (attribute, value) in changes)
        {
            await Network(context).Apply(new NetworkModifySubnet(subnetId, char.ToLowerInvariant(attribute[0]) + attribute[1..], value));
        }

        return QueryXml.NoOutput();
    }

    // ------------------------------------------------------------------ security groups

    [AwsOperation(AwsServices.Ec2, "CreateSecurityGroup")]
    public static async Task<XElement> CreateSecurityGroup(QueryInput input, AwsContext context)
    {
        var change = await Network(context).Apply(new NetworkCreateSecurityGroup(input.String("GroupName") ?? "", input.String("GroupDescription") ?? "",
            input.String("VpcId"), TagSpecifications(input, "security-group")));
        var group = change.State.SecurityGroups[change.CreatedId!];
        return E("CreateSecurityGroupResult", V("groupId", group.GroupId), TagSet(group.Tags));
    }

    [AwsOperation(AwsServices.Ec2, "DescribeSecurityGroups")]
    public static async Task<XElement> DescribeSecurityGroups(QueryInput input, AwsContext context)
    {
        var state = await Network(context).Read();
        var ids = input.Numbered("GroupId");
        var names = input.Numbered("GroupName");
        foreach (var id in ids.Where(id => !state.SecurityGroups.ContainsKey(id)))
        {
            throw NetworkModel.NotFoundById(id);
        }

        var defaultVpc = NetworkModel.DefaultVpc(state)?.VpcId;
        foreach (var n in names.Where(n => !state.SecurityGroups.Values.Any(g => g.GroupName == n && g.VpcId == defaultVpc)))
        {
            throw new EcsException(NetworkErrors.GroupNotFound, $"The security group '{n}' does not exist in default VPC '{defaultVpc ?? "none"}'");
        }

        var filters = Filters(input);
        var selected = state.SecurityGroups.Values
            .Where(g => (ids.IsEmpty || ids.Contains(g.GroupId)) && (names.IsEmpty || (names.Contains(g.GroupName) && g.VpcId == defaultVpc)))
            .Where(g => filters.All(f => f.MatchesTags(g.Tags) ?? f.Name switch
            {
                "group-id" => f.Matches(g.GroupId),
                "group-name" => f.Matches(g.GroupName),
                "vpc-id" => f.Matches(g.VpcId),
                "description" => f.Matches(g.Description),
                "owner-id" => f.Matches(context.Account),
                _ => throw UnknownFilter(f),
            })).ToList();
        if (!ids.IsEmpty && input.String(PageSizes.Ec2DescribeSecurityGroups.SizeMember) is not null)
        {
            throw new EcsException("InvalidParameterCombination", "The parameter groupIdSet cannot be used with the parameter maxResults");
        }

        var (page, next) = Page(selected, input, PageSizes.Ec2DescribeSecurityGroups, g => g.GroupId);
        return E("DescribeSecurityGroupsResult", V("nextToken", next), Items("securityGroupInfo", page.Select(g => E("item",
            V("ownerId", context.Account),
            V("groupId", g.GroupId),
            V("groupName", g.GroupName),
            V("groupDescription", g.Description),
            Permissions("ipPermissions", g.Rules.Where(r => !r.IsEgress), context),
            Permissions("ipPermissionsEgress", g.Rules.Where(r => r.IsEgress), context),
            V("vpcId", g.VpcId),
            TagSet(g.Tags)))));
    }

    [AwsOperation(AwsServices.Ec2, "DeleteSecurityGroup")]
    public static async Task<XElement> DeleteSecurityGroup(QueryInput input, AwsContext context)
    {
        var id = input.String("GroupId");
        var name = input.String("GroupName");
        if (id is null && name is null)
        {
            throw Missing("GroupId");
        }

        await Network(context).Apply(new NetworkDeleteSecurityGroup(id, name));
        return QueryXml.NoOutput(); // the model declares no output
    }

    [AwsOperation(AwsServices.Ec2, "AuthorizeSecurityGroupIngress")]
    public static Task<XElement> AuthorizeSecurityGroupIngress(QueryInput input, AwsContext context) => Authorize(input, context, egress: false, "AuthorizeSecurityGroupIngressResult");

    [AwsOperation(AwsServices.Ec2, "AuthorizeSecurityGroupEgress")]
    public static Task<XElement> AuthorizeSecurityGroupEgress(QueryInput input, AwsContext context) => Authorize(input, context, egress: true, "AuthorizeSecurityGroupEgressResult");

    [AwsOperation(AwsServices.Ec2, "RevokeSecurityGroupIngress")]
    public static Task<XElement> RevokeSecurityGroupIngress(QueryInput input, AwsContext context) => Revoke(input, context, egress: false, "RevokeSecurityGroupIngressResult");

    [AwsOperation(AwsServices.Ec2, "RevokeSecurityGroupEgress")]
    public static Task<XElement> RevokeSecurityGroupEgress(QueryInput input, AwsContext context) => Revoke(input, context, egress: true, "RevokeSecurityGroupEgressResult");

    [AwsOperation(AwsServices.Ec2, "UpdateSecurityGroupRuleDescriptionsIngress")]
    public static Task<XElement> UpdateSecurityGroupRuleDescriptionsIngress(QueryInput input, AwsContext context) =>
        UpdateDescriptions(input, context, egress: false, "UpdateSecurityGroupRuleDescriptionsIngressResult");

    [AwsOperation(AwsServices.Ec2, "UpdateSecurityGroupRuleDescriptionsEgress")]
    public static Task<XElement> UpdateSecurityGroupRuleDescriptionsEgress(QueryInput input, AwsContext context) =>
        UpdateDescriptions(input, context, egress: true, "UpdateSecurityGroupRuleDescriptionsEgressResult");

    [AwsOperation(AwsServices.Ec2, "DescribeSecurityGroupRules")]
    public static async Task<XElement> DescribeSecurityGroupRules(QueryInput input, AwsContext context)
    {
        var state = await Network(context).Read();
        var ids = input.Numbered("SecurityGroupRuleId");
        var rules = state.SecurityGroups.Values.SelectMany(g => g.Rules.Select(r => (Group: g, Rule: r))).ToList();
        foreach (var id in ids.Where(id => rules.All(r => r.Rule.RuleId != id)))
        {
            throw new EcsException(NetworkErrors.RuleNotFound, $"The security group rule ID '{id}' does not exist");
        }

        var filters = Filters(input);
        var selected = rules.Where(r => ids.IsEmpty || ids.Contains(r.Rule.RuleId)).Where(r => filters.All(f => f.MatchesTags(r.Rule.Tags) ?? f.Name switch
        {
            "group-id" => f.Matches(r.Group.GroupId),
            "security-group-rule-id" => f.Matches(r.Rule.RuleId),
            _ => throw UnknownFilter(f),
        })).ToList();
        var (page, next) = Page(selected, input, PageSizes.Ec2DescribeSecurityGroupRules, r => r.Rule.RuleId);
        return E("DescribeSecurityGroupRulesResult", Items("securityGroupRuleSet", page.Select(r => Rule(r.Group, r.Rule, context))), V("nextToken", next));
    }

    // ------------------------------------------------------------------ the VPC's own route table and network ACL

    [AwsOperation(AwsServices.Ec2, "DescribeRouteTables")]
    public static async Task<XElement> DescribeRouteTables(QueryInput input, AwsContext context)
    {
        var state = await Network(context).Read();
        var ids = input.Numbered("RouteTableId");
        foreach (var id in ids.Where(id => state.Vpcs.Values.All(v => v.MainRouteTableId != id)))
        {
            throw new EcsException("InvalidRouteTableID.NotFound", $"The routeTable ID '{id}' does not exist");
        }

        var filters = Filters(input);
        var selected = state.Vpcs.Values.Where(v => ids.IsEmpty || ids.Contains(v.MainRouteTableId)).Where(v => filters.All(f => f.MatchesTags(ImmutableDictionary<string, string>.Empty) ?? f.Name switch
        {
            "vpc-id" => f.Matches(v.VpcId),
            "route-table-id" => f.Matches(v.MainRouteTableId),
            "association.main" => f.Matches(true),
            "association.route-table-association-id" => f.Matches(v.MainRouteTableAssociationId),
            "association.route-table-id" => f.Matches(v.MainRouteTableId),
            "association.subnet-id" or "association.gateway-id" => false,
            "owner-id" => f.Matches(context.Account),
            _ => throw UnknownFilter(f),
        })).ToList();
        var (page, next) = Page(selected, input, PageSizes.Ec2DescribeRouteTables, v => v.MainRouteTableId);
        return E("DescribeRouteTablesResult", V("nextToken", next), Items("routeTableSet", page.Select(v => E("item",
            V("routeTableId", v.MainRouteTableId),
            V("vpcId", v.VpcId),
            V("ownerId", context.Account),
            Items("routeSet", [E("item", V("destinationCidrBlock", v.CidrBlock), V("gatewayId", "local"), V("state", "active"), V("origin", "CreateRouteTable"))]),
            Items("associationSet", [E("item", V("main", true), V("routeTableAssociationId", v.MainRouteTableAssociationId), V("routeTableId", v.MainRouteTableId),
                E("associationState", V("state", "associated")))]),
            Items("propagatingVgwSet", []),
            Items("tagSet", [])))));
    }

    [AwsOperation(AwsServices.Ec2, "DescribeNetworkAcls")]
    public static async Task<XElement> DescribeNetworkAcls(QueryInput input, AwsContext context)
    {
        var state = await Network(context).Read();
        var ids = input.Numbered("NetworkAclId");
        foreach (var id in ids.Where(id => state.Vpcs.Values.All(v => v.DefaultNetworkAclId != id)))
        {
            throw new EcsException("InvalidNetworkAclID.NotFound", $"The network ACL ID '{id}' does not exist");
        }

        var filters = Filters(input);
        var selected = state.Vpcs.Values.Where(v => ids.IsEmpty || ids.Contains(v.DefaultNetworkAclId)).Where(v => filters.All(f => f.MatchesTags(ImmutableDictionary<string, string>.Empty) ?? f.Name switch
        {
            "vpc-id" => f.Matches(v.VpcId),
            "network-acl-id" => f.Matches(v.DefaultNetworkAclId),
            "default" => f.Matches(true),
            "association.subnet-id" => state.Subnets.Values.Any(n => n.VpcId == v.VpcId && f.Matches(n.SubnetId)),
            "association.network-acl-id" => f.Matches(v.DefaultNetworkAclId),
            "owner-id" => f.Matches(context.Account),
            _ => throw UnknownFilter(f),
        })).ToList();
        XElement Entry(int rule, bool egress, string action) => E("item",
            V("ruleNumber", rule), V("protocol", "-1"), V("ruleAction", action), V("egress", egress), V("cidrBlock", "0.0.0.0/0"));
        var (page, next) = Page(selected, input, PageSizes.Ec2DescribeNetworkAcls, v => v.DefaultNetworkAclId);
        return E("DescribeNetworkAclsResult", V("nextToken", next), Items("networkAclSet", page.Select(v => E("item",
            V("networkAclId", v.DefaultNetworkAclId),
            V("vpcId", v.VpcId),
            V("default", true),
            Items("entrySet", [Entry(100, true, "allow"), Entry(32767, true, "deny"), Entry(100, false, "allow"), Entry(32767, false, "deny")]),
            Items("associationSet", state.Subnets.Values.Where(n => n.VpcId == v.VpcId).Select(n => E("item",
                V("networkAclAssociationId", "aclassoc-" + n.SubnetId["subnet-".Length..]), V("networkAclId", v.DefaultNetworkAclId), V("subnetId", n.SubnetId)))),
            Items("tagSet", []),
            V("ownerId", context.Account)))));
    }

    // ------------------------------------------------------------------ network interfaces

    private static readonly HashSet<string> InterfaceFilters = new(StringComparer.Ordinal)
    {
        "network-interface-id", "subnet-id", "vpc-id", "group-id", "group-name", "description", "status", "availability-zone", "interface-type",
        "attachment.instance-id", "attachment.attachment-id", "attachment.status", "private-ip-address", "addresses.private-ip-address",
        "requester-id", "requester-managed", "owner-id", "mac-address", "source-dest-check",
    };

    /// <summary>
    /// The account's network interfaces. Known gap: the emulator models no ENIs as EC2 resources (awsvpc tasks get their
    /// zone from their subnets, not an interface), so the set is empty; ids asked for do not exist. Terraform lists the
    /// interfaces left in a subnet or group before deleting it.
    /// </summary>
    [AwsOperation(AwsServices.Ec2, "DescribeNetworkInterfaces")]
    public static Task<XElement> DescribeNetworkInterfaces(QueryInput input, AwsContext context)
    {
        foreach (var f in Filters(input).Where(f => !InterfaceFilters.Contains(f.Name) && f.MatchesTags(ImmutableDictionary<string, string>.Empty) is null))
        {
            throw UnknownFilter(f);
        }

        if (input.Numbered("NetworkInterfaceId").FirstOrDefault() is { } id)
        {
            throw new EcsException("InvalidNetworkInterfaceID.NotFound", $"The networkInterface ID '{id}' does not exist");
        }

        _ = Page(Array.Empty<string>(), input, PageSizes.Ec2DescribeNetworkInterfaces, i => i);
        _ = context;
        return Task.FromResult(E("DescribeNetworkInterfacesResult", Items("networkInterfaceSet", [])));
    }

    // ------------------------------------------------------------------ tags

    [AwsOperation(AwsServices.Ec2, "CreateTags")]
    public static async Task<XElement> CreateTags(QueryInput input, AwsContext context)
    {
        var ids = input.Numbered("ResourceId");
        var tags = ImmutableDictionary.CreateBuilder<string, string>(StringComparer.Ordinal);
        foreach (var t in input.NumberedMembers("Tag"))
        {
            tags[t.String("Key") ?? throw Missing("Tag.N.Key")] = t.String("Value") ?? "";
        }

        if (ids.IsEmpty)
        {
            throw Missing("ResourceId");
        }

        await Tag(context, ids, tags.ToImmutable(), ImmutableDictionary<string, string?>.Empty);
        return QueryXml.NoOutput(); // the model declares no output (AWS sends <return>true</return>, which SDKs ignore)
    }

    [AwsOperation(AwsServices.Ec2, "DeleteTags")]
    public static async Task<XElement> DeleteTags(QueryInput input, AwsContext context)
    {
        var ids = input.Numbered("ResourceId");
        if (ids.IsEmpty)
        {
            throw Missing("ResourceId");
        }

        var remove = ImmutableDictionary.CreateBuilder<string, string?>(StringComparer.Ordinal);
        foreach (var t in input.NumberedMembers("Tag"))
        {
            remove[t.String("Key") ?? throw Missing("Tag.N.Key")] = t.String("Value");
        }

        await Tag(context, ids, ImmutableDictionary<string, string>.Empty, remove.ToImmutable());
        return QueryXml.NoOutput(); // the model declares no output (AWS sends <return>true</return>, which SDKs ignore)
    }

    [AwsOperation(AwsServices.Ec2, "DescribeTags")]
    public static async Task<XElement> DescribeTags(QueryInput input, AwsContext context)
    {
        var state = await Network(context).Read();
        var templates = await context.Grains.GetGrain<ILaunchTemplateRegistryGrain>(ILaunchTemplateRegistryGrain.Key).ListTemplates();
        var rows = state.Vpcs.Values.SelectMany(v => v.Tags.Select(t => (Id: v.VpcId, Type: "vpc", t.Key, t.Value)))
            .Concat(state.Subnets.Values.SelectMany(n => n.Tags.Select(t => (Id: n.SubnetId, Type: "subnet", t.Key, t.Value))))
            .Concat(state.SecurityGroups.Values.SelectMany(g => g.Tags.Select(t => (Id: g.GroupId, Type: "security-group", t.Key, t.Value))))
            .Concat(templates.SelectMany(lt => lt.Tags.Select(t => (Id: lt.Id, Type: "launch-template", t.Key, t.Value))));
        var filters = Filters(input);
        var selected = rows.Where(r => filters.All(f => f.Name switch
        {
            "resource-id" => f.Matches(r.Id),
            "resource-type" => f.Matches(r.Type),
            "key" => f.Matches(r.Key),
            "value" => f.Matches(r.Value),
            _ when f.Name.StartsWith("tag:", StringComparison.Ordinal) => r.Key == f.Name[4..] && f.Matches(r.Value),
            _ => throw UnknownFilter(f),
        })).OrderBy(r => r.Id, StringComparer.Ordinal).ThenBy(r => r.Key, StringComparer.Ordinal).ToList();
        var (page, next) = Page(selected, input, PageSizes.Ec2DescribeTags, r => r.Id + "|" + r.Key);
        return E("DescribeTagsResult", Items("tagSet", page.Select(r => E("item", V("resourceId", r.Id), V("resourceType", r.Type), V("key", r.Key), V("value", r.Value)))),
            V("nextToken", next));
    }

    /// <summary>CreateTags / DeleteTags over resources of several kinds: launch templates go to their registry, the rest to the network.</summary>
    private static async Task Tag(AwsContext context, ImmutableArray<string> ids, ImmutableDictionary<string, string> tags, ImmutableDictionary<string, string?> remove)
    {
        var templates = ids.Where(i => i.StartsWith("lt-", StringComparison.Ordinal)).ToImmutableArray();
        var network = ids.Where(i => !i.StartsWith("lt-", StringComparison.Ordinal)).ToImmutableArray();
        var registry = context.Grains.GetGrain<ILaunchTemplateRegistryGrain>(ILaunchTemplateRegistryGrain.Key);
        foreach (var id in templates)
        {
            _ = await registry.GetTemplate(id, null) ?? throw new EcsException("InvalidLaunchTemplateId.NotFound", $"The specified launch template, with template ID {id}, does not exist.");
        }

        if (!network.IsEmpty)
        {
            await Network(context).Apply(new NetworkTags(network, tags, remove));
        }

        foreach (var id in templates)
        {
            await registry.TagTemplate(id, tags, remove);
        }
    }

    // ------------------------------------------------------------------ shapes and helpers

    private static async Task<XElement> Authorize(QueryInput input, AwsContext context, bool egress, string resultName)
    {
        var groupId = await GroupId(input, context);
        var change = await Network(context).Apply(new NetworkSecurityGroupRules(groupId, egress, true, Permissions(input), [], TagSpecifications(input, "security-group-rule")));
        var group = change.State.SecurityGroups[groupId];
        var created = change.CreatedRuleIds.IsDefault ? [] : change.CreatedRuleIds;
        return E(resultName, V("return", true), Items("securityGroupRuleSet", group.Rules.Where(r => created.Contains(r.RuleId)).Select(r => Rule(group, r, context))));
    }

    private static async Task<XElement> Revoke(QueryInput input, AwsContext context, bool egress, string resultName)
    {
        var groupId = await GroupId(input, context);
        await Network(context).Apply(new NetworkSecurityGroupRules(groupId, egress, false, Permissions(input), input.Numbered("SecurityGroupRuleId"), ImmutableDictionary<string, string>.Empty));
        return E(resultName, V("return", true));
    }

    private static async Task<XElement> UpdateDescriptions(QueryInput input, AwsContext context, bool egress, string resultName)
    {
        var groupId = await GroupId(input, context);
        var group = NetworkModel.Group(await Network(context).Read(), groupId);
        var descriptions = ImmutableDictionary.CreateBuilder<string, string>(StringComparer.Ordinal);
        foreach (var d in input.NumberedMembers("SecurityGroupRuleDescription"))
        {
            descriptions[d.String("SecurityGroupRuleId") ?? throw Missing("SecurityGroupRuleId")] = d.String("Description") ?? "";
        }

        foreach (var p in Permissions(input))
        {
            var r = NetworkModel.Normalize(p);
            var rule = group.Rules.FirstOrDefault(x => x.IsEgress == egress && x.Protocol == r.Protocol && x.FromPort == r.FromPort && x.ToPort == r.ToPort
                && x.CidrIpv4 == r.CidrIpv4 && x.CidrIpv6 == r.CidrIpv6 && x.PrefixListId == r.PrefixListId && x.ReferencedGroupId == r.ReferencedGroupId)
                ?? throw new EcsException(NetworkErrors.PermissionNotFound, "The specified rule does not exist in this security group.");
            descriptions[rule.RuleId] = r.Description ?? "";
        }

        await Network(context).Apply(new NetworkRuleDescriptions(groupId, descriptions.ToImmutable()));
        return E(resultName, V("return", true));
    }

    private static async Task<string> GroupId(QueryInput input, AwsContext context)
    {
        if (input.String("GroupId") is { } id)
        {
            return id;
        }

        var name = input.String("GroupName") ?? throw Missing("GroupId");
        var state = await Network(context).Read();
        return state.SecurityGroups.Values.FirstOrDefault(g => g.GroupName == name && g.VpcId == NetworkModel.DefaultVpc(state)?.VpcId)?.GroupId
            ?? throw new EcsException(NetworkErrors.GroupNotFound, $"The security group '{name}' does not exist in default VPC '{NetworkModel.DefaultVpc(state)?.VpcId ?? "none"}'");
    }

    /// <summary>IpPermissions.N (each with its ranges, IPv6 ranges, prefix lists and groups) as one request per source.</summary>
    private static ImmutableArray<SecurityGroupRuleRequest> Permissions(QueryInput input)
    {
        var rules = ImmutableArray.CreateBuilder<SecurityGroupRuleRequest>();
        foreach (var p in input.NumberedMembers("IpPermissions"))
        {
            var protocol = p.String("IpProtocol") ?? throw Missing("IpPermissions.N.IpProtocol");
            var (from, to) = (p.Int("FromPort"), p.Int("ToPort"));
            foreach (var r in p.NumberedMembers("IpRanges"))
            {
                rules.Add(new SecurityGroupRuleRequest(protocol, from, to, r.String("CidrIp") ?? throw Missing("CidrIp"), null, null, null, r.String("Description")));
            }

            foreach (var r in p.NumberedMembers("Ipv6Ranges"))
            {
                rules.Add(new SecurityGroupRuleRequest(protocol, from, to, null, r.String("CidrIpv6") ?? throw Missing("CidrIpv6"), null, null, r.String("Description")));
            }

            foreach (var r in p.NumberedMembers("PrefixListIds"))
            {
                rules.Add(new SecurityGroupRuleRequest(protocol, from, to, null, null, r.String("PrefixListId") ?? throw Missing("PrefixListId"), null, r.String("Description")));
            }

            foreach (var r in p.NumberedMembers("Groups"))
            {
                rules.Add(new SecurityGroupRuleRequest(protocol, from, to, null, null, null, r.String("GroupId") ?? throw Missing("GroupId"), r.String("Description")));
            }
        }

        // The legacy flat form: IpProtocol, FromPort, ToPort, CidrIp at the top level.
        if (input.String("CidrIp") is { } cidr)
        {
            rules.Add(new SecurityGroupRuleRequest(input.String("IpProtocol") ?? "-1", input.Int("FromPort"), input.Int("ToPort"), cidr, null, null, null, null));
        }

        return rules.ToImmutable();
    }

    /// <summary>EC2's ipPermissions: rules grouped by protocol and ports, in the order they were added.</summary>
    private static XElement Permissions(string name, IEnumerable<SecurityGroupRuleRecord> rules, AwsContext context) =>
        Items(name, rules.GroupBy(r => (r.Protocol, r.FromPort, r.ToPort)).Select(g => E("item",
            V("ipProtocol", g.Key.Protocol),
            V("fromPort", g.Key.FromPort),
            V("toPort", g.Key.ToPort),
            Items("groups", g.Where(r => r.ReferencedGroupId is not null).Select(r => E("item", V("description", r.Description), V("groupId", r.ReferencedGroupId), V("userId", context.Account)))),
            Items("ipRanges", g.Where(r => r.CidrIpv4 is not null).Select(r => E("item", V("cidrIp", r.CidrIpv4), V("description", r.Description)))),
            Items("ipv6Ranges", g.Where(r => r.CidrIpv6 is not null).Select(r => E("item", V("cidrIpv6", r.CidrIpv6), V("description", r.Description)))),
            Items("prefixListIds", g.Where(r => r.PrefixListId is not null).Select(r => E("item", V("description", r.Description), V("prefixListId", r.PrefixListId)))))));

    private static XElement Rule(SecurityGroupRecord g, SecurityGroupRuleRecord r, AwsContext context) =>
        E("item",
            V("securityGroupRuleId", r.RuleId),
            V("groupId", g.GroupId),
            V("groupOwnerId", context.Account),
            V("isEgress", r.IsEgress),
            V("ipProtocol", r.Protocol),
            V("fromPort", r.FromPort ?? -1),
            V("toPort", r.ToPort ?? -1),
            V("cidrIpv4", r.CidrIpv4),
            V("cidrIpv6", r.CidrIpv6),
            V("prefixListId", r.PrefixListId),
            r.ReferencedGroupId is { } other ? E("referencedGroupInfo", V("groupId", other), V("userId", context.Account)) : null,
            V("description", r.Description),
            TagSet(r.Tags) ?? Items("tagSet", []));

    private static XElement Vpc(VpcRecord v, AwsContext context, string name) =>
        E(name,
            V("vpcId", v.VpcId),
            V("ownerId", context.Account),
            V("state", "available"),
            V("cidrBlock", v.CidrBlock),
            Items("cidrBlockAssociationSet", [E("item", V("associationId", v.CidrAssociationId), V("cidrBlock", v.CidrBlock), E("cidrBlockState", V("state", "associated")))]),
            Items("ipv6CidrBlockAssociationSet", []),
            V("dhcpOptionsId", v.DhcpOptionsId),
            TagSet(v.Tags),
            V("instanceTenancy", v.InstanceTenancy),
            V("isDefault", v.IsDefault));

    private static XElement Subnet(SubnetRecord n, AwsContext context, string name) =>
        E(name,
            V("subnetId", n.SubnetId),
            V("subnetArn", SubnetArn(n, context)),
            V("state", "available"),
            V("ownerId", context.Account),
            V("vpcId", n.VpcId),
            V("cidrBlock", n.CidrBlock),
            Items("ipv6CidrBlockAssociationSet", []),
            V("availableIpAddressCount", (int)(Cidr.Parse(n.CidrBlock)!.Value.Size - 5)),
            V("availabilityZone", n.AvailabilityZone),
            V("availabilityZoneId", n.AvailabilityZoneId),
            V("defaultForAz", n.DefaultForAz),
            V("mapPublicIpOnLaunch", n.MapPublicIpOnLaunch),
            V("mapCustomerOwnedIpOnLaunch", false),
            V("assignIpv6AddressOnCreation", false),
            V("enableDns64", false),
            V("ipv6Native", false),
            E("privateDnsNameOptionsOnLaunch",
                V("hostnameType", n.PrivateDnsHostnameType),
                V("enableResourceNameDnsARecord", n.EnableResourceNameDnsARecord),
                V("enableResourceNameDnsAAAARecord", false)),
            TagSet(n.Tags));

    private static string SubnetArn(SubnetRecord n, AwsContext context) => $"arn:aws:ec2:{context.Region}:{context.Account}:subnet/{n.SubnetId}";

    internal static INetworkGrain Network(AwsContext context) => context.Grains.GetGrain<INetworkGrain>(INetworkGrain.Key);
}
