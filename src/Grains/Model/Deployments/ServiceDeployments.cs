using System.Collections.Immutable;
using Emulator.Contracts;

namespace Emulator.Model.Deployments;

/// <summary>
/// The rules of a service's deployment history (B-DP-1, B-DP-2, B-DP-4, B-DP-5): which revision a rollback goes back
/// to, what each outcome does to the service deployment's status, the texts AWS writes, and how long history is kept.
/// </summary>
public static class ServiceDeployments
{
    /// <summary>B-DP-5: service deployments (and the revisions only they name) are kept this long after they finish.</summary>
    public static readonly TimeSpan Retention = TimeSpan.FromDays(90);

    /// <summary>
    /// B-DP-2: the revision of the last deployment that completed, which a rollback makes PRIMARY again: the newest
    /// service deployment other than <paramref name="failingId"/> that ended SUCCESSFUL (its target) or
    /// ROLLBACK_SUCCESSFUL (the revision it rolled back to). Null when none completed (the first deployment failed).
    /// </summary>
    public static string? RollbackTarget(IEnumerable<ServiceDeploymentRecord> history, string failingId)
    {
        ArgumentNullException.ThrowIfNull(history);
        return history
            .Where(d => d.Id != failingId && d.FinishedAt is not null
                        && d.Status is ServiceDeploymentStatuses.Successful or ServiceDeploymentStatuses.RollbackSuccessful)
            .OrderByDescending(d => d.FinishedAt)
            .ThenByDescending(d => d.CreatedAt)
            .Select(d => d.Status == ServiceDeploymentStatuses.RollbackSuccessful && d.Rollback is { } r ? r.RevisionId : d.TargetRevisionId)
            .FirstOrDefault();
    }

    /// <summary>The status a service deployment takes when its forward deployment fails (with or without a rollback target).</summary>
    public static string OnFailure(bool rollback, bool hasTarget) =>
        rollback && hasTarget ? ServiceDeploymentStatuses.RollbackInProgress : ServiceDeploymentStatuses.Stopped;

    /// <summary>The status a service deployment takes when the deployment carrying it completes.</summary>
    public static string OnCompleted(ServiceDeploymentRecord d) =>
        d.Status is ServiceDeploymentStatuses.RollbackInProgress or ServiceDeploymentStatuses.RollbackRequested
            ? ServiceDeploymentStatuses.RollbackSuccessful
            : ServiceDeploymentStatuses.Successful;

    /// <summary>History older than the retention (finished more than 90 days ago) is dropped; what is active never is.</summary>
    public static ImmutableList<ServiceDeploymentRecord> Prune(ImmutableList<ServiceDeploymentRecord> history, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(history);
        return history.RemoveAll(d => !ServiceDeploymentStatuses.IsActive(d.Status) && (d.FinishedAt ?? d.StoppedAt ?? d.UpdatedAt) + Retention < now);
    }

    /// <summary>Revisions still worth keeping: named by a kept service deployment or by a live deployment.</summary>
    public static ImmutableList<ServiceRevisionRecord> PruneRevisions(ImmutableList<ServiceRevisionRecord> revisions, IEnumerable<ServiceDeploymentRecord> kept, IEnumerable<string?> live)
    {
        ArgumentNullException.ThrowIfNull(revisions);
        var named = new HashSet<string>(StringComparer.Ordinal);
        foreach (var d in kept)
        {
            named.Add(d.TargetRevisionId);
            named.UnionWith(d.SourceRevisionIds.IsDefault ? [] : d.SourceRevisionIds);
            if (d.Rollback is { } r)
            {
                named.Add(r.RevisionId);
            }
        }

        named.UnionWith(live.OfType<string>());
        return revisions.RemoveAll(r => !named.Contains(r.Id));
    }

    public static string InProgressReason(string deploymentId) => $"ECS deployment {deploymentId} in progress.";

    public static string CompletedReason(string deploymentId) => $"ECS deployment {deploymentId} completed.";

    public static string RollingBackReason(string toDeploymentId) => $"ECS deployment circuit breaker: rolling back to deploymentId {toDeploymentId}.";

    /// <summary>B-DP-3 (Model choice for the wording): the rolloutStateReason of a deployment an alarm failed.</summary>
    public static string AlarmFailureReason(IEnumerable<string> alarms) =>
        $"ECS deployment alarms: alarm(s) {string.Join(", ", alarms)} in ALARM state.";

    public static string AlarmRollingBackReason(string toDeploymentId) => $"ECS deployment alarms: rolling back to deploymentId {toDeploymentId}.";

    /// <summary>StopServiceDeployment ROLLBACK (Model choice for the wording).</summary>
    public static string UserRollingBackReason(string toDeploymentId) => $"Service deployment rollback requested: rolling back to deploymentId {toDeploymentId}.";

    /// <summary>StopServiceDeployment (Model choice for the wording).</summary>
    public static string StoppedByUserReason(string stopType) => stopType == "ROLLBACK"
        ? "Service deployment rolled back by user request (StopServiceDeployment)."
        : "Service deployment stopped by user request (StopServiceDeployment).";

    public static string SupersededReason(string newId) => $"Service deployment stopped: a newer service deployment ({newId}) started.";

    /// <summary>
    /// B-DP-1: what starts a new deployment on UpdateService: a new task definition, a changed capacity provider
    /// strategy, load balancers or network configuration, or forceNewDeployment. A change of desired count, placement or
    /// deployment configuration alone does not (nor does availabilityZoneRebalancing, B-AZ-1).
    /// </summary>
    public static bool StartsDeployment(bool newTaskDefinition, bool strategyGiven, bool newLoadBalancers, bool newNetwork, bool force) =>
        newTaskDefinition || strategyGiven || newLoadBalancers || newNetwork || force;
}
