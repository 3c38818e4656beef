namespace Emulator.Model.Scaling;

/// <summary>
/// Prices per emulated second (B-IT-4, B-IT-5): instances at their hourly price, Fargate per vCPU-hour and
/// GB-hour, Spot at a fraction of On-Demand. Cost accrues from launch to termination.
/// </summary>
public static class CostModel
{
    public const decimal FargatePerVCpuHour = 0.04048m;
    public const decimal FargatePerGbHour = 0.004445m;

    /// <summary>Fargate Spot's price as a fraction of Fargate's (B-IT-4, configurable by the caller).</summary>
    public const decimal FargateSpotFraction = 0.30m;

    public static decimal InstanceCostPerSecond(decimal hourly) => hourly / 3600m;

    /// <summary>Fargate: cpu units / 1024 vCPU and memory MiB / 1024 GB, per hour, divided into seconds.</summary>
    public static decimal FargateCostPerSecond(int cpuUnits, int memoryMiB, bool spot, decimal spotFraction = FargateSpotFraction)
    {
        var hourly = (cpuUnits / 1024m * FargatePerVCpuHour) + (memoryMiB / 1024m * FargatePerGbHour);
        return (spot ? hourly * spotFraction : hourly) / 3600m;
    }

    /// <summary>Cost accrued at <paramref name="perSecond"/> over an emulated duration (B-IT-5).</summary>
    public static decimal Accrued(decimal perSecond, TimeSpan duration) =>
        perSecond * (decimal)duration.Ticks / TimeSpan.TicksPerSecond;
}
