using System.Collections.Immutable;

namespace Emulator.Contracts;

[GenerateSerializer, Immutable, Alias("RunTaskRequest")]
public sealed record RunTaskRequest(
    [property: Id(0)] string? Cluster,
    [property: Id(1)] string TaskDefinition,
    [property: Id(2)] int Count,
    [property: Id(3)] LaunchType? LaunchType,
    [property: Id(4)] ImmutableArray<CapacityProviderStrategyItem> CapacityProviderStrategy,
    [property: Id(5)] ImmutableArray<PlacementStrategy> PlacementStrategies,
    [property: Id(6)] ImmutableArray<PlacementConstraint> PlacementConstraints,
    [property: Id(7)] string? Group,
    [property: Id(8)] string? StartedBy,
    [property: Id(9)] string? ClientToken,
    [property: Id(10)] string? RequestFingerprint = null,
    [property: Id(11)] AwsVpcConfiguration? Network = null);

[GenerateSerializer, Immutable, Alias("CreateServiceRequest")]
public sealed record CreateServiceRequest(
    [property: Id(0)] string? Cluster,
    [property: Id(1)] string ServiceName,
    [property: Id(2)] string TaskDefinition,
    [property: Id(3)] int? DesiredCount,
    [property: Id(4)] LaunchType? LaunchType,
    [property: Id(5)] ImmutableArray<CapacityProviderStrategyItem> CapacityProviderStrategy,
    [property: Id(6)] ImmutableArray<PlacementStrategy> PlacementStrategies,
    [property: Id(7)] ImmutableArray<PlacementConstraint> PlacementConstraints,
    [property: Id(8)] SchedulingStrategy SchedulingStrategy,
    [property: Id(9)] int? MinimumHealthyPercent,
    [property: Id(10)] int? MaximumPercent,
    [property: Id(11)] ImmutableDictionary<string, string> Tags,
    [property: Id(12)] string? ClientToken,
    [property: Id(13)] string? RequestFingerprint = null,
    [property: Id(14)] ImmutableArray<ServiceLoadBalancer> LoadBalancers = default,
    [property: Id(15)] ServiceOptionsPatch? Options = null);

[GenerateSerializer, Immutable, Alias("UpdateServiceRequest")]
public sealed record UpdateServiceRequest(
    [property: Id(0)] string? Cluster,
    [property: Id(1)] string Service,
    [property: Id(2)] int? DesiredCount,
    [property: Id(3)] string? TaskDefinition,
    [property: Id(4)] ImmutableArray<CapacityProviderStrategyItem>? CapacityProviderStrategy,
    [property: Id(5)] ImmutableArray<PlacementStrategy>? PlacementStrategies,
    [property: Id(6)] ImmutableArray<PlacementConstraint>? PlacementConstraints,
    [property: Id(7)] int? MinimumHealthyPercent,
    [property: Id(8)] int? MaximumPercent,
    [property: Id(9)] bool ForceNewDeployment,
    [property: Id(10)] ImmutableArray<ServiceLoadBalancer>? LoadBalancers = null,
    [property: Id(11)] ServiceOptionsPatch? Options = null);

/// <summary>Everything the client's status view shows for one cluster, in one round trip.</summary>
[GenerateSerializer, Immutable, Alias("ClusterStatus")]
public sealed record ClusterStatus(
    [property: Id(0)] ClusterInfo Cluster,
    [property: Id(1)] ImmutableArray<CapacityProviderInfo> CapacityProviders,
    [property: Id(2)] ImmutableArray<AsgInfo> AutoScalingGroups,
    [property: Id(3)] ImmutableArray<ContainerInstanceRecord> Instances,
    [property: Id(4)] ImmutableArray<TaskRecord> Tasks,
    [property: Id(5)] ImmutableArray<ServiceInfo> Services,
    [property: Id(6)] DateTimeOffset Now,
    [property: Id(7)] CostReport Costs);

/// <summary>
/// The control plane's front door: operations that span several grains (resolve a task definition, validate a
/// capacity provider strategy against the providers, associate providers with a cluster, ...). Stateless; the
/// AWS HTTP edge and the command-line client both call it, so both get the same validation and AWS error codes.
/// </summary>
[Alias("IEcsControlGrain")]
public interface IEcsControlGrain : IGrainWithIntegerKey
{
    [Alias("CreateCluster")] Task<ClusterInfo> CreateCluster(CreateClusterRequest request);

    [Alias("DeleteCluster")] Task<ClusterInfo> DeleteCluster(string cluster);

    [Alias("PutClusterCapacityProviders")]
    Task<ClusterInfo> PutClusterCapacityProviders(string cluster, ImmutableArray<string> providers, ImmutableArray<CapacityProviderStrategyItem> defaultStrategy);

    [Alias("CreateCapacityProvider")] Task<CapacityProviderInfo> CreateCapacityProvider(CapacityProviderSpec spec);

    [Alias("DescribeCapacityProviders")] Task<ImmutableArray<CapacityProviderInfo>> DescribeCapacityProviders(ImmutableArray<string> names);

    [Alias("DeleteCapacityProvider")] Task<CapacityProviderInfo> DeleteCapacityProvider(string name);

    [Alias("CreateAutoScalingGroup")] Task<AsgInfo> CreateAutoScalingGroup(AsgSpec spec);

    [Alias("RegisterTaskDefinition")] Task<TaskDefinitionRecord> RegisterTaskDefinition(TaskDefinitionSpec spec);

    [Alias("RunTask")] Task<LaunchResult> RunTask(RunTaskRequest request);

    [Alias("StopTask")] Task<TaskRecord> StopTask(string? cluster, string task, string? reason);

    [Alias("CreateService")] Task<ServiceInfo> CreateService(CreateServiceRequest request);

    [Alias("UpdateService")] Task<ServiceInfo> UpdateService(UpdateServiceRequest request);

    [Alias("DeleteService")] Task<ServiceInfo> DeleteService(string? cluster, string service, bool force);

    [Alias("UpdateContainerInstancesState")]
    Task<ImmutableArray<InstanceStateChange>> UpdateContainerInstancesState(string? cluster, ImmutableArray<string> containerInstances, ContainerInstanceStatus status);

    [Alias("GetClusterStatus")] Task<ClusterStatus> GetClusterStatus(string? cluster, bool includeStoppedTasks);

    [Alias("Now")] Task<DateTimeOffset> Now();

    /// <summary>B-PL-6: how a RunTask with these parameters would be placed, and why instances were left out.</summary>
    [Alias("ExplainRunTask")] Task<ImmutableArray<PlacementExplanationInfo>> ExplainRunTask(RunTaskRequest request);

    [Alias("StartTask")] Task<LaunchResult> StartTask(StartTaskRequest request);

    /// <summary>B-CI-5: deregistering an instance with running tasks needs <paramref name="force"/>.</summary>
    [Alias("DeregisterContainerInstance")] Task<ContainerInstanceRecord> DeregisterContainerInstance(string? cluster, string containerInstance, bool force);

    /// <summary>B-CI-6: custom attributes on container instances (all validated before any is applied).</summary>
    [Alias("PutAttributes")] Task<ImmutableArray<InstanceAttribute>> PutAttributes(string? cluster, ImmutableArray<InstanceAttribute> attributes);

    [Alias("DeleteAttributes")] Task<ImmutableArray<InstanceAttribute>> DeleteAttributes(string? cluster, ImmutableArray<InstanceAttribute> attributes);

    [Alias("UpdateCapacityProvider")] Task<CapacityProviderInfo> UpdateCapacityProvider(CapacityProviderUpdate update);

    [Alias("DeregisterTaskDefinition")] Task<TaskDefinitionRecord> DeregisterTaskDefinition(string taskDefinition);

    /// <summary>TagResource on any existing ECS resource ARN (a missing one is ResourceNotFoundException).</summary>
    [Alias("TagResource")] Task<ImmutableDictionary<string, string>> TagResource(string resourceArn, ImmutableDictionary<string, string> tags);

    [Alias("UntagResource")] Task<ImmutableDictionary<string, string>> UntagResource(string resourceArn, ImmutableArray<string> tagKeys);

    /// <summary>
    /// The ARN if it names an existing ECS resource; else InvalidParameterException for a malformed ARN and, for a
    /// missing resource, ResourceNotFoundException (or, when <paramref name="listing"/>, the ListTagsForResource codes).
    /// </summary>
    [Alias("ExistingResourceArn")] Task<string> ExistingResourceArn(string resourceArn, bool listing);

    /// <summary>
    /// ListTagsForResource: the tags the resource was created with, then every TagResource / UntagResource (errors as
    /// <see cref="ExistingResourceArn"/> with listing).
    /// </summary>
    [Alias("ListTagsForResource")] Task<ImmutableDictionary<string, string>> ListTagsForResource(string resourceArn);
}

/// <summary>StartTask: a task definition started on named container instances (B-PL-1 with the instances as targets).</summary>
[GenerateSerializer, Immutable, Alias("StartTaskRequest")]
public sealed record StartTaskRequest(
    [property: Id(0)] string? Cluster,
    [property: Id(1)] string TaskDefinition,
    [property: Id(2)] ImmutableArray<string> ContainerInstances,
    [property: Id(3)] string? Group,
    [property: Id(4)] string? StartedBy);

/// <summary>UpdateCapacityProvider: null members keep their current value.</summary>
[GenerateSerializer, Immutable, Alias("CapacityProviderUpdate")]
public sealed record CapacityProviderUpdate(
    [property: Id(0)] string Name,
    [property: Id(1)] ManagedScalingSpec? ManagedScaling,
    [property: Id(2)] bool? ManagedTerminationProtection,
    [property: Id(3)] bool? ManagedDraining,
    [property: Id(4)] ManagedInstancesSpec? ManagedInstances = null);
