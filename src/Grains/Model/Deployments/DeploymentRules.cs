using Emulator.Contracts;
using PlacementStrategy = Emulator.Contracts.PlacementStrategy;

namespace Emulator.Model.Deployments;

/// <summary>
/// Validation of a service's deployment configuration (B-SV-2, B-DP-2, B-DP-3, B-AZ-1): each function returns null when
/// the input is valid, else the InvalidParameterException message, so bad input is refused before anything changes.
/// Model choice where AWS's wording is not documented: the messages name the field and the rule.
/// </summary>
public static class DeploymentRules
{
    public const string Ecs = "ECS";
    public const string CodeDeploy = "CODE_DEPLOY";
    public const string External = "EXTERNAL";
    public const string Rolling = "ROLLING";

    /// <summary>Model choice: at most this many alarms per deployment configuration.</summary>
    public const int MaxAlarms = 10;

    public static string? ValidatePercents(int minimumHealthyPercent, int maximumPercent)
    {
        if (minimumHealthyPercent is < 0 or > 100)
        {
            return "minimumHealthyPercent must be between 0 and 100.";
        }

        if (maximumPercent is < 1 or > 2000)
        {
            return "maximumPercent must be between 1 and 2000.";
        }

        return minimumHealthyPercent > maximumPercent
            ? $"Invalid deployment configuration: minimumHealthyPercent ({minimumHealthyPercent}) cannot be greater than maximumPercent ({maximumPercent})."
            : null;
    }

    /// <summary>The deployment controller, circuit breaker, alarms, strategy and bake time of a service's options.</summary>
    public static string? Validate(ServiceOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var controller = options.DeploymentController;
        if (controller is not (Ecs or CodeDeploy or External))
        {
            return $"Invalid deploymentController type '{controller}': valid values are ECS, CODE_DEPLOY, EXTERNAL.";
        }

        if (options.CircuitBreaker.Enable && controller != Ecs)
        {
            return $"The deployment circuit breaker is only supported for services that use the rolling update (ECS) deployment controller, not {controller}.";
        }

        if (CircuitBreaker.Validate(options.CircuitBreaker.Threshold) is { } thresholdError)
        {
            return thresholdError;
        }

        if (options.Alarms is { } alarms)
        {
            var names = alarms.AlarmNames.IsDefault ? [] : alarms.AlarmNames;
            if (alarms.Enable && controller != Ecs)
            {
                return $"Deployment alarms are only supported for services that use the rolling update (ECS) deployment controller, not {controller}.";
            }

            if (alarms.Enable && names.IsEmpty)
            {
                return "deploymentConfiguration.alarms.alarmNames must name at least one CloudWatch alarm when alarms are enabled.";
            }

            if (names.Length > MaxAlarms)
            {
                return $"deploymentConfiguration.alarms.alarmNames can name at most {MaxAlarms} alarms.";
            }

            if (names.Any(n => string.IsNullOrWhiteSpace(n) || n.Length > 255))
            {
                return "deploymentConfiguration.alarms.alarmNames must be alarm names of 1 to 255 characters.";
            }
        }

        if (options.Strategy is { } strategy && strategy is not (Rolling or "BLUE_GREEN" or "LINEAR" or "CANARY"))
        {
            return $"Invalid deployment strategy '{strategy}': valid values are ROLLING, BLUE_GREEN, LINEAR, CANARY.";
        }

        if (options.Strategy is "BLUE_GREEN" or "LINEAR" or "CANARY" && controller != Ecs)
        {
            return $"The {options.Strategy} deployment strategy is only supported with the ECS deployment controller, not {controller}.";
        }

        if (options.BakeTimeInMinutes is < 0 or > 1440)
        {
            return "bakeTimeInMinutes must be between 0 and 1440.";
        }

        if (options.HealthCheckGracePeriodSeconds is < 0 or > 2_147_483_647)
        {
            return "healthCheckGracePeriodSeconds must not be negative.";
        }

        return options.AvailabilityZoneRebalancing is "ENABLED" or "DISABLED"
            ? null
            : $"Invalid availabilityZoneRebalancing '{options.AvailabilityZoneRebalancing}': valid values are ENABLED, DISABLED.";
    }

    /// <summary>
    /// B-AZ-1: availabilityZoneRebalancing when CreateService does not say: ENABLED, except for services it cannot
    /// serve (DAEMON services, a binpack placement strategy), which get DISABLED.
    /// </summary>
    public static string DefaultAzRebalancing(SchedulingStrategy scheduling, IEnumerable<PlacementStrategy> placement) =>
        scheduling == SchedulingStrategy.DAEMON || placement.Any(p => p.Type == PlacementStrategyType.binpack) ? "DISABLED" : "ENABLED";
}
