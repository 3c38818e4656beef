using System.Collections.Immutable;
using Emulator.Contracts;

namespace Emulator.Tests.EndToEnd;

/// <summary>
/// B-ELB-1 end to end on the emulated clock: synthetic traffic entering at a listener is split by the forward action's
/// weights between two target groups, reaches each group's service through the one traffic model (B-LB-3), and is
/// published to CloudWatch per load balancer and per target group in every metric period; moving the weights moves the
/// requests from the next instant on.
/// </summary>
[Collection(EmulatorCollection.Name)]
public sealed class ApplicationLoadBalancerTests(EmulatorClusterFixture fixture) : IAsyncLifetime
{
    private static readonly TimeSpan Minute = TimeSpan.FromMinutes(1);
    private readonly EcsDriver _ecs = new(fixture);

    public Task InitializeAsync() => _ecs.InitializeAsync();

    public Task DisposeAsync() => _ecs.DisposeAsync();

    [Fact]
    public async Task B_ELB_1_listener_traffic_splits_by_weight_and_is_published_per_load_balancer_every_period()
    {
        var cluster = await _ecs.CreateCluster("alb");
        var (_, provider) = await _ecs.CreateAsgProvider(cluster, "m5.large", min: 2, max: 2, desired: 2, managedTerminationProtection: false, managedScaling: false);
        await _ecs.Control.PutClusterCapacityProviders(cluster, [provider], [new CapacityProviderStrategyItem(provider, 1, 0)]);
        await _ecs.WaitUntil("instances registered", async () => (await _ecs.Status(cluster)).Instances.Length == 2, TimeSpan.FromMinutes(5));
        var td = await _ecs.RegisterTaskDefinition(cpu: 256, memory: 512, ports: [new PortMapping(80, 0, "tcp")]);
        var blue = await Group(cluster + "-blue");
        var green = await Group(cluster + "-green");
        foreach (var (service, group) in new[] { ("blue", blue), ("green", green) })
        {
            await _ecs.Control.CreateService(new CreateServiceRequest(cluster, service, td.Arn, 2, null, [], [], [],
                SchedulingStrategy.REPLICA, 100, 200, ImmutableDictionary<string, string>.Empty, null,
                LoadBalancers: [new ServiceLoadBalancer(group.Arn, "app", 80)]));
        }

        await _ecs.WaitUntil("4 healthy targets", async () =>
            (await Healthy(blue)) == 2 && (await Healthy(green)) == 2, TimeSpan.FromMinutes(10));

        var name = EmulatorClusterFixture.Unique("alb");
        var lbGrain = _ecs.Grains.GetGrain<ILoadBalancerGrain>(name);
        var lb = await lbGrain.Create(new LoadBalancerSpec(name, "application", "internet-facing", "ipv4", blue.Spec.VpcId!,
            [new LoadBalancerSubnet("subnet-a", "us-east-1a"), new LoadBalancerSubnet("subnet-b", "us-east-1b")], ["sg-1"]));
        var listener = await lbGrain.CreateListener(80, "HTTP",
            [ListenerAction.ForwardTo([new WeightedTargetGroup(blue.Arn, 9), new WeightedTargetGroup(green.Arn, 1)])], [], null);
        await _ecs.Advance(TimeSpan.FromSeconds(40)); // B-ELB-1: provisioning, then active
        Assert.Equal("active", (await lbGrain.Describe())!.State);
        await lbGrain.SetListenerTraffic(listener.Arn, "prod", TrafficProfile.Constant(100), null);

        // Whole minutes of steady traffic: every period's RequestCount by LoadBalancer is 100 x 60, split 9:1.
        var start = Next(await _ecs.Control.Now());
        await _ecs.Advance(start - await _ecs.Control.Now() + (4 * Minute) + TimeSpan.FromSeconds(30));
        var lbDimension = ("LoadBalancer", LoadBalancerArns.Dimension(lb.Arn));
        for (var p = start; p < start + (3 * Minute); p += Minute)
        {
            Assert.Equal(6000, await Sum("RequestCount", p, lbDimension), 3);
            Assert.Equal(5400, await Sum("RequestCount", p, lbDimension, ("TargetGroup", TargetGroupArns.Dimension(blue.Arn))), 3);
            Assert.Equal(600, await Sum("RequestCount", p, lbDimension, ("TargetGroup", TargetGroupArns.Dimension(green.Arn))), 3);
            Assert.Equal(600, await Sum("RequestCount", p, ("TargetGroup", TargetGroupArns.Dimension(green.Arn))), 3); // the service's own figures agree
            Assert.Equal(0, await Sum("HTTPCode_ELB_5XX_Count", p, lbDimension));
        }

        // All traffic to green from the next instant (the move blue/green deployments make, B-DP-6).
        await lbGrain.SetForwardWeights(listener.DefaultRuleArn, [new WeightedTargetGroup(blue.Arn, 0), new WeightedTargetGroup(green.Arn, 1)]);
        var moved = Next(await _ecs.Control.Now());
        await _ecs.Advance(moved - await _ecs.Control.Now() + (2 * Minute) + TimeSpan.FromSeconds(30));
        Assert.Equal(6000, await Sum("RequestCount", moved, lbDimension, ("TargetGroup", TargetGroupArns.Dimension(green.Arn))), 3);
        Assert.Equal(0, await Sum("RequestCount", moved, ("TargetGroup", TargetGroupArns.Dimension(blue.Arn))), 3);
        var figures = await lbGrain.GetFigures();
        Assert.Equal(figures.Totals.Requests, figures.TargetGroups.Sum(g => g.Totals.Requests), 3);
    }

    private static DateTimeOffset Next(DateTimeOffset t) => new(((t.UtcTicks / Minute.Ticks) + 1) * Minute.Ticks, TimeSpan.Zero);

    private Task<TargetGroupInfo> Group(string name) => _ecs.CreateTargetGroup(name);

    private Task<int> Healthy(TargetGroupInfo group) => _ecs.HealthyTargets(group);

    private async Task<double> Sum(string metric, DateTimeOffset period, params (string Name, string Value)[] dimensions)
    {
        var dims = dimensions.Select(d => new MetricDimension(d.Name, d.Value)).OrderBy(d => d.Name, StringComparer.Ordinal).ToImmutableArray();
        var data = await _ecs.Grains.GetGrain<IMetricStoreGrain>(MetricNamespaces.ApplicationElb).Get(metric, dims, period, period + Minute);
        return data.Where(d => d.Timestamp >= period && d.Timestamp < period + Minute).Sum(d => d.Value);
    }
}
