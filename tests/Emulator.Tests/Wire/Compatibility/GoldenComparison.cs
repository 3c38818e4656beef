using System.Text.Json.Nodes;

namespace Emulator.Tests.Wire.Compatibility;

/// <summary>
/// Compares what the restored emulator answers with what the golden build answered, and lists every difference with
/// its JSON path. The relation is "golden is contained in restored": every golden object member must be there with
/// the same value (a later build may add members to a response), every golden array must have the same length and
/// its elements in the same order; arrays at a history path only grow (the restored emulator kept running: every
/// golden element must still be there, newer ones may follow); ignored paths change by themselves. Paths are jq-style
/// (<c>.services[].events</c>).
/// </summary>
public static class GoldenComparison
{
    public static List<string> Compare(JsonNode? golden, JsonNode? restored, IReadOnlyCollection<string> history, IReadOnlyCollection<string> ignore)
    {
        var differences = new List<string>();
        Walk(golden, restored, "", "", history, ignore, differences);
        return differences;
    }

    /// <summary>True when <paramref name="golden"/> is contained in <paramref name="restored"/> (no history or ignored paths).</summary>
    public static bool Contains(JsonNode? golden, JsonNode? restored) => Compare(golden, restored, [], []).Count == 0;

    /// <param name="path">where in the document, with array indices (for the message)</param>
    /// <param name="rule">the same with <c>[]</c> for every index (matched against history and ignored paths)</param>
    private static void Walk(JsonNode? golden, JsonNode? restored, string path, string rule, IReadOnlyCollection<string> history, IReadOnlyCollection<string> ignore, List<string> differences)
    {
        var pattern = rule.Length == 0 ? "." : rule;
        var at = path.Length == 0 ? "." : path;
        if (ignore.Contains(pattern))
        {
            return;
        }

        if (history.Contains(pattern))
        {
            if (golden is not JsonArray g || restored is not JsonArray r)
            {
                differences.Add($"{at}: a history array was expected, golden {Show(golden)}, restored {Show(restored)}");
                return;
            }

            var unused = r.ToList();
            foreach (var element in g)
            {
                var match = unused.FindIndex(candidate => Contains(element, candidate));
                if (match < 0)
                {
                    // Say what differs from the closest restored element (the same event or datapoint, read back differently).
                    var closest = unused.Select(candidate => Compare(element, candidate, [], [])).MinBy(d => d.Count);
                    differences.Add(closest is null || closest.Count > 5
                        ? $"{at}: golden element missing from the restored history ({r.Count} elements): {Show(element)}"
                        : $"{at}: golden element {Identity(element)} differs from its closest restored element: {string.Join("; ", closest)}");
                }
                else
                {
                    unused.RemoveAt(match);
                }
            }

            return;
        }

        switch (golden)
        {
            case JsonObject g when restored is JsonObject r:
                foreach (var (key, value) in g)
                {
                    if (!r.TryGetPropertyValue(key, out var other))
                    {
                        differences.Add($"{path}.{key}: missing (golden {Show(value)})");
                    }
                    else
                    {
                        Walk(value, other, $"{path}.{key}", $"{rule}.{key}", history, ignore, differences);
                    }
                }

                break;
            case JsonArray g when restored is JsonArray r:
                if (g.Count != r.Count)
                {
                    differences.Add($"{at}: {r.Count} elements, golden {g.Count}");
                }

                for (var i = 0; i < Math.Min(g.Count, r.Count); i++)
                {
                    Walk(g[i], r[i], $"{path}[{i}]", rule + "[]", history, ignore, differences);
                }

                break;
            default:
                if (golden is JsonObject or JsonArray || restored is JsonObject or JsonArray || !JsonNode.DeepEquals(golden, restored))
                {
                    differences.Add($"{at}: golden {Show(golden)}, restored {Show(restored)}");
                }

                break;
        }
    }

    private static string Identity(JsonNode? element) =>
        element is JsonObject o && new[] { "id", "ActivityId", "Timestamp", "MetricName" }.FirstOrDefault(o.ContainsKey) is { } key
            ? $"{key} {Show(o[key])}"
            : Show(element);

    private static string Show(JsonNode? node)
    {
        var text = node?.ToJsonString() ?? "null";
        return text.Length <= 300 ? text : text[..300] + "...";
    }
}
