using System.Collections.Immutable;
using Emulator.Contracts;
using Emulator.Model.Deployments;
using Emulator.Model.Scheduling;
using Emulator.Model.Time;

namespace Emulator.Grains;

/// <summary>
/// A service's deployments (B-DP-1..5): every deployment is also a service deployment rolling a service revision out;
/// the circuit breaker folds the deployment's tasks in on every reconciliation and fails it at the threshold; a failure
/// rolls back to the last completed revision when asked to (the deployment that last ran it becomes PRIMARY again);
/// StopServiceDeployment rolls back or stops on request. The arithmetic and texts are <see cref="CircuitBreaker"/> and
/// <see cref="ServiceDeployments"/>; this grain applies them, writes AWS's events and keeps 90 days of history.
/// </summary>
public sealed partial class ServiceGrain
{
    private bool _dirty;

    /// <summary>What failed a deployment: its circuit breaker (B-DP-2), an alarm (B-DP-3), or a StopServiceDeployment (B-DP-5).</summary>
    private enum FailureTrigger
    {
        CircuitBreaker = 0,
        Alarm = 1,
        User = 2,
    }

    public Task<ImmutableArray<ServiceDeploymentView>> ListServiceDeployments()
    {
        EnsureExists();
        Prune(Now);
        return Task.FromResult(S.ServiceDeployments.Select(View).ToImmutableArray());
    }

    public Task<ImmutableArray<ServiceDeploymentView>> GetServiceDeployments(ImmutableArray<string> ids)
    {
        if (!S.Exists)
        {
            return Task.FromResult(ImmutableArray<ServiceDeploymentView>.Empty);
        }

        var wanted = ids.ToHashSet(StringComparer.Ordinal);
        return Task.FromResult(S.ServiceDeployments.Where(d => wanted.Contains(d.Id)).Select(View).ToImmutableArray());
    }

    public Task<ImmutableArray<ServiceRevisionRecord>> GetServiceRevisions(ImmutableArray<string> ids)
    {
        if (!S.Exists)
        {
            return Task.FromResult(ImmutableArray<ServiceRevisionRecord>.Empty);
        }

        var wanted = ids.ToHashSet(StringComparer.Ordinal);
        return Task.FromResult(S.Revisions.Where(r => wanted.Contains(r.Id)).ToImmutableArray());
    }

    public async Task<ServiceDeploymentView> StopServiceDeployment(string id, string stopType)
    {
        var arn = S.Exists ? DeploymentArns.ServiceDeployment(_rt.Region, _rt.Account, ClusterName, Name, id) : id;
        var sd = S.Exists ? S.ServiceDeployments.FirstOrDefault(d => d.Id == id) : null;
        if (sd is null)
        {
            throw new EcsException(ErrorCodes.ServiceDeploymentNotFound, $"The service deployment {arn} was not found.");
        }

        if (stopType is not ("ROLLBACK" or "ABORT"))
        {
            throw ErrorCodes.Invalid($"Invalid stopType '{stopType}': valid values are ROLLBACK, ABORT.");
        }

        var forward = S.Deployments.FirstOrDefault(d => d.ServiceDeploymentId == sd.Id && d.Status == PrimaryStatus && d.Rollout == DeploymentRolloutState.IN_PROGRESS);
        if (sd.Status != ServiceDeploymentStatuses.InProgress || forward is null || S.Status != ServiceStatus.ACTIVE)
        {
            throw new EcsException(ErrorCodes.Conflict, $"The service deployment {arn} is {sd.Status} and can no longer be stopped: only a service deployment IN_PROGRESS can be.");
        }

        if (stopType == "ROLLBACK" && ServiceDeployments.RollbackTarget(S.ServiceDeployments, sd.Id) is null)
        {
            throw ErrorCodes.Invalid($"The service deployment {arn} cannot be rolled back: the service has no completed service deployment to roll back to.");
        }

        // B-DP-5: ROLLBACK works without a configured rollback; ABORT stops where it is.
        var now = Now;
        ReplaceServiceDeployment(sd.Id, d => d with
        {
            Status = stopType == "ROLLBACK" ? ServiceDeploymentStatuses.RollbackRequested : ServiceDeploymentStatuses.StopRequested,
            UpdatedAt = now,
        });
        await FailDeployment(forward, ServiceDeployments.StoppedByUserReason(stopType), stopType == "ROLLBACK", FailureTrigger.User, now);
        await _store.WriteStateAsync();
        await Reconcile();
        return View(S.ServiceDeployments.First(d => d.Id == sd.Id));
    }

    /// <summary>
    /// B-DP-1, B-DP-5: a new PRIMARY deployment of the spec's configuration, as a new revision and a new service deployment
    /// from the revisions that have tasks now; a service deployment still under way is superseded (STOPPED).
    /// </summary>
    private void StartDeployment(ServiceSpec spec, DateTimeOffset now)
    {
        var options = spec.EffectiveOptions;
        var revision = new ServiceRevisionRecord(
            RandomIds.RevisionId(_random), now, spec.TaskDefinition.Arn, spec.LaunchType,
            spec.CapacityProviderStrategy.IsDefault ? [] : spec.CapacityProviderStrategy,
            spec.LoadBalancers.IsDefault ? [] : spec.LoadBalancers, options.Network,
            spec.TaskDefinition.Spec.Containers.Select(c => new ContainerImageRef(c.Name, c.Image)).ToImmutableArray(), options.PlatformVersion);
        var deployment = new DeploymentState(
            RandomIds.DeploymentId(_random), spec.TaskDefinition, PrimaryStatus, DeploymentRolloutState.IN_PROGRESS, "", now, now, 0, spec.LaunchType,
            spec.CapacityProviderStrategy.IsDefault ? [] : spec.CapacityProviderStrategy, revision.Id, RandomIds.ServiceDeploymentId(_random), CircuitBreakerState.Empty);
        deployment = deployment with { Reason = ServiceDeployments.InProgressReason(deployment.Id) };

        foreach (var running in S.ServiceDeployments.Where(d => ServiceDeploymentStatuses.IsActive(d.Status)).ToList())
        {
            ReplaceServiceDeployment(running.Id, d => d with
            {
                Status = ServiceDeploymentStatuses.Stopped,
                StatusReason = ServiceDeployments.SupersededReason(deployment.ServiceDeploymentId!),
                StoppedAt = now,
                UpdatedAt = now,
                CircuitBreakerStatus = d.CircuitBreakerStatus == MonitorStatuses.Monitoring ? MonitorStatuses.MonitoringComplete : d.CircuitBreakerStatus,
                AlarmsStatus = d.AlarmsStatus == MonitorStatuses.Monitoring ? MonitorStatuses.MonitoringComplete : d.AlarmsStatus,
            });
        }

        var previous = S.Deployments.FirstOrDefault(d => d.Status == PrimaryStatus);
        var cb = options.CircuitBreaker;
        var sources = S.Deployments.Select(d => d.RevisionId).OfType<string>().Distinct(StringComparer.Ordinal).ToImmutableArray();
        var sd = new ServiceDeploymentRecord(
            deployment.ServiceDeploymentId!, now, now, null, null, now, sources, revision.Id, ServiceDeploymentStatuses.InProgress, null,
            [deployment.Id], spec.MinimumHealthyPercent, spec.MaximumPercent, cb, options.Alarms,
            cb.Enable ? MonitorStatuses.Monitoring : MonitorStatuses.Disabled, 0,
            cb.Enable ? CircuitBreaker.Threshold(cb.EffectiveThreshold, spec.DesiredCount) : 0,
            options.Alarms is { Enable: true } ? MonitorStatuses.Monitoring : MonitorStatuses.Disabled, [], null, null, options.BakeTimeInMinutes);

        S.Revisions = S.Revisions.Add(revision);
        S.ServiceDeployments = S.ServiceDeployments.Insert(0, sd);
        S.Deployments = S.Deployments
            .Select(d => d.Status == PrimaryStatus ? d with { Status = ActiveStatus, UpdatedAt = now } : d)
            .Prepend(deployment)
            .ToImmutableList();
        S.Steady = false;
        S.Rebalancing = false;
        Prune(now);
        StartShift(spec, deployment, sd.Id, previous, now); // B-DP-6
        DeploymentEvent("SERVICE_DEPLOYMENT_IN_PROGRESS", deployment.Id, deployment.Reason, now);
    }

    /// <summary>
    /// B-DP-2: folds the deployments' tasks into their circuit breakers; the PRIMARY deployment fails at the threshold
    /// (and rolls back when the breaker says so). Returns true when a deployment failed (the list changed).
    /// </summary>
    private async Task<bool> MonitorDeployments(ServiceTasksSnapshot snapshot, DateTimeOffset now)
    {
        var changed = false;
        var cb = Spec.EffectiveOptions.CircuitBreaker;
        foreach (var d in S.Deployments.Where(d => d.Rollout == DeploymentRolloutState.IN_PROGRESS).ToList())
        {
            var before = d.Breaker ?? CircuitBreakerState.Empty;
            var after = CircuitBreaker.Observe(before, snapshot.Tasks.Where(t => t.DeploymentId == d.Id), now);
            var updated = d;
            if (after.Counted.Count != before.Counted.Count || after.LastHealthyAt != before.LastHealthyAt || after.Stage2 != before.Stage2)
            {
                updated = d with { Breaker = after, FailedTasks = after.Counted.Count, UpdatedAt = after.Counted.Count != before.Counted.Count ? now : d.UpdatedAt };
                S.Deployments = S.Deployments.Replace(d, updated);
                _dirty = true;
            }

            if (updated.Status != PrimaryStatus || updated.ServiceDeploymentId is not { } sdId)
            {
                continue;
            }

            // The service deployment shows its forward deployment's breaker (a rollback keeps the figures that triggered it).
            var verdict = CircuitBreaker.Evaluate(after, cb, Spec.DesiredCount);
            if (cb.Enable && S.ServiceDeployments.FirstOrDefault(x => x.Id == sdId) is { Rollback: null } sd
                && (sd.FailureCount != verdict.FailureCount || sd.Threshold != verdict.Threshold))
            {
                ReplaceServiceDeployment(sdId, x => x with { FailureCount = verdict.FailureCount, Threshold = verdict.Threshold, UpdatedAt = now });
            }

            if (verdict.Tripped && !(S.Shift is { Result: BlueGreenResult.InProgress, Stage: LifecycleStage.CLEAN_UP } late && late.GreenDeploymentId == updated.Id))
            {
                await FailDeployment(updated, CircuitBreaker.FailureReason(verdict.Stage), cb.Rollback, FailureTrigger.CircuitBreaker, now);
                changed = true;
            }
        }

        changed |= await MonitorAlarms(now);
        return changed;
    }

    /// <summary>
    /// B-DP-2, B-DP-3, B-DP-5: the deployment failed. Without a rollback (or without a completed revision to go back to)
    /// it stays PRIMARY, FAILED, and launches nothing more; its service deployment is STOPPED. With one, the deployment
    /// that last ran the last completed revision becomes PRIMARY again (IN_PROGRESS; a new one when it is gone), the
    /// failed one ACTIVE, and the service deployment ROLLBACK_IN_PROGRESS. A rollback that fails ends ROLLBACK_FAILED.
    /// </summary>
    private async Task FailDeployment(DeploymentState d, string reason, bool rollback, FailureTrigger trigger, DateTimeOffset now)
    {
        // B-DP-6: a traffic shift that fails before CLEAN_UP always rolls back, first of all by flipping the traffic to blue.
        if (S.Shift is { Result: BlueGreenResult.InProgress or BlueGreenResult.RollingBack } shift && shift.GreenDeploymentId == d.Id)
        {
            await FlipBack(d, reason);
            rollback = true;
        }

        var failed = d with { Rollout = DeploymentRolloutState.FAILED, Reason = reason, UpdatedAt = now };
        AddEvent(ServiceEvents.DeploymentFailed(Name, d.Id, reason), now);
        DeploymentEvent("SERVICE_DEPLOYMENT_FAILED", d.Id, reason, now);
        S.Steady = false;
        _dirty = true;
        var sd = S.ServiceDeployments.FirstOrDefault(x => x.Id == d.ServiceDeploymentId);
        ServiceDeploymentRecord Triggered(ServiceDeploymentRecord x) => trigger switch
        {
            FailureTrigger.CircuitBreaker => x with { CircuitBreakerStatus = MonitorStatuses.Triggered },
            FailureTrigger.Alarm => x with { AlarmsStatus = MonitorStatuses.Triggered },
            _ => x with
            {
                CircuitBreakerStatus = x.CircuitBreakerStatus == MonitorStatuses.Monitoring ? MonitorStatuses.MonitoringComplete : x.CircuitBreakerStatus,
                AlarmsStatus = x.AlarmsStatus == MonitorStatuses.Monitoring ? MonitorStatuses.MonitoringComplete : x.AlarmsStatus,
            },
        };

        if (sd is null)
        {
            S.Deployments = S.Deployments.Replace(d, failed);
            return;
        }

        if (sd.Rollback is not null && sd.DeploymentIds.Length > 1 && sd.DeploymentIds[^1] == d.Id)
        {
            // The rollback itself failed: there is nothing left to go back to.
            S.Deployments = S.Deployments.Replace(d, failed);
            ReplaceServiceDeployment(sd.Id, x => Triggered(x) with { Status = ServiceDeploymentStatuses.RollbackFailed, StatusReason = reason, FinishedAt = now, UpdatedAt = now });
            return;
        }

        var target = rollback ? ServiceDeployments.RollbackTarget(S.ServiceDeployments, sd.Id) : null;
        if (target is null)
        {
            S.Deployments = S.Deployments.Replace(d, failed);
            ReplaceServiceDeployment(sd.Id, x => Triggered(x) with { Status = ServiceDeploymentStatuses.Stopped, StatusReason = reason, StoppedAt = now, UpdatedAt = now });
            return;
        }

        var old = S.Deployments.FirstOrDefault(x => x.Id != d.Id && x.RevisionId == target);
        var lastId = old?.Id ?? S.ServiceDeployments.Where(x => x.TargetRevisionId == target || x.Rollback?.RevisionId == target)
            .Select(x => x.DeploymentIds.IsDefaultOrEmpty ? null : x.DeploymentIds[^1]).FirstOrDefault(x => x is not null);
        DeploymentState back;
        if (old is not null)
        {
            back = old with { Status = PrimaryStatus, Rollout = DeploymentRolloutState.IN_PROGRESS, UpdatedAt = now, Breaker = CircuitBreakerState.Empty, ServiceDeploymentId = sd.Id, RollsBack = d.Id };
        }
        else
        {
            var revision = S.Revisions.First(r => r.Id == target);
            var td = await TaskDefinitionOf(revision.TaskDefinitionArn);
            back = new DeploymentState(RandomIds.DeploymentId(_random), td, PrimaryStatus, DeploymentRolloutState.IN_PROGRESS, "", now, now, 0, revision.LaunchType,
                revision.CapacityProviderStrategy.IsDefault ? [] : revision.CapacityProviderStrategy, target, sd.Id, CircuitBreakerState.Empty, d.Id);
        }

        var toId = lastId ?? back.Id;
        back = back with
        {
            Reason = trigger switch
            {
                FailureTrigger.Alarm => ServiceDeployments.AlarmRollingBackReason(toId),
                FailureTrigger.User => ServiceDeployments.UserRollingBackReason(toId),
                _ => ServiceDeployments.RollingBackReason(toId),
            },
        };
        var list = S.Deployments.Replace(d, failed with { Status = ActiveStatus });
        if (old is not null)
        {
            list = list.Remove(old);
        }

        S.Deployments = list.Insert(0, back);

        // DescribeServices shows the configuration rolled back to.
        S.Spec = Spec with
        {
            TaskDefinition = back.TaskDefinition,
            CapacityProviderStrategy = Spec.LaunchType is null && !back.Strategy.IsDefaultOrEmpty ? back.Strategy : Spec.CapacityProviderStrategy,
        };
        ReplaceServiceDeployment(sd.Id, x => Triggered(x) with
        {
            Status = ServiceDeploymentStatuses.RollbackInProgress,
            StatusReason = reason,
            Rollback = new ServiceDeploymentRollback(reason, now, target),
            DeploymentIds = x.DeploymentIds.Add(back.Id),
            UpdatedAt = now,
        });
        AddEvent(ServiceEvents.RollingBack(Name, back.Id, back.Reason), now);
        DeploymentEvent("SERVICE_DEPLOYMENT_IN_PROGRESS", back.Id, back.Reason, now);
    }

    /// <summary>B-DP-1, B-DP-4, B-DP-5: the PRIMARY deployment reached a steady state: COMPLETED, its service deployment SUCCESSFUL (or ROLLBACK_SUCCESSFUL).</summary>
    private void CompleteDeployment(DeploymentState d, DateTimeOffset now)
    {
        var reason = ServiceDeployments.CompletedReason(d.Id);
        S.Deployments = S.Deployments.Replace(d, d with { Rollout = DeploymentRolloutState.COMPLETED, Reason = reason, UpdatedAt = now });
        AddEvent(ServiceEvents.DeploymentCompleted(Name, d.Id), now);
        DeploymentEvent("SERVICE_DEPLOYMENT_COMPLETED", d.Id, reason, now);
        if (d.ServiceDeploymentId is { } sdId)
        {
            ReplaceServiceDeployment(sdId, x => x with
            {
                Status = ServiceDeployments.OnCompleted(x),
                FinishedAt = now,
                UpdatedAt = now,
                CircuitBreakerStatus = x.CircuitBreakerStatus == MonitorStatuses.Monitoring ? MonitorStatuses.MonitoringComplete : x.CircuitBreakerStatus,
                AlarmsStatus = x.AlarmsStatus == MonitorStatuses.Monitoring ? MonitorStatuses.MonitoringComplete : x.AlarmsStatus,
                LifecycleStage = null,
            });
        }

        _dirty = true;
    }

    private void ReplaceServiceDeployment(string id, Func<ServiceDeploymentRecord, ServiceDeploymentRecord> change)
    {
        var current = S.ServiceDeployments.FirstOrDefault(d => d.Id == id);
        if (current is not null)
        {
            S.ServiceDeployments = S.ServiceDeployments.Replace(current, change(current));
            _dirty = true;
        }
    }

    /// <summary>B-DP-5: history is kept 90 emulated days after it finishes; revisions only it named go with it.</summary>
    private void Prune(DateTimeOffset now)
    {
        var kept = ServiceDeployments.Prune(S.ServiceDeployments, now);
        if (kept.Count != S.ServiceDeployments.Count)
        {
            S.ServiceDeployments = kept;
            S.Revisions = ServiceDeployments.PruneRevisions(S.Revisions, kept, S.Deployments.Select(d => d.RevisionId));
            _dirty = true;
        }
    }

    private async Task<TaskDefinitionRecord> TaskDefinitionOf(string arn) =>
        S.Deployments.FirstOrDefault(d => d.TaskDefinition.Arn == arn)?.TaskDefinition
        ?? await GrainFactory.GetGrain<ITaskDefinitionRegistryGrain>(GrainKeys.TaskDefinitions).Get(arn)
        ?? throw new EcsException(ErrorCodes.ServerException, $"The task definition {arn} of the revision to roll back to is gone.");

    /// <summary>Tasks of one revision (over the deployments that run it): requested, running, pending.</summary>
    private ServiceRevisionSummary Summary(string revisionId)
    {
        var running = 0;
        var pending = 0;
        foreach (var d in S.Deployments.Where(d => d.RevisionId == revisionId))
        {
            var c = _byDeployment.GetValueOrDefault(d.Id);
            running += c.Running;
            pending += c.Pending;
        }

        var requested = S.Status == ServiceStatus.ACTIVE && S.Deployments.FirstOrDefault(d => d.Status == PrimaryStatus)?.RevisionId == revisionId
            ? Spec.DesiredCount
            : 0;
        var (production, test) = Weights(revisionId);
        return new ServiceRevisionSummary(revisionId, requested, running, pending, production, test);
    }

    /// <summary>Service.currentServiceRevisions: the revisions the service's deployments run now.</summary>
    private ImmutableArray<ServiceRevisionSummary> CurrentRevisions() =>
        S.Deployments.Select(d => d.RevisionId).OfType<string>().Distinct(StringComparer.Ordinal).Select(Summary).ToImmutableArray();

    private ServiceDeploymentView View(ServiceDeploymentRecord d) =>
        new(ClusterName, Name, d, Summary(d.TargetRevisionId), (d.SourceRevisionIds.IsDefault ? [] : d.SourceRevisionIds).Select(Summary).ToImmutableArray(), ShiftView(d));

    private void EnsureExists()
    {
        if (!S.Exists)
        {
            throw Errors.ServiceNotFound();
        }
    }
}
