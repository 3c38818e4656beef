using System.Collections.Immutable;
using System.Globalization;
using System.Text.Json.Nodes;
using System.Xml.Linq;
using Emulator.Contracts;
using Emulator.Model.Metrics;
using Emulator.Model.Scaling;

namespace Emulator.Silo.Aws.CloudWatch;

/// <summary>
/// CloudWatch over both of its protocols (query 2010-08-01 and JSON 1.0 GraniteServiceVersion20100801): the metrics
/// the emulator publishes (B-CAS-3 CapacityProviderReservation, AWS/ECS reservations, AWS/AutoScaling group sizes) and
/// the alarms of the target tracking policy behind managed scaling (B-CAS-4, B-CAS-5). Each operation builds one
/// neutral result (a JSON tree whose timestamps are DateTimeOffset values) that is rendered as XML (ISO 8601) or as
/// JSON (epoch seconds). PutMetricData, metric math and the alarms are in CloudWatchAlarmOperations.
/// </summary>
public static class CloudWatchOperations
{
    public const string InvalidParameterValue = "InvalidParameterValue";
    public const string InvalidParameterCombination = "InvalidParameterCombination";
    public const string ValidationError = "ValidationError";

    // ------------------------------------------------------------------ wire bindings

    [AwsOperation(AwsServices.CloudWatch, "GetMetricStatistics")]
    public static async Task<XElement> GetMetricStatisticsQuery(QueryInput input, AwsContext context) =>
        ToXml("GetMetricStatisticsResult", await GetMetricStatistics(CloudWatchInput.Of(input), context));

    [AwsOperation(AwsServices.CloudWatch, "GetMetricStatistics")]
    public static async Task<JsonObject> GetMetricStatisticsJson(JsonInput input, AwsContext context) =>
        ToJson(await GetMetricStatistics(CloudWatchInput.Of(input), context));

    [AwsOperation(AwsServices.CloudWatch, "GetMetricData")]
    public static async Task<XElement> GetMetricDataQuery(QueryInput input, AwsContext context) =>
        ToXml("GetMetricDataResult", await GetMetricData(CloudWatchInput.Of(input), context));

    [AwsOperation(AwsServices.CloudWatch, "GetMetricData")]
    public static async Task<JsonObject> GetMetricDataJson(JsonInput input, AwsContext context) =>
        ToJson(await GetMetricData(CloudWatchInput.Of(input), context));

    [AwsOperation(AwsServices.CloudWatch, "ListMetrics")]
    public static async Task<XElement> ListMetricsQuery(QueryInput input, AwsContext context) =>
        ToXml("ListMetricsResult", await ListMetrics(CloudWatchInput.Of(input), context));

    [AwsOperation(AwsServices.CloudWatch, "ListMetrics")]
    public static async Task<JsonObject> ListMetricsJson(JsonInput input, AwsContext context) =>
        ToJson(await ListMetrics(CloudWatchInput.Of(input), context));

    // ------------------------------------------------------------------ operations

    public static async Task<JsonObject> GetMetricStatistics(CloudWatchInput input, AwsContext context)
    {
        var ns = input.Required("Namespace");
        var name = input.Required("MetricName");
        var (start, end) = Range(input);
        var period = input.Int("Period") ?? throw MissingParameter("Period");
        CheckPeriod(period);
        var statistics = input.Strings("Statistics");
        if (statistics.IsEmpty)
        {
            throw new EcsException(InvalidParameterCombination, "Must specify either Statistics or ExtendedStatistics, but not both.");
        }

        foreach (var s in statistics.Where(s => !MetricStatistics.Statistics.Contains(s)))
        {
            throw new EcsException(InvalidParameterValue, $"The parameter Statistics.member.1 must be a value in the set [ Maximum, Minimum, Sum, SampleCount, Average ]; '{s}' is not.");
        }

        var requested = (long)Math.Ceiling((end - start).TotalSeconds / period);
        if (requested > 1440)
        {
            throw new EcsException(InvalidParameterCombination, $"You have requested up to {requested} datapoints, which exceeds the limit of 1440. You may reduce the datapoints requested by increasing Period, or decreasing the time range.");
        }

        var points = await Store(context, ns).Get(name, Dimensions(input), start, end);
        var unit = input.String("Unit") ?? points.FirstOrDefault()?.Unit ?? "None";
        var buckets = MetricStatistics.Aggregate(points.Select(p => (p.Timestamp, p.Value)), start, end, TimeSpan.FromSeconds(period));
        var datapoints = new JsonArray();
        foreach (var b in buckets)
        {
            var d = new JsonObject { ["Timestamp"] = JsonValue.Create(b.Timestamp) };
            foreach (var s in statistics)
            {
                d[s] = b.Get(s);
            }

            d["Unit"] = unit;
            datapoints.Add(d);
        }

        return new JsonObject { ["Label"] = name, ["Datapoints"] = datapoints };
    }

    public static async Task<JsonObject> GetMetricData(CloudWatchInput input, AwsContext context)
    {
        var (start, end) = Range(input);
        var queries = input.Members("MetricDataQueries");
        if (queries.Count == 0)
        {
            throw MissingParameter("MetricDataQueries");
        }

        var descending = (input.String("ScanBy") ?? "TimestampDescending") switch
        {
            "TimestampDescending" => true,
            "TimestampAscending" => false,
            var other => throw new EcsException(InvalidParameterValue, $"Invalid ScanBy '{other}': TimestampDescending or TimestampAscending."),
        };
        var spec = PageSizes.CwGetMetricData;
        var maxDatapoints = input.Int(spec.SizeMember);
        Paging.CheckSize(spec, maxDatapoints);
        var skip = input.String(spec.TokenMember) is { Length: > 0 } token ? Paging.Decode(spec, token).Position : 0;
        var series = new List<(string Id, string Label, List<(DateTimeOffset Timestamp, double Value)> Points)>();
        var specs = new List<MetricQuerySpec>();
        foreach (var q in queries)
        {
            var id = q.Required("Id");
            if (q.String("Expression") is { } expression)
            {
                specs.Add(new MetricQuerySpec(id, null, expression, q.String("Label"), q.Bool("ReturnData") ?? true, q.Int("Period"), null));
                continue;
            }

            var stat = q.Structure("MetricStat") ?? throw MissingParameter("MetricStat");
            var metric = stat.Structure("Metric") ?? throw MissingParameter("Metric");
            var period = stat.Int("Period") ?? throw MissingParameter("Period");
            CheckPeriod(period);
            var statistic = stat.Required("Stat");
            if (!MetricStatistics.IsStatistic(statistic))
            {
                throw new EcsException(InvalidParameterValue, $"Unsupported statistic '{statistic}': Average, Sum, Minimum, Maximum, SampleCount or pNN.");
            }

            specs.Add(new MetricQuerySpec(id, new MetricStatSpec(metric.Required("Namespace"), metric.Required("MetricName"), Dimensions(metric), period, statistic, stat.String("Unit")),
                null, q.String("Label"), q.Bool("ReturnData") ?? true, null, null));
        }

        if (specs.Any(q => q.Expression is not null))
        {
            // Metric math (B-CW-1): every query on one grid of the smallest period over [start, end).
            if (Emulator.Model.Alarms.AlarmRules.QueriesErrorForData(specs) is { } error)
            {
                throw new EcsException(ValidationError, error);
            }

            var step = specs.Where(q => q.MetricStat is not null).Select(q => q.MetricStat!.PeriodSeconds).Concat(specs.Select(q => q.PeriodSeconds ?? 0)).Where(p => p > 0).DefaultIfEmpty(60).Min();
            var count = (int)Math.Min(100_800, Math.Ceiling((end - start).TotalSeconds / step));
            var starts = Enumerable.Range(0, count).Select(i => start + TimeSpan.FromSeconds((double)step * i)).ToArray();
            var raw = new List<IReadOnlyList<MetricDatum>>();
            foreach (var q in specs.Where(q => q.MetricStat is not null))
            {
                raw.Add(await Store(context, q.MetricStat!.Namespace).Get(q.MetricStat.MetricName, q.MetricStat.Dimensions, start, end));
            }

            Dictionary<string, double?[]> values;
            try
            {
                values = Emulator.Model.Alarms.AlarmSeries.QueryValues([.. specs.Select(q => q.MetricStat is { } ms ? q with { MetricStat = ms with { PeriodSeconds = step } } : q)], raw, starts, step);
            }
            catch (Emulator.Model.Alarms.MetricMathException e)
            {
                throw new EcsException(ValidationError, e.Message);
            }

            foreach (var q in specs.Where(q => q.ReturnData))
            {
                var points = starts.Select((t, i) => (t, values[q.Id][i])).Where(p => p.Item2 is not null).Select(p => (p.t, p.Item2!.Value)).ToList();
                series.Add((q.Id, q.Label ?? q.Id, descending ? points.AsEnumerable().Reverse().ToList() : points));
            }
        }
        else
        {
            foreach (var q in specs.Where(q => q.ReturnData))
            {
                var ms = q.MetricStat!;
                var points = await Store(context, ms.Namespace).Get(ms.MetricName, ms.Dimensions, start, end);
                var buckets = MetricStatistics.Aggregate(points.Where(p => ms.Unit is null || p.Unit == ms.Unit), start, end, TimeSpan.FromSeconds(ms.PeriodSeconds));
                var ordered = (descending ? buckets.Reverse() : buckets).Select(b => (b.Timestamp, b.Get(ms.Stat))).ToList();
                series.Add((q.Id, q.Label ?? ms.MetricName, ordered));
            }
        }

        // MaxDatapoints pages the data points of all queries together (PageSizes.CwGetMetricData): a result cut short is
        // PartialData and the NextToken carries on from the next point.
        var total = series.Sum(r => r.Points.Count);
        if (skip > total)
        {
            throw Paging.InvalidToken(spec);
        }

        var budget = maxDatapoints ?? spec.DefaultSize!.Value;
        var before = 0;
        var returned = 0;
        var results = new JsonArray();
        foreach (var (id, label, points) in series)
        {
            var from = Math.Clamp(skip - before, 0, points.Count);
            var take = Math.Min(points.Count - from, budget - returned);
            var page = points.Skip(from).Take(take).ToList();
            returned += page.Count;
            before += points.Count;
            results.Add(new JsonObject
            {
                ["Id"] = id,
                ["Label"] = label,
                ["Timestamps"] = new JsonArray([.. page.Select(b => (JsonNode)JsonValue.Create(b.Timestamp))]),
                ["Values"] = new JsonArray([.. page.Select(b => (JsonNode)JsonValue.Create(b.Value))]),
                ["StatusCode"] = from + take < points.Count ? "PartialData" : "Complete",
            });
        }

        return new JsonObject { ["MetricDataResults"] = results, ["Messages"] = new JsonArray() }
            .With("NextToken", skip + returned < total ? Paging.Encode(spec, "", skip + returned) : null);
    }

    public static async Task<JsonObject> ListMetrics(CloudWatchInput input, AwsContext context)
    {
        var ns = input.String("Namespace");
        var filters = input.Members("Dimensions").Select(d => new MetricDimension(d.Required("Name"), d.String("Value") ?? "")).ToImmutableArray();
        var rows = new List<(string Namespace, MetricSeries Series)>();
        foreach (var n in ns is null ? await AllNamespaces(context) : [ns])
        {
            rows.AddRange((await Store(context, n).List(input.String("MetricName"), filters)).Select(s => (n, s)));
        }

        var (page, next) = Paging.Page(rows, PageSizes.CwListMetrics, input.String("NextToken"), null, r => r.Namespace + "|" + r.Series.MetricName + "|" + string.Join(",", r.Series.Dimensions.Select(d => d.Name + "=" + d.Value)));
        return new JsonObject
        {
            ["Metrics"] = new JsonArray([.. page.Select(r => (JsonNode)new JsonObject
            {
                ["Namespace"] = r.Namespace,
                ["MetricName"] = r.Series.MetricName,
                ["Dimensions"] = DimensionsNode(r.Series.Dimensions),
            })]),
        }.With("NextToken", next);
    }

    /// <summary>B-CAS-4, B-CAS-5: one of the two alarms of a managed-scaling provider's target tracking policy, from its CAS state.</summary>
    internal static JsonObject CasAlarmNode(AwsContext context, CapacityProviderInfo provider, CapacityProviderSpec spec, CasStatus cas, string name, bool high)
    {
        var stateValue = cas.Datapoints.IsDefaultOrEmpty ? "INSUFFICIENT_DATA"
            : cas.Alarm == (high ? nameof(CasAlarm.High) : nameof(CasAlarm.Low)) ? "ALARM"
            : "OK";
        var threshold = (double)spec.ManagedScaling.TargetCapacity;
        var periods = high ? 1 : 15;
        var last = cas.Datapoints.IsDefaultOrEmpty ? [] : cas.Datapoints.TakeLast(periods).ToArray();
        var reason = stateValue == "INSUFFICIENT_DATA"
            ? "Insufficient Data: no datapoints were received for the period."
            : string.Create(CultureInfo.InvariantCulture,
                $"Threshold Crossed: {last.Length} datapoint{(last.Length == 1 ? "" : "s")} [{string.Join(", ", last.Select(v => v.ToString("0.0##", CultureInfo.InvariantCulture)))}] was {(stateValue == "ALARM" ? "" : "not ")}{(high ? "greater" : "less")} than the threshold ({threshold:0.0}).");
        var policy = ScalingActivities.CasPolicyName(AutoScaling.AutoScalingShapes.Uuid(provider.AutoScalingGroupArn ?? ""));
        var at = cas.EvaluatedAt ?? context.Now;
        return new JsonObject
        {
            ["AlarmName"] = name,
            ["AlarmArn"] = $"arn:aws:cloudwatch:{context.Region}:{context.Account}:alarm:{name}",
            ["AlarmDescription"] = $"DO NOT EDIT OR DELETE. For TargetTrackingScaling policy {policy}.",
            ["AlarmConfigurationUpdatedTimestamp"] = JsonValue.Create(at),
            ["ActionsEnabled"] = true,
            ["OKActions"] = new JsonArray(),
            ["AlarmActions"] = new JsonArray(JsonValue.Create(
                $"arn:aws:autoscaling:{context.Region}:{context.Account}:scalingPolicy:{AutoScaling.AutoScalingShapes.Uuid(provider.AutoScalingGroupArn ?? "")}:autoScalingGroupName/{spec.AutoScalingGroup}:policyName/{policy}")),
            ["InsufficientDataActions"] = new JsonArray(),
            ["StateValue"] = stateValue,
            ["StateReason"] = reason,
            ["StateUpdatedTimestamp"] = JsonValue.Create(at),
            ["MetricName"] = "CapacityProviderReservation",
            ["Namespace"] = MetricNamespaces.ManagedScaling,
            ["Statistic"] = "Average",
            ["Dimensions"] = DimensionsNode([new MetricDimension("CapacityProviderName", provider.Name), new MetricDimension("ClusterName", provider.Cluster ?? "")]),
            ["Period"] = 60,
            ["EvaluationPeriods"] = periods,
            ["DatapointsToAlarm"] = periods,
            ["Threshold"] = threshold,
            ["ComparisonOperator"] = high ? "GreaterThanThreshold" : "LessThanThreshold",
            ["TreatMissingData"] = "missing",
        };
    }

    // ------------------------------------------------------------------ helpers

    public static EcsException MissingParameter(string name) => new("MissingParameter", $"The parameter {name} is required.");

    internal static (DateTimeOffset Start, DateTimeOffset End) Range(CloudWatchInput input)
    {
        var start = input.Timestamp("StartTime") ?? throw MissingParameter("StartTime");
        var end = input.Timestamp("EndTime") ?? throw MissingParameter("EndTime");
        if (start >= end)
        {
            throw new EcsException(InvalidParameterValue, "The parameter StartTime must be less than the parameter EndTime.");
        }

        return (start, end);
    }

    internal static void CheckPeriod(int period)
    {
        if (period < 1 || (period >= 60 && period % 60 != 0) || (period < 60 && period is not (1 or 5 or 10 or 30)))
        {
            throw new EcsException(InvalidParameterValue, "The parameter Period must be 1, 5, 10, 30 or a multiple of 60.");
        }
    }

    internal static ImmutableArray<MetricDimension> Dimensions(CloudWatchInput input) =>
        input.Members("Dimensions").Select(d => new MetricDimension(d.Required("Name"), d.Required("Value")))
            .OrderBy(d => d.Name, StringComparer.Ordinal).ToImmutableArray();

    internal static JsonArray DimensionsNode(IEnumerable<MetricDimension> dims) =>
        new([.. dims.Select(d => (JsonNode)new JsonObject { ["Name"] = d.Name, ["Value"] = d.Value })]);

    /// <summary>The emulator's namespaces and every namespace PutMetricData has written to.</summary>
    internal static async Task<ImmutableArray<string>> AllNamespaces(AwsContext context) =>
        [.. MetricNamespaces.All.Concat(await context.Grains.GetGrain<IAccountGrain>(GrainKeys.Account).List(ResourceKind.MetricNamespace)).Distinct()];

    internal static IMetricStoreGrain Store(AwsContext context, string ns) => context.Grains.GetGrain<IMetricStoreGrain>(ns);

    /// <summary>Query rendering: objects are elements, arrays <c>member</c> lists, timestamps ISO 8601.</summary>
    public static XElement ToXml(string name, JsonNode? node) => node switch
    {
        JsonObject o => new XElement(name, o.Select(p => ToXml(p.Key, p.Value))),
        JsonArray a => new XElement(name, a.Select(i => ToXml("member", i))),
        JsonValue v when v.TryGetValue<DateTimeOffset>(out var t) => new XElement(name, QueryXml.Time(t)),
        JsonValue v when v.TryGetValue<bool>(out var b) => new XElement(name, b ? "true" : "false"),
        JsonValue v when v.TryGetValue<double>(out var d) => new XElement(name, d.ToString("R", CultureInfo.InvariantCulture)),
        JsonValue v => new XElement(name, v.ToString()),
        _ => new XElement(name),
    };

    /// <summary>JSON 1.0 rendering: timestamps as epoch seconds.</summary>
    public static JsonObject ToJson(JsonObject neutral) => (JsonObject)Epochs(neutral)!;

    private static JsonNode? Epochs(JsonNode? node) => node switch
    {
        JsonObject o => new JsonObject(o.Select(p => KeyValuePair.Create(p.Key, Epochs(p.Value)))),
        JsonArray a => new JsonArray([.. a.Select(Epochs)]),
        JsonValue v when v.TryGetValue<DateTimeOffset>(out var t) => WireJson.Epoch(t),
        JsonValue v => v.DeepClone(),
        _ => null,
    };
}
