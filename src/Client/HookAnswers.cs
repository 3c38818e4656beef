using Emulator.Contracts;

namespace Emulator.Client;

/// <summary>
/// B-DP-7: answering a PAUSE lifecycle hook with ContinueServiceDeployment, as `client continue-deployment`, the
/// scenarios' continueDeployment step and the experiments' emulator:continue-deployment action do it.
/// </summary>
public static class HookAnswers
{
    /// <summary>
    /// Answers the service's PAUSE hook awaiting an action (the one named, or the first of the current phase) with CONTINUE
    /// or ROLLBACK. Not ok, with the reason, when the service has no traffic-shifting deployment in progress or no hook awaits.
    /// </summary>
    public static async Task<(bool Ok, string Message)> Continue(IGrainFactory grains, string cluster, string service, string? hookId, string action)
    {
        ArgumentNullException.ThrowIfNull(grains);
        var grain = grains.GetGrain<IServiceGrain>(GrainKeys.Service(cluster, service));
        var views = await grain.ListServiceDeployments();
        var view = views.FirstOrDefault(v => v.TrafficShift is { Result: "IN_PROGRESS" });
        if (view?.TrafficShift is not { } shift)
        {
            return (false, $"service {service} has no blue/green, linear or canary deployment in progress");
        }

        var awaiting = shift.Hooks.Where(h => h.Status == "AWAITING_ACTION" && (hookId is null || h.HookId == hookId)).ToList();
        if (awaiting.Count == 0)
        {
            return (false, $"service deployment {view.Record.Id} ({shift.LifecycleStage}) has no PAUSE hook {(hookId is null ? "" : hookId + " ")}awaiting an action"
                           + (shift.Hooks.IsDefaultOrEmpty ? "" : $" (hooks: {string.Join(", ", shift.Hooks.Select(h => $"{h.HookId} {h.Stage} {h.Status}"))})"));
        }

        var hook = awaiting[0];
        var after = await grain.ContinueServiceDeployment(view.Record.Id, hook.HookId, action);
        return (true, $"{service}: hook {hook.HookId} ({hook.TargetType} at {hook.Stage}) answered {action}; stage now "
                      + $"{after.TrafficShift?.LifecycleStage ?? after.Record.LifecycleStage ?? "-"}, status {after.Record.Status}");
    }

    /// <summary>The service deployment's ARN, in the service ARN's region and account.</summary>
    public static string ServiceDeploymentArn(string serviceArn, string cluster, string service, string id)
    {
        ArgumentNullException.ThrowIfNull(serviceArn);
        var parts = serviceArn.Split(':');
        return parts.Length > 4 ? DeploymentArns.ServiceDeployment(parts[3], parts[4], cluster, service, id) : id;
    }
}
