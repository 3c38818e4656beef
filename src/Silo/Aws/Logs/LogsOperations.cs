using System.Collections.Immutable;
using System.Text.Json.Nodes;
using Emulator.Contracts;
using Emulator.Model.Logs;

namespace Emulator.Silo.Aws.Logs;

/// <summary>
/// CloudWatch Logs over JSON 1.1 (target prefix Logs_20140328), kept to log groups: what ECS task definitions'
/// awslogs drivers point at. Known gap: no log streams or events (the emulated containers write nothing).
/// </summary>
public static class LogsOperations
{
    [AwsOperation(AwsServices.Logs, "CreateLogGroup")]
    public static async Task<JsonObject> CreateLogGroup(JsonInput input, AwsContext context)
    {
        await Apply(context, new LogsCreateGroup(input.String("logGroupName") ?? "", input.String("kmsKeyId"), input.String("logGroupClass"), input.Map("tags") ?? ImmutableDictionary<string, string>.Empty));
        return [];
    }

    [AwsOperation(AwsServices.Logs, "DeleteLogGroup")]
    public static async Task<JsonObject> DeleteLogGroup(JsonInput input, AwsContext context)
    {
        await Apply(context, new LogsDeleteGroup(Name(input)));
        return [];
    }

    [AwsOperation(AwsServices.Logs, "DescribeLogGroups")]
    public static async Task<JsonObject> DescribeLogGroups(JsonInput input, AwsContext context)
    {
        var prefix = input.String("logGroupNamePrefix");
        var pattern = input.String("logGroupNamePattern");
        var identifiers = input.Strings("logGroupIdentifiers");
        if ((prefix is not null ? 1 : 0) + (pattern is not null ? 1 : 0) + (identifiers is not null ? 1 : 0) > 1)
        {
            throw new EcsException(LogsErrors.InvalidParameter, "LogGroup name prefix, name pattern and identifiers are mutually exclusive.");
        }

        var cls = input.String("logGroupClass");
        var state = await context.Grains.GetGrain<ILogsGrain>(ILogsGrain.Key).Read();
        var selected = state.Groups.Values
            .Where(g => prefix is null || g.Name.StartsWith(prefix, StringComparison.Ordinal))
            .Where(g => pattern is null || g.Name.Contains(pattern, StringComparison.OrdinalIgnoreCase))
            .Where(g => identifiers is null || identifiers.Value.Any(i => i == g.Name || LogGroups.NameOfArn(i) == g.Name))
            .Where(g => cls is null || g.LogGroupClass == cls)
            .ToList();
        var (page, next) = Paging.Page(selected, PageSizes.LogsDescribeLogGroups, input.String("nextToken"), input.Int("limit"), g => g.Name);
        return new JsonObject { ["logGroups"] = WireJson.Array(page.Select(g => (JsonNode?)Shape(g, context))) }.With("nextToken", next);
    }

    [AwsOperation(AwsServices.Logs, "PutRetentionPolicy")]
    public static async Task<JsonObject> PutRetentionPolicy(JsonInput input, AwsContext context)
    {
        await Apply(context, new LogsSetRetention(Name(input), input.Int("retentionInDays") ?? throw input.Missing("retentionInDays")));
        return [];
    }

    [AwsOperation(AwsServices.Logs, "DeleteRetentionPolicy")]
    public static async Task<JsonObject> DeleteRetentionPolicy(JsonInput input, AwsContext context)
    {
        await Apply(context, new LogsSetRetention(Name(input), null));
        return [];
    }

    [AwsOperation(AwsServices.Logs, "AssociateKmsKey")]
    public static async Task<JsonObject> AssociateKmsKey(JsonInput input, AwsContext context)
    {
        await Apply(context, new LogsSetKmsKey(Name(input), input.String("kmsKeyId") is { Length: > 0 } k ? k : throw input.Missing("kmsKeyId")));
        return [];
    }

    [AwsOperation(AwsServices.Logs, "DisassociateKmsKey")]
    public static async Task<JsonObject> DisassociateKmsKey(JsonInput input, AwsContext context)
    {
        await Apply(context, new LogsSetKmsKey(Name(input), null));
        return [];
    }

    [AwsOperation(AwsServices.Logs, "ListTagsForResource")]
    public static async Task<JsonObject> ListTagsForResource(JsonInput input, AwsContext context)
    {
        var group = LogGroups.Group(await context.Grains.GetGrain<ILogsGrain>(ILogsGrain.Key).Read(), ByArn(input));
        return new JsonObject { ["tags"] = Map(group.Tags) };
    }

    [AwsOperation(AwsServices.Logs, "TagResource")]
    public static async Task<JsonObject> TagResource(JsonInput input, AwsContext context)
    {
        await Apply(context, new LogsTag(ByArn(input), input.Map("tags") ?? throw input.Missing("tags"), []));
        return [];
    }

    [AwsOperation(AwsServices.Logs, "UntagResource")]
    public static async Task<JsonObject> UntagResource(JsonInput input, AwsContext context)
    {
        await Apply(context, new LogsTag(ByArn(input), ImmutableDictionary<string, string>.Empty, input.Strings("tagKeys") ?? throw input.Missing("tagKeys")));
        return [];
    }

    [AwsOperation(AwsServices.Logs, "ListTagsLogGroup")]
    public static async Task<JsonObject> ListTagsLogGroup(JsonInput input, AwsContext context)
    {
        var group = LogGroups.Group(await context.Grains.GetGrain<ILogsGrain>(ILogsGrain.Key).Read(), Name(input, validation: true));
        return new JsonObject { ["tags"] = Map(group.Tags) };
    }

    [AwsOperation(AwsServices.Logs, "TagLogGroup")]
    public static async Task<JsonObject> TagLogGroup(JsonInput input, AwsContext context)
    {
        await Apply(context, new LogsTag(Name(input), input.Map("tags") ?? throw input.Missing("tags"), []));
        return [];
    }

    [AwsOperation(AwsServices.Logs, "UntagLogGroup")]
    public static async Task<JsonObject> UntagLogGroup(JsonInput input, AwsContext context)
    {
        await Apply(context, new LogsTag(Name(input, validation: true), ImmutableDictionary<string, string>.Empty,
            input.Strings("tags") ?? throw new EcsException("ValidationException", "1 validation error detected: Value null at 'tags' failed to satisfy constraint: Member must not be null")));
        return [];
    }

    private static JsonObject Shape(LogGroupRecord g, AwsContext context)
    {
        var arn = LogGroups.Arn(context.Region, context.Account, g.Name);
        var o = new JsonObject
        {
            ["logGroupName"] = g.Name,
            ["creationTime"] = g.CreatedAt.ToUnixTimeMilliseconds(),
            ["metricFilterCount"] = 0,
            ["arn"] = arn + ":*",
            ["storedBytes"] = 0,
            ["logGroupClass"] = g.LogGroupClass,
            ["logGroupArn"] = arn,
        };
        if (g.RetentionInDays is { } days)
        {
            o["retentionInDays"] = days;
        }

        return o.With("kmsKeyId", g.KmsKeyId);
    }

    private static JsonObject Map(ImmutableDictionary<string, string> tags)
    {
        var o = new JsonObject();
        foreach (var (k, v) in tags.OrderBy(t => t.Key, StringComparer.Ordinal))
        {
            o[k] = v;
        }

        return o;
    }

    /// <summary>
    /// The request's logGroupName, validated. The deprecated tag operations declare no InvalidParameterException: their
    /// bad names are the common ValidationException.
    /// </summary>
    private static string Name(JsonInput input, bool validation = false)
    {
        var name = input.String("logGroupName");
        try
        {
            LogGroups.ValidateName(name);
        }
        catch (EcsException e) when (validation)
        {
            throw new EcsException("ValidationException", e.Message);
        }

        return name!;
    }

    private static string ByArn(JsonInput input)
    {
        var arn = input.String("resourceArn") is { Length: > 0 } a ? a : throw new EcsException(LogsErrors.InvalidParameter, "1 validation error detected: Value null at 'resourceArn' failed to satisfy constraint: Member must not be null");
        return LogGroups.NameOfArn(arn) ?? throw new EcsException(LogsErrors.InvalidParameter, $"Invalid resourceArn '{arn}': only log group ARNs are supported.");
    }

    private static Task<LogsState> Apply(AwsContext context, LogsCommand command) => context.Grains.GetGrain<ILogsGrain>(ILogsGrain.Key).Apply(command);
}
