using System.Collections.Immutable;
using System.Globalization;
using Emulator.Contracts;
using Emulator.Model.Deployments;

namespace Emulator.Client.Scenarios;

/// <summary>
/// The steps and conditions of blue/green, linear and canary deployments (B-ELB-1, B-DP-6, B-DP-7): Application Load
/// Balancers with listeners and rules whose forward weights the deployments move, synthetic traffic entering at a
/// listener, services with a deployment strategy (or one of the seed's CodeDeploy configurations as a preset) and the
/// load balancer's advancedConfiguration, lifecycle hooks (PAUSE answered with ContinueServiceDeployment, Lambda hooks
/// answered from a configured outcome), and waits on the lifecycle stage, the green share and the rules' weights.
/// Listeners and rules are named in the scenario (a listener's name also names its default rule); an ARN works too.
/// </summary>
public sealed partial class ScenarioRunner
{
    /// <summary>The VPC when the network has no default one (the ELBv2 edge's Model choice for the same case).</summary>
    private const string FallbackVpcId = "vpc-0emulator000001";

    private const string DefaultSecurityGroup = "sg-0emulator000001";

    /// <summary>advancedConfiguration.roleArn when the scenario names none (ECS's infrastructure role for load balancers).</summary>
    private const string DefaultLoadBalancerRole = "arn:aws:iam::000000000000:role/ecsInfrastructureRoleForLoadBalancers";

    private readonly Dictionary<string, string> _listeners = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _rules = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _lastShift = new(StringComparer.Ordinal);

    private async Task<string?> ExecuteBlueGreen(ScenarioStep s, CancellationToken ct)
    {
        switch (s.Kind)
        {
            case "createLoadBalancer":
                await CreateLoadBalancer(s, ct);
                return null;
            case "createListener":
            {
                var grain = grains.GetGrain<ILoadBalancerGrain>(s.Str("loadBalancer"));
                var action = await ActionOf(s);
                var listener = await grain.CreateListener(s.Int("port"), s.Opt("protocol") ?? "HTTP", [action], [], null);
                _listeners[s.Str("name")] = listener.Arn;
                _rules[s.Str("name")] = listener.DefaultRuleArn;
                await Line("elb", $"listener {s.Str("name")}: {listener.Protocol} {listener.Port} (data plane port {listener.DataPlanePort}), default action {Text(action)}");
                return null;
            }

            case "createListenerRule":
            {
                var listenerArn = ListenerArn(s, s.Str("listener"));
                var conditions = ImmutableArray.CreateBuilder<RuleCondition>();
                if (s.Has("pathPattern"))
                {
                    conditions.Add(new RuleCondition("path-pattern", [.. s.Strings("pathPattern")]));
                }

                if (s.Has("hostHeader"))
                {
                    conditions.Add(new RuleCondition("host-header", [.. s.Strings("hostHeader")]));
                }

                if (s.Has("httpHeader"))
                {
                    var header = s.Map("httpHeader");
                    conditions.Add(new RuleCondition("http-header", [.. header.Strings("values")], header.Str("header")));
                }

                var action = await ActionOf(s);
                var rule = await LoadBalancerOf(listenerArn).CreateRule(listenerArn, s.Int("priority"), conditions.ToImmutable(), [action]);
                _rules[s.Str("name")] = rule.Arn;
                await Line("elb", $"rule {s.Str("name")}: priority {rule.Priority}, {string.Join(" and ", rule.Conditions.Select(c => $"{c.HttpHeaderName ?? c.Field} {string.Join("|", c.Values)}"))} -> {Text(action)}");
                return null;
            }

            case "setListenerTraffic":
            {
                var listenerArn = ListenerArn(s, s.Str("listener"));
                var request = SyntheticRequest.Default with
                {
                    Method = s.Opt("method") ?? "GET",
                    Host = s.Opt("host"),
                    Path = s.Opt("path") ?? "/",
                    Headers = s.StringMap("headers").ToImmutableDictionary(StringComparer.OrdinalIgnoreCase),
                };
                var flow = await LoadBalancerOf(listenerArn).SetListenerTraffic(listenerArn, s.Opt("name") ?? "traffic", Profile(s), request);
                await Line("traffic", $"listener {s.Str("listener")}: flow {flow?.Name} {s.Double("rps").ToString(CultureInfo.InvariantCulture)} requests/s {request.Method} {request.Path}"
                    + (request.Headers.IsEmpty ? "" : " " + string.Join(" ", request.Headers.Select(h => $"{h.Key}: {h.Value}"))));
                return null;
            }

            case "setLambdaHookOutcome":
            {
                // B-DP-7 Model choice: the outcome a Lambda hook naming this function gets.
                var outcome = s.Str("outcome");
                var after = s.Duration("after", TimeSpan.Zero);
                await grains.GetGrain<ILambdaHooksGrain>(GrainKeys.LambdaHooks).Set(new LambdaHookOutcome(s.Str("functionArn"), outcome == "SUCCEEDED",
                    outcome == "IN_PROGRESS" ? null : after.TotalSeconds));
                await Line("hook", $"Lambda {s.Str("functionArn")}: " + (outcome == "IN_PROGRESS" ? "IN_PROGRESS for ever (the hook times out)"
                    : after > TimeSpan.Zero ? $"IN_PROGRESS for {after.TotalSeconds.ToString("0", CultureInfo.InvariantCulture)} s, then {outcome}" : outcome));
                return null;
            }

            case "continueDeployment":
            {
                var (ok, message) = await ContinueDeployment(s.Str("cluster"), s.Str("service"), s.Opt("hookId"), s.Opt("action") ?? "CONTINUE");
                if (!ok)
                {
                    return $"{s.Where}: {message}";
                }

                await Line("hook", message);
                return null;
            }

            default:
                throw new ScenarioException($"{s.Where}: unknown step");
        }
    }

    /// <summary>B-DP-7 ContinueServiceDeployment (<see cref="HookAnswers.Continue"/>); not ok, with the reason, when no hook awaits.</summary>
    internal Task<(bool Ok, string Message)> ContinueDeployment(string cluster, string service, string? hookId, string action) =>
        HookAnswers.Continue(grains, cluster, service, hookId, action);

    /// <summary>B-ELB-1: an Application Load Balancer in the default VPC's subnets (or the zones named), waited for until active.</summary>
    private async Task CreateLoadBalancer(ScenarioStep s, CancellationToken ct)
    {
        var (vpc, subnets) = await Network(s.Opt("vpcId"), s.Strings("zones"));
        var name = s.Str("name");
        var grain = grains.GetGrain<ILoadBalancerGrain>(name);
        var groups = s.Strings("securityGroups");
        var created = await grain.Create(new LoadBalancerSpec(name, "application", s.Opt("scheme") ?? "internet-facing", "ipv4", vpc, subnets,
            groups.Count > 0 ? [.. groups] : [DefaultSecurityGroup]));

        // Provisioning, then active (B-ELB-1): a listener's traffic flows once the load balancer is active.
        var deadline = await Control.Now() + TimeSpan.FromMinutes(10);
        while ((await grain.Describe())?.State is not "active" && await Control.Now() < deadline)
        {
            await Observe();
            await _pause(PollInterval, ct);
        }

        await Line("elb", $"load balancer {name} {(await grain.Describe())?.State}: {created.DnsName} in {vpc} ({string.Join(", ", subnets.Select(n => n.AvailabilityZone))})");
    }

    /// <summary>The VPC (the default one unless named) and one subnet per zone (the VPC's zones unless named).</summary>
    private async Task<(string VpcId, ImmutableArray<LoadBalancerSubnet> Subnets)> Network(string? vpcId, IReadOnlyList<string> zones)
    {
        var network = await grains.GetGrain<INetworkGrain>(INetworkGrain.Key).Read();
        var vpc = vpcId ?? network.Vpcs.Values.FirstOrDefault(v => v.IsDefault)?.VpcId ?? FallbackVpcId;
        var inVpc = network.Subnets.Values.Where(n => n.VpcId == vpc).OrderByDescending(n => n.DefaultForAz).ToList();
        var vpcZones = inVpc.Select(n => n.AvailabilityZone).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        IReadOnlyList<string> wanted = zones.Count > 0 ? zones : vpcZones.Count >= 2 ? vpcZones : ["us-east-1a", "us-east-1b"];
        var subnets = wanted.Select((z, i) => new LoadBalancerSubnet(
            inVpc.FirstOrDefault(n => n.AvailabilityZone == z)?.SubnetId ?? $"subnet-0emulator00000{i + 1}", z)).ToImmutableArray();
        return (vpc, subnets);
    }

    private async Task<(string VpcId, ImmutableArray<LoadBalancerSubnet> Subnets)> DefaultNetwork() => await Network(null, []);

    /// <summary>A listener's or rule's action: forward to weighted target groups, or a fixed response.</summary>
    private async Task<ListenerAction> ActionOf(ScenarioStep s)
    {
        if (s.Opt("fixedResponse") is { } code)
        {
            return new ListenerAction(ListenerAction.FixedResponseType, 1, null, new FixedResponseConfig(code, "text/plain", null), null);
        }

        var groups = new List<WeightedTargetGroup>();
        foreach (var f in s.Maps("forward"))
        {
            groups.Add(new WeightedTargetGroup(await TargetGroupArn(s, f.Str("targetGroup")), f.Int("weight", 1)));
        }

        return ListenerAction.ForwardTo([.. groups]);
    }

    private static string Text(ListenerAction a) => a.Forward is { } f
        ? "forward " + string.Join(", ", f.TargetGroups.Select(g => $"{TargetGroupArns.Name(g.TargetGroupArn)} {g.Weight}"))
        : a.FixedResponse is { } r ? $"fixed response {r.StatusCode}" : a.Type;

    private async Task<string> TargetGroupArn(ScenarioStep s, string name) =>
        name.StartsWith("arn:", StringComparison.Ordinal) ? name
        : (await grains.GetGrain<ITargetGroupGrain>(name).Describe())?.Arn
          ?? throw new ScenarioException($"{s.Where}: no target group {name} (create it with createTargetGroup first)");

    private string ListenerArn(ScenarioStep s, string name) =>
        _listeners.TryGetValue(name, out var arn) ? arn
        : name.StartsWith("arn:", StringComparison.Ordinal) ? name
        : throw new ScenarioException($"{s.Where}: no listener {name} (create it with createListener first, or name its ARN)");

    private string RuleArn(ScenarioStep s, string name) =>
        _rules.TryGetValue(name, out var arn) ? arn
        : name.StartsWith("arn:", StringComparison.Ordinal) ? name
        : throw new ScenarioException($"{s.Where}: no listener rule {name} (create it with createListenerRule, or name a listener for its default rule)");

    private ILoadBalancerGrain LoadBalancerOf(string arn) =>
        grains.GetGrain<ILoadBalancerGrain>(LoadBalancerArns.Name(arn) ?? throw new ScenarioException($"'{arn}' is no load balancer, listener or rule ARN."));

    /// <summary>
    /// The loadBalancers of a createService / updateService step: the list, or the shorthand targetGroup / containerPort /
    /// advanced (B-DP-6 advancedConfiguration: alternate target group, production and test listener rules). Null: none named.
    /// </summary>
    private async Task<ImmutableArray<ServiceLoadBalancer>?> LoadBalancers(ScenarioStep s)
    {
        if (s.Has("loadBalancers"))
        {
            var list = ImmutableArray.CreateBuilder<ServiceLoadBalancer>();
            foreach (var lb in s.Maps("loadBalancers"))
            {
                list.Add(await LoadBalancer(s, lb));
            }

            return list.ToImmutable();
        }

        return s.Has("targetGroup") ? [await LoadBalancer(s, s)] : null;
    }

    private async Task<ServiceLoadBalancer> LoadBalancer(ScenarioStep s, ScenarioStep lb)
    {
        var group = await TargetGroupArn(s, lb.Str("targetGroup"));
        AdvancedLoadBalancerConfiguration? advanced = null;
        if (lb.Has("advanced"))
        {
            var a = lb.Map("advanced");
            advanced = new AdvancedLoadBalancerConfiguration(await TargetGroupArn(s, a.Str("alternateTargetGroup")), RuleArn(s, a.Str("productionListenerRule")),
                a.Opt("testListenerRule") is { } test ? RuleArn(s, test) : null, a.Opt("roleArn") ?? DefaultLoadBalancerRole);
        }

        return new ServiceLoadBalancer(group, lb.Opt("containerName") ?? "app", lb.Int("containerPort", 80), advanced);
    }

    private static bool HasStrategy(ScenarioStep s) =>
        s.Has("deploymentStrategy") || s.Has("preset") || s.Has("bakeTimeInMinutes") || s.Has("linearConfiguration") || s.Has("canaryConfiguration") || s.Has("lifecycleHooks");

    /// <summary>
    /// B-DP-6: the strategy and traffic-shift settings a step names. A preset (the seed's CodeDeploy configurations,
    /// <see cref="TrafficShifting.Preset"/>) sets the strategy and its steps; lifecycleHooks not named keep the service's.
    /// Null members: unchanged.
    /// </summary>
    internal static (string? Strategy, TrafficShiftSettings? Shift) StrategyOf(ScenarioStep s, ServiceOptions? current)
    {
        var existing = current?.TrafficShift;
        var hooks = s.Has("lifecycleHooks") ? Hooks(s) : existing?.Hooks is { IsDefault: false } kept ? kept : [];
        if (s.Opt("preset") is { } name)
        {
            var preset = TrafficShifting.Preset(name) ?? throw new ScenarioException($"{s.Where}: unknown preset '{name}'. Presets: {string.Join(", ", ScenarioParser.Presets)}.");
            return (preset.Kind.ToString(), PresetSettings(preset, hooks));
        }

        if (!s.Has("linearConfiguration") && !s.Has("canaryConfiguration") && !s.Has("lifecycleHooks"))
        {
            return (s.Opt("deploymentStrategy"), null);
        }

        var linear = s.Has("linearConfiguration") ? s.Map("linearConfiguration") : null;
        var canary = s.Has("canaryConfiguration") ? s.Map("canaryConfiguration") : null;
        return (s.Opt("deploymentStrategy"), new TrafficShiftSettings(
            linear?.Has("stepPercent") == true ? linear.Double("stepPercent") : existing?.StepPercent,
            linear?.OptInt("stepBakeTimeInMinutes") ?? existing?.StepBakeTimeInMinutes,
            canary?.Has("canaryPercent") == true ? canary.Double("canaryPercent") : existing?.CanaryPercent,
            canary?.OptInt("canaryBakeTimeInMinutes") ?? existing?.CanaryBakeTimeInMinutes,
            hooks));
    }

    /// <summary>A preset's strategy as deploymentConfiguration writes it: LINEAR's step, CANARY's canary, nothing more for BLUE_GREEN.</summary>
    internal static TrafficShiftSettings PresetSettings(ShiftStrategy preset, ImmutableArray<LifecycleHookSettings> hooks) => preset.Kind switch
    {
        ShiftKind.LINEAR => new TrafficShiftSettings(preset.StepPercent, (int)preset.StepBake.TotalMinutes, null, null, hooks),
        ShiftKind.CANARY => new TrafficShiftSettings(null, null, preset.CanaryPercent, (int)preset.CanaryBake.TotalMinutes, hooks),
        _ => new TrafficShiftSettings(null, null, null, null, hooks),
    };

    private static ImmutableArray<LifecycleHookSettings> Hooks(ScenarioStep s) =>
        [.. s.Maps("lifecycleHooks").Select(h => new LifecycleHookSettings(h.Str("targetType"), h.Opt("hookTargetArn"), h.Opt("roleArn"),
            [.. h.Strings("lifecycleStages")], h.OptInt("timeoutInMinutes"), h.Opt("timeoutAction")))];

    /// <summary>The service's latest service deployment and its traffic shift (null: none, or a rolling one).</summary>
    private async Task<(ServiceDeploymentView? View, TrafficShiftView? Shift)> LatestShift(ScenarioStep s)
    {
        var latest = (await grains.GetGrain<IServiceGrain>(GrainKeys.Service(s.Str("cluster"), s.Str("service"))).ListServiceDeployments()).FirstOrDefault();
        return (latest, latest?.TrafficShift);
    }

    private async Task<(bool Holds, string Actual)> EvaluateBlueGreen(ScenarioStep s, string condition, string op, double tolerance)
    {
        switch (condition)
        {
            case "lifecycleStage":
            {
                // B-DP-6: the lifecycle stage of the service's latest service deployment (none: no traffic shift).
                var (view, shift) = await LatestShift(s);
                var stage = shift?.LifecycleStage ?? view?.Record.LifecycleStage ?? "none";
                var expected = s.Str(condition);
                return (op == "!=" ? stage != expected : stage == expected,
                    shift is null ? stage : $"{stage} ({view!.Record.Id} {shift.Strategy}, {view.Record.Status}, green {Percent(shift.ProductionGreenPercent)} %)");
            }

            case "greenTrafficPercent":
            {
                // B-DP-6: the share of production (or test) traffic the green revision receives.
                var (view, shift) = await LatestShift(s);
                if (shift is null)
                {
                    return (false, view is null ? "no service deployment" : $"{view.Record.Id} is no blue/green, linear or canary deployment");
                }

                var green = s.Opt("traffic") == "test" ? shift.TestGreenPercent : shift.ProductionGreenPercent;
                return (Compare(green, op, s.Double(condition), tolerance), $"{Percent(green)} % ({shift.LifecycleStage}, step {shift.Step + 1} of {shift.Steps})");
            }

            case "hookStatus":
            {
                // B-DP-7: a lifecycle hook of the current phase (optionally at one stage) has this status.
                var (_, shift) = await LatestShift(s);
                var hooks = (shift?.Hooks ?? []).Where(h => s.Opt("stage") is not { } stage || h.Stage == stage).ToList();
                var wanted = s.Str(condition);
                var any = hooks.Any(h => h.Status == wanted);
                return (op == "!=" ? !any : any, hooks.Count == 0 ? "no hooks" : string.Join(", ", hooks.Select(h => $"{h.HookId} {h.TargetType} at {h.Stage}: {h.Status}")));
            }

            case "forwardWeightPercent":
            {
                // B-ELB-1 / B-DP-6: the target group's share of the rule's forward weights, as DescribeRules shows them.
                var ruleArn = RuleArn(s, s.Str("rule"));
                var group = await TargetGroupArn(s, s.Str("targetGroup"));
                var weights = await ForwardWeights(ruleArn);
                var total = weights.Sum(w => w.Weight);
                var percent = total == 0 ? 0 : weights.Where(w => w.TargetGroupArn == group).Sum(w => w.Weight) * 100.0 / total;
                return (Compare(percent, op, s.Double(condition), tolerance),
                    $"{Percent(percent)} % (weights {string.Join(", ", weights.Select(w => $"{TargetGroupArns.Name(w.TargetGroupArn)} {w.Weight}"))})");
            }

            default:
                throw new ScenarioException($"{s.Where}: unknown condition");
        }
    }

    /// <summary>The weights of a rule's forward action (a listener's default rule: its default action), as DescribeRules shows them.</summary>
    internal async Task<ImmutableArray<WeightedTargetGroup>> ForwardWeights(string ruleArn)
    {
        var info = await LoadBalancerOf(ruleArn).Describe();
        var actions = info?.Rules.FirstOrDefault(r => r.Arn == ruleArn)?.Actions
                      ?? info?.Listeners.FirstOrDefault(l => l.DefaultRuleArn == ruleArn)?.DefaultActions
                      ?? [];
        return actions.FirstOrDefault(a => a.Type == ListenerAction.ForwardType)?.Forward?.TargetGroups ?? [];
    }

    /// <summary>The rule ARN a scenario name (or ARN) stands for; null when unknown.</summary>
    internal string? RuleArnOrNull(string name) => _rules.TryGetValue(name, out var arn) ? arn : name.StartsWith("arn:", StringComparison.Ordinal) ? name : null;

    /// <summary>Timeline lines of the traffic-shifting deployments of a cluster's services: stage, green share, step, hooks.</summary>
    private async Task ObserveShifts(string cluster, ClusterStatus status)
    {
        foreach (var svc in status.Services.Where(v => v.Spec.EffectiveOptions.Strategy is "BLUE_GREEN" or "LINEAR" or "CANARY"))
        {
            var latest = (await grains.GetGrain<IServiceGrain>(GrainKeys.Service(cluster, svc.Spec.Name)).ListServiceDeployments()).FirstOrDefault();
            if (latest?.TrafficShift is not { } shift)
            {
                continue;
            }

            var text = $"{svc.Spec.Name} {latest.Record.Id} {shift.Strategy}: {shift.LifecycleStage}, production green {Percent(shift.ProductionGreenPercent)} %"
                       + (shift.TestListenerRule is null ? "" : $", test green {Percent(shift.TestGreenPercent)} %")
                       + (shift.Steps > 1 && shift.Step >= 0 ? $", step {shift.Step + 1} of {shift.Steps}" : "")
                       + string.Concat(shift.Hooks.Where(h => h.Status is "AWAITING_ACTION" or "IN_PROGRESS").Select(h => $", hook {h.HookId} {h.TargetType} {h.Status}"))
                       + (shift.Result != "IN_PROGRESS" ? $", {shift.Result}" + (shift.Reason is { } why ? $" ({why})" : "") : "");
            var key = $"{cluster}/{svc.Spec.Name}";
            if (_lastShift.GetValueOrDefault(key) != text)
            {
                _lastShift[key] = text;
                await Line("shift", text);
            }
        }
    }

    internal static string Percent(double p) => p.ToString("0.#", CultureInfo.InvariantCulture);
}
