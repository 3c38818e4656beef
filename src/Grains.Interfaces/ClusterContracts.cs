using Orleans.Concurrency;
using System.Collections.Immutable;

namespace Emulator.Contracts;

public enum ProviderType
{
    AutoScalingGroup = 0,
    Fargate = 1,
    FargateSpot = 2,

    /// <summary>B-MI-1: ECS Managed Instances (ECS launches and consolidates the instances itself).</summary>
    ManagedInstances = 3,
}

/// <summary>A capacity provider as a cluster needs to know it (B-CP-*, B-PQ-1).</summary>
[GenerateSerializer, Immutable, Alias("ClusterProvider")]
public sealed record ClusterProvider(
    [property: Id(0)] string Name,
    [property: Id(1)] ProviderType Type,
    [property: Id(2)] string? AutoScalingGroup,
    [property: Id(3)] bool ManagedScaling,
    [property: Id(4)] bool ManagedTerminationProtection,
    [property: Id(5)] bool ManagedDraining,
    [property: Id(6)] ImmutableArray<ResourceSet>? ManagedInstanceShapes = null);

[GenerateSerializer, Immutable, Alias("CreateClusterRequest")]
public sealed record CreateClusterRequest(
    [property: Id(0)] string Name,
    [property: Id(1)] ImmutableArray<string> CapacityProviders,
    [property: Id(2)] ImmutableArray<CapacityProviderStrategyItem> DefaultStrategy,
    [property: Id(3)] ImmutableDictionary<string, string> Tags,
    [property: Id(4)] ClusterSettingsRecord? Settings = null);

[GenerateSerializer, Immutable, Alias("ClusterInfo")]
public sealed record ClusterInfo(
    [property: Id(0)] string Name,
    [property: Id(1)] string Arn,
    [property: Id(2)] string Status,
    [property: Id(3)] int RegisteredContainerInstancesCount,
    [property: Id(4)] int RunningTasksCount,
    [property: Id(5)] int PendingTasksCount,
    [property: Id(6)] int ActiveServicesCount,
    [property: Id(7)] ImmutableArray<string> CapacityProviders,
    [property: Id(8)] ImmutableArray<CapacityProviderStrategyItem> DefaultStrategy,
    [property: Id(9)] int ProvisioningTasksCount,
    [property: Id(10)] ImmutableDictionary<string, string> Tags,
    [property: Id(11)] ImmutableArray<string> Services,
    [property: Id(12)] ResourceSet RegisteredResources,
    [property: Id(13)] ResourceSet ReservedResources);

/// <summary>An EC2 instance whose ECS agent registers with the cluster (sent by the ASG grain, B-ASG-1, B-CI-6).</summary>
[GenerateSerializer, Immutable, Alias("InstanceRegistration")]
public sealed record InstanceRegistration(
    [property: Id(0)] string Ec2InstanceId,
    [property: Id(1)] string InstanceType,
    [property: Id(2)] string AvailabilityZone,
    [property: Id(3)] string? AutoScalingGroup,
    [property: Id(4)] bool IsSpot,
    [property: Id(5)] bool SpotDraining,
    [property: Id(6)] ImmutableDictionary<string, string> CustomAttributes);

[GenerateSerializer, Immutable, Alias("ProviderAllocation")]
public sealed record ProviderAllocation(
    [property: Id(0)] string? CapacityProvider,
    [property: Id(1)] int Count);

/// <summary>
/// One batch of identical tasks to start (RunTask, StartTask, or a service's launches). Either
/// <see cref="Allocations"/> says how many per provider, or the cluster splits <see cref="Count"/> by the
/// request's strategy / launch type / the cluster default (B-CP-2, B-CP-3).
/// </summary>
[GenerateSerializer, Immutable, Alias("LaunchRequest")]
public sealed record LaunchRequest(
    [property: Id(0)] TaskDefinitionRecord TaskDefinition,
    [property: Id(1)] int Count,
    [property: Id(2)] string Group,
    [property: Id(3)] string? StartedBy,
    [property: Id(4)] string? ServiceName,
    [property: Id(5)] string? DeploymentId,
    [property: Id(6)] LaunchType? LaunchType,
    [property: Id(7)] ImmutableArray<CapacityProviderStrategyItem> Strategy,
    [property: Id(8)] ImmutableArray<ProviderAllocation> Allocations,
    [property: Id(9)] ImmutableArray<PlacementStrategy> PlacementStrategies,
    [property: Id(10)] ImmutableArray<PlacementConstraint> PlacementConstraints,
    [property: Id(11)] ImmutableArray<string> TargetContainerInstances,
    [property: Id(12)] bool IsDaemon,
    [property: Id(13)] string? ClientToken,
    [property: Id(14)] string? RequestFingerprint = null,
    [property: Id(15)] ImmutableArray<string> SubnetZones = default);

[GenerateSerializer, Immutable, Alias("LaunchFailure")]
public sealed record LaunchFailure(
    [property: Id(0)] string? Arn,
    [property: Id(1)] string Reason,
    [property: Id(2)] string? Detail);

[GenerateSerializer, Immutable, Alias("LaunchResult")]
public sealed record LaunchResult(
    [property: Id(0)] ImmutableArray<TaskRecord> Tasks,
    [property: Id(1)] ImmutableArray<LaunchFailure> Failures,
    [property: Id(2)] string? PlacementMessage);

[GenerateSerializer, Immutable, Alias("TaskFilter")]
public sealed record TaskFilter(
    [property: Id(0)] string? ServiceName,
    [property: Id(1)] string? Family,
    [property: Id(2)] string? StartedBy,
    [property: Id(3)] string? ContainerInstanceId,
    [property: Id(4)] DesiredStatus? DesiredStatus,
    [property: Id(5)] LaunchType? LaunchType)
{
    public static TaskFilter All { get; } = new(null, null, null, null, null, null);
}

/// <summary>A service's tasks as its scheduler needs them (B-SV-3, B-SV-4).</summary>
[GenerateSerializer, Immutable, Alias("ServiceTaskView")]
public sealed record ServiceTaskView(
    [property: Id(0)] string TaskId,
    [property: Id(1)] string? DeploymentId,
    [property: Id(2)] string? CapacityProvider,
    [property: Id(3)] TaskStatus LastStatus,
    [property: Id(4)] DesiredStatus DesiredStatus,
    [property: Id(5)] bool Healthy,
    [property: Id(6)] bool OnDrainingInstance,
    [property: Id(7)] string? ContainerInstanceId,
    [property: Id(8)] string? StopCode,
    [property: Id(9)] DateTimeOffset? StoppedAt,
    [property: Id(10)] string? StoppedReason,
    [property: Id(11)] DateTimeOffset? StartedAt = null,
    [property: Id(12)] DateTimeOffset? HealthyAt = null,
    [property: Id(13)] DateTimeOffset? UnhealthyAt = null,
    [property: Id(14)] string? UnhealthyReason = null,
    [property: Id(15)] string? AvailabilityZone = null,
    [property: Id(16)] string? TaskDefinitionArn = null);

[GenerateSerializer, Immutable, Alias("DaemonInstanceView")]
public sealed record DaemonInstanceView(
    [property: Id(0)] string ContainerInstanceId,
    [property: Id(1)] ContainerInstanceStatus Status,
    [property: Id(2)] bool Eligible,
    [property: Id(3)] int OtherServiceTasks);

[GenerateSerializer, Immutable, Alias("ServiceTasksSnapshot")]
public sealed record ServiceTasksSnapshot(
    [property: Id(0)] ImmutableArray<ServiceTaskView> Tasks,
    [property: Id(1)] ImmutableArray<DaemonInstanceView> Instances,
    [property: Id(2)] string? LastPlacementMessage,
    [property: Id(3)] ImmutableDictionary<string, ClusterProvider> Providers,
    [property: Id(4)] ImmutableArray<CapacityProviderStrategyItem> DefaultStrategy,
    [property: Id(5)] ImmutableArray<string> Zones = default,
    [property: Id(6)] ImmutableArray<string> InstanceZones = default);

/// <summary>What CAS needs from the cluster about one capacity provider (B-CAS-1, B-CAS-2).</summary>
[GenerateSerializer, Immutable, Alias("ProviderSnapshot")]
public sealed record ProviderSnapshot(
    [property: Id(0)] ImmutableArray<ContainerInstanceRecord> Instances,
    [property: Id(1)] ImmutableArray<QueuedTaskNeeds> Queued,
    [property: Id(2)] bool Associated);

[GenerateSerializer, Immutable, Alias("QueuedTaskNeeds")]
public sealed record QueuedTaskNeeds(
    [property: Id(0)] TaskRequirements Needs,
    [property: Id(1)] bool DistinctInstance,
    [property: Id(2)] int Count);

[GenerateSerializer, Immutable, Alias("InstanceStateChange")]
public sealed record InstanceStateChange(
    [property: Id(0)] string ContainerInstanceId,
    [property: Id(1)] ContainerInstanceRecord? Instance,
    [property: Id(2)] string? FailureReason);

[GenerateSerializer, Immutable, Alias("InvariantReport")]
public sealed record InvariantReport(
    [property: Id(0)] ImmutableArray<string> Violations,
    [property: Id(1)] int Tasks,
    [property: Id(2)] int Instances,
    [property: Id(3)] int Queued);

/// <summary>Injected start failures (B-SV-5; chaos knob): a probability and a stoppedReason, until a time.</summary>
[GenerateSerializer, Immutable, Alias("LaunchFaults")]
public sealed record LaunchFaults(
    [property: Id(0)] double Probability,
    [property: Id(1)] string Reason,
    [property: Id(2)] DateTimeOffset? Until,
    [property: Id(3)] string? ServiceName);

/// <summary>
/// An ECS cluster (B-ID-2): owns its container instances, its tasks and the PROVISIONING queues, i.e. the index
/// that answers "where does this task fit" (B-PL-*, B-PQ-*), the task lifecycle timers (B-TL-*, B-T-2) and the
/// cluster's ordered event log (B-EV-3). Service grains, ASG grains and capacity provider grains talk to it in
/// batches; it never awaits them (notifications to services are one-way), so the call graph has no cycle.
/// </summary>
[Alias("IClusterGrain")]
public interface IClusterGrain : IGrainWithStringKey
{
    [Alias("Create")] Task<ClusterInfo> Create(CreateClusterRequest request);

    [Alias("Describe")] Task<ClusterInfo?> Describe();

    [Alias("Delete")] Task<ClusterInfo> Delete();

    [Alias("SetCapacityProviders")]
    Task<ClusterInfo> SetCapacityProviders(ImmutableArray<ClusterProvider> providers, ImmutableArray<CapacityProviderStrategyItem> defaultStrategy);

    [Alias("UpdateProvider")] Task UpdateProvider(ClusterProvider provider);

    [Alias("RegisterInstance")] Task<ContainerInstanceRecord> RegisterInstance(InstanceRegistration registration);

    [Alias("InstanceTerminated")] Task InstanceTerminated(string ec2InstanceId);

    [Alias("UpdateInstancesState")]
    Task<ImmutableArray<InstanceStateChange>> UpdateInstancesState(ImmutableArray<string> containerInstances, ContainerInstanceStatus status);

    [Alias("DrainEc2Instance")] Task DrainEc2Instance(string ec2InstanceId);

    [Alias("DeregisterInstance")] Task<ContainerInstanceRecord> DeregisterInstance(string containerInstance, bool force);

    [Alias("GetInstances")] Task<ImmutableArray<ContainerInstanceRecord>> GetInstances();

    /// <summary>For managed draining (B-CAS-8): service tasks still on each EC2 instance (absent = not registered).</summary>
    [Alias("CountServiceTasks")] Task<ImmutableDictionary<string, int>> CountServiceTasks(ImmutableArray<string> ec2InstanceIds);

    [Alias("LaunchTasks")] Task<LaunchResult> LaunchTasks(LaunchRequest request);

    [Alias("StopTasks")] Task<ImmutableArray<TaskRecord>> StopTasks(ImmutableArray<string> taskIds, string stopCode, string reason);

    /// <summary>Scale-in (B-PL-2 reverse): the cluster picks which of the service's tasks to stop.</summary>
    [Alias("StopServiceTasks")]
    Task<ImmutableArray<string>> StopServiceTasks(string serviceName, string? capacityProvider, int count, ImmutableArray<PlacementStrategy> strategies, string reason);

    [Alias("GetTasks")] Task<ImmutableArray<TaskRecord>> GetTasks(ImmutableArray<string> taskIds);

    [Alias("ListTasks")] Task<ImmutableArray<TaskRecord>> ListTasks(TaskFilter filter);

    [Alias("GetServiceTasks")] Task<ServiceTasksSnapshot> GetServiceTasks(string serviceName, ImmutableArray<PlacementConstraint> daemonConstraints);

    [Alias("GetProviderSnapshot")] Task<ProviderSnapshot> GetProviderSnapshot(string capacityProvider);

    [Alias("AddService")] Task AddService(string serviceName);

    [Alias("RemoveService")] Task RemoveService(string serviceName);

    [Alias("AppendEvents"), OneWay] Task AppendEvents(ImmutableArray<EmulatorEvent> events);

    [Alias("ReadEvents")] Task<EventPage> ReadEvents(long afterSequence, DateTimeOffset? since, int max);

    [Alias("CheckInvariants")] Task<InvariantReport> CheckInvariants();

    [Alias("SetLaunchFaults")] Task SetLaunchFaults(LaunchFaults? faults);

    /// <summary>B-PL-6: explains, without placing anything, how the request's tasks would be placed per provider.</summary>
    [Alias("ExplainPlacement")] Task<ImmutableArray<PlacementExplanationInfo>> ExplainPlacement(LaunchRequest request);

    [Alias("GetTaskCosts")] Task<TaskCostReport> GetTaskCosts();

    /// <summary>B-CI-6: custom attributes (at most 10 per instance; the built-in ecs.* ones cannot change).</summary>
    [Alias("PutAttributes")] Task<ImmutableArray<InstanceAttribute>> PutAttributes(ImmutableArray<InstanceAttribute> attributes);

    [Alias("DeleteAttributes")] Task<ImmutableArray<InstanceAttribute>> DeleteAttributes(ImmutableArray<InstanceAttribute> attributes);

    /// <summary>B-PQ-4 (chaos knob): while FARGATE_SPOT capacity is exhausted its tasks stay in PROVISIONING.</summary>
    [Alias("SetFargateSpotCapacity")] Task SetFargateSpotCapacity(bool available);

    /// <summary>
    /// B-SP-4 (chaos): Fargate Spot interruption of the given FARGATE_SPOT tasks: desiredStatus STOPPED, stopCode
    /// TerminationNotice, "Your Spot Task was interrupted.", SIGTERM, stopped after the shutdown time. Returns the
    /// ids of the tasks interrupted (others are skipped).
    /// </summary>
    [Alias("InterruptFargateSpotTasks")] Task<ImmutableArray<string>> InterruptFargateSpotTasks(ImmutableArray<string> taskIds);

    /// <summary>
    /// AZ outage (chaos): Fargate tasks in the zone are lost at once and Fargate places nothing there while it lasts
    /// (<paramref name="until"/> null: until restored); <paramref name="out"/> false restores the zone. EC2 hosts are
    /// lost through their Auto Scaling groups. Returns the ids of the tasks lost.
    /// </summary>
    [Alias("SetZoneOutage")] Task<ImmutableArray<string>> SetZoneOutage(string availabilityZone, bool @out, DateTimeOffset? until);

    /// <summary>
    /// B-DP-8 (chaos): a task failure fault on a service: applied to its live tasks now (a pull failure only to tasks not
    /// yet started) and to every task it starts until the fault ends. Returns the ids of the live tasks it reached.
    /// </summary>
    [Alias("SetServiceTaskFault")] Task<ImmutableArray<string>> SetServiceTaskFault(string serviceName, ServiceTaskFault fault);

    /// <summary>B-LB-1/2: the service's tasks register with this target group (null: none); its delay drives DEACTIVATING.</summary>
    [Alias("SetServiceTargetGroup")] Task SetServiceTargetGroup(string serviceName, TargetGroupSpec? spec);

    /// <summary>
    /// B-DP-6: the tasks of one deployment of the service register with this target group instead of the service's (null:
    /// the service's again). A blue/green deployment's green tasks go to the alternate target group this way.
    /// </summary>
    [Alias("SetDeploymentTargetGroup")] Task SetDeploymentTargetGroup(string serviceName, string deploymentId, TargetGroupSpec? spec);

    /// <summary>
    /// B-DP-6: the blue/green swap: the service's tasks register with this target group from now on, the tasks already
    /// in it stay targets (unlike <see cref="SetServiceTargetGroup"/>, which starts the group afresh).
    /// </summary>
    [Alias("SwapServiceTargetGroup")] Task SwapServiceTargetGroup(string serviceName, TargetGroupSpec spec);

    /// <summary>B-LB-2: a target group's settings changed: every service or deployment of this cluster registering with it uses them from now on.</summary>
    [Alias("UpdateTargetGroup")] Task UpdateTargetGroup(TargetGroupSpec spec);

    /// <summary>B-LB-1: the targets of one target group among this cluster's tasks, as DescribeTargetHealth shows them.</summary>
    [Alias("GetTargetHealth")] Task<ImmutableArray<TargetHealthInfo>> GetTargetHealth(string targetGroup);

    /// <summary>B-LB-3: per service naming a target group (all of them when <paramref name="services"/> is empty), its targets over (from, to].</summary>
    [Alias("GetTrafficTimelines")]
    Task<ImmutableArray<TrafficTimeline>> GetTrafficTimelines(ImmutableArray<string> services, DateTimeOffset from, DateTimeOffset to);

    /// <summary>Issue 17: per service naming the target group, the targets receiving requests now and its RUNNING tasks.</summary>
    [Alias("GetDataPlaneTargets")] Task<ImmutableArray<ServiceDataPlaneTargets>> GetDataPlaneTargets(string targetGroup);
}

/// <summary>Why a placement would go where it goes, or why it cannot (B-PL-5, B-PL-6).</summary>
[GenerateSerializer, Immutable, Alias("PlacementExplanationInfo")]
public sealed record PlacementExplanationInfo(
    [property: Id(0)] string? CapacityProvider,
    [property: Id(1)] int WouldPlace,
    [property: Id(2)] int WouldNotPlace,
    [property: Id(3)] string? Reason,
    [property: Id(4)] string? ClosestContainerInstanceId,
    [property: Id(5)] ImmutableArray<LaunchFailure> Rejected,
    [property: Id(6)] ImmutableArray<string> Ranking,
    [property: Id(7)] string Detail);

/// <summary>Accrued cost in USD (B-IT-5): the cluster's task costs by service and by capacity provider.</summary>
[GenerateSerializer, Immutable, Alias("TaskCostReport")]
public sealed record TaskCostReport(
    [property: Id(0)] ImmutableDictionary<string, decimal> ByService,
    [property: Id(1)] ImmutableDictionary<string, decimal> ByCapacityProvider,
    [property: Id(2)] decimal Fargate,
    [property: Id(3)] decimal Ec2TaskShare);

/// <summary>Accrued cost in USD of a cluster (B-IT-5): EC2 instances of its groups plus Fargate tasks.</summary>
[GenerateSerializer, Immutable, Alias("CostReport")]
public sealed record CostReport(
    [property: Id(0)] decimal Total,
    [property: Id(1)] decimal Instances,
    [property: Id(2)] decimal Fargate,
    [property: Id(3)] ImmutableDictionary<string, decimal> ByCapacityProvider,
    [property: Id(4)] ImmutableDictionary<string, decimal> ByService);

/// <summary>A custom container instance attribute (B-CI-6): PutAttributes / DeleteAttributes.</summary>
[GenerateSerializer, Immutable, Alias("InstanceAttribute")]
public sealed record InstanceAttribute(
    [property: Id(0)] string ContainerInstance,
    [property: Id(1)] string Name,
    [property: Id(2)] string? Value);

/// <summary>ECS Exec's cluster configuration (executeCommandConfiguration): stored and returned, no session is opened here.</summary>
[GenerateSerializer, Immutable, Alias("ExecuteCommandConfiguration")]
public sealed record ExecuteCommandConfiguration(
    [property: Id(0)] string? KmsKeyId,
    [property: Id(1)] string? Logging,
    [property: Id(2)] string? CloudWatchLogGroupName,
    [property: Id(3)] bool? CloudWatchEncryptionEnabled,
    [property: Id(4)] string? S3BucketName,
    [property: Id(5)] bool? S3EncryptionEnabled,
    [property: Id(6)] string? S3KeyPrefix,
    [property: Id(7)] bool HasLogConfiguration);

/// <summary>A cluster's managedStorageConfiguration: stored and returned.</summary>
[GenerateSerializer, Immutable, Alias("ManagedStorageConfiguration")]
public sealed record ManagedStorageConfiguration(
    [property: Id(0)] string? KmsKeyId,
    [property: Id(1)] string? FargateEphemeralStorageKmsKeyId);

/// <summary>
/// What a cluster was created or updated with that the engine does not use: its settings (containerInsights) and
/// configuration, and whether it was deleted (DescribeClusters then shows it INACTIVE, as AWS does for a while).
/// </summary>
[GenerateSerializer, Immutable, Alias("ClusterSettingsRecord")]
public sealed record ClusterSettingsRecord(
    [property: Id(0)] ImmutableSortedDictionary<string, string> Settings,
    [property: Id(1)] ExecuteCommandConfiguration? ExecuteCommand,
    [property: Id(2)] ManagedStorageConfiguration? ManagedStorage,
    [property: Id(3)] DateTimeOffset? DeletedAt)
{
    public static ClusterSettingsRecord Default { get; } = new(
        ImmutableSortedDictionary.Create<string, string>(StringComparer.Ordinal).Add("containerInsights", "disabled"), null, null, null);
}

/// <summary>A cluster's <see cref="ClusterSettingsRecord"/>, keyed by the cluster's name (next to its <see cref="IClusterGrain"/>).</summary>
[Alias("IClusterSettingsGrain")]
public interface IClusterSettingsGrain : IGrainWithStringKey
{
    /// <summary>The record, or null for a cluster that was never created.</summary>
    [Alias("Get")] Task<ClusterSettingsRecord?> Get();

    [Alias("Put")] Task<ClusterSettingsRecord> Put(ClusterSettingsRecord record);
}
