using System.Collections.Immutable;
using System.Globalization;
using Emulator.Contracts;

namespace Emulator.Model.Catalog;

/// <summary>
/// What a task definition asks of an instance, and RegisterTaskDefinition's validation. Task-level cpu/memory win
/// over the sum of the containers'; static host ports come from bridge port mappings with a hostPort, or from every
/// container port in host mode; awsvpc tasks need an ENI instead of host ports.
/// </summary>
public static class TaskDefinitions
{
    public static TaskRequirements Requirements(TaskDefinitionSpec spec)
    {
        var cpu = ParseCpu(spec.Cpu) ?? spec.Containers.Sum(c => c.Cpu);
        var memory = ParseMemory(spec.Memory) ?? spec.Containers.Sum(c => c.Memory ?? c.MemoryReservation ?? 0);
        var ports = ImmutableArray.CreateBuilder<int>();
        foreach (var c in spec.Containers)
        {
            foreach (var p in c.PortMappings.IsDefault ? [] : c.PortMappings)
            {
                if (spec.NetworkMode == NetworkMode.host)
                {
                    ports.Add(p.HostPort is > 0 ? p.HostPort.Value : p.ContainerPort);
                }
                else if (spec.NetworkMode == NetworkMode.bridge && p.HostPort is > 0)
                {
                    ports.Add(p.HostPort.Value);
                }
            }
        }

        return new TaskRequirements(cpu, memory, ports.ToImmutable(), spec.Containers.Sum(c => c.Gpu), spec.NetworkMode);
    }

    /// <summary>The largest container stopTimeout, or 0 for "use the agent default".</summary>
    public static int StopTimeoutSeconds(TaskDefinitionSpec spec) =>
        spec.Containers.Select(c => c.StopTimeout ?? 0).DefaultIfEmpty(0).Max();

    /// <summary>Null when valid, else an AWS ClientException message.</summary>
    public static string? Validate(TaskDefinitionSpec spec)
    {
        if (string.IsNullOrWhiteSpace(spec.Family) || spec.Family.Length > 255
            || !spec.Family.All(ch => char.IsAsciiLetterOrDigit(ch) || ch is '-' or '_'))
        {
            return "Family contains invalid characters. Up to 255 letters (uppercase and lowercase), numbers, hyphens, and underscores are allowed.";
        }

        if (spec.Containers.IsDefaultOrEmpty)
        {
            return "Container list cannot be empty.";
        }

        if (spec.Containers.Length > 10)
        {
            return "Too many containers: at most 10 container definitions are allowed.";
        }

        if (spec.Containers.Select(c => c.Name).Distinct(StringComparer.Ordinal).Count() != spec.Containers.Length)
        {
            return "Container names must be unique within a task definition.";
        }

        if (!spec.Containers.Any(c => c.Essential))
        {
            return "Invalid setting for container. At least one essential container is required.";
        }

        if (spec.Cpu is not null && ParseCpu(spec.Cpu) is null)
        {
            return $"Invalid 'cpu' setting for task: '{spec.Cpu}'.";
        }

        if (spec.Memory is not null && ParseMemory(spec.Memory) is null)
        {
            return $"Invalid 'memory' setting for task: '{spec.Memory}'.";
        }

        foreach (var c in spec.Containers)
        {
            if (string.IsNullOrWhiteSpace(c.Name))
            {
                return "Container.name should not be null or empty.";
            }

            if (string.IsNullOrWhiteSpace(c.Image))
            {
                return "Container.image should not be null or empty.";
            }

            if (c.Cpu < 0 || c.Memory is < 0 || c.MemoryReservation is < 0 || c.Gpu < 0)
            {
                return $"Invalid resource setting for container '{c.Name}': values must not be negative.";
            }

            if (c.Memory is { } hard && c.MemoryReservation is { } soft && soft > hard)
            {
                return $"Invalid setting for container '{c.Name}'. The memory reservation must be less than or equal to the memory.";
            }

            if (spec.Memory is null && c.Memory is null && c.MemoryReservation is null)
            {
                return $"Invalid setting for container '{c.Name}'. At least one of 'memory' or 'memoryReservation' must be specified.";
            }

            if (c.HealthCheck is { } hc)
            {
                if (hc.Command.IsDefaultOrEmpty)
                {
                    return $"Invalid healthCheck for container '{c.Name}': command must not be empty.";
                }

                if (hc.IntervalSeconds is < 5 or > 300 || hc.TimeoutSeconds is < 2 or > 120 || hc.Retries is < 1 or > 10 || hc.StartPeriodSeconds is < 0 or > 300)
                {
                    return $"Invalid healthCheck for container '{c.Name}': interval must be 5-300 s, timeout 2-120 s, retries 1-10 and startPeriod 0-300 s.";
                }
            }

            foreach (var p in c.PortMappings.IsDefault ? [] : c.PortMappings)
            {
                if (p.ContainerPort is < 0 or > 65535 || p.HostPort is < 0 or > 65535)
                {
                    return $"Invalid port mapping for container '{c.Name}': ports must be between 0 and 65535.";
                }

                if (spec.NetworkMode is NetworkMode.awsvpc or NetworkMode.host && p.HostPort is > 0 && p.HostPort != p.ContainerPort)
                {
                    return "When networkMode=awsvpc or host, the host ports and container ports in port mappings must match.";
                }
            }
        }

        var fargate = !spec.RequiresCompatibilities.IsDefaultOrEmpty && spec.RequiresCompatibilities.Contains("FARGATE");
        if (fargate)
        {
            if (spec.NetworkMode != NetworkMode.awsvpc)
            {
                return "Fargate only supports network mode 'awsvpc'.";
            }

            if (ParseCpu(spec.Cpu) is not { } cpu || ParseMemory(spec.Memory) is not { } mem)
            {
                return "Fargate requires task definition to have execution role ARN and cpu and memory specified at the task level.";
            }

            if (!IsValidFargateSize(cpu, mem))
            {
                return $"No Fargate configuration exists for given values: {cpu} CPU, {mem} memory. See the Amazon ECS documentation for the valid values.";
            }
        }

        if (!spec.RequiresCompatibilities.IsDefaultOrEmpty
            && spec.RequiresCompatibilities.Any(c => c is not ("EC2" or "FARGATE" or "EXTERNAL" or "MANAGED_INSTANCES")))
        {
            return "Invalid requiresCompatibilities value: valid values are EC2, FARGATE, EXTERNAL.";
        }

        return null;
    }

    /// <summary>"256", "1 vCPU", "0.25 vcpu" -> CPU units.</summary>
    public static int? ParseCpu(string? value)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return null;
        }

        var v = value.Trim();
        if (v.EndsWith("vcpu", StringComparison.OrdinalIgnoreCase))
        {
            return double.TryParse(v[..^4].Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out var vcpu) && vcpu > 0
                ? (int)Math.Round(vcpu * 1024)
                : null;
        }

        return int.TryParse(v, NumberStyles.None, CultureInfo.InvariantCulture, out var units) && units > 0 ? units : null;
    }

    /// <summary>"512", "1 GB", "0.5GB" -> MiB.</summary>
    public static int? ParseMemory(string? value)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return null;
        }

        var v = value.Trim();
        if (v.EndsWith("gb", StringComparison.OrdinalIgnoreCase))
        {
            return double.TryParse(v[..^2].Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out var gb) && gb > 0
                ? (int)Math.Round(gb * 1024)
                : null;
        }

        return int.TryParse(v, NumberStyles.None, CultureInfo.InvariantCulture, out var mib) && mib > 0 ? mib : null;
    }

    /// <summary>Fargate's published task size table.</summary>
    public static bool IsValidFargateSize(int cpu, int memory) => cpu switch
    {
        256 => memory is 512 or 1024 or 2048,
        512 => memory is >= 1024 and <= 4096 && memory % 1024 == 0,
        1024 => memory is >= 2048 and <= 8192 && memory % 1024 == 0,
        2048 => memory is >= 4096 and <= 16384 && memory % 1024 == 0,
        4096 => memory is >= 8192 and <= 30720 && memory % 1024 == 0,
        8192 => memory is >= 16384 and <= 61440 && memory % 4096 == 0,
        16384 => memory is >= 32768 and <= 122880 && memory % 8192 == 0,
        _ => false,
    };
}
