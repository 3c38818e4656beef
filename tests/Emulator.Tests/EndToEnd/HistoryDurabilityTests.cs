using System.Collections.Immutable;
using Emulator.Contracts;
using Orleans.Core.Internal;

namespace Emulator.Tests.EndToEnd;

/// <summary>
/// B-EV-3 / B-CAS-3 history across a grain's reactivation: the cluster's event log and the CloudWatch datapoints are
/// read back from grain storage (written on deactivation in the embedded default), with the same sequence numbers.
/// </summary>
[Collection(EmulatorCollection.Name)]
public sealed class HistoryDurabilityTests(EmulatorClusterFixture fixture) : IAsyncLifetime
{
    private readonly EcsDriver _ecs = new(fixture);

    public Task InitializeAsync() => _ecs.InitializeAsync();

    public Task DisposeAsync() => _ecs.DisposeAsync();

    [Fact]
    public async Task B_EV_3_the_event_log_survives_the_cluster_grains_reactivation_and_numbering_continues()
    {
        var cluster = await _ecs.CreateCluster("history");
        await _ecs.Control.PutClusterCapacityProviders(cluster, ["FARGATE"], [new CapacityProviderStrategyItem("FARGATE", 1, 0)]);
        var td = await _ecs.RegisterTaskDefinition(mode: NetworkMode.awsvpc, fargate: true);
        for (var i = 0; i < 4; i++)
        {
            await _ecs.Control.RunTask(new RunTaskRequest(cluster, td.Arn, 10, null, [], [], [], null, "me", null));
        }

        await _ecs.WaitUntil("40 running", async () => await _ecs.CountTasks(cluster, EcsDriver.Running) == 40, TimeSpan.FromMinutes(5));
        var before = (await _ecs.Cluster(cluster).ReadEvents(0, null, 10_000)).Events;
        Assert.True(before.Length > Emulator.Model.Persistence.EventLogSegments.SegmentSize, $"{before.Length} events"); // more than one stored segment

        await _ecs.Cluster(cluster).Cast<IGrainManagementExtension>().DeactivateOnIdle();
        var after = (await _ecs.Cluster(cluster).ReadEvents(0, null, 10_000)).Events;
        Assert.Equal(Keys(before), Keys(after.Take(before.Length)));
        Assert.Equal(before.Select(e => e.Task?.LastStatus), after.Take(before.Length).Select(e => e.Task?.LastStatus));

        // Numbering continues after the newest stored event: no sequence is handed out twice.
        await _ecs.Control.RunTask(new RunTaskRequest(cluster, td.Arn, 1, null, [], [], [], null, "me", null));
        await _ecs.WaitUntil("41 running", async () => await _ecs.CountTasks(cluster, EcsDriver.Running) == 41, TimeSpan.FromMinutes(5));
        var all = (await _ecs.Cluster(cluster).ReadEvents(0, null, 10_000)).Events;
        Assert.Equal(all.Length, all.Select(e => e.Sequence).Distinct().Count());
        Assert.Equal(Enumerable.Range(1, all.Length).Select(i => (long)i), all.Select(e => e.Sequence));
        Assert.True(all.Length > before.Length);
    }

    [Fact]
    public async Task B_CAS_3_datapoints_survive_the_metric_stores_reactivation_and_retention_still_applies()
    {
        var ns = EmulatorClusterFixture.Unique("Test/History");
        var store = _ecs.Grains.GetGrain<IMetricStoreGrain>(ns);
        var now = await _ecs.Control.Now();
        var series = new[] { ("ClusterName", "c1"), ("CapacityProviderName", "cp") };
        // Three emulated hours of minute datapoints (three stored chunks), one datapoint of another series, one too old to keep.
        var points = Enumerable.Range(0, 180).Select(i => MetricNamespaces.Datum("CapacityProviderReservation", now - TimeSpan.FromMinutes(180 - i), i, "Percent", series)).ToImmutableArray();
        await store.Put(points);
        await store.Put([MetricNamespaces.Datum("Other", now - TimeSpan.FromMinutes(1), 7, "Count", ("ClusterName", "c1")),
            MetricNamespaces.Datum("CapacityProviderReservation", now - TimeSpan.FromDays(2), 1, "Percent", series)]);
        var dims = points[0].Dimensions;
        ImmutableArray<MetricDatum> read = [];
        ImmutableArray<MetricSeries> listed = [];
        await _ecs.WaitUntil("the datapoints", async () =>
            (read = await store.Get("CapacityProviderReservation", dims, now - TimeSpan.FromDays(3), now)).Length >= points.Length
            && (listed = await store.List(null, [])).Length == 2, TimeSpan.FromMinutes(10)); // Put is one-way
        Assert.Equal(Values(points), Values(read)); // the two-day-old datapoint is not kept (one emulated day)

        await store.Cast<IGrainManagementExtension>().DeactivateOnIdle();
        Assert.Equal(Values(points), Values(await store.Get("CapacityProviderReservation", dims, now - TimeSpan.FromDays(3), now)));
        Assert.Equal(listed.Select(Text), (await store.List(null, [])).Select(Text));
        Assert.Equal(2, listed.Length);
        Assert.Equal([7.0], (await store.Get("Other", [new MetricDimension("ClusterName", "c1")], now - TimeSpan.FromHours(1), now)).Select(d => d.Value));

        // New datapoints join the reloaded series in time order.
        var later = MetricNamespaces.Datum("CapacityProviderReservation", now + TimeSpan.FromSeconds(1), 99, "Percent", series);
        await store.Put([later]);
        ImmutableArray<MetricDatum> all = [];
        await _ecs.WaitUntil("the new datapoint", async () => (all = await store.Get("CapacityProviderReservation", dims, now - TimeSpan.FromDays(3), now + TimeSpan.FromMinutes(1))).Length > points.Length,
            TimeSpan.FromMinutes(10)); // Put is one-way
        Assert.Equal(Values([.. points, later]), Values(all));
    }

    private static IEnumerable<string> Values(IEnumerable<MetricDatum> data) =>
        data.Select(d => $"{d.MetricName} {string.Join(",", d.Dimensions.Select(x => x.Name + "=" + x.Value))} {d.Timestamp.UtcTicks} {d.Value} {d.Unit}");

    private static string Text(MetricSeries s) => $"{s.MetricName} {string.Join(",", s.Dimensions.Select(x => x.Name + "=" + x.Value))} {s.Unit}";

    private static IEnumerable<(long, string, string)> Keys(IEnumerable<EmulatorEvent> events) => events.Select(e => (e.Sequence, e.Id, e.DetailType));
}
