using System.Collections.Immutable;
using System.Text.Json.Nodes;

namespace Emulator.Silo.Aws;

/// <summary>Small helpers for building AWS JSON shapes (camelCase members, epoch-second timestamps, B-W-1).</summary>
public static class WireJson
{
    /// <summary>Timestamps are epoch seconds with milliseconds, as numbers.</summary>
    public static JsonNode Epoch(DateTimeOffset t) => JsonValue.Create(Math.Round(t.ToUnixTimeMilliseconds() / 1000.0, 3));

    public static JsonNode? Epoch(DateTimeOffset? t) => t is { } v ? Epoch(v) : null;

    public static JsonArray Array(IEnumerable<JsonNode?> items) => new([.. items]);

    public static JsonArray Strings(IEnumerable<string> items) => new([.. items.Select(s => (JsonNode?)JsonValue.Create(s))]);

    /// <summary>ECS tags: [{key, value}].</summary>
    public static JsonArray Tags(ImmutableDictionary<string, string>? tags) =>
        Array((tags ?? ImmutableDictionary<string, string>.Empty).OrderBy(t => t.Key, StringComparer.Ordinal)
            .Select(t => (JsonNode?)new JsonObject { ["key"] = t.Key, ["value"] = t.Value }));

    /// <summary>Adds a member only when it has a value (AWS omits absent members).</summary>
    public static JsonObject With(this JsonObject o, string name, JsonNode? value)
    {
        if (value is not null)
        {
            o[name] = value;
        }

        return o;
    }

    public static JsonObject With(this JsonObject o, string name, string? value) => value is null ? o : o.With(name, JsonValue.Create(value));
}
