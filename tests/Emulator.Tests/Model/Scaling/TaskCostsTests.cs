using Emulator.Contracts;
using Emulator.Model.Scaling;
using Emulator.Tests.Model.Lifecycle;
using TaskStatus = Emulator.Contracts.TaskStatus;

namespace Emulator.Tests.Model.Scaling;

/// <summary>B-IT-4 / B-IT-5: what a task has cost, on Fargate, Fargate Spot and as a share of a (Spot) instance.</summary>
public sealed class TaskCostsTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public void B_IT_5_fargate_task_pays_its_vcpu_and_memory_from_acceptance_to_stop()
    {
        var t = TaskLifecycleTests.NewTask(NetworkMode.awsvpc, LaunchType.FARGATE) with { CapacityProvider = "FARGATE", CreatedAt = T0 };
        Assert.Equal(0.0123425m, decimal.Round(TaskCosts.Accrued(t, null, 0, T0 + TimeSpan.FromHours(1)), 10));
        var stopped = t with { LastStatus = TaskStatus.STOPPED, StoppedAt = T0 + TimeSpan.FromMinutes(30) };
        Assert.Equal(0.00617125m, decimal.Round(TaskCosts.Accrued(stopped, null, 0, T0 + TimeSpan.FromHours(5)), 10));
    }

    [Fact]
    public void B_IT_4_fargate_spot_task_pays_30_percent()
    {
        var t = TaskLifecycleTests.NewTask(NetworkMode.awsvpc, LaunchType.FARGATE) with { CapacityProvider = "FARGATE_SPOT", CreatedAt = T0 };
        Assert.Equal(0.00370275m, decimal.Round(TaskCosts.Accrued(t, null, 0, T0 + TimeSpan.FromHours(1)), 10));
    }

    [Fact]
    public void B_IT_4_ec2_task_pays_its_cpu_share_of_the_spot_pool_price()
    {
        // m5.large On-Demand 0.096 USD/h; the Spot pool at 30 % = 0.0288; a 256-unit task of 2048 pays 1/8 of it.
        var spotHourly = AutoScalingGroups.SpotPrice(0.096m, 0.30);
        var t = TaskLifecycleTests.NewTask() with
        {
            ContainerInstanceId = "ci1",
            LastStatus = TaskStatus.RUNNING,
            PullStartedAt = T0,
            StartedAt = T0 + TimeSpan.FromSeconds(10),
        };
        Assert.Equal(0.0036m, decimal.Round(TaskCosts.Accrued(t, spotHourly, 2048, T0 + TimeSpan.FromHours(1)), 10));
    }

    [Fact]
    public void B_IT_5_a_queued_task_costs_nothing()
    {
        var t = TaskLifecycleTests.NewTask();
        Assert.Equal(0m, TaskCosts.Accrued(t, 0.096m, 2048, T0 + TimeSpan.FromHours(1)));
    }
}
