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
    public static decimal Accrued(TaskRecord t, decimal? instanceHourlyPrice, int instanceCpu, DateTimeOffset now)
    {
        var end = t.StoppedAt ?? now;
        if (t.LaunchType == LaunchType.FARGATE)
        {
            var start = t.CreatedAt;
            var perSecond = CostModel.FargateCostPerSecond(t.Needs.Cpu, t.Needs.Memory, t.CapacityProvider == "FARGATE_SPOT");
            return end > start ? CostModel.Accrued(perSecond, end - start) : 0;
        }

        if (instanceHourlyPrice is not { } hourly || instanceCpu <= 0 || t.ContainerInstanceId is null || t.LastStatus == TaskStatus.PROVISIONING && t.StoppedAt is null && t.PullStartedAt is null)
        {
            return 0;
        }

        var from = t.PullStartedAt ?? t.StartedAt ?? t.CreatedAt;
        var share = hourly * t.Needs.Cpu / instanceCpu;
        return end > from ? CostModel.Accrued(CostModel.InstanceCostPerSecond(share), end - from) : 0;
    }

    /// <summary>What an EC2 instance has cost from launch to termination (or now).</summary>
    public static decimal Instance(decimal hourly, DateTimeOffset launchedAt, DateTimeOffset? terminatedAt, DateTimeOffset now)
    {
        var end = terminatedAt ?? now;
        return end > launchedAt ? CostModel.Accrued(CostModel.InstanceCostPerSecond(hourly), end - launchedAt) : 0;
    }
}
