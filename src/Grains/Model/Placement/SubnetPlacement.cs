using System.Collections.Immutable;
using Emulator.Contracts;

namespace Emulator.Model.Placement;

/// <summary>
/// awsvpc tasks land in their subnets' availability zones. On EC2 a task's network interface is created in one of its
/// subnets, so only container instances in those subnets' zones can take it: the rule is a memberOf constraint on
/// <c>attribute:ecs.availability-zone</c> (B-PL-4), added to the launch (not to the service's own constraints, which
/// DescribeServices shows as written). On Fargate the zone is chosen among the subnets' zones: the one running the
/// fewest Fargate tasks, as Fargate spreads across the zones of the given subnets. No subnet zones (subnets the
/// emulator does not know, or no network configuration): no zone rule.
/// </summary>
public static class SubnetPlacement
{
    public const string ZoneAttribute = "attribute:ecs.availability-zone";

    /// <summary>The constraint that keeps EC2 awsvpc tasks in these zones; empty when there are none.</summary>
    public static ImmutableArray<PlacementConstraint> ZoneConstraints(ImmutableArray<string> subnetZones) =>
        subnetZones.IsDefaultOrEmpty
            ? []
            : [new PlacementConstraint(PlacementConstraintType.memberOf, $"{ZoneAttribute} in [{string.Join(", ", subnetZones)}]")];

    /// <summary>
    /// The zone of the next Fargate task: among the subnets' zones (all zones when none are given) that are not out of
    /// service (unless all of them are), the one running the fewest Fargate tasks; ties go to the earlier zone.
    /// </summary>
    public static string FargateZone(IReadOnlyList<string> zones, ImmutableArray<string> subnetZones, Func<string, bool> outOfService, IReadOnlyDictionary<string, int> runningByZone)
    {
        var candidates = subnetZones.IsDefaultOrEmpty ? zones.ToList() : subnetZones.Where(zones.Contains).ToList();
        if (candidates.Count == 0)
        {
            candidates = [.. subnetZones];
        }

        var available = candidates.Where(z => !outOfService(z)).ToList();
        var pool = available.Count == 0 ? candidates : available;
        return pool.OrderBy(z => runningByZone.GetValueOrDefault(z)).First();
    }
}
