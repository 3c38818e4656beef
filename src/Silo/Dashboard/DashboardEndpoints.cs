using System.Collections.Immutable;
using Emulator.Contracts;
using Emulator.Runtime;

namespace Emulator.Silo.Dashboard;

/// <summary>
/// The live web dashboard (issue 15) on the emulator's HTTP port: the page at <c>/ui</c> (clusters) and
/// <c>/ui/clusters/{name}</c> (one cluster), its assets under <c>/ui/assets/</c>, and the read-only JSON views it polls
/// under <c>/emulator/ui/</c>. The views read through the grains' existing interfaces (the control grain's cluster
/// status, the metric store, the chaos log); the live event stream is the existing
/// <c>/emulator/events/{cluster}/stream</c>. Nothing here changes state.
/// </summary>
public static class DashboardEndpoints
{
    private const int MaxStoppedTasksShown = 20;

    /// <summary>The longest chart window: CloudWatch keeps one emulated day per series.</summary>
    private static readonly TimeSpan MaxWindow = TimeSpan.FromHours(24);

    private static readonly TimeSpan MinAutoWindow = TimeSpan.FromMinutes(10);

    public static WebApplication MapDashboard(this WebApplication app)
    {
        var assets = DashboardAssets.Load();
        app.MapGet("/ui", (HttpContext http) => assets.Serve("index.html", http));
        app.MapGet("/ui/assets/{**path}", (string? path, HttpContext http) => assets.Serve(path ?? "", http));

        // Client-side routes (/ui/, /ui/clusters/NAME) all load the same shell; the page reads its own address.
        app.MapGet("/ui/{**route}", (HttpContext http) => assets.Serve("index.html", http));

        app.MapGet("/emulator/ui/clusters", async (IGrainFactory grains, EmulatorRuntime runtime) =>
        {
            var control = grains.GetGrain<IEcsControlGrain>(GrainKeys.Control);
            var names = await grains.GetGrain<IAccountGrain>(GrainKeys.Account).List(ResourceKind.Cluster);
            var statuses = new List<ClusterStatus>();
            foreach (var name in names.Order(StringComparer.Ordinal))
            {
                try
                {
                    statuses.Add(await control.GetClusterStatus(name, false));
                }
                catch (EcsException)
                {
                    // deleted between the list and the read
                }
            }

            return Json(DashboardClusters.Write(statuses, runtime.Clock.Now, runtime.Clock.TimeScale));
        });

        app.MapGet("/emulator/ui/clusters/{cluster}", async (string cluster, IGrainFactory grains, EmulatorRuntime runtime) =>
        {
            try
            {
                var status = await grains.GetGrain<IEcsControlGrain>(GrainKeys.Control).GetClusterStatus(cluster, false);
                return Json(DashboardSnapshot.Write(status, Settings(runtime)));
            }
            catch (EcsException e)
            {
                return NotFound(e, cluster);
            }
        });

        app.MapGet("/emulator/ui/clusters/{cluster}/history", async (string cluster, int? minutes, IGrainFactory grains, EmulatorRuntime runtime) =>
        {
            ClusterStatus status;
            try
            {
                status = await grains.GetGrain<IEcsControlGrain>(GrainKeys.Control).GetClusterStatus(cluster, true);
            }
            catch (EcsException e)
            {
                return NotFound(e, cluster);
            }

            // A window in minutes, or (none, 0) the cluster's own span: from its oldest task or datapoint of the last day.
            var input = await HistoryInput(status, MaxWindow, grains, runtime);
            var from = minutes is > 0
                ? status.Now - TimeSpan.FromMinutes(Math.Clamp(minutes.Value, 5, MaxWindow.TotalMinutes))
                : DashboardHistory.AutoFrom(input, MinAutoWindow);
            return Json(DashboardHistory.Write(input with { From = from }));
        });

        app.MapGet("/emulator/ui/clusters/{cluster}/instances/{instance}", async (string cluster, string instance, IGrainFactory grains, EmulatorRuntime runtime) =>
        {
            var grain = grains.GetGrain<IClusterGrain>(GrainKeys.Cluster(Arns.ClusterName(cluster)));
            if (await grain.Describe() is null)
            {
                return NotFound(Errors.ClusterNotFound(), cluster);
            }

            var id = Arns.ShortName(instance);
            var record = (await grain.GetInstances()).FirstOrDefault(i => i.ContainerInstanceId == id || i.Ec2InstanceId == id);
            if (record is null)
            {
                return Results.Json(new { __type = "InstanceNotFound", message = $"No container instance {id} in cluster {cluster}." }, statusCode: 404);
            }

            var tasks = await grain.ListTasks(TaskFilter.All with { ContainerInstanceId = record.ContainerInstanceId });
            var shown = tasks.Where(t => t.LastStatus != Contracts.TaskStatus.STOPPED)
                .Concat(tasks.Where(t => t.LastStatus == Contracts.TaskStatus.STOPPED).OrderByDescending(t => t.StoppedAt).Take(MaxStoppedTasksShown))
                .ToList();
            return Json(DashboardInstance.Write(record, shown, tasks.Count(t => t.LastStatus == Contracts.TaskStatus.STOPPED), runtime.Region, runtime.Account));
        });
        return app;
    }

    private static DashboardSettings Settings(EmulatorRuntime runtime) => new(
        runtime.Clock.TimeScale,
        runtime.Options.Timings.MetricPeriod,
        runtime.Options.Timings.StoppedRetention,
        type => runtime.Catalog.TryGet(type, out var info) ? runtime.Catalog.Registered(info) : null);

    private static async Task<DashboardHistory.Input> HistoryInput(ClusterStatus s, TimeSpan window, IGrainFactory grains, EmulatorRuntime runtime)
    {
        var now = s.Now;
        var from = now - window;
        var end = now + TimeSpan.FromSeconds(1);
        var name = s.Cluster.Name;
        var managedScaling = grains.GetGrain<IMetricStoreGrain>(MetricNamespaces.ManagedScaling);
        var autoScaling = grains.GetGrain<IMetricStoreGrain>(MetricNamespaces.AutoScaling);
        var elb = grains.GetGrain<IMetricStoreGrain>(MetricNamespaces.ApplicationElb);
        var cost = grains.GetGrain<IMetricStoreGrain>(MetricNamespaces.EmulatorCost);

        var providers = new List<(string, int, ImmutableArray<MetricDatum>)>();
        var charges = new List<(string, ImmutableArray<MetricDatum>)>();
        foreach (var p in s.CapacityProviders)
        {
            if (p.Spec is { } spec)
            {
                providers.Add((p.Name, spec.ManagedScaling.TargetCapacity,
                    await managedScaling.Get("CapacityProviderReservation", Dims(("CapacityProviderName", p.Name), ("ClusterName", name)), from, end)));
            }

            charges.Add((p.Name, await cost.Get("EstimatedCharges", Dims(("CapacityProviderName", p.Name), ("ClusterName", name)), from, end)));
        }

        var groups = new List<(string, ImmutableArray<MetricDatum>, ImmutableArray<MetricDatum>)>();
        foreach (var g in s.AutoScalingGroups)
        {
            var dims = Dims(("AutoScalingGroupName", g.Spec.Name));
            groups.Add((g.Spec.Name, await autoScaling.Get("GroupInServiceInstances", dims, from, end), await autoScaling.Get("GroupDesiredCapacity", dims, from, end)));
        }

        // The cluster's target groups (B-LB-3): a service names one by ARN, or by name (resolved like the traffic grain does).
        var targetGroups = new List<(string, ImmutableArray<MetricDatum>, ImmutableArray<MetricDatum>)>();
        foreach (var lb in s.Services.SelectMany(v => v.Spec.LoadBalancers.IsDefault ? [] : v.Spec.LoadBalancers).DistinctBy(lb => lb.TargetGroupName))
        {
            var arn = lb.TargetGroupArn.StartsWith("arn:", StringComparison.Ordinal)
                ? lb.TargetGroupArn
                : (await grains.GetGrain<ITargetGroupGrain>(lb.TargetGroupName).Describe())?.Arn;
            if (arn is null)
            {
                continue;
            }

            var dims = Dims(("TargetGroup", TargetGroupArns.Dimension(arn)));
            targetGroups.Add((lb.TargetGroupName, await elb.Get("RequestCount", dims, from, end), await elb.Get("HTTPCode_ELB_5XX_Count", dims, from, end)));
        }

        var injections = (await grains.GetGrain<IChaosGrain>(0).GetInjections(0))
            .Where(i => i.Cluster == name || string.IsNullOrEmpty(i.Cluster))
            .ToList();
        return new DashboardHistory.Input(now, from, runtime.Options.Timings.MetricPeriod, runtime.Options.Timings.StoppedRetention,
            providers, groups, targetGroups, charges, s.Tasks, injections, s.Services);
    }

    private static ImmutableArray<MetricDimension> Dims(params (string Name, string Value)[] dims) =>
        [.. dims.OrderBy(d => d.Name, StringComparer.Ordinal).Select(d => new MetricDimension(d.Name, d.Value))];

    private static IResult Json(byte[] body) => Results.Bytes(body, "application/json");

    private static IResult NotFound(EcsException e, string cluster) =>
        Results.Json(new { __type = e.Code, message = e.Code == ErrorCodes.ClusterNotFound ? $"Cluster {cluster} not found." : e.Message }, statusCode: 404);
}
