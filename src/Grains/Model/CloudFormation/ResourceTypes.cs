using System.Collections.Immutable;

namespace Emulator.Model.CloudFormation;

/// <summary>
/// What CloudFormation knows of one resource type (B-CFN-10): the attributes Fn::GetAtt may read, the properties whose
/// change needs a new physical resource (create-only), and the property that names it (a custom-named resource cannot
/// be replaced: the new one would need the same name).
/// </summary>
public sealed record ResourceTypeInfo(
    string Type,
    ImmutableArray<string> Attributes,
    ImmutableArray<string> CreateOnly,
    string? NameProperty,
    bool EveryPropertyCreateOnly = false,
    ImmutableArray<string> Mutable = default)
{
    /// <summary>Whether changing <paramref name="property"/> (a top-level property name) replaces the resource.</summary>
    public bool Replaces(string property) =>
        EveryPropertyCreateOnly ? Mutable.IsDefault || !Mutable.Contains(property) : CreateOnly.Contains(property);
}

/// <summary>
/// The resource types the emulator's CloudFormation creates (B-CFN-10), each mapped onto the emulator's own
/// operations (src/Silo/CloudFormation). A well-formed type outside this table fails its stack at that resource with a
/// reason naming it; docs/cloudformation.md lists the table.
/// </summary>
public static class ResourceTypes
{
    private static ResourceTypeInfo T(string type, string[] attributes, string[] createOnly, string? name = null) =>
        new(type, [.. attributes], [.. createOnly], name);

    private static ResourceTypeInfo Immutable(string type, string[] attributes, string? name = null, string[]? mutable = null) =>
        new(type, [.. attributes], [], name, true, mutable is null ? ["Tags"] : [.. mutable]);

    public static readonly ImmutableDictionary<string, ResourceTypeInfo> All = new[]
    {
        // ECS (through the front door, IEcsControlGrain)
        T("AWS::ECS::Cluster", ["Arn"], ["ClusterName"], "ClusterName"),
        T("AWS::ECS::CapacityProvider", [], ["Name", "AutoScalingGroupProvider.AutoScalingGroupArn"], "Name"),
        T("AWS::ECS::ClusterCapacityProviderAssociations", [], ["Cluster"]),
        Immutable("AWS::ECS::TaskDefinition", ["TaskDefinitionArn"]),
        T("AWS::ECS::Service", ["Name", "ServiceArn"], ["Cluster", "ServiceName", "LaunchType", "Role", "SchedulingStrategy", "DeploymentController"], "ServiceName"),

        // EC2 Auto Scaling
        T("AWS::AutoScaling::AutoScalingGroup", ["LaunchConfigurationName"], ["AutoScalingGroupName", "InstanceId"], "AutoScalingGroupName"),
        Immutable("AWS::AutoScaling::LaunchConfiguration", [], "LaunchConfigurationName", []),

        // EC2: launch templates, the network of the Terraform issue, and the routing resources as stored records
        T("AWS::EC2::LaunchTemplate", ["LaunchTemplateId", "DefaultVersionNumber", "LatestVersionNumber"], ["LaunchTemplateName"], "LaunchTemplateName"),
        T("AWS::EC2::VPC", ["VpcId", "CidrBlock", "CidrBlockAssociations", "DefaultNetworkAcl", "DefaultSecurityGroup", "Ipv6CidrBlocks"], ["CidrBlock", "InstanceTenancy", "Ipv4IpamPoolId", "Ipv4NetmaskLength"]),
        T("AWS::EC2::Subnet", ["SubnetId", "AvailabilityZone", "AvailabilityZoneId", "CidrBlock", "VpcId", "NetworkAclAssociationId", "Ipv6CidrBlocks"], ["VpcId", "CidrBlock", "AvailabilityZone", "AvailabilityZoneId", "Ipv6CidrBlock"]),
        T("AWS::EC2::SecurityGroup", ["GroupId", "VpcId"], ["GroupDescription", "GroupName", "VpcId"], "GroupName"),
        Immutable("AWS::EC2::SecurityGroupIngress", ["Id"], mutable: ["Description"]),
        Immutable("AWS::EC2::SecurityGroupEgress", ["Id"], mutable: ["Description"]),
        T("AWS::EC2::InternetGateway", ["InternetGatewayId"], []),
        T("AWS::EC2::VPCGatewayAttachment", [], ["VpcId"]),
        T("AWS::EC2::RouteTable", ["RouteTableId"], ["VpcId"]),
        T("AWS::EC2::SubnetRouteTableAssociation", ["Id"], ["SubnetId"]),
        T("AWS::EC2::Route", [], ["RouteTableId", "DestinationCidrBlock", "DestinationIpv6CidrBlock"]),
        T("AWS::EC2::EIP", ["AllocationId", "PublicIp"], ["Domain"]),
        T("AWS::EC2::NatGateway", ["NatGatewayId"], ["SubnetId", "AllocationId", "ConnectivityType"]),

        // Elastic Load Balancing v2
        T("AWS::ElasticLoadBalancingV2::TargetGroup", ["TargetGroupArn", "TargetGroupName", "TargetGroupFullName", "LoadBalancerArns"], ["Name", "Port", "Protocol", "VpcId", "TargetType", "ProtocolVersion"], "Name"),
        T("AWS::ElasticLoadBalancingV2::LoadBalancer", ["DNSName", "LoadBalancerArn", "LoadBalancerFullName", "LoadBalancerName", "CanonicalHostedZoneID", "SecurityGroups"], ["Name", "Scheme", "Type"], "Name"),
        T("AWS::ElasticLoadBalancingV2::Listener", ["ListenerArn"], ["LoadBalancerArn"]),
        T("AWS::ElasticLoadBalancingV2::ListenerRule", ["RuleArn", "IsDefault"], ["ListenerArn"]),

        // IAM and Logs
        T("AWS::IAM::Role", ["Arn", "RoleId"], ["RoleName", "Path"], "RoleName"),
        T("AWS::IAM::Policy", [], []),
        T("AWS::IAM::ManagedPolicy", ["PolicyArn"], ["ManagedPolicyName", "Path"], "ManagedPolicyName"),
        T("AWS::IAM::InstanceProfile", ["Arn"], ["InstanceProfileName", "Path"], "InstanceProfileName"),
        T("AWS::Logs::LogGroup", ["Arn"], ["LogGroupName"], "LogGroupName"),

        // Application Auto Scaling and CloudWatch alarms
        T("AWS::ApplicationAutoScaling::ScalableTarget", ["Id"], ["ResourceId", "ScalableDimension", "ServiceNamespace"]),
        T("AWS::ApplicationAutoScaling::ScalingPolicy", ["Arn"], ["PolicyName", "ResourceId", "ScalableDimension", "ServiceNamespace", "ScalingTargetId"]),
        T("AWS::CloudWatch::Alarm", ["Arn"], ["AlarmName"], "AlarmName"),

        // Cloud Map namespaces and services: stored records
        T("AWS::ServiceDiscovery::PrivateDnsNamespace", ["Id", "Arn", "HostedZoneId"], ["Name", "Vpc"]),
        T("AWS::ServiceDiscovery::PublicDnsNamespace", ["Id", "Arn", "HostedZoneId"], ["Name"]),
        T("AWS::ServiceDiscovery::HttpNamespace", ["Id", "Arn"], ["Name"]),
        T("AWS::ServiceDiscovery::Service", ["Id", "Arn", "Name"], ["Name", "NamespaceId", "HealthCheckCustomConfig", "Type"]),

        // CloudFormation's own bookkeeping
        T("AWS::CDK::Metadata", [], []),
        T("AWS::CloudFormation::WaitConditionHandle", [], []),
    }.ToImmutableDictionary(t => t.Type, StringComparer.Ordinal);

    public static ResourceTypeInfo? Find(string type) => All.GetValueOrDefault(type);

    /// <summary>The reason a stack gives when a resource's type is not one the emulator creates.</summary>
    public static string UnsupportedReason(string type) =>
        $"Resource type {type} is not supported by this emulator's CloudFormation (supported types: docs/cloudformation.md)";
}
