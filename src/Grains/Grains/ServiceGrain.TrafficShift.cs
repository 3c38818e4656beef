using System.Collections.Immutable;
using System.Globalization;
using Emulator.Contracts;
using Emulator.Model.Deployments;
using Emulator.Model.Lifecycle;
using Emulator.Model.LoadBalancing;
using Emulator.Model.Scheduling;

namespace Emulator.Grains;

/// <summary>
/// B-DP-6 / B-DP-7: where a BLUE_GREEN, LINEAR or CANARY service deployment stands (the <see cref="BlueGreenProgress"/>
/// of the model, plus what the grain needs to apply it): the two deployments, the settings it started with, the target
/// groups (blue serves the source revision, green the target) and listener rules, the user's answers to the current
/// phase's PAUSE hooks, the hooks' details, and the weights last applied to the rules.
/// </summary>
[GenerateSerializer, Immutable, Alias("TrafficShiftRun")]
public sealed record TrafficShiftRun(
    [property: Id(0)] string ServiceDeploymentId,
    [property: Id(1)] string GreenDeploymentId,
    [property: Id(2)] string? BlueDeploymentId,
    [property: Id(3)] string Strategy,
    [property: Id(4)] TrafficShiftSettings? Settings,
    [property: Id(5)] int? BakeTimeInMinutes,
    [property: Id(6)] string BlueGroupArn,
    [property: Id(7)] string GreenGroupArn,
    [property: Id(8)] string? ProductionRule,
    [property: Id(9)] string? TestRule,
    [property: Id(10)] LifecycleStage Stage,
    [property: Id(11)] DateTimeOffset StageStart,
    [property: Id(12)] int Step,
    [property: Id(13)] ShiftPhase ShiftPhase,
    [property: Id(14)] DateTimeOffset PhaseStart,
    [property: Id(15)] int Phase,
    [property: Id(16)] double ProductionGreenPercent,
    [property: Id(17)] bool TestOnGreen,
    [property: Id(18)] int GreenDesired,
    [property: Id(19)] int BlueDesired,
    [property: Id(20)] BlueGreenResult Result,
    [property: Id(21)] string? Reason,
    [property: Id(22)] ImmutableDictionary<int, HookAction> Answers,
    [property: Id(23)] ImmutableArray<LifecycleHookDetail> Hooks,
    [property: Id(24)] DateTimeOffset? WakeAt,
    [property: Id(25)] double? AppliedProduction,
    [property: Id(26)] bool? AppliedTest,
    [property: Id(27)] string? SourceRevisionId)
{
    public BlueGreenProgress Progress => new(Stage, StageStart, Step, ShiftPhase, PhaseStart, Phase, ProductionGreenPercent, TestOnGreen, GreenDesired, BlueDesired, Result, Reason);

    public TrafficShiftRun With(BlueGreenProgress p) => this with
    {
        Stage = p.Stage,
        StageStart = p.StageStart,
        Step = p.Step,
        ShiftPhase = p.ShiftPhase,
        PhaseStart = p.PhaseStart,
        Phase = p.Phase,
        ProductionGreenPercent = p.ProductionGreenPercent,
        TestOnGreen = p.TestOnGreen,
        GreenDesired = p.GreenDesired,
        BlueDesired = p.BlueDesired,
        Result = p.Result,
        Reason = p.Reason,
        Answers = p.Phase == Phase ? Answers : ImmutableDictionary<int, HookAction>.Empty,
    };
}

/// <summary>
/// B-DP-6 / B-DP-7: BLUE_GREEN, LINEAR and CANARY deployments. The stage machine is <see cref="BlueGreenLifecycle"/>
/// (pure); this grain gives it the facts (green and blue task counts, the user's answers to PAUSE hooks, the configured
/// Lambda outcomes), scales the two deployments to what it asks, moves the listener rules' weights, and swaps the
/// target groups at the end. The first deployment of a service has nothing to shift from: it launches as a rolling one.
/// </summary>
public sealed partial class ServiceGrain
{
    private static bool ShiftsTraffic(ServiceSpec spec) =>
        spec.EffectiveOptions.Strategy is "BLUE_GREEN" or "LINEAR" or "CANARY"
        && spec.LoadBalancers is { IsDefaultOrEmpty: false } lbs && lbs[0].Advanced is not null;

    /// <summary>The target group the service's tasks register with now: the production one, or the alternate after a swap.</summary>
    private string? ActiveGroupArn(ServiceSpec spec)
    {
        if (spec.LoadBalancers.IsDefaultOrEmpty)
        {
            return null;
        }

        var lb = spec.LoadBalancers[0];
        return S.ActiveTargetGroupArn is { } active && (active == lb.TargetGroupArn || active == lb.Advanced?.AlternateTargetGroupArn)
            ? active
            : lb.TargetGroupArn;
    }

    /// <summary>The run of a traffic shift the PRIMARY deployment carries out (null: a rolling deployment).</summary>
    private TrafficShiftRun? ActiveShift(DeploymentState primary) =>
        S.Shift is { Result: BlueGreenResult.InProgress } run && run.GreenDeploymentId == primary.Id && primary.Rollout == DeploymentRolloutState.IN_PROGRESS
            ? run
            : null;

    /// <summary>B-DP-6: a new deployment of a traffic-shifting service starts a shift from the deployment that serves now.</summary>
    private void StartShift(ServiceSpec spec, DeploymentState green, string serviceDeploymentId, DeploymentState? previous, DateTimeOffset now)
    {
        var superseded = S.Shift is { Result: BlueGreenResult.InProgress } old ? old : null;
        if (superseded is not null)
        {
            S.Shift = superseded with { Result = BlueGreenResult.RolledBack, Reason = $"superseded by service deployment {serviceDeploymentId}" };
        }

        var blueId = superseded?.BlueDeploymentId ?? previous?.Id;
        if (!ShiftsTraffic(spec) || blueId is null)
        {
            return;
        }

        var lb = spec.LoadBalancers[0];
        var adv = lb.Advanced!;
        var blueGroup = ActiveGroupArn(spec)!;
        var greenGroup = blueGroup == lb.TargetGroupArn ? adv.AlternateTargetGroupArn : lb.TargetGroupArn;
        var options = spec.EffectiveOptions;
        var start = BlueGreenProgress.Start(now, spec.DesiredCount);
        S.Shift = new TrafficShiftRun(
            serviceDeploymentId, green.Id, blueId, options.Strategy!, options.TrafficShift, options.BakeTimeInMinutes, blueGroup, greenGroup,
            adv.ProductionListenerRule, adv.TestListenerRule, start.Stage, start.StageStart, start.Step, start.ShiftPhase, start.PhaseStart, start.Phase,
            0, false, 0, spec.DesiredCount, BlueGreenResult.InProgress, null, ImmutableDictionary<int, HookAction>.Empty, [], null, null, null,
            S.Deployments.FirstOrDefault(d => d.Id == blueId)?.RevisionId);
    }

    private static ShiftStrategy StrategyOf(TrafficShiftRun run)
    {
        var kind = Enum.Parse<ShiftKind>(run.Strategy);
        var s = run.Settings;
        return ShiftStrategy.Of(kind, s?.StepPercent, s?.StepBakeTimeInMinutes, s?.CanaryPercent, s?.CanaryBakeTimeInMinutes, run.BakeTimeInMinutes);
    }

    private static ImmutableArray<LifecycleHookSpec> HooksOf(TrafficShiftRun run) =>
        run.Settings?.Hooks is { IsDefaultOrEmpty: false } hooks
            ? hooks.Select(h => new LifecycleHookSpec(
                h.TargetType == "PAUSE" ? HookTargetType.PAUSE : HookTargetType.AWS_LAMBDA,
                h.HookTargetArn,
                h.Stages.IsDefault ? [] : h.Stages.Select(Enum.Parse<HookStage>).ToImmutableArray(),
                h.TimeoutInMinutes is { } m ? TimeSpan.FromMinutes(m) : LifecycleHookSpec.DefaultTimeout,
                h.TimeoutAction == "CONTINUE" ? HookAction.CONTINUE : HookAction.ROLLBACK)).ToImmutableArray()
            : [];

    /// <summary>
    /// One reconciliation of a traffic shift: RECONCILE_SERVICE scales in deployments other than blue and green; the
    /// lifecycle moves as far as the facts allow; the rules get its weights; green and blue are scaled to what it asks;
    /// at its end the target groups swap and the deployment completes. A hook's ROLLBACK fails the deployment, which
    /// rolls back (<see cref="FailDeployment"/> flips the traffic).
    /// </summary>
    private async Task<(bool Changed, bool Steady)> ReconcileShift(TrafficShiftRun run, DeploymentState green, ServiceSpec spec, ServiceTasksSnapshot snapshot,
        int budget, DateTimeOffset now)
    {
        var changed = false;
        await BindDeploymentGroup(green.Id, run.GreenGroupArn);
        var reason = StopReasons.ScalingActivity(green.Id);
        var alive = snapshot.Tasks.Where(t => t.DesiredStatus == DesiredStatus.RUNNING).ToList();
        var others = alive.Where(t => t.DeploymentId != run.GreenDeploymentId && t.DeploymentId != run.BlueDeploymentId).Select(t => t.TaskId).ToImmutableArray();
        if (!others.IsEmpty)
        {
            StoppedEvents(await Cluster.StopTasks(others, StopReasons.ServiceSchedulerInitiated, reason), now);
            changed = true;
        }

        var greenTasks = alive.Where(t => t.DeploymentId == run.GreenDeploymentId).ToList();
        var blueTasks = alive.Where(t => t.DeploymentId == run.BlueDeploymentId).ToList();
        var hooks = HooksOf(run);
        var lambda = await LambdaOutcomes(hooks);
        var facts = new BlueGreenFacts(now, spec.DesiredCount, greenTasks.Count(t => t.Healthy), greenTasks.Count, blueTasks.Count, run.TestRule is not null,
            !others.IsEmpty, run.Answers, lambda, null);
        var step = BlueGreenLifecycle.Advance(run.Progress, StrategyOf(run), hooks, facts);
        var before = run;
        run = run.With(step.Progress) with { WakeAt = step.WakeAt };
        run = run with { Hooks = HookDetails(run, hooks, step) };
        S.Shift = run;
        _dirty = true;
        if (run.Stage != before.Stage || run.Step != before.Step)
        {
            var stage = run.Stage.ToString();
            ReplaceServiceDeployment(run.ServiceDeploymentId, x => x with { LifecycleStage = stage, UpdatedAt = now });
            AddEvent(ServiceEvents.LifecycleStage(Name, run.ServiceDeploymentId, ShiftSummary(run)), now);
        }

        if (run.Result == BlueGreenResult.RollingBack)
        {
            await FailDeployment(green, run.Reason ?? "lifecycle hook asked for a rollback", true, FailureTrigger.User, now);
            return (true, false);
        }

        await ApplyWeights(run);
        changed |= await ScaleDeployment(green, run.GreenDesired > 0 ? spec.DesiredCount : 0, greenTasks, spec, snapshot, budget, reason, now);
        if (S.Deployments.FirstOrDefault(d => d.Id == run.BlueDeploymentId) is { } blue)
        {
            changed |= await ScaleDeployment(blue, run.BlueDesired > 0 ? spec.DesiredCount : 0, blueTasks, spec, snapshot, budget, reason, now);
        }

        if (run.Result == BlueGreenResult.Succeeded)
        {
            await Swap(run);
            CompleteDeployment(green, now);
            return (changed, !changed);
        }

        return (changed, false);
    }

    /// <summary>Starts or stops tasks of one deployment toward <paramref name="target"/> (the capacity provider split of the service, B-CP-3).</summary>
    private async Task<bool> ScaleDeployment(DeploymentState d, int target, List<ServiceTaskView> tasks, ServiceSpec spec, ServiceTasksSnapshot snapshot, int budget,
        string reason, DateTimeOffset now)
    {
        if (target == 0)
        {
            if (tasks.Count == 0)
            {
                return false;
            }

            StoppedEvents(await Cluster.StopTasks([.. tasks.Select(t => t.TaskId)], StopReasons.ServiceSchedulerInitiated, reason), now);
            return true;
        }

        var plan = ServiceScheduler.PlanReplica(target, 100, 200, d.Id, Targets(spec with { DesiredCount = target }, snapshot), tasks, budget);
        var stop = plan.StopTasks.ToBuilder();
        foreach (var excess in plan.StopExcess)
        {
            stop.AddRange(tasks.Where(t => t.CapacityProvider == excess.CapacityProvider && !stop.Contains(t.TaskId))
                .OrderBy(t => t.Healthy).ThenBy(t => t.TaskId, StringComparer.Ordinal).Take(excess.Count).Select(t => t.TaskId));
        }

        var changed = false;
        if (stop.Count > 0)
        {
            StoppedEvents(await Cluster.StopTasks(stop.ToImmutable(), StopReasons.ServiceSchedulerInitiated, reason), now);
            changed = true;
        }

        if (S.Status == ServiceStatus.ACTIVE)
        {
            foreach (var l in plan.Launch)
            {
                await Launch(d, l.CapacityProvider, l.Count, [], now, []);
                changed = true;
            }
        }

        return changed;
    }

    /// <summary>B-DP-6: the production rule splits by the green share, the test rule forwards to green once test traffic moved; only what changed is written.</summary>
    private async Task ApplyWeights(TrafficShiftRun run)
    {
        if (run.ProductionRule is { } production && run.AppliedProduction != run.ProductionGreenPercent)
        {
            await SetWeights(production, run.BlueGroupArn, run.GreenGroupArn, run.ProductionGreenPercent);
        }

        if (run.TestRule is { } test && run.AppliedTest != run.TestOnGreen)
        {
            await SetWeights(test, run.BlueGroupArn, run.GreenGroupArn, run.TestOnGreen ? 100 : 0);
        }

        S.Shift = run with { AppliedProduction = run.ProductionGreenPercent, AppliedTest = run.TestOnGreen };
    }

    private async Task SetWeights(string ruleArn, string blue, string green, double greenPercent)
    {
        if (LoadBalancerArns.Name(ruleArn) is not { } lb)
        {
            return;
        }

        try
        {
            await GrainFactory.GetGrain<ILoadBalancerGrain>(lb).SetForwardWeights(ruleArn, ForwardWeights.Split(blue, green, greenPercent));
        }
        catch (EcsException e)
        {
            // The rule was deleted or changed under the deployment: say so once per attempt, keep going.
            PlacementEvent($"(service {Name}) could not set the weights of listener rule {ruleArn}: {e.Message}", Now);
        }
    }

    /// <summary>B-DP-6: at the end the green group becomes the service's; blue tasks still draining stay in theirs.</summary>
    private async Task Swap(TrafficShiftRun run)
    {
        var green = await GrainFactory.GetGrain<ITargetGroupGrain>(TargetGroupArns.Name(run.GreenGroupArn)).Attach(ClusterName, Name);
        if (run.BlueDeploymentId is { } blue)
        {
            await BindDeploymentGroup(blue, run.BlueGroupArn);
        }

        await Cluster.SwapServiceTargetGroup(Name, green);
        await UnbindDeploymentGroup(run.GreenDeploymentId);
        S.ActiveTargetGroupArn = run.GreenGroupArn;
        _dirty = true;
    }

    /// <summary>The deployment's tasks register with this group (bound once; the cluster keeps it until <see cref="UnbindDeploymentGroup"/>).</summary>
    private async Task BindDeploymentGroup(string deploymentId, string groupArn)
    {
        if (S.GroupOverrides.GetValueOrDefault(deploymentId) == groupArn)
        {
            return;
        }

        var group = await GrainFactory.GetGrain<ITargetGroupGrain>(TargetGroupArns.Name(groupArn)).Attach(ClusterName, Name);
        await Cluster.SetDeploymentTargetGroup(Name, deploymentId, group);
        S.GroupOverrides = S.GroupOverrides.SetItem(deploymentId, groupArn);
        _dirty = true;
    }

    private async Task UnbindDeploymentGroup(string deploymentId)
    {
        if (S.GroupOverrides.ContainsKey(deploymentId))
        {
            await Cluster.SetDeploymentTargetGroup(Name, deploymentId, null);
            S.GroupOverrides = S.GroupOverrides.Remove(deploymentId);
            _dirty = true;
        }
    }

    /// <summary>Deployments gone with all their tasks stopped register with nothing any more.</summary>
    private async Task ReleaseDeploymentGroups(ServiceTasksSnapshot snapshot)
    {
        if (S.GroupOverrides.IsEmpty)
        {
            return;
        }

        var live = snapshot.Tasks.Where(t => t.LastStatus != Contracts.TaskStatus.STOPPED).Select(t => t.DeploymentId).ToHashSet(StringComparer.Ordinal);
        foreach (var id in S.GroupOverrides.Keys.ToList())
        {
            if (!live.Contains(id) && !S.Deployments.Any(d => d.Id == id))
            {
                await UnbindDeploymentGroup(id);
            }
        }
    }

    /// <summary>
    /// B-DP-6: a rollback before CLEAN_UP is a traffic flip: all production and test traffic back on blue at once; the
    /// rolling rollback then stops green's tasks.
    /// </summary>
    private async Task FlipBack(DeploymentState failed, string reason)
    {
        if (S.Shift is not { Result: BlueGreenResult.InProgress or BlueGreenResult.RollingBack } run || run.GreenDeploymentId != failed.Id)
        {
            return;
        }

        run = run with { Result = BlueGreenResult.RolledBack, Reason = reason, ProductionGreenPercent = 0, TestOnGreen = false, GreenDesired = 0, WakeAt = null };
        run = run with { Hooks = [.. run.Hooks.Select(h => h.Status is "AWAITING_ACTION" or "IN_PROGRESS" ? h with { Status = "FAILED" } : h)] };
        await ApplyWeights(run);
    }

    private async Task<Func<string, LambdaOutcome>> LambdaOutcomes(ImmutableArray<LifecycleHookSpec> hooks)
    {
        if (!hooks.Any(h => h.Type == HookTargetType.AWS_LAMBDA))
        {
            return _ => LambdaOutcome.Succeeded;
        }

        var configured = (await GrainFactory.GetGrain<ILambdaHooksGrain>(GrainKeys.LambdaHooks).List()).ToDictionary(o => o.FunctionArn, StringComparer.Ordinal);
        return arn => configured.TryGetValue(arn, out var o)
            ? new LambdaOutcome(o.Succeeds, o.InProgressSeconds is { } s ? TimeSpan.FromSeconds(s) : null)
            : LambdaOutcome.Succeeded;
    }

    /// <summary>B-DP-7: the hooks of the current phase with their status, as DescribeServiceDeployments shows them.</summary>
    private static ImmutableArray<LifecycleHookDetail> HookDetails(TrafficShiftRun run, ImmutableArray<LifecycleHookSpec> hooks, BlueGreenStep step)
    {
        if (run.Result != BlueGreenResult.InProgress || BlueGreenLifecycle.HookStageOf(step.Progress) is not { } stage)
        {
            return [];
        }

        var details = ImmutableArray.CreateBuilder<LifecycleHookDetail>();
        for (var i = 0; i < hooks.Length; i++)
        {
            var h = hooks[i];
            if (!h.Stages.Contains(stage))
            {
                continue;
            }

            var waiting = step.AwaitingHooks.Any(a => a.Hook == i);
            var status = waiting
                ? h.Type == HookTargetType.PAUSE ? "AWAITING_ACTION" : "IN_PROGRESS"
                : run.Answers.TryGetValue(i, out var a2) ? (a2 == HookAction.CONTINUE ? "SUCCEEDED" : "FAILED") : "SUCCEEDED";
            details.Add(new LifecycleHookDetail(HookId(run, i), h.Type.ToString(), h.TargetArn, status, run.PhaseStart + h.Timeout, h.TimeoutAction.ToString(), stage.ToString()));
        }

        return details.ToImmutable();
    }

    /// <summary>A hook's id in one phase: answers to an earlier phase's hook never carry over.</summary>
    private static string HookId(TrafficShiftRun run, int index) => string.Create(CultureInfo.InvariantCulture, $"{run.ServiceDeploymentId}-{run.Phase}-{index}");

    public async Task<ServiceDeploymentView> ContinueServiceDeployment(string id, string hookId, string action)
    {
        var arn = S.Exists ? DeploymentArns.ServiceDeployment(_rt.Region, _rt.Account, ClusterName, Name, id) : id;
        var sd = S.Exists ? S.ServiceDeployments.FirstOrDefault(d => d.Id == id) : null;
        if (sd is null)
        {
            throw new EcsException(ErrorCodes.ServiceDeploymentNotFound, $"The service deployment {arn} was not found.");
        }

        if (action is not ("CONTINUE" or "ROLLBACK"))
        {
            throw ErrorCodes.Invalid($"1 validation error detected: Value '{action}' at 'action' failed to satisfy constraint: Member must satisfy enum value set: [CONTINUE, ROLLBACK]");
        }

        var run = S.Shift is { Result: BlueGreenResult.InProgress } r && r.ServiceDeploymentId == id ? r : null;
        var hooks = run is null ? [] : HooksOf(run);
        var index = run is null ? -1 : Enumerable.Range(0, hooks.Length).FirstOrDefault(i => HookId(run, i) == hookId, -1);
        if (run is null || index < 0 || !run.Hooks.Any(h => h.HookId == hookId && h.Status == "AWAITING_ACTION"))
        {
            throw new EcsException(ErrorCodes.Conflict, $"The service deployment {arn} has no lifecycle hook {hookId} awaiting an action.");
        }

        S.Shift = run with { Answers = run.Answers.SetItem(index, action == "CONTINUE" ? HookAction.CONTINUE : HookAction.ROLLBACK) };
        AddEvent(ServiceEvents.LifecycleStage(Name, id, $"lifecycle hook {hookId} answered {action} (ContinueServiceDeployment)"), Now);
        _dirty = true;
        await _store.WriteStateAsync();
        await Reconcile();
        return View(S.ServiceDeployments.First(d => d.Id == id));
    }

    /// <summary>The traffic shift of one service deployment as the APIs show it (null: not a traffic-shifting one).</summary>
    private TrafficShiftView? ShiftView(ServiceDeploymentRecord sd)
    {
        if (S.Shift is not { } run || run.ServiceDeploymentId != sd.Id)
        {
            return null;
        }

        var steps = TrafficShifting.Steps(StrategyOf(run));
        return new TrafficShiftView(
            run.Strategy, run.Stage.ToString(), run.ProductionGreenPercent, run.TestOnGreen ? 100 : 0, run.Step, steps.Length,
            run.Result == BlueGreenResult.InProgress ? run.WakeAt : null, run.BlueGroupArn, run.GreenGroupArn, run.ProductionRule, run.TestRule, run.Hooks,
            run.Result switch
            {
                BlueGreenResult.Succeeded => "SUCCEEDED",
                BlueGreenResult.RolledBack or BlueGreenResult.RollingBack => "ROLLED_BACK",
                _ => "IN_PROGRESS",
            },
            run.Reason, run.GreenDeploymentId, run.BlueDeploymentId, run.SourceRevisionId, run.Settings);
    }

    /// <summary>The weights a revision gets in a traffic-shifting deployment (null: not one, or not one of its colours).</summary>
    private (double? Production, double? Test) Weights(string revisionId)
    {
        if (S.Shift is not { } run)
        {
            return (null, null);
        }

        var green = S.Deployments.FirstOrDefault(d => d.Id == run.GreenDeploymentId)?.RevisionId
                    ?? S.ServiceDeployments.FirstOrDefault(x => x.Id == run.ServiceDeploymentId)?.TargetRevisionId;
        if (revisionId == green)
        {
            return (run.ProductionGreenPercent, run.TestOnGreen ? 100 : 0);
        }

        return revisionId == run.SourceRevisionId ? (100 - run.ProductionGreenPercent, run.TestOnGreen ? 0 : 100) : (null, null);
    }

    private static string ShiftSummary(TrafficShiftRun run) =>
        string.Create(CultureInfo.InvariantCulture, $"{run.Strategy} lifecycle stage {run.Stage}: production traffic {100 - run.ProductionGreenPercent:0.#} % blue / {run.ProductionGreenPercent:0.#} % green")
        + (run.TestRule is null ? "" : run.TestOnGreen ? ", test traffic on green" : ", test traffic on blue");
}
