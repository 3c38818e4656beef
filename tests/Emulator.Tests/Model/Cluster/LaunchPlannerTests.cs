using System.Collections.Immutable;
using Emulator.Contracts;
using Emulator.Model.Cluster;
using Emulator.Model.Placement;
using static Emulator.Tests.Model.Cluster.ClusterFixtures;
using TaskStatus = Emulator.Contracts.TaskStatus;
using PlacementStrategy = Emulator.Contracts.PlacementStrategy;

namespace Emulator.Tests.Model.Cluster;

/// <summary>Launch decisions by rule: token replay/conflict, B-CP-2/3 split, placement per target (B-PL-7), B-PQ-1 queue or failure, B-PQ-3 quota, Fargate zones.</summary>
public sealed class LaunchPlannerTests
{
    private static readonly ImmutableArray<CapacityProviderStrategyItem> AsgStrategy =
        [new CapacityProviderStrategyItem("cp", 1, 1), new CapacityProviderStrategyItem("cp2", 4, 0)];

    public static TheoryData<string, string> Splits => new()
    {
        // case, expected allocations ("provider:count" in order; "-" for no provider) or "!Code"
        { "allocations", "cp:3,cp2:2" },
        { "allocations-unassociated", "!InvalidParameterException" },
        { "launch-type", "-:5" },
        { "launch-type-and-strategy", "!InvalidParameterException" },
        { "strategy", "cp:2,cp2:3" }, // base 1 on cp, then 4 by weight 1:4 with the largest remainder (B-CP-3)
        { "default-strategy", "cp:3,cp2:2" },
        { "nothing", "-:5" },
        { "strategy-mixing-asg-and-fargate", "!InvalidParameterException" },
        { "strategy-unassociated", "!InvalidParameterException" },
    };

    [Theory]
    [MemberData(nameof(Splits))]
    public void B_CP_2_which_strategy_applies_and_how_it_splits(string name, string expected)
    {
        var settings = Settings([Asg("cp", true), Asg("cp2", false), Fargate],
            defaultStrategy: name == "default-strategy" ? [new CapacityProviderStrategyItem("cp", 3, 0), new CapacityProviderStrategyItem("cp2", 2, 0)] : default);
        var request = name switch
        {
            "allocations" => Request(5, "web", allocations: [new ProviderAllocation("cp", 3), new ProviderAllocation("cp2", 2)]),
            "allocations-unassociated" => Request(5, "web", allocations: [new ProviderAllocation("nope", 5)]),
            "launch-type" => Request(5, launchType: LaunchType.EC2),
            "launch-type-and-strategy" => Request(5, launchType: LaunchType.EC2, strategy: AsgStrategy),
            "strategy" => Request(5, strategy: AsgStrategy),
            "strategy-mixing-asg-and-fargate" => Request(5, strategy: [new CapacityProviderStrategyItem("cp", 1, 0), new CapacityProviderStrategyItem("FARGATE", 1, 0)]),
            "strategy-unassociated" => Request(5, strategy: [new CapacityProviderStrategyItem("other", 1, 0)]),
            _ => Request(5),
        };

        var allocations = LaunchPlanner.Allocations(request, settings, out var rejection);
        var actual = rejection is not null ? "!" + rejection.Code : string.Join(",", allocations.Select(a => $"{a.CapacityProvider ?? "-"}:{a.Count}"));
        Assert.Equal(expected, actual);
    }

    [Theory]
    [InlineData(10, 3, 7)] // seed 003's table: FARGATE base 1 / weight 1 + FARGATE_SPOT weight 4
    [InlineData(1, 1, 0)]
    [InlineData(40, 9, 31)]
    public void B_CP_3_a_fargate_strategy_splits_base_first_then_by_weight(int count, int onDemand, int spot)
    {
        var book = Book();
        var plan = LaunchPlanner.Plan(
            Request(count, strategy: [new CapacityProviderStrategyItem("FARGATE", 1, 1), new CapacityProviderStrategyItem("FARGATE_SPOT", 4, 0)]),
            book, Settings([Fargate, FargateSpot]), T0, new Random(1));
        Assert.Null(plan.Rejection);
        Assert.Equal(onDemand, plan.Batches.Where(b => b.CapacityProvider == "FARGATE").Sum(b => b.Count));
        Assert.Equal(spot, plan.Batches.Where(b => b.CapacityProvider == "FARGATE_SPOT").Sum(b => b.Count));
        Assert.All(plan.Batches, b => Assert.Equal((LaunchType.FARGATE, b.Count, (PlacementResult?)null), (b.LaunchType, b.FargateZones.Length, b.Placement)));
    }

    public static TheoryData<string, int, int, int, bool> QueueOrFail => new()
    {
        // case, placed, queued, failures, message
        { "managed-scaling-runtask", 3, 2, 0, true },
        { "managed-scaling-service", 3, 2, 0, true },
        { "no-managed-scaling-runtask", 3, 0, 1, true },
        { "no-managed-scaling-service", 3, 0, 0, true },
        { "launch-type-runtask", 3, 0, 1, true },
        { "start-task-on-a-full-instance", 0, 0, 1, true },
        { "everything-fits", 5, 0, 0, false },
    };

    [Theory]
    [MemberData(nameof(QueueOrFail))]
    public void B_PQ_1_tasks_that_fit_nowhere_wait_in_provisioning_only_with_managed_scaling(string name, int placed, int queued, int failures, bool message)
    {
        // One t3.small fits 3 tasks of 256 CPU / 512 MiB (B-IT-3); asking for 5 leaves 2 unplaced.
        var book = Book();
        var provider = name.StartsWith("managed-scaling", StringComparison.Ordinal) || name == "start-task-on-a-full-instance" ? "cp" : "cp2";
        book.AddInstance(Instance("i1", "t3.small", provider: name == "launch-type-runtask" ? null : provider));
        if (name == "start-task-on-a-full-instance")
        {
            var fill = Request(3, allocations: [new ProviderAllocation("cp", 3)]);
            LaunchPlanner.Plan(fill, book, Settings([Asg("cp", true)]), T0, new Random(1)).ApplyTo(book, fill, ClusterName, null, Timings, T0, new Random(1));
        }

        var service = name.EndsWith("-service", StringComparison.Ordinal) ? "web" : null;
        var request = name switch
        {
            "launch-type-runtask" => Request(5, launchType: LaunchType.EC2),
            "start-task-on-a-full-instance" => Request(1, allocations: [new ProviderAllocation("cp", 1)], targets: ["arn:aws:ecs:us-east-1:000000000000:container-instance/book/i1"]),
            "everything-fits" => Request(5, allocations: [new ProviderAllocation(provider, 5)], needs: Needs(128, 256)),
            _ => Request(5, service, allocations: [new ProviderAllocation(provider, 5)]),
        };

        var plan = LaunchPlanner.Plan(request, book, Settings([Asg("cp", true), Asg("cp2", false)]), T0, new Random(1));
        Assert.Null(plan.Rejection);
        Assert.Equal(placed, plan.Batches.Sum(b => b.Placement?.Placed.Length ?? 0));
        Assert.Equal(queued, plan.ToQueue);
        Assert.Equal(failures, plan.Failures.Length);
        Assert.Equal(message, plan.PlacementMessage is not null);
        if (failures > 0)
        {
            Assert.Equal("arn:aws:ecs:us-east-1:000000000000:container-instance/book/i1", plan.Failures[0].Arn);
            Assert.Equal(PlacementReasons.Memory, plan.Failures[0].Reason);
        }

        if (service is not null && message)
        {
            Assert.StartsWith("service web was unable to place a task", plan.PlacementMessage, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void B_PQ_1_runtask_with_no_container_instance_at_all_is_an_error_not_a_failure()
    {
        var plan = LaunchPlanner.Plan(Request(2, launchType: LaunchType.EC2), Book(), Settings(), T0, new Random(1));
        Assert.Equal(ErrorCodes.InvalidParameter, plan.Rejection?.Code);
        Assert.Equal(PlacementMessages.NoInstancesInCluster, plan.Rejection?.Message);
    }

    [Theory]
    [InlineData(0, 5, 500, false)]
    [InlineData(495, 5, 500, false)]
    [InlineData(496, 5, 500, true)]
    [InlineData(600, 0, 500, false)] // nothing to queue: the quota does not apply
    [InlineData(2, 2, 3, true)]
    public void B_PQ_3_the_provisioning_quota_refuses_a_launch_that_would_exceed_it(int queuedNow, int toQueue, int limit, bool refused)
    {
        var rejection = LaunchPlanner.QuotaRefusal(queuedNow, toQueue, Settings(queueLimit: limit));
        Assert.Equal(refused, rejection is not null);
        if (refused)
        {
            Assert.Equal(ErrorCodes.ClientException, rejection!.Code);
            Assert.Contains($"would exceed the limit of {limit} (quota: tasks in the PROVISIONING state per cluster)", rejection.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void B_PQ_3_a_launch_over_the_quota_changes_nothing()
    {
        var book = Book();
        var settings = Settings(queueLimit: 3);
        var first = Request(2, allocations: [new ProviderAllocation("cp", 2)]);
        LaunchPlanner.Plan(first, book, settings, T0, new Random(1)).ApplyTo(book, first, ClusterName, null, Timings, T0, new Random(1));
        Assert.Equal(2, book.Queue.Count);

        var plan = LaunchPlanner.Plan(Request(2, allocations: [new ProviderAllocation("cp", 2)]), book, settings, T0, new Random(1));
        Assert.Equal(ErrorCodes.ClientException, plan.Rejection?.Code);
        Assert.Equal(2, book.Tasks.Count);
    }

    [Fact]
    public void B_PL_7_later_batches_of_one_launch_see_what_earlier_ones_took()
    {
        // One t3.small fits 3 tasks; two allocations of 2 on the same provider must not both see it empty.
        var book = Book();
        book.AddInstance(Instance("i1", "t3.small"));
        var request = Request(4, "web", allocations: [new ProviderAllocation("cp", 2), new ProviderAllocation("cp", 2)]);
        var plan = LaunchPlanner.Plan(request, book, Settings([Asg("cp", false)]), T0, new Random(1));
        Assert.Equal(new[] { 2, 1 }, plan.Batches.Select(b => b.Placement!.Placed.Length).ToArray());
        plan.ApplyTo(book, request, ClusterName, null, Timings, T0, new Random(1));
        Assert.True(book.Instances["i1"].Used.FitsWithin(book.Instances["i1"].Registered));
        Assert.Empty(book.Invariants(T0));
    }

    [Fact]
    public void B_PL_7_start_task_places_one_task_on_each_target_instance()
    {
        var book = Book();
        book.AddInstance(Instance("i1"));
        book.AddInstance(Instance("i2"));
        book.AddInstance(Instance("i3"));
        var plan = LaunchPlanner.Plan(Request(1, allocations: [new ProviderAllocation("cp", 1)], targets: ["i3", "arn:aws:ecs:us-east-1:000000000000:container-instance/book/i1"]),
            book, Settings(), T0, new Random(1));
        Assert.Equal(new[] { "i3", "i1" }, plan.Batches.Select(b => b.Placement!.Placed.Single().ContainerInstanceId).ToArray());
    }

    public static TheoryData<string, string> Tokens => new()
    {
        { "same-fingerprint", "replay" },
        { "no-fingerprint", "replay" },
        { "other-fingerprint", "!ConflictException" },
        { "expired", "launch, replaces expired" },
        { "unknown", "launch" },
    };

    [Theory]
    [MemberData(nameof(Tokens))]
    public void B_W_4_a_client_token_replays_the_first_launch_or_conflicts_with_it(string name, string expected)
    {
        var at = name == "expired" ? T0 - TimeSpan.FromHours(25) : T0 - TimeSpan.FromHours(1);
        var tokens = new Dictionary<string, ClientTokenRecord> { ["tok"] = new("fp-1", at, ["t1", "t2"]) };
        var fingerprint = name switch { "other-fingerprint" => "fp-2", "no-fingerprint" => null, _ => "fp-1" };
        var book = Book();
        var plan = LaunchPlanner.Plan(Request(1, launchType: LaunchType.FARGATE, token: name == "unknown" ? "other" : "tok", fingerprint: fingerprint),
            book, Settings(tokens: tokens), T0, new Random(1));
        var actual = plan.Rejection is { } r ? "!" + r.Code
            : plan.IsReplay ? "replay"
            : plan.ReplacesExpiredToken ? "launch, replaces expired" : "launch";
        Assert.Equal(expected, actual);
        if (plan.IsReplay)
        {
            Assert.Equal(new[] { "t1", "t2" }, plan.ReplayTaskIds.ToArray());
            Assert.Empty(plan.Batches);
        }

        if (plan.Rejection is { } conflict)
        {
            Assert.Equal(
                new[] { "arn:aws:ecs:us-east-1:000000000000:task/book/t1", "arn:aws:ecs:us-east-1:000000000000:task/book/t2" },
                conflict.ResourceIds.ToArray());
            Assert.Contains("resourceIds: [arn:aws:ecs:us-east-1:000000000000:task/book/t1, arn:aws:ecs:us-east-1:000000000000:task/book/t2]", conflict.Message, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData(254, 0)]
    [InlineData(255, 2)] // every 256th token recorded sweeps the expired ones
    [InlineData(511, 2)]
    public void B_W_4_expired_client_tokens_are_swept_every_256th_token(int live, int expired)
    {
        var tokens = new Dictionary<string, ClientTokenRecord>();
        for (var i = 0; i < live; i++)
        {
            var old = i < 2;
            tokens["t" + i] = new ClientTokenRecord(null, old ? T0 - TimeSpan.FromHours(24) : T0 - TimeSpan.FromHours(23), []);
        }

        Assert.Equal(expired, LaunchPlanner.ExpiredTokens(tokens, T0).Count);
    }

    [Fact]
    public void B_ID_1_fargate_tasks_balance_over_the_zones_and_skip_a_zone_that_is_out()
    {
        var book = Book();
        book.Add(Emulator.Model.Lifecycle.TaskLifecycle.FargateAccepted(NewTask("f1", "FARGATE", LaunchType.FARGATE), "us-east-1a", Timings, T0, new Random(1)));
        var plan = LaunchPlanner.Plan(Request(5, launchType: LaunchType.FARGATE), book, Settings(), T0, new Random(1));
        Assert.Equal(new[] { "us-east-1b", "us-east-1c", "us-east-1a", "us-east-1b", "us-east-1c" }, plan.Batches.Single().FargateZones.ToArray());

        var outages = new Dictionary<string, DateTimeOffset?> { ["us-east-1b"] = null, ["us-east-1c"] = T0.AddMinutes(5), ["us-east-1a"] = T0 };
        var during = LaunchPlanner.Plan(Request(3, launchType: LaunchType.FARGATE), book, Settings(outages: outages), T0, new Random(1));
        Assert.Equal(new[] { "us-east-1a", "us-east-1a", "us-east-1a" }, during.Batches.Single().FargateZones.ToArray()); // 1a's outage is over

        var everywhere = new Dictionary<string, DateTimeOffset?> { ["us-east-1a"] = null, ["us-east-1b"] = null, ["us-east-1c"] = null };
        var all = LaunchPlanner.Plan(Request(2, launchType: LaunchType.FARGATE), book, Settings(outages: everywhere), T0, new Random(1));
        Assert.Equal(new[] { "us-east-1b", "us-east-1c" }, all.Batches.Single().FargateZones.ToArray()); // every zone out: none is excluded
    }

    [Fact]
    public void B_ID_1_zones_chosen_across_batches_of_one_launch_count_each_other()
    {
        var plan = LaunchPlanner.Plan(
            Request(4, strategy: [new CapacityProviderStrategyItem("FARGATE", 1, 0), new CapacityProviderStrategyItem("FARGATE_SPOT", 1, 0)]),
            Book(), Settings([Fargate, FargateSpot]), T0, new Random(1));
        Assert.Equal(new[] { "us-east-1a", "us-east-1b", "us-east-1c", "us-east-1a" }, plan.Batches.SelectMany(b => b.FargateZones).ToArray());
    }

    public static TheoryData<string, bool> Faults => new()
    {
        { "always", true },
        { "never", false },
        { "other-service", false },
        { "over", false },
        { "until-later", true },
    };

    [Theory]
    [MemberData(nameof(Faults))]
    public void B_SV_5_launch_faults_inject_a_start_failure_while_they_apply(string name, bool injected)
    {
        var faults = name switch
        {
            "never" => new LaunchFaults(0, "boom", null, null),
            "other-service" => new LaunchFaults(1, "boom", null, "api"),
            "over" => new LaunchFaults(1, "boom", T0, null),
            "until-later" => new LaunchFaults(1, "boom", T0.AddMinutes(1), "web"),
            _ => new LaunchFaults(1, "boom", null, null),
        };
        var t = LaunchPlanner.NewTask(Request(1, "web"), "t1", ClusterName, "cp", LaunchType.EC2, faults, T0, new Random(1));
        Assert.Equal(injected ? "boom" : null, t.FailureInjected);
        Assert.Equal((TaskStatus.PROVISIONING, DesiredStatus.RUNNING, "service:web"), (t.LastStatus, t.DesiredStatus, t.Group));
    }

    [Fact]
    public void B_SV_5_faults_that_do_not_apply_draw_nothing_from_the_stream()
    {
        var drawn = new Random(5);
        var untouched = new Random(5);
        Assert.Null(LaunchPlanner.InjectedFailure(new LaunchFaults(1, "boom", null, "api"), "web", T0, drawn));
        Assert.Null(LaunchPlanner.InjectedFailure(null, "web", T0, drawn));
        Assert.Equal(untouched.Next(), drawn.Next());
    }

    [Fact]
    public void B_ID_4_the_same_seed_and_inputs_give_the_same_plan_and_tasks()
    {
        string Run()
        {
            var book = Book();
            for (var i = 0; i < 6; i++)
            {
                book.AddInstance(Instance("i" + i, i % 2 == 0 ? "m5.large" : "t3.small", Zones[i % 3]));
            }

            var random = new Random(42);
            var request = Request(40, "web", allocations: [new ProviderAllocation("cp", 40)],
                placement: [new PlacementStrategy(PlacementStrategyType.spread, "attribute:ecs.availability-zone"), new PlacementStrategy(PlacementStrategyType.random, null)]);
            var plan = LaunchPlanner.Plan(request, book, Settings(), T0, random);
            var tasks = plan.ApplyTo(book, request, ClusterName, new LaunchFaults(0.5, "boom", null, null), Timings, T0, random);
            return string.Join(";", tasks.Select(t => $"{t.TaskId}@{t.ContainerInstanceId}/{t.FailureInjected}"));
        }

        Assert.Equal(Run(), Run());
    }

    [Fact]
    public void B_PL_6_explaining_a_placement_changes_nothing_and_draws_nothing_from_the_clusters_stream()
    {
        var book = Book();
        book.AddInstance(Instance("i1", "t3.small"));
        var request = Request(5, allocations: [new ProviderAllocation("cp", 5)]);
        var explained = LaunchPlanner.Explain(request, book, Settings(), T0, out var rejection);
        Assert.Null(rejection);
        var info = Assert.Single(explained);
        Assert.Equal((3, 2, PlacementReasons.Memory, "i1"), (info.WouldPlace, info.WouldNotPlace, info.Reason, info.ClosestContainerInstanceId));
        Assert.Empty(book.Tasks);
        Assert.Equal(ResourceSet.Zero, book.Instances["i1"].Used);

        LaunchPlanner.Explain(Request(1, allocations: [new ProviderAllocation("nope", 1)]), book, Settings(), T0, out var refused);
        Assert.Equal(ErrorCodes.InvalidParameter, refused?.Code);
    }

    [Fact]
    public void A_plan_is_applied_in_order_placed_then_queued_with_the_launchs_placement()
    {
        var book = Book();
        book.AddInstance(Instance("i1", "t3.small"));
        var strategies = ImmutableArray.Create(new PlacementStrategy(PlacementStrategyType.binpack, "memory"));
        var request = Request(5, "web", allocations: [new ProviderAllocation("cp", 5)], placement: strategies);
        var plan = LaunchPlanner.Plan(request, book, Settings(), T0, new Random(1));
        var created = plan.ApplyTo(book, request, ClusterName, null, Timings, T0, new Random(1));
        Assert.Equal(new[] { TaskStatus.PENDING, TaskStatus.PENDING, TaskStatus.PENDING, TaskStatus.PROVISIONING, TaskStatus.PROVISIONING }, created.Select(t => t.LastStatus).ToArray());
        Assert.Equal(created.Where(t => t.IsQueued).Select(t => t.TaskId).ToArray(), book.Queue.ToArray());
        Assert.All(book.Queue, id => Assert.Equal(strategies.ToArray(), book.QueuedPlacementOf(id)!.Strategies.ToArray()));
        Assert.Empty(book.Invariants(T0));
        Assert.Throws<InvalidOperationException>(() => LaunchPlan.Replay(["x"]).ApplyTo(book, request, ClusterName, null, Timings, T0, new Random(1)));
    }
}
