using System.Collections.Immutable;
using Emulator.Contracts;

namespace Emulator.Grains;

/// <summary>
/// The stored state of an EC2 Auto Scaling group (<see cref="AutoScalingGroupGrain"/>). Serialization ids never change
/// and new members go at the end: a durable-mode store written by an earlier build still loads.
/// </summary>
[GenerateSerializer, Alias("AsgState")]
public sealed class AsgState
{
    [Id(0)] public bool Exists { get; set; }

    [Id(1)] public AsgSpec? Spec { get; set; }

    [Id(2)] public string Uuid { get; set; } = "";

    [Id(3)] public int Desired { get; set; }

    [Id(4)] public Dictionary<string, AsgInstance> Instances { get; set; } = new(StringComparer.Ordinal);

    [Id(5)] public ImmutableList<ScalingActivity> Activities { get; set; } = [];

    [Id(6)] public string? CapacityProvider { get; set; }

    [Id(7)] public bool ManagedDraining { get; set; }

    [Id(8)] public DateTimeOffset CreatedAt { get; set; }

    /// <summary>The first half of the next activities' Cause: why desired capacity last changed (B-ASG-6).</summary>
    [Id(9)] public string LastDesiredCause { get; set; } = "";

    /// <summary>Unused since the shared Spot market (<see cref="ISpotMarketGrain"/>) holds exhausted pools; kept for stored state.</summary>
    [Id(10)] public ImmutableHashSet<string> ExhaustedPools { get; set; } = [];

    /// <summary>Cost of instances already dropped from <see cref="Instances"/> (B-IT-5).</summary>
    [Id(11)] public decimal DroppedInstancesCost { get; set; }

    /// <summary>B-SP-1..3, B-ASG-5: Spot interruptions in progress, by instance id (survive reactivation).</summary>
    [Id(12)] public Dictionary<string, SpotInterruptionPlan> Interruptions { get; set; } = new(StringComparer.Ordinal);

    /// <summary>B-SP-5: the emulated time up to which the pools' interruption rates have been applied.</summary>
    [Id(13)] public DateTimeOffset? RateAppliedUntil { get; set; }

    /// <summary>How many times this group's grain was activated on its persisted state (seeds a fresh id stream).</summary>
    [Id(50)] public int Incarnation { get; set; }
}
