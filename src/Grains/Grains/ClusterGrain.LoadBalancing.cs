using System.Collections.Immutable;
using Emulator.Contracts;
using Emulator.Model.LoadBalancing;
using TaskStatus = Emulator.Contracts.TaskStatus;

namespace Emulator.Grains;

/// <summary>
/// The cluster's side of the load balancer model (B-LB-1..3): which services register their tasks with which target
/// group, the target facts derived from the task records, and the per-tick traffic timelines. The target health
/// arithmetic is <see cref="TargetHealthModel"/>; nothing here is one message per target or per request.
/// </summary>
public sealed partial class ClusterGrain
{
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

    public Task<ImmutableArray<TargetHealthInfo>> GetTargetHealth(string targetGroup)
    {
        var now = Now;
        var result = ImmutableArray.CreateBuilder<TargetHealthInfo>();
        foreach (var (service, spec) in S.TargetGroups)
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
        foreach (var (service, spec) in S.TargetGroups)
        {
            if (!services.IsDefaultOrEmpty && !services.Contains(service))
            {
                continue;
            }

            // Steady state: targets that no longer change answer without a pass over them (this call is made every
            // traffic tick; a pass over 10,000 targets held the cluster grain for milliseconds and made its timers late).
            var settings = HealthCheckSettings.From(spec);
            if (_settledTargets.TryGetValue(service, out var settled) && from >= settled.QuietFrom)
            {
                result.Add(settled.Timeline(service, spec.Name, from, to));
                continue;
            }

            var facts = Targets(service, spec).Select(x => x.Facts).ToList();
            settled = TargetHealthModel.Settle(facts, settings);
            _settledTargets[service] = settled;
            result.Add(from >= settled.QuietFrom
                ? settled.Timeline(service, spec.Name, from, to)
                : TargetHealthModel.Timeline(service, spec.Name, facts, settings, from, to));
        }

        return Task.FromResult(result.ToImmutable());
    }

    /// <summary>A task of the service changed (or its target group did): its settled targets must be computed again.</summary>
    private void ForgetSettledTargets(string? service)
    {
        if (service is not null && _settledTargets.Count > 0)
        {
            _settledTargets.Remove(service);
        }
    }

    /// <summary>B-LB-2: the deregistration delay of a RUNNING task of a load-balanced service (null: no load balancer).</summary>
    private TimeSpan? DeregistrationDelay(TaskRecord t) =>
        t.LastStatus == TaskStatus.RUNNING && TargetGroupOf(t) is { } spec
            ? TimeSpan.FromSeconds(spec.DeregistrationDelaySeconds)
            : null;

    /// <summary>B-TL-5 / B-SV-4: a target counts as healthy only once its target group says so.</summary>
    private bool TargetHealthy(TaskRecord t, DateTimeOffset now) =>
        TargetGroupOf(t) is not { } spec
        || (Facts(t, spec) is { } f && TargetHealthModel.At(f, HealthCheckSettings.From(spec), now).Phase == TargetPhase.Healthy);

    /// <summary>The task's target group: its service's, unless the task was launched before the service named it.</summary>
    private TargetGroupSpec? TargetGroupOf(TaskRecord t) =>
        t.ServiceName is { } service && S.TargetGroups.TryGetValue(service, out var spec)
        && t.CreatedAt >= S.TargetGroupsSince.GetValueOrDefault(service)
            ? spec
            : null;

    private IEnumerable<(TaskRecord Task, TargetFacts Facts)> Targets(string service, TargetGroupSpec spec)
    {
        foreach (var id in _tasksByService.GetValueOrDefault(service) ?? [])
        {
            var t = S.Tasks[id];
            if (TargetGroupOf(t) is not null && Facts(t, spec) is { } f)
            {
                yield return (t, f);
            }
        }
    }

    /// <summary>
    /// A task is a target from the moment it became RUNNING (B-LB-1). It died without deregistration when it stopped
    /// while not deregistered (host terminated, forced deregistration) or before its deregistration delay was over.
    /// </summary>
    private static TargetFacts? Facts(TaskRecord t, TargetGroupSpec spec)
    {
        if (t.StartedAt is not { } started)
        {
            return null;
        }

        DateTimeOffset? died = null;
        if (t.LastStatus == TaskStatus.STOPPED && t.StoppedAt is { } stoppedAt
            && (t.DeregisteredAt is not { } dereg || stoppedAt < dereg + TimeSpan.FromSeconds(spec.DeregistrationDelaySeconds)))
        {
            died = stoppedAt;
        }

        return new TargetFacts(t.TaskId, started, t.DeregisteredAt, died, Emulator.Model.Lifecycle.TaskHealth.TargetChecksFailFrom(t));
    }

    private void PublishCostMetrics(DateTimeOffset now)
    {
        // B-IT-5: the cluster's task costs by service and by capacity provider into the emulator's CloudWatch namespace.
        var costs = TaskCostReportNow();
        var data = ImmutableArray.CreateBuilder<MetricDatum>();
        foreach (var (service, usd) in costs.ByService)
        {
            data.Add(MetricNamespaces.Datum("EstimatedCharges", now, (double)usd, "None", ("ClusterName", Name), ("ServiceName", service)));
        }

        // Auto Scaling group providers are charged by their instances: their group publishes that (AutoScalingGroupGrain).
        foreach (var (provider, usd) in costs.ByCapacityProvider.Where(p => p.Key is "FARGATE" or "FARGATE_SPOT"))
        {
            data.Add(MetricNamespaces.Datum("EstimatedCharges", now, (double)usd, "None", ("ClusterName", Name), ("CapacityProviderName", provider)));
        }

        if (data.Count > 0)
        {
            GrainFactory.GetGrain<IMetricStoreGrain>(MetricNamespaces.EmulatorCost).Put(data.ToImmutable()).Ignore();
        }
    }
}
