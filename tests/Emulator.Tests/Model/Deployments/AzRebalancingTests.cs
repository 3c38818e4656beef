using Emulator.Contracts;
using Emulator.Model.Deployments;
using TaskStatus = Emulator.Contracts.TaskStatus;

namespace Emulator.Tests.Model.Deployments;

/// <summary>B-AZ-1: rebalancing moves: start in the emptiest zones within maximumPercent, stop in the fullest within minimumHealthyPercent.</summary>
public sealed class AzRebalancingTests
{
    private static readonly string[] Zones = ["us-east-1a", "us-east-1b", "us-east-1c"];

    private static List<ServiceTaskView> Tasks(params (string Zone, int Count)[] perZone)
    {
        var list = new List<ServiceTaskView>();
        var i = 0;
        foreach (var (zone, count) in perZone)
        {
            for (var k = 0; k < count; k++, i++)
            {
                list.Add(new ServiceTaskView($"t{i:00}", "ecs-svc/1", null, TaskStatus.RUNNING, DesiredStatus.RUNNING, true, false, "ci", null, null, null,
                    DateTimeOffset.UnixEpoch.AddMinutes(i), DateTimeOffset.UnixEpoch.AddMinutes(i + 1), null, null, zone));
            }
        }

        return list;
    }

    [Fact]
    public void B_AZ_1_balanced_means_at_most_one_task_of_difference()
    {
        Assert.True(AzRebalancing.Plan(Zones, Tasks(("us-east-1a", 2), ("us-east-1b", 2), ("us-east-1c", 1)), 5, 10, 5).Balanced);
        var step = AzRebalancing.Plan(Zones, Tasks(("us-east-1a", 0), ("us-east-1b", 3), ("us-east-1c", 3)), 6, 12, 6);
        Assert.False(step.Balanced);
        Assert.Equal("0 tasks in us-east-1a, 3 tasks in us-east-1b and 3 tasks in us-east-1c", AzRebalancing.Describe(step.Counts));
    }

    [Fact]
    public void B_AZ_1_rebalancing_tasks_are_done_when_placed_or_gone_and_stuck_after_the_queue_grace()
    {
        var t0 = new DateTimeOffset(2026, 12, 6, 10, 0, 0, TimeSpan.Zero);
        var launched = new Dictionary<string, DateTimeOffset> { ["placed"] = t0, ["old"] = t0, ["new"] = t0.AddMinutes(8) };
        var waiting = new HashSet<string> { "old", "new" };
        var (done, stuck) = AzRebalancing.QueuedLaunches(launched, waiting, t0.AddMinutes(10), TimeSpan.FromMinutes(10));
        Assert.Equal("placed", Assert.Single(done));
        Assert.Equal("old", Assert.Single(stuck)); // waited the whole grace; "new" only 2 minutes

        Assert.Empty(AzRebalancing.QueuedLaunches(launched, waiting, t0.AddMinutes(9), TimeSpan.FromMinutes(10)).Stuck);
    }

    [Fact]
    public void B_AZ_1_a_service_whose_tasks_still_wait_for_capacity_is_not_rebalanced()
    {
        // 20 tasks PROVISIONING with no instance (and so no zone) yet: nothing moves until they are placed.
        var waiting = Tasks(("us-east-1a", 20)).Select(t => t with { LastStatus = TaskStatus.PROVISIONING, Healthy = false, ContainerInstanceId = null, AvailabilityZone = null }).ToList();
        var step = AzRebalancing.Plan(Zones, waiting, 20, 40, 20);
        Assert.Empty(step.Launch);
        Assert.Empty(step.Stop);
        Assert.True(step.Waiting);

        // One placed task and the rest waiting: still nothing.
        waiting[0] = Tasks(("us-east-1b", 1))[0] with { TaskId = waiting[0].TaskId };
        Assert.Empty(AzRebalancing.Plan(Zones, waiting, 20, 40, 20).Launch);
    }

    [Fact]
    public void B_AZ_1_starts_tasks_in_the_emptiest_zone_first()
    {
        // 0/3/3 at desired 6, maximumPercent 200: two moves needed, both start in us-east-1a.
        var step = AzRebalancing.Plan(Zones, Tasks(("us-east-1b", 3), ("us-east-1c", 3)), 6, 12, 6);
        Assert.Equal([("us-east-1a", 2)], step.Launch.ToArray());
        Assert.Empty(step.Stop);
    }

    [Fact]
    public void B_AZ_1_max_percent_limits_the_tasks_started()
    {
        // maximumPercent 150 at desired 4: one extra task at a time.
        var step = AzRebalancing.Plan(Zones, Tasks(("us-east-1b", 4)), 4, 6, 4);
        Assert.Equal(2, step.Launch.Sum(l => l.Count));
        var tight = AzRebalancing.Plan(Zones, Tasks(("us-east-1b", 4)), 4, 5, 4);
        Assert.Equal(1, tight.Launch.Sum(l => l.Count));
    }

    [Fact]
    public void B_AZ_1_waits_for_started_tasks_to_be_healthy_then_stops_in_the_fullest_zones()
    {
        var tasks = Tasks(("us-east-1b", 3), ("us-east-1c", 3), ("us-east-1a", 2));
        tasks[^1] = tasks[^1] with { Healthy = false };
        var waiting = AzRebalancing.Plan(Zones, tasks, 6, 12, 6);
        Assert.True(waiting.Waiting);
        Assert.Empty(waiting.Stop);

        tasks[^1] = tasks[^1] with { Healthy = true };
        var step = AzRebalancing.Plan(Zones, tasks, 6, 12, 6);
        Assert.Equal(2, step.Stop.Length);
        Assert.Equal(["us-east-1b", "us-east-1c"], step.Stop.Select(s => s.Zone).Order());
        Assert.True(step.Balanced); // 2/2/2 once they are gone
    }

    [Fact]
    public void B_AZ_1_with_max_100_stops_first_when_min_healthy_allows()
    {
        // maximumPercent 100, minimumHealthyPercent 50: stop one in the fullest zone; the spread replacement lands in the emptiest.
        var step = AzRebalancing.Plan(Zones, Tasks(("us-east-1b", 3), ("us-east-1c", 1)), 4, 4, 2);
        Assert.Empty(step.Launch);
        Assert.Equal("us-east-1b", Assert.Single(step.Stop).Zone);

        // minimumHealthyPercent 100 leaves no move.
        var stuck = AzRebalancing.Plan(Zones, Tasks(("us-east-1b", 3), ("us-east-1c", 1)), 4, 4, 4);
        Assert.Empty(stuck.Launch);
        Assert.Empty(stuck.Stop);
        Assert.True(stuck.Waiting);
    }

    [Fact]
    public void B_AZ_1_only_usable_zones_count()
    {
        // us-east-1a is out: 3/3 over b and c is balanced.
        Assert.True(AzRebalancing.Plan(["us-east-1b", "us-east-1c"], Tasks(("us-east-1b", 3), ("us-east-1c", 3)), 6, 12, 6).Balanced);
        Assert.True(AzRebalancing.Plan(["us-east-1b"], Tasks(("us-east-1b", 6)), 6, 12, 6).Balanced);
    }

    [Fact]
    public void B_AZ_1_waits_while_the_service_is_below_desired()
    {
        var step = AzRebalancing.Plan(Zones, Tasks(("us-east-1b", 3), ("us-east-1c", 2)), 6, 12, 6);
        Assert.True(step.Waiting);
        Assert.Empty(step.Launch);
    }
}
