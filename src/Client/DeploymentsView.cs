using System.Collections.Immutable;
using Emulator.Client.Scenarios;
using Emulator.Contracts;
using Spectre.Console;

namespace Emulator.Client;

/// <summary>
/// `client deployments --cluster C --service S [--follow]`: a service's deployments (B-DP-5: status, revisions, circuit
/// breaker, rollback) and the timeline of what they did in emulated time: the "ECS Deployment State Change" events
/// (B-DP-4), the service's events (tasks started and stopped, failures, rollbacks, steady state) and, while following,
/// the progress of the PRIMARY deployment (new and old tasks running, failures against the threshold). A blue/green,
/// linear or canary deployment (B-DP-6, B-DP-7) shows its strategy, lifecycle stage, production and test traffic on blue
/// and green, the step of how many, the countdown of the current wait (step bake, bake time, hook timeout) and its
/// hooks (a PAUSE hook awaiting an action with the command that answers it); followed live, then its result and reason.
/// </summary>
public sealed class DeploymentsView(IGrainFactory grains, IAnsiConsole console, Pause? pause = null)
{
    /// <summary>While following, a wait's countdown is printed again after this much emulated time.</summary>
    private static readonly TimeSpan CountdownEvery = TimeSpan.FromSeconds(30);

    private readonly Pause _pause = pause ?? Pauses.Wall;
    private readonly HashSet<string> _seenEvents = new(StringComparer.Ordinal);
    private readonly HashSet<string> _hooksShown = new(StringComparer.Ordinal);
    private long _cursor;
    private string? _lastProgress;
    private string? _lastShift;
    private DateTimeOffset _lastCountdownAt;

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
        if (views.FirstOrDefault(v => v.TrafficShift is not null) is { TrafficShift: { } shift } latest)
        {
            var now = await grains.GetGrain<IEcsControlGrain>(GrainKeys.Control).Now();
            console.Write(ShiftTable(info, latest, shift, now, Td));
        }
    }

    /// <summary>B-DP-6 / B-DP-7: one traffic-shifting service deployment as a table: stage, weights, step, countdown, hooks, result.</summary>
    internal static Table ShiftTable(ServiceInfo info, ServiceDeploymentView view, TrafficShiftView shift, DateTimeOffset now, Func<string, string> td)
    {
        var table = new Table().Title(Markup.Escape($"{shift.Strategy} service deployment {view.Record.Id}")).AddColumns("", "");
        table.AddRow("lifecycle stage", Markup.Escape(shift.LifecycleStage));
        table.AddRow("production traffic", Markup.Escape(Weights(shift.ProductionGreenPercent) + (shift.ProductionListenerRule is { } p ? $" (rule {p})" : "")));
        if (shift.TestListenerRule is { } test)
        {
            table.AddRow("test traffic", Markup.Escape(Weights(shift.TestGreenPercent) + $" (rule {test})"));
        }

        table.AddRow("blue", Markup.Escape($"{TargetGroupArns.Name(shift.BlueTargetGroupArn)}: {(shift.SourceRevisionId is { } s ? td(s) : "-")}"));
        table.AddRow("green", Markup.Escape($"{TargetGroupArns.Name(shift.GreenTargetGroupArn)}: {td(view.Record.TargetRevisionId)}"));
        table.AddRow("step", Markup.Escape(Step(shift)));
        table.AddRow("waiting", Markup.Escape(Countdown(shift, now) ?? "-"));
        foreach (var h in shift.Hooks)
        {
            table.AddRow(Markup.Escape($"hook {h.HookId}"), Markup.Escape(Hook(info, view, h, now)));
        }

        table.AddRow("result", Markup.Escape(shift.Result + (shift.Reason is { } why ? $": {why}" : "")));
        return table;
    }

    private static string Weights(double green) =>
        $"blue {ScenarioRunner.Percent(100 - green)} % / green {ScenarioRunner.Percent(green)} %";

    /// <summary>Step k of n of the production shift (Step is 0-based, -1 before the first).</summary>
    private static string Step(TrafficShiftView shift) =>
        shift.Step < 0 ? $"before the first of {shift.Steps}" : $"{shift.Step + 1} of {shift.Steps}";

    /// <summary>What the deployment waits for and how long is left (WaitUntil minus the emulated now); null when it waits on nothing timed.</summary>
    internal static string? Countdown(TrafficShiftView shift, DateTimeOffset now)
    {
        if (shift.WaitUntil is not { } until || shift.Result != "IN_PROGRESS")
        {
            return null;
        }

        var left = until - now;
        var what = shift.Hooks.Any(h => h.Status is "AWAITING_ACTION" or "IN_PROGRESS") ? "hook timeout"
            : shift.LifecycleStage == "BAKE_TIME" ? "bake time"
            : shift.LifecycleStage == "PRODUCTION_TRAFFIC_SHIFT" ? "next traffic step"
            : shift.LifecycleStage;
        return $"{what} in {Duration(left < TimeSpan.Zero ? TimeSpan.Zero : left)} (at {until:HH:mm:ss})";
    }

    private static string Hook(ServiceInfo info, ServiceDeploymentView view, LifecycleHookDetail h, DateTimeOffset now)
    {
        var text = $"{h.TargetType}{(h.TargetArn is { } arn ? " " + arn : "")} at {h.Stage}: {h.Status}";
        if (h.ExpiresAt is { } expires && h.Status is "AWAITING_ACTION" or "IN_PROGRESS")
        {
            text += $", times out in {Duration(expires > now ? expires - now : TimeSpan.Zero)} ({h.TimeoutAction})";
        }

        if (h.Status == "AWAITING_ACTION")
        {
            text += $"{Environment.NewLine}answer: client continue-deployment --cluster {info.Spec.Cluster} --service {info.Spec.Name} --hook-id {h.HookId} [--action ROLLBACK]"
                    + $"{Environment.NewLine}    or: aws ecs continue-service-deployment --service-deployment-arn {HookAnswers.ServiceDeploymentArn(info.Arn, info.Spec.Cluster, info.Spec.Name, view.Record.Id)} --hook-id {h.HookId} --action CONTINUE";
        }

        return text;
    }

    private static string Duration(TimeSpan t) =>
        t.TotalHours >= 1 ? $"{(int)t.TotalHours}h{t.Minutes:00}m{t.Seconds:00}s" : t.TotalMinutes >= 1 ? $"{(int)t.TotalMinutes}m{t.Seconds:00}s" : $"{(int)t.TotalSeconds}s";

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

        if (follow)
        {
            await FollowShift(info, grain);
        }
    }

    /// <summary>
    /// B-DP-6 / B-DP-7 while following: a line whenever the traffic shift's stage, weights, step or hooks change, the
    /// countdown of the current wait every <see cref="CountdownEvery"/> of emulated time, each PAUSE hook awaiting an
    /// action once with the command that answers it, and the result and reason once it ends.
    /// </summary>
    private async Task FollowShift(ServiceInfo info, IServiceGrain grain)
    {
        var view = (await grain.ListServiceDeployments()).FirstOrDefault(v => v.TrafficShift is not null);
        if (view?.TrafficShift is not { } shift)
        {
            return;
        }

        var now = await grains.GetGrain<IEcsControlGrain>(GrainKeys.Control).Now();
        var line = $"{view.Record.Id} {shift.Strategy} {shift.LifecycleStage}: production {Weights(shift.ProductionGreenPercent)}"
                   + (shift.TestListenerRule is null ? "" : $"; test {Weights(shift.TestGreenPercent)}")
                   + $"; step {Step(shift)}"
                   + string.Concat(shift.Hooks.Select(h => $"; hook {h.HookId} {h.TargetType} at {h.Stage} {h.Status}"))
                   + (shift.Result == "IN_PROGRESS" ? "" : $"; {shift.Result}" + (shift.Reason is { } why ? $": {why}" : ""));
        if (line != _lastShift)
        {
            _lastShift = line;
            _lastCountdownAt = DateTimeOffset.MinValue;
            ScenarioRunner.WriteLine(console, now, "shift", line);
        }

        foreach (var h in shift.Hooks.Where(h => h.Status == "AWAITING_ACTION" && _hooksShown.Add($"{view.Record.Id}/{h.HookId}")))
        {
            ScenarioRunner.WriteLine(console, now, "hook", Hook(info, view, h, now));
        }

        if (Countdown(shift, now) is { } countdown && now - _lastCountdownAt >= CountdownEvery)
        {
            _lastCountdownAt = now;
            ScenarioRunner.WriteLine(console, now, "wait", $"{view.Record.Id}: {countdown}");
        }
    }
}
