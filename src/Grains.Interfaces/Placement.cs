namespace Emulator.Contracts;

/// <summary>A placement strategy item (B-PL-2): binpack on cpu|memory, spread on a field, random.</summary>
[GenerateSerializer, Immutable, Alias("PlacementStrategy")]
public sealed record PlacementStrategy(
    [property: Id(0)] PlacementStrategyType Type,
    [property: Id(1)] string? Field);

/// <summary>A placement constraint (B-PL-4): distinctInstance, or memberOf with a cluster query expression.</summary>
[GenerateSerializer, Immutable, Alias("PlacementConstraint")]
public sealed record PlacementConstraint(
    [property: Id(0)] PlacementConstraintType Type,
    [property: Id(1)] string? Expression);

/// <summary>A capacity provider strategy item (B-CP-1).</summary>
[GenerateSerializer, Immutable, Alias("CapacityProviderStrategyItem")]
public sealed record CapacityProviderStrategyItem(
    [property: Id(0)] string CapacityProvider,
    [property: Id(1)] int Weight,
    [property: Id(2)] int Base);
