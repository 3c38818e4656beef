using System.Collections.Immutable;
using System.Globalization;
using System.Text.Json.Nodes;
using Emulator.Contracts;

namespace Emulator.Model.Alarms;

/// <summary>DescribeAlarmHistory items and alarm action routing with CloudWatch's texts (B-CW-1).</summary>
public static class AlarmHistory
{
    /// <summary>How many history items an alarm keeps (Model choice: newest 100; AWS keeps two weeks).</summary>
    public const int Limit = 100;

    public static AlarmHistoryItem Created(string name, DateTimeOffset at, bool update) =>
        new(name, at, "ConfigurationUpdate", update ? $"Alarm \"{name}\" updated" : $"Alarm \"{name}\" created",
            new JsonObject { ["version"] = "1.0", ["type"] = update ? "Update" : "Create" }.ToJsonString());

    public static AlarmHistoryItem StateUpdate(string name, AlarmStateValue from, string fromReason, AlarmStateValue to, string toReason, string? reasonData, DateTimeOffset at)
    {
        var newState = new JsonObject { ["stateValue"] = to.ToString(), ["stateReason"] = toReason };
        if (reasonData is not null)
        {
            newState["stateReasonData"] = JsonNode.Parse(reasonData);
        }

        var data = new JsonObject
        {
            ["version"] = "1.0",
            ["oldState"] = new JsonObject { ["stateValue"] = from.ToString(), ["stateReason"] = fromReason },
            ["newState"] = newState,
        };
        return new AlarmHistoryItem(name, at, "StateUpdate", $"Alarm updated from {from} to {to}", data.ToJsonString());
    }

    public static AlarmHistoryItem Action(string name, string action, DateTimeOffset at, bool ok, string? why = null) =>
        new(name, at, "Action", ok ? $"Successfully executed action {action}" : $"Failed to execute action {action}. {why}",
            new JsonObject { ["actionState"] = ok ? "Succeeded" : "Failed", ["stateUpdateTimestamp"] = at.ToUnixTimeMilliseconds(), ["notificationResource"] = action }.ToJsonString());

    public static ImmutableList<T> Keep<T>(ImmutableList<T> items, T added, int limit = Limit)
    {
        var list = items.Add(added);
        return list.Count > limit ? list.RemoveRange(0, list.Count - limit) : list;
    }

    /// <summary>The actions of a state (AlarmActions, OKActions, InsufficientDataActions).</summary>
    public static ImmutableArray<string> ActionsFor(AlarmSpec spec, AlarmStateValue state) => state switch
    {
        AlarmStateValue.ALARM => spec.AlarmActions,
        AlarmStateValue.OK => spec.OkActions,
        _ => spec.InsufficientDataActions,
    };

    /// <summary>
    /// The cluster whose event log gets the alarm's "Alarm State Change" events: its ClusterName dimension (of the
    /// metric or any Metrics[] entry), else the cluster of an Application Auto Scaling policy it triggers (ECS service
    /// resource), else none (the transition is still in the alarm's history and in EnteredAlarmSince).
    /// </summary>
    public static string? Cluster(AlarmSpec spec)
    {
        var dims = (spec.Dimensions.IsDefault ? [] : spec.Dimensions)
            .Concat(spec.Metrics.IsDefault ? [] : spec.Metrics.Where(q => q.MetricStat is not null).SelectMany(q => q.MetricStat!.Dimensions));
        if (dims.FirstOrDefault(d => d.Name == "ClusterName") is { } cluster)
        {
            return cluster.Value;
        }

        foreach (var action in spec.AlarmActions.Concat(spec.OkActions).Concat(spec.InsufficientDataActions))
        {
            if (AppAutoScaling.ParsePolicyArn(action) is { } policy && AppAutoScaling.ParseResourceId(policy.ResourceId) is { } service)
            {
                return service.Cluster;
            }
        }

        return spec.ManagedBy is { } owner && AppAutoScaling.ParsePolicyArn(owner) is { } p && AppAutoScaling.ParseResourceId(p.ResourceId) is { } s ? s.Cluster : null;
    }

    public static string Arn(string region, string account, string name) => $"arn:aws:cloudwatch:{region}:{account}:alarm:{name}";

    /// <summary>The EventBridge detail of "CloudWatch Alarm State Change" (flattened into the emulator's event record).</summary>
    public static ImmutableDictionary<string, string> EventDetail(AlarmInfo alarm, AlarmStateValue from, string fromReason) =>
        ImmutableDictionary<string, string>.Empty
            .Add("alarmName", alarm.Spec.Name)
            .Add("state.value", alarm.State.ToString())
            .Add("state.reason", alarm.StateReason)
            .Add("state.timestamp", alarm.StateUpdatedAt.ToString("O", CultureInfo.InvariantCulture))
            .Add("previousState.value", from.ToString())
            .Add("previousState.reason", fromReason)
            .Add("configuration.description", alarm.Spec.Description ?? "");
}
