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
        "desiredCount", "alarmState", "scalingActivities", "lifecycleStage", "greenTrafficPercent", "forwardWeightPercent", "hookStatus",
    ];

    /// <summary>Conditions whose value is a name or a state, not a number.</summary>
    internal static readonly string[] TextConditions =
        ["serviceSteady", "noTasksKilledByScaleIn", "deploymentState", "serviceDeploymentStatus", "azBalanced", "lifecycleStage", "hookStatus"];

    internal static readonly string[] ConditionArgs =
        [.. Conditions, "cluster", "service", "capacityProvider", "autoScalingGroup", "instanceType", "taskDefinition", "op", "tolerance", "alarm",
         "rule", "targetGroup", "traffic", "stage"];

    /// <summary>B-DP-6: the stages lifecycleStage compares with (and none: no traffic-shifting deployment).</summary>
    internal static readonly string[] LifecycleStages =
        ["RECONCILE_SERVICE", "PRE_SCALE_UP", "SCALE_UP", "POST_SCALE_UP", "TEST_TRAFFIC_SHIFT", "POST_TEST_TRAFFIC_SHIFT", "PRODUCTION_TRAFFIC_SHIFT",
         "POST_PRODUCTION_TRAFFIC_SHIFT", "BAKE_TIME", "CLEAN_UP", "none"];

    /// <summary>B-DP-7: where a lifecycle hook runs (PRE_PRODUCTION_TRAFFIC_SHIFT before every production step).</summary>
    internal static readonly string[] HookStages =
        ["RECONCILE_SERVICE", "PRE_SCALE_UP", "POST_SCALE_UP", "TEST_TRAFFIC_SHIFT", "POST_TEST_TRAFFIC_SHIFT", "PRE_PRODUCTION_TRAFFIC_SHIFT",
         "PRODUCTION_TRAFFIC_SHIFT", "POST_PRODUCTION_TRAFFIC_SHIFT"];

    /// <summary>B-DP-7: lifecycleHookDetails statuses.</summary>
    internal static readonly string[] HookStatuses = ["AWAITING_ACTION", "IN_PROGRESS", "SUCCEEDED", "FAILED", "TIMED_OUT"];

    /// <summary>B-DP-6: deploymentConfiguration.strategy.</summary>
    internal static readonly string[] DeploymentStrategies = ["ROLLING", "BLUE_GREEN", "LINEAR", "CANARY"];

    /// <summary>The arguments of createService / updateService that set the deployment strategy (B-DP-6, B-DP-7).</summary>
    private static readonly string[] StrategyArgs =
        ["deploymentStrategy", "preset", "bakeTimeInMinutes", "linearConfiguration", "canaryConfiguration", "lifecycleHooks"];

    /// <summary>The arguments of createService / updateService that name load balancers (B-LB-1, B-DP-6 advancedConfiguration).</summary>
    private static readonly string[] LoadBalancerArgs = ["targetGroup", "containerPort", "advanced", "loadBalancers"];

    private static readonly string[] TrafficArgs = ["requestDuration", "perTaskCapacity", "steps", "shapes", "memoryBaselinePercent", "memoryPerLoadPercent"];

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
            ["desiredCount", "strategy", "launchType", "placementStrategy", "minimumHealthyPercent", "maximumPercent", "daemon",
             "circuitBreaker", "alarms", "healthCheckGracePeriod", "availabilityZoneRebalancing", .. LoadBalancerArgs, .. StrategyArgs]),
        ["updateService"] = (["cluster", "name"],
            ["desiredCount", "taskDefinition", "minimumHealthyPercent", "maximumPercent", "forceNewDeployment", "circuitBreaker", "alarms", .. LoadBalancerArgs, .. StrategyArgs]),
        ["deleteService"] = (["cluster", "name"], ["force"]),
        ["runTask"] = (["cluster", "taskDefinition"], ["count", "strategy", "launchType", "placementStrategy"]),
        ["drainInstances"] = (["cluster"], ["count", "instanceType"]),
        ["createTargetGroup"] = (["name"], ["port", "healthyThreshold", "unhealthyThreshold", "interval", "deregistrationDelay", "vpcId"]),
        ["setTraffic"] = (["cluster", "service", "rps"], TrafficArgs),
        ["createLoadBalancer"] = (["name"], ["vpcId", "zones", "scheme", "securityGroups"]),
        ["createListener"] = (["loadBalancer", "name", "port"], ["protocol", "forward", "fixedResponse"]),
        ["createListenerRule"] = (["listener", "name", "priority"], ["pathPattern", "hostHeader", "httpHeader", "forward", "fixedResponse"]),
        ["setListenerTraffic"] = (["listener", "rps"], ["name", "path", "host", "method", "headers", .. TrafficArgs]),
        ["setLambdaHookOutcome"] = (["functionArn", "outcome"], ["after"]),
        ["continueDeployment"] = (["cluster", "service"], ["action", "hookId"]),
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
    internal static readonly HashSet<string> NameKeys =
    [
        "name", "serviceSteady", "cluster", "autoScalingGroup", "capacityProvider", "family", "taskDefinition", "service", "providers", "targetGroup",
        "serviceAtDesired", "azBalanced", "names", "loadBalancer", "listener", "rule", "alternateTargetGroup", "productionListenerRule", "testListenerRule",
    ];

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

                if ((step.Has("deploymentState") || step.Has("serviceDeploymentStatus") || step.Has("lifecycleStage") || step.Has("greenTrafficPercent") || step.Has("hookStatus"))
                    && (!step.Has("service") || !step.Has("cluster")))
                {
                    throw new ScenarioException($"{step.Where}: deploymentState, serviceDeploymentStatus, lifecycleStage, greenTrafficPercent and hookStatus need 'service' and 'cluster'.");
                }

                CheckBlueGreenCondition(step);

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
                CheckLoadBalancers(step);
                CheckStrategy(step);
                break;
            case "createTargetGroup":
                step.OptInt("port");
                step.OptInt("healthyThreshold");
                step.OptInt("unhealthyThreshold");
                step.Duration("interval", TimeSpan.FromSeconds(30));
                step.Duration("deregistrationDelay", TimeSpan.FromSeconds(300));
                break;
            case "setTraffic":
                CheckTraffic(step);
                break;
            case "setListenerTraffic":
                CheckTraffic(step);
                step.StringMap("headers");
                break;
            case "createLoadBalancer":
                if (step.Opt("scheme") is { } scheme && scheme is not ("internet-facing" or "internal"))
                {
                    throw new ScenarioException($"{step.Where}: scheme is internet-facing or internal.");
                }

                if (step.Has("zones") && step.Strings("zones").Count < 2)
                {
                    throw new ScenarioException($"{step.Where}: an Application Load Balancer needs subnets in two zones or more.");
                }

                break;
            case "createListener":
                step.Int("port");
                CheckActions(step);
                break;
            case "createListenerRule":
                step.Int("priority");
                CheckActions(step);
                if (!step.Has("pathPattern") && !step.Has("hostHeader") && !step.Has("httpHeader"))
                {
                    throw new ScenarioException($"{step.Where}: a listener rule needs a condition: pathPattern, hostHeader or httpHeader.");
                }

                if (step.Has("httpHeader"))
                {
                    var header = step.Map("httpHeader");
                    header.Str("header");
                    if (header.Strings("values").Count == 0)
                    {
                        throw new ScenarioException($"{step.Where}: httpHeader needs 'header' and 'values'.");
                    }
                }

                break;
            case "setLambdaHookOutcome":
                if (step.Str("outcome") is not ("SUCCEEDED" or "FAILED" or "IN_PROGRESS"))
                {
                    throw new ScenarioException($"{step.Where}: outcome is SUCCEEDED, FAILED or IN_PROGRESS (IN_PROGRESS for ever: the hook times out).");
                }

                if (step.Has("after") && step.Str("outcome") == "IN_PROGRESS")
                {
                    throw new ScenarioException($"{step.Where}: 'after' is how long a SUCCEEDED or FAILED outcome stays IN_PROGRESS first.");
                }

                step.Duration("after", TimeSpan.Zero);
                break;
            case "continueDeployment":
                if (step.Opt("action") is { } action && action is not ("CONTINUE" or "ROLLBACK"))
                {
                    throw new ScenarioException($"{step.Where}: action is CONTINUE or ROLLBACK.");
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

    private static void CheckTraffic(ScenarioStep step)
    {
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
    }

    /// <summary>A listener's or rule's action: forward [{targetGroup, weight}] or fixedResponse (a status code), exactly one.</summary>
    private static void CheckActions(ScenarioStep step)
    {
        if (step.Has("forward") == step.Has("fixedResponse"))
        {
            throw new ScenarioException($"{step.Where}: name one action: forward [{{targetGroup, weight}}] or fixedResponse (a status code).");
        }

        foreach (var f in step.Maps("forward"))
        {
            f.Str("targetGroup");
            if (f.Int("weight", 1) is < 0 or > 999)
            {
                throw new ScenarioException($"{step.Where}: a forward weight is 0..999.");
            }
        }

        if (step.Has("forward") && step.Maps("forward").Count == 0)
        {
            throw new ScenarioException($"{step.Where}: forward names at least one target group.");
        }
    }

    /// <summary>loadBalancers [{targetGroup, containerPort, containerName, advanced}] or the shorthand targetGroup / containerPort / advanced.</summary>
    private static void CheckLoadBalancers(ScenarioStep step)
    {
        if (step.Has("loadBalancers") && (step.Has("targetGroup") || step.Has("advanced")))
        {
            throw new ScenarioException($"{step.Where}: name either loadBalancers or targetGroup (with containerPort and advanced), not both.");
        }

        if (step.Has("advanced") && !step.Has("targetGroup"))
        {
            throw new ScenarioException($"{step.Where}: advanced configures the service's targetGroup; name it.");
        }

        step.OptInt("containerPort");
        foreach (var lb in step.Maps("loadBalancers"))
        {
            lb.Str("targetGroup");
            lb.OptInt("containerPort");
            foreach (var key in lb.Args.Keys.Where(k => k is not ("targetGroup" or "containerPort" or "containerName" or "advanced")))
            {
                throw new ScenarioException($"{step.Where}: unknown loadBalancers argument '{key}'. Allowed: targetGroup, containerName, containerPort, advanced.");
            }

            if (lb.Has("advanced"))
            {
                CheckAdvanced(step, lb.Map("advanced"));
            }
        }

        if (step.Has("advanced"))
        {
            CheckAdvanced(step, step.Map("advanced"));
        }
    }

    private static void CheckAdvanced(ScenarioStep step, ScenarioStep advanced)
    {
        advanced.Str("alternateTargetGroup");
        advanced.Str("productionListenerRule");
        foreach (var key in advanced.Args.Keys.Where(k => k is not ("alternateTargetGroup" or "productionListenerRule" or "testListenerRule" or "roleArn")))
        {
            throw new ScenarioException($"{step.Where}: unknown advanced argument '{key}'. Allowed: alternateTargetGroup, productionListenerRule, testListenerRule, roleArn.");
        }
    }

    /// <summary>
    /// B-DP-6 / B-DP-7: deploymentStrategy, a preset (the seed's CodeDeploy configurations), bakeTimeInMinutes,
    /// linearConfiguration, canaryConfiguration and lifecycleHooks, checked as AWS checks them (TrafficShifting.Validate).
    /// </summary>
    private static void CheckStrategy(ScenarioStep step)
    {
        var strategy = step.Opt("deploymentStrategy");
        if (strategy is not null && !DeploymentStrategies.Contains(strategy))
        {
            throw new ScenarioException($"{step.Where}: deploymentStrategy is one of {string.Join(", ", DeploymentStrategies)}.");
        }

        if (step.Opt("preset") is { } preset)
        {
            if (Emulator.Model.Deployments.TrafficShifting.Preset(preset) is not { } shift)
            {
                throw new ScenarioException($"{step.Where}: unknown preset '{preset}'. Presets: {string.Join(", ", Presets)}.");
            }

            if (strategy is not null && strategy != shift.Kind.ToString())
            {
                throw new ScenarioException($"{step.Where}: preset {preset} is a {shift.Kind} deployment; deploymentStrategy says {strategy}.");
            }

            if (step.Has("linearConfiguration") || step.Has("canaryConfiguration"))
            {
                throw new ScenarioException($"{step.Where}: preset {preset} sets the traffic steps; name no linearConfiguration or canaryConfiguration with it.");
            }
        }

        var linear = step.Has("linearConfiguration") ? step.Map("linearConfiguration") : null;
        var canary = step.Has("canaryConfiguration") ? step.Map("canaryConfiguration") : null;
        var problem = Emulator.Model.Deployments.TrafficShifting.Validate(
            linear?.Has("stepPercent") == true ? linear.Double("stepPercent") : null, linear?.OptInt("stepBakeTimeInMinutes"),
            canary?.Has("canaryPercent") == true ? canary.Double("canaryPercent") : null, canary?.OptInt("canaryBakeTimeInMinutes"),
            step.OptInt("bakeTimeInMinutes"));
        if (problem is not null)
        {
            throw new ScenarioException($"{step.Where}: {problem}");
        }

        foreach (var hook in step.Maps("lifecycleHooks"))
        {
            var type = hook.Str("targetType");
            if (type is not ("PAUSE" or "AWS_LAMBDA"))
            {
                throw new ScenarioException($"{step.Where}: a lifecycle hook's targetType is PAUSE or AWS_LAMBDA, not '{type}'.");
            }

            if (type == "AWS_LAMBDA" && hook.Opt("hookTargetArn") is null)
            {
                throw new ScenarioException($"{step.Where}: an AWS_LAMBDA lifecycle hook needs hookTargetArn (the function whose outcome setLambdaHookOutcome sets).");
            }

            var stages = hook.Strings("lifecycleStages");
            var bad = stages.FirstOrDefault(st => !HookStages.Contains(st));
            if (stages.Count == 0 || bad is not null)
            {
                throw new ScenarioException($"{step.Where}: a lifecycle hook's lifecycleStages are some of {string.Join(", ", HookStages)}" + (bad is null ? "." : $", not '{bad}'."));
            }

            if (hook.OptInt("timeoutInMinutes") is < 1 or > 1440)
            {
                throw new ScenarioException($"{step.Where}: a lifecycle hook's timeoutInMinutes is 1..1440.");
            }

            if (hook.Opt("timeoutAction") is { } action && action is not ("ROLLBACK" or "CONTINUE"))
            {
                throw new ScenarioException($"{step.Where}: a lifecycle hook's timeoutAction is ROLLBACK or CONTINUE.");
            }

            foreach (var key in hook.Args.Keys.Where(k => k is not ("targetType" or "hookTargetArn" or "roleArn" or "lifecycleStages" or "timeoutInMinutes" or "timeoutAction")))
            {
                throw new ScenarioException($"{step.Where}: unknown lifecycle hook argument '{key}'. Allowed: targetType, hookTargetArn, roleArn, lifecycleStages, timeoutInMinutes, timeoutAction.");
            }
        }
    }

    /// <summary>The seed's CodeDeploy configurations a preset can name (B-DP-6); CodeDeployDefault.-prefixed names work too.</summary>
    internal static readonly string[] Presets =
        ["ECSAllAtOnce", "ECSLinear10PercentEvery1Minutes", "ECSLinear10PercentEvery3Minutes", "ECSCanary10Percent5Minutes", "ECSCanary10Percent15Minutes"];

    private static void CheckBlueGreenCondition(ScenarioStep step)
    {
        if (step.Opt("lifecycleStage") is { } stage && !LifecycleStages.Contains(stage))
        {
            throw new ScenarioException($"{step.Where}: lifecycleStage must be one of {string.Join(", ", LifecycleStages)}.");
        }

        if (step.Opt("hookStatus") is { } status && !HookStatuses.Contains(status))
        {
            throw new ScenarioException($"{step.Where}: hookStatus must be one of {string.Join(", ", HookStatuses)}.");
        }

        if (step.Opt("stage") is { } hookStage && !HookStages.Contains(hookStage))
        {
            throw new ScenarioException($"{step.Where}: stage (of a hook) must be one of {string.Join(", ", HookStages)}.");
        }

        if (step.Opt("traffic") is { } traffic && traffic is not ("production" or "test"))
        {
            throw new ScenarioException($"{step.Where}: traffic is production or test.");
        }

        if (step.Has("forwardWeightPercent") && (!step.Has("rule") || !step.Has("targetGroup")))
        {
            throw new ScenarioException($"{step.Where}: forwardWeightPercent needs 'rule' (a listener rule, or a listener's name for its default rule) and 'targetGroup'.");
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
