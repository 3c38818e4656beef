using System.Collections.Immutable;
using System.Text.Json.Nodes;
using Emulator.Contracts;
using Xunit.Abstractions;

namespace Emulator.Tests.EndToEnd;

/// <summary>
/// B-DP-6 / B-DP-7 end to end on the emulated clock: a service behind a listener whose production rule forwards to two
/// target groups deploys a new revision as a CANARY / LINEAR / BLUE_GREEN traffic shift: green scaled up in the
/// alternate group before any traffic, the rule's weights moved step by step, CLEAN_UP and the swap; PAUSE hooks wait for
/// ContinueServiceDeployment; a rollback flips all traffic back to blue. Real synthetic traffic flows through the
/// listener the whole time, and the failed requests are counted.
/// </summary>
[Collection(EmulatorCollection.Name)]
public sealed class TrafficShiftTests(EmulatorClusterFixture fixture, ITestOutputHelper output) : IAsyncLifetime
{
    private const string Role = "arn:aws:iam::000000000000:role/ecsInfrastructureRoleForLoadBalancers";
    private readonly EcsDriver _ecs = new(fixture);

    public Task InitializeAsync() => _ecs.InitializeAsync();

    public Task DisposeAsync() => _ecs.DisposeAsync();

    [Fact]
    public async Task B_DP_6_canary_moves_the_production_weights_in_steps_then_swaps_groups_with_no_failed_request()
    {
        var setup = await Setup("canary", "CANARY", new TrafficShiftSettings(null, null, 10, 3, []), bakeMinutes: 1);
        var (sd, _) = await Deploy(setup);

        // SCALE_UP before any traffic: green's 4 tasks healthy in the alternate group while blue keeps 100 %.
        await _ecs.WaitUntil("green scaled up", async () => (await Shift(setup, sd))?.LifecycleStage is "PRODUCTION_TRAFFIC_SHIFT", TimeSpan.FromMinutes(10));
        Assert.Equal(4, await Healthy(setup.Green));
        Assert.Equal(4, await Healthy(setup.Blue));

        // Canary: 10 % on green (ELB weights 900 / 100), visible on the rule, the view and the target revision's weight.
        var view = (await Shift(setup, sd))!;
        Assert.Equal(10, view.ProductionGreenPercent);
        AssertWeights(900, 100, await Weights(setup));
        var record = await Record(setup, sd);
        Assert.Equal("PRODUCTION_TRAFFIC_SHIFT", record.Record.LifecycleStage);
        Assert.Equal(10, record.Target.ProductionTrafficWeight);
        Assert.Equal(90, Assert.Single(record.Sources).ProductionTrafficWeight);

        // After the canary bake (3 min): all on green, then the bake time (1 min), CLEAN_UP (blue to 0) and the swap.
        await _ecs.Advance(TimeSpan.FromMinutes(2));
        AssertWeights(900, 100, await Weights(setup));
        await _ecs.WaitUntil("all production traffic on green", async () => (await Weights(setup))[1] == 1 && (await Weights(setup))[0] == 0, TimeSpan.FromMinutes(2));
        await _ecs.WaitUntil("SUCCESSFUL", async () => (await Record(setup, sd)).Record.Status == ServiceDeploymentStatuses.Successful, TimeSpan.FromMinutes(10));
        Assert.Equal("SUCCEEDED", (await Shift(setup, sd))!.Result);
        await _ecs.WaitUntil("blue targets gone", async () => await Healthy(setup.Blue) == 0, TimeSpan.FromMinutes(5));
        Assert.Equal(4, await Healthy(setup.Green));
        var service = (await _ecs.Grains.GetGrain<IServiceGrain>(GrainKeys.Service(setup.Cluster, setup.Service)).Describe())!;
        Assert.Equal(4, service.RunningCount);
        Assert.All(service.Deployments, d => Assert.Equal(setup.V2.Arn, d.TaskDefinitionArn));

        // Not one request failed across the whole shift (blue kept serving until green took over).
        var figures = await Traffic(setup);
        Assert.True(figures.Sum(f => f.Requests) > 30_000, $"{figures.Sum(f => f.Requests)} requests");
        Assert.Equal(0, figures.Sum(f => f.Failed503NoHealthyTarget + f.Failed502TargetDied + f.Failed5xxOverloaded));

        // The next deployment shifts the other way: green's group is now the service's, blue the alternate.
        var (sd2, _) = await Deploy(setup, setup.V1);
        await _ecs.WaitUntil("second shift under way", async () => (await Shift(setup, sd2))?.LifecycleStage is "PRODUCTION_TRAFFIC_SHIFT", TimeSpan.FromMinutes(10));
        var second = (await Shift(setup, sd2))!;
        Assert.Equal(setup.Green.Arn, second.BlueTargetGroupArn);
        Assert.Equal(setup.Blue.Arn, second.GreenTargetGroupArn);
        AssertWeights(100, 900, await Weights(setup));
        await _ecs.CheckInvariants();
    }

    [Fact]
    public async Task B_DP_7_a_pause_hook_holds_the_deployment_until_rollback_is_answered_then_traffic_flips_to_blue()
    {
        var hook = new LifecycleHookSettings("PAUSE", null, null, ["POST_TEST_TRAFFIC_SHIFT"], 30, "ROLLBACK");
        var setup = await Setup("pause", "LINEAR", new TrafficShiftSettings(20, 1, null, null, [hook]), bakeMinutes: 0);
        var (sd, _) = await Deploy(setup);
        await _ecs.WaitUntil("paused", async () => (await Shift(setup, sd))?.Hooks.Any(h => h.Status == "AWAITING_ACTION") == true, TimeSpan.FromMinutes(10));

        // Held: the stage does not move while the hook waits (well inside its 30 minute timeout).
        await _ecs.Advance(TimeSpan.FromMinutes(5));
        var paused = (await Shift(setup, sd))!;
        Assert.Equal("POST_TEST_TRAFFIC_SHIFT", paused.LifecycleStage);
        Assert.Equal(0, paused.ProductionGreenPercent);
        AssertWeights(1, 0, await Weights(setup));
        var detail = Assert.Single(paused.Hooks);
        Assert.Equal("PAUSE", detail.TargetType);
        Assert.Equal("ROLLBACK", detail.TimeoutAction);

        var grain = _ecs.Grains.GetGrain<IServiceGrain>(GrainKeys.Service(setup.Cluster, setup.Service));
        var bad = await Assert.ThrowsAsync<EcsException>(() => grain.ContinueServiceDeployment(sd, detail.HookId, "MAYBE"));
        Assert.Equal(ErrorCodes.InvalidParameter, bad.Code);
        var unknown = await Assert.ThrowsAsync<EcsException>(() => grain.ContinueServiceDeployment(sd, "no-such-hook", "CONTINUE"));
        Assert.Equal(ErrorCodes.Conflict, unknown.Code);

        await grain.ContinueServiceDeployment(sd, detail.HookId, "ROLLBACK");
        await _ecs.WaitUntil("ROLLBACK_SUCCESSFUL", async () => (await Record(setup, sd)).Record.Status == ServiceDeploymentStatuses.RollbackSuccessful, TimeSpan.FromMinutes(10));
        Assert.Equal("ROLLED_BACK", (await Shift(setup, sd))!.Result);
        AssertWeights(1, 0, await Weights(setup));
        await _ecs.WaitUntil("green gone", async () => await Healthy(setup.Green) == 0, TimeSpan.FromMinutes(5));
        Assert.Equal(4, await Healthy(setup.Blue));
        var service = (await _ecs.Grains.GetGrain<IServiceGrain>(GrainKeys.Service(setup.Cluster, setup.Service)).Describe())!;
        Assert.All(service.Deployments, d => Assert.Equal(setup.V1.Arn, d.TaskDefinitionArn));
        var figures = await Traffic(setup);
        Assert.Equal(0, figures.Sum(f => f.Failed503NoHealthyTarget + f.Failed502TargetDied + f.Failed5xxOverloaded));
        await _ecs.CheckInvariants();
    }

    [Fact]
    public async Task B_DP_7_a_pause_hook_that_times_out_with_continue_lets_blue_green_finish()
    {
        var hook = new LifecycleHookSettings("PAUSE", null, null, ["PRE_SCALE_UP"], 2, "CONTINUE");
        var setup = await Setup("timeout", "BLUE_GREEN", new TrafficShiftSettings(null, null, null, null, [hook]), bakeMinutes: 0);
        var (sd, _) = await Deploy(setup);
        await _ecs.WaitUntil("paused", async () => (await Shift(setup, sd))?.Hooks.Any(h => h.Status == "AWAITING_ACTION") == true, TimeSpan.FromMinutes(5));
        Assert.Equal("PRE_SCALE_UP", (await Shift(setup, sd))!.LifecycleStage);
        await _ecs.WaitUntil("SUCCESSFUL", async () => (await Record(setup, sd)).Record.Status == ServiceDeploymentStatuses.Successful, TimeSpan.FromMinutes(15));
        AssertWeights(0, 1, await Weights(setup));
    }

    [Fact]
    public async Task B_DP_6_a_bad_canary_is_rolled_back_by_an_alarm_losing_at_most_its_share_of_requests_for_the_detection_time()
    {
        // Green answers every request 5xx (B-DP-8); an alarm on the green group's target 5xx rolls the deployment back.
        var alarm = EmulatorClusterFixture.Unique("canary-5xx");
        var setup = await Setup("badcanary", "CANARY", new TrafficShiftSettings(null, null, 10, 10, []), bakeMinutes: 0,
            alarms: new DeploymentAlarmsSpec([alarm], true, true), badV2: true);
        await _ecs.Grains.GetGrain<ICloudWatchAlarmsGrain>(0).Put(new AlarmSpec(alarm, "B-DP-6 canary 5xx", true, [], [], [], MetricNamespaces.ApplicationElb,
            "HTTPCode_Target_5XX_Count", [new MetricDimension("TargetGroup", TargetGroupArns.Dimension(setup.Green.Arn))], "Sum", null, 60, "Count",
            1, null, 10, "GreaterThanThreshold", "notBreaching", null, [], null, ImmutableDictionary<string, string>.Empty, null));
        var before = await Traffic(setup);
        var (sd, _) = await Deploy(setup);
        await _ecs.WaitUntil("canary on", async () => (await Shift(setup, sd))?.ProductionGreenPercent == 10, TimeSpan.FromMinutes(10));
        var canaryAt = await _ecs.Control.Now();
        await _ecs.WaitUntil("rolled back", async () => (await Shift(setup, sd))?.Result == "ROLLED_BACK", TimeSpan.FromMinutes(9));
        var flippedAt = await _ecs.Control.Now();
        AssertWeights(1, 0, await Weights(setup));
        await _ecs.WaitUntil("ROLLBACK_SUCCESSFUL", async () => (await Record(setup, sd)).Record.Status == ServiceDeploymentStatuses.RollbackSuccessful, TimeSpan.FromMinutes(10));
        Assert.Contains(alarm, (await Record(setup, sd)).Record.TriggeredAlarms);

        // The failed requests: only green's canary share (10 % of 100 requests/s) for as long as the alarm took.
        var failed = Failed(await Traffic(setup)) - Failed(before);
        var bound = 0.10 * 100 * ((flippedAt - canaryAt).TotalSeconds + 1);
        output.WriteLine($"canary on at {canaryAt:HH:mm:ss}, flipped back at {flippedAt:HH:mm:ss}: {failed:0} failed requests, bound {bound:0}");
        Assert.True(failed > 0, "the bad canary failed no request");
        Assert.True(failed <= bound, $"{failed} failed requests, more than 10 % x 100/s x {(flippedAt - canaryAt).TotalSeconds} s = {bound}");
        Assert.True(flippedAt - canaryAt < TimeSpan.FromMinutes(4), $"the alarm took {flippedAt - canaryAt} to roll the canary back");

        // After the flip nothing fails any more: all traffic on blue.
        var settled = Failed(await Traffic(setup));
        await _ecs.Advance(TimeSpan.FromMinutes(3));
        Assert.Equal(settled, Failed(await Traffic(setup)));
        Assert.Equal(4, await Healthy(setup.Blue));
        await _ecs.CheckInvariants();
    }

    [Fact]
    public async Task B_DP_7_a_failing_lambda_hook_after_test_traffic_rolls_back_before_any_production_traffic_moves()
    {
        var function = "arn:aws:lambda:us-east-1:000000000000:function:" + EmulatorClusterFixture.Unique("post-test-check");
        await _ecs.Grains.GetGrain<ILambdaHooksGrain>(GrainKeys.LambdaHooks).Set(new LambdaHookOutcome(function, false, 90));
        var hook = new LifecycleHookSettings("AWS_LAMBDA", function, Role, ["POST_TEST_TRAFFIC_SHIFT"], null, null);
        var setup = await Setup("lambda", "BLUE_GREEN", new TrafficShiftSettings(null, null, null, null, [hook]), bakeMinutes: 0, testRule: true);
        var (sd, _) = await Deploy(setup);

        // Test traffic reaches green through the test rule, the hook runs (IN_PROGRESS for 90 s), then answers FAILED.
        await _ecs.WaitUntil("hook running", async () => (await Shift(setup, sd))?.Hooks.Any(h => h.Status == "IN_PROGRESS") == true, TimeSpan.FromMinutes(10));
        Assert.Equal(100, (await Shift(setup, sd))!.TestGreenPercent);
        AssertWeights(0, 1, await TestWeights(setup));
        AssertWeights(1, 0, await Weights(setup));
        await _ecs.WaitUntil("ROLLBACK_SUCCESSFUL", async () => (await Record(setup, sd)).Record.Status == ServiceDeploymentStatuses.RollbackSuccessful, TimeSpan.FromMinutes(10));
        var view = (await Shift(setup, sd))!;
        Assert.Equal("ROLLED_BACK", view.Result);
        Assert.Contains("FAILED", view.Reason, StringComparison.Ordinal);
        AssertWeights(1, 0, await Weights(setup));
        AssertWeights(1, 0, await TestWeights(setup));
        Assert.Equal(0, Failed(await Traffic(setup)));
    }

    [Fact]
    public async Task B_DP_6_stop_service_deployment_rollback_mid_linear_shift_flips_all_traffic_back_at_once()
    {
        var setup = await Setup("stoplinear", "LINEAR", new TrafficShiftSettings(20, 1, null, null, []), bakeMinutes: 5);
        var (sd, _) = await Deploy(setup);
        await _ecs.WaitUntil("40 % on green", async () => (await Shift(setup, sd))?.ProductionGreenPercent == 40, TimeSpan.FromMinutes(10));
        AssertWeights(600, 400, await Weights(setup));
        Assert.Equal(2, (await Shift(setup, sd))!.Step + 1);
        var grain = _ecs.Grains.GetGrain<IServiceGrain>(GrainKeys.Service(setup.Cluster, setup.Service));
        await grain.StopServiceDeployment(sd, "ROLLBACK");
        AssertWeights(1, 0, await Weights(setup)); // the flip is immediate
        await _ecs.WaitUntil("ROLLBACK_SUCCESSFUL", async () => (await Record(setup, sd)).Record.Status == ServiceDeploymentStatuses.RollbackSuccessful, TimeSpan.FromMinutes(10));
        await _ecs.WaitUntil("green gone", async () => await Healthy(setup.Green) == 0, TimeSpan.FromMinutes(5));
        Assert.Equal(4, await Healthy(setup.Blue));
        Assert.Equal(0, Failed(await Traffic(setup)));
        var figures = await Traffic(setup);
        Assert.Contains(figures, f => f.TargetGroup == setup.Green.Spec.Name && f.Requests > 0); // green served its share while it had one
    }

    [Fact]
    public async Task B_DP_6_a_green_revision_that_cannot_start_trips_the_circuit_breaker_before_any_traffic_moves()
    {
        var setup = await Setup("cbshift", "BLUE_GREEN", new TrafficShiftSettings(null, null, null, null, []), bakeMinutes: 0,
            breaker: new DeploymentCircuitBreakerSpec(true, false), v2Label: ("emulator.pull", "fail"));
        var (sd, _) = await Deploy(setup);
        await _ecs.WaitUntil("rolled back", async () => (await Record(setup, sd)).Record.Status == ServiceDeploymentStatuses.RollbackSuccessful, TimeSpan.FromMinutes(30));
        var record = await Record(setup, sd);
        Assert.Equal(MonitorStatuses.Triggered, record.Record.CircuitBreakerStatus);
        Assert.Equal("SCALE_UP", record.TrafficShift!.LifecycleStage); // green never became healthy: no traffic ever moved
        Assert.Equal("ROLLED_BACK", record.TrafficShift.Result);
        AssertWeights(1, 0, await Weights(setup));
        Assert.Equal(4, await Healthy(setup.Blue));
        Assert.Equal(0, Failed(await Traffic(setup)));
    }

    [Fact]
    public async Task B_DP_6_a_good_linear_10_percent_every_minute_deployment_moves_ten_steps_and_loses_no_request()
    {
        // ECSLinear10PercentEvery1Minutes (the seed's CodeDeploy configuration) on the native LINEAR strategy.
        var setup = await Setup("linear", "LINEAR", new TrafficShiftSettings(10, 1, null, null, []), bakeMinutes: 2);
        var (sd, _) = await Deploy(setup);
        var seen = new List<double>();
        await _ecs.WaitUntil("SUCCESSFUL", async () =>
        {
            if ((await Shift(setup, sd)) is { LifecycleStage: "PRODUCTION_TRAFFIC_SHIFT" or "POST_PRODUCTION_TRAFFIC_SHIFT" or "BAKE_TIME" } v
                && (seen.Count == 0 || seen[^1] != v.ProductionGreenPercent))
            {
                seen.Add(v.ProductionGreenPercent);
                var w = await Weights(setup);
                Assert.Equal(v.ProductionGreenPercent, w[1] * 100.0 / (w[0] + w[1]), 6); // the rule says what the view says
            }

            return (await Record(setup, sd)).Record.Status == ServiceDeploymentStatuses.Successful;
        }, TimeSpan.FromMinutes(30));
        Assert.Equal<double>([10, 20, 30, 40, 50, 60, 70, 80, 90, 100], seen);
        AssertWeights(0, 1, await Weights(setup));
        Assert.Equal(0, Failed(await Traffic(setup)));
        await _ecs.CheckInvariants();
    }

    [Fact]
    public async Task B_DP_6_a_cloudformation_service_with_a_canary_strategy_updates_through_the_shift_and_completes_when_it_does()
    {
        var setup = await Setup("cfnshift", "CANARY", new TrafficShiftSettings(null, null, 10, 2, []), bakeMinutes: 0, createService: false);
        var aws = new Aws.InProcessAws(fixture);
        var template = new JsonObject
        {
            ["Parameters"] = new JsonObject { ["Td"] = new JsonObject { ["Type"] = "String" } },
            ["Resources"] = new JsonObject
            {
                ["Web"] = new JsonObject
                {
                    ["Type"] = "AWS::ECS::Service",
                    ["Properties"] = new JsonObject
                    {
                        ["Cluster"] = setup.Cluster,
                        ["ServiceName"] = setup.Service,
                        ["TaskDefinition"] = new JsonObject { ["Ref"] = "Td" },
                        ["DesiredCount"] = 4,
                        ["DeploymentConfiguration"] = new JsonObject
                        {
                            ["Strategy"] = "CANARY",
                            ["CanaryConfiguration"] = new JsonObject { ["CanaryPercent"] = 10, ["CanaryBakeTimeInMinutes"] = 2 },
                            ["BakeTimeInMinutes"] = 0,
                        },
                        ["LoadBalancers"] = new JsonArray(new JsonObject
                        {
                            ["TargetGroupArn"] = setup.Blue.Arn,
                            ["ContainerName"] = "app",
                            ["ContainerPort"] = 80,
                            ["AdvancedConfiguration"] = new JsonObject
                            {
                                ["AlternateTargetGroupArn"] = setup.Green.Arn,
                                ["ProductionListenerRule"] = setup.Listener.DefaultRuleArn,
                                ["RoleArn"] = Role,
                            },
                        }),
                    },
                },
            },
        }.ToJsonString();
        var stack = EmulatorClusterFixture.Unique("bg-stack");
        async Task<string> Status() => (await aws.Query(Silo.Aws.AwsServices.CloudFormation, "DescribeStacks", ("StackName", stack)))
            .Descendants().First(e => e.Name.LocalName == "StackStatus").Value;
        await aws.Query(Silo.Aws.AwsServices.CloudFormation, "CreateStack", ("StackName", stack), ("TemplateBody", template),
            ("Parameters.member.1.ParameterKey", "Td"), ("Parameters.member.1.ParameterValue", setup.V1.Arn));
        await _ecs.WaitUntil("CREATE_COMPLETE", async () => await Status() == "CREATE_COMPLETE", TimeSpan.FromMinutes(15));
        var options = (await _ecs.Grains.GetGrain<IServiceGrain>(GrainKeys.Service(setup.Cluster, setup.Service)).Describe())!.Spec;
        Assert.Equal("CANARY", options.EffectiveOptions.Strategy);
        Assert.Equal(10, options.EffectiveOptions.TrafficShift!.CanaryPercent);
        Assert.Equal(setup.Green.Arn, options.LoadBalancers[0].Advanced!.AlternateTargetGroupArn);
        await _ecs.WaitUntil("4 healthy blue targets", async () => await Healthy(setup.Blue) == 4, TimeSpan.FromMinutes(10));
        await setup.Lb.SetListenerTraffic(setup.Listener.Arn, "prod", TrafficProfile.Constant(100), null);
        await _ecs.Advance(TimeSpan.FromMinutes(1));

        // The stack update deploys v2 as a canary: the stack waits in UPDATE_IN_PROGRESS while the weights move.
        await aws.Query(Silo.Aws.AwsServices.CloudFormation, "UpdateStack", ("StackName", stack), ("TemplateBody", template),
            ("Parameters.member.1.ParameterKey", "Td"), ("Parameters.member.1.ParameterValue", setup.V2.Arn));
        var sd = "";
        await _ecs.WaitUntil("canary on", async () =>
        {
            sd = (await _ecs.Grains.GetGrain<IServiceGrain>(GrainKeys.Service(setup.Cluster, setup.Service)).Describe())!.CurrentServiceDeploymentId!;
            return (await Shift(setup, sd))?.ProductionGreenPercent == 10;
        }, TimeSpan.FromMinutes(15));
        Assert.Equal("UPDATE_IN_PROGRESS", await Status());
        AssertWeights(900, 100, await Weights(setup));
        await _ecs.WaitUntil("UPDATE_COMPLETE", async () => await Status() == "UPDATE_COMPLETE", TimeSpan.FromMinutes(20));
        Assert.Equal(ServiceDeploymentStatuses.Successful, (await Record(setup, sd)).Record.Status);
        AssertWeights(0, 1, await Weights(setup));
        Assert.True((await Traffic(setup)).Sum(f => f.Requests) > 10_000);
        Assert.Equal(0, Failed(await Traffic(setup)));
    }

    private sealed record Rig(string Cluster, string Service, TargetGroupInfo Blue, TargetGroupInfo Green, ILoadBalancerGrain Lb, ListenerRecord Listener,
        TaskDefinitionRecord V1, TaskDefinitionRecord V2, string? TestRule);

    private async Task<Rig> Setup(string prefix, string strategy, TrafficShiftSettings settings, int bakeMinutes, DeploymentAlarmsSpec? alarms = null,
        bool badV2 = false, bool testRule = false, DeploymentCircuitBreakerSpec? breaker = null, (string Key, string Value)? v2Label = null,
        bool createService = true)
    {
        var cluster = await _ecs.CreateCluster(prefix);
        var (_, provider) = await _ecs.CreateAsgProvider(cluster, "m5.large", min: 3, max: 3, desired: 3, managedTerminationProtection: false, managedScaling: false);
        await _ecs.Control.PutClusterCapacityProviders(cluster, [provider], [new CapacityProviderStrategyItem(provider, 1, 0)]);
        await _ecs.WaitUntil("instances registered", async () => (await _ecs.Status(cluster)).Instances.Length == 3, TimeSpan.FromMinutes(5));
        var v1 = await _ecs.RegisterTaskDefinition(cpu: 256, memory: 512, ports: [new PortMapping(80, 0, "tcp")]);
        var v2 = await _ecs.Control.RegisterTaskDefinition(new TaskDefinitionSpec(EmulatorClusterFixture.Unique("td"),
            [new ContainerDefinition("app", "public.ecr.aws/nginx/nginx:1.28", 256, 512, null, true, [new PortMapping(80, 0, "tcp")], null, 0,
                badV2 ? ImmutableDictionary<string, string>.Empty.Add("emulator.errorRate", "1")
                : v2Label is { } label ? ImmutableDictionary<string, string>.Empty.Add(label.Key, label.Value) : null)],
            null, null, NetworkMode.bridge, ["EC2"], [], ImmutableDictionary<string, string>.Empty));
        var blue = await Group(cluster + "-b");
        var green = await Group(cluster + "-g");
        var name = EmulatorClusterFixture.Unique(prefix);
        var lb = _ecs.Grains.GetGrain<ILoadBalancerGrain>(name);
        await lb.Create(new LoadBalancerSpec(name, "application", "internet-facing", "ipv4", blue.Spec.VpcId!,
            [new LoadBalancerSubnet("subnet-a", "us-east-1a"), new LoadBalancerSubnet("subnet-b", "us-east-1b")], ["sg-1"]));
        var listener = await lb.CreateListener(80, "HTTP", [ListenerAction.ForwardTo([new WeightedTargetGroup(blue.Arn, 1), new WeightedTargetGroup(green.Arn, 0)])], [], null);
        string? test = null;
        if (testRule)
        {
            test = (await lb.CreateRule(listener.Arn, 10, [new RuleCondition("http-header", ["1"], "X-Test")],
                [ListenerAction.ForwardTo([new WeightedTargetGroup(blue.Arn, 1), new WeightedTargetGroup(green.Arn, 0)])])).Arn;
        }

        if (!createService)
        {
            return new Rig(cluster, "cfnweb", blue, green, lb, listener, v1, v2, test);
        }

        var options = ServiceOptionsPatch.None with { Strategy = strategy, TrafficShift = settings, BakeTimeInMinutes = bakeMinutes, Alarms = alarms, CircuitBreaker = breaker };
        await _ecs.Control.CreateService(new CreateServiceRequest(cluster, "web", v1.Arn, 4, null, [], [], [],
            SchedulingStrategy.REPLICA, 100, 200, ImmutableDictionary<string, string>.Empty, null,
            LoadBalancers: [new ServiceLoadBalancer(blue.Arn, "app", 80, new AdvancedLoadBalancerConfiguration(green.Arn, listener.DefaultRuleArn, test, Role))],
            Options: options));
        await _ecs.WaitUntil("4 healthy blue targets", async () => await Healthy(blue) == 4, TimeSpan.FromMinutes(10));
        await _ecs.Advance(TimeSpan.FromSeconds(40)); // B-ELB-1: provisioning, then active
        await lb.SetListenerTraffic(listener.Arn, "prod", TrafficProfile.Constant(100), null);
        await _ecs.Advance(TimeSpan.FromMinutes(1));
        return new Rig(cluster, "web", blue, green, lb, listener, v1, v2, test);
    }

    /// <summary>Deploys a revision (v2 unless told); returns the new service deployment's id.</summary>
    private async Task<(string ServiceDeployment, ServiceInfo Info)> Deploy(Rig s, TaskDefinitionRecord? td = null)
    {
        var info = await _ecs.Control.UpdateService(new UpdateServiceRequest(s.Cluster, s.Service, null, (td ?? s.V2).Arn, null, null, null, null, null, false));
        return (info.CurrentServiceDeploymentId!, info);
    }

    private async Task<ServiceDeploymentView> Record(Rig s, string sd) =>
        Assert.Single(await _ecs.Grains.GetGrain<IServiceGrain>(GrainKeys.Service(s.Cluster, s.Service)).GetServiceDeployments([sd]));

    private async Task<TrafficShiftView?> Shift(Rig s, string sd) => (await Record(s, sd)).TrafficShift;

    /// <summary>The production rule's forward weights, blue group first.</summary>
    private async Task<int[]> Weights(Rig s)
    {
        var info = await s.Lb.Describe();
        var forward = info!.Listeners.Single(l => l.Arn == s.Listener.Arn).DefaultActions.Single().Forward!;
        return [forward.TargetGroups.Single(g => g.TargetGroupArn == s.Blue.Arn).Weight, forward.TargetGroups.Single(g => g.TargetGroupArn == s.Green.Arn).Weight];
    }

    /// <summary>The test rule's forward weights, blue group first.</summary>
    private async Task<int[]> TestWeights(Rig s)
    {
        var info = await s.Lb.Describe();
        var forward = info!.Rules.Single(r => r.Arn == s.TestRule).Actions.Single().Forward!;
        return [forward.TargetGroups.Single(g => g.TargetGroupArn == s.Blue.Arn).Weight, forward.TargetGroups.Single(g => g.TargetGroupArn == s.Green.Arn).Weight];
    }

    private static double Failed(ImmutableArray<ServiceTrafficFigures> figures) =>
        figures.Sum(f => f.Failed503NoHealthyTarget + f.Failed502TargetDied + f.Failed5xxOverloaded);

    private static void AssertWeights(int blue, int green, int[] actual) => Assert.Equal((blue, green), (actual[0], actual[1]));

    private async Task<ImmutableArray<ServiceTrafficFigures>> Traffic(Rig s) => await _ecs.Grains.GetGrain<ITrafficGrain>(s.Cluster).GetFigures();

    private Task<TargetGroupInfo> Group(string name) => _ecs.CreateTargetGroup(name);

    private Task<int> Healthy(TargetGroupInfo group) => _ecs.HealthyTargets(group);
}
