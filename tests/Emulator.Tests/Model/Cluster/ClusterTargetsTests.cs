using Emulator.Contracts;
using Emulator.Model.Cluster;
using Emulator.Model.Lifecycle;
using Emulator.Model.LoadBalancing;
using static Emulator.Tests.Model.Cluster.ClusterFixtures;
using TaskStatus = Emulator.Contracts.TaskStatus;

namespace Emulator.Tests.Model.Cluster;

/// <summary>The cluster's tasks as targets (B-LB-1, B-LB-2) and as their services see them (B-TL-5, B-SV-4).</summary>
public sealed class ClusterTargetsTests
{
    // Interval 30 s x healthy threshold 2: healthy 60 s after registration; deregistration delay 90 s (the workshop's).
    private static readonly TargetGroupSpec Group = new("tg-web", 80, "HTTP", 30, 2, 2, 90, "ip");

    private static readonly Dictionary<string, TargetGroupSpec> Groups = new() { ["web"] = Group };

    private static readonly Dictionary<string, DateTimeOffset> Since = new() { ["web"] = T0 };

    [Theory]
    [InlineData("web", 0, true)]
    [InlineData("web", -1, false)] // launched before the service named its target group
    [InlineData("api", 0, false)]
    [InlineData(null, 0, false)]
    public void B_LB_1_a_task_is_a_target_of_its_services_group_once_the_service_named_it(string? service, int createdSeconds, bool target) =>
        Assert.Equal(target, ClusterTargets.TargetGroupOf(NewTask("t", service: service, at: T0.AddSeconds(createdSeconds)), Groups, Since) is not null);

    [Fact]
    public void B_LB_1_a_target_registers_when_running_and_died_only_if_it_stopped_before_its_deregistration_was_over()
    {
        var provisioning = NewTask("t", service: "web");
        Assert.Null(ClusterTargets.Facts(provisioning, Group));

        var running = provisioning with { LastStatus = TaskStatus.RUNNING, StartedAt = T0.AddSeconds(10) };
        Assert.Equal(new TargetFacts("t", T0.AddSeconds(10), null, null), ClusterTargets.Facts(running, Group));

        var deregistered = running with { LastStatus = TaskStatus.STOPPED, DeregisteredAt = T0.AddMinutes(5), StoppedAt = T0.AddMinutes(7) };
        Assert.Null(ClusterTargets.Facts(deregistered, Group)!.DiedAt); // stopped after the 90 s delay

        var cut = deregistered with { StoppedAt = T0.AddMinutes(5).AddSeconds(30) };
        Assert.Equal(T0.AddMinutes(5).AddSeconds(30), ClusterTargets.Facts(cut, Group)!.DiedAt);

        var lost = running with { LastStatus = TaskStatus.STOPPED, StoppedAt = T0.AddMinutes(3) }; // host gone, never deregistered
        Assert.Equal(T0.AddMinutes(3), ClusterTargets.Facts(lost, Group)!.DiedAt);
    }

    [Theory]
    [InlineData("web", TaskStatus.RUNNING, 90)]
    [InlineData("web", TaskStatus.PENDING, null)]
    [InlineData(null, TaskStatus.RUNNING, null)]
    public void B_LB_2_a_running_target_is_deregistered_for_its_groups_delay_before_it_stops(string? service, TaskStatus status, int? delay) =>
        Assert.Equal(delay is null ? null : TimeSpan.FromSeconds(delay.Value),
            ClusterTargets.DeregistrationDelay(NewTask("t", service: service) with { LastStatus = status }, Groups, Since));

    [Theory]
    [InlineData(39, false, false)] // B-TL-5: 40 s after RUNNING
    [InlineData(40, false, true)]
    [InlineData(40, true, false)] // with a target group: 60 s of passing checks
    [InlineData(60, true, true)]
    public void B_TL_5_a_task_is_healthy_40_s_after_running_and_a_target_once_its_checks_pass(int seconds, bool balanced, bool healthy)
    {
        var book = Book();
        book.AddInstance(Instance("i1"));
        var t = NewTask("t", service: "web");
        book.Add(t);
        var placed = TaskLifecycle.Placed(t, book.Instances["i1"], [], Timings, T0, new Random(1));
        book.Replace(t, placed);
        var running = placed with { LastStatus = TaskStatus.RUNNING, StartedAt = T0, NextTransitionAt = null, Version = placed.Version + 1 };
        book.Replace(placed, running);

        var groups = balanced ? Groups : [];
        var view = Assert.Single(ClusterTargets.ServiceTaskViews(book, "web", Timings, T0.AddSeconds(seconds), groups, Since));
        Assert.Equal(healthy, view.Healthy);
        Assert.False(view.OnDrainingInstance);
    }

    [Fact]
    public void B_SV_4_a_service_sees_which_of_its_tasks_sit_on_an_instance_that_is_not_active()
    {
        var book = Book();
        book.AddInstance(Instance("i1"));
        book.AddInstance(Instance("i2"));
        foreach (var (id, instance) in new[] { ("a", "i1"), ("b", "i2") })
        {
            var t = NewTask(id, service: "web");
            book.Add(t);
            book.Replace(t, TaskLifecycle.Placed(t, book.Instances[instance], [], Timings, T0, new Random(1)));
        }

        book.ReplaceInstance(ContainerInstanceRules.WithStatus(book.Instances["i2"], ContainerInstanceStatus.DRAINING));
        var views = ClusterTargets.ServiceTaskViews(book, "web", Timings, T0, Groups, Since).ToDictionary(v => v.TaskId);
        Assert.False(views["a"].OnDrainingInstance);
        Assert.True(views["b"].OnDrainingInstance);
    }
}
