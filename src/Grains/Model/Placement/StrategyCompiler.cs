using System.Collections.Immutable;
using Emulator.Contracts;
using PlacementStrategy = Emulator.Contracts.PlacementStrategy;

namespace Emulator.Model.Placement;

internal enum StrategyKind
{
    /// <summary>An unknown field: the strategy has no effect (validation rejects it before it gets here).</summary>
    None,
    BinpackCpu,
    BinpackMemory,
    SpreadInstance,
    SpreadAttribute,
    Random,
}

internal readonly record struct CompiledStrategy(StrategyKind Kind, string? AttributeName);

/// <summary>Turns a strategy's type and field into what the engine ranks by (B-PL-2).</summary>
internal static class StrategyCompiler
{
    private const string AttributePrefix = "attribute:";

    public static CompiledStrategy Compile(PlacementStrategy s)
    {
        var field = s.Field ?? "";
        switch (s.Type)
        {
            case PlacementStrategyType.binpack when field.Equals("cpu", StringComparison.OrdinalIgnoreCase):
                return new(StrategyKind.BinpackCpu, null);
            case PlacementStrategyType.binpack when field.Equals("memory", StringComparison.OrdinalIgnoreCase):
                return new(StrategyKind.BinpackMemory, null);
            case PlacementStrategyType.spread when field.Equals("instanceId", StringComparison.OrdinalIgnoreCase)
                || field.Equals("host", StringComparison.OrdinalIgnoreCase):
                return new(StrategyKind.SpreadInstance, null);
            case PlacementStrategyType.spread when field.StartsWith(AttributePrefix, StringComparison.OrdinalIgnoreCase)
                && field.Length > AttributePrefix.Length:
                return new(StrategyKind.SpreadAttribute, field[AttributePrefix.Length..]);
            case PlacementStrategyType.random:
                return new(StrategyKind.Random, null);
            default:
                return new(StrategyKind.None, null);
        }
    }

    /// <summary>
    /// Compiles a strategy list. Everything after a random strategy is dropped: random leaves no ties for later
    /// strategies to break, so the engine simply picks uniformly among what is still tied at that point.
    /// </summary>
    public static CompiledStrategy[] CompileAll(ImmutableArray<PlacementStrategy> strategies)
    {
        if (strategies.IsDefaultOrEmpty)
        {
            return [];
        }

        var list = new List<CompiledStrategy>(strategies.Length);
        foreach (var s in strategies)
        {
            var c = Compile(s);
            if (c.Kind == StrategyKind.Random)
            {
                break;
            }

            if (c.Kind != StrategyKind.None)
            {
                list.Add(c);
            }
        }

        return [.. list];
    }
}
