using Emulator.Contracts;
using Emulator.Model.Cluster;
using Emulator.Model.Lifecycle;
using static Emulator.Tests.Model.Cluster.ClusterFixtures;
using TaskStatus = Emulator.Contracts.TaskStatus;

namespace Emulator.Tests.Model.Cluster;

/// <summary>The cluster's other rules, by rule id: deletion, B-CP-5, B-PQ-4, B-T-2, B-PQ-2 triggers, B-SP-4, queries.</summary>
public sealed class ClusterRulesTests
{
    [Theory]
    [InlineData(1, false, false, ErrorCodes.ClusterContainsServices)]
    [InlineData(0, true, false, ErrorCodes.ClusterContainsContainerInstances)]
    [InlineData(0, false, true, ErrorCodes.ClusterContainsTasks)]
    [InlineData(0, false, false, null)]
    public void DeleteCluster_is_refused_while_services_instances_or_tasks_remain(int services, bool instance, bool task, string? code)
    {
        var book = Book();
        book.AddInstance(Instance("i1"));
        if (!instance)
        {
            book.ReplaceInstance(ContainerInstanceRules.Deregistered(book.Instances["i1"]));
        }

        var t = NewTask("t1", launchType: LaunchType.FARGATE, provider: null);
        book.Add(t);
        if (!task)
        {
            book.Replace(t, TaskLifecycle.HostLost(t, StopReasons.UserInitiated, "bye", Timings, T0));
        }

        Assert.Equal(code, ClusterRules.DeleteRefusal(book, services)?.Code);
    }

    [Theory]
    [InlineData("cp", false, ErrorCodes.ResourceInUse)]
    [InlineData("cp", true, null)] // its tasks are STOPPED
    [InlineData("cp2", false, null)] // not the one in use
    public void B_CP_5_removing_a_provider_that_tasks_still_use_is_refused(string removed, bool stopped, string? code)
    {
        var book = Book();
        var t = NewTask("t1", provider: "cp");
        book.Add(t, QueuedPlacement.None);
        if (stopped)
        {
            book.Replace(t, TaskLifecycle.RequestStop(t, StopReasons.UserInitiated, "bye", Timings, T0));
        }

        var kept = new[] { "cp", "cp2" }.Where(p => p != removed).ToHashSet(StringComparer.Ordinal);
        var refusal = ClusterRules.ProviderRemovalRefusal(book, ["cp", "cp2"], kept);
        Assert.Equal(code, refusal?.Code);
        if (refusal is not null)
        {
            Assert.Equal("The specified capacity provider cp is in use and cannot be removed.", refusal.Message);
        }
    }

    [Theory]
    [InlineData(false, "FARGATE_SPOT", true)]
    [InlineData(true, "FARGATE_SPOT", false)]
    [InlineData(false, "FARGATE", false)]
    public void B_PQ_4_a_fargate_spot_task_stays_provisioning_while_spot_capacity_is_exhausted(bool available, string provider, bool waits)
    {
        var t = TaskLifecycle.FargateAccepted(NewTask("f", provider, LaunchType.FARGATE), "us-east-1a", Timings, T0, new Random(1));
        var due = t.NextTransitionAt!.Value;
        var step = ClusterRules.DueTransition(t, available, Timings, TimeSpan.FromSeconds(1), due, new Random(1));
        Assert.False(step.Delete);
        if (waits)
        {
            Assert.Equal((TaskStatus.PROVISIONING, due + TimeSpan.FromSeconds(5)), (step.Next.LastStatus, step.Next.NextTransitionAt));
        }
        else
        {
            Assert.Equal(TaskStatus.RUNNING, step.Next.LastStatus);
        }
    }

    [Fact]
    public void B_T_2_a_stopped_task_is_deleted_once_its_retention_is_over()
    {
        var t = TaskLifecycle.HostLost(NewTask("t"), StopReasons.UserInitiated, "bye", Timings, T0);
        Assert.False(ClusterRules.DueTransition(t, true, Timings, TimeSpan.FromSeconds(1), T0.AddMinutes(59), new Random(1)).Delete);
        Assert.True(ClusterRules.DueTransition(t, true, Timings, TimeSpan.FromSeconds(1), T0.AddHours(1), new Random(1)).Delete);
    }

    public static TheoryData<TaskStatus, TaskStatus, bool, bool> Frees => new()
    {
        { TaskStatus.RUNNING, TaskStatus.STOPPED, true, true },
        { TaskStatus.PENDING, TaskStatus.STOPPED, true, true },
        { TaskStatus.PROVISIONING, TaskStatus.STOPPED, false, false }, // a queued task held nothing
        { TaskStatus.RUNNING, TaskStatus.DEACTIVATING, true, false },
        { TaskStatus.STOPPED, TaskStatus.STOPPED, true, false },
    };

    [Theory]
    [MemberData(nameof(Frees))]
    public void B_PQ_2_a_placed_task_that_stops_frees_capacity_for_the_queue(TaskStatus from, TaskStatus to, bool placed, bool frees)
    {
        var before = NewTask("t") with { LastStatus = from, ContainerInstanceId = placed ? "i1" : null };
        Assert.Equal(frees, ClusterRules.FreesCapacity(before, before with { LastStatus = to }));
    }

    [Fact]
    public void B_SV_3_a_service_hears_of_its_tasks_status_changes_only()
    {
        var t = NewTask("t", service: "web");
        Assert.Equal("web", ClusterRules.ServiceToTell(t, t with { LastStatus = TaskStatus.PENDING }));
        Assert.Equal("web", ClusterRules.ServiceToTell(t, t with { DesiredStatus = DesiredStatus.STOPPED }));
        Assert.Null(ClusterRules.ServiceToTell(t, t with { NextTransitionAt = T0 }));
        var standalone = NewTask("s");
        Assert.Null(ClusterRules.ServiceToTell(standalone, standalone with { LastStatus = TaskStatus.PENDING }));
    }

    [Theory]
    [InlineData("FARGATE_SPOT", DesiredStatus.RUNNING, true)]
    [InlineData("FARGATE_SPOT", DesiredStatus.STOPPED, false)]
    [InlineData("FARGATE", DesiredStatus.RUNNING, false)] // B-CP-4: never FARGATE
    public void B_SP_4_a_fargate_spot_interruption_hits_spot_tasks_still_wanted_running(string provider, DesiredStatus desired, bool hit) =>
        Assert.Equal(hit, ClusterRules.FargateSpotInterruptible(NewTask("f", provider, LaunchType.FARGATE) with { DesiredStatus = desired }));

    [Fact]
    public void A_zone_outage_loses_the_live_fargate_tasks_of_the_zone_only()
    {
        var book = Book();
        var random = new Random(1);
        book.Add(TaskLifecycle.FargateAccepted(NewTask("a", "FARGATE", LaunchType.FARGATE), "us-east-1a", Timings, T0, random));
        book.Add(TaskLifecycle.FargateAccepted(NewTask("b", "FARGATE", LaunchType.FARGATE), "us-east-1b", Timings, T0, random));
        var stopped = TaskLifecycle.FargateAccepted(NewTask("c", "FARGATE", LaunchType.FARGATE), "us-east-1a", Timings, T0, random);
        book.Add(stopped);
        book.Replace(stopped, TaskLifecycle.HostLost(stopped, StopReasons.UserInitiated, "bye", Timings, T0));
        book.AddInstance(Instance("i1", zone: "us-east-1a"));
        var ec2 = NewTask("e");
        book.Add(ec2);
        book.Replace(ec2, TaskLifecycle.Placed(ec2, book.Instances["i1"], [], Timings, T0, random));

        Assert.Equal(new[] { "a" }, ClusterRules.LostWithZone(book, "us-east-1a").Select(t => t.TaskId).ToArray());
    }

    [Fact]
    public void ListTasks_narrows_by_service_family_started_by_instance_desired_status_and_launch_type()
    {
        var book = Book();
        var random = new Random(1);
        book.AddInstance(Instance("i1"));
        var web = NewTask("w", service: "web");
        book.Add(web);
        book.Replace(web, TaskLifecycle.Placed(web, book.Instances["i1"], [], Timings, T0, random));
        book.Add(NewTask("r"), QueuedPlacement.None);
        book.Add(TaskLifecycle.FargateAccepted(NewTask("f", "FARGATE", LaunchType.FARGATE), "us-east-1a", Timings, T0, random));

        string[] Ids(TaskFilter f) => ClusterRules.ListTasks(book, f).Select(t => t.TaskId).Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(new[] { "f", "r", "w" }, Ids(TaskFilter.All));
        Assert.Equal(new[] { "w" }, Ids(TaskFilter.All with { ServiceName = "web" }));
        Assert.Equal(new[] { "f", "r", "w" }, Ids(TaskFilter.All with { Family = "web" })); // by group or by task definition
        Assert.Empty(Ids(TaskFilter.All with { Family = "api" }));
        Assert.Equal(new[] { "w" }, Ids(TaskFilter.All with { StartedBy = "ecs-svc/1" }));
        Assert.Equal(new[] { "w" }, Ids(TaskFilter.All with { ContainerInstanceId = "arn:aws:ecs:us-east-1:000000000000:container-instance/book/i1" }));
        Assert.Equal(new[] { "f" }, Ids(TaskFilter.All with { LaunchType = LaunchType.FARGATE }));
        Assert.Empty(Ids(TaskFilter.All with { DesiredStatus = DesiredStatus.STOPPED }));
        Assert.Equal("web", ClusterRules.FamilyOf("arn:aws:ecs:us-east-1:000000000000:task-definition/web:12"));
    }

    [Fact]
    public void B_PL_2_scale_in_candidates_are_the_services_tasks_of_the_provider_still_wanted_running()
    {
        var book = Book();
        book.Add(NewTask("a", service: "web"), QueuedPlacement.None);
        book.Add(NewTask("b", service: "web", provider: "cp2"), QueuedPlacement.None);
        book.Add(NewTask("d", service: "web", daemon: true), QueuedPlacement.None);
        var stopped = NewTask("s", service: "web");
        book.Add(stopped, QueuedPlacement.None);
        book.Replace(stopped, TaskLifecycle.RequestStop(stopped, StopReasons.UserInitiated, "bye", Timings, T0));

        var candidates = ClusterRules.StopCandidates(book, "web", "cp");
        var only = Assert.Single(candidates);
        Assert.Equal(("a", false, false), (only.TaskId, only.Placed, only.Running));
    }

    [Fact]
    public void Reservation_is_reserved_over_registered_in_percent()
    {
        Assert.Equal((25.0, 50.0), ClusterRules.Reservation(new ResourceSet(2048, 4096, 0, 0), new ResourceSet(512, 2048, 0, 0)));
        Assert.Equal((0.0, 0.0), ClusterRules.Reservation(ResourceSet.Zero, ResourceSet.Zero));
    }
}
