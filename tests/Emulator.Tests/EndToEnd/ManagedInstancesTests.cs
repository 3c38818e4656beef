using System.Collections.Immutable;
using Emulator.Contracts;
using TaskStatus = Emulator.Contracts.TaskStatus;

namespace Emulator.Tests.EndToEnd;

/// <summary>
/// ECS Managed Instances end to end on virtual time (ECS-BEHAVIOR §18, B-MI-1..4): pending tasks make the manager
/// launch instances that register and run them; idle instances are consolidated after scaleInAfter; a Spot
/// interruption is handed back and its tasks re-placed on capacity the manager launches; bad input changes nothing.
/// </summary>
[Collection(EmulatorCollection.Name)]
public sealed class ManagedInstancesTests(EmulatorClusterFixture fixture) : IAsyncLifetime
{
    private readonly EcsDriver _ecs = new(fixture);

    private IChaosGrain Chaos => _ecs.Grains.GetGrain<IChaosGrain>(0);

    public Task InitializeAsync() => _ecs.InitializeAsync();

    public Task DisposeAsync() => _ecs.DisposeAsync();

    private static InstanceRequirementsSpec Requirements(params string[] allowed) =>
        new(new NumberRange(1, null), new NumberRange(1024, null), null, [], [.. allowed], [], [], null, null, null, null, null);

    private async Task<string> CreateProvider(string cluster, string capacity = ManagedInstancesSpec.OnDemand, int? scaleInAfter = 60,
        InstanceRequirementsSpec? requirements = null)
    {
        var name = EmulatorClusterFixture.Unique("mi");
        var mi = new ManagedInstancesSpec("arn:aws:iam::000000000000:role/ecsInfrastructureRole", "arn:aws:iam::000000000000:instance-profile/ecsInstanceRole",
            [], [], capacity, "BASIC", requirements ?? Requirements(), "NONE", scaleInAfter, "{}", [], cluster);
        var info = await _ecs.Control.CreateCapacityProvider(new CapacityProviderSpec(name, "", ManagedScalingSpec.Default, false, true,
            ImmutableDictionary<string, string>.Empty, mi));
        Assert.Equal(ProviderType.ManagedInstances, info.Type);
        Assert.Equal(cluster, info.Cluster);
        return name;
    }

    private Task<ServiceInfo> Service(string cluster, string provider, TaskDefinitionRecord td, int desired, string name = "web") =>
        _ecs.CreateService(cluster, name, td, desired, strategy: [new CapacityProviderStrategyItem(provider, 1, 0)]);

    private async Task<ImmutableArray<AsgInstance>> Live(string cluster) =>
        [.. (await _ecs.Status(cluster)).AutoScalingGroups.SelectMany(g => g.Instances).Where(i => i.State is LifecycleState.Pending or LifecycleState.InService)];

    [Fact]
    public async Task B_MI_2_pending_tasks_launch_instances_spread_over_zones_and_run()
    {
        var cluster = await _ecs.CreateCluster("mi-launch");
        var provider = await CreateProvider(cluster);
        Assert.Contains(provider, (await _ecs.Cluster(cluster).Describe())!.CapacityProviders);
        var td = await _ecs.RegisterTaskDefinition(cpu: 1024, memory: 2048);
        var started = await _ecs.Control.Now();
        await Service(cluster, provider, td, 3);

        await _ecs.WaitUntil("3 tasks RUNNING", async () => await _ecs.CountTasks(cluster, EcsDriver.Running) == 3, TimeSpan.FromMinutes(5));
        var running = await _ecs.Control.Now();
        Assert.True(running - started < TimeSpan.FromMinutes(2), $"all RUNNING after {running - started}");

        // B-MI-2: three c5.large (cheapest type holding 1 vCPU / 2 GiB), one per zone; no Auto Scaling group a user lists.
        var live = await Live(cluster);
        Assert.True(3 == live.Length, string.Join("\n", (await _ecs.Provider(provider)).Managed!.Decisions) + "\n" + string.Join("\n", live));
        Assert.All(live, i => Assert.Equal("c5.large", i.InstanceType));
        Assert.Equal(3, live.Select(i => i.AvailabilityZone).Distinct().Count());
        Assert.DoesNotContain(GrainKeys.ManagedInstancesGroup(provider), await _ecs.Grains.GetGrain<IAccountGrain>(GrainKeys.Account).List(ResourceKind.AutoScalingGroup));
        var group = (await _ecs.Status(cluster)).AutoScalingGroups.Single();
        Assert.Equal("true", group.Spec.Tags[ManagedInstancesTags.Managed]);
        Assert.Equal(provider, group.Spec.Tags[ManagedInstancesTags.CapacityProvider]);

        // The decision, with its reason, in the provider's status and the cluster's events.
        var info = await _ecs.Provider(provider);
        Assert.NotNull(info.Managed);
        Assert.Equal(3, info.Managed.Launched);
        Assert.Contains(info.Managed.Decisions, d => d.Contains("launched 3 x c5.large: 3 pending tasks need 3 vCPU / 6 GiB; cheapest type matching requirements", StringComparison.Ordinal));
        var events = await _ecs.Events(cluster, EventTypes.ManagedInstancesDecision);
        Assert.Contains(events, e => e.Detail["instanceType"] == "c5.large" && e.Detail["count"] == "3");

        // B-IT-5: the provider's instances cost money, reported per provider.
        await _ecs.Advance(TimeSpan.FromMinutes(10));
        var status = await _ecs.Status(cluster);
        Assert.True(status.Costs.ByCapacityProvider[provider] > 0m);
    }

    [Fact]
    public async Task B_MI_3_idle_instances_terminate_after_scale_in_after()
    {
        var cluster = await _ecs.CreateCluster("mi-idle");
        var provider = await CreateProvider(cluster, scaleInAfter: 60);
        var td = await _ecs.RegisterTaskDefinition(cpu: 1024, memory: 2048);
        await Service(cluster, provider, td, 3);
        await _ecs.WaitUntil("3 tasks RUNNING", async () => await _ecs.CountTasks(cluster, EcsDriver.Running) == 3, TimeSpan.FromMinutes(5));

        await _ecs.Scale(cluster, "web", 1);
        await _ecs.WaitUntil("one instance left", async () => (await Live(cluster)).Length == 1, TimeSpan.FromMinutes(10));
        Assert.Equal(1, await _ecs.CountTasks(cluster, EcsDriver.Running));
        var info = await _ecs.Provider(provider);
        Assert.Equal(2, info.Managed!.Terminated);
        Assert.Contains(info.Managed.Decisions, d => d.Contains("terminating idle", StringComparison.Ordinal) && d.Contains("(scaleInAfter 60 s)", StringComparison.Ordinal));

        // No task was killed with its host: only idle instances went.
        var stopped = (await _ecs.Cluster(cluster).ListTasks(TaskFilter.All)).Where(t => t.LastStatus == TaskStatus.STOPPED).ToList();
        Assert.Equal(2, stopped.Count);
        Assert.All(stopped, t => Assert.Equal("ServiceSchedulerInitiated", t.StopCode));
    }

    [Fact]
    public async Task B_MI_3_underutilized_instances_drain_onto_the_others_and_the_service_keeps_running()
    {
        var cluster = await _ecs.CreateCluster("mi-consolidate");
        var provider = await CreateProvider(cluster, scaleInAfter: 60);
        var td = await _ecs.RegisterTaskDefinition(cpu: 256, memory: 512);
        await Service(cluster, provider, td, 5);
        await _ecs.WaitUntil("5 tasks RUNNING on 3 instances", async () =>
            await _ecs.CountTasks(cluster, EcsDriver.Running) == 5 && (await Live(cluster)).Length == 3, TimeSpan.FromMinutes(5));

        // Each c5.large holds 7 such tasks: spread 2 / 2 / 1 they are all under half used, so the manager drains
        // them one at a time onto the others (managed draining replaces the service's tasks first).
        await _ecs.WaitUntil("one instance running all 5 tasks", async () =>
            (await Live(cluster)).Length == 1 && await _ecs.CountTasks(cluster, EcsDriver.Running) == 5, TimeSpan.FromMinutes(30));
        var info = await _ecs.Provider(provider);
        Assert.Contains(info.Managed!.Decisions, d => d.Contains("draining underutilized", StringComparison.Ordinal));
        var tasks = await _ecs.Cluster(cluster).ListTasks(TaskFilter.All);
        Assert.All(tasks.Where(t => t.LastStatus == TaskStatus.STOPPED), t => Assert.Equal("ServiceSchedulerInitiated", t.StopCode));
        var service = await _ecs.Grains.GetGrain<IServiceGrain>(GrainKeys.Service(cluster, "web")).Describe();
        Assert.Equal(5, service!.RunningCount);
    }

    [Fact]
    public async Task B_MI_3_scale_in_after_minus_one_keeps_idle_instances()
    {
        var cluster = await _ecs.CreateCluster("mi-keep");
        var provider = await CreateProvider(cluster, scaleInAfter: -1);
        var td = await _ecs.RegisterTaskDefinition(cpu: 1024, memory: 2048);
        await Service(cluster, provider, td, 2);
        await _ecs.WaitUntil("2 tasks RUNNING", async () => await _ecs.CountTasks(cluster, EcsDriver.Running) == 2, TimeSpan.FromMinutes(5));
        await _ecs.Scale(cluster, "web", 0);
        await _ecs.Advance(TimeSpan.FromMinutes(20));
        Assert.Equal(2, (await Live(cluster)).Length);
    }

    [Fact]
    public async Task B_MI_4_spot_interruption_is_handed_back_and_its_tasks_replaced()
    {
        var cluster = await _ecs.CreateCluster("mi-spot");
        var provider = await CreateProvider(cluster, ManagedInstancesSpec.Spot);
        var td = await _ecs.RegisterTaskDefinition(cpu: 1024, memory: 2048);
        await Service(cluster, provider, td, 3);
        await _ecs.WaitUntil("3 tasks RUNNING", async () => await _ecs.CountTasks(cluster, EcsDriver.Running) == 3, TimeSpan.FromMinutes(5));
        var live = await Live(cluster);
        Assert.All(live, i => Assert.True(i.IsSpot));
        var victim = live[0].InstanceId;

        var injection = await Chaos.InterruptSpotInstances(ChaosTarget.AllOf(cluster) with { Ids = [victim] }, null, false, null);
        Assert.Equal([victim], injection.Targets.ToArray());

        await _ecs.WaitUntil("the victim terminated and 3 tasks RUNNING elsewhere", async () =>
            !(await Live(cluster)).Any(i => i.InstanceId == victim)
            && (await _ecs.Cluster(cluster).ListTasks(TaskFilter.All)).Count(t => t.LastStatus == TaskStatus.RUNNING && t.Ec2InstanceId != victim) == 3,
            TimeSpan.FromMinutes(10));

        // B-MI-4: draining at the warning moved the task before the host died; the manager launched the replacement.
        var tasks = await _ecs.Cluster(cluster).ListTasks(TaskFilter.All);
        Assert.DoesNotContain(tasks, t => t.StopCode == "SpotInterruption");
        var info = await _ecs.Provider(provider);
        Assert.Contains(info.Managed!.Decisions, d => d.Contains($"Spot interruption warning for {victim}", StringComparison.Ordinal));
        Assert.Equal(4, info.Managed.Launched);
        await _ecs.Advance(TimeSpan.FromMinutes(5));
        Assert.Equal(3, (await Live(cluster)).Length); // the group did not launch a second replacement
    }

    [Fact]
    public async Task B_MI_2_a_task_that_fits_no_allowed_type_fails_with_the_reason()
    {
        var cluster = await _ecs.CreateCluster("mi-unfit");
        var provider = await CreateProvider(cluster, requirements: Requirements("c5.large"));
        var td = await _ecs.RegisterTaskDefinition(cpu: 4096, memory: 1024);
        var run = await _ecs.Control.RunTask(new RunTaskRequest(cluster, td.Arn, 1, null, [new CapacityProviderStrategyItem(provider, 1, 0)], [], [], null, null, null));
        Assert.Empty(run.Tasks);
        var failure = Assert.Single(run.Failures);
        Assert.Equal("RESOURCE:CPU", failure.Reason);
        Assert.Contains($"capacity provider {provider} can run the task: it needs 4096 CPU units / 1024 MiB; the largest allowed type registers 2048 CPU units / 3993 MiB", failure.Detail);
        Assert.Equal(0, (await _ecs.Cluster(cluster).Describe())!.ProvisioningTasksCount);

        // A service says why in its events, and nothing is launched for it.
        await Service(cluster, provider, td, 2, name: "big");
        await _ecs.WaitUntil("the service's placement event", async () =>
            (await _ecs.Grains.GetGrain<IServiceGrain>(GrainKeys.Service(cluster, "big")).Describe())!.Events
                .Any(e => e.Message.Contains("service big was unable to place a task. Reason: No instance type allowed by the instanceRequirements", StringComparison.Ordinal)),
            TimeSpan.FromMinutes(2));
        await _ecs.Advance(TimeSpan.FromMinutes(1));
        Assert.Empty(await Live(cluster));
        Assert.Equal(0, (await _ecs.Cluster(cluster).Describe())!.ProvisioningTasksCount);
    }

    [Fact]
    public async Task B_MI_1_launch_type_MANAGED_INSTANCES_runs_on_the_clusters_managed_instances_provider()
    {
        var bare = await _ecs.CreateCluster("mi-lt-none");
        var td = await _ecs.RegisterTaskDefinition(cpu: 512, memory: 1024);
        var e = await Assert.ThrowsAsync<EcsException>(() => _ecs.Control.RunTask(new RunTaskRequest(bare, td.Arn, 1, LaunchType.MANAGED_INSTANCES, [], [], [], null, null, null)));
        Assert.Contains("needs a Managed Instances capacity provider", e.Message);

        var cluster = await _ecs.CreateCluster("mi-lt");
        var provider = await CreateProvider(cluster);
        var run = await _ecs.Control.RunTask(new RunTaskRequest(cluster, td.Arn, 2, LaunchType.MANAGED_INSTANCES, [], [], [], null, null, null));
        Assert.Equal(2, run.Tasks.Length);
        Assert.All(run.Tasks, t => Assert.Equal(provider, t.CapacityProvider));
        Assert.All(run.Tasks, t => Assert.Equal(LaunchType.MANAGED_INSTANCES, t.LaunchType)); // as DescribeTasks reports them
        await _ecs.WaitUntil("2 tasks RUNNING", async () => await _ecs.CountTasks(cluster, EcsDriver.Running) == 2, TimeSpan.FromMinutes(5));

        var service = await _ecs.CreateService(cluster, "web", td, 1, launchType: LaunchType.MANAGED_INSTANCES);
        Assert.Null(service.Spec.LaunchType);
        Assert.Equal(provider, Assert.Single(service.Spec.CapacityProviderStrategy).CapacityProvider);
        await _ecs.WaitUntil("3 tasks RUNNING", async () => await _ecs.CountTasks(cluster, EcsDriver.Running) == 3, TimeSpan.FromMinutes(5));
    }

    [Fact]
    public async Task B_MI_1_impossible_requirements_and_bad_scale_in_after_are_refused_and_nothing_is_created()
    {
        var cluster = await _ecs.CreateCluster("mi-bad");
        var impossible = new InstanceRequirementsSpec(new NumberRange(64, null), new NumberRange(1024, null), null, [], [], [], [], null, null, null, null, null);
        var e = await Assert.ThrowsAsync<EcsException>(() => CreateProvider(cluster, requirements: impossible));
        Assert.Equal(ErrorCodes.InvalidParameter, e.Code);
        Assert.Contains("No instance types match", e.Message);
        var e2 = await Assert.ThrowsAsync<EcsException>(() => CreateProvider(cluster, scaleInAfter: 7200));
        Assert.Contains("-1 or 0 to 3600", e2.Message);
        Assert.Empty((await _ecs.Cluster(cluster).Describe())!.CapacityProviders);
        Assert.DoesNotContain((await _ecs.Control.DescribeCapacityProviders([])), p => p.Type == ProviderType.ManagedInstances && p.Spec?.ManagedInstances?.Cluster == cluster);
    }
}
