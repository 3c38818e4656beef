using System.Collections.Immutable;
using Emulator.Contracts;
using Emulator.Grains;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Storage;
using Orleans.TestingHost;
using TaskStatus = Emulator.Contracts.TaskStatus;

namespace Emulator.Tests.EndToEnd;

/// <summary>
/// The Auto Scaling group's reconciliation with its cluster after a reactivation (issue 5: what the two grains had not
/// both written when a silo died is rebuilt from what is persisted, never dropped). Each test writes a group's state
/// into the grain storage the way a dead silo could have left it, disagreeing with the cluster, then lets the group
/// activate on it (as it does on a survivor after a kill) and checks that the first ticks bring both sides together.
/// </summary>
[Collection(EmulatorCollection.Name)]
public sealed class ReconciliationTests(EmulatorClusterFixture fixture)
{
    private const string Zone = "us-east-1a";
    private const string Type = "m5.large";

    private IEcsControlGrain Control => fixture.Grains.GetGrain<IEcsControlGrain>(GrainKeys.Control);

    [Fact]
    public async Task B_T_2_B_ASG_1_reactivated_group_registers_again_an_instance_whose_container_instance_the_cluster_lost()
    {
        var cluster = await NewCluster();
        var asg = EmulatorClusterFixture.Unique("reconcile-lost");
        const string ec2 = "i-0a0000000000000a1";

        // The group persisted "InService and registered"; the cluster's registration was never persisted.
        await Persist(asg, State(asg, cluster, desired: 1, Instance(ec2, LifecycleState.InService, registered: true)));
        Assert.DoesNotContain(await Cluster(cluster).GetInstances(), r => r.Ec2InstanceId == ec2);

        var info = await Asg(asg).Describe(); // activates the group on its persisted state
        Assert.NotNull(info);
        await WaitUntil("the instance registers again", async () =>
            (await Cluster(cluster).GetInstances()).Any(r => r.Ec2InstanceId == ec2 && r.Status == ContainerInstanceStatus.ACTIVE && r.AutoScalingGroup == asg));

        // Re-registered, not replaced: still one instance in the group, and one container instance for it.
        var group = (await Asg(asg).Describe())!;
        Assert.Equal([ec2], group.Instances.Select(i => i.InstanceId).ToArray());
        Assert.True(group.Instances.Single().Registered);
        Assert.Single(await Cluster(cluster).GetInstances(), r => r.Ec2InstanceId == ec2);
    }

    [Fact]
    public async Task B_CI_5_reactivated_group_terminates_in_the_cluster_the_instances_it_no_longer_runs()
    {
        var cluster = await NewCluster();
        var asg = EmulatorClusterFixture.Unique("reconcile-stale");
        const string kept = "i-0b0000000000000b1";
        const string terminated = "i-0b0000000000000b2";
        const string unknown = "i-0b0000000000000b3";

        // The cluster holds three ACTIVE container instances of the group.
        foreach (var ec2 in new[] { kept, terminated, unknown })
        {
            await Cluster(cluster).RegisterInstance(new InstanceRegistration(ec2, Type, Zone, asg, false, false, ImmutableDictionary<string, string>.Empty));
        }

        // The group persisted: one still running, one it terminated (the cluster never heard), and none of the third
        // (its launch was not persisted while the registration was).
        await Persist(asg, State(asg, cluster, desired: 1,
            Instance(kept, LifecycleState.InService, registered: true),
            Instance(terminated, LifecycleState.Terminated, registered: true)));

        Assert.NotNull(await Asg(asg).Describe()); // activates the group on its persisted state
        await WaitUntil("the stale container instances are deregistered", async () =>
        {
            var records = await Cluster(cluster).GetInstances();
            return records.Single(r => r.Ec2InstanceId == terminated).Status == ContainerInstanceStatus.INACTIVE
                   && records.Single(r => r.Ec2InstanceId == unknown).Status == ContainerInstanceStatus.INACTIVE;
        });

        // The instance both sides agree on is untouched, and the group did not launch anything to make up for it.
        var after = await Cluster(cluster).GetInstances();
        Assert.Equal(ContainerInstanceStatus.ACTIVE, after.Single(r => r.Ec2InstanceId == kept).Status);
        var group = (await Asg(asg).Describe())!;
        Assert.Equal([kept], group.Instances.Select(i => i.InstanceId).ToArray());
    }

    [Fact]
    public async Task B_ASG_1_groups_that_agree_with_their_cluster_change_nothing_on_reactivation()
    {
        var cluster = await NewCluster();
        var asg = EmulatorClusterFixture.Unique("reconcile-agree");
        const string ec2 = "i-0c0000000000000c1";
        await Cluster(cluster).RegisterInstance(new InstanceRegistration(ec2, Type, Zone, asg, false, false, ImmutableDictionary<string, string>.Empty));
        var before = (await Cluster(cluster).GetInstances()).Single(r => r.Ec2InstanceId == ec2);
        await Persist(asg, State(asg, cluster, desired: 1, Instance(ec2, LifecycleState.InService, registered: true)));

        Assert.NotNull(await Asg(asg).Describe());
        await EmulatorClusterFixture.Time.Advance(TimeSpan.FromSeconds(30)); // many ticks of the reactivated group
        var after = (await Cluster(cluster).GetInstances()).Single(r => r.Ec2InstanceId == ec2);
        Assert.Equal(before.ContainerInstanceId, after.ContainerInstanceId);
        Assert.Equal(ContainerInstanceStatus.ACTIVE, after.Status);
        Assert.Single(await Cluster(cluster).GetInstances());
    }

    [Fact]
    public async Task B_PQ_2_reactivated_cluster_places_its_queue_on_capacity_that_appeared_before_its_silo_died()
    {
        // The persisted cluster: an ACTIVE instance with room and a task still PROVISIONING for its provider. The
        // instance registered (a written-through call) but the placement pass it called for was due on the next tick,
        // which the dead silo never ran.
        var cluster = EmulatorClusterFixture.Unique("reconcile-queue");
        var asg = EmulatorClusterFixture.Unique("reconcile-queue-asg");
        const string provider = "reconcile-queue-cp";
        var now = await Control.Now();
        var instanceId = Guid.NewGuid().ToString("N");
        var taskId = Guid.NewGuid().ToString("N");
        var instance = new ContainerInstanceRecord(instanceId, cluster, "i-0d0000000000000d1", Type, Zone, provider, asg, false, ContainerInstanceStatus.ACTIVE, true,
            Emulator.Model.Catalog.InstanceCatalog.Default.Registered(Type), ResourceSet.Zero, Emulator.Model.Catalog.InstanceCatalog.AgentReservedPorts,
            ImmutableDictionary<string, string>.Empty.Add("ecs.availability-zone", Zone).Add("ecs.instance-type", Type), now, 1, 0, 0,
            ImmutableDictionary<string, int>.Empty, 0, false);
        var task = new TaskRecord(taskId, cluster, "arn:aws:ecs:us-east-1:000000000000:task-definition/queued:1", new TaskRequirements(256, 512, [], 0, NetworkMode.bridge),
            "family:queued", null, null, null, provider, LaunchType.EC2, null, null, null, TaskStatus.PROVISIONING, DesiredStatus.RUNNING, 1, now,
            null, null, null, null, null, null, false, [], null, null, 30, null);
        var state = new ClusterState
        {
            Exists = true,
            CreatedAt = now,
            Providers = ImmutableDictionary<string, ClusterProvider>.Empty.Add(provider, new ClusterProvider(provider, ProviderType.AutoScalingGroup, asg, true, false, false)),
            Instances = { [instanceId] = instance },
            Tasks = { [taskId] = task },
            Queue = [taskId],
            Incarnation = 1,
        };
        await PersistState("cluster", Cluster(cluster), state);

        // Activates the cluster on its persisted state: the queued task is placed on the instance (B-PQ-2), well
        // before its PROVISIONING timeout (B-PQ-3, 30 emulated minutes).
        await WaitUntil("the queued task is placed", async () =>
        {
            var t = (await Cluster(cluster).ListTasks(TaskFilter.All)).Single(x => x.TaskId == taskId);
            return t.LastStatus != TaskStatus.PROVISIONING && t.ContainerInstanceId == instanceId;
        }, TimeSpan.FromMinutes(10)); // less than the PROVISIONING timeout (30 emulated minutes)
        Assert.Equal(0, (await Cluster(cluster).Describe())!.ProvisioningTasksCount);
    }

    [Fact]
    public async Task B_LB_3_running_traffic_keeps_a_wake_reminder_so_a_killed_silo_does_not_stop_it()
    {
        // Timers die with a silo; a reminder outlives it (durable mode) and reactivates the grain, whose activation
        // restarts the timer. Without one, a cluster's synthetic traffic would silently stop being accounted.
        var cluster = await NewCluster();
        var traffic = fixture.Grains.GetGrain<ITrafficGrain>(cluster);
        Assert.Contains("wake", await Reminders(Cluster(cluster)));
        Assert.DoesNotContain("wake", await Reminders(traffic));
        await traffic.EnsureRunning(); // one-way
        await WaitUntil("the traffic's wake reminder", async () => (await Reminders(traffic)).Contains("wake"));
    }

    private async Task<ImmutableArray<string>> Reminders(IAddressable grain)
    {
        var silo = fixture.Cluster.Primary as InProcessSiloHandle ?? throw new InvalidOperationException("the test cluster runs in process");
        var table = silo.SiloHost.Services.GetRequiredService<IReminderTable>();
        var rows = await table.ReadRows(grain.GetGrainId());
        return rows.Reminders.Select(r => r.ReminderName).ToImmutableArray();
    }

    private async Task<string> NewCluster()
    {
        var name = EmulatorClusterFixture.Unique("reconcile");
        await Control.CreateCluster(new CreateClusterRequest(name, [], [], ImmutableDictionary<string, string>.Empty));
        return name;
    }

    private IClusterGrain Cluster(string name) => fixture.Grains.GetGrain<IClusterGrain>(GrainKeys.Cluster(name));

    private IAutoScalingGroupGrain Asg(string name) => fixture.Grains.GetGrain<IAutoScalingGroupGrain>(GrainKeys.AutoScalingGroup(name));

    private static AsgInstance Instance(string id, LifecycleState state, bool registered)
    {
        var launched = EmulatorClusterFixture.Options.Epoch!.Value;
        return new AsgInstance(id, Type, Zone, false, state, false, launched, launched + TimeSpan.FromSeconds(40), registered, "1", null, 0.096m,
            state == LifecycleState.Terminated ? launched + TimeSpan.FromMinutes(1) : null);
    }

    private static AsgState State(string name, string cluster, int desired, params AsgInstance[] instances) => new()
    {
        Exists = true,
        Spec = new AsgSpec(name, 0, 10, desired, [Zone], [Type], null, cluster, false, false, false, "1", ImmutableDictionary<string, string>.Empty, null, null),
        Uuid = Guid.NewGuid().ToString(),
        Desired = desired,
        Instances = instances.ToDictionary(i => i.InstanceId, StringComparer.Ordinal),
        CreatedAt = EmulatorClusterFixture.Options.Epoch!.Value,
        Incarnation = 1,
    };

    /// <summary>Writes a group's state into the "emulator" grain storage before its grain ever activates.</summary>
    private Task Persist(string asg, AsgState state) => PersistState("asg", Asg(asg), state);

    /// <summary>Writes a grain's state into the "emulator" grain storage before the grain ever activates.</summary>
    private async Task PersistState<T>(string stateName, IAddressable grain, T state)
    {
        var silo = fixture.Cluster.Primary as InProcessSiloHandle ?? throw new InvalidOperationException("the test cluster runs in process");
        var storage = silo.SiloHost.Services.GetRequiredKeyedService<IGrainStorage>("emulator");
        await storage.WriteStateAsync(stateName, grain.GetGrainId(), new GrainState<T>(state));
    }

    private static async Task WaitUntil(string what, Func<Task<bool>> condition, TimeSpan? emulated = null)
    {
        // By default up to 5 emulated minutes: the reconciliation runs on the grain's first tick (one emulated second).
        if (!await EmulatorClusterFixture.Time.WaitUntil(condition, emulated ?? TimeSpan.FromMinutes(5)))
        {
            Assert.Fail($"timed out waiting for {what}");
        }
    }
}
