using System.Collections.Immutable;
using Emulator.Contracts;
using Emulator.Model.Deployments;
using Emulator.Model.LoadBalancing;

namespace Emulator.Silo.Aws.Ecs;

/// <summary>
/// B-DP-6 / B-DP-7 at the edge: the settings of a BLUE_GREEN, LINEAR or CANARY deployment on CreateService and
/// UpdateService (<c>deploymentConfiguration.linearConfiguration</c>, <c>canaryConfiguration</c>, <c>bakeTimeInMinutes</c>,
/// <c>lifecycleHooks</c>, and <c>loadBalancers[].advancedConfiguration</c>) checked as ECS checks them, before anything
/// changes: AWS's ranges, hooks at stages they may run at, an alternate target group and a production listener rule on
/// every load balancer, the alternate group existing, and each listener rule existing and forwarding to the service's
/// target group or its alternate (a rule of another load balancer does not).
/// </summary>
public static class EcsTrafficShiftInputs
{
    /// <summary>
    /// Checks a CreateService (<paramref name="current"/> null) or UpdateService. An update is checked against what the
    /// service would be: the strategy it names or the service's, the load balancers it names or the service's; an update
    /// naming neither (a scale, a new task definition) is not checked again here.
    /// </summary>
    public static async Task Validate(JsonInput input, AwsContext context, ServiceInfo? current = null)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(context);
        var deployment = input.Object("deploymentConfiguration");
        if (current is not null && deployment?.Has("strategy") != true && !input.Has("loadBalancers"))
        {
            return;
        }

        var strategy = deployment?.String("strategy") ?? current?.Spec.EffectiveOptions.Strategy;
        var kind = strategy switch
        {
            "BLUE_GREEN" => ShiftKind.BLUE_GREEN,
            "LINEAR" => ShiftKind.LINEAR,
            "CANARY" => (ShiftKind?)ShiftKind.CANARY,
            _ => null,
        };
        if (kind is null)
        {
            return;
        }

        var linear = deployment?.Object("linearConfiguration");
        var canary = deployment?.Object("canaryConfiguration");
        if (TrafficShifting.Validate(linear?.Double("stepPercent"), linear?.Int("stepBakeTimeInMinutes"), canary?.Double("canaryPercent"),
                canary?.Int("canaryBakeTimeInMinutes"), deployment?.Int("bakeTimeInMinutes")) is { } invalid)
        {
            throw ErrorCodes.Invalid(invalid);
        }

        foreach (var hook in deployment?.Objects("lifecycleHooks") ?? [])
        {
            if (BlueGreenLifecycle.Validate(Hook(hook)) is { } bad)
            {
                throw ErrorCodes.Invalid(bad);
            }
        }

        var balancers = input.Has("loadBalancers") || current is null
            ? EcsInputs.LoadBalancers(input)
            : current.Spec.LoadBalancers.IsDefault ? [] : current.Spec.LoadBalancers;
        if (TrafficShifting.ValidateLoadBalancers(kind.Value, [.. balancers.Select(b => (b.TargetGroupArn, b.Advanced?.AlternateTargetGroupArn, b.Advanced?.ProductionListenerRule))])
            is { } missing)
        {
            throw ErrorCodes.Invalid(missing);
        }

        foreach (var lb in balancers)
        {
            var advanced = lb.Advanced!;
            var alternate = advanced.AlternateTargetGroupArn;
            if (advanced.RoleArn is null)
            {
                throw ErrorCodes.Invalid($"advancedConfiguration.roleArn is required for the {strategy} deployment strategy (the role ECS uses to move the listener rules' weights).");
            }

            var group = await context.Grains.GetGrain<ITargetGroupGrain>(TargetGroupArns.Name(alternate) ?? alternate).Describe();
            if (group is null || group.Arn != alternate)
            {
                throw ErrorCodes.Invalid($"The alternate target group {alternate} does not exist.");
            }

            foreach (var (field, rule) in new[] { ("productionListenerRule", advanced.ProductionListenerRule), ("testListenerRule", advanced.TestListenerRule) })
            {
                if (rule is not null)
                {
                    await CheckRule(context, field, rule, lb.TargetGroupArn, alternate);
                }
            }
        }
    }

    /// <summary>
    /// The traffic-shift settings a CreateService / UpdateService names (<c>deploymentConfiguration.linearConfiguration</c>,
    /// <c>canaryConfiguration</c>, <c>lifecycleHooks</c>), or null when it names none of them (unchanged). Each of the
    /// three is a member of its own: one not named keeps its <paramref name="current"/> value, as ECS keeps the
    /// deployment configuration's other members on an update; <c>lifecycleHooks: []</c> removes the hooks. The ranges
    /// and every hook are checked whatever the strategy (an update may name hooks for a service that is BLUE_GREEN already).
    /// </summary>
    public static TrafficShiftSettings? Settings(JsonInput? deployment, TrafficShiftSettings? current = null)
    {
        if (deployment is null || !(deployment.Has("linearConfiguration") || deployment.Has("canaryConfiguration") || deployment.Has("lifecycleHooks")))
        {
            return null;
        }

        var linear = deployment.Object("linearConfiguration");
        var canary = deployment.Object("canaryConfiguration");
        var stepPercent = linear is null ? current?.StepPercent : linear.Double("stepPercent");
        var stepBake = linear is null ? current?.StepBakeTimeInMinutes : linear.Int("stepBakeTimeInMinutes");
        var canaryPercent = canary is null ? current?.CanaryPercent : canary.Double("canaryPercent");
        var canaryBake = canary is null ? current?.CanaryBakeTimeInMinutes : canary.Int("canaryBakeTimeInMinutes");
        if (TrafficShifting.Validate(stepPercent, stepBake, canaryPercent, canaryBake, deployment.Int("bakeTimeInMinutes")) is { } invalid)
        {
            throw ErrorCodes.Invalid(invalid);
        }

        var hooks = deployment.Has("lifecycleHooks")
            ? [.. deployment.Objects("lifecycleHooks").Select(HookSettings)]
            : current is { Hooks.IsDefault: false } c ? c.Hooks : ImmutableArray<LifecycleHookSettings>.Empty;
        return new TrafficShiftSettings(stepPercent, stepBake, canaryPercent, canaryBake, hooks);
    }

    /// <summary>One lifecycleHooks entry as written (checked as <see cref="Hook"/> and <see cref="BlueGreenLifecycle.Validate"/> check it; hookDetails kept as JSON text).</summary>
    public static LifecycleHookSettings HookSettings(JsonInput hook)
    {
        ArgumentNullException.ThrowIfNull(hook);
        if (BlueGreenLifecycle.Validate(Hook(hook)) is { } bad)
        {
            throw ErrorCodes.Invalid(bad);
        }

        var timeout = hook.Object("timeoutConfiguration");
        string? details = hook.Element.TryGetProperty("hookDetails", out var d) && d.ValueKind != System.Text.Json.JsonValueKind.Null ? d.GetRawText() : null;
        return new LifecycleHookSettings(hook.String("targetType") ?? "AWS_LAMBDA", hook.String("hookTargetArn"), hook.String("roleArn"),
            hook.Strings("lifecycleStages") ?? [], timeout?.Int("timeoutInMinutes"), timeout?.String("action"), details);
    }

    /// <summary>A loadBalancers entry's advancedConfiguration (B-DP-6), or null when absent; the alternate target group is required.</summary>
    public static AdvancedLoadBalancerConfiguration? Advanced(JsonInput? advanced) => advanced is null
        ? null
        : new AdvancedLoadBalancerConfiguration(
            advanced.String("alternateTargetGroupArn") is { Length: > 0 } alternate
                ? alternate
                : throw ErrorCodes.Invalid("advancedConfiguration.alternateTargetGroupArn is required: the target group the new revision's tasks register with."),
            advanced.String("productionListenerRule"), advanced.String("testListenerRule"), advanced.String("roleArn"));

    /// <summary>A lifecycleHooks entry as the model reads it (AWS's defaults: AWS_LAMBDA, 1440 minutes, ROLLBACK).</summary>
    public static LifecycleHookSpec Hook(JsonInput hook)
    {
        ArgumentNullException.ThrowIfNull(hook);
        var type = hook.String("targetType") ?? "AWS_LAMBDA";
        var stages = ImmutableArray.CreateBuilder<HookStage>();
        foreach (var s in hook.Strings("lifecycleStages") ?? [])
        {
            stages.Add(Enum.TryParse<HookStage>(s, out var stage) && Enum.IsDefined(stage)
                ? stage
                : throw ErrorCodes.Invalid($"1 validation error detected: Value '{s}' at 'lifecycleStages' failed to satisfy constraint: Member must satisfy enum value set: [{string.Join(", ", Enum.GetNames<HookStage>())}]"));
        }

        var timeout = hook.Object("timeoutConfiguration");
        var action = timeout?.String("action") ?? "ROLLBACK";
        return new LifecycleHookSpec(
            type switch
            {
                "AWS_LAMBDA" => HookTargetType.AWS_LAMBDA,
                "PAUSE" => HookTargetType.PAUSE,
                _ => throw ErrorCodes.Invalid($"1 validation error detected: Value '{type}' at 'targetType' failed to satisfy constraint: Member must satisfy enum value set: [AWS_LAMBDA, PAUSE]"),
            },
            hook.String("hookTargetArn"), stages.ToImmutable(),
            TimeSpan.FromMinutes(timeout?.Int("timeoutInMinutes") ?? (int)LifecycleHookSpec.DefaultTimeout.TotalMinutes),
            action switch
            {
                "ROLLBACK" => HookAction.ROLLBACK,
                "CONTINUE" => HookAction.CONTINUE,
                _ => throw ErrorCodes.Invalid($"1 validation error detected: Value '{action}' at 'timeoutConfiguration.action' failed to satisfy constraint: Member must satisfy enum value set: [CONTINUE, ROLLBACK]"),
            });
    }

    private static async Task CheckRule(AwsContext context, string field, string ruleArn, string targetGroup, string alternate)
    {
        var lb = LoadBalancerArns.Name(ruleArn) is { } name ? await context.Grains.GetGrain<ILoadBalancerGrain>(name).Describe() : null;
        var rule = lb is null || LoadBalancerArns.Id(lb.Arn) != LoadBalancerArns.Id(ruleArn)
            ? null
            : lb.Rules.FirstOrDefault(r => r.Arn == ruleArn)?.Actions
              ?? lb.Listeners.FirstOrDefault(l => l.DefaultRuleArn == ruleArn)?.DefaultActions;
        if (rule is not { } actions)
        {
            throw ErrorCodes.Invalid($"advancedConfiguration.{field} {ruleArn} is not a listener rule of an existing load balancer.");
        }

        var forwarded = LoadBalancerValidation.ForwardedTargetGroups(actions).ToHashSet(StringComparer.Ordinal);
        if (!forwarded.Contains(targetGroup) && !forwarded.Contains(alternate))
        {
            throw ErrorCodes.Invalid($"advancedConfiguration.{field} {ruleArn} does not forward to the service's target group {targetGroup} or its alternate {alternate}: it belongs to another load balancer or listener.");
        }
    }
}
