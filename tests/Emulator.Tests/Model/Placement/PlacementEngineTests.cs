using Emulator.Contracts;
using PlacementStrategy = Emulator.Contracts.PlacementStrategy;
using Emulator.Model.Catalog;
using Emulator.Model.Placement;
using static Emulator.Tests.Model.Placement.TestInstances;

namespace Emulator.Tests.Model.Placement;

/// <summary>B-PL-1 .. B-PL-7 and B-IT-2/3: the placement engine.</summary>
public sealed class PlacementEngineTests
{
    private static PlacementResult Place(IReadOnlyList<ContainerInstanceRecord> instances, PlacementRequest request, int seed = 1, bool explain = false) =>
        PlacementEngine.Place(instances, request, new Random(seed), explain);

    // ---- B-IT-2 / B-IT-3: registered resources decide how many tasks fit --------------------------------------

    [Theory]
    [InlineData("t3.small", 3, PlacementReasons.Memory)]
    [InlineData("m5.large", 8, PlacementReasons.Cpu)]
    [InlineData("t3.medium", 7, PlacementReasons.Memory)]
    [InlineData("m5.xlarge", 16, PlacementReasons.Cpu)]
    public void B_IT_3_256cpu_512mib_fits_3_per_t3_small_and_8_per_m5_large(string type, int fits, string reason)
    {
        var result = Place([Make("a", type)], Request(Needs(256, 512), count: 20));
        Assert.Equal(fits, result.Placed.Length);
        Assert.Equal(20 - fits, result.Unplaced);
        Assert.Equal(reason, result.Explanation!.Reason);
        Assert.Equal("a", result.Explanation.ClosestContainerInstanceId);
    }

    [Fact]
    public void B_PL_1_existing_usage_is_subtracted()
    {
        var used = new ResourceSet(1024, 1024, 0, 0);
        var result = Place([Make("a", "m5.large", used: used)], Request(Needs(256, 512), count: 20));
        Assert.Equal(4, result.Placed.Length);
    }

    // ---- B-PL-1: scope and filter -------------------------------------------------------------------------------

    [Fact]
    public void B_PL_1_only_active_connected_instances_take_tasks()
    {
        ContainerInstanceRecord[] instances =
        [
            Make("draining", status: ContainerInstanceStatus.DRAINING),
            Make("inactive", status: ContainerInstanceStatus.INACTIVE),
            Make("lost", connected: false),
            Make("ok"),
        ];
        var result = Place(instances, Request(count: 3, strategies: [Spread("instanceId")]), explain: true);
        Assert.All(result.Placed, a => Assert.Equal("ok", a.ContainerInstanceId));
        Assert.Equal(
            [new InstanceRejection("draining", "DRAINING"), new InstanceRejection("inactive", "INACTIVE"), new InstanceRejection("lost", "AGENT")],
            result.Explanation!.Rejected.AsEnumerable());
        Assert.Equal(["ok"], result.Explanation.Ranking.AsEnumerable());
    }

    [Fact]
    public void B_PL_1_disconnected_agent_is_the_reason_when_nothing_else_is_there()
    {
        var result = Place([Make("lost", connected: false), Make("gone", status: ContainerInstanceStatus.DRAINING)], Request());
        Assert.Equal(1, result.Unplaced);
        Assert.Equal(PlacementReasons.Agent, result.Explanation!.Reason);
        Assert.Equal("lost", result.Explanation.ClosestContainerInstanceId);
        Assert.Equal("The closest matching container-instance lost encountered error \"AGENT\".", result.Explanation.Detail);
    }

    [Fact]
    public void B_PL_1_capacity_provider_limits_the_scope()
    {
        ContainerInstanceRecord[] instances = [Make("od", capacityProvider: "cp-od"), Make("spot", capacityProvider: "cp-spot"), Make("none")];
        var spot = Place(instances, Request(count: 5, capacityProvider: "cp-spot"));
        Assert.All(spot.Placed, a => Assert.Equal("spot", a.ContainerInstanceId));
        Assert.Equal(5, spot.Placed.Length);

        var all = Place(instances, Request(count: 3, strategies: [Spread("instanceId")]));
        Assert.Equal(3, CountPerInstance(all).Count);

        var missing = Place(instances, Request(capacityProvider: "cp-other"));
        Assert.Equal(1, missing.Unplaced);
        Assert.Null(missing.Explanation!.Reason);
        Assert.Null(missing.Explanation.ClosestContainerInstanceId);
        Assert.Equal(PlacementMessages.NoInstancesInCapacityProvider, missing.Explanation.Detail);
        Assert.Empty(missing.Explanation.Rejected);
    }

    [Fact]
    public void B_PL_1_target_instance_limits_the_scope()
    {
        ContainerInstanceRecord[] instances = [Make("a"), Make("b"), Make("c")];
        var result = Place(instances, Request(count: 2, target: "b", strategies: [Spread("instanceId")]));
        Assert.Equal(["b", "b"], result.Placed.Select(a => a.ContainerInstanceId));

        var full = Place([Make("a"), Make("b", used: new ResourceSet(2048, 0, 0, 0))], Request(target: "b"));
        Assert.Equal(1, full.Unplaced);
        Assert.Equal(PlacementReasons.Cpu, full.Explanation!.Reason);
        Assert.Equal([new InstanceRejection("b", PlacementReasons.Cpu)], full.Explanation.Rejected.AsEnumerable());
    }

    [Fact]
    public void B_PL_1_static_host_port_in_use_is_RESOURCE_PORTS()
    {
        var needs = Needs(ports: [80]);
        var result = Place([Make("busy", extraUsedPorts: [80]), Make("free")], Request(needs, count: 3), explain: true);
        Assert.Equal(["free"], result.Placed.Select(a => a.ContainerInstanceId));
        Assert.Equal([80], result.Placed[0].HostPorts.AsEnumerable());
        Assert.Equal(2, result.Unplaced);
        Assert.Equal(PlacementReasons.Ports, result.Explanation!.Reason);
        Assert.Equal(
            "The closest matching container-instance busy is already using a port required by your task.",
            result.Explanation.Detail);
    }

    [Theory]
    [InlineData(22)]
    [InlineData(2375)]
    [InlineData(2376)]
    [InlineData(51678)]
    [InlineData(51679)]
    public void B_IT_2_agent_reserved_ports_are_never_given_to_tasks(int port)
    {
        var result = Place([Make("a")], Request(Needs(ports: [port])));
        Assert.Equal(1, result.Unplaced);
        Assert.Equal(PlacementReasons.Ports, result.Explanation!.Reason);
    }

    [Fact]
    public void B_IT_2_at_most_100_reserved_host_ports()
    {
        // 5 agent ports + 94 = 99 reserved: one more port fits, two do not.
        var instance = Make("a", extraUsedPorts: Enumerable.Range(1000, 94));
        Assert.Single(Place([instance], Request(Needs(ports: [8080]))).Placed);
        var two = Place([instance], Request(Needs(ports: [8080, 8081])));
        Assert.Equal(1, two.Unplaced);
        Assert.Equal(PlacementReasons.Ports, two.Explanation!.Reason);
    }

    [Fact]
    public void B_PL_1_dynamic_ports_need_no_port_check()
    {
        var result = Place([Make("a", extraUsedPorts: Enumerable.Range(1000, 95))], Request(Needs(), count: 8));
        Assert.Equal(8, result.Placed.Length);
        Assert.All(result.Placed, a => Assert.Empty(a.HostPorts));
    }

    [Theory]
    [InlineData("m5.large", 2)]
    [InlineData("m4.large", 1)]
    [InlineData("m5.xlarge", 3)]
    public void B_PL_1_awsvpc_tasks_are_bounded_by_ENIs(string type, int fits)
    {
        var result = Place([Make("a", type)], Request(Needs(128, 128, mode: NetworkMode.awsvpc), count: 10));
        Assert.Equal(fits, result.Placed.Length);
        Assert.Equal(PlacementReasons.Eni, result.Explanation!.Reason);
        Assert.Equal("The closest matching container-instance a encountered error \"RESOURCE:ENI\".", result.Explanation.Detail);

        // bridge tasks of the same size use no ENI.
        Assert.Equal(10, Place([Make("a", type)], Request(Needs(128, 128), count: 10)).Placed.Length);
    }

    [Fact]
    public void B_PL_1_gpu_tasks_need_gpu_instances()
    {
        ContainerInstanceRecord[] instances = [Make("cpu-only", "m5.xlarge"), Make("gpu", "g4dn.xlarge")];
        var result = Place(instances, Request(Needs(gpu: 1), count: 2), explain: true);
        Assert.Equal(["gpu"], result.Placed.Select(a => a.ContainerInstanceId));
        Assert.Equal(1, result.Unplaced);
        Assert.Equal(PlacementReasons.Gpu, result.Explanation!.Reason);
        Assert.Equal(
            [new InstanceRejection("cpu-only", PlacementReasons.Gpu), new InstanceRejection("gpu", PlacementReasons.Gpu)],
            result.Explanation.Rejected.AsEnumerable());
    }

    // ---- B-PL-2: strategies -----------------------------------------------------------------------------------

    [Fact]
    public void B_PL_2_binpack_memory_picks_least_remaining()
    {
        ContainerInstanceRecord[] instances =
        [
            Make("roomy", used: new ResourceSet(0, 1000, 0, 0)),
            Make("tight", used: new ResourceSet(0, 7000, 0, 0)),  // 987 MiB left
            Make("full", used: new ResourceSet(0, 7700, 0, 0)),   // 287 MiB left: does not fit 512
            Make("middle", used: new ResourceSet(0, 4000, 0, 0)),
        ];
        var result = Place(instances, Request(Needs(256, 512), count: 1, strategies: [Binpack("memory")]), explain: true);
        Assert.Equal("tight", result.Placed[0].ContainerInstanceId);
        Assert.Equal(["tight", "middle", "roomy"], result.Explanation!.Ranking.AsEnumerable());
        Assert.Equal([new InstanceRejection("full", PlacementReasons.Memory)], result.Explanation.Rejected.AsEnumerable());
    }

    [Fact]
    public void B_PL_2_binpack_cpu_picks_least_remaining()
    {
        ContainerInstanceRecord[] instances =
        [
            Make("a", used: new ResourceSet(512, 0, 0, 0)),
            Make("b", used: new ResourceSet(1536, 0, 0, 0)),
            Make("c", used: new ResourceSet(1024, 0, 0, 0)),
        ];
        var result = Place(instances, Request(Needs(256, 512), count: 3, strategies: [Binpack("cpu")]));
        // b has 512 left: two tasks; then c (1024 left) is the least.
        Assert.Equal(["b", "b", "c"], result.Placed.Select(a => a.ContainerInstanceId));
    }

    [Fact]
    public void B_PL_2_binpack_fills_one_instance_before_the_next()
    {
        ContainerInstanceRecord[] instances = [Make("a"), Make("b"), Make("c")];
        var result = Place(instances, Request(Needs(256, 512), count: 12, strategies: [Binpack("cpu")]));
        var counts = CountPerInstance(result).Values.OrderDescending().ToArray();
        Assert.Equal([8, 4], counts);
    }

    [Theory]
    [InlineData("instanceId")]
    [InlineData("host")]
    public void B_PL_2_spread_instance_balances_tasks_of_the_group(string field)
    {
        ContainerInstanceRecord[] instances =
        [
            Make("a", groups: [Kv("service:web", 2), Kv("service:other", 5)]),
            Make("b", groups: [Kv("service:other", 3)]),
            Make("c"),
        ];
        var result = Place(instances, Request(count: 4, strategies: [Spread(field)]));
        var counts = CountPerInstance(result);
        Assert.False(counts.ContainsKey("a"));
        Assert.Equal(2, counts["b"]);
        Assert.Equal(2, counts["c"]);
    }

    [Fact]
    public void B_PL_2_spread_attribute_balances_zones()
    {
        ContainerInstanceRecord[] instances =
        [
            Make("a1", az: "us-east-1a"), Make("a2", az: "us-east-1a"), Make("a3", az: "us-east-1a"),
            Make("b1", az: "us-east-1b"),
            Make("c1", az: "us-east-1c"),
        ];
        var result = Place(instances, Request(count: 6, strategies: [Spread("attribute:ecs.availability-zone")]));
        var perZone = result.Placed.GroupBy(a => instances.Single(i => i.ContainerInstanceId == a.ContainerInstanceId).AvailabilityZone)
            .ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(2, perZone["us-east-1a"]);
        Assert.Equal(2, perZone["us-east-1b"]);
        Assert.Equal(2, perZone["us-east-1c"]);
    }

    [Fact]
    public void B_PL_2_spread_attribute_counts_existing_tasks_on_active_instances_only()
    {
        ContainerInstanceRecord[] instances =
        [
            Make("a1", az: "us-east-1a", groups: [Kv("service:web", 2)]),
            Make("a-draining", az: "us-east-1b", status: ContainerInstanceStatus.DRAINING, groups: [Kv("service:web", 9)]),
            Make("b1", az: "us-east-1b", groups: [Kv("service:other", 9)]),
        ];
        // Zone b counts 0 tasks of service:web: the draining instance does not count, other groups do not count.
        var result = Place(instances, Request(count: 2, strategies: [Spread("attribute:ecs.availability-zone")]));
        Assert.Equal(["b1", "b1"], result.Placed.Select(a => a.ContainerInstanceId));
    }

    [Fact]
    public void B_PL_2_instances_lacking_the_attribute_form_their_own_value()
    {
        ContainerInstanceRecord[] instances =
        [
            Make("blue1", attributes: [Kv("color", "blue")], groups: [Kv("service:web", 1)]),
            Make("blue2", attributes: [Kv("color", "blue")]),
            Make("plain1"),
            Make("plain2"),
        ];
        // blue has 1 task of the group, the instances without a color (a value of their own) have none.
        var result = Place(instances, Request(count: 1, strategies: [Spread("attribute:color")]));
        Assert.StartsWith("plain", result.Placed[0].ContainerInstanceId, StringComparison.Ordinal);

        var blueBusy = instances.Select(i => i.ContainerInstanceId == "blue2" ? i with { TaskGroups = i.TaskGroups.SetItem("service:web", 1) } : i).ToArray();
        var two = Place(blueBusy, Request(count: 2, strategies: [Spread("attribute:color")]));
        Assert.All(two.Placed, a => Assert.StartsWith("plain", a.ContainerInstanceId, StringComparison.Ordinal));
    }

    [Fact]
    public void B_PL_2_later_strategy_breaks_ties_left_by_earlier_ones()
    {
        ContainerInstanceRecord[] instances =
        [
            Make("a-roomy", az: "us-east-1a"),
            Make("a-tight", az: "us-east-1a", used: new ResourceSet(0, 6000, 0, 0)),
            Make("b-roomy", az: "us-east-1b"),
            Make("b-tight", az: "us-east-1b", used: new ResourceSet(0, 5000, 0, 0)),
        ];
        var request = Request(count: 2, strategies: [Spread("attribute:ecs.availability-zone"), Binpack("memory")]);
        var result = Place(instances, request, explain: true);
        // Both zones are empty, so binpack decides: a-tight first; then zone b has fewer tasks: b-tight.
        Assert.Equal(["a-tight", "b-tight"], result.Placed.Select(a => a.ContainerInstanceId));
        Assert.Equal(["a-tight", "b-tight", "a-roomy", "b-roomy"], result.Explanation!.Ranking.AsEnumerable());
    }

    [Fact]
    public void B_PL_2_ranking_lists_feasible_instances_best_first()
    {
        ContainerInstanceRecord[] instances =
        [
            Make("a", groups: [Kv("service:web", 3)]),
            Make("b", groups: [Kv("service:web", 1)]),
            Make("c", groups: [Kv("service:web", 2)]),
            Make("d", status: ContainerInstanceStatus.DRAINING),
        ];
        var result = Place(instances, Request(count: 1, strategies: [Spread("instanceId")]), explain: true);
        Assert.Equal(["b", "c", "a"], result.Explanation!.Ranking.AsEnumerable());
        Assert.Equal("b", result.Placed[0].ContainerInstanceId);
        Assert.Null(result.Explanation.Reason);
        Assert.Equal([new InstanceRejection("d", "DRAINING")], result.Explanation.Rejected.AsEnumerable());
    }

    [Fact]
    public void B_PL_2_random_spreads_uniformly_and_is_deterministic_per_seed()
    {
        var instances = Enumerable.Range(0, 10).Select(i => Make("i" + i, "m5.xlarge")).ToArray();
        var request = Request(Needs(1, 1), count: 2000, strategies: [RandomStrategy(), Binpack("cpu")]);
        var one = Place(instances, request, seed: 7);
        var again = Place(instances, request, seed: 7);
        var other = Place(instances, request, seed: 8);
        Assert.Equal(one.Placed.AsEnumerable(), again.Placed.AsEnumerable());
        Assert.NotEqual(one.Placed.Select(a => a.ContainerInstanceId), other.Placed.Select(a => a.ContainerInstanceId));
        // Random ignores the binpack that follows it: every instance gets a fair share (200 expected each).
        Assert.All(CountPerInstance(one).Values, n => Assert.InRange(n, 140, 260));
        Assert.Equal(10, CountPerInstance(one).Count);
    }

    [Fact]
    public void B_PL_2_no_strategy_means_random_among_feasible()
    {
        var instances = Enumerable.Range(0, 4).Select(i => Make("i" + i, "m5.xlarge")).ToArray();
        var result = Place(instances, Request(Needs(1, 1), count: 400));
        Assert.Equal(4, CountPerInstance(result).Count);
    }

    // ---- B-PL-3: defaults ---------------------------------------------------------------------------------------

    [Fact]
    public void B_PL_3_default_strategies_spread_over_zones_then_instances()
    {
        ContainerInstanceRecord[] instances =
        [
            Make("a1", az: "us-east-1a"), Make("a2", az: "us-east-1a"),
            Make("b1", az: "us-east-1b"), Make("b2", az: "us-east-1b"),
            Make("c1", az: "us-east-1c"), Make("c2", az: "us-east-1c"),
        ];
        var result = Place(instances, Request(count: 6, strategies: [.. PlacementDefaults.ForService]));
        Assert.All(CountPerInstance(result).Values, n => Assert.Equal(1, n));
        Assert.Equal(6, CountPerInstance(result).Count);
    }

    // ---- B-PL-4: constraints ------------------------------------------------------------------------------------

    [Fact]
    public void B_PL_4_distinctInstance_puts_each_task_of_the_group_on_its_own_instance()
    {
        ContainerInstanceRecord[] instances = [Make("a", groups: [Kv("service:web", 1)]), Make("b"), Make("c"), Make("d", groups: [Kv("service:db", 1)])];
        var result = Place(instances, Request(count: 5, strategies: [Binpack("cpu")], constraints: [DistinctInstance()]), explain: true);
        Assert.Equal(["b", "c", "d"], result.Placed.Select(a => a.ContainerInstanceId).Order());
        Assert.Equal(2, result.Unplaced);
        Assert.Equal(PlacementReasons.Attribute, result.Explanation!.Reason);
        Assert.Equal(4, result.Explanation.Rejected.Length);
        Assert.Equal(
            "The closest matching container-instance a is missing an attribute required by your task.",
            result.Explanation.Detail);
    }

    [Fact]
    public void B_PL_4_memberOf_in_list()
    {
        ContainerInstanceRecord[] instances = [Make("a", az: "us-east-1a"), Make("b", az: "us-east-1b"), Make("c", az: "us-east-1c")];
        var request = Request(count: 6, strategies: [Spread("instanceId")],
            constraints: [MemberOf("attribute:ecs.availability-zone in [us-east-1a, us-east-1c]")]);
        var result = Place(instances, request);
        Assert.Equal(new Dictionary<string, int> { ["a"] = 3, ["c"] = 3 }, CountPerInstance(result));
    }

    [Fact]
    public void B_PL_4_memberOf_instance_type_wildcard()
    {
        ContainerInstanceRecord[] instances = [Make("t", "t3.medium"), Make("m", "m5.large"), Make("r", "r5.large")];
        var result = Place(instances, Request(count: 2, constraints: [MemberOf("attribute:ecs.instance-type == m5.*")]));
        Assert.All(result.Placed, a => Assert.Equal("m", a.ContainerInstanceId));
    }

    [Fact]
    public void B_PL_4_memberOf_task_group_affinity()
    {
        ContainerInstanceRecord[] instances = [Make("a"), Make("db", groups: [Kv("service:db", 1)]), Make("c")];
        var result = Place(instances, Request(count: 3, constraints: [MemberOf("task:group == service:db")]));
        Assert.All(result.Placed, a => Assert.Equal("db", a.ContainerInstanceId));
        Assert.Equal(3, result.Placed.Length);
    }

    [Fact]
    public void B_PL_4_memberOf_is_reevaluated_as_the_batch_adds_tasks()
    {
        // runningTasksCount grows with each task placed in the batch.
        var result = Place([Make("a", running: 1)], Request(count: 5, constraints: [MemberOf("runningTasksCount < 3")]));
        Assert.Equal(2, result.Placed.Length);
        Assert.Equal(3, result.Unplaced);
        Assert.Equal(PlacementReasons.Attribute, result.Explanation!.Reason);

        // anti-affinity with the own group: at most one task per instance, like distinctInstance.
        ContainerInstanceRecord[] two = [Make("a"), Make("b")];
        var anti = Place(two, Request(count: 3, constraints: [MemberOf("not(task:group == service:web)")]));
        Assert.Equal(["a", "b"], anti.Placed.Select(a => a.ContainerInstanceId).Order());
        Assert.Equal(1, anti.Unplaced);
    }

    [Fact]
    public void B_PL_4_all_constraints_must_hold()
    {
        ContainerInstanceRecord[] instances =
        [
            Make("a", az: "us-east-1a", attributes: [Kv("stack", "prod")]),
            Make("b", az: "us-east-1b", attributes: [Kv("stack", "prod")]),
            Make("c", az: "us-east-1a", attributes: [Kv("stack", "dev")]),
        ];
        var result = Place(instances, Request(count: 3, constraints:
        [
            MemberOf("attribute:stack == prod"),
            MemberOf("attribute:ecs.availability-zone == us-east-1a"),
            DistinctInstance(),
        ]));
        Assert.Equal(["a"], result.Placed.Select(a => a.ContainerInstanceId));
    }

    [Fact]
    public void B_PL_4_an_invalid_expression_that_slips_through_matches_nothing()
    {
        var result = Place([Make("a")], Request(constraints: [MemberOf("attribute:a = b")]));
        Assert.Equal(1, result.Unplaced);
        Assert.Equal(PlacementReasons.Attribute, result.Explanation!.Reason);
    }

    // ---- B-PL-5: reasons and messages -------------------------------------------------------------------------

    [Fact]
    public void B_PL_5_closest_instance_is_the_one_that_got_furthest_through_the_filter()
    {
        ContainerInstanceRecord[] instances =
        [
            Make("lost", connected: false),
            Make("no-cpu", used: new ResourceSet(2048, 0, 0, 0)),
            Make("no-memory", used: new ResourceSet(0, 7900, 0, 0)),
            Make("no-cpu-2", used: new ResourceSet(1900, 0, 0, 0)),
        ];
        var result = Place(instances, Request(Needs(256, 512)));
        Assert.Equal(PlacementReasons.Memory, result.Explanation!.Reason);
        Assert.Equal("no-memory", result.Explanation.ClosestContainerInstanceId);
        Assert.Equal("The closest matching container-instance no-memory has insufficient memory available.", result.Explanation.Detail);
        Assert.Equal(
            [PlacementReasons.Agent, PlacementReasons.Cpu, PlacementReasons.Memory, PlacementReasons.Cpu],
            result.Explanation.Rejected.Select(r => r.Reason));
    }

    [Fact]
    public void B_PL_5_among_equal_reasons_the_smallest_shortfall_is_closest()
    {
        ContainerInstanceRecord[] instances =
        [
            Make("far", used: new ResourceSet(2048, 0, 0, 0)),
            Make("near", used: new ResourceSet(1900, 0, 0, 0)),
        ];
        var result = Place(instances, Request(Needs(256, 512)));
        Assert.Equal("near", result.Explanation!.ClosestContainerInstanceId);
        Assert.Equal("The closest matching container-instance near has insufficient CPU units available.", result.Explanation.Detail);
    }

    [Theory]
    [InlineData(null, PlacementMessages.NoInstancesInCluster)]
    [InlineData("cp", PlacementMessages.NoInstancesInCapacityProvider)]
    public void B_PL_5_no_instances_at_all(string? capacityProvider, string detail)
    {
        var empty = Place([], Request(count: 2, capacityProvider: capacityProvider));
        Assert.Equal(2, empty.Unplaced);
        Assert.Empty(empty.Placed);
        Assert.Null(empty.Explanation!.Reason);
        Assert.Equal(detail, empty.Explanation.Detail);

        // Instances that are not ACTIVE do not count as instances to place on, but are listed.
        var draining = Place([Make("d", capacityProvider: "cp", status: ContainerInstanceStatus.DRAINING)], Request(capacityProvider: capacityProvider));
        Assert.Null(draining.Explanation!.Reason);
        Assert.Equal(detail, draining.Explanation.Detail);
        Assert.Equal([new InstanceRejection("d", "DRAINING")], draining.Explanation.Rejected.AsEnumerable());
    }

    [Fact]
    public void B_PL_5_service_event_texts()
    {
        var cpu = Place([Make("0123abcd", used: new ResourceSet(2048, 0, 0, 0))], Request()).Explanation!;
        Assert.Equal(
            "service web was unable to place a task because no container instance met all of its requirements. "
            + "The closest matching container-instance 0123abcd has insufficient CPU units available. "
            + "For more information, see the Troubleshooting section.",
            PlacementMessages.ServiceEvent("web", cpu));

        var cp = Place([], Request(capacityProvider: "cp")).Explanation!;
        Assert.Equal(
            "service web was unable to place a task. Reason: No Container Instances were found in your capacity provider. "
            + "For more information, see the Troubleshooting section.",
            PlacementMessages.ServiceEvent("web", cp));

        var cluster = Place([], Request()).Explanation!;
        Assert.Equal(
            "service web was unable to place a task because no container instance met all of its requirements. "
            + "Reason: No Container Instances were found in your cluster. For more information, see the Troubleshooting section.",
            PlacementMessages.ServiceEvent("web", cluster));
    }

    [Theory]
    [InlineData(PlacementReasons.Cpu, "has insufficient CPU units available.")]
    [InlineData(PlacementReasons.Memory, "has insufficient memory available.")]
    [InlineData(PlacementReasons.Ports, "is already using a port required by your task.")]
    [InlineData(PlacementReasons.Attribute, "is missing an attribute required by your task.")]
    [InlineData(PlacementReasons.Agent, "encountered error \"AGENT\".")]
    [InlineData(PlacementReasons.Gpu, "encountered error \"RESOURCE:GPU\".")]
    [InlineData(PlacementReasons.Eni, "encountered error \"RESOURCE:ENI\".")]
    public void B_PL_5_closest_instance_sentence(string reason, string tail)
    {
        Assert.Equal($"The closest matching container-instance X {tail}", PlacementMessages.ClosestInstance("X", reason));
    }

    // ---- B-PL-6: explanation ------------------------------------------------------------------------------------

    [Fact]
    public void B_PL_6_explanation_only_on_failure_or_request()
    {
        ContainerInstanceRecord[] instances = [Make("a"), Make("b")];
        Assert.Null(Place(instances, Request(count: 2)).Explanation);
        var explained = Place(instances, Request(count: 2, strategies: [Spread("instanceId")]), explain: true);
        Assert.NotNull(explained.Explanation);
        Assert.Null(explained.Explanation.Reason);
        Assert.Equal(2, explained.Explanation.Ranking.Length);
        Assert.Equal(explained.Placed[0].ContainerInstanceId, explained.Explanation.Ranking[0]);
        Assert.Empty(explained.Explanation.Rejected);
        Assert.Contains("Placed 2 task(s)", explained.Explanation.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void B_PL_6_explaining_does_not_change_the_decision()
    {
        var instances = Enumerable.Range(0, 30).Select(i => Make("i" + i, az: "us-east-1" + (char)('a' + (i % 3)))).ToArray();
        var request = Request(count: 100, strategies: [.. PlacementDefaults.ForService]);
        Assert.Equal(Place(instances, request, seed: 3).Placed.AsEnumerable(), Place(instances, request, seed: 3, explain: true).Placed.AsEnumerable());
    }

    [Fact]
    public void B_PL_6_partial_batch_explains_the_first_unplaced_task()
    {
        ContainerInstanceRecord[] instances = [Make("a", "t3.small"), Make("b", "t3.small")];
        var result = Place(instances, Request(Needs(256, 512), count: 10, strategies: [Spread("instanceId")]));
        Assert.Equal(6, result.Placed.Length);
        Assert.Equal(4, result.Unplaced);
        var e = result.Explanation!;
        Assert.Equal(PlacementReasons.Memory, e.Reason);
        Assert.Equal([new InstanceRejection("a", PlacementReasons.Memory), new InstanceRejection("b", PlacementReasons.Memory)], e.Rejected.AsEnumerable());
        // The ranking is the one of the first task, when both instances were empty.
        Assert.Equal(2, e.Ranking.Length);
        Assert.Equal(result.Placed[0].ContainerInstanceId, e.Ranking[0]);
    }

    // ---- B-PL-7: never over-commit --------------------------------------------------------------------------

    [Fact]
    public void B_PL_7_batch_never_overcommits()
    {
        var types = new[] { "t3.small", "m5.large", "c5.large", "r5.large", "m4.large", "g4dn.xlarge" };
        for (var seed = 0; seed < 20; seed++)
        {
            var rnd = new Random(seed);
            var instances = Enumerable.Range(0, 15).Select(i =>
            {
                var type = types[rnd.Next(types.Length)];
                var reg = InstanceCatalog.Default.Registered(type);
                var used = new ResourceSet(rnd.Next(reg.Cpu + 1), rnd.Next(reg.Memory + 1), 0, rnd.Next(reg.Eni + 1));
                return Make("i" + i, type, az: "us-east-1" + (char)('a' + rnd.Next(3)), used: used);
            }).ToList();
            var needs = Needs(rnd.Next(1, 1024), rnd.Next(1, 2048), rnd.Next(2) == 0 ? null : [8080],
                rnd.Next(5) == 0 ? 1 : 0, rnd.Next(2) == 0 ? NetworkMode.awsvpc : NetworkMode.bridge);
            PlacementStrategy[] strategies = rnd.Next(3) switch
            {
                0 => [Binpack("memory")],
                1 => [.. PlacementDefaults.ForService],
                _ => [],
            };
            var request = Request(needs, count: 200, strategies: strategies);
            var result = PlacementEngine.Place(instances, request, new Random(seed));

            Assert.Equal(200, result.Placed.Length + result.Unplaced);
            Assert.Equal(Enumerable.Range(0, result.Placed.Length), result.Placed.Select(a => a.TaskIndex));
            foreach (var inst in Apply(instances, request, result))
            {
                Assert.True(inst.Used.FitsWithin(inst.Registered), $"seed {seed}: {inst.ContainerInstanceId} over-committed: {inst.Used} > {inst.Registered}");
            }

            foreach (var group in result.Placed.GroupBy(a => a.ContainerInstanceId))
            {
                var original = instances.Single(i => i.ContainerInstanceId == group.Key);
                if (!needs.HostPorts.IsEmpty)
                {
                    Assert.Single(group);
                    Assert.DoesNotContain(8080, original.UsedPorts);
                }
            }
        }
    }

    [Fact]
    public void B_PL_7_batch_stops_at_the_first_task_that_does_not_fit()
    {
        var result = Place([Make("a", "t3.small")], Request(Needs(256, 512), count: 5));
        Assert.Equal([0, 1, 2], result.Placed.Select(a => a.TaskIndex));
        Assert.Equal(2, result.Unplaced);
    }

    [Fact]
    public void B_PL_7_zero_count_places_nothing()
    {
        var result = Place([Make("a")], Request(count: 0));
        Assert.Empty(result.Placed);
        Assert.Equal(0, result.Unplaced);
        Assert.Null(result.Explanation);
    }

    // ---- determinism and scale ---------------------------------------------------------------------------------

    [Fact]
    public void B_ID_4_same_seed_same_placement()
    {
        var instances = Enumerable.Range(0, 50).Select(i => Make("i" + i, az: "us-east-1" + (char)('a' + (i % 3)))).ToArray();
        var request = Request(count: 300, strategies: [.. PlacementDefaults.ForService]);
        var first = Place(instances, request, seed: 42);
        var second = Place(instances, request, seed: 42);
        Assert.Equal(first.Placed.AsEnumerable(), second.Placed.AsEnumerable());
    }

    [Fact]
    public void B_PL_7_ten_thousand_tasks_on_1250_m5_large_in_batches_of_500()
    {
        // 1,250 m5.large x 8 tasks of 256 CPU units = exactly 10,000 tasks (B-IT-3). No wall-clock assertion.
        var instances = Enumerable.Range(0, 1250)
            .Select(i => Make($"ci-{i:D4}", "m5.large", az: "us-east-1" + (char)('a' + (i % 3)), capacityProvider: "cp"))
            .ToList();
        var random = new Random(1);
        var placed = 0;
        for (var batch = 0; batch < 20; batch++)
        {
            var request = Request(Needs(256, 512), count: 500, strategies: [.. PlacementDefaults.ForService], capacityProvider: "cp");
            var result = PlacementEngine.Place(instances, request, random);
            Assert.Equal(0, result.Unplaced);
            placed += result.Placed.Length;
            instances = Apply(instances, request, result);
        }

        Assert.Equal(10_000, placed);
        Assert.All(instances, i => Assert.Equal(0, i.Remaining.Cpu));
        var overflow = PlacementEngine.Place(instances, Request(Needs(256, 512), capacityProvider: "cp"), random);
        Assert.Equal(1, overflow.Unplaced);
        Assert.Equal(PlacementReasons.Cpu, overflow.Explanation!.Reason);
        Assert.Equal(1250, overflow.Explanation.Rejected.Length);
    }
}
