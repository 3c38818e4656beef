using Emulator.Contracts;
using Emulator.Model.Deployments;
using PlacementStrategy = Emulator.Contracts.PlacementStrategy;

namespace Emulator.Tests.Model.Deployments;

/// <summary>B-SV-2, B-DP-2, B-DP-3, B-AZ-1: invalid deployment configurations are refused with a message naming the rule.</summary>
public sealed class DeploymentRulesTests
{
    [Theory]
    [InlineData(100, 50, "cannot be greater than maximumPercent")]
    [InlineData(-1, 200, "minimumHealthyPercent must be between 0 and 100")]
    [InlineData(101, 200, "minimumHealthyPercent must be between 0 and 100")]
    [InlineData(50, 0, "maximumPercent must be between 1 and 2000")]
    [InlineData(50, 2001, "maximumPercent must be between 1 and 2000")]
    public void B_SV_2_invalid_percents_are_refused(int min, int max, string expected)
    {
        Assert.Contains(expected, DeploymentRules.ValidatePercents(min, max), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(100, 100)]
    [InlineData(0, 100)]
    [InlineData(50, 200)]
    public void B_SV_2_valid_percents(int min, int max) => Assert.Null(DeploymentRules.ValidatePercents(min, max));

    [Fact]
    public void B_DP_2_circuit_breaker_needs_the_ecs_deployment_controller()
    {
        var options = ServiceOptions.Default with { CircuitBreaker = new DeploymentCircuitBreakerSpec(true, true), DeploymentController = "CODE_DEPLOY" };
        Assert.Contains("only supported for services that use the rolling update (ECS) deployment controller", DeploymentRules.Validate(options), StringComparison.Ordinal);
        Assert.Null(DeploymentRules.Validate(options with { CircuitBreaker = new DeploymentCircuitBreakerSpec(false, false) }));
        Assert.Null(DeploymentRules.Validate(options with { DeploymentController = "ECS" }));
        Assert.Contains("deploymentController", DeploymentRules.Validate(options with { DeploymentController = "JENKINS" }), StringComparison.Ordinal);
    }

    [Fact]
    public void B_DP_2_threshold_out_of_range_is_refused()
    {
        var options = ServiceOptions.Default with { CircuitBreaker = new DeploymentCircuitBreakerSpec(true, true, null, new ThresholdConfigurationSpec("BOUNDED_PERCENT", 0)) };
        Assert.Contains("thresholdConfiguration", DeploymentRules.Validate(options), StringComparison.Ordinal);
    }

    [Fact]
    public void B_DP_3_alarms_need_names_and_the_ecs_controller()
    {
        Assert.NotNull(DeploymentRules.Validate(ServiceOptions.Default with { Alarms = new DeploymentAlarmsSpec([], true, true) }));
        Assert.NotNull(DeploymentRules.Validate(ServiceOptions.Default with { Alarms = new DeploymentAlarmsSpec(["a"], true, true), DeploymentController = "EXTERNAL" }));
        Assert.NotNull(DeploymentRules.Validate(ServiceOptions.Default with { Alarms = new DeploymentAlarmsSpec([.. Enumerable.Range(0, 11).Select(i => $"a{i}")], true, true) }));
        Assert.Null(DeploymentRules.Validate(ServiceOptions.Default with { Alarms = new DeploymentAlarmsSpec(["web-5xx"], true, true) }));
        Assert.Null(DeploymentRules.Validate(ServiceOptions.Default with { Alarms = new DeploymentAlarmsSpec([], false, false) }));
    }

    [Fact]
    public void Other_deployment_settings_are_checked()
    {
        Assert.NotNull(DeploymentRules.Validate(ServiceOptions.Default with { BakeTimeInMinutes = 1441 }));
        Assert.Null(DeploymentRules.Validate(ServiceOptions.Default with { Strategy = "BLUE_GREEN" })); // B-DP-6
        Assert.Null(DeploymentRules.Validate(ServiceOptions.Default with { Strategy = "CANARY" }));
        Assert.NotNull(DeploymentRules.Validate(ServiceOptions.Default with { Strategy = "LINEAR", DeploymentController = "CODE_DEPLOY" }));
        Assert.NotNull(DeploymentRules.Validate(ServiceOptions.Default with { Strategy = "SIDEWAYS" }));
        Assert.NotNull(DeploymentRules.Validate(ServiceOptions.Default with { AvailabilityZoneRebalancing = "SOMETIMES" }));
        Assert.NotNull(DeploymentRules.Validate(ServiceOptions.Default with { HealthCheckGracePeriodSeconds = -1 }));
        Assert.Null(DeploymentRules.Validate(ServiceOptions.Default with { Strategy = "ROLLING", BakeTimeInMinutes = 0, AvailabilityZoneRebalancing = "ENABLED" }));
    }

    [Fact]
    public void B_AZ_1_rebalancing_defaults_to_enabled_except_for_services_it_cannot_serve()
    {
        Assert.Equal("ENABLED", DeploymentRules.DefaultAzRebalancing(SchedulingStrategy.REPLICA, []));
        Assert.Equal("ENABLED", DeploymentRules.DefaultAzRebalancing(SchedulingStrategy.REPLICA, [new PlacementStrategy(PlacementStrategyType.spread, "attribute:ecs.availability-zone")]));
        Assert.Equal("DISABLED", DeploymentRules.DefaultAzRebalancing(SchedulingStrategy.REPLICA, [new PlacementStrategy(PlacementStrategyType.binpack, "memory")]));
        Assert.Equal("DISABLED", DeploymentRules.DefaultAzRebalancing(SchedulingStrategy.DAEMON, []));
    }
}
