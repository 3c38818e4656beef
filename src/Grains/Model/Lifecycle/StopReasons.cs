namespace Emulator.Model.Lifecycle;

/// <summary>stopCode / stoppedReason pairs (B-TL-3, Model choice where AWS does not document the pairing).</summary>
public static class StopReasons
{
    public const string UserInitiated = "UserInitiated";
    public const string ServiceSchedulerInitiated = "ServiceSchedulerInitiated";
    public const string TaskFailedToStart = "TaskFailedToStart";
    public const string EssentialContainerExited = "EssentialContainerExited";
    public const string SpotInterruption = "SpotInterruption";
    public const string TerminationNotice = "TerminationNotice";

    public const string StoppedByUser = "Task stopped by user";
    public const string EssentialExited = "Essential container in task exited";
    public const string FargateSpotInterrupted = "Your Spot Task was interrupted.";

    public const string CapacityUnavailable =
        "Capacity is unavailable at this time. Please try again later or in a different availability zone";

    public static string ScalingActivity(string deploymentId) => $"Scaling activity initiated by (deployment {deploymentId})";

    public static string HostTerminated(string ec2InstanceId) => $"Host EC2 (instance {ec2InstanceId}) stopped/terminated";

    /// <summary>Model choice (AWS documents no text): a Fargate task lost with its availability zone (chaos AZ outage).</summary>
    public static string ZoneLost(string availabilityZone) =>
        $"Task stopped because its host was lost: availability zone {availabilityZone} is unavailable";

    public static string HostStopCode(bool spotHost) => spotHost ? SpotInterruption : ServiceSchedulerInitiated;

    /// <summary>The service scheduler stops a task whose target failed its load balancer health checks (B-LB-1, B-DP-2).</summary>
    public static string FailedElbHealthChecks(string targetGroupArn) => $"Task failed ELB health checks in (target-group {targetGroupArn})";

    /// <summary>The service scheduler stops a task whose essential container health check reported UNHEALTHY (B-DP-2).</summary>
    public const string FailedContainerHealthChecks = "Task failed container health checks";

    /// <summary>Whether a stoppedReason says the task failed its health checks (what stage 2 of the circuit breaker counts).</summary>
    public static bool IsHealthCheckFailure(string? reason) =>
        reason is not null && (reason.StartsWith("Task failed ELB health checks", StringComparison.Ordinal)
                               || reason.StartsWith(FailedContainerHealthChecks, StringComparison.Ordinal));

    public static string CannotPull(string image) =>
        $"CannotPullContainerError: pull image manifest has been retried 5 time(s): failed to resolve ref {image}: not found";
}
