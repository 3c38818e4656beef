using System.Collections.Immutable;

namespace Emulator.Contracts;

/// <summary>A CloudWatch Logs log group (stored; the emulated containers write no log events).</summary>
[GenerateSerializer, Immutable, Alias("LogGroupRecord")]
public sealed record LogGroupRecord(
    [property: Id(0)] string Name,
    [property: Id(1)] DateTimeOffset CreatedAt,
    [property: Id(2)] int? RetentionInDays,
    [property: Id(3)] string? KmsKeyId,
    [property: Id(4)] string LogGroupClass,
    [property: Id(5)] ImmutableDictionary<string, string> Tags);

[GenerateSerializer, Immutable, Alias("LogsState")]
public sealed record LogsState([property: Id(0)] ImmutableSortedDictionary<string, LogGroupRecord> Groups)
{
    public static LogsState Empty { get; } = new(ImmutableSortedDictionary.Create<string, LogGroupRecord>(StringComparer.Ordinal));
}

[GenerateSerializer, Immutable, Alias("LogsCommand")]
public abstract record LogsCommand;

[GenerateSerializer, Immutable, Alias("LogsCreateGroup")]
public sealed record LogsCreateGroup(
    [property: Id(0)] string Name,
    [property: Id(1)] string? KmsKeyId,
    [property: Id(2)] string? LogGroupClass,
    [property: Id(3)] ImmutableDictionary<string, string> Tags) : LogsCommand;

[GenerateSerializer, Immutable, Alias("LogsDeleteGroup")]
public sealed record LogsDeleteGroup([property: Id(0)] string Name) : LogsCommand;

/// <summary>PutRetentionPolicy (Days set) or DeleteRetentionPolicy (Days null).</summary>
[GenerateSerializer, Immutable, Alias("LogsSetRetention")]
public sealed record LogsSetRetention(
    [property: Id(0)] string Name,
    [property: Id(1)] int? Days) : LogsCommand;

/// <summary>AssociateKmsKey (KmsKeyId set) or DisassociateKmsKey (null).</summary>
[GenerateSerializer, Immutable, Alias("LogsSetKmsKey")]
public sealed record LogsSetKmsKey(
    [property: Id(0)] string Name,
    [property: Id(1)] string? KmsKeyId) : LogsCommand;

[GenerateSerializer, Immutable, Alias("LogsTag")]
public sealed record LogsTag(
    [property: Id(0)] string Name,
    [property: Id(1)] ImmutableDictionary<string, string> Tags,
    [property: Id(2)] ImmutableArray<string> RemoveKeys) : LogsCommand;

/// <summary>
/// The account's CloudWatch Logs log groups: what task definitions' awslogs configurations point at. Stored with AWS's
/// names, ARNs, retention values and errors. Singleton, keyed <see cref="Key"/>.
/// </summary>
[Alias("ILogsGrain")]
public interface ILogsGrain : IGrainWithStringKey
{
    public const string Key = "logs";

    [Alias("Read")] Task<LogsState> Read();

    [Alias("Apply")] Task<LogsState> Apply(LogsCommand command);
}
