using System.Collections.Immutable;
using Emulator.Contracts;
using TaskStatus = Emulator.Contracts.TaskStatus;
using PlacementStrategy = Emulator.Contracts.PlacementStrategy;

namespace Emulator.Tests.EndToEnd;

/// <summary>
/// Drives the emulator through its grains the way a user's script would, and checks the invariants (no instance
/// over-committed, every task in one state, every queued task in one queue) on every poll and at the end.
/// </summary>
public sealed class EcsDriver(EmulatorClusterFixture fixture) : IAsyncLifetime
{
    private readonly List<string> _clusters = [];

    public IGrainFactory Grains => fixture.Grains;

    public IEcsControlGrain Control => Grains.GetGrain<IEcsControlGrain>(GrainKeys.Control);

    public IClusterGrain Cluster(string name) => Grains.GetGrain<IClusterGrain>(name);

    public List<string> InvariantViolations { get; } = [];

    public Task InitializeAsync() => Task.CompletedTask;

    /// <summary>The invariant checker runs after every end-to-end test.</summary>
    public async Task DisposeAsync()
    {
        await CheckInvariants();
        Assert.Empty(InvariantViolations);
    }

    /// <summary>Adds a cluster created elsewhere (a scenario, an experiment) to the invariant checks.</summary>
    public void Track(string cluster) => _clusters.Add(cluster);

    public async Task<string> CreateCluster(string prefix)
    {
        var name = EmulatorClusterFixture.Unique(prefix);
        await Control.CreateCluster(new CreateClusterRequest(name, [], [], ImmutableDictionary<string, string>.Empty));
        _clusters.Add(name);
        return name;
    }

    public async Task<(string Asg, string Provider)> CreateAsgProvider(
        string cluster, string instanceType, int min, int max, int desired, int targetCapacity = 100,
        bool managedTerminationProtection = true, MixedInstancesSpec? distribution = null, bool managedScaling = true)
    {
        var asg = EmulatorClusterFixture.Unique("asg");
        var provider = EmulatorClusterFixture.Unique("cp");
        await Control.CreateAutoScalingGroup(new AsgSpec(asg, min, max, desired, [], [instanceType], distribution, cluster, false,
            managedTerminationProtection, false, "1", ImmutableDictionary<string, string>.Empty, null, null));
        await Control.CreateCapacityProvider(new CapacityProviderSpec(provider, asg,
            ManagedScalingSpec.Default with
            {
                Status = managedScaling ? ManagedScalingStatus.ENABLED : ManagedScalingStatus.DISABLED,
                TargetCapacity = targetCapacity,
            },
            managedTerminationProtection, true, ImmutableDictionary<string, string>.Empty));
        return (asg, provider);
    }

    public Task<TaskDefinitionRecord> RegisterTaskDefinition(int cpu = 256, int memory = 512, NetworkMode mode = NetworkMode.bridge,
        string? family = null, ImmutableArray<PortMapping> ports = default, bool fargate = false) =>
        Control.RegisterTaskDefinition(new TaskDefinitionSpec(
            family ?? EmulatorClusterFixture.Unique("td"),
            [new ContainerDefinition("app", "public.ecr.aws/nginx/nginx:latest", cpu, memory, null, true, ports.IsDefault ? [] : ports, null, 0)],
            fargate ? cpu.ToString(System.Globalization.CultureInfo.InvariantCulture) : null,
            fargate ? memory.ToString(System.Globalization.CultureInfo.InvariantCulture) : null,
            mode, fargate ? ["FARGATE"] : ["EC2"], [], ImmutableDictionary<string, string>.Empty));

    public Task<ServiceInfo> CreateService(string cluster, string name, TaskDefinitionRecord td, int desired,
        ImmutableArray<CapacityProviderStrategyItem> strategy = default, ImmutableArray<PlacementStrategy> placement = default,
        LaunchType? launchType = null, int minHealthy = 100, int maxPercent = 200) =>
        Control.CreateService(new CreateServiceRequest(cluster, name, td.Arn, desired, launchType, strategy, placement, [],
            SchedulingStrategy.REPLICA, minHealthy, maxPercent, ImmutableDictionary<string, string>.Empty, null));

    public Task<ServiceInfo> Scale(string cluster, string service, int desired) =>
        Control.UpdateService(new UpdateServiceRequest(cluster, service, desired, null, null, null, null, null, null, false));

    public Task<ClusterStatus> Status(string cluster) => Control.GetClusterStatus(cluster, false);

    /// <summary>A target group in the default VPC whose targets are healthy after 2 x 15 s (B-LB-1).</summary>
    public async Task<TargetGroupInfo> CreateTargetGroup(string name) =>
        await Grains.GetGrain<ITargetGroupGrain>(name).Create(TargetGroupSpec.Default(name) with
        {
            HealthyThresholdCount = 2,
            HealthCheckIntervalSeconds = 15,
            TargetType = "instance",
            VpcId = "vpc-0emulator000001",
        });

    /// <summary>The group's targets in state healthy now.</summary>
    public async Task<int> HealthyTargets(TargetGroupInfo group) =>
        (await Grains.GetGrain<ITargetGroupGrain>(group.Spec.Name).Describe())!.Targets.Count(t => t.State == TargetHealthState.healthy);

    public async Task<CapacityProviderInfo> Provider(string name) => (await Control.DescribeCapacityProviders([name]))[0];

    public async Task<ImmutableArray<EmulatorEvent>> Events(string cluster, string detailType)
    {
        var page = await Cluster(cluster).ReadEvents(0, null, 10_000);
        return page.Events.Where(e => e.DetailType == detailType).ToImmutableArray();
    }

    /// <summary>CapacityProviderReservation datapoints published so far for a provider (B-CAS-3).</summary>
    public async Task<ImmutableArray<double>> CprHistory(string cluster, string provider) =>
        (await Events(cluster, EventTypes.CapacityProviderReservation))
        .Where(e => e.Detail["capacityProvider"] == provider)
        .Select(e => double.Parse(e.Detail["CapacityProviderReservation"], System.Globalization.CultureInfo.InvariantCulture))
        .ToImmutableArray();

    public async Task<int> CountTasks(string cluster, Func<TaskRecord, bool> predicate) =>
        (await Cluster(cluster).ListTasks(TaskFilter.All)).Count(predicate);

    /// <summary>
    /// Advances virtual time (one emulated second at a time) until the condition holds, checking the invariants at
    /// every step; fails after <paramref name="emulatedTimeout"/> of emulated time.
    /// </summary>
    public async Task WaitUntil(string what, Func<Task<bool>> condition, TimeSpan emulatedTimeout, Func<Task>? onEachPoll = null)
    {
        var held = await EmulatorClusterFixture.Time.WaitUntil(async () =>
        {
            await CheckInvariants();
            if (onEachPoll is not null)
            {
                await onEachPoll();
            }

            return await condition();
        }, emulatedTimeout);
        if (!held)
        {
            var details = string.Join(Environment.NewLine, await Task.WhenAll(_clusters.Select(Describe)));
            Assert.Fail($"Timed out waiting for: {what}{Environment.NewLine}{details}");
        }
    }

    /// <summary>Moves emulated time forward by <paramref name="emulated"/> (virtual time: every due timer fires on the way).</summary>
    public Task Advance(TimeSpan emulated) => EmulatorClusterFixture.Time.Advance(emulated);

    /// <summary>Waits until what the last call set off has finished, without moving emulated time.</summary>
    public Task Settle() => EmulatorClusterFixture.Time.Settle();

    public async Task<string> Describe(string cluster)
    {
        var s = await Status(cluster);
        var lines = new List<string> { $"cluster {cluster}: instances {s.Instances.Length}, tasks {string.Join(", ", s.Tasks.GroupBy(t => t.LastStatus).Select(g => $"{g.Key}={g.Count()}"))}" };
        lines.AddRange(s.CapacityProviders.Select(p => $"  provider {p.Name}: {p.Cas?.Explanation}"));
        lines.AddRange(s.AutoScalingGroups.Select(a => $"  asg {a.Spec.Name}: desired {a.DesiredCapacity}, {string.Join(", ", a.Instances.Select(i => i.State))}"));
        lines.AddRange(s.Services.SelectMany(v => v.Events.Take(5).Select(e => $"  svc {v.Spec.Name}: {e.Message}")));
        return string.Join(Environment.NewLine, lines);
    }

    public async Task CheckInvariants()
    {
        foreach (var c in _clusters)
        {
            var report = await Cluster(c).CheckInvariants();
            InvariantViolations.AddRange(report.Violations.Select(v => $"{c}: {v}"));
        }
    }

    public static bool Running(TaskRecord t) => t.LastStatus == TaskStatus.RUNNING;
}
