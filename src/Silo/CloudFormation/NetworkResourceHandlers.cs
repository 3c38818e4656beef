using System.Globalization;
using System.Text.Json.Nodes;
using Emulator.Contracts;
using Emulator.Model.CloudFormation;
using Emulator.Silo.Aws;

namespace Emulator.Silo.CloudFormation;

/// <summary>The EC2 network handlers' shared conversions (EC2 query lists are <c>Name.N</c>).</summary>
internal static class Ec2Network
{
    public static Task<System.Xml.Linq.XElement> Call(HandlerContext c, string operation, Dictionary<string, string> form) => c.Aws.Query(AwsServices.Ec2, operation, form);

    /// <summary>CloudFormation's Tags as EC2's TagSpecification.1 for <paramref name="resourceType"/>.</summary>
    public static void TagSpecification(Dictionary<string, string> form, JsonObject properties, string resourceType)
    {
        var tags = (properties["Tags"] as JsonArray ?? []).OfType<JsonObject>().ToList();
        if (tags.Count == 0)
        {
            return;
        }

        form["TagSpecification.1.ResourceType"] = resourceType;
        for (var i = 0; i < tags.Count; i++)
        {
            form[$"TagSpecification.1.Tag.{N(i)}.Key"] = Template.Text(tags[i]["Key"]);
            form[$"TagSpecification.1.Tag.{N(i)}.Value"] = Template.Text(tags[i]["Value"]);
        }
    }

    /// <summary>Tags changed in place: removed keys deleted, the new set written (CreateTags / DeleteTags).</summary>
    public static async Task Retag(HandlerContext c, string resourceId)
    {
        static Dictionary<string, string> Of(JsonObject p) => (p["Tags"] as JsonArray ?? []).OfType<JsonObject>()
            .ToDictionary(t => Template.Text(t["Key"]), t => Template.Text(t["Value"]), StringComparer.Ordinal);
        var before = Of(c.Previous);
        var after = Of(c.Properties);
        var removed = before.Keys.Where(k => !after.ContainsKey(k)).ToList();
        if (removed.Count > 0)
        {
            var form = new Dictionary<string, string>(StringComparer.Ordinal) { ["ResourceId.1"] = resourceId };
            for (var i = 0; i < removed.Count; i++)
            {
                form[$"Tag.{N(i)}.Key"] = removed[i];
            }

            await Call(c, "DeleteTags", form);
        }

        if (after.Count > 0)
        {
            var form = new Dictionary<string, string>(StringComparer.Ordinal) { ["ResourceId.1"] = resourceId };
            var i = 0;
            foreach (var (k, v) in after)
            {
                form[$"Tag.{N(i)}.Key"] = k;
                form[$"Tag.{N(i)}.Value"] = v;
                i++;
            }

            await Call(c, "CreateTags", form);
        }
    }

    public static string N(int zeroBased) => (zeroBased + 1).ToString(CultureInfo.InvariantCulture);

    /// <summary>One CloudFormation rule (ingress/egress property shape) as IpPermissions.1 of an EC2 request.</summary>
    public static void Permission(Dictionary<string, string> form, JsonObject rule, bool egress)
    {
        form["IpPermissions.1.IpProtocol"] = CfnProperties.Text(rule, "IpProtocol") ?? "-1";
        if (CfnProperties.Text(rule, "FromPort") is { } from)
        {
            form["IpPermissions.1.FromPort"] = from;
        }

        if (CfnProperties.Text(rule, "ToPort") is { } to)
        {
            form["IpPermissions.1.ToPort"] = to;
        }

        var description = CfnProperties.Text(rule, "Description");
        void Add(string list, string member, string value)
        {
            form[$"IpPermissions.1.{list}.1.{member}"] = value;
            if (description is not null)
            {
                form[$"IpPermissions.1.{list}.1.Description"] = description;
            }
        }

        var peer = egress ? "DestinationSecurityGroupId" : "SourceSecurityGroupId";
        if (CfnProperties.Text(rule, "CidrIp") is { } cidr)
        {
            Add("IpRanges", "CidrIp", cidr);
        }
        else if (CfnProperties.Text(rule, "CidrIpv6") is { } cidr6)
        {
            Add("Ipv6Ranges", "CidrIpv6", cidr6);
        }
        else if (CfnProperties.Text(rule, egress ? "DestinationPrefixListId" : "SourcePrefixListId") is { } prefixList)
        {
            Add("PrefixListIds", "PrefixListId", prefixList);
        }
        else if (CfnProperties.Text(rule, peer) is { } group)
        {
            Add("Groups", "GroupId", group);
        }
        else
        {
            throw new EcsException(ErrorCodes.ValidationError, $"A security group rule needs one of CidrIp, CidrIpv6, a prefix list or {peer}");
        }
    }

    /// <summary>Adds one rule; the rule id EC2 gave it.</summary>
    public static async Task<string> Authorize(HandlerContext c, string groupId, JsonObject rule, bool egress)
    {
        var form = new Dictionary<string, string>(StringComparer.Ordinal) { ["GroupId"] = groupId };
        Permission(form, rule, egress);
        var result = await Call(c, egress ? "AuthorizeSecurityGroupEgress" : "AuthorizeSecurityGroupIngress", form);
        return QueryResults.Value(result, "securityGroupRuleId") ?? throw new EcsException(ErrorCodes.ServerException, "the authorization returned no rule id");
    }

    public static Task Revoke(HandlerContext c, string groupId, string ruleId, bool egress) =>
        Call(c, egress ? "RevokeSecurityGroupEgress" : "RevokeSecurityGroupIngress",
            new Dictionary<string, string>(StringComparer.Ordinal) { ["GroupId"] = groupId, ["SecurityGroupRuleId.1"] = ruleId });
}

/// <summary>AWS::EC2::VPC: CreateVpc (the emulator's network of the Terraform issue), DNS attributes, tags in place, DeleteVpc.</summary>
internal sealed class VpcHandler : ResourceHandler
{
    public override IReadOnlyList<string> Types => ["AWS::EC2::VPC"];

    public override async Task<ResourceOutcome> Create(HandlerContext c)
    {
        var form = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["CidrBlock"] = CfnProperties.Text(c.Properties, "CidrBlock") ?? throw new EcsException(ErrorCodes.ValidationError, "Properties validation failed: required key [CidrBlock] not found"),
        };
        if (CfnProperties.Text(c.Properties, "InstanceTenancy") is { } tenancy)
        {
            form["InstanceTenancy"] = tenancy;
        }

        Ec2Network.TagSpecification(form, c.Properties, "vpc");
        var result = await Ec2Network.Call(c, "CreateVpc", form);
        var id = QueryResults.Value(result, "vpcId") ?? throw new EcsException(ErrorCodes.ServerException, "CreateVpc returned no id");
        await Attributes(c, id, null);
        return await Describe(c, id);
    }

    public override async Task<ResourceOutcome> Update(HandlerContext c)
    {
        var other = c.Changed.Where(p => p is not ("Tags" or "EnableDnsHostnames" or "EnableDnsSupport")).ToList();
        if (other.Count > 0)
        {
            return await base.Update(c);
        }

        await Attributes(c, c.PhysicalId, c.Previous);
        if (c.Changed.Contains("Tags"))
        {
            await Ec2Network.Retag(c, c.PhysicalId);
        }

        return ResourceOutcome.Done(c.PhysicalId, c.Call.Attributes);
    }

    public override async Task<ResourceOutcome> Delete(HandlerContext c)
    {
        await Ec2Network.Call(c, "DeleteVpc", new Dictionary<string, string> { ["VpcId"] = c.PhysicalId });
        return ResourceOutcome.Done(c.PhysicalId);
    }

    private static async Task Attributes(HandlerContext c, string vpcId, JsonObject? previous)
    {
        foreach (var name in new[] { "EnableDnsSupport", "EnableDnsHostnames" })
        {
            if (CfnProperties.Bool(c.Properties, name) is { } value && (previous is null || CfnProperties.Text(previous, name) != CfnProperties.Text(c.Properties, name)))
            {
                await Ec2Network.Call(c, "ModifyVpcAttribute", new Dictionary<string, string>
                {
                    ["VpcId"] = vpcId, [name + ".Value"] = value ? "true" : "false",
                });
            }
        }
    }

    private static async Task<ResourceOutcome> Describe(HandlerContext c, string id)
    {
        var vpcs = await Ec2Network.Call(c, "DescribeVpcs", new Dictionary<string, string> { ["VpcId.1"] = id });
        var cidr = QueryResults.Value(vpcs, "cidrBlock") ?? "";
        var acls = await Ec2Network.Call(c, "DescribeNetworkAcls", new Dictionary<string, string> { ["Filter.1.Name"] = "vpc-id", ["Filter.1.Value.1"] = id });
        var groups = await Ec2Network.Call(c, "DescribeSecurityGroups", new Dictionary<string, string>
        {
            ["Filter.1.Name"] = "vpc-id", ["Filter.1.Value.1"] = id, ["Filter.2.Name"] = "group-name", ["Filter.2.Value.1"] = "default",
        });
        var association = QueryResults.Value(vpcs, "associationId");
        return ResourceOutcome.Done(id, Attributes(
            ("VpcId", id), ("CidrBlock", cidr), ("DefaultNetworkAcl", QueryResults.Value(acls, "networkAclId")),
            ("DefaultSecurityGroup", QueryResults.Value(groups, "groupId")), ("VpcCidrBlockAssociation", association))
            .Add("CidrBlockAssociations", CfnProperties.Attr(association is null ? [] : [association]))
            .Add("Ipv6CidrBlocks", CfnProperties.Attr([])));
    }
}

/// <summary>AWS::EC2::Subnet: CreateSubnet in the VPC's address range, MapPublicIpOnLaunch, tags in place, DeleteSubnet.</summary>
internal sealed class SubnetHandler : ResourceHandler
{
    public override IReadOnlyList<string> Types => ["AWS::EC2::Subnet"];

    public override async Task<ResourceOutcome> Create(HandlerContext c)
    {
        var form = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var name in new[] { "VpcId", "CidrBlock", "AvailabilityZone", "AvailabilityZoneId" })
        {
            if (CfnProperties.Text(c.Properties, name) is { } value)
            {
                form[name] = value;
            }
        }

        Ec2Network.TagSpecification(form, c.Properties, "subnet");
        var result = await Ec2Network.Call(c, "CreateSubnet", form);
        var id = QueryResults.Value(result, "subnetId") ?? throw new EcsException(ErrorCodes.ServerException, "CreateSubnet returned no id");
        if (CfnProperties.Bool(c.Properties, "MapPublicIpOnLaunch") == true)
        {
            await Ec2Network.Call(c, "ModifySubnetAttribute", new Dictionary<string, string> { ["SubnetId"] = id, ["MapPublicIpOnLaunch.Value"] = "true" });
        }

        var acls = await Ec2Network.Call(c, "DescribeNetworkAcls", new Dictionary<string, string> { ["Filter.1.Name"] = "association.subnet-id", ["Filter.1.Value.1"] = id });
        return ResourceOutcome.Done(id, Attributes(
            ("SubnetId", id), ("AvailabilityZone", QueryResults.Value(result, "availabilityZone")), ("AvailabilityZoneId", QueryResults.Value(result, "availabilityZoneId")),
            ("CidrBlock", QueryResults.Value(result, "cidrBlock")), ("VpcId", QueryResults.Value(result, "vpcId")),
            ("NetworkAclAssociationId", QueryResults.Value(acls, "networkAclAssociationId")))
            .Add("Ipv6CidrBlocks", CfnProperties.Attr([])));
    }

    public override async Task<ResourceOutcome> Update(HandlerContext c)
    {
        var other = c.Changed.Where(p => p is not ("Tags" or "MapPublicIpOnLaunch")).ToList();
        if (other.Count > 0)
        {
            return await base.Update(c);
        }

        if (c.Changed.Contains("MapPublicIpOnLaunch"))
        {
            await Ec2Network.Call(c, "ModifySubnetAttribute", new Dictionary<string, string>
            {
                ["SubnetId"] = c.PhysicalId, ["MapPublicIpOnLaunch.Value"] = CfnProperties.Bool(c.Properties, "MapPublicIpOnLaunch") == true ? "true" : "false",
            });
        }

        if (c.Changed.Contains("Tags"))
        {
            await Ec2Network.Retag(c, c.PhysicalId);
        }

        return ResourceOutcome.Done(c.PhysicalId, c.Call.Attributes);
    }

    public override async Task<ResourceOutcome> Delete(HandlerContext c)
    {
        await Ec2Network.Call(c, "DeleteSubnet", new Dictionary<string, string> { ["SubnetId"] = c.PhysicalId });
        return ResourceOutcome.Done(c.PhysicalId);
    }
}

/// <summary>
/// AWS::EC2::SecurityGroup: CreateSecurityGroup (a generated name when none is given), its inline ingress rules and, when
/// SecurityGroupEgress is given, that egress instead of EC2's default allow-all (as CloudFormation does); rule lists
/// changed in place by revoking what went and authorizing what came; DeleteSecurityGroup.
/// </summary>
internal sealed class SecurityGroupHandler : ResourceHandler
{
    public override IReadOnlyList<string> Types => ["AWS::EC2::SecurityGroup"];

    private static readonly JsonObject AllowAllEgress = new() { ["IpProtocol"] = "-1", ["CidrIp"] = "0.0.0.0/0" };

    public override async Task<ResourceOutcome> Create(HandlerContext c)
    {
        var form = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["GroupName"] = c.NameOr("GroupName", 255),
            ["GroupDescription"] = CfnProperties.Text(c.Properties, "GroupDescription")
                ?? throw new EcsException(ErrorCodes.ValidationError, "Properties validation failed: required key [GroupDescription] not found"),
        };
        if (CfnProperties.Text(c.Properties, "VpcId") is { } vpc)
        {
            form["VpcId"] = vpc;
        }

        Ec2Network.TagSpecification(form, c.Properties, "security-group");
        var result = await Ec2Network.Call(c, "CreateSecurityGroup", form);
        var id = QueryResults.Value(result, "groupId") ?? throw new EcsException(ErrorCodes.ServerException, "CreateSecurityGroup returned no id");
        await Apply(c, id, [], Rules(c.Properties, "SecurityGroupIngress"), egress: false);
        if (c.Properties["SecurityGroupEgress"] is JsonArray)
        {
            await Apply(c, id, [AllowAllEgress], Rules(c.Properties, "SecurityGroupEgress"), egress: true);
        }

        var groups = await Ec2Network.Call(c, "DescribeSecurityGroups", new Dictionary<string, string> { ["GroupId.1"] = id });
        return ResourceOutcome.Done(id, Attributes(("GroupId", id), ("VpcId", QueryResults.Value(groups, "vpcId"))));
    }

    public override async Task<ResourceOutcome> Update(HandlerContext c)
    {
        var other = c.Changed.Where(p => p is not ("Tags" or "SecurityGroupIngress" or "SecurityGroupEgress")).ToList();
        if (other.Count > 0)
        {
            return await base.Update(c);
        }

        if (c.Changed.Contains("SecurityGroupIngress"))
        {
            await Apply(c, c.PhysicalId, Rules(c.Previous, "SecurityGroupIngress"), Rules(c.Properties, "SecurityGroupIngress"), egress: false);
        }

        if (c.Changed.Contains("SecurityGroupEgress"))
        {
            List<JsonObject> before = c.Previous["SecurityGroupEgress"] is JsonArray ? Rules(c.Previous, "SecurityGroupEgress") : [AllowAllEgress];
            List<JsonObject> after = c.Properties["SecurityGroupEgress"] is JsonArray ? Rules(c.Properties, "SecurityGroupEgress") : [AllowAllEgress];
            await Apply(c, c.PhysicalId, before, after, egress: true);
        }

        if (c.Changed.Contains("Tags"))
        {
            await Ec2Network.Retag(c, c.PhysicalId);
        }

        return ResourceOutcome.Done(c.PhysicalId, c.Call.Attributes);
    }

    public override async Task<ResourceOutcome> Delete(HandlerContext c)
    {
        await Ec2Network.Call(c, "DeleteSecurityGroup", new Dictionary<string, string> { ["GroupId"] = c.PhysicalId });
        return ResourceOutcome.Done(c.PhysicalId);
    }

    private static List<JsonObject> Rules(JsonObject properties, string name) => [.. (properties[name] as JsonArray ?? []).OfType<JsonObject>()];

    /// <summary>Revokes the rules of <paramref name="before"/> not in <paramref name="after"/>, then authorizes the new ones.</summary>
    private static async Task Apply(HandlerContext c, string groupId, List<JsonObject> before, List<JsonObject> after, bool egress)
    {
        foreach (var rule in before.Where(b => !after.Any(a => JsonNode.DeepEquals(a, b))))
        {
            var form = new Dictionary<string, string>(StringComparer.Ordinal) { ["GroupId"] = groupId };
            Ec2Network.Permission(form, rule, egress);
            form.Remove("IpPermissions.1.IpRanges.1.Description");
            await Ec2Network.Call(c, egress ? "RevokeSecurityGroupEgress" : "RevokeSecurityGroupIngress", form);
        }

        foreach (var rule in after.Where(a => !before.Any(b => JsonNode.DeepEquals(a, b))))
        {
            await Ec2Network.Authorize(c, groupId, rule, egress);
        }
    }
}

/// <summary>AWS::EC2::SecurityGroupIngress and ::SecurityGroupEgress: one rule of a group (its sgr- id), revoked on delete.</summary>
internal sealed class SecurityGroupRuleHandler : ResourceHandler
{
    public override IReadOnlyList<string> Types => ["AWS::EC2::SecurityGroupIngress", "AWS::EC2::SecurityGroupEgress"];

    private static bool Egress(HandlerContext c) => c.Call.Type == "AWS::EC2::SecurityGroupEgress";

    public override async Task<ResourceOutcome> Create(HandlerContext c)
    {
        var group = CfnProperties.Text(c.Properties, "GroupId")
            ?? throw new EcsException(ErrorCodes.ValidationError, "Properties validation failed: required key [GroupId] not found");
        var id = await Ec2Network.Authorize(c, group, c.Properties, Egress(c));
        return ResourceOutcome.Done(id, Attributes(("Id", id)));
    }

    public override async Task<ResourceOutcome> Update(HandlerContext c)
    {
        if (c.Changed.All(p => p == "Description"))
        {
            var egress = Egress(c);
            var form = new Dictionary<string, string>(StringComparer.Ordinal)
            {
                ["GroupId"] = CfnProperties.Text(c.Properties, "GroupId")!,
                ["SecurityGroupRuleDescription.1.SecurityGroupRuleId"] = c.PhysicalId,
                ["SecurityGroupRuleDescription.1.Description"] = CfnProperties.Text(c.Properties, "Description") ?? "",
            };
            await Ec2Network.Call(c, egress ? "UpdateSecurityGroupRuleDescriptionsEgress" : "UpdateSecurityGroupRuleDescriptionsIngress", form);
            return ResourceOutcome.Done(c.PhysicalId, c.Call.Attributes);
        }

        return await base.Update(c);
    }

    public override async Task<ResourceOutcome> Delete(HandlerContext c)
    {
        await Ec2Network.Revoke(c, CfnProperties.Text(c.Properties, "GroupId")!, c.PhysicalId, Egress(c));
        return ResourceOutcome.Done(c.PhysicalId);
    }
}
