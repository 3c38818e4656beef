using Emulator.Model.Scaling;

namespace Emulator.Tests.Model.Scaling;

public sealed class CostModelTests
{
    [Fact]
    public void B_IT_5_an_instance_costs_its_hourly_price_per_3600_seconds()
    {
        Assert.Equal(0.096m, decimal.Round(CostModel.InstanceCostPerSecond(0.096m) * 3600m, 10));
        Assert.Equal(0.048m, decimal.Round(CostModel.Accrued(CostModel.InstanceCostPerSecond(0.096m), TimeSpan.FromMinutes(30)), 10));
    }

    [Theory]
    [InlineData(1024, 2048, false, "0.04937")]     // 1 vCPU x 0.04048 + 2 GB x 0.004445
    [InlineData(256, 512, false, "0.0123425")]     // 0.25 x 0.04048 + 0.5 x 0.004445
    [InlineData(1024, 2048, true, "0.014811")]     // Fargate Spot: 30 %
    [InlineData(4096, 8192, false, "0.19748")]
    public void B_IT_4_fargate_price_per_vcpu_hour_and_gb_hour(int cpu, int memory, bool spot, string hourly) =>
        Assert.Equal(decimal.Parse(hourly), decimal.Round(CostModel.FargateCostPerSecond(cpu, memory, spot) * 3600m, 10));
}
