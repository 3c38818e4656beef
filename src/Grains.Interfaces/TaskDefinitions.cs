using System.Collections.Immutable;

namespace Emulator.Contracts;

[GenerateSerializer, Immutable, Alias("PortMapping")]
public sealed record PortMapping(
    [property: Id(0)] int ContainerPort,
    [property: Id(1)] int? HostPort,
    [property: Id(2)] string Protocol);

[GenerateSerializer, Immutable, Alias("ContainerDefinition")]
public sealed record ContainerDefinition(
    [property: Id(0)] string Name,
    [property: Id(1)] string Image,
    [property: Id(2)] int Cpu,
    [property: Id(3)] int? Memory,
    [property: Id(4)] int? MemoryReservation,
    [property: Id(5)] bool Essential,
    [property: Id(6)] ImmutableArray<PortMapping> PortMappings,
    [property: Id(7)] int? StopTimeout,
    [property: Id(8)] int Gpu,
    [property: Id(9)] System.Collections.Immutable.ImmutableDictionary<string, string>? DockerLabels = null,
    [property: Id(10)] ContainerHealthCheck? HealthCheck = null);

/// <summary>
/// What RegisterTaskDefinition carries that the engine uses, and <see cref="Document"/>: the request as it was written
/// (JSON, without its tags), which DescribeTaskDefinition returns with AWS's defaults filled in, so a client reads back
/// exactly what it registered (Terraform's container_definitions, log configurations, roles, volumes, ...).
/// </summary>
[GenerateSerializer, Immutable, Alias("TaskDefinitionSpec")]
public sealed record TaskDefinitionSpec(
    [property: Id(0)] string Family,
    [property: Id(1)] ImmutableArray<ContainerDefinition> Containers,
    [property: Id(2)] string? Cpu,
    [property: Id(3)] string? Memory,
    [property: Id(4)] NetworkMode NetworkMode,
    [property: Id(5)] ImmutableArray<string> RequiresCompatibilities,
    [property: Id(6)] ImmutableArray<PlacementConstraint> PlacementConstraints,
    [property: Id(7)] ImmutableDictionary<string, string> Tags,
    [property: Id(8)] string? Document = null);

/// <summary>A registered revision: <c>arn:aws:ecs:R:A:task-definition/FAMILY:REV</c> (B-ID-2).</summary>
[GenerateSerializer, Immutable, Alias("TaskDefinitionRecord")]
public sealed record TaskDefinitionRecord(
    [property: Id(0)] string Arn,
    [property: Id(1)] string Family,
    [property: Id(2)] int Revision,
    [property: Id(3)] TaskDefinitionSpec Spec,
    [property: Id(4)] bool Active,
    [property: Id(5)] DateTimeOffset RegisteredAt,
    [property: Id(6)] DateTimeOffset? DeregisteredAt,
    [property: Id(7)] TaskRequirements Requirements,
    [property: Id(8)] int StopTimeoutSeconds,
    [property: Id(9)] TaskFaults? Faults = null);
