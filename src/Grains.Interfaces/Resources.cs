using System.Collections.Immutable;

namespace Emulator.Contracts;

/// <summary>Countable resources of an instance or a task (B-IT-2, B-PL-1). Ports are tracked separately.</summary>
[GenerateSerializer, Immutable, Alias("ResourceSet")]
public readonly record struct ResourceSet(
    [property: Id(0)] int Cpu,
    [property: Id(1)] int Memory,
    [property: Id(2)] int Gpu,
    [property: Id(3)] int Eni)
{
    public static ResourceSet Zero => default;

    public static ResourceSet operator +(ResourceSet a, ResourceSet b) =>
        new(a.Cpu + b.Cpu, a.Memory + b.Memory, a.Gpu + b.Gpu, a.Eni + b.Eni);

    public static ResourceSet operator -(ResourceSet a, ResourceSet b) =>
        new(a.Cpu - b.Cpu, a.Memory - b.Memory, a.Gpu - b.Gpu, a.Eni - b.Eni);

    /// <summary>True when every component of this set is within <paramref name="capacity"/>.</summary>
    public bool FitsWithin(ResourceSet capacity) =>
        Cpu <= capacity.Cpu && Memory <= capacity.Memory && Gpu <= capacity.Gpu && Eni <= capacity.Eni;

    public bool IsNonNegative => Cpu >= 0 && Memory >= 0 && Gpu >= 0 && Eni >= 0;
}

/// <summary>Task network modes (task definition networkMode).</summary>
public enum NetworkMode
{
    bridge = 0,
    host = 1,
    awsvpc = 2,
    none = 3,
}

/// <summary>
/// What one task needs from an instance: CPU units, MiB, GPUs, static host ports and (awsvpc) one ENI.
/// Derived from a task definition (see Emulator.Model.Catalog.TaskDefinitions).
/// </summary>
[GenerateSerializer, Immutable, Alias("TaskRequirements")]
public sealed record TaskRequirements(
    [property: Id(0)] int Cpu,
    [property: Id(1)] int Memory,
    [property: Id(2)] ImmutableArray<int> HostPorts,
    [property: Id(3)] int Gpu,
    [property: Id(4)] NetworkMode NetworkMode)
{
    public int Eni => NetworkMode == NetworkMode.awsvpc ? 1 : 0;

    public ResourceSet Resources => new(Cpu, Memory, Gpu, Eni);

    /// <summary>A value key: tasks with equal keys have identical resource needs (B-CAS-2 grouping).</summary>
    public string Key => $"{Cpu}/{Memory}/{Gpu}/{NetworkMode}/{(HostPorts.IsDefaultOrEmpty ? "" : string.Join(',', HostPorts.Order()))}";

    public bool Equals(TaskRequirements? other) => other is not null && Key == other.Key;

    public override int GetHashCode() => Key.GetHashCode(StringComparison.Ordinal);
}
