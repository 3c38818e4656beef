using System.Collections.Immutable;
using Emulator.Contracts;
using TaskStatus = Emulator.Contracts.TaskStatus;

namespace Emulator.Tests.EndToEnd;

/// <summary>
/// Spot interruptions and chaos actions end to end (ECS-BEHAVIOR §4, §10, §11, §12 B-SV-4; issue 4), with the
/// invariant checker of <see cref="EcsDriver"/> on every poll and at the end of each test.
/// </summary>
[Collection(EmulatorCollection.Name)]
public sealed class SpotChaosTests(EmulatorClusterFixture fixture) : IAsyncLifetime
{
    private static readonly TimeSpan Notice = TimeSpan.FromSeconds(120);
    private readonly EcsDriver _ecs = new(fixture);

    private IChaosGrain Chaos => _ecs.Grains.GetGrain<IChaosGrain>(0);

    public Task InitializeAsync() => _ecs.InitializeAsync();

    public Task DisposeAsync() => _ecs.DisposeAsync();

    // ------------------------------------------------------------------ EC2 Spot interruption (B-SP-1..3)

    [Fact]
    public async Task B_SP_2_spot_draining_on_drains_at_the_warning_and_replaces_tasks_before_termination_at_120s()
    {
        var (cluster, asg, provider) = await SpotCluster("spot-on", desired: 2, spotDraining: true);
        await RunService(cluster, provider, 4, minHealthy: 100, maxPercent: 200);
        var victim = await InstanceWithTasks(cluster);

        var injection = await Chaos.InterruptSpotInstances(Target(cluster, [victim.Ec2InstanceId]), null, false, null);
        Assert.Equal([victim.Ec2InstanceId], injection.Targets.ToArray());
        Assert.Equal(injection.At + Notice, injection.Until);

        // B-SP-2: DRAINING at the warning (the warning is handled before the call returns).
        var ci = (await _ecs.Cluster(cluster).GetInstances()).Single(i => i.Ec2InstanceId == victim.Ec2InstanceId);
        Assert.Equal(ContainerInstanceStatus.DRAINING, ci.Status);
        await _ecs.WaitUntil("the warning event", async () => (await _ecs.Events(cluster, EventTypes.SpotInterruptionWarning))
            .Any(e => e.Detail["instance-id"] == victim.Ec2InstanceId && e.Detail["instance-action"] == "terminate" && e.Source == EventTypes.SourceEc2), TimeSpan.FromMinutes(1));

        var terminatedAt = await WaitForTerminationAndReplacement(cluster, asg, victim.Ec2InstanceId, desired: 2);
        Assert.True(terminatedAt >= injection.At + Notice, $"terminated at {terminatedAt:O}, warning at {injection.At:O}");

        // The service's tasks left the host before it died, replaced by tasks that were running by then.
        var tasks = await _ecs.Cluster(cluster).ListTasks(TaskFilter.All);
        var onVictim = tasks.Where(t => t.Ec2InstanceId == victim.Ec2InstanceId).ToList();
        Assert.NotEmpty(onVictim);
        Assert.All(onVictim, t =>
        {
            // Stopped by the scheduler (not SpotInterruption), so before the host died.
            Assert.Equal("ServiceSchedulerInitiated", t.StopCode);
            Assert.True(t.StoppedAt < terminatedAt, $"stopped at {t.StoppedAt:O}, host terminated at {terminatedAt:O}");
        });
        var running = tasks.Where(t => t.LastStatus == TaskStatus.RUNNING).ToList();
        Assert.Equal(4, running.Count);
        Assert.True(running.Count(t => t.StartedAt < terminatedAt) == 4, "all 4 tasks were running before the host died");
        Assert.DoesNotContain(tasks, t => t.StopCode == "SpotInterruption");

        var activities = await Asg(asg).GetActivities(50);
        Assert.Contains(activities, a => a.Description == $"Terminating EC2 instance: {victim.Ec2InstanceId}"
                                         && a.Cause.Contains("EC2 health check indicating it has been terminated or stopped", StringComparison.Ordinal));
        Assert.Equal(2, (await Asg(asg).Describe())!.DesiredCapacity);
    }

    [Fact]
    public async Task B_SP_2_B_SP_3_spot_draining_off_tasks_die_with_the_host_at_120s_with_SpotInterruption()
    {
        var (cluster, asg, provider) = await SpotCluster("spot-off", desired: 2, spotDraining: false);
        await RunService(cluster, provider, 4, minHealthy: 100, maxPercent: 200);
        var victim = await InstanceWithTasks(cluster);

        var injection = await Chaos.InterruptSpotInstances(Target(cluster, [victim.Ec2InstanceId]), null, false, null);
        Assert.Equal(ContainerInstanceStatus.ACTIVE, (await _ecs.Cluster(cluster).GetInstances()).Single(i => i.Ec2InstanceId == victim.Ec2InstanceId).Status);

        var terminatedAt = await WaitForTerminationAndReplacement(cluster, asg, victim.Ec2InstanceId, desired: 2);
        var onVictim = (await _ecs.Cluster(cluster).ListTasks(TaskFilter.All)).Where(t => t.Ec2InstanceId == victim.Ec2InstanceId).ToList();
        Assert.NotEmpty(onVictim);
        Assert.All(onVictim, t =>
        {
            Assert.Equal("SpotInterruption", t.StopCode);
            Assert.Equal($"Host EC2 (instance {victim.Ec2InstanceId}) stopped/terminated", t.StoppedReason);
            Assert.True(t.StoppedAt >= injection.At + Notice);
            Assert.Equal(t.StoppingAt, t.StoppedAt); // no stopTimeout grace (B-SP-3)
        });
        Assert.True(terminatedAt >= injection.At + Notice);
        await _ecs.WaitUntil("service back to 4 running", async () => await _ecs.CountTasks(cluster, EcsDriver.Running) == 4, TimeSpan.FromMinutes(5));
    }

    [Fact]
    public async Task B_SP_1_an_interruption_in_progress_survives_the_groups_reactivation()
    {
        var (cluster, asg, provider) = await SpotCluster("spot-reactivate", desired: 2, spotDraining: false);
        await RunService(cluster, provider, 2, minHealthy: 100, maxPercent: 200);
        var victim = await InstanceWithTasks(cluster);

        var injection = await Chaos.InterruptSpotInstances(Target(cluster, [victim.Ec2InstanceId]), null, false, null);
        await Asg(asg).Cast<Orleans.Core.Internal.IGrainManagementExtension>().DeactivateOnIdle(); // timers stop with the activation

        var terminatedAt = await WaitForTerminationAndReplacement(cluster, asg, victim.Ec2InstanceId, desired: 2);
        Assert.True(terminatedAt >= injection.At + Notice);
        Assert.All((await _ecs.Cluster(cluster).ListTasks(TaskFilter.All)).Where(t => t.Ec2InstanceId == victim.Ec2InstanceId),
            t => Assert.Equal("SpotInterruption", t.StopCode));
        Assert.Single(await _ecs.Events(cluster, EventTypes.SpotInterruptionWarning), e => e.Detail["instance-id"] == victim.Ec2InstanceId);
    }

    [Fact]
    public async Task B_SV_4_B_CI_3_min_healthy_100_max_100_draining_stalls_and_the_service_says_why()
    {
        var (cluster, asg, provider) = await SpotCluster("spot-stall", desired: 2, spotDraining: true);
        await RunService(cluster, provider, 4, minHealthy: 100, maxPercent: 100);
        var victim = await InstanceWithTasks(cluster);

        await Chaos.InterruptSpotInstances(Target(cluster, [victim.Ec2InstanceId]), null, false, null);
        await _ecs.WaitUntil("the service says replacement cannot progress", async () =>
            (await Service(cluster)).Events.Any(e => e.Message.Contains("(service web) is unable to replace tasks", StringComparison.Ordinal)
                                                   && e.Message.Contains("cannot progress", StringComparison.Ordinal)),
            TimeSpan.FromMinutes(1));

        await WaitForTerminationAndReplacement(cluster, asg, victim.Ec2InstanceId, desired: 2);
        var onVictim = (await _ecs.Cluster(cluster).ListTasks(TaskFilter.All)).Where(t => t.Ec2InstanceId == victim.Ec2InstanceId && t.ServiceName == "web").ToList();
        Assert.NotEmpty(onVictim);
        Assert.All(onVictim, t => Assert.Equal("SpotInterruption", t.StopCode)); // draining made no progress
        await _ecs.WaitUntil("service back to 4 running", async () => await _ecs.CountTasks(cluster, EcsDriver.Running) == 4, TimeSpan.FromMinutes(5));
    }

    [Fact]
    public async Task B_SV_4_min_healthy_50_max_200_drains_within_the_2_minutes()
    {
        var (cluster, asg, provider) = await SpotCluster("spot-50", desired: 2, spotDraining: true);
        await RunService(cluster, provider, 4, minHealthy: 50, maxPercent: 200);
        var victim = await InstanceWithTasks(cluster);

        var injection = await Chaos.InterruptSpotInstances(Target(cluster, [victim.Ec2InstanceId]), null, false, null);
        var terminatedAt = await WaitForTerminationAndReplacement(cluster, asg, victim.Ec2InstanceId, desired: 2);
        var tasks = await _ecs.Cluster(cluster).ListTasks(TaskFilter.All);
        Assert.All(tasks.Where(t => t.Ec2InstanceId == victim.Ec2InstanceId), t =>
        {
            Assert.Equal("ServiceSchedulerInitiated", t.StopCode);
            Assert.True(t.StoppedAt < injection.At + Notice);
        });
        Assert.Equal(4, tasks.Count(t => t.LastStatus == TaskStatus.RUNNING && t.StartedAt < terminatedAt));
    }

    [Fact]
    public async Task B_SP_5_spot_storm_50_percent_of_a_providers_instances_service_recovers_and_capacity_is_replaced()
    {
        var (cluster, asg, provider) = await SpotCluster("storm", desired: 4, spotDraining: true);
        await RunService(cluster, provider, 16, minHealthy: 100, maxPercent: 200);

        var target = ChaosTarget.AllOf(cluster) with { CapacityProvider = provider, Selection = ChaosSelection.Percent(50) };
        var injection = await Chaos.InterruptSpotInstances(target, null, false, null);
        Assert.Equal(2, injection.Targets.Length);
        var drained = (await _ecs.Cluster(cluster).GetInstances()).Where(i => injection.Targets.Contains(i.Ec2InstanceId)).ToList();
        Assert.All(drained, i => Assert.Equal(ContainerInstanceStatus.DRAINING, i.Status));

        await _ecs.WaitUntil("both terminated, 4 instances in service again, 16 tasks running", async () =>
        {
            var info = (await Asg(asg).Describe())!;
            var s = await _ecs.Status(cluster);
            return injection.Targets.All(id => info.Instances.All(i => i.InstanceId != id))
                   && s.Instances.Count(i => i.Status == ContainerInstanceStatus.ACTIVE) == 4
                   && s.Tasks.Count(t => t.LastStatus == TaskStatus.RUNNING) == 16;
        }, TimeSpan.FromMinutes(10));
        await _ecs.WaitUntil("steady state", async () => (await Service(cluster)).SteadyState, TimeSpan.FromMinutes(5));
        var stopped = (await _ecs.Cluster(cluster).ListTasks(TaskFilter.All)).Where(t => t.LastStatus == TaskStatus.STOPPED).ToList();
        Assert.All(stopped, t => Assert.Equal("ServiceSchedulerInitiated", t.StopCode)); // every one drained, none died with its host
    }

    [Fact]
    public async Task B_ASG_5_capacity_rebalancing_launches_the_replacement_first_then_terminates_the_at_risk_instance()
    {
        var (cluster, asg, provider) = await SpotCluster("rebalance", desired: 2, spotDraining: true, capacityRebalance: true);
        await RunService(cluster, provider, 4, minHealthy: 100, maxPercent: 200);
        var victim = await InstanceWithTasks(cluster);

        var injection = await Chaos.InterruptSpotInstances(Target(cluster, [victim.Ec2InstanceId]), null, true, TimeSpan.FromMinutes(10));
        await _ecs.WaitUntil("rebalance recommendation event", async () =>
            (await _ecs.Events(cluster, EventTypes.RebalanceRecommendation)).Any(e => e.Detail["instance-id"] == victim.Ec2InstanceId), TimeSpan.FromMinutes(1));

        await _ecs.WaitUntil("at-risk instance terminated after the replacement", async () =>
            (await Asg(asg).Describe())!.Instances.All(i => i.InstanceId != victim.Ec2InstanceId), TimeSpan.FromMinutes(15));
        var activities = await Asg(asg).GetActivities(50);
        var launch = activities.Single(a => a.Cause.Contains("launched in response to an EC2 instance rebalance recommendation", StringComparison.Ordinal));
        var terminate = activities.Single(a => a.Description == $"Terminating EC2 instance: {victim.Ec2InstanceId}");
        Assert.Contains("taken out of service in response to an EC2 instance rebalance recommendation", terminate.Cause, StringComparison.Ordinal);
        // The replacement launched, and was in service (its launch activity ends at InService), before the at-risk
        // instance was taken out; desired capacity never moved. (Read from the activities, not from a Describe racing
        // the emulated clock right after the recommendation.)
        Assert.True(launch.StartTime <= terminate.StartTime);
        Assert.True(launch.EndTime <= terminate.StartTime, $"replacement in service at {launch.EndTime:O}, at-risk instance taken out at {terminate.StartTime:O}");
        Assert.Equal(2, (await Asg(asg).Describe())!.DesiredCapacity);
        Assert.True(terminate.EndTime < injection.At + TimeSpan.FromMinutes(10), "terminated before the warning would have come");
        Assert.DoesNotContain(await _ecs.Events(cluster, EventTypes.SpotInterruptionWarning), e => e.Detail["instance-id"] == victim.Ec2InstanceId);
        await _ecs.WaitUntil("4 running", async () => await _ecs.CountTasks(cluster, EcsDriver.Running) == 4, TimeSpan.FromMinutes(3));
    }

    [Fact]
    public async Task B_SP_5_a_pools_interruption_rate_interrupts_spot_instances_and_the_group_replaces_them()
    {
        var market = _ecs.Grains.GetGrain<ISpotMarketGrain>(ISpotMarketGrain.Key);
        var (cluster, asg, _) = await SpotCluster("rate", desired: 2, spotDraining: true, instanceType: "c5.xlarge");
        Assert.Empty(await _ecs.Events(cluster, EventTypes.SpotInterruptionWarning)); // default rate 0: none

        await market.ConfigurePool(new SpotPoolSettings("c5.xlarge", "*", null, null, 60)); // one per instance-minute
        try
        {
            await _ecs.WaitUntil("an interruption warning from the pool's rate", async () =>
                !(await _ecs.Events(cluster, EventTypes.SpotInterruptionWarning)).IsEmpty, TimeSpan.FromMinutes(10));
        }
        finally
        {
            await market.ConfigurePool(new SpotPoolSettings("c5.xlarge", "*", null, null, 0));
        }

        var victim = (await _ecs.Events(cluster, EventTypes.SpotInterruptionWarning))[0].Detail["instance-id"];
        await WaitForTerminationAndReplacement(cluster, asg, victim, desired: 2);
        Assert.Equal(2, (await Asg(asg).Describe())!.DesiredCapacity);
    }

    // ------------------------------------------------------------------ Fargate Spot (B-SP-4)

    [Fact]
    public async Task B_SP_4_fargate_spot_interruption_TerminationNotice_replaced_on_FARGATE_SPOT_only()
    {
        var cluster = await _ecs.CreateCluster("fgspot");
        await _ecs.Control.PutClusterCapacityProviders(cluster, ["FARGATE", "FARGATE_SPOT"], []);
        var td = await _ecs.RegisterTaskDefinition(mode: NetworkMode.awsvpc, fargate: true);
        await _ecs.CreateService(cluster, "web", td, 10, strategy: [new("FARGATE", 1, 1), new("FARGATE_SPOT", 4, 0)]);
        await _ecs.WaitUntil("10 running", async () => await _ecs.CountTasks(cluster, EcsDriver.Running) == 10, TimeSpan.FromMinutes(5));
        var before = await _ecs.Cluster(cluster).ListTasks(TaskFilter.All);
        Assert.Equal(3, before.Count(t => t.CapacityProvider == "FARGATE"));

        var injection = await Chaos.InterruptFargateSpotTasks(ChaosTarget.AllOf(cluster) with { Service = "web" });
        Assert.Equal(7, injection.Targets.Length);
        await _ecs.WaitUntil("10 running again", async () =>
            (await _ecs.Cluster(cluster).ListTasks(TaskFilter.All)).Count(t => t.LastStatus == TaskStatus.RUNNING && !before.Any(b => b.TaskId == t.TaskId)) == 7,
            TimeSpan.FromMinutes(5));

        var after = await _ecs.Cluster(cluster).ListTasks(TaskFilter.All);
        var interrupted = after.Where(t => injection.Targets.Any(arn => arn.EndsWith(t.TaskId, StringComparison.Ordinal))).ToList();
        Assert.Equal(7, interrupted.Count);
        Assert.All(interrupted, t =>
        {
            Assert.Equal("FARGATE_SPOT", t.CapacityProvider);
            Assert.Equal("TerminationNotice", t.StopCode);
            Assert.Equal("Your Spot Task was interrupted.", t.StoppedReason);
            Assert.True(t.StoppedAt > t.StoppingAt, "SIGTERM first, then the task stops after its shutdown time");
            Assert.True(t.StoppedAt - t.StoppingAt <= TimeSpan.FromSeconds(120));
        });
        var replacements = after.Where(t => !before.Any(b => b.TaskId == t.TaskId)).ToList();
        Assert.Equal(7, replacements.Count);
        Assert.All(replacements, t => Assert.Equal("FARGATE_SPOT", t.CapacityProvider)); // B-CP-4: never FARGATE
        Assert.Equal(3, after.Count(t => t.CapacityProvider == "FARGATE" && t.LastStatus == TaskStatus.RUNNING));
    }

    // ------------------------------------------------------------------ Spot market (B-ASG-3)

    [Fact]
    public async Task B_ASG_3_exhausted_pool_moves_launches_to_another_pool_and_no_pool_left_fails_with_an_activity()
    {
        var cluster = await _ecs.CreateCluster("pools");
        var asg = EmulatorClusterFixture.Unique("asg");
        await _ecs.Control.CreateAutoScalingGroup(new AsgSpec(asg, 0, 4, 0, ["us-east-1b"], ["c5.large", "m5.large"],
            new MixedInstancesSpec(0, 0, "lowest-price"), cluster, false, false, false, "1", ImmutableDictionary<string, string>.Empty, null, null));
        await Chaos.ExhaustSpotPools("c5.large", "us-east-1b", TimeSpan.FromMinutes(5));
        await Asg(asg).SetDesiredCapacity(1, null);
        var info = (await Asg(asg).Describe())!;
        Assert.Equal("m5.large", Assert.Single(info.Instances).InstanceType); // c5.large is cheaper but exhausted
        Assert.True(info.Instances[0].IsSpot);

        var all = await Chaos.ExhaustSpotPools(null, "us-east-1b", TimeSpan.FromMinutes(5));
        Assert.Equal(TimeSpan.FromMinutes(5), all.Until - all.At);
        await Asg(asg).SetDesiredCapacity(2, null);
        var failed = (await Asg(asg).GetActivities(10)).First();
        Assert.Equal("Failed", failed.StatusCode);
        Assert.Contains("There is no Spot capacity available that matches your request.", failed.Description, StringComparison.Ordinal);
        Assert.Single((await Asg(asg).Describe())!.Instances);

        await Asg(asg).Delete(true);
    }

    [Fact]
    public async Task FIS_asg_insufficient_instance_capacity_fails_launches_with_the_InsufficientInstanceCapacity_message()
    {
        var cluster = await _ecs.CreateCluster("ice");
        var asg = EmulatorClusterFixture.Unique("asg");
        await _ecs.Control.CreateAutoScalingGroup(new AsgSpec(asg, 0, 4, 0, [], ["m5.large"], null, cluster, false, false, false, "1",
            ImmutableDictionary<string, string>.Empty, null, null));
        var injection = await Chaos.InsufficientInstanceCapacity(ChaosTarget.Groups(asg), [], TimeSpan.FromMinutes(2));
        Assert.Equal("aws:ec2:asg-insufficient-instance-capacity-error", injection.Action);
        await Asg(asg).SetDesiredCapacity(1, null);
        var failed = (await Asg(asg).GetActivities(10)).First();
        Assert.Equal("Failed", failed.StatusCode);
        Assert.Contains("We currently do not have sufficient m5.large capacity in the Availability Zone you requested", failed.StatusMessage, StringComparison.Ordinal);
        Assert.Empty((await Asg(asg).Describe())!.Instances);

        // The fault ends on the emulated clock: the group launches afterwards by itself.
        await _ecs.WaitUntil("launched after the fault", async () => (await Asg(asg).Describe())!.Instances.Length == 1, TimeSpan.FromMinutes(4));
        var failures = (await Asg(asg).GetActivities(500)).Count(a => a.StatusCode == "Failed");
        Assert.InRange(failures, 2, 14); // retried every 10 s during the 2 minutes, not on every tick
        await Asg(asg).Delete(true);
    }

    // ------------------------------------------------------------------ AZ outage, drain, stop, terminate

    [Fact]
    public async Task AZ_outage_loses_instances_and_fargate_tasks_there_launches_elsewhere_until_restored()
    {
        const string zone = "us-east-1a";
        var cluster = await _ecs.CreateCluster("az");
        var (asg, provider) = await _ecs.CreateAsgProvider(cluster, "m5.large", min: 0, max: 6, desired: 3, managedScaling: false, managedTerminationProtection: false);
        await _ecs.Control.PutClusterCapacityProviders(cluster, [provider, "FARGATE"], []);
        await _ecs.WaitUntil("3 instances", async () => (await _ecs.Status(cluster)).Instances.Length == 3, TimeSpan.FromMinutes(3));
        var td = await _ecs.RegisterTaskDefinition();
        await _ecs.CreateService(cluster, "web", td, 6, strategy: [new(provider, 1, 0)]);
        var fargateTd = await _ecs.RegisterTaskDefinition(mode: NetworkMode.awsvpc, fargate: true);
        await _ecs.CreateService(cluster, "api", fargateTd, 3, strategy: [new("FARGATE", 1, 0)]);
        await _ecs.WaitUntil("9 running", async () => await _ecs.CountTasks(cluster, EcsDriver.Running) == 9, TimeSpan.FromMinutes(5));
        var inZone = (await _ecs.Cluster(cluster).ListTasks(TaskFilter.All)).Where(t => t.AvailabilityZone == zone).ToList();
        Assert.NotEmpty(inZone);

        try
        {
            var injection = await Chaos.ZoneOutage(zone, null);
            Assert.Null(injection.Until);
            var status = await _ecs.Status(cluster);
            Assert.DoesNotContain(status.Tasks, t => t.AvailabilityZone == zone && t.LastStatus != TaskStatus.STOPPED);
            Assert.DoesNotContain(status.Instances, i => i.AvailabilityZone == zone && i.Status != ContainerInstanceStatus.INACTIVE);
            var lost = (await _ecs.Cluster(cluster).GetTasks(inZone.Select(t => t.TaskId).ToImmutableArray())).ToList();
            Assert.All(lost, t => Assert.Equal(TaskStatus.STOPPED, t.LastStatus));
            Assert.All(lost.Where(t => t.LaunchType == LaunchType.EC2), t => Assert.StartsWith("Host EC2 (instance ", t.StoppedReason, StringComparison.Ordinal));
            Assert.All(lost.Where(t => t.LaunchType == LaunchType.FARGATE), t => Assert.Contains(zone, t.StoppedReason, StringComparison.Ordinal));

            await _ecs.WaitUntil("9 running again, none in the lost zone, 3 instances", async () =>
            {
                var s = await _ecs.Status(cluster);
                return s.Tasks.Count(t => t.LastStatus == TaskStatus.RUNNING) == 9
                       && s.Instances.Count(i => i.Status == ContainerInstanceStatus.ACTIVE) == 3;
            }, TimeSpan.FromMinutes(10));
            var now = await _ecs.Status(cluster);
            Assert.DoesNotContain(now.Tasks, t => t.AvailabilityZone == zone && t.LastStatus != TaskStatus.STOPPED);
            Assert.DoesNotContain((await Asg(asg).Describe())!.Instances, i => i.AvailabilityZone == zone && i.State != LifecycleState.Terminated);
        }
        finally
        {
            await Chaos.RestoreZone(zone);
        }

        // Restored: the next launch goes to the zone with the fewest instances again (B-ASG-2).
        await Asg(asg).SetDesiredCapacity(4, null);
        Assert.Contains((await Asg(asg).Describe())!.Instances, i => i.AvailabilityZone == zone && i.State != LifecycleState.Terminated);
        var injections = await Chaos.GetInjections(0);
        Assert.Contains(injections, i => i.Action == "emulator:az-outage");
        Assert.Contains(injections, i => i.Action == "emulator:az-restore");
    }

    [Fact]
    public async Task FIS_drain_with_a_duration_returns_the_instances_to_ACTIVE_after_it()
    {
        var cluster = await _ecs.CreateCluster("drain");
        var (_, provider) = await _ecs.CreateAsgProvider(cluster, "m5.large", min: 0, max: 4, desired: 2, managedScaling: false, managedTerminationProtection: false);
        await _ecs.Control.PutClusterCapacityProviders(cluster, [provider], []);
        await _ecs.WaitUntil("2 instances", async () => (await _ecs.Status(cluster)).Instances.Length == 2, TimeSpan.FromMinutes(3));

        var injection = await Chaos.DrainInstances(ChaosTarget.AllOf(cluster) with { Selection = ChaosSelection.Count(1) }, TimeSpan.FromMinutes(3));
        Assert.Equal("aws:ecs:drain-container-instances", injection.Action);
        var drained = Assert.Single(injection.Targets);
        Assert.Single((await _ecs.Cluster(cluster).GetInstances()), i => i.Status == ContainerInstanceStatus.DRAINING && drained.EndsWith(i.ContainerInstanceId, StringComparison.Ordinal));
        await _ecs.WaitUntil("back to ACTIVE", async () => (await _ecs.Cluster(cluster).GetInstances()).All(i => i.Status == ContainerInstanceStatus.ACTIVE), TimeSpan.FromMinutes(5));
        Assert.True(await _ecs.Control.Now() >= injection.Until);
    }

    [Fact]
    public async Task FIS_stop_task_and_terminate_instances_pick_seeded_targets_and_the_service_recovers()
    {
        var cluster = await _ecs.CreateCluster("kill");
        var (asg, provider) = await _ecs.CreateAsgProvider(cluster, "m5.large", min: 0, max: 4, desired: 2, managedScaling: false, managedTerminationProtection: false);
        await _ecs.Control.PutClusterCapacityProviders(cluster, [provider], []);
        await _ecs.WaitUntil("2 instances", async () => (await _ecs.Status(cluster)).Instances.Length == 2, TimeSpan.FromMinutes(3));
        var td = await _ecs.RegisterTaskDefinition();
        await _ecs.CreateService(cluster, "web", td, 6, strategy: [new(provider, 1, 0)]);
        await _ecs.WaitUntil("6 running", async () => await _ecs.CountTasks(cluster, EcsDriver.Running) == 6, TimeSpan.FromMinutes(3));

        var stop = await Chaos.StopTasks(ChaosTarget.AllOf(cluster) with { Service = "web", Selection = ChaosSelection.Percent(50) }, "");
        Assert.Equal(3, stop.Targets.Length);
        var stopped = await _ecs.Cluster(cluster).GetTasks(stop.Targets);
        Assert.All(stopped, t => Assert.Equal("UserInitiated", t.StopCode));

        var kill = await Chaos.TerminateInstances(ChaosTarget.AllOf(cluster) with { AutoScalingGroup = asg, Selection = ChaosSelection.Count(1) });
        var gone = Assert.Single(kill.Targets);
        Assert.Equal(LifecycleState.Terminated, (await Asg(asg).Describe())!.Instances.FirstOrDefault(i => i.InstanceId == gone)?.State ?? LifecycleState.Terminated);
        await _ecs.WaitUntil("6 running on 2 instances again", async () =>
        {
            var s = await _ecs.Status(cluster);
            return s.Tasks.Count(t => t.LastStatus == TaskStatus.RUNNING) == 6 && s.Instances.Count(i => i.Status == ContainerInstanceStatus.ACTIVE) == 2;
        }, TimeSpan.FromMinutes(5));
        Assert.Contains(await Asg(asg).GetActivities(20), a => a.Description == $"Terminating EC2 instance: {gone}");
    }

    [Fact]
    public async Task FailTaskLaunches_makes_new_tasks_fail_to_start_for_the_duration()
    {
        var cluster = await _ecs.CreateCluster("fail");
        await _ecs.Control.PutClusterCapacityProviders(cluster, ["FARGATE"], []);
        var td = await _ecs.RegisterTaskDefinition(mode: NetworkMode.awsvpc, fargate: true);
        await _ecs.CreateService(cluster, "web", td, 2, strategy: [new("FARGATE", 1, 0)]);
        await _ecs.WaitUntil("2 running", async () => await _ecs.CountTasks(cluster, EcsDriver.Running) == 2, TimeSpan.FromMinutes(3));

        await Chaos.FailTaskLaunches(cluster, "web", 1.0, TimeSpan.FromMinutes(5));
        await Chaos.StopTasks(ChaosTarget.AllOf(cluster) with { Service = "web" }, "chaos");
        await _ecs.WaitUntil("a replacement failed to start", async () =>
            (await _ecs.Cluster(cluster).ListTasks(TaskFilter.All)).Any(t => t.StopCode == "TaskFailedToStart" && t.StoppedReason!.Contains("chaos", StringComparison.Ordinal)),
            TimeSpan.FromMinutes(3));
        await _ecs.WaitUntil("running again after the fault ended", async () => await _ecs.CountTasks(cluster, EcsDriver.Running) == 2, TimeSpan.FromMinutes(30));
    }

    // ------------------------------------------------------------------ validation: bad input changes nothing

    [Fact]
    public async Task Every_chaos_action_validates_its_input_and_injects_nothing_when_invalid()
    {
        var cluster = await _ecs.CreateCluster("invalid");
        var (asg, provider) = await _ecs.CreateAsgProvider(cluster, "m5.large", min: 0, max: 4, desired: 1, managedScaling: false, managedTerminationProtection: false);
        await _ecs.Control.PutClusterCapacityProviders(cluster, [provider], []);
        await _ecs.WaitUntil("1 instance", async () => (await _ecs.Status(cluster)).Instances.Length == 1, TimeSpan.FromMinutes(3));
        var before = (await Chaos.GetInjections(0)).Length;
        var all = ChaosTarget.AllOf(cluster);

        await Expect(ErrorCodes.ClusterNotFound, () => Chaos.InterruptSpotInstances(ChaosTarget.AllOf("no-such-cluster"), null, false, null));
        await Expect(ErrorCodes.ClusterNotFound, () => Chaos.DrainInstances(ChaosTarget.AllOf("no-such-cluster"), null));
        await Expect(ErrorCodes.ClusterNotFound, () => Chaos.FailTaskLaunches("no-such-cluster", null, 0.5, TimeSpan.FromMinutes(1)));
        await Expect(ErrorCodes.InvalidParameter, () => Chaos.InterruptSpotInstances(all with { Selection = ChaosSelection.Percent(0) }, null, false, null));
        await Expect(ErrorCodes.InvalidParameter, () => Chaos.InterruptSpotInstances(all, TimeSpan.Zero, false, null));
        await Expect(ErrorCodes.InvalidParameter, () => Chaos.InterruptSpotInstances(all, null, true, TimeSpan.FromSeconds(-1)));
        await Expect(ErrorCodes.InvalidParameter, () => Chaos.InterruptFargateSpotTasks(all with { Selection = ChaosSelection.Count(0) }));
        await Expect(ErrorCodes.InvalidParameter, () => Chaos.TerminateInstances(all with { Selection = new ChaosSelection(SelectionMode.COUNT, 1.5) }));
        await Expect(ErrorCodes.InvalidParameter, () => Chaos.DrainInstances(all with { Selection = ChaosSelection.Percent(101) }, null));
        await Expect(ErrorCodes.InvalidParameter, () => Chaos.DrainInstances(all, TimeSpan.FromSeconds(-5)));
        await Expect(ErrorCodes.InvalidParameter, () => Chaos.StopTasks(all with { Selection = ChaosSelection.Percent(-1) }, "x"));
        await Expect(ErrorCodes.InvalidParameter, () => Chaos.ExhaustSpotPools("x9.huge", null, TimeSpan.FromMinutes(1)));
        await Expect(ErrorCodes.InvalidParameter, () => Chaos.ExhaustSpotPools(null, "mars-1a", TimeSpan.FromMinutes(1)));
        await Expect(ErrorCodes.InvalidParameter, () => Chaos.ExhaustSpotPools(null, null, TimeSpan.Zero));
        await Expect(ErrorCodes.InvalidParameter, () => Chaos.InsufficientInstanceCapacity(ChaosTarget.Groups("no-such-asg") with { Ids = [], Tags = ImmutableDictionary<string, string>.Empty.Add("no", "match") }, [], TimeSpan.FromMinutes(1)));
        await Expect(ErrorCodes.InvalidParameter, () => Chaos.InsufficientInstanceCapacity(ChaosTarget.Groups("no-such-asg"), [], TimeSpan.FromMinutes(1)));
        await Expect(ErrorCodes.InvalidParameter, () => Chaos.InsufficientInstanceCapacity(ChaosTarget.Groups(asg), ["mars-1a"], TimeSpan.FromMinutes(1)));
        await Expect(ErrorCodes.InvalidParameter, () => Chaos.InsufficientInstanceCapacity(ChaosTarget.Groups(asg), [], TimeSpan.FromHours(13)));
        await Expect(ErrorCodes.InvalidParameter, () => Chaos.FailTaskLaunches(cluster, null, 0, TimeSpan.FromMinutes(1)));
        await Expect(ErrorCodes.InvalidParameter, () => Chaos.FailTaskLaunches(cluster, null, 1.5, TimeSpan.FromMinutes(1)));
        await Expect(ErrorCodes.InvalidParameter, () => Chaos.FailTaskLaunches(cluster, null, 0.5, TimeSpan.Zero));
        await Expect(ErrorCodes.ServiceNotFound, () => Chaos.FailTaskLaunches(cluster, "no-such-service", 0.5, TimeSpan.FromMinutes(1)));
        await Expect(ErrorCodes.InvalidParameter, () => Chaos.ZoneOutage("mars-1a", null));
        await Expect(ErrorCodes.InvalidParameter, () => Chaos.ZoneOutage("us-east-1a", TimeSpan.Zero));
        await Expect(ErrorCodes.InvalidParameter, () => Chaos.RestoreZone("mars-1a"));

        Assert.Equal(before, (await Chaos.GetInjections(0)).Length);
        var status = await _ecs.Status(cluster);
        Assert.All(status.Instances, i => Assert.Equal(ContainerInstanceStatus.ACTIVE, i.Status));
        var market = await _ecs.Grains.GetGrain<ISpotMarketGrain>(ISpotMarketGrain.Key).Describe();
        Assert.False(market.InsufficientCapacity.ContainsKey(asg));
        Assert.Empty(market.ZoneOutages);

        // A valid target that resolves to nothing is an injection with no targets (On-Demand instances are never Spot-interrupted).
        var none = await Chaos.InterruptSpotInstances(all, null, false, null);
        Assert.Empty(none.Targets);
    }

    // ------------------------------------------------------------------ helpers

    private static async Task Expect(string code, Func<Task> action)
    {
        var e = await Assert.ThrowsAsync<EcsException>(action);
        Assert.Equal(code, e.Code);
    }

    private static ChaosTarget Target(string cluster, ImmutableArray<string> ids) => ChaosTarget.AllOf(cluster) with { Ids = ids };

    private IAutoScalingGroupGrain Asg(string name) => _ecs.Grains.GetGrain<IAutoScalingGroupGrain>(name);

    private async Task<ServiceInfo> Service(string cluster) =>
        (await _ecs.Status(cluster)).Services.Single(s => s.Spec.Name == "web");

    /// <summary>A cluster with an all-Spot m5.large group (3 AZs) behind a provider without managed scaling.</summary>
    private async Task<(string Cluster, string Asg, string Provider)> SpotCluster(string prefix, int desired, bool spotDraining, bool capacityRebalance = false,
        string instanceType = "m5.large")
    {
        var cluster = await _ecs.CreateCluster(prefix);
        var asg = EmulatorClusterFixture.Unique("spot-asg");
        var provider = EmulatorClusterFixture.Unique("spot-cp");
        await _ecs.Control.CreateAutoScalingGroup(new AsgSpec(asg, 0, desired * 2, desired, [], [instanceType],
            new MixedInstancesSpec(0, 0, "capacity-optimized"), cluster, spotDraining, false, capacityRebalance, "1",
            ImmutableDictionary<string, string>.Empty.Add("team", "chaos"), null, null));
        await _ecs.Control.CreateCapacityProvider(new CapacityProviderSpec(provider, asg,
            ManagedScalingSpec.Default with { Status = ManagedScalingStatus.DISABLED }, false, true, ImmutableDictionary<string, string>.Empty));
        await _ecs.Control.PutClusterCapacityProviders(cluster, [provider], []);
        await _ecs.WaitUntil($"{desired} Spot instances registered", async () =>
            (await _ecs.Status(cluster)).Instances.Count(i => i.IsSpot && i.Status == ContainerInstanceStatus.ACTIVE) == desired, TimeSpan.FromMinutes(3));
        return (cluster, asg, provider);
    }

    private async Task RunService(string cluster, string provider, int desired, int minHealthy, int maxPercent)
    {
        var td = await _ecs.RegisterTaskDefinition();
        await _ecs.CreateService(cluster, "web", td, desired, strategy: [new(provider, 1, 0)], minHealthy: minHealthy, maxPercent: maxPercent);
        await _ecs.WaitUntil($"{desired} running and steady", async () =>
            await _ecs.CountTasks(cluster, EcsDriver.Running) == desired && (await Service(cluster)).SteadyState, TimeSpan.FromMinutes(5));
    }

    private async Task<ContainerInstanceRecord> InstanceWithTasks(string cluster) =>
        (await _ecs.Cluster(cluster).GetInstances())
        .Where(i => i.Status == ContainerInstanceStatus.ACTIVE && i.RunningTasksCount > 0)
        .OrderBy(i => i.Ec2InstanceId, StringComparer.Ordinal)
        .First();

    /// <summary>Waits until the victim is gone and the group has its desired number of instances registered again; returns when it terminated.</summary>
    private async Task<DateTimeOffset> WaitForTerminationAndReplacement(string cluster, string asg, string victim, int desired)
    {
        DateTimeOffset? terminatedAt = null;
        await _ecs.WaitUntil("victim terminated and replaced", async () =>
        {
            var info = (await Asg(asg).Describe())!;
            var activity = (await Asg(asg).GetActivities(100)).FirstOrDefault(a => a.Description == $"Terminating EC2 instance: {victim}" && a.EndTime is not null);
            terminatedAt = activity?.EndTime;
            var instances = await _ecs.Cluster(cluster).GetInstances();
            return activity is not null && info.Instances.All(i => i.InstanceId != victim)
                   && instances.Count(i => i.Status == ContainerInstanceStatus.ACTIVE) == desired;
        }, TimeSpan.FromMinutes(6));
        return terminatedAt!.Value;
    }
}
