using System.Collections.Immutable;
using Emulator.Contracts;
using PlacementStrategy = Emulator.Contracts.PlacementStrategy;
using Emulator.Model.Catalog;
using Emulator.Model.Placement;

namespace Emulator.Tests.Model.Placement;

/// <summary>Builds container instance records and placement requests for the placement tests.</summary>
internal static class TestInstances
{
    public static readonly DateTimeOffset DefaultRegisteredAt = new(2019, 6, 15, 12, 0, 0, TimeSpan.Zero);

    /// <summary>An ACTIVE, connected instance of <paramref name="type"/> with the built-in attributes (B-CI-6).</summary>
    public static ContainerInstanceRecord Make(
        string id,
        string type = "m5.large",
        string az = "us-east-1a",
        string? capacityProvider = null,
        ContainerInstanceStatus status = ContainerInstanceStatus.ACTIVE,
        bool connected = true,
        ResourceSet used = default,
        IEnumerable<int>? extraUsedPorts = null,
        IEnumerable<KeyValuePair<string, string>>? attributes = null,
        DateTimeOffset? registeredAt = null,
        int running = 0,
        IEnumerable<KeyValuePair<string, int>>? groups = null)
    {
        var info = InstanceCatalog.Default.Get(type);
        var attrs = ImmutableDictionary.CreateBuilder<string, string>(StringComparer.Ordinal);
        attrs["ecs.availability-zone"] = az;
        attrs["ecs.instance-type"] = type;
        attrs["ecs.os-type"] = "linux";
        attrs["ecs.cpu-architecture"] = info.Architecture;
        attrs["ecs.ami-id"] = "ami-0123456789abcdef0";
        attrs["ecs.vpc-id"] = "vpc-0123abcd";
        attrs["ecs.subnet-id"] = "subnet-" + az;
        foreach (var kv in attributes ?? [])
        {
            attrs[kv.Key] = kv.Value;
        }

        return new ContainerInstanceRecord(
            ContainerInstanceId: id,
            Cluster: "default",
            Ec2InstanceId: "i-" + id,
            InstanceType: type,
            AvailabilityZone: az,
            CapacityProvider: capacityProvider,
            AutoScalingGroup: null,
            IsSpot: false,
            Status: status,
            AgentConnected: connected,
            Registered: InstanceCatalog.Default.Registered(type),
            Used: used,
            UsedPorts: InstanceCatalog.AgentReservedPorts.Union(extraUsedPorts ?? []),
            Attributes: attrs.ToImmutable(),
            RegisteredAt: registeredAt ?? DefaultRegisteredAt,
            Version: 1,
            RunningTasksCount: running,
            PendingTasksCount: 0,
            TaskGroups: (groups ?? []).ToImmutableDictionary(StringComparer.Ordinal),
            NonDaemonTasks: running,
            SpotDraining: false);
    }

    public static KeyValuePair<string, T> Kv<T>(string key, T value) => new(key, value);

    public static TaskRequirements Needs(int cpu = 256, int memory = 512, int[]? ports = null, int gpu = 0, NetworkMode mode = NetworkMode.bridge) =>
        new(cpu, memory, ports is null ? [] : [.. ports], gpu, mode);

    public static PlacementRequest Request(
        TaskRequirements? needs = null,
        int count = 1,
        string group = "service:web",
        PlacementStrategy[]? strategies = null,
        PlacementConstraint[]? constraints = null,
        string? capacityProvider = null,
        string? target = null) =>
        new(needs ?? Needs(), group, count, strategies is null ? [] : [.. strategies], constraints is null ? [] : [.. constraints], capacityProvider, target);

    public static PlacementStrategy Binpack(string field) => new(PlacementStrategyType.binpack, field);

    public static PlacementStrategy Spread(string field) => new(PlacementStrategyType.spread, field);

    public static PlacementStrategy RandomStrategy() => new(PlacementStrategyType.random, null);

    public static PlacementConstraint MemberOf(string expression) => new(PlacementConstraintType.memberOf, expression);

    public static PlacementConstraint DistinctInstance() => new(PlacementConstraintType.distinctInstance, null);

    /// <summary>
    /// What the cluster grain does after a placement: the tasks now hold resources and ports on their instances
    /// (B-CI-2) and count in runningTasksCount and the instance's task groups.
    /// </summary>
    public static List<ContainerInstanceRecord> Apply(IReadOnlyList<ContainerInstanceRecord> instances, PlacementRequest request, PlacementResult result)
    {
        var perInstance = result.Placed.GroupBy(a => a.ContainerInstanceId).ToDictionary(g => g.Key, g => g.ToList());
        var list = new List<ContainerInstanceRecord>(instances.Count);
        foreach (var inst in instances)
        {
            if (!perInstance.TryGetValue(inst.ContainerInstanceId, out var assigned))
            {
                list.Add(inst);
                continue;
            }

            var used = inst.Used;
            var ports = inst.UsedPorts;
            foreach (var a in assigned)
            {
                used += request.Needs.Resources;
                ports = ports.Union(a.HostPorts);
            }

            list.Add(inst with
            {
                Used = used,
                UsedPorts = ports,
                RunningTasksCount = inst.RunningTasksCount + assigned.Count,
                NonDaemonTasks = inst.NonDaemonTasks + assigned.Count,
                TaskGroups = inst.TaskGroups.SetItem(request.Group, inst.TaskGroups.GetValueOrDefault(request.Group) + assigned.Count),
            });
        }

        return list;
    }

    /// <summary>How many assignments landed on each instance id.</summary>
    public static Dictionary<string, int> CountPerInstance(PlacementResult result) =>
        result.Placed.GroupBy(a => a.ContainerInstanceId).ToDictionary(g => g.Key, g => g.Count());
}
