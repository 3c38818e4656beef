using System.Text.Json.Nodes;
using Emulator.Contracts;

namespace Emulator.Silo.Aws.Ecs;

/// <summary>
/// B-DP-6 / B-DP-7 wire shapes (the newest ECS model's DeploymentConfiguration.linearConfiguration / canaryConfiguration /
/// lifecycleHooks, LoadBalancer.advancedConfiguration and ServiceDeployment.lifecycleHookDetails): the settings as written
/// (members never set left out, as AWS does) and the hooks of a running deployment.
/// </summary>
public static class EcsTrafficShiftShapes
{
    /// <summary>Adds linearConfiguration, canaryConfiguration and lifecycleHooks to a deploymentConfiguration object.</summary>
    public static JsonObject WithTrafficShift(this JsonObject deploymentConfiguration, TrafficShiftSettings? settings)
    {
        ArgumentNullException.ThrowIfNull(deploymentConfiguration);
        if (settings is null)
        {
            return deploymentConfiguration;
        }

        if (settings.StepPercent is not null || settings.StepBakeTimeInMinutes is not null)
        {
            deploymentConfiguration["linearConfiguration"] = new JsonObject()
                .With("stepPercent", settings.StepPercent is { } step ? JsonValue.Create(step) : null)
                .With("stepBakeTimeInMinutes", settings.StepBakeTimeInMinutes is { } bake ? JsonValue.Create(bake) : null);
        }

        if (settings.CanaryPercent is not null || settings.CanaryBakeTimeInMinutes is not null)
        {
            deploymentConfiguration["canaryConfiguration"] = new JsonObject()
                .With("canaryPercent", settings.CanaryPercent is { } percent ? JsonValue.Create(percent) : null)
                .With("canaryBakeTimeInMinutes", settings.CanaryBakeTimeInMinutes is { } bake ? JsonValue.Create(bake) : null);
        }

        if (!settings.Hooks.IsDefaultOrEmpty)
        {
            deploymentConfiguration["lifecycleHooks"] = WireJson.Array(settings.Hooks.Select(h => (JsonNode?)Hook(h)));
        }

        return deploymentConfiguration;
    }

    /// <summary>A lifecycleHooks entry as written (hookDetails back as the JSON value it was).</summary>
    public static JsonObject Hook(LifecycleHookSettings hook)
    {
        ArgumentNullException.ThrowIfNull(hook);
        var o = new JsonObject { ["targetType"] = hook.TargetType }
            .With("hookTargetArn", hook.HookTargetArn)
            .With("roleArn", hook.RoleArn);
        o["lifecycleStages"] = WireJson.Strings(hook.Stages.IsDefault ? [] : hook.Stages);
        if (hook.TimeoutInMinutes is not null || hook.TimeoutAction is not null)
        {
            o["timeoutConfiguration"] = new JsonObject()
                .With("timeoutInMinutes", hook.TimeoutInMinutes is { } minutes ? JsonValue.Create(minutes) : null)
                .With("action", hook.TimeoutAction);
        }

        return o.With("hookDetails", hook.HookDetailsJson is { } details ? JsonNode.Parse(details) : null);
    }

    /// <summary>loadBalancers[].advancedConfiguration.</summary>
    public static JsonObject Advanced(AdvancedLoadBalancerConfiguration advanced)
    {
        ArgumentNullException.ThrowIfNull(advanced);
        return new JsonObject { ["alternateTargetGroupArn"] = advanced.AlternateTargetGroupArn }
            .With("productionListenerRule", advanced.ProductionListenerRule)
            .With("testListenerRule", advanced.TestListenerRule)
            .With("roleArn", advanced.RoleArn);
    }

    /// <summary>A lifecycleHookDetails entry: hookId (what ContinueServiceDeployment names), targetType, targetArn, status, expiresAt, timeoutAction.</summary>
    public static JsonObject HookDetail(LifecycleHookDetail hook)
    {
        ArgumentNullException.ThrowIfNull(hook);
        return new JsonObject { ["hookId"] = hook.HookId, ["targetType"] = hook.TargetType }
            .With("targetArn", hook.TargetArn)
            .With("status", hook.Status)
            .With("expiresAt", WireJson.Epoch(hook.ExpiresAt))
            .With("timeoutAction", hook.TimeoutAction);
    }
}
