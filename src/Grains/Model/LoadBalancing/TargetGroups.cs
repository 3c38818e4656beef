using System.Text.RegularExpressions;
using Emulator.Contracts;

namespace Emulator.Model.LoadBalancing;

/// <summary>Target group settings validation with the limits of the Elastic Load Balancing v2 API (B-LB-1, B-LB-2).</summary>
public static partial class TargetGroups
{
    public static readonly string[] Protocols = ["HTTP", "HTTPS", "TCP", "TLS", "UDP", "TCP_UDP", "GENEVE"];

    public static readonly string[] TargetTypes = ["instance", "ip", "lambda", "alb"];

    /// <summary>The first problem with the spec, worded as ELB's validation errors, or null.</summary>
    public static string? Validate(TargetGroupSpec spec)
    {
        if (spec.Name.Length is < 1 or > 32 || !NamePattern().IsMatch(spec.Name))
        {
            return $"Target group name '{spec.Name}' can have a maximum of 32 characters, can contain only alphanumeric characters or hyphens, and cannot begin or end with a hyphen";
        }

        if (spec.Port is < 1 or > 65535)
        {
            return Range(spec.Port, "port", 1, 65535);
        }

        if (!Protocols.Contains(spec.Protocol))
        {
            return $"1 validation error detected: Value '{spec.Protocol}' at 'protocol' failed to satisfy constraint: Member must satisfy enum value set: [{string.Join(", ", Protocols)}]";
        }

        if (!TargetTypes.Contains(spec.TargetType))
        {
            return $"1 validation error detected: Value '{spec.TargetType}' at 'targetType' failed to satisfy constraint: Member must satisfy enum value set: [{string.Join(", ", TargetTypes)}]";
        }

        if (spec.HealthCheckIntervalSeconds is < 5 or > 300)
        {
            return Range(spec.HealthCheckIntervalSeconds, "healthCheckIntervalSeconds", 5, 300);
        }

        if (spec.HealthCheckTimeoutSeconds is < 2 or > 120)
        {
            return Range(spec.HealthCheckTimeoutSeconds, "healthCheckTimeoutSeconds", 2, 120);
        }

        if (spec.HealthCheckTimeoutSeconds >= spec.HealthCheckIntervalSeconds)
        {
            return "Health check interval must be greater than the timeout.";
        }

        if (spec.HealthyThresholdCount is < 2 or > 10)
        {
            return Range(spec.HealthyThresholdCount, "healthyThresholdCount", 2, 10);
        }

        if (spec.UnhealthyThresholdCount is < 2 or > 10)
        {
            return Range(spec.UnhealthyThresholdCount, "unhealthyThresholdCount", 2, 10);
        }

        if (spec.DeregistrationDelaySeconds is < 0 or > 3600)
        {
            return "'deregistration_delay.timeout_seconds' must be a number between 0 and 3600";
        }

        return null;
    }

    private static string Range(int value, string member, int min, int max) => value < min
        ? $"1 validation error detected: Value '{value}' at '{member}' failed to satisfy constraint: Member must have value greater than or equal to {min}"
        : $"1 validation error detected: Value '{value}' at '{member}' failed to satisfy constraint: Member must have value less than or equal to {max}";

    [GeneratedRegex("^[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?$")]
    private static partial Regex NamePattern();
}
