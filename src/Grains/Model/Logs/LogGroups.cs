using System.Collections.Immutable;
using Emulator.Contracts;

namespace Emulator.Model.Logs;

/// <summary>CloudWatch Logs' error codes (JSON 1.1 __type).</summary>
public static class LogsErrors
{
    public const string ResourceNotFound = "ResourceNotFoundException";
    public const string ResourceAlreadyExists = "ResourceAlreadyExistsException";
    public const string InvalidParameter = "InvalidParameterException";
}

/// <summary>
/// Log groups as pure functions over <see cref="LogsState"/>: names, retention values and log group classes validated as
/// CloudWatch Logs validates them, and its conflicts (an existing name, a missing group).
/// </summary>
public static class LogGroups
{
    /// <summary>The retention periods CloudWatch Logs accepts (days).</summary>
    public static readonly ImmutableArray<int> RetentionDays = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653];

    public static readonly ImmutableArray<string> Classes = ["STANDARD", "INFREQUENT_ACCESS", "DELIVERY"];

    public static string Arn(string region, string account, string name) => $"arn:aws:logs:{region}:{account}:log-group:{name}";

    /// <summary>The log group name of a log group ARN (with or without the trailing <c>:*</c>), or null.</summary>
    public static string? NameOfArn(string arn)
    {
        const string marker = ":log-group:";
        var i = arn.IndexOf(marker, StringComparison.Ordinal);
        if (!arn.StartsWith("arn:", StringComparison.Ordinal) || i < 0)
        {
            return null;
        }

        var name = arn[(i + marker.Length)..];
        return name.EndsWith(":*", StringComparison.Ordinal) ? name[..^2] : name;
    }

    public static LogGroupRecord Group(LogsState s, string name) =>
        s.Groups.GetValueOrDefault(name) ?? throw new EcsException(LogsErrors.ResourceNotFound, "The specified log group does not exist.");

    public static void ValidateName(string? name, string member = "logGroupName")
    {
        if (string.IsNullOrEmpty(name))
        {
            throw new EcsException(LogsErrors.InvalidParameter, $"1 validation error detected: Value null at '{member}' failed to satisfy constraint: Member must not be null");
        }

        if (name.Length > 512 || !name.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_' or '/' or '#'))
        {
            throw new EcsException(LogsErrors.InvalidParameter, $"1 validation error detected: Value '{name}' at '{member}' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\.\\-_/#A-Za-z0-9]+");
        }
    }

    public static LogsState Apply(LogsState s, LogsCommand command, DateTimeOffset now) => command switch
    {
        LogsCreateGroup c => Create(s, c, now),
        LogsDeleteGroup c => s with { Groups = s.Groups.Remove(Group(s, c.Name).Name) },
        LogsSetRetention c => SetRetention(s, c),
        LogsSetKmsKey c => s with { Groups = s.Groups.SetItem(c.Name, Group(s, c.Name) with { KmsKeyId = c.KmsKeyId }) },
        LogsTag c => Tag(s, c),
        _ => throw new ArgumentException("unknown Logs command " + command.GetType().Name, nameof(command)),
    };

    private static LogsState Create(LogsState s, LogsCreateGroup c, DateTimeOffset now)
    {
        ValidateName(c.Name);
        var cls = c.LogGroupClass ?? "STANDARD";
        if (!Classes.Contains(cls))
        {
            throw new EcsException(LogsErrors.InvalidParameter, $"1 validation error detected: Value '{cls}' at 'logGroupClass' failed to satisfy constraint: Member must satisfy enum value set: [{string.Join(", ", Classes)}]");
        }

        ValidateTags(c.Tags);
        if (s.Groups.ContainsKey(c.Name))
        {
            throw new EcsException(LogsErrors.ResourceAlreadyExists, "The specified log group already exists");
        }

        // CloudWatch Logs keeps creation times in whole milliseconds.
        var created = DateTimeOffset.FromUnixTimeMilliseconds(now.ToUnixTimeMilliseconds());
        return s with { Groups = s.Groups.Add(c.Name, new LogGroupRecord(c.Name, created, null, c.KmsKeyId, cls, c.Tags)) };
    }

    private static LogsState SetRetention(LogsState s, LogsSetRetention c)
    {
        if (c.Days is { } days && !RetentionDays.Contains(days))
        {
            throw new EcsException(LogsErrors.InvalidParameter, $"1 validation error detected: Value '{days}' at 'retentionInDays' failed to satisfy constraint: Member must satisfy enum value set: [{string.Join(", ", RetentionDays)}]");
        }

        return s with { Groups = s.Groups.SetItem(c.Name, Group(s, c.Name) with { RetentionInDays = c.Days }) };
    }

    private static LogsState Tag(LogsState s, LogsTag c)
    {
        ValidateTags(c.Tags);
        var group = Group(s, c.Name);
        var tags = group.Tags.SetItems(c.Tags).RemoveRange(c.RemoveKeys.IsDefault ? [] : c.RemoveKeys);
        if (tags.Count > 50)
        {
            throw new EcsException(LogsErrors.InvalidParameter, "A log group can have at most 50 tags.");
        }

        return s with { Groups = s.Groups.SetItem(c.Name, group with { Tags = tags }) };
    }

    private static void ValidateTags(ImmutableDictionary<string, string> tags)
    {
        foreach (var (k, v) in tags)
        {
            if (k.Length is < 1 or > 128 || v.Length > 256 || k.StartsWith("aws:", StringComparison.OrdinalIgnoreCase))
            {
                throw new EcsException(LogsErrors.InvalidParameter, $"Invalid tag '{k}': keys are 1 to 128 characters and may not start with 'aws:', values at most 256 characters.");
            }
        }
    }
}
