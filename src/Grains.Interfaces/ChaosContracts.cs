using System.Collections.Immutable;

namespace Emulator.Contracts;

/// <summary>How many of the resolved targets an action hits (FIS selectionMode): ALL, COUNT(n) or PERCENT(p).</summary>
public enum SelectionMode
{
    ALL = 0,
    COUNT = 1,
    PERCENT = 2,
}

/// <summary>Selection of targets: ALL, COUNT(n) (n whole) or PERCENT(p) (0 &lt; p &lt;= 100, rounded up, at least one).</summary>
[GenerateSerializer, Immutable, Alias("ChaosSelection")]
public sealed record ChaosSelection(
    [property: Id(0)] SelectionMode Mode,
    [property: Id(1)] double Value)
{
    public static ChaosSelection All { get; } = new(SelectionMode.ALL, 0);

    public static ChaosSelection Count(int n) => new(SelectionMode.COUNT, n);

    public static ChaosSelection Percent(double p) => new(SelectionMode.PERCENT, p);
}

/// <summary>
/// What a chaos action acts on, resolved at injection time against the live state of <see cref="Cluster"/>.
/// Every non-null filter must match (AND). <see cref="Ids"/> are names or ARNs: EC2 instance ids or container
/// instance ARNs/ids for instance actions, task ARNs/ids for task actions. <see cref="Tags"/> match the resource's
/// tags (an ASG's tags for its instances, a service's tags for its tasks). The candidates are sorted by id before
/// the seeded selection picks, so the same seed and state give the same targets.
/// </summary>
[GenerateSerializer, Immutable, Alias("ChaosTarget")]
public sealed record ChaosTarget(
    [property: Id(0)] string Cluster,
    [property: Id(1)] ImmutableArray<string> Ids,
    [property: Id(2)] string? CapacityProvider,
    [property: Id(3)] string? AutoScalingGroup,
    [property: Id(4)] string? Service,
    [property: Id(5)] ImmutableDictionary<string, string> Tags,
    [property: Id(6)] string? AvailabilityZone,
    [property: Id(7)] string? InstanceType,
    [property: Id(8)] ChaosSelection Selection)
{
    public static ChaosTarget AllOf(string cluster) =>
        new(cluster, [], null, null, null, ImmutableDictionary<string, string>.Empty, null, null, ChaosSelection.All);

    /// <summary>Auto Scaling groups by name or ARN, in any cluster.</summary>
    public static ChaosTarget Groups(params string[] names) => AllOf("") with { Ids = [.. names] };
}

/// <summary>One injection: what was done to what, at which emulated time (the experiment report's timeline).</summary>
[GenerateSerializer, Immutable, Alias("ChaosInjection")]
public sealed record ChaosInjection(
    [property: Id(0)] long Sequence,
    [property: Id(1)] string Action,
    [property: Id(2)] DateTimeOffset At,
    [property: Id(3)] string Cluster,
    [property: Id(4)] ImmutableArray<string> Targets,
    [property: Id(5)] string Message,
    [property: Id(6)] DateTimeOffset? Until);

/// <summary>
/// Chaos actions against the running emulator (issue 4). Action names in <see cref="ChaosInjection.Action"/> are
/// the FIS action ids where FIS has one (aws:ec2:send-spot-instance-interruptions, aws:ec2:terminate-instances,
/// aws:ecs:drain-container-instances, aws:ecs:stop-task, aws:ec2:asg-insufficient-instance-capacity-error) and
/// emulator:* ids otherwise (emulator:fargate-spot-interruption, emulator:exhaust-spot-pool, emulator:az-outage,
/// emulator:az-restore, emulator:fail-task-launches). Every action validates first and throws
/// <see cref="EcsException"/> (InvalidParameterException, ClusterNotFoundException, ...) without injecting anything
/// when its input is invalid. An action whose target resolves to nothing returns an injection with no targets.
/// Key: 0.
/// </summary>
[Alias("IChaosGrain")]
public interface IChaosGrain : IGrainWithIntegerKey
{
    /// <summary>
    /// B-SP-1..3, B-ASG-5: EC2 Spot interruptions of the targeted Spot instances (non-Spot instances are never
    /// selected): an optional rebalance recommendation <paramref name="rebalanceLead"/> before the warning, the
    /// "EC2 Spot Instance Interruption Warning" at once (or after the lead), DRAINING when the instance has Spot
    /// draining, termination <paramref name="notice"/> (default 120 s) after the warning.
    /// </summary>
    [Alias("InterruptSpotInstances")]
    Task<ChaosInjection> InterruptSpotInstances(ChaosTarget target, TimeSpan? notice, bool rebalanceRecommendation, TimeSpan? rebalanceLead);

    /// <summary>B-SP-4: Fargate Spot interruption of the targeted FARGATE_SPOT tasks (TerminationNotice).</summary>
    [Alias("InterruptFargateSpotTasks")]
    Task<ChaosInjection> InterruptFargateSpotTasks(ChaosTarget target);

    /// <summary>EC2 terminate-instances on the targeted instances (no warning; the ASG replaces them, B-SP-3, B-ASG-1).</summary>
    [Alias("TerminateInstances")]
    Task<ChaosInjection> TerminateInstances(ChaosTarget target);

    /// <summary>FIS drain: the targeted container instances go DRAINING; back to ACTIVE after <paramref name="duration"/> when given.</summary>
    [Alias("DrainInstances")]
    Task<ChaosInjection> DrainInstances(ChaosTarget target, TimeSpan? duration);

    /// <summary>FIS stop-task: StopTask on the targeted tasks (stopCode UserInitiated, reason naming the experiment).</summary>
    [Alias("StopTasks")]
    Task<ChaosInjection> StopTasks(ChaosTarget target, string reason);

    /// <summary>
    /// B-ASG-3: Spot pools of <paramref name="instanceType"/> (null: every type) in <paramref name="availabilityZone"/>
    /// (null: every zone) have no capacity for <paramref name="duration"/>: launches move to other pools or fail.
    /// </summary>
    [Alias("ExhaustSpotPools")]
    Task<ChaosInjection> ExhaustSpotPools(string? instanceType, string? availabilityZone, TimeSpan duration);

    /// <summary>
    /// FIS asg-insufficient-instance-capacity-error: launches of the targeted groups fail with
    /// InsufficientInstanceCapacity in the zones (all when empty) for the duration. The target's <see cref="ChaosTarget.Ids"/>
    /// and <see cref="ChaosTarget.AutoScalingGroup"/> name groups (names or ARNs); otherwise every group of
    /// <see cref="ChaosTarget.Cluster"/> (every group when empty) with the target's tags is a candidate.
    /// </summary>
    [Alias("InsufficientInstanceCapacity")]
    Task<ChaosInjection> InsufficientInstanceCapacity(ChaosTarget target, ImmutableArray<string> availabilityZones, TimeSpan duration);

    /// <summary>Task launches of a cluster (or one service) fail with the probability for the duration (B-SV-5).</summary>
    [Alias("FailTaskLaunches")]
    Task<ChaosInjection> FailTaskLaunches(string cluster, string? service, double probability, TimeSpan duration);

    /// <summary>An AZ outage: every instance (and Fargate task) in the zone is lost at once, nothing launches there until restored or the duration ends.</summary>
    [Alias("ZoneOutage")]
    Task<ChaosInjection> ZoneOutage(string availabilityZone, TimeSpan? duration);

    /// <summary>Ends an AZ outage.</summary>
    [Alias("RestoreZone")]
    Task<ChaosInjection> RestoreZone(string availabilityZone);

    /// <summary>
    /// B-DP-8 as chaos (emulator:task-fault): the tasks of a running service fail as the docker labels would make them
    /// (pull failure of new tasks, exit after <paramref name="value"/> seconds, container or target health checks
    /// failing, an error rate, CPU per request multiplied) for <paramref name="duration"/>.
    /// </summary>
    [Alias("TaskFault")]
    Task<ChaosInjection> TaskFault(string cluster, string service, TaskFaultKind kind, double value, TimeSpan duration);

    /// <summary>Every injection since <paramref name="afterSequence"/>, in order.</summary>
    [Alias("GetInjections")]
    Task<ImmutableArray<ChaosInjection>> GetInjections(long afterSequence);
}
