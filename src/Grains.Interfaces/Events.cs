using System.Collections.Immutable;

namespace Emulator.Contracts;

/// <summary>
/// One EventBridge-shaped event (B-EV-1, B-EV-2), kept in order per cluster (B-EV-3). The HTTP edge renders it as
/// EventBridge JSON; grains only fill the fields. Task and container instance events carry the record itself so
/// the edge can shape the detail like a Task / ContainerInstance.
/// </summary>
[GenerateSerializer, Immutable, Alias("EmulatorEvent")]
public sealed record EmulatorEvent(
    [property: Id(0)] long Sequence,
    [property: Id(1)] string Id,
    [property: Id(2)] string DetailType,
    [property: Id(3)] string Source,
    [property: Id(4)] DateTimeOffset Time,
    [property: Id(5)] ImmutableArray<string> Resources,
    [property: Id(6)] ImmutableDictionary<string, string> Detail,
    [property: Id(7)] TaskRecord? Task,
    [property: Id(8)] ContainerInstanceRecord? Instance);

[GenerateSerializer, Immutable, Alias("EventPage")]
public sealed record EventPage(
    [property: Id(0)] ImmutableArray<EmulatorEvent> Events,
    [property: Id(1)] long LastSequence);

public static class EventTypes
{
    public const string TaskStateChange = "ECS Task State Change";
    public const string ContainerInstanceStateChange = "ECS Container Instance State Change";
    public const string ServiceAction = "ECS Service Action";
    public const string DeploymentStateChange = "ECS Deployment State Change";
    public const string SpotInterruptionWarning = "EC2 Spot Instance Interruption Warning";
    public const string RebalanceRecommendation = "EC2 Instance Rebalance Recommendation";
    public const string InstanceLaunchSuccessful = "EC2 Instance Launch Successful";
    public const string InstanceLaunchUnsuccessful = "EC2 Instance Launch Unsuccessful";
    public const string InstanceTerminateSuccessful = "EC2 Instance Terminate Successful";
    public const string CapacityProviderReservation = "Emulator CapacityProviderReservation";

    /// <summary>B-MI-2..4: a decision of an ECS Managed Instances provider's manager (launch, drain, terminate) with its reason.</summary>
    public const string ManagedInstancesDecision = "Emulator Managed Instances Decision";

    /// <summary>B-CW-1: a CloudWatch alarm changed state (EventBridge "CloudWatch Alarm State Change", source aws.cloudwatch).</summary>
    public const string AlarmStateChange = "CloudWatch Alarm State Change";

    /// <summary>B-AS-6: an Application Auto Scaling scaling activity (emulator event: AWS has no EventBridge event for it).</summary>
    public const string ScalingActivity = "Emulator Application Auto Scaling Activity";

    public const string SourceEcs = "aws.ecs";
    public const string SourceEc2 = "aws.ec2";
    public const string SourceAutoScaling = "aws.autoscaling";
    public const string SourceCloudWatch = "aws.cloudwatch";
    public const string SourceEmulator = "emulator";
}
