using Emulator.Contracts;

namespace Emulator.Tests.EndToEnd;

/// <summary>B-IT-4 / B-IT-5 end to end: accrued cost per cluster, capacity provider and service, and as metrics.</summary>
[Collection(EmulatorCollection.Name)]
public sealed class CostTests(EmulatorClusterFixture fixture) : IAsyncLifetime
{
    private readonly EcsDriver _ecs = new(fixture);

    public Task InitializeAsync() => _ecs.InitializeAsync();

    public Task DisposeAsync() => _ecs.DisposeAsync();

    [Fact]
    public async Task B_IT_5_cost_by_cluster_provider_and_service_with_fargate_spot_at_30_percent_and_in_cloudwatch()
    {
        var cluster = await _ecs.CreateCluster("cost");
        await _ecs.Control.PutClusterCapacityProviders(cluster, ["FARGATE", "FARGATE_SPOT"],
            [new CapacityProviderStrategyItem("FARGATE", 1, 0), new CapacityProviderStrategyItem("FARGATE_SPOT", 1, 0)]);
        var td = await _ecs.RegisterTaskDefinition(cpu: 1024, memory: 2048, mode: NetworkMode.awsvpc, fargate: true);
        await _ecs.CreateService(cluster, "api", td, 2);
        await _ecs.WaitUntil("2 running", async () => await _ecs.CountTasks(cluster, EcsDriver.Running) == 2, TimeSpan.FromMinutes(5));
        var start = await _ecs.Control.Now();
        await _ecs.WaitUntil("an emulated hour", async () => await _ecs.Control.Now() >= start + TimeSpan.FromHours(1), TimeSpan.FromHours(2));

        var status = await _ecs.Status(cluster);
        var fargate = status.Costs.ByCapacityProvider["FARGATE"];
        var spot = status.Costs.ByCapacityProvider["FARGATE_SPOT"];

        // 1 vCPU / 2 GB: 0.04937 USD/h on FARGATE, FARGATE_SPOT at 30 % of it, each from its task's acceptance to now.
        var tasks = (await _ecs.Cluster(cluster).ListTasks(TaskFilter.All)).ToDictionary(t => t.CapacityProvider!);
        // On virtual time nothing moves while the status is read: the slack only covers the decimal rounding of rates.
        decimal Hours(TaskRecord t) => (decimal)(status.Now - t.CreatedAt).TotalHours;
        const decimal Slack = 1m / 3600m;
        Assert.InRange(fargate, 0.04937m * (Hours(tasks["FARGATE"]) - Slack), 0.04937m * (Hours(tasks["FARGATE"]) + Slack));
        Assert.InRange(spot, 0.04937m * 0.30m * (Hours(tasks["FARGATE_SPOT"]) - Slack), 0.04937m * 0.30m * (Hours(tasks["FARGATE_SPOT"]) + Slack));
        Assert.True(fargate >= 0.04937m);
        Assert.Equal(fargate + spot, status.Costs.ByService["api"]);
        Assert.Equal(fargate + spot, status.Costs.Fargate);
        Assert.Equal(status.Costs.Fargate + status.Costs.Instances, status.Costs.Total);

        // Emulator/Cost EstimatedCharges, published once per metric period.
        var store = _ecs.Grains.GetGrain<IMetricStoreGrain>(MetricNamespaces.EmulatorCost);
        var now = await _ecs.Control.Now();
        var byService = await store.Get("EstimatedCharges", [new MetricDimension("ClusterName", cluster), new MetricDimension("ServiceName", "api")],
            now - TimeSpan.FromHours(3), now + TimeSpan.FromMinutes(1));
        var bySpot = await store.Get("EstimatedCharges", [new MetricDimension("CapacityProviderName", "FARGATE_SPOT"), new MetricDimension("ClusterName", cluster)],
            now - TimeSpan.FromHours(3), now + TimeSpan.FromMinutes(1));
        Assert.NotEmpty(byService);
        Assert.NotEmpty(bySpot);
        var after = (await _ecs.Status(cluster)).Costs;
        Assert.InRange(byService.Max(d => d.Value), (double)(fargate + spot) * 0.8, (double)after.ByService["api"] + 1e-9);
        Assert.InRange(bySpot.Max(d => d.Value), (double)spot * 0.8, (double)after.ByCapacityProvider["FARGATE_SPOT"] + 1e-9);

        // Accrual is monotonic: the series never decreases.
        var values = byService.OrderBy(d => d.Timestamp).Select(d => d.Value).ToList();
        Assert.True(values.Zip(values.Skip(1)).All(p => p.Second >= p.First));
        await _ecs.Scale(cluster, "api", 0);
        await _ecs.WaitUntil("stopped", async () => await _ecs.CountTasks(cluster, t => t.LastStatus != Contracts.TaskStatus.STOPPED) == 0, TimeSpan.FromMinutes(10));
    }
}
