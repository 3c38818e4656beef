using System.Collections.Immutable;
using Emulator.Contracts;
using Emulator.Model.Deployments;
using Microsoft.Extensions.Logging;

namespace Emulator.Grains;

/// <summary>
/// B-DP-3: alarm-based failure detection (<c>deploymentConfiguration.alarms {alarmNames, enable, rollback}</c>) over the
/// emulator's one CloudWatch alarm implementation (<see cref="ICloudWatchAlarmsGrain"/>): while a forward deployment
/// with enabled alarms is IN_PROGRESS, including its bake time, the service subscribes to the named alarms (a transition
/// wakes it at once) and reads which of them entered ALARM since the deployment started (<see
/// cref="ICloudWatchAlarmsGrain.EnteredAlarmSince"/>: on a transition, at least every <see cref="AlarmPollPeriod"/> as
/// a backstop for the at-most-once delivery, and before the bake time ends). An alarm that entered ALARM fails the
/// deployment ("ECS deployment alarms: ..."), rolls back when the configuration asks, and is listed in the service
/// deployment's triggeredAlarmNames. Bake time: once the tasks are steady the deployment stays IN_PROGRESS for
/// <see cref="DeploymentAlarms.BakeTime"/> (so scale-in stays suspended, B-AS-5) and only then completes.
/// A rollback deployment is not watched (the alarm that failed the forward one may still be in ALARM).
/// </summary>
public sealed partial class ServiceGrain : IAlarmSubscriber
{
    /// <summary>Backstop poll of the alarms' history while a deployment is watched (emulated time).</summary>
    private static readonly TimeSpan AlarmPollPeriod = TimeSpan.FromMinutes(1);

    private bool _alarmSignal = true;
    private DateTimeOffset _alarmsReadAt = DateTimeOffset.MinValue;
    private (string ServiceDeploymentId, ImmutableArray<string> Names)? _subscribed;

    private ICloudWatchAlarmsGrain Alarms => GrainFactory.GetGrain<ICloudWatchAlarmsGrain>(0);

    /// <summary>An alarm the service watches changed state: a transition into ALARM wakes the service at once.</summary>
    public Task OnAlarmTransition(AlarmTransition transition)
    {
        ArgumentNullException.ThrowIfNull(transition);
        if (transition.To != AlarmStateValue.ALARM || !S.Exists || S.Status != ServiceStatus.ACTIVE || AlarmWatched() is null)
        {
            return Task.CompletedTask;
        }

        _alarmSignal = true;
        return Poke();
    }

    /// <summary>The PRIMARY forward deployment whose alarms are monitored now, with its service deployment (null: none).</summary>
    private (DeploymentState Deployment, ServiceDeploymentRecord ServiceDeployment, ImmutableArray<string> Names)? AlarmWatched()
    {
        var d = S.Deployments.FirstOrDefault(x => x.Status == PrimaryStatus);
        if (d is not { Rollout: DeploymentRolloutState.IN_PROGRESS, RollsBack: null, ServiceDeploymentId: { } sdId })
        {
            return null;
        }

        var sd = S.ServiceDeployments.FirstOrDefault(x => x.Id == sdId);
        return sd is { AlarmsStatus: MonitorStatuses.Monitoring, Rollback: null } && DeploymentAlarms.Watches(sd.Alarms)
            ? (d, sd, sd.Alarms!.AlarmNames.Distinct(StringComparer.Ordinal).ToImmutableArray())
            : null;
    }

    /// <summary>
    /// B-DP-3: reads the watched alarms when a transition arrived, the backstop period passed or <paramref name="force"/>;
    /// fails the deployment (rolling back when asked) when one of them entered ALARM since it started. True when it failed.
    /// </summary>
    private async Task<bool> MonitorAlarms(DateTimeOffset now, bool force = false)
    {
        var watched = AlarmWatched();
        await FollowAlarms(watched);
        if (watched is not { } w)
        {
            return false;
        }

        var (d, sd, names) = w;

        if (!force && !_alarmSignal && now - _alarmsReadAt < AlarmPollPeriod)
        {
            return false;
        }

        _alarmSignal = false;
        _alarmsReadAt = now;
        var entered = await Alarms.EnteredAlarmSince(names, d.CreatedAt);
        var triggered = DeploymentAlarms.Triggered(entered.Select(e => new AlarmEntered(e.AlarmName, e.At)), names, d.CreatedAt, null);
        if (triggered.IsEmpty)
        {
            return false;
        }

        ReplaceServiceDeployment(sd.Id, x => x with { TriggeredAlarms = triggered, UpdatedAt = now });
        await FailDeployment(d, ServiceDeployments.AlarmFailureReason(triggered), sd.Alarms!.Rollback, FailureTrigger.Alarm, now);
        await FollowAlarms(AlarmWatched());
        return true;
    }

    /// <summary>Subscribes to the watched deployment's alarms, and unsubscribes once it is no longer watched.</summary>
    private async Task FollowAlarms((DeploymentState Deployment, ServiceDeploymentRecord ServiceDeployment, ImmutableArray<string> Names)? watched)
    {
        if (_subscribed is { } current && current.ServiceDeploymentId != watched?.ServiceDeployment.Id)
        {
            _subscribed = null;
            await Alarms.Unsubscribe(current.Names, this.AsReference<IAlarmSubscriber>());
        }

        if (watched is { } w && _subscribed is null)
        {
            await Alarms.Subscribe(w.Names, this.AsReference<IAlarmSubscriber>());
            _subscribed = (w.ServiceDeployment.Id, w.Names);
            _alarmSignal = true; // a transition before the subscription is found by the first read
        }
    }

    /// <summary>
    /// B-DP-3 bake time: the tasks of the PRIMARY deployment are steady; true when it may complete now. A watched
    /// deployment starts its bake time (<see cref="DeploymentAlarms.BakeTime"/> over its alarms' Period x
    /// EvaluationPeriods, or bakeTimeInMinutes) and completes when it is over and a last read of the alarms finds none.
    /// </summary>
    private async Task<bool> BakeOver(DateTimeOffset now)
    {
        if (AlarmWatched() is not { } w)
        {
            return true;
        }

        var (d, sd, names) = w;

        if (d.BakeUntil is not { } until)
        {
            var described = await Alarms.Describe(new AlarmQuery(names, null, null, null));
            var bake = DeploymentAlarms.BakeTime(described.Select(a => (a.Spec.EvaluationPeriodSeconds, a.Spec.EvaluationPeriods)), sd.BakeTimeInMinutes);
            until = now + bake;
            S.Deployments = S.Deployments.Replace(d, d with { BakeUntil = until });
            _dirty = true;
            LogBaking(ClusterName, Name, d.Id, bake.TotalSeconds);
        }

        if (now < until)
        {
            return false;
        }

        return !await MonitorAlarms(now, force: true);
    }

    /// <summary>The PRIMARY deployment's tasks are no longer steady: its bake time starts again once they are.</summary>
    private void BakeInterrupted()
    {
        if (S.Deployments.FirstOrDefault(x => x.Status == PrimaryStatus) is { Rollout: DeploymentRolloutState.IN_PROGRESS, BakeUntil: not null } d)
        {
            S.Deployments = S.Deployments.Replace(d, d with { BakeUntil = null });
            _dirty = true;
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "{Cluster}/{Service}: deployment {DeploymentId} steady, alarms watched for a bake time of {Seconds} s (B-DP-3)")]
    private partial void LogBaking(string cluster, string service, string deploymentId, double seconds);
}
