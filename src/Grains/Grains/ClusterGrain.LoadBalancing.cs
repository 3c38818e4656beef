using System.Collections.Immutable;
using TaskStatus = Emulator.Contracts.TaskStatus;
using Emulator.Contracts;
using Emulator.Model.Cluster;
using Emulator.Model.LoadBalancing;

namespace Emulator.Grains;

/// <summary>
/// The cluster's side of the load balancer model (B-LB-1..3): which services register their tasks with which target
/// group, the target facts derived from the task records, and the per-tick traffic timelines. The target facts are
/// <see cref="ClusterTargets"/>, the target health arithmetic <see cref="TargetHealthModel"/>; nothing here is one
/// message per target or per request.
/// </summary>
public sealed partial class ClusterGrain
{
    /// <summary>Per service, per target group (a blue/green service has two): targets that no longer change.</summary>
    private readonly Dictionary<string, Dictionary<string, SettledTargets>> _settledTargets = new(StringComparer.Ordinal);

    public Task SetServiceTargetGroup(string serviceName, TargetGroupSpec? spec)
    {
        EnsureExists();
        ForgetSettledTargets(serviceName);
        if (spec is null)
        {
            S.TargetGroups.Remove(serviceName);
            S.TargetGroupsSince.Remove(serviceName);
        }
        else
        {
            if (!S.TargetGroups.TryGetValue(serviceName, out var current) || current.Name != spec.Name)
            {
                S.TargetGroupsSince[serviceName] = Now;
            }

            S.TargetGroups[serviceName] = spec;
        }

        if (S.Services.Contains(serviceName))
        {
            _servicesToPoke.Add(serviceName);
            FlushPokes();
        }

        MarkDirty();
        return Task.CompletedTask;
    }

    public Task SetDeploymentTargetGroup(string serviceName, string deploymentId, TargetGroupSpec? spec)
    {
        EnsureExists();
        ForgetSettledTargets(serviceName);
        if (spec is null)
        {
            S.DeploymentTargetGroups.Remove(deploymentId);
            S.DeploymentServices.Remove(deploymentId);
        }
        else
        {
            S.DeploymentTargetGroups[deploymentId] = spec;
            S.DeploymentServices[deploymentId] = serviceName;
        }

        MarkDirty();
        return Task.CompletedTask;
    }

    public Task SwapServiceTargetGroup(string serviceName, TargetGroupSpec spec)
    {
        EnsureExists();
        ForgetSettledTargets(serviceName);
        S.TargetGroups[serviceName] = spec;
        if (!S.TargetGroupsSince.ContainsKey(serviceName))
        {
            S.TargetGroupsSince[serviceName] = Now;
        }

        MarkDirty();
        return Task.CompletedTask;
    }

    public Task UpdateTargetGroup(TargetGroupSpec spec)
    {
        foreach (var (service, current) in S.TargetGroups.ToList())
        {
            if (current.Name == spec.Name)
            {
                S.TargetGroups[service] = spec;
                ForgetSettledTargets(service);
            }
        }

        foreach (var (deployment, current) in S.DeploymentTargetGroups.ToList())
        {
            if (current.Name == spec.Name)
            {
                S.DeploymentTargetGroups[deployment] = spec;
                ForgetSettledTargets(S.DeploymentServices.GetValueOrDefault(deployment));
            }
        }

        foreach (var service in S.TargetGroups.Keys.Where(S.Services.Contains))
        {
            _servicesToPoke.Add(service);
        }

        FlushPokes();
        MarkDirty();
        return Task.CompletedTask;
    }

    /// <summary>Every (service, target group) pair of the cluster: the service's group, then the other groups its deployments register with (B-DP-6).</summary>
    private IEnumerable<(string Service, TargetGroupSpec Spec)> ServiceGroups()
    {
        foreach (var (service, spec) in S.TargetGroups)
        {
            yield return (service, spec);
            if (S.DeploymentTargetGroups.Count == 0)
            {
                continue;
            }

            var seen = new HashSet<string>(StringComparer.Ordinal) { spec.Name };
            foreach (var (deployment, group) in S.DeploymentTargetGroups)
            {
                if (S.DeploymentServices.GetValueOrDefault(deployment) == service && seen.Add(group.Name))
                {
                    yield return (service, group);
                }
            }
        }
    }

    public Task<ImmutableArray<TargetHealthInfo>> GetTargetHealth(string targetGroup)
    {
        var now = Now;
        var result = ImmutableArray.CreateBuilder<TargetHealthInfo>();
        foreach (var (service, spec) in ServiceGroups())
        {
            if (spec.Name != targetGroup)
            {
                continue;
            }

            var settings = HealthCheckSettings.From(spec);
            foreach (var (t, f) in Targets(service, spec))
            {
                if (TargetHealthModel.Describe(f, settings, now) is { } d)
                {
                    result.Add(new TargetHealthInfo(t.TaskId, Name, service, d.State, d.Reason, f.RegisteredAt,
                        d.State == TargetHealthState.draining ? f.DeregisteredAt : null, t.Ec2InstanceId, t.AvailabilityZone,
                        t.HostPorts.IsDefaultOrEmpty ? null : t.HostPorts[0]));
                }
            }
        }

        return Task.FromResult(result.ToImmutable());
    }

    public Task<ImmutableArray<TrafficTimeline>> GetTrafficTimelines(ImmutableArray<string> services, DateTimeOffset from, DateTimeOffset to)
    {
        var result = ImmutableArray.CreateBuilder<TrafficTimeline>();
        foreach (var (service, spec) in ServiceGroups())
        {
            if (!services.IsDefaultOrEmpty && !services.Contains(service))
            {
                continue;
            }

            // Steady state: targets that no longer change answer without a pass over them (this call is made every
            // traffic tick; a pass over 10,000 targets held the cluster grain for milliseconds and made its timers late).
            var settings = HealthCheckSettings.From(spec);
            if (!_settledTargets.TryGetValue(service, out var byGroup))
            {
                _settledTargets[service] = byGroup = new Dictionary<string, SettledTargets>(StringComparer.Ordinal);
            }

            // B-DP-6: a group other than the service's own (a blue/green deployment's) is accounted on its own.
            var alternate = S.TargetGroups[service].Name != spec.Name;
            if (byGroup.TryGetValue(spec.Name, out var settled) && from >= settled.QuietFrom)
            {
                result.Add(settled.Timeline(service, spec.Name, from, to) with { Alternate = alternate });
                continue;
            }

            var facts = Targets(service, spec).Select(x => x.Facts).ToList();
            settled = TargetHealthModel.Settle(facts, settings);
            byGroup[spec.Name] = settled;
            result.Add((from >= settled.QuietFrom
                ? settled.Timeline(service, spec.Name, from, to)
                : TargetHealthModel.Timeline(service, spec.Name, facts, settings, from, to)) with { Alternate = alternate });
        }

        return Task.FromResult(result.ToImmutable());
    }

    public Task<ImmutableArray<ServiceDataPlaneTargets>> GetDataPlaneTargets(string targetGroup)
    {
        // Issue 17: the targets the load balancer sends requests to now (B-LB-1: healthy, or dead but not yet found
        // unhealthy, B-LB-2) and the service's RUNNING tasks, which the data plane's emulated app lists as ALL_TASKS.
        var now = Now;
        var result = ImmutableArray.CreateBuilder<ServiceDataPlaneTargets>();
        foreach (var (service, spec) in ServiceGroups())
        {
            if (spec.Name != targetGroup)
            {
                continue;
            }

            var settings = HealthCheckSettings.From(spec);
            var routable = ImmutableArray.CreateBuilder<DataPlaneTask>();
            foreach (var (t, f) in Targets(service, spec))
            {
                if (TargetHealthModel.At(f, settings, now) is { Routable: true } view)
                {
                    routable.Add(DataPlaneTaskOf(t) with { Dead = view.Dead });
                }
            }

            var running = _book.TasksOf(service).Select(id => _book.Tasks[id])
                .Where(t => t.LastStatus == TaskStatus.RUNNING && t.DesiredStatus == DesiredStatus.RUNNING)
                .OrderBy(t => t.TaskId, StringComparer.Ordinal)
                .Select(DataPlaneTaskOf)
                .ToImmutableArray();
            result.Add(new ServiceDataPlaneTargets(Name, service, [.. routable.OrderBy(t => t.TaskArn, StringComparer.Ordinal)], running));
        }

        return Task.FromResult(result.ToImmutable());
    }

    private DataPlaneTask DataPlaneTaskOf(TaskRecord t) =>
        new(Arns.Task(_rt.Region, _rt.Account, Name, t.TaskId), t.ProviderOrLaunchType, t.AvailabilityZone, t.TaskDefinitionArn);

    /// <summary>A task of the service changed (or its target group did): its settled targets must be computed again.</summary>
    private void ForgetSettledTargets(string? service)
    {
        if (service is not null && _settledTargets.Count > 0)
        {
            _settledTargets.Remove(service);
        }
    }

    /// <summary>B-LB-2: the deregistration delay of a RUNNING task of a load-balanced service (null: no load balancer).</summary>
    private TimeSpan? DeregistrationDelay(TaskRecord t) => ClusterTargets.DeregistrationDelay(t, S.TargetGroups, S.TargetGroupsSince, S.DeploymentTargetGroups);

    private IEnumerable<(TaskRecord Task, TargetFacts Facts)> Targets(string service, TargetGroupSpec spec) =>
        ClusterTargets.Targets(_book, service, spec, S.TargetGroups, S.TargetGroupsSince, S.DeploymentTargetGroups);
}
