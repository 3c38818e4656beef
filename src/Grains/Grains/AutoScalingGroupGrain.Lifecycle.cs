using System.Collections.Immutable;
using Emulator.Contracts;
using Emulator.Model.Lifecycle;
using Emulator.Model.Scaling;
using Emulator.Model.Time;
using Emulator.Runtime;

namespace Emulator.Grains;

/// <summary>
/// The group's tick and the application of the lifecycle model's steps (B-ASG-1..6, B-CAS-8): each part gathers the
/// model's inputs (the cluster's answers, the Spot market's conditions), calls the pure model, stores what it returns
/// and applies its steps in order. No rule is decided here.
/// </summary>
public sealed partial class AutoScalingGroupGrain
{
    private async Task Tick(CancellationToken cancellationToken)
    {
        _timer?.Fired();
        var now = Now;
        try
        {
            await TickCore(now, cancellationToken);
        }
        finally
        {
            // B-T-3: the next wake is the next point of the tick grid, or sooner when a stage is due.
            var end = Now;
            var period = _rt.Options.Timings.AutoScalingGroupTick;
            if (end >= _nextTickAt)
            {
                _nextTickAt = TickSchedule.NextTick(_nextTickAt, end, period);
            }

            _timer?.Arm(TickSchedule.NextWake(_nextTickAt, InstanceGroup.EarliestDue(S.Instances.Values, S.Interruptions.Values, _rt.Options.Timings, now)));
        }
    }

    private async Task TickCore(DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (!S.Exists)
        {
            return;
        }

        var changed = false;
        if (!_reconciledWithCluster)
        {
            _reconciledWithCluster = true;
            changed |= await ReconcileWithCluster();
        }

        changed |= await AdvanceInstances(now);
        changed |= await ApplyInterruptionRates(now);
        changed |= await ProcessInterruptions(now);
        changed |= await FinishDraining(now);
        changed |= await ReachDesiredCapacity(now);
        changed |= DropExpired(now);
        if (changed)
        {
            await _store.WriteStateAsync(cancellationToken);
        }

        Publish();
    }

    /// <summary>After a reactivation: bring the group and its cluster back to what the other persisted (<see cref="InstanceGroup.ReconcileWithCluster"/>).</summary>
    private async Task<bool> ReconcileWithCluster()
    {
        ImmutableArray<ContainerInstanceRecord> registered;
        try
        {
            registered = await Cluster.GetInstances();
        }
        catch (EcsException)
        {
            return false;
        }

        var plan = InstanceGroup.ReconcileWithCluster(S.Instances, Name, registered);
        foreach (var id in plan.RegisterAgain)
        {
            LogReconciled(Name, id, "registers again: its container instance is missing from the cluster");
            S.Instances[id] = InstanceLifecycle.AgentLost(S.Instances[id]);
        }

        foreach (var id in plan.TerminateInCluster)
        {
            LogReconciled(Name, id, "terminated in the cluster: the group no longer runs it");
            await Cluster.InstanceTerminated(id);
        }

        return !plan.RegisterAgain.IsEmpty;
    }

    /// <summary>B-ASG-1, B-T-2: every instance's due stages (InService, the agent's registration).</summary>
    private async Task<bool> AdvanceInstances(DateTimeOffset now)
    {
        var changed = false;
        foreach (var i in S.Instances.Values.ToList())
        {
            var transition = InstanceLifecycle.Advance(i, Name, _rt.Options.Timings, now);
            if (transition.Instance == i && transition.Steps.IsEmpty)
            {
                continue;
            }

            Store(transition.Instance);
            await Apply(transition.Steps, now);
            changed |= S.Instances[i.InstanceId] != i; // not when only a refused registration was tried
        }

        return changed;
    }

    /// <summary>B-CAS-8: Terminating:Wait instances terminate once no service task remains on them, or at the hook timeout.</summary>
    private async Task<bool> FinishDraining(DateTimeOffset now)
    {
        var waiting = InstanceGroup.Waiting(S.Instances.Values);
        if (waiting.IsEmpty)
        {
            return false;
        }

        var left = await Cluster.CountServiceTasks(waiting);
        await Apply(InstanceGroup.FinishDraining(waiting.Select(id => S.Instances[id]), left, S.LastDesiredCause, _rt.Options.Timings, now), now);
        return true;
    }

    /// <summary>Launch or take out instances toward the desired capacity (B-ASG-1..4, <see cref="InstanceGroup.PlanCapacity"/>).</summary>
    private async Task<bool> ReachDesiredCapacity(DateTimeOffset now)
    {
        var steps = InstanceGroup.PlanCapacity(S.Instances.Values, S.Interruptions, S.Desired, S.LastDesiredCause, _launchRetryAt, now, _random);
        await Apply(steps, now);
        return !steps.IsEmpty;
    }

    /// <summary>Terminated instances past their retention leave the state; their cost stays in the group's total (B-IT-5).</summary>
    private bool DropExpired(DateTimeOffset now)
    {
        var expired = InstanceGroup.Expired(S.Instances.Values, _rt.Options.Timings, now);
        foreach (var old in expired)
        {
            S.DroppedInstancesCost += TaskCosts.Instance(old.PricePerHour, old.LaunchedAt, old.TerminatedAt, now);
            S.Instances.Remove(old.InstanceId);
        }

        return !expired.IsEmpty;
    }

    /// <summary>
    /// Launches up to <paramref name="count"/> instances over one reading of the Spot market (B-ASG-2, B-ASG-3); the
    /// first that finds no capacity ends the batch. Returns the last launched instance's id, or null.
    /// </summary>
    private async Task<string?> LaunchBatch(int count, string cause, DateTimeOffset now)
    {
        var conditions = await Market.GetLaunchConditions(Name, Spec.InstanceTypes, Spec.AvailabilityZones);
        var pools = conditions.Pools;
        string? last = null;
        for (var n = 0; n < count; n++)
        {
            (last, pools) = await Launch(conditions, pools, cause, now);
            if (last is null)
            {
                break;
            }
        }

        return last;
    }

    /// <summary>
    /// One launch: the model chooses (<see cref="InstanceLaunches.Choose"/>); a Spot choice takes a unit of its pool
    /// from the shared market, and a pool another group emptied first is dropped and the choice made again. Returns
    /// the new instance id (null after recording the failed activity) and the pools as they are now.
    /// </summary>
    private async Task<(string? Id, ImmutableArray<SpotPoolInfo> Pools)> Launch(
        LaunchConditions conditions, ImmutableArray<SpotPoolInfo> pools, string cause, DateTimeOffset now)
    {
        var live = InstanceGroup.Live(S.Instances.Values, S.Interruptions).Select(InstanceLifecycle.View).ToList();
        var activityId = RandomIds.Uuid(_random);
        LaunchChoice? choice;
        while ((choice = InstanceLaunches.Choose(Spec, conditions, pools, live)) is { IsSpot: true }
               && !await Market.Acquire(choice.InstanceType, choice.AvailabilityZone))
        {
            if (InstanceLaunches.PoolTaken(pools, choice) is not { } left)
            {
                choice = null;
                break;
            }

            pools = left;
        }

        if (choice is null)
        {
            var failure = InstanceLaunches.Failure(Spec, conditions, Name, cause, _rt.Options.Timings, now);
            S.Activities = InstanceActivities.Add(S.Activities, failure.Activity.Named(activityId, Name));
            Emit(failure.Event);
            _launchRetryAt = failure.RetryAt;
            return (null, pools);
        }

        var id = RandomIds.Ec2InstanceId(_random);
        var price = InstanceLaunches.Price(choice, pools, _rt.Catalog.Get(choice.InstanceType).OnDemandPricePerHour, _rt.Options.SpotPriceFraction);
        var instance = InstanceLifecycle.Launched(id, choice, price, Spec.NewInstancesProtectedFromScaleIn, Spec.LaunchTemplateVersion, _rt.Options.Timings, now, _random);
        Store(instance);
        S.Activities = InstanceActivities.Add(S.Activities, InstanceActivities.Launch(id, cause, now, instance.InServiceAt!.Value).Named(activityId, Name));
        LogLaunched(Name, id, choice.InstanceType, choice.AvailabilityZone, choice.IsSpot);
        return (id, InstanceLaunches.Consumed(pools, choice));
    }

    /// <summary>B-ASG-4, B-ASG-5, B-CAS-8: <see cref="InstanceLifecycle.BeginTermination"/>, applied.</summary>
    private async Task<ScalingActivity?> BeginTermination(AsgInstance instance, string cause)
    {
        var now = Now;
        var transition = InstanceLifecycle.BeginTermination(instance, S.ManagedDraining, Name, cause, now);
        Store(transition.Instance);
        return await Apply(transition.Steps, now);
    }

    /// <summary>B-SP-3, B-CAS-8: <see cref="InstanceLifecycle.Terminate"/> at <paramref name="at"/>, applied.</summary>
    private async Task<ScalingActivity?> Terminate(AsgInstance instance, string cause, DateTimeOffset at)
    {
        var transition = InstanceLifecycle.Terminate(instance, Name, cause, at);
        Store(transition.Instance);
        var activity = await Apply(transition.Steps, Now);
        if (InstanceLifecycle.IsPresent(instance) && !InstanceLifecycle.IsPresent(transition.Instance))
        {
            LogTerminated(Name, instance.InstanceId);
        }

        return activity;
    }

    /// <summary>Stores an instance's new record; a terminated instance's Spot interruption is over (B-SP-3).</summary>
    private void Store(AsgInstance instance)
    {
        S.Instances[instance.InstanceId] = instance;
        if (!InstanceLifecycle.IsPresent(instance))
        {
            S.Interruptions.Remove(instance.InstanceId);
        }
    }

    /// <summary>
    /// Applies the model's steps in order (<see cref="InstanceStep"/>): calls to the cluster and the Spot market,
    /// events, activities, lag, and the composite steps through the model again. Returns the last activity recorded.
    /// </summary>
    private async Task<ScalingActivity?> Apply(ImmutableArray<InstanceStep> steps, DateTimeOffset now)
    {
        ScalingActivity? activity = null;
        foreach (var step in steps)
        {
            switch (step)
            {
                case RegisterWithCluster r:
                    try
                    {
                        var i = r.Instance;
                        await Cluster.RegisterInstance(new InstanceRegistration(i.InstanceId, i.InstanceType, i.AvailabilityZone, Name, i.IsSpot,
                            Spec.SpotDraining, ImmutableDictionary<string, string>.Empty));
                        Store(InstanceLifecycle.AgentRegistered(S.Instances[i.InstanceId]));
                    }
                    catch (EcsException)
                    {
                        // The agent keeps retrying, like the real one does, until its cluster exists.
                    }

                    break;
                case DrainContainerInstance d:
                    await Cluster.DrainEc2Instance(d.InstanceId);
                    break;
                case DeregisterFromCluster d:
                    await Cluster.InstanceTerminated(d.InstanceId);
                    break;
                case ReleaseSpotCapacity r:
                    await Market.Release(r.InstanceType, r.AvailabilityZone);
                    break;
                case EmitInstanceEvent e:
                    Emit(e);
                    break;
                case RecordActivity r:
                    activity = r.Activity.Named(RandomIds.Uuid(_random), Name);
                    S.Activities = InstanceActivities.Add(S.Activities, activity);
                    break;
                case CompleteTerminationActivity c:
                    (S.Activities, activity) = InstanceActivities.CompleteTermination(S.Activities, Name, c.InstanceId, c.Cause, c.At, () => RandomIds.Uuid(_random));
                    break;
                case ObserveLag l:
                    _rt.Metrics.RecordLag(TimerLag.Of(l.ScheduledAt, now),
                        l.Source == LagSource.SpotInterruption ? LagSources.SpotInterruption : LagSources.InstanceLifecycle);
                    break;
                case LaunchInstances l:
                    await LaunchBatch(l.Count, l.Cause, now);
                    break;
                case LaunchReplacement l:
                    var replacement = await LaunchBatch(1, l.Cause, now);
                    if (S.Interruptions.TryGetValue(l.AtRiskInstanceId, out var plan))
                    {
                        S.Interruptions[l.AtRiskInstanceId] = SpotInterruptions.ReplacementLaunched(plan, replacement);
                    }

                    break;
                case BeginTermination b when S.Instances.TryGetValue(b.InstanceId, out var i):
                    activity = await BeginTermination(i, b.Cause) ?? activity;
                    break;
                case TerminateInstance t when S.Instances.TryGetValue(t.InstanceId, out var i):
                    activity = await Terminate(i, t.Cause, t.At) ?? activity;
                    break;
                case BeginTermination _:
                case TerminateInstance _:
                    break; // dropped meanwhile (retention): nothing left to terminate
                default:
                    throw new InvalidOperationException($"Unknown instance step {step.GetType().Name}.");
            }
        }

        return activity;
    }

    /// <summary>B-EV-2: an event of the model to the cluster's event log; aws.ec2 events name the instance, Auto Scaling ones the group.</summary>
    private void Emit(EmitInstanceEvent e)
    {
        if (!S.Exists || S.Spec is null)
        {
            return;
        }

        var resource = e.Source == EventTypes.SourceEc2 ? $"arn:aws:ec2:{_rt.Region}:{_rt.Account}:instance/{e.InstanceId}" : Arn;
        Cluster.AppendEvents([new EmulatorEvent(0, RandomIds.Uuid(_random), e.DetailType, e.Source, e.At, [resource], e.Detail, null, null)]).Ignore();
    }
}
