using System.Collections.Immutable;
using System.Text.Json;
using Emulator.Contracts;

namespace Emulator.Silo.Hosting;

/// <summary>
/// The JSON form of a traffic profile (B-LB-3) for <c>POST /emulator/traffic/{cluster}/{service}</c>:
/// <c>{"requestsPerSecond": 100}</c> for a constant rate, or
/// <c>{"steps": [{"offsetSeconds": 0, "requestsPerSecond": 100}, {"offsetSeconds": 600, "requestsPerSecond": 400}],
/// "requestDurationSeconds": 0.2, "perTaskCapacity": 100}</c>. Defaults: 0.2 s per request, 100 requests/s per task.
/// </summary>
public static class TrafficProfiles
{
    public static TrafficProfile Parse(JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw ErrorCodes.Invalid("The traffic profile must be a JSON object.");
        }

        var defaults = TrafficProfile.Constant(0);
        ImmutableArray<TrafficStep> steps;
        if (root.TryGetProperty("steps", out var list))
        {
            if (list.ValueKind != JsonValueKind.Array)
            {
                throw ErrorCodes.Invalid("'steps' must be an array.");
            }

            steps = list.EnumerateArray()
                .Select(s => new TrafficStep(TimeSpan.FromSeconds(Number(s, "offsetSeconds") ?? 0),
                    Number(s, "requestsPerSecond") ?? throw ErrorCodes.Invalid("Every step needs 'requestsPerSecond'.")))
                .OrderBy(s => s.Offset)
                .ToImmutableArray();
        }
        else
        {
            steps = [new TrafficStep(TimeSpan.Zero, Number(root, "requestsPerSecond") ?? throw ErrorCodes.Invalid("Give 'requestsPerSecond' or 'steps'."))];
        }

        var duration = Number(root, "requestDurationSeconds") is { } d ? TimeSpan.FromSeconds(d) : defaults.RequestDuration;
        return new TrafficProfile(steps, duration, Number(root, "perTaskCapacity") ?? defaults.PerTaskCapacity);
    }

    private static double? Number(JsonElement e, string name)
    {
        if (e.ValueKind != JsonValueKind.Object || !e.TryGetProperty(name, out var v) || v.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        return v.ValueKind == JsonValueKind.Number && v.TryGetDouble(out var d) ? d : throw ErrorCodes.Invalid($"'{name}' must be a number.");
    }
}
