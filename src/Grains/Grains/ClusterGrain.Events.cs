using System.Collections.Immutable;
using Emulator.Contracts;
using Emulator.Model.Cluster;
using Emulator.Model.Time;

namespace Emulator.Grains;

/// <summary>
/// What follows a change of the record book: the task's "ECS Task State Change" event (B-TL-2, B-EV-2), the timer
/// armed for its next transition (B-T-3), the services told, the PROVISIONING queue reconsidered when capacity
/// appeared (B-PQ-2). And the cluster's ordered event log (B-EV-3).
/// </summary>
public sealed partial class ClusterGrain
{
    private readonly List<EmulatorEvent> _events = [];

    public Task AppendEvents(ImmutableArray<EmulatorEvent> events)
    {
        foreach (var e in events)
        {
            AddEvent(e);
        }

        return Task.CompletedTask;
    }

    public Task<EventPage> ReadEvents(long afterSequence, DateTimeOffset? since, int max)
    {
        var page = _events
            .Where(e => e.Sequence > afterSequence && (since is null || e.Time >= since))
            .Take(Math.Clamp(max, 1, 10_000))
            .ToImmutableArray();
        // An empty page answers the latest sequence (never past it), so a reader can start "from now".
        return Task.FromResult(new EventPage(page, page.IsEmpty ? Math.Clamp(afterSequence, 0, S.EventSequence) : page[^1].Sequence));
    }

    private void TaskEvent(TaskRecord t) =>
        AddEvent(new EmulatorEvent(0, RandomIds.Uuid(_random), EventTypes.TaskStateChange, EventTypes.SourceEcs, Now,
            [Arns.Task(_rt.Region, _rt.Account, Name, t.TaskId)], ImmutableDictionary<string, string>.Empty, t, null));

    private void InstanceEvent(ContainerInstanceRecord i) =>
        AddEvent(new EmulatorEvent(0, RandomIds.Uuid(_random), EventTypes.ContainerInstanceStateChange, EventTypes.SourceEcs, Now,
            [Arns.ContainerInstance(_rt.Region, _rt.Account, Name, i.ContainerInstanceId)], ImmutableDictionary<string, string>.Empty, null, i));

    /// <summary>B-EV-3: events are numbered in arrival order per cluster; the oldest are dropped past the capacity.</summary>
    private void AddEvent(EmulatorEvent e)
    {
        _events.Add(e with { Sequence = ++S.EventSequence });
        var capacity = _rt.Options.EventLogCapacity;
        if (_events.Count > capacity + capacity / 4)
        {
            _events.RemoveRange(0, _events.Count - capacity);
        }
    }

    /// <summary>The record book's observer: every task change, in the order the book makes them.</summary>
    private sealed class Notices(ClusterGrain grain) : IClusterBookObserver
    {
        public void TaskAdded(TaskRecord task)
        {
            grain.ForgetSettledTargets(task.ServiceName);
            if (task.NextTransitionAt is { } due)
            {
                grain._timer?.ArmNoLaterThan(due); // B-T-3: handled when due, not at the next tick
            }

            grain.TaskEvent(task);
            grain._dirty = true;
        }

        public void TaskReplaced(TaskRecord before, TaskRecord after)
        {
            grain.ForgetSettledTargets(after.ServiceName);
            if (after.NextTransitionAt is { } due && due != before.NextTransitionAt)
            {
                grain._timer?.ArmNoLaterThan(due);
            }

            if (after.Version != before.Version)
            {
                grain.TaskEvent(after);
            }

            if (ClusterRules.FreesCapacity(before, after))
            {
                grain._capacityChanged = true; // B-PQ-2: a task stopped, capacity appeared
            }

            if (ClusterRules.ServiceToTell(before, after) is { } service)
            {
                grain._servicesToPoke.Add(service);
            }

            grain._dirty = true;
        }

        public void TaskRemoved(TaskRecord task)
        {
            grain.ForgetSettledTargets(task.ServiceName);
            grain._dirty = true;
        }
    }
}
