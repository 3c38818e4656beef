using System.Collections.Immutable;
using Emulator.Contracts;
using Emulator.Model;
using Emulator.Model.Lifecycle;
using Emulator.Model.Scaling;

namespace Emulator.Tests.Model.Lifecycle;

/// <summary>One launch of an Auto Scaling group over the Spot market's conditions (B-ASG-2, B-ASG-3, B-ASG-6, B-IT-4).</summary>
public sealed class InstanceLaunchesTests
{
    private static readonly DateTimeOffset T0 = Asg.T0;
    private static readonly ImmutableArray<string> Zones = ["us-east-1a", "us-east-1b", "us-east-1c"];
    private static readonly MixedInstancesSpec AllSpot = new(0, 0, InstancesDistribution.LowestPrice);

    private static SpotPoolInfo Pool(string type, string zone, decimal price, int? capacity = null, bool exhausted = false) =>
        new(type, zone, price, capacity, exhausted, 0);

    private static LaunchConditions Conditions(string[]? zones = null, string[]? insufficient = null, params SpotPoolInfo[] pools) =>
        new(zones is null ? Zones : [.. zones], [.. insufficient ?? []], [.. pools]);

    [Fact]
    public void B_ASG_2_B_ASG_3_a_plain_launch_template_launches_on_demand_in_the_zone_with_the_fewest()
    {
        var live = new[] { InstanceLifecycle.View(Asg.Instance("i-1", zone: "us-east-1a")) };
        Assert.Equal(new LaunchChoice("us-east-1b", "m5.large", false), InstanceLaunches.Choose(Asg.Spec(), Conditions(), [], live));
    }

    [Fact]
    public void B_ASG_3_a_zone_out_of_service_is_left_out_and_no_zone_left_means_no_launch()
    {
        Assert.Equal("us-east-1c", InstanceLaunches.Choose(Asg.Spec(), Conditions(["us-east-1c"]), [], [])!.AvailabilityZone);
        Assert.Null(InstanceLaunches.Choose(Asg.Spec(), Conditions([]), [], []));
    }

    [Fact]
    public void B_ASG_3_a_spot_pool_another_group_emptied_is_dropped_and_the_choice_made_again()
    {
        var spec = Asg.Spec(["m5.large", "c5.large"], AllSpot);
        ImmutableArray<SpotPoolInfo> pools = [Pool("m5.large", "us-east-1a", 0.02m, 1), Pool("c5.large", "us-east-1a", 0.03m)];
        var first = InstanceLaunches.Choose(spec, Conditions(["us-east-1a"]), pools, [])!;
        Assert.Equal(new LaunchChoice("us-east-1a", "m5.large", true), first);

        var left = InstanceLaunches.PoolTaken(pools, first)!.Value; // the market refused: empty for this choice
        Assert.Equal(0, left[0].AvailableCapacity);
        Assert.Equal("c5.large", InstanceLaunches.Choose(spec, Conditions(["us-east-1a"]), left, [])!.InstanceType);

        Assert.Null(InstanceLaunches.PoolTaken(pools, new LaunchChoice("us-east-1b", "m5.large", true))); // not a known pool: the launch fails
    }

    [Fact]
    public void B_ASG_3_a_spot_launch_takes_one_unit_of_a_limited_pool()
    {
        ImmutableArray<SpotPoolInfo> pools = [Pool("m5.large", "us-east-1a", 0.02m, 2), Pool("c5.large", "us-east-1a", 0.03m)];
        Assert.Equal(1, InstanceLaunches.Consumed(pools, new LaunchChoice("us-east-1a", "m5.large", true))[0].AvailableCapacity);
        Assert.Null(InstanceLaunches.Consumed(pools, new LaunchChoice("us-east-1a", "c5.large", true))[1].AvailableCapacity); // unlimited stays so
        Assert.Equal(pools, InstanceLaunches.Consumed(pools, new LaunchChoice("us-east-1a", "m5.large", false))); // On-Demand takes nothing
    }

    [Fact]
    public void B_IT_4_on_demand_at_the_catalog_price_spot_at_its_pool_price_or_30_percent()
    {
        ImmutableArray<SpotPoolInfo> pools = [Pool("m5.large", "us-east-1a", 0.0299m)];
        Assert.Equal(0.096m, InstanceLaunches.Price(new LaunchChoice("us-east-1a", "m5.large", false), pools, 0.096m, 0.3));
        Assert.Equal(0.0299m, InstanceLaunches.Price(new LaunchChoice("us-east-1a", "m5.large", true), pools, 0.096m, 0.3));
        Assert.Equal(0.0288m, InstanceLaunches.Price(new LaunchChoice("us-east-1b", "m5.large", true), pools, 0.096m, 0.3));
    }

    [Fact]
    public void B_ASG_3_B_ASG_6_no_zone_launchable_fails_with_AWS_InsufficientInstanceCapacity_and_retries_10s_later()
    {
        var f = InstanceLaunches.Failure(Asg.Spec(), Conditions([], ["us-east-1b"]), Asg.Group, "the cause", Asg.Timings, T0);
        var message = ScalingActivities.InsufficientCapacity("m5.large", "us-east-1b");
        Assert.Equal(($"Launching a new EC2 instance.  Status Reason: {message}", message, "Failed", "the cause"),
            (f.Activity.Description, f.Activity.StatusMessage, f.Activity.StatusCode, f.Activity.Cause));
        Assert.Equal((T0, (DateTimeOffset?)T0), (f.Activity.StartTime, f.Activity.EndTime));
        Assert.Equal(T0.AddSeconds(10), f.RetryAt);
        Assert.Equal((EventTypes.InstanceLaunchUnsuccessful, "Failed", ""), (f.Event.DetailType, f.Event.Detail["StatusCode"], f.Event.InstanceId));

        // Without a named fault zone, the group's first zone is named.
        Assert.Contains("(us-east-1a)", InstanceLaunches.Failure(Asg.Spec(), Conditions([]), Asg.Group, "c", Asg.Timings, T0).Activity.StatusMessage!, StringComparison.Ordinal);
    }

    [Fact]
    public void B_ASG_3_every_spot_pool_exhausted_fails_with_AWS_spot_capacity_message()
    {
        var f = InstanceLaunches.Failure(Asg.Spec(), Conditions(["us-east-1c"]), Asg.Group, "c", Asg.Timings, T0);
        Assert.Equal($"Launching a new EC2 instance.  Status Reason: {ScalingActivities.InsufficientSpotCapacity()}", f.Activity.Description);
        Assert.Equal(ScalingActivities.InsufficientCapacity("m5.large", "us-east-1c"), f.Activity.StatusMessage);
    }

    [Fact]
    public void B_T_2_the_launch_retry_is_configurable()
    {
        var timings = new EmulatorTimings { LaunchRetry = TimeSpan.FromMinutes(1) };
        Assert.Equal(T0.AddMinutes(1), InstanceLaunches.Failure(Asg.Spec(), Conditions([]), Asg.Group, "c", timings, T0).RetryAt);
    }
}
