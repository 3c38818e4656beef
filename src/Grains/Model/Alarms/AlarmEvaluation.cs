using System.Collections.Immutable;
using System.Globalization;
using System.Text.Json.Nodes;
using Emulator.Contracts;
using Emulator.Model.Metrics;

namespace Emulator.Model.Alarms;

/// <summary>The outcome of one alarm evaluation (B-CW-1): the new state, AWS's StateReason / StateReasonData texts, and the values evaluated (newest last).</summary>
public sealed record AlarmOutcome(
    AlarmStateValue State,
    string Reason,
    string ReasonData,
    ImmutableArray<double> Evaluated,
    double? Latest,
    int Breaching);

/// <summary>
/// CloudWatch alarm evaluation (B-CW-1), a pure function of the alarm, its current state and the values of the most
/// recent periods. Rules, from AWS's "Configuring how CloudWatch alarms treat missing data":
/// - the alarm reads an evaluation range of <see cref="EvaluationRange"/> periods (Model choice: N + 5; AWS retrieves
///   "a higher number of data points than Evaluation Periods");
/// - no datapoint missing, or at least N real ones: the N most recent real datapoints are evaluated; ALARM when at
///   least M (DatapointsToAlarm) breach, else OK (TreatMissingData plays no part);
/// - fewer than N real ones: every real datapoint counts, the rest are filled as TreatMissingData says: breaching,
///   notBreaching, or (missing / ignore) not at all: ALARM when M breach, else OK, except that ignore keeps the state
///   while the missing datapoints could still make ALARM (Model choice for the partial case);
/// - no real datapoint at all: missing -> INSUFFICIENT_DATA, ignore -> unchanged, breaching -> ALARM,
///   notBreaching -> OK.
/// </summary>
public static class AlarmEvaluator
{
    public static readonly ImmutableArray<string> ComparisonOperators =
        ["GreaterThanOrEqualToThreshold", "GreaterThanThreshold", "LessThanThreshold", "LessThanOrEqualToThreshold"];

    public static readonly ImmutableArray<string> MissingDataTreatments = ["breaching", "notBreaching", "ignore", "missing"];

    /// <summary>How many periods an evaluation reads (Model choice: N + 5).</summary>
    public static int EvaluationRange(AlarmSpec spec) => spec.EvaluationPeriods + 5;

    public static bool Breaches(string comparison, double value, double threshold) => comparison switch
    {
        "GreaterThanOrEqualToThreshold" => value >= threshold,
        "GreaterThanThreshold" => value > threshold,
        "LessThanThreshold" => value < threshold,
        "LessThanOrEqualToThreshold" => value <= threshold,
        _ => false,
    };

    /// <summary>
    /// Evaluates <paramref name="values"/> (one per period of the evaluation range, oldest first, null = missing;
    /// <paramref name="periodStarts"/> their timestamps) against the alarm.
    /// </summary>
    public static AlarmOutcome Evaluate(AlarmSpec spec, AlarmStateValue current, IReadOnlyList<double?> values, IReadOnlyList<DateTimeOffset> periodStarts, double threshold, DateTimeOffset now)
    {
        var n = spec.EvaluationPeriods;
        var m = spec.Required;
        var treat = spec.TreatMissingData ?? "missing";
        var real = new List<(DateTimeOffset At, double Value)>();
        for (var i = 0; i < values.Count; i++)
        {
            if (values[i] is { } v)
            {
                real.Add((periodStarts[i], v));
            }
        }

        var evaluated = real.Count >= n ? real.Skip(real.Count - n).ToList() : real;
        var breaching = evaluated.Count(p => Breaches(spec.ComparisonOperator, p.Value, threshold));
        var notBreaching = evaluated.Count - breaching;
        var fill = Math.Max(0, n - evaluated.Count);
        AlarmStateValue state;
        if (evaluated.Count == 0)
        {
            state = treat switch
            {
                "breaching" => AlarmStateValue.ALARM,
                "notBreaching" => AlarmStateValue.OK,
                "ignore" => current,
                _ => AlarmStateValue.INSUFFICIENT_DATA,
            };
        }
        else if (fill == 0)
        {
            state = breaching >= m ? AlarmStateValue.ALARM : AlarmStateValue.OK;
        }
        else
        {
            var countedBreaching = breaching + (treat == "breaching" ? fill : 0);
            var countedOk = notBreaching + (treat == "notBreaching" ? fill : 0);
            state = countedBreaching >= m ? AlarmStateValue.ALARM
                : treat is "breaching" or "notBreaching" or "missing" ? AlarmStateValue.OK
                : countedOk > n - m ? AlarmStateValue.OK
                : current;
        }

        var reason = Reason(spec, state, current, evaluated, breaching, threshold, fill, treat);
        var data = ReasonData(spec, evaluated, threshold, now, periodStarts.Count > 0 ? periodStarts[0] : now);
        return new AlarmOutcome(state, reason, data, [.. evaluated.Select(p => p.Value)], evaluated.Count > 0 ? evaluated[^1].Value : null, breaching);
    }

    private static string Reason(AlarmSpec spec, AlarmStateValue state, AlarmStateValue from, List<(DateTimeOffset At, double Value)> evaluated, int breaching, double threshold, int fill, string treat)
    {
        if (evaluated.Count == 0)
        {
            return state switch
            {
                AlarmStateValue.INSUFFICIENT_DATA => string.Create(CultureInfo.InvariantCulture, $"Insufficient Data: {spec.EvaluationPeriods} datapoint{Plural(spec.EvaluationPeriods)} {(spec.EvaluationPeriods == 1 ? "was" : "were")} unknown."),
                _ => $"Missing data treated as {treat}: no datapoints were received for the evaluation range.",
            };
        }

        var newestFirst = evaluated.AsEnumerable().Reverse().ToList();
        var list = string.Join(", ", newestFirst.Select(p => string.Create(CultureInfo.InvariantCulture, $"{Number(p.Value)} ({p.At.UtcDateTime:dd/MM/yy HH:mm:ss})")));
        var op = OperatorText(spec.ComparisonOperator);
        if (state == AlarmStateValue.ALARM)
        {
            return string.Create(CultureInfo.InvariantCulture,
                $"Threshold Crossed: {breaching} out of the last {evaluated.Count} datapoint{Plural(evaluated.Count)} [{list}] {(breaching == 1 ? "was" : "were")} {op} the threshold ({Number(threshold)}) (minimum {spec.Required} datapoint{Plural(spec.Required)} for {from} -> ALARM transition).");
        }

        var ok = evaluated.Count - breaching;
        var minimum = spec.EvaluationPeriods - spec.Required + 1;
        var text = string.Create(CultureInfo.InvariantCulture,
            $"Threshold Crossed: {ok} out of the last {evaluated.Count} datapoint{Plural(evaluated.Count)} [{list}] {(ok == 1 ? "was" : "were")} not {op} the threshold ({Number(threshold)}) (minimum {minimum} datapoint{Plural(minimum)} for {from} -> {state} transition).");
        return fill > 0 ? text + string.Create(CultureInfo.InvariantCulture, $" {fill} missing datapoint{Plural(fill)} treated as {treat}.") : text;
    }

    private static string ReasonData(AlarmSpec spec, List<(DateTimeOffset At, double Value)> evaluated, double threshold, DateTimeOffset now, DateTimeOffset start)
    {
        var data = new JsonObject
        {
            ["version"] = "1.0",
            ["queryDate"] = Iso(now),
            ["startDate"] = Iso(start),
        };
        if (spec.Statistic is { } statistic)
        {
            data["statistic"] = statistic;
        }

        if (spec.ExtendedStatistic is { } extended)
        {
            data["extendedStatistic"] = extended;
        }

        data["period"] = spec.EvaluationPeriodSeconds;
        data["recentDatapoints"] = new JsonArray([.. evaluated.Select(p => (JsonNode)JsonValue.Create(p.Value))]);
        data["threshold"] = threshold;
        data["evaluatedDatapoints"] = new JsonArray([.. evaluated.AsEnumerable().Reverse().Select(p => (JsonNode)new JsonObject
        {
            ["timestamp"] = Iso(p.At),
            ["value"] = p.Value,
        })]);
        return data.ToJsonString();
    }

    public static string OperatorText(string comparison) => comparison switch
    {
        "GreaterThanOrEqualToThreshold" => "greater than or equal to",
        "GreaterThanThreshold" => "greater than",
        "LessThanThreshold" => "less than",
        "LessThanOrEqualToThreshold" => "less than or equal to",
        _ => comparison,
    };

    public static string Number(double v) => v.ToString(Math.Abs(v % 1) < 1e-9 ? "0.0" : "0.0####", CultureInfo.InvariantCulture);

    private static string Plural(int n) => n == 1 ? "" : "s";

    private static string Iso(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'+0000'", CultureInfo.InvariantCulture);
}

/// <summary>
/// An alarm's values per period (B-CW-1): its metric summarised by its statistic, or the one Metrics[] entry with
/// ReturnData true (a MetricStat or a math expression over the others). Pure: the caller reads the raw datapoints.
/// </summary>
public static class AlarmSeries
{
    /// <summary>Periods a late alarm shard catches up one by one before it starts again from now (B-CW-1, Model choice).</summary>
    public const int MaxCatchUpPeriods = 10;

    /// <summary>
    /// B-CW-1 (Model choice): how long after a period's end the alarms of shard <paramref name="shard"/> (of
    /// <paramref name="shards"/>) evaluate it: the evaluation delay plus the shard's even share of the spread (at most
    /// one period), so the shards take turns instead of all reading the metric store on the same instant.
    /// </summary>
    public static TimeSpan ShardDelay(int shard, int shards, TimeSpan delay, TimeSpan spread, TimeSpan period)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(shards, 0);
        var window = spread < period ? spread : period;
        return window <= TimeSpan.Zero ? delay : delay + TimeSpan.FromTicks(window.Ticks / shards * (((shard % shards) + shards) % shards));
    }

    /// <summary>
    /// B-CW-1: the instant an alarm is next evaluated, on the period grid plus <paramref name="delay"/>: the period after
    /// <paramref name="evaluatedAt"/> (the instant just evaluated), so a shard woken late catches up period by period and
    /// skips no period's datapoints; from <paramref name="now"/> for a new alarm or one more than
    /// <see cref="MaxCatchUpPeriods"/> periods behind.
    /// </summary>
    public static DateTimeOffset NextDue(DateTimeOffset? evaluatedAt, DateTimeOffset now, TimeSpan period, TimeSpan delay)
    {
        var basis = evaluatedAt is { } at && now - at <= period * MaxCatchUpPeriods ? at : now;
        var grid = DateTimeOffset.UnixEpoch + TimeSpan.FromTicks((basis - delay - DateTimeOffset.UnixEpoch).Ticks / period.Ticks * period.Ticks);
        return grid + period + delay;
    }

    /// <summary>The metric reads the alarm needs: its own metric, or every MetricStat of Metrics[].</summary>
    public static IReadOnlyList<MetricStatSpec> Reads(AlarmSpec spec)
    {
        if (!spec.Metrics.IsDefaultOrEmpty)
        {
            return [.. spec.Metrics.Where(q => q.MetricStat is not null).Select(q => q.MetricStat!)];
        }

        return [new MetricStatSpec(spec.Namespace ?? "", spec.MetricName ?? "", spec.Dimensions.IsDefault ? [] : spec.Dimensions,
            spec.PeriodSeconds ?? 60, spec.Statistic ?? spec.ExtendedStatistic ?? "Average", spec.Unit)];
    }

    /// <summary>The start of the <paramref name="count"/> periods of <paramref name="periodSeconds"/> ending at the grid point at or before <paramref name="end"/>.</summary>
    public static DateTimeOffset[] PeriodStarts(DateTimeOffset end, int periodSeconds, int count)
    {
        var period = TimeSpan.FromSeconds(periodSeconds);
        var aligned = DateTimeOffset.UnixEpoch + TimeSpan.FromTicks((end - DateTimeOffset.UnixEpoch).Ticks / period.Ticks * period.Ticks);
        return [.. Enumerable.Range(0, count).Select(i => aligned - TimeSpan.FromTicks(period.Ticks * (count - i)))];
    }

    /// <summary>One statistic per period for a metric stat's raw datapoints.</summary>
    public static double?[] Summarise(IEnumerable<MetricDatum> points, string stat, string? unit, DateTimeOffset[] starts, int periodSeconds)
    {
        var result = new double?[starts.Length];
        if (starts.Length == 0)
        {
            return result;
        }

        var period = TimeSpan.FromSeconds(periodSeconds);
        var buckets = MetricStatistics.Aggregate(points.Where(p => unit is null || p.Unit == unit), starts[0], starts[^1] + period, period)
            .ToDictionary(b => b.Timestamp);
        for (var i = 0; i < starts.Length; i++)
        {
            if (buckets.TryGetValue(starts[i], out var b))
            {
                result[i] = b.Get(stat);
            }
        }

        return result;
    }

    /// <summary>
    /// The alarm's value per period over <paramref name="starts"/>, given the raw datapoints of each read of
    /// <see cref="Reads"/> (same order).
    /// </summary>
    public static double?[] Values(AlarmSpec spec, IReadOnlyList<IReadOnlyList<MetricDatum>> raw, DateTimeOffset[] starts)
    {
        var reads = Reads(spec);
        if (spec.Metrics.IsDefaultOrEmpty)
        {
            return Summarise(raw[0], reads[0].Stat, reads[0].Unit, starts, reads[0].PeriodSeconds);
        }

        return QueryValues(spec.Metrics, raw, starts, spec.EvaluationPeriodSeconds)[ResultId(spec.Metrics)];
    }

    /// <summary>Every query's series (MetricStats summarised, expressions evaluated in dependency order).</summary>
    public static Dictionary<string, double?[]> QueryValues(ImmutableArray<MetricQuerySpec> queries, IReadOnlyList<IReadOnlyList<MetricDatum>> raw, DateTimeOffset[] starts, int periodSeconds)
    {
        var series = new Dictionary<string, double?[]>(StringComparer.Ordinal);
        var k = 0;
        foreach (var q in queries)
        {
            if (q.MetricStat is { } ms)
            {
                series[q.Id] = Summarise(raw[k++], ms.Stat, ms.Unit, starts, ms.PeriodSeconds);
            }
        }

        var pending = queries.Where(q => q.Expression is not null).ToList();
        while (pending.Count > 0)
        {
            var ready = pending.FirstOrDefault(q => MetricMath.References(q.Expression!).All(r => series.ContainsKey(r) || !queries.Any(o => o.Id == r)));
            if (ready is null)
            {
                throw new MetricMathException("The expressions of Metrics refer to each other in a cycle.");
            }

            series[ready.Id] = MetricMath.Evaluate(ready.Expression!, series, starts.Length, ready.PeriodSeconds ?? periodSeconds);
            pending.Remove(ready);
        }

        return series;
    }

    /// <summary>The id of the one query whose ReturnData is true.</summary>
    public static string ResultId(ImmutableArray<MetricQuerySpec> queries) => queries.Single(q => q.ReturnData).Id;
}

/// <summary>PutMetricAlarm's validation (B-CW-1): the first problem as CloudWatch words it, or null.</summary>
public static class AlarmRules
{
    public static readonly ImmutableArray<int> AllowedPeriods = [10, 30];

    public static (string Code, string Message)? Validate(AlarmSpec spec)
    {
        const string invalid = "InvalidParameterValue";
        const string combination = "InvalidParameterCombination";
        const string validation = "ValidationError";
        if (spec.Name.Length is 0 or > 255)
        {
            return (validation, "1 validation error detected: Value at 'alarmName' failed to satisfy constraint: Member must have length between 1 and 255");
        }

        if (spec.EvaluationPeriods < 1)
        {
            return (validation, string.Create(CultureInfo.InvariantCulture, $"1 validation error detected: Value '{spec.EvaluationPeriods}' at 'evaluationPeriods' failed to satisfy constraint: Member must have value greater than or equal to 1"));
        }

        if (spec.DatapointsToAlarm is { } m && (m < 1 || m > spec.EvaluationPeriods))
        {
            return (validation, "DatapointsToAlarm must be between 1 and EvaluationPeriods.");
        }

        if (!AlarmEvaluator.ComparisonOperators.Contains(spec.ComparisonOperator))
        {
            return (validation, $"1 validation error detected: Value '{spec.ComparisonOperator}' at 'comparisonOperator' failed to satisfy constraint: Member must satisfy enum value set: [{string.Join(", ", AlarmEvaluator.ComparisonOperators)}] (anomaly detection operators are not supported by this emulator)");
        }

        if (spec.TreatMissingData is { } t && !AlarmEvaluator.MissingDataTreatments.Contains(t))
        {
            return (invalid, $"Invalid value '{t}' for TreatMissingData: breaching, notBreaching, ignore or missing.");
        }

        if (spec.Threshold is null)
        {
            return (validation, spec.ThresholdMetricId is not null
                ? "ThresholdMetricId is only valid with anomaly detection operators, which this emulator does not support."
                : "Threshold is required.");
        }

        var single = spec.MetricName is not null || spec.Namespace is not null || spec.Statistic is not null || spec.ExtendedStatistic is not null || spec.PeriodSeconds is not null;
        var math = !spec.Metrics.IsDefaultOrEmpty;
        if (single == math)
        {
            return (validation, math
                ? "Metrics list must not be combined with MetricName, Namespace, Statistic, ExtendedStatistic, Dimensions or Period."
                : "Either MetricName and Namespace or Metrics must be specified.");
        }

        if (single)
        {
            if (string.IsNullOrEmpty(spec.MetricName) || string.IsNullOrEmpty(spec.Namespace))
            {
                return (validation, "MetricName and Namespace are both required.");
            }

            if ((spec.Statistic is null) == (spec.ExtendedStatistic is null))
            {
                return (combination, "Exactly one of Statistic and ExtendedStatistic must be specified.");
            }

            if (spec.Statistic is { } s && !MetricStatistics.Statistics.Contains(s))
            {
                return (validation, $"1 validation error detected: Value '{s}' at 'statistic' failed to satisfy constraint: Member must satisfy enum value set: [SampleCount, Average, Sum, Minimum, Maximum]");
            }

            if (spec.ExtendedStatistic is { } e && MetricStatistics.Percentile(e) is null)
            {
                return (invalid, $"The value {e} for parameter ExtendedStatistic is not supported (this emulator supports percentiles p0 to p100).");
            }

            if (PeriodError(spec.PeriodSeconds) is { } periodError)
            {
                return (validation, periodError);
            }

            if (spec.Dimensions.Length > 30)
            {
                return (invalid, "At most 30 dimensions are allowed.");
            }
        }
        else
        {
            if (QueriesError(spec.Metrics, forAlarm: true) is { } error)
            {
                return (validation, error);
            }
        }

        if ((long)spec.EvaluationPeriods * spec.EvaluationPeriodSeconds > 7 * 24 * 3600)
        {
            return (validation, "The evaluation period (EvaluationPeriods x Period) must not exceed one week.");
        }

        foreach (var action in spec.AlarmActions.Concat(spec.OkActions).Concat(spec.InsufficientDataActions))
        {
            if (!action.StartsWith("arn:", StringComparison.Ordinal))
            {
                return (validation, $"Invalid arn syntax: {action}");
            }
        }

        return null;
    }

    /// <summary>Alarm periods: 10, 30 or a multiple of 60 seconds.</summary>
    public static string? PeriodError(int? period) =>
        period is null ? "Period is required."
        : period is 10 or 30 || (period >= 60 && period % 60 == 0) ? null
        : string.Create(CultureInfo.InvariantCulture, $"The parameter Period must be 10, 30 or a multiple of 60 (got {period}).");

    /// <summary>Metrics[] checks shared by alarms and target tracking policies: ids, one result, MetricStat or Expression, expressions that parse.</summary>
    /// <summary>GetMetricData's checks: as <see cref="QueriesError"/> but any number of queries may return data.</summary>
    public static string? QueriesErrorForData(IReadOnlyList<MetricQuerySpec> queries) => QueriesError([.. queries], forAlarm: false, singleResult: false);

    public static string? QueriesError(ImmutableArray<MetricQuerySpec> queries, bool forAlarm, bool singleResult = true)
    {
        if (queries.Length > 10 && forAlarm)
        {
            return "Metrics can contain at most 10 entries for an alarm.";
        }

        var ids = new HashSet<string>(StringComparer.Ordinal);
        foreach (var q in queries)
        {
            if (q.Id.Length == 0 || !char.IsAsciiLetterLower(q.Id[0]) || !q.Id.All(c => char.IsAsciiLetterOrDigit(c) || c == '_'))
            {
                return $"Invalid metrics Id '{q.Id}': it must start with a lowercase letter and contain only letters, digits and underscores.";
            }

            if (!ids.Add(q.Id))
            {
                return $"The Id '{q.Id}' is used by more than one entry of Metrics.";
            }

            if ((q.MetricStat is null) == (q.Expression is null))
            {
                return $"Metrics entry '{q.Id}': exactly one of MetricStat and Expression must be specified.";
            }

            if (q.MetricStat is { } ms)
            {
                if (string.IsNullOrEmpty(ms.MetricName) || string.IsNullOrEmpty(ms.Namespace))
                {
                    return $"Metrics entry '{q.Id}': MetricStat.Metric needs MetricName and Namespace.";
                }

                if (!MetricStatistics.IsStatistic(ms.Stat))
                {
                    return $"Metrics entry '{q.Id}': unsupported Stat '{ms.Stat}' (Average, Sum, Minimum, Maximum, SampleCount or pNN).";
                }

                if (PeriodError(ms.PeriodSeconds) is { } e)
                {
                    return $"Metrics entry '{q.Id}': {e}";
                }
            }
        }

        if (singleResult && queries.Count(q => q.ReturnData) != 1)
        {
            return "Exactly one element of the metrics list should return data.";
        }

        foreach (var q in queries.Where(q => q.Expression is not null))
        {
            try
            {
                var unknown = MetricMath.References(q.Expression!).Where(r => !ids.Contains(r)).ToList();
                if (unknown.Count > 0)
                {
                    return $"Metrics entry '{q.Id}': the expression refers to '{unknown[0]}', which is not the Id of another entry.";
                }

                MetricMath.Evaluate(q.Expression!, ids.ToDictionary(i => i, _ => new double?[1], StringComparer.Ordinal), 1, 60);
            }
            catch (MetricMathException e)
            {
                return $"Metrics entry '{q.Id}': {e.Message}";
            }
        }

        return null;
    }
}
