using System.Collections.Immutable;

namespace Emulator.Silo.Aws.CloudWatch;

/// <summary>
/// One view of a CloudWatch request whichever protocol carried it (query: <c>X.member.N</c>; JSON 1.0: arrays), so
/// each operation is implemented once.
/// </summary>
public abstract class CloudWatchInput
{
    public abstract string? String(string name);

    public abstract int? Int(string name);

    public abstract double? Double(string name);

    public abstract DateTimeOffset? Timestamp(string name);

    public abstract bool? Bool(string name);

    public abstract ImmutableArray<string> Strings(string name);

    /// <summary>A list of numbers (PutMetricData Values / Counts): query strings parsed, JSON numbers.</summary>
    public abstract ImmutableArray<double> Doubles(string name);

    public abstract IReadOnlyList<CloudWatchInput> Members(string name);

    public abstract CloudWatchInput? Structure(string name);

    public string Required(string name) => String(name) is { Length: > 0 } s ? s : throw CloudWatchOperations.MissingParameter(name);

    public static CloudWatchInput Of(QueryInput q) => new Query(q);

    public static CloudWatchInput Of(JsonInput j) => new Json(j);

    private sealed class Query(QueryInput q) : CloudWatchInput
    {
        public override string? String(string name) => q.String(name);

        public override int? Int(string name) => Wrap(() => q.Int(name));

        public override double? Double(string name) => Wrap(() => q.Double(name));

        public override DateTimeOffset? Timestamp(string name) => Wrap(() => q.Timestamp(name));

        public override bool? Bool(string name) => Wrap(() => q.Bool(name));

        public override ImmutableArray<string> Strings(string name) => q.Strings(name);

        public override ImmutableArray<double> Doubles(string name) =>
            [.. q.Strings(name).Select(v => double.TryParse(v, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var d)
                ? d
                : throw new Contracts.EcsException(CloudWatchOperations.InvalidParameterValue, $"The parameter {name} must be a list of numbers ('{v}' is not)."))];

        public override IReadOnlyList<CloudWatchInput> Members(string name) => [.. q.Members(name).Select(m => new Query(m))];

        public override CloudWatchInput? Structure(string name) => q.Structure(name) is { } s ? new Query(s) : null;
    }

    private sealed class Json(JsonInput j) : CloudWatchInput
    {
        public override string? String(string name) => j.String(name);

        public override int? Int(string name) => j.Int(name);

        public override double? Double(string name) => j.Double(name);

        public override DateTimeOffset? Timestamp(string name) => j.Timestamp(name);

        public override bool? Bool(string name) => j.Bool(name);

        public override ImmutableArray<string> Strings(string name) => j.Strings(name) ?? [];

        public override ImmutableArray<double> Doubles(string name) =>
            j.Element.TryGetProperty(name, out var list) && list.ValueKind == System.Text.Json.JsonValueKind.Array
                ? [.. list.EnumerateArray().Select(e => e.ValueKind == System.Text.Json.JsonValueKind.Number ? e.GetDouble()
                    : throw new Contracts.EcsException(JsonInput.SerializationException, $"'{name}' must be a list of numbers."))]
                : j.Has(name) ? throw new Contracts.EcsException(JsonInput.SerializationException, $"'{name}' must be a list of numbers.") : [];

        public override IReadOnlyList<CloudWatchInput> Members(string name) => [.. j.Objects(name).Select(m => new Json(m))];

        public override CloudWatchInput? Structure(string name) => j.Object(name) is { } s ? new Json(s) : null;
    }

    private static T Wrap<T>(Func<T> read)
    {
        try
        {
            return read();
        }
        catch (Contracts.EcsException e) when (e.Code == Contracts.ErrorCodes.ValidationError)
        {
            throw new Contracts.EcsException(CloudWatchOperations.InvalidParameterValue, e.Message);
        }
    }
}
