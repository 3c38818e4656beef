namespace Emulator.Contracts;

// Enum member names are AWS's wire spellings so the HTTP edge can print them as they are.

/// <summary>Task lastStatus, in lifecycle order (B-TL-1): a task only moves forward.</summary>
public enum TaskStatus
{
    PROVISIONING = 0,
    PENDING = 1,
    ACTIVATING = 2,
    RUNNING = 3,
    DEACTIVATING = 4,
    STOPPING = 5,
    DEPROVISIONING = 6,
    STOPPED = 7,
}

/// <summary>Task desiredStatus (B-TL-1).</summary>
public enum DesiredStatus
{
    RUNNING = 0,
    STOPPED = 1,
}

/// <summary>Container instance status (B-CI-1).</summary>
public enum ContainerInstanceStatus
{
    ACTIVE = 0,
    DRAINING = 1,
    INACTIVE = 2,
    REGISTERING = 3,
    DEREGISTERING = 4,
}

/// <summary>EC2 Auto Scaling instance lifecycle states (B-ASG-1).</summary>
public enum LifecycleState
{
    Pending = 0,
    InService = 1,
    TerminatingWait = 2,
    Terminating = 3,
    Terminated = 4,
}

public enum LaunchType
{
    EC2 = 0,
    FARGATE = 1,
    EXTERNAL = 2,

    /// <summary>B-MI-1: runs on the cluster's ECS Managed Instances capacity provider (resolved to a strategy naming it).</summary>
    MANAGED_INSTANCES = 3,
}

public enum SchedulingStrategy
{
    REPLICA = 0,
    DAEMON = 1,
}

public enum PlacementStrategyType
{
    binpack = 0,
    spread = 1,
    random = 2,
}

public enum PlacementConstraintType
{
    distinctInstance = 0,
    memberOf = 1,
}

public enum ManagedScalingStatus
{
    ENABLED = 0,
    DISABLED = 1,
}

public enum ServiceStatus
{
    ACTIVE = 0,
    DRAINING = 1,
    INACTIVE = 2,
}

public enum DeploymentRolloutState
{
    IN_PROGRESS = 0,
    COMPLETED = 1,
    FAILED = 2,
}
