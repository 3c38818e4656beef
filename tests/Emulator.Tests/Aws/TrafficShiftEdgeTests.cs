using System.Text.Json;
using System.Text.Json.Nodes;
using Emulator.Contracts;
using Emulator.Silo.Aws;
using Emulator.Silo.Aws.Ecs;
using Emulator.Silo.Hosting;

namespace Emulator.Tests.Aws;

/// <summary>
/// B-DP-6 / B-DP-7 at the ECS edge, without a silo: deploymentConfiguration's linearConfiguration, canaryConfiguration and
/// lifecycleHooks and loadBalancers[].advancedConfiguration read into the contracts and written back exactly as the user
/// wrote them; bad settings refused with InvalidParameterException; the Lambda hook outcome a user names
/// (/emulator/lambda-hooks, client lambda-hook) read the same way everywhere.
/// </summary>
public sealed class TrafficShiftEdgeTests
{
    private static JsonInput Input(string json)
    {
        using var doc = JsonDocument.Parse(json);
        return new JsonInput(doc.RootElement.Clone());
    }

    private const string Everything = """
        {
          "strategy": "CANARY",
          "linearConfiguration": {"stepPercent": 12.5, "stepBakeTimeInMinutes": 3},
          "canaryConfiguration": {"canaryPercent": 10, "canaryBakeTimeInMinutes": 1},
          "lifecycleHooks": [
            {"targetType": "PAUSE", "lifecycleStages": ["POST_TEST_TRAFFIC_SHIFT", "POST_SCALE_UP"],
             "timeoutConfiguration": {"timeoutInMinutes": 30, "action": "CONTINUE"}},
            {"targetType": "AWS_LAMBDA", "hookTargetArn": "arn:aws:lambda:us-east-1:000000000000:function:check",
             "roleArn": "arn:aws:iam::000000000000:role/hooks", "lifecycleStages": ["PRODUCTION_TRAFFIC_SHIFT"],
             "hookDetails": {"url": "https://example.test/health", "retries": [1, 2], "strict": true}}
          ]
        }
        """;

    [Fact]
    public void B_DP_6_every_traffic_shift_member_round_trips_as_written()
    {
        var settings = EcsTrafficShiftInputs.Settings(Input(Everything));
        Assert.NotNull(settings);
        Assert.Equal((12.5, 3, 10.0, 1), (settings.StepPercent!.Value, settings.StepBakeTimeInMinutes!.Value, settings.CanaryPercent!.Value, settings.CanaryBakeTimeInMinutes!.Value));
        Assert.Equal(2, settings.Hooks.Length);
        var pause = settings.Hooks[0];
        Assert.Equal(("PAUSE", null, null, 30, "CONTINUE", null), (pause.TargetType, pause.HookTargetArn, pause.RoleArn, pause.TimeoutInMinutes, pause.TimeoutAction, pause.HookDetailsJson));
        Assert.Equal(new[] { "POST_TEST_TRAFFIC_SHIFT", "POST_SCALE_UP" }, pause.Stages.ToArray());
        var lambda = settings.Hooks[1];
        Assert.Equal(("AWS_LAMBDA", "arn:aws:lambda:us-east-1:000000000000:function:check", "arn:aws:iam::000000000000:role/hooks", (int?)null, (string?)null),
            (lambda.TargetType, lambda.HookTargetArn, lambda.RoleArn, lambda.TimeoutInMinutes, lambda.TimeoutAction));

        // Written back: exactly the members given (no defaults filled in), hookDetails the same JSON value.
        var written = new JsonObject().WithTrafficShift(settings);
        var expected = JsonNode.Parse(Everything)!.AsObject();
        expected.Remove("strategy");
        Assert.True(JsonNode.DeepEquals(expected, written), written.ToJsonString());
    }

    [Fact]
    public void B_DP_6_an_update_naming_one_member_keeps_the_others_and_an_empty_hook_list_removes_the_hooks()
    {
        var current = EcsTrafficShiftInputs.Settings(Input(Everything))!;
        Assert.Null(EcsTrafficShiftInputs.Settings(Input("""{"strategy": "LINEAR", "bakeTimeInMinutes": 5}"""), current));
        Assert.Null(EcsTrafficShiftInputs.Settings(null, current));

        var canary = EcsTrafficShiftInputs.Settings(Input("""{"canaryConfiguration": {"canaryPercent": 25}}"""), current)!;
        Assert.Equal((12.5, 3, 25.0, (int?)null), (canary.StepPercent!.Value, canary.StepBakeTimeInMinutes!.Value, canary.CanaryPercent!.Value, canary.CanaryBakeTimeInMinutes));
        Assert.Equal(current.Hooks, canary.Hooks);

        var noHooks = EcsTrafficShiftInputs.Settings(Input("""{"lifecycleHooks": []}"""), current)!;
        Assert.Empty(noHooks.Hooks);
        Assert.Equal((current.StepPercent, current.CanaryPercent), (noHooks.StepPercent, noHooks.CanaryPercent));
        Assert.False(new JsonObject().WithTrafficShift(noHooks).ContainsKey("lifecycleHooks"));
    }

    public static TheoryData<string, string> BadSettings() => new()
    {
        { """{"linearConfiguration": {"stepPercent": 2}}""", "stepPercent" },
        { """{"linearConfiguration": {"stepPercent": 10, "stepBakeTimeInMinutes": 1441}}""", "stepBakeTimeInMinutes" },
        { """{"canaryConfiguration": {"canaryPercent": 0}}""", "canaryPercent" },
        { """{"canaryConfiguration": {"canaryPercent": 100.5}}""", "canaryPercent" },
        { """{"lifecycleHooks": [{"targetType": "PAUSE", "lifecycleStages": ["TEST_TRAFFIC_SHIFT"]}]}""", "PAUSE" },
        { """{"lifecycleHooks": [{"targetType": "PAUSE", "lifecycleStages": ["PRODUCTION_TRAFFIC_SHIFT"]}]}""", "PAUSE" },
        { """{"lifecycleHooks": [{"targetType": "PAUSE", "lifecycleStages": ["AFTER_LUNCH"]}]}""", "lifecycleStages" },
        { """{"lifecycleHooks": [{"targetType": "PAUSE", "lifecycleStages": []}]}""", "lifecycleStages" },
        { """{"lifecycleHooks": [{"targetType": "AWS_LAMBDA", "lifecycleStages": ["POST_SCALE_UP"]}]}""", "hookTargetArn" },
        { """{"lifecycleHooks": [{"targetType": "SNS", "hookTargetArn": "x", "lifecycleStages": ["POST_SCALE_UP"]}]}""", "targetType" },
        { """{"lifecycleHooks": [{"targetType": "PAUSE", "lifecycleStages": ["POST_SCALE_UP"], "timeoutConfiguration": {"timeoutInMinutes": 0}}]}""", "timeoutInMinutes" },
        { """{"lifecycleHooks": [{"targetType": "PAUSE", "lifecycleStages": ["POST_SCALE_UP"], "timeoutConfiguration": {"timeoutInMinutes": 1441}}]}""", "timeoutInMinutes" },
        { """{"lifecycleHooks": [{"targetType": "PAUSE", "lifecycleStages": ["POST_SCALE_UP"], "timeoutConfiguration": {"action": "MAYBE"}}]}""", "action" },
    };

    [Theory]
    [MemberData(nameof(BadSettings))]
    public void B_DP_7_bad_settings_are_InvalidParameterException_whatever_the_strategy(string deploymentConfiguration, string named)
    {
        var e = Assert.Throws<EcsException>(() => EcsTrafficShiftInputs.Settings(Input(deploymentConfiguration)));
        Assert.Equal(ErrorCodes.InvalidParameter, e.Code);
        Assert.Contains(named, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void B_DP_6_advanced_configuration_round_trips_and_needs_its_alternate_target_group()
    {
        const string json = """
            {"alternateTargetGroupArn": "arn:aws:elasticloadbalancing:us-east-1:000000000000:targetgroup/green/0123456789abcdef",
             "productionListenerRule": "arn:aws:elasticloadbalancing:us-east-1:000000000000:listener-rule/app/lb/0123456789abcdef/0123456789abcdef/0123456789abcdef",
             "testListenerRule": "arn:aws:elasticloadbalancing:us-east-1:000000000000:listener-rule/app/lb/0123456789abcdef/0123456789abcdee/0123456789abcdef",
             "roleArn": "arn:aws:iam::000000000000:role/ecsInfrastructureRoleForLoadBalancers"}
            """;
        var advanced = EcsTrafficShiftInputs.Advanced(Input(json))!;
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(json), EcsTrafficShiftShapes.Advanced(advanced)));
        Assert.Null(EcsTrafficShiftInputs.Advanced(null));

        var balancers = EcsInputs.LoadBalancers(Input($$"""{"loadBalancers": [{"targetGroupArn": "arn:blue", "containerName": "web", "containerPort": 80, "advancedConfiguration": {{json}}}]}"""));
        Assert.Equal(advanced, balancers[0].Advanced);

        var e = Assert.Throws<EcsException>(() => EcsInputs.LoadBalancers(Input("""{"loadBalancers": [{"targetGroupArn": "arn:blue", "advancedConfiguration": {"productionListenerRule": "r"}}]}""")));
        Assert.Equal((ErrorCodes.InvalidParameter, true), (e.Code, e.Message.Contains("alternateTargetGroupArn", StringComparison.Ordinal)));
    }

    [Fact]
    public void B_DP_6_the_service_options_patch_carries_the_traffic_shift()
    {
        var patch = EcsInputs.ServiceOptionsPatch(Input($$"""{"deploymentConfiguration": {{Everything}}}"""));
        Assert.Equal("CANARY", patch.Strategy);
        Assert.Equal(10.0, patch.TrafficShift!.CanaryPercent);
        Assert.Equal(patch.TrafficShift, ServiceOptions.Default.With(patch).TrafficShift);
        Assert.Null(EcsInputs.ServiceOptionsPatch(Input("""{"deploymentConfiguration": {"maximumPercent": 200}}""")).TrafficShift);
    }

    [Fact]
    public void B_DP_7_hook_details_show_what_continue_service_deployment_needs()
    {
        var expires = new DateTimeOffset(2026, 12, 6, 22, 0, 0, 500, TimeSpan.Zero);
        var pause = EcsTrafficShiftShapes.HookDetail(new LifecycleHookDetail("ecs-pause-1", "PAUSE", null, "AWAITING_ACTION", expires, "ROLLBACK", "POST_TEST_TRAFFIC_SHIFT"));
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""
            {"hookId": "ecs-pause-1", "targetType": "PAUSE", "status": "AWAITING_ACTION", "expiresAt": 1796594400.5, "timeoutAction": "ROLLBACK"}
            """), pause), pause.ToJsonString());
        var lambda = EcsTrafficShiftShapes.HookDetail(new LifecycleHookDetail("ecs-lambda-2", "AWS_LAMBDA", "arn:aws:lambda:us-east-1:000000000000:function:f", "SUCCEEDED", null, "CONTINUE", "POST_SCALE_UP"));
        Assert.Equal("arn:aws:lambda:us-east-1:000000000000:function:f", (string)lambda["targetArn"]!);
        Assert.False(lambda.ContainsKey("expiresAt"));
    }

    public static TheoryData<string, string> BadOutcomes() => new()
    {
        { """[]""", "JSON object" },
        { """{"result": "FAILED"}""", "functionArn is required" },
        { """{"functionArn": "check", "result": "FAILED"}""", "not a Lambda function ARN" },
        { """{"functionArn": "arn:aws:lambda:us-east-1:000000000000:function:f"}""", "result is required" },
        { """{"functionArn": "arn:aws:lambda:us-east-1:000000000000:function:f", "result": "OK"}""", "SUCCEEDED or FAILED" },
        { """{"functionArn": "arn:aws:lambda:us-east-1:000000000000:function:f", "result": "FAILED", "inProgressSeconds": -1}""", "at least 0" },
        { """{"functionArn": "arn:aws:lambda:us-east-1:000000000000:function:f", "result": "FAILED", "inProgressSeconds": "10"}""", "must be a number" },
        { """{"functionArn": "arn:aws:lambda:us-east-1:000000000000:function:f", "result": "FAILED", "inProgressSeconds": 5, "forever": true}""", "not both" },
        { """{"functionArn": "arn:aws:lambda:us-east-1:000000000000:function:f", "result": "FAILED", "forever": "yes"}""", "true or false" },
        { """{"functionArn": "arn:aws:lambda:us-east-1:000000000000:function:f", "result": "FAILED", "delay": 5}""", "Unknown member 'delay'" },
    };

    [Theory]
    [MemberData(nameof(BadOutcomes))]
    public void B_DP_7_a_bad_lambda_hook_outcome_is_refused_with_a_clear_message(string body, string message)
    {
        using var doc = JsonDocument.Parse(body);
        var e = Assert.Throws<EcsException>(() => LambdaHookEndpoints.Parse(doc.RootElement));
        Assert.Equal(ErrorCodes.InvalidParameter, e.Code);
        Assert.Contains(message, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void B_DP_7_lambda_hook_outcomes_read_as_written()
    {
        const string arn = "arn:aws:lambda:us-east-1:000000000000:function:f";
        LambdaHookOutcome Parse(string body)
        {
            using var doc = JsonDocument.Parse(body);
            return LambdaHookEndpoints.Parse(doc.RootElement);
        }

        Assert.Equal(new LambdaHookOutcome(arn, false, 0), Parse($$"""{"functionArn": "{{arn}}", "result": "FAILED"}"""));
        Assert.Equal(new LambdaHookOutcome(arn, true, 30), Parse($$"""{"functionArn": "{{arn}}", "result": "SUCCEEDED", "inProgressSeconds": 30}"""));
        Assert.Equal(new LambdaHookOutcome(arn, true, null), Parse($$"""{"functionArn": "{{arn}}", "forever": true}"""));
        Assert.Equal("IN_PROGRESS forever (the hook times out)", LambdaHookOutcomes.Describe(new LambdaHookOutcome(arn, false, null)));
        Assert.Equal("FAILED after 30 s IN_PROGRESS (emulated)", LambdaHookOutcomes.Describe(new LambdaHookOutcome(arn, false, 30)));
        Assert.Equal(("SUCCEEDED", "FAILED"), (LambdaHookOutcomes.Result(new(arn, true, 0)), LambdaHookOutcomes.Result(new(arn, false, 0))));
    }
}
