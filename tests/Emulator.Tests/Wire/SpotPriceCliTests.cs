namespace Emulator.Tests.Wire;

/// <summary>EC2 DescribeSpotPriceHistory through the real AWS CLI: the Spot market's pool prices (B-IT-4).</summary>
[Collection(WireCollection.Name)]
public sealed class SpotPriceCliTests(SiloProcessFixture silo)
{
    private readonly AwsCli _aws = new(silo.Endpoint);

    [Fact]
    public async Task B_IT_4_spot_price_history_shows_30_percent_of_on_demand_per_pool()
    {
        var history = await _aws.Json("ec2", "describe-spot-price-history", "--instance-types", "m5.large", "c5.large",
            "--availability-zone", "us-east-1a", "--product-descriptions", "Linux/UNIX");
        var rows = history.GetProperty("SpotPriceHistory").EnumerateArray().ToList();
        Assert.Equal(2, rows.Count);
        var m5 = rows.Single(r => r.GetProperty("InstanceType").GetString() == "m5.large");
        Assert.Equal("0.028800", m5.GetProperty("SpotPrice").GetString()); // 0.096 x 0.30
        Assert.Equal("us-east-1a", m5.GetProperty("AvailabilityZone").GetString());
        Assert.Equal("Linux/UNIX", m5.GetProperty("ProductDescription").GetString());

        var all = await _aws.Json("ec2", "describe-spot-price-history", "--filters", "Name=instance-type,Values=m5.large");
        Assert.Equal(3, all.GetProperty("SpotPriceHistory").GetArrayLength()); // one pool per zone

        var windows = await _aws.Json("ec2", "describe-spot-price-history", "--instance-types", "m5.large", "--product-descriptions", "Windows");
        Assert.Equal(0, windows.GetProperty("SpotPriceHistory").GetArrayLength());

        var bad = await _aws.Run("ec2", "describe-spot-price-history", "--instance-types", "x9.huge");
        Assert.NotEqual(0, bad.ExitCode);
        Assert.Contains("InvalidParameterValue", bad.Stderr, StringComparison.Ordinal);
    }
}
