using System.Collections.Immutable;
using Emulator.Contracts;
using Emulator.Model;
using Emulator.Model.Catalog;
using Emulator.Model.Cluster;
using Emulator.Model.Lifecycle;
using PlacementStrategy = Emulator.Contracts.PlacementStrategy;

namespace Emulator.Tests.Model.Cluster;

/// <summary>Builds record books, instances, tasks and launch requests for the cluster model tests.</summary>
internal static class ClusterFixtures
{
    public const string ClusterName = "book";

    public static readonly DateTimeOffset T0 = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);

    public static readonly string[] Zones = ["us-east-1a", "us-east-1b", "us-east-1c"];

    public static EmulatorTimings Timings { get; } = new();

    public static Func<ContainerInstanceRecord, decimal> Prices { get; } = ClusterBook.CatalogPrices(InstanceCatalog.Default, 0.3);

    public static ClusterBook Book(ClusterRecords? records = null, IClusterBookObserver? observer = null) =>
        new(records ?? new ClusterRecords(), Prices, observer);

    /// <summary>A registered, ACTIVE instance of <paramref name="type"/> (B-CI-6), through the model's own registration.</summary>
    public static ContainerInstanceRecord Instance(string id, string type = "m5.large", string zone = "us-east-1a", string? provider = "cp",
        bool spot = false, string? ec2 = null, ImmutableDictionary<string, string>? attributes = null)
    {
        var info = InstanceCatalog.Default.Get(type);
        var reg = new InstanceRegistration(ec2 ?? "i-" + id, type, zone, provider is null ? null : "asg-" + provider, spot, false,
            attributes ?? ImmutableDictionary<string, string>.Empty);
        return ContainerInstanceRules.Register(reg, id, ClusterName, info, InstanceCatalog.Default.Registered(info), Zones, provider, T0);
    }

    public static TaskRequirements Needs(int cpu = 256, int memory = 512, int[]? ports = null, NetworkMode mode = NetworkMode.bridge) =>
        new(cpu, memory, ports is null ? [] : [.. ports], 0, mode);

    /// <summary>A new PROVISIONING task (B-TL-1).</summary>
    public static TaskRecord NewTask(string id, string? provider = "cp", LaunchType launchType = LaunchType.EC2, string? service = null,
        TaskRequirements? needs = null, DateTimeOffset? at = null, bool daemon = false) =>
        TaskLifecycle.New(id, ClusterName, "arn:aws:ecs:us-east-1:000000000000:task-definition/web:1", needs ?? Needs(),
            service is null ? "family:web" : "service:" + service, service is null ? null : "ecs-svc/1", service, service is null ? null : "ecs-svc/1",
            provider, launchType, daemon, 30, at ?? T0);

    public static TaskDefinitionRecord TaskDefinition(TaskRequirements? needs = null, ImmutableArray<PlacementConstraint> constraints = default)
    {
        var n = needs ?? Needs();
        var spec = new TaskDefinitionSpec("web", [new ContainerDefinition("app", "nginx", n.Cpu, n.Memory, null, true, [], null, 0)],
            null, null, n.NetworkMode, ["EC2", "FARGATE"], constraints.IsDefault ? [] : constraints, ImmutableDictionary<string, string>.Empty);
        return new TaskDefinitionRecord("arn:aws:ecs:us-east-1:000000000000:task-definition/web:1", "web", 1, spec, true, T0, null, n, 30);
    }

    public static LaunchRequest Request(int count, string? service = null, LaunchType? launchType = null,
        ImmutableArray<CapacityProviderStrategyItem> strategy = default, ImmutableArray<ProviderAllocation> allocations = default,
        ImmutableArray<PlacementStrategy> placement = default, ImmutableArray<PlacementConstraint> constraints = default,
        ImmutableArray<string> targets = default, string? token = null, string? fingerprint = null, TaskRequirements? needs = null) =>
        new(TaskDefinition(needs), count, service is null ? "family:web" : "service:" + service, service is null ? null : "ecs-svc/1",
            service, service is null ? null : "ecs-svc/1", launchType, strategy, allocations, placement, constraints, targets, false, token, fingerprint);

    public static ClusterProvider Asg(string name, bool managedScaling) => new(name, ProviderType.AutoScalingGroup, "asg-" + name, managedScaling, false, false);

    public static ClusterProvider Fargate { get; } = new("FARGATE", ProviderType.Fargate, null, false, false, false);

    public static ClusterProvider FargateSpot { get; } = new("FARGATE_SPOT", ProviderType.FargateSpot, null, false, false, false);

    public static LaunchSettings Settings(
        IEnumerable<ClusterProvider>? providers = null,
        ImmutableArray<CapacityProviderStrategyItem> defaultStrategy = default,
        IReadOnlyDictionary<string, ClientTokenRecord>? tokens = null,
        IReadOnlyDictionary<string, DateTimeOffset?>? outages = null,
        int queueLimit = 500) =>
        new(ClusterName, "us-east-1", "000000000000",
            (providers ?? [Asg("cp", true)]).ToImmutableDictionary(p => p.Name, StringComparer.Ordinal),
            defaultStrategy.IsDefault ? [] : defaultStrategy,
            tokens ?? new Dictionary<string, ClientTokenRecord>(),
            outages ?? new Dictionary<string, DateTimeOffset?>(),
            Zones, queueLimit);
}
