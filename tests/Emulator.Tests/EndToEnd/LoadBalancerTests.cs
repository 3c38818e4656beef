using System.Collections.Immutable;
using Emulator.Contracts;
using TaskStatus = Emulator.Contracts.TaskStatus;

namespace Emulator.Tests.EndToEnd;

/// <summary>
/// The load balancer model end to end (ECS-BEHAVIOR §13, B-SV-4 with a load balancer): the workshop's target group
/// (healthy threshold 2, 30 s checks, deregistration delay 90 s), synthetic traffic and what it survives. The invariant
/// checker runs on every poll and after each test.
/// </summary>
[Collection(EmulatorCollection.Name)]
public sealed class LoadBalancerTests(EmulatorClusterFixture fixture) : IAsyncLifetime
{
    private readonly EcsDriver _ecs = new(fixture);

    public Task InitializeAsync() => _ecs.InitializeAsync();

    public Task DisposeAsync() => _ecs.DisposeAsync();

    private sealed record Setup(string Cluster, string Service, string TargetGroup, TaskDefinitionRecord TaskDefinition);

    /// <summary>A cluster with two m5.large instances (8 tasks each), the workshop's target group and a service using it.</summary>
    private async Task<Setup> Start(int desired, int minHealthy = 100, int maxPercent = 200, int instances = 2)
    {
        var cluster = await _ecs.CreateCluster("lb");
        var (_, provider) = await _ecs.CreateAsgProvider(cluster, "m5.large", min: instances, max: instances, desired: instances, managedTerminationProtection: false, managedScaling: false);
        await _ecs.Control.PutClusterCapacityProviders(cluster, [provider], [new CapacityProviderStrategyItem(provider, 1, 0)]);
        await _ecs.WaitUntil("instances registered", async () => (await _ecs.Status(cluster)).Instances.Length == instances, TimeSpan.FromMinutes(5));
        var tg = EmulatorClusterFixture.Unique("tg");
        var group = await TargetGroup(tg).Create(TargetGroupSpec.Default(tg) with
        {
            HealthyThresholdCount = 2,
            HealthCheckIntervalSeconds = 30,
            DeregistrationDelaySeconds = 90,
            TargetType = "instance",
        });
        var td = await _ecs.RegisterTaskDefinition(cpu: 256, memory: 512, ports: [new PortMapping(80, 0, "tcp")]);
        var service = "web";
        await _ecs.Control.CreateService(new CreateServiceRequest(cluster, service, td.Arn, desired, null, [], [], [],
            SchedulingStrategy.REPLICA, minHealthy, maxPercent, ImmutableDictionary<string, string>.Empty, null,
            LoadBalancers: [new ServiceLoadBalancer(group.Arn, "app", 80)]));
        return new Setup(cluster, service, tg, td);
    }

    private ITargetGroupGrain TargetGroup(string name) => _ecs.Grains.GetGrain<ITargetGroupGrain>(name);

    private ITrafficGrain Traffic(string cluster) => _ecs.Grains.GetGrain<ITrafficGrain>(cluster);

    private async Task<ServiceTrafficFigures> Figures(Setup s) => (await Traffic(s.Cluster).GetFigures()).Single(f => f.Service == s.Service);

    private async Task<ImmutableArray<TargetHealthInfo>> Targets(Setup s) => (await TargetGroup(s.TargetGroup).Describe())!.Targets;

    private Task<DateTimeOffset> Now() => _ecs.Control.Now();

    private Task WaitHealthy(Setup s, int n) =>
        _ecs.WaitUntil($"{n} healthy targets", async () => (await Targets(s)).Count(t => t.State == TargetHealthState.healthy) == n, TimeSpan.FromMinutes(10));

    /// <summary>Starts a constant rate and returns the emulated window in which the profile started.</summary>
    private async Task<(DateTimeOffset Before, DateTimeOffset After)> StartTraffic(Setup s, double rps)
    {
        var before = await Now();
        await Traffic(s.Cluster).SetServiceTraffic(s.Service, TrafficProfile.Constant(rps));
        return (before, await Now());
    }

    private static void AssertRequestsMatchRate(ServiceTrafficFigures f, double rps, (DateTimeOffset Before, DateTimeOffset After) started)
    {
        // Requests = rate x emulated time since the profile started (B-LB-3).
        Assert.InRange(f.Requests, (rps * (f.At - started.After).TotalSeconds) - 1e-6, (rps * (f.At - started.Before).TotalSeconds) + 1e-6);
    }

    [Fact]
    public async Task B_LB_1_targets_become_healthy_after_two_checks_at_30s()
    {
        var s = await Start(desired: 2);
        var healthyIds = new HashSet<string>();
        var startedAt = new Dictionary<string, DateTimeOffset>();
        await _ecs.WaitUntil("2 targets healthy", async () =>
        {
            // Each poll is bracketed by the emulated time before and after it: a target seen healthy must be
            // registered (task RUNNING) 2 x 30 s before the poll ended; one seen initial, less than that before it began.
            var before = await Now();
            var targets = await Targets(s);
            var after = await Now();
            foreach (var t in await _ecs.Cluster(s.Cluster).GetTasks(targets.Select(t => t.TaskId).ToImmutableArray()))
            {
                startedAt[t.TaskId] = t.StartedAt!.Value;
            }

            foreach (var t in targets)
            {
                var healthyAt = startedAt[t.TaskId] + TimeSpan.FromSeconds(60);
                Assert.Equal(startedAt[t.TaskId], t.RegisteredAt);
                if (t.State == TargetHealthState.healthy)
                {
                    Assert.True(after >= healthyAt, $"healthy at {after}, expected from {healthyAt}");
                    healthyIds.Add(t.TaskId);
                }
                else
                {
                    Assert.Equal(TargetHealthState.initial, t.State);
                    Assert.True(before < healthyAt, $"still initial at {before}, expected healthy from {healthyAt}");
                }
            }

            return healthyIds.Count == 2;
        }, TimeSpan.FromMinutes(10));

        var tasks = await _ecs.Cluster(s.Cluster).GetTasks(healthyIds.ToImmutableArray());
        // B-TL-5 / B-SV-4: the service is steady only once its targets are healthy.
        await _ecs.WaitUntil("steady", async () => (await ServiceInfo(s)).SteadyState, TimeSpan.FromMinutes(5));
        var steadyEvent = (await ServiceInfo(s)).Events.First(e => e.Message.Contains("steady state", StringComparison.Ordinal));
        Assert.True(steadyEvent.CreatedAt >= tasks.Max(t => t.StartedAt!.Value) + TimeSpan.FromSeconds(60));
    }

    [Fact]
    public async Task B_LB_2_scale_in_drains_targets_through_deactivating_for_90s_with_zero_failed_requests()
    {
        var s = await Start(desired: 4);
        await WaitHealthy(s, 4);
        var started = await StartTraffic(s, 200);
        await _ecs.Advance(TimeSpan.FromSeconds(6));
        await _ecs.Scale(s.Cluster, s.Service, 2);

        var deactivating = new HashSet<string>();
        await _ecs.WaitUntil("two tasks stopped after draining", async () =>
        {
            var tasks = await _ecs.Cluster(s.Cluster).ListTasks(new TaskFilter(s.Service, null, null, null, null, null));
            deactivating.UnionWith(tasks.Where(t => t.LastStatus == TaskStatus.DEACTIVATING).Select(t => t.TaskId));
            return tasks.Count(t => t.LastStatus == TaskStatus.STOPPED) == 2;
        }, TimeSpan.FromMinutes(10));

        var stopped = (await _ecs.Cluster(s.Cluster).ListTasks(new TaskFilter(s.Service, null, null, null, null, null)))
            .Where(t => t.LastStatus == TaskStatus.STOPPED).ToList();
        Assert.Equal(stopped.Select(t => t.TaskId).Order(), deactivating.Order());
        foreach (var t in stopped)
        {
            Assert.NotNull(t.DeregisteredAt);
            Assert.Equal(StopReasonsServiceScheduler, t.StopCode);
            Assert.True(t.StoppedAt - t.DeregisteredAt >= TimeSpan.FromSeconds(90), $"stopped {t.StoppedAt - t.DeregisteredAt} after deregistration");
        }

        await _ecs.Advance(TimeSpan.FromSeconds(12));
        var f = await Figures(s);
        Assert.True(f.Requests > 0);
        Assert.Equal(0, f.Failed);
        Assert.Equal(2, f.HealthyHosts);
        AssertRequestsMatchRate(f, 200, started);
    }

    [Fact]
    public async Task B_LB_2_stop_task_on_a_target_deregisters_it_first_and_nothing_fails()
    {
        var s = await Start(desired: 3);
        await WaitHealthy(s, 3);
        var started = await StartTraffic(s, 150);
        var victim = (await Targets(s)).First().TaskId;
        var stopped = await _ecs.Control.StopTask(s.Cluster, victim, "chaos");
        Assert.Equal(TaskStatus.DEACTIVATING, stopped.LastStatus);

        await _ecs.WaitUntil("replacement healthy and victim gone", async () =>
        {
            var targets = await Targets(s);
            return targets.Count(t => t.State == TargetHealthState.healthy) == 3 && targets.All(t => t.TaskId != victim);
        }, TimeSpan.FromMinutes(10));

        var f = await Figures(s);
        Assert.Equal(0, f.Failed);
        AssertRequestsMatchRate(f, 150, started);
    }

    [Fact]
    public async Task B_LB_3_task_killed_without_deregistration_fails_502_until_unhealthy_then_only_healthy_targets_serve()
    {
        var s = await Start(desired: 4);
        await WaitHealthy(s, 4);
        var started = await StartTraffic(s, 100);
        var tasks = (await _ecs.Cluster(s.Cluster).ListTasks(new TaskFilter(s.Service, null, null, null, DesiredStatus.RUNNING, null))).ToList();
        var instance = tasks.GroupBy(t => t.ContainerInstanceId!).OrderBy(g => g.Count()).First();
        var killed = instance.Select(t => t.TaskId).ToHashSet();

        // The host's agent is gone: a forced deregistration stops its tasks without a load balancer deregistration.
        await _ecs.Cluster(s.Cluster).DeregisterInstance(instance.Key, force: true);
        await _ecs.WaitUntil("killed targets unhealthy", async () =>
        {
            // Each killed target turns unhealthy on its own check schedule, then leaves the group.
            var killedTargets = (await Targets(s)).Where(t => killed.Contains(t.TaskId)).ToList();
            return killedTargets.All(t => t.State == TargetHealthState.unhealthy); // (or already gone)
        }, TimeSpan.FromMinutes(5));

        var atUnhealthy = await Figures(s);
        Assert.True(atUnhealthy.Failed502TargetDied > 0, "requests routed to the dead targets failed with 502");

        // After the failed checks the load balancer only uses healthy targets: no new failures while replacements come up.
        await _ecs.WaitUntil("replacements healthy", async () =>
            (await Targets(s)).Count(t => t.State == TargetHealthState.healthy && !killed.Contains(t.TaskId)) == 4, TimeSpan.FromMinutes(10));
        var end = await Figures(s);
        Assert.Equal(atUnhealthy.Failed502TargetDied, end.Failed502TargetDied, 6);
        Assert.Equal(0, end.Failed503NoHealthyTarget);
        AssertRequestsMatchRate(end, 100, started);

        // The figures follow the arithmetic: per dead target its share (100 / 4 req/s) until unhealthy, plus in-flight.
        var perTarget = 100.0 / 4;
        Assert.InRange(end.Failed502TargetDied, killed.Count * perTarget * 0.2, killed.Count * ((perTarget * 60) + (perTarget * 0.2)) + 1e-6);
    }

    [Fact]
    public async Task B_LB_3_no_healthy_target_means_503_until_the_first_target_is_healthy()
    {
        // No task yet: every request fails 503; then two tasks start and are healthy 2 x 30 s after RUNNING.
        var s = await Start(desired: 0);
        var started = await StartTraffic(s, 50);
        await _ecs.Scale(s.Cluster, s.Service, 2);
        await WaitHealthy(s, 2);
        var atHealthy = await Figures(s);
        Assert.True(atHealthy.Failed503NoHealthyTarget >= (50 * 70) - 1e-6, $"{atHealthy}: at least 10 s to start and 60 s to be healthy");
        Assert.Equal(0, atHealthy.Failed502TargetDied);

        var later = await Now() + TimeSpan.FromMinutes(2);
        await _ecs.WaitUntil("two more minutes", async () => await Now() >= later, TimeSpan.FromMinutes(5));
        var end = await Figures(s);
        Assert.InRange(end.Failed503NoHealthyTarget, atHealthy.Failed503NoHealthyTarget - 1e-6, atHealthy.Failed503NoHealthyTarget + (50 * 30));
        Assert.True(end.Requests > atHealthy.Requests + (50 * 100));
        AssertRequestsMatchRate(end, 50, started);
        Assert.Equal(2, end.HealthyHosts);
        Assert.InRange(end.CpuUtilizationPercent, 24.999, 25.001); // B-LB-4: 50 req/s over 2 tasks against 100 req/s each

        // The same figures as CloudWatch metrics, one datapoint per metric period.
        var now = await Now();
        var arn = (await TargetGroup(s.TargetGroup).Describe())!.Arn;
        var dim = new MetricDimension("TargetGroup", TargetGroupArns.Dimension(arn));
        var elb = _ecs.Grains.GetGrain<IMetricStoreGrain>(MetricNamespaces.ApplicationElb);
        var requests = await elb.Get("RequestCount", [dim], now - TimeSpan.FromHours(1), now);
        var failed503 = await elb.Get("HTTPCode_ELB_503_Count", [dim], now - TimeSpan.FromHours(1), now);
        var healthy = await elb.Get("HealthyHostCount", [dim], now - TimeSpan.FromHours(1), now);
        Assert.InRange(requests.Sum(d => d.Value), 1, end.Requests + 1e-6);
        Assert.InRange(failed503.Sum(d => d.Value), 1, end.Failed503NoHealthyTarget + 1e-6);
        Assert.Equal(2, healthy.OrderBy(d => d.Timestamp).Last().Value);
        var cpu = await _ecs.Grains.GetGrain<IMetricStoreGrain>(MetricNamespaces.Ecs).Get("CPUUtilization",
            [new MetricDimension("ClusterName", s.Cluster), new MetricDimension("ServiceName", s.Service)], now - TimeSpan.FromHours(1), now);
        Assert.InRange(cpu.OrderBy(d => d.Timestamp).Last().Value, 24.999, 25.001);
    }

    [Fact]
    public async Task B_SV_4_rolling_deployment_behind_the_load_balancer_waits_for_health_and_fails_no_request()
    {
        var s = await Start(desired: 4, minHealthy: 100, maxPercent: 200);
        await WaitHealthy(s, 4);
        var started = await StartTraffic(s, 400);
        var v2 = await _ecs.Control.RegisterTaskDefinition(s.TaskDefinition.Spec);
        var updateAt = await Now();
        await _ecs.Control.UpdateService(new UpdateServiceRequest(s.Cluster, s.Service, null, v2.Arn, null, null, null, null, null, false));

        var minHealthySeen = int.MaxValue;
        await _ecs.WaitUntil("deployment completed", async () =>
        {
            var f = await Figures(s);
            minHealthySeen = Math.Min(minHealthySeen, f.HealthyHosts);
            var info = await ServiceInfo(s);
            var tasks = await _ecs.Cluster(s.Cluster).ListTasks(new TaskFilter(s.Service, null, null, null, DesiredStatus.RUNNING, null));
            return info.Deployments.Length == 1 && info.Deployments[0].RolloutState == DeploymentRolloutState.COMPLETED
                && tasks.Length == 4 && tasks.All(t => t.TaskDefinitionArn == v2.Arn);
        }, TimeSpan.FromMinutes(20));

        var end = await Figures(s);
        Assert.Equal(0, end.Failed);
        Assert.True(minHealthySeen >= 4, $"healthy targets fell to {minHealthySeen} (minimumHealthyPercent 100)");
        AssertRequestsMatchRate(end, 400, started);

        // Old tasks were only deregistered once their replacements passed 2 checks, and drained 90 s.
        var old = (await _ecs.Cluster(s.Cluster).ListTasks(new TaskFilter(s.Service, null, null, null, null, null)))
            .Where(t => t.TaskDefinitionArn == s.TaskDefinition.Arn && t.DeregisteredAt is not null).ToList();
        Assert.Equal(4, old.Count);
        Assert.All(old, t => Assert.True(t.DeregisteredAt >= updateAt + TimeSpan.FromSeconds(60), $"deregistered at {t.DeregisteredAt}, update at {updateAt}"));
    }

    [Fact]
    public async Task B_CI_3_draining_an_instance_behind_the_load_balancer_replaces_its_tasks_with_zero_failed_requests()
    {
        var s = await Start(desired: 4);
        await WaitHealthy(s, 4);
        var started = await StartTraffic(s, 200);
        var tasks = await _ecs.Cluster(s.Cluster).ListTasks(new TaskFilter(s.Service, null, null, null, DesiredStatus.RUNNING, null));
        var instance = tasks.GroupBy(t => t.ContainerInstanceId!).OrderByDescending(g => g.Count()).First();
        await _ecs.Control.UpdateContainerInstancesState(s.Cluster, [instance.Key], ContainerInstanceStatus.DRAINING);

        var minHealthy = int.MaxValue;
        await _ecs.WaitUntil("drained instance empty and 4 healthy targets elsewhere", async () =>
        {
            var f = await Figures(s);
            minHealthy = Math.Min(minHealthy, f.HealthyHosts);
            var now = await _ecs.Cluster(s.Cluster).ListTasks(new TaskFilter(s.Service, null, null, null, null, null));
            return now.Where(t => t.ContainerInstanceId == instance.Key).All(t => t.LastStatus == TaskStatus.STOPPED) && f.HealthyHosts == 4;
        }, TimeSpan.FromMinutes(15));

        var end = await Figures(s);
        Assert.Equal(0, end.Failed);
        Assert.True(minHealthy >= 4, $"healthy targets fell to {minHealthy}");
        AssertRequestsMatchRate(end, 200, started);
    }

    [Fact]
    public async Task B_LB_2_a_modified_deregistration_delay_applies_to_the_next_stop_and_a_service_can_be_put_behind_a_group_later()
    {
        var s = await Start(desired: 2);
        await WaitHealthy(s, 2);
        var info = (await TargetGroup(s.TargetGroup).Describe())!;
        await TargetGroup(s.TargetGroup).Modify(info.Spec with { DeregistrationDelaySeconds = 10 });
        var victim = (await Targets(s)).First().TaskId;
        await _ecs.Control.StopTask(s.Cluster, victim, "delay check");
        await _ecs.WaitUntil("victim stopped", async () => (await _ecs.Cluster(s.Cluster).GetTasks([victim]))[0].LastStatus == TaskStatus.STOPPED, TimeSpan.FromMinutes(5));
        var t = (await _ecs.Cluster(s.Cluster).GetTasks([victim]))[0];
        Assert.Equal(TimeSpan.FromSeconds(12), t.StoppedAt - t.DeregisteredAt); // 10 s delay + 2 s container exit

        // A service without a load balancer, updated to name the group: a new deployment whose tasks become targets.
        var plain = "plain";
        await _ecs.Control.CreateService(new CreateServiceRequest(s.Cluster, plain, s.TaskDefinition.Arn, 1, null, [], [], [],
            SchedulingStrategy.REPLICA, 100, 200, ImmutableDictionary<string, string>.Empty, null));
        await _ecs.WaitUntil("plain steady", async () => (await _ecs.Grains.GetGrain<IServiceGrain>(GrainKeys.Service(s.Cluster, plain)).Describe())!.SteadyState,
            TimeSpan.FromMinutes(5));
        var updated = await _ecs.Control.UpdateService(new UpdateServiceRequest(s.Cluster, plain, null, null, null, null, null, null, null, false,
            [new ServiceLoadBalancer(info.Arn, "app", 80)]));
        Assert.Equal(2, updated.Deployments.Length); // the old task is not a target: healthy by B-TL-5 until replaced
        await _ecs.WaitUntil("plain's task is a healthy target", async () =>
            (await Targets(s)).Any(x => x.ServiceName == plain && x.State == TargetHealthState.healthy), TimeSpan.FromMinutes(10));
        await _ecs.Scale(s.Cluster, plain, 0);
        await _ecs.Control.DeleteService(s.Cluster, plain, false);
    }

    [Fact]
    public async Task B_LB_1_unknown_target_group_is_rejected_like_ecs_and_changes_nothing()
    {
        var cluster = await _ecs.CreateCluster("lb-bad");
        var td = await _ecs.RegisterTaskDefinition(ports: [new PortMapping(80, 0, "tcp")]);
        var e = await Assert.ThrowsAsync<EcsException>(() => _ecs.Control.CreateService(new CreateServiceRequest(cluster, "web", td.Arn, 1, LaunchType.EC2, [], [], [],
            SchedulingStrategy.REPLICA, 100, 200, ImmutableDictionary<string, string>.Empty, null,
            LoadBalancers: [new ServiceLoadBalancer("arn:aws:elasticloadbalancing:us-east-1:000000000000:targetgroup/nope/0123456789abcdef", "app", 80)])));
        Assert.Equal(ErrorCodes.InvalidParameter, e.Code);
        Assert.Contains("targetGroupArn", e.Message, StringComparison.Ordinal);
        Assert.Null(await _ecs.Grains.GetGrain<IServiceGrain>(GrainKeys.Service(cluster, "web")).Describe());

        var tg = EmulatorClusterFixture.Unique("tg");
        var group = await TargetGroup(tg).Create(TargetGroupSpec.Default(tg));
        var wrongPort = await Assert.ThrowsAsync<EcsException>(() => _ecs.Control.CreateService(new CreateServiceRequest(cluster, "web", td.Arn, 1, LaunchType.EC2, [], [], [],
            SchedulingStrategy.REPLICA, 100, 200, ImmutableDictionary<string, string>.Empty, null, LoadBalancers: [new ServiceLoadBalancer(group.Arn, "app", 8080)])));
        Assert.Contains("container port 8080", wrongPort.Message, StringComparison.Ordinal);

        var noTraffic = await Assert.ThrowsAsync<EcsException>(() => Traffic(cluster).SetServiceTraffic("web", TrafficProfile.Constant(10)));
        Assert.Equal(ErrorCodes.ServiceNotFound, noTraffic.Code);
    }

    private const string StopReasonsServiceScheduler = "ServiceSchedulerInitiated";

    private async Task<ServiceInfo> ServiceInfo(Setup s) => (await _ecs.Grains.GetGrain<IServiceGrain>(GrainKeys.Service(s.Cluster, s.Service)).Describe())!;
}
