using System.Collections.Immutable;
using System.Globalization;
using Emulator.Contracts;
using Emulator.Model.Catalog;
using Emulator.Model.Time;
using TaskStatus = Emulator.Contracts.TaskStatus;

namespace Emulator.Model.Cluster;

/// <summary>Container instance rules (B-CI-*): registration, state changes, draining, deregistration, attributes.</summary>
public static class ContainerInstanceRules
{
    /// <summary>
    /// B-CI-1, B-CI-2, B-CI-6: an EC2 instance's agent registers: ACTIVE and connected, the type's registered
    /// resources (<paramref name="registered"/>, B-IT-2), the agent's reserved ports, the built-in attributes plus the launch's custom ones.
    /// </summary>
    public static ContainerInstanceRecord Register(InstanceRegistration registration, string containerInstanceId, string cluster,
        InstanceTypeInfo type, ResourceSet registered, IReadOnlyList<string> availabilityZones, string? capacityProvider, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(registration);
        ArgumentNullException.ThrowIfNull(type);
        ArgumentNullException.ThrowIfNull(availabilityZones);
        var zoneIndex = Math.Max(0, IndexOf(availabilityZones, registration.AvailabilityZone));
        var attributes = ImmutableDictionary.CreateRange(StringComparer.Ordinal, new Dictionary<string, string>
        {
            ["ecs.availability-zone"] = registration.AvailabilityZone,
            ["ecs.instance-type"] = registration.InstanceType,
            ["ecs.os-type"] = "linux",
            ["ecs.os-family"] = "LINUX",
            ["ecs.cpu-architecture"] = type.Architecture,
            ["ecs.ami-id"] = "ami-0emulator" + (SeededRandomSource.StableHash(registration.InstanceType) & 0xffff).ToString("x4", CultureInfo.InvariantCulture),
            ["ecs.vpc-id"] = "vpc-0emulator000001",
            ["ecs.subnet-id"] = $"subnet-0emulator00000{zoneIndex + 1}",
            ["ecs.capability.spot-instance-draining"] = registration.SpotDraining ? "true" : "false",
        }).SetItems(registration.CustomAttributes);
        return new ContainerInstanceRecord(
            containerInstanceId, cluster, registration.Ec2InstanceId, registration.InstanceType, registration.AvailabilityZone,
            capacityProvider, registration.AutoScalingGroup, registration.IsSpot,
            ContainerInstanceStatus.ACTIVE, true, registered, ResourceSet.Zero,
            InstanceCatalog.AgentReservedPorts, attributes, now, 1, 0, 0,
            ImmutableDictionary<string, int>.Empty, 0, registration.SpotDraining);
    }

    /// <summary>The capacity provider of the cluster backed by the Auto Scaling group (null: none, or no group).</summary>
    public static string? ProviderForAsg(IEnumerable<ClusterProvider> providers, string? autoScalingGroup) =>
        autoScalingGroup is null ? null : providers.FirstOrDefault(p => p.AutoScalingGroup == autoScalingGroup)?.Name;

    /// <summary>B-CI-4: only ACTIVE -> DRAINING and DRAINING -> ACTIVE through UpdateContainerInstancesState (null: allowed).</summary>
    public static string? StateChangeRefusal(ContainerInstanceRecord instance, ContainerInstanceStatus status)
    {
        ArgumentNullException.ThrowIfNull(instance);
        return instance.Status is ContainerInstanceStatus.ACTIVE or ContainerInstanceStatus.DRAINING
            ? null
            : $"INVALID_STATE: cannot change a {instance.Status} container instance to {status}";
    }

    /// <summary>B-CI-4: the status UpdateContainerInstancesState may ask for.</summary>
    public static Rejection? RequestedStatusRefusal(ContainerInstanceStatus status) =>
        status is ContainerInstanceStatus.ACTIVE or ContainerInstanceStatus.DRAINING
            ? null
            : Rejection.Invalid("Container instances status should be one of [ACTIVE,DRAINING]");

    /// <summary>
    /// B-CI-3: when its instance starts DRAINING, a service task (not a daemon's) that is wanted RUNNING but not yet
    /// RUNNING stops at once; RUNNING ones are replaced by their service within its min/max percent, standalone
    /// tasks are not touched.
    /// </summary>
    public static bool StopsWhenDraining(TaskRecord t)
    {
        ArgumentNullException.ThrowIfNull(t);
        return t.ServiceName is not null && !t.IsDaemon && t.DesiredStatus == DesiredStatus.RUNNING && t.LastStatus < TaskStatus.RUNNING;
    }

    /// <summary>The instance with its status changed (version bumped), or the same record when it already has it.</summary>
    public static ContainerInstanceRecord WithStatus(ContainerInstanceRecord instance, ContainerInstanceStatus status)
    {
        ArgumentNullException.ThrowIfNull(instance);
        return instance.Status == status ? instance : instance with { Status = status, Version = instance.Version + 1 };
    }

    /// <summary>B-CI-5: deregistered (or its EC2 instance terminated): INACTIVE, agent disconnected.</summary>
    public static ContainerInstanceRecord Deregistered(ContainerInstanceRecord instance)
    {
        ArgumentNullException.ThrowIfNull(instance);
        return instance with { Status = ContainerInstanceStatus.INACTIVE, AgentConnected = false, Version = instance.Version + 1 };
    }

    /// <summary>
    /// B-CI-5: DeregisterContainerInstance of an instance that is not active, or that still runs tasks without
    /// <c>force</c>, is refused (null: allowed).
    /// </summary>
    public static Rejection? DeregisterRefusal(string containerInstanceId, ContainerInstanceRecord? instance, int liveTasks, bool force)
    {
        if (instance is null || instance.Status == ContainerInstanceStatus.INACTIVE)
        {
            return Rejection.Invalid("The referenced container instance " + containerInstanceId + " is not active.");
        }

        return liveTasks > 0 && !force
            ? Rejection.Invalid("Found running tasks on the instance. Set force to true to deregister the container instance.")
            : null;
    }

    /// <summary>
    /// B-CI-6 PutAttributes: every attribute is checked before any is applied (bad input changes nothing): the
    /// instance exists and is not INACTIVE, the name and value are valid, built-in ecs.* attributes cannot change, and
    /// an instance has at most <see cref="InstanceAttributes.MaxCustom"/> custom attributes. Returns the updated
    /// instances in the order first touched.
    /// </summary>
    public static IReadOnlyList<ContainerInstanceRecord> PutAttributes(IReadOnlyDictionary<string, ContainerInstanceRecord> instances,
        IEnumerable<InstanceAttribute> attributes, string cluster, out Rejection? rejection)
    {
        ArgumentNullException.ThrowIfNull(instances);
        ArgumentNullException.ThrowIfNull(attributes);
        var updated = new Dictionary<string, ContainerInstanceRecord>(StringComparer.Ordinal);
        var order = new List<string>();
        rejection = null;
        foreach (var a in attributes)
        {
            var id = Arns.ShortName(a.ContainerInstance);
            var instance = updated.GetValueOrDefault(id) ?? instances.GetValueOrDefault(id);
            if (instance is null || instance.Status == ContainerInstanceStatus.INACTIVE)
            {
                rejection = new Rejection(ErrorCodes.TargetNotFound, $"The container instance {id} was not found in cluster {cluster}.");
                return [];
            }

            if (!InstanceAttributes.IsValidName(a.Name) || a.Value is { Length: > 128 })
            {
                rejection = Rejection.Invalid($"Attribute name '{a.Name}' or its value is invalid: names are up to 128 letters, numbers, hyphens, underscores, slashes and periods; values up to 128 characters.");
                return [];
            }

            if (InstanceAttributes.IsBuiltIn(a.Name))
            {
                rejection = Rejection.Invalid($"Attribute {a.Name} is managed by Amazon ECS and cannot be changed.");
                return [];
            }

            var attrs = instance.Attributes.SetItem(a.Name, a.Value ?? "");
            if (attrs.Keys.Count(k => !InstanceAttributes.IsBuiltIn(k)) > InstanceAttributes.MaxCustom)
            {
                rejection = new Rejection(ErrorCodes.LimitExceeded, $"The container instance {id} would have more than {InstanceAttributes.MaxCustom} custom attributes.");
                return [];
            }

            if (!updated.ContainsKey(id))
            {
                order.Add(id);
            }

            updated[id] = instance with { Attributes = attrs, Version = instance.Version + 1 };
        }

        return order.Select(id => updated[id]).ToList();
    }

    /// <summary>
    /// B-CI-6 DeleteAttributes: all checked first (the instance exists; built-in attributes cannot be deleted), then
    /// each deletion is one new version of its instance, in request order.
    /// </summary>
    public static IReadOnlyList<ContainerInstanceRecord> DeleteAttributes(IReadOnlyDictionary<string, ContainerInstanceRecord> instances,
        IReadOnlyCollection<InstanceAttribute> attributes, string cluster, out Rejection? rejection)
    {
        ArgumentNullException.ThrowIfNull(instances);
        ArgumentNullException.ThrowIfNull(attributes);
        rejection = null;
        foreach (var a in attributes)
        {
            var id = Arns.ShortName(a.ContainerInstance);
            if (!instances.ContainsKey(id))
            {
                rejection = new Rejection(ErrorCodes.TargetNotFound, $"The container instance {id} was not found in cluster {cluster}.");
                return [];
            }

            if (InstanceAttributes.IsBuiltIn(a.Name))
            {
                rejection = Rejection.Invalid($"Attribute {a.Name} is managed by Amazon ECS and cannot be deleted.");
                return [];
            }
        }

        var current = new Dictionary<string, ContainerInstanceRecord>(StringComparer.Ordinal);
        var result = new List<ContainerInstanceRecord>();
        foreach (var a in attributes)
        {
            var id = Arns.ShortName(a.ContainerInstance);
            var instance = current.GetValueOrDefault(id) ?? instances[id];
            var next = instance with { Attributes = instance.Attributes.Remove(a.Name), Version = instance.Version + 1 };
            current[id] = next;
            result.Add(next);
        }

        return result;
    }

    private static int IndexOf(IReadOnlyList<string> zones, string zone)
    {
        for (var i = 0; i < zones.Count; i++)
        {
            if (zones[i] == zone)
            {
                return i;
            }
        }

        return -1;
    }
}
