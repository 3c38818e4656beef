using System.Collections.Immutable;
using System.Text.Json;
using Emulator.Contracts;

namespace Emulator.Silo.Hosting;

/// <summary>
/// The JSON form of a traffic profile (B-LB-3) for <c>POST /emulator/traffic/{cluster}/{service}</c>:
/// <c>{"requestsPerSecond": 100}</c> for a constant rate, or
/// <c>{"steps": [{"offsetSeconds": 0, "requestsPerSecond": 100}, {"offsetSeconds": 600, "requestsPerSecond": 400}],
/// "requestDurationSeconds": 0.2, "perTaskCapacity": 100}</c>, plus <c>"shapes": [{"kind": "ramp" | "sine" | "spike",
/// "offsetSeconds": 0, "durationSeconds": 600, "requestsPerSecond": 300, "periodSeconds": 86400}]</c> added on top of the
/// steps, and the memory model <c>"memoryBaselinePercent": 25, "memoryPerLoadPercent": 50</c>. Defaults: 0.2 s per
/// request, 100 requests/s per task.
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

        ImmutableArray<TrafficShape> shapes = [];
        if (root.TryGetProperty("shapes", out var shapeList))
        {
            if (shapeList.ValueKind != JsonValueKind.Array)
            {
                throw ErrorCodes.Invalid("'shapes' must be an array.");
            }

            shapes = [.. shapeList.EnumerateArray().Select(s => new TrafficShape(
                (s.ValueKind == JsonValueKind.Object && s.TryGetProperty("kind", out var k) ? k.GetString() : null) switch
                {
                    "ramp" => TrafficShapeKind.Ramp,
                    "sine" => TrafficShapeKind.Sine,
                    "spike" => TrafficShapeKind.Spike,
                    _ => throw ErrorCodes.Invalid("Every shape needs a 'kind': ramp, sine or spike."),
                },
                TimeSpan.FromSeconds(Number(s, "offsetSeconds") ?? 0), TimeSpan.FromSeconds(Number(s, "durationSeconds") ?? 0),
                Number(s, "requestsPerSecond") ?? throw ErrorCodes.Invalid("Every shape needs 'requestsPerSecond'."),
                TimeSpan.FromSeconds(Number(s, "periodSeconds") ?? 86400)))];
        }

        var duration = Number(root, "requestDurationSeconds") is { } d ? TimeSpan.FromSeconds(d) : defaults.RequestDuration;
        return new TrafficProfile(steps, duration, Number(root, "perTaskCapacity") ?? defaults.PerTaskCapacity, shapes,
            Number(root, "memoryBaselinePercent") ?? defaults.MemoryBaselinePercent, Number(root, "memoryPerLoadPercent") ?? defaults.MemoryPerLoadPercent);
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
