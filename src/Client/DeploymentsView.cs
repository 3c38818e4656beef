using System.Collections.Immutable;
using Emulator.Client.Scenarios;
using Emulator.Contracts;
using Spectre.Console;

namespace Emulator.Client;

/// <summary>
/// `client deployments --cluster C --service S [--follow]`: a service's deployments (B-DP-5: status, revisions, circuit
/// breaker, rollback) and the timeline of what they did in emulated time: the "ECS Deployment State Change" events
/// (B-DP-4), the service's events (tasks started and stopped, failures, rollbacks, steady state) and, while following,
/// the progress of the PRIMARY deployment (new and old tasks running, failures against the threshold).
/// </summary>
public sealed class DeploymentsView(IGrainFactory grains, IAnsiConsole console, Pause? pause = null)
{
    private readonly Pause _pause = pause ?? Pauses.Wall;
    private readonly HashSet<string> _seenEvents = new(StringComparer.Ordinal);
    private long _cursor;
    private string? _lastProgress;

    public async Task<int> RunAsync(string cluster, string service, bool follow, CancellationToken ct)
    {
        var grain = grains.GetGrain<IServiceGrain>(GrainKeys.Service(cluster, service));
        if (await grain.Describe() is not { } info)
        {
            console.MarkupLineInterpolated($"[red]no service {service} in cluster {cluster}[/]");
            return 2;
        }

        await Summary(grain, info);
        console.MarkupLine("[bold]timeline[/] (emulated time)");
        do
        {
            await Timeline(cluster, grain, follow);
            if (!follow)
            {
                break;
            }

            await _pause(TimeSpan.FromSeconds(1), ct);
        }
        while (!ct.IsCancellationRequested);
        return 0;
    }

    private async Task Summary(IServiceGrain grain, ServiceInfo info)
    {
        var views = await grain.ListServiceDeployments();
        var revisionIds = views.SelectMany(v => v.Sources.Select(s => s.RevisionId).Append(v.Target.RevisionId)).Distinct().ToImmutableArray();
        var taskDefinitions = (await grain.GetServiceRevisions(revisionIds)).ToDictionary(r => r.Id, r => Arns.ShortName(r.TaskDefinitionArn), StringComparer.Ordinal);
        string Td(string revision) => taskDefinitions.GetValueOrDefault(revision, revision);
        var table = new Table().Title($"Service deployments of {Markup.Escape(info.Spec.Name)}")
            .AddColumns("service deployment", "status", "created", "finished", "from", "to", "circuit breaker", "rollback", "reason");
        foreach (var v in views.Take(20))
        {
            var d = v.Record;
            table.AddRow(d.Id, d.Status, $"{d.CreatedAt:HH:mm:ss}", d.FinishedAt is { } f ? $"{f:HH:mm:ss}" : d.StoppedAt is { } st ? $"stopped {st:HH:mm:ss}" : "-",
                Markup.Escape(string.Join(", ", v.Sources.Select(s => Td(s.RevisionId))) is { Length: > 0 } from ? from : "-"),
                Markup.Escape($"{Td(d.TargetRevisionId)} ({v.Target.Running}/{v.Target.Requested} running)"),
                d.CircuitBreakerStatus == "DISABLED" ? "disabled" : $"{d.CircuitBreakerStatus} {d.FailureCount}/{d.Threshold}",
                d.Rollback is { } r ? Markup.Escape($"to {Td(r.RevisionId)} at {r.StartedAt:HH:mm:ss}") : "-",
                Markup.Escape(d.StatusReason ?? ""));
        }

        console.Write(table);
    }

    private async Task Timeline(string cluster, IServiceGrain grain, bool follow)
    {
        var info = await grain.Describe();
        if (info is null)
        {
            return;
        }

        var lines = new List<(DateTimeOffset At, string What, string Text)>();
        var page = await grains.GetGrain<IClusterGrain>(cluster).ReadEvents(_cursor, null, 10_000);
        _cursor = page.LastSequence;
        foreach (var e in page.Events.Where(e => e.DetailType == EventTypes.DeploymentStateChange && e.Resources.Contains(info.Arn)))
        {
            lines.Add((e.Time, "deploy", $"{e.Detail.GetValueOrDefault("deploymentId")}: {e.Detail.GetValueOrDefault("eventName")} - {e.Detail.GetValueOrDefault("reason")}"));
        }

        foreach (var e in info.Events.Where(e => _seenEvents.Add(e.Id)))
        {
            lines.Add((e.CreatedAt, "service", e.Message));
        }

        foreach (var (at, what, text) in lines.OrderBy(l => l.At))
        {
            ScenarioRunner.WriteLine(console, at, what, text);
        }

        if (follow && info.Deployments.FirstOrDefault(d => d.Status == "PRIMARY") is { } primary)
        {
            var old = info.Deployments.Where(d => d.Status != "PRIMARY").Sum(d => d.RunningCount);
            var progress = $"{primary.Id} {primary.RolloutState}: new {primary.RunningCount}/{primary.DesiredCount} running, {primary.PendingCount} pending; old {old} running; failed {StatusView.Failed(primary)}";
            if (progress != _lastProgress)
            {
                _lastProgress = progress;
                ScenarioRunner.WriteLine(console, await grains.GetGrain<IEcsControlGrain>(GrainKeys.Control).Now(), "progress", progress);
            }
        }
    }
}
