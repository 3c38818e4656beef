using System.Collections.Immutable;
using Emulator.Contracts;
using Emulator.Model.Scheduling;
using Emulator.Model.Time;
using TaskStatus = Emulator.Contracts.TaskStatus;

namespace Emulator.Grains;

/// <summary>The service's events (B-EV-*, B-DP-4): its event list, "ECS Service Action" and "ECS Deployment State Change" events, sent to the cluster once per turn.</summary>
public sealed partial class ServiceGrain
{
    private void PlacementEvent(string message, DateTimeOffset now)
    {
        // AWS repeats a placement failure event, but not on every reconcile (B-PL-5).
        if (message != _lastPlacementEvent || now - _lastPlacementEventAt >= _rt.Options.Timings.PlacementFailureEventRepeat)
        {
            AddEvent(message, now);
            _lastPlacementEvent = message;
            _lastPlacementEventAt = now;
            ServiceAction("SERVICE_TASK_PLACEMENT_FAILURE", now);
        }
    }

    private void StoppedEvents(ImmutableArray<TaskRecord> stopped, DateTimeOffset now)
    {
        if (stopped.IsEmpty)
        {
            return;
        }

        // B-LB-2: targets are deregistered first; their connections drain for the deregistration delay.
        var draining = stopped.Count(t => t.LastStatus == TaskStatus.DEACTIVATING);
        if (draining > 0)
        {
            AddEvent(ServiceEvents.DrainingConnections(Name, draining), now);
        }

        AddEvent(ServiceEvents.StoppedTasks(Name, stopped.Select(t => t.TaskId).Take(10).ToList()), now);
    }

    private void AddEvent(string message, DateTimeOffset now)
    {
        S.Events = S.Events.Insert(0, new ServiceEventRecord(RandomIds.Uuid(_random), now, message));
        if (S.Events.Count > EventLimit)
        {
            S.Events = S.Events.RemoveRange(EventLimit, S.Events.Count - EventLimit);
        }

        LogServiceEvent(ClusterName, Name, message);
    }

    private void ServiceAction(string eventName, DateTimeOffset now, string eventType = "INFO", ImmutableDictionary<string, string>? extra = null) =>
        _eventsToSend.Add(new EmulatorEvent(0, RandomIds.Uuid(_random), EventTypes.ServiceAction, EventTypes.SourceEcs, now,
            [Arn], (extra ?? ImmutableDictionary<string, string>.Empty).SetItem("eventType", eventType).SetItem("eventName", eventName)
                .SetItem("clusterArn", Arns.Cluster(_rt.Region, _rt.Account, ClusterName)), null, null));

    /// <summary>B-DP-4: "ECS Deployment State Change" with the deployment id, the instant and the reason.</summary>
    private void DeploymentEvent(string eventName, string deploymentId, string reason, DateTimeOffset now) =>
        _eventsToSend.Add(new EmulatorEvent(0, RandomIds.Uuid(_random), EventTypes.DeploymentStateChange, EventTypes.SourceEcs, now,
            [Arn], ImmutableDictionary<string, string>.Empty.Add("eventType", eventName.EndsWith("FAILED", StringComparison.Ordinal) ? "ERROR" : "INFO")
                .Add("eventName", eventName).Add("deploymentId", deploymentId).Add("updatedAt", now.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", System.Globalization.CultureInfo.InvariantCulture))
                .Add("reason", reason), null, null));

    /// <summary>B-EV-3: the events of one turn go to the cluster's log in one message, so they keep their order.</summary>
    private void FlushEvents()
    {
        if (_eventsToSend.Count > 0)
        {
            Cluster.AppendEvents([.. _eventsToSend]).Ignore();
            _eventsToSend.Clear();
        }
    }

    private string Arn => Arns.Service(_rt.Region, _rt.Account, ClusterName, Name);
}
