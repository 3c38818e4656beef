using System.Collections.Immutable;

namespace Emulator.Model.Network;

/// <summary>An availability zone as EC2 describes it (B-ID-1): name, zone id, region.</summary>
public sealed record ZoneInfo(string Name, string ZoneId, string Region);

/// <summary>
/// Availability zones of the emulated region (B-ID-1) with their zone ids. Model choice: zone ids follow the
/// configured order (<c>use1-az1</c> for the first zone of us-east-1, ...); AWS maps names to ids per account.
/// </summary>
public static class Zones
{
    public static ImmutableArray<ZoneInfo> Of(string region, IReadOnlyList<string> zoneNames) =>
        zoneNames.Select((z, i) => new ZoneInfo(z, $"{RegionCode(region)}-az{i + 1}", region)).ToImmutableArray();

    /// <summary>AWS's short region code: us-east-1 -> use1, eu-central-1 -> euc1, ap-northeast-1 -> apne1.</summary>
    public static string RegionCode(string region)
    {
        var parts = region.Split('-');
        if (parts.Length < 3)
        {
            return region.Replace("-", "", StringComparison.Ordinal);
        }

        var direction = parts[1] switch
        {
            "east" => "e",
            "west" => "w",
            "north" => "n",
            "south" => "s",
            "central" => "c",
            "northeast" => "ne",
            "northwest" => "nw",
            "southeast" => "se",
            "southwest" => "sw",
            var d => d,
        };
        return parts[0] + direction + string.Concat(parts.Skip(2));
    }
}
