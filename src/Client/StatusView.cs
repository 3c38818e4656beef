using System.Globalization;
using Emulator.Contracts;
using Spectre.Console;

namespace Emulator.Client;

/// <summary>Status as tables: clusters; or one cluster's providers (N, M, CPR), groups, instances, tasks and services.</summary>
public sealed class StatusView(IGrainFactory grains, IAnsiConsole console)
{
    private IEcsControlGrain Control => grains.GetGrain<IEcsControlGrain>(GrainKeys.Control);

    public async Task ShowAsync(string? cluster)
    {
        if (cluster is null)
        {
            await ShowClusters();
        }
        else
        {
            var status = await Control.GetClusterStatus(cluster, false);
            Show(status);
            await ShowAutoScaling(status);
        }
    }

    /// <summary>
    /// B-AS-*: the scalable targets of the cluster's services: bounds, policies with their alarms' states, the last
    /// scaling activity and the next scheduled action.
    /// </summary>
    public async Task ShowAutoScaling(ClusterStatus s)
    {
        var rows = new List<ScalableTargetStatus>();
        foreach (var v in s.Services)
        {
            var key = GrainKeys.ScalableTarget(AppAutoScaling.EcsNamespace, AppAutoScaling.ResourceId(s.Cluster.Name, v.Spec.Name), AppAutoScaling.EcsDesiredCount);
            if (await grains.GetGrain<IScalableTargetGrain>(key).Status() is { } status)
            {
                rows.Add(status);
            }
        }

        if (rows.Count == 0)
        {
            return;
        }

        var table = new Table().Title("Service auto scaling")
            .AddColumns("resource", "min", "max", "desired", "policies (alarms)", "last activity", "next scheduled action");
        foreach (var r in rows)
        {
            var policies = string.Join("\n", r.Policies.Select(p => $"{p.Spec.PolicyName} {Describe(p)}: " + string.Join(", ",
                p.Alarms.Select(a => r.Alarms.FirstOrDefault(x => x.AlarmName == a.AlarmName) is { } st
                    ? $"{(a.AlarmName.Contains("-AlarmHigh-", StringComparison.Ordinal) ? "high" : a.AlarmName.Contains("-AlarmLow-", StringComparison.Ordinal) ? "low" : a.AlarmName)} {st.State}"
                      + (st.LatestValue is { } lv ? $" ({lv.ToString("0.##", CultureInfo.InvariantCulture)})" : "")
                    : a.AlarmName))));
            var last = r.LastActivity is { } act ? $"{act.StartTime:HH:mm:ss} {act.StatusCode}: {act.Description}" : "-";
            var next = r.NextScheduledAction is { NextRunAt: { } at } sa ? $"{sa.Spec.Name} at {at:u}" : "-";
            table.AddRow(Markup.Escape(r.Target.ResourceId), N(r.Target.MinCapacity), N(r.Target.MaxCapacity), r.CurrentCapacity is { } c ? N(c) : "-",
                Markup.Escape(policies), Markup.Escape(last), Markup.Escape(next));
        }

        console.Write(table);
    }

    private static string Describe(ScalingPolicyInfo p) => p.Spec.TargetTracking is { } tt
        ? $"(target {tt.TargetValue.ToString("0.##", CultureInfo.InvariantCulture)} {tt.PredefinedMetricType ?? "custom"})"
        : "(step)";

    private async Task ShowClusters()
    {
        var names = await grains.GetGrain<IAccountGrain>(GrainKeys.Account).List(ResourceKind.Cluster);
        var table = new Table().Title("Clusters")
            .AddColumns("cluster", "status", "instances", "running", "pending", "provisioning", "services", "capacity providers", "cost USD");
        foreach (var name in names)
        {
            var s = await Control.GetClusterStatus(name, false);
            var c = s.Cluster;
            table.AddRow(c.Name, c.Status, N(c.RegisteredContainerInstancesCount), N(c.RunningTasksCount), N(c.PendingTasksCount),
                N(c.ProvisioningTasksCount), N(c.ActiveServicesCount), Markup.Escape(string.Join(", ", c.CapacityProviders)), Usd(s.Costs.Total));
        }

        console.Write(table);
        console.MarkupLineInterpolated($"[grey]emulated time {await Control.Now():u}[/]");
    }

    public void Show(ClusterStatus s)
    {
        console.MarkupLineInterpolated($"[bold]{s.Cluster.Name}[/] at [grey]{s.Now:u}[/] (emulated) — cost so far {Usd(s.Costs.Total)} USD");

        var providers = new Table().Title("Capacity providers")
            .AddColumns("provider", "type", "N", "M", "CPR", "target", "desired", "queued", "alarm", "cost USD");
        foreach (var p in s.CapacityProviders)
        {
            var cas = p.Cas;
            var asg = p.Spec is null ? null : s.AutoScalingGroups.FirstOrDefault(a => a.Spec.Name == p.Spec.AutoScalingGroup);
            providers.AddRow(p.Name, p.Type.ToString(), cas is null ? "-" : N(cas.N), cas is null ? "-" : N(cas.M),
                cas is null ? "-" : cas.Cpr.ToString("0.#", CultureInfo.InvariantCulture),
                p.Spec is null ? "-" : N(p.Spec.ManagedScaling.TargetCapacity), asg is null ? "-" : N(asg.DesiredCapacity),
                cas is null ? "-" : N(cas.Queued), cas?.Alarm ?? "-", Usd(s.Costs.ByCapacityProvider.GetValueOrDefault(p.Name)));
        }

        console.Write(providers);

        // B-MI-2..4: the Managed Instances manager's latest decisions, with their reasons.
        foreach (var p in s.CapacityProviders.Where(p => p.Managed is not null))
        {
            var m = p.Managed!;
            console.MarkupLineInterpolated($"[bold]{p.Name}[/] (Managed Instances): {m.Instances} instances, {m.Launching} launching, {m.Launched} launched and {m.Terminated} taken out so far");
            foreach (var decision in m.Decisions.Take(5))
            {
                console.MarkupLineInterpolated($"  [grey]{decision}[/]");
            }
        }

        var instances = new Table().Title("Container instances")
            .AddColumns("container instance", "EC2", "type", "AZ", "provider", "status", "running", "CPU left", "memory left");
        foreach (var i in s.Instances.Where(i => i.Status != ContainerInstanceStatus.INACTIVE).OrderBy(i => i.RegisteredAt))
        {
            instances.AddRow(i.ContainerInstanceId[..12], i.Ec2InstanceId, i.InstanceType + (i.IsSpot ? " (spot)" : ""), i.AvailabilityZone,
                i.CapacityProvider ?? "-", i.Status.ToString(), N(i.RunningTasksCount), N(i.Remaining.Cpu), N(i.Remaining.Memory));
        }

        console.Write(instances);

        var tasks = new Table().Title("Tasks by state and provider").AddColumns("lastStatus", "provider", "tasks");
        foreach (var g in s.Tasks.GroupBy(t => (t.LastStatus, Provider: t.ProviderOrLaunchType)).OrderBy(g => g.Key.LastStatus))
        {
            tasks.AddRow(g.Key.LastStatus.ToString(), g.Key.Provider, N(g.Count()));
        }

        console.Write(tasks);

        var services = new Table().Title("Services").AddColumns("service", "status", "desired", "running", "pending", "steady", "cost USD", "latest event");
        foreach (var v in s.Services)
        {
            services.AddRow(v.Spec.Name, v.Status.ToString(), N(v.Spec.DesiredCount), N(v.RunningCount), N(v.PendingCount),
                v.SteadyState ? "yes" : "no", Usd(s.Costs.ByService.GetValueOrDefault(v.Spec.Name)), Markup.Escape(v.Events.FirstOrDefault()?.Message ?? ""));
        }

        console.Write(services);

        // B-DP-1, B-DP-2: every deployment with its progress: tasks of the new and the old revisions, failures against the threshold.
        var deployments = new Table().Title("Deployments")
            .AddColumns("service", "deployment", "status", "rollout", "task definition", "desired", "running", "pending", "failed", "reason");
        foreach (var v in s.Services)
        {
            foreach (var d in v.Deployments)
            {
                deployments.AddRow(v.Spec.Name, d.Id, d.Status, d.RolloutState.ToString(), Markup.Escape(Arns.ShortName(d.TaskDefinitionArn)),
                    N(d.DesiredCount), N(d.RunningCount), N(d.PendingCount), Failed(d), Markup.Escape(d.RolloutStateReason));
            }
        }

        console.Write(deployments);
    }

    /// <summary>"1/3 (breaker)": the circuit breaker's count against its threshold; failed tasks without a breaker.</summary>
    internal static string Failed(DeploymentInfo d) =>
        d.FailureThreshold is { } threshold
            ? $"{d.FailureCount}/{threshold}" + (d.FailedTasks != d.FailureCount ? $" ({d.FailedTasks} in all)" : "")
            : N(d.FailedTasks);

    private static string N(int n) => n.ToString(CultureInfo.InvariantCulture);

    private static string Usd(decimal d) => d.ToString("0.0000", CultureInfo.InvariantCulture);
}
