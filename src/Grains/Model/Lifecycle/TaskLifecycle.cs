using System.Collections.Immutable;
using Emulator.Contracts;
using TaskStatus = Emulator.Contracts.TaskStatus;

namespace Emulator.Model.Lifecycle;

/// <summary>
/// Task lifecycle transitions (B-TL-1, B-TL-2, B-TL-3, B-T-2). lastStatus only moves forward; every change
/// increments <c>version</c>. Transition times are the scheduled ones (not the moment a late timer noticed),
/// so timer lag never distorts the emulated history.
/// </summary>
public static class TaskLifecycle
{
    /// <summary>A new task: PROVISIONING, desired RUNNING, not placed (B-TL-1).</summary>
    public static TaskRecord New(
        string taskId, string cluster, string taskDefinitionArn, TaskRequirements needs, string group,
        string? startedBy, string? serviceName, string? deploymentId, string? capacityProvider, LaunchType launchType,
        bool isDaemon, int stopTimeoutSeconds, DateTimeOffset now) =>
        new(taskId, cluster, taskDefinitionArn, needs, group, startedBy, serviceName, deploymentId, capacityProvider,
            launchType, null, null, null, TaskStatus.PROVISIONING, DesiredStatus.RUNNING, 1, now, null, null, null, null, null,
            null, isDaemon, [], null, null, stopTimeoutSeconds, null);

    /// <summary>
    /// The task got an instance: awsvpc tasks stay PROVISIONING while the ENI attaches, others go PENDING at once
    /// and start pulling (B-T-2).
    /// </summary>
    public static TaskRecord Placed(TaskRecord t, ContainerInstanceRecord instance, ImmutableArray<int> hostPorts, EmulatorTimings timings, DateTimeOffset now, Random random)
    {
        var placed = t with
        {
            ContainerInstanceId = instance.ContainerInstanceId,
            Ec2InstanceId = instance.Ec2InstanceId,
            AvailabilityZone = instance.AvailabilityZone,
            HostPorts = hostPorts,
        };
        if (t.Needs.NetworkMode == NetworkMode.awsvpc)
        {
            return placed with { NextTransitionAt = now + timings.WithJitter(timings.EniAttach, random), Version = t.Version + 1 };
        }

        return placed with
        {
            LastStatus = TaskStatus.PENDING,
            PullStartedAt = now,
            NextTransitionAt = now + timings.WithJitter(timings.TaskStart, random),
            Version = t.Version + 1,
        };
    }

    /// <summary>Fargate: no instance; PROVISIONING until the Fargate start time has passed (B-T-2).</summary>
    public static TaskRecord FargateAccepted(TaskRecord t, string availabilityZone, EmulatorTimings timings, DateTimeOffset now, Random random) =>
        t with
        {
            AvailabilityZone = availabilityZone,
            NextTransitionAt = now + timings.WithJitter(timings.FargateStart, random),
        };

    /// <summary>Applies the transition that is due at or before <paramref name="now"/>, if any.</summary>
    public static TaskRecord Advance(TaskRecord t, EmulatorTimings timings, DateTimeOffset now, Random random)
    {
        if (t.NextTransitionAt is not { } due || due > now || t.LastStatus == TaskStatus.STOPPED)
        {
            return t;
        }

        if (t.DesiredStatus == DesiredStatus.RUNNING)
        {
            switch (t.LastStatus)
            {
                case TaskStatus.PROVISIONING when t.LaunchType == LaunchType.FARGATE:
                    return StartOrFail(t, due, timings);
                case TaskStatus.PROVISIONING when t.ContainerInstanceId is not null:
                    return t with
                    {
                        LastStatus = TaskStatus.PENDING,
                        PullStartedAt = due,
                        ConnectivityAt = due,
                        NextTransitionAt = due + timings.WithJitter(timings.TaskStart, random),
                        Version = t.Version + 1,
                    };
                case TaskStatus.PENDING:
                case TaskStatus.ACTIVATING:
                    return StartOrFail(t, due, timings);
                case TaskStatus.RUNNING when ExitsAt(t) is { } exit && exit <= now:
                    return Exited(t, exit, timings);
                default:
                    return t with { NextTransitionAt = null };
            }
        }

        return t.LastStatus switch
        {
            TaskStatus.DEACTIVATING => t with
            {
                LastStatus = TaskStatus.STOPPING,
                NextTransitionAt = due + ShutdownTime(t, timings),
                Version = t.Version + 1,
            },
            TaskStatus.STOPPING when t.Needs.NetworkMode == NetworkMode.awsvpc || t.LaunchType == LaunchType.FARGATE => t with
            {
                LastStatus = TaskStatus.DEPROVISIONING,
                NextTransitionAt = due + timings.Deprovisioning,
                Version = t.Version + 1,
            },
            TaskStatus.STOPPING or TaskStatus.DEPROVISIONING => Stopped(t, due, timings),
            _ => t with { NextTransitionAt = null },
        };
    }

    /// <summary>
    /// desiredStatus -> STOPPED (StopTask, scheduler, draining). Tasks not yet RUNNING stop at once (B-CI-3: PENDING
    /// tasks on a DRAINING instance stop at once); RUNNING ones get SIGTERM and exit after the app's shutdown time,
    /// capped by stopTimeout (B-T-2). A RUNNING target of a load balancer is deregistered first (B-LB-2): it sits in
    /// DEACTIVATING for <paramref name="deregistrationDelay"/>, then goes STOPPING.
    /// </summary>
    public static TaskRecord RequestStop(TaskRecord t, string stopCode, string reason, EmulatorTimings timings, DateTimeOffset now,
        TimeSpan? deregistrationDelay = null)
    {
        if (t.DesiredStatus == DesiredStatus.STOPPED || t.LastStatus == TaskStatus.STOPPED)
        {
            return t;
        }

        var stopping = t with
        {
            DesiredStatus = DesiredStatus.STOPPED,
            StopCode = stopCode,
            StoppedReason = reason,
            StoppingAt = now,
        };
        if (t.LastStatus < TaskStatus.RUNNING)
        {
            return Stopped(stopping, now, timings);
        }

        if (deregistrationDelay is { } delay && t.LastStatus == TaskStatus.RUNNING)
        {
            return stopping with
            {
                LastStatus = delay > TimeSpan.Zero ? TaskStatus.DEACTIVATING : TaskStatus.STOPPING,
                DeregisteredAt = now,
                NextTransitionAt = now + (delay > TimeSpan.Zero ? delay : ShutdownTime(t, timings)),
                Version = t.Version + 1,
            };
        }

        return stopping with
        {
            LastStatus = TaskStatus.STOPPING,
            NextTransitionAt = now + ShutdownTime(t, timings),
            Version = t.Version + 1,
        };
    }

    /// <summary>The host is gone: remaining tasks stop at once, without their stopTimeout grace (B-SP-3, B-CI-5).</summary>
    public static TaskRecord HostLost(TaskRecord t, string stopCode, string reason, EmulatorTimings timings, DateTimeOffset now)
    {
        if (t.LastStatus == TaskStatus.STOPPED)
        {
            return t;
        }

        var s = t.DesiredStatus == DesiredStatus.STOPPED && t.StopCode is not null
            ? t
            : t with { DesiredStatus = DesiredStatus.STOPPED, StopCode = stopCode, StoppedReason = reason, StoppingAt = now };
        return Stopped(s, now, timings);
    }

    /// <summary>STOPPED; the next transition is the deletion after the retention period (B-T-2).</summary>
    public static TaskRecord Stopped(TaskRecord t, DateTimeOffset at, EmulatorTimings timings) =>
        t with
        {
            LastStatus = TaskStatus.STOPPED,
            DesiredStatus = DesiredStatus.STOPPED,
            StoppedAt = at,
            StoppingAt = t.StoppingAt ?? at,
            NextTransitionAt = at + timings.StoppedRetention,
            Version = t.Version + 1,
        };

    /// <summary>True once the stopped task has outlived its retention and should disappear.</summary>
    public static bool ShouldBeDeleted(TaskRecord t, DateTimeOffset now) =>
        t.LastStatus == TaskStatus.STOPPED && t.NextTransitionAt is { } due && due <= now;

    /// <summary>B-PQ-3: a task waits in PROVISIONING at most the configured time.</summary>
    public static bool ProvisioningTimedOut(TaskRecord t, EmulatorTimings timings, DateTimeOffset now) =>
        t.IsQueued && t.CreatedAt + timings.ProvisioningTimeout <= now;

    /// <summary>
    /// B-TL-5: without a load balancer or health checks a task is healthy 40 s after RUNNING; with a container health
    /// check once it passes (and not once it reports UNHEALTHY, B-DP-8; <see cref="TaskHealth"/>).
    /// </summary>
    public static bool IsHealthy(TaskRecord t, EmulatorTimings timings, DateTimeOffset now) => TaskHealth.IsHealthy(t, timings, now);

    private static TimeSpan ShutdownTime(TaskRecord t, EmulatorTimings timings)
    {
        var cap = t.StopTimeoutSeconds > 0 ? TimeSpan.FromSeconds(t.StopTimeoutSeconds) : timings.StopTimeout;
        return timings.ContainerExit < cap ? timings.ContainerExit : cap;
    }

    /// <summary>
    /// B-DP-8: a task whose essential container exits (<c>emulator.exitAfter</c>, or the chaos exit fault injected at
    /// <paramref name="now"/> into a running task) is due to stop that long after it started (or after the injection).
    /// </summary>
    public static TaskRecord WithFaults(TaskRecord t, TaskFaults? faults, DateTimeOffset now)
    {
        var updated = t with { Faults = faults };
        if (t.LastStatus == TaskStatus.RUNNING && t.DesiredStatus == DesiredStatus.RUNNING && faults?.ExitAfter is { } after
            && (t.Faults?.ExitAfter != after || t.NextTransitionAt is null))
        {
            updated = updated with { NextTransitionAt = now + after };
        }

        return updated;
    }

    /// <summary>When the task's essential container exits (B-DP-8), or null: it runs on.</summary>
    private static DateTimeOffset? ExitsAt(TaskRecord t) =>
        t.Faults?.ExitAfter is not null && t.NextTransitionAt is { } at && (t.Faults.Until is null || at <= t.Faults.Until) ? at : null;

    /// <summary>The essential container exited: the task stops at once, without deregistration (its target dies, B-LB-3).</summary>
    private static TaskRecord Exited(TaskRecord t, DateTimeOffset at, EmulatorTimings timings) =>
        Stopped(t with
        {
            DesiredStatus = DesiredStatus.STOPPED,
            StopCode = StopReasons.EssentialContainerExited,
            StoppedReason = StopReasons.EssentialExited,
            StoppingAt = at,
        }, at, timings);

    private static TaskRecord StartOrFail(TaskRecord t, DateTimeOffset due, EmulatorTimings timings)
    {
        if ((t.FailureInjected ?? t.Faults?.PullFailure) is { } failure)
        {
            return Stopped(
                t with
                {
                    DesiredStatus = DesiredStatus.STOPPED,
                    StopCode = StopReasons.TaskFailedToStart,
                    StoppedReason = failure,
                    StoppingAt = due,
                },
                due,
                timings);
        }

        return t with
        {
            LastStatus = TaskStatus.RUNNING,
            StartedAt = due,
            ConnectivityAt = t.ConnectivityAt ?? due,
            PullStartedAt = t.PullStartedAt ?? due,
            NextTransitionAt = t.Faults?.ExitAfter is { } exitAfter ? due + exitAfter : null,
            Version = t.Version + 1,
        };
    }
}
