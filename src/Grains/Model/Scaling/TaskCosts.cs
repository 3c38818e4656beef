using Emulator.Contracts;
using TaskStatus = Emulator.Contracts.TaskStatus;

namespace Emulator.Model.Scaling;

/// <summary>
/// What one task has cost so far (B-IT-5). Fargate tasks pay for their own vCPU and memory from acceptance to stop
/// (FARGATE_SPOT at the Spot fraction). EC2 tasks get a share of their instance's price in proportion to the CPU
/// they reserve (Model choice, like AWS's split cost allocation), while the task holds resources.
/// </summary>
public static class TaskCosts
{
    public static decimal Accrued(TaskRecord t, decimal? instanceHourlyPrice, int instanceCpu, DateTimeOffset now) =>
        Terms(t, instanceHourlyPrice, instanceCpu).At(now);

    /// <summary>
    /// The part of <see cref="Accrued"/> that does not depend on time: the rate and the interval's ends. A task record
    /// never changes (a change is a new record, B-TL-2), so a caller that reports costs often computes this once per
    /// record and only <see cref="TaskCostTerms.At"/> per report.
    /// </summary>
    public static TaskCostTerms Terms(TaskRecord t, decimal? instanceHourlyPrice, int instanceCpu)
    {
        if (t.LaunchType == LaunchType.FARGATE)
        {
            var perSecond = CostModel.FargateCostPerSecond(t.Needs.Cpu, t.Needs.Memory, t.CapacityProvider == "FARGATE_SPOT");
            return new TaskCostTerms(perSecond, t.CreatedAt, t.StoppedAt);
        }

        if (instanceHourlyPrice is not { } hourly || instanceCpu <= 0 || t.ContainerInstanceId is null || t.LastStatus == TaskStatus.PROVISIONING && t.StoppedAt is null && t.PullStartedAt is null)
        {
            return TaskCostTerms.Free;
        }

        var share = hourly * t.Needs.Cpu / instanceCpu;
        return new TaskCostTerms(CostModel.InstanceCostPerSecond(share), t.PullStartedAt ?? t.StartedAt ?? t.CreatedAt, t.StoppedAt);
    }

    /// <summary>What an EC2 instance has cost from launch to termination (or now).</summary>
    public static decimal Instance(decimal hourly, DateTimeOffset launchedAt, DateTimeOffset? terminatedAt, DateTimeOffset now)
    {
        var end = terminatedAt ?? now;
        return end > launchedAt ? CostModel.Accrued(CostModel.InstanceCostPerSecond(hourly), end - launchedAt) : 0;
    }
}

/// <summary>A task's cost rate from <see cref="From"/> until <see cref="Until"/> (null: still accruing).</summary>
public readonly record struct TaskCostTerms(decimal PerSecond, DateTimeOffset From, DateTimeOffset? Until)
{
    public static TaskCostTerms Free { get; } = new(0, DateTimeOffset.MaxValue, null);

    /// <summary>What the task has cost by <paramref name="now"/>.</summary>
    public decimal At(DateTimeOffset now)
    {
        if (PerSecond == 0)
        {
            return 0;
        }

        var end = Until ?? now;
        return end > From ? CostModel.Accrued(PerSecond, end - From) : 0;
    }
}
