using System.Collections.Immutable;
using Emulator.Contracts;

namespace Emulator.Model.Chaos;

/// <summary>When the steps of one EC2 Spot interruption happen (B-SP-1, B-ASG-5).</summary>
public sealed record SpotInterruptionTimes(DateTimeOffset? RebalanceAt, DateTimeOffset WarningAt, DateTimeOffset TerminateAt);

/// <summary>
/// Chaos target selection (FIS selectionMode ALL / COUNT(n) / PERCENT(p)) and the validation every chaos action runs
/// before it injects anything. Pure: the chaos grain resolves the candidates, this picks among them.
/// </summary>
public static class ChaosSelections
{
    /// <summary>Longest duration a time-bounded fault may have (FIS allows up to 12 hours per action).</summary>
    public static readonly TimeSpan MaxDuration = TimeSpan.FromHours(12);

    /// <summary>Null when the selection is valid, else the error text: COUNT needs a whole n >= 1, PERCENT 0 &lt; p &lt;= 100.</summary>
    public static string? Validate(ChaosSelection? selection)
    {
        if (selection is null)
        {
            return "A target selection is required (ALL, COUNT(n) or PERCENT(p)).";
        }

        return selection.Mode switch
        {
            SelectionMode.ALL => null,
            SelectionMode.COUNT when selection.Value >= 1 && selection.Value == Math.Floor(selection.Value) && selection.Value <= int.MaxValue => null,
            SelectionMode.COUNT => $"Selection COUNT({selection.Value}) is invalid: the count must be a whole number of at least 1.",
            SelectionMode.PERCENT when selection.Value > 0 && selection.Value <= 100 => null,
            SelectionMode.PERCENT => $"Selection PERCENT({selection.Value}) is invalid: the percentage must be greater than 0 and at most 100.",
            _ => $"Unknown selection mode {selection.Mode}.",
        };
    }

    /// <summary>Null when the duration is valid (positive, at most <see cref="MaxDuration"/>), else the error text.</summary>
    public static string? ValidateDuration(TimeSpan duration, string what = "duration") =>
        duration <= TimeSpan.Zero || duration > MaxDuration
            ? $"The {what} {duration} is invalid: it must be positive and at most {MaxDuration.TotalHours} hours."
            : null;

    /// <summary>Null when the probability is in (0, 1], else the error text.</summary>
    public static string? ValidateProbability(double probability) =>
        probability is > 0 and <= 1 ? null : $"The probability {probability} is invalid: it must be greater than 0 and at most 1.";

    /// <summary>
    /// How many of <paramref name="candidates"/> the selection takes: ALL = all; COUNT(n) = min(n, candidates);
    /// PERCENT(p) = ceil(candidates x p / 100), at least one when there is a candidate.
    /// </summary>
    public static int HowMany(ChaosSelection selection, int candidates)
    {
        if (candidates <= 0)
        {
            return 0;
        }

        return selection.Mode switch
        {
            SelectionMode.COUNT => (int)Math.Min(candidates, selection.Value),
            SelectionMode.PERCENT => Math.Clamp((int)Math.Ceiling(Math.Round(candidates * selection.Value / 100.0, 9)), 1, candidates),
            _ => candidates,
        };
    }

    /// <summary>
    /// The targets: the candidates are sorted by id (ordinal) and a seeded partial shuffle picks
    /// <see cref="HowMany"/> of them; the result is in id order. Same seed + same candidates = same targets.
    /// </summary>
    public static ImmutableArray<string> Select(IEnumerable<string> candidates, ChaosSelection selection, Random random)
    {
        var sorted = candidates.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        var n = HowMany(selection, sorted.Count);
        if (n == sorted.Count)
        {
            return [.. sorted];
        }

        for (var i = 0; i < n; i++)
        {
            var j = i + random.Next(sorted.Count - i);
            (sorted[i], sorted[j]) = (sorted[j], sorted[i]);
        }

        return [.. sorted.Take(n).Order(StringComparer.Ordinal)];
    }

    /// <summary>
    /// B-SP-1 / B-ASG-5: with a rebalance recommendation it comes first and the warning follows after
    /// <paramref name="rebalanceLead"/> (0 when not given: both at once); termination is <paramref name="notice"/>
    /// after the warning (120 s by default, B-T-2).
    /// </summary>
    public static SpotInterruptionTimes SpotTimes(DateTimeOffset now, TimeSpan notice, bool rebalanceRecommendation, TimeSpan? rebalanceLead)
    {
        if (!rebalanceRecommendation)
        {
            return new SpotInterruptionTimes(null, now, now + notice);
        }

        var warning = now + (rebalanceLead ?? TimeSpan.Zero);
        return new SpotInterruptionTimes(now, warning, warning + notice);
    }
}
