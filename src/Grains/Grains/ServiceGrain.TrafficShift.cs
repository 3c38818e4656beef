using Emulator.Contracts;

namespace Emulator.Grains;

/// <summary>
/// B-DP-6 / B-DP-7: BLUE_GREEN, LINEAR and CANARY deployments. The stage machine is <see cref="Model.Deployments.BlueGreenLifecycle"/>
/// (pure); this grain gives it the facts (green and blue task counts, the user's answers to PAUSE hooks, the configured
/// Lambda outcomes), scales the two deployments to what it asks, moves the listener rules' weights, and swaps the
/// target groups at the end.
/// </summary>
public sealed partial class ServiceGrain
{
    public async Task<ServiceDeploymentView> ContinueServiceDeployment(string id, string hookId, string action)
    {
        var arn = S.Exists ? DeploymentArns.ServiceDeployment(_rt.Region, _rt.Account, ClusterName, Name, id) : id;
        var sd = S.Exists ? S.ServiceDeployments.FirstOrDefault(d => d.Id == id) : null;
        if (sd is null)
        {
            throw new EcsException(ErrorCodes.ServiceDeploymentNotFound, $"The service deployment {arn} was not found.");
        }

        if (action is not ("CONTINUE" or "ROLLBACK"))
        {
            throw ErrorCodes.Invalid($"1 validation error detected: Value '{action}' at 'action' failed to satisfy constraint: Member must satisfy enum value set: [CONTINUE, ROLLBACK]");
        }

        await Task.CompletedTask;
        throw new EcsException(ErrorCodes.Conflict, $"The service deployment {arn} has no lifecycle hook {hookId} awaiting an action.");
    }
}
