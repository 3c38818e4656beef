using System.Collections.Immutable;
using Emulator.Contracts;

namespace Emulator.Silo.Aws.Ecs;

/// <summary>Parsing of ECS request members shared by several operations.</summary>
public static class EcsInputs
{
    public static ImmutableArray<CapacityProviderStrategyItem> Strategy(JsonInput input, string name = "capacityProviderStrategy") =>
        input.Objects(name)
            .Select(i => new CapacityProviderStrategyItem(i.RequiredString("capacityProvider"), i.Int("weight") ?? 0, i.Int("base") ?? 0))
            .ToImmutableArray();

    public static ImmutableArray<Contracts.PlacementStrategy> PlacementStrategies(JsonInput input, string name = "placementStrategy") =>
        input.Objects(name)
            .Select(i => new Contracts.PlacementStrategy(i.Enum<PlacementStrategyType>("type") ?? throw i.Missing("type"), i.String("field")))
            .ToImmutableArray();

    /// <summary>
    /// B-LB-1: <c>loadBalancers</c> entries (targetGroupArn, containerName, containerPort, and B-DP-6's advancedConfiguration);
    /// classic load balancers are not modelled.
    /// </summary>
    public static ImmutableArray<ServiceLoadBalancer> LoadBalancers(JsonInput input, string name = "loadBalancers") =>
        input.Objects(name)
            .Select(i => i.String("targetGroupArn") is { Length: > 0 } arn
                ? new ServiceLoadBalancer(arn, i.String("containerName"), i.Int("containerPort"), EcsTrafficShiftInputs.Advanced(i.Object("advancedConfiguration")))
                : throw ErrorCodes.Invalid(i.Has("loadBalancerName")
                    ? "The emulator models Application Load Balancer target groups only: specify targetGroupArn, not loadBalancerName."
                    : "targetGroupArn must be specified for a load balancer."))
            .ToImmutableArray();

    /// <summary>
    /// <c>networkConfiguration.awsvpcConfiguration</c> (zones are resolved by the control plane), or null when absent.
    /// </summary>
    public static AwsVpcConfiguration? Network(JsonInput input)
    {
        if (input.Object("networkConfiguration") is not { } network)
        {
            return null;
        }

        var vpc = network.Object("awsvpcConfiguration") ?? throw network.Missing("awsvpcConfiguration");
        var assign = vpc.String("assignPublicIp") ?? "DISABLED";
        if (assign is not ("ENABLED" or "DISABLED"))
        {
            throw ErrorCodes.Invalid($"1 validation error detected: Value '{assign}' at 'networkConfiguration.awsvpcConfiguration.assignPublicIp' failed to satisfy constraint: Member must satisfy enum value set: [ENABLED, DISABLED]");
        }

        return new AwsVpcConfiguration(vpc.Strings("subnets") ?? throw vpc.Missing("subnets"), vpc.Strings("securityGroups") ?? [], assign == "ENABLED", []);
    }

    public static ImmutableArray<PlacementConstraint> PlacementConstraints(JsonInput input, string name = "placementConstraints") =>
        input.Objects(name)
            .Select(i => new PlacementConstraint(i.Enum<PlacementConstraintType>("type") ?? throw i.Missing("type"), i.String("expression")))
            .ToImmutableArray();

    /// <summary>
    /// The service settings a CreateService / UpdateService names (null members: not named): networkConfiguration,
    /// deploymentConfiguration's deploymentCircuitBreaker (B-DP-2), alarms (B-DP-3), strategy and bakeTimeInMinutes,
    /// deploymentController, healthCheckGracePeriodSeconds, availabilityZoneRebalancing (B-AZ-1), the tag and exec flags
    /// and platformVersion, and B-DP-6 / B-DP-7's linearConfiguration, canaryConfiguration and lifecycleHooks (an update's
    /// members not named keep the service's <paramref name="currentTrafficShift"/>).
    /// </summary>
    public static ServiceOptionsPatch ServiceOptionsPatch(JsonInput input, TrafficShiftSettings? currentTrafficShift = null)
    {
        var deployment = input.Object("deploymentConfiguration");
        DeploymentCircuitBreakerSpec? breaker = null;
        if (deployment?.Object("deploymentCircuitBreaker") is { } cb)
        {
            ThresholdConfigurationSpec? threshold = null;
            if (cb.Object("thresholdConfiguration") is { } tc)
            {
                threshold = new ThresholdConfigurationSpec(tc.String("type") ?? throw tc.Missing("type"), tc.Int("value") ?? throw tc.Missing("value"));
            }

            breaker = new DeploymentCircuitBreakerSpec(cb.Bool("enable") ?? throw cb.Missing("enable"), cb.Bool("rollback") ?? throw cb.Missing("rollback"),
                cb.Bool("resetOnHealthyTask"), threshold);
        }

        DeploymentAlarmsSpec? alarms = null;
        if (deployment?.Object("alarms") is { } a)
        {
            alarms = new DeploymentAlarmsSpec(a.Strings("alarmNames") ?? throw a.Missing("alarmNames"), a.Bool("enable") ?? throw a.Missing("enable"),
                a.Bool("rollback") ?? throw a.Missing("rollback"));
        }

        var network = Network(input);
        var propagate = input.String("propagateTags");
        if (propagate is not (null or "TASK_DEFINITION" or "SERVICE" or "NONE"))
        {
            throw ErrorCodes.Invalid($"1 validation error detected: Value '{propagate}' at 'propagateTags' failed to satisfy constraint: Member must satisfy enum value set: [TASK_DEFINITION, SERVICE, NONE]");
        }

        var rebalancing = input.String("availabilityZoneRebalancing");
        if (rebalancing is not (null or "ENABLED" or "DISABLED"))
        {
            throw ErrorCodes.Invalid($"1 validation error detected: Value '{rebalancing}' at 'availabilityZoneRebalancing' failed to satisfy constraint: Member must satisfy enum value set: [ENABLED, DISABLED]");
        }

        if (input.Int("healthCheckGracePeriodSeconds") is < 0 or > 2147483647)
        {
            throw ErrorCodes.Invalid("healthCheckGracePeriodSeconds must be at least 0.");
        }

        if (input.Object("deploymentController")?.String("type") is { } controller && controller != "ECS")
        {
            throw ErrorCodes.Invalid(controller is "CODE_DEPLOY" or "EXTERNAL"
                ? $"The emulator runs the ECS deployment controller only, not {controller}."
                : $"1 validation error detected: Value '{controller}' at 'deploymentController.type' failed to satisfy constraint: Member must satisfy enum value set: [ECS, CODE_DEPLOY, EXTERNAL]");
        }

        foreach (var unsupported in new[] { "serviceRegistries", "volumeConfigurations", "vpcLatticeConfigurations" })
        {
            if (input.Objects(unsupported).Count > 0)
            {
                throw ErrorCodes.Invalid($"{unsupported} is not supported by the emulator (no Cloud Map, EBS volumes or VPC Lattice here).");
            }
        }

        if (input.Object("serviceConnectConfiguration")?.Bool("enabled") == true)
        {
            throw ErrorCodes.Invalid("Service Connect is not supported by the emulator.");
        }

        return new ServiceOptionsPatch(
            network, breaker, alarms, input.Int("healthCheckGracePeriodSeconds"), input.Bool("enableECSManagedTags"), propagate,
            input.Bool("enableExecuteCommand"), input.String("platformVersion"), rebalancing,
            input.Object("deploymentController")?.String("type"), deployment?.String("strategy"), deployment?.Int("bakeTimeInMinutes"),
            EcsTrafficShiftInputs.Settings(deployment, currentTrafficShift));
    }

    /// <summary>The request's clientToken, checked like ECS does (length and ASCII 33..126), or null when absent.</summary>
    public static string? ClientToken(JsonInput input, int maxLength)
    {
        var token = input.String("clientToken");
        return token is not null && Emulator.Model.Lifecycle.ClientTokens.Validate(token, maxLength) is { } error ? throw ErrorCodes.Invalid(error) : token;
    }

    /// <summary>
    /// A fingerprint of every member but the clientToken (object members sorted), so a retry with the same token is
    /// recognised as the same request whatever order a client writes its members in.
    /// </summary>
    public static string Fingerprint(JsonInput input)
    {
        var canonical = new System.Text.StringBuilder();
        Canonical(input.Element, canonical, top: true);
        return Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(canonical.ToString())));
    }

    private static void Canonical(System.Text.Json.JsonElement e, System.Text.StringBuilder sb, bool top)
    {
        switch (e.ValueKind)
        {
            case System.Text.Json.JsonValueKind.Object:
                sb.Append('{');
                foreach (var p in e.EnumerateObject().Where(p => !(top && p.Name == "clientToken")).OrderBy(p => p.Name, StringComparer.Ordinal))
                {
                    sb.Append(System.Text.Json.JsonSerializer.Serialize(p.Name)).Append(':');
                    Canonical(p.Value, sb, top: false);
                    sb.Append(',');
                }

                sb.Append('}');
                break;
            case System.Text.Json.JsonValueKind.Array:
                sb.Append('[');
                foreach (var item in e.EnumerateArray())
                {
                    Canonical(item, sb, top: false);
                    sb.Append(',');
                }

                sb.Append(']');
                break;
            default:
                sb.Append(e.GetRawText());
                break;
        }
    }
}
