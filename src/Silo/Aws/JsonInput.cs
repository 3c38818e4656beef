using System.Collections.Immutable;
using System.Globalization;
using System.Text.Json;
using Emulator.Contracts;

namespace Emulator.Silo.Aws;

/// <summary>
/// Typed, validating access to a JSON protocol request body. A member of the wrong JSON type is AWS's
/// SerializationException; a missing required member or a bad enum value is an InvalidParameterException. The CLI
/// validates nothing, so the server must (B-W-4).
/// </summary>
public sealed class JsonInput(JsonElement element, string path = "")
{
    public const string SerializationException = "SerializationException";

    public JsonElement Element { get; } = element;

    public bool Has(string name) => Element.TryGetProperty(name, out var v) && v.ValueKind != JsonValueKind.Null;

    public string? String(string name)
    {
        if (!TryGet(name, out var v))
        {
            return null;
        }

        return v.ValueKind == JsonValueKind.String ? v.GetString() : throw WrongType(name, "a string");
    }

    public string RequiredString(string name) =>
        String(name) is { Length: > 0 } s ? s : throw Missing(name);

    public int? Int(string name)
    {
        if (!TryGet(name, out var v))
        {
            return null;
        }

        return v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out var i) ? i : throw WrongType(name, "an integer");
    }

    public long? Long(string name)
    {
        if (!TryGet(name, out var v))
        {
            return null;
        }

        return v.ValueKind == JsonValueKind.Number && v.TryGetInt64(out var i) ? i : throw WrongType(name, "an integer");
    }

    public double? Double(string name)
    {
        if (!TryGet(name, out var v))
        {
            return null;
        }

        return v.ValueKind == JsonValueKind.Number ? v.GetDouble() : throw WrongType(name, "a number");
    }

    public bool? Bool(string name)
    {
        if (!TryGet(name, out var v))
        {
            return null;
        }

        return v.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => throw WrongType(name, "a boolean"),
        };
    }

    /// <summary>A timestamp member: epoch seconds (number) or an ISO 8601 string.</summary>
    public DateTimeOffset? Timestamp(string name)
    {
        if (!TryGet(name, out var v))
        {
            return null;
        }

        if (v.ValueKind == JsonValueKind.Number)
        {
            return DateTimeOffset.FromUnixTimeMilliseconds((long)(v.GetDouble() * 1000));
        }

        if (v.ValueKind == JsonValueKind.String && DateTimeOffset.TryParse(v.GetString(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var t))
        {
            return t;
        }

        throw WrongType(name, "a timestamp");
    }

    /// <summary>An enum member whose allowed values are the enum's member names (AWS spellings).</summary>
    public T? Enum<T>(string name)
        where T : struct, System.Enum
    {
        var s = String(name);
        if (s is null)
        {
            return null;
        }

        if (System.Enum.TryParse<T>(s, ignoreCase: false, out var value) && System.Enum.IsDefined(value) && !int.TryParse(s, out _))
        {
            return value;
        }

        throw ErrorCodes.Invalid($"1 validation error detected: Value '{s}' at '{PathOf(name)}' failed to satisfy constraint: Member must satisfy enum value set: [{string.Join(", ", System.Enum.GetNames<T>())}]");
    }

    public JsonInput? Object(string name)
    {
        if (!TryGet(name, out var v))
        {
            return null;
        }

        return v.ValueKind == JsonValueKind.Object ? new JsonInput(v, PathOf(name)) : throw WrongType(name, "an object");
    }

    public IReadOnlyList<JsonInput> Objects(string name)
    {
        if (!TryGet(name, out var v))
        {
            return [];
        }

        if (v.ValueKind != JsonValueKind.Array)
        {
            throw WrongType(name, "a list");
        }

        var list = new List<JsonInput>();
        var i = 0;
        foreach (var item in v.EnumerateArray())
        {
            list.Add(item.ValueKind == JsonValueKind.Object ? new JsonInput(item, $"{PathOf(name)}.{i}") : throw WrongType(name, "a list of objects"));
            i++;
        }

        return list;
    }

    public ImmutableArray<string>? Strings(string name)
    {
        if (!TryGet(name, out var v))
        {
            return null;
        }

        if (v.ValueKind != JsonValueKind.Array)
        {
            throw WrongType(name, "a list of strings");
        }

        var b = ImmutableArray.CreateBuilder<string>();
        foreach (var item in v.EnumerateArray())
        {
            b.Add(item.ValueKind == JsonValueKind.String ? item.GetString()! : throw WrongType(name, "a list of strings"));
        }

        return b.ToImmutable();
    }

    /// <summary>A map of string to string (e.g. dockerLabels).</summary>
    public ImmutableDictionary<string, string>? Map(string name)
    {
        if (!TryGet(name, out var v))
        {
            return null;
        }

        if (v.ValueKind != JsonValueKind.Object)
        {
            throw WrongType(name, "a map");
        }

        var b = ImmutableDictionary.CreateBuilder<string, string>(StringComparer.Ordinal);
        foreach (var p in v.EnumerateObject())
        {
            b[p.Name] = p.Value.ValueKind == JsonValueKind.String ? p.Value.GetString()! : throw WrongType(name, "a map of strings");
        }

        return b.ToImmutable();
    }

    /// <summary>ECS tags: a list of {key, value}.</summary>
    public ImmutableDictionary<string, string> Tags(string name = "tags")
    {
        var b = ImmutableDictionary.CreateBuilder<string, string>(StringComparer.Ordinal);
        foreach (var t in Objects(name))
        {
            b[t.RequiredString("key")] = t.String("value") ?? "";
        }

        if (b.Count > 50)
        {
            throw ErrorCodes.Invalid("Too many tags: at most 50 tags are allowed per resource.");
        }

        return b.ToImmutable();
    }

    public EcsException Missing(string name) =>
        ErrorCodes.Invalid($"1 validation error detected: Value null at '{PathOf(name)}' failed to satisfy constraint: Member must not be null");

    public EcsException Invalid(string name, string message) => ErrorCodes.Invalid($"Invalid value for '{PathOf(name)}': {message}");

    private bool TryGet(string name, out JsonElement value)
    {
        if (Element.ValueKind == JsonValueKind.Object && Element.TryGetProperty(name, out value) && value.ValueKind != JsonValueKind.Null)
        {
            return true;
        }

        value = default;
        return false;
    }

    private string PathOf(string name) => path.Length == 0 ? name : $"{path}.{name}";

    private EcsException WrongType(string name, string expected) =>
        new(SerializationException, $"Start of structure or map found where not expected, or wrong type: '{PathOf(name)}' must be {expected}.");
}
