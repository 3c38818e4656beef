using Emulator.Contracts;

namespace Emulator.Model.Cluster;

/// <summary>
/// The records a cluster stores: its tasks and container instances, the PROVISIONING queue in arrival order (B-PQ-2)
/// and the cost of the tasks already deleted (B-IT-5). The cluster grain's persisted state implements this, so the
/// <see cref="ClusterBook"/> works on the very collections that are written, with no copy; tests use
/// <see cref="ClusterRecords"/>. Only the book changes them.
/// </summary>
public interface IClusterRecords
{
    Dictionary<string, TaskRecord> Tasks { get; }

    Dictionary<string, ContainerInstanceRecord> Instances { get; }

    /// <summary>PROVISIONING tasks of every provider, in arrival order (B-PQ-2).</summary>
    List<string> Queue { get; }

    /// <summary>How each queued task wants to be placed; a queued task may lack one (then: no strategy, no constraint).</summary>
    Dictionary<string, QueuedPlacement> QueuedPlacements { get; }

    Dictionary<string, decimal> DeletedTaskCostByService { get; }

    Dictionary<string, decimal> DeletedTaskCostByProvider { get; }

    decimal DeletedFargateCost { get; set; }
}

/// <summary>Plain <see cref="IClusterRecords"/> (model tests, tools).</summary>
public sealed class ClusterRecords : IClusterRecords
{
    public Dictionary<string, TaskRecord> Tasks { get; } = new(StringComparer.Ordinal);

    public Dictionary<string, ContainerInstanceRecord> Instances { get; } = new(StringComparer.Ordinal);

    public List<string> Queue { get; } = [];

    public Dictionary<string, QueuedPlacement> QueuedPlacements { get; } = new(StringComparer.Ordinal);

    public Dictionary<string, decimal> DeletedTaskCostByService { get; } = new(StringComparer.Ordinal);

    public Dictionary<string, decimal> DeletedTaskCostByProvider { get; } = new(StringComparer.Ordinal);

    public decimal DeletedFargateCost { get; set; }

    /// <summary>A deep enough copy: new collections holding the same immutable records.</summary>
    public static ClusterRecords CopyOf(IClusterRecords source)
    {
        ArgumentNullException.ThrowIfNull(source);
        var copy = new ClusterRecords { DeletedFargateCost = source.DeletedFargateCost };
        foreach (var (k, v) in source.Tasks)
        {
            copy.Tasks[k] = v;
        }

        foreach (var (k, v) in source.Instances)
        {
            copy.Instances[k] = v;
        }

        copy.Queue.AddRange(source.Queue);
        foreach (var (k, v) in source.QueuedPlacements)
        {
            copy.QueuedPlacements[k] = v;
        }

        foreach (var (k, v) in source.DeletedTaskCostByService)
        {
            copy.DeletedTaskCostByService[k] = v;
        }

        foreach (var (k, v) in source.DeletedTaskCostByProvider)
        {
            copy.DeletedTaskCostByProvider[k] = v;
        }

        return copy;
    }
}
