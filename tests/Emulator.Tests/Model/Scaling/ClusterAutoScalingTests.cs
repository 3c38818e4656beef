using System.Collections.Immutable;
using Emulator.Contracts;
using Emulator.Model.Catalog;
using Emulator.Model.Scaling;

namespace Emulator.Tests.Model.Scaling;

/// <summary>
/// CAS (B-CAS-1..6). The walk-through uses t3.small and a 256 CPU / 512 MiB task: 1996 MiB registered fits
/// exactly 3 such tasks (B-IT-3).
/// </summary>
public sealed class ClusterAutoScalingTests
{
    private static readonly InstanceCatalog Catalog = InstanceCatalog.Default;
    private static readonly DateTimeOffset Now = new(2026, 1, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset LongAgo = Now.AddHours(-2);
    private static readonly TaskRequirements Small = Needs(256, 512);

    private static TaskRequirements Needs(int cpu, int memory, NetworkMode mode = NetworkMode.bridge, int gpu = 0, params int[] ports) =>
        new(cpu, memory, [.. ports], gpu, mode);

    /// <summary>A registered InService instance running <paramref name="tasks"/> tasks of <paramref name="each"/>.</summary>
    private static CasInstance Running(string id, int tasks, string type = "t3.small", TaskRequirements? each = null, DateTimeOffset? launchedAt = null, params int[] usedPorts)
    {
        var used = each ?? Small;
        var remaining = Catalog.Registered(type);
        for (var i = 0; i < tasks; i++)
        {
            remaining -= used.Resources;
        }

        return new CasInstance(id, type, InService: true, Registered: true, remaining, [.. usedPorts], tasks, launchedAt ?? LongAgo);
    }

    private static CasInstance Registering(string id, string type = "t3.small") =>
        new(id, type, InService: true, Registered: false, ResourceSet.Zero, [], 0, LongAgo);

    private static CasInstance Pending(string id, string type = "t3.small", DateTimeOffset? launchedAt = null) =>
        new(id, type, InService: false, Registered: false, ResourceSet.Zero, [], 0, launchedAt ?? Now.AddSeconds(-10));

    private static AsgCapacity Asg(int desired, int min, int max, params CasInstance[] instances) =>
        new(desired, min, max, ["t3.small"], [.. instances]);

    private static ProvisioningTask[] Queue(int count, TaskRequirements? needs = null, bool distinct = false) =>
        [.. Enumerable.Range(0, count).Select(_ => new ProvisioningTask(needs ?? Small, distinct))];

    private static CasMetrics Metrics(AsgCapacity asg, IReadOnlyList<ProvisioningTask> queue, CasSettings? settings = null) =>
        ClusterAutoScaling.ComputeMetrics(asg, queue, settings ?? CasSettings.Default, Catalog);

    private static CasDecision Evaluate(AsgCapacity asg, IReadOnlyList<ProvisioningTask> queue, IEnumerable<double>? history = null, CasSettings? settings = null) =>
        ClusterAutoScaling.Evaluate(asg, queue, [.. history ?? []], settings ?? CasSettings.Default, Catalog, Now);

    // ---- the seed talk's walk-through (end of section 9) ----

    [Fact]
    public void B_CAS_walkthrough_3_instances_7_tasks_reserve_100()
    {
        var asg = Asg(3, 0, 10, Running("i-1", 3), Running("i-2", 3), Running("i-3", 1));
        var decision = Evaluate(asg, []);
        Assert.Equal(new CasMetrics(3, 3, 100), decision.Metrics);
        Assert.Null(decision.NewDesired);
        Assert.Equal(CasAlarm.None, decision.Alarm);
    }

    [Fact]
    public void B_CAS_walkthrough_10_tasks_one_provisioning_reserve_133_and_scale_to_4()
    {
        var asg = Asg(3, 0, 10, Running("i-1", 3), Running("i-2", 3), Running("i-3", 3));
        var decision = Evaluate(asg, Queue(1));
        Assert.Equal(4, decision.Metrics.M);
        Assert.Equal(3, decision.Metrics.N);
        Assert.Equal(133.3, decision.Metrics.Cpr, 1);
        Assert.Equal(CasAlarm.High, decision.Alarm);
        Assert.Equal(4, decision.NewDesired); // ceil(3 x 133.3 / 100) computed exactly: 4, not 5
        Assert.Equal("M=4 N=3 CPR=133.3 > target 100: desired 3 -> 4", decision.Explanation);
    }

    [Fact]
    public void B_CAS_walkthrough_scale_in_to_4_tasks_reserve_66_and_after_the_low_alarm_N_is_2()
    {
        var asg = Asg(3, 0, 10, Running("i-1", 1), Running("i-2", 3), Running("i-3", 0));
        var metrics = Metrics(asg, []);
        Assert.Equal(2, metrics.M);
        Assert.Equal(66.7, metrics.Cpr, 1);

        var history = ImmutableArray<double>.Empty;
        for (var minute = 1; minute < 15; minute++)
        {
            var waiting = ClusterAutoScaling.Evaluate(asg, [], history, CasSettings.Default, Catalog, Now);
            Assert.Null(waiting.NewDesired);
            Assert.Equal(CasAlarm.None, waiting.Alarm);
            history = waiting.Datapoints;
        }

        var fifteenth = ClusterAutoScaling.Evaluate(asg, [], history, CasSettings.Default, Catalog, Now);
        Assert.Equal(CasAlarm.Low, fifteenth.Alarm);
        Assert.Equal(2, fifteenth.NewDesired);
    }

    // ---- B-CAS-1 / B-CAS-2: N and M ----

    [Fact]
    public void B_CAS_1_N_counts_only_InService_instances()
    {
        var asg = Asg(4, 0, 10, Running("i-1", 1), Registering("i-2"), Pending("i-3"), Pending("i-4"));
        Assert.Equal(2, Metrics(asg, []).N);
    }

    [Fact]
    public void B_CAS_2_without_provisioning_tasks_M_counts_instances_running_a_non_daemon_task()
    {
        var asg = Asg(4, 0, 10, Running("i-1", 2), Running("i-2", 0), Running("i-3", 1), Registering("i-4"));
        Assert.Equal(new CasMetrics(2, 4, 50), Metrics(asg, []));
    }

    [Fact]
    public void B_CAS_2_provisioning_tasks_that_fit_free_capacity_do_not_raise_M()
    {
        var asg = Asg(3, 0, 10, Running("i-1", 3), Running("i-2", 3), Running("i-3", 1));
        Assert.Equal(new CasMetrics(3, 3, 100), Metrics(asg, Queue(2)));
        Assert.Equal(new CasMetrics(4, 3, 400.0 / 3), Metrics(asg, Queue(3)));
    }

    [Fact]
    public void B_CAS_2_an_InService_instance_still_registering_counts_as_empty_capacity()
    {
        var asg = Asg(4, 0, 10, Running("i-1", 3), Running("i-2", 3), Running("i-3", 3), Registering("i-4"));
        Assert.Equal(4, Metrics(asg, Queue(3)).M);
        Assert.Equal(5, Metrics(asg, Queue(4)).M);
    }

    [Fact]
    public void B_CAS_2_a_pending_instance_is_not_free_capacity_yet()
    {
        var asg = Asg(4, 0, 10, Running("i-1", 3), Running("i-2", 3), Running("i-3", 3), Pending("i-4"));
        Assert.Equal(new CasMetrics(4, 3, 400.0 / 3), Metrics(asg, Queue(1)));
    }

    [Fact]
    public void B_CAS_2_need_is_the_maximum_over_groups_of_identical_needs()
    {
        var asg = Asg(0, 0, 20);
        // 7 small tasks -> 3 per t3.small -> 3 instances; 2 tasks of 1024 MiB -> 1 per instance -> 2 instances.
        var queue = Queue(7).Concat(Queue(2, Needs(512, 1024))).ToList();
        Assert.Equal(3, Metrics(asg, queue).M);
    }

    [Theory]
    [InlineData(1, 10000, 1, 1)]
    [InlineData(3, 10000, 1, 3)]   // minimumScalingStepSize raises a small need
    [InlineData(1, 2, 12, 2)]      // maximumScalingStepSize caps a large need (12 tasks need 4)
    [InlineData(2, 5, 12, 4)]
    public void B_CAS_2_M_is_clamped_to_N_plus_the_scaling_step_sizes(int minStep, int maxStep, int tasks, int expectedNewInstances)
    {
        var asg = Asg(2, 0, 50, Running("i-1", 3), Running("i-2", 3));
        var settings = CasSettings.Default with { MinimumScalingStepSize = minStep, MaximumScalingStepSize = maxStep };
        Assert.Equal(2 + expectedNewInstances, Metrics(asg, Queue(tasks), settings).M);
    }

    [Fact]
    public void B_CAS_2_mixed_types_count_tasks_per_instance_on_the_largest_value_of_each_resource()
    {
        // t3.small: 2048 CPU / 1996 MiB; m5.large: 2048 CPU / 7987 MiB -> 8 small tasks per instance (CPU-bound).
        var asg = new AsgCapacity(0, 0, 20, ["t3.small", "m5.large"], []);
        Assert.Equal(3, Metrics(asg, Queue(20)).M);
    }

    [Fact]
    public void B_CAS_2_mixed_types_leave_out_tasks_that_do_not_fit_the_smallest_type()
    {
        var asg = new AsgCapacity(1, 0, 20, ["t3.small", "m5.large"], [Running("i-1", 1)]);
        var big = Needs(256, 4096); // fits m5.large but not t3.small
        Assert.Equal(new CasMetrics(1, 1, 100), Metrics(asg, Queue(5, big)));   // all left out: M not raised
        Assert.Equal(2, Metrics(asg, [.. Queue(5, big), .. Queue(8)]).M);       // only the small tasks count
    }

    [Fact]
    public void B_CAS_2_tasks_left_out_do_not_hold_off_scale_in()
    {
        var asg = Asg(3, 0, 10, Running("i-1", 1), Running("i-2", 0), Running("i-3", 0));
        Assert.Equal(1, Metrics(asg, Queue(2, Needs(4096, 512))).M); // 4 vCPUs fit no t3.small
    }

    [Fact]
    public void B_CAS_2_awsvpc_tasks_are_limited_by_ENIs_minus_one()
    {
        // m5.large: 3 ENIs -> 2 awsvpc tasks per instance although CPU and memory would allow 8.
        var asg = new AsgCapacity(0, 0, 20, ["m5.large"], []);
        Assert.Equal(3, Metrics(asg, Queue(5, Needs(256, 512, NetworkMode.awsvpc))).M);
    }

    [Fact]
    public void B_CAS_2_awsvpc_free_capacity_counts_remaining_ENIs()
    {
        var vpc = Needs(256, 512, NetworkMode.awsvpc);
        var asg = new AsgCapacity(1, 0, 20, ["m5.large"], [Running("i-1", 2, "m5.large", vpc)]);
        Assert.Equal(2, Metrics(asg, Queue(1, vpc)).M); // CPU and memory are free, ENIs are not
    }

    [Fact]
    public void B_CAS_2_a_static_host_port_allows_one_task_per_instance()
    {
        var asg = new AsgCapacity(0, 0, 20, ["m5.large"], []);
        Assert.Equal(4, Metrics(asg, Queue(4, Needs(256, 512, ports: 8080))).M);
    }

    [Fact]
    public void B_CAS_2_a_host_port_in_use_is_not_free_capacity()
    {
        var web = Needs(256, 512, ports: 8080);
        var asg = new AsgCapacity(1, 0, 20, ["m5.large"], [Running("i-1", 1, "m5.large", web, null, 8080)]);
        Assert.Equal(2, Metrics(asg, Queue(1, web)).M);
        Assert.Equal(1, Metrics(asg, Queue(1, Needs(256, 512, ports: 9090))).M);
    }

    [Fact]
    public void B_CAS_2_a_task_wanting_an_agent_reserved_port_is_left_out()
    {
        var asg = new AsgCapacity(0, 0, 20, ["m5.large"], []);
        Assert.Equal(new CasMetrics(0, 0, 100), Metrics(asg, Queue(1, Needs(256, 512, ports: 51678))));
    }

    [Fact]
    public void B_CAS_2_distinctInstance_allows_one_task_per_instance()
    {
        var asg = new AsgCapacity(0, 0, 20, ["m5.large"], []);
        Assert.Equal(3, Metrics(asg, Queue(3, distinct: true)).M);
        Assert.Equal(1, Metrics(asg, Queue(3, distinct: false)).M);
    }

    [Fact]
    public void B_CAS_2_distinctInstance_uses_free_capacity_only_on_empty_instances()
    {
        var asg = Asg(2, 0, 20, Running("i-1", 1), Running("i-2", 0));
        Assert.Equal(3, Metrics(asg, Queue(2, distinct: true)).M); // one on i-2, one on a new instance
    }

    [Fact]
    public void B_CAS_2_GPUs_bound_tasks_per_instance()
    {
        var asg = new AsgCapacity(0, 0, 20, ["g4dn.xlarge"], []);
        Assert.Equal(3, Metrics(asg, Queue(3, Needs(256, 512, gpu: 1))).M);
    }

    // ---- B-CAS-3: CPR ----

    [Theory]
    [InlineData(0, 0, 100)]
    [InlineData(1, 0, 200)]
    [InlineData(5, 0, 200)]
    [InlineData(3, 3, 100)]
    [InlineData(4, 3, 133.333)]
    [InlineData(2, 3, 66.667)]
    [InlineData(0, 4, 0)]
    public void B_CAS_3_capacity_provider_reservation(int m, int n, double expected) =>
        Assert.Equal(expected, ClusterAutoScaling.Cpr(m, n), 3);

    // ---- B-CAS-4: scale-out ----

    [Fact]
    public void B_CAS_4_scale_out_from_zero_launches_two()
    {
        var decision = Evaluate(Asg(0, 0, 10), Queue(1));
        Assert.Equal(new CasMetrics(1, 0, 200), decision.Metrics);
        Assert.Equal(2, decision.NewDesired);
        Assert.Equal(CasAlarm.High, decision.Alarm);
    }

    [Fact]
    public void B_CAS_4_scale_out_from_zero_with_a_lower_target_launches_more()
    {
        var settings = CasSettings.Default with { TargetCapacity = 50 };
        Assert.Equal(4, Evaluate(Asg(0, 0, 10), Queue(1), settings: settings).NewDesired); // ceil(200 / 50)
    }

    [Fact]
    public void B_CAS_4_a_target_below_100_keeps_spare_instances()
    {
        var settings = CasSettings.Default with { TargetCapacity = 75 };
        var asg = Asg(3, 0, 10, Running("i-1", 3), Running("i-2", 3), Running("i-3", 3));
        Assert.Equal(4, Evaluate(asg, [], settings: settings).NewDesired); // ceil(300 / 75)
    }

    [Fact]
    public void B_CAS_4_warmup_blocks_scale_out()
    {
        var asg = Asg(3, 0, 10, Running("i-1", 3), Running("i-2", 3), Running("i-3", 3, launchedAt: Now.AddSeconds(-299)));
        var decision = Evaluate(asg, Queue(1));
        Assert.Equal(CasAlarm.High, decision.Alarm);
        Assert.Null(decision.NewDesired);
        Assert.Contains("warming up", decision.Explanation, StringComparison.Ordinal);

        var warm = asg with { Instances = [.. asg.Instances.Select(i => i with { LaunchedAt = Now.AddSeconds(-300) })] };
        Assert.Equal(4, Evaluate(warm, Queue(1)).NewDesired);
    }

    [Fact]
    public void B_CAS_4_a_pending_launch_inside_warmup_blocks_scale_out()
    {
        var asg = Asg(4, 0, 10, Running("i-1", 3), Running("i-2", 3), Pending("i-3"));
        var decision = Evaluate(asg, Queue(7)); // M = 2 + 3 -> wants 5 > 4, but i-3 launched 10 s ago
        Assert.Equal(CasAlarm.High, decision.Alarm);
        Assert.Null(decision.NewDesired);
    }

    [Fact]
    public void B_CAS_4_scale_out_is_clamped_to_the_ASG_max()
    {
        var asg = Asg(2, 0, 3, Running("i-1", 3), Running("i-2", 3));
        Assert.Equal(3, Evaluate(asg, Queue(30)).NewDesired);

        var atMax = asg with { Desired = 3 };
        var decision = Evaluate(atMax, Queue(30));
        Assert.Equal(CasAlarm.High, decision.Alarm);
        Assert.Null(decision.NewDesired);
    }

    [Fact]
    public void B_CAS_4_scale_out_is_raised_to_the_ASG_min()
    {
        var asg = Asg(0, 5, 10);
        Assert.Equal(5, Evaluate(asg, Queue(1)).NewDesired);
    }

    [Fact]
    public void B_CAS_4_never_lowers_the_desired_capacity()
    {
        var asg = Asg(6, 0, 10, Running("i-1", 3), Running("i-2", 3), Running("i-3", 3));
        Assert.Null(Evaluate(asg, Queue(1)).NewDesired); // wants 4, desired already 6
    }

    [Theory]
    [InlineData(3, 4, 100, 4)]
    [InlineData(3, 5, 100, 5)]
    [InlineData(7, 8, 100, 8)]
    [InlineData(3, 4, 90, 5)]   // ceil(400 / 90)
    [InlineData(10, 11, 100, 11)]
    public void B_CAS_4_desired_is_computed_without_floating_point_error(int n, int m, int target, int expected)
    {
        // n full instances and m - n new ones needed; maximumScalingStepSize is irrelevant here.
        var instances = Enumerable.Range(0, n).Select(i => Running($"i-{i}", 3)).ToArray();
        var asg = Asg(n, 0, 100, instances);
        var settings = CasSettings.Default with { TargetCapacity = target };
        var decision = Evaluate(asg, Queue(3 * (m - n)), settings: settings);
        Assert.Equal(m, decision.Metrics.M);
        Assert.Equal(expected, decision.NewDesired);
    }

    // ---- B-CAS-5: scale-in ----

    [Theory]
    [InlineData(10, 0, 0, 5)]    // half of 10 go per minute
    [InlineData(10, 8, 0, 8)]    // ceil(8 x 100 / 100)
    [InlineData(3, 0, 0, 2)]     // at least one goes: 3 - max(1, 1)
    [InlineData(1, 0, 0, 0)]
    [InlineData(10, 0, 7, 7)]    // the ASG min holds
    [InlineData(9, 1, 0, 5)]     // 9 - floor(9 / 2)
    public void B_CAS_5_scale_in_capped_at_half(int n, int busy, int min, int expected)
    {
        var instances = Enumerable.Range(0, n).Select(i => Running($"i-{i}", i < busy ? 1 : 0)).ToArray();
        var asg = Asg(n, min, 20, instances);
        var decision = Evaluate(asg, [], Enumerable.Repeat(10.0, 14));
        Assert.Equal(CasAlarm.Low, decision.Alarm);
        Assert.Equal(expected == n ? null : expected, decision.NewDesired);
    }

    [Fact]
    public void B_CAS_5_scale_in_needs_15_low_datapoints()
    {
        var asg = Asg(3, 0, 10, Running("i-1", 1), Running("i-2", 0), Running("i-3", 0));
        var decision = Evaluate(asg, [], Enumerable.Repeat(33.3, 13));
        Assert.Equal(CasAlarm.None, decision.Alarm);
        Assert.Null(decision.NewDesired);
        Assert.Contains("14/15", decision.Explanation, StringComparison.Ordinal);
    }

    [Fact]
    public void B_CAS_5_a_high_datapoint_cancels_a_scale_in_in_progress()
    {
        var asg = Asg(3, 0, 10, Running("i-1", 1), Running("i-2", 0), Running("i-3", 0));
        var history = Enumerable.Repeat(33.3, 10).Append(133.3).Concat(Enumerable.Repeat(33.3, 4));
        var decision = Evaluate(asg, [], history);
        Assert.Equal(CasAlarm.None, decision.Alarm);
        Assert.Null(decision.NewDesired);
    }

    [Fact]
    public void B_CAS_5_a_datapoint_at_target_is_not_low()
    {
        var asg = Asg(3, 0, 10, Running("i-1", 1), Running("i-2", 1), Running("i-3", 1));
        var decision = Evaluate(asg, [], Enumerable.Repeat(50.0, 14));
        Assert.Equal(CasAlarm.None, decision.Alarm);
        Assert.Equal("M=3 N=3 CPR=100.0 at target 100: no change", decision.Explanation);
    }

    [Fact]
    public void B_CAS_5_the_history_keeps_the_last_15_datapoints()
    {
        var asg = Asg(3, 0, 10, Running("i-1", 1), Running("i-2", 1), Running("i-3", 1));
        var decision = Evaluate(asg, [], Enumerable.Range(0, 20).Select(i => (double)i));
        Assert.Equal(15, decision.Datapoints.Length);
        Assert.Equal(6.0, decision.Datapoints[0]);
        Assert.Equal(100.0, decision.Datapoints[^1]);
    }

    // ---- B-CAS-6: settings ----

    [Fact]
    public void B_CAS_6_defaults_are_AWS_defaults() =>
        Assert.Equal(new CasSettings(100, 1, 10000, TimeSpan.FromSeconds(300)), CasSettings.Default);

    [Theory]
    [InlineData(100, 1, 10000, 300, null)]
    [InlineData(1, 10000, 10000, 0, null)]
    [InlineData(0, 1, 1, 300, "target capacity")]
    [InlineData(101, 1, 1, 300, "target capacity")]
    [InlineData(100, 0, 1, 300, "minimum scaling step size")]
    [InlineData(100, 1, 10001, 300, "maximum scaling step size")]
    [InlineData(100, 5, 4, 300, "less than or equal")]
    [InlineData(100, 1, 1, -1, "warmup")]
    [InlineData(100, 1, 1, 10001, "warmup")]
    public void B_CAS_6_settings_ranges(int target, int minStep, int maxStep, int warmup, string? expected)
    {
        var error = ClusterAutoScaling.ValidateSettings(target, minStep, maxStep, warmup);
        if (expected is null)
        {
            Assert.Null(error);
        }
        else
        {
            Assert.Contains(expected, error, StringComparison.Ordinal);
        }
    }
}
