using Emulator.Contracts;
using TaskStatus = Emulator.Contracts.TaskStatus;
using PlacementStrategy = Emulator.Contracts.PlacementStrategy;

namespace Emulator.Tests.EndToEnd;

/// <summary>The seed talk's Cluster Auto Scaling walk-through and scaling from zero (ECS-BEHAVIOR §9), end to end.</summary>
[Collection(EmulatorCollection.Name)]
public sealed class ClusterAutoScalingTests(EmulatorClusterFixture fixture) : IAsyncLifetime
{
    private readonly EcsDriver _ecs = new(fixture);

    public Task InitializeAsync() => _ecs.InitializeAsync();

    public Task DisposeAsync() => _ecs.DisposeAsync();

    /// <summary>
    /// t3.small fits exactly 3 tasks of 256 CPU / 512 MiB (B-IT-3); binpack; managed termination protection on.
    /// 3 instances / 7 tasks -> CPR 100; service to 10 -> one task PROVISIONING -> CPR 133 -> N = 4 -> all RUNNING,
    /// CPR 100; service to 4 -> CPR below target -> after the low alarm N = 2, and no instance with tasks terminated.
    /// </summary>
    [Fact]
    public async Task B_CAS_seed_walkthrough_3_to_4_to_2_instances()
    {
        var cluster = await _ecs.CreateCluster("walk");
        var (asg, provider) = await _ecs.CreateAsgProvider(cluster, "t3.small", min: 0, max: 10, desired: 3);
        await _ecs.Control.PutClusterCapacityProviders(cluster, [provider], [new CapacityProviderStrategyItem(provider, 1, 0)]);
        await _ecs.WaitUntil("3 instances registered", async () => (await _ecs.Status(cluster)).Instances.Length == 3, TimeSpan.FromMinutes(3));

        var td = await _ecs.RegisterTaskDefinition();
        await _ecs.CreateService(cluster, "web", td, 7, placement: [new PlacementStrategy(PlacementStrategyType.binpack, "memory")]);
        await _ecs.WaitUntil("7 tasks running", async () => await _ecs.CountTasks(cluster, EcsDriver.Running) == 7, TimeSpan.FromMinutes(3));
        await _ecs.WaitUntil("CPR 100 with M 3, N 3", async () => (await _ecs.Provider(provider)).Cas is { M: 3, N: 3, Cpr: 100 }, TimeSpan.FromMinutes(3));

        // Scale-out: one task cannot fit and waits in PROVISIONING (B-PQ-1); CAS computes M = 4.
        await _ecs.Scale(cluster, "web", 10);
        await _ecs.WaitUntil("one task PROVISIONING", async () => (await _ecs.Cluster(cluster).Describe())!.ProvisioningTasksCount == 1, TimeSpan.FromMinutes(2));
        await _ecs.WaitUntil("CPR 133", async () => (await _ecs.CprHistory(cluster, provider)).Any(c => Math.Abs(c - 133.33) < 0.1), TimeSpan.FromMinutes(10));
        await _ecs.WaitUntil("4 instances in service and 10 tasks running", async () =>
            (await _ecs.Status(cluster)).AutoScalingGroups[0].InService == 4 && await _ecs.CountTasks(cluster, EcsDriver.Running) == 10,
            TimeSpan.FromMinutes(15));
        await _ecs.WaitUntil("CPR back to 100 with N 4", async () => (await _ecs.Provider(provider)).Cas is { M: 4, N: 4, Cpr: 100 }, TimeSpan.FromMinutes(3));

        // Scale-in: M drops below N; after 15 low datapoints CAS lowers desired; only empty instances go (B-CAS-7).
        await _ecs.Scale(cluster, "web", 4);
        await _ecs.WaitUntil("CPR below 100", async () => (await _ecs.Provider(provider)).Cas is { Cpr: < 100 }, TimeSpan.FromMinutes(5));
        await _ecs.WaitUntil("2 instances left", async () =>
        {
            var s = await _ecs.Status(cluster);
            return s.AutoScalingGroups[0].Instances.Count(i => i.State != LifecycleState.Terminated) == 2
                   && s.Instances.Count(i => i.Status == ContainerInstanceStatus.ACTIVE) == 2;
        }, TimeSpan.FromMinutes(40));

        Assert.Equal(4, await _ecs.CountTasks(cluster, EcsDriver.Running));
        var killed = (await _ecs.Cluster(cluster).ListTasks(TaskFilter.All)).Where(t => t.StoppedReason?.StartsWith("Host EC2", StringComparison.Ordinal) == true);
        Assert.Empty(killed);
        var activities = await _ecs.Grains.GetGrain<IAutoScalingGroupGrain>(asg).GetActivities(100);
        Assert.Contains(activities, a => a.Cause.Contains("AlarmHigh", StringComparison.Ordinal) && a.Cause.Contains("changing the desired capacity from 3 to 4", StringComparison.Ordinal));
        Assert.Contains(activities, a => a.Cause.Contains("AlarmLow", StringComparison.Ordinal) && a.Cause.Contains("changing the desired capacity from 4 to 2", StringComparison.Ordinal));
    }

    /// <summary>The talk's scale-in slide on its own: 3 instances, 7 tasks, service to 4 -> M 2, CPR 66 -> N = 2.</summary>
    [Fact]
    public async Task B_CAS_5_seed_scale_in_7_to_4_tasks_gives_CPR_66_and_2_instances()
    {
        var cluster = await _ecs.CreateCluster("scalein");
        var (_, provider) = await _ecs.CreateAsgProvider(cluster, "t3.small", min: 0, max: 10, desired: 3);
        await _ecs.Control.PutClusterCapacityProviders(cluster, [provider], [new CapacityProviderStrategyItem(provider, 1, 0)]);
        await _ecs.WaitUntil("3 instances registered", async () => (await _ecs.Status(cluster)).Instances.Length == 3, TimeSpan.FromMinutes(3));
        var td = await _ecs.RegisterTaskDefinition();
        await _ecs.CreateService(cluster, "web", td, 7, placement: [new PlacementStrategy(PlacementStrategyType.binpack, "memory")]);
        await _ecs.WaitUntil("7 running", async () => await _ecs.CountTasks(cluster, EcsDriver.Running) == 7, TimeSpan.FromMinutes(3));

        await _ecs.Scale(cluster, "web", 4);
        await _ecs.WaitUntil("CPR 66.7 with M 2, N 3", async () => (await _ecs.Provider(provider)).Cas is { M: 2, N: 3 } cas && Math.Abs(cas.Cpr - 66.67) < 0.1,
            TimeSpan.FromMinutes(5));
        await _ecs.WaitUntil("N = 2", async () => (await _ecs.Status(cluster)).AutoScalingGroups[0].Instances.Count(i => i.State == LifecycleState.InService) == 2,
            TimeSpan.FromMinutes(30));
        Assert.Equal(4, await _ecs.CountTasks(cluster, EcsDriver.Running));
    }

    /// <summary>B-CAS-3/B-CAS-4: from zero instances one task gives CPR 200 and CAS launches two instances.</summary>
    [Fact]
    public async Task B_CAS_4_scale_out_from_zero_launches_two()
    {
        var cluster = await _ecs.CreateCluster("zero");
        var (asg, provider) = await _ecs.CreateAsgProvider(cluster, "m5.large", min: 0, max: 10, desired: 0);
        await _ecs.Control.PutClusterCapacityProviders(cluster, [provider], [new CapacityProviderStrategyItem(provider, 1, 0)]);
        var td = await _ecs.RegisterTaskDefinition();
        var run = await _ecs.Control.RunTask(new RunTaskRequest(cluster, td.Arn, 1, null, [], [], [], null, null, null));
        Assert.Single(run.Tasks);
        Assert.Equal(TaskStatus.PROVISIONING, run.Tasks[0].LastStatus);

        await _ecs.WaitUntil("CPR 200", async () => (await _ecs.CprHistory(cluster, provider)).Contains(200), TimeSpan.FromMinutes(3));
        await _ecs.WaitUntil("ASG desired 2", async () => (await _ecs.Grains.GetGrain<IAutoScalingGroupGrain>(asg).Describe())!.DesiredCapacity == 2, TimeSpan.FromMinutes(3));
        await _ecs.WaitUntil("task running on one of 2 instances", async () =>
            await _ecs.CountTasks(cluster, EcsDriver.Running) == 1 && (await _ecs.Status(cluster)).Instances.Length == 2, TimeSpan.FromMinutes(5));
    }
}
