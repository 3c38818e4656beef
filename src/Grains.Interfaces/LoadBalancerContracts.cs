using System.Collections.Immutable;
using Orleans.Concurrency;

namespace Emulator.Contracts;

/// <summary>A target group's settings (B-LB-1, B-LB-2) with AWS's defaults.</summary>
[GenerateSerializer, Immutable, Alias("TargetGroupSpec")]
public sealed record TargetGroupSpec(
    [property: Id(0)] string Name,
    [property: Id(1)] int Port,
    [property: Id(2)] string Protocol,
    [property: Id(3)] int HealthCheckIntervalSeconds,
    [property: Id(4)] int HealthyThresholdCount,
    [property: Id(5)] int UnhealthyThresholdCount,
    [property: Id(6)] int DeregistrationDelaySeconds,
    [property: Id(7)] string TargetType,
    [property: Id(8)] string? VpcId = null,
    [property: Id(9)] string HealthCheckPath = "/",
    [property: Id(10)] int HealthCheckTimeoutSeconds = 5,
    [property: Id(11)] string HealthCheckProtocol = "HTTP",
    [property: Id(12)] string Matcher = "200")
{
    /// <summary>AWS defaults: interval 30 s, healthy 5, unhealthy 2, deregistration delay 300 s, target type ip.</summary>
    public static TargetGroupSpec Default(string name) => new(name, 80, "HTTP", 30, 5, 2, 300, "ip");
}

/// <summary>Target health states as ELB reports them.</summary>
public enum TargetHealthState
{
    initial = 0,
    healthy = 1,
    unhealthy = 2,
    draining = 3,
    unused = 4,
}

[GenerateSerializer, Immutable, Alias("TargetHealthInfo")]
public sealed record TargetHealthInfo(
    [property: Id(0)] string TaskId,
    [property: Id(1)] string Cluster,
    [property: Id(2)] string? ServiceName,
    [property: Id(3)] TargetHealthState State,
    [property: Id(4)] string? Reason,
    [property: Id(5)] DateTimeOffset RegisteredAt,
    [property: Id(6)] DateTimeOffset? DrainingSince,
    [property: Id(7)] string? Ec2InstanceId = null,
    [property: Id(8)] string? AvailabilityZone = null,
    [property: Id(9)] int? HostPort = null);

[GenerateSerializer, Immutable, Alias("TargetGroupInfo")]
public sealed record TargetGroupInfo(
    [property: Id(0)] TargetGroupSpec Spec,
    [property: Id(1)] string Arn,
    [property: Id(2)] ImmutableArray<TargetHealthInfo> Targets,
    [property: Id(3)] DateTimeOffset CreatedAt,
    [property: Id(4)] ImmutableArray<string> LoadBalancerArns = default);

/// <summary>One step of a traffic profile: from <see cref="Offset"/> after the profile starts, <see cref="RequestsPerSecond"/>.</summary>
[GenerateSerializer, Immutable, Alias("TrafficStep")]
public sealed record TrafficStep(
    [property: Id(0)] TimeSpan Offset,
    [property: Id(1)] double RequestsPerSecond);

/// <summary>The kinds of <see cref="TrafficShape"/>.</summary>
public enum TrafficShapeKind
{
    /// <summary>Adds <see cref="TrafficShape.RequestsPerSecond"/> x min(1, elapsed / duration) from its start on (a ramp that then holds).</summary>
    Ramp = 0,

    /// <summary>Adds RequestsPerSecond x sin(2 pi elapsed / Period) from its start on (a daily sine with a 24 h period).</summary>
    Sine = 1,

    /// <summary>Adds RequestsPerSecond during [start, start + duration).</summary>
    Spike = 2,
}

/// <summary>A shape added on top of a profile's steps (B-LB-3): ramps, sines and spikes; the total rate never goes below 0.</summary>
[GenerateSerializer, Immutable, Alias("TrafficShape")]
public sealed record TrafficShape(
    [property: Id(0)] TrafficShapeKind Kind,
    [property: Id(1)] TimeSpan Offset,
    [property: Id(2)] TimeSpan Duration,
    [property: Id(3)] double RequestsPerSecond,
    [property: Id(4)] TimeSpan Period);

/// <summary>
/// B-LB-3: synthetic traffic of one service: a constant rate (one step), steps, plus ramps, sines and spikes
/// (<see cref="Shapes"/>) over emulated time; each request takes <see cref="RequestDuration"/>;
/// <see cref="PerTaskCapacity"/> requests/s make one task 100 % CPU (B-LB-4). Memory (Model choice): a task uses
/// <see cref="MemoryBaselinePercent"/> of its memory idle plus <see cref="MemoryPerLoadPercent"/> at 100 % CPU,
/// linearly in between.
/// </summary>
[GenerateSerializer, Immutable, Alias("TrafficProfile")]
public sealed record TrafficProfile(
    [property: Id(0)] ImmutableArray<TrafficStep> Steps,
    [property: Id(1)] TimeSpan RequestDuration,
    [property: Id(2)] double PerTaskCapacity,
    [property: Id(3)] ImmutableArray<TrafficShape> Shapes = default,
    [property: Id(4)] double MemoryBaselinePercent = 25,
    [property: Id(5)] double MemoryPerLoadPercent = 50)
{
    public static TrafficProfile Constant(double rps) => new([new TrafficStep(TimeSpan.Zero, rps)], TimeSpan.FromMilliseconds(200), 100);
}

/// <summary>
/// Request figures of one service since its traffic started (B-LB-3): totals, 5xx by cause (503 no healthy
/// target, 502 target died with the request in flight), healthy hosts now, the current rate and CPU (B-LB-4).
/// </summary>
[GenerateSerializer, Immutable, Alias("ServiceTrafficFigures")]
public sealed record ServiceTrafficFigures(
    [property: Id(0)] string Cluster,
    [property: Id(1)] string Service,
    [property: Id(2)] string? TargetGroup,
    [property: Id(3)] double Requests,
    [property: Id(4)] double Failed503NoHealthyTarget,
    [property: Id(5)] double Failed502TargetDied,
    [property: Id(6)] int HealthyHosts,
    [property: Id(7)] int UnhealthyHosts,
    [property: Id(8)] double CurrentRequestsPerSecond,
    [property: Id(9)] double CpuUtilizationPercent,
    [property: Id(10)] DateTimeOffset At,
    [property: Id(11)] double Failed5xxOverloaded = 0,
    [property: Id(12)] double MemoryUtilizationPercent = 0,
    [property: Id(13)] bool Alternate = false)
{
    /// <summary>Every failed request: 503, 502 and the target 5xx (overloaded tasks, B-DP-8 error rate).</summary>
    public double Failed => Failed503NoHealthyTarget + Failed502TargetDied + Failed5xxOverloaded;
}

/// <summary>
/// One target group (B-LB-1, B-LB-2) keyed by name: registered targets (RUNNING tasks of the services naming it),
/// health checks, deregistration delay. Health checks and traffic are computed as flows per tick of the emulated
/// clock, never one message per request.
/// </summary>
[Alias("ITargetGroupGrain")]
public interface ITargetGroupGrain : IGrainWithStringKey
{
    [Alias("Create")] Task<TargetGroupInfo> Create(TargetGroupSpec spec);

    [Alias("Modify")] Task<TargetGroupInfo> Modify(TargetGroupSpec spec);

    [Alias("Describe")] Task<TargetGroupInfo?> Describe();

    [Alias("Delete")] Task Delete();

    /// <summary>A service names this group (CreateService/UpdateService loadBalancers): returns its spec; unknown group -> InvalidParameterException.</summary>
    [Alias("Attach")] Task<TargetGroupSpec> Attach(string cluster, string service);

    /// <summary>The service no longer names this group (deleted, or updated to another).</summary>
    [Alias("Detach")] Task Detach(string cluster, string service);

    /// <summary>The group's settings, ECS users and load balancers, without asking the clusters for targets (null: no such group).</summary>
    [Alias("Summary")] Task<TargetGroupSummary?> Summary();

    /// <summary>
    /// B-ELB-1: a load balancer's actions name this group (<paramref name="referenced"/>) and, from <paramref name="from"/> on,
    /// its flows send this group <paramref name="routes"/>. Returns whether an ECS service registers targets with the group.
    /// </summary>
    [Alias("SetLoadBalancerRoutes")]
    Task<bool> SetLoadBalancerRoutes(string loadBalancerArn, bool referenced, ImmutableArray<RoutedLoad> routes, DateTimeOffset from);

    /// <summary>The load balancer flows this group receives over time (the traffic grains integrate them, B-LB-3).</summary>
    [Alias("GetRoutes")] Task<ImmutableArray<RouteEpoch>> GetRoutes();

    /// <summary>Issue 17: the targets receiving requests now and the tasks behind them, from every cluster whose services name the group.</summary>
    [Alias("GetDataPlaneTargets")] Task<ImmutableArray<ServiceDataPlaneTargets>> GetDataPlaneTargets();
}

/// <summary>
/// Synthetic traffic and its figures per cluster (B-LB-3, B-LB-4). Key: the cluster name.
/// </summary>
[Alias("ITrafficGrain")]
public interface ITrafficGrain : IGrainWithStringKey
{
    /// <summary>Starts (or replaces) the service's traffic profile, from now; null stops it. The service must name a target group.</summary>
    [Alias("SetServiceTraffic")] Task SetServiceTraffic(string service, TrafficProfile? profile);

    /// <summary>Figures of every service of the cluster with traffic or a target group.</summary>
    [Alias("GetFigures")] Task<ImmutableArray<ServiceTrafficFigures>> GetFigures();

    /// <summary>Makes sure the grain runs (publishes target group metrics) once a service of the cluster names a target group.</summary>
    [Alias("EnsureRunning"), OneWay] Task EnsureRunning();

    /// <summary>
    /// B-ELB-1: the load balancer flows a target group receives changed; read them again before the next tick. Awaited
    /// (and interleaved: it only marks the group) so that once a weight change returns, no tick accounts past it with the
    /// old weights (B-DP-6: blue's tasks are stopped right after all traffic moved off them).
    /// </summary>
    [Alias("RoutesChanged"), AlwaysInterleave] Task RoutesChanged(string targetGroup);

    /// <summary>Issue 17: real requests the data plane served, counted with the synthetic ones (same counters, same CPU, B-LB-4).</summary>
    [Alias("RecordRequests"), OneWay] Task RecordRequests(ImmutableArray<ObservedRequests> observed);
}

/// <summary>A service's load balancer entry (ECS <c>loadBalancers</c>): the target group its tasks register with (B-LB-1).</summary>
[GenerateSerializer, Immutable, Alias("ServiceLoadBalancer")]
public sealed record ServiceLoadBalancer(
    [property: Id(0)] string TargetGroupArn,
    [property: Id(1)] string? ContainerName,
    [property: Id(2)] int? ContainerPort,
    [property: Id(3)] AdvancedLoadBalancerConfiguration? Advanced = null)
{
    /// <summary>The target group's name: the ARN's <c>targetgroup/NAME/ID</c> part, or the value itself when it is a plain name.</summary>
    public string TargetGroupName => TargetGroupArns.Name(TargetGroupArn);
}

/// <summary>Target group ARNs: <c>arn:aws:elasticloadbalancing:R:A:targetgroup/NAME/16 hex</c>.</summary>
public static class TargetGroupArns
{
    public static string Arn(string region, string account, string name, string id) => $"arn:aws:elasticloadbalancing:{region}:{account}:targetgroup/{name}/{id}";

    public static string Name(string arnOrName)
    {
        var i = arnOrName.IndexOf(":targetgroup/", StringComparison.Ordinal);
        if (i < 0)
        {
            return arnOrName;
        }

        var rest = arnOrName[(i + ":targetgroup/".Length)..];
        var slash = rest.IndexOf('/');
        return slash < 0 ? rest : rest[..slash];
    }

    /// <summary>The CloudWatch TargetGroup dimension value: <c>targetgroup/NAME/ID</c>.</summary>
    public static string Dimension(string arn)
    {
        var i = arn.IndexOf("targetgroup/", StringComparison.Ordinal);
        return i < 0 ? "targetgroup/" + arn : arn[i..];
    }
}

/// <summary>
/// A target died with requests possibly in flight (B-LB-3): at <see cref="At"/>, either while it was receiving
/// requests (<see cref="DeregisteredFor"/> null) or while draining for that long.
/// </summary>
[GenerateSerializer, Immutable, Alias("TargetDeath")]
public sealed record TargetDeath(
    [property: Id(0)] DateTimeOffset At,
    [property: Id(1)] TimeSpan? DeregisteredFor);

/// <summary>At <see cref="At"/> the number of targets receiving requests changes by <see cref="RoutableDelta"/>, of which dead ones by <see cref="DeadRoutableDelta"/>.</summary>
[GenerateSerializer, Immutable, Alias("TargetChange")]
public sealed record TargetChange(
    [property: Id(0)] DateTimeOffset At,
    [property: Id(1)] int RoutableDelta,
    [property: Id(2)] int DeadRoutableDelta);

/// <summary>
/// A service's targets over (From, To] as the traffic model needs them (B-LB-3): how many receive requests at From
/// (and how many of those are dead but not yet unhealthy), every change after, the deaths, and the health counts at To.
/// Built by the cluster from its task records, so traffic costs one call per cluster and tick, never one per target.
/// </summary>
[GenerateSerializer, Immutable, Alias("TrafficTimeline")]
public sealed record TrafficTimeline(
    [property: Id(0)] string Service,
    [property: Id(1)] string TargetGroup,
    [property: Id(2)] DateTimeOffset From,
    [property: Id(3)] DateTimeOffset To,
    [property: Id(4)] int RoutableAtFrom,
    [property: Id(5)] int DeadRoutableAtFrom,
    [property: Id(6)] ImmutableArray<TargetChange> Changes,
    [property: Id(7)] ImmutableArray<TargetDeath> Deaths,
    [property: Id(8)] int HealthyAtTo,
    [property: Id(9)] int UnhealthyAtTo,
    [property: Id(10)] int InitialAtTo,
    [property: Id(11)] int DrainingAtTo,
    [property: Id(12)] ImmutableArray<TargetFaultClass> FaultClasses = default,
    [property: Id(13)] bool Alternate = false);

/// <summary>
/// B-DP-8 in the traffic model: the live targets receiving requests whose task answers <see cref="ErrorRate"/> of its
/// requests 5xx and spends <see cref="CpuPerRequest"/> times the CPU per request (<c>emulator.errorRate</c>,
/// <c>emulator.cpuPerRequest</c>, or the same faults as chaos): how many at the timeline's From, and every change after
/// (<see cref="TargetChange.RoutableDelta"/>; <see cref="TargetChange.DeadRoutableDelta"/> is 0). Targets without these
/// faults are in no class.
/// </summary>
[GenerateSerializer, Immutable, Alias("TargetFaultClass")]
public sealed record TargetFaultClass(
    [property: Id(0)] double ErrorRate,
    [property: Id(1)] double CpuPerRequest,
    [property: Id(2)] int LiveAtFrom,
    [property: Id(3)] ImmutableArray<TargetChange> Changes);
