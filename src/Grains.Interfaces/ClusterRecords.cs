using System.Collections.Immutable;

namespace Emulator.Contracts;

/// <summary>
/// Where and how a queued PROVISIONING task wants to be placed once capacity appears (B-PQ-2). Part of a cluster's
/// stored state; kept here (not beside the grain) so that the pure model's record book can hold it. The alias is
/// its stored identity: moving the type did not change what a durable store holds.
/// </summary>
[GenerateSerializer, Immutable, Alias("QueuedPlacement")]
public sealed record QueuedPlacement(
    [property: Id(0)] ImmutableArray<PlacementStrategy> Strategies,
    [property: Id(1)] ImmutableArray<PlacementConstraint> Constraints)
{
    /// <summary>No strategy, no constraint (a queued task stored without its placement, e.g. by an older build).</summary>
    public static QueuedPlacement None { get; } = new([], []);
}

/// <summary>A RunTask client token: the request's fingerprint, when it was used, the tasks it started. Part of a cluster's stored state.</summary>
[GenerateSerializer, Immutable, Alias("ClientTokenRecord")]
public sealed record ClientTokenRecord(
    [property: Id(0)] string? Fingerprint,
    [property: Id(1)] DateTimeOffset At,
    [property: Id(2)] ImmutableArray<string> TaskIds);
