using System.Collections.Immutable;
using System.Globalization;
using System.Xml;
using Emulator.Client.Scenarios;
using Emulator.Contracts;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Emulator.Client.Chaos;

/// <summary>
/// Reads an experiment: an AWS FIS experiment template (JSON, as `aws fis create-experiment-template` takes it) or
/// the same structure in YAML with the emulator's additions (cluster, setup, steadyState, observeFor, sampleEvery).
/// Everything is checked before anything runs: unknown actions, targets of the wrong resource type, references to
/// unknown targets or actions, startAfter cycles, bad selection modes, parameters out of FIS's ranges.
/// </summary>
public static class ExperimentParser
{
    /// <summary>What an action needs: its target role and resource type (null: no target), required and optional parameters.</summary>
    public sealed record ActionSpec(string? Role, string? ResourceType, string[] Required, string[] Optional, string Summary);

    /// <summary>The actions the emulator runs: FIS's ids where FIS has the action, emulator:* for the emulator's own faults.</summary>
    public static readonly IReadOnlyDictionary<string, ActionSpec> Actions = new Dictionary<string, ActionSpec>(StringComparer.Ordinal)
    {
        ["aws:ec2:send-spot-instance-interruptions"] = new("SpotInstances", "aws:ec2:spot-instance", ["durationBeforeInterruption"], [],
            "rebalance recommendation, then the 2-minute interruption warning, then termination (B-SP-1..3)"),
        ["aws:ec2:terminate-instances"] = new("Instances", "aws:ec2:instance", [], [], "terminates instances without warning"),
        ["aws:ecs:drain-container-instances"] = new("Clusters", "aws:ecs:cluster", ["drainagePercentage", "duration"], [],
            "sets a percentage of the cluster's container instances DRAINING for the duration"),
        ["aws:ecs:stop-task"] = new("Tasks", "aws:ecs:task", [], [], "stops tasks"),
        ["aws:ec2:asg-insufficient-instance-capacity-error"] = new("AutoScalingGroups", "aws:ec2:autoscaling-group",
            ["availabilityZoneIdentifiers", "duration"], ["percentage"], "launches of the groups fail with InsufficientInstanceCapacity"),
        ["aws:fis:wait"] = new(null, null, ["duration"], [], "waits"),
        ["emulator:fargate-spot-interruption"] = new("Tasks", "aws:ecs:task", [], [], "Fargate Spot TerminationNotice (B-SP-4)"),
        ["emulator:exhaust-spot-pool"] = new(null, null, ["duration"], ["instanceType", "availabilityZone"], "Spot pools have no capacity (B-ASG-3)"),
        ["emulator:az-outage"] = new(null, null, ["availabilityZone"], ["duration"], "every instance in the zone is lost; no launches there"),
        ["emulator:fail-task-launches"] = new(null, null, ["probability", "duration"], ["cluster", "service"], "task launches fail with a probability (B-SV-5)"),
        ["emulator:deploy"] = new(null, null, ["service", "taskDefinition"], ["cluster", "forceNewDeployment", "preset", "deploymentStrategy", "bakeTimeInMinutes"],
            "UpdateService to a task definition: a new deployment (B-DP-1); with a preset or deploymentStrategy a blue/green, linear or canary one (B-DP-6)"),
        ["emulator:continue-deployment"] = new(null, null, ["service"], ["cluster", "action", "hookId"],
            "ContinueServiceDeployment: answers the service's PAUSE hook awaiting an action, CONTINUE or ROLLBACK (B-DP-7)"),
        ["emulator:set-lambda-hook-outcome"] = new(null, null, ["functionArn", "outcome"], ["after"],
            "the outcome Lambda lifecycle hooks naming the function get: SUCCEEDED, FAILED, or IN_PROGRESS for ever (B-DP-7)"),
        ["emulator:task-fault"] = new(null, null, ["service", "fault", "duration"], ["cluster", "value"],
            "the service's tasks fail as the emulator.* docker labels would make them (B-DP-8)"),
    };

    /// <summary>Resource types a target may name.</summary>
    public static readonly string[] ResourceTypes = ["aws:ec2:spot-instance", "aws:ec2:instance", "aws:ecs:cluster", "aws:ecs:task", "aws:ec2:autoscaling-group"];

    private static readonly string[] TopKeys =
        ["name", "description", "cluster", "setup", "steadyState", "targets", "actions", "stopConditions", "observeFor", "sampleEvery",
         "roleArn", "tags", "logConfiguration", "experimentOptions", "experimentReportConfiguration", "clientToken"];

    private static readonly string[] TargetKeys =
        ["resourceType", "resourceArns", "resourceTags", "filters", "selectionMode", "parameters",
         "cluster", "capacityProvider", "autoScalingGroup", "service"];

    private static readonly string[] ActionKeys = ["actionId", "description", "parameters", "targets", "startAfter"];

    private static readonly string[] FilterPaths = ["Placement.AvailabilityZone", "InstanceType", "State.Name"];

    /// <summary>
    /// Parses and checks an experiment. <paramref name="suffix"/> is appended to every resource name the file
    /// creates or targets (clusters, groups, providers, services, target groups, the aws:autoscaling:groupName tag),
    /// so the same file can run twice against one silo; <paramref name="cluster"/> (--cluster) is taken as given.
    /// </summary>
    public static ExperimentFile Parse(string text, string? cluster = null, string? fileName = null, string? suffix = null)
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(text));
        }
        catch (YamlException e)
        {
            throw new ExperimentException($"line {e.Start.Line}: {e.Message}");
        }

        if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is not YamlMappingNode root)
        {
            throw new ExperimentException("line 1: an experiment is a map with 'targets' and 'actions' (an AWS FIS experiment template).");
        }

        foreach (var (key, value) in root.Children)
        {
            if (!TopKeys.Contains(Name(key)))
            {
                throw new ExperimentException($"line {Line(key)}: unknown key '{Name(key)}'. Allowed: {string.Join(", ", TopKeys)}.");
            }
        }

        var name = Scalar(root, "name") ?? Scalar(root, "description") ?? Path.GetFileNameWithoutExtension(fileName) ?? "experiment";
        var experimentCluster = cluster ?? Suffixed(Scalar(root, "cluster"), suffix);

        var setup = root.Children.TryGetValue(new YamlScalarNode("setup"), out var setupNode)
            ? setupNode is YamlSequenceNode seq ? ParseSetup(seq, suffix) : throw new ExperimentException($"line {Line(setupNode)}: 'setup' must be a list of scenario steps.")
            : [];

        var targets = ParseTargets(root, experimentCluster, suffix);
        var actions = ParseActions(root, targets, suffix);
        var probes = ParseSteadyState(root, experimentCluster, suffix);
        var stops = ParseStopConditions(root, probes);
        var observeFor = Scalar(root, "observeFor") is { } o ? Duration(o, $"line {Line(root, "observeFor")}: observeFor") : TimeSpan.FromMinutes(10);
        var sampleEvery = Scalar(root, "sampleEvery") is { } se ? Duration(se, $"line {Line(root, "sampleEvery")}: sampleEvery") : TimeSpan.FromSeconds(30);
        if (sampleEvery <= TimeSpan.Zero)
        {
            throw new ExperimentException($"line {Line(root, "sampleEvery")}: sampleEvery must be positive.");
        }

        if (experimentCluster is null && NeedsCluster(targets.Values, actions))
        {
            throw new ExperimentException("the experiment names no cluster: add 'cluster: NAME' (YAML form), a 'cluster' on each target, or pass --cluster.");
        }

        return new ExperimentFile(name, Scalar(root, "description"), experimentCluster, setup, probes, targets, actions, stops, observeFor, sampleEvery);
    }

    /// <summary>FIS durations are ISO 8601 (PT2M); the YAML form also takes the scenario spelling (2m, 90s).</summary>
    public static TimeSpan Duration(string value, string where)
    {
        if (value.StartsWith('P'))
        {
            try
            {
                return XmlConvert.ToTimeSpan(value);
            }
            catch (FormatException)
            {
                throw new ExperimentException($"{where}: '{value}' is not an ISO 8601 duration (e.g. PT2M).");
            }
        }

        try
        {
            return ScenarioStep.ParseDuration(value, where);
        }
        catch (ScenarioException e)
        {
            throw new ExperimentException(e.Message);
        }
    }

    /// <summary>FIS selectionMode: ALL, COUNT(n) with n &gt;= 1, PERCENT(p) with 0 &lt; p &lt;= 100.</summary>
    public static ChaosSelection Selection(string value, string where)
    {
        var v = value.Trim();
        if (v == "ALL")
        {
            return ChaosSelection.All;
        }

        if (v.StartsWith("COUNT(", StringComparison.Ordinal) && v.EndsWith(')'))
        {
            return int.TryParse(v[6..^1], NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n >= 1
                ? ChaosSelection.Count(n)
                : throw new ExperimentException($"{where}: COUNT(n) needs a whole number n >= 1, not '{v[6..^1]}'.");
        }

        if (v.StartsWith("PERCENT(", StringComparison.Ordinal) && v.EndsWith(')'))
        {
            return double.TryParse(v[8..^1], NumberStyles.Float, CultureInfo.InvariantCulture, out var p) && p > 0 && p <= 100
                ? ChaosSelection.Percent(p)
                : throw new ExperimentException($"{where}: PERCENT(p) needs 0 < p <= 100, not '{v[8..^1]}'.");
        }

        throw new ExperimentException($"{where}: selectionMode must be ALL, COUNT(n) or PERCENT(p), not '{v}'.");
    }

    private static bool NeedsCluster(IEnumerable<ExperimentTarget> targets, IEnumerable<ExperimentAction> actions) =>
        targets.Any(t => t.Cluster is null) || actions.Any(a => a.ActionId == "emulator:fail-task-launches" && !a.Parameters.ContainsKey("cluster"));

    private static string? Suffixed(string? name, string? suffix) => name is null || suffix is null ? name : name + suffix;

    private static List<ScenarioStep> ParseSetup(YamlSequenceNode steps, string? suffix)
    {
        try
        {
            return ScenarioParser.ParseSteps(steps, suffix);
        }
        catch (ScenarioException e)
        {
            throw new ExperimentException("setup: " + e.Message);
        }
    }

    private static Dictionary<string, ExperimentTarget> ParseTargets(YamlMappingNode root, string? cluster, string? suffix)
    {
        var result = new Dictionary<string, ExperimentTarget>(StringComparer.Ordinal);
        if (!root.Children.TryGetValue(new YamlScalarNode("targets"), out var node))
        {
            return result;
        }

        if (node is not YamlMappingNode map)
        {
            throw new ExperimentException($"line {Line(node)}: 'targets' must be a map of target name to target.");
        }

        foreach (var (keyNode, valueNode) in map.Children)
        {
            var name = Name(keyNode);
            var where = $"target '{name}' at line {Line(keyNode)}";
            if (valueNode is not YamlMappingNode t)
            {
                throw new ExperimentException($"{where}: a target is a map (resourceType, selectionMode, ...).");
            }

            foreach (var (k, _) in t.Children.Where(kv => !TargetKeys.Contains(Name(kv.Key))))
            {
                throw new ExperimentException($"{where}: unknown key '{Name(k)}'. Allowed: {string.Join(", ", TargetKeys)}.");
            }

            var type = Scalar(t, "resourceType") ?? throw new ExperimentException($"{where}: 'resourceType' is required.");
            if (!ResourceTypes.Contains(type))
            {
                throw new ExperimentException($"{where}: unknown resourceType '{type}'. Known: {string.Join(", ", ResourceTypes)}.");
            }

            var selection = Selection(Scalar(t, "selectionMode") ?? throw new ExperimentException($"{where}: 'selectionMode' is required (ALL, COUNT(n), PERCENT(p))."), where);
            var arns = Strings(t, "resourceArns", where);
            var tags = StringMap(t, "resourceTags", where);
            if (suffix is not null && tags.TryGetValue(AsgSpec.GroupNameTag, out var group))
            {
                tags = tags.SetItem(AsgSpec.GroupNameTag, group + suffix);
            }

            var parameters = StringMap(t, "parameters", where);
            string? zone = null;
            string? instanceType = null;
            if (t.Children.TryGetValue(new YamlScalarNode("filters"), out var filtersNode))
            {
                if (type is not ("aws:ec2:spot-instance" or "aws:ec2:instance"))
                {
                    throw new ExperimentException($"{where}: filters are supported on aws:ec2:instance and aws:ec2:spot-instance targets only.");
                }

                if (filtersNode is not YamlSequenceNode filters)
                {
                    throw new ExperimentException($"{where}: 'filters' must be a list of {{path, values}}.");
                }

                foreach (var f in filters.Children)
                {
                    var fw = $"{where}, filter at line {Line(f)}";
                    if (f is not YamlMappingNode fm)
                    {
                        throw new ExperimentException($"{fw}: a filter is a map with 'path' and 'values'.");
                    }

                    var path = Scalar(fm, "path") ?? throw new ExperimentException($"{fw}: 'path' is required.");
                    var values = Strings(fm, "values", fw);
                    if (values.Length == 0)
                    {
                        throw new ExperimentException($"{fw}: 'values' must name at least one value.");
                    }

                    switch (path)
                    {
                        case "Placement.AvailabilityZone" when values.Length == 1:
                            zone = values[0];
                            break;
                        case "InstanceType" when values.Length == 1:
                            instanceType = values[0];
                            break;
                        case "State.Name" when values.Contains("running"):
                            break; // every candidate the emulator offers is running
                        case "State.Name":
                            throw new ExperimentException($"{fw}: only running instances can be targeted (State.Name values must include 'running').");
                        default:
                            throw new ExperimentException(FilterPaths.Contains(path)
                                ? $"{fw}: the emulator takes one value for '{path}'."
                                : $"{fw}: unsupported filter path '{path}'. Supported: {string.Join(", ", FilterPaths)}.");
                    }
                }
            }

            var targetCluster = Suffixed(Scalar(t, "cluster") ?? parameters.GetValueOrDefault("cluster"), suffix);
            var ids = arns;
            if (type == "aws:ecs:cluster")
            {
                if (arns.Length > 1)
                {
                    throw new ExperimentException($"{where}: the emulator drains one cluster per target; name one cluster ARN.");
                }

                targetCluster = arns.Length == 1 ? Suffixed(Arns.ClusterName(arns[0]), suffix) : targetCluster;
                ids = [];
            }
            else
            {
                ids = [.. arns.Select(a => a.Contains('/', StringComparison.Ordinal) ? a[(a.LastIndexOf('/') + 1)..] : a)];
            }

            foreach (var key in parameters.Keys.Where(k => k is not ("cluster" or "service")))
            {
                throw new ExperimentException($"{where}: unknown target parameter '{key}' (aws:ecs:task targets take 'cluster' and 'service').");
            }

            var service = Suffixed(Scalar(t, "service") ?? parameters.GetValueOrDefault("service"), suffix);
            if (service is not null && type is "aws:ecs:cluster" or "aws:ec2:autoscaling-group")
            {
                throw new ExperimentException($"{where}: 'service' narrows task and instance targets (instances running the service's tasks), not {type}.");
            }

            result[name] = new ExperimentTarget(name, Line(keyNode), type, ids, tags, targetCluster ?? cluster,
                Suffixed(Scalar(t, "capacityProvider"), suffix), Suffixed(Scalar(t, "autoScalingGroup"), suffix), service, zone, instanceType, selection);
        }

        return result;
    }

    private static List<ExperimentAction> ParseActions(YamlMappingNode root, Dictionary<string, ExperimentTarget> targets, string? suffix)
    {
        if (!root.Children.TryGetValue(new YamlScalarNode("actions"), out var node) || node is not YamlMappingNode map || map.Children.Count == 0)
        {
            throw new ExperimentException($"line {Line(root)}: 'actions' must be a non-empty map of action name to action.");
        }

        var actions = new List<ExperimentAction>();
        foreach (var (keyNode, valueNode) in map.Children)
        {
            var name = Name(keyNode);
            var where = $"action '{name}' at line {Line(keyNode)}";
            if (valueNode is not YamlMappingNode a)
            {
                throw new ExperimentException($"{where}: an action is a map (actionId, parameters, targets, startAfter).");
            }

            foreach (var (k, _) in a.Children.Where(kv => !ActionKeys.Contains(Name(kv.Key))))
            {
                throw new ExperimentException($"{where}: unknown key '{Name(k)}'. Allowed: {string.Join(", ", ActionKeys)}.");
            }

            var id = Scalar(a, "actionId") ?? throw new ExperimentException($"{where}: 'actionId' is required.");
            if (!Actions.TryGetValue(id, out var spec))
            {
                throw new ExperimentException($"{where}: unknown action '{id}'. The emulator runs: {string.Join(", ", Actions.Keys)}.");
            }

            var parameters = StringMap(a, "parameters", where);
            foreach (var key in new[] { "cluster", "service", "taskDefinition" }.Where(k => suffix is not null && parameters.ContainsKey(k)))
            {
                parameters = parameters.SetItem(key, parameters[key] + suffix);
            }

            foreach (var required in spec.Required.Where(r => !parameters.ContainsKey(r)))
            {
                throw new ExperimentException($"{where}: {id} needs the parameter '{required}'.");
            }

            foreach (var key in parameters.Keys.Where(k => !spec.Required.Contains(k) && !spec.Optional.Contains(k)))
            {
                throw new ExperimentException($"{where}: {id} has no parameter '{key}'." +
                    (spec.Required.Length + spec.Optional.Length > 0 ? $" Parameters: {string.Join(", ", spec.Required.Concat(spec.Optional))}." : " It takes none."));
            }

            CheckParameters(id, parameters, where);
            var roles = StringMap(a, "targets", where);
            if (spec.Role is null && roles.Count > 0)
            {
                throw new ExperimentException($"{where}: {id} takes no targets.");
            }

            if (spec.Role is not null)
            {
                if (!roles.TryGetValue(spec.Role, out var targetName) || roles.Count != 1)
                {
                    throw new ExperimentException($"{where}: {id} needs exactly one target, under '{spec.Role}' (e.g. targets: {{ {spec.Role}: myTarget }}).");
                }

                if (!targets.TryGetValue(targetName, out var target))
                {
                    throw new ExperimentException($"{where}: target '{targetName}' is not defined under 'targets'.");
                }

                if (target.ResourceType != spec.ResourceType)
                {
                    throw new ExperimentException($"{where}: {id} acts on {spec.ResourceType}, but target '{targetName}' is {target.ResourceType}.");
                }
            }

            actions.Add(new ExperimentAction(name, Line(keyNode), id, parameters, roles, Strings(a, "startAfter", where), Scalar(a, "description")));
        }

        foreach (var a in actions)
        {
            foreach (var after in a.StartAfter.Where(x => actions.All(b => b.Name != x)))
            {
                throw new ExperimentException($"action '{a.Name}' at line {a.Line}: startAfter names '{after}', which is not an action of this experiment.");
            }
        }

        return TopologicalOrder(actions);
    }

    /// <summary>Orders actions so each comes after those it starts after; a cycle is an error naming its actions.</summary>
    private static List<ExperimentAction> TopologicalOrder(List<ExperimentAction> actions)
    {
        var ordered = new List<ExperimentAction>();
        var done = new HashSet<string>(StringComparer.Ordinal);
        var pending = actions.ToList();
        while (pending.Count > 0)
        {
            var ready = pending.Where(a => a.StartAfter.All(done.Contains)).ToList();
            if (ready.Count == 0)
            {
                throw new ExperimentException($"startAfter forms a cycle among: {string.Join(", ", pending.Select(a => a.Name))}.");
            }

            foreach (var a in ready)
            {
                ordered.Add(a);
                done.Add(a.Name);
                pending.Remove(a);
            }
        }

        return ordered;
    }

    private static void CheckParameters(string id, IReadOnlyDictionary<string, string> p, string where)
    {
        foreach (var key in new[] { "duration", "durationBeforeInterruption" }.Where(p.ContainsKey))
        {
            var d = Duration(p[key], $"{where}: {key}");
            if (d <= TimeSpan.Zero)
            {
                throw new ExperimentException($"{where}: {key} must be positive.");
            }
        }

        switch (id)
        {
            case "aws:ec2:send-spot-instance-interruptions":
                var before = Duration(p["durationBeforeInterruption"], where);
                if (before < TimeSpan.FromMinutes(2) || before > TimeSpan.FromMinutes(15))
                {
                    throw new ExperimentException($"{where}: durationBeforeInterruption must be between PT2M and PT15M, not {p["durationBeforeInterruption"]}.");
                }

                break;
            case "aws:ecs:drain-container-instances":
                if (!int.TryParse(p["drainagePercentage"], NumberStyles.None, CultureInfo.InvariantCulture, out var pct) || pct is < 1 or > 100)
                {
                    throw new ExperimentException($"{where}: drainagePercentage must be a whole number from 1 to 100, not '{p["drainagePercentage"]}'.");
                }

                break;
            case "aws:ec2:asg-insufficient-instance-capacity-error":
                if (p.TryGetValue("percentage", out var percentage) && percentage != "100")
                {
                    throw new ExperimentException($"{where}: the emulator fails every launch of the targeted groups; percentage must be 100 (or omitted), not '{percentage}'.");
                }

                if (Zones(p["availabilityZoneIdentifiers"]).Length == 0)
                {
                    throw new ExperimentException($"{where}: availabilityZoneIdentifiers must name at least one zone.");
                }

                break;
            case "emulator:task-fault":
                if (TaskFaultNames.Parse(p["fault"]) is not { } kind)
                {
                    throw new ExperimentException($"{where}: fault must be one of {string.Join(", ", TaskFaultNames.All)}, not '{p["fault"]}'.");
                }

                if (TaskFaultNames.NeedsValue(kind) && !p.ContainsKey("value"))
                {
                    throw new ExperimentException($"{where}: the {p["fault"]} fault needs a value ({TaskFaultNames.ValueHelp(kind)}).");
                }

                if (p.TryGetValue("value", out var value) && TaskFaultNames.ParseValue(kind, value) is null)
                {
                    throw new ExperimentException($"{where}: value '{value}' is not valid for the {p["fault"]} fault ({TaskFaultNames.ValueHelp(kind)}).");
                }

                break;
            case "emulator:deploy":
                if (p.TryGetValue("forceNewDeployment", out var force) && force is not ("true" or "false"))
                {
                    throw new ExperimentException($"{where}: forceNewDeployment must be true or false.");
                }

                if (p.TryGetValue("preset", out var preset) && Emulator.Model.Deployments.TrafficShifting.Preset(preset) is null)
                {
                    throw new ExperimentException($"{where}: unknown preset '{preset}'. Presets: {string.Join(", ", ScenarioParser.Presets)}.");
                }

                if (p.TryGetValue("deploymentStrategy", out var strategy) && !ScenarioParser.DeploymentStrategies.Contains(strategy))
                {
                    throw new ExperimentException($"{where}: deploymentStrategy is one of {string.Join(", ", ScenarioParser.DeploymentStrategies)}.");
                }

                if (p.TryGetValue("bakeTimeInMinutes", out var bake) && (!int.TryParse(bake, NumberStyles.None, CultureInfo.InvariantCulture, out var minutes) || minutes > 1440))
                {
                    throw new ExperimentException($"{where}: bakeTimeInMinutes is a whole number of minutes, 0..1440.");
                }

                break;
            case "emulator:continue-deployment":
                if (p.TryGetValue("action", out var answer) && answer is not ("CONTINUE" or "ROLLBACK"))
                {
                    throw new ExperimentException($"{where}: action is CONTINUE or ROLLBACK.");
                }

                break;
            case "emulator:set-lambda-hook-outcome":
                if (p["outcome"] is not ("SUCCEEDED" or "FAILED" or "IN_PROGRESS"))
                {
                    throw new ExperimentException($"{where}: outcome is SUCCEEDED, FAILED or IN_PROGRESS.");
                }

                if (p.TryGetValue("after", out var after) && (p["outcome"] == "IN_PROGRESS" || Duration(after, $"{where}: after") < TimeSpan.Zero))
                {
                    throw new ExperimentException($"{where}: after is how long a SUCCEEDED or FAILED outcome stays IN_PROGRESS first.");
                }

                break;
            case "emulator:fail-task-launches":
                if (!double.TryParse(p["probability"], NumberStyles.Float, CultureInfo.InvariantCulture, out var prob) || prob <= 0 || prob > 1)
                {
                    throw new ExperimentException($"{where}: probability must be a number in (0, 1], not '{p["probability"]}'.");
                }

                break;
        }
    }

    /// <summary>FIS's availabilityZoneIdentifiers: comma-separated zone names.</summary>
    public static ImmutableArray<string> Zones(string value) =>
        [.. value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)];

    private static List<HypothesisProbe> ParseSteadyState(YamlMappingNode root, string? cluster, string? suffix)
    {
        var result = new List<HypothesisProbe>();
        if (!root.Children.TryGetValue(new YamlScalarNode("steadyState"), out var node))
        {
            return result;
        }

        if (node is not YamlSequenceNode seq)
        {
            throw new ExperimentException($"line {Line(node)}: 'steadyState' must be a list of checks.");
        }

        foreach (var item in seq.Children)
        {
            var line = Line(item);
            if (item is not YamlMappingNode m)
            {
                throw new ExperimentException($"line {line}: a steady-state check is a map, e.g. '- failedRequestsPercent: 0.1'.");
            }

            var args = (Dictionary<string, object?>)ScenarioParser.Convert(m, suffix, null)!;
            var within = TimeSpan.FromMinutes(5);
            if (args.Remove("within", out var w))
            {
                within = Duration(w as string ?? "", $"line {line}: within");
            }

            if (cluster is not null && !args.ContainsKey("cluster"))
            {
                args["cluster"] = cluster;
            }

            var kinds = args.Keys.Where(k => k is "failedRequestsPercent" or "serviceAtDesired" || ScenarioParser.Conditions.Contains(k)).ToList();
            if (kinds.Count != 1)
            {
                throw new ExperimentException($"line {line}: name exactly one check: failedRequestsPercent, serviceAtDesired or one of {string.Join(", ", ScenarioParser.Conditions)}.");
            }

            var kind = kinds[0];
            var step = new ScenarioStep(line, "steadyState", args);
            var probe = new HypothesisProbe(line, kind, step, within);
            var allowed = kind switch
            {
                "failedRequestsPercent" => new[] { "failedRequestsPercent", "cluster", "service", "op", "window" },
                "serviceAtDesired" => ["serviceAtDesired", "cluster"],
                _ => ScenarioParser.ConditionArgs,
            };
            foreach (var key in args.Keys.Where(k => !allowed.Contains(k)))
            {
                throw new ExperimentException($"{probe.Where}: unknown argument '{key}'. Allowed: {string.Join(", ", allowed)}, within.");
            }

            if (step.Opt("op") is { } op && op is not ("==" or ">=" or "<=" or ">" or "<" or "!="))
            {
                throw new ExperimentException($"{probe.Where}: op must be one of == != >= <= > <.");
            }

            try
            {
                if (kind == "failedRequestsPercent")
                {
                    var v = step.Double(kind);
                    if (v < 0 || v > 100)
                    {
                        throw new ExperimentException($"{probe.Where}: a percentage is between 0 and 100.");
                    }

                    if (step.Has("window") && (step.Duration("window") <= TimeSpan.Zero || step.Has("service") || m.Children.ContainsKey(new YamlScalarNode("cluster"))))
                    {
                        throw new ExperimentException($"{probe.Where}: window is a positive duration over the experiment's requests (no service or cluster with it).");
                    }
                }
                else if (kind != "serviceAtDesired" && !ScenarioParser.TextConditions.Contains(kind))
                {
                    step.Double(kind);
                }

                if (kind is not "failedRequestsPercent" && step.Opt("cluster") is null && kind is not ("inServiceInstances" or "desiredCapacity" or "capacityProviderReservation" or "cprSeen"))
                {
                    throw new ExperimentException($"{probe.Where}: needs a cluster (add 'cluster' to the check or to the experiment).");
                }
            }
            catch (ScenarioException e)
            {
                throw new ExperimentException(e.Message.Replace("step 'steadyState'", "steadyState check", StringComparison.Ordinal));
            }

            result.Add(probe);
        }

        return result;
    }

    private static List<StopCondition> ParseStopConditions(YamlMappingNode root, List<HypothesisProbe> probes)
    {
        var result = new List<StopCondition>();
        if (!root.Children.TryGetValue(new YamlScalarNode("stopConditions"), out var node))
        {
            return result;
        }

        if (node is not YamlSequenceNode seq)
        {
            throw new ExperimentException($"line {Line(node)}: 'stopConditions' must be a list of {{source, value}}.");
        }

        foreach (var item in seq.Children)
        {
            var line = Line(item);
            var source = item is YamlMappingNode m ? Scalar(m, "source") : null;
            switch (source)
            {
                case "none":
                    break;
                case "emulator:steady-state":
                    if (probes.Count == 0)
                    {
                        throw new ExperimentException($"line {line}: stop condition emulator:steady-state needs a 'steadyState' hypothesis.");
                    }

                    result.Add(new StopCondition(line, source, null));
                    break;
                case "aws:cloudwatch:alarm":
                    throw new ExperimentException($"line {line}: stop conditions on CloudWatch alarms are not modelled by the emulator; use 'emulator:steady-state' (stop when the steady-state hypothesis fails) or 'none'.");
                default:
                    throw new ExperimentException($"line {line}: a stop condition is {{source: none}} or {{source: emulator:steady-state}}" + (source is null ? "." : $", not '{source}'."));
            }
        }

        return result;
    }

    // ------------------------------------------------------------------ YAML helpers

    private static string Name(YamlNode node) => node is YamlScalarNode s ? s.Value ?? "" : node.ToString();

    private static int Line(YamlNode node) => (int)node.Start.Line;

    private static int Line(YamlMappingNode map, string key) =>
        map.Children.TryGetValue(new YamlScalarNode(key), out var v) ? Line(v) : Line(map);

    private static string? Scalar(YamlMappingNode map, string key) =>
        map.Children.TryGetValue(new YamlScalarNode(key), out var v)
            ? v is YamlScalarNode s ? s.Value : throw new ExperimentException($"line {Line(v)}: '{key}' must be a single value.")
            : null;

    private static ImmutableArray<string> Strings(YamlMappingNode map, string key, string where)
    {
        if (!map.Children.TryGetValue(new YamlScalarNode(key), out var v))
        {
            return [];
        }

        return v switch
        {
            YamlSequenceNode seq when seq.Children.All(c => c is YamlScalarNode) => [.. seq.Children.Select(c => ((YamlScalarNode)c).Value ?? "")],
            YamlScalarNode s when s.Value is { } one => [one],
            _ => throw new ExperimentException($"{where}: '{key}' must be a list of strings."),
        };
    }

    private static ImmutableDictionary<string, string> StringMap(YamlMappingNode map, string key, string where)
    {
        if (!map.Children.TryGetValue(new YamlScalarNode(key), out var v))
        {
            return ImmutableDictionary<string, string>.Empty;
        }

        if (v is not YamlMappingNode m || m.Children.Any(kv => kv.Value is not YamlScalarNode))
        {
            throw new ExperimentException($"{where}: '{key}' must be a map of names to values.");
        }

        return m.Children.ToImmutableDictionary(kv => Name(kv.Key), kv => ((YamlScalarNode)kv.Value).Value ?? "", StringComparer.Ordinal);
    }
}
