using System.Collections.Immutable;

namespace Emulator.Contracts;

/// <summary>B-DP-2: deploymentCircuitBreaker.thresholdConfiguration {type COUNT | BOUNDED_PERCENT | UNBOUNDED_PERCENT, value}.</summary>
[GenerateSerializer, Immutable, Alias("ThresholdConfigurationSpec")]
public sealed record ThresholdConfigurationSpec(
    [property: Id(0)] string Type,
    [property: Id(1)] int Value)
{
    public const string Count = "COUNT";
    public const string BoundedPercent = "BOUNDED_PERCENT";
    public const string UnboundedPercent = "UNBOUNDED_PERCENT";

    /// <summary>AWS's default: BOUNDED_PERCENT 50 (0.5 x desired, at least 3, at most 200).</summary>
    public static ThresholdConfigurationSpec Default { get; } = new(BoundedPercent, 50);
}

/// <summary>
/// One deployment of a service (B-DP-1): the <c>deployments[]</c> entry of DescribeServices, and the circuit breaker's
/// memory of it (B-DP-2). Status PRIMARY | ACTIVE (INACTIVE ones are dropped from the list); rollout IN_PROGRESS ->
/// COMPLETED | FAILED. <see cref="ServiceDeploymentId"/> names the service deployment (B-DP-5) this deployment carries
/// out: a rollback deployment carries out the same service deployment as the one it rolls back.
/// </summary>
[GenerateSerializer, Immutable, Alias("DeploymentState")]
public sealed record DeploymentState(
    [property: Id(0)] string Id,
    [property: Id(1)] TaskDefinitionRecord TaskDefinition,
    [property: Id(2)] string Status,
    [property: Id(3)] DeploymentRolloutState Rollout,
    [property: Id(4)] string Reason,
    [property: Id(5)] DateTimeOffset CreatedAt,
    [property: Id(6)] DateTimeOffset UpdatedAt,
    [property: Id(7)] int FailedTasks,
    [property: Id(8)] LaunchType? LaunchType,
    [property: Id(9)] ImmutableArray<CapacityProviderStrategyItem> Strategy,
    [property: Id(10)] string? RevisionId = null,
    [property: Id(11)] string? ServiceDeploymentId = null,
    [property: Id(12)] CircuitBreakerState? Breaker = null,
    [property: Id(13)] string? RollsBack = null,
    [property: Id(14)] DateTimeOffset? BakeUntil = null);

/// <summary>
/// What the circuit breaker (B-DP-2) has seen of one deployment: the failed tasks it counted (ids, so a task is counted
/// once; and when each stopped), the latest instant a task of the deployment became healthy (resetOnHealthyTask counts
/// only failures after it), and whether a task of the deployment has reached RUNNING (stage 2).
/// </summary>
[GenerateSerializer, Immutable, Alias("CircuitBreakerState")]
public sealed record CircuitBreakerState(
    [property: Id(0)] ImmutableHashSet<string> Counted,
    [property: Id(1)] ImmutableArray<DateTimeOffset> FailureTimes,
    [property: Id(2)] DateTimeOffset? LastHealthyAt,
    [property: Id(3)] bool Stage2)
{
    public static CircuitBreakerState Empty { get; } = new(ImmutableHashSet<string>.Empty, [], null, false);
}

/// <summary>A container image of a service revision (ServiceRevision.containerImages).</summary>
[GenerateSerializer, Immutable, Alias("ContainerImageRef")]
public sealed record ContainerImageRef(
    [property: Id(0)] string ContainerName,
    [property: Id(1)] string Image);

/// <summary>
/// B-DP-5: a service revision, the configuration a deployment rolls out (<c>…:service-revision/CLUSTER/SERVICE/&lt;19
/// digits&gt;</c>): task definition, capacity, load balancers, network configuration, the images it resolved.
/// </summary>
[GenerateSerializer, Immutable, Alias("ServiceRevisionRecord")]
public sealed record ServiceRevisionRecord(
    [property: Id(0)] string Id,
    [property: Id(1)] DateTimeOffset CreatedAt,
    [property: Id(2)] string TaskDefinitionArn,
    [property: Id(3)] LaunchType? LaunchType,
    [property: Id(4)] ImmutableArray<CapacityProviderStrategyItem> CapacityProviderStrategy,
    [property: Id(5)] ImmutableArray<ServiceLoadBalancer> LoadBalancers,
    [property: Id(6)] AwsVpcConfiguration? Network,
    [property: Id(7)] ImmutableArray<ContainerImageRef> ContainerImages,
    [property: Id(8)] string? PlatformVersion);

/// <summary>A service deployment's rollback (ServiceDeployment.rollback).</summary>
[GenerateSerializer, Immutable, Alias("ServiceDeploymentRollback")]
public sealed record ServiceDeploymentRollback(
    [property: Id(0)] string Reason,
    [property: Id(1)] DateTimeOffset StartedAt,
    [property: Id(2)] string RevisionId);

/// <summary>
/// B-DP-5: a service deployment (<c>…:service-deployment/CLUSTER/SERVICE/&lt;id&gt;</c>): from the source revisions to
/// the target revision, its status (PENDING, IN_PROGRESS, STOP_REQUESTED, ROLLBACK_REQUESTED, ROLLBACK_IN_PROGRESS,
/// SUCCESSFUL, STOPPED, ROLLBACK_SUCCESSFUL, ROLLBACK_FAILED), the deployment configuration it ran with, the circuit
/// breaker's and the alarms' monitoring status, and its rollback. <see cref="DeploymentIds"/> are the
/// <c>ecs-svc/…</c> deployments that carried it out (the forward one, then the rollback's).
/// </summary>
[GenerateSerializer, Immutable, Alias("ServiceDeploymentRecord")]
public sealed record ServiceDeploymentRecord(
    [property: Id(0)] string Id,
    [property: Id(1)] DateTimeOffset CreatedAt,
    [property: Id(2)] DateTimeOffset? StartedAt,
    [property: Id(3)] DateTimeOffset? FinishedAt,
    [property: Id(4)] DateTimeOffset? StoppedAt,
    [property: Id(5)] DateTimeOffset UpdatedAt,
    [property: Id(6)] ImmutableArray<string> SourceRevisionIds,
    [property: Id(7)] string TargetRevisionId,
    [property: Id(8)] string Status,
    [property: Id(9)] string? StatusReason,
    [property: Id(10)] ImmutableArray<string> DeploymentIds,
    [property: Id(11)] int MinimumHealthyPercent,
    [property: Id(12)] int MaximumPercent,
    [property: Id(13)] DeploymentCircuitBreakerSpec CircuitBreaker,
    [property: Id(14)] DeploymentAlarmsSpec? Alarms,
    [property: Id(15)] string CircuitBreakerStatus,
    [property: Id(16)] int FailureCount,
    [property: Id(17)] int Threshold,
    [property: Id(18)] string AlarmsStatus,
    [property: Id(19)] ImmutableArray<string> TriggeredAlarms,
    [property: Id(20)] ServiceDeploymentRollback? Rollback,
    [property: Id(21)] string? LifecycleStage,
    [property: Id(22)] int? BakeTimeInMinutes = null);

/// <summary>Tasks of one revision (ServiceRevisionSummary / ServiceCurrentRevisionSummary).</summary>
[GenerateSerializer, Immutable, Alias("ServiceRevisionSummary")]
public sealed record ServiceRevisionSummary(
    [property: Id(0)] string RevisionId,
    [property: Id(1)] int Requested,
    [property: Id(2)] int Running,
    [property: Id(3)] int Pending,
    [property: Id(4)] double? ProductionTrafficWeight = null,
    [property: Id(5)] double? TestTrafficWeight = null);

/// <summary>A service deployment with the task counts of its revisions, as DescribeServiceDeployments shows it.</summary>
[GenerateSerializer, Immutable, Alias("ServiceDeploymentView")]
public sealed record ServiceDeploymentView(
    [property: Id(0)] string Cluster,
    [property: Id(1)] string Service,
    [property: Id(2)] ServiceDeploymentRecord Record,
    [property: Id(3)] ServiceRevisionSummary Target,
    [property: Id(4)] ImmutableArray<ServiceRevisionSummary> Sources,
    [property: Id(5)] TrafficShiftView? TrafficShift = null);

/// <summary>Service deployment and revision ARNs (B-DP-5) and the ids inside them.</summary>
public static class DeploymentArns
{
    public static string ServiceDeployment(string region, string account, string cluster, string service, string id) =>
        $"arn:aws:ecs:{region}:{account}:service-deployment/{cluster}/{service}/{id}";

    public static string ServiceRevision(string region, string account, string cluster, string service, string id) =>
        $"arn:aws:ecs:{region}:{account}:service-revision/{cluster}/{service}/{id}";

    /// <summary>(cluster, service, id) of a <c>service-deployment/…</c> or <c>service-revision/…</c> ARN, or null when it is not one.</summary>
    public static (string Cluster, string Service, string Id)? Parse(string arn, string kind)
    {
        var marker = ":" + kind + "/";
        var i = arn.IndexOf(marker, StringComparison.Ordinal);
        if (!arn.StartsWith("arn:aws:ecs:", StringComparison.Ordinal) || i < 0)
        {
            return null;
        }

        var parts = arn[(i + marker.Length)..].Split('/');
        return parts.Length == 3 && parts.All(p => p.Length > 0) ? (parts[0], parts[1], parts[2]) : null;
    }
}

/// <summary>
/// The health check of a container (task definition <c>healthCheck</c>): command, interval, timeout, retries, start
/// period in seconds, with Docker's defaults (30, 5, 3, 0).
/// </summary>
[GenerateSerializer, Immutable, Alias("ContainerHealthCheck")]
public sealed record ContainerHealthCheck(
    [property: Id(0)] ImmutableArray<string> Command,
    [property: Id(1)] int IntervalSeconds = 30,
    [property: Id(2)] int TimeoutSeconds = 5,
    [property: Id(3)] int Retries = 3,
    [property: Id(4)] int StartPeriodSeconds = 0);

/// <summary>
/// B-DP-8: what a task does beyond its lifecycle, from its task definition's <c>emulator.*</c> docker labels (and chaos
/// faults on a running service): its image pull fails (<see cref="PullFailure"/> is the stoppedReason), its essential
/// container exits <see cref="ExitAfter"/> after RUNNING with <see cref="ExitCode"/>, its container health check or its
/// target's health checks fail, a share of its requests is answered 5xx, its CPU per request is multiplied.
/// <see cref="HealthCheck"/> is the container health check the task runs (null: none). Faults injected into a running
/// task apply from <see cref="Since"/> (null: from its start) until <see cref="Until"/> (null: for good).
/// </summary>
[GenerateSerializer, Immutable, Alias("TaskFaults")]
public sealed record TaskFaults(
    [property: Id(0)] string? PullFailure,
    [property: Id(1)] TimeSpan? ExitAfter,
    [property: Id(2)] int ExitCode,
    [property: Id(3)] bool HealthCheckFails,
    [property: Id(4)] bool TargetHealthFails,
    [property: Id(5)] double ErrorRate,
    [property: Id(6)] double CpuPerRequest,
    [property: Id(7)] ContainerHealthCheck? HealthCheck,
    [property: Id(8)] DateTimeOffset? Since = null,
    [property: Id(9)] DateTimeOffset? Until = null)
{
    public static TaskFaults None { get; } = new(null, null, 1, false, false, 0, 1, null);

    /// <summary>True when nothing differs from a plain task.</summary>
    public bool IsNone => PullFailure is null && ExitAfter is null && !HealthCheckFails && !TargetHealthFails && ErrorRate <= 0
                          && Math.Abs(CpuPerRequest - 1) < 1e-12 && HealthCheck is null;
}

/// <summary>The task failure faults a chaos action can set on a running service (B-DP-8).</summary>
public enum TaskFaultKind
{
    PullFailure = 0,
    Exit = 1,
    HealthCheck = 2,
    TargetHealth = 3,
    ErrorRate = 4,
    CpuPerRequest = 5,
}

/// <summary>A chaos fault on a service's tasks: its kind, its value (exit: seconds; error rate: 0..1; CPU: factor), from when until when.</summary>
[GenerateSerializer, Immutable, Alias("ServiceTaskFault")]
public sealed record ServiceTaskFault(
    [property: Id(0)] TaskFaultKind Kind,
    [property: Id(1)] double Value,
    [property: Id(2)] DateTimeOffset Since,
    [property: Id(3)] DateTimeOffset? Until);

/// <summary>ServiceDeployment statuses (B-DP-5), as AWS spells them.</summary>
public static class ServiceDeploymentStatuses
{
    public const string Pending = "PENDING";
    public const string InProgress = "IN_PROGRESS";
    public const string StopRequested = "STOP_REQUESTED";
    public const string RollbackRequested = "ROLLBACK_REQUESTED";
    public const string RollbackInProgress = "ROLLBACK_IN_PROGRESS";
    public const string Successful = "SUCCESSFUL";
    public const string Stopped = "STOPPED";
    public const string RollbackSuccessful = "ROLLBACK_SUCCESSFUL";
    public const string RollbackFailed = "ROLLBACK_FAILED";

    public static readonly string[] All = [Pending, InProgress, StopRequested, RollbackRequested, RollbackInProgress, Successful, Stopped, RollbackSuccessful, RollbackFailed];

    /// <summary>Statuses from which the deployment still moves (it can be stopped).</summary>
    public static bool IsActive(string status) => status is Pending or InProgress or StopRequested or RollbackRequested or RollbackInProgress;
}

/// <summary>Monitor statuses of a service deployment's circuit breaker and alarms (ServiceDeploymentRollbackMonitorsStatus).</summary>
public static class MonitorStatuses
{
    public const string Triggered = "TRIGGERED";
    public const string Monitoring = "MONITORING";
    public const string MonitoringComplete = "MONITORING_COMPLETE";
    public const string Disabled = "DISABLED";
}

/// <summary>
/// B-DP-6 / B-DP-7: a BLUE_GREEN, LINEAR or CANARY strategy's settings as written (deploymentConfiguration's
/// linearConfiguration, canaryConfiguration and lifecycleHooks; null members: AWS's defaults apply).
/// </summary>
[GenerateSerializer, Immutable, Alias("TrafficShiftSettings")]
public sealed record TrafficShiftSettings(
    [property: Id(0)] double? StepPercent,
    [property: Id(1)] int? StepBakeTimeInMinutes,
    [property: Id(2)] double? CanaryPercent,
    [property: Id(3)] int? CanaryBakeTimeInMinutes,
    [property: Id(4)] ImmutableArray<LifecycleHookSettings> Hooks);

/// <summary>
/// B-DP-7: one lifecycleHooks entry as written: targetType AWS_LAMBDA | PAUSE, hookTargetArn, roleArn, lifecycleStages,
/// timeoutConfiguration (minutes, action ROLLBACK | CONTINUE; null: 1440 and ROLLBACK), hookDetails (JSON text, stored).
/// </summary>
[GenerateSerializer, Immutable, Alias("LifecycleHookSettings")]
public sealed record LifecycleHookSettings(
    [property: Id(0)] string TargetType,
    [property: Id(1)] string? HookTargetArn,
    [property: Id(2)] string? RoleArn,
    [property: Id(3)] ImmutableArray<string> Stages,
    [property: Id(4)] int? TimeoutInMinutes,
    [property: Id(5)] string? TimeoutAction,
    [property: Id(6)] string? HookDetailsJson = null);

/// <summary>B-DP-6: loadBalancers[].advancedConfiguration: the alternate target group and the listener rules whose weights move.</summary>
[GenerateSerializer, Immutable, Alias("AdvancedLoadBalancerConfiguration")]
public sealed record AdvancedLoadBalancerConfiguration(
    [property: Id(0)] string AlternateTargetGroupArn,
    [property: Id(1)] string? ProductionListenerRule,
    [property: Id(2)] string? TestListenerRule,
    [property: Id(3)] string? RoleArn);

/// <summary>
/// B-DP-7: a lifecycle hook of the current phase (DescribeServiceDeployments' lifecycleHookDetails): its id (what
/// ContinueServiceDeployment names), type, target, status (AWAITING_ACTION for a PAUSE hook waiting, IN_PROGRESS for a
/// Lambda hook waiting, SUCCEEDED, FAILED, TIMED_OUT), when it times out and its timeout action.
/// </summary>
[GenerateSerializer, Immutable, Alias("LifecycleHookDetail")]
public sealed record LifecycleHookDetail(
    [property: Id(0)] string HookId,
    [property: Id(1)] string TargetType,
    [property: Id(2)] string? TargetArn,
    [property: Id(3)] string Status,
    [property: Id(4)] DateTimeOffset? ExpiresAt,
    [property: Id(5)] string TimeoutAction,
    [property: Id(6)] string Stage);

/// <summary>
/// B-DP-6: where a traffic-shifting service deployment stands, as the APIs and the client show it: strategy, stage,
/// production and test traffic on green (percent), the production step (0-based; -1 before the first) of how many, when
/// the current wait ends (step bake, bake time, hook timeout; null: waiting on tasks or nothing), the target groups
/// (blue serves the source revision, green the target), the listener rules moved, the hooks of the current phase, the
/// result (IN_PROGRESS, SUCCEEDED, ROLLED_BACK) and why.
/// </summary>
[GenerateSerializer, Immutable, Alias("TrafficShiftView")]
public sealed record TrafficShiftView(
    [property: Id(0)] string Strategy,
    [property: Id(1)] string LifecycleStage,
    [property: Id(2)] double ProductionGreenPercent,
    [property: Id(3)] double TestGreenPercent,
    [property: Id(4)] int Step,
    [property: Id(5)] int Steps,
    [property: Id(6)] DateTimeOffset? WaitUntil,
    [property: Id(7)] string BlueTargetGroupArn,
    [property: Id(8)] string GreenTargetGroupArn,
    [property: Id(9)] string? ProductionListenerRule,
    [property: Id(10)] string? TestListenerRule,
    [property: Id(11)] ImmutableArray<LifecycleHookDetail> Hooks,
    [property: Id(12)] string Result,
    [property: Id(13)] string? Reason,
    [property: Id(14)] string GreenDeploymentId,
    [property: Id(15)] string? BlueDeploymentId,
    [property: Id(16)] string? SourceRevisionId,
    [property: Id(17)] TrafficShiftSettings? Settings = null);

/// <summary>
/// B-DP-7 Model choice: Lambda hooks cannot run here; the outcome the emulator answers for one function ARN: IN_PROGRESS
/// for <see cref="InProgressSeconds"/> (emulated; null: forever, so the hook times out), then SUCCEEDED or FAILED.
/// </summary>
[GenerateSerializer, Immutable, Alias("LambdaHookOutcome")]
public sealed record LambdaHookOutcome(
    [property: Id(0)] string FunctionArn,
    [property: Id(1)] bool Succeeds,
    [property: Id(2)] double? InProgressSeconds);

/// <summary>B-DP-7: the configured Lambda hook outcomes per function ARN (one per account; the default is SUCCEEDED at once).</summary>
[Alias("ILambdaHooksGrain")]
public interface ILambdaHooksGrain : IGrainWithStringKey
{
    [Alias("Set")] Task Set(LambdaHookOutcome outcome);

    [Alias("Remove")] Task Remove(string functionArn);

    [Alias("List")] Task<ImmutableArray<LambdaHookOutcome>> List();
}
