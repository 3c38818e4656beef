using Emulator.Contracts;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Emulator.Client.Scenarios;

/// <summary>
/// Reads a scenario file (format in scenarios/README.md) and checks every step before anything runs, so a broken
/// file fails with the line of the step that is wrong.
/// </summary>
public static class ScenarioParser
{
    /// <summary>Conditions of waitFor / assert: exactly one of these keys names the condition.</summary>
    public static readonly string[] Conditions =
    [
        "runningTasks", "provisioningTasks", "registeredInstances", "inServiceInstances", "desiredCapacity",
        "capacityProviderReservation", "cprSeen", "maxTasksPerInstance", "serviceSteady", "noTasksKilledByScaleIn",
        "failedRequests", "healthyTargets", "deploymentState", "serviceDeploymentStatus", "azBalanced",
        "desiredCount", "alarmState", "scalingActivities",
    ];

    internal static readonly string[] ConditionArgs =
        [.. Conditions, "cluster", "service", "capacityProvider", "autoScalingGroup", "instanceType", "taskDefinition", "op", "tolerance", "alarm"];

    /// <summary>Step kinds with their required and optional arguments.</summary>
    public static readonly IReadOnlyDictionary<string, (string[] Required, string[] Optional)> Kinds = new Dictionary<string, (string[], string[])>
    {
        ["createCluster"] = (["name"], []),
        ["createAutoScalingGroup"] = (["name", "cluster", "instanceTypes", "min", "max", "desired"],
            ["zones", "protectFromScaleIn", "onDemandBaseCapacity", "onDemandPercentageAboveBaseCapacity", "spotAllocationStrategy", "spotDraining"]),
        ["createCapacityProvider"] = (["name", "autoScalingGroup"],
            ["targetCapacity", "managedScaling", "managedTerminationProtection", "managedDraining", "minimumScalingStepSize", "maximumScalingStepSize", "instanceWarmupPeriod"]),
        ["createManagedInstancesProvider"] = (["name", "cluster"],
            ["capacityOptionType", "scaleInAfter", "vCpuMin", "vCpuMax", "memoryMiBMin", "memoryMiBMax", "allowedInstanceTypes", "excludedInstanceTypes",
             "cpuManufacturers", "burstablePerformance", "propagateTags"]),
        ["putClusterCapacityProviders"] = (["cluster", "providers"], ["defaultStrategy"]),
        ["registerTaskDefinition"] = (["family", "cpu", "memory"], ["networkMode", "fargate", "hostPort", "containerPort", "image", "dockerLabels", "healthCheck"]),
        ["createService"] = (["cluster", "name", "taskDefinition"],
            ["desiredCount", "strategy", "launchType", "placementStrategy", "minimumHealthyPercent", "maximumPercent", "daemon", "targetGroup", "containerPort",
             "circuitBreaker", "alarms", "healthCheckGracePeriod", "availabilityZoneRebalancing"]),
        ["updateService"] = (["cluster", "name"], ["desiredCount", "taskDefinition", "minimumHealthyPercent", "maximumPercent", "forceNewDeployment", "circuitBreaker", "alarms"]),
        ["deleteService"] = (["cluster", "name"], ["force"]),
        ["runTask"] = (["cluster", "taskDefinition"], ["count", "strategy", "launchType", "placementStrategy"]),
        ["drainInstances"] = (["cluster"], ["count", "instanceType"]),
        ["createTargetGroup"] = (["name"], ["port", "healthyThreshold", "unhealthyThreshold", "interval", "deregistrationDelay"]),
        ["setTraffic"] = (["cluster", "service", "rps"], ["requestDuration", "perTaskCapacity", "steps", "shapes", "memoryBaselinePercent", "memoryPerLoadPercent"]),
        ["registerScalableTarget"] = (["cluster", "service", "min", "max"], ["suspendScaleIn", "suspendScaleOut", "suspendScheduled"]),
        ["putTargetTrackingPolicy"] = (["cluster", "service", "name", "targetValue"],
            ["metric", "resourceLabel", "scaleOutCooldown", "scaleInCooldown", "disableScaleIn"]),
        ["putScheduledAction"] = (["cluster", "service", "name", "schedule"], ["timezone", "min", "max"]),
        ["putMetricAlarm"] = (["name", "metric", "threshold"],
            ["targetGroup", "cluster", "service", "namespace", "statistic", "period", "evaluationPeriods", "datapointsToAlarm", "comparison", "treatMissingData"]),
        ["sleep"] = (["duration"], []),
        ["waitFor"] = ([], ["timeout", .. ConditionArgs]),
        ["assert"] = ([], ConditionArgs),
    };

    /// <summary>Arguments that name resources (the --suffix is appended to them).</summary>
    internal static readonly HashSet<string> NameKeys = ["name", "serviceSteady", "cluster", "autoScalingGroup", "capacityProvider", "family", "taskDefinition", "service", "providers", "targetGroup", "serviceAtDesired", "azBalanced", "names"];

    /// <summary>Values of the deployment conditions (B-DP-1 rolloutState, B-DP-5 service deployment status).</summary>
    internal static readonly string[] RolloutStates = ["IN_PROGRESS", "COMPLETED", "FAILED"];

    public static ScenarioFile Parse(string yaml, string? suffix)
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(yaml));
        }
        catch (YamlException e)
        {
            throw new ScenarioException($"line {e.Start.Line}: {e.Message}");
        }

        if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is not YamlMappingNode root)
        {
            throw new ScenarioException("line 1: a scenario is a map with 'name' and 'steps'.");
        }

        var name = root.Children.TryGetValue(new YamlScalarNode("name"), out var n) && n is YamlScalarNode s ? s.Value ?? "scenario" : "scenario";
        if (!root.Children.TryGetValue(new YamlScalarNode("steps"), out var stepsNode) || stepsNode is not YamlSequenceNode steps || steps.Children.Count == 0)
        {
            throw new ScenarioException($"line {root.Start.Line}: 'steps' must be a non-empty list.");
        }

        return new ScenarioFile(name, ParseSteps(steps, suffix));
    }

    /// <summary>Parses and checks a list of steps (a scenario's, or an experiment's setup).</summary>
    internal static List<ScenarioStep> ParseSteps(YamlSequenceNode steps, string? suffix)
    {
        var result = new List<ScenarioStep>();
        foreach (var node in steps.Children)
        {
            var line = (int)node.Start.Line;
            if (node is not YamlMappingNode map || map.Children.Count != 1)
            {
                throw new ScenarioException($"line {line}: each step is a map with exactly one key, the step kind (e.g. '- createCluster: {{ name: demo }}').");
            }

            var (keyNode, valueNode) = map.Children.First();
            var kind = ((YamlScalarNode)keyNode).Value ?? "";
            if (!Kinds.TryGetValue(kind, out var spec))
            {
                throw new ScenarioException($"line {line}: unknown step '{kind}'. Known steps: {string.Join(", ", Kinds.Keys)}.");
            }

            var args = valueNode switch
            {
                YamlMappingNode m => (Dictionary<string, object?>)Convert(m, suffix, null)!,
                YamlScalarNode { Value: null or "" } => [],
                _ => throw new ScenarioException($"line {line}: the arguments of '{kind}' must be a map."),
            };
            var step = new ScenarioStep(line, kind, args);
            foreach (var required in spec.Required)
            {
                if (!args.ContainsKey(required))
                {
                    throw new ScenarioException($"{step.Where}: '{required}' is required.");
                }
            }

            foreach (var key in args.Keys)
            {
                if (!spec.Required.Contains(key) && !spec.Optional.Contains(key))
                {
                    throw new ScenarioException($"{step.Where}: unknown argument '{key}'. Allowed: {string.Join(", ", spec.Required.Concat(spec.Optional))}.");
                }
            }

            Check(step);
            result.Add(step);
        }

        return result;
    }

    /// <summary>Type checks that can be done before running: numbers, durations, one condition per wait/assert.</summary>
    private static void Check(ScenarioStep step)
    {
        switch (step.Kind)
        {
            case "waitFor" or "assert":
                var conditions = Conditions.Where(step.Has).ToList();
                if (conditions.Count != 1)
                {
                    throw new ScenarioException($"{step.Where}: name exactly one condition ({string.Join(", ", Conditions)}).");
                }

                if (step.Opt("op") is { } op && op is not ("==" or ">=" or "<=" or ">" or "<" or "!="))
                {
                    throw new ScenarioException($"{step.Where}: op must be one of == != >= <= > <.");
                }

                if (step.Opt("deploymentState") is { } state && !RolloutStates.Contains(state))
                {
                    throw new ScenarioException($"{step.Where}: deploymentState must be one of {string.Join(", ", RolloutStates)}.");
                }

                if (step.Opt("serviceDeploymentStatus") is { } sds && !ServiceDeploymentStatuses.All.Contains(sds))
                {
                    throw new ScenarioException($"{step.Where}: serviceDeploymentStatus must be one of {string.Join(", ", ServiceDeploymentStatuses.All)}.");
                }

                if ((step.Has("deploymentState") || step.Has("serviceDeploymentStatus")) && (!step.Has("service") || !step.Has("cluster")))
                {
                    throw new ScenarioException($"{step.Where}: deploymentState and serviceDeploymentStatus need 'service' and 'cluster'.");
                }

                if (step.Kind == "waitFor")
                {
                    step.Duration("timeout", TimeSpan.FromMinutes(30));
                }

                break;
            case "sleep":
                step.Duration("duration");
                break;
            case "createAutoScalingGroup":
                step.Int("min");
                step.Int("max");
                step.Int("desired");
                break;
            case "registerTaskDefinition":
                step.Int("cpu");
                step.Int("memory");
                step.StringMap("dockerLabels");
                if (step.Has("healthCheck"))
                {
                    var hc = step.Map("healthCheck");
                    hc.Duration("interval", TimeSpan.FromSeconds(30));
                    hc.Duration("startPeriod", TimeSpan.Zero);
                    hc.Int("retries", 3);
                }

                break;
            case "createService" or "updateService":
                if (step.Has("circuitBreaker"))
                {
                    var cb = step.Map("circuitBreaker");
                    cb.Bool("enable", true);
                    cb.Bool("rollback", false);
                    cb.OptInt("thresholdValue");
                    if (cb.Opt("thresholdType") is { } type && type is not ("COUNT" or "BOUNDED_PERCENT" or "UNBOUNDED_PERCENT"))
                    {
                        throw new ScenarioException($"{step.Where}: circuitBreaker.thresholdType must be COUNT, BOUNDED_PERCENT or UNBOUNDED_PERCENT.");
                    }
                }

                if (step.Has("alarms"))
                {
                    var alarms = step.Map("alarms");
                    if (alarms.Strings("names").Count == 0)
                    {
                        throw new ScenarioException($"{step.Where}: alarms.names must name at least one alarm.");
                    }
                }

                if (step.Has("healthCheckGracePeriod"))
                {
                    step.Duration("healthCheckGracePeriod");
                }

                step.Bool("forceNewDeployment", false);
                break;
            case "createTargetGroup":
                step.OptInt("port");
                step.OptInt("healthyThreshold");
                step.OptInt("unhealthyThreshold");
                step.Duration("interval", TimeSpan.FromSeconds(30));
                step.Duration("deregistrationDelay", TimeSpan.FromSeconds(300));
                break;
            case "setTraffic":
                step.Double("rps");
                step.Duration("requestDuration", TimeSpan.FromMilliseconds(200));
                step.Double("perTaskCapacity", 100);
                foreach (var m in step.Maps("steps"))
                {
                    m.Duration("after");
                    m.Double("rps");
                }

                foreach (var m in step.Maps("shapes"))
                {
                    if (m.Str("kind") is not ("ramp" or "sine" or "spike"))
                    {
                        throw new ScenarioException($"{step.Where}: a shape's kind is ramp, sine or spike.");
                    }

                    m.Duration("after", TimeSpan.Zero);
                    m.Duration("duration", TimeSpan.Zero);
                    m.Duration("period", TimeSpan.FromHours(24));
                    m.Double("rps");
                }

                break;
            case "registerScalableTarget":
                step.Int("min");
                step.Int("max");
                break;
            case "putMetricAlarm":
                step.Double("threshold");
                step.Duration("period", TimeSpan.FromMinutes(1));
                step.Int("evaluationPeriods", 1);
                step.OptInt("datapointsToAlarm");
                if (step.Opt("targetGroup") is null && (step.Opt("cluster") is null || step.Opt("service") is null) && step.Opt("namespace") is null)
                {
                    throw new ScenarioException($"{step.Where}: putMetricAlarm needs targetGroup (AWS/ApplicationELB), cluster and service (AWS/ECS), or a namespace.");
                }

                if (step.Opt("comparison") is { } comparison && comparison is not ("GreaterThanThreshold" or "GreaterThanOrEqualToThreshold" or "LessThanThreshold" or "LessThanOrEqualToThreshold"))
                {
                    throw new ScenarioException($"{step.Where}: comparison is GreaterThanThreshold, GreaterThanOrEqualToThreshold, LessThanThreshold or LessThanOrEqualToThreshold.");
                }

                break;
            case "putTargetTrackingPolicy":
                step.Double("targetValue");
                if (step.Opt("metric") is { } metric && metric is not ("cpu" or "memory" or "albRequestCountPerTarget"))
                {
                    throw new ScenarioException($"{step.Where}: metric is cpu, memory or albRequestCountPerTarget.");
                }

                break;

        }
    }

    internal static object? Convert(YamlNode node, string? suffix, string? key) => node switch
    {
        YamlScalarNode s => key is not null && NameKeys.Contains(key) && suffix is not null && s.Value is { } v && v is not ("FARGATE" or "FARGATE_SPOT")
            ? v + suffix
            : s.Value,
        YamlSequenceNode seq => seq.Children.Select(c => Convert(c, suffix, key)).ToList(),
        YamlMappingNode m => m.Children.ToDictionary(
            kv => ((YamlScalarNode)kv.Key).Value ?? "",
            kv => Convert(kv.Value, suffix, ((YamlScalarNode)kv.Key).Value),
            StringComparer.Ordinal),
        _ => null,
    };
}
