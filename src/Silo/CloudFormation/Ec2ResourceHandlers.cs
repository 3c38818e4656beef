using System.Collections.Immutable;
using System.Globalization;
using System.Text.Json.Nodes;
using System.Xml.Linq;
using Emulator.Contracts;
using Emulator.Model.CloudFormation;
using Emulator.Model.Time;
using Emulator.Silo.Aws;

namespace Emulator.Silo.CloudFormation;

internal static class QueryResults
{
    /// <summary>The text of the first descendant element with this local name (query responses are namespace-free here).</summary>
    public static string? Value(XElement result, string name) => result.Descendants().FirstOrDefault(e => e.Name.LocalName == name)?.Value;
}

/// <summary>
/// AWS::AutoScaling::AutoScalingGroup: CreateAutoScalingGroup (instances launch through the group's own lifecycle),
/// sizes and protection updated in place, DeleteAutoScalingGroup with ForceDelete, done once the group is gone.
/// </summary>
internal sealed class AutoScalingGroupHandler : ResourceHandler
{
    public override IReadOnlyList<string> Types => ["AWS::AutoScaling::AutoScalingGroup"];

    /// <summary>Members CloudFormation has that CreateAutoScalingGroup does not take (notifications, metrics: not modelled).</summary>
    private static readonly string[] NotApi = ["MetricsCollection", "NotificationConfigurations", "NotificationConfiguration", "VPCZoneIdentifier"];

    private static readonly string[] InPlace = ["MinSize", "MaxSize", "DesiredCapacity", "NewInstancesProtectedFromScaleIn", "CapacityRebalance", "Tags"];

    public override async Task<ResourceOutcome> Create(HandlerContext c)
    {
        var name = c.NameOr("AutoScalingGroupName", 255);
        var form = new Dictionary<string, string>(StringComparer.Ordinal);
        var properties = (JsonObject)c.Properties.DeepClone();
        foreach (var p in NotApi)
        {
            properties.Remove(p);
        }

        CfnProperties.Flatten(form, "", properties);
        form["AutoScalingGroupName"] = name;
        if (CfnProperties.Strings(c.Properties, "VPCZoneIdentifier") is { Count: > 0 } subnets)
        {
            form["VPCZoneIdentifier"] = string.Join(",", subnets);
        }

        await c.Aws.Query(AwsServices.AutoScaling, "CreateAutoScalingGroup", form);
        return ResourceOutcome.Done(name, Attributes(("LaunchConfigurationName", CfnProperties.Text(c.Properties, "LaunchConfigurationName"))));
    }

    public override async Task<ResourceOutcome> Update(HandlerContext c)
    {
        var other = c.Changed.Where(p => !InPlace.Contains(p)).ToList();
        if (other.Count > 0)
        {
            return ResourceOutcome.Failed($"Updating {string.Join(", ", other)} of an Auto Scaling group is not supported by this emulator's CloudFormation (replace the group: give it a new logical id)", c.PhysicalId);
        }

        var form = new Dictionary<string, string>(StringComparer.Ordinal) { ["AutoScalingGroupName"] = c.PhysicalId };
        foreach (var p in InPlace.Where(p => p != "Tags" && c.Changed.Contains(p)))
        {
            if (CfnProperties.Text(c.Properties, p) is { } v)
            {
                form[p] = v;
            }
        }

        if (form.Count > 1)
        {
            await c.Aws.Query(AwsServices.AutoScaling, "UpdateAutoScalingGroup", form);
        }

        if (c.Changed.Contains("Tags") && c.Properties["Tags"] is JsonArray { Count: > 0 } tags)
        {
            var tagForm = new Dictionary<string, string>(StringComparer.Ordinal);
            var i = 1;
            foreach (var t in tags.OfType<JsonObject>())
            {
                tagForm[$"Tags.member.{i}.ResourceId"] = c.PhysicalId;
                tagForm[$"Tags.member.{i}.ResourceType"] = "auto-scaling-group";
                tagForm[$"Tags.member.{i}.Key"] = Template.Text(t["Key"]);
                tagForm[$"Tags.member.{i}.Value"] = Template.Text(t["Value"]);
                tagForm[$"Tags.member.{i}.PropagateAtLaunch"] = Template.Text(t["PropagateAtLaunch"] ?? "false");
                i++;
            }

            await c.Aws.Query(AwsServices.AutoScaling, "CreateOrUpdateTags", tagForm);
        }

        return ResourceOutcome.Done(c.PhysicalId, c.Call.Attributes);
    }

    public override async Task<ResourceOutcome> Delete(HandlerContext c)
    {
        await c.Aws.Query(AwsServices.AutoScaling, "DeleteAutoScalingGroup", new Dictionary<string, string> { ["AutoScalingGroupName"] = c.PhysicalId, ["ForceDelete"] = "true" });
        return ResourceOutcome.Stabilizing(c.PhysicalId, c.Handle("deleting"));
    }

    /// <summary>A deleted group is gone once its instances have terminated (DescribeAutoScalingGroups no longer lists it).</summary>
    public override async Task<ResourceOutcome> Poll(HandlerContext c)
    {
        var result = await c.Aws.Query(AwsServices.AutoScaling, "DescribeAutoScalingGroups", new Dictionary<string, string> { ["AutoScalingGroupNames.member.1"] = c.PhysicalId });
        return result.Descendants().Any(e => e.Name.LocalName == "AutoScalingGroupName" && e.Value == c.PhysicalId)
            ? ResourceOutcome.Stabilizing(c.PhysicalId, c.Call.Handle!)
            : ResourceOutcome.Done(c.PhysicalId);
    }
}

/// <summary>AWS::AutoScaling::LaunchConfiguration: CreateLaunchConfiguration and DeleteLaunchConfiguration (immutable: any change replaces it).</summary>
internal sealed class LaunchConfigurationHandler : ResourceHandler
{
    public override IReadOnlyList<string> Types => ["AWS::AutoScaling::LaunchConfiguration"];

    public override async Task<ResourceOutcome> Create(HandlerContext c)
    {
        var name = c.NameOr("LaunchConfigurationName", 255);
        var form = new Dictionary<string, string>(StringComparer.Ordinal);
        CfnProperties.Flatten(form, "", c.Properties);
        form["LaunchConfigurationName"] = name;
        await c.Aws.Query(AwsServices.AutoScaling, "CreateLaunchConfiguration", form);
        return ResourceOutcome.Done(name);
    }

    public override async Task<ResourceOutcome> Delete(HandlerContext c)
    {
        await c.Aws.Query(AwsServices.AutoScaling, "DeleteLaunchConfiguration", new Dictionary<string, string> { ["LaunchConfigurationName"] = c.PhysicalId });
        return ResourceOutcome.Done(c.PhysicalId);
    }
}

/// <summary>
/// AWS::EC2::LaunchTemplate: CreateLaunchTemplate (EC2's query names: SecurityGroupIds as SecurityGroupId.N, ...); a
/// change of its data is a new version made the default (CreateLaunchTemplateVersion, ModifyLaunchTemplate), as
/// CloudFormation does; DeleteLaunchTemplate.
/// </summary>
internal sealed class LaunchTemplateHandler : ResourceHandler
{
    public override IReadOnlyList<string> Types => ["AWS::EC2::LaunchTemplate"];

    /// <summary>CloudFormation's plural list names inside LaunchTemplateData and the EC2 query names they take.</summary>
    private static readonly ImmutableDictionary<string, string> ListNames = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["SecurityGroupIds"] = "SecurityGroupId",
        ["SecurityGroups"] = "SecurityGroup",
        ["TagSpecifications"] = "TagSpecification",
        ["Tags"] = "Tag",
        ["NetworkInterfaces"] = "NetworkInterface",
        ["Groups"] = "SecurityGroupId",
        ["BlockDeviceMappings"] = "BlockDeviceMapping",
        ["ElasticGpuSpecifications"] = "ElasticGpuSpecification",
        ["LicenseSpecifications"] = "LicenseSpecification",
        ["Ipv6Addresses"] = "Ipv6Addresses",
        ["PrivateIpAddresses"] = "PrivateIpAddresses",
    }.ToImmutableDictionary(StringComparer.Ordinal);

    public override async Task<ResourceOutcome> Create(HandlerContext c)
    {
        var form = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["LaunchTemplateName"] = c.NameOr("LaunchTemplateName", 128, "-_()./"),
        };
        Ec2Flatten(form, "LaunchTemplateData", c.Properties["LaunchTemplateData"]);
        Ec2Flatten(form, "TagSpecification", c.Properties["TagSpecifications"] is JsonArray specs ? new JsonArray([.. specs.Select(s => s?.DeepClone())]) : null);
        if (c.Properties["VersionDescription"] is { } description)
        {
            form["VersionDescription"] = Template.Text(description);
        }

        var result = await c.Aws.Query(AwsServices.Ec2, "CreateLaunchTemplate", form);
        return Outcome(result);
    }

    public override async Task<ResourceOutcome> Update(HandlerContext c)
    {
        if (!c.Changed.Contains("LaunchTemplateData"))
        {
            return await base.Update(c);
        }

        var form = new Dictionary<string, string>(StringComparer.Ordinal) { ["LaunchTemplateId"] = c.PhysicalId };
        Ec2Flatten(form, "LaunchTemplateData", c.Properties["LaunchTemplateData"]);
        var version = await c.Aws.Query(AwsServices.Ec2, "CreateLaunchTemplateVersion", form);
        var number = QueryResults.Value(version, "versionNumber") ?? throw new EcsException(ErrorCodes.ServerException, "CreateLaunchTemplateVersion returned no version");
        var modified = await c.Aws.Query(AwsServices.Ec2, "ModifyLaunchTemplate",
            new Dictionary<string, string> { ["LaunchTemplateId"] = c.PhysicalId, ["SetDefaultVersion"] = number });
        return Outcome(modified);
    }

    public override async Task<ResourceOutcome> Delete(HandlerContext c)
    {
        await c.Aws.Query(AwsServices.Ec2, "DeleteLaunchTemplate", new Dictionary<string, string> { ["LaunchTemplateId"] = c.PhysicalId });
        return ResourceOutcome.Done(c.PhysicalId);
    }

    private static ResourceOutcome Outcome(XElement result)
    {
        var id = QueryResults.Value(result, "launchTemplateId") ?? throw new EcsException(ErrorCodes.ServerException, "the launch template operation returned no id");
        return ResourceOutcome.Done(id, Attributes(
            ("LaunchTemplateId", id),
            ("DefaultVersionNumber", QueryResults.Value(result, "defaultVersionNumber")),
            ("LatestVersionNumber", QueryResults.Value(result, "latestVersionNumber"))));
    }

    /// <summary>EC2 query flattening with EC2's singular list names (<c>SecurityGroupId.1</c>).</summary>
    private static void Ec2Flatten(IDictionary<string, string> form, string prefix, JsonNode? node)
    {
        switch (node)
        {
            case null:
                return;
            case JsonObject o:
                foreach (var (k, v) in o)
                {
                    var name = v is JsonArray && ListNames.TryGetValue(k, out var singular) ? singular : k;
                    Ec2Flatten(form, prefix + "." + name, v);
                }

                return;
            case JsonArray a:
                for (var i = 0; i < a.Count; i++)
                {
                    Ec2Flatten(form, $"{prefix}.{(i + 1).ToString(CultureInfo.InvariantCulture)}", a[i]);
                }

                return;
            default:
                form[prefix] = Template.Text(node);
                return;
        }
    }
}

/// <summary>
/// AWS::ElasticLoadBalancingV2::TargetGroup: CreateTargetGroup (a 32-character name generated when none is given),
/// its attributes through ModifyTargetGroupAttributes (values equal to ELB's defaults need no call), health check
/// changes in place (ModifyTargetGroup), DeleteTargetGroup.
/// </summary>
internal sealed class TargetGroupHandler : ResourceHandler
{
    public override IReadOnlyList<string> Types => ["AWS::ElasticLoadBalancingV2::TargetGroup"];

    /// <summary>Target group attributes at ELB's default value: setting them changes nothing.</summary>
    private static readonly ImmutableDictionary<string, string> Defaults = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["stickiness.enabled"] = "false",
        ["load_balancing.algorithm.type"] = "round_robin",
        ["slow_start.duration_seconds"] = "0",
        ["load_balancing.cross_zone.enabled"] = "use_load_balancer_configuration",
    }.ToImmutableDictionary(StringComparer.Ordinal);

    private static readonly string[] HealthCheck =
    [
        "HealthCheckEnabled", "HealthCheckIntervalSeconds", "HealthCheckPath", "HealthCheckPort", "HealthCheckProtocol", "HealthCheckTimeoutSeconds",
        "HealthyThresholdCount", "UnhealthyThresholdCount", "Matcher",
    ];

    public override async Task<ResourceOutcome> Create(HandlerContext c)
    {
        var name = c.NameOr("Name", 32, "-");
        var properties = (JsonObject)c.Properties.DeepClone();
        properties.Remove("TargetGroupAttributes");
        properties.Remove("Targets");
        var form = new Dictionary<string, string>(StringComparer.Ordinal);
        CfnProperties.Flatten(form, "", properties);
        form["Name"] = name;
        var result = await c.Aws.Query(AwsServices.Elbv2, "CreateTargetGroup", form);
        var arn = QueryResults.Value(result, "TargetGroupArn") ?? throw new EcsException(ErrorCodes.ServerException, "CreateTargetGroup returned no ARN");
        await SetAttributes(c, arn);
        return ResourceOutcome.Done(arn, Shape(arn, name, result));
    }

    public override async Task<ResourceOutcome> Update(HandlerContext c)
    {
        var other = c.Changed.Where(p => !HealthCheck.Contains(p) && p is not ("TargetGroupAttributes" or "Tags")).ToList();
        if (other.Count > 0)
        {
            return ResourceOutcome.Failed($"Updating {string.Join(", ", other)} of a target group in place is not supported by this emulator's CloudFormation", c.PhysicalId);
        }

        if (c.Changed.Any(HealthCheck.Contains))
        {
            var form = new Dictionary<string, string>(StringComparer.Ordinal);
            CfnProperties.Flatten(form, "", new JsonObject(HealthCheck.Where(h => c.Properties[h] is not null).Select(h => KeyValuePair.Create<string, JsonNode?>(h, c.Properties[h]!.DeepClone()))));
            form["TargetGroupArn"] = c.PhysicalId;
            await c.Aws.Query(AwsServices.Elbv2, "ModifyTargetGroup", form);
        }

        if (c.Changed.Contains("TargetGroupAttributes"))
        {
            await SetAttributes(c, c.PhysicalId);
        }

        return ResourceOutcome.Done(c.PhysicalId, c.Call.Attributes);
    }

    public override async Task<ResourceOutcome> Delete(HandlerContext c)
    {
        await c.Aws.Query(AwsServices.Elbv2, "DeleteTargetGroup", new Dictionary<string, string> { ["TargetGroupArn"] = c.PhysicalId });
        return ResourceOutcome.Done(c.PhysicalId);
    }

    private static async Task SetAttributes(HandlerContext c, string arn)
    {
        var attributes = (c.Properties["TargetGroupAttributes"] as JsonArray ?? []).OfType<JsonObject>()
            .Select(a => (Key: Template.Text(a["Key"]), Value: Template.Text(a["Value"])))
            .Where(a => !(Defaults.TryGetValue(a.Key, out var d) && d == a.Value))
            .ToList();
        if (attributes.Count == 0)
        {
            return;
        }

        var form = new Dictionary<string, string>(StringComparer.Ordinal) { ["TargetGroupArn"] = arn };
        for (var i = 0; i < attributes.Count; i++)
        {
            form[$"Attributes.member.{i + 1}.Key"] = attributes[i].Key;
            form[$"Attributes.member.{i + 1}.Value"] = attributes[i].Value;
        }

        await c.Aws.Query(AwsServices.Elbv2, "ModifyTargetGroupAttributes", form);
    }

    private static ImmutableDictionary<string, string> Shape(string arn, string name, XElement result)
    {
        var suffix = arn[(arn.IndexOf(":targetgroup/", StringComparison.Ordinal) + 1)..];
        var loadBalancers = result.Descendants().Where(e => e.Name.LocalName == "LoadBalancerArns").SelectMany(e => e.Elements()).Select(e => e.Value).ToList();
        return ImmutableDictionary.CreateRange(StringComparer.Ordinal, new[]
        {
            KeyValuePair.Create("TargetGroupArn", CfnProperties.Attr(arn)),
            KeyValuePair.Create("TargetGroupName", CfnProperties.Attr(name)),
            KeyValuePair.Create("TargetGroupFullName", CfnProperties.Attr(suffix)),
            KeyValuePair.Create("LoadBalancerArns", CfnProperties.Attr(loadBalancers)),
        });
    }
}

/// <summary>
/// Resources the emulator keeps as stored records of their stack (B-CFN-10, Model choice): Cloud Map namespaces and
/// services (no DNS is served), the VPC routing pieces (internet gateways and their attachments, route tables, routes,
/// Elastic IPs, NAT gateways: no packet is routed), CDK's metadata and wait condition handles. Each gets an id of
/// AWS's shape and the attributes Fn::GetAtt reads; its required properties are checked.
/// </summary>
internal sealed class StoredRecordHandler : ResourceHandler
{
    private sealed record Kind(string IdPrefix, int IdLength, string[] Required, Func<HandlerContext, string, ImmutableDictionary<string, string>> Attributes, Func<HandlerContext, string, string>? Ref = null);

    private static readonly ImmutableDictionary<string, Kind> Kinds = new Dictionary<string, Kind>(StringComparer.Ordinal)
    {
        ["AWS::ServiceDiscovery::PrivateDnsNamespace"] = new("ns-", 16, ["Name", "Vpc"], (c, id) => Attributes(
            ("Id", id), ("Arn", $"arn:aws:servicediscovery:{c.Region}:{c.Account}:namespace/{id}"), ("HostedZoneId", "Z" + id[3..].ToUpperInvariant()))),
        ["AWS::ServiceDiscovery::PublicDnsNamespace"] = new("ns-", 16, ["Name"], (c, id) => Attributes(
            ("Id", id), ("Arn", $"arn:aws:servicediscovery:{c.Region}:{c.Account}:namespace/{id}"), ("HostedZoneId", "Z" + id[3..].ToUpperInvariant()))),
        ["AWS::ServiceDiscovery::HttpNamespace"] = new("ns-", 16, ["Name"], (c, id) => Attributes(
            ("Id", id), ("Arn", $"arn:aws:servicediscovery:{c.Region}:{c.Account}:namespace/{id}"))),
        ["AWS::ServiceDiscovery::Service"] = new("srv-", 16, [], (c, id) => Attributes(
            ("Id", id), ("Arn", $"arn:aws:servicediscovery:{c.Region}:{c.Account}:service/{id}"), ("Name", CfnProperties.Text(c.Properties, "Name") ?? c.Call.LogicalId))),
        ["AWS::EC2::InternetGateway"] = new("igw-", 17, [], (_, id) => Attributes(("InternetGatewayId", id))),
        ["AWS::EC2::VPCGatewayAttachment"] = new("", 0, ["VpcId"], (_, _) => Attributes(), (c, _) => $"IGW|{CfnProperties.Text(c.Properties, "VpcId")}"),
        ["AWS::EC2::RouteTable"] = new("rtb-", 17, ["VpcId"], (_, id) => Attributes(("RouteTableId", id))),
        ["AWS::EC2::SubnetRouteTableAssociation"] = new("rtbassoc-", 17, ["RouteTableId", "SubnetId"], (_, id) => Attributes(("Id", id))),
        ["AWS::EC2::Route"] = new("", 0, ["RouteTableId"], (_, _) => Attributes(),
            (c, _) => $"{CfnProperties.Text(c.Properties, "RouteTableId")}|{CfnProperties.Text(c.Properties, "DestinationCidrBlock") ?? CfnProperties.Text(c.Properties, "DestinationIpv6CidrBlock")}"),
        ["AWS::EC2::EIP"] = new("eipalloc-", 17, [], (c, id) => Attributes(("AllocationId", id), ("PublicIp", PublicIp(id))), (_, id) => PublicIp(id)),
        ["AWS::EC2::NatGateway"] = new("nat-", 17, ["SubnetId"], (_, id) => Attributes(("NatGatewayId", id))),
        ["AWS::CDK::Metadata"] = new("", 0, [], (_, _) => Attributes(), (c, _) => c.Call.LogicalId),
        ["AWS::CloudFormation::WaitConditionHandle"] = new("", 0, [], (_, _) => Attributes(),
            (c, _) => $"https://cloudformation-waitcondition-{c.Region}.s3.amazonaws.com/{Uri.EscapeDataString(c.Stack.StackId)}/{c.Call.LogicalId}"),
    }.ToImmutableDictionary(StringComparer.Ordinal);

    public override IReadOnlyList<string> Types => [.. Kinds.Keys];

    public override Task<ResourceOutcome> Create(HandlerContext c)
    {
        var kind = Kinds[c.Call.Type];
        var missing = kind.Required.Where(p => c.Properties[p] is null).ToList();
        if (missing.Count > 0)
        {
            return Task.FromResult(ResourceOutcome.Failed(
                $"Properties validation failed for resource {c.Call.LogicalId} with message: #: required key [{missing[0]}] not found"));
        }

        var random = c.Aws.Runtime.Random.For($"cloudformation/record/{c.Stack.StackId}/{c.Call.LogicalId}/{c.Now.UtcTicks}");
        var id = kind.IdPrefix + RandomIds.HexString(random, kind.IdLength);
        var physical = kind.Ref?.Invoke(c, id) ?? id;
        return Done(physical, kind.Attributes(c, id));
    }

    /// <summary>Records change in place (the engine replaces them when a create-only property changes).</summary>
    public override Task<ResourceOutcome> Update(HandlerContext c) => Done(c.PhysicalId, c.Call.Attributes);

    public override Task<ResourceOutcome> Delete(HandlerContext c) => Done(c.PhysicalId);

    /// <summary>An address of TEST-NET-3 (203.0.113.0/24, documentation-only): no traffic can ever go there.</summary>
    private static string PublicIp(string allocationId) =>
        "203.0.113." + (int.Parse(allocationId[^2..], NumberStyles.HexNumber, CultureInfo.InvariantCulture) % 254 + 1).ToString(CultureInfo.InvariantCulture);
}
