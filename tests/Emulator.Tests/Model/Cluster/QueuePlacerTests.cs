using System.Collections.Immutable;
using Emulator.Contracts;
using Emulator.Model.Cluster;
using Emulator.Model.Lifecycle;
using static Emulator.Tests.Model.Cluster.ClusterFixtures;
using TaskStatus = Emulator.Contracts.TaskStatus;

namespace Emulator.Tests.Model.Cluster;

/// <summary>The PROVISIONING queue (B-PQ-2, B-PQ-3) and what CAS reads of it (B-CAS-2).</summary>
public sealed class QueuePlacerTests
{
    [Fact]
    public void B_PQ_2_queued_tasks_are_placed_in_arrival_order_when_capacity_appears()
    {
        var book = Book();
        for (var i = 0; i < 5; i++)
        {
            book.Add(NewTask("t" + i, at: T0.AddSeconds(i)), QueuedPlacement.None);
        }

        Assert.Equal(0, QueuePlacer.PlaceQueued(book, Timings, T0, new Random(1))); // nowhere to go yet
        book.AddInstance(Instance("i1", "t3.small")); // fits 3 (B-IT-3)
        Assert.Equal(3, QueuePlacer.PlaceQueued(book, Timings, T0.AddMinutes(1), new Random(1)));
        Assert.Equal(new[] { "t3", "t4" }, book.Queue.ToArray());
        Assert.All(new[] { "t0", "t1", "t2" }, id => Assert.Equal(("i1", TaskStatus.PENDING), (book.Tasks[id].ContainerInstanceId, book.Tasks[id].LastStatus)));
        Assert.Empty(book.Invariants(T0.AddMinutes(1)));
    }

    [Fact]
    public void B_PQ_2_a_kind_that_does_not_fit_does_not_hold_back_a_later_kind_that_does()
    {
        var book = Book();
        book.AddInstance(Instance("i1", "t3.small"));
        var spec = QueuedPlacement.None;
        book.Add(NewTask("big1", needs: Needs(4096, 512)), spec); // bigger than a t3.small
        book.Add(NewTask("small1", service: "web"), spec);
        book.Add(NewTask("big2", needs: Needs(4096, 512)), spec);
        book.Add(NewTask("small2", service: "web"), spec);

        Assert.Equal(2, QueuePlacer.PlaceQueued(book, Timings, T0, new Random(1)));
        Assert.Equal(new[] { "big1", "big2" }, book.Queue.ToArray());
    }

    [Fact]
    public void B_PQ_2_queued_tasks_keep_their_placement_constraints()
    {
        var book = Book();
        book.AddInstance(Instance("blue", attributes: ImmutableDictionary<string, string>.Empty.Add("stage", "blue")));
        book.AddInstance(Instance("green", attributes: ImmutableDictionary<string, string>.Empty.Add("stage", "green")));
        var spec = new QueuedPlacement([], [new PlacementConstraint(PlacementConstraintType.memberOf, "attribute:stage == green")]);
        book.Add(NewTask("t1"), spec);
        book.Add(NewTask("t2"), spec);

        Assert.Equal(2, QueuePlacer.PlaceQueued(book, Timings, T0, new Random(1)));
        Assert.All(book.Tasks.Values, t => Assert.Equal("green", t.ContainerInstanceId));
    }

    [Fact]
    public void B_PQ_2_queued_tasks_are_placed_only_on_their_providers_instances()
    {
        var book = Book();
        book.AddInstance(Instance("other", provider: "cp2"));
        book.Add(NewTask("t1", provider: "cp"), QueuedPlacement.None);
        Assert.Equal(0, QueuePlacer.PlaceQueued(book, Timings, T0, new Random(1)));
        book.AddInstance(Instance("mine", provider: "cp"));
        Assert.Equal(1, QueuePlacer.PlaceQueued(book, Timings, T0, new Random(1)));
        Assert.Equal("mine", book.Tasks["t1"].ContainerInstanceId);
    }

    [Theory]
    [InlineData(29, false)]
    [InlineData(30, true)] // B-PQ-3: 30 minutes by default
    public void B_PQ_3_the_oldest_queued_task_times_out_after_the_provisioning_timeout(int minutes, bool timedOut)
    {
        var book = Book();
        book.Add(NewTask("old", at: T0), QueuedPlacement.None);
        book.Add(NewTask("young", at: T0.AddMinutes(10)), QueuedPlacement.None);
        Assert.Equal(timedOut ? "old" : null, QueuePlacer.TimedOut(book, Timings, T0.AddMinutes(minutes))?.TaskId);
    }

    [Fact]
    public void B_PQ_3_a_timed_out_task_stops_with_capacity_unavailable_and_leaves_the_queue()
    {
        var book = Book();
        book.Add(NewTask("old", at: T0), QueuedPlacement.None);
        var now = T0.AddMinutes(31);
        while (QueuePlacer.TimedOut(book, Timings, now) is { } head)
        {
            book.Replace(head, TaskLifecycle.RequestStop(head, StopReasons.TaskFailedToStart, StopReasons.CapacityUnavailable, Timings, now));
        }

        var t = book.Tasks["old"];
        Assert.Equal((TaskStatus.STOPPED, StopReasons.TaskFailedToStart, StopReasons.CapacityUnavailable), (t.LastStatus, t.StopCode, t.StoppedReason));
        Assert.Empty(book.Queue);
    }

    [Fact]
    public void B_CAS_2_queued_needs_are_grouped_by_resources_and_distinct_instance_per_provider()
    {
        var book = Book();
        var distinct = new QueuedPlacement([], [new PlacementConstraint(PlacementConstraintType.distinctInstance, null)]);
        book.Add(NewTask("a1"), QueuedPlacement.None);
        book.Add(NewTask("a2"), QueuedPlacement.None);
        book.Add(NewTask("d1"), distinct);
        book.Add(NewTask("b1", needs: Needs(1024, 2048)), QueuedPlacement.None);
        book.Add(NewTask("x1", provider: "cp2"), QueuedPlacement.None);

        var needs = QueuePlacer.QueuedNeeds(book, "cp");
        Assert.Equal(new[] { (256, false, 2), (256, true, 1), (1024, false, 1) }, needs.Select(n => (n.Needs.Cpu, n.DistinctInstance, n.Count)).ToArray());
        Assert.Equal(1, QueuePlacer.QueuedNeeds(book, "cp2").Single().Count);
    }
}
