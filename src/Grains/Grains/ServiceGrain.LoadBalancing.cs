using System.Collections.Immutable;
using Emulator.Contracts;

namespace Emulator.Grains;

/// <summary>
/// A service's load balancer entries (B-LB-1): validated against the task definition and the target group, then the
/// cluster is told which group its tasks register with (it owns the task records, so target health and the
/// DEACTIVATING delay are decided there, in batches).
/// </summary>
public sealed partial class ServiceGrain
{
    /// <summary>Attaches the spec's target group (detaching the old spec's one); unknown group or container -> InvalidParameterException.</summary>
    private async Task BindTargetGroups(ServiceSpec spec, ServiceSpec? old)
    {
        var entries = spec.LoadBalancers.IsDefault ? [] : spec.LoadBalancers;
        if (entries.Length > 1)
        {
            throw ErrorCodes.Invalid("The emulator supports one load balancer entry (target group) per service.");
        }

        TargetGroupSpec? group = null;
        var attached = new HashSet<string>(StringComparer.Ordinal);
        if (entries.Length == 1)
        {
            var lb = entries[0];
            ValidateContainer(spec.TaskDefinition, lb);

            // B-DP-6: after a blue/green swap the service's tasks register with the alternate group; both groups are the service's.
            foreach (var arn in GroupsOf(spec))
            {
                var attachedGroup = await GrainFactory.GetGrain<ITargetGroupGrain>(TargetGroupArns.Name(arn)).Attach(ClusterName, Name);
                attached.Add(attachedGroup.Name);
                if (arn == ActiveGroupArn(spec))
                {
                    group = attachedGroup;
                }
            }
        }

        var oldNames = old is null ? [] : GroupsOf(old).Select(TargetGroupArns.Name).ToList();
        foreach (var oldName in oldNames.Where(n => !attached.Contains(n)))
        {
            await GrainFactory.GetGrain<ITargetGroupGrain>(oldName).Detach(ClusterName, Name);
        }

        if (group is not null || oldNames.Count > 0)
        {
            await Cluster.SetServiceTargetGroup(Name, group);
        }

        if (group is not null)
        {
            GrainFactory.GetGrain<ITrafficGrain>(ClusterName).EnsureRunning().Ignore();
        }
    }

    private async Task UnbindTargetGroups(ServiceSpec spec)
    {
        if (!spec.LoadBalancers.IsDefaultOrEmpty)
        {
            foreach (var arn in GroupsOf(spec))
            {
                await GrainFactory.GetGrain<ITargetGroupGrain>(TargetGroupArns.Name(arn)).Detach(ClusterName, Name);
            }

            await Cluster.SetServiceTargetGroup(Name, null);
        }
    }

    /// <summary>The target groups of the service's load balancer entry: its own and, for blue/green (B-DP-6), the alternate.</summary>
    private static IEnumerable<string> GroupsOf(ServiceSpec spec)
    {
        if (spec.LoadBalancers.IsDefaultOrEmpty)
        {
            yield break;
        }

        yield return spec.LoadBalancers[0].TargetGroupArn;
        if (spec.LoadBalancers[0].Advanced?.AlternateTargetGroupArn is { } alternate)
        {
            yield return alternate;
        }
    }

    private static void ValidateContainer(TaskDefinitionRecord td, ServiceLoadBalancer lb)
    {
        if (string.IsNullOrEmpty(lb.ContainerName) || lb.ContainerPort is null)
        {
            throw ErrorCodes.Invalid("containerName and containerPort must be specified for a load balancer with a target group.");
        }

        var container = td.Spec.Containers.FirstOrDefault(c => c.Name == lb.ContainerName)
            ?? throw ErrorCodes.Invalid($"The container {lb.ContainerName} does not exist in the task definition.");
        var ports = container.PortMappings.IsDefault ? ImmutableArray<PortMapping>.Empty : container.PortMappings;
        if (!ports.Any(p => p.ContainerPort == lb.ContainerPort))
        {
            throw ErrorCodes.Invalid($"The container {lb.ContainerName} did not have a container port {lb.ContainerPort} defined.");
        }
    }
}
