using System.Collections.Immutable;
using System.CommandLine;
using System.Globalization;
using Emulator.Contracts;
using Spectre.Console;

namespace Emulator.Client.Chaos;

/// <summary>
/// The client's chaos commands (one fault at a time, every one targeting by name/ARN/tag with ALL / COUNT / PERCENT
/// selection), the experiment runner (FIS templates and the YAML form) and the event follower.
/// </summary>
public static class ChaosCommands
{
    /// <summary>Connects to the emulator the command line names (gateway port, or Redis in the durable mode) and runs the action.</summary>
    public delegate Task<int> Connected(ParseResult result, CancellationToken ct, Func<EmulatorConnection, Task<int>> action);

    public static void Add(RootCommand root, Connected withConnection)
    {
        root.Subcommands.Add(BuildChaos(withConnection));
        root.Subcommands.Add(BuildExperiment(withConnection));
        root.Subcommands.Add(BuildEvents(withConnection));
    }

    private sealed class TargetOptions
    {
        public Option<string> Cluster { get; } = new("--cluster") { Description = "Cluster name or ARN", Required = true };

        public Option<string[]> Ids { get; } = new("--id") { Description = "Instance id / container instance / task id or ARN (repeatable)", Arity = ArgumentArity.ZeroOrMore };

        public Option<string?> CapacityProvider { get; } = new("--capacity-provider") { Description = "Only resources of this capacity provider" };

        public Option<string?> Asg { get; } = new("--asg") { Description = "Only instances of this Auto Scaling group" };

        public Option<string?> Service { get; } = new("--service") { Description = "Only tasks of this service" };

        public Option<string[]> Tags { get; } = new("--tag") { Description = "KEY=VALUE the resource must be tagged with (repeatable)", Arity = ArgumentArity.ZeroOrMore };

        public Option<string?> Zone { get; } = new("--az") { Description = "Only resources in this Availability Zone" };

        public Option<string?> InstanceType { get; } = new("--instance-type") { Description = "Only instances of this type" };

        public Option<int?> Count { get; } = new("--count") { Description = "Select N of the matching resources (COUNT)" };

        public Option<double?> Percent { get; } = new("--percent") { Description = "Select P % of the matching resources (PERCENT, rounded up)" };

        public void AddTo(Command c)
        {
            foreach (var o in new Option[] { Cluster, Ids, CapacityProvider, Asg, Service, Tags, Zone, InstanceType, Count, Percent })
            {
                c.Options.Add(o);
            }
        }

        public ChaosTarget Read(ParseResult r)
        {
            var count = r.GetValue(Count);
            var percent = r.GetValue(Percent);
            if (count is not null && percent is not null)
            {
                throw new ArgumentException("give --count or --percent, not both.");
            }

            var selection = count is { } n ? n >= 1 ? ChaosSelection.Count(n) : throw new ArgumentException("--count must be at least 1.")
                : percent is { } p ? p is > 0 and <= 100 ? ChaosSelection.Percent(p) : throw new ArgumentException("--percent must be in (0, 100].")
                : ChaosSelection.All;
            var tags = ImmutableDictionary.CreateBuilder<string, string>(StringComparer.Ordinal);
            foreach (var tag in r.GetValue(Tags) ?? [])
            {
                var i = tag.IndexOf('=', StringComparison.Ordinal);
                if (i <= 0)
                {
                    throw new ArgumentException($"--tag takes KEY=VALUE, not '{tag}'.");
                }

                tags[tag[..i]] = tag[(i + 1)..];
            }

            return new ChaosTarget(Arns.ClusterName(r.GetValue(Cluster)), [.. r.GetValue(Ids) ?? []], r.GetValue(CapacityProvider), r.GetValue(Asg),
                r.GetValue(Service), tags.ToImmutable(), r.GetValue(Zone), r.GetValue(InstanceType), selection);
        }
    }

    private static Command BuildChaos(Connected withConnection)
    {
        var chaos = new Command("chaos", "Inject one fault now (Spot interruptions, terminations, draining, stopped tasks, pool exhaustion, AZ outages, failing launches).");

        Command Targeted(string name, string description, Func<ParseResult, ChaosTarget, IChaosGrain, Task<ChaosInjection>> act, params Option[] extra)
        {
            var t = new TargetOptions();
            var c = new Command(name, description);
            t.AddTo(c);
            foreach (var o in extra)
            {
                c.Options.Add(o);
            }

            c.SetAction((r, ct) => Inject(r, withConnection, ct, chaosGrain => act(r, t.Read(r), chaosGrain)));
            return c;
        }

        var notice = new Option<string>("--notice") { Description = "Time from the warning to termination", DefaultValueFactory = _ => "2m" };
        var rebalance = new Option<bool>("--rebalance") { Description = "Send an EC2 Instance Rebalance Recommendation first" };
        var lead = new Option<string?>("--rebalance-lead") { Description = "How long before the warning the rebalance recommendation comes" };
        chaos.Subcommands.Add(Targeted("interrupt-spot", "EC2 Spot interruption of the selected Spot instances (B-SP-1..3).",
            (r, t, g) => g.InterruptSpotInstances(t, Dur(r.GetValue(notice)!, "--notice"), r.GetValue(rebalance), r.GetValue(lead) is { } l ? Dur(l, "--rebalance-lead") : null),
            notice, rebalance, lead));
        chaos.Subcommands.Add(Targeted("fargate-spot", "Fargate Spot interruption (TerminationNotice) of the selected FARGATE_SPOT tasks (B-SP-4).",
            (_, t, g) => g.InterruptFargateSpotTasks(t)));
        chaos.Subcommands.Add(Targeted("terminate", "Terminate the selected EC2 instances without warning.", (_, t, g) => g.TerminateInstances(t)));
        var drainFor = new Option<string?>("--duration") { Description = "Set the instances back to ACTIVE after this long" };
        chaos.Subcommands.Add(Targeted("drain", "Set the selected container instances DRAINING.",
            (r, t, g) => g.DrainInstances(t, r.GetValue(drainFor) is { } d ? Dur(d, "--duration") : null), drainFor));
        var reason = new Option<string>("--reason") { Description = "stoppedReason of the tasks", DefaultValueFactory = _ => "Stopped by the emulator's chaos client" };
        chaos.Subcommands.Add(Targeted("stop-tasks", "Stop the selected tasks.", (r, t, g) => g.StopTasks(t, r.GetValue(reason)!), reason));

        var type = new Option<string?>("--instance-type") { Description = "Instance type of the pools (all when omitted)" };
        var zone = new Option<string?>("--az") { Description = "Availability Zone of the pools (all when omitted)" };
        var duration = new Option<string>("--duration") { Description = "How long (emulated), e.g. 10m", Required = true };
        var exhaust = new Command("exhaust-pool", "Spot pools have no capacity for a duration (B-ASG-3).") { type, zone, duration };
        exhaust.SetAction((r, ct) => Inject(r, withConnection, ct, g => g.ExhaustSpotPools(r.GetValue(type), r.GetValue(zone), Dur(r.GetValue(duration)!, "--duration"))));
        chaos.Subcommands.Add(exhaust);

        var groups = new Option<string[]>("--asg") { Description = "Auto Scaling group (repeatable)", Arity = ArgumentArity.OneOrMore, Required = true };
        var zones = new Option<string[]>("--az") { Description = "Availability Zone (repeatable; all when omitted)", Arity = ArgumentArity.ZeroOrMore };
        var iceDuration = new Option<string>("--duration") { Description = "How long (emulated)", Required = true };
        var ice = new Command("insufficient-capacity", "Launches of the groups fail with InsufficientInstanceCapacity for a duration.") { groups, zones, iceDuration };
        ice.SetAction((r, ct) => Inject(r, withConnection, ct, g => g.InsufficientInstanceCapacity(ChaosTarget.Groups(r.GetValue(groups)!), [.. r.GetValue(zones) ?? []], Dur(r.GetValue(iceDuration)!, "--duration"))));
        chaos.Subcommands.Add(ice);

        var cluster = new Option<string>("--cluster") { Description = "Cluster", Required = true };
        var service = new Option<string?>("--service") { Description = "Only this service's launches" };
        var probability = new Option<double>("--probability") { Description = "Probability in (0, 1] that a launch fails", Required = true };
        var failDuration = new Option<string>("--duration") { Description = "How long (emulated)", Required = true };
        var fail = new Command("fail-launches", "Task launches fail with a probability for a duration (B-SV-5).") { cluster, service, probability, failDuration };
        fail.SetAction((r, ct) => Inject(r, withConnection, ct, g => g.FailTaskLaunches(Arns.ClusterName(r.GetValue(cluster)), r.GetValue(service), r.GetValue(probability), Dur(r.GetValue(failDuration)!, "--duration"))));
        chaos.Subcommands.Add(fail);

        var faultCluster = new Option<string>("--cluster") { Description = "Cluster", Required = true };
        var faultService = new Option<string>("--service") { Description = "Service whose tasks fail", Required = true };
        var faultKind = new Option<string>("--fault") { Description = "pull, exit, health-check, target-health, error-rate or cpu-per-request", Required = true };
        var faultValue = new Option<string?>("--value") { Description = "exit: after how long (30s, 5m); error-rate: share 0-1; cpu-per-request: factor" };
        var faultDuration = new Option<string>("--duration") { Description = "How long the fault lasts (emulated)", Required = true };
        var taskFault = new Command("task-fault", "A running service's tasks fail as the emulator.* docker labels would make them (B-DP-8).")
        {
            faultCluster, faultService, faultKind, faultValue, faultDuration,
        };
        taskFault.SetAction((r, ct) => Inject(r, withConnection, ct, g =>
        {
            var kind = TaskFaultNames.Parse(r.GetValue(faultKind)!) ?? throw new ArgumentException($"--fault must be one of {string.Join(", ", TaskFaultNames.All)}.");
            double value = 0;
            if (r.GetValue(faultValue) is { } text)
            {
                value = TaskFaultNames.ParseValue(kind, text) ?? throw new ArgumentException($"--value '{text}' is not valid: {TaskFaultNames.ValueHelp(kind)}.");
            }
            else if (TaskFaultNames.NeedsValue(kind))
            {
                throw new ArgumentException($"--value is required for {r.GetValue(faultKind)}: {TaskFaultNames.ValueHelp(kind)}.");
            }

            return g.TaskFault(Arns.ClusterName(r.GetValue(faultCluster)), r.GetValue(faultService)!, kind, value, Dur(r.GetValue(faultDuration)!, "--duration"));
        }));
        chaos.Subcommands.Add(taskFault);

        var outageZone = new Option<string>("--az") { Description = "Availability Zone", Required = true };
        var outageDuration = new Option<string?>("--duration") { Description = "Restore after this long (emulated); until az-restore when omitted" };
        var outage = new Command("az-outage", "Take an Availability Zone out: its instances are lost, nothing launches there.") { outageZone, outageDuration };
        outage.SetAction((r, ct) => Inject(r, withConnection, ct, g => g.ZoneOutage(r.GetValue(outageZone)!, r.GetValue(outageDuration) is { } d ? Dur(d, "--duration") : null)));
        chaos.Subcommands.Add(outage);
        var restoreZone = new Option<string>("--az") { Description = "Availability Zone", Required = true };
        var restore = new Command("az-restore", "Bring an Availability Zone back.") { restoreZone };
        restore.SetAction((r, ct) => Inject(r, withConnection, ct, g => g.RestoreZone(r.GetValue(restoreZone)!)));
        chaos.Subcommands.Add(restore);

        var log = new Command("log", "Every injection so far, in order.");
        log.SetAction((r, ct) => withConnection(r, ct, async connection =>
        {
            foreach (var i in await connection.Grains.GetGrain<IChaosGrain>(0).GetInjections(0))
            {
                PrintInjection(i);
            }

            return 0;
        }));
        chaos.Subcommands.Add(log);
        return chaos;
    }

    private static Task<int> Inject(ParseResult r, Connected withConnection, CancellationToken ct, Func<IChaosGrain, Task<ChaosInjection>> act)
    {
        return withConnection(r, ct, async connection =>
        {
            try
            {
                PrintInjection(await act(connection.Grains.GetGrain<IChaosGrain>(0)));
                return 0;
            }
            catch (EcsException e)
            {
                AnsiConsole.MarkupLineInterpolated($"[red]{e.Code}:[/] {e.Message}");
                return 1;
            }
            catch (Exception e) when (e is ArgumentException or ExperimentException)
            {
                AnsiConsole.MarkupLineInterpolated($"[red]invalid input:[/] {e.Message}");
                return 2;
            }
        });
    }

    private static void PrintInjection(ChaosInjection i)
    {
        var until = i.Until is { } u ? $" (until {u:HH:mm:ss})" : "";
        AnsiConsole.MarkupLineInterpolated($"[grey]{i.At:yyyy-MM-dd HH:mm:ss}[/] [blue]{i.Action}[/] {i.Message}{until}");
        foreach (var t in i.Targets)
        {
            AnsiConsole.MarkupLineInterpolated($"  - {t}");
        }

        if (i.Targets.IsEmpty)
        {
            AnsiConsole.MarkupLine("  [yellow](no resource matched the target)[/]");
        }
    }

    private static TimeSpan Dur(string value, string option)
    {
        var d = ExperimentParser.Duration(value, option);
        return d > TimeSpan.Zero ? d : throw new ArgumentException($"{option} must be positive.");
    }

    private static Command BuildExperiment(Connected withConnection)
    {
        var file = new Argument<FileInfo>("file") { Description = "AWS FIS experiment template (JSON) or the YAML form" };
        var cluster = new Option<string?>("--cluster") { Description = "Cluster the targets and checks use when the file names none" };
        var report = new Option<FileInfo?>("--report") { Description = "Also write the report as JSON to this file" };
        var suffix = new Option<string?>("--suffix") { Description = "Appended to every resource name the experiment creates or targets" };
        var experiment = new Command("experiment", "Run or validate a chaos experiment.");
        var run = new Command("run", "Run an experiment: live view, then a report and the invariant checker; exit 1 when the steady-state hypothesis failed or an invariant is violated.") { file, cluster, report, suffix };
        run.SetAction(async (r, ct) =>
        {
            ExperimentFile parsed;
            try
            {
                var f = r.GetValue(file)!;
                parsed = ExperimentParser.Parse(File.ReadAllText(f.FullName), r.GetValue(cluster), f.Name, r.GetValue(suffix));
            }
            catch (Exception e) when (e is ExperimentException or IOException)
            {
                AnsiConsole.MarkupLineInterpolated($"[red]experiment rejected, nothing injected:[/] {e.Message}");
                return 2;
            }

            return await withConnection(r, ct, async connection =>
            {
                var result = await new ExperimentRunner(connection.Grains, AnsiConsole.Console).RunAsync(parsed, ct);
                if (r.GetValue(report) is { } path)
                {
                    await File.WriteAllTextAsync(path.FullName, result.ToJson(), ct);
                    AnsiConsole.MarkupLineInterpolated($"report written to {path.FullName}");
                }

                return result.ExitCode;
            });
        });
        var validate = new Command("validate", "Check an experiment file without running it.") { file, cluster };
        validate.SetAction(r =>
        {
            try
            {
                var f = r.GetValue(file)!;
                var parsed = ExperimentParser.Parse(File.ReadAllText(f.FullName), r.GetValue(cluster), f.Name, r.GetValue(suffix));
                AnsiConsole.MarkupLineInterpolated($"[green]ok[/]: {parsed.Name}: {parsed.Actions.Count} action(s) in order {string.Join(" -> ", parsed.Actions.Select(a => a.Name))}, {parsed.Targets.Count} target(s), {parsed.SteadyState.Count} steady-state check(s)");
                return 0;
            }
            catch (Exception e) when (e is ExperimentException or IOException)
            {
                AnsiConsole.MarkupLineInterpolated($"[red]experiment rejected:[/] {e.Message}");
                return 2;
            }
        });
        experiment.Subcommands.Add(run);
        experiment.Subcommands.Add(validate);
        return experiment;
    }

    private static Command BuildEvents(Connected withConnection)
    {
        var cluster = new Option<string>("--cluster") { Description = "Cluster", Required = true };
        var follow = new Option<bool>("--follow") { Description = "Keep printing new events until Ctrl+C" };
        var detailType = new Option<string[]>("--detail-type") { Description = "Only events of this detail-type (repeatable)", Arity = ArgumentArity.ZeroOrMore };
        var resource = new Option<string?>("--resource") { Description = "Only events whose resources contain this text (an id, a name or an ARN)" };
        var since = new Option<string?>("--since") { Description = "Start at this emulated time (ISO 8601)" };
        var events = new Command("events", "Print a cluster's events (EventBridge detail-types, B-EV-*), optionally following them live.") { cluster, follow, detailType, resource, since };
        events.SetAction((r, ct) =>
        {
            DateTimeOffset? from = null;
            if (r.GetValue(since) is { } s)
            {
                if (!DateTimeOffset.TryParse(s, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var parsed))
                {
                    AnsiConsole.MarkupLineInterpolated($"[red]invalid input:[/] --since takes an ISO 8601 time, not '{s}'.");
                    return Task.FromResult(2);
                }

                from = parsed;
            }

            return withConnection(r, ct, async connection =>
            {
                var name = Arns.ClusterName(r.GetValue(cluster));
                var grain = connection.Grains.GetGrain<IClusterGrain>(name);
                if (await grain.Describe() is null)
                {
                    AnsiConsole.MarkupLineInterpolated($"[red]ClusterNotFoundException:[/] Cluster not found: {name}");
                    return 1;
                }

                var types = (r.GetValue(detailType) ?? []).ToHashSet(StringComparer.Ordinal);
                var text = r.GetValue(resource);
                long cursor = 0;
                var first = true;
                while (!ct.IsCancellationRequested)
                {
                    var page = await grain.ReadEvents(cursor, first ? from : null, 1000);
                    first = false;
                    foreach (var e in page.Events.Where(e => (types.Count == 0 || types.Contains(e.DetailType))
                                                             && (text is null || e.Resources.Any(x => x.Contains(text, StringComparison.Ordinal)))))
                    {
                        AnsiConsole.MarkupLineInterpolated($"[grey]{e.Time:yyyy-MM-ddTHH:mm:ssZ}[/] [blue]{e.DetailType}[/] {string.Join(" ", e.Resources)} {Summary(e)}");
                    }

                    var advanced = page.LastSequence > cursor;
                    cursor = Math.Max(cursor, page.LastSequence);
                    if (!r.GetValue(follow))
                    {
                        if (!advanced || page.Events.IsEmpty)
                        {
                            break;
                        }

                        continue;
                    }

                    if (!advanced)
                    {
                        try
                        {
                            await Task.Delay(TimeSpan.FromMilliseconds(250), ct);
                        }
                        catch (OperationCanceledException)
                        {
                            break;
                        }
                    }
                }

                return 0;
            });
        });
        return events;
    }

    private static string Summary(EmulatorEvent e) => e switch
    {
        { Task: { } t } => $"{t.LastStatus} (desired {t.DesiredStatus})" + (t.StopCode is { } c ? $" {c}: {t.StoppedReason}" : ""),
        { Instance: { } i } => $"{i.Status} {i.Ec2InstanceId} running {i.RunningTasksCount}",
        _ => string.Join(" ", e.Detail.Select(kv => $"{kv.Key}={kv.Value}")),
    };
}
