using Emulator.Contracts;
using Emulator.Model.Cluster;
using Emulator.Model.Lifecycle;
using static Emulator.Tests.Model.Cluster.ClusterFixtures;
using TaskStatus = Emulator.Contracts.TaskStatus;

namespace Emulator.Tests.Model.Cluster;

/// <summary>
/// The record book keeps every index, count and the cost ledger equal to a recount from its records, whatever the
/// sequence of changes (B-PL-7, B-CI-2, B-PQ-1, B-IT-5, B-T-2), and its invariant check notices when they are not.
/// </summary>
public sealed class ClusterBookTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    public void B_PL_7_random_operation_sequences_keep_every_index_count_and_the_ledger_equal_to_a_recount(int seed)
    {
        var random = new Random(seed);
        var records = new ClusterRecords();
        var heard = new Counter();
        var book = Book(records, heard);
        var placedFromQueue = 0;
        var settings = Settings([Asg("cp", true), Asg("cp2", false), Fargate, FargateSpot], queueLimit: 60);
        var now = T0;
        string[] types = ["t3.small", "m5.large", "c5.large"];
        var instances = 0;
        var fargateSpotAvailable = true;
        for (var step = 0; step < 2_500; step++)
        {
            now += TimeSpan.FromSeconds(random.Next(0, 6));
            switch (random.Next(12))
            {
                case 0:
                {
                    // A new instance; now and then one for an EC2 instance whose last container instance is INACTIVE (a
                    // registration for an EC2 instance whose container instance is live returns that one: no new record).
                    var gone = book.Instances.Values.Where(i => book.InstanceByEc2(i.Ec2InstanceId)?.Status == ContainerInstanceStatus.INACTIVE).ToList();
                    var ec2 = gone.Count > 0 && random.Next(3) == 0 ? gone[random.Next(gone.Count)].Ec2InstanceId : null;
                    var id = book.UnusedId(random);
                    book.AddInstance(Instance(id, types[random.Next(types.Length)], Zones[random.Next(3)], random.Next(2) == 0 ? "cp" : "cp2",
                        spot: random.Next(4) == 0, ec2: ec2 ?? "i-" + instances++));
                    break;
                }

                case 1:
                case 2:
                case 3:
                {
                    // RunTask / a service launch on EC2: placed, queued (cp has managed scaling) or failed.
                    var service = random.Next(3) switch { 0 => null, 1 => "web", _ => "api" };
                    var request = Request(random.Next(1, 7), service,
                        allocations: [new ProviderAllocation(random.Next(2) == 0 ? "cp" : "cp2", random.Next(1, 7))],
                        needs: Needs(random.Next(1, 4) * 256, random.Next(1, 5) * 512, random.Next(5) == 0 ? [8080] : null));
                    Launch(book, request, settings, now, random);
                    break;
                }

                case 4:
                {
                    var request = Request(random.Next(1, 5), random.Next(2) == 0 ? null : "web",
                        strategy: [new CapacityProviderStrategyItem("FARGATE", 1, random.Next(2)), new CapacityProviderStrategyItem("FARGATE_SPOT", 2, 0)]);
                    Launch(book, request, settings, now, random);
                    break;
                }

                case 5:
                {
                    var live = book.Tasks.Values.Where(t => t.DesiredStatus == DesiredStatus.RUNNING).ToList();
                    if (live.Count > 0)
                    {
                        var t = live[random.Next(live.Count)];
                        book.Replace(t, TaskLifecycle.RequestStop(t, StopReasons.UserInitiated, StopReasons.StoppedByUser, Timings, now,
                            random.Next(3) == 0 ? TimeSpan.FromSeconds(30) : null));
                    }

                    break;
                }

                case 6:
                {
                    // The EC2 instance under a container instance terminates (B-SP-3, B-CI-5).
                    var up = book.Instances.Values.Where(i => i.Status != ContainerInstanceStatus.INACTIVE).ToList();
                    if (up.Count > 0)
                    {
                        var instance = up[random.Next(up.Count)];
                        foreach (var id in book.TasksOn(instance.ContainerInstanceId).ToList())
                        {
                            var t = book.Tasks[id];
                            if (t.LastStatus != TaskStatus.STOPPED)
                            {
                                book.Replace(t, TaskLifecycle.HostLost(t, StopReasons.HostStopCode(instance.IsSpot),
                                    StopReasons.HostTerminated(instance.Ec2InstanceId), Timings, now));
                            }
                        }

                        book.ReplaceInstance(ContainerInstanceRules.Deregistered(book.Instances[instance.ContainerInstanceId]));
                    }

                    break;
                }

                case 7:
                {
                    // DRAINING and back (B-CI-3).
                    var up = book.Instances.Values.Where(i => i.Status != ContainerInstanceStatus.INACTIVE).ToList();
                    if (up.Count > 0)
                    {
                        var instance = up[random.Next(up.Count)];
                        var draining = instance.Status == ContainerInstanceStatus.ACTIVE;
                        book.ReplaceInstance(ContainerInstanceRules.WithStatus(instance, draining ? ContainerInstanceStatus.DRAINING : ContainerInstanceStatus.ACTIVE));
                        foreach (var id in draining ? book.TasksOn(instance.ContainerInstanceId).ToList() : [])
                        {
                            var t = book.Tasks[id];
                            if (ContainerInstanceRules.StopsWhenDraining(t))
                            {
                                book.Replace(t, TaskLifecycle.RequestStop(t, StopReasons.ServiceSchedulerInitiated, "draining", Timings, now));
                            }
                        }
                    }

                    break;
                }

                case 8:
                    placedFromQueue += QueuePlacer.PlaceQueued(book, Timings, now, random);
                    break;

                case 9:
                case 10:
                    // Time passes: every due transition, Fargate Spot capacity coming and going (B-PQ-4), deletions.
                    now += TimeSpan.FromMinutes(random.Next(0, 12));
                    fargateSpotAvailable = random.Next(4) > 0;
                    while (book.TryTakeDue(now, out var t, out _))
                    {
                        var due = ClusterRules.DueTransition(t, fargateSpotAvailable, Timings, TimeSpan.FromSeconds(1), now, random);
                        if (due.Delete)
                        {
                            book.Remove(t, now);
                        }
                        else if (!ReferenceEquals(due.Next, t))
                        {
                            book.Replace(t, due.Next);
                        }
                    }

                    break;

                default:
                    while (QueuePlacer.TimedOut(book, Timings, now) is { } head)
                    {
                        book.Replace(head, TaskLifecycle.RequestStop(head, StopReasons.TaskFailedToStart, StopReasons.CapacityUnavailable, Timings, now));
                    }

                    break;
            }

            if (step % 50 == 49)
            {
                AssertEqualToRecount(book, records, now);
            }
        }

        AssertEqualToRecount(book, records, now);

        // The sequence went through every kind of change: launches, queueing and placing from the queue, deletions.
        Assert.True(heard.Added > 200 && heard.Replaced > 400 && heard.Removed > 20, $"added {heard.Added}, replaced {heard.Replaced}, removed {heard.Removed}");
        Assert.True(placedFromQueue > 0, "tasks were placed from the PROVISIONING queue");
        Assert.Contains(book.Tasks.Values, t => t.LastStatus == TaskStatus.RUNNING);
    }

    [Fact]
    public void B_PQ_1_a_queued_task_waits_in_the_queue_until_it_is_placed_or_stopped()
    {
        var book = Book();
        var spec = new QueuedPlacement([], []);
        var a = NewTask("a");
        var b = NewTask("b");
        book.Add(a, spec);
        book.Add(b, spec);
        Assert.Equal(new[] { "a", "b" }, book.Queue.ToArray());
        Assert.Same(spec, book.QueuedPlacementOf("a"));

        book.AddInstance(Instance("i1"));
        var placed = TaskLifecycle.Placed(a, book.Instances["i1"], [], Timings, T0, new Random(1));
        book.Replace(a, placed);
        Assert.Equal(new[] { "b" }, book.Queue.ToArray());
        Assert.Null(book.QueuedPlacementOf("a"));

        book.Replace(b, TaskLifecycle.RequestStop(b, StopReasons.UserInitiated, StopReasons.StoppedByUser, Timings, T0));
        Assert.Empty(book.Queue);
        Assert.Empty(book.Invariants(T0));
    }

    [Fact]
    public void B_PQ_1_only_an_unplaced_task_wanted_running_can_join_the_queue()
    {
        var book = Book();
        book.AddInstance(Instance("i1"));
        var placed = TaskLifecycle.Placed(NewTask("a"), book.Instances["i1"], [], Timings, T0, new Random(1));
        Assert.Throws<ArgumentException>(() => book.Add(placed, QueuedPlacement.None));
        Assert.Empty(book.Tasks);
    }

    [Fact]
    public void B_PL_7_placing_a_task_reserves_its_resources_and_stopping_it_frees_them()
    {
        var book = Book();
        book.AddInstance(Instance("i1", "m5.large"));
        var t = NewTask("a", needs: Needs(512, 1024, [8080]), service: "web");
        book.Add(t);
        var placed = TaskLifecycle.Placed(t, book.Instances["i1"], [8080], Timings, T0, new Random(1));
        book.Replace(t, placed);
        var held = book.Instances["i1"];
        Assert.Equal(new ResourceSet(512, 1024, 0, 0), held.Used);
        Assert.Contains(8080, held.UsedPorts);
        Assert.Equal(1, held.TaskGroups["service:web"]);
        Assert.Equal((1, 1), (held.RunningTasksCount, held.PendingTasksCount));
        Assert.Equal(new[] { "a" }, book.TasksOn("i1").ToArray());
        Assert.Equal(new[] { "a" }, book.TasksOf("web").ToArray());

        book.Replace(placed, TaskLifecycle.HostLost(placed, StopReasons.ServiceSchedulerInitiated, "gone", Timings, T0));
        var freed = book.Instances["i1"];
        Assert.Equal(ResourceSet.Zero, freed.Used);
        Assert.DoesNotContain(8080, freed.UsedPorts);
        Assert.Equal((0, 0, 0), (freed.RunningTasksCount, freed.PendingTasksCount, freed.NonDaemonTasks));
        Assert.Equal(new[] { "a" }, book.TasksOn("i1").ToArray()); // STOPPED tasks stay visible until deleted
        Assert.Empty(book.Invariants(T0));
    }

    [Fact]
    public void B_IT_5_a_deleted_task_keeps_its_cost_in_the_totals()
    {
        var records = new ClusterRecords();
        var book = Book(records);
        var t = TaskLifecycle.FargateAccepted(NewTask("f", "FARGATE", LaunchType.FARGATE, "web"), "us-east-1a", Timings, T0, new Random(1));
        book.Add(t);
        var stopped = TaskLifecycle.HostLost(t, StopReasons.UserInitiated, "bye", Timings, T0.AddHours(2));
        book.Replace(t, stopped);
        var before = book.CostReport(T0.AddHours(5));
        Assert.True(before.Fargate > 0);

        book.Remove(stopped, T0.AddHours(3));
        var after = book.CostReport(T0.AddHours(5));
        Assert.Equal(before.Fargate, after.Fargate);
        Assert.Equal(before.ByService["web"], after.ByService["web"]);
        Assert.Equal(before.ByCapacityProvider["FARGATE"], after.ByCapacityProvider["FARGATE"]);
        Assert.Equal(before.Fargate, records.DeletedFargateCost);
        Assert.Empty(book.Tasks);
        Assert.Empty(book.Invariants(T0.AddHours(5)));
    }

    [Fact]
    public void B_T_2_the_due_queue_gives_each_live_transition_once_and_skips_superseded_ones()
    {
        var book = Book();
        book.AddInstance(Instance("i1"));
        var t = NewTask("a");
        book.Add(t);
        var placed = TaskLifecycle.Placed(t, book.Instances["i1"], [], Timings, T0, new Random(1)); // PENDING, due at T0 + 10 s
        book.Replace(t, placed);
        var stopping = TaskLifecycle.RequestStop(placed, StopReasons.UserInitiated, "bye", Timings, T0.AddSeconds(1)); // STOPPED, due after retention
        book.Replace(placed, stopping);

        Assert.False(book.TryTakeDue(T0.AddSeconds(30), out _, out _)); // the PENDING entry was superseded
        Assert.True(book.TryTakeDue(T0.AddHours(2), out var due, out var at));
        Assert.Same(stopping, due);
        Assert.Equal(stopping.NextTransitionAt, at);
        Assert.False(book.TryTakeDue(T0.AddHours(2), out _, out _));
    }

    [Fact]
    public void B_T_2_transitions_of_zero_duration_follow_each_other_at_the_same_instant()
    {
        // Every timing configured 0: an awsvpc task goes PROVISIONING -> PENDING -> RUNNING at the instant it is
        // placed, and STOPPING -> DEPROVISIONING -> STOPPED at the instant it is stopped, each step due when the last one ran.
        var timings = new Emulator.Model.EmulatorTimings { EniAttach = TimeSpan.Zero, TaskStart = TimeSpan.Zero, ContainerExit = TimeSpan.Zero, Deprovisioning = TimeSpan.Zero };
        var book = Book();
        var random = new Random(1);
        book.AddInstance(Instance("i1"));
        var t = NewTask("a", needs: Needs(mode: NetworkMode.awsvpc));
        book.Add(t);
        book.Replace(t, TaskLifecycle.Placed(t, book.Instances["i1"], [], timings, T0, random));
        Drain(T0);
        Assert.Equal(TaskStatus.RUNNING, book.Tasks["a"].LastStatus);

        var running = book.Tasks["a"];
        book.Replace(running, TaskLifecycle.RequestStop(running, StopReasons.UserInitiated, "bye", timings, T0.AddMinutes(1)));
        Drain(T0.AddMinutes(1));
        Assert.Equal(TaskStatus.STOPPED, book.Tasks["a"].LastStatus);
        Assert.Empty(book.Invariants(T0.AddMinutes(1)));

        void Drain(DateTimeOffset now)
        {
            while (book.TryTakeDue(now, out var due, out _))
            {
                var step = ClusterRules.DueTransition(due, true, timings, TimeSpan.FromSeconds(1), now, random);
                if (!ReferenceEquals(step.Next, due))
                {
                    book.Replace(due, step.Next);
                }
            }
        }
    }

    [Fact]
    public void Replace_and_Remove_refuse_a_record_that_is_not_the_one_in_the_book()
    {
        var book = Book();
        var t = NewTask("a");
        book.Add(t, QueuedPlacement.None);
        var stale = t with { Version = 7 };
        Assert.Throws<ArgumentException>(() => book.Replace(stale, stale with { Version = 8 }));
        Assert.Throws<ArgumentException>(() => book.Remove(stale, T0));
        Assert.Throws<ArgumentException>(() => book.Add(t));
        Assert.Same(t, book.Tasks["a"]);
        Assert.Empty(book.Invariants(T0));
    }

    [Fact]
    public void The_observer_hears_every_task_change_in_order()
    {
        var heard = new List<string>();
        var book = Book(observer: new Recorder(heard));
        book.AddInstance(Instance("i1"));
        var t = NewTask("a");
        book.Add(t);
        var placed = TaskLifecycle.Placed(t, book.Instances["i1"], [], Timings, T0, new Random(1));
        book.Replace(t, placed);
        var stopped = TaskLifecycle.HostLost(placed, StopReasons.UserInitiated, "bye", Timings, T0);
        book.Replace(placed, stopped);
        book.Remove(stopped, T0);
        Assert.Equal(new[] { "added a PROVISIONING", "replaced a PROVISIONING->PENDING", "replaced a PENDING->STOPPED", "removed a" }, heard.ToArray());
    }

    [Fact]
    public void B_CI_2_recount_restores_instance_accounting_from_the_tasks()
    {
        var records = new ClusterRecords();
        var book = Book(records);
        book.AddInstance(Instance("i1"));
        var t = NewTask("a", needs: Needs(1024, 2048));
        book.Add(t);
        book.Replace(t, TaskLifecycle.Placed(t, book.Instances["i1"], [], Timings, T0, new Random(1)));
        var kept = book.Instances["i1"];
        records.Instances["i1"] = kept with { Used = ResourceSet.Zero, RunningTasksCount = 0 };
        Assert.NotEmpty(book.Invariants(T0));

        book.Recount();
        Assert.Equal(kept.Used, book.Instances["i1"].Used);
        Assert.Equal(1, book.Instances["i1"].RunningTasksCount);
        Assert.Empty(book.Invariants(T0));
    }

    public static TheoryData<string, string> Drifts => new()
    {
        { "status", "task counts drifted" },
        { "instance-used", "counters drifted" },
        { "over-committed", "over-committed" },
        { "queue-entry", "in queue=False" },
        { "queue-duplicate", "in the PROVISIONING queue twice" },
        { "due", "not in the due queue" },
        { "gone", "which is not on it" },
        { "fargate-zone", "Fargate tasks by zone drifted" },
        { "ec2-index", "does not find it" },
    };

    [Theory]
    [MemberData(nameof(Drifts))]
    public void Invariants_notice_a_record_changed_behind_the_books_back(string change, string expected)
    {
        var records = new ClusterRecords();
        var book = Book(records);
        var random = new Random(3);
        book.AddInstance(Instance("i1", "t3.small"));
        var placed = NewTask("p", service: "web");
        book.Add(placed);
        book.Replace(placed, TaskLifecycle.Placed(placed, book.Instances["i1"], [], Timings, T0, random));
        book.Add(NewTask("q"), QueuedPlacement.None);
        book.Add(TaskLifecycle.FargateAccepted(NewTask("f", "FARGATE", LaunchType.FARGATE), "us-east-1b", Timings, T0, random));
        Assert.Empty(book.Invariants(T0));

        switch (change)
        {
            case "status":
                records.Tasks["q"] = records.Tasks["q"] with { LastStatus = TaskStatus.PENDING, ContainerInstanceId = null };
                break;
            case "instance-used":
                records.Instances["i1"] = records.Instances["i1"] with { Used = new ResourceSet(1, 1, 0, 0) };
                break;
            case "over-committed":
                records.Instances["i1"] = records.Instances["i1"] with { Used = new ResourceSet(99_999, 1, 0, 0) };
                break;
            case "queue-entry":
                records.Queue.Clear();
                break;
            case "queue-duplicate":
                records.Queue.Add("q");
                break;
            case "due":
                records.Tasks["f"] = records.Tasks["f"] with { NextTransitionAt = T0.AddDays(3) };
                break;
            case "gone":
                records.Tasks.Remove("p");
                break;
            case "fargate-zone":
                records.Tasks["f"] = records.Tasks["f"] with { AvailabilityZone = "us-east-1c" };
                break;
            case "ec2-index":
                records.Instances["i1"] = records.Instances["i1"] with { Ec2InstanceId = "i-other" };
                break;
        }

        Assert.Contains(book.Invariants(T0), v => v.Contains(expected, StringComparison.Ordinal));
    }

    /// <summary>Launches through the planner and applies the plan, as the cluster grain does; rejections change nothing.</summary>
    private static void Launch(ClusterBook book, LaunchRequest request, LaunchSettings settings, DateTimeOffset now, Random random)
    {
        var plan = LaunchPlanner.Plan(request, book, settings, now, random);
        if (plan.Rejection is null)
        {
            plan.ApplyTo(book, request, ClusterName, null, Timings, now, random);
        }
    }

    private static void AssertEqualToRecount(ClusterBook book, ClusterRecords records, DateTimeOffset now)
    {
        var violations = book.Invariants(now);
        Assert.True(violations.IsEmpty, string.Join("\n", violations));
        var copy = ClusterRecords.CopyOf(records);
        var fresh = Book(copy); // recounts every index and each instance's accounting from the tasks
        foreach (var (id, kept) in records.Instances)
        {
            var recounted = copy.Instances[id];
            Assert.Equal(recounted.Used, kept.Used);
            Assert.True(recounted.UsedPorts.SetEquals(kept.UsedPorts));
            Assert.Equal(recounted.TaskGroups.OrderBy(g => g.Key), kept.TaskGroups.OrderBy(g => g.Key));
            Assert.Equal((recounted.RunningTasksCount, recounted.PendingTasksCount, recounted.NonDaemonTasks),
                (kept.RunningTasksCount, kept.PendingTasksCount, kept.NonDaemonTasks));
            Assert.Equal(fresh.TasksOn(id).Order(), book.TasksOn(id).Order());
            Assert.Equal(fresh.InstanceByEc2(kept.Ec2InstanceId)?.ContainerInstanceId, book.InstanceByEc2(kept.Ec2InstanceId)?.ContainerInstanceId);
        }

        Assert.Equal(fresh.TaskCounts.OrderBy(k => k.Key.ToString()), book.TaskCounts.OrderBy(k => k.Key.ToString()));
        foreach (var service in new[] { "web", "api" })
        {
            Assert.Equal(fresh.TasksOf(service).Order(), book.TasksOf(service).Order());
        }

        foreach (var zone in Zones)
        {
            Assert.Equal(fresh.LiveFargateTasksIn(zone), book.LiveFargateTasksIn(zone));
        }

        foreach (var status in Enum.GetValues<TaskStatus>())
        {
            Assert.Equal(book.Tasks.Values.Count(t => t.LastStatus == status), book.CountTasks(status));
        }

        var kept2 = book.CostReport(now);
        var recount = fresh.CostReport(now);
        Assert.InRange(kept2.Fargate - recount.Fargate, -1e-9m, 1e-9m);
        Assert.InRange(kept2.Ec2TaskShare - recount.Ec2TaskShare, -1e-9m, 1e-9m);
        Assert.Equal(recount.ByService.Keys.Order(), kept2.ByService.Keys.Order());
        Assert.Equal(recount.ByCapacityProvider.Keys.Order(), kept2.ByCapacityProvider.Keys.Order());
        Assert.Equal(records.Queue, copy.Queue);
    }

    private sealed class Counter : IClusterBookObserver
    {
        public int Added { get; private set; }

        public int Replaced { get; private set; }

        public int Removed { get; private set; }

        public void TaskAdded(TaskRecord task) => Added++;

        public void TaskReplaced(TaskRecord before, TaskRecord after) => Replaced++;

        public void TaskRemoved(TaskRecord task) => Removed++;
    }

    private sealed class Recorder(List<string> heard) : IClusterBookObserver
    {
        public void TaskAdded(TaskRecord task) => heard.Add($"added {task.TaskId} {task.LastStatus}");

        public void TaskReplaced(TaskRecord before, TaskRecord after) => heard.Add($"replaced {after.TaskId} {before.LastStatus}->{after.LastStatus}");

        public void TaskRemoved(TaskRecord task) => heard.Add($"removed {task.TaskId}");
    }
}
