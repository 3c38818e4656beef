using System.Collections.Immutable;
using Emulator.Contracts;
using Emulator.Grains;
using Emulator.Model.Deployments;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;
using Orleans.Storage;

namespace Emulator.Tests.Persistence;

/// <summary>
/// B-DP-6 in the durable mode: a service grain reactivated on another silo mid-shift must find its traffic shift where
/// it was (stage, step, weights applied, the user's answers to PAUSE hooks, the hooks' details, the group overrides).
/// </summary>
public sealed class ServiceStateShiftTests
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 6, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void B_DP_6_a_traffic_shift_in_progress_round_trips_through_the_storage_serializer()
    {
        var services = new ServiceCollection()
            .AddSerializer(b => b.AddAssembly(typeof(ServiceState).Assembly).AddAssembly(typeof(TaskRecord).Assembly))
            .BuildServiceProvider();
        var serializer = new OrleansGrainStorageSerializer(services.GetRequiredService<Serializer>());
        var hook = new LifecycleHookSettings("PAUSE", null, null, ["PRE_PRODUCTION_TRAFFIC_SHIFT"], 30, "CONTINUE", "{\"k\":1}");
        var run = new TrafficShiftRun("sd1", "ecs-svc/2", "ecs-svc/1", "LINEAR", new TrafficShiftSettings(20, 1, null, null, [hook]), 5,
            "arn:tg/blue", "arn:tg/green", "arn:rule/prod", "arn:rule/test", LifecycleStage.PRODUCTION_TRAFFIC_SHIFT, T0, 2, ShiftPhase.StepBake,
            T0.AddMinutes(2), 9, 60, true, 4, 4, BlueGreenResult.InProgress, null,
            ImmutableDictionary<int, HookAction>.Empty.Add(0, HookAction.CONTINUE),
            [new LifecycleHookDetail("sd1-9-0", "PAUSE", null, "SUCCEEDED", T0.AddMinutes(32), "CONTINUE", "PRE_PRODUCTION_TRAFFIC_SHIFT")],
            T0.AddMinutes(3), 60, true, "rev1");
        var state = new ServiceState
        {
            Exists = true,
            Shift = run,
            ActiveTargetGroupArn = "arn:tg/blue",
            GroupOverrides = ImmutableDictionary<string, string>.Empty.Add("ecs-svc/2", "arn:tg/green"),
        };

        var loaded = serializer.Deserialize<ServiceState>(serializer.Serialize(state))!;
        var back = loaded.Shift!;
        Assert.Equal(run with { Settings = null, Answers = ImmutableDictionary<int, HookAction>.Empty, Hooks = [] },
            back with { Settings = null, Answers = ImmutableDictionary<int, HookAction>.Empty, Hooks = [] });
        Assert.Equal(run.Progress, back.Progress);
        Assert.Equal(HookAction.CONTINUE, back.Answers[0]);
        Assert.Equal(run.Hooks[0], Assert.Single(back.Hooks));
        Assert.Equal(hook with { Stages = [] }, Assert.Single(back.Settings!.Hooks) with { Stages = [] });
        Assert.Equal<string>(["PRE_PRODUCTION_TRAFFIC_SHIFT"], back.Settings.Hooks[0].Stages);
        Assert.Equal("arn:tg/green", loaded.GroupOverrides["ecs-svc/2"]);
        Assert.Equal("arn:tg/blue", loaded.ActiveTargetGroupArn);
    }
}
