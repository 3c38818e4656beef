using System.Collections.Immutable;
using System.Globalization;
using System.Xml.Linq;
using Emulator.Contracts;
using static Emulator.Silo.Aws.QueryXml;

namespace Emulator.Silo.Aws.Ec2;

/// <summary>
/// EC2 Spot prices from the emulator's Spot market (B-IT-4). Prices are constant over time in the emulator, so the
/// history of a pool is one entry stamped with the current emulated time. Known gap: StartTime/EndTime are accepted
/// but do not produce older entries; pools of zones in an outage are not listed.
/// </summary>
public static class Ec2SpotOperations
{
    private const string LinuxUnix = "Linux/UNIX";

    [AwsOperation(AwsServices.Ec2, "DescribeSpotPriceHistory")]
    public static async Task<XElement> DescribeSpotPriceHistory(QueryInput input, AwsContext context)
    {
        var types = input.Numbered("InstanceType").ToList();
        var products = input.Numbered("ProductDescription").ToList();
        var zone = input.String("AvailabilityZone");
        foreach (var f in input.NumberedMembers("Filter"))
        {
            var values = f.Numbered("Value");
            switch (f.String("Name"))
            {
                case "instance-type": types.AddRange(values); break;
                case "availability-zone": zone ??= values.FirstOrDefault(); break;
                case "product-description": products.AddRange(values); break;
                case "spot-price" or "timestamp": break;
                default: throw new EcsException("InvalidParameterValue", $"The filter '{f.String("Name")}' is invalid");
            }
        }

        foreach (var t in types.Where(t => !context.Runtime.Catalog.TryGet(t, out _)))
        {
            throw new EcsException("InvalidParameterValue", $"Invalid value '{t}' for InstanceType.");
        }

        if (zone is not null && !context.Runtime.Options.AvailabilityZones.Contains(zone))
        {
            throw new EcsException("InvalidParameterValue", $"Invalid availability zone: [{zone}]");
        }

        // Only Linux/UNIX pools exist in the emulator (B-CI-6: os-type linux).
        var rows = products.Count > 0 && !products.Any(p => p.StartsWith(LinuxUnix, StringComparison.Ordinal))
            ? []
            : (await context.Grains.GetGrain<ISpotMarketGrain>(ISpotMarketGrain.Key).GetLaunchConditions("",
                    (types.Count > 0 ? types : context.Runtime.Catalog.All.Select(t => t.Name)).Distinct().ToImmutableArray(),
                    zone is null ? [.. context.Runtime.Options.AvailabilityZones] : [zone]))
                .Pools.OrderBy(p => p.InstanceType, StringComparer.Ordinal).ThenBy(p => p.AvailabilityZone, StringComparer.Ordinal).ToList();
        var (page, next) = Page(rows, input, PageSizes.Ec2DescribeSpotPriceHistory, p => p.InstanceType + "|" + p.AvailabilityZone);
        return E("DescribeSpotPriceHistoryResult",
            Items("spotPriceHistorySet", page.Select(p => E("item",
                V("instanceType", p.InstanceType),
                V("productDescription", LinuxUnix),
                V("spotPrice", p.Price.ToString("0.000000", CultureInfo.InvariantCulture)),
                V("timestamp", context.Now),
                V("availabilityZone", p.AvailabilityZone)))),
            V("nextToken", next));
    }
}
