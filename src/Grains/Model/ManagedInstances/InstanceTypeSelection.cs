using System.Collections.Immutable;
using System.Globalization;
using System.Text.RegularExpressions;
using Emulator.Contracts;
using Emulator.Model.Catalog;

namespace Emulator.Model.ManagedInstances;

/// <summary>What EC2 attribute-based selection reads of a type beyond the catalog (B-MI-2, Model choice: derived from its name).</summary>
public sealed record InstanceTypeTraits(string Manufacturer, bool Burstable, bool CurrentGeneration, bool BareMetal);

/// <summary>
/// B-MI-1, B-MI-2: which catalog types a Managed Instances provider's <c>instanceRequirements</c> allow (EC2
/// attribute-based instance type selection) and the checks CreateCapacityProvider makes on them. EC2's defaults when
/// a member is not given: burstable types and bare metal excluded, every manufacturer and generation allowed.
/// <para>
/// Model choice: the catalog (B-IT-1) has no manufacturer, burstable or generation column, so they are read from the
/// type's name the way EC2 names them: family letter <c>t</c> is burstable; an <c>a</c> after the generation digit is
/// AMD, a <c>g</c> is AWS Graviton, anything else Intel; t2, m3 and m4 are previous generation; <c>.metal</c> is bare metal.
/// </para>
/// </summary>
public static partial class InstanceTypeSelection
{
    public const string Excluded = "excluded";
    public const string Included = "included";
    public const string Required = "required";

    public static readonly ImmutableHashSet<string> PreviousGenerationFamilies = ["t2", "m3", "m4", "c3", "c4", "r3", "r4"];

    public static InstanceTypeTraits Traits(string instanceType)
    {
        var family = instanceType.Split('.')[0];
        var m = FamilyPattern().Match(family);
        var letters = m.Success ? m.Groups["family"].Value : family;
        var suffix = m.Success ? m.Groups["suffix"].Value : "";
        var generation = m.Success ? letters + m.Groups["generation"].Value : family;
        var manufacturer = suffix.StartsWith('a') ? "amd" : suffix.StartsWith('g') ? "amazon-web-services" : "intel";
        return new InstanceTypeTraits(manufacturer, letters == "t", !PreviousGenerationFamilies.Contains(generation),
            instanceType.EndsWith(".metal", StringComparison.Ordinal));
    }

    /// <summary>
    /// B-MI-1: CreateCapacityProvider's checks of <c>instanceRequirements</c> (AWS's InvalidParameterException text
    /// where known), or null. Ranges need min &lt;= max and non-negative bounds; allowed and excluded types cannot be
    /// combined (EC2's rule); requirements that no type satisfies are refused, so nothing is created that can never launch.
    /// </summary>
    public static string? Validate(InstanceRequirementsSpec? requirements, InstanceCatalog catalog)
    {
        if (requirements is null)
        {
            return null;
        }

        foreach (var (name, range) in new (string, NumberRange?)[]
                 {
                     ("vCpuCount", requirements.VCpuCount), ("memoryMiB", requirements.MemoryMiB),
                     ("memoryGiBPerVCpu", requirements.MemoryGiBPerVCpu), ("acceleratorCount", requirements.AcceleratorCount),
                     ("networkInterfaceCount", requirements.NetworkInterfaceCount),
                 })
        {
            if (range is { Min: < 0 } || range is { Max: < 0 })
            {
                return $"The {name} range of instanceRequirements is invalid: values must not be negative.";
            }

            if (range is { Min: { } min, Max: { } max } && min > max)
            {
                return $"The {name} range of instanceRequirements is invalid: min ({Number(min)}) must be less than or equal to max ({Number(max)}).";
            }
        }

        if (requirements.VCpuCount.Min is null)
        {
            return "instanceRequirements.vCpuCount.min is required.";
        }

        if (requirements.MemoryMiB.Min is null)
        {
            return "instanceRequirements.memoryMiB.min is required.";
        }

        if (!requirements.AllowedInstanceTypes.IsDefaultOrEmpty && !requirements.ExcludedInstanceTypes.IsDefaultOrEmpty)
        {
            return "You can specify either allowedInstanceTypes or excludedInstanceTypes in instanceRequirements, but not both.";
        }

        foreach (var (name, value, allowed) in new (string, string?, string[])[]
                 {
                     ("burstablePerformance", requirements.BurstablePerformance, [Excluded, Included, Required]),
                     ("bareMetal", requirements.BareMetal, [Excluded, Included, Required]),
                 })
        {
            if (value is not null && !allowed.Contains(value))
            {
                return $"Invalid value '{value}' for instanceRequirements.{name}: valid values are {string.Join(", ", allowed)}.";
            }
        }

        return Matching(requirements, catalog).IsEmpty
            ? $"No instance types match the specified instanceRequirements ({Describe(requirements)}). Widen the requirements."
            : null;
    }

    /// <summary>B-MI-2: the catalog types the requirements allow, cheapest On-Demand first (ties by name).</summary>
    public static ImmutableArray<InstanceTypeInfo> Matching(InstanceRequirementsSpec? requirements, InstanceCatalog catalog)
    {
        var matching = catalog.All.Where(t => Satisfies(t, requirements)).ToList();
        if (requirements?.OnDemandMaxPricePercentageOverLowestPrice is { } pct && matching.Count > 0)
        {
            // EC2 price protection, applied only when asked for (Model choice): types priced above the lowest matching
            // price plus the percentage are left out.
            var ceiling = matching.Min(t => t.OnDemandPricePerHour) * (1 + (decimal)pct / 100m);
            matching = matching.Where(t => t.OnDemandPricePerHour <= ceiling).ToList();
        }

        return [.. matching.OrderBy(t => t.OnDemandPricePerHour).ThenBy(t => t.Name, StringComparer.Ordinal)];
    }

    /// <summary>Whether one type satisfies every given requirement (EC2's defaults for the ones not given).</summary>
    public static bool Satisfies(InstanceTypeInfo t, InstanceRequirementsSpec? r)
    {
        var traits = Traits(t.Name);
        if (r is null)
        {
            return !traits.Burstable && !traits.BareMetal;
        }

        if (!r.AllowedInstanceTypes.IsDefaultOrEmpty && !r.AllowedInstanceTypes.Any(p => Wildcard(p, t.Name)))
        {
            return false;
        }

        if (!r.ExcludedInstanceTypes.IsDefaultOrEmpty && r.ExcludedInstanceTypes.Any(p => Wildcard(p, t.Name)))
        {
            return false;
        }

        // An allowed list overrides the burstable default the way EC2 does: types named there are in.
        var burstable = r.BurstablePerformance ?? (r.AllowedInstanceTypes.IsDefaultOrEmpty ? Excluded : Included);
        return In(r.VCpuCount, t.VCpus)
            && In(r.MemoryMiB, t.MemoryMiB)
            && In(r.MemoryGiBPerVCpu, t.MemoryMiB / 1024.0 / t.VCpus)
            && In(r.AcceleratorCount, t.Gpus)
            && In(r.NetworkInterfaceCount, t.MaxEnis)
            && (r.CpuManufacturers.IsDefaultOrEmpty || r.CpuManufacturers.Contains(traits.Manufacturer, StringComparer.Ordinal))
            && (r.InstanceGenerations.IsDefaultOrEmpty || r.InstanceGenerations.Contains(traits.CurrentGeneration ? "current" : "previous", StringComparer.Ordinal))
            && Option(burstable, traits.Burstable)
            && Option(r.BareMetal ?? Excluded, traits.BareMetal);
    }

    /// <summary>
    /// B-MI-2 and its failure: a task fits no allowed type (the reason word of B-PL-5 and a sentence saying why), or
    /// null when one of <paramref name="shapes"/> (the allowed types' registered resources) can hold it.
    /// </summary>
    public static (string Reason, string Detail)? Unfittable(TaskRequirements needs, ImmutableArray<ResourceSet> shapes, string capacityProvider)
    {
        if (shapes.IsDefaultOrEmpty || shapes.Any(s => needs.Resources.FitsWithin(s)))
        {
            return null;
        }

        var reason = !shapes.Any(s => needs.Cpu <= s.Cpu) ? "RESOURCE:CPU"
            : !shapes.Any(s => needs.Memory <= s.Memory) ? "RESOURCE:MEMORY"
            : !shapes.Any(s => needs.Gpu <= s.Gpu) ? "RESOURCE:GPU"
            : !shapes.Any(s => needs.Eni <= s.Eni) ? "RESOURCE:ENI"
            : "RESOURCE:CPU";
        var largest = shapes.MaxBy(s => ((long)s.Cpu << 32) + s.Memory);
        return (reason,
            $"No instance type allowed by the instanceRequirements of capacity provider {capacityProvider} can run the task: it needs {needs.Cpu} CPU units / {needs.Memory} MiB"
            + (needs.Gpu > 0 ? $" / {needs.Gpu} GPU" : "") + $"; the largest allowed type registers {largest.Cpu} CPU units / {largest.Memory} MiB.");
    }

    /// <summary>A short text of the requirements for messages ("vCpuCount 2-4, memoryMiB 4096-").</summary>
    public static string Describe(InstanceRequirementsSpec r)
    {
        var parts = new List<string> { $"vCpuCount {Range(r.VCpuCount)}", $"memoryMiB {Range(r.MemoryMiB)}" };
        if (!r.AllowedInstanceTypes.IsDefaultOrEmpty)
        {
            parts.Add("allowedInstanceTypes " + string.Join(",", r.AllowedInstanceTypes));
        }

        if (!r.ExcludedInstanceTypes.IsDefaultOrEmpty)
        {
            parts.Add("excludedInstanceTypes " + string.Join(",", r.ExcludedInstanceTypes));
        }

        if (!r.CpuManufacturers.IsDefaultOrEmpty)
        {
            parts.Add("cpuManufacturers " + string.Join(",", r.CpuManufacturers));
        }

        return string.Join("; ", parts);
    }

    private static string Range(NumberRange r) => $"{(r.Min is { } min ? Number(min) : "")}-{(r.Max is { } max ? Number(max) : "")}";

    private static string Number(double v) => v.ToString("0.###", CultureInfo.InvariantCulture);

    private static bool In(NumberRange? range, double value) =>
        range is null || ((range.Min is not { } min || value >= min) && (range.Max is not { } max || value <= max));

    private static bool Option(string option, bool has) => option switch
    {
        Required => has,
        Excluded => !has,
        _ => true,
    };

    /// <summary>EC2's instance type patterns: <c>*</c> matches any run of characters (m5.*, *.large, c5*.xlarge).</summary>
    public static bool Wildcard(string pattern, string instanceType) =>
        Regex.IsMatch(instanceType, "^" + Regex.Escape(pattern).Replace("\\*", ".*", StringComparison.Ordinal) + "$", RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));

    [GeneratedRegex("^(?<family>[a-z]+?)(?<generation>[0-9]+)(?<suffix>[a-z-]*)$", RegexOptions.CultureInvariant)]
    private static partial Regex FamilyPattern();
}
