using System.Collections.Frozen;
using System.Collections.Immutable;
using Emulator.Contracts;

namespace Emulator.Model.Catalog;

/// <summary>One EC2 instance type (B-IT-1).</summary>
public sealed record InstanceTypeInfo(
    string Name,
    int VCpus,
    int MemoryMiB,
    int MaxEnis,
    int Gpus,
    string Architecture,
    decimal OnDemandPricePerHour);

/// <summary>
/// The built-in instance type catalog (B-IT-1), extendable by configuration, and the registered resources an
/// ECS agent reports for a type (B-IT-2).
/// </summary>
public sealed class InstanceCatalog
{
    /// <summary>Ports the ECS agent reserves on every instance (B-IT-2).</summary>
    public static readonly ImmutableHashSet<int> AgentReservedPorts = [22, 2375, 2376, 51678, 51679];

    /// <summary>MEMORY = floor(nominal MiB x 0.975) (B-IT-2, Model choice; configurable).</summary>
    public const double DefaultMemoryRegistrationFactor = 0.975;

    /// <summary>At most 100 reserved host ports per instance (B-IT-2).</summary>
    public const int MaxReservedHostPorts = 100;

    public static readonly ImmutableArray<InstanceTypeInfo> BuiltIn =
    [
        new("t2.large", 2, 8192, 3, 0, "x86_64", 0.0928m),
        new("t3.small", 2, 2048, 3, 0, "x86_64", 0.0208m),
        new("t3.medium", 2, 4096, 3, 0, "x86_64", 0.0416m),
        new("t3.large", 2, 8192, 3, 0, "x86_64", 0.0832m),
        new("m3.large", 2, 7680, 3, 0, "x86_64", 0.133m),
        new("m4.large", 2, 8192, 2, 0, "x86_64", 0.10m),
        new("m5.large", 2, 8192, 3, 0, "x86_64", 0.096m),
        new("m5a.large", 2, 8192, 3, 0, "x86_64", 0.086m),
        new("m5ad.large", 2, 8192, 3, 0, "x86_64", 0.103m),
        new("m5d.large", 2, 8192, 3, 0, "x86_64", 0.113m),
        new("m5dn.large", 2, 8192, 3, 0, "x86_64", 0.136m),
        new("m5n.large", 2, 8192, 3, 0, "x86_64", 0.119m),
        new("m5.xlarge", 4, 16384, 4, 0, "x86_64", 0.192m),
        new("c5.large", 2, 4096, 3, 0, "x86_64", 0.085m),
        new("c5.xlarge", 4, 8192, 4, 0, "x86_64", 0.17m),
        new("r5.large", 2, 16384, 3, 0, "x86_64", 0.126m),
        new("g4dn.xlarge", 4, 16384, 3, 1, "x86_64", 0.526m),
    ];

    private readonly FrozenDictionary<string, InstanceTypeInfo> _types;

    public InstanceCatalog(IEnumerable<InstanceTypeInfo>? extra = null, double memoryRegistrationFactor = DefaultMemoryRegistrationFactor)
    {
        var all = new Dictionary<string, InstanceTypeInfo>(StringComparer.Ordinal);
        foreach (var t in BuiltIn.Concat(extra ?? []))
        {
            all[t.Name] = t;
        }

        _types = all.ToFrozenDictionary(StringComparer.Ordinal);
        MemoryRegistrationFactor = memoryRegistrationFactor;
    }

    public static InstanceCatalog Default { get; } = new();

    public double MemoryRegistrationFactor { get; }

    public IEnumerable<InstanceTypeInfo> All => _types.Values;

    public bool TryGet(string name, out InstanceTypeInfo info) => _types.TryGetValue(name, out info!);

    public InstanceTypeInfo Get(string name) =>
        _types.TryGetValue(name, out var info) ? info : throw new KeyNotFoundException($"Unknown instance type '{name}'.");

    /// <summary>
    /// Registered resources of a container instance of this type (B-IT-2): CPU = vCPUs x 1024,
    /// MEMORY = floor(MiB x factor), GPUs, and ENIs = the type's max ENIs (the primary one included; awsvpc
    /// tasks can use ENIs - 1, see <see cref="TaskEniCapacity"/>).
    /// </summary>
    public ResourceSet Registered(InstanceTypeInfo t) =>
        new(t.VCpus * 1024, (int)Math.Floor(t.MemoryMiB * MemoryRegistrationFactor), t.Gpus, TaskEniCapacity(t));

    public ResourceSet Registered(string type) => Registered(Get(type));

    /// <summary>awsvpc tasks get one ENI each; the primary ENI is the instance's own (B-CAS-2: ENIs - 1).</summary>
    public static int TaskEniCapacity(InstanceTypeInfo t) => Math.Max(0, t.MaxEnis - 1);
}
