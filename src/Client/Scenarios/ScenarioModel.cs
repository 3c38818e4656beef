using System.Globalization;

namespace Emulator.Client.Scenarios;

public sealed class ScenarioException(string message) : Exception(message);

public sealed record ScenarioFile(string Name, IReadOnlyList<ScenarioStep> Steps);

/// <summary>One step: its kind (createCluster, waitFor, ...), its line in the file and its arguments.</summary>
public sealed record ScenarioStep(int Line, string Kind, IReadOnlyDictionary<string, object?> Args)
{
    public string Where => $"step '{Kind}' at line {Line}";

    public bool Has(string key) => Args.ContainsKey(key);

    public string Str(string key) => Opt(key) ?? throw new ScenarioException($"{Where}: '{key}' is required.");

    public string? Opt(string key) => Args.TryGetValue(key, out var v) && v is string s ? s : null;

    public int Int(string key, int? fallback = null)
    {
        if (Opt(key) is { } s)
        {
            return int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out var i) ? i : throw new ScenarioException($"{Where}: '{key}' must be an integer, not '{s}'.");
        }

        return fallback ?? throw new ScenarioException($"{Where}: '{key}' is required.");
    }

    public int? OptInt(string key) => Has(key) ? Int(key) : null;

    public double Double(string key, double? fallback = null)
    {
        if (Opt(key) is { } s)
        {
            return double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) ? d : throw new ScenarioException($"{Where}: '{key}' must be a number, not '{s}'.");
        }

        return fallback ?? throw new ScenarioException($"{Where}: '{key}' is required.");
    }

    public bool Bool(string key, bool fallback) => Opt(key) switch
    {
        null => fallback,
        "true" or "True" or "yes" => true,
        "false" or "False" or "no" => false,
        var s => throw new ScenarioException($"{Where}: '{key}' must be true or false, not '{s}'."),
    };

    public IReadOnlyList<string> Strings(string key) => Args.TryGetValue(key, out var v) switch
    {
        false => [],
        true when v is List<object?> list && list.All(x => x is string) => list.Cast<string>().ToList(),
        true when v is string s => [s],
        _ => throw new ScenarioException($"{Where}: '{key}' must be a list of names."),
    };

    public IReadOnlyList<ScenarioStep> Maps(string key) => Args.TryGetValue(key, out var v) switch
    {
        false => [],
        true when v is List<object?> list && list.All(x => x is Dictionary<string, object?>) =>
            list.Cast<Dictionary<string, object?>>().Select(m => new ScenarioStep(Line, $"{Kind}.{key}", m)).ToList(),
        _ => throw new ScenarioException($"{Where}: '{key}' must be a list of maps."),
    };

    /// <summary>A nested map argument (e.g. circuitBreaker) as a step of its own, for the same typed accessors.</summary>
    public ScenarioStep Map(string key) => Args.TryGetValue(key, out var v) && v is Dictionary<string, object?> m
        ? new ScenarioStep(Line, $"{Kind}.{key}", m)
        : throw new ScenarioException($"{Where}: '{key}' must be a map.");

    /// <summary>A map of names to strings (e.g. dockerLabels); empty when absent.</summary>
    public IReadOnlyDictionary<string, string> StringMap(string key) => Args.TryGetValue(key, out var v) switch
    {
        false => new Dictionary<string, string>(),
        true when v is Dictionary<string, object?> m && m.Values.All(x => x is string) => m.ToDictionary(kv => kv.Key, kv => (string)kv.Value!, StringComparer.Ordinal),
        _ => throw new ScenarioException($"{Where}: '{key}' must be a map of names to values."),
    };

    public TimeSpan Duration(string key, TimeSpan? fallback = null) =>
        Opt(key) is { } s ? ParseDuration(s, Where) : fallback ?? throw new ScenarioException($"{Where}: '{key}' is required.");

    /// <summary>"90s", "10m", "1h", "1h30m", or a bare number of seconds.</summary>
    public static TimeSpan ParseDuration(string s, string where)
    {
        var total = TimeSpan.Zero;
        var number = "";
        foreach (var c in s.Trim())
        {
            if (char.IsAsciiDigit(c) || c == '.')
            {
                number += c;
                continue;
            }

            if (number.Length == 0 || !double.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out var n))
            {
                throw new ScenarioException($"{where}: '{s}' is not a duration (use e.g. 90s, 10m, 1h).");
            }

            total += c switch
            {
                's' => TimeSpan.FromSeconds(n),
                'm' => TimeSpan.FromMinutes(n),
                'h' => TimeSpan.FromHours(n),
                _ => throw new ScenarioException($"{where}: '{s}' is not a duration (use e.g. 90s, 10m, 1h)."),
            };
            number = "";
        }

        if (number.Length > 0)
        {
            total += double.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds)
                ? TimeSpan.FromSeconds(seconds)
                : throw new ScenarioException($"{where}: '{s}' is not a duration.");
        }

        return total;
    }
}
