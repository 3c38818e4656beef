using System.Collections.Immutable;
using System.Text.Json;
using System.Text.Json.Nodes;
using Emulator.Contracts;

namespace Emulator.Silo.Aws.Ecs;

/// <summary>
/// B-MI-1 at the wire: <c>managedInstancesProvider</c> of CreateCapacityProvider / UpdateCapacityProvider read into
/// <see cref="ManagedInstancesSpec"/>, and written back by DescribeCapacityProviders (members checked against the
/// newest ECS model, @aws-sdk/client-ecs). The launch template's members the emulator does not model (storage, local
/// storage, FIPS, capacity reservations, ...) are kept as written and echoed.
/// </summary>
public static class EcsManagedInstances
{
    private static readonly string[] CapacityOptionTypes = [ManagedInstancesSpec.OnDemand, ManagedInstancesSpec.Spot, "RESERVED"];
    private static readonly string[] MonitoringOptions = ["BASIC", "DETAILED"];
    private static readonly string[] PropagateOptions = ["CAPACITY_PROVIDER", "NONE"];

    /// <summary>CreateCapacityProvider's <c>managedInstancesProvider</c> (required members: infrastructureRoleArn, instanceLaunchTemplate with ec2InstanceProfileArn and networkConfiguration).</summary>
    public static ManagedInstancesSpec Create(JsonInput mi, string? cluster)
    {
        var role = mi.RequiredString("infrastructureRoleArn");
        var template = mi.Object("instanceLaunchTemplate") ?? throw mi.Missing("instanceLaunchTemplate");
        var profile = template.RequiredString("ec2InstanceProfileArn");
        var network = template.Object("networkConfiguration") ?? throw template.Missing("networkConfiguration");
        if (string.IsNullOrEmpty(cluster))
        {
            throw ErrorCodes.Invalid("The cluster parameter is required when you create a capacity provider with a managedInstancesProvider configuration.");
        }

        var capacity = template.String("capacityOptionType") ?? ManagedInstancesSpec.OnDemand;
        if (capacity == "RESERVED" && template.Object("capacityReservations") is null)
        {
            throw ErrorCodes.Invalid("The capacityOptionType RESERVED requires a capacityReservations configuration.");
        }

        return new ManagedInstancesSpec(
            role, profile, network.Strings("subnets") ?? [], network.Strings("securityGroups") ?? [],
            OneOf(template, "capacityOptionType", CapacityOptionTypes) ?? ManagedInstancesSpec.OnDemand,
            OneOf(template, "monitoring", MonitoringOptions) ?? "BASIC",
            Requirements(template.Object("instanceRequirements")),
            OneOf(mi, "propagateTags", PropagateOptions) ?? "NONE",
            ScaleInAfter(mi),
            template.Element.GetRawText(), [], cluster);
    }

    /// <summary>
    /// UpdateCapacityProvider's <c>managedInstancesProvider</c>: infrastructureRoleArn and instanceLaunchTemplate are
    /// required (the model's UpdateManagedInstancesProviderConfiguration); template members given replace the current ones.
    /// </summary>
    public static ManagedInstancesSpec Update(JsonInput mi, ManagedInstancesSpec current)
    {
        var role = mi.RequiredString("infrastructureRoleArn");
        var template = mi.Object("instanceLaunchTemplate") ?? throw mi.Missing("instanceLaunchTemplate");
        var merged = JsonNode.Parse(current.LaunchTemplateAsWritten)?.AsObject() ?? [];
        foreach (var property in template.Element.EnumerateObject())
        {
            merged[property.Name] = JsonNode.Parse(property.Value.GetRawText());
        }

        var network = template.Object("networkConfiguration");
        return current with
        {
            InfrastructureRoleArn = role,
            Ec2InstanceProfileArn = template.String("ec2InstanceProfileArn") ?? current.Ec2InstanceProfileArn,
            Subnets = network?.Strings("subnets") ?? current.Subnets,
            SecurityGroups = network?.Strings("securityGroups") ?? current.SecurityGroups,
            Monitoring = OneOf(template, "monitoring", MonitoringOptions) ?? current.Monitoring,
            InstanceRequirements = template.Object("instanceRequirements") is { } r ? Requirements(r) : current.InstanceRequirements,
            PropagateTags = OneOf(mi, "propagateTags", PropagateOptions) ?? current.PropagateTags,
            ScaleInAfter = mi.Object("infrastructureOptimization") is not null ? ScaleInAfter(mi) : current.ScaleInAfter,
            LaunchTemplateAsWritten = merged.ToJsonString(),
        };
    }

    /// <summary>The <c>managedInstancesProvider</c> of a CapacityProvider shape.</summary>
    public static JsonObject Shape(ManagedInstancesSpec mi)
    {
        var template = JsonNode.Parse(mi.LaunchTemplateAsWritten)?.AsObject() ?? [];
        template["ec2InstanceProfileArn"] = mi.Ec2InstanceProfileArn;
        template["networkConfiguration"] = new JsonObject
        {
            ["subnets"] = WireJson.Strings(mi.Subnets),
            ["securityGroups"] = WireJson.Strings(mi.SecurityGroups),
        };
        template["monitoring"] = mi.Monitoring;
        template["capacityOptionType"] = mi.CapacityOptionType;
        var o = new JsonObject
        {
            ["infrastructureRoleArn"] = mi.InfrastructureRoleArn,
            ["instanceLaunchTemplate"] = template,
            ["propagateTags"] = mi.PropagateTags,
        };
        if (mi.ScaleInAfter is { } after)
        {
            o["infrastructureOptimization"] = new JsonObject { ["scaleInAfter"] = after };
        }

        return o;
    }

    private static InstanceRequirementsSpec? Requirements(JsonInput? r)
    {
        if (r is null)
        {
            return null;
        }

        var vcpu = r.Object("vCpuCount") ?? throw r.Missing("vCpuCount");
        var memory = r.Object("memoryMiB") ?? throw r.Missing("memoryMiB");
        return new InstanceRequirementsSpec(
            RequiredMin(vcpu), RequiredMin(memory), Range(r.Object("memoryGiBPerVCpu")),
            r.Strings("cpuManufacturers") ?? [], r.Strings("allowedInstanceTypes") ?? [], r.Strings("excludedInstanceTypes") ?? [],
            r.Strings("instanceGenerations") ?? [], r.String("burstablePerformance"), r.String("bareMetal"),
            Range(r.Object("acceleratorCount")), Range(r.Object("networkInterfaceCount")), r.Double("onDemandMaxPricePercentageOverLowestPrice"));
    }

    private static NumberRange RequiredMin(JsonInput range) =>
        new(range.Double("min") ?? throw range.Missing("min"), range.Double("max"));

    private static NumberRange? Range(JsonInput? range) => range is null ? null : new NumberRange(range.Double("min"), range.Double("max"));

    private static int? ScaleInAfter(JsonInput mi) => mi.Object("infrastructureOptimization")?.Int("scaleInAfter");

    private static string? OneOf(JsonInput input, string name, string[] allowed) => input.String(name) switch
    {
        null => null,
        var v when allowed.Contains(v, StringComparer.Ordinal) => v,
        var v => throw input.Invalid(name, $"'{v}' is not one of {string.Join(", ", allowed)}."),
    };

    /// <summary>Whether a request body names a MANAGED_INSTANCES configuration (JSON null counts as absent).</summary>
    public static bool Present(JsonInput input) => input.Element.TryGetProperty("managedInstancesProvider", out var v) && v.ValueKind == JsonValueKind.Object;
}
