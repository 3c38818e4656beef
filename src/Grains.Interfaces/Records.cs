using System.Collections.Immutable;

namespace Emulator.Contracts;

/// <summary>
/// A registered container instance (B-CI-1, B-CI-2, B-CI-6). The cluster grain owns these records; they are
/// also the input of the placement model. <see cref="Used"/> and <see cref="UsedPorts"/> cover every
/// non-STOPPED task on the instance, so Registered - Used is remainingResources (B-CI-2).
/// </summary>
[GenerateSerializer, Immutable, Alias("ContainerInstanceRecord")]
public sealed record ContainerInstanceRecord(
    [property: Id(0)] string ContainerInstanceId,
    [property: Id(1)] string Cluster,
    [property: Id(2)] string Ec2InstanceId,
    [property: Id(3)] string InstanceType,
    [property: Id(4)] string AvailabilityZone,
    [property: Id(5)] string? CapacityProvider,
    [property: Id(6)] string? AutoScalingGroup,
    [property: Id(7)] bool IsSpot,
    [property: Id(8)] ContainerInstanceStatus Status,
    [property: Id(9)] bool AgentConnected,
    [property: Id(10)] ResourceSet Registered,
    [property: Id(11)] ResourceSet Used,
    [property: Id(12)] ImmutableHashSet<int> UsedPorts,
    [property: Id(13)] ImmutableDictionary<string, string> Attributes,
    [property: Id(14)] DateTimeOffset RegisteredAt,
    [property: Id(15)] long Version,
    [property: Id(16)] int RunningTasksCount,
    [property: Id(17)] int PendingTasksCount,
    [property: Id(18)] ImmutableDictionary<string, int> TaskGroups,
    [property: Id(19)] int NonDaemonTasks,
    [property: Id(20)] bool SpotDraining)
{
    public ResourceSet Remaining => Registered - Used;

    /// <summary>Only ACTIVE, connected instances accept placements (B-CI-1).</summary>
    public bool AcceptsPlacements => Status == ContainerInstanceStatus.ACTIVE && AgentConnected;
}

/// <summary>
/// One task (B-TL-*): where it runs, its lifecycle position and why it stopped. Owned by the cluster grain.
/// </summary>
[GenerateSerializer, Immutable, Alias("TaskRecord")]
public sealed record TaskRecord(
    [property: Id(0)] string TaskId,
    [property: Id(1)] string Cluster,
    [property: Id(2)] string TaskDefinitionArn,
    [property: Id(3)] TaskRequirements Needs,
    [property: Id(4)] string Group,
    [property: Id(5)] string? StartedBy,
    [property: Id(6)] string? ServiceName,
    [property: Id(7)] string? DeploymentId,
    [property: Id(8)] string? CapacityProvider,
    [property: Id(9)] LaunchType LaunchType,
    [property: Id(10)] string? ContainerInstanceId,
    [property: Id(11)] string? Ec2InstanceId,
    [property: Id(12)] string? AvailabilityZone,
    [property: Id(13)] TaskStatus LastStatus,
    [property: Id(14)] DesiredStatus DesiredStatus,
    [property: Id(15)] long Version,
    [property: Id(16)] DateTimeOffset CreatedAt,
    [property: Id(17)] DateTimeOffset? StartedAt,
    [property: Id(18)] DateTimeOffset? StoppingAt,
    [property: Id(19)] DateTimeOffset? StoppedAt,
    [property: Id(20)] string? StopCode,
    [property: Id(21)] string? StoppedReason,
    [property: Id(22)] DateTimeOffset? NextTransitionAt,
    [property: Id(23)] bool IsDaemon,
    [property: Id(24)] ImmutableArray<int> HostPorts,
    [property: Id(25)] DateTimeOffset? PullStartedAt,
    [property: Id(26)] DateTimeOffset? ConnectivityAt,
    [property: Id(27)] int StopTimeoutSeconds,
    [property: Id(28)] string? FailureInjected,
    [property: Id(29)] DateTimeOffset? DeregisteredAt = null,
    [property: Id(30)] TaskFaults? Faults = null)
{
    /// <summary>True while the task holds resources on its instance: every state but STOPPED (B-CI-2).</summary>
    public bool HoldsResources => LastStatus != TaskStatus.STOPPED && ContainerInstanceId is not null;

    /// <summary>Queued in its capacity provider's PROVISIONING queue: not placed yet (B-PQ-1).</summary>
    public bool IsQueued => LastStatus == TaskStatus.PROVISIONING && ContainerInstanceId is null
        && LaunchType is LaunchType.EC2 or LaunchType.MANAGED_INSTANCES && DesiredStatus == DesiredStatus.RUNNING;

    /// <summary>What the task runs on, for counts and costs: its capacity provider, or its launch type without one.</summary>
    public string ProviderOrLaunchType => CapacityProvider ?? LaunchType.ToString();
}
