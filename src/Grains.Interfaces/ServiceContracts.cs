using Orleans.Concurrency;
using System.Collections.Immutable;

namespace Emulator.Contracts;

/// <summary>
/// A service's awsvpc network configuration. <see cref="Zones"/> are the subnets' availability zones, resolved when the
/// configuration is set (empty: subnets the emulator does not know, no zone rule): awsvpc tasks land in them.
/// </summary>
[GenerateSerializer, Immutable, Alias("AwsVpcConfiguration")]
public sealed record AwsVpcConfiguration(
    [property: Id(0)] ImmutableArray<string> Subnets,
    [property: Id(1)] ImmutableArray<string> SecurityGroups,
    [property: Id(2)] bool AssignPublicIp,
    [property: Id(3)] ImmutableArray<string> Zones);

/// <summary>
/// B-DP-2's deploymentCircuitBreaker as written: enable, rollback, resetOnHealthyTask (null: not given, AWS's default
/// true applies), thresholdConfiguration (null: not given, BOUNDED_PERCENT 50 applies).
/// </summary>
[GenerateSerializer, Immutable, Alias("DeploymentCircuitBreakerSpec")]
public sealed record DeploymentCircuitBreakerSpec(
    [property: Id(0)] bool Enable,
    [property: Id(1)] bool Rollback,
    [property: Id(2)] bool? ResetOnHealthyTask = null,
    [property: Id(3)] ThresholdConfigurationSpec? Threshold = null)
{
    public bool ResetsOnHealthyTask => ResetOnHealthyTask ?? true;

    public ThresholdConfigurationSpec EffectiveThreshold => Threshold ?? ThresholdConfigurationSpec.Default;
}

/// <summary>B-DP-3's deploymentConfiguration.alarms as written.</summary>
[GenerateSerializer, Immutable, Alias("DeploymentAlarmsSpec")]
public sealed record DeploymentAlarmsSpec(
    [property: Id(0)] ImmutableArray<string> AlarmNames,
    [property: Id(1)] bool Enable,
    [property: Id(2)] bool Rollback);

/// <summary>
/// A service's settings beyond what the scheduler's launch arithmetic needs, stored as written so DescribeServices
/// returns them: network configuration (a change deploys, B-DP-1), circuit breaker (B-DP-2), alarms (B-DP-3),
/// healthCheckGracePeriodSeconds (B-DP-1), availabilityZoneRebalancing (B-AZ-1), deploymentController (ECS |
/// CODE_DEPLOY | EXTERNAL), deployment strategy and bake time, and the tag / exec flags.
/// </summary>
[GenerateSerializer, Immutable, Alias("ServiceOptions")]
public sealed record ServiceOptions(
    [property: Id(0)] AwsVpcConfiguration? Network,
    [property: Id(1)] DeploymentCircuitBreakerSpec CircuitBreaker,
    [property: Id(2)] DeploymentAlarmsSpec? Alarms,
    [property: Id(3)] int? HealthCheckGracePeriodSeconds,
    [property: Id(4)] bool EnableEcsManagedTags,
    [property: Id(5)] string PropagateTags,
    [property: Id(6)] bool EnableExecuteCommand,
    [property: Id(7)] string? PlatformVersion,
    [property: Id(8)] string AvailabilityZoneRebalancing,
    [property: Id(9)] string DeploymentController = "ECS",
    [property: Id(10)] string? Strategy = null,
    [property: Id(11)] int? BakeTimeInMinutes = null,
    [property: Id(12)] TrafficShiftSettings? TrafficShift = null)
{
    public static ServiceOptions Default { get; } = new(null, new DeploymentCircuitBreakerSpec(false, false), null, null, false, "NONE", false, null, "DISABLED");

    public bool Rebalancing => AvailabilityZoneRebalancing == "ENABLED";

    /// <summary>UpdateService: the members the request names replace the current ones.</summary>
    public ServiceOptions With(ServiceOptionsPatch p) => new(
        p.Network ?? Network, p.CircuitBreaker ?? CircuitBreaker, p.Alarms ?? Alarms, p.HealthCheckGracePeriodSeconds ?? HealthCheckGracePeriodSeconds,
        p.EnableEcsManagedTags ?? EnableEcsManagedTags, p.PropagateTags ?? PropagateTags, p.EnableExecuteCommand ?? EnableExecuteCommand,
        p.PlatformVersion ?? PlatformVersion, p.AvailabilityZoneRebalancing ?? AvailabilityZoneRebalancing,
        p.DeploymentController ?? DeploymentController, p.Strategy ?? Strategy, p.BakeTimeInMinutes ?? BakeTimeInMinutes,
        p.TrafficShift ?? TrafficShift);
}

/// <summary>The <see cref="ServiceOptions"/> members an UpdateService names (null: unchanged).</summary>
[GenerateSerializer, Immutable, Alias("ServiceOptionsPatch")]
public sealed record ServiceOptionsPatch(
    [property: Id(0)] AwsVpcConfiguration? Network,
    [property: Id(1)] DeploymentCircuitBreakerSpec? CircuitBreaker,
    [property: Id(2)] DeploymentAlarmsSpec? Alarms,
    [property: Id(3)] int? HealthCheckGracePeriodSeconds,
    [property: Id(4)] bool? EnableEcsManagedTags,
    [property: Id(5)] string? PropagateTags,
    [property: Id(6)] bool? EnableExecuteCommand,
    [property: Id(7)] string? PlatformVersion,
    [property: Id(8)] string? AvailabilityZoneRebalancing,
    [property: Id(9)] string? DeploymentController = null,
    [property: Id(10)] string? Strategy = null,
    [property: Id(11)] int? BakeTimeInMinutes = null,
    [property: Id(12)] TrafficShiftSettings? TrafficShift = null)
{
    public static ServiceOptionsPatch None { get; } = new(null, null, null, null, null, null, null, null, null);
}

[GenerateSerializer, Immutable, Alias("ServiceSpec")]
public sealed record ServiceSpec(
    [property: Id(0)] string Cluster,
    [property: Id(1)] string Name,
    [property: Id(2)] TaskDefinitionRecord TaskDefinition,
    [property: Id(3)] int DesiredCount,
    [property: Id(4)] LaunchType? LaunchType,
    [property: Id(5)] ImmutableArray<CapacityProviderStrategyItem> CapacityProviderStrategy,
    [property: Id(6)] ImmutableArray<PlacementStrategy> PlacementStrategies,
    [property: Id(7)] ImmutableArray<PlacementConstraint> PlacementConstraints,
    [property: Id(8)] SchedulingStrategy SchedulingStrategy,
    [property: Id(9)] int MinimumHealthyPercent,
    [property: Id(10)] int MaximumPercent,
    [property: Id(11)] ImmutableDictionary<string, string> Tags,
    [property: Id(12)] string? ClientToken,
    [property: Id(13)] string? RequestFingerprint = null,
    [property: Id(14)] ImmutableArray<ServiceLoadBalancer> LoadBalancers = default,
    [property: Id(15)] ServiceOptions? Options = null)
{
    public ServiceOptions EffectiveOptions => Options ?? ServiceOptions.Default;
}

[GenerateSerializer, Immutable, Alias("ServiceUpdate")]
public sealed record ServiceUpdate(
    [property: Id(0)] int? DesiredCount,
    [property: Id(1)] TaskDefinitionRecord? TaskDefinition,
    [property: Id(2)] ImmutableArray<CapacityProviderStrategyItem>? CapacityProviderStrategy,
    [property: Id(3)] ImmutableArray<PlacementStrategy>? PlacementStrategies,
    [property: Id(4)] ImmutableArray<PlacementConstraint>? PlacementConstraints,
    [property: Id(5)] int? MinimumHealthyPercent,
    [property: Id(6)] int? MaximumPercent,
    [property: Id(7)] bool ForceNewDeployment,
    [property: Id(8)] ImmutableArray<ServiceLoadBalancer>? LoadBalancers = null,
    [property: Id(9)] ServiceOptionsPatch? Options = null)
{
    public static ServiceUpdate Desired(int count) => new(count, null, null, null, null, null, null, false);
}

[GenerateSerializer, Immutable, Alias("DeploymentInfo")]
public sealed record DeploymentInfo(
    [property: Id(0)] string Id,
    [property: Id(1)] string Status,
    [property: Id(2)] string TaskDefinitionArn,
    [property: Id(3)] int DesiredCount,
    [property: Id(4)] int PendingCount,
    [property: Id(5)] int RunningCount,
    [property: Id(6)] int FailedTasks,
    [property: Id(7)] DeploymentRolloutState RolloutState,
    [property: Id(8)] string RolloutStateReason,
    [property: Id(9)] DateTimeOffset CreatedAt,
    [property: Id(10)] DateTimeOffset UpdatedAt,
    [property: Id(11)] LaunchType? LaunchType,
    [property: Id(12)] ImmutableArray<CapacityProviderStrategyItem> CapacityProviderStrategy,
    [property: Id(13)] TaskDefinitionRecord TaskDefinition,
    [property: Id(14)] int FailureCount = 0,
    [property: Id(15)] int? FailureThreshold = null,
    [property: Id(16)] string? RevisionId = null,
    [property: Id(17)] string? ServiceDeploymentId = null,
    [property: Id(18)] DateTimeOffset? BakeUntil = null);

[GenerateSerializer, Immutable, Alias("ServiceEventRecord")]
public sealed record ServiceEventRecord(
    [property: Id(0)] string Id,
    [property: Id(1)] DateTimeOffset CreatedAt,
    [property: Id(2)] string Message);

[GenerateSerializer, Immutable, Alias("ServiceInfo")]
public sealed record ServiceInfo(
    [property: Id(0)] ServiceSpec Spec,
    [property: Id(1)] string Arn,
    [property: Id(2)] ServiceStatus Status,
    [property: Id(3)] int RunningCount,
    [property: Id(4)] int PendingCount,
    [property: Id(5)] ImmutableArray<DeploymentInfo> Deployments,
    [property: Id(6)] ImmutableArray<ServiceEventRecord> Events,
    [property: Id(7)] DateTimeOffset CreatedAt,
    [property: Id(8)] bool SteadyState,
    [property: Id(9)] ImmutableDictionary<string, int> RunningByProvider,
    [property: Id(10)] string? CurrentServiceDeploymentId = null,
    [property: Id(11)] ImmutableArray<ServiceRevisionSummary> CurrentRevisions = default,
    [property: Id(12)] TrafficShiftView? TrafficShift = null);

/// <summary>
/// An ECS service (B-SV-1..7): keeps desiredCount tasks (REPLICA) or one per instance (DAEMON), splits them over
/// capacity providers (B-CP-3), replaces tasks on DRAINING instances and in rolling deployments within
/// minimumHealthyPercent / maximumPercent (B-SV-4), backs off on start failures (B-SV-5) and keeps AWS's event
/// texts (B-SV-6). Reconciles on every change it is told about and on a period.
/// </summary>
[Alias("IServiceGrain")]
public interface IServiceGrain : IGrainWithStringKey
{
    [Alias("Create")] Task<ServiceInfo> Create(ServiceSpec spec);

    [Alias("Update")] Task<ServiceInfo> Update(ServiceUpdate update);

    [Alias("Describe")] Task<ServiceInfo?> Describe();

    /// <summary>Nothing but activation: the cluster's wake-up calls it so that a service whose silo died runs its timer again.</summary>
    [Alias("Wake")] Task Wake();

    [Alias("Delete")] Task<ServiceInfo> Delete(bool force);

    /// <summary>Something about this service's tasks changed: reconcile soon (one-way, coalesced).</summary>
    [Alias("Poke"), OneWay] Task Poke();

    /// <summary>B-DP-5: every service deployment kept (90 emulated days), newest first.</summary>
    [Alias("ListServiceDeployments")] Task<ImmutableArray<ServiceDeploymentView>> ListServiceDeployments();

    /// <summary>B-DP-5: the service deployments with these ids (unknown ids are left out).</summary>
    [Alias("GetServiceDeployments")] Task<ImmutableArray<ServiceDeploymentView>> GetServiceDeployments(ImmutableArray<string> ids);

    /// <summary>B-DP-5: the service revisions with these ids (unknown ids are left out).</summary>
    [Alias("GetServiceRevisions")] Task<ImmutableArray<ServiceRevisionRecord>> GetServiceRevisions(ImmutableArray<string> ids);

    /// <summary>
    /// B-DP-5 StopServiceDeployment: ROLLBACK rolls an IN_PROGRESS deployment back to the last completed revision (works
    /// without a configured rollback); ABORT stops it where it is. ServiceDeploymentNotFoundException for an unknown id,
    /// ConflictException when the deployment is no longer in progress.
    /// </summary>
    [Alias("StopServiceDeployment")] Task<ServiceDeploymentView> StopServiceDeployment(string id, string stopType);

    /// <summary>
    /// B-DP-7 ContinueServiceDeployment: answers a PAUSE hook of the current phase of a BLUE_GREEN / LINEAR / CANARY
    /// deployment (CONTINUE or ROLLBACK). ServiceDeploymentNotFoundException for an unknown id; InvalidParameterException
    /// for an unknown hook id or action; ConflictException when the hook is not awaiting an action.
    /// </summary>
    [Alias("ContinueServiceDeployment")] Task<ServiceDeploymentView> ContinueServiceDeployment(string id, string hookId, string action);
}
