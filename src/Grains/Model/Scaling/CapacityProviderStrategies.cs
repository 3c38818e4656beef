using System.Collections.Immutable;
using Emulator.Contracts;

namespace Emulator.Model.Scaling;

/// <summary>What a capacity provider is backed by; a strategy never mixes the two families (B-CP-1).</summary>
public enum ProviderKind
{
    AutoScalingGroup = 0,
    Fargate = 1,
    FargateSpot = 2,
}

/// <summary>How many of a batch of tasks one capacity provider of a strategy receives (B-CP-3).</summary>
public sealed record ProviderCount(string CapacityProvider, int Count);

/// <summary>
/// Capacity provider strategies: validation (B-CP-1) and the split of a number of tasks over the items
/// (B-CP-3).
/// </summary>
public static class CapacityProviderStrategies
{
    public const int MaxItems = 20;
    public const int MaxWeight = 1000;
    public const int MaxBase = 100_000;

    /// <summary>
    /// Null when <paramref name="items"/> is a valid strategy, else the message of the InvalidParameterException
    /// AWS returns (B-CP-1). <paramref name="kindOf"/> returns null for a provider that does not exist or is not
    /// associated with the cluster.
    /// </summary>
    public static string? Validate(IReadOnlyList<CapacityProviderStrategyItem> items, Func<string, ProviderKind?> kindOf)
    {
        if (items.Count == 0)
        {
            return "The capacity provider strategy must contain at least one capacity provider.";
        }

        if (items.Count > MaxItems)
        {
            return $"The capacity provider strategy can contain a maximum of {MaxItems} capacity providers.";
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        var hasAsg = false;
        var hasFargate = false;
        foreach (var item in items)
        {
            if (string.IsNullOrEmpty(item.CapacityProvider))
            {
                return "The capacity provider strategy contains an item without a capacity provider name.";
            }

            if (item.Weight is < 0 or > MaxWeight)
            {
                return $"The specified weight value for capacity provider {item.CapacityProvider} is not valid. Specify a value between 0 and {MaxWeight} and try again.";
            }

            if (item.Base is < 0 or > MaxBase)
            {
                return $"The specified base value for capacity provider {item.CapacityProvider} is not valid. Specify a value between 0 and {MaxBase} and try again.";
            }

            if (!seen.Add(item.CapacityProvider))
            {
                return $"The capacity provider strategy cannot contain duplicate capacity providers: {item.CapacityProvider}.";
            }

            // Model choice: AWS's message does not name the provider; ours appends it so the user sees which one.
            switch (kindOf(item.CapacityProvider))
            {
                case null:
                    return "The specified capacity provider strategy cannot contain a capacity provider that is not associated with the cluster. "
                        + $"Associate the capacity provider with the cluster or specify a valid capacity provider and try again. Capacity provider: {item.CapacityProvider}.";
                case ProviderKind.AutoScalingGroup:
                    hasAsg = true;
                    break;
                default:
                    hasFargate = true;
                    break;
            }
        }

        if (items.Count(i => i.Base > 0) > 1)
        {
            return "Only one capacity provider in a capacity provider strategy can have a base defined.";
        }

        if (!items.Any(i => i.Weight > 0))
        {
            return "There are no capacity providers with a weight value greater than zero defined in the capacity provider strategy. "
                + "At least one capacity provider must have a weight value greater than zero specified.";
        }

        if (hasAsg && hasFargate)
        {
            return "A capacity provider strategy cannot contain a mix of capacity providers using Auto Scaling groups and Fargate providers. "
                + "Specify one or the other and try again.";
        }

        return null;
    }

    /// <summary>
    /// Splits <paramref name="total"/> tasks over a (valid) strategy (B-CP-3, Model choice): the base goes first to
    /// its provider, capped at the total; the rest is shared in proportion to the weights by largest remainder,
    /// a tie going to the larger weight and then to the earlier item. One entry per item, in item order.
    /// </summary>
    /// <remarks>
    /// Worked: base 1/weight 1 (A) + weight 4 (B), 40 tasks: A takes 1, 39 remain; quotas 7.8 and 31.2 floor to
    /// 7 and 31, the one left over goes to A (remainder .8) -> A 9, B 31. The arithmetic stays in integers:
    /// quota_i = rest x w_i / W, remainder_i = rest x w_i mod W, all remainders sharing the denominator W.
    /// </remarks>
    public static ImmutableArray<ProviderCount> Split(IReadOnlyList<CapacityProviderStrategyItem> items, int total)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(total);
        var counts = new int[items.Count];
        var rest = total;

        var baseIndex = -1;
        for (var i = 0; i < items.Count; i++)
        {
            if (items[i].Base > 0)
            {
                baseIndex = i;
                var take = Math.Min(items[i].Base, rest);
                counts[i] += take;
                rest -= take;
                break; // at most one item has a base (B-CP-1)
            }
        }

        long weightSum = items.Sum(i => (long)Math.Max(0, i.Weight));
        if (rest > 0 && weightSum == 0)
        {
            // Only reachable with a strategy Validate rejects; keep every task somewhere rather than lose it.
            if (items.Count > 0)
            {
                counts[baseIndex >= 0 ? baseIndex : 0] += rest;
            }

            rest = 0;
        }

        if (rest > 0)
        {
            var remainders = new long[items.Count];
            var given = 0;
            for (var i = 0; i < items.Count; i++)
            {
                var share = (long)rest * Math.Max(0, items[i].Weight);
                var whole = (int)(share / weightSum);
                counts[i] += whole;
                given += whole;
                remainders[i] = share % weightSum;
            }

            var leftOver = rest - given;
            var order = Enumerable.Range(0, items.Count)
                .Where(i => items[i].Weight > 0)
                .OrderByDescending(i => remainders[i])
                .ThenByDescending(i => items[i].Weight)
                .ThenBy(i => i);
            foreach (var i in order.Take(leftOver))
            {
                counts[i]++;
            }
        }

        return [.. items.Select((item, i) => new ProviderCount(item.CapacityProvider, counts[i]))];
    }
}
