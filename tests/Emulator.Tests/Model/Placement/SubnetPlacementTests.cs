using System.Collections.Immutable;
using Emulator.Model.Placement;
using static Emulator.Tests.Model.Placement.TestInstances;

namespace Emulator.Tests.Model.Placement;

/// <summary>awsvpc tasks land in their subnets' availability zones (issue 14): on EC2 by a B-PL-4 constraint, on Fargate by the zone choice.</summary>
public sealed class SubnetPlacementTests
{
    [Fact]
    public void No_subnet_zones_means_no_zone_rule() =>
        Assert.Empty(SubnetPlacement.ZoneConstraints(default));

    [Fact]
    public void B_PL_4_awsvpc_tasks_on_ec2_only_land_on_instances_in_their_subnets_zones()
    {
        var instances = new[] { Make("a", az: "us-east-1a"), Make("b", az: "us-east-1b"), Make("c", az: "us-east-1c") };
        var constraints = SubnetPlacement.ZoneConstraints(["us-east-1a", "us-east-1c"]);
        var result = PlacementEngine.Place(instances, Request(Needs(256, 512, mode: Emulator.Contracts.NetworkMode.awsvpc), count: 4, constraints: [.. constraints],
            strategies: [Spread("attribute:ecs.availability-zone")]), new Random(1));
        Assert.Equal(4, result.Placed.Length);
        Assert.DoesNotContain(result.Placed, p => p.ContainerInstanceId == "b");
        Assert.Contains(result.Placed, p => p.ContainerInstanceId == "a");
        Assert.Contains(result.Placed, p => p.ContainerInstanceId == "c");
    }

    [Fact]
    public void B_PL_5_a_task_whose_subnet_zones_have_no_instance_is_not_placed_for_an_attribute()
    {
        var result = PlacementEngine.Place([Make("a", az: "us-east-1a")],
            Request(count: 1, constraints: [.. SubnetPlacement.ZoneConstraints(["us-east-1b"])]), new Random(1), explain: true);
        Assert.Equal(1, result.Unplaced);
        Assert.Equal(PlacementReasons.Attribute, result.Explanation!.Reason);
    }

    private static readonly string[] Zones = ["us-east-1a", "us-east-1b", "us-east-1c"];

    [Fact]
    public void Fargate_tasks_go_to_the_subnet_zone_running_the_fewest()
    {
        var counts = new Dictionary<string, int> { ["us-east-1a"] = 0, ["us-east-1b"] = 5, ["us-east-1c"] = 1 };
        Assert.Equal("us-east-1c", SubnetPlacement.FargateZone(Zones, ["us-east-1b", "us-east-1c"], _ => false, counts));
        Assert.Equal("us-east-1a", SubnetPlacement.FargateZone(Zones, default, _ => false, counts));
    }

    [Fact]
    public void Fargate_ties_go_to_the_subnets_first_zone()
    {
        Assert.Equal("us-east-1c", SubnetPlacement.FargateZone(Zones, ["us-east-1c", "us-east-1a"], _ => false, new Dictionary<string, int>()));
    }

    [Fact]
    public void Fargate_avoids_a_zone_out_of_service_unless_every_subnet_zone_is()
    {
        var counts = ImmutableDictionary<string, int>.Empty;
        Assert.Equal("us-east-1b", SubnetPlacement.FargateZone(Zones, ["us-east-1a", "us-east-1b"], z => z == "us-east-1a", counts));
        Assert.Equal("us-east-1a", SubnetPlacement.FargateZone(Zones, ["us-east-1a"], z => z == "us-east-1a", counts));
    }

    [Fact]
    public void Fargate_spreads_a_stream_of_tasks_over_the_subnet_zones_only()
    {
        var counts = new Dictionary<string, int>();
        for (var i = 0; i < 10; i++)
        {
            var z = SubnetPlacement.FargateZone(Zones, ["us-east-1a", "us-east-1b"], _ => false, counts);
            counts[z] = counts.GetValueOrDefault(z) + 1;
        }

        Assert.Equal(new Dictionary<string, int> { ["us-east-1a"] = 5, ["us-east-1b"] = 5 }, counts);
    }
}
