using System.Collections.Immutable;
using Emulator.Contracts;
using PlacementStrategy = Emulator.Contracts.PlacementStrategy;
using TaskStatus = Emulator.Contracts.TaskStatus;

namespace Emulator.Tests.EndToEnd;

/// <summary>Engine rules end to end through the grains: draining, managed draining, failures, validation, events.</summary>
[Collection(EmulatorCollection.Name)]
public sealed class EngineBehaviourTests(EmulatorClusterFixture fixture) : IAsyncLifetime
{
    private readonly EcsDriver _ecs = new(fixture);

    public Task InitializeAsync() => _ecs.InitializeAsync();

    public Task DisposeAsync() => _ecs.DisposeAsync();

    /// <summary>A cluster with a fixed-size group (no managed scaling) of <paramref name="instances"/> instances.</summary>
    private async Task<(string Cluster, string Asg, string Provider)> FixedCluster(string prefix, int instances, string type = "m5.large")
    {
        var cluster = await _ecs.CreateCluster(prefix);
        var (asg, provider) = await _ecs.CreateAsgProvider(cluster, type, 0, instances, instances, managedTerminationProtection: false, managedScaling: false);
        await _ecs.Control.PutClusterCapacityProviders(cluster, [provider], [new CapacityProviderStrategyItem(provider, 1, 0)]);
        await _ecs.WaitUntil($"{instances} instances", async () => (await _ecs.Status(cluster)).Instances.Length == instances, TimeSpan.FromMinutes(3));
        return (cluster, asg, provider);
    }

    private async Task<ServiceInfo> Service(string cluster, string name) =>
        (await _ecs.Grains.GetGrain<IServiceGrain>(GrainKeys.Service(cluster, name)).Describe())!;

    [Fact]
    public async Task B_CI_3_draining_replaces_service_tasks_and_leaves_standalone_tasks()
    {
        var (cluster, _, _) = await FixedCluster("drain", 2);
        var td = await _ecs.RegisterTaskDefinition();
        await _ecs.CreateService(cluster, "web", td, 4, minHealthy: 50, maxPercent: 200);
        await _ecs.WaitUntil("4 running", async () => await _ecs.CountTasks(cluster, EcsDriver.Running) == 4, TimeSpan.FromMinutes(2));
        var instances = (await _ecs.Status(cluster)).Instances;
        var target = instances[0];
        var standalone = await _ecs.Control.RunTask(new RunTaskRequest(cluster, td.Arn, 1, null, [], [],
            [new PlacementConstraint(PlacementConstraintType.memberOf, $"ec2InstanceId == {target.Ec2InstanceId}")], null, null, null));
        await _ecs.WaitUntil("standalone running", async () => (await _ecs.Cluster(cluster).GetTasks([standalone.Tasks[0].TaskId]))[0].LastStatus == TaskStatus.RUNNING, TimeSpan.FromMinutes(1));

        var changes = await _ecs.Control.UpdateContainerInstancesState(cluster, [target.ContainerInstanceId], ContainerInstanceStatus.DRAINING);
        Assert.Equal(ContainerInstanceStatus.DRAINING, changes[0].Instance!.Status);
        await _ecs.WaitUntil("service tasks moved off the draining instance", async () =>
        {
            var tasks = await _ecs.Cluster(cluster).ListTasks(new TaskFilter("web", null, null, null, DesiredStatus.RUNNING, null));
            return tasks.Length == 4 && tasks.All(t => t.ContainerInstanceId != target.ContainerInstanceId && t.LastStatus == TaskStatus.RUNNING);
        }, TimeSpan.FromMinutes(5));

        // Standalone tasks are not touched (B-CI-3); the instance stays DRAINING until set ACTIVE again (B-CI-4).
        Assert.Equal(TaskStatus.RUNNING, (await _ecs.Cluster(cluster).GetTasks([standalone.Tasks[0].TaskId]))[0].LastStatus);
        var back = await _ecs.Control.UpdateContainerInstancesState(cluster, [target.ContainerInstanceId], ContainerInstanceStatus.ACTIVE);
        Assert.Equal(ContainerInstanceStatus.ACTIVE, back[0].Instance!.Status);
        var invalid = await _ecs.Control.UpdateContainerInstancesState(cluster, ["no-such-instance"], ContainerInstanceStatus.DRAINING);
        Assert.Equal("MISSING", invalid[0].FailureReason);
        await Assert.ThrowsAsync<EcsException>(() => _ecs.Control.UpdateContainerInstancesState(cluster, [target.ContainerInstanceId], ContainerInstanceStatus.INACTIVE));
    }

    [Fact]
    public async Task B_SV_4_min_100_max_100_draining_cannot_progress_and_says_why()
    {
        var (cluster, _, _) = await FixedCluster("stall", 2);
        var td = await _ecs.RegisterTaskDefinition();
        await _ecs.CreateService(cluster, "web", td, 2, placement: [new PlacementStrategy(PlacementStrategyType.binpack, "memory")], minHealthy: 100, maxPercent: 100);
        await _ecs.WaitUntil("2 running and healthy", async () => (await Service(cluster, "web")).SteadyState, TimeSpan.FromMinutes(3));
        var busy = (await _ecs.Status(cluster)).Instances.Single(i => i.NonDaemonTasks == 2);
        await _ecs.Control.UpdateContainerInstancesState(cluster, [busy.ContainerInstanceId], ContainerInstanceStatus.DRAINING);
        await _ecs.WaitUntil("the service says replacement cannot progress", async () =>
            (await Service(cluster, "web")).Events.Any(e => e.Message.Contains("cannot progress", StringComparison.Ordinal)), TimeSpan.FromMinutes(2));
        var tasks = await _ecs.Cluster(cluster).ListTasks(new TaskFilter("web", null, null, null, null, null));
        Assert.All(tasks, t => Assert.Equal(busy.ContainerInstanceId, t.ContainerInstanceId));
        Assert.All(tasks, t => Assert.Equal(TaskStatus.RUNNING, t.LastStatus));
    }

    [Fact]
    public async Task B_CAS_8_managed_draining_empties_an_instance_before_the_group_terminates_it()
    {
        var (cluster, asg, _) = await FixedCluster("mdrain", 2);
        var td = await _ecs.RegisterTaskDefinition();
        await _ecs.CreateService(cluster, "web", td, 4);
        await _ecs.WaitUntil("4 running and healthy", async () => (await Service(cluster, "web")).SteadyState, TimeSpan.FromMinutes(3));

        await _ecs.Grains.GetGrain<IAutoScalingGroupGrain>(asg).SetDesiredCapacity(1, null);
        await _ecs.WaitUntil("the drained instance terminated and one instance left with the 4 tasks", async () =>
        {
            var s = await _ecs.Status(cluster);
            var activities = await _ecs.Grains.GetGrain<IAutoScalingGroupGrain>(asg).GetActivities(20);
            return s.AutoScalingGroups[0].Instances.Count(i => i.State != LifecycleState.Terminated) == 1
                   && s.Instances.Count(i => i.Status == ContainerInstanceStatus.ACTIVE) == 1
                   && activities.Any(a => a.Description.StartsWith("Terminating EC2 instance: i-", StringComparison.Ordinal) && a.StatusCode == "Successful")
                   && await _ecs.CountTasks(cluster, t => t.LastStatus == TaskStatus.RUNNING && t.DesiredStatus == DesiredStatus.RUNNING) == 4;
        }, TimeSpan.FromMinutes(10));
        var lost = (await _ecs.Cluster(cluster).ListTasks(TaskFilter.All)).Where(t => t.StoppedReason?.StartsWith("Host EC2", StringComparison.Ordinal) == true);
        Assert.Empty(lost); // drained first, so no task died with its host
    }

    [Fact]
    public async Task B_SV_5_tasks_that_keep_failing_to_start_back_off_with_AWS_event()
    {
        var (cluster, _, _) = await FixedCluster("fail", 1);
        await _ecs.Cluster(cluster).SetLaunchFaults(new LaunchFaults(1.0, "CannotPullContainerError: pull image manifest has been retried 5 time(s): not found", null, null));
        var td = await _ecs.RegisterTaskDefinition();
        await _ecs.CreateService(cluster, "broken", td, 3);
        await _ecs.WaitUntil("unable to consistently start", async () =>
            (await Service(cluster, "broken")).Events.Any(e => e.Message == "(service broken) is unable to consistently start tasks successfully. For more information, see the Troubleshooting section of the Amazon ECS Developer Guide."),
            TimeSpan.FromMinutes(10));
        var failed = (await _ecs.Cluster(cluster).ListTasks(TaskFilter.All)).Where(t => t.StopCode == "TaskFailedToStart").ToList();
        Assert.True(failed.Count >= 3);
        Assert.All(failed, t => Assert.StartsWith("CannotPullContainerError", t.StoppedReason, StringComparison.Ordinal));

        // Backing off: the launches slow down instead of retrying every reconciliation.
        var before = await _ecs.CountTasks(cluster, _ => true);
        var now = await _ecs.Control.Now();
        await _ecs.WaitUntil("two emulated minutes", async () => await _ecs.Control.Now() > now + TimeSpan.FromMinutes(2), TimeSpan.FromMinutes(3));
        Assert.True(await _ecs.CountTasks(cluster, _ => true) - before <= 6);

        await _ecs.Cluster(cluster).SetLaunchFaults(null);
    }

    [Fact]
    public async Task B_SV_7_delete_service_needs_zero_desired_or_force_then_drains_to_inactive()
    {
        var (cluster, _, _) = await FixedCluster("delete", 1);
        var td = await _ecs.RegisterTaskDefinition();
        await _ecs.CreateService(cluster, "web", td, 2);
        await _ecs.WaitUntil("2 running", async () => await _ecs.CountTasks(cluster, EcsDriver.Running) == 2, TimeSpan.FromMinutes(2));
        var e = await Assert.ThrowsAsync<EcsException>(() => _ecs.Control.DeleteService(cluster, "web", false));
        Assert.Equal(ErrorCodes.InvalidParameter, e.Code);
        Assert.Equal(2, await _ecs.CountTasks(cluster, EcsDriver.Running));

        // B-SV-7: DRAINING until its tasks have stopped (on virtual time no emulated time passes during the call).
        var deleting = await _ecs.Control.DeleteService(cluster, "web", true);
        Assert.Equal(ServiceStatus.DRAINING, deleting.Status);
        await _ecs.WaitUntil("INACTIVE", async () => (await Service(cluster, "web")).Status == ServiceStatus.INACTIVE, TimeSpan.FromMinutes(2));
        Assert.Equal(0, await _ecs.CountTasks(cluster, t => t.LastStatus != TaskStatus.STOPPED));
        Assert.Empty((await _ecs.Cluster(cluster).Describe())!.Services);
        await Assert.ThrowsAsync<EcsException>(() => _ecs.Scale(cluster, "web", 1));
    }

    [Fact]
    public async Task B_CP_1_invalid_strategies_are_InvalidParameter_and_change_nothing()
    {
        var cluster = await _ecs.CreateCluster("strategy");
        var (_, a) = await _ecs.CreateAsgProvider(cluster, "m5.large", 0, 2, 0);
        var (_, b) = await _ecs.CreateAsgProvider(cluster, "m5.large", 0, 2, 0);
        await _ecs.Control.PutClusterCapacityProviders(cluster, [a, b, "FARGATE"], []);
        var td = await _ecs.RegisterTaskDefinition();
        ImmutableArray<CapacityProviderStrategyItem>[] invalid =
        [
            [new(a, 1, 1), new(b, 1, 1)],          // two bases
            [new(a, 0, 0), new(b, 0, 0)],          // all weights 0
            [new(a, 1, 0), new("FARGATE", 1, 0)],  // ASG mixed with FARGATE
            [new(a, 1001, 0)],                     // weight out of range
            [new("not-associated", 1, 0)],
        ];
        foreach (var strategy in invalid)
        {
            var e = await Assert.ThrowsAsync<EcsException>(() => _ecs.CreateService(cluster, "svc", td, 1, strategy: strategy));
            Assert.Equal(ErrorCodes.InvalidParameter, e.Code);
            var r = await Assert.ThrowsAsync<EcsException>(() => _ecs.Control.RunTask(new RunTaskRequest(cluster, td.Arn, 1, null, strategy, [], [], null, null, null)));
            Assert.Equal(ErrorCodes.InvalidParameter, r.Code);
        }

        var both = await Assert.ThrowsAsync<EcsException>(() => _ecs.CreateService(cluster, "svc", td, 1, strategy: [new(a, 1, 0)], launchType: LaunchType.EC2));
        Assert.Equal(ErrorCodes.InvalidParameter, both.Code);
        Assert.Empty((await _ecs.Cluster(cluster).Describe())!.Services);
        Assert.Equal(0, await _ecs.CountTasks(cluster, _ => true));
    }

    [Fact]
    public async Task B_CP_5_removing_a_provider_in_use_is_ResourceInUse()
    {
        var cluster = await _ecs.CreateCluster("inuse");
        await _ecs.Control.PutClusterCapacityProviders(cluster, ["FARGATE"], [new CapacityProviderStrategyItem("FARGATE", 1, 0)]);
        var td = await _ecs.RegisterTaskDefinition(mode: NetworkMode.awsvpc, fargate: true);
        await _ecs.CreateService(cluster, "web", td, 1);
        var e = await Assert.ThrowsAsync<EcsException>(() => _ecs.Control.PutClusterCapacityProviders(cluster, ["FARGATE_SPOT"], []));
        Assert.Equal(ErrorCodes.ResourceInUse, e.Code);
        Assert.Equal(["FARGATE"], (await _ecs.Cluster(cluster).Describe())!.CapacityProviders.AsEnumerable());
        await _ecs.Scale(cluster, "web", 0);
        await _ecs.Control.DeleteService(cluster, "web", false);
    }

    [Fact]
    public async Task B_PL_4_invalid_memberOf_expression_is_InvalidParameter()
    {
        var (cluster, _, _) = await FixedCluster("query", 1);
        var td = await _ecs.RegisterTaskDefinition();
        var e = await Assert.ThrowsAsync<EcsException>(() => _ecs.Control.RunTask(new RunTaskRequest(cluster, td.Arn, 1, null, [], [],
            [new PlacementConstraint(PlacementConstraintType.memberOf, "attribute:ecs.instance-type =~ (")], null, null, null)));
        Assert.Equal(ErrorCodes.InvalidParameter, e.Code);
        Assert.Equal(0, await _ecs.CountTasks(cluster, _ => true));

        var ok = await _ecs.Control.RunTask(new RunTaskRequest(cluster, td.Arn, 1, null, [], [],
            [new PlacementConstraint(PlacementConstraintType.memberOf, "attribute:ecs.instance-type =~ m5.* and runningTasksCount < 5")], null, null, null));
        Assert.Single(ok.Tasks);
        Assert.Equal("family:" + td.Family, ok.Tasks[0].Group); // B-TL-4
    }

    [Fact]
    public async Task B_SV_1_daemon_service_runs_one_task_per_active_instance()
    {
        var (cluster, _, _) = await FixedCluster("daemon", 3);
        var td = await _ecs.RegisterTaskDefinition(cpu: 128, memory: 128);
        await _ecs.Control.CreateService(new CreateServiceRequest(cluster, "agent", td.Arn, null, LaunchType.EC2, [], [], [],
            SchedulingStrategy.DAEMON, null, null, ImmutableDictionary<string, string>.Empty, null));
        await _ecs.WaitUntil("3 daemon tasks", async () =>
        {
            var tasks = await _ecs.Cluster(cluster).ListTasks(new TaskFilter("agent", null, null, null, DesiredStatus.RUNNING, null));
            return tasks.Count(t => t.LastStatus == TaskStatus.RUNNING) == 3 && tasks.Select(t => t.ContainerInstanceId).Distinct().Count() == 3;
        }, TimeSpan.FromMinutes(3));
        Assert.All(await _ecs.Cluster(cluster).ListTasks(new TaskFilter("agent", null, null, null, null, null)), t => Assert.True(t.IsDaemon));
        var bad = await Assert.ThrowsAsync<EcsException>(() => _ecs.Control.CreateService(new CreateServiceRequest(cluster, "agent2", td.Arn, 2, null, [], [], [],
            SchedulingStrategy.DAEMON, null, null, ImmutableDictionary<string, string>.Empty, null)));
        Assert.Equal(ErrorCodes.InvalidParameter, bad.Code);
    }

    [Fact]
    public async Task B_PL_6_placement_is_explainable_on_request()
    {
        var (cluster, _, provider) = await FixedCluster("explain", 2, "t3.small");
        var small = await _ecs.RegisterTaskDefinition(cpu: 256, memory: 512);
        var big = await _ecs.RegisterTaskDefinition(cpu: 256, memory: 4096);
        var fits = await _ecs.Control.ExplainRunTask(new RunTaskRequest(cluster, small.Arn, 1, null, [], [], [], null, null, null));
        Assert.Equal(provider, fits[0].CapacityProvider);
        Assert.Equal(1, fits[0].WouldPlace);
        Assert.Equal(2, fits[0].Ranking.Length);
        var nofit = await _ecs.Control.ExplainRunTask(new RunTaskRequest(cluster, big.Arn, 1, null, [], [], [], null, null, null));
        Assert.Equal(0, nofit[0].WouldPlace);
        Assert.Equal("RESOURCE:MEMORY", nofit[0].Reason);
        Assert.Equal(2, nofit[0].Rejected.Length);
        Assert.Contains("insufficient memory", nofit[0].Detail, StringComparison.Ordinal);
        Assert.Equal(0, await _ecs.CountTasks(cluster, _ => true)); // explaining places nothing
    }

    [Fact]
    public async Task B_IT_5_instances_and_fargate_tasks_accrue_cost_per_cluster_provider_and_service()
    {
        var (cluster, _, provider) = await FixedCluster("cost", 1);
        await _ecs.Control.PutClusterCapacityProviders(cluster, [provider, "FARGATE"], [new CapacityProviderStrategyItem(provider, 1, 0)]);
        var td = await _ecs.RegisterTaskDefinition();
        var ftd = await _ecs.RegisterTaskDefinition(mode: NetworkMode.awsvpc, fargate: true);
        await _ecs.CreateService(cluster, "ec2", td, 2);
        await _ecs.CreateService(cluster, "fg", ftd, 1, strategy: [new CapacityProviderStrategyItem("FARGATE", 1, 0)]);
        await _ecs.WaitUntil("3 running", async () => await _ecs.CountTasks(cluster, EcsDriver.Running) == 3, TimeSpan.FromMinutes(3));
        var first = (await _ecs.Status(cluster)).Costs;
        var now = await _ecs.Control.Now();
        await _ecs.WaitUntil("an emulated hour", async () => await _ecs.Control.Now() > now + TimeSpan.FromHours(1), TimeSpan.FromHours(2));
        var costs = (await _ecs.Status(cluster)).Costs;
        Assert.True(costs.Total > first.Total);
        Assert.Equal(costs.Instances + costs.Fargate, costs.Total);
        // One m5.large for ~1 h at 0.096 USD/h; one 256/512 Fargate task at ~0.012 USD/h.
        Assert.InRange(costs.Instances - first.Instances, 0.09m, 0.12m);
        Assert.InRange(costs.Fargate - first.Fargate, 0.010m, 0.016m);
        Assert.True(costs.ByService["ec2"] > 0);
        Assert.True(costs.ByService["fg"] > 0);
        Assert.True(costs.ByCapacityProvider[provider] > 0);
        Assert.True(costs.ByCapacityProvider["FARGATE"] > 0);
    }

    [Fact]
    public async Task B_EV_3_events_are_ordered_per_cluster_and_readable_from_a_point()
    {
        var (cluster, _, _) = await FixedCluster("events", 1);
        var td = await _ecs.RegisterTaskDefinition();
        var run = await _ecs.Control.RunTask(new RunTaskRequest(cluster, td.Arn, 2, null, [], [], [], null, "me", null));
        await _ecs.WaitUntil("running", async () => await _ecs.CountTasks(cluster, EcsDriver.Running) == 2, TimeSpan.FromMinutes(1));
        var all = (await _ecs.Cluster(cluster).ReadEvents(0, null, 10_000)).Events;
        Assert.Equal(all.Select(e => e.Sequence).Order(), all.Select(e => e.Sequence));
        Assert.Equal(all.Length, all.Select(e => e.Sequence).Distinct().Count());
        Assert.Contains(all, e => e.DetailType == EventTypes.ContainerInstanceStateChange);
        var taskEvents = all.Where(e => e.DetailType == EventTypes.TaskStateChange && e.Task!.TaskId == run.Tasks[0].TaskId).ToList();
        Assert.Equal([TaskStatus.PROVISIONING, TaskStatus.PENDING, TaskStatus.RUNNING], taskEvents.Select(e => e.Task!.LastStatus)); // B-TL-2
        Assert.Equal(taskEvents.Select(e => e.Task!.Version).Order(), taskEvents.Select(e => e.Task!.Version));

        var mid = all[all.Length / 2];
        var after = (await _ecs.Cluster(cluster).ReadEvents(mid.Sequence, null, 10_000)).Events;
        Assert.All(after, e => Assert.True(e.Sequence > mid.Sequence));
        var since = (await _ecs.Cluster(cluster).ReadEvents(0, taskEvents[^1].Time, 10_000)).Events;
        Assert.All(since, e => Assert.True(e.Time >= taskEvents[^1].Time));

        // Reading from past the end answers no events and the latest sequence, so a follower can start "from now".
        var fromNow = await _ecs.Cluster(cluster).ReadEvents(long.MaxValue - 1, null, 10);
        Assert.Empty(fromNow.Events);
        var latest = (await _ecs.Cluster(cluster).ReadEvents(0, null, 10_000)).LastSequence;
        Assert.InRange(fromNow.LastSequence, all[^1].Sequence, latest);
    }

    [Fact]
    public async Task B_PQ_1_run_task_without_managed_scaling_or_instances_is_an_error_and_creates_nothing()
    {
        var cluster = await _ecs.CreateCluster("empty");
        var td = await _ecs.RegisterTaskDefinition();
        var e = await Assert.ThrowsAsync<EcsException>(() => _ecs.Control.RunTask(new RunTaskRequest(cluster, td.Arn, 1, LaunchType.EC2, [], [], [], null, null, null)));
        Assert.Equal(ErrorCodes.InvalidParameter, e.Code);
        Assert.Equal("No Container Instances were found in your cluster.", e.Message);
        Assert.Equal(0, await _ecs.CountTasks(cluster, _ => true));
    }

    [Fact]
    public async Task B_CI_6_custom_attributes_steer_memberOf_placement_and_are_limited_to_10()
    {
        var (cluster, _, _) = await FixedCluster("attrs", 2);
        var instances = (await _ecs.Status(cluster)).Instances;
        var chosen = instances[1];
        await _ecs.Cluster(cluster).PutAttributes([new InstanceAttribute(chosen.ContainerInstanceId, "stack", "prod")]);
        var td = await _ecs.RegisterTaskDefinition();
        var run = await _ecs.Control.RunTask(new RunTaskRequest(cluster, td.Arn, 3, null, [], [],
            [new PlacementConstraint(PlacementConstraintType.memberOf, "attribute:stack == prod")], null, null, null));
        Assert.Equal(3, run.Tasks.Length);
        Assert.All(run.Tasks, t => Assert.Equal(chosen.ContainerInstanceId, t.ContainerInstanceId));

        var builtIn = await Assert.ThrowsAsync<EcsException>(() => _ecs.Cluster(cluster).PutAttributes([new InstanceAttribute(chosen.ContainerInstanceId, "ecs.instance-type", "x")]));
        Assert.Equal(ErrorCodes.InvalidParameter, builtIn.Code);
        var tooMany = Enumerable.Range(0, 10).Select(i => new InstanceAttribute(chosen.ContainerInstanceId, $"a{i}", "v")).ToImmutableArray();
        var limit = await Assert.ThrowsAsync<EcsException>(() => _ecs.Cluster(cluster).PutAttributes(tooMany));
        Assert.Equal(ErrorCodes.LimitExceeded, limit.Code);
        var after = (await _ecs.Status(cluster)).Instances.Single(i => i.ContainerInstanceId == chosen.ContainerInstanceId);
        Assert.DoesNotContain("a0", after.Attributes.Keys); // nothing of the refused batch was applied
        await _ecs.Cluster(cluster).DeleteAttributes([new InstanceAttribute(chosen.ContainerInstanceId, "stack", null)]);
        Assert.DoesNotContain("stack", (await _ecs.Status(cluster)).Instances.Single(i => i.ContainerInstanceId == chosen.ContainerInstanceId).Attributes.Keys);
    }

    [Fact]
    public async Task B_PQ_4_fargate_spot_tasks_wait_in_provisioning_while_spot_capacity_is_exhausted()
    {
        var cluster = await _ecs.CreateCluster("fgspot");
        await _ecs.Control.PutClusterCapacityProviders(cluster, ["FARGATE", "FARGATE_SPOT"], [new CapacityProviderStrategyItem("FARGATE_SPOT", 1, 0)]);
        await _ecs.Cluster(cluster).SetFargateSpotCapacity(false);
        var td = await _ecs.RegisterTaskDefinition(mode: NetworkMode.awsvpc, fargate: true);
        await _ecs.CreateService(cluster, "spot", td, 2);
        var now = await _ecs.Control.Now();
        await _ecs.WaitUntil("five emulated minutes", async () => await _ecs.Control.Now() > now + TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(6));
        var waiting = await _ecs.Cluster(cluster).ListTasks(TaskFilter.All);
        Assert.Equal(2, waiting.Length);
        Assert.All(waiting, t => Assert.Equal(TaskStatus.PROVISIONING, t.LastStatus));
        Assert.All(waiting, t => Assert.Equal("FARGATE_SPOT", t.CapacityProvider)); // never falls back to FARGATE (B-CP-4)

        await _ecs.Cluster(cluster).SetFargateSpotCapacity(true);
        await _ecs.WaitUntil("running on FARGATE_SPOT", async () => await _ecs.CountTasks(cluster, t => EcsDriver.Running(t) && t.CapacityProvider == "FARGATE_SPOT") == 2, TimeSpan.FromMinutes(3));
    }

    [Fact]
    public async Task B_CI_5_deregistering_an_instance_with_tasks_needs_force()
    {
        var (cluster, _, _) = await FixedCluster("dereg", 1);
        var td = await _ecs.RegisterTaskDefinition();
        await _ecs.Control.RunTask(new RunTaskRequest(cluster, td.Arn, 1, null, [], [], [], null, null, null));
        var instance = (await _ecs.Status(cluster)).Instances[0];
        await Assert.ThrowsAsync<EcsException>(() => _ecs.Cluster(cluster).DeregisterInstance(instance.ContainerInstanceId, false));
        Assert.Equal(1, await _ecs.CountTasks(cluster, t => t.LastStatus != TaskStatus.STOPPED));
        var gone = await _ecs.Cluster(cluster).DeregisterInstance(instance.ContainerInstanceId, true);
        Assert.Equal(ContainerInstanceStatus.INACTIVE, gone.Status);
        Assert.Equal(0, await _ecs.CountTasks(cluster, t => t.LastStatus != TaskStatus.STOPPED));
    }
}
