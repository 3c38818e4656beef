using Emulator.Client.Chaos;
using Emulator.Client.Scenarios;
using Emulator.Contracts;

namespace Emulator.Tests.Client;

/// <summary>
/// The scenario and experiment steps of blue/green, linear and canary deployments (B-ELB-1, B-DP-6, B-DP-7) are checked
/// before anything runs, and the seed's CodeDeploy configurations map onto the native strategies as the model says.
/// </summary>
public sealed class BlueGreenParserTests
{
    private const string Steps = """
        name: bg
        steps:
          - createTargetGroup: { name: blue }
          - createTargetGroup: { name: green }
          - createLoadBalancer: { name: alb }
          - createListener: { loadBalancer: alb, name: http, port: 80, fixedResponse: "404" }
          - createListenerRule: { listener: http, name: prod, priority: 10, pathPattern: ["/*"], forward: [{ targetGroup: blue, weight: 100 }, { targetGroup: green, weight: 0 }] }
          - createListenerRule: { listener: http, name: test, priority: 5, httpHeader: { header: X-Test, values: ["true"] }, forward: [{ targetGroup: green }] }
          - createService:
              cluster: c
              name: web
              taskDefinition: web
              targetGroup: blue
              advanced: { alternateTargetGroup: green, productionListenerRule: prod, testListenerRule: test }
              preset: ECSCanary10Percent5Minutes
              bakeTimeInMinutes: 2
              lifecycleHooks:
                - { targetType: PAUSE, lifecycleStages: [POST_TEST_TRAFFIC_SHIFT], timeoutInMinutes: 30, timeoutAction: CONTINUE }
                - { targetType: AWS_LAMBDA, hookTargetArn: "arn:aws:lambda:us-east-1:000000000000:function:check", lifecycleStages: [PRE_SCALE_UP] }
          - setListenerTraffic: { listener: http, rps: 10, headers: { X-Test: "true" } }
          - setLambdaHookOutcome: { functionArn: "arn:aws:lambda:us-east-1:000000000000:function:check", outcome: FAILED, after: 30s }
          - waitFor: { hookStatus: AWAITING_ACTION, cluster: c, service: web, stage: POST_TEST_TRAFFIC_SHIFT }
          - continueDeployment: { cluster: c, service: web, action: ROLLBACK }
          - waitFor: { lifecycleStage: BAKE_TIME, cluster: c, service: web }
          - waitFor: { greenTrafficPercent: 10, cluster: c, service: web, traffic: production }
          - assert: { forwardWeightPercent: 100, rule: prod, targetGroup: blue }
        """;

    [Fact]
    public void B_DP_6_blue_green_steps_parse_and_the_suffix_names_listeners_rules_and_their_references_alike()
    {
        var s = ScenarioParser.Parse(Steps, "-x");
        Assert.Equal("alb-x", s.Steps[2].Str("name"));
        Assert.Equal("alb-x", s.Steps[3].Str("loadBalancer"));
        Assert.Equal("http-x", s.Steps[3].Str("name"));
        Assert.Equal("http-x", s.Steps[4].Str("listener"));
        Assert.Equal("blue-x", s.Steps[4].Maps("forward")[0].Str("targetGroup"));
        Assert.Equal("X-Test", s.Steps[5].Map("httpHeader").Str("header")); // a header name is no resource name
        var advanced = s.Steps[6].Map("advanced");
        Assert.Equal(["green-x", "prod-x", "test-x"], [advanced.Str("alternateTargetGroup"), advanced.Str("productionListenerRule"), advanced.Str("testListenerRule")]);
        Assert.Equal("prod-x", s.Steps[^1].Str("rule"));
        Assert.Equal("blue-x", s.Steps[^1].Str("targetGroup"));
    }

    [Theory]
    [InlineData("ECSAllAtOnce", "BLUE_GREEN", null, null, null, null)]
    [InlineData("ECSLinear10PercentEvery1Minutes", "LINEAR", 10.0, 1, null, null)]
    [InlineData("CodeDeployDefault.ECSLinear10PercentEvery3Minutes", "LINEAR", 10.0, 3, null, null)]
    [InlineData("ECSCanary10Percent5Minutes", "CANARY", null, null, 10.0, 5)]
    [InlineData("ECSCanary10Percent15Minutes", "CANARY", null, null, 10.0, 15)]
    public void B_DP_6_a_preset_sets_the_strategy_and_its_steps_and_keeps_the_services_hooks(
        string preset, string strategy, double? stepPercent, int? stepBake, double? canaryPercent, int? canaryBake)
    {
        var step = new ScenarioStep(1, "updateService", new Dictionary<string, object?> { ["cluster"] = "c", ["name"] = "web", ["preset"] = preset });
        var hook = new LifecycleHookSettings("PAUSE", null, null, ["POST_SCALE_UP"], null, null);
        var current = ServiceOptions.Default with { Strategy = "BLUE_GREEN", TrafficShift = new TrafficShiftSettings(33, 2, null, null, [hook]) };
        var (s, shift) = ScenarioRunner.StrategyOf(step, current);
        Assert.Equal(strategy, s);
        Assert.NotNull(shift);
        Assert.Equal(stepPercent, shift.StepPercent);
        Assert.Equal(stepBake, shift.StepBakeTimeInMinutes);
        Assert.Equal(canaryPercent, shift.CanaryPercent);
        Assert.Equal(canaryBake, shift.CanaryBakeTimeInMinutes);
        Assert.Same(hook, Assert.Single(shift.Hooks));
    }

    [Fact]
    public void B_DP_6_linear_and_canary_configurations_override_only_what_they_name()
    {
        var yaml = """
            name: x
            steps:
              - updateService: { cluster: c, name: web, deploymentStrategy: LINEAR, linearConfiguration: { stepPercent: 33 } }
            """;
        var step = ScenarioParser.Parse(yaml, null).Steps[0];
        var (strategy, shift) = ScenarioRunner.StrategyOf(step, ServiceOptions.Default with { TrafficShift = new TrafficShiftSettings(10, 4, 5, 7, []) });
        Assert.Equal("LINEAR", strategy);
        Assert.Equal(new TrafficShiftSettings(33, 4, 5, 7, []), shift! with { Hooks = [] });
    }

    [Theory]
    [InlineData("preset: ECSBogus", "unknown preset 'ECSBogus'")]
    [InlineData("preset: ECSCanary10Percent5Minutes, deploymentStrategy: LINEAR", "is a CANARY deployment")]
    [InlineData("preset: ECSAllAtOnce, linearConfiguration: { stepPercent: 20 }", "name no linearConfiguration")]
    [InlineData("deploymentStrategy: PURPLE", "deploymentStrategy is one of")]
    [InlineData("deploymentStrategy: LINEAR, linearConfiguration: { stepPercent: 2 }", "stepPercent must be a multiple of 0.1 between 3.0 and 100")]
    [InlineData("deploymentStrategy: CANARY, canaryConfiguration: { canaryPercent: 0 }", "canaryPercent must be a multiple of 0.1 between 0.1 and 100")]
    [InlineData("bakeTimeInMinutes: 1441", "bakeTimeInMinutes: must be between 0 and 1440")]
    [InlineData("lifecycleHooks: [{ targetType: PAUSE, lifecycleStages: [BAKE_TIME] }]", "not 'BAKE_TIME'")]
    [InlineData("lifecycleHooks: [{ targetType: AWS_LAMBDA, lifecycleStages: [PRE_SCALE_UP] }]", "needs hookTargetArn")]
    [InlineData("lifecycleHooks: [{ targetType: PAUSE, lifecycleStages: [PRE_SCALE_UP], timeoutInMinutes: 0 }]", "timeoutInMinutes is 1..1440")]
    [InlineData("advanced: { alternateTargetGroup: g, productionListenerRule: r }", "advanced configures the service's targetGroup")]
    [InlineData("targetGroup: b, advanced: { alternateTargetGroup: g }", "'productionListenerRule' is required")]
    public void B_DP_6_bad_strategy_settings_fail_before_anything_runs(string args, string expected)
    {
        var e = Assert.Throws<ScenarioException>(() => ScenarioParser.Parse($"name: x\nsteps:\n  - createService: {{ cluster: c, name: web, taskDefinition: t, {args} }}\n", null));
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("createListenerRule: { listener: l, name: r, priority: 1, forward: [{ targetGroup: t }] }", "needs a condition")]
    [InlineData("createListener: { loadBalancer: a, name: l, port: 80 }", "name one action")]
    [InlineData("createListener: { loadBalancer: a, name: l, port: 80, forward: [{ targetGroup: t, weight: 1000 }] }", "weight is 0..999")]
    [InlineData("createLoadBalancer: { name: a, zones: [us-east-1a] }", "two zones or more")]
    [InlineData("setLambdaHookOutcome: { functionArn: f, outcome: MAYBE }", "outcome is SUCCEEDED, FAILED or IN_PROGRESS")]
    [InlineData("continueDeployment: { cluster: c, service: s, action: PAUSE }", "action is CONTINUE or ROLLBACK")]
    [InlineData("waitFor: { lifecycleStage: SOMEWHERE, cluster: c, service: s }", "lifecycleStage must be one of")]
    [InlineData("waitFor: { hookStatus: AWAITING_ACTION, cluster: c }", "need 'service' and 'cluster'")]
    [InlineData("waitFor: { forwardWeightPercent: 100, rule: r }", "forwardWeightPercent needs 'rule'")]
    public void B_ELB_1_B_DP_7_bad_steps_fail_with_the_reason(string step, string expected)
    {
        var e = Assert.Throws<ScenarioException>(() => ScenarioParser.Parse($"name: x\nsteps:\n  - {step}\n", null));
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("emulator:deploy", "{ service: web, taskDefinition: t, preset: ECSLinear50Percent }", "unknown preset")]
    [InlineData("emulator:deploy", "{ service: web, taskDefinition: t, deploymentStrategy: SIDEWAYS }", "deploymentStrategy is one of")]
    [InlineData("emulator:continue-deployment", "{ service: web, action: SKIP }", "action is CONTINUE or ROLLBACK")]
    [InlineData("emulator:continue-deployment", "{ action: CONTINUE }", "service")]
    [InlineData("emulator:set-lambda-hook-outcome", "{ functionArn: f, outcome: IN_PROGRESS, after: 1m }", "after is how long")]
    public void B_DP_7_experiment_actions_are_checked(string actionId, string parameters, string expected)
    {
        var e = Assert.Throws<ExperimentException>(() => ExperimentParser.Parse($$"""
            cluster: c
            actions:
              a: { actionId: "{{actionId}}", parameters: {{parameters}} }
            """));
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void B_DP_6_shipped_blue_green_experiments_parse_with_their_actions_in_order()
    {
        var dir = Path.Combine(ScenarioParserTests.RepoRoot(), "experiments");
        var pause = ExperimentParser.Parse(File.ReadAllText(Path.Combine(dir, "blue-green-pause-hook.yaml")), null, "blue-green-pause-hook.yaml", "-s");
        Assert.Equal(["deploy", "holdAtTheHook", "continueAfterReview"], pause.Actions.Select(a => a.Name));
        Assert.Equal("web-s", pause.Actions[2].Parameters["service"]);
        var linear = ExperimentParser.Parse(File.ReadAllText(Path.Combine(dir, "linear-good-revision.yaml")), null, "linear-good-revision.yaml");
        Assert.Equal("ECSLinear10PercentEvery1Minutes", Assert.Single(linear.Actions).Parameters["preset"]);
        var canary = ExperimentParser.Parse(File.ReadAllText(Path.Combine(dir, "canary-bad-revision-alarm-rollback.yaml")), null, "canary-bad-revision-alarm-rollback.yaml");
        Assert.Contains(canary.SteadyState, p => p.Kind == "forwardWeightPercent");
    }
}
