using System.Collections.Immutable;
using System.Globalization;
using Emulator.Contracts;

namespace Emulator.Silo.Aws;

/// <summary>
/// Typed access to an AWS query protocol request (form fields such as <c>MinSize=1</c>,
/// <c>AvailabilityZones.member.1=us-east-1a</c>, <c>Overrides.member.2.InstanceType=m5.large</c>). Bad values are a
/// ValidationError, as the query services report them.
/// </summary>
public sealed class QueryInput(IReadOnlyDictionary<string, string> form, string prefix = "")
{
    public IReadOnlyDictionary<string, string> Form { get; } = form;

    public string? String(string name) => Form.TryGetValue(prefix + name, out var v) ? v : null;

    public string RequiredString(string name) =>
        String(name) is { Length: > 0 } s ? s : throw Validation($"1 validation error detected: Value null at '{Lower(prefix + name)}' failed to satisfy constraint: Member must not be null");

    public int? Int(string name)
    {
        var s = String(name);
        if (s is null)
        {
            return null;
        }

        return int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out var i)
            ? i
            : throw Validation($"Invalid value '{s}' for {prefix + name}: an integer is required.");
    }

    public double? Double(string name)
    {
        var s = String(name);
        if (s is null)
        {
            return null;
        }

        return double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var d)
            ? d
            : throw Validation($"Invalid value '{s}' for {prefix + name}: a number is required.");
    }

    public bool? Bool(string name)
    {
        var s = String(name);
        return s switch
        {
            null => null,
            "true" or "True" => true,
            "false" or "False" => false,
            _ => throw Validation($"Invalid value '{s}' for {prefix + name}: true or false is required."),
        };
    }

    public DateTimeOffset? Timestamp(string name)
    {
        var s = String(name);
        if (s is null)
        {
            return null;
        }

        return DateTimeOffset.TryParse(s, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var t)
            ? t
            : throw Validation($"Invalid value '{s}' for {prefix + name}: an ISO 8601 timestamp is required.");
    }

    /// <summary>The members of a list: <c>Name.member.1</c>, <c>Name.member.2</c>, ... (strings).</summary>
    public ImmutableArray<string> Strings(string name)
    {
        var b = ImmutableArray.CreateBuilder<string>();
        for (var i = 1; Form.TryGetValue($"{prefix}{name}.member.{i}", out var v); i++)
        {
            b.Add(v);
        }

        return b.ToImmutable();
    }

    /// <summary>The structures of a list: <c>Name.member.N.Field</c>.</summary>
    public IReadOnlyList<QueryInput> Members(string name)
    {
        var list = new List<QueryInput>();
        for (var i = 1; Form.Keys.Any(k => k.StartsWith($"{prefix}{name}.member.{i}.", StringComparison.Ordinal)); i++)
        {
            list.Add(new QueryInput(Form, $"{prefix}{name}.member.{i}."));
        }

        return list;
    }

    /// <summary>A nested structure: <c>Name.Field</c>; null when no field of it is present.</summary>
    public QueryInput? Structure(string name) =>
        Form.Keys.Any(k => k.StartsWith($"{prefix}{name}.", StringComparison.Ordinal)) ? new QueryInput(Form, $"{prefix}{name}.") : null;

    /// <summary>EC2-style lists: <c>Name.1</c>, <c>Name.2</c>, ...</summary>
    public ImmutableArray<string> Numbered(string name)
    {
        var b = ImmutableArray.CreateBuilder<string>();
        for (var i = 1; Form.TryGetValue($"{prefix}{name}.{i}", out var v); i++)
        {
            b.Add(v);
        }

        return b.ToImmutable();
    }

    /// <summary>EC2-style structure lists: <c>Name.1.Field</c>.</summary>
    public IReadOnlyList<QueryInput> NumberedMembers(string name)
    {
        var list = new List<QueryInput>();
        for (var i = 1; Form.Keys.Any(k => k.StartsWith($"{prefix}{name}.{i}.", StringComparison.Ordinal)); i++)
        {
            list.Add(new QueryInput(Form, $"{prefix}{name}.{i}."));
        }

        return list;
    }

    public static EcsException Validation(string message) => new(ErrorCodes.ValidationError, message);

    private static string Lower(string s) => s.Length == 0 ? s : char.ToLowerInvariant(s[0]) + s[1..];
}
