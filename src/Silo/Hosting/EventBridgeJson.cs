using System.Globalization;
using System.Text.Json.Nodes;
using Emulator.Contracts;
using Emulator.Silo.Aws;
using Emulator.Silo.Aws.Ecs;

namespace Emulator.Silo.Hosting;

/// <summary>Which events a reader wants (B-EV-3): detail types (any of), a resource ARN substring, a start time.</summary>
public sealed record EventFilter(IReadOnlyCollection<string> DetailTypes, string? Resource, DateTimeOffset? Since)
{
    public bool Matches(EmulatorEvent e) =>
        (DetailTypes.Count == 0 || DetailTypes.Contains(e.DetailType))
        && (Resource is null || e.Resources.Any(r => r.Contains(Resource, StringComparison.Ordinal)))
        && (Since is null || e.Time >= Since);

    /// <summary>From query parameters detailType (repeatable), resource and since (ISO 8601, emulated time); null + error on bad input.</summary>
    public static (EventFilter? Filter, string? Error) Parse(IQueryCollection query)
    {
        DateTimeOffset? since = null;
        if (query["since"].FirstOrDefault() is { Length: > 0 } s)
        {
            if (!DateTimeOffset.TryParse(s, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var at))
            {
                return (null, $"since '{s}' is not an ISO 8601 time (e.g. 2026-01-01T00:05:00Z).");
            }

            since = at;
        }

        var types = query["detailType"].Where(t => !string.IsNullOrEmpty(t)).Select(t => t!).ToHashSet(StringComparer.Ordinal);
        var resource = query["resource"].FirstOrDefault() is { Length: > 0 } r ? r : null;
        return (new EventFilter(types, resource, since), null);
    }
}

/// <summary>
/// B-EV-1: an emulator event as Amazon EventBridge delivers it: version "0", id, detail-type, source, account,
/// time (ISO 8601, emulated), region, resources, detail. Task and container instance events carry the ECS API's
/// Task / ContainerInstance shape as their detail. Known gap: timestamps inside those details stay epoch seconds
/// (the API's form) where EventBridge prints ISO strings.
/// </summary>
public static class EventBridgeJson
{
    public static async Task<JsonObject> Render(EmulatorEvent e, AwsContext context)
    {
        JsonNode detail;
        if (e.Task is { } task)
        {
            detail = await EcsTaskOperations.Shape(task, context);
        }
        else if (e.Instance is { } instance)
        {
            detail = EcsContainerInstanceOperations.Shape(instance, context);
        }
        else
        {
            var o = new JsonObject();
            foreach (var (k, v) in e.Detail.OrderBy(d => d.Key, StringComparer.Ordinal))
            {
                o[k] = v;
            }

            detail = o;
        }

        var resources = new JsonArray();
        foreach (var r in e.Resources)
        {
            resources.Add(r);
        }

        return new JsonObject
        {
            ["version"] = "0",
            ["id"] = e.Id,
            ["detail-type"] = e.DetailType,
            ["source"] = e.Source,
            ["account"] = context.Account,
            ["time"] = e.Time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
            ["region"] = context.Region,
            ["resources"] = resources,
            ["detail"] = detail,
        };
    }
}
