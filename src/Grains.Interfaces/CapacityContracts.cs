using System.Collections.Immutable;

namespace Emulator.Contracts;

[GenerateSerializer, Immutable, Alias("ManagedScalingSpec")]
public sealed record ManagedScalingSpec(
    [property: Id(0)] ManagedScalingStatus Status,
    [property: Id(1)] int TargetCapacity,
    [property: Id(2)] int MinimumScalingStepSize,
    [property: Id(3)] int MaximumScalingStepSize,
    [property: Id(4)] int InstanceWarmupPeriod)
{
    /// <summary>B-CAS-6 defaults.</summary>
    public static ManagedScalingSpec Default { get; } = new(ManagedScalingStatus.ENABLED, 100, 1, 10000, 300);
}

[GenerateSerializer, Immutable, Alias("CapacityProviderSpec")]
public sealed record CapacityProviderSpec(
    [property: Id(0)] string Name,
    [property: Id(1)] string AutoScalingGroup,
    [property: Id(2)] ManagedScalingSpec ManagedScaling,
    [property: Id(3)] bool ManagedTerminationProtection,
    [property: Id(4)] bool ManagedDraining,
    [property: Id(5)] ImmutableDictionary<string, string> Tags,
    [property: Id(6)] ManagedInstancesSpec? ManagedInstances = null);

/// <summary>A numeric range of EC2 attribute-based instance type selection (min and max both optional).</summary>
[GenerateSerializer, Immutable, Alias("NumberRange")]
public sealed record NumberRange(
    [property: Id(0)] double? Min,
    [property: Id(1)] double? Max);

/// <summary>
/// B-MI-1: the modelled members of a Managed Instances provider's <c>instanceRequirements</c> (EC2 attribute-based
/// instance type selection). Lists are empty when not given; strings null when not given (EC2's defaults apply).
/// </summary>
[GenerateSerializer, Immutable, Alias("InstanceRequirementsSpec")]
public sealed record InstanceRequirementsSpec(
    [property: Id(0)] NumberRange VCpuCount,
    [property: Id(1)] NumberRange MemoryMiB,
    [property: Id(2)] NumberRange? MemoryGiBPerVCpu,
    [property: Id(3)] ImmutableArray<string> CpuManufacturers,
    [property: Id(4)] ImmutableArray<string> AllowedInstanceTypes,
    [property: Id(5)] ImmutableArray<string> ExcludedInstanceTypes,
    [property: Id(6)] ImmutableArray<string> InstanceGenerations,
    [property: Id(7)] string? BurstablePerformance,
    [property: Id(8)] string? BareMetal,
    [property: Id(9)] NumberRange? AcceleratorCount,
    [property: Id(10)] NumberRange? NetworkInterfaceCount,
    [property: Id(11)] double? OnDemandMaxPricePercentageOverLowestPrice);

/// <summary>
/// B-MI-1: a MANAGED_INSTANCES capacity provider's configuration. <see cref="LaunchTemplateAsWritten"/> keeps the
/// request's <c>instanceLaunchTemplate</c> members as written (storage, local storage, FIPS, ...: echoed by
/// DescribeCapacityProviders, not modelled), like <see cref="AsgSettings"/> keeps an Auto Scaling group's.
/// <see cref="Zones"/> are the zones of the network configuration's subnets (the emulator's zones without subnets).
/// </summary>
[GenerateSerializer, Immutable, Alias("ManagedInstancesSpec")]
public sealed record ManagedInstancesSpec(
    [property: Id(0)] string InfrastructureRoleArn,
    [property: Id(1)] string Ec2InstanceProfileArn,
    [property: Id(2)] ImmutableArray<string> Subnets,
    [property: Id(3)] ImmutableArray<string> SecurityGroups,
    [property: Id(4)] string CapacityOptionType,
    [property: Id(5)] string Monitoring,
    [property: Id(6)] InstanceRequirementsSpec? InstanceRequirements,
    [property: Id(7)] string PropagateTags,
    [property: Id(8)] int? ScaleInAfter,
    [property: Id(9)] string LaunchTemplateAsWritten,
    [property: Id(10)] ImmutableArray<string> Zones,
    [property: Id(11)] string? Cluster)
{
    public const string OnDemand = "ON_DEMAND";
    public const string Spot = "SPOT";

    public bool IsSpot => CapacityOptionType == Spot;
}

/// <summary>B-MI-2: the tags every instance an ECS Managed Instances provider launches carries (EC2 DescribeInstances shows them).</summary>
public static class ManagedInstancesTags
{
    public const string Managed = "AmazonECSManaged";
    public const string CapacityProvider = "aws:ecs:capacityProviderName";
    public const string Cluster = "aws:ecs:clusterName";
}

/// <summary>
/// B-MI-2..4: what a Managed Instances provider's manager did last: its instances, accrued cost (B-IT-5) and its
/// latest decisions with their reasons, newest first ("launched c5.large: ...").
/// </summary>
[GenerateSerializer, Immutable, Alias("ManagedInstancesStatus")]
public sealed record ManagedInstancesStatus(
    [property: Id(0)] int Instances,
    [property: Id(1)] int Launching,
    [property: Id(2)] decimal AccruedCost,
    [property: Id(3)] ImmutableArray<string> Decisions,
    [property: Id(4)] long Evaluations,
    [property: Id(5)] DateTimeOffset? EvaluatedAt,
    [property: Id(6)] int Launched,
    [property: Id(7)] int Terminated);

/// <summary>The latest CAS evaluation of a provider (B-CAS-1..5).</summary>
[GenerateSerializer, Immutable, Alias("CasStatus")]
public sealed record CasStatus(
    [property: Id(0)] int M,
    [property: Id(1)] int N,
    [property: Id(2)] double Cpr,
    [property: Id(3)] int TargetCapacity,
    [property: Id(4)] int DesiredCapacity,
    [property: Id(5)] DateTimeOffset? EvaluatedAt,
    [property: Id(6)] string Alarm,
    [property: Id(7)] string Explanation,
    [property: Id(8)] int Queued,
    [property: Id(9)] ImmutableArray<double> Datapoints,
    [property: Id(10)] long Evaluations,
    [property: Id(11)] string? AlarmId = null);

[GenerateSerializer, Immutable, Alias("CapacityProviderInfo")]
public sealed record CapacityProviderInfo(
    [property: Id(0)] string Name,
    [property: Id(1)] string Arn,
    [property: Id(2)] string Status,
    [property: Id(3)] ProviderType Type,
    [property: Id(4)] CapacityProviderSpec? Spec,
    [property: Id(5)] string? Cluster,
    [property: Id(6)] string? AutoScalingGroupArn,
    [property: Id(7)] CasStatus? Cas,
    [property: Id(8)] ManagedInstancesStatus? Managed = null,
    [property: Id(9)] ImmutableArray<ResourceSet>? ManagedInstanceShapes = null)
{
    public ClusterProvider ToClusterProvider() => new(
        Name, Type, Spec?.AutoScalingGroup,
        Spec?.ManagedScaling.Status == ManagedScalingStatus.ENABLED,
        Spec?.ManagedTerminationProtection ?? false,
        Spec?.ManagedDraining ?? false,
        ManagedInstanceShapes);
}

/// <summary>
/// An Auto Scaling group capacity provider and its Cluster Auto Scaling manager (B-CAS-1..8): a reminder fires
/// every metric period; the grain asks the cluster and the ASG for their view, computes M, N and
/// CapacityProviderReservation in the pure model, keeps managed termination protection in step (B-CAS-7) and sets
/// the ASG's desired capacity (B-CAS-4, B-CAS-5). FARGATE and FARGATE_SPOT are built in (B-CP-4) and need no grain.
/// </summary>
[Alias("ICapacityProviderGrain")]
public interface ICapacityProviderGrain : IGrainWithStringKey
{
    [Alias("Create")] Task<CapacityProviderInfo> Create(CapacityProviderSpec spec);

    [Alias("Update")]
    Task<CapacityProviderInfo> Update(ManagedScalingSpec? managedScaling, bool? managedTerminationProtection, bool? managedDraining);

    [Alias("Describe")] Task<CapacityProviderInfo?> Describe();

    [Alias("Delete")] Task<CapacityProviderInfo> Delete();

    /// <summary>Associates (or, with null, dissociates) the provider with a cluster (B-CP-5, B-CP-6).</summary>
    [Alias("SetCluster")] Task SetCluster(string? cluster);

    [Alias("EvaluateNow")] Task<CasStatus> EvaluateNow();

    /// <summary>B-MI-1: CreateCapacityProvider with <c>managedInstancesProvider</c> (the provider belongs to <c>spec.ManagedInstances.Cluster</c>).</summary>
    [Alias("CreateManagedInstances")] Task<CapacityProviderInfo> CreateManagedInstances(CapacityProviderSpec spec);

    /// <summary>B-MI-1: UpdateCapacityProvider with <c>managedInstancesProvider</c>: the new configuration, applied to later launches.</summary>
    [Alias("UpdateManagedInstances")] Task<CapacityProviderInfo> UpdateManagedInstances(ManagedInstancesSpec managedInstances);
}

[GenerateSerializer, Immutable, Alias("MixedInstancesSpec")]
public sealed record MixedInstancesSpec(
    [property: Id(0)] int OnDemandBaseCapacity,
    [property: Id(1)] int OnDemandPercentageAboveBaseCapacity,
    [property: Id(2)] string SpotAllocationStrategy);

[GenerateSerializer, Immutable, Alias("AsgSpec")]
public sealed record AsgSpec(
    [property: Id(0)] string Name,
    [property: Id(1)] int MinSize,
    [property: Id(2)] int MaxSize,
    [property: Id(3)] int DesiredCapacity,
    [property: Id(4)] ImmutableArray<string> AvailabilityZones,
    [property: Id(5)] ImmutableArray<string> InstanceTypes,
    [property: Id(6)] MixedInstancesSpec? InstancesDistribution,
    [property: Id(7)] string ClusterName,
    [property: Id(8)] bool SpotDraining,
    [property: Id(9)] bool NewInstancesProtectedFromScaleIn,
    [property: Id(10)] bool CapacityRebalance,
    [property: Id(11)] string LaunchTemplateVersion,
    [property: Id(12)] ImmutableDictionary<string, string> Tags,
    [property: Id(13)] string? LaunchTemplateName,
    [property: Id(14)] string? LaunchConfigurationName,
    [property: Id(15)] AsgSettings? Settings = null)
{
    /// <summary>The tag EC2 Auto Scaling puts on every instance it launches, naming the group.</summary>
    public const string GroupNameTag = "aws:autoscaling:groupName";

    /// <summary>The tags an instance of this group carries: the group's tags plus <see cref="GroupNameTag"/>.</summary>
    public ImmutableDictionary<string, string> InstanceTags => (Tags ?? ImmutableDictionary<string, string>.Empty).SetItem(GroupNameTag, Name);
}

/// <summary>
/// What a group was created or updated with beyond what the engine models, stored as written so
/// DescribeAutoScalingGroups returns it: the request's members (query protocol fields such as VPCZoneIdentifier,
/// HealthCheckGracePeriod, TerminationPolicies.member.1, MixedInstancesPolicy.*) and which tags are not propagated
/// to instances.
/// </summary>
[GenerateSerializer, Immutable, Alias("AsgSettings")]
public sealed record AsgSettings(
    [property: Id(0)] ImmutableSortedDictionary<string, string> Fields,
    [property: Id(1)] ImmutableHashSet<string> TagsNotPropagated);

[GenerateSerializer, Immutable, Alias("AsgInstance")]
public sealed record AsgInstance(
    [property: Id(0)] string InstanceId,
    [property: Id(1)] string InstanceType,
    [property: Id(2)] string AvailabilityZone,
    [property: Id(3)] bool IsSpot,
    [property: Id(4)] LifecycleState State,
    [property: Id(5)] bool ProtectedFromScaleIn,
    [property: Id(6)] DateTimeOffset LaunchedAt,
    [property: Id(7)] DateTimeOffset? InServiceAt,
    [property: Id(8)] bool Registered,
    [property: Id(9)] string LaunchTemplateVersion,
    [property: Id(10)] DateTimeOffset? TerminationStartedAt,
    [property: Id(11)] decimal PricePerHour,
    [property: Id(12)] DateTimeOffset? TerminatedAt);

/// <summary>
/// One EC2 Spot interruption in progress (B-SP-1..3, B-ASG-5): when the rebalance recommendation, the warning and
/// the termination happen, what has been done, and (with capacity rebalancing) the at-risk flag and the replacement
/// (null: none asked for yet; "": none needed or the launch failed). Stored in the group's state; the sequence is
/// the pure model's <c>SpotInterruptions</c>. Moved here from the group grain's file with its alias and ids, so a
/// stored group still loads.
/// </summary>
[GenerateSerializer, Immutable, Alias("SpotInterruptionPlan")]
public sealed record SpotInterruptionPlan(
    [property: Id(0)] string InstanceId,
    [property: Id(1)] DateTimeOffset? RebalanceAt,
    [property: Id(2)] DateTimeOffset WarningAt,
    [property: Id(3)] DateTimeOffset TerminateAt,
    [property: Id(4)] bool RebalanceSent,
    [property: Id(5)] bool WarningSent,
    [property: Id(6)] bool AtRisk,
    [property: Id(7)] string? ReplacementId);

[GenerateSerializer, Immutable, Alias("ScalingActivity")]
public sealed record ScalingActivity(
    [property: Id(0)] string ActivityId,
    [property: Id(1)] string AutoScalingGroupName,
    [property: Id(2)] string Description,
    [property: Id(3)] string Cause,
    [property: Id(4)] DateTimeOffset StartTime,
    [property: Id(5)] DateTimeOffset? EndTime,
    [property: Id(6)] string StatusCode,
    [property: Id(7)] string? StatusMessage,
    [property: Id(8)] int Progress);

[GenerateSerializer, Immutable, Alias("AsgInfo")]
public sealed record AsgInfo(
    [property: Id(0)] AsgSpec Spec,
    [property: Id(1)] string Arn,
    [property: Id(2)] int DesiredCapacity,
    [property: Id(3)] ImmutableArray<AsgInstance> Instances,
    [property: Id(4)] string? CapacityProvider,
    [property: Id(5)] DateTimeOffset CreatedAt,
    [property: Id(6)] string Status,
    [property: Id(7)] decimal AccruedCost)
{
    public int InService => Instances.Count(i => i.State == LifecycleState.InService);
}

[GenerateSerializer, Immutable, Alias("AsgUpdate")]
public sealed record AsgUpdate(
    [property: Id(0)] int? MinSize,
    [property: Id(1)] int? MaxSize,
    [property: Id(2)] int? DesiredCapacity,
    [property: Id(3)] bool? NewInstancesProtectedFromScaleIn,
    [property: Id(4)] bool? CapacityRebalance,
    [property: Id(5)] ImmutableDictionary<string, string>? Tags = null,
    [property: Id(6)] AsgSpec? Spec = null);

/// <summary>
/// An EC2 Auto Scaling group (B-ASG-1..4, B-ASG-6) with its EC2 instances: launches toward desired capacity
/// (Pending -> InService after the launch time, then the ECS agent registers with the cluster), picks scale-in
/// victims (never protected ones), holds instances in Terminating:Wait while managed draining empties them
/// (B-CAS-8), and records every launch and termination as a scaling activity.
/// </summary>
[Alias("IAutoScalingGroupGrain")]
public interface IAutoScalingGroupGrain : IGrainWithStringKey
{
    [Alias("Create")] Task<AsgInfo> Create(AsgSpec spec);

    [Alias("Update")] Task<AsgInfo> Update(AsgUpdate update);

    [Alias("Describe")] Task<AsgInfo?> Describe();

    [Alias("Delete")] Task Delete(bool force);

    /// <summary>A user's SetDesiredCapacity (cause: user request) or CAS (cause: the alarm that fired).</summary>
    [Alias("SetDesiredCapacity")] Task<AsgInfo> SetDesiredCapacity(int desired, string? casAlarmName);

    [Alias("SetProtection")] Task SetProtection(ImmutableDictionary<string, bool> protection);

    [Alias("TerminateInstance")] Task<ScalingActivity> TerminateInstance(string instanceId, bool decrementDesired);

    [Alias("AttachCapacityProvider")]
    Task AttachCapacityProvider(string? capacityProvider, bool managedDraining);

    [Alias("GetActivities")] Task<ImmutableArray<ScalingActivity>> GetActivities(int max);

    /// <summary>
    /// B-SP-1..3, B-ASG-5 (chaos, issue 4): interrupts the group's InService Spot instances among
    /// <paramref name="instanceIds"/>: rebalance recommendation (optional), warning, termination after the notice.
    /// Returns the instances that will be interrupted (non-Spot, unknown or already interrupted ones are skipped).
    /// </summary>
    [Alias("InterruptSpot")]
    Task<ImmutableArray<string>> InterruptSpot(ImmutableArray<string> instanceIds, TimeSpan notice, bool rebalanceRecommendation, TimeSpan? rebalanceLead);

    /// <summary>EC2 terminate-instances (or the host is lost): the instances terminate at once, tasks with them; desired is unchanged (B-SP-3).</summary>
    [Alias("TerminateNow")] Task<ImmutableArray<string>> TerminateNow(ImmutableArray<string> instanceIds);

    /// <summary>An AZ outage: every live instance of the group in the zone terminates at once; returns their ids.</summary>
    [Alias("LoseZone")] Task<ImmutableArray<string>> LoseZone(string availabilityZone);
}

/// <summary>The account's registry of named resources, for List* operations and status views.</summary>
[Alias("IAccountGrain")]
public interface IAccountGrain : IGrainWithStringKey
{
    [Alias("Add")] Task<bool> Add(ResourceKind kind, string name);

    [Alias("Remove")] Task Remove(ResourceKind kind, string name);

    [Alias("List")] Task<ImmutableArray<string>> List(ResourceKind kind);
}

/// <summary>Task definition families and revisions (RegisterTaskDefinition and co).</summary>
[Alias("ITaskDefinitionRegistryGrain")]
public interface ITaskDefinitionRegistryGrain : IGrainWithStringKey
{
    [Alias("Register")] Task<TaskDefinitionRecord> Register(TaskDefinitionSpec spec);

    /// <summary>"family" (latest ACTIVE), "family:rev" or a full ARN (B-ID-3).</summary>
    [Alias("Get")] Task<TaskDefinitionRecord?> Get(string reference);

    [Alias("Deregister")] Task<TaskDefinitionRecord> Deregister(string reference);

    [Alias("List")] Task<ImmutableArray<TaskDefinitionRecord>> List(string? familyPrefix, bool? active);
}
