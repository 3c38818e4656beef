using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text.Json.Nodes;
using System.Xml.Linq;
using Emulator.Contracts;
using Emulator.Model.Scaling;
using Emulator.Runtime;

namespace Emulator.Silo.Aws.CloudWatch;

/// <summary>
/// CloudWatch custom metrics and alarms over both protocols (B-CW-1): PutMetricData (at most 1,000 datums and 1 MB a
/// request), PutMetricAlarm, DescribeAlarms (the user's alarms, the TargetTracking-* alarms of Application Auto
/// Scaling policies, and the two alarms of each managed-scaling capacity provider), DeleteAlarms, SetAlarmState,
/// DescribeAlarmHistory, EnableAlarmActions, DisableAlarmActions. Alarms live in <see cref="ICloudWatchAlarmsGrain"/>.
/// </summary>
public static class CloudWatchAlarmOperations
{
    private const int MaxDatums = 1000;
    private const long MaxPayload = 1024 * 1024;

    private static readonly ConditionalWeakTable<EmulatorRuntime, ConcurrentDictionary<string, bool>> KnownNamespaces = new();

    // ------------------------------------------------------------------ wire bindings

    [AwsOperation(AwsServices.CloudWatch, "PutMetricData")]
    public static async Task<XElement> PutMetricDataQuery(QueryInput input, AwsContext context) =>
        CloudWatchOperations.ToXml(QueryXml.NoOutputName, await PutMetricData(CloudWatchInput.Of(input), context, input.Form.Sum(kv => (long)kv.Key.Length + kv.Value.Length)));

    [AwsOperation(AwsServices.CloudWatch, "PutMetricData")]
    public static async Task<JsonObject> PutMetricDataJson(JsonInput input, AwsContext context) =>
        CloudWatchOperations.ToJson(await PutMetricData(CloudWatchInput.Of(input), context, input.Element.GetRawText().Length));

    [AwsOperation(AwsServices.CloudWatch, "PutMetricAlarm")]
    public static async Task<XElement> PutMetricAlarmQuery(QueryInput input, AwsContext context) =>
        CloudWatchOperations.ToXml(QueryXml.NoOutputName, await PutMetricAlarm(CloudWatchInput.Of(input), context));

    [AwsOperation(AwsServices.CloudWatch, "PutMetricAlarm")]
    public static async Task<JsonObject> PutMetricAlarmJson(JsonInput input, AwsContext context) =>
        CloudWatchOperations.ToJson(await PutMetricAlarm(CloudWatchInput.Of(input), context));

    [AwsOperation(AwsServices.CloudWatch, "DescribeAlarms")]
    public static async Task<XElement> DescribeAlarmsQuery(QueryInput input, AwsContext context) =>
        CloudWatchOperations.ToXml("DescribeAlarmsResult", await DescribeAlarms(CloudWatchInput.Of(input), context));

    [AwsOperation(AwsServices.CloudWatch, "DescribeAlarms")]
    public static async Task<JsonObject> DescribeAlarmsJson(JsonInput input, AwsContext context) =>
        CloudWatchOperations.ToJson(await DescribeAlarms(CloudWatchInput.Of(input), context));

    [AwsOperation(AwsServices.CloudWatch, "DeleteAlarms")]
    public static async Task<XElement> DeleteAlarmsQuery(QueryInput input, AwsContext context) =>
        CloudWatchOperations.ToXml(QueryXml.NoOutputName, await DeleteAlarms(CloudWatchInput.Of(input), context));

    [AwsOperation(AwsServices.CloudWatch, "DeleteAlarms")]
    public static async Task<JsonObject> DeleteAlarmsJson(JsonInput input, AwsContext context) =>
        CloudWatchOperations.ToJson(await DeleteAlarms(CloudWatchInput.Of(input), context));

    [AwsOperation(AwsServices.CloudWatch, "SetAlarmState")]
    public static async Task<XElement> SetAlarmStateQuery(QueryInput input, AwsContext context) =>
        CloudWatchOperations.ToXml(QueryXml.NoOutputName, await SetAlarmState(CloudWatchInput.Of(input), context));

    [AwsOperation(AwsServices.CloudWatch, "SetAlarmState")]
    public static async Task<JsonObject> SetAlarmStateJson(JsonInput input, AwsContext context) =>
        CloudWatchOperations.ToJson(await SetAlarmState(CloudWatchInput.Of(input), context));

    [AwsOperation(AwsServices.CloudWatch, "DescribeAlarmHistory")]
    public static async Task<XElement> DescribeAlarmHistoryQuery(QueryInput input, AwsContext context) =>
        CloudWatchOperations.ToXml("DescribeAlarmHistoryResult", await DescribeAlarmHistory(CloudWatchInput.Of(input), context));

    [AwsOperation(AwsServices.CloudWatch, "DescribeAlarmHistory")]
    public static async Task<JsonObject> DescribeAlarmHistoryJson(JsonInput input, AwsContext context) =>
        CloudWatchOperations.ToJson(await DescribeAlarmHistory(CloudWatchInput.Of(input), context));

    [AwsOperation(AwsServices.CloudWatch, "EnableAlarmActions")]
    public static async Task<XElement> EnableAlarmActionsQuery(QueryInput input, AwsContext context) =>
        CloudWatchOperations.ToXml(QueryXml.NoOutputName, await SetActions(CloudWatchInput.Of(input), context, true));

    [AwsOperation(AwsServices.CloudWatch, "EnableAlarmActions")]
    public static async Task<JsonObject> EnableAlarmActionsJson(JsonInput input, AwsContext context) =>
        CloudWatchOperations.ToJson(await SetActions(CloudWatchInput.Of(input), context, true));

    [AwsOperation(AwsServices.CloudWatch, "DisableAlarmActions")]
    public static async Task<XElement> DisableAlarmActionsQuery(QueryInput input, AwsContext context) =>
        CloudWatchOperations.ToXml(QueryXml.NoOutputName, await SetActions(CloudWatchInput.Of(input), context, false));

    [AwsOperation(AwsServices.CloudWatch, "DisableAlarmActions")]
    public static async Task<JsonObject> DisableAlarmActionsJson(JsonInput input, AwsContext context) =>
        CloudWatchOperations.ToJson(await SetActions(CloudWatchInput.Of(input), context, false));

    // ------------------------------------------------------------------ operations

    public static async Task<JsonObject> PutMetricData(CloudWatchInput input, AwsContext context, long size)
    {
        var ns = input.Required("Namespace");
        if (ns.StartsWith("AWS/", StringComparison.Ordinal) || ns.Length > 255 || ns.Any(c => c < ' '))
        {
            throw new EcsException(CloudWatchOperations.InvalidParameterValue, $"The value {ns} for parameter Namespace is invalid.");
        }

        if ((context.ContentLength ?? size) > MaxPayload)
        {
            throw new EcsException(CloudWatchOperations.InvalidParameterValue, $"Request size {context.ContentLength ?? size} exceeded 1048576 bytes.");
        }

        var items = input.Members("MetricData");
        if (items.Count == 0)
        {
            throw CloudWatchOperations.MissingParameter("MetricData");
        }

        if (items.Count > MaxDatums)
        {
            throw new EcsException(CloudWatchOperations.InvalidParameterValue, string.Create(CultureInfo.InvariantCulture,
                $"The collection MetricData must not have a size greater than {MaxDatums}."));
        }

        var now = context.Now;
        var data = ImmutableArray.CreateBuilder<MetricDatum>();
        for (var i = 0; i < items.Count; i++)
        {
            data.AddRange(Datums(items[i], i + 1, now));
        }

        // Every datum was valid: the request is stored whole or not at all.
        if (KnownNamespaces.GetOrCreateValue(context.Runtime).TryAdd(ns, true))
        {
            await context.Grains.GetGrain<IAccountGrain>(GrainKeys.Account).Add(ResourceKind.MetricNamespace, ns);
        }

        await CloudWatchOperations.Store(context, ns).Put(data.ToImmutable());
        return new JsonObject();
    }

    private static IEnumerable<MetricDatum> Datums(CloudWatchInput d, int index, DateTimeOffset now)
    {
        string Where(string member) => string.Create(CultureInfo.InvariantCulture, $"MetricData.member.{index}.{member}");
        var name = d.String("MetricName") is { Length: > 0 and <= 255 } n ? n : throw CloudWatchOperations.MissingParameter(Where("MetricName"));
        var dims = CloudWatchOperations.Dimensions(d);
        if (dims.Length > 30)
        {
            throw new EcsException(CloudWatchOperations.InvalidParameterValue, $"The collection {Where("Dimensions")} must not have a size greater than 30.");
        }

        var at = d.Timestamp("Timestamp") ?? now;
        if (at > now + TimeSpan.FromHours(2) || at < now - TimeSpan.FromDays(14))
        {
            throw new EcsException(CloudWatchOperations.InvalidParameterValue, $"The parameter {Where("Timestamp")} must specify a time no more than two weeks in the past and no more than two hours in the future.");
        }

        var unit = d.String("Unit") ?? "None";
        if (d.Int("StorageResolution") is { } resolution && resolution is not (1 or 60))
        {
            throw new EcsException(CloudWatchOperations.InvalidParameterValue, $"The parameter {Where("StorageResolution")} must be 1 or 60.");
        }

        var value = d.Double("Value");
        var set = d.Structure("StatisticValues");
        var values = d.Doubles("Values");
        var given = (value is not null ? 1 : 0) + (set is not null ? 1 : 0) + (values.IsEmpty ? 0 : 1);
        if (given != 1)
        {
            throw new EcsException(CloudWatchOperations.InvalidParameterCombination, $"The parameters {Where("Value")}, {Where("StatisticValues")} and {Where("Values")} are mutually exclusive and one of them is required.");
        }

        if (value is { } v)
        {
            CheckNumber(v, Where("Value"));
            yield return new MetricDatum(name, dims, at, v, unit);
        }
        else if (set is not null)
        {
            var stats = new MetricStatisticSet(Required(set, "SampleCount", Where("StatisticValues.SampleCount")), Required(set, "Sum", Where("StatisticValues.Sum")),
                Required(set, "Minimum", Where("StatisticValues.Minimum")), Required(set, "Maximum", Where("StatisticValues.Maximum")));
            if (stats.SampleCount <= 0 || stats.Minimum > stats.Maximum)
            {
                throw new EcsException(CloudWatchOperations.InvalidParameterValue, $"The parameter {Where("StatisticValues")} must have SampleCount > 0 and Minimum <= Maximum.");
            }

            yield return new MetricDatum(name, dims, at, stats.Sum / stats.SampleCount, unit, stats);
        }
        else
        {
            if (values.Length > 150)
            {
                throw new EcsException(CloudWatchOperations.InvalidParameterValue, $"The collection {Where("Values")} must not have a size greater than 150.");
            }

            var counts = d.Doubles("Counts");
            if (!counts.IsEmpty && counts.Length != values.Length)
            {
                throw new EcsException(CloudWatchOperations.InvalidParameterValue, $"The parameters {Where("Values")} and {Where("Counts")} must have the same length.");
            }

            for (var i = 0; i < values.Length; i++)
            {
                var x = CheckNumber(values[i], Where("Values"));
                var count = counts.IsEmpty ? 1 : CheckNumber(counts[i], Where("Counts"));
                yield return new MetricDatum(name, dims, at, x, unit, new MetricStatisticSet(count, x * count, x, x));
            }
        }
    }

    private static double Required(CloudWatchInput set, string member, string where) =>
        set.Double(member) is { } v ? CheckNumber(v, where) : throw CloudWatchOperations.MissingParameter(where);

    private static double CheckNumber(double v, string where) =>
        double.IsNaN(v) || double.IsInfinity(v) || Math.Abs(v) > 1e108 || (v != 0 && Math.Abs(v) < 1e-130)
            ? throw new EcsException(CloudWatchOperations.InvalidParameterValue, $"The value {v.ToString(CultureInfo.InvariantCulture)} for parameter {where} is invalid.")
            : v;

    public static async Task<JsonObject> PutMetricAlarm(CloudWatchInput input, AwsContext context)
    {
        var name = input.Required("AlarmName");
        if (name.StartsWith("TargetTracking-", StringComparison.Ordinal) && await ManagedBy(context, name) is not null)
        {
            throw new EcsException(CloudWatchOperations.ValidationError, $"The alarm {name} is managed by Application Auto Scaling and cannot be changed with PutMetricAlarm.");
        }

        var spec = new AlarmSpec(name, input.String("AlarmDescription"), input.Bool("ActionsEnabled") ?? true,
            input.Strings("OKActions"), input.Strings("AlarmActions"), input.Strings("InsufficientDataActions"),
            input.String("Namespace"), input.String("MetricName"), CloudWatchOperations.Dimensions(input), input.String("Statistic"), input.String("ExtendedStatistic"),
            input.Int("Period"), input.String("Unit"), input.Int("EvaluationPeriods") ?? throw CloudWatchOperations.MissingParameter("EvaluationPeriods"),
            input.Int("DatapointsToAlarm"), input.Double("Threshold"), input.Required("ComparisonOperator"), input.String("TreatMissingData"),
            input.String("EvaluateLowSampleCountPercentile"), [.. input.Members("Metrics").Select(MetricQuery)], input.String("ThresholdMetricId"),
            input.Members("Tags").ToImmutableDictionary(t => t.Required("Key"), t => t.String("Value") ?? "", StringComparer.Ordinal), null);
        foreach (var action in spec.AlarmActions.Concat(spec.OkActions).Concat(spec.InsufficientDataActions))
        {
            if (AppAutoScaling.ParsePolicyArn(action) is { } policy && !await PolicyExists(context, policy, action))
            {
                throw new EcsException(CloudWatchOperations.ValidationError, $"Invalid action {action}: no Application Auto Scaling policy has this ARN.");
            }
        }

        await Alarms(context).Put(spec);
        return new JsonObject();
    }

    private static MetricQuerySpec MetricQuery(CloudWatchInput q)
    {
        var stat = q.Structure("MetricStat");
        var metric = stat?.Structure("Metric");
        return new MetricQuerySpec(q.Required("Id"),
            stat is null ? null : new MetricStatSpec(metric?.String("Namespace") ?? "", metric?.String("MetricName") ?? "", metric is null ? [] : CloudWatchOperations.Dimensions(metric),
                stat.Int("Period") ?? 0, stat.String("Stat") ?? "", stat.String("Unit")),
            q.String("Expression"), q.String("Label"), q.Bool("ReturnData") ?? true, q.Int("Period"), q.String("AccountId"), q.Bool("ReturnData") is not null);
    }

    public static async Task<JsonObject> DescribeAlarms(CloudWatchInput input, AwsContext context)
    {
        var names = input.Strings("AlarmNames");
        var prefix = input.String("AlarmNamePrefix");
        var state = input.String("StateValue");
        if (state is not (null or "OK" or "ALARM" or "INSUFFICIENT_DATA"))
        {
            throw new EcsException(CloudWatchOperations.InvalidParameterValue, $"Invalid StateValue '{state}': OK, ALARM or INSUFFICIENT_DATA.");
        }

        if (names.Length > 100)
        {
            throw new EcsException(CloudWatchOperations.InvalidParameterValue, "The collection AlarmNames must not have a size greater than 100.");
        }

        var max = input.Int("MaxRecords");
        Paging.CheckSize(PageSizes.CwDescribeAlarms, max);
        var types = input.Strings("AlarmTypes");
        var actionPrefix = input.String("ActionPrefix");
        var alarms = new List<JsonObject>();
        if (types.IsEmpty || types.Contains("MetricAlarm"))
        {
            var query = new AlarmQuery(names, prefix, state is null ? null : Enum.Parse<AlarmStateValue>(state), actionPrefix);
            alarms.AddRange((await Alarms(context).Describe(query)).Select(AlarmNode));
            alarms.AddRange((await CasAlarms(context)).Where(a => actionPrefix is null || ((JsonArray)a["AlarmActions"]!).Any(x => ((string)x!).StartsWith(actionPrefix, StringComparison.Ordinal))));
        }

        var selected = alarms
            .Where(a => names.IsEmpty || names.Contains((string)a["AlarmName"]!))
            .Where(a => prefix is null || ((string)a["AlarmName"]!).StartsWith(prefix, StringComparison.Ordinal))
            .Where(a => state is null || (string)a["StateValue"]! == state)
            .DistinctBy(a => (string)a["AlarmName"]!)
            .OrderBy(a => (string)a["AlarmName"]!, StringComparer.Ordinal)
            .ToList();
        var (page, next) = Paging.Page(selected, PageSizes.CwDescribeAlarms, input.String("NextToken"), max, a => (string)a["AlarmName"]!);
        return new JsonObject
        {
            ["MetricAlarms"] = new JsonArray([.. page]),
            ["CompositeAlarms"] = new JsonArray(),
        }.With("NextToken", next);
    }

    public static async Task<JsonObject> DeleteAlarms(CloudWatchInput input, AwsContext context)
    {
        var names = input.Strings("AlarmNames");
        if (names.IsEmpty)
        {
            throw CloudWatchOperations.MissingParameter("AlarmNames");
        }

        if (names.Length > 100)
        {
            throw new EcsException(CloudWatchOperations.InvalidParameterValue, "The collection AlarmNames must not have a size greater than 100.");
        }

        foreach (var name in names)
        {
            if (await ManagedBy(context, name) is { } owner)
            {
                throw new EcsException(CloudWatchOperations.ValidationError, $"The alarm {name} is managed by the Application Auto Scaling policy {owner}: delete the policy instead.");
            }
        }

        var arns = (await Alarms(context).Describe(AlarmQuery.Named([.. names]))).Select(a => a.Arn).ToList();
        await Alarms(context).Delete(names);
        await CloudWatchTagOperations.Deleted(context, arns);
        return new JsonObject();
    }

    public static async Task<JsonObject> SetAlarmState(CloudWatchInput input, AwsContext context)
    {
        var name = input.Required("AlarmName");
        var value = input.Required("StateValue");
        var reason = input.Required("StateReason");
        if (value is not ("OK" or "ALARM" or "INSUFFICIENT_DATA"))
        {
            throw new EcsException(CloudWatchOperations.InvalidParameterValue, $"Invalid StateValue '{value}': OK, ALARM or INSUFFICIENT_DATA.");
        }

        var data = input.String("StateReasonData");
        if (data is not null)
        {
            try
            {
                _ = JsonNode.Parse(data);
            }
            catch (System.Text.Json.JsonException)
            {
                throw new EcsException("InvalidFormat", "StateReasonData is not valid JSON.");
            }
        }

        await Alarms(context).SetState(name, Enum.Parse<AlarmStateValue>(value), reason, data);
        return new JsonObject();
    }

    public static async Task<JsonObject> DescribeAlarmHistory(CloudWatchInput input, AwsContext context)
    {
        var type = input.String("HistoryItemType");
        if (type is not (null or "ConfigurationUpdate" or "StateUpdate" or "Action"))
        {
            throw new EcsException(CloudWatchOperations.InvalidParameterValue, $"Invalid HistoryItemType '{type}': ConfigurationUpdate, StateUpdate or Action.");
        }

        var max = input.Int("MaxRecords");
        Paging.CheckSize(PageSizes.CwDescribeAlarmHistory, max);
        var items = (await Alarms(context).History(input.String("AlarmName"), type, input.Timestamp("StartDate"), input.Timestamp("EndDate"))).ToList();
        if (input.String("ScanBy") == "TimestampAscending")
        {
            items.Reverse();
        }

        var (page, next) = Paging.Page(items, PageSizes.CwDescribeAlarmHistory, input.String("NextToken"), max,
            h => h.AlarmName + "|" + h.Timestamp.UtcTicks.ToString(CultureInfo.InvariantCulture) + "|" + h.HistorySummary());
        return new JsonObject
        {
            ["AlarmHistoryItems"] = new JsonArray([.. page.Select(h => (JsonNode)new JsonObject
            {
                ["AlarmName"] = h.AlarmName,
                ["AlarmType"] = "MetricAlarm",
                ["Timestamp"] = JsonValue.Create(h.Timestamp),
                ["HistoryItemType"] = h.HistoryItemType,
                ["HistorySummary"] = h.Summary,
                ["HistoryData"] = h.HistoryData,
            })]),
        }.With("NextToken", next);
    }

    private static string HistorySummary(this AlarmHistoryItem h) => h.Summary;

    public static async Task<JsonObject> SetActions(CloudWatchInput input, AwsContext context, bool enabled)
    {
        var names = input.Strings("AlarmNames");
        if (names.IsEmpty)
        {
            throw CloudWatchOperations.MissingParameter("AlarmNames");
        }

        await Alarms(context).SetActionsEnabled(names, enabled);
        return new JsonObject();
    }

    // ------------------------------------------------------------------ helpers

    private static ICloudWatchAlarmsGrain Alarms(AwsContext context) => context.Grains.GetGrain<ICloudWatchAlarmsGrain>(0);

    private static async Task<string?> ManagedBy(AwsContext context, string name) =>
        (await Alarms(context).Describe(AlarmQuery.Named(name))).FirstOrDefault()?.Spec.ManagedBy;

    private static async Task<bool> PolicyExists(AwsContext context, (string Namespace, string ResourceId, string PolicyName) policy, string arn)
    {
        var key = GrainKeys.ScalableTarget(policy.Namespace, policy.ResourceId, AppAutoScaling.EcsDesiredCount);
        var policies = await context.Grains.GetGrain<IScalableTargetGrain>(key).Policies();
        return policies.Any(p => p.Arn == arn);
    }

    /// <summary>B-CAS-4, B-CAS-5: the alarms of each managed-scaling capacity provider, derived from its CAS state.</summary>
    private static async Task<List<JsonObject>> CasAlarms(AwsContext context)
    {
        var result = new List<JsonObject>();
        var providers = await context.Grains.GetGrain<IAccountGrain>(GrainKeys.Account).List(ResourceKind.CapacityProvider);
        foreach (var p in providers.Order(StringComparer.Ordinal))
        {
            var info = await context.Grains.GetGrain<ICapacityProviderGrain>(GrainKeys.CapacityProvider(p)).Describe();
            if (info is { Spec: { } spec, Cas: { AlarmId: { } alarmId } cas } && spec.ManagedScaling.Status == ManagedScalingStatus.ENABLED)
            {
                result.Add(CloudWatchOperations.CasAlarmNode(context, info, spec, cas, ScalingActivities.CasHighAlarmName(spec.AutoScalingGroup, alarmId), high: true));
                result.Add(CloudWatchOperations.CasAlarmNode(context, info, spec, cas, ScalingActivities.CasLowAlarmName(spec.AutoScalingGroup, alarmId), high: false));
            }
        }

        return result;
    }

    /// <summary>DescribeAlarms' MetricAlarm: every field PutMetricAlarm accepted, as AWS returns it.</summary>
    internal static JsonObject AlarmNode(AlarmInfo a)
    {
        var s = a.Spec;
        var o = new JsonObject
        {
            ["AlarmName"] = s.Name,
            ["AlarmArn"] = a.Arn,
        }.With("AlarmDescription", s.Description);
        o["AlarmConfigurationUpdatedTimestamp"] = JsonValue.Create(a.ConfigurationUpdatedAt);
        o["ActionsEnabled"] = s.ActionsEnabled;
        o["OKActions"] = WireJson.Strings(s.OkActions.IsDefault ? [] : s.OkActions);
        o["AlarmActions"] = WireJson.Strings(s.AlarmActions.IsDefault ? [] : s.AlarmActions);
        o["InsufficientDataActions"] = WireJson.Strings(s.InsufficientDataActions.IsDefault ? [] : s.InsufficientDataActions);
        o["StateValue"] = a.State.ToString();
        o["StateReason"] = a.StateReason;
        o.With("StateReasonData", a.StateReasonData);
        o["StateUpdatedTimestamp"] = JsonValue.Create(a.StateUpdatedAt);
        o.With("MetricName", s.MetricName).With("Namespace", s.Namespace).With("Statistic", s.Statistic).With("ExtendedStatistic", s.ExtendedStatistic);
        if (s.Metrics.IsDefaultOrEmpty)
        {
            o["Dimensions"] = CloudWatchOperations.DimensionsNode(s.Dimensions.IsDefault ? [] : s.Dimensions);
        }

        o.With("Period", s.PeriodSeconds is { } p ? JsonValue.Create(p) : null).With("Unit", s.Unit);
        o["EvaluationPeriods"] = s.EvaluationPeriods;
        o.With("DatapointsToAlarm", s.DatapointsToAlarm is { } m ? JsonValue.Create(m) : null);
        o.With("Threshold", s.Threshold is { } t ? JsonValue.Create(t) : null);
        o["ComparisonOperator"] = s.ComparisonOperator;
        o.With("TreatMissingData", s.TreatMissingData).With("EvaluateLowSampleCountPercentile", s.EvaluateLowSampleCountPercentile);
        if (!s.Metrics.IsDefaultOrEmpty)
        {
            o["Metrics"] = new JsonArray([.. s.Metrics.Select(q =>
            {
                var node = new JsonObject { ["Id"] = q.Id };
                if (q.MetricStat is { } ms)
                {
                    node["MetricStat"] = new JsonObject
                    {
                        ["Metric"] = new JsonObject { ["Namespace"] = ms.Namespace, ["MetricName"] = ms.MetricName, ["Dimensions"] = CloudWatchOperations.DimensionsNode(ms.Dimensions) },
                        ["Period"] = ms.PeriodSeconds,
                        ["Stat"] = ms.Stat,
                    }.With("Unit", ms.Unit);
                }

                node.With("Expression", q.Expression).With("Label", q.Label);
                node["ReturnData"] = q.ReturnData;
                return (JsonNode)node.With("Period", q.PeriodSeconds is { } qp ? JsonValue.Create(qp) : null).With("AccountId", q.AccountId);
            })]);
        }

        o.With("ThresholdMetricId", s.ThresholdMetricId);
        o["StateTransitionedTimestamp"] = JsonValue.Create(a.StateTransitionedAt);
        return o;
    }
}
