using System.Collections.Immutable;

namespace Emulator.Model.Deployments;

public enum HookTargetType
{
    AWS_LAMBDA,
    PAUSE,
}

public enum HookAction
{
    CONTINUE,
    ROLLBACK,
}

/// <summary>A lifecycle hook (B-DP-7): a Lambda function or a pause, at one or more stages, with its timeout and timeout action.</summary>
public sealed record LifecycleHookSpec(HookTargetType Type, string? TargetArn, ImmutableArray<HookStage> Stages, TimeSpan Timeout, HookAction TimeoutAction)
{
    /// <summary>AWS's defaults: 1440 minutes, then ROLLBACK.</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromMinutes(1440);
}

/// <summary>
/// B-DP-7 Model choice: Lambda functions cannot run here, so each function ARN has a configured outcome: the hook answers
/// IN_PROGRESS for <see cref="InProgressFor"/> (forever when null), then <see cref="Succeeds"/> (SUCCEEDED or FAILED).
/// The default is SUCCEEDED at once.
/// </summary>
public sealed record LambdaOutcome(bool Succeeds, TimeSpan? InProgressFor)
{
    public static readonly LambdaOutcome Succeeded = new(true, TimeSpan.Zero);
}

/// <summary>What a hook says at an instant: continue, roll back, or wait (until <see cref="Until"/> at the latest).</summary>
public readonly record struct HookVerdict(HookAction? Decided, DateTimeOffset Until, string Reason)
{
    public bool Waiting => Decided is null;
}

/// <summary>How a BLUE_GREEN, LINEAR or CANARY deployment ends (or that it has not).</summary>
public enum BlueGreenResult
{
    InProgress,
    Succeeded,
    RollingBack,
    RolledBack,
}

/// <summary>Inside PRODUCTION_TRAFFIC_SHIFT: a step's PRE_PRODUCTION_TRAFFIC_SHIFT hooks, its weight move with the PRODUCTION_TRAFFIC_SHIFT hooks, its bake.</summary>
public enum ShiftPhase
{
    PreStep,
    Step,
    StepBake,
}

/// <summary>
/// Where a traffic-shifting deployment stands (B-DP-6): its stage and when it began, the production step (-1 before
/// the first) and its sub-phase, when the current hook phase began (<see cref="PhaseStart"/>, the instant its hooks'
/// timeouts count from; <see cref="Phase"/> grows with each hook phase, so answers given to one phase never carry
/// over), the traffic it routes (production green share, test traffic on green), the task counts it asks for, and
/// its result.
/// </summary>
public sealed record BlueGreenProgress(
    LifecycleStage Stage,
    DateTimeOffset StageStart,
    int Step,
    ShiftPhase ShiftPhase,
    DateTimeOffset PhaseStart,
    int Phase,
    double ProductionGreenPercent,
    bool TestOnGreen,
    int GreenDesired,
    int BlueDesired,
    BlueGreenResult Result,
    string? Reason)
{
    public static BlueGreenProgress Start(DateTimeOffset now, int blueDesired) =>
        new(LifecycleStage.RECONCILE_SERVICE, now, -1, ShiftPhase.PreStep, now, 0, 0, false, 0, blueDesired, BlueGreenResult.InProgress, null);
}

/// <summary>
/// What the deployment sees at an instant: the service's desired count, the green revision's healthy and running tasks,
/// the blue revision's running tasks, whether a test listener rule exists and more than one revision is active, the user's
/// ContinueServiceDeployment answers to the current phase's PAUSE hooks (by hook index), the Lambda outcomes, and a
/// rollback asked for (circuit breaker, alarm, StopServiceDeployment with ROLLBACK; null: none).
/// </summary>
public sealed record BlueGreenFacts(
    DateTimeOffset Now,
    int DesiredCount,
    int GreenHealthy,
    int GreenRunning,
    int BlueRunning,
    bool HasTestRule,
    bool MultipleActiveRevisions,
    IReadOnlyDictionary<int, HookAction> Answers,
    Func<string, LambdaOutcome> Lambda,
    string? RollbackRequested);

/// <summary>The deployment after a step, the hooks it waits on (index, expiry) and the next instant something changes by itself.</summary>
public sealed record BlueGreenStep(BlueGreenProgress Progress, ImmutableArray<(int Hook, DateTimeOffset ExpiresAt)> AwaitingHooks, DateTimeOffset? WakeAt);

/// <summary>
/// The B-DP-6 / B-DP-7 state machine, pure: stages in order (RECONCILE_SERVICE only with more than one active revision),
/// green scaled to the full desired count in SCALE_UP before any traffic, test traffic on green in TEST_TRAFFIC_SHIFT,
/// production weights moved step by step (<see cref="TrafficShifting.Steps"/>; PRE_PRODUCTION_TRAFFIC_SHIFT hooks before
/// each step, PRODUCTION_TRAFFIC_SHIFT hooks after its move, then the step's bake), BAKE_TIME with both colours up,
/// CLEAN_UP scaling blue to 0. Hooks of a stage run together from the phase's start; any ROLLBACK (an answer, a failed
/// Lambda, a timeout with action ROLLBACK) rolls back. A rollback before CLEAN_UP flips all traffic back to blue and
/// scales green to 0; in CLEAN_UP it is too late (the deployment completes).
/// </summary>
public static class BlueGreenLifecycle
{
    /// <summary>Hook stage validation (B-DP-7): PAUSE hooks cannot run at TEST_TRAFFIC_SHIFT or PRODUCTION_TRAFFIC_SHIFT; Lambda hooks need a function; timeouts 1..1440 minutes.</summary>
    public static string? Validate(LifecycleHookSpec hook)
    {
        ArgumentNullException.ThrowIfNull(hook);
        if (hook.Stages.IsDefaultOrEmpty)
        {
            return "lifecycleStages must name at least one stage for a lifecycle hook.";
        }

        if (hook.Type == HookTargetType.PAUSE && hook.Stages.Any(s => s is HookStage.TEST_TRAFFIC_SHIFT or HookStage.PRODUCTION_TRAFFIC_SHIFT))
        {
            return "PAUSE lifecycle hooks cannot be configured at the TEST_TRAFFIC_SHIFT or PRODUCTION_TRAFFIC_SHIFT stages.";
        }

        if (hook.Type == HookTargetType.AWS_LAMBDA && string.IsNullOrEmpty(hook.TargetArn))
        {
            return "hookTargetArn is required for an AWS_LAMBDA lifecycle hook.";
        }

        return hook.Timeout < TimeSpan.FromMinutes(1) || hook.Timeout > LifecycleHookSpec.DefaultTimeout
            ? "timeoutConfiguration.timeoutInMinutes must be between 1 and 1440."
            : null;
    }

    /// <summary>One hook's verdict <paramref name="now"/>, its phase having begun at <paramref name="started"/>.</summary>
    public static HookVerdict Verdict(LifecycleHookSpec hook, DateTimeOffset started, DateTimeOffset now, HookAction? answer, LambdaOutcome lambda)
    {
        ArgumentNullException.ThrowIfNull(hook);
        ArgumentNullException.ThrowIfNull(lambda);
        var expires = started + hook.Timeout;
        if (hook.Type == HookTargetType.PAUSE && answer is { } given)
        {
            return new HookVerdict(given, now, $"ContinueServiceDeployment {given}");
        }

        if (hook.Type == HookTargetType.AWS_LAMBDA && lambda.InProgressFor is { } delay && started + delay <= now && started + delay < expires)
        {
            return new HookVerdict(lambda.Succeeds ? HookAction.CONTINUE : HookAction.ROLLBACK, now,
                lambda.Succeeds ? $"{hook.TargetArn} returned SUCCEEDED" : $"{hook.TargetArn} returned FAILED");
        }

        if (now >= expires)
        {
            return new HookVerdict(hook.TimeoutAction, now, $"lifecycle hook timed out after {hook.Timeout.TotalMinutes:0} minutes ({hook.TimeoutAction})");
        }

        var until = hook.Type == HookTargetType.AWS_LAMBDA && lambda.InProgressFor is { } d && started + d < expires ? started + d : expires;
        return new HookVerdict(null, until, "waiting");
    }

    /// <summary>
    /// Moves the deployment as far as the facts allow at <c>facts.Now</c>: every stage with nothing to wait for is passed
    /// in the same step. Returns the new progress, the PAUSE / Lambda hooks it waits on and when to look again.
    /// </summary>
    public static BlueGreenStep Advance(BlueGreenProgress progress, ShiftStrategy strategy, ImmutableArray<LifecycleHookSpec> hooks, BlueGreenFacts facts)
    {
        ArgumentNullException.ThrowIfNull(progress);
        ArgumentNullException.ThrowIfNull(strategy);
        ArgumentNullException.ThrowIfNull(facts);
        hooks = hooks.IsDefault ? [] : hooks;
        var p = progress;
        var now = facts.Now;
        var steps = TrafficShifting.Steps(strategy);
        for (var guard = 0; guard < 64; guard++)
        {
            if (p.Result is BlueGreenResult.Succeeded or BlueGreenResult.RolledBack)
            {
                return new BlueGreenStep(p, [], null);
            }

            if (p.Result == BlueGreenResult.RollingBack)
            {
                // The flip back: all traffic on blue, green scaled in; done when no green task runs.
                p = p with { ProductionGreenPercent = 0, TestOnGreen = false, GreenDesired = 0, BlueDesired = facts.DesiredCount };
                return facts.GreenRunning == 0
                    ? new BlueGreenStep(p with { Result = BlueGreenResult.RolledBack }, [], null)
                    : new BlueGreenStep(p, [], null);
            }

            if (facts.RollbackRequested is { } reason && p.Stage != LifecycleStage.CLEAN_UP)
            {
                p = p with { Result = BlueGreenResult.RollingBack, Reason = reason };
                continue;
            }

            // Hooks of the current phase (none for SCALE_UP, BAKE_TIME, CLEAN_UP and the step bakes).
            // RECONCILE_SERVICE's hooks run only when more than one revision is active; TEST_TRAFFIC_SHIFT's once test
            // traffic is on green.
            if (HookStageOf(p) is { } hookStage
                && !(hookStage == HookStage.RECONCILE_SERVICE && !facts.MultipleActiveRevisions)
                && !(hookStage == HookStage.TEST_TRAFFIC_SHIFT && !p.TestOnGreen && facts.HasTestRule))
            {
                var waiting = ImmutableArray.CreateBuilder<(int, DateTimeOffset)>();
                DateTimeOffset? wake = null;
                string? rollback = null;
                for (var i = 0; i < hooks.Length; i++)
                {
                    if (!hooks[i].Stages.Contains(hookStage))
                    {
                        continue;
                    }

                    var v = Verdict(hooks[i], p.PhaseStart, now, facts.Answers.TryGetValue(i, out var a) ? a : null,
                        hooks[i].TargetArn is { } arn ? facts.Lambda(arn) : LambdaOutcome.Succeeded);
                    if (v.Waiting)
                    {
                        waiting.Add((i, p.PhaseStart + hooks[i].Timeout));
                        wake = wake is { } w && w < v.Until ? w : v.Until;
                    }
                    else if (v.Decided == HookAction.ROLLBACK)
                    {
                        rollback ??= $"lifecycle hook {i} at {hookStage}: {v.Reason}";
                    }
                }

                if (rollback is not null)
                {
                    p = p with { Result = BlueGreenResult.RollingBack, Reason = rollback };
                    continue;
                }

                if (waiting.Count > 0)
                {
                    return new BlueGreenStep(p, waiting.ToImmutable(), wake);
                }
            }

            // The phase's hooks (if any) are done: do the stage's own work, then move on.
            switch (p.Stage)
            {
                case LifecycleStage.SCALE_UP:
                    p = p with { GreenDesired = facts.DesiredCount };
                    if (facts.GreenHealthy < facts.DesiredCount)
                    {
                        return new BlueGreenStep(p, [], null);
                    }

                    p = Enter(p, LifecycleStage.POST_SCALE_UP, now);
                    break;
                case LifecycleStage.TEST_TRAFFIC_SHIFT when !p.TestOnGreen && facts.HasTestRule:
                    // Test traffic moves first; the stage's (Lambda) hooks then run with it on green.
                    p = p with { TestOnGreen = true, PhaseStart = now, Phase = p.Phase + 1 };
                    break;
                case LifecycleStage.PRODUCTION_TRAFFIC_SHIFT:
                    if (p.ShiftPhase == ShiftPhase.PreStep)
                    {
                        p = p with { Step = p.Step + 1, ShiftPhase = ShiftPhase.Step, ProductionGreenPercent = steps[p.Step + 1].GreenPercent, PhaseStart = now, Phase = p.Phase + 1 };
                    }
                    else if (p.ShiftPhase == ShiftPhase.Step)
                    {
                        p = p with { ShiftPhase = ShiftPhase.StepBake, PhaseStart = now, Phase = p.Phase + 1 };
                    }
                    else
                    {
                        if (p.Step + 1 >= steps.Length)
                        {
                            p = Enter(p, LifecycleStage.POST_PRODUCTION_TRAFFIC_SHIFT, now);
                            break;
                        }

                        var bakeEnds = p.PhaseStart + (steps[p.Step + 1].Offset - steps[p.Step].Offset);
                        if (now < bakeEnds)
                        {
                            return new BlueGreenStep(p, [], bakeEnds);
                        }

                        p = p with { ShiftPhase = ShiftPhase.PreStep, PhaseStart = now, Phase = p.Phase + 1 };
                    }

                    break;
                case LifecycleStage.BAKE_TIME:
                    if (now < p.StageStart + strategy.BakeTime)
                    {
                        return new BlueGreenStep(p, [], p.StageStart + strategy.BakeTime);
                    }

                    p = Enter(p, LifecycleStage.CLEAN_UP, now);
                    break;
                case LifecycleStage.CLEAN_UP:
                    p = p with { BlueDesired = 0 };
                    return facts.BlueRunning == 0
                        ? new BlueGreenStep(p with { Result = BlueGreenResult.Succeeded }, [], null)
                        : new BlueGreenStep(p, [], null);
                default:
                    p = Enter(p, p.Stage + 1, now);
                    break;
            }
        }

        throw new InvalidOperationException("the blue/green lifecycle did not settle");
    }

    /// <summary>The hook stage whose hooks run in the deployment's current phase (null: a phase without hooks).</summary>
    public static HookStage? HookStageOf(BlueGreenProgress p)
    {
        ArgumentNullException.ThrowIfNull(p);
        return p.Stage switch
        {
            LifecycleStage.RECONCILE_SERVICE => HookStage.RECONCILE_SERVICE,
            LifecycleStage.PRE_SCALE_UP => HookStage.PRE_SCALE_UP,
            LifecycleStage.POST_SCALE_UP => HookStage.POST_SCALE_UP,
            LifecycleStage.TEST_TRAFFIC_SHIFT => HookStage.TEST_TRAFFIC_SHIFT,
            LifecycleStage.POST_TEST_TRAFFIC_SHIFT => HookStage.POST_TEST_TRAFFIC_SHIFT,
            LifecycleStage.PRODUCTION_TRAFFIC_SHIFT when p.ShiftPhase == ShiftPhase.PreStep => HookStage.PRE_PRODUCTION_TRAFFIC_SHIFT,
            LifecycleStage.PRODUCTION_TRAFFIC_SHIFT when p.ShiftPhase == ShiftPhase.Step => HookStage.PRODUCTION_TRAFFIC_SHIFT,
            LifecycleStage.POST_PRODUCTION_TRAFFIC_SHIFT => HookStage.POST_PRODUCTION_TRAFFIC_SHIFT,
            _ => null,
        };
    }

    private static BlueGreenProgress Enter(BlueGreenProgress p, LifecycleStage stage, DateTimeOffset now) =>
        p with { Stage = stage, StageStart = now, PhaseStart = now, Phase = p.Phase + 1, ShiftPhase = ShiftPhase.PreStep };
}
