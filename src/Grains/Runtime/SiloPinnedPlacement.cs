using Emulator.Contracts;
using Orleans.Placement;
using Orleans.Runtime.Placement;
using PlacementStrategy = Orleans.Runtime.PlacementStrategy;

namespace Emulator.Runtime;

/// <summary>
/// Placement on the silo a grain's key names (<see cref="GrainKeys.PinnedToSilo"/>): the per-silo figures of a
/// load test (<see cref="ISiloDiagnosticsGrain"/>) and the raw activation baseline of each silo
/// (<see cref="IPinnedProbeGrain"/>) must run on that silo, whichever gateway the client reached.
/// </summary>
[GenerateSerializer, Immutable, Alias("SiloPinnedPlacement")]
public sealed class SiloPinnedPlacement : PlacementStrategy
{
    public static SiloPinnedPlacement Instance { get; } = new();
}

/// <summary>Marks a grain class placed by <see cref="SiloPinnedPlacement"/>.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false)]
public sealed class SiloPinnedPlacementAttribute : PlacementAttribute
{
    public SiloPinnedPlacementAttribute()
        : base(SiloPinnedPlacement.Instance)
    {
    }
}

/// <summary>
/// Places a silo-pinned grain on the active silo its key names, and refuses (rather than placing it elsewhere, which
/// would report another silo's figures under this one's name) when that silo is not active.
/// </summary>
public sealed class SiloPinnedPlacementDirector : IPlacementDirector
{
    public Task<SiloAddress> OnAddActivation(PlacementStrategy strategy, PlacementTarget target, IPlacementContext context)
    {
        var silo = GrainKeys.PinnedSilo(target.GrainIdentity.Key.ToString()!);
        foreach (var candidate in context.GetCompatibleSilos(target))
        {
            if (string.Equals(candidate.ToParsableString(), silo, StringComparison.Ordinal))
            {
                return Task.FromResult(candidate);
            }
        }

        throw new OrleansException($"Silo {silo} is not an active silo of this cluster: a silo-pinned grain ({target.GrainIdentity}) is only placed on the silo its key names.");
    }
}
