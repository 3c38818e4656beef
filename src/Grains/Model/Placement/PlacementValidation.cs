using System.Collections.Immutable;
using Emulator.Contracts;
using PlacementStrategy = Emulator.Contracts.PlacementStrategy;

namespace Emulator.Model.Placement;

/// <summary>
/// Checks placement strategies and constraints the way CreateService, UpdateService, RunTask and
/// RegisterTaskDefinition do (B-PL-2, B-PL-4), before anything is stored.
/// </summary>
public static class PlacementValidation
{
    /// <summary>At most 5 strategies per service or RunTask (B-PL-1).</summary>
    public const int MaxStrategies = 5;

    /// <summary>At most 10 constraints, the task definition's included (B-PL-4).</summary>
    public const int MaxConstraints = 10;

    /// <summary>Null when valid, else an InvalidParameterException message.</summary>
    public static string? Validate(IReadOnlyList<PlacementStrategy> strategies, IReadOnlyList<PlacementConstraint> constraints)
    {
        strategies ??= [];
        constraints ??= [];
        if (strategies.Count > MaxStrategies)
        {
            return $"Too many placement strategies: at most {MaxStrategies} are allowed, {strategies.Count} were given.";
        }

        foreach (var s in strategies)
        {
            if (ValidateStrategy(s) is { } error)
            {
                return error;
            }
        }

        if (constraints.Count > MaxConstraints)
        {
            return $"Too many placement constraints: at most {MaxConstraints} are allowed, including the task definition's; {constraints.Count} were given.";
        }

        foreach (var c in constraints)
        {
            if (ValidateConstraint(c) is { } error)
            {
                return error;
            }
        }

        return null;
    }

    private static string? ValidateStrategy(PlacementStrategy? s)
    {
        if (s is null)
        {
            return "A placement strategy must not be null.";
        }

        switch (s.Type)
        {
            case PlacementStrategyType.binpack:
                return StrategyCompiler.Compile(s).Kind is StrategyKind.BinpackCpu or StrategyKind.BinpackMemory
                    ? null
                    : $"Invalid field '{s.Field}' for the binpack placement strategy: it must be cpu or memory.";
            case PlacementStrategyType.spread:
                if (string.IsNullOrEmpty(s.Field))
                {
                    return "The spread placement strategy requires a field: instanceId, host or attribute:NAME.";
                }

                return StrategyCompiler.Compile(s).Kind is StrategyKind.SpreadInstance or StrategyKind.SpreadAttribute
                    ? null
                    : $"Invalid field '{s.Field}' for the spread placement strategy: it must be instanceId, host or attribute:NAME.";
            case PlacementStrategyType.random:
                // AWS ignores a field on random; accept whatever is there.
                return null;
            default:
                return $"Invalid placement strategy type '{s.Type}': it must be binpack, spread or random.";
        }
    }

    private static string? ValidateConstraint(PlacementConstraint? c)
    {
        if (c is null)
        {
            return "A placement constraint must not be null.";
        }

        switch (c.Type)
        {
            case PlacementConstraintType.distinctInstance:
                return string.IsNullOrEmpty(c.Expression)
                    ? null
                    : "A distinctInstance placement constraint cannot have an expression.";
            case PlacementConstraintType.memberOf:
                if (string.IsNullOrWhiteSpace(c.Expression))
                {
                    return "A memberOf placement constraint requires an expression.";
                }

                return ClusterQuery.TryParse(c.Expression, out _, out var error) ? null : error;
            default:
                return $"Invalid placement constraint type '{c.Type}': it must be distinctInstance or memberOf.";
        }
    }
}

/// <summary>Default placement strategies (B-PL-3).</summary>
public static class PlacementDefaults
{
    /// <summary>Services spread over availability zones, then over instances (B-PL-3).</summary>
    public static ImmutableArray<PlacementStrategy> ForService { get; } =
    [
        new(PlacementStrategyType.spread, "attribute:ecs.availability-zone"),
        new(PlacementStrategyType.spread, "instanceId"),
    ];

    /// <summary>RunTask spreads over availability zones, then over instances (B-PL-3, Model choice).</summary>
    public static ImmutableArray<PlacementStrategy> ForRunTask { get; } = ForService;
}
