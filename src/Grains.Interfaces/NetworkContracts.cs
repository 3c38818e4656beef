using System.Collections.Immutable;

namespace Emulator.Contracts;

/// <summary>An EC2 VPC with the resources AWS creates along with it (main route table, default ACL, default group).</summary>
[GenerateSerializer, Immutable, Alias("VpcRecord")]
public sealed record VpcRecord(
    [property: Id(0)] string VpcId,
    [property: Id(1)] string CidrBlock,
    [property: Id(2)] string CidrAssociationId,
    [property: Id(3)] bool IsDefault,
    [property: Id(4)] string InstanceTenancy,
    [property: Id(5)] bool EnableDnsSupport,
    [property: Id(6)] bool EnableDnsHostnames,
    [property: Id(7)] bool EnableNetworkAddressUsageMetrics,
    [property: Id(8)] string DhcpOptionsId,
    [property: Id(9)] string MainRouteTableId,
    [property: Id(10)] string MainRouteTableAssociationId,
    [property: Id(11)] string DefaultNetworkAclId,
    [property: Id(12)] string DefaultSecurityGroupId,
    [property: Id(13)] ImmutableDictionary<string, string> Tags,
    [property: Id(14)] DateTimeOffset CreatedAt);

/// <summary>An EC2 subnet: a CIDR inside its VPC's, in one availability zone (what awsvpc tasks and ASG instances land in).</summary>
[GenerateSerializer, Immutable, Alias("SubnetRecord")]
public sealed record SubnetRecord(
    [property: Id(0)] string SubnetId,
    [property: Id(1)] string VpcId,
    [property: Id(2)] string CidrBlock,
    [property: Id(3)] string AvailabilityZone,
    [property: Id(4)] string AvailabilityZoneId,
    [property: Id(5)] bool DefaultForAz,
    [property: Id(6)] bool MapPublicIpOnLaunch,
    [property: Id(7)] string PrivateDnsHostnameType,
    [property: Id(8)] bool EnableResourceNameDnsARecord,
    [property: Id(9)] ImmutableDictionary<string, string> Tags,
    [property: Id(10)] DateTimeOffset CreatedAt);

/// <summary>
/// One rule of a security group with one source or destination (a CIDR, an IPv6 CIDR, a prefix list or another group),
/// as DescribeSecurityGroupRules shows it. DescribeSecurityGroups groups rules by protocol and ports.
/// </summary>
[GenerateSerializer, Immutable, Alias("SecurityGroupRuleRecord")]
public sealed record SecurityGroupRuleRecord(
    [property: Id(0)] string RuleId,
    [property: Id(1)] bool IsEgress,
    [property: Id(2)] string Protocol,
    [property: Id(3)] int? FromPort,
    [property: Id(4)] int? ToPort,
    [property: Id(5)] string? CidrIpv4,
    [property: Id(6)] string? CidrIpv6,
    [property: Id(7)] string? PrefixListId,
    [property: Id(8)] string? ReferencedGroupId,
    [property: Id(9)] string? Description,
    [property: Id(10)] ImmutableDictionary<string, string> Tags);

[GenerateSerializer, Immutable, Alias("SecurityGroupRecord")]
public sealed record SecurityGroupRecord(
    [property: Id(0)] string GroupId,
    [property: Id(1)] string GroupName,
    [property: Id(2)] string Description,
    [property: Id(3)] string VpcId,
    [property: Id(4)] ImmutableArray<SecurityGroupRuleRecord> Rules,
    [property: Id(5)] ImmutableDictionary<string, string> Tags,
    [property: Id(6)] bool IsDefault);

/// <summary>
/// The EC2 network of the account: VPCs, subnets and security groups (and each VPC's main route table and default
/// network ACL, which exist with it). The account starts with a default VPC, as AWS accounts do.
/// </summary>
[GenerateSerializer, Immutable, Alias("NetworkState")]
public sealed record NetworkState(
    [property: Id(0)] ImmutableSortedDictionary<string, VpcRecord> Vpcs,
    [property: Id(1)] ImmutableSortedDictionary<string, SubnetRecord> Subnets,
    [property: Id(2)] ImmutableSortedDictionary<string, SecurityGroupRecord> SecurityGroups)
{
    public static NetworkState Empty { get; } = new(
        ImmutableSortedDictionary.Create<string, VpcRecord>(StringComparer.Ordinal),
        ImmutableSortedDictionary.Create<string, SubnetRecord>(StringComparer.Ordinal),
        ImmutableSortedDictionary.Create<string, SecurityGroupRecord>(StringComparer.Ordinal));
}

[GenerateSerializer, Immutable, Alias("NetworkCommand")]
public abstract record NetworkCommand;

[GenerateSerializer, Immutable, Alias("NetworkCreateVpc")]
public sealed record NetworkCreateVpc(
    [property: Id(0)] string CidrBlock,
    [property: Id(1)] string? InstanceTenancy,
    [property: Id(2)] ImmutableDictionary<string, string> Tags) : NetworkCommand;

[GenerateSerializer, Immutable, Alias("NetworkDeleteVpc")]
public sealed record NetworkDeleteVpc([property: Id(0)] string VpcId) : NetworkCommand;

/// <summary>ModifyVpcAttribute: one attribute per call (enableDnsSupport, enableDnsHostnames, enableNetworkAddressUsageMetrics).</summary>
[GenerateSerializer, Immutable, Alias("NetworkModifyVpc")]
public sealed record NetworkModifyVpc(
    [property: Id(0)] string VpcId,
    [property: Id(1)] string Attribute,
    [property: Id(2)] bool Value) : NetworkCommand;

[GenerateSerializer, Immutable, Alias("NetworkCreateSubnet")]
public sealed record NetworkCreateSubnet(
    [property: Id(0)] string VpcId,
    [property: Id(1)] string CidrBlock,
    [property: Id(2)] string? AvailabilityZone,
    [property: Id(3)] string? AvailabilityZoneId,
    [property: Id(4)] ImmutableDictionary<string, string> Tags) : NetworkCommand;

[GenerateSerializer, Immutable, Alias("NetworkDeleteSubnet")]
public sealed record NetworkDeleteSubnet([property: Id(0)] string SubnetId) : NetworkCommand;

/// <summary>ModifySubnetAttribute: mapPublicIpOnLaunch, privateDnsHostnameTypeOnLaunch, enableResourceNameDnsARecordOnLaunch, or a false-only one.</summary>
[GenerateSerializer, Immutable, Alias("NetworkModifySubnet")]
public sealed record NetworkModifySubnet(
    [property: Id(0)] string SubnetId,
    [property: Id(1)] string Attribute,
    [property: Id(2)] string Value) : NetworkCommand;

[GenerateSerializer, Immutable, Alias("NetworkCreateSecurityGroup")]
public sealed record NetworkCreateSecurityGroup(
    [property: Id(0)] string GroupName,
    [property: Id(1)] string Description,
    [property: Id(2)] string? VpcId,
    [property: Id(3)] ImmutableDictionary<string, string> Tags) : NetworkCommand;

[GenerateSerializer, Immutable, Alias("NetworkDeleteSecurityGroup")]
public sealed record NetworkDeleteSecurityGroup(
    [property: Id(0)] string? GroupId,
    [property: Id(1)] string? GroupName) : NetworkCommand;

/// <summary>A rule as a request states it: rule ids are assigned when it is authorized.</summary>
[GenerateSerializer, Immutable, Alias("SecurityGroupRuleRequest")]
public sealed record SecurityGroupRuleRequest(
    [property: Id(0)] string Protocol,
    [property: Id(1)] int? FromPort,
    [property: Id(2)] int? ToPort,
    [property: Id(3)] string? CidrIpv4,
    [property: Id(4)] string? CidrIpv6,
    [property: Id(5)] string? PrefixListId,
    [property: Id(6)] string? ReferencedGroupId,
    [property: Id(7)] string? Description);

/// <summary>Authorize (Authorize true) or revoke ingress / egress rules, by content or (revoke) by rule id.</summary>
[GenerateSerializer, Immutable, Alias("NetworkSecurityGroupRules")]
public sealed record NetworkSecurityGroupRules(
    [property: Id(0)] string GroupId,
    [property: Id(1)] bool Egress,
    [property: Id(2)] bool Authorize,
    [property: Id(3)] ImmutableArray<SecurityGroupRuleRequest> Rules,
    [property: Id(4)] ImmutableArray<string> RuleIds,
    [property: Id(5)] ImmutableDictionary<string, string> Tags) : NetworkCommand;

/// <summary>UpdateSecurityGroupRuleDescriptions(Ingress|Egress) and ModifySecurityGroupRules: new descriptions by rule id.</summary>
[GenerateSerializer, Immutable, Alias("NetworkRuleDescriptions")]
public sealed record NetworkRuleDescriptions(
    [property: Id(0)] string GroupId,
    [property: Id(1)] ImmutableDictionary<string, string> Descriptions) : NetworkCommand;

/// <summary>CreateTags / DeleteTags on VPCs, subnets, security groups and their rules (DeleteTags: Values null = any value).</summary>
[GenerateSerializer, Immutable, Alias("NetworkTags")]
public sealed record NetworkTags(
    [property: Id(0)] ImmutableArray<string> ResourceIds,
    [property: Id(1)] ImmutableDictionary<string, string> Tags,
    [property: Id(2)] ImmutableDictionary<string, string?> Remove) : NetworkCommand;

/// <summary>
/// The account's EC2 network (VPCs, subnets, security groups and their rules): what real ECS configurations create
/// and what awsvpc tasks and Auto Scaling groups are placed in (a subnet carries its availability zone). Stored with
/// AWS's ids and errors; no packet is filtered. Singleton, keyed <see cref="Key"/>.
/// </summary>
[Alias("INetworkGrain")]
public interface INetworkGrain : IGrainWithStringKey
{
    public const string Key = "network";

    [Alias("Read")] Task<NetworkState> Read();

    /// <summary>Applies one change (validated by the pure model; EC2 error codes): the new state and the id a create made.</summary>
    [Alias("Apply")] Task<NetworkChange> Apply(NetworkCommand command);
}

[GenerateSerializer, Immutable, Alias("NetworkChange")]
public sealed record NetworkChange(
    [property: Id(0)] NetworkState State,
    [property: Id(1)] string? CreatedId,
    [property: Id(2)] ImmutableArray<string> CreatedRuleIds = default);
