using System.Collections.Immutable;
using Emulator.Contracts;
using Emulator.Model.Cluster;

namespace Emulator.Grains;

/// <summary>
/// The persisted state of a cluster grain: its records and queue (which the record book, <see cref="ClusterBook"/>,
/// works on in place) and its settings. Serialization ids are never renumbered; members only grow.
/// </summary>
[GenerateSerializer, Alias("ClusterState")]
public sealed class ClusterState : IClusterRecords
{
    [Id(0)] public bool Exists { get; set; }

    [Id(1)] public string Status { get; set; } = "ACTIVE";

    [Id(2)] public ImmutableDictionary<string, ClusterProvider> Providers { get; set; } = ImmutableDictionary<string, ClusterProvider>.Empty;

    [Id(3)] public ImmutableArray<CapacityProviderStrategyItem> DefaultStrategy { get; set; } = [];

    [Id(4)] public ImmutableDictionary<string, string> Tags { get; set; } = ImmutableDictionary<string, string>.Empty;

    [Id(5)] public Dictionary<string, ContainerInstanceRecord> Instances { get; set; } = new(StringComparer.Ordinal);

    [Id(6)] public Dictionary<string, TaskRecord> Tasks { get; set; } = new(StringComparer.Ordinal);

    [Id(7)] public ImmutableSortedSet<string> Services { get; set; } = ImmutableSortedSet<string>.Empty;

    /// <summary>PROVISIONING tasks of every provider, in arrival order (B-PQ-2).</summary>
    [Id(8)] public List<string> Queue { get; set; } = [];

    [Id(9)] public Dictionary<string, QueuedPlacement> QueuedPlacements { get; set; } = new(StringComparer.Ordinal);

    [Id(10)] public Dictionary<string, ImmutableArray<string>> ClientTokens { get; set; } = new(StringComparer.Ordinal);

    [Id(11)] public LaunchFaults? Faults { get; set; }

    [Id(12)] public DateTimeOffset CreatedAt { get; set; }

    [Id(13)] public long EventSequence { get; set; }

    [Id(14)] public Dictionary<string, decimal> DeletedTaskCostByService { get; set; } = new(StringComparer.Ordinal);

    [Id(15)] public Dictionary<string, decimal> DeletedTaskCostByProvider { get; set; } = new(StringComparer.Ordinal);

    [Id(16)] public decimal DeletedFargateCost { get; set; }

    /// <summary>B-PQ-4: false while FARGATE_SPOT capacity is exhausted (a chaos knob).</summary>
    [Id(17)] public bool FargateSpotAvailable { get; set; } = true;

    /// <summary>RunTask client tokens (replaces <see cref="ClientTokens"/>, which older states may still hold).</summary>
    [Id(30)] public Dictionary<string, ClientTokenRecord> ClientTokenRecords { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Zones out of service (chaos AZ outage) and when the outage ends (null: until restored). Id far from the others to keep merges apart.</summary>
    [Id(40)] public Dictionary<string, DateTimeOffset?> ZoneOutages { get; set; } = new(StringComparer.Ordinal);

    /// <summary>How many times this cluster's grain was activated on its persisted state (seeds a fresh id stream).</summary>
    [Id(50)] public int Incarnation { get; set; }

    /// <summary>B-DP-8: chaos task faults set on running services (newest last); new tasks of the service get the active ones.</summary>
    [Id(60)] public Dictionary<string, ImmutableList<ServiceTaskFault>> ServiceFaults { get; set; } = new(StringComparer.Ordinal);

    /// <summary>B-LB-1: the target group each load-balanced service's tasks register with.</summary>
    [Id(18)] public Dictionary<string, TargetGroupSpec> TargetGroups { get; set; } = new(StringComparer.Ordinal);

    /// <summary>B-LB-1: when each service was put behind its target group; tasks launched before are not targets.</summary>
    [Id(19)] public Dictionary<string, DateTimeOffset> TargetGroupsSince { get; set; } = new(StringComparer.Ordinal);

    /// <summary>B-DP-6: deployments whose tasks register with a target group other than their service's (green in the alternate group; blue in the old one after the swap).</summary>
    [Id(70)] public Dictionary<string, TargetGroupSpec> DeploymentTargetGroups { get; set; } = new(StringComparer.Ordinal);

    /// <summary>B-DP-6: the service of each deployment in <see cref="DeploymentTargetGroups"/>.</summary>
    [Id(71)] public Dictionary<string, string> DeploymentServices { get; set; } = new(StringComparer.Ordinal);
}
