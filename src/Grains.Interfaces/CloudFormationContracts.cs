using System.Collections.Immutable;

namespace Emulator.Contracts;

/// <summary>A parameter of a stack request: a value, or UsePreviousValue (B-CFN-2).</summary>
[GenerateSerializer, Immutable, Alias("StackParameterInput")]
public sealed record StackParameterInput(
    [property: Id(0)] string Key,
    [property: Id(1)] string? Value,
    [property: Id(2)] bool UsePreviousValue);

/// <summary>A parameter as a stack holds it: the value given and, for SSM parameter types, what it resolved to.</summary>
[GenerateSerializer, Immutable, Alias("StackParameterRecord")]
public sealed record StackParameterRecord(
    [property: Id(0)] string Key,
    [property: Id(1)] string Value,
    [property: Id(2)] string? ResolvedValue,
    [property: Id(3)] bool NoEcho,
    [property: Id(4)] string Type);

[GenerateSerializer, Immutable, Alias("StackTagRecord")]
public sealed record StackTagRecord(
    [property: Id(0)] string Key,
    [property: Id(1)] string Value);

/// <summary>
/// What CreateStack, UpdateStack and CreateChangeSet carry (B-CFN-5, B-CFN-6, B-CFN-9). A null template body on an
/// update means UsePreviousTemplate; null tags, capabilities or notification ARNs keep the stack's.
/// </summary>
[GenerateSerializer, Immutable, Alias("StackRequest")]
public sealed record StackRequest(
    [property: Id(0)] string StackName,
    [property: Id(1)] string? TemplateBody,
    [property: Id(2)] ImmutableArray<StackParameterInput> Parameters,
    [property: Id(3)] ImmutableArray<StackTagRecord>? Tags,
    [property: Id(4)] ImmutableArray<string>? Capabilities,
    [property: Id(5)] string OnFailure,
    [property: Id(6)] bool? EnableTerminationProtection,
    [property: Id(7)] string? RoleArn,
    [property: Id(8)] ImmutableArray<string>? NotificationArns,
    [property: Id(9)] string? ClientRequestToken,
    [property: Id(10)] int? TimeoutInMinutes,
    [property: Id(11)] string? Description);

/// <summary>One resource of a stack as DescribeStackResources shows it, with what the engine needs to update and delete it.</summary>
[GenerateSerializer, Immutable, Alias("StackResourceRecord")]
public sealed record StackResourceRecord(
    [property: Id(0)] string LogicalId,
    [property: Id(1)] string Type,
    [property: Id(2)] string? PhysicalId,
    [property: Id(3)] string Status,
    [property: Id(4)] string? Reason,
    [property: Id(5)] string? Properties,
    [property: Id(6)] ImmutableDictionary<string, string> Attributes,
    [property: Id(7)] DateTimeOffset LastUpdated,
    [property: Id(8)] ImmutableArray<string> DependsOn,
    [property: Id(9)] string? DeletionPolicy,
    [property: Id(10)] string? UpdateReplacePolicy,
    [property: Id(11)] string? Metadata,
    [property: Id(12)] string? Handle);

/// <summary>One stack event (DescribeStackEvents), newest last in the stack's list.</summary>
[GenerateSerializer, Immutable, Alias("StackEventRecord")]
public sealed record StackEventRecord(
    [property: Id(0)] string EventId,
    [property: Id(1)] string LogicalId,
    [property: Id(2)] string? PhysicalId,
    [property: Id(3)] string ResourceType,
    [property: Id(4)] string Status,
    [property: Id(5)] string? Reason,
    [property: Id(6)] DateTimeOffset Timestamp,
    [property: Id(7)] string? Properties,
    [property: Id(8)] string? ClientRequestToken);

[GenerateSerializer, Immutable, Alias("StackOutputRecord")]
public sealed record StackOutputRecord(
    [property: Id(0)] string Key,
    [property: Id(1)] string Value,
    [property: Id(2)] string? Description,
    [property: Id(3)] string? ExportName);

/// <summary>One unit of work of a stack operation's current phase: create, update, revert or delete one resource.</summary>
[GenerateSerializer, Immutable, Alias("StackJobRecord")]
public sealed record StackJobRecord(
    [property: Id(0)] string Key,
    [property: Id(1)] string LogicalId,
    [property: Id(2)] string Verb,
    [property: Id(3)] string State,
    [property: Id(4)] ImmutableArray<string> After,
    [property: Id(5)] StackResourceRecord? Target,
    [property: Id(6)] bool Replacement);

/// <summary>A stack operation in progress (B-CFN-5..7): what is being applied, the current phase and its jobs, what to undo.</summary>
[GenerateSerializer, Immutable, Alias("StackRunRecord")]
public sealed record StackRunRecord(
    [property: Id(0)] string Kind,
    [property: Id(1)] string Phase,
    [property: Id(2)] string TemplateBody,
    [property: Id(3)] ImmutableArray<StackParameterRecord> Parameters,
    [property: Id(4)] ImmutableDictionary<string, bool> Conditions,
    [property: Id(5)] ImmutableDictionary<string, string> Imports,
    [property: Id(6)] ImmutableArray<StackJobRecord> Jobs,
    [property: Id(7)] ImmutableDictionary<string, StackResourceRecord> Before,
    [property: Id(8)] ImmutableArray<StackResourceRecord> Discards,
    [property: Id(9)] string? FailureReason,
    [property: Id(10)] string OnFailure,
    [property: Id(11)] string? ClientRequestToken,
    [property: Id(12)] ImmutableArray<StackTagRecord> Tags,
    [property: Id(13)] ImmutableArray<string> Capabilities,
    [property: Id(14)] ImmutableArray<string> NotificationArns,
    [property: Id(15)] string? Description,
    [property: Id(16)] ImmutableArray<string> Retain,
    [property: Id(17)] DateTimeOffset StartedAt,
    [property: Id(18)] int? TimeoutInMinutes,
    [property: Id(19)] string? ChangeSetId);

/// <summary>A change set's view of one resource (DescribeChangeSet's ResourceChange).</summary>
[GenerateSerializer, Immutable, Alias("ResourceChangeRecord")]
public sealed record ResourceChangeRecord(
    [property: Id(0)] string Action,
    [property: Id(1)] string LogicalId,
    [property: Id(2)] string? PhysicalId,
    [property: Id(3)] string ResourceType,
    [property: Id(4)] string? Replacement,
    [property: Id(5)] ImmutableArray<string> Scope,
    [property: Id(6)] ImmutableArray<ResourceChangeDetailRecord> Details);

[GenerateSerializer, Immutable, Alias("ResourceChangeDetailRecord")]
public sealed record ResourceChangeDetailRecord(
    [property: Id(0)] string Attribute,
    [property: Id(1)] string? Name,
    [property: Id(2)] string RequiresRecreation,
    [property: Id(3)] string Evaluation,
    [property: Id(4)] string ChangeSource,
    [property: Id(5)] string? CausingEntity);

/// <summary>A change set (B-CFN-9): the request it was made from, its status, and the changes it would make.</summary>
[GenerateSerializer, Immutable, Alias("ChangeSetRecord")]
public sealed record ChangeSetRecord(
    [property: Id(0)] string ChangeSetId,
    [property: Id(1)] string ChangeSetName,
    [property: Id(2)] string ChangeSetType,
    [property: Id(3)] string Status,
    [property: Id(4)] string? StatusReason,
    [property: Id(5)] string ExecutionStatus,
    [property: Id(6)] DateTimeOffset CreationTime,
    [property: Id(7)] string? Description,
    [property: Id(8)] StackRequest Request,
    [property: Id(9)] ImmutableArray<StackParameterRecord> Parameters,
    [property: Id(10)] ImmutableArray<ResourceChangeRecord> Changes);

/// <summary>One stack as its grain keeps it (DescribeStacks, events, resources, template, change sets, the operation in progress).</summary>
[GenerateSerializer, Immutable, Alias("StackRecord")]
public sealed record StackRecord(
    [property: Id(0)] string StackId,
    [property: Id(1)] string StackName,
    [property: Id(2)] string? Description,
    [property: Id(3)] string Status,
    [property: Id(4)] string? StatusReason,
    [property: Id(5)] DateTimeOffset CreationTime,
    [property: Id(6)] DateTimeOffset? LastUpdatedTime,
    [property: Id(7)] DateTimeOffset? DeletionTime,
    [property: Id(8)] string TemplateBody,
    [property: Id(9)] ImmutableArray<StackParameterRecord> Parameters,
    [property: Id(10)] ImmutableArray<StackTagRecord> Tags,
    [property: Id(11)] ImmutableArray<string> Capabilities,
    [property: Id(12)] ImmutableArray<string> NotificationArns,
    [property: Id(13)] bool DisableRollback,
    [property: Id(14)] bool TerminationProtection,
    [property: Id(15)] string? RoleArn,
    [property: Id(16)] ImmutableDictionary<string, StackResourceRecord> Resources,
    [property: Id(17)] ImmutableArray<StackOutputRecord> Outputs,
    [property: Id(18)] ImmutableArray<StackEventRecord> Events,
    [property: Id(19)] StackRunRecord? Run,
    [property: Id(20)] ImmutableArray<string> Imports,
    [property: Id(21)] ImmutableDictionary<string, ChangeSetRecord> ChangeSets,
    [property: Id(22)] ImmutableDictionary<string, bool> Conditions,
    [property: Id(23)] int? TimeoutInMinutes);

/// <summary>ListStacks' row; the registry keeps one per stack ever created (deleted ones included, as AWS lists them).</summary>
[GenerateSerializer, Immutable, Alias("StackSummaryRecord")]
public sealed record StackSummaryRecord(
    [property: Id(0)] string StackId,
    [property: Id(1)] string StackName,
    [property: Id(2)] string Status,
    [property: Id(3)] string? StatusReason,
    [property: Id(4)] DateTimeOffset CreationTime,
    [property: Id(5)] DateTimeOffset? LastUpdatedTime,
    [property: Id(6)] DateTimeOffset? DeletionTime,
    [property: Id(7)] string? TemplateDescription);

/// <summary>An export of a stack output (ListExports) and the stacks importing it.</summary>
[GenerateSerializer, Immutable, Alias("StackExportRecord")]
public sealed record StackExportRecord(
    [property: Id(0)] string Name,
    [property: Id(1)] string Value,
    [property: Id(2)] string ExportingStackId,
    [property: Id(3)] ImmutableSortedSet<string> ImportingStacks);

/// <summary>
/// One CloudFormation stack (B-CFN-5..9), keyed by its stack id (ARN). It runs its operations itself: the pure engine
/// (<c>Emulator.Model.CloudFormation.StackEngine</c>) decides, the grain calls the resource handlers, which call the
/// emulator's own operations (the ECS front door, the grains behind every other AWS service).
/// </summary>
[Alias("IStackGrain")]
public interface IStackGrain : IGrainWithStringKey
{
    /// <summary>Starts creating the stack (CREATE_IN_PROGRESS); template or parameter errors are ValidationError and create nothing.</summary>
    [Alias("Create")] Task<StackRecord> Create(StackRequest request);

    [Alias("Update")] Task<StackRecord> Update(StackRequest request);

    [Alias("Delete")] Task Delete(ImmutableArray<string> retainResources, string? clientRequestToken);

    [Alias("Describe")] Task<StackRecord?> Describe();

    [Alias("CreateChangeSet")] Task<ChangeSetRecord> CreateChangeSet(string name, string changeSetType, StackRequest request);

    [Alias("ExecuteChangeSet")] Task ExecuteChangeSet(string nameOrId, string? clientRequestToken);

    [Alias("DeleteChangeSet")] Task DeleteChangeSet(string nameOrId);

    [Alias("SetTerminationProtection")] Task SetTerminationProtection(bool enabled);
}

/// <summary>
/// The account's stacks by name (B-CFN-5): which stack id a name means now, every stack ever created (ListStacks), and
/// the exports of stack outputs with the stacks importing them (B-CFN-8). Singleton, keyed <see cref="Key"/>.
/// </summary>
[Alias("ICloudFormationGrain")]
public interface ICloudFormationGrain : IGrainWithStringKey
{
    public const string Key = "cloudformation";

    /// <summary>The id of the live stack with this name, or null.</summary>
    [Alias("Resolve")] Task<string?> Resolve(string stackName);

    /// <summary>Reserves a name for a new stack: its new id, or null when a live stack has the name.</summary>
    [Alias("Reserve")] Task<string?> Reserve(string stackName);

    [Alias("Summarize")] Task Summarize(StackSummaryRecord summary);

    [Alias("List")] Task<ImmutableArray<StackSummaryRecord>> List();

    [Alias("Exports")] Task<ImmutableArray<StackExportRecord>> Exports();

    /// <summary>
    /// Replaces a stack's exports and imports (when an operation completes): an export name another stack exports, an
    /// export removed or changed while imported, or an import of a missing export is an error naming it, and nothing changes.
    /// </summary>
    [Alias("Publish")] Task Publish(string stackId, ImmutableDictionary<string, string> exports, ImmutableArray<string> imports);

    /// <summary>Why the stack's exports cannot go away now (imported elsewhere), or null.</summary>
    [Alias("ExportsInUse")] Task<string?> ExportsInUse(string stackId);
}
