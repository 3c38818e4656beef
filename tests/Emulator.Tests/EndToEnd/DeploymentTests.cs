using System.Collections.Immutable;
using Emulator.Contracts;
using Emulator.Model.Deployments;
using TaskStatus = Emulator.Contracts.TaskStatus;

namespace Emulator.Tests.EndToEnd;

/// <summary>
/// Deployments end to end on the emulated clock (ECS-BEHAVIOR §15): a good rolling deployment, a failed one with and
/// without rollback, a stage 2 failure, StopServiceDeployment mid-way, a deployment during a Spot interruption, one that
/// needs capacity Cluster Auto Scaling has not launched yet, task faults as chaos, AZ rebalancing, and bad deployment
/// configurations that change nothing. The invariant checker runs on every poll and after each test.
/// </summary>
[Collection(EmulatorCollection.Name)]
public sealed class DeploymentTests(EmulatorClusterFixture fixture) : IAsyncLifetime
{
    private readonly EcsDriver _ecs = new(fixture);

    public Task InitializeAsync() => _ecs.InitializeAsync();

    public Task DisposeAsync() => _ecs.DisposeAsync();

    private sealed record Setup(string Cluster, string Service, string TargetGroup, TaskDefinitionRecord TaskDefinition);

    private static ImmutableDictionary<string, string> Labels(params (string K, string V)[] kv) => kv.ToImmutableDictionary(x => x.K, x => x.V);

    /// <summary>Three m5.large instances (one per zone), a target group (healthy after 2 x 30 s, 10 s deregistration delay), a service with 200 requests/s.</summary>
    private async Task<Setup> Start(int desired, int minHealthy, int maxPercent, DeploymentCircuitBreakerSpec? breaker, bool traffic = true, int instances = 3)
    {
        var cluster = await _ecs.CreateCluster("dep");
        var (_, provider) = await _ecs.CreateAsgProvider(cluster, "m5.large", min: instances, max: instances, desired: instances, managedTerminationProtection: false, managedScaling: false);
        await _ecs.Control.PutClusterCapacityProviders(cluster, [provider], [new CapacityProviderStrategyItem(provider, 1, 0)]);
        await _ecs.WaitUntil("instances registered", async () => (await _ecs.Status(cluster)).Instances.Length == instances, TimeSpan.FromMinutes(5));
        var tg = EmulatorClusterFixture.Unique("dtg");
        var group = await _ecs.Grains.GetGrain<ITargetGroupGrain>(tg).Create(TargetGroupSpec.Default(tg) with
        {
            HealthyThresholdCount = 2,
            HealthCheckIntervalSeconds = 30,
            DeregistrationDelaySeconds = 10,
            TargetType = "instance",
        });
        var td = await Register(EmulatorClusterFixture.Unique("web"), null);
        await _ecs.Control.CreateService(new CreateServiceRequest(cluster, "web", td.Arn, desired, null, [], [], [],
            SchedulingStrategy.REPLICA, minHealthy, maxPercent, ImmutableDictionary<string, string>.Empty, null,
            LoadBalancers: [new ServiceLoadBalancer(group.Arn, "app", 80)],
            Options: ServiceOptionsPatch.None with { CircuitBreaker = breaker }));
        var s = new Setup(cluster, "web", tg, td);
        await WaitSteady(s, TimeSpan.FromMinutes(10));
        if (traffic)
        {
            await _ecs.Grains.GetGrain<ITrafficGrain>(cluster).SetServiceTraffic("web", TrafficProfile.Constant(200));
        }

        return s;
    }

    private Task<TaskDefinitionRecord> Register(string family, ImmutableDictionary<string, string>? labels, string image = "public.ecr.aws/nginx/nginx:1.27") =>
        _ecs.Control.RegisterTaskDefinition(new TaskDefinitionSpec(family,
            [new ContainerDefinition("app", image, 256, 512, null, true, [new PortMapping(80, 0, "tcp")], null, 0, labels)],
            null, null, NetworkMode.bridge, ["EC2"], [], ImmutableDictionary<string, string>.Empty));

    private IServiceGrain Service(Setup s) => _ecs.Grains.GetGrain<IServiceGrain>(GrainKeys.Service(s.Cluster, s.Service));

    private async Task<ServiceInfo> Info(Setup s) => (await Service(s).Describe())!;

    private async Task<ServiceTrafficFigures> Figures(Setup s) => (await _ecs.Grains.GetGrain<ITrafficGrain>(s.Cluster).GetFigures()).Single(f => f.Service == s.Service);

    private Task WaitSteady(Setup s, TimeSpan timeout) =>
        _ecs.WaitUntil("service steady", async () => (await Info(s)) is { SteadyState: true } i && i.RunningCount == i.Spec.DesiredCount, timeout);

    private Task<ServiceInfo> Deploy(Setup s, TaskDefinitionRecord td, ServiceOptionsPatch? options = null) =>
        _ecs.Control.UpdateService(new UpdateServiceRequest(s.Cluster, s.Service, null, td.Arn, null, null, null, null, null, false, null, options));

    private async Task<ServiceDeploymentView> Latest(Setup s) => (await Service(s).ListServiceDeployments())[0];

    private async Task<ImmutableArray<TaskRecord>> Tasks(Setup s) =>
        await _ecs.Cluster(s.Cluster).ListTasks(new TaskFilter(s.Service, null, null, null, null, null));

    private async Task<List<(string Name, string Deployment, string Reason)>> DeploymentEvents(Setup s) =>
        [.. (await _ecs.Events(s.Cluster, EventTypes.DeploymentStateChange))
            .Where(e => e.Resources.Any(r => r.EndsWith("/" + s.Service, StringComparison.Ordinal)))
            .Select(e => (e.Detail["eventName"], e.Detail["deploymentId"], e.Detail["reason"]))];

    [Fact]
    public async Task B_DP_1_good_rolling_deployment_50_200_completes_with_zero_failed_requests()
    {
        var s = await Start(desired: 4, minHealthy: 50, maxPercent: 200, breaker: new DeploymentCircuitBreakerSpec(true, true));
        var first = await Latest(s);
        Assert.Equal(ServiceDeploymentStatuses.Successful, first.Record.Status);
        var v2 = await Register(s.TaskDefinition.Family, null, "public.ecr.aws/nginx/nginx:1.28");
        var updated = await Deploy(s, v2);
        Assert.Equal(2, updated.Deployments.Length);
        Assert.Equal(("PRIMARY", DeploymentRolloutState.IN_PROGRESS), (updated.Deployments[0].Status, updated.Deployments[0].RolloutState));
        Assert.Equal("ACTIVE", updated.Deployments[1].Status);

        var healthyFloor = int.MaxValue;
        await _ecs.WaitUntil("deployment completed", async () =>
        {
            healthyFloor = Math.Min(healthyFloor, (await Figures(s)).HealthyHosts);
            var info = await Info(s);
            return info.Deployments.Length == 1 && info.Deployments[0].RolloutState == DeploymentRolloutState.COMPLETED && info.SteadyState;
        }, TimeSpan.FromMinutes(20));

        var end = await Info(s);
        Assert.Equal(v2.Arn, end.Spec.TaskDefinition.Arn);
        Assert.Equal(0, (await Figures(s)).Failed);
        Assert.True(healthyFloor >= 2, $"healthy targets fell to {healthyFloor} (minimumHealthyPercent 50 of 4)");
        Assert.All((await Tasks(s)).Where(t => t.DesiredStatus == DesiredStatus.RUNNING), t => Assert.Equal(v2.Arn, t.TaskDefinitionArn));

        // B-DP-5: a SUCCESSFUL service deployment from the first revision to the second, with its counts.
        var sd = await Latest(s);
        Assert.Equal(ServiceDeploymentStatuses.Successful, sd.Record.Status);
        Assert.Equal(first.Record.TargetRevisionId, Assert.Single(sd.Sources).RevisionId);
        Assert.Equal((4, 4, 0), (sd.Target.Requested, sd.Target.Running, sd.Target.Pending));
        Assert.Equal(MonitorStatuses.MonitoringComplete, sd.Record.CircuitBreakerStatus);
        Assert.Equal(3, sd.Record.Threshold);
        Assert.NotNull(sd.Record.FinishedAt);
        Assert.Equal(sd.Record.Id, end.CurrentServiceDeploymentId);
        Assert.Equal(sd.Record.TargetRevisionId, Assert.Single(end.CurrentRevisions).RevisionId);
        var revision = Assert.Single(await Service(s).GetServiceRevisions([sd.Record.TargetRevisionId]));
        Assert.Equal(v2.Arn, revision.TaskDefinitionArn);
        Assert.Equal("public.ecr.aws/nginx/nginx:1.28", Assert.Single(revision.ContainerImages).Image);

        // B-DP-4: the deployment's events, in order, and the service's.
        var events = (await DeploymentEvents(s)).Where(e => e.Deployment == updated.Deployments[0].Id).ToList();
        Assert.Equal(["SERVICE_DEPLOYMENT_IN_PROGRESS", "SERVICE_DEPLOYMENT_COMPLETED"], events.Select(e => e.Name));
        Assert.Equal($"ECS deployment {updated.Deployments[0].Id} completed.", events[1].Reason);
        Assert.Contains(end.Events, e => e.Message == $"(service web) (deployment {updated.Deployments[0].Id}) deployment completed.");
        Assert.Contains(end.Events, e => e.Message.StartsWith("(service web) has begun draining connections on", StringComparison.Ordinal));
        Assert.Equal("(service web) has reached a steady state.", end.Events[0].Message);
    }

    [Fact]
    public async Task B_DP_2_image_that_cannot_be_pulled_fails_after_the_threshold_without_rollback_and_the_old_tasks_keep_serving()
    {
        var s = await Start(desired: 4, minHealthy: 100, maxPercent: 200, breaker: new DeploymentCircuitBreakerSpec(true, false));
        var bad = await Register(s.TaskDefinition.Family, Labels(("emulator.pull", "fail")), "public.ecr.aws/nginx/nginx:does-not-exist");
        var deploying = (await Deploy(s, bad)).Deployments[0];

        await _ecs.WaitUntil("deployment failed", async () => (await Info(s)).Deployments[0].RolloutState == DeploymentRolloutState.FAILED, TimeSpan.FromMinutes(20));
        var failed = await Info(s);
        var d = failed.Deployments[0];
        Assert.Equal((deploying.Id, "PRIMARY"), (d.Id, d.Status));
        Assert.Equal("ECS deployment circuit breaker: task failed to start.", d.RolloutStateReason);
        Assert.True(d.FailedTasks >= 3, $"failedTasks {d.FailedTasks}");
        Assert.Equal(3, d.FailureThreshold);
        var stopped = (await Tasks(s)).Where(t => t.TaskDefinitionArn == bad.Arn).ToList();
        Assert.All(stopped, t => Assert.Equal(("TaskFailedToStart", true), (t.StopCode, t.StoppedReason!.StartsWith("CannotPullContainerError:", StringComparison.Ordinal))));

        // It launches nothing more; the old deployment's four tasks keep serving.
        var launched = stopped.Count;
        await _ecs.Advance(TimeSpan.FromMinutes(10));
        var later = await Info(s);
        Assert.Equal(launched, (await Tasks(s)).Count(t => t.TaskDefinitionArn == bad.Arn));
        Assert.Equal(2, later.Deployments.Length);
        Assert.Equal(4, later.Deployments[1].RunningCount);
        Assert.Equal(0, (await Figures(s)).Failed);
        Assert.False(later.SteadyState);

        var sd = await Latest(s);
        Assert.Equal(ServiceDeploymentStatuses.Stopped, sd.Record.Status);
        Assert.Equal(MonitorStatuses.Triggered, sd.Record.CircuitBreakerStatus);
        Assert.True(sd.Record.FailureCount >= 3);
        Assert.Null(sd.Record.Rollback);
        Assert.Contains(("SERVICE_DEPLOYMENT_FAILED", deploying.Id, "ECS deployment circuit breaker: task failed to start."), await DeploymentEvents(s));
    }

    [Fact]
    public async Task B_DP_2_failed_deployment_rolls_back_to_the_last_completed_deployment_and_no_request_fails()
    {
        var s = await Start(desired: 4, minHealthy: 100, maxPercent: 200, breaker: new DeploymentCircuitBreakerSpec(true, true));
        var original = (await Info(s)).Deployments[0];
        var bad = await Register(s.TaskDefinition.Family, Labels(("emulator.pull", "fail")));
        var deploying = (await Deploy(s, bad)).Deployments[0];

        await _ecs.WaitUntil("rolled back", async () => (await Latest(s)).Record.Status == ServiceDeploymentStatuses.RollbackSuccessful, TimeSpan.FromMinutes(20));
        await WaitSteady(s, TimeSpan.FromMinutes(10));
        var info = await Info(s);
        Assert.Equal(s.TaskDefinition.Arn, info.Spec.TaskDefinition.Arn); // DescribeServices shows the revision rolled back to
        var primary = Assert.Single(info.Deployments);
        Assert.Equal((original.Id, DeploymentRolloutState.COMPLETED), (primary.Id, primary.RolloutState)); // the last completed deployment is PRIMARY again
        Assert.Equal(0, (await Figures(s)).Failed);
        Assert.All((await Tasks(s)).Where(t => t.DesiredStatus == DesiredStatus.RUNNING), t => Assert.Equal(s.TaskDefinition.Arn, t.TaskDefinitionArn));

        var sd = await Latest(s);
        Assert.NotNull(sd.Record.Rollback);
        Assert.Equal(original.RevisionId, sd.Record.Rollback!.RevisionId);
        Assert.Equal(MonitorStatuses.Triggered, sd.Record.CircuitBreakerStatus);
        Assert.True(sd.Record.FailureCount >= 3, $"failureCount {sd.Record.FailureCount}"); // the figures that triggered it, kept through the rollback
        Assert.Equal([deploying.Id, original.Id], sd.Record.DeploymentIds.ToArray());

        var events = await DeploymentEvents(s);
        var tail = events.SkipWhile(e => e.Deployment != deploying.Id).ToList();
        Assert.Equal(
            [("SERVICE_DEPLOYMENT_IN_PROGRESS", deploying.Id), ("SERVICE_DEPLOYMENT_FAILED", deploying.Id), ("SERVICE_DEPLOYMENT_IN_PROGRESS", original.Id), ("SERVICE_DEPLOYMENT_COMPLETED", original.Id)],
            tail.Select(e => (e.Name, e.Deployment)));
        Assert.Equal($"ECS deployment circuit breaker: rolling back to deploymentId {original.Id}.", tail[2].Reason);
        Assert.Contains(info.Events, e => e.Message.Contains("deployment failed: ECS deployment circuit breaker: task failed to start.", StringComparison.Ordinal));
    }

    [Fact]
    public async Task B_DP_2_stage_2_target_health_failures_fail_the_deployment_and_roll_back()
    {
        var s = await Start(desired: 2, minHealthy: 100, maxPercent: 200,
            breaker: new DeploymentCircuitBreakerSpec(true, true, null, new ThresholdConfigurationSpec(ThresholdConfigurationSpec.Count, 2)));
        var bad = await Register(s.TaskDefinition.Family, Labels(("emulator.targetHealth", "fail")));
        var deploying = (await Deploy(s, bad)).Deployments[0];

        await _ecs.WaitUntil("rolled back", async () => (await Latest(s)).Record.Status == ServiceDeploymentStatuses.RollbackSuccessful, TimeSpan.FromMinutes(30));
        var failedTasks = (await Tasks(s)).Where(t => t.TaskDefinitionArn == bad.Arn).ToList();
        Assert.True(failedTasks.Count(t => t.StoppedReason?.StartsWith("Task failed ELB health checks in (target-group arn:aws:elasticloadbalancing:", StringComparison.Ordinal) == true) >= 2,
            string.Join(Environment.NewLine, failedTasks.Select(t => t.StoppedReason)));
        Assert.All(failedTasks, t => Assert.NotNull(t.StartedAt)); // they ran: stage 2
        var events = await DeploymentEvents(s);
        Assert.Contains(("SERVICE_DEPLOYMENT_FAILED", deploying.Id, "ECS deployment circuit breaker: tasks failed to reach a healthy state."), events);
        Assert.Equal(0, (await Figures(s)).Failed); // the failing targets never received a request
        Assert.Contains((await Info(s)).Events, e => e.Message.Contains("is unhealthy in (target-group", StringComparison.Ordinal));
    }

    [Fact]
    public async Task B_DP_5_stop_service_deployment_rolls_back_mid_way_without_a_configured_rollback()
    {
        var s = await Start(desired: 4, minHealthy: 100, maxPercent: 150, breaker: null);
        var original = (await Info(s)).Deployments[0];
        var v2 = await Register(s.TaskDefinition.Family, null, "public.ecr.aws/nginx/nginx:1.28");
        await Deploy(s, v2);
        await _ecs.WaitUntil("two new tasks running", async () => (await Tasks(s)).Count(t => t.TaskDefinitionArn == v2.Arn && t.LastStatus == TaskStatus.RUNNING) == 2,
            TimeSpan.FromMinutes(5));
        var sd = await Latest(s);
        Assert.Equal(ServiceDeploymentStatuses.InProgress, sd.Record.Status);

        var stopped = await Service(s).StopServiceDeployment(sd.Record.Id, "ROLLBACK");
        Assert.Equal(ServiceDeploymentStatuses.RollbackInProgress, stopped.Record.Status);
        Assert.Equal(ServiceDeployments.StoppedByUserReason("ROLLBACK"), stopped.Record.StatusReason);

        // A second stop conflicts; an unknown id is not found; nothing changes.
        var conflict = await Assert.ThrowsAsync<EcsException>(() => Service(s).StopServiceDeployment(sd.Record.Id, "ROLLBACK"));
        Assert.Equal(ErrorCodes.Conflict, conflict.Code);
        var missing = await Assert.ThrowsAsync<EcsException>(() => Service(s).StopServiceDeployment("no-such-deployment", "ROLLBACK"));
        Assert.Equal(ErrorCodes.ServiceDeploymentNotFound, missing.Code);

        await _ecs.WaitUntil("rolled back", async () => (await Latest(s)).Record.Status == ServiceDeploymentStatuses.RollbackSuccessful, TimeSpan.FromMinutes(20));
        await WaitSteady(s, TimeSpan.FromMinutes(10));
        var info = await Info(s);
        Assert.Equal(original.Id, Assert.Single(info.Deployments).Id);
        Assert.All((await Tasks(s)).Where(t => t.DesiredStatus == DesiredStatus.RUNNING), t => Assert.Equal(s.TaskDefinition.Arn, t.TaskDefinitionArn));
        Assert.Equal(0, (await Figures(s)).Failed);
    }

    [Fact]
    public async Task B_DP_5_stop_service_deployment_abort_stops_where_it_is()
    {
        var s = await Start(desired: 2, minHealthy: 100, maxPercent: 150, breaker: null, traffic: false);
        var v2 = await Register(s.TaskDefinition.Family, null, "public.ecr.aws/nginx/nginx:1.28");
        await Deploy(s, v2);
        var sd = await Latest(s);
        var aborted = await Service(s).StopServiceDeployment(sd.Record.Id, "ABORT");
        Assert.Equal(ServiceDeploymentStatuses.Stopped, aborted.Record.Status);
        await _ecs.Advance(TimeSpan.FromMinutes(5));
        var info = await Info(s);
        Assert.Equal(DeploymentRolloutState.FAILED, info.Deployments[0].RolloutState);
        Assert.Equal(2, info.Deployments.Length);
    }

    [Fact]
    public async Task B_DP_1_deployment_during_a_spot_interruption_completes()
    {
        var cluster = await _ecs.CreateCluster("dep-spot");
        var asg = EmulatorClusterFixture.Unique("dep-spot-asg");
        var provider = EmulatorClusterFixture.Unique("dep-spot-cp");
        await _ecs.Control.CreateAutoScalingGroup(new AsgSpec(asg, 0, 6, 3, [], ["m5.large"], new MixedInstancesSpec(0, 0, "capacity-optimized"), cluster,
            true, false, false, "1", ImmutableDictionary<string, string>.Empty, null, null));
        await _ecs.Control.CreateCapacityProvider(new CapacityProviderSpec(provider, asg, ManagedScalingSpec.Default with { Status = ManagedScalingStatus.DISABLED },
            false, true, ImmutableDictionary<string, string>.Empty));
        await _ecs.Control.PutClusterCapacityProviders(cluster, [provider], [new CapacityProviderStrategyItem(provider, 1, 0)]);
        await _ecs.WaitUntil("3 Spot instances", async () => (await _ecs.Status(cluster)).Instances.Count(i => i.Status == ContainerInstanceStatus.ACTIVE) == 3, TimeSpan.FromMinutes(3));
        var td = await Register(EmulatorClusterFixture.Unique("spotweb"), null);
        await _ecs.Control.CreateService(new CreateServiceRequest(cluster, "web", td.Arn, 6, null, [], [], [], SchedulingStrategy.REPLICA, 50, 200,
            ImmutableDictionary<string, string>.Empty, null, Options: ServiceOptionsPatch.None with { CircuitBreaker = new DeploymentCircuitBreakerSpec(true, true) }));
        var s = new Setup(cluster, "web", "", td);
        await WaitSteady(s, TimeSpan.FromMinutes(10));

        var v2 = await Register(td.Family, null, "public.ecr.aws/nginx/nginx:1.28");
        var deploying = (await Deploy(s, v2)).Deployments[0];
        var victim = (await _ecs.Cluster(cluster).GetInstances()).First(i => i.Status == ContainerInstanceStatus.ACTIVE && i.RunningTasksCount > 0);
        await _ecs.Grains.GetGrain<IChaosGrain>(0).InterruptSpotInstances(ChaosTarget.AllOf(cluster) with { Ids = [victim.Ec2InstanceId] }, null, false, null);

        await _ecs.WaitUntil("deployment completed", async () => (await Info(s)) is { SteadyState: true } i && i.Deployments.Length == 1
            && i.Deployments[0].RolloutState == DeploymentRolloutState.COMPLETED, TimeSpan.FromMinutes(30));
        var info = await Info(s);
        Assert.Equal(deploying.Id, info.Deployments[0].Id);
        Assert.Equal(ServiceDeploymentStatuses.Successful, (await Latest(s)).Record.Status);
        var live = (await Tasks(s)).Where(t => t.DesiredStatus == DesiredStatus.RUNNING).ToList();
        Assert.Equal(6, live.Count);
        Assert.All(live, t => Assert.Equal(v2.Arn, t.TaskDefinitionArn));
        Assert.All(live, t => Assert.NotEqual(victim.Ec2InstanceId, t.Ec2InstanceId));
    }

    [Fact]
    public async Task B_DP_1_deployment_that_needs_new_capacity_waits_in_provisioning_for_cluster_auto_scaling_then_completes()
    {
        // Two m5.large hold 8 tasks of 1024 CPU... exactly the 4 the service runs (2 per instance); a 200 % deployment needs 2 more instances.
        var cluster = await _ecs.CreateCluster("dep-cas");
        var (asg, provider) = await _ecs.CreateAsgProvider(cluster, "m5.large", min: 0, max: 6, desired: 2);
        await _ecs.Control.PutClusterCapacityProviders(cluster, [provider], [new CapacityProviderStrategyItem(provider, 1, 0)]);
        var td = await _ecs.Control.RegisterTaskDefinition(new TaskDefinitionSpec(EmulatorClusterFixture.Unique("big"),
            [new ContainerDefinition("app", "repo/big:1", 1024, 2048, null, true, [], null, 0)], null, null, NetworkMode.bridge, ["EC2"], [], ImmutableDictionary<string, string>.Empty));
        await _ecs.Control.CreateService(new CreateServiceRequest(cluster, "web", td.Arn, 4, null, [], [], [], SchedulingStrategy.REPLICA, 100, 200,
            ImmutableDictionary<string, string>.Empty, null));
        var s = new Setup(cluster, "web", "", td);
        await WaitSteady(s, TimeSpan.FromMinutes(15));
        var instancesBefore = (await _ecs.Status(cluster)).Instances.Count(i => i.Status == ContainerInstanceStatus.ACTIVE);

        var v2 = await _ecs.Control.RegisterTaskDefinition(td.Spec with { Containers = [td.Spec.Containers[0] with { Image = "repo/big:2" }] });
        await Deploy(s, v2);
        await _ecs.WaitUntil("new tasks PROVISIONING", async () =>
            (await Tasks(s)).Count(t => t.TaskDefinitionArn == v2.Arn && t.LastStatus == TaskStatus.PROVISIONING && t.ContainerInstanceId is null) == 4,
            TimeSpan.FromMinutes(2));
        await _ecs.WaitUntil("deployment completed", async () => (await Info(s)) is { SteadyState: true } i && i.Deployments.Length == 1
            && i.Deployments[0].RolloutState == DeploymentRolloutState.COMPLETED, TimeSpan.FromMinutes(30));
        var cpr = await _ecs.CprHistory(cluster, provider);
        Assert.Contains(cpr, v => v >= 200 - 1e-9); // CAS saw 4 PROVISIONING tasks needing 2 more instances: M 4, N 2
        Assert.Equal(2, instancesBefore);
        Assert.True((await _ecs.Grains.GetGrain<IAutoScalingGroupGrain>(GrainKeys.AutoScalingGroup(asg)).GetActivities(100))
            .Count(a => a.Description.StartsWith("Launching a new EC2 instance", StringComparison.Ordinal)) >= 4); // 2 at the start, 2 for the deployment
        Assert.Equal(ServiceDeploymentStatuses.Successful, (await Latest(s)).Record.Status);
    }

    [Fact]
    public async Task B_DP_8_chaos_exit_fault_on_a_running_service_makes_its_tasks_exit_and_the_service_replaces_them()
    {
        var s = await Start(desired: 2, minHealthy: 100, maxPercent: 200, breaker: null, traffic: false);
        var now = await _ecs.Control.Now();
        var reached = await _ecs.Cluster(s.Cluster).SetServiceTaskFault(s.Service, new ServiceTaskFault(TaskFaultKind.Exit, 30, now, now + TimeSpan.FromSeconds(45)));
        Assert.Equal(2, reached.Length);
        await _ecs.WaitUntil("both exited", async () =>
            (await _ecs.Cluster(s.Cluster).GetTasks(reached)).All(t => t.LastStatus == TaskStatus.STOPPED), TimeSpan.FromMinutes(2));
        var exited = await _ecs.Cluster(s.Cluster).GetTasks(reached);
        Assert.All(exited, t => Assert.Equal(("EssentialContainerExited", now + TimeSpan.FromSeconds(30)), (t.StopCode, t.StoppedAt!.Value)));

        // Their replacements start after the fault ended: they run on.
        await WaitSteady(s, TimeSpan.FromMinutes(10));
        await _ecs.Advance(TimeSpan.FromMinutes(5));
        Assert.Equal(2, (await Tasks(s)).Count(t => t.LastStatus == TaskStatus.RUNNING));
    }

    [Fact]
    public async Task B_DP_8_chaos_health_check_fault_replaces_tasks_after_their_retries()
    {
        var s = await Start(desired: 2, minHealthy: 50, maxPercent: 200, breaker: null, traffic: false);
        var now = await _ecs.Control.Now();
        var reached = await _ecs.Cluster(s.Cluster).SetServiceTaskFault(s.Service, new ServiceTaskFault(TaskFaultKind.HealthCheck, 0, now, now + TimeSpan.FromMinutes(2)));
        await _ecs.WaitUntil("unhealthy tasks replaced", async () =>
            (await _ecs.Cluster(s.Cluster).GetTasks(reached)).All(t => t.StoppedReason == "Task failed container health checks"), TimeSpan.FromMinutes(5));
        Assert.Contains((await Info(s)).Events, e => e.Message.EndsWith("failed container health checks.", StringComparison.Ordinal));
        await WaitSteady(s, TimeSpan.FromMinutes(10));
    }

    [Fact]
    public async Task B_AZ_1_rebalances_after_a_zone_comes_back()
    {
        var cluster = await _ecs.CreateCluster("dep-az");
        await _ecs.Control.PutClusterCapacityProviders(cluster, ["FARGATE"], [new CapacityProviderStrategyItem("FARGATE", 1, 0)]);
        var td = await _ecs.RegisterTaskDefinition(cpu: 256, memory: 512, mode: NetworkMode.awsvpc, fargate: true);
        var created = await _ecs.Control.CreateService(new CreateServiceRequest(cluster, "web", td.Arn, 6, null, [], [], [], SchedulingStrategy.REPLICA, 100, 200,
            ImmutableDictionary<string, string>.Empty, null));
        Assert.Equal("ENABLED", created.Spec.EffectiveOptions.AvailabilityZoneRebalancing);
        var s = new Setup(cluster, "web", "", td);
        await WaitSteady(s, TimeSpan.FromMinutes(10));

        var chaos = _ecs.Grains.GetGrain<IChaosGrain>(0);
        await chaos.ZoneOutage("us-east-1a", null);
        await WaitSteady(s, TimeSpan.FromMinutes(10));
        var during = ZoneCounts(await Tasks(s));
        Assert.Equal(0, during.GetValueOrDefault("us-east-1a"));
        Assert.Equal(6, during.Values.Sum());

        await chaos.RestoreZone("us-east-1a");
        await _ecs.WaitUntil("rebalanced", async () =>
        {
            var info = await Info(s);
            return info.SteadyState && info.Events.Any(e => e.Message.StartsWith("(service web) is AZ balanced with", StringComparison.Ordinal));
        }, TimeSpan.FromMinutes(20));
        var after = ZoneCounts(await Tasks(s));
        Assert.Equal([2, 2, 2], after.Values.Order());
        var messages = (await Info(s)).Events.Select(e => e.Message).Reverse().ToList();
        var started = messages.FindIndex(m => m.StartsWith("(service web) is not AZ balanced with 0 tasks in us-east-1a", StringComparison.Ordinal));
        var launched = messages.FindIndex(m => m.Contains("tasks in us-east-1a to AZ Rebalance", StringComparison.Ordinal));
        var stopped = messages.FindIndex(m => m.Contains("running tasks in us-east-1", StringComparison.Ordinal) && m.Contains("to AZ Rebalance", StringComparison.Ordinal));
        var completed = messages.FindIndex(m => m == "(service web) is AZ balanced with 2 tasks in us-east-1a, 2 tasks in us-east-1b and 2 tasks in us-east-1c.");
        Assert.True(started >= 0 && started < launched && launched < stopped && stopped < completed, string.Join(Environment.NewLine, messages));
    }

    /// <summary>
    /// B-AZ-1 with awsvpc subnets in two of the three zones: the service is balanced over its subnets' zones and stays
    /// there (rebalancing once launched tasks into the third zone, outside every subnet, and never converged).
    /// </summary>
    [Fact]
    public async Task B_AZ_1_an_awsvpc_service_balances_over_its_subnets_zones_only()
    {
        var cluster = await _ecs.CreateCluster("dep-azsub");
        await _ecs.Control.PutClusterCapacityProviders(cluster, ["FARGATE"], [new CapacityProviderStrategyItem("FARGATE", 1, 0)]);
        var td = await _ecs.RegisterTaskDefinition(cpu: 256, memory: 512, mode: NetworkMode.awsvpc, fargate: true);
        var network = await _ecs.Grains.GetGrain<INetworkGrain>(INetworkGrain.Key).Read();
        var subnets = network.Subnets.Values.Where(x => x.AvailabilityZone is "us-east-1a" or "us-east-1b").GroupBy(x => x.AvailabilityZone)
            .Select(g => g.First().SubnetId).ToImmutableArray();
        Assert.Equal(2, subnets.Length);
        await _ecs.Control.CreateService(new CreateServiceRequest(cluster, "web", td.Arn, 6, null, [], [], [], SchedulingStrategy.REPLICA, 100, 200,
            ImmutableDictionary<string, string>.Empty, null,
            Options: new ServiceOptionsPatch(new AwsVpcConfiguration(subnets, [], false, default), null, null, null, null, null, null, null, "ENABLED")));
        var s = new Setup(cluster, "web", "", td);
        await WaitSteady(s, TimeSpan.FromMinutes(10));
        await _ecs.Advance(TimeSpan.FromMinutes(30));

        var tasks = await Tasks(s);
        Assert.Equal(6, tasks.Count(t => t.DesiredStatus == DesiredStatus.RUNNING));
        Assert.Equal([3, 3], ZoneCounts(tasks).Values.Order());
        Assert.All(tasks, t => Assert.Contains(t.AvailabilityZone, new[] { "us-east-1a", "us-east-1b" }));
        Assert.DoesNotContain((await Info(s)).Events, e => e.Message.Contains("to AZ Rebalance", StringComparison.Ordinal));
    }

    [Fact]
    public async Task B_AZ_1_rebalancing_that_finds_no_capacity_in_a_zone_stops_its_waiting_tasks_and_pauses()
    {
        // Two m5.large instances (in two of the group's three zones), the group at its maximum: four 1 vCPU tasks fill
        // both, so the third zone's rebalancing task waits in PROVISIONING for capacity that cannot come.
        var cluster = await _ecs.CreateCluster("dep-az-full");
        var (_, provider) = await _ecs.CreateAsgProvider(cluster, "m5.large", min: 2, max: 2, desired: 2, managedTerminationProtection: false);
        await _ecs.Control.PutClusterCapacityProviders(cluster, [provider], [new CapacityProviderStrategyItem(provider, 1, 0)]);
        await _ecs.WaitUntil("instances registered", async () => (await _ecs.Status(cluster)).Instances.Length == 2, TimeSpan.FromMinutes(5));
        var td = await _ecs.RegisterTaskDefinition(cpu: 1024, memory: 512);
        await _ecs.CreateService(cluster, "web", td, 4);
        var s = new Setup(cluster, "web", "", td);
        await _ecs.WaitUntil("rebalancing task waiting", async () => (await Tasks(s)).Any(t => t.LastStatus == TaskStatus.PROVISIONING && t.ContainerInstanceId is null),
            TimeSpan.FromMinutes(10));
        var waiting = (await Tasks(s)).Single(t => t.LastStatus == TaskStatus.PROVISIONING && t.ContainerInstanceId is null);

        // Past the grace period it is stopped, the service is steady again, and it does not try again meanwhile.
        await _ecs.WaitUntil("waiting task stopped", async () => (await Tasks(s)).Single(t => t.TaskId == waiting.TaskId).LastStatus == TaskStatus.STOPPED,
            TimeSpan.FromMinutes(15));
        await WaitSteady(s, TimeSpan.FromMinutes(5));
        await _ecs.Advance(TimeSpan.FromMinutes(20));
        var tasks = await Tasks(s);
        Assert.Equal(5, tasks.Length); // the four and the one rebalancing task
        Assert.Equal(4, tasks.Count(t => t.LastStatus == TaskStatus.RUNNING));
        Assert.True((await Info(s)).SteadyState);
    }

    [Fact]
    public async Task B_AZ_1_rebalancing_into_a_full_zone_without_a_capacity_provider_pauses_instead_of_retrying()
    {
        // Three m5.large (2 vCPU) registered by hand, one per zone, no capacity provider: the one in us-east-1c is full of
        // standalone tasks, so the service's four 1 vCPU tasks run 2 / 2 / 0 and its rebalancing task for us-east-1c is
        // refused at once (nowhere to wait). It tries once, then pauses: no launch on every reconciliation.
        var cluster = await _ecs.CreateCluster("dep-az-ec2");
        foreach (var (zone, i) in new[] { "us-east-1a", "us-east-1b", "us-east-1c" }.Select((z, i) => (z, i)))
        {
            await _ecs.Cluster(cluster).RegisterInstance(new InstanceRegistration($"i-0azfull0000000{i:x2}", "m5.large", zone, null, false, false,
                ImmutableDictionary<string, string>.Empty));
        }

        var td = await _ecs.RegisterTaskDefinition(cpu: 1024, memory: 512);
        var filler = await _ecs.Control.RunTask(new RunTaskRequest(cluster, td.Arn, 2, LaunchType.EC2, [], [],
            [new PlacementConstraint(PlacementConstraintType.memberOf, "attribute:ecs.availability-zone == us-east-1c")], null, null, null));
        Assert.Equal(2, filler.Tasks.Length);
        await _ecs.CreateService(cluster, "web", td, 4, launchType: LaunchType.EC2);
        var s = new Setup(cluster, "web", "", td);
        await _ecs.WaitUntil("rebalancing tried", async () => (await Info(s)).Events.Any(e => e.Message.Contains("is not AZ balanced", StringComparison.Ordinal)),
            TimeSpan.FromMinutes(10));

        await _ecs.Advance(TimeSpan.FromMinutes(20));
        var info = await Info(s);
        var refused = info.Events.Count(e => e.Message.Contains("was unable to place a task", StringComparison.Ordinal));
        Assert.Equal(1, refused);
        Assert.True(info.SteadyState);
        var zones = ZoneCounts(await Tasks(s));
        Assert.Equal(2, zones["us-east-1a"]);
        Assert.Equal(2, zones["us-east-1b"]);
        Assert.False(zones.ContainsKey("us-east-1c"));
        await _ecs.CheckInvariants();
    }

    private static Dictionary<string, int> ZoneCounts(IEnumerable<TaskRecord> tasks) =>
        tasks.Where(t => t.DesiredStatus == DesiredStatus.RUNNING && t.LastStatus != TaskStatus.STOPPED)
            .GroupBy(t => t.AvailabilityZone!).ToDictionary(g => g.Key, g => g.Count());

    [Fact]
    public async Task Bad_deployment_configurations_are_refused_and_change_nothing()
    {
        var s = await Start(desired: 2, minHealthy: 100, maxPercent: 200, breaker: new DeploymentCircuitBreakerSpec(true, true), traffic: false);
        var before = await Info(s);

        async Task Refused(UpdateServiceRequest request, string expected)
        {
            var e = await Assert.ThrowsAsync<EcsException>(() => _ecs.Control.UpdateService(request));
            Assert.Equal(ErrorCodes.InvalidParameter, e.Code);
            Assert.Contains(expected, e.Message, StringComparison.Ordinal);
        }

        var v2 = await Register(s.TaskDefinition.Family, null, "public.ecr.aws/nginx/nginx:1.28");
        await Refused(new UpdateServiceRequest(s.Cluster, s.Service, null, v2.Arn, null, null, null, 100, 50, false), "cannot be greater than maximumPercent");
        await Refused(new UpdateServiceRequest(s.Cluster, s.Service, null, v2.Arn, null, null, null, null, null, false, null,
            ServiceOptionsPatch.None with { CircuitBreaker = new DeploymentCircuitBreakerSpec(true, true, null, new ThresholdConfigurationSpec("BOUNDED_PERCENT", 150)) }), "thresholdConfiguration");
        await Refused(new UpdateServiceRequest(s.Cluster, s.Service, null, v2.Arn, null, null, null, null, null, false, null,
            ServiceOptionsPatch.None with { DeploymentController = "CODE_DEPLOY" }), "rolling update (ECS) deployment controller");
        var create = await Assert.ThrowsAsync<EcsException>(() => _ecs.Control.CreateService(new CreateServiceRequest(s.Cluster, "other", s.TaskDefinition.Arn, 1, null, [], [], [],
            SchedulingStrategy.REPLICA, 100, 200, ImmutableDictionary<string, string>.Empty, null,
            Options: ServiceOptionsPatch.None with { CircuitBreaker = new DeploymentCircuitBreakerSpec(true, false), DeploymentController = "EXTERNAL" })));
        Assert.Equal(ErrorCodes.InvalidParameter, create.Code);
        Assert.Null(await _ecs.Grains.GetGrain<IServiceGrain>(GrainKeys.Service(s.Cluster, "other")).Describe());

        var after = await Info(s);
        Assert.Equal(
            (before.Spec.TaskDefinition.Arn, before.Spec.MinimumHealthyPercent, before.Spec.MaximumPercent, before.Spec.EffectiveOptions.CircuitBreaker, before.Spec.EffectiveOptions.DeploymentController),
            (after.Spec.TaskDefinition.Arn, after.Spec.MinimumHealthyPercent, after.Spec.MaximumPercent, after.Spec.EffectiveOptions.CircuitBreaker, after.Spec.EffectiveOptions.DeploymentController));
        Assert.Equal(before.Deployments.Select(d => d.Id), after.Deployments.Select(d => d.Id));
        Assert.Single(await Service(s).ListServiceDeployments());
    }

    // ------------------------------------------------------------------ B-DP-3: alarm-based failure detection

    private ICloudWatchAlarmsGrain Alarms => _ecs.Grains.GetGrain<ICloudWatchAlarmsGrain>(0);

    private const string AppNamespace = "App/Deployments";

    /// <summary>A user alarm on a custom metric of its own (Sum per minute above <paramref name="threshold"/>; missing data not breaching).</summary>
    private async Task<string> PutAlarm(int evaluationPeriods = 1, double threshold = 5, string comparison = "GreaterThanThreshold", ImmutableArray<string> actions = default)
    {
        var name = EmulatorClusterFixture.Unique("deploy-alarm");
        await Alarms.Put(new AlarmSpec(name, "B-DP-3", true, [], actions.IsDefault ? [] : actions, [], AppNamespace, "Errors", [new MetricDimension("Alarm", name)], "Sum", null, 60, "Count",
            evaluationPeriods, null, threshold, comparison, "notBreaching", null, [], null, ImmutableDictionary<string, string>.Empty, null));
        return name;
    }

    /// <summary>Records <paramref name="value"/> on the alarm's metric now.</summary>
    private async Task PutErrors(string alarm, double value) =>
        await _ecs.Grains.GetGrain<IMetricStoreGrain>(AppNamespace).Put([MetricNamespaces.Datum("Errors", await _ecs.Control.Now(), value, "Count", ("Alarm", alarm))]);

    private async Task<AlarmStateValue> AlarmState(string alarm) => (await Alarms.Describe(AlarmQuery.Named(alarm))).Single().State;

    private static ServiceOptionsPatch WithAlarms(string alarm, bool enable, bool rollback) =>
        ServiceOptionsPatch.None with { Alarms = new DeploymentAlarmsSpec([alarm], enable, rollback) };

    [Fact]
    public async Task B_DP_3_an_alarm_driven_by_metrics_fails_the_deployment_and_rolls_back()
    {
        var s = await Start(desired: 4, minHealthy: 100, maxPercent: 200, breaker: null);
        var alarm = await PutAlarm();
        await _ecs.WaitUntil("alarm OK", async () => await AlarmState(alarm) == AlarmStateValue.OK, TimeSpan.FromMinutes(3));
        var original = (await Info(s)).Deployments[0];
        var v2 = await Register(s.TaskDefinition.Family, null, "public.ecr.aws/nginx/nginx:1.28");
        var started = await _ecs.Control.Now();
        var deploying = (await Deploy(s, v2, WithAlarms(alarm, enable: true, rollback: true))).Deployments[0];

        // The new revision errs (one error a second on the alarm's metric) while its deployment is under way.
        var erring = true;
        await _ecs.WaitUntil("rolled back", async () =>
        {
            erring = (await Latest(s)).Record.Status == ServiceDeploymentStatuses.InProgress;
            return (await Latest(s)).Record.Status == ServiceDeploymentStatuses.RollbackSuccessful;
        }, TimeSpan.FromMinutes(20), onEachPoll: async () =>
        {
            if (erring)
            {
                await PutErrors(alarm, 1);
            }
        });

        var entered = Assert.Single(await Alarms.EnteredAlarmSince([alarm], started));
        var sd = await Latest(s);
        Assert.Equal(MonitorStatuses.Triggered, sd.Record.AlarmsStatus);
        Assert.Equal([alarm], sd.Record.TriggeredAlarms.ToArray());
        Assert.Equal(MonitorStatuses.Disabled, sd.Record.CircuitBreakerStatus);
        Assert.Equal(original.RevisionId, sd.Record.Rollback!.RevisionId);
        Assert.True(sd.Record.Rollback.StartedAt >= entered.At, $"rollback at {sd.Record.Rollback.StartedAt:O}, alarm at {entered.At:O}");
        Assert.Equal([deploying.Id, original.Id], sd.Record.DeploymentIds.ToArray());

        await WaitSteady(s, TimeSpan.FromMinutes(10));
        var info = await Info(s);
        Assert.Equal(s.TaskDefinition.Arn, info.Spec.TaskDefinition.Arn);
        Assert.Equal((original.Id, DeploymentRolloutState.COMPLETED), (Assert.Single(info.Deployments).Id, info.Deployments[0].RolloutState));
        Assert.All((await Tasks(s)).Where(t => t.DesiredStatus == DesiredStatus.RUNNING), t => Assert.Equal(s.TaskDefinition.Arn, t.TaskDefinitionArn));
        Assert.Equal(0, (await Figures(s)).Failed); // minimumHealthyPercent 100: the old revision served throughout

        var tail = (await DeploymentEvents(s)).SkipWhile(e => e.Deployment != deploying.Id).ToList();
        Assert.Equal(
            [("SERVICE_DEPLOYMENT_IN_PROGRESS", deploying.Id), ("SERVICE_DEPLOYMENT_FAILED", deploying.Id), ("SERVICE_DEPLOYMENT_IN_PROGRESS", original.Id), ("SERVICE_DEPLOYMENT_COMPLETED", original.Id)],
            tail.Select(e => (e.Name, e.Deployment)));
        Assert.Equal(ServiceDeployments.AlarmFailureReason([alarm]), tail[1].Reason);
        Assert.Equal($"ECS deployment alarms: rolling back to deploymentId {original.Id}.", tail[2].Reason);
        Assert.Contains(info.Events, e => e.Message.Contains("deployment failed: " + ServiceDeployments.AlarmFailureReason([alarm]), StringComparison.Ordinal));
    }

    [Fact]
    public async Task B_DP_8_a_revision_with_an_error_rate_raises_target_5xx_its_alarm_fires_and_the_rollback_stops_them()
    {
        var s = await Start(desired: 4, minHealthy: 100, maxPercent: 200, breaker: null);
        var group = (await _ecs.Grains.GetGrain<ITargetGroupGrain>(s.TargetGroup).Describe())!;
        var dimension = new MetricDimension("TargetGroup", TargetGroupArns.Dimension(group.Arn));
        var alarm = EmulatorClusterFixture.Unique("tg-5xx");
        await Alarms.Put(new AlarmSpec(alarm, "B-DP-8 target 5xx", true, [], [], [], MetricNamespaces.ApplicationElb, "HTTPCode_Target_5XX_Count", [dimension],
            "Sum", null, 60, "Count", 3, 1, 100, "GreaterThanThreshold", "notBreaching", null, [], null, ImmutableDictionary<string, string>.Empty, null));
        // 1 of 3 datapoints: the bake time (3 x 60 s) outlasts the new tasks' first minute of traffic.
        await _ecs.WaitUntil("alarm OK", async () => await AlarmState(alarm) == AlarmStateValue.OK, TimeSpan.FromMinutes(5));
        Assert.Equal(0, (await Figures(s)).Failed5xxOverloaded);

        var original = (await Info(s)).Deployments[0];
        var v2 = await Register(s.TaskDefinition.Family, Labels(("emulator.errorRate", "0.5")), "public.ecr.aws/nginx/nginx:1.28");
        Assert.Equal(0.5, v2.Faults!.ErrorRate);
        var started = await _ecs.Control.Now();
        var deploying = (await Deploy(s, v2, WithAlarms(alarm, enable: true, rollback: true))).Deployments[0];
        await _ecs.WaitUntil("rolled back", async () => (await Latest(s)).Record.Status == ServiceDeploymentStatuses.RollbackSuccessful, TimeSpan.FromMinutes(20));

        // The new revision's healthy tasks answered half their share 5xx: in the traffic figures and in CloudWatch.
        var during = await Figures(s);
        Assert.True(during.Failed5xxOverloaded > 100, $"target 5xx {during.Failed5xxOverloaded}");
        Assert.Equal(0, during.Failed503NoHealthyTarget + during.Failed502TargetDied);
        var now = await _ecs.Control.Now();
        var points = await _ecs.Grains.GetGrain<IMetricStoreGrain>(MetricNamespaces.ApplicationElb).Get("HTTPCode_Target_5XX_Count", [dimension], started, now);
        Assert.Contains(points, p => p.Value > 100);
        Assert.Single(await Alarms.EnteredAlarmSince([alarm], started));
        var sd = await Latest(s);
        Assert.Equal((MonitorStatuses.Triggered, original.RevisionId), (sd.Record.AlarmsStatus, sd.Record.Rollback!.RevisionId));
        // The alarm fires once the new tasks serve, by when the old ones may be gone: the rollback is then a new
        // deployment of the original revision.
        Assert.Equal(deploying.Id, sd.Record.DeploymentIds[0]);

        // After the rollback only the old revision serves: no more target 5xx.
        await WaitSteady(s, TimeSpan.FromMinutes(10));
        Assert.All((await Tasks(s)).Where(t => t.DesiredStatus == DesiredStatus.RUNNING), t => Assert.Equal(s.TaskDefinition.Arn, t.TaskDefinitionArn));
        var settled = (await Figures(s)).Failed5xxOverloaded;
        await _ecs.Advance(TimeSpan.FromMinutes(3));
        var later = await Figures(s);
        Assert.Equal(settled, later.Failed5xxOverloaded, 6);
        Assert.True(later.Requests > during.Requests);
    }

    [Fact]
    public async Task B_DP_8_chaos_cpu_per_request_raises_the_services_cpu_utilization()
    {
        var s = await Start(desired: 4, minHealthy: 100, maxPercent: 200, breaker: null);
        await _ecs.Advance(TimeSpan.FromSeconds(30));
        var before = (await Figures(s)).CpuUtilizationPercent; // 200 req/s over 4 tasks of 100: 50 %
        Assert.Equal(50, before, 3);
        var now = await _ecs.Control.Now();
        var reached = await _ecs.Cluster(s.Cluster).SetServiceTaskFault(s.Service, new ServiceTaskFault(TaskFaultKind.CpuPerRequest, 1.5, now, now + TimeSpan.FromMinutes(5)));
        Assert.Equal(4, reached.Length);
        await _ecs.Advance(TimeSpan.FromMinutes(2));
        Assert.Equal(75, (await Figures(s)).CpuUtilizationPercent, 3);
        // The fault ends: back to 50 %, and no request failed (1.5 x 50 req/s is under capacity).
        var until = now + TimeSpan.FromMinutes(5);
        await _ecs.Advance(until - await _ecs.Control.Now() + TimeSpan.FromMinutes(2));
        var after = await Figures(s);
        Assert.Equal(50, after.CpuUtilizationPercent, 3);
        Assert.Equal(0, after.Failed);

        // CloudWatch AWS/ECS CPUUtilization: 75 % in the minutes inside the fault, 50 % after it.
        await _ecs.WaitUntil("CPUUtilization published", async () =>
        {
            var series = await _ecs.Grains.GetGrain<IMetricStoreGrain>(MetricNamespaces.Ecs).Get("CPUUtilization",
                [new MetricDimension("ClusterName", s.Cluster), new MetricDimension("ServiceName", s.Service)], now, await _ecs.Control.Now());
            return series.Any(p => p.Timestamp >= now + TimeSpan.FromMinutes(1) && p.Timestamp < until - TimeSpan.FromMinutes(1) && Math.Abs(p.Value - 75) < 0.01)
                && series.Any(p => p.Timestamp >= until && Math.Abs(p.Value - 50) < 0.01);
        }, TimeSpan.FromMinutes(2));
    }

    [Fact]
    public async Task B_DP_3_set_alarm_state_during_the_bake_time_fails_the_deployment_without_rollback()
    {
        var s = await Start(desired: 2, minHealthy: 100, maxPercent: 200, breaker: null, traffic: false);
        var alarm = await PutAlarm(evaluationPeriods: 5); // bake time 5 x 60 s
        await _ecs.WaitUntil("alarm OK", async () => await AlarmState(alarm) == AlarmStateValue.OK, TimeSpan.FromMinutes(3));
        var v2 = await Register(s.TaskDefinition.Family, null, "public.ecr.aws/nginx/nginx:1.28");
        var deploying = (await Deploy(s, v2, WithAlarms(alarm, enable: true, rollback: false))).Deployments[0];

        // The old tasks are gone and the new ones healthy, yet the deployment stays IN_PROGRESS while its alarms bake.
        await _ecs.WaitUntil("new tasks steady", async () => (await Info(s)) is { Deployments.Length: 1, RunningCount: 2 } i
            && (await Tasks(s)).Count(t => t.TaskDefinitionArn == v2.Arn && t.LastStatus == TaskStatus.RUNNING) == 2
            && i.Deployments[0].BakeUntil is not null, TimeSpan.FromMinutes(10));
        var baking = await Info(s);
        Assert.Equal((deploying.Id, DeploymentRolloutState.IN_PROGRESS), (baking.Deployments[0].Id, baking.Deployments[0].RolloutState));
        Assert.False(baking.SteadyState);
        await _ecs.Advance(TimeSpan.FromMinutes(2));
        Assert.Equal(DeploymentRolloutState.IN_PROGRESS, (await Info(s)).Deployments[0].RolloutState);

        await Alarms.SetState(alarm, AlarmStateValue.ALARM, "operator says the new revision is broken", null);
        await _ecs.WaitUntil("deployment failed", async () => (await Info(s)).Deployments[0].RolloutState == DeploymentRolloutState.FAILED, TimeSpan.FromMinutes(1));
        var info = await Info(s);
        var failed = Assert.Single(info.Deployments);
        Assert.Equal((deploying.Id, "PRIMARY", ServiceDeployments.AlarmFailureReason([alarm])), (failed.Id, failed.Status, failed.RolloutStateReason));
        var sd = await Latest(s);
        Assert.Equal((ServiceDeploymentStatuses.Stopped, MonitorStatuses.Triggered), (sd.Record.Status, sd.Record.AlarmsStatus));
        Assert.Equal([alarm], sd.Record.TriggeredAlarms.ToArray());
        Assert.Null(sd.Record.Rollback);

        // No rollback: the new revision keeps running and nothing more is launched.
        await _ecs.Advance(TimeSpan.FromMinutes(3));
        Assert.Equal(v2.Arn, (await Info(s)).Spec.TaskDefinition.Arn);
        Assert.All((await Tasks(s)).Where(t => t.DesiredStatus == DesiredStatus.RUNNING), t => Assert.Equal(v2.Arn, t.TaskDefinitionArn));
        Assert.Equal(DeploymentRolloutState.FAILED, (await Info(s)).Deployments[0].RolloutState);
    }

    [Fact]
    public async Task B_DP_3_disabled_alarms_and_an_alarm_already_in_ALARM_at_the_start_do_not_fail_a_deployment()
    {
        var s = await Start(desired: 2, minHealthy: 100, maxPercent: 200, breaker: null, traffic: false);
        var alarm = await PutAlarm(evaluationPeriods: 2);
        await _ecs.WaitUntil("alarm OK", async () => await AlarmState(alarm) == AlarmStateValue.OK, TimeSpan.FromMinutes(3));

        // enable = false: an alarm entering ALARM mid-deployment is not watched, and there is no bake time.
        var v2 = await Register(s.TaskDefinition.Family, null, "public.ecr.aws/nginx/nginx:1.28");
        await Deploy(s, v2, WithAlarms(alarm, enable: false, rollback: true));
        await Alarms.SetState(alarm, AlarmStateValue.ALARM, "not watched", null);
        await _ecs.WaitUntil("completed", async () => (await Info(s)) is { Deployments: [{ RolloutState: DeploymentRolloutState.COMPLETED }], SteadyState: true }, TimeSpan.FromMinutes(10));
        var sd = await Latest(s);
        Assert.Equal((ServiceDeploymentStatuses.Successful, MonitorStatuses.Disabled), (sd.Record.Status, sd.Record.AlarmsStatus));
        Assert.Empty(sd.Record.TriggeredAlarms);
        Assert.Null((await Info(s)).Deployments[0].BakeUntil);

        // enable = true, but the alarm is in ALARM before the deployment starts and stays there: not monitored (no
        // transition after the start); the deployment completes once its bake time (2 x 60 s) is over.
        async Task Erring() => await PutErrors(alarm, 1);
        await _ecs.WaitUntil("alarm in ALARM from metrics", async () => await AlarmState(alarm) == AlarmStateValue.ALARM
            && (await Alarms.Describe(AlarmQuery.Named(alarm))).Single().StateReason != "not watched", TimeSpan.FromMinutes(5), Erring);
        var v3 = await Register(s.TaskDefinition.Family, null, "public.ecr.aws/nginx/nginx:1.29");
        var started = await _ecs.Control.Now();
        var third = (await Deploy(s, v3, WithAlarms(alarm, enable: true, rollback: true))).Deployments[0];
        await _ecs.WaitUntil("completed after its bake time", async () => (await Info(s)) is { Deployments: [{ RolloutState: DeploymentRolloutState.COMPLETED }] },
            TimeSpan.FromMinutes(15), Erring);
        var done = await Info(s);
        Assert.Equal(third.Id, done.Deployments[0].Id);
        Assert.Equal(AlarmStateValue.ALARM, await AlarmState(alarm));
        Assert.Empty(await Alarms.EnteredAlarmSince([alarm], started));
        var bakeStart = done.Deployments[0].BakeUntil!.Value - TimeSpan.FromMinutes(2);
        Assert.True(done.Deployments[0].UpdatedAt >= bakeStart + TimeSpan.FromMinutes(2), $"completed {done.Deployments[0].UpdatedAt:O}, bake until {done.Deployments[0].BakeUntil:O}");
        sd = await Latest(s);
        Assert.Equal((ServiceDeploymentStatuses.Successful, MonitorStatuses.MonitoringComplete), (sd.Record.Status, sd.Record.AlarmsStatus));
    }

    [Fact]
    public async Task B_AS_5_scale_in_waits_for_the_deployment_and_its_alarm_bake_time()
    {
        var s = await Start(desired: 4, minHealthy: 100, maxPercent: 200, breaker: null, traffic: false);
        var guard = await PutAlarm(evaluationPeriods: 8); // the deployment's alarm: bake time 8 minutes
        await _ecs.WaitUntil("alarm OK", async () => await AlarmState(guard) == AlarmStateValue.OK, TimeSpan.FromMinutes(3));

        // Service auto scaling with a step scale-in policy driven by a low-load alarm that stays in ALARM.
        var resourceId = AppAutoScaling.ResourceId(s.Cluster, s.Service);
        var target = _ecs.Grains.GetGrain<IScalableTargetGrain>(GrainKeys.ScalableTarget("ecs", resourceId, AppAutoScaling.EcsDesiredCount));
        await target.Register(new ScalableTargetSpec("ecs", resourceId, AppAutoScaling.EcsDesiredCount, 1, 8, null, null, null));
        var policy = await target.PutPolicy(new ScalingPolicySpec("in", "StepScaling", null,
            new StepScalingSpec("ChangeInCapacity", [new StepAdjustmentSpec(null, 0, -1)], null, 60, "Average")));
        var low = await PutAlarm(threshold: 10, comparison: "LessThanThreshold", actions: [policy.Arn]);
        async Task Load() => await PutErrors(low, 0); // Sum 0 a minute: below the threshold

        var v2 = await Register(s.TaskDefinition.Family, null, "public.ecr.aws/nginx/nginx:1.28");
        await Deploy(s, v2, WithAlarms(guard, enable: true, rollback: true));
        await _ecs.WaitUntil("low alarm in ALARM", async () => await AlarmState(low) == AlarmStateValue.ALARM, TimeSpan.FromMinutes(3), Load);

        // While the deployment (and then its bake time) is IN_PROGRESS the scale-in waits.
        var sawBake = false;
        await _ecs.WaitUntil("deployment completed", async () =>
        {
            var i = await Info(s);
            Assert.True(i.Spec.DesiredCount == 4 || i.Deployments[0].RolloutState == DeploymentRolloutState.COMPLETED,
                $"desired {i.Spec.DesiredCount} while the deployment is {i.Deployments[0].RolloutState}");
            sawBake |= i.Deployments is [{ BakeUntil: not null, RolloutState: DeploymentRolloutState.IN_PROGRESS }];
            return i.Deployments[0].RolloutState == DeploymentRolloutState.COMPLETED;
        }, TimeSpan.FromMinutes(20), Load);
        Assert.True(sawBake);
        var completedAt = (await Info(s)).Deployments[0].UpdatedAt;
        Assert.DoesNotContain(await target.Activities(false), a => a.StatusCode == "Successful" && a.StartTime < completedAt);

        // Then it goes ahead.
        await _ecs.WaitUntil("scaled in", async () => (await Info(s)).Spec.DesiredCount < 4, TimeSpan.FromMinutes(5), Load);
    }
}
