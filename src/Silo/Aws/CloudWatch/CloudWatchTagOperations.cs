using System.Collections.Immutable;
using System.Text.Json.Nodes;
using System.Xml.Linq;
using Emulator.Contracts;

namespace Emulator.Silo.Aws.CloudWatch;

/// <summary>
/// CloudWatch tagging of metric alarms over both protocols (issue 14: <c>aws_cloudwatch_metric_alarm</c> reads its tags
/// with ListTagsForResource and changes them with TagResource / UntagResource). An alarm's tags are the ones
/// PutMetricAlarm created it with (AWS ignores Tags when PutMetricAlarm updates an alarm), then every TagResource /
/// UntagResource; they are kept by ARN in the tag registry and forgotten with the alarm.
/// </summary>
public static class CloudWatchTagOperations
{
    private const int MaxTags = 50;

    [AwsOperation(AwsServices.CloudWatch, "ListTagsForResource")]
    public static async Task<XElement> ListTagsForResourceQuery(QueryInput input, AwsContext context) =>
        CloudWatchOperations.ToXml("ListTagsForResourceResult", await ListTagsForResource(CloudWatchInput.Of(input), context));

    [AwsOperation(AwsServices.CloudWatch, "ListTagsForResource")]
    public static async Task<JsonObject> ListTagsForResourceJson(JsonInput input, AwsContext context) =>
        CloudWatchOperations.ToJson(await ListTagsForResource(CloudWatchInput.Of(input), context));

    [AwsOperation(AwsServices.CloudWatch, "TagResource")]
    public static async Task<XElement> TagResourceQuery(QueryInput input, AwsContext context) =>
        CloudWatchOperations.ToXml("TagResourceResult", await TagResource(CloudWatchInput.Of(input), context));

    [AwsOperation(AwsServices.CloudWatch, "TagResource")]
    public static async Task<JsonObject> TagResourceJson(JsonInput input, AwsContext context) =>
        CloudWatchOperations.ToJson(await TagResource(CloudWatchInput.Of(input), context));

    [AwsOperation(AwsServices.CloudWatch, "UntagResource")]
    public static async Task<XElement> UntagResourceQuery(QueryInput input, AwsContext context) =>
        CloudWatchOperations.ToXml("UntagResourceResult", await UntagResource(CloudWatchInput.Of(input), context));

    [AwsOperation(AwsServices.CloudWatch, "UntagResource")]
    public static async Task<JsonObject> UntagResourceJson(JsonInput input, AwsContext context) =>
        CloudWatchOperations.ToJson(await UntagResource(CloudWatchInput.Of(input), context));

    public static async Task<JsonObject> ListTagsForResource(CloudWatchInput input, AwsContext context)
    {
        var (arn, created) = await Alarm(input.Required("ResourceARN"), context);
        var tags = await Registry(context).Find(arn) ?? created;
        return new JsonObject
        {
            ["Tags"] = new JsonArray([.. tags.OrderBy(t => t.Key, StringComparer.Ordinal).Select(t => (JsonNode)new JsonObject { ["Key"] = t.Key, ["Value"] = t.Value })]),
        };
    }

    public static async Task<JsonObject> TagResource(CloudWatchInput input, AwsContext context)
    {
        var (arn, created) = await Alarm(input.Required("ResourceARN"), context);
        var given = input.Members("Tags");
        if (given.Count == 0)
        {
            throw CloudWatchOperations.MissingParameter("Tags");
        }

        var tags = ImmutableDictionary.CreateBuilder<string, string>(StringComparer.Ordinal);
        foreach (var t in given)
        {
            var key = t.Required("Key");
            var value = t.String("Value") ?? throw CloudWatchOperations.MissingParameter("Tags.member.N.Value");
            if (key.Length > 128 || value.Length > 256 || key.StartsWith("aws:", StringComparison.OrdinalIgnoreCase))
            {
                throw new EcsException(CloudWatchOperations.InvalidParameterValue,
                    $"The tag {key} is invalid: keys are 1 to 128 characters and may not begin with 'aws:', values at most 256 characters.");
            }

            tags[key] = value;
        }

        var current = await Registry(context).Find(arn) ?? created;
        if (current.SetItems(tags).Count > MaxTags)
        {
            throw new EcsException(CloudWatchOperations.InvalidParameterValue, $"A resource can have at most {MaxTags} tags.");
        }

        await Registry(context).Replace(arn, current.SetItems(tags));
        return new JsonObject();
    }

    public static async Task<JsonObject> UntagResource(CloudWatchInput input, AwsContext context)
    {
        var (arn, created) = await Alarm(input.Required("ResourceARN"), context);
        var keys = input.Strings("TagKeys");
        if (keys.IsEmpty)
        {
            throw CloudWatchOperations.MissingParameter("TagKeys");
        }

        var current = await Registry(context).Find(arn) ?? created;
        await Registry(context).Replace(arn, current.RemoveRange(keys));
        return new JsonObject();
    }

    /// <summary>The alarms were deleted: an alarm created again under the same name starts from its own creation tags.</summary>
    public static async Task Deleted(AwsContext context, IEnumerable<string> arns)
    {
        foreach (var arn in arns)
        {
            await Registry(context).Forget(arn);
        }
    }

    /// <summary>The alarm an ARN names and the tags it was created with; InvalidParameterValue for another ARN, ResourceNotFoundException for a missing alarm.</summary>
    private static async Task<(string Arn, ImmutableDictionary<string, string> Created)> Alarm(string arn, AwsContext context)
    {
        var parts = arn.Split(':', 7);
        if (parts.Length != 7 || parts[0] != "arn" || parts[2] != "cloudwatch" || parts[5] is not ("alarm" or "insight-rule") || parts[6].Length == 0)
        {
            throw new EcsException(CloudWatchOperations.InvalidParameterValue, $"Invalid ARN {arn}: expected arn:aws:cloudwatch:REGION:ACCOUNT:alarm:NAME.");
        }

        var alarm = parts[5] == "alarm"
            ? (await context.Grains.GetGrain<ICloudWatchAlarmsGrain>(0).Describe(AlarmQuery.Named(parts[6]))).FirstOrDefault(a => a.Arn == arn)
            : null;
        return alarm is null
            ? throw new EcsException("ResourceNotFoundException", $"The resource {arn} does not exist.")
            : (arn, alarm.Spec.Tags ?? ImmutableDictionary<string, string>.Empty);
    }

    private static ITagRegistryGrain Registry(AwsContext context) => context.Grains.GetGrain<ITagRegistryGrain>(GrainKeys.Tags);
}
