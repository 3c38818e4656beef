using System.Collections.Immutable;
using System.Diagnostics;
using System.Globalization;
using Emulator.Client.Scenarios;
using Emulator.Contracts;
using Spectre.Console;
using TaskStatus = Emulator.Contracts.TaskStatus;

namespace Emulator.Client.Chaos;

/// <summary>
/// Runs a chaos experiment against the emulator: setup steps, the steady-state hypothesis before, the actions in
/// startAfter order on the emulated clock (each injected through <see cref="IChaosGrain"/>), samples and hypothesis
/// checks during, stop conditions, then observation until the services are back at steady state, and a report.
/// Nothing is injected when setup fails, a target's cluster or group does not exist, or the hypothesis does not
/// hold before.
/// </summary>
public sealed class ExperimentRunner(IGrainFactory grains, IAnsiConsole console, Pause? pause = null)
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(100);
    private readonly Pause _pause = pause ?? Pauses.Wall;

    private readonly ScenarioRunner _scenario = new(grains, console, pause);
    private readonly Dictionary<string, long> _eventCursor = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _stoppedByCode = new(StringComparer.Ordinal);
    private readonly Dictionary<string, DateTimeOffset> _offDesiredSince = new(StringComparer.Ordinal);
    private readonly Dictionary<string, TimeSpan> _longestOffDesired = new(StringComparer.Ordinal);
    private readonly List<ProbeResult> _checks = [];
    private readonly List<InjectionLine> _injections = [];
    private readonly List<Sample> _samples = [];
    private readonly HashSet<string> _duringFailuresPrinted = new(StringComparer.Ordinal);
    private readonly TrafficLedger _ledger = new();
    private int _stopped;
    private int _replacements;
    private DateTimeOffset _t0;

    private IEcsControlGrain Control => grains.GetGrain<IEcsControlGrain>(GrainKeys.Control);

    private IChaosGrain Chaos => grains.GetGrain<IChaosGrain>(0);

    public async Task<ExperimentReport> RunAsync(ExperimentFile x, CancellationToken ct)
    {
        var wall = Stopwatch.StartNew();
        console.MarkupLineInterpolated($"[bold]experiment:[/] {x.Name}");
        var clusters = Clusters(x);
        foreach (var c in clusters)
        {
            _scenario.Follow(c);
        }

        if (x.Setup.Count > 0)
        {
            var (failures, _) = await _scenario.RunStepsAsync(x.Setup, ct);
            if (failures.Count > 0)
            {
                return await Finish(x, "aborted", "setup failed: " + string.Join("; ", failures), 2, wall, null, null);
            }
        }

        if (await Preflight(x) is { } problem)
        {
            return await Finish(x, "aborted", problem + " Nothing was injected.", 2, wall, null, null);
        }

        // Before: the hypothesis must hold over one sampling period of the running configuration, or there is no
        // steady state to disturb (requests failed while targets were still warming up do not count).
        await Baseline(clusters);
        var baselineEnd = await Control.Now() + x.SampleEvery;
        while (await Control.Now() < baselineEnd)
        {
            await _pause(PollInterval, ct);
        }

        var before = await Check(x, "before");
        if (before.Any(r => !r.Holds))
        {
            return await Finish(x, "not-steady-before",
                "the steady-state hypothesis does not hold before any injection: " + string.Join("; ", before.Where(r => !r.Holds).Select(r => $"{r.Check} is {r.Actual}")),
                1, wall, null, null);
        }

        await Baseline(clusters);
        var costAtStart = await Cost(clusters);
        var injectionCursor = (await Chaos.GetInjections(0)).Select(i => i.Sequence).DefaultIfEmpty(0).Max();

        var started = new Dictionary<string, DateTimeOffset>(StringComparer.Ordinal);
        var ends = new Dictionary<string, DateTimeOffset>(StringComparer.Ordinal);
        string? stoppedBy = null;
        var nextSample = _t0;
        await Sample(clusters, x);
        while (stoppedBy is null)
        {
            ct.ThrowIfCancellationRequested();
            var now = await Control.Now();
            foreach (var a in x.Actions.Where(a => !started.ContainsKey(a.Name) && a.StartAfter.All(s => ends.TryGetValue(s, out var end) && end <= now)))
            {
                started[a.Name] = now;
                try
                {
                    ends[a.Name] = now + await Inject(x, a, now);
                }
                catch (EcsException e)
                {
                    // The silo refused the action (e.g. its target matches nothing): no further action starts.
                    ends[a.Name] = now;
                    stoppedBy = $"action '{a.Name}' ({a.ActionId}) was rejected: {e.Code}: {e.Message}";
                    break;
                }
            }

            if (ends.Count == x.Actions.Count && ends.Values.Max() <= now)
            {
                break; // every action has run and every timed fault has ended
            }

            injectionCursor = await PrintInjections(injectionCursor);
            await ReadEvents(clusters);
            if (now >= nextSample)
            {
                nextSample = now + x.SampleEvery;
                await Sample(clusters, x);
                stoppedBy ??= await During(x, now);
            }

            await _pause(PollInterval, ct);
        }

        var lastEnd = stoppedBy is null ? ends.Values.DefaultIfEmpty(_t0).Max() : await Control.Now();
        if (stoppedBy is not null)
        {
            console.MarkupLineInterpolated($"[red]stop condition:[/] {stoppedBy}; no further actions start.");
        }

        // After: observe until every service is back at desired and steady, for at most observeFor.
        DateTimeOffset? backAt = null;
        while (true)
        {
            ct.ThrowIfCancellationRequested();
            var now = await Control.Now();
            injectionCursor = await PrintInjections(injectionCursor);
            await ReadEvents(clusters);
            if (now >= nextSample)
            {
                nextSample = now + x.SampleEvery;
                await Sample(clusters, x);
                await During(x, now);
            }

            if (backAt is null && now >= lastEnd && await Steady(clusters))
            {
                backAt = now;
                await Line("steady", $"every service is back at its desired count and steady, {Seconds(now - lastEnd)} after the last action ended");
            }

            if (now >= lastEnd + x.ObserveFor || (backAt is not null && now >= backAt + x.SampleEvery && now >= lastEnd + MaxWithin(x)))
            {
                break;
            }

            await _pause(PollInterval, ct);
        }

        await Sample(clusters, x);
        var after = await Check(x, "after", lastEnd, backAt);
        var failed = after.Where(r => !r.Holds).Select(r => $"{r.Check} is {r.Actual} after the experiment").ToList();
        failed.AddRange(_longestOffDesired.Where(kv => x.SteadyState.Any(p => p.Kind == "serviceAtDesired" && Key(p) == kv.Key && kv.Value > p.Within))
            .Select(kv => $"{kv.Key} was below its desired count for {Seconds(kv.Value)} during the experiment"));
        var outcome = stoppedBy is not null ? "stopped" : failed.Count > 0 ? "hypothesis-failed" : "passed";
        var reason = stoppedBy ?? (failed.Count > 0 ? string.Join("; ", failed) : null);
        return await Finish(x, outcome, reason, outcome == "passed" ? 0 : 1, wall, backAt is { } b ? (b - lastEnd).TotalSeconds : null, costAtStart);
    }

    /// <summary>Starts the experiment's window: request figures, events and samples count from now.</summary>
    private async Task Baseline(List<string> clusters)
    {
        _t0 = await Control.Now();
        foreach (var c in clusters)
        {
            _eventCursor[c] = (await grains.GetGrain<IClusterGrain>(c).ReadEvents(long.MaxValue - 1, null, 1)).LastSequence;
            _ledger.Baseline(c, await grains.GetGrain<ITrafficGrain>(c).GetFigures());
        }
    }

    /// <summary>Checks targets' clusters, groups and services exist before anything is injected.</summary>
    private async Task<string?> Preflight(ExperimentFile x)
    {
        foreach (var c in Clusters(x))
        {
            if (await grains.GetGrain<IClusterGrain>(c).Describe() is null)
            {
                return $"cluster '{c}' does not exist.";
            }
        }

        foreach (var t in x.Targets.Values)
        {
            if (t.Service is { } svc && await grains.GetGrain<IServiceGrain>(GrainKeys.Service(t.Cluster!, svc)).Describe() is null)
            {
                return $"target '{t.Name}': service '{svc}' does not exist in cluster '{t.Cluster}'.";
            }

            if (t.AutoScalingGroup is { } asg && await grains.GetGrain<IAutoScalingGroupGrain>(GrainKeys.AutoScalingGroup(asg)).Describe() is null)
            {
                return $"target '{t.Name}': Auto Scaling group '{asg}' does not exist.";
            }
        }

        return null;
    }

    /// <summary>Injects one action; returns how long it lasts (zero for instantaneous actions).</summary>
    private async Task<TimeSpan> Inject(ExperimentFile x, ExperimentAction a, DateTimeOffset now)
    {
        var p = a.Parameters;
        TimeSpan D(string key) => ExperimentParser.Duration(p[key], $"action '{a.Name}': {key}");
        ChaosTarget T() => ToChaos(x.Targets[a.Targets.Values.Single()]);
        ChaosInjection? injection;
        TimeSpan lasts;
        switch (a.ActionId)
        {
            case "aws:ec2:send-spot-instance-interruptions":
                var before = D("durationBeforeInterruption");
                var notice = TimeSpan.FromMinutes(2);
                injection = await Chaos.InterruptSpotInstances(T(), notice, true, before - notice);
                lasts = before;
                break;
            case "aws:ec2:terminate-instances":
                injection = await Chaos.TerminateInstances(T());
                lasts = TimeSpan.Zero;
                break;
            case "aws:ecs:drain-container-instances":
                var clusterTarget = x.Targets[a.Targets.Values.Single()];
                var pct = int.Parse(p["drainagePercentage"], CultureInfo.InvariantCulture);
                lasts = D("duration");
                injection = await Chaos.DrainInstances(ChaosTarget.AllOf(clusterTarget.Cluster!) with { Selection = ChaosSelection.Percent(pct) }, lasts);
                break;
            case "aws:ecs:stop-task":
                injection = await Chaos.StopTasks(T(), $"Stopped by chaos experiment {x.Name} (action {a.Name})");
                lasts = TimeSpan.Zero;
                break;
            case "emulator:fargate-spot-interruption":
                injection = await Chaos.InterruptFargateSpotTasks(T());
                lasts = TimeSpan.Zero;
                break;
            case "aws:ec2:asg-insufficient-instance-capacity-error":
                lasts = D("duration");
                injection = await Chaos.InsufficientInstanceCapacity(T(), ExperimentParser.Zones(p["availabilityZoneIdentifiers"]), lasts);
                break;
            case "aws:fis:wait":
                lasts = D("duration");
                injection = null;
                await Line("action", $"{a.Name}: aws:fis:wait {Seconds(lasts)}");
                break;
            case "emulator:exhaust-spot-pool":
                lasts = D("duration");
                injection = await Chaos.ExhaustSpotPools(p.GetValueOrDefault("instanceType"), p.GetValueOrDefault("availabilityZone"), lasts);
                break;
            case "emulator:az-outage":
                lasts = p.ContainsKey("duration") ? D("duration") : TimeSpan.Zero;
                injection = await Chaos.ZoneOutage(p["availabilityZone"], p.ContainsKey("duration") ? lasts : null);
                break;
            case "emulator:deploy":
                var deployCluster = p.GetValueOrDefault("cluster") ?? x.Cluster!;
                var updated = await Control.UpdateService(new UpdateServiceRequest(deployCluster, p["service"], null, p["taskDefinition"], null, null, null, null, null,
                    p.GetValueOrDefault("forceNewDeployment") == "true", null, await DeployOptions(deployCluster, a)));
                var primary = updated.Deployments[0];
                injection = new ChaosInjection(0, a.ActionId, now, deployCluster, [updated.Arn],
                    $"service {p["service"]}: deployment {primary.Id} of {Arns.ShortName(primary.TaskDefinitionArn)} started"
                    + ((p.GetValueOrDefault("preset") ?? p.GetValueOrDefault("deploymentStrategy")) is { } how ? $" ({how})" : ""), null);
                lasts = TimeSpan.Zero;
                break;
            case "emulator:continue-deployment":
                var continueCluster = p.GetValueOrDefault("cluster") ?? x.Cluster!;
                var (answered, message) = await _scenario.ContinueDeployment(continueCluster, p["service"], p.GetValueOrDefault("hookId"), p.GetValueOrDefault("action") ?? "CONTINUE");
                if (!answered)
                {
                    throw new EcsException(ErrorCodes.Conflict, message);
                }

                var service = await grains.GetGrain<IServiceGrain>(GrainKeys.Service(continueCluster, p["service"])).Describe();
                injection = new ChaosInjection(0, a.ActionId, now, continueCluster, service is null ? [] : [service.Arn], message, null);
                lasts = TimeSpan.Zero;
                break;
            case "emulator:set-lambda-hook-outcome":
                var outcome = p["outcome"];
                var after = p.ContainsKey("after") ? D("after") : TimeSpan.Zero;
                await grains.GetGrain<ILambdaHooksGrain>(GrainKeys.LambdaHooks).Set(new LambdaHookOutcome(p["functionArn"], outcome == "SUCCEEDED",
                    outcome == "IN_PROGRESS" ? null : after.TotalSeconds));
                injection = new ChaosInjection(0, a.ActionId, now, x.Cluster ?? "", [p["functionArn"]],
                    $"Lambda hooks of {p["functionArn"]} answer {outcome}" + (after > TimeSpan.Zero ? $" after {Seconds(after)} IN_PROGRESS" : ""), null);
                lasts = TimeSpan.Zero;
                break;
            case "emulator:task-fault":
                lasts = D("duration");
                var kind = TaskFaultNames.Parse(p["fault"])!.Value;
                injection = await Chaos.TaskFault(p.GetValueOrDefault("cluster") ?? x.Cluster!, p["service"], kind,
                    p.TryGetValue("value", out var faultValue) ? TaskFaultNames.ParseValue(kind, faultValue)!.Value : 0, lasts);
                break;
            case "emulator:fail-task-launches":
                lasts = D("duration");
                injection = await Chaos.FailTaskLaunches(p.GetValueOrDefault("cluster") ?? x.Cluster!, p.GetValueOrDefault("service"),
                    double.Parse(p["probability"], CultureInfo.InvariantCulture), lasts);
                break;
            default:
                throw new ExperimentException($"action '{a.Name}': unknown action '{a.ActionId}'.");
        }

        if (injection is not null)
        {
            _injections.Add(new InjectionLine(a.Name, a.ActionId, injection.At, [.. injection.Targets], injection.Message, injection.Until));
            await Line("inject", $"{a.Name} ({a.ActionId}): {injection.Message}" + (injection.Targets.IsEmpty ? " [no target matched]" : $" -> {string.Join(", ", injection.Targets.Take(10))}{(injection.Targets.Length > 10 ? ", ..." : "")}"), injection.At);
        }

        return lasts;
    }

    /// <summary>
    /// B-DP-6: the deployment options an emulator:deploy names (a preset of the seed's CodeDeploy configurations, a
    /// deploymentStrategy, bakeTimeInMinutes), applied with UpdateService; the service's lifecycle hooks stay. Null: none.
    /// </summary>
    private async Task<ServiceOptionsPatch?> DeployOptions(string cluster, ExperimentAction a)
    {
        var args = a.Parameters.Where(kv => kv.Key is "preset" or "deploymentStrategy" or "bakeTimeInMinutes")
            .ToDictionary(kv => kv.Key, kv => (object?)kv.Value, StringComparer.Ordinal);
        if (args.Count == 0)
        {
            return null;
        }

        var step = new ScenarioStep(a.Line, a.ActionId, args);
        var current = await grains.GetGrain<IServiceGrain>(GrainKeys.Service(cluster, a.Parameters["service"])).Describe();
        var (strategy, shift) = ScenarioRunner.StrategyOf(step, current?.Spec.EffectiveOptions);
        return ServiceOptionsPatch.None with { Strategy = strategy, TrafficShift = shift, BakeTimeInMinutes = step.OptInt("bakeTimeInMinutes") };
    }

    private static ChaosTarget ToChaos(ExperimentTarget t) =>
        new(t.Cluster!, t.Ids, t.CapacityProvider, t.AutoScalingGroup, t.Service, t.Tags, t.AvailabilityZone, t.InstanceType, t.Selection);

    private async Task<long> PrintInjections(long cursor)
    {
        foreach (var i in await Chaos.GetInjections(cursor))
        {
            cursor = Math.Max(cursor, i.Sequence);
            if (i.Message.Length > 0 && _injections.All(x => x.At != i.At || x.Message != i.Message))
            {
                await Line("chaos", $"{i.Action}: {i.Message}", i.At);
            }
        }

        return cursor;
    }

    /// <summary>
    /// Counts stopped tasks by stop code and service tasks that started; the timeline (EC2, Spot warnings, CAS, tasks,
    /// service events) is the scenario runner's observer.
    /// </summary>
    private async Task ReadEvents(List<string> clusters)
    {
        foreach (var c in clusters)
        {
            var page = await grains.GetGrain<IClusterGrain>(c).ReadEvents(_eventCursor.GetValueOrDefault(c), null, 10_000);
            _eventCursor[c] = page.LastSequence;
            foreach (var t in page.Events.Where(e => e.DetailType == EventTypes.TaskStateChange).Select(e => e.Task).OfType<TaskRecord>())
            {
                if (t.LastStatus == TaskStatus.STOPPED)
                {
                    _stopped++;
                    var code = t.StopCode ?? "unknown";
                    _stoppedByCode[code] = _stoppedByCode.GetValueOrDefault(code) + 1;
                }
                else if (t.LastStatus == TaskStatus.RUNNING && t.ServiceName is not null && t.CreatedAt >= _t0)
                {
                    _replacements++;
                }
            }
        }

        foreach (var c in clusters.Where(_ledger.Started))
        {
            await ReadTraffic(c);
        }

        await _scenario.ObserveAsync();
    }

    private async Task Sample(List<string> clusters, ExperimentFile x)
    {
        var now = await Control.Now();
        var cpr = new Dictionary<string, double>(StringComparer.Ordinal);
        var instances = new Dictionary<string, int>(StringComparer.Ordinal);
        var running = new Dictionary<string, string>(StringComparer.Ordinal);
        var shifts = new Dictionary<string, ShiftSample>(StringComparer.Ordinal);
        foreach (var c in clusters)
        {
            var status = await Control.GetClusterStatus(c, false);
            foreach (var (svc, shift) in await Shifts(c, status.Services))
            {
                shifts[svc] = shift;
            }

            foreach (var p in status.CapacityProviders.Where(p => p.Cas is not null))
            {
                cpr[p.Name] = p.Cas!.Cpr;
            }

            foreach (var g in status.AutoScalingGroups)
            {
                instances[g.Spec.Name] = g.InService;
            }

            foreach (var s in status.Services.Where(s => s.Status == ServiceStatus.ACTIVE))
            {
                var key = $"{c}/{s.Spec.Name}";
                running[s.Spec.Name] = $"{s.RunningCount}/{s.Spec.DesiredCount}";
                if (s.RunningCount < s.Spec.DesiredCount)
                {
                    _offDesiredSince.TryAdd(key, now);
                    _longestOffDesired[key] = Max(_longestOffDesired.GetValueOrDefault(key), now - _offDesiredSince[key]);
                }
                else
                {
                    _offDesiredSince.Remove(key);
                }
            }
        }

        var requests = await Requests(clusters);
        _samples.Add(new Sample(now, cpr, instances, running, requests.Total, requests.Failed, shifts.Count == 0 ? null : shifts));
        await Line("sample",
            $"CPR {Join(cpr.Select(kv => $"{kv.Key} {kv.Value:0.#}"))} | in service {Join(instances.Select(kv => $"{kv.Key} {kv.Value}"))} | running {Join(running.Select(kv => $"{kv.Key} {kv.Value}"))}"
            + (requests.Total > 0 ? $" | requests {requests.Total:0} failed {requests.Failed:0} ({requests.FailedPercent:0.###} %)" : "")
            + string.Concat(shifts.Select(kv => $" | {kv.Key} {kv.Value.Stage} green {ScenarioRunner.Percent(kv.Value.ProductionGreenPercent)} %"
                                                + (kv.Value.HooksWaiting.Count > 0 ? $" ({kv.Value.HooksWaiting.Count} hook(s) waiting)" : "")))
            + string.Concat(requests.ByService.Where(v => v.Colour is not null)
                .Select(v => $" | {v.Service} {v.Colour} {v.Total:0} failed {v.Failed:0}")), now);
    }

    /// <summary>During: evaluates the hypothesis; returns the reason to stop when a stop condition fires.</summary>
    private async Task<string?> During(ExperimentFile x, DateTimeOffset now)
    {
        var results = await Check(x, "during");
        var violated = results.Where(r => !r.Holds).ToList();
        foreach (var r in violated.Where(r => _duringFailuresPrinted.Add(r.Check)))
        {
            await Line("check", $"[during] {r.Check} does not hold: {r.Actual}", now);
        }

        var tooLong = _offDesiredSince.Where(kv => x.SteadyState.Any(p => p.Kind == "serviceAtDesired" && Key(p) == kv.Key && now - kv.Value > p.Within)).ToList();
        if (x.StopConditions.Any(s => s.Source == "emulator:steady-state"))
        {
            var broken = violated.Where(r => !r.Check.StartsWith("serviceAtDesired", StringComparison.Ordinal)).Select(r => $"{r.Check} is {r.Actual}")
                .Concat(tooLong.Select(kv => $"{kv.Key} below desired for more than its 'within'"))
                .ToList();
            if (broken.Count > 0)
            {
                return "the steady-state hypothesis failed during the experiment: " + string.Join("; ", broken);
            }
        }

        return null;
    }

    /// <summary>Evaluates every hypothesis check in a phase and records the results.</summary>
    private async Task<List<ProbeResult>> Check(ExperimentFile x, string phase, DateTimeOffset? lastEnd = null, DateTimeOffset? backAt = null)
    {
        var now = await Control.Now();
        var results = new List<ProbeResult>();
        foreach (var p in x.SteadyState)
        {
            bool holds;
            string actual;
            string name;
            switch (p.Kind)
            {
                case "failedRequestsPercent":
                {
                    var op = p.Condition.Opt("op") ?? "<";
                    var limit = p.Condition.Double(p.Kind);
                    var clusters = p.Condition.Opt("cluster") is { } c ? [c] : Clusters(x);
                    var figures = await Requests(clusters, p.Condition.Opt("service"));
                    if (p.Condition.Has("window"))
                    {
                        // Only the requests of the last window: the latest sample at least that old is subtracted (none yet:
                        // everything since the window started counts).
                        var window = p.Condition.Duration("window");
                        var since = _samples.LastOrDefault(sample => sample.At <= now - window);
                        var total = figures.Total - (since?.Requests ?? 0);
                        var failedInWindow = figures.Failed - (since?.FailedRequests ?? 0);
                        var percent = total <= 0 ? 0 : failedInWindow / total * 100;
                        holds = ScenarioRunner.Compare(percent, op, limit, 0);
                        actual = $"{percent:0.###} % ({failedInWindow:0} of {total:0} in the last {Seconds(window)})";
                        name = $"failedRequestsPercent {op} {limit.ToString(CultureInfo.InvariantCulture)} over the last {Seconds(window)}";
                        break;
                    }

                    holds = ScenarioRunner.Compare(figures.FailedPercent, op, limit, 0);
                    actual = $"{figures.FailedPercent:0.###} % ({figures.Failed:0} of {figures.Total:0})";
                    name = $"failedRequestsPercent {op} {limit.ToString(CultureInfo.InvariantCulture)}" + (p.Condition.Opt("service") is { } s ? $" (service {s})" : "");
                    break;
                }

                case "serviceAtDesired":
                {
                    var cluster = p.Condition.Str("cluster");
                    var service = p.Condition.Str("serviceAtDesired");
                    var info = await grains.GetGrain<IServiceGrain>(GrainKeys.Service(cluster, service)).Describe();
                    name = $"serviceAtDesired {service} within {Seconds(p.Within)}";
                    if (info is null)
                    {
                        (holds, actual) = (false, "no such service");
                    }
                    else
                    {
                        holds = info.RunningCount >= info.Spec.DesiredCount;
                        actual = $"running {info.RunningCount}/{info.Spec.DesiredCount}";
                        if (phase == "after" && lastEnd is { } end)
                        {
                            var back = backAt is { } b ? b - end : (TimeSpan?)null;
                            holds = holds && back is { } t && t <= p.Within;
                            actual += back is { } bt ? $", back at steady state {Seconds(bt)} after the last action" : ", never back at steady state";
                        }
                    }

                    break;
                }

                default:
                    (holds, actual) = await _scenario.EvaluateAsync(p.Condition);
                    name = ScenarioRunner.DescribeCondition(p.Condition);
                    break;
            }

            var result = new ProbeResult(name, phase, holds, actual, now);
            results.Add(result);
            if (phase != "during")
            {
                _checks.Add(result);
                await Line("check", $"[{phase}] {name}: {(holds ? "holds" : "FAILS")} ({actual})", now);
            }
            else if (!holds && _checks.All(c => c.Phase != "during" || c.Check != name))
            {
                _checks.Add(result);
            }
        }

        return results;
    }

    private async Task<bool> Steady(List<string> clusters)
    {
        foreach (var c in clusters)
        {
            var status = await Control.GetClusterStatus(c, false);
            if (status.Services.Any(s => s.Status == ServiceStatus.ACTIVE && (s.RunningCount != s.Spec.DesiredCount || !s.SteadyState)))
            {
                return false;
            }

            // B-DP-5 / B-DP-6: a service deployment still in progress (a traffic shift waits with both colours up, or at a hook).
            foreach (var s in status.Services.Where(s => s.Status == ServiceStatus.ACTIVE && s.Spec.EffectiveOptions.Strategy is "BLUE_GREEN" or "LINEAR" or "CANARY"))
            {
                var latest = (await grains.GetGrain<IServiceGrain>(GrainKeys.Service(c, s.Spec.Name)).ListServiceDeployments()).FirstOrDefault();
                if (latest?.Record.Status is "PENDING" or "IN_PROGRESS" or "STOP_REQUESTED" or "ROLLBACK_REQUESTED" or "ROLLBACK_IN_PROGRESS")
                {
                    return false;
                }
            }
        }

        return true;
    }

    /// <summary>
    /// Request figures since the window started (<see cref="Baseline"/>), by service, and for a service that served from
    /// two target groups (a blue/green, linear or canary deployment, B-DP-6) by target group with its colour.
    /// </summary>
    private async Task<RequestFigures> Requests(IEnumerable<string> clusters, string? service = null)
    {
        var by = new List<ServiceRequests>();
        foreach (var c in clusters)
        {
            await ReadTraffic(c);
            var entries = _ledger.Entries(c).Where(e => service is null || e.Service == service).ToList();
            var colours = await Colours(c, entries.Where(e => entries.Count(o => o.Service == e.Service) > 1).Select(e => e.Service).Distinct(StringComparer.Ordinal));
            foreach (var (svc, group, counts, healthy) in entries)
            {
                var colour = group is null ? default : colours.GetValueOrDefault((svc, group));
                by.Add(new ServiceRequests(c, svc, counts.Requests, counts.Failed503, counts.Failed502, healthy, counts.Failed5xx, group, colour.Colour, colour.Revision));
            }
        }

        return new RequestFigures
        {
            Total = by.Sum(s => s.Total),
            Failed503NoHealthyTarget = by.Sum(s => s.Failed503NoHealthyTarget),
            Failed502TargetDied = by.Sum(s => s.Failed502TargetDied),
            Failed5xxOverloaded = by.Sum(s => s.Failed5xxOverloaded),
            Failed = by.Sum(s => s.Failed503NoHealthyTarget + s.Failed502TargetDied + s.Failed5xxOverloaded),
            ByService = by,
        };
    }

    /// <summary>Books the cluster's request figures since the last read (<see cref="TrafficLedger"/>).</summary>
    private async Task ReadTraffic(string cluster) => _ledger.Read(cluster, await grains.GetGrain<ITrafficGrain>(cluster).GetFigures());

    /// <summary>
    /// B-DP-6: which target group of each service is blue (the source revision's) and which green (the target's), from
    /// the service's latest blue/green, linear or canary deployment, with the revisions' task definitions.
    /// </summary>
    private async Task<Dictionary<(string Service, string TargetGroup), (string? Colour, string? Revision)>> Colours(string cluster, IEnumerable<string> services)
    {
        var result = new Dictionary<(string, string), (string?, string?)>();
        foreach (var name in services)
        {
            var grain = grains.GetGrain<IServiceGrain>(GrainKeys.Service(cluster, name));
            var view = (await grain.ListServiceDeployments()).FirstOrDefault(v => v.TrafficShift is not null);
            if (view?.TrafficShift is not { } shift)
            {
                continue;
            }

            var ids = new[] { shift.SourceRevisionId, view.Record.TargetRevisionId }.OfType<string>().ToImmutableArray();
            var revisions = (await grain.GetServiceRevisions(ids)).ToDictionary(r => r.Id, r => Arns.ShortName(r.TaskDefinitionArn), StringComparer.Ordinal);
            result[(name, TargetGroupArns.Name(shift.BlueTargetGroupArn))] = ("blue", shift.SourceRevisionId is { } source ? revisions.GetValueOrDefault(source, source) : null);
            result[(name, TargetGroupArns.Name(shift.GreenTargetGroupArn))] = ("green", revisions.GetValueOrDefault(view.Record.TargetRevisionId, view.Record.TargetRevisionId));
        }

        return result;
    }

    /// <summary>B-DP-6: each service's blue/green, linear or canary deployment now (its latest service deployment, when it shifts traffic).</summary>
    private async Task<Dictionary<string, ShiftSample>> Shifts(string cluster, IEnumerable<ServiceInfo> services)
    {
        var result = new Dictionary<string, ShiftSample>(StringComparer.Ordinal);
        foreach (var svc in services.Where(v => v.Spec.EffectiveOptions.Strategy is "BLUE_GREEN" or "LINEAR" or "CANARY"))
        {
            var latest = (await grains.GetGrain<IServiceGrain>(GrainKeys.Service(cluster, svc.Spec.Name)).ListServiceDeployments()).FirstOrDefault();
            if (latest?.TrafficShift is { } t)
            {
                result[svc.Spec.Name] = new ShiftSample(latest.Record.Id, t.Strategy, t.LifecycleStage, t.ProductionGreenPercent, t.TestGreenPercent, t.Step + 1, t.Steps, t.Result,
                    [.. t.Hooks.Where(h => h.Status is "AWAITING_ACTION" or "IN_PROGRESS").Select(h => $"{h.HookId} {h.TargetType} at {h.Stage} {h.Status}")]);
            }
        }

        return result;
    }

    private async Task<List<string>> ServiceEvents(List<string> clusters)
    {
        var lines = new List<(DateTimeOffset At, string Text)>();
        foreach (var c in clusters)
        {
            foreach (var s in (await Control.GetClusterStatus(c, false)).Services)
            {
                lines.AddRange(s.Events.Where(e => e.CreatedAt >= _t0).Select(e => (e.CreatedAt, $"{e.CreatedAt:HH:mm:ss} {e.Message}")));
            }
        }

        return [.. lines.OrderBy(l => l.At).Select(l => l.Text)];
    }

    /// <summary>B-DP-5: the service deployments of the clusters' services created since <paramref name="since"/>, oldest first.</summary>
    internal static async Task<List<DeploymentOutcome>> DeploymentOutcomes(IGrainFactory grains, IEnumerable<string> clusters, DateTimeOffset since)
    {
        var outcomes = new List<DeploymentOutcome>();
        foreach (var c in clusters)
        {
            var info = await grains.GetGrain<IClusterGrain>(c).Describe();
            foreach (var name in info?.Services ?? [])
            {
                var service = grains.GetGrain<IServiceGrain>(GrainKeys.Service(c, name));
                var views = (await service.ListServiceDeployments()).Where(v => v.Record.CreatedAt >= since).ToList();
                var revisionIds = views.SelectMany(v => new[] { v.Record.TargetRevisionId, v.Record.Rollback?.RevisionId }).OfType<string>().Distinct().ToImmutableArray();
                var revisions = (await service.GetServiceRevisions(revisionIds)).ToDictionary(r => r.Id, r => Arns.ShortName(r.TaskDefinitionArn), StringComparer.Ordinal);
                outcomes.AddRange(views.Select(v => new DeploymentOutcome(c, name, v.Record.Id, v.Record.Status, v.Record.StatusReason,
                    revisions.GetValueOrDefault(v.Record.TargetRevisionId, v.Record.TargetRevisionId), v.Record.CircuitBreakerStatus, v.Record.FailureCount,
                    v.Record.Threshold, v.Record.Rollback is { } r ? revisions.GetValueOrDefault(r.RevisionId, r.RevisionId) : null, v.Record.CreatedAt, v.Record.FinishedAt,
                    v.TrafficShift?.Strategy, v.TrafficShift?.LifecycleStage ?? v.Record.LifecycleStage, v.TrafficShift?.ProductionGreenPercent)));
            }
        }

        return [.. outcomes.OrderBy(o => o.CreatedAt)];
    }

    private async Task<decimal> Cost(List<string> clusters)
    {
        var total = 0m;
        foreach (var c in clusters)
        {
            total += (await Control.GetClusterStatus(c, false)).Costs.Total;
        }

        return total;
    }

    private async Task<ExperimentReport> Finish(ExperimentFile x, string outcome, string? reason, int exit, Stopwatch wall, double? back, decimal? costAtStart)
    {
        var clusters = Clusters(x);
        var end = await Control.Now();
        var exists = new List<string>();
        foreach (var c in clusters)
        {
            if (await grains.GetGrain<IClusterGrain>(c).Describe() is not null)
            {
                exists.Add(c);
            }
        }

        // The outcome stands only on a consistent final state: a violated invariant of the emulator fails the run,
        // whatever the hypothesis said.
        var invariants = await InvariantCheck.RunAsync(grains, exists.Concat(_scenario.Clusters));
        if (!invariants.Holds)
        {
            reason = string.Join("; ", invariants.Violations.Take(5)) + (invariants.Violations.Count > 5 ? $"; ... {invariants.Violations.Count - 5} more" : "")
                     + (reason is null ? "" : $" (and: {outcome}: {reason})");
            outcome = "invariants-violated";
            exit = exit == 0 ? 1 : exit;
        }

        var report = new ExperimentReport
        {
            Name = x.Name,
            Outcome = outcome,
            Reason = reason,
            ExitCode = exit,
            InvariantViolations = [.. invariants.Violations],
            StartedAt = _t0 == default ? end : _t0,
            EndedAt = end,
            WallSeconds = Math.Round(wall.Elapsed.TotalSeconds, 2),
            Injections = _injections,
            Hypothesis = _checks,
            Requests = _t0 == default ? new RequestFigures() : await Requests(exists),
            Tasks = new TaskFigures { Stopped = _stopped, StoppedByCode = new Dictionary<string, int>(_stoppedByCode), ReplacementsStarted = _replacements },
            SecondsBackToSteadyState = back,
            Samples = _samples,
            CostAccruedUsd = costAtStart is { } start ? Math.Round(await Cost(exists) - start, 6) : 0,
            ServiceEvents = _t0 == default ? [] : await ServiceEvents(exists),
            Deployments = _t0 == default ? [] : await DeploymentOutcomes(grains, exists, _t0),
        };
        Print(report);
        InvariantCheck.Print(console, invariants);
        return report;
    }

    private void Print(ExperimentReport r)
    {
        console.WriteLine();
        var color = r.ExitCode == 0 ? "green" : "red";
        console.MarkupLine($"[bold]report:[/] {Markup.Escape(r.Name)}: [{color}]{r.Outcome.ToUpperInvariant()}[/]" + (r.Reason is null ? "" : " - " + Markup.Escape(r.Reason)));
        var table = new Table().AddColumn("figure").AddColumn("value");
        table.AddRow("emulated time", Markup.Escape($"{r.StartedAt:HH:mm:ss} -> {r.EndedAt:HH:mm:ss} ({Seconds(r.EndedAt - r.StartedAt)}), wall {r.WallSeconds.ToString("0.#", CultureInfo.InvariantCulture)} s"));
        table.AddRow("injections", Markup.Escape(r.Injections.Count == 0 ? "none" : string.Join("\n", r.Injections.Select(i => $"{i.At:HH:mm:ss} {i.Action} ({i.ActionId}): {i.Targets.Count} target(s)"))));
        table.AddRow("requests", Markup.Escape($"{r.Requests.Total:0} served, {r.Requests.Failed:0} failed ({r.Requests.FailedPercent:0.###} %): 503 no healthy target {r.Requests.Failed503NoHealthyTarget:0}, 502 target died {r.Requests.Failed502TargetDied:0}, 5xx overloaded tasks {r.Requests.Failed5xxOverloaded:0}"));
        if (r.Requests.ByService.Count > 1)
        {
            // Several services (e.g. variants of one story side by side): each one's figures.
            // Several services (e.g. variants of one story side by side), or one service's blue and green target groups
            // during a blue/green, linear or canary deployment (B-DP-6): each one's figures.
            foreach (var v in r.Requests.ByService.OrderBy(v => v.Service, StringComparer.Ordinal).ThenBy(v => v.Colour ?? v.TargetGroup, StringComparer.Ordinal))
            {
                var failed = v.Failed;
                var label = v.Service + (v.Colour is { } colour ? $" {colour} ({v.TargetGroup}, {v.Revision})"
                    : r.Requests.ByService.Count(o => o.Service == v.Service) > 1 ? $" ({v.TargetGroup})" : "");
                table.AddRow("  " + Markup.Escape(label), Markup.Escape($"{v.Total:0} served, {failed:0} failed ({(v.Total <= 0 ? 0 : failed / v.Total * 100):0.###} %): 503 {v.Failed503NoHealthyTarget:0}, 502 {v.Failed502TargetDied:0}, target 5xx {v.Failed5xxOverloaded:0}"));
            }
        }
        table.AddRow("tasks", Markup.Escape($"{r.Tasks.Stopped} stopped ({string.Join(", ", r.Tasks.StoppedByCode.Select(kv => $"{kv.Key} {kv.Value}"))}), {r.Tasks.ReplacementsStarted} service task(s) started"));
        table.AddRow("back to steady state", r.SecondsBackToSteadyState is { } s ? $"{s:0} s after the last action" : "never");
        table.AddRow("cost accrued", Markup.Escape($"{r.CostAccruedUsd:0.######} USD"));
        if (r.Samples.Count > 0)
        {
            var first = r.Samples[0];
            var last = r.Samples[^1];
            var low = r.Samples.SelectMany(x => x.InServiceInstances).GroupBy(kv => kv.Key).Select(g => $"{g.Key} {first.InServiceInstances.GetValueOrDefault(g.Key)} -> min {g.Min(kv => kv.Value)} -> {last.InServiceInstances.GetValueOrDefault(g.Key)}");
            var cpr = r.Samples.SelectMany(x => x.CapacityProviderReservation).GroupBy(kv => kv.Key).Select(g => $"{g.Key} {first.CapacityProviderReservation.GetValueOrDefault(g.Key):0.#} -> max {g.Max(kv => kv.Value):0.#} -> {last.CapacityProviderReservation.GetValueOrDefault(g.Key):0.#}");
            table.AddRow("instances in service", Markup.Escape(string.Join("\n", low)));
            table.AddRow("CPR", Markup.Escape(string.Join("\n", cpr)));
        }

        if (r.Deployments.Count > 0)
        {
            table.AddRow("deployments", Markup.Escape(string.Join("\n", r.Deployments.Select(d =>
                $"{d.CreatedAt:HH:mm:ss} {d.Service} -> {d.TaskDefinition}: {d.Status}" + (d.StatusReason is { } why ? $" ({why})" : "")
                + (d.CircuitBreaker != "DISABLED" ? $", circuit breaker {d.CircuitBreaker} {d.FailureCount}/{d.Threshold}" : "")
                + (d.Strategy is { } strategy ? $", {strategy} {d.LifecycleStage}, production green {ScenarioRunner.Percent(d.ProductionGreenPercent ?? 0)} %" : "")
                + (d.RolledBackTo is { } back ? $", rolled back to {back}" : "")
                + (d.FinishedAt is { } f ? $", finished {f:HH:mm:ss}" : "")))));
        }

        if (r.ServiceEvents.Count > 0)
        {
            table.AddRow("service events", Markup.Escape(string.Join("\n", r.ServiceEvents.TakeLast(12))));
        }

        table.AddRow("hypothesis", Markup.Escape(r.Hypothesis.Count == 0 ? "none" : string.Join("\n", r.Hypothesis.Select(h => $"[{h.Phase}] {h.Check}: {(h.Holds ? "holds" : "FAILS")} ({h.Actual})"))));
        console.Write(table);
    }

    private static List<string> Clusters(ExperimentFile x)
    {
        var set = new SortedSet<string>(StringComparer.Ordinal);
        if (x.Cluster is { } c)
        {
            set.Add(c);
        }

        foreach (var t in x.Targets.Values.Where(t => t.Cluster is not null))
        {
            set.Add(t.Cluster!);
        }

        foreach (var p in x.SteadyState.Where(p => p.Condition.Opt("cluster") is not null))
        {
            set.Add(p.Condition.Opt("cluster")!);
        }

        return [.. set];
    }

    private static string Key(HypothesisProbe p) => $"{p.Condition.Opt("cluster")}/{p.Condition.Opt("serviceAtDesired")}";

    private static TimeSpan MaxWithin(ExperimentFile x) =>
        x.SteadyState.Where(p => p.Kind == "serviceAtDesired").Select(p => p.Within).DefaultIfEmpty(TimeSpan.Zero).Max();

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;

    private static string Join(IEnumerable<string> parts) => string.Join(", ", parts) is { Length: > 0 } s ? s : "-";

    private static string Seconds(TimeSpan t) => t.TotalSeconds.ToString("0", CultureInfo.InvariantCulture) + " s";

    private async Task Line(string what, string text, DateTimeOffset? at = null) =>
        ScenarioRunner.WriteLine(console, at ?? await Control.Now(), what, text);
}
