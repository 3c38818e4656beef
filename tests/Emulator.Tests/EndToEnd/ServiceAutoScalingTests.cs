using System.Collections.Immutable;
using Emulator.Contracts;

namespace Emulator.Tests.EndToEnd;

/// <summary>
/// The seed talk's chain on virtual time (ECS-BEHAVIOR §14 with §9): traffic -> CPU -> the target tracking alarm ->
/// desired count -> PROVISIONING -> CapacityProviderReservation -> the Auto Scaling group, and back; every transition is
/// asserted, with its emulated timing, not just the end state.
/// </summary>
[Collection(EmulatorCollection.Name)]
public sealed class ServiceAutoScalingTests(EmulatorClusterFixture fixture) : IAsyncLifetime
{
    private readonly EcsDriver _d = new(fixture);

    public Task InitializeAsync() => _d.InitializeAsync();

    public Task DisposeAsync() => _d.DisposeAsync();

    private static ICloudWatchAlarmsGrain Alarms(IGrainFactory g) => g.GetGrain<ICloudWatchAlarmsGrain>(0);

    private async Task Until(string what, Func<Task<bool>> condition, TimeSpan timeout, int stepSeconds = 5)
    {
        var held = await EmulatorClusterFixture.Time.WaitUntil(async () =>
        {
            await _d.CheckInvariants();
            return await condition();
        }, timeout, TimeSpan.FromSeconds(stepSeconds));
        if (!held)
        {
            var alarms = await Alarms(fixture.Grains).Describe(new AlarmQuery([], "TargetTracking-", null, null));
            Assert.Fail($"timed out waiting for {what} at {await _d.Control.Now():O}:{Environment.NewLine}"
                + string.Join(Environment.NewLine, alarms.Select(a => $"{a.Spec.Name}: {a.State} {a.LatestValue} {a.StateReason}")));
        }
    }

    [Fact]
    public async Task B_AS_6_talk_chain_traffic_alarm_desired_count_provisioning_cas_and_back()
    {
        var g = fixture.Grains;
        var cluster = await _d.CreateCluster("talk");
        var (asg, provider) = await _d.CreateAsgProvider(cluster, "t3.medium", 0, 10, 1);
        await _d.Control.PutClusterCapacityProviders(cluster, [provider], [new CapacityProviderStrategyItem(provider, 1, 0)]);
        await Until("one instance", async () => (await _d.Status(cluster)).Instances.Length == 1, TimeSpan.FromMinutes(5));
        var tgName = EmulatorClusterFixture.Unique("talk-tg");
        var tg = await g.GetGrain<ITargetGroupGrain>(tgName).Create(TargetGroupSpec.Default(tgName) with
        {
            HealthyThresholdCount = 2, HealthCheckIntervalSeconds = 15, DeregistrationDelaySeconds = 30,
        });
        var td = await _d.RegisterTaskDefinition(512, 1024, ports: [new PortMapping(80, 0, "tcp")]);
        await _d.Control.CreateService(new CreateServiceRequest(cluster, "web", td.Arn, 2, null, [], [new Contracts.PlacementStrategy(PlacementStrategyType.binpack, "memory")], [],
            SchedulingStrategy.REPLICA, null, null, ImmutableDictionary<string, string>.Empty, null, LoadBalancers: [new ServiceLoadBalancer(tg.Arn, "app", 80)]));
        var service = g.GetGrain<IServiceGrain>(GrainKeys.Service(cluster, "web"));
        await Until("the service steady", async () => (await service.Describe())!.SteadyState, TimeSpan.FromMinutes(10));

        var resourceId = AppAutoScaling.ResourceId(cluster, "web");
        var target = g.GetGrain<IScalableTargetGrain>(GrainKeys.ScalableTarget("ecs", resourceId, AppAutoScaling.EcsDesiredCount));
        await target.Register(new ScalableTargetSpec("ecs", resourceId, AppAutoScaling.EcsDesiredCount, 2, 12, null, null, null));
        var policy = await target.PutPolicy(new ScalingPolicySpec("cpu50", "TargetTrackingScaling",
            new TargetTrackingSpec(50, "ECSServiceAverageCPUUtilization", null, null, null, null, null), null));
        var (high, low) = (policy.Alarms[0].AlarmName, policy.Alarms[1].AlarmName);
        Assert.Contains("-AlarmHigh-", high, StringComparison.Ordinal);
        Assert.Contains("-AlarmLow-", low, StringComparison.Ordinal);

        // 60 requests/s over 2 tasks (30 % CPU); 300 from +5 min; 30 from +30 min.
        var trafficStart = await _d.Control.Now();
        await g.GetGrain<ITrafficGrain>(cluster).SetServiceTraffic("web", new TrafficProfile(
            [new TrafficStep(TimeSpan.Zero, 60), new TrafficStep(TimeSpan.FromMinutes(5), 300), new TrafficStep(TimeSpan.FromMinutes(30), 30)],
            TimeSpan.FromMilliseconds(200), 100));
        async Task<AlarmInfo> Alarm(string name) => (await Alarms(g).Describe(AlarmQuery.Named(name))).Single();
        await Until("the high alarm OK", async () => (await Alarm(high)).State == AlarmStateValue.OK, TimeSpan.FromMinutes(4));
        Assert.Equal(2, (await service.Describe())!.Spec.DesiredCount);

        // Up: CPU 100 % (capped) for 3 datapoints -> ALARM -> desired ceil(2 x 100 / 50) = 4 (B-AS-2).
        await Until("the high alarm in ALARM", async () => (await Alarm(high)).State == AlarmStateValue.ALARM, TimeSpan.FromMinutes(12));
        var alarmedAt = (await Alarm(high)).StateTransitionedAt;
        Assert.InRange(alarmedAt - trafficStart, TimeSpan.FromMinutes(7), TimeSpan.FromMinutes(10)); // 3 one-minute datapoints above from +5 min
        Assert.StartsWith("Threshold Crossed: 3 out of the last 3 datapoints", (await Alarm(high)).StateReason, StringComparison.Ordinal);
        await Until("desired count 4", async () => (await service.Describe())!.Spec.DesiredCount == 4, TimeSpan.FromMinutes(1), 1);
        var first = (await target.Activities(false)).First();
        Assert.Equal("Setting desired count to 4.", first.Description);
        Assert.Equal($"monitor alarm {high} in state ALARM triggered policy cpu50", first.Cause);
        Assert.Equal("Successfully set desired count to 4. Change successfully fulfilled by ecs.", first.StatusMessage);

        // The new tasks: one fits the instance (3 per t3.medium), one waits in PROVISIONING; CPR 200 -> a second instance.
        await Until("a task in PROVISIONING", async () => (await _d.Cluster(cluster).Describe())!.ProvisioningTasksCount >= 1, TimeSpan.FromMinutes(1), 1);
        await Until("CPR above 100", async () => (await _d.CprHistory(cluster, provider)).Any(c => c > 100), TimeSpan.FromMinutes(3), 1);
        await Until("two instances in service", async () => (await g.GetGrain<IAutoScalingGroupGrain>(asg).Describe())!.InService == 2, TimeSpan.FromMinutes(5));

        // After the 300 s scale-out cooldown, 300 requests/s over 4 tasks is 75 %: ceil(4 x 75 / 50) = 6; then 50 %, steady.
        await Until("desired count 6", async () => (await service.Describe())!.Spec.DesiredCount == 6, TimeSpan.FromMinutes(10));
        var second = (await target.Activities(false)).First();
        Assert.True(second.StartTime - first.StartTime >= TimeSpan.FromSeconds(300), $"second scale-out {second.StartTime:O} within the cooldown of {first.StartTime:O}");
        await Until("6 tasks running", async () => (await service.Describe())!.RunningCount == 6, TimeSpan.FromMinutes(5));
        await Until("the high alarm back to OK", async () => (await Alarm(high)).State == AlarmStateValue.OK, TimeSpan.FromMinutes(6));
        await Until("CPR 100", async () => (await _d.Provider(provider)).Cas is { Cpr: 100, N: 2 }, TimeSpan.FromMinutes(3));

        // Down at +30 min: 5 % CPU; the low alarm needs 15 datapoints below 45 % -> desired ceil(6 x 5 / 50) = 1 -> the minimum 2.
        await Until("the low alarm in ALARM", async () => (await Alarm(low)).State == AlarmStateValue.ALARM, TimeSpan.FromMinutes(40), 10);
        Assert.True((await Alarm(low)).StateTransitionedAt - trafficStart >= TimeSpan.FromMinutes(44), "the low alarm needs 15 datapoints after the drop");
        await Until("desired count 2", async () => (await service.Describe())!.Spec.DesiredCount == 2, TimeSpan.FromMinutes(1), 1);
        Assert.Contains(low, (await target.Activities(false)).First().Cause, StringComparison.Ordinal);
        await Until("2 tasks running", async () => (await service.Describe())!.RunningCount == 2 && (await _d.CountTasks(cluster, t => t.LastStatus != Contracts.TaskStatus.STOPPED)) == 2, TimeSpan.FromMinutes(5));

        // CAS: M 1 of N 2 -> CPR 50 -> after its own 15 datapoints the empty instance goes; no task died with its host.
        await Until("CPR below 100", async () => (await _d.Provider(provider)).Cas is { Cpr: < 100 }, TimeSpan.FromMinutes(3));
        await Until("one instance in service", async () => (await g.GetGrain<IAutoScalingGroupGrain>(asg).Describe())!.InService == 1, TimeSpan.FromMinutes(30), 10);
        Assert.Equal(0, await _d.CountTasks(cluster, t => t.StoppedReason?.StartsWith("Host EC2", StringComparison.Ordinal) == true));

        // The event stream has the alarm transitions (aws.cloudwatch) and the service's desired count updates.
        var alarmEvents = await _d.Events(cluster, EventTypes.AlarmStateChange);
        Assert.Contains(alarmEvents, e => e.Source == EventTypes.SourceCloudWatch && e.Detail["alarmName"] == high && e.Detail["state.value"] == "ALARM");
        Assert.Contains(alarmEvents, e => e.Detail["alarmName"] == low && e.Detail["state.value"] == "ALARM");
        var actions = await _d.Events(cluster, EventTypes.ServiceAction);
        Assert.Equal(3, actions.Count(e => e.Detail.GetValueOrDefault("eventName") == "SERVICE_DESIRED_COUNT_UPDATED"));

        // B-DP-3's question: which alarms entered ALARM since T.
        var entered = await Alarms(g).EnteredAlarmSince([high, low], trafficStart);
        Assert.True(entered.Select(t => t.AlarmName).SequenceEqual([high, low]),
            string.Join(Environment.NewLine, entered.Select(t => $"{t.At:HH:mm:ss} {t.AlarmName} {t.From}->{t.To}: {t.Reason}"))
            + Environment.NewLine + string.Join(Environment.NewLine, (await target.Activities(true)).Select(a => $"{a.StartTime:HH:mm:ss} {a.Description} {a.StatusCode} {a.Cause}"))
            + Environment.NewLine + $"traffic from {trafficStart:HH:mm:ss}");
        Assert.Empty(await Alarms(g).EnteredAlarmSince([high], alarmedAt + TimeSpan.FromSeconds(1)));

        // Traffic failed while under-scaled (overloaded tasks shed the excess as target 5xx), and not once scaled.
        var figures = (await g.GetGrain<ITrafficGrain>(cluster).GetFigures()).Single(f => f.Service == "web");
        Assert.True(figures.Failed5xxOverloaded > 0, "an under-scaled service fails requests");
        Assert.Equal(0, figures.Failed503NoHealthyTarget + figures.Failed502TargetDied);
    }

    [Fact]
    public async Task B_AS_4_scheduled_action_moves_capacity_inside_new_bounds_at_its_time()
    {
        var g = fixture.Grains;
        var cluster = await _d.CreateCluster("sched");
        var td = await _d.RegisterTaskDefinition(fargate: true, mode: NetworkMode.awsvpc);
        await _d.CreateService(cluster, "web", td, 1, launchType: LaunchType.FARGATE);
        var resourceId = AppAutoScaling.ResourceId(cluster, "web");
        var target = g.GetGrain<IScalableTargetGrain>(GrainKeys.ScalableTarget("ecs", resourceId, AppAutoScaling.EcsDesiredCount));
        await target.Register(new ScalableTargetSpec("ecs", resourceId, AppAutoScaling.EcsDesiredCount, 1, 5, null, null, null));
        var now = await _d.Control.Now();
        var at = now + TimeSpan.FromMinutes(10);
        var action = await target.PutScheduledAction(new ScheduledActionSpec("morning", $"at({at.UtcDateTime:yyyy-MM-dd'T'HH:mm:ss})", null, null, null, 3, 8));
        Assert.Equal(new DateTimeOffset(at.UtcDateTime.Ticks - at.UtcDateTime.Ticks % TimeSpan.TicksPerSecond, TimeSpan.Zero), action.NextRunAt);
        var service = g.GetGrain<IServiceGrain>(GrainKeys.Service(cluster, "web"));

        await _d.Advance(TimeSpan.FromMinutes(9));
        Assert.Equal(1, (await service.Describe())!.Spec.DesiredCount);
        await _d.Advance(TimeSpan.FromMinutes(2));
        Assert.Equal(3, (await service.Describe())!.Spec.DesiredCount);
        var described = (await target.Describe())!;
        Assert.Equal((3, 8), (described.MinCapacity, described.MaxCapacity));
        var activity = (await target.Activities(false)).First();
        Assert.Equal(("Setting desired count to 3.", "scheduled action name morning was triggered"), (activity.Description, activity.Cause));
        Assert.Null((await target.ScheduledActions()).Single().NextRunAt); // at(...) runs once
    }

    [Fact]
    public async Task B_CW_1_set_alarm_state_history_and_entered_alarm_since()
    {
        var alarms = Alarms(fixture.Grains);
        var name = EmulatorClusterFixture.Unique("cw-alarm");
        await alarms.Put(new AlarmSpec(name, "test", true, [], [], [], "Emulator/Test", "Load", [], "Average", null, 60, null, 2, null, 10,
            "GreaterThanThreshold", null, null, [], null, ImmutableDictionary<string, string>.Empty, null));
        var before = await _d.Control.Now();
        await _d.Advance(TimeSpan.FromMinutes(3));
        var info = (await alarms.Describe(AlarmQuery.Named(name))).Single();
        Assert.Equal(AlarmStateValue.INSUFFICIENT_DATA, info.State); // no datapoint at all: missing -> INSUFFICIENT_DATA
        await alarms.SetState(name, AlarmStateValue.ALARM, "manual", null);
        var entered = await alarms.EnteredAlarmSince([name], before);
        Assert.Equal("manual", Assert.Single(entered).Reason);
        var history = await alarms.History(name, "StateUpdate", null, null);
        Assert.Equal("Alarm updated from INSUFFICIENT_DATA to ALARM", history[0].Summary);
        await Assert.ThrowsAsync<EcsException>(() => alarms.Delete([name, name + "-nope"]));
        Assert.Single(await alarms.Describe(AlarmQuery.Named(name))); // nothing deleted
        await alarms.Delete([name]);
        Assert.Empty(await alarms.Describe(AlarmQuery.Named(name)));
    }

    [Fact]
    public async Task B_CW_1_an_alarm_put_after_its_shard_lost_its_last_alarm_is_still_evaluated()
    {
        // Two names in one shard: the first is deleted, the shard's timer fires with nothing due, then the second is put.
        var alarms = Alarms(fixture.Grains);
        var first = EmulatorClusterFixture.Unique("cw-shard");
        var second = Enumerable.Range(0, 10_000).Select(i => $"{first}-{i}").First(n => AlarmShards.Of(n) == AlarmShards.Of(first));
        AlarmSpec Spec(string name) => new(name, "test", true, [], [], [], "Emulator/Test", "Load", [], "Average", null, 60, null, 1, null, 10,
            "GreaterThanThreshold", "notBreaching", null, [], null, ImmutableDictionary<string, string>.Empty, null);
        await alarms.Put(Spec(first));
        await alarms.Delete([first]);
        await _d.Advance(TimeSpan.FromMinutes(2));
        await alarms.Put(Spec(second));
        await _d.Advance(TimeSpan.FromMinutes(2));
        Assert.Equal(AlarmStateValue.OK, (await alarms.Describe(AlarmQuery.Named(second))).Single().State); // missing data not breaching: OK
        await alarms.Delete([second]);
    }
}
