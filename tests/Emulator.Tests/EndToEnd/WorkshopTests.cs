using System.Collections.Immutable;
using Emulator.Contracts;
using TaskStatus = Emulator.Contracts.TaskStatus;

namespace Emulator.Tests.EndToEnd;

/// <summary>The seed workshop's capacity provider chapters (ECS-BEHAVIOR §7), end to end.</summary>
[Collection(EmulatorCollection.Name)]
public sealed class WorkshopTests(EmulatorClusterFixture fixture) : IAsyncLifetime
{
    private readonly EcsDriver _ecs = new(fixture);

    public Task InitializeAsync() => _ecs.InitializeAsync();

    public Task DisposeAsync() => _ecs.DisposeAsync();

    /// <summary>
    /// B-CP-3 / B-IT-3 / B-CAS: On-Demand t3.small provider (base 1, weight 1) + Spot m5.large provider (weight 4), a
    /// 256 CPU / 512 MiB service scaled 1 -> 40: split 9 / 31, never more than 3 tasks on a t3.small or 8 on an
    /// m5.large, both groups scaled by CAS at targetCapacity 80.
    /// </summary>
    [Fact]
    public async Task B_CP_3_workshop_on_demand_and_spot_providers_split_40_tasks_9_31()
    {
        var cluster = await _ecs.CreateCluster("workshop");
        var (odAsg, od) = await _ecs.CreateAsgProvider(cluster, "t3.small", min: 0, max: 20, desired: 0, targetCapacity: 80);
        var (spotAsg, spot) = await _ecs.CreateAsgProvider(cluster, "m5.large", min: 0, max: 20, desired: 0, targetCapacity: 80,
            distribution: new MixedInstancesSpec(0, 0, "lowest-price"));
        await _ecs.Control.PutClusterCapacityProviders(cluster, [od, spot], []);
        var td = await _ecs.RegisterTaskDefinition(cpu: 256, memory: 512);
        await _ecs.CreateService(cluster, "ec2-service-split", td, 1,
            strategy: [new CapacityProviderStrategyItem(od, 1, 1), new CapacityProviderStrategyItem(spot, 4, 0)]);
        await _ecs.WaitUntil("first task running", async () => await _ecs.CountTasks(cluster, EcsDriver.Running) == 1, TimeSpan.FromMinutes(10));

        await _ecs.Scale(cluster, "ec2-service-split", 40);
        var maxPerInstance = new Dictionary<string, int>();
        await _ecs.WaitUntil("40 tasks running", async () => await _ecs.CountTasks(cluster, EcsDriver.Running) == 40, TimeSpan.FromMinutes(60),
            onEachPoll: async () =>
            {
                foreach (var i in (await _ecs.Status(cluster)).Instances)
                {
                    var tasks = i.TaskGroups.Values.Sum();
                    maxPerInstance[i.InstanceType] = Math.Max(maxPerInstance.GetValueOrDefault(i.InstanceType), tasks);
                }
            });

        var running = (await _ecs.Cluster(cluster).ListTasks(TaskFilter.All)).Where(EcsDriver.Running).ToList();
        Assert.Equal(9, running.Count(t => t.CapacityProvider == od));
        Assert.Equal(31, running.Count(t => t.CapacityProvider == spot));
        Assert.True(maxPerInstance.GetValueOrDefault("t3.small") <= 3, $"t3.small held {maxPerInstance.GetValueOrDefault("t3.small")} tasks");
        Assert.True(maxPerInstance.GetValueOrDefault("m5.large") <= 8, $"m5.large held {maxPerInstance.GetValueOrDefault("m5.large")} tasks");

        var status = await _ecs.Status(cluster);
        var odGroup = status.AutoScalingGroups.Single(a => a.Spec.Name == odAsg);
        var spotGroup = status.AutoScalingGroups.Single(a => a.Spec.Name == spotAsg);
        Assert.True(odGroup.DesiredCapacity >= 3, $"On-Demand desired {odGroup.DesiredCapacity}");
        Assert.True(spotGroup.DesiredCapacity >= 4, $"Spot desired {spotGroup.DesiredCapacity}");
        Assert.All(spotGroup.Instances, i => Assert.True(i.IsSpot));
        Assert.All(odGroup.Instances, i => Assert.False(i.IsSpot));
        Assert.All(status.CapacityProviders, p => Assert.Equal(80, p.Cas!.TargetCapacity));
    }

    /// <summary>B-CP-3 / B-CP-4: FARGATE base 1 weight 1 + FARGATE_SPOT weight 4, 10 tasks -> 3 / 7.</summary>
    [Fact]
    public async Task B_CP_3_fargate_base1_weight1_and_spot_weight4_10_tasks_split_3_7()
    {
        var cluster = await _ecs.CreateCluster("fargate");
        await _ecs.Control.PutClusterCapacityProviders(cluster, ["FARGATE", "FARGATE_SPOT"],
            [new CapacityProviderStrategyItem("FARGATE", 1, 1), new CapacityProviderStrategyItem("FARGATE_SPOT", 4, 0)]);
        var td = await _ecs.RegisterTaskDefinition(cpu: 256, memory: 512, mode: NetworkMode.awsvpc, fargate: true);
        await _ecs.CreateService(cluster, "fargate-service", td, 10);
        await _ecs.WaitUntil("10 running", async () => await _ecs.CountTasks(cluster, EcsDriver.Running) == 10, TimeSpan.FromMinutes(5));
        var tasks = (await _ecs.Cluster(cluster).ListTasks(TaskFilter.All)).Where(EcsDriver.Running).ToList();
        Assert.Equal(3, tasks.Count(t => t.CapacityProvider == "FARGATE"));
        Assert.Equal(7, tasks.Count(t => t.CapacityProvider == "FARGATE_SPOT"));
        Assert.All(tasks, t => Assert.Equal(LaunchType.FARGATE, t.LaunchType));
        Assert.All(tasks, t => Assert.Null(t.ContainerInstanceId));

        var service = (await _ecs.Grains.GetGrain<IServiceGrain>(GrainKeys.Service(cluster, "fargate-service")).Describe())!;
        await _ecs.WaitUntil("steady state", async () =>
            (await _ecs.Grains.GetGrain<IServiceGrain>(GrainKeys.Service(cluster, "fargate-service")).Describe())!.SteadyState, TimeSpan.FromMinutes(3));
        Assert.Equal(10, service.Spec.DesiredCount);
    }

    /// <summary>B-PQ-3: at most 500 PROVISIONING tasks per cluster; RunTask beyond it is a ClientException.</summary>
    [Fact]
    public async Task B_PQ_3_provisioning_quota_is_a_client_exception_and_changes_nothing()
    {
        var cluster = await _ecs.CreateCluster("quota");
        var (_, provider) = await _ecs.CreateAsgProvider(cluster, "t3.small", min: 0, max: 0, desired: 0);
        await _ecs.Control.PutClusterCapacityProviders(cluster, [provider], [new CapacityProviderStrategyItem(provider, 1, 0)]);
        var td = await _ecs.RegisterTaskDefinition();
        for (var i = 0; i < 50; i++)
        {
            await _ecs.Control.RunTask(new RunTaskRequest(cluster, td.Arn, 10, null, [], [], [], null, null, null));
        }

        Assert.Equal(500, (await _ecs.Cluster(cluster).Describe())!.ProvisioningTasksCount);
        var e = await Assert.ThrowsAsync<EcsException>(() => _ecs.Control.RunTask(new RunTaskRequest(cluster, td.Arn, 1, null, [], [], [], null, null, null)));
        Assert.Equal(ErrorCodes.ClientException, e.Code);
        Assert.Contains("PROVISIONING", e.Message, StringComparison.Ordinal);
        Assert.Equal(500, await _ecs.CountTasks(cluster, _ => true));
    }

    /// <summary>B-PQ-3 / B-TL-3: a queued task waits at most 30 minutes, then stops with TaskFailedToStart.</summary>
    [Fact]
    public async Task B_PQ_3_provisioning_timeout_stops_the_task_with_capacity_unavailable()
    {
        var cluster = await _ecs.CreateCluster("timeout");
        var (_, provider) = await _ecs.CreateAsgProvider(cluster, "t3.small", min: 0, max: 0, desired: 0);
        await _ecs.Control.PutClusterCapacityProviders(cluster, [provider], [new CapacityProviderStrategyItem(provider, 1, 0)]);
        var td = await _ecs.RegisterTaskDefinition();
        var run = await _ecs.Control.RunTask(new RunTaskRequest(cluster, td.Arn, 2, null, [], [], [], null, null, null));
        var created = run.Tasks[0].CreatedAt;
        await _ecs.WaitUntil("tasks stopped", async () => await _ecs.CountTasks(cluster, t => t.LastStatus == TaskStatus.STOPPED) == 2, TimeSpan.FromMinutes(35));
        var stopped = await _ecs.Cluster(cluster).GetTasks(run.Tasks.Select(t => t.TaskId).ToImmutableArray());
        Assert.All(stopped, t =>
        {
            Assert.Equal("TaskFailedToStart", t.StopCode);
            Assert.Equal("Capacity is unavailable at this time. Please try again later or in a different availability zone", t.StoppedReason);
            Assert.True(t.StoppedAt >= created + TimeSpan.FromMinutes(30));
        });
        Assert.Equal(0, (await _ecs.Cluster(cluster).Describe())!.ProvisioningTasksCount);
    }

    /// <summary>B-PL-5 / B-PQ-1: without managed scaling a task that fits nowhere fails at once and says why.</summary>
    [Fact]
    public async Task B_PL_5_task_that_fits_nowhere_explains_why()
    {
        var cluster = await _ecs.CreateCluster("nofit");
        var (_, provider) = await _ecs.CreateAsgProvider(cluster, "t3.small", min: 0, max: 2, desired: 2, managedTerminationProtection: false, managedScaling: false);
        await _ecs.Control.PutClusterCapacityProviders(cluster, [provider], [new CapacityProviderStrategyItem(provider, 1, 0)]);
        await _ecs.WaitUntil("2 instances", async () => (await _ecs.Status(cluster)).Instances.Length == 2, TimeSpan.FromMinutes(3));
        var big = await _ecs.RegisterTaskDefinition(cpu: 4096, memory: 512);

        var run = await _ecs.Control.RunTask(new RunTaskRequest(cluster, big.Arn, 1, null, [], [], [], null, null, null));
        Assert.Empty(run.Tasks);
        Assert.NotEmpty(run.Failures);
        Assert.All(run.Failures, f => Assert.Equal("RESOURCE:CPU", f.Reason));

        await _ecs.CreateService(cluster, "big", big, 1);
        await _ecs.WaitUntil("placement failure event", async () =>
        {
            var svc = await _ecs.Grains.GetGrain<IServiceGrain>(GrainKeys.Service(cluster, "big")).Describe();
            return svc!.Events.Any(e => e.Message.Contains("was unable to place a task because no container instance met all of its requirements", StringComparison.Ordinal)
                                        && e.Message.Contains("insufficient CPU units", StringComparison.Ordinal));
        }, TimeSpan.FromMinutes(2));
        Assert.Equal(0, await _ecs.CountTasks(cluster, _ => true));
    }
}
