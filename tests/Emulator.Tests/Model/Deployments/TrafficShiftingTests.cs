using System.Collections.Immutable;
using Emulator.Model.Deployments;

namespace Emulator.Tests.Model.Deployments;

/// <summary>B-DP-6 / B-DP-7: production traffic steps per strategy, bake arithmetic, presets, validation, the lifecycle's stage order, hooks and rollback.</summary>
public sealed class TrafficShiftingTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData(10, new[] { 10.0, 20, 30, 40, 50, 60, 70, 80, 90, 100 })]
    [InlineData(3, new[] { 3.0, 6, 9, 12, 15, 18, 21, 24, 27, 30, 33, 36, 39, 42, 45, 48, 51, 54, 57, 60, 63, 66, 69, 72, 75, 78, 81, 84, 87, 90, 93, 96, 99, 100 })]
    [InlineData(33, new[] { 33.0, 66, 99, 100 })]
    [InlineData(100, new[] { 100.0 })]
    public void B_DP_6_linear_steps_add_stepPercent_each_stepBake_until_100(double step, double[] expected)
    {
        var strategy = ShiftStrategy.Of(ShiftKind.LINEAR, step, 3);
        var steps = TrafficShifting.Steps(strategy);
        Assert.Equal(expected, steps.Select(s => s.GreenPercent));
        Assert.Equal(Enumerable.Range(0, expected.Length).Select(k => TimeSpan.FromMinutes(3 * k)), steps.Select(s => s.Offset));
        Assert.Equal(TimeSpan.FromMinutes(3 * (expected.Length - 1)), TrafficShifting.ShiftDuration(strategy));
    }

    [Theory]
    [InlineData(5, 10)]
    [InlineData(10, 5)]
    [InlineData(10, 15)]
    public void B_DP_6_canary_shifts_canaryPercent_then_the_rest_after_canaryBake(double canary, int bakeMinutes)
    {
        var strategy = ShiftStrategy.Of(ShiftKind.CANARY, canaryPercent: canary, canaryBakeMinutes: bakeMinutes);
        Assert.Equal<ShiftStep>([new ShiftStep(TimeSpan.Zero, canary), new ShiftStep(TimeSpan.FromMinutes(bakeMinutes), 100)], TrafficShifting.Steps(strategy));
        Assert.Equal(0, TrafficShifting.GreenPercentAt(strategy, TimeSpan.FromSeconds(-1)));
        Assert.Equal(canary, TrafficShifting.GreenPercentAt(strategy, TimeSpan.FromMinutes(bakeMinutes) - TimeSpan.FromSeconds(1)));
        Assert.Equal(100, TrafficShifting.GreenPercentAt(strategy, TimeSpan.FromMinutes(bakeMinutes)));
    }

    [Fact]
    public void B_DP_6_defaults_and_bake_arithmetic()
    {
        // AWS's defaults: LINEAR 10 % every 6 minutes (54 minutes of shifting), CANARY 5 % for 10 minutes.
        Assert.Equal(TimeSpan.FromMinutes(54), TrafficShifting.ShiftDuration(ShiftStrategy.Of(ShiftKind.LINEAR)));
        Assert.Equal(TimeSpan.FromMinutes(10), TrafficShifting.ShiftDuration(ShiftStrategy.Of(ShiftKind.CANARY)));
        Assert.Equal(5, TrafficShifting.Steps(ShiftStrategy.Of(ShiftKind.CANARY))[0].GreenPercent);
        Assert.Equal(TimeSpan.Zero, TrafficShifting.ShiftDuration(ShiftStrategy.Of(ShiftKind.BLUE_GREEN)));
        Assert.Equal(TimeSpan.FromMinutes(9 + 20), TrafficShifting.ShiftAndBake(ShiftStrategy.Of(ShiftKind.LINEAR, 10, 1, bakeTimeMinutes: 20)));
    }

    [Theory]
    [InlineData("CodeDeployDefault.ECSAllAtOnce", ShiftKind.BLUE_GREEN, 100, 0)]
    [InlineData("ECSLinear10PercentEvery1Minutes", ShiftKind.LINEAR, 10, 9)]
    [InlineData("CodeDeployDefault.ECSLinear10PercentEvery3Minutes", ShiftKind.LINEAR, 10, 27)]
    [InlineData("ECSCanary10Percent5Minutes", ShiftKind.CANARY, 10, 5)]
    [InlineData("CodeDeployDefault.ECSCanary10Percent15Minutes", ShiftKind.CANARY, 10, 15)]
    public void B_DP_6_the_seeds_CodeDeploy_configurations_map_onto_native_strategies(string name, ShiftKind kind, double firstPercent, int shiftMinutes)
    {
        var strategy = TrafficShifting.Preset(name)!;
        Assert.Equal(kind, strategy.Kind);
        Assert.Equal(firstPercent, TrafficShifting.Steps(strategy)[0].GreenPercent);
        Assert.Equal(TimeSpan.FromMinutes(shiftMinutes), TrafficShifting.ShiftDuration(strategy));
        Assert.Null(TrafficShifting.Preset("ECSLinear50PercentEvery2Minutes"));
    }

    [Theory]
    [InlineData(2.0, null, null, "stepPercent")]
    [InlineData(100.5, null, null, "stepPercent")]
    [InlineData(10.05, null, null, "stepPercent")]
    [InlineData(null, 0.0, null, "canaryPercent")]
    [InlineData(null, 0.05, null, "canaryPercent")]
    [InlineData(null, 101.0, null, "canaryPercent")]
    [InlineData(null, null, 1441, "bakeTimeInMinutes")]
    [InlineData(null, null, -1, "bakeTimeInMinutes")]
    public void B_DP_6_bad_settings_are_refused_with_the_field_named(double? step, double? canary, int? bake, string field)
    {
        var error = TrafficShifting.Validate(step, null, canary, null, bake);
        Assert.NotNull(error);
        Assert.Contains(field, error, StringComparison.Ordinal);
    }

    [Fact]
    public void B_DP_6_good_settings_pass_and_blue_green_needs_an_alternate_target_group_and_a_production_rule()
    {
        Assert.Null(TrafficShifting.Validate(3, 0, 0.1, 1440, 0));
        Assert.Null(TrafficShifting.Validate(33.3, 6, 100, 10, 15));
        Assert.Contains("alternateTargetGroupArn", TrafficShifting.ValidateLoadBalancers(ShiftKind.BLUE_GREEN, [("tg-a", null, "rule")]), StringComparison.Ordinal);
        Assert.Contains("productionListenerRule", TrafficShifting.ValidateLoadBalancers(ShiftKind.LINEAR, [("tg-a", "tg-b", null)]), StringComparison.Ordinal);
        Assert.Contains("differ", TrafficShifting.ValidateLoadBalancers(ShiftKind.CANARY, [("tg-a", "tg-a", "rule")]), StringComparison.Ordinal);
        Assert.NotNull(TrafficShifting.ValidateLoadBalancers(ShiftKind.BLUE_GREEN, []));
        Assert.Null(TrafficShifting.ValidateLoadBalancers(ShiftKind.BLUE_GREEN, [("tg-a", "tg-b", "rule")]));
    }

    [Fact]
    public void B_DP_7_hook_validation()
    {
        var stages = ImmutableArray.Create(HookStage.POST_SCALE_UP);
        Assert.Null(BlueGreenLifecycle.Validate(new LifecycleHookSpec(HookTargetType.PAUSE, null, stages, LifecycleHookSpec.DefaultTimeout, HookAction.ROLLBACK)));
        Assert.Contains("PAUSE", BlueGreenLifecycle.Validate(new LifecycleHookSpec(HookTargetType.PAUSE, null, [HookStage.PRODUCTION_TRAFFIC_SHIFT], TimeSpan.FromMinutes(5), HookAction.ROLLBACK)), StringComparison.Ordinal);
        Assert.Contains("hookTargetArn", BlueGreenLifecycle.Validate(new LifecycleHookSpec(HookTargetType.AWS_LAMBDA, null, stages, TimeSpan.FromMinutes(5), HookAction.ROLLBACK)), StringComparison.Ordinal);
        Assert.Contains("lifecycleStages", BlueGreenLifecycle.Validate(new LifecycleHookSpec(HookTargetType.PAUSE, null, [], TimeSpan.FromMinutes(5), HookAction.ROLLBACK)), StringComparison.Ordinal);
        Assert.Contains("timeoutInMinutes", BlueGreenLifecycle.Validate(new LifecycleHookSpec(HookTargetType.PAUSE, null, stages, TimeSpan.FromMinutes(1441), HookAction.ROLLBACK)), StringComparison.Ordinal);
    }

    [Fact]
    public void B_DP_7_hook_verdicts_answers_lambda_outcomes_and_timeouts()
    {
        var pause = new LifecycleHookSpec(HookTargetType.PAUSE, null, [HookStage.POST_SCALE_UP], TimeSpan.FromMinutes(30), HookAction.CONTINUE);
        Assert.True(BlueGreenLifecycle.Verdict(pause, T0, T0.AddMinutes(29), null, LambdaOutcome.Succeeded).Waiting);
        Assert.Equal(T0.AddMinutes(30), BlueGreenLifecycle.Verdict(pause, T0, T0.AddMinutes(29), null, LambdaOutcome.Succeeded).Until);
        Assert.Equal(HookAction.CONTINUE, BlueGreenLifecycle.Verdict(pause, T0, T0.AddMinutes(30), null, LambdaOutcome.Succeeded).Decided); // timeout action
        Assert.Equal(HookAction.ROLLBACK, BlueGreenLifecycle.Verdict(pause, T0, T0.AddMinutes(1), HookAction.ROLLBACK, LambdaOutcome.Succeeded).Decided);

        var lambda = new LifecycleHookSpec(HookTargetType.AWS_LAMBDA, "arn:aws:lambda:us-east-1:000000000000:function:check", [HookStage.POST_TEST_TRAFFIC_SHIFT], TimeSpan.FromMinutes(10), HookAction.ROLLBACK);
        Assert.Equal(HookAction.CONTINUE, BlueGreenLifecycle.Verdict(lambda, T0, T0, null, LambdaOutcome.Succeeded).Decided);
        var slowFail = new LambdaOutcome(false, TimeSpan.FromMinutes(2));
        Assert.True(BlueGreenLifecycle.Verdict(lambda, T0, T0.AddMinutes(1), null, slowFail).Waiting);
        Assert.Equal(T0.AddMinutes(2), BlueGreenLifecycle.Verdict(lambda, T0, T0.AddMinutes(1), null, slowFail).Until);
        Assert.Equal(HookAction.ROLLBACK, BlueGreenLifecycle.Verdict(lambda, T0, T0.AddMinutes(2), null, slowFail).Decided);
        var forever = new LambdaOutcome(true, null); // IN_PROGRESS until the timeout, whose action (ROLLBACK) decides
        Assert.True(BlueGreenLifecycle.Verdict(lambda, T0, T0.AddMinutes(9), null, forever).Waiting);
        Assert.Equal(HookAction.ROLLBACK, BlueGreenLifecycle.Verdict(lambda, T0, T0.AddMinutes(10), null, forever).Decided);
    }

    /// <summary>A simulated deployment of 4 tasks: green becomes healthy as soon as it is asked for, blue drains at once.</summary>
    private sealed class Run(ShiftStrategy strategy, ImmutableArray<LifecycleHookSpec> hooks, bool testRule = true)
    {
        public BlueGreenProgress Progress { get; private set; } = BlueGreenProgress.Start(T0, 4);

        public DateTimeOffset Now { get; private set; } = T0;

        public List<(LifecycleStage Stage, double Green, bool Test)> Trace { get; } = [];

        public Dictionary<int, HookAction> Answers { get; } = [];

        public Dictionary<string, LambdaOutcome> Lambdas { get; } = new(StringComparer.Ordinal);

        public string? Rollback { get; set; }

        public BlueGreenStep Last { get; private set; } = null!;

        public BlueGreenStep Step()
        {
            var phase = Progress.Phase;
            var facts = new BlueGreenFacts(Now, 4, Progress.GreenDesired, Progress.GreenDesired, Progress.BlueDesired, testRule, false, Answers,
                arn => Lambdas.GetValueOrDefault(arn, LambdaOutcome.Succeeded), Rollback);
            Last = BlueGreenLifecycle.Advance(Progress, strategy, hooks, facts);
            Progress = Last.Progress;
            if (Progress.Phase != phase)
            {
                Answers.Clear();
            }

            Trace.Add((Progress.Stage, Progress.ProductionGreenPercent, Progress.TestOnGreen));
            return Last;
        }

        public void AdvanceTo(DateTimeOffset t) => Now = t;
    }

    [Fact]
    public void B_DP_6_blue_green_stages_in_order_green_scaled_before_any_traffic()
    {
        var run = new Run(ShiftStrategy.Of(ShiftKind.BLUE_GREEN, bakeTimeMinutes: 15), []);
        run.Step();
        Assert.Equal(LifecycleStage.SCALE_UP, run.Progress.Stage); // RECONCILE_SERVICE and PRE_SCALE_UP pass at once
        Assert.Equal(4, run.Progress.GreenDesired);
        Assert.Equal(0, run.Progress.ProductionGreenPercent);
        Assert.False(run.Progress.TestOnGreen);
        run.Step(); // green healthy: through test traffic to production, then bake
        Assert.Equal(LifecycleStage.BAKE_TIME, run.Progress.Stage);
        Assert.Equal(100, run.Progress.ProductionGreenPercent);
        Assert.True(run.Progress.TestOnGreen);
        Assert.Equal(4, run.Progress.BlueDesired); // both colours up while baking
        Assert.Equal(T0.AddMinutes(15), run.Last.WakeAt);
        run.AdvanceTo(T0.AddMinutes(15));
        run.Step();
        Assert.Equal(LifecycleStage.CLEAN_UP, run.Progress.Stage);
        Assert.Equal(0, run.Progress.BlueDesired);
        run.Step();
        Assert.Equal(BlueGreenResult.Succeeded, run.Progress.Result);
    }

    [Theory]
    [InlineData(10, 1)]
    [InlineData(33, 2)]
    public void B_DP_6_linear_moves_the_production_weight_each_step_bake(double step, int bakeMinutes)
    {
        var strategy = ShiftStrategy.Of(ShiftKind.LINEAR, step, bakeMinutes);
        var run = new Run(strategy, []);
        run.Step();
        run.Step();
        Assert.Equal(LifecycleStage.PRODUCTION_TRAFFIC_SHIFT, run.Progress.Stage);
        foreach (var expected in TrafficShifting.Steps(strategy))
        {
            Assert.Equal(expected.GreenPercent, run.Progress.ProductionGreenPercent);
            Assert.Equal(T0 + expected.Offset, run.Progress.PhaseStart); // the weight moved at the step's offset
            if (run.Last.WakeAt is { } wake)
            {
                run.AdvanceTo(wake);
                run.Step();
            }
        }

        Assert.Equal(LifecycleStage.CLEAN_UP, run.Progress.Stage);
        Assert.Equal(T0 + TrafficShifting.ShiftDuration(strategy), run.Progress.StageStart);
    }

    [Fact]
    public void B_DP_7_a_pause_hook_holds_the_deployment_until_continued()
    {
        var pause = new LifecycleHookSpec(HookTargetType.PAUSE, null, [HookStage.POST_TEST_TRAFFIC_SHIFT], TimeSpan.FromMinutes(60), HookAction.ROLLBACK);
        var run = new Run(ShiftStrategy.Of(ShiftKind.CANARY, canaryPercent: 10, canaryBakeMinutes: 5), [pause]);
        run.Step();
        run.Step();
        Assert.Equal(LifecycleStage.POST_TEST_TRAFFIC_SHIFT, run.Progress.Stage);
        Assert.Equal<(int, DateTimeOffset)>([(0, T0.AddMinutes(60))], run.Last.AwaitingHooks);
        Assert.True(run.Progress.TestOnGreen);
        Assert.Equal(0, run.Progress.ProductionGreenPercent); // held before any production traffic
        run.AdvanceTo(T0.AddMinutes(30));
        run.Step();
        Assert.Equal(LifecycleStage.POST_TEST_TRAFFIC_SHIFT, run.Progress.Stage);
        run.Answers[0] = HookAction.CONTINUE;
        run.Step();
        Assert.Equal(LifecycleStage.PRODUCTION_TRAFFIC_SHIFT, run.Progress.Stage);
        Assert.Equal(10, run.Progress.ProductionGreenPercent);
        Assert.Equal(T0.AddMinutes(35), run.Last.WakeAt); // the canary bakes 5 minutes from the move
    }

    [Fact]
    public void B_DP_7_a_pause_hook_times_out_into_its_action()
    {
        var pause = new LifecycleHookSpec(HookTargetType.PAUSE, null, [HookStage.POST_SCALE_UP], TimeSpan.FromMinutes(20), HookAction.ROLLBACK);
        var run = new Run(ShiftStrategy.Of(ShiftKind.BLUE_GREEN), [pause]);
        run.Step();
        run.Step();
        Assert.Equal(LifecycleStage.POST_SCALE_UP, run.Progress.Stage);
        Assert.Equal(T0.AddMinutes(20), run.Last.WakeAt);
        run.AdvanceTo(T0.AddMinutes(20));
        run.Step();
        Assert.Equal(BlueGreenResult.RollingBack, run.Progress.Result);
        Assert.Contains("timed out", run.Progress.Reason, StringComparison.Ordinal);
        Assert.Equal(0, run.Progress.GreenDesired);
        run.Step();
        Assert.Equal(BlueGreenResult.RolledBack, run.Progress.Result);
        Assert.Equal(4, run.Progress.BlueDesired);
    }

    [Fact]
    public void B_DP_7_a_failing_lambda_after_test_traffic_rolls_back_before_production_traffic()
    {
        const string check = "arn:aws:lambda:us-east-1:000000000000:function:post-test-check";
        var hook = new LifecycleHookSpec(HookTargetType.AWS_LAMBDA, check, [HookStage.POST_TEST_TRAFFIC_SHIFT], TimeSpan.FromMinutes(10), HookAction.ROLLBACK);
        var run = new Run(ShiftStrategy.Of(ShiftKind.LINEAR, 10, 1), [hook]);
        run.Lambdas[check] = new LambdaOutcome(false, TimeSpan.FromMinutes(1));
        run.Step();
        run.Step();
        Assert.Equal(LifecycleStage.POST_TEST_TRAFFIC_SHIFT, run.Progress.Stage);
        run.AdvanceTo(run.Last.WakeAt!.Value);
        run.Step();
        Assert.Equal(BlueGreenResult.RollingBack, run.Progress.Result);
        Assert.Contains("FAILED", run.Progress.Reason, StringComparison.Ordinal);
        Assert.DoesNotContain(run.Trace, t => t.Green > 0); // production traffic never reached green
    }

    [Fact]
    public void B_DP_7_pre_production_hooks_run_before_every_linear_step()
    {
        const string gate = "arn:aws:lambda:us-east-1:000000000000:function:gate";
        var hook = new LifecycleHookSpec(HookTargetType.AWS_LAMBDA, gate, [HookStage.PRE_PRODUCTION_TRAFFIC_SHIFT], TimeSpan.FromMinutes(10), HookAction.ROLLBACK);
        var run = new Run(ShiftStrategy.Of(ShiftKind.LINEAR, 50, 4), [hook]);
        run.Lambdas[gate] = new LambdaOutcome(true, TimeSpan.FromMinutes(1)); // each step's gate answers after a minute
        run.Step();
        run.Step();
        Assert.Equal(0, run.Progress.ProductionGreenPercent);
        run.AdvanceTo(T0.AddMinutes(1));
        run.Step();
        Assert.Equal(50, run.Progress.ProductionGreenPercent);
        Assert.Equal(T0.AddMinutes(5), run.Last.WakeAt); // the step bakes 4 minutes from its move
        run.AdvanceTo(T0.AddMinutes(5));
        run.Step();
        Assert.Equal(50, run.Progress.ProductionGreenPercent); // the next step's gate runs first
        run.AdvanceTo(T0.AddMinutes(6));
        run.Step();
        Assert.Equal(100, run.Progress.ProductionGreenPercent);
    }

    public static TheoryData<LifecycleStage> StagesBeforeCleanUp => new(Enum.GetValues<LifecycleStage>().Where(s => s != LifecycleStage.CLEAN_UP));

    /// <summary>A rollback asked for in any stage before CLEAN_UP flips all traffic back to blue and scales green in; in CLEAN_UP it is too late.</summary>
    [Theory]
    [MemberData(nameof(StagesBeforeCleanUp))]
    public void B_DP_6_rollback_from_every_stage_before_clean_up_flips_traffic_back(LifecycleStage stage)
    {
        var hold = new LifecycleHookSpec(HookTargetType.PAUSE, null,
            [HookStage.RECONCILE_SERVICE, HookStage.PRE_SCALE_UP, HookStage.POST_SCALE_UP, HookStage.POST_TEST_TRAFFIC_SHIFT, HookStage.PRE_PRODUCTION_TRAFFIC_SHIFT, HookStage.POST_PRODUCTION_TRAFFIC_SHIFT],
            TimeSpan.FromMinutes(600), HookAction.CONTINUE);
        var progress = BlueGreenProgress.Start(T0, 4) with
        {
            Stage = stage,
            ProductionGreenPercent = stage >= LifecycleStage.PRODUCTION_TRAFFIC_SHIFT ? 100 : 0,
            TestOnGreen = stage >= LifecycleStage.TEST_TRAFFIC_SHIFT,
            GreenDesired = stage >= LifecycleStage.SCALE_UP ? 4 : 0,
        };
        var facts = new BlueGreenFacts(T0.AddMinutes(1), 4, progress.GreenDesired, progress.GreenDesired, 4, true, true, new Dictionary<int, HookAction>(),
            _ => LambdaOutcome.Succeeded, "circuit breaker: 3 tasks failed");
        var step = BlueGreenLifecycle.Advance(progress, ShiftStrategy.Of(ShiftKind.LINEAR), [hold], facts);
        Assert.Equal(progress.GreenDesired == 0 ? BlueGreenResult.RolledBack : BlueGreenResult.RollingBack, step.Progress.Result);
        Assert.Equal(0, step.Progress.ProductionGreenPercent);
        Assert.False(step.Progress.TestOnGreen);
        Assert.Equal(0, step.Progress.GreenDesired);
        Assert.Equal(4, step.Progress.BlueDesired);
        Assert.Equal("circuit breaker: 3 tasks failed", step.Progress.Reason);
        var done = BlueGreenLifecycle.Advance(step.Progress, ShiftStrategy.Of(ShiftKind.LINEAR), [hold], facts with { GreenRunning = 0, GreenHealthy = 0 });
        Assert.Equal(BlueGreenResult.RolledBack, done.Progress.Result);

        var cleaning = BlueGreenLifecycle.Advance(progress with { Stage = LifecycleStage.CLEAN_UP, ProductionGreenPercent = 100 },
            ShiftStrategy.Of(ShiftKind.LINEAR), [hold], facts with { BlueRunning = 0 });
        Assert.Equal(BlueGreenResult.Succeeded, cleaning.Progress.Result); // too late to roll back
    }
}
