using System.Collections.Immutable;
using Emulator.Contracts;

namespace Emulator.Silo.Aws.Ecs;

/// <summary>Parsing of ECS request members shared by several operations.</summary>
public static class EcsInputs
{
    public static ImmutableArray<CapacityProviderStrategyItem> Strategy(JsonInput input, string name = "capacityProviderStrategy") =>
        input.Objects(name)
            .Select(i => new CapacityProviderStrategyItem(i.RequiredString("capacityProvider"), i.Int("weight") ?? 0, i.Int("base") ?? 0))
            .ToImmutableArray();

    public static ImmutableArray<Contracts.PlacementStrategy> PlacementStrategies(JsonInput input, string name = "placementStrategy") =>
        input.Objects(name)
            .Select(i => new Contracts.PlacementStrategy(i.Enum<PlacementStrategyType>("type") ?? throw i.Missing("type"), i.String("field")))
            .ToImmutableArray();

    /// <summary>B-LB-1: <c>loadBalancers</c> entries (targetGroupArn, containerName, containerPort); classic load balancers are not modelled.</summary>
    public static ImmutableArray<ServiceLoadBalancer> LoadBalancers(JsonInput input, string name = "loadBalancers") =>
        input.Objects(name)
            .Select(i => i.String("targetGroupArn") is { Length: > 0 } arn
                ? new ServiceLoadBalancer(arn, i.String("containerName"), i.Int("containerPort"))
                : throw ErrorCodes.Invalid(i.Has("loadBalancerName")
                    ? "The emulator models Application Load Balancer target groups only: specify targetGroupArn, not loadBalancerName."
                    : "targetGroupArn must be specified for a load balancer."))
            .ToImmutableArray();

    public static ImmutableArray<PlacementConstraint> PlacementConstraints(JsonInput input, string name = "placementConstraints") =>
        input.Objects(name)
            .Select(i => new PlacementConstraint(i.Enum<PlacementConstraintType>("type") ?? throw i.Missing("type"), i.String("expression")))
            .ToImmutableArray();
}
