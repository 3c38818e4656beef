using System.Collections.Immutable;
using System.Globalization;
using Emulator.Contracts;
using Spectre.Console;
using TaskStatus = Emulator.Contracts.TaskStatus;

namespace Emulator.Client.Scenarios;

/// <summary>
/// Replays a scenario against the emulator through its grains, printing a timeline (emulated time) of what the
/// emulator did: instances launched and terminated, CapacityProviderReservation, tasks placed, the PROVISIONING
/// queue, service events. Returns 0 when every wait and assertion held, 1 otherwise.
/// </summary>
public sealed partial class ScenarioRunner(IGrainFactory grains, IAnsiConsole console, Pause? pause = null)
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(100);
    private readonly Pause _pause = pause ?? Pauses.Wall;

    private readonly HashSet<string> _clusters = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> _eventCursor = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _queue = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _lastCpr = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<double>> _cprSeen = new(StringComparer.Ordinal);
    private readonly Dictionary<(string Cluster, string Type), int> _maxPerInstance = [];
    private readonly Dictionary<string, int> _serviceEventsSeen = new(StringComparer.Ordinal);

    private IEcsControlGrain Control => grains.GetGrain<IEcsControlGrain>(GrainKeys.Control);

    public async Task<int> RunAsync(ScenarioFile scenario, CancellationToken ct)
    {
        console.MarkupLineInterpolated($"[bold]scenario:[/] {scenario.Name}");
        var (failures, passed) = await RunStepsAsync(scenario.Steps, ct);
        await Observe();
        console.WriteLine();

        // The verdict stands only on a consistent final state: a violated invariant fails the scenario.
        var invariants = await InvariantCheck.RunAsync(grains, _clusters);
        InvariantCheck.Print(console, invariants);
        failures.AddRange(invariants.Violations.Select(v => "invariant violated: " + v));
        if (failures.Count == 0)
        {
            console.MarkupLineInterpolated($"[green]PASSED[/] {passed} of {scenario.Steps.Count} steps");
            return 0;
        }

        var failedSteps = failures.Count - invariants.Violations.Count;
        console.MarkupLineInterpolated(
            $"[red]FAILED[/] {failedSteps} step(s){(invariants.Holds ? "" : $" and {invariants.Violations.Count} invariant violation(s)")}, {passed} passed of {scenario.Steps.Count}:");
        foreach (var f in failures)
        {
            console.MarkupLineInterpolated($"  - {f}");
        }

        return 1;
    }

    private async Task<string?> Execute(ScenarioStep s, CancellationToken ct)
    {
        switch (s.Kind)
        {
            case "createCluster":
                _clusters.Add((await Control.CreateCluster(new CreateClusterRequest(s.Str("name"), [], [], ImmutableDictionary<string, string>.Empty))).Name);
                return null;
            case "createAutoScalingGroup":
                var od = s.OptInt("onDemandBaseCapacity");
                var pct = s.OptInt("onDemandPercentageAboveBaseCapacity");
                var distribution = od is null && pct is null && s.Opt("spotAllocationStrategy") is null
                    ? null
                    : new MixedInstancesSpec(od ?? 0, pct ?? 100, s.Opt("spotAllocationStrategy") ?? "lowest-price");
                await Control.CreateAutoScalingGroup(new AsgSpec(s.Str("name"), s.Int("min"), s.Int("max"), s.Int("desired"), [.. s.Strings("zones")],
                    [.. s.Strings("instanceTypes")], distribution, s.Str("cluster"), s.Bool("spotDraining", false), s.Bool("protectFromScaleIn", false),
                    false, "1", ImmutableDictionary<string, string>.Empty, null, null));
                return null;
            case "createCapacityProvider":
                await Control.CreateCapacityProvider(new CapacityProviderSpec(s.Str("name"), s.Str("autoScalingGroup"),
                    new ManagedScalingSpec(s.Bool("managedScaling", true) ? ManagedScalingStatus.ENABLED : ManagedScalingStatus.DISABLED,
                        s.Int("targetCapacity", 100), s.Int("minimumScalingStepSize", 1), s.Int("maximumScalingStepSize", 10000), s.Int("instanceWarmupPeriod", 300)),
                    s.Bool("managedTerminationProtection", false), s.Bool("managedDraining", true), ImmutableDictionary<string, string>.Empty));
                return null;
            case "createManagedInstancesProvider":
                // B-MI-1: a MANAGED_INSTANCES provider within its cluster (the cluster must exist); no Auto Scaling group.
                var requirements = new InstanceRequirementsSpec(
                    new NumberRange(s.Double("vCpuMin", 1), s.Has("vCpuMax") ? s.Double("vCpuMax") : null),
                    new NumberRange(s.Double("memoryMiBMin", 1024), s.Has("memoryMiBMax") ? s.Double("memoryMiBMax") : null),
                    null, [.. s.Strings("cpuManufacturers")], [.. s.Strings("allowedInstanceTypes")], [.. s.Strings("excludedInstanceTypes")], [],
                    s.Opt("burstablePerformance"), null, null, null, null);
                await Control.CreateCapacityProvider(new CapacityProviderSpec(s.Str("name"), "", ManagedScalingSpec.Default, false, true, ImmutableDictionary<string, string>.Empty,
                    new ManagedInstancesSpec("arn:aws:iam::000000000000:role/ecsInfrastructureRole", "arn:aws:iam::000000000000:instance-profile/ecsInstanceRole",
                        [], [], s.Opt("capacityOptionType") ?? ManagedInstancesSpec.OnDemand, "BASIC", requirements, s.Opt("propagateTags") ?? "NONE",
                        s.OptInt("scaleInAfter"), "{}", [], s.Str("cluster"))));
                _clusters.Add(s.Str("cluster"));
                return null;
            case "putClusterCapacityProviders":
                await Control.PutClusterCapacityProviders(s.Str("cluster"), [.. s.Strings("providers")], Strategy(s, "defaultStrategy"));
                _clusters.Add(s.Str("cluster"));
                return null;
            case "registerTaskDefinition":
                var fargate = s.Bool("fargate", false);
                var mode = Enum.Parse<NetworkMode>(s.Opt("networkMode") ?? (fargate ? "awsvpc" : "bridge"));
                // hostPort: a fixed host port (container port the same); containerPort: a dynamic host port (bridge) behind a load balancer.
                var ports = s.OptInt("hostPort") is { } hp ? ImmutableArray.Create(new PortMapping(hp, hp, "tcp"))
                    : s.OptInt("containerPort") is { } cp ? ImmutableArray.Create(new PortMapping(cp, fargate ? cp : 0, "tcp"))
                    : [];
                var labels = s.StringMap("dockerLabels");
                ContainerHealthCheck? healthCheck = null;
                if (s.Has("healthCheck"))
                {
                    var hc = s.Map("healthCheck");
                    healthCheck = new ContainerHealthCheck([.. hc.Strings("command") is { Count: > 0 } command ? command : ["CMD-SHELL", "curl -f http://localhost/ || exit 1"]],
                        (int)hc.Duration("interval", TimeSpan.FromSeconds(30)).TotalSeconds, 5, hc.Int("retries", 3), (int)hc.Duration("startPeriod", TimeSpan.Zero).TotalSeconds);
                }

                await Control.RegisterTaskDefinition(new TaskDefinitionSpec(s.Str("family"),
                    [new ContainerDefinition("app", s.Opt("image") ?? "public.ecr.aws/nginx/nginx:latest", s.Int("cpu"), s.Int("memory"), null, true, ports, null, 0,
                        labels.Count == 0 ? null : labels.ToImmutableDictionary(StringComparer.Ordinal), healthCheck)],
                    fargate ? s.Str("cpu") : null, fargate ? s.Str("memory") : null, mode, fargate ? ["FARGATE"] : ["EC2"], [],
                    ImmutableDictionary<string, string>.Empty));
                return null;
            case "createService":
                var daemon = s.Bool("daemon", false);
                var balancers = await LoadBalancers(s) ?? [];
                await Control.CreateService(new CreateServiceRequest(s.Str("cluster"), s.Str("name"), s.Str("taskDefinition"),
                    daemon ? null : s.Int("desiredCount", 0), LaunchTypeOf(s), Strategy(s, "strategy"), Placement(s), [],
                    daemon ? SchedulingStrategy.DAEMON : SchedulingStrategy.REPLICA, s.OptInt("minimumHealthyPercent"), s.OptInt("maximumPercent"),
                    ImmutableDictionary<string, string>.Empty, null, LoadBalancers: balancers, Options: DeploymentOptions(s, null)));
                _clusters.Add(s.Str("cluster"));
                return null;
            case "updateService":
                var current = await grains.GetGrain<IServiceGrain>(GrainKeys.Service(s.Str("cluster"), s.Str("name"))).Describe();
                var update = await Control.UpdateService(new UpdateServiceRequest(s.Str("cluster"), s.Str("name"), s.OptInt("desiredCount"), s.Opt("taskDefinition"),
                    null, null, null, s.OptInt("minimumHealthyPercent"), s.OptInt("maximumPercent"), s.Bool("forceNewDeployment", false), await LoadBalancers(s),
                    DeploymentOptions(s, current?.Spec.EffectiveOptions)));
                if (update.Deployments.Length > 1 && update.Deployments[0].RolloutState == DeploymentRolloutState.IN_PROGRESS)
                {
                    await Line("deploy", $"{s.Str("name")}: deployment {update.Deployments[0].Id} of {Arns.ShortName(update.Deployments[0].TaskDefinitionArn)} started");
                }

                return null;
            case "deleteService":
                await Control.DeleteService(s.Str("cluster"), s.Str("name"), s.Bool("force", false));
                return null;
            case "runTask":
                var run = await Control.RunTask(new RunTaskRequest(s.Str("cluster"), s.Str("taskDefinition"), s.Int("count", 1), LaunchTypeOf(s),
                    Strategy(s, "strategy"), Placement(s), [], null, null, null));
                _clusters.Add(s.Str("cluster"));
                await Line("runTask", $"{run.Tasks.Length} task(s) started, {run.Failures.Length} failure(s) {string.Join(' ', run.Failures.Select(f => f.Reason).Distinct())}");
                return null;
            case "drainInstances":
                var status = await Control.GetClusterStatus(s.Str("cluster"), false);
                var targets = status.Instances
                    .Where(i => i.Status == ContainerInstanceStatus.ACTIVE && (s.Opt("instanceType") is not { } t || i.InstanceType == t))
                    .Take(s.Int("count", 1)).Select(i => i.ContainerInstanceId).ToImmutableArray();
                await Control.UpdateContainerInstancesState(s.Str("cluster"), targets, ContainerInstanceStatus.DRAINING);
                return null;
            case "createTargetGroup":
                var tg = TargetGroupSpec.Default(s.Str("name")) with
                {
                    Port = s.Int("port", 80),
                    HealthyThresholdCount = s.Int("healthyThreshold", 5),
                    UnhealthyThresholdCount = s.Int("unhealthyThreshold", 2),
                    HealthCheckIntervalSeconds = (int)s.Duration("interval", TimeSpan.FromSeconds(30)).TotalSeconds,
                    DeregistrationDelaySeconds = (int)s.Duration("deregistrationDelay", TimeSpan.FromSeconds(300)).TotalSeconds,
                    VpcId = s.Opt("vpcId") ?? (await DefaultNetwork()).VpcId, // B-ELB-1: a load balancer forwards only to groups of its VPC
                };
                var created = await grains.GetGrain<ITargetGroupGrain>(tg.Name).Create(tg);
                await Line("elb", $"target group {created.Arn}: healthy after {tg.HealthyThresholdCount} checks every {tg.HealthCheckIntervalSeconds} s, deregistration delay {tg.DeregistrationDelaySeconds} s");
                return null;
            case "setTraffic":
                await grains.GetGrain<ITrafficGrain>(s.Str("cluster")).SetServiceTraffic(s.Str("service"), Profile(s));
                _clusters.Add(s.Str("cluster"));
                await Line("traffic", $"{s.Str("service")}: {s.Double("rps").ToString(CultureInfo.InvariantCulture)} requests/s");
                return null;
            case "putMetricAlarm":
                await PutMetricAlarm(s);
                return null;
            case "registerScalableTarget":
                await Target(s).Register(new ScalableTargetSpec(AppAutoScaling.EcsNamespace, AppAutoScaling.ResourceId(s.Str("cluster"), s.Str("service")),
                    AppAutoScaling.EcsDesiredCount, s.Int("min"), s.Int("max"), null,
                    new SuspendedStateSpec(s.Bool("suspendScaleIn", false), s.Bool("suspendScaleOut", false), s.Bool("suspendScheduled", false)), null));
                _clusters.Add(s.Str("cluster"));
                await Line("scaling", $"{AppAutoScaling.ResourceId(s.Str("cluster"), s.Str("service"))}: scalable target {s.Int("min")}..{s.Int("max")}");
                return null;
            case "putTargetTrackingPolicy":
                var metricType = (s.Opt("metric") ?? "cpu") switch
                {
                    "memory" => "ECSServiceAverageMemoryUtilization",
                    "albRequestCountPerTarget" => "ALBRequestCountPerTarget",
                    _ => "ECSServiceAverageCPUUtilization",
                };
                var policy = await Target(s).PutPolicy(new ScalingPolicySpec(s.Str("name"), "TargetTrackingScaling",
                    new TargetTrackingSpec(s.Double("targetValue"), metricType, s.Opt("resourceLabel"), null,
                        s.Has("scaleOutCooldown") ? (int)s.Duration("scaleOutCooldown").TotalSeconds : null,
                        s.Has("scaleInCooldown") ? (int)s.Duration("scaleInCooldown").TotalSeconds : null,
                        s.Has("disableScaleIn") ? s.Bool("disableScaleIn", false) : null), null));
                await Line("scaling", $"policy {policy.Spec.PolicyName}: {metricType} target {s.Double("targetValue").ToString(CultureInfo.InvariantCulture)}, alarms {string.Join(", ", policy.Alarms.Select(a => a.AlarmName))}");
                return null;
            case "putScheduledAction":
                var scheduled = await Target(s).PutScheduledAction(new ScheduledActionSpec(s.Str("name"), s.Str("schedule"), s.Opt("timezone"), null, null, s.OptInt("min"), s.OptInt("max")));
                await Line("scaling", $"scheduled action {scheduled.Spec.Name}: {scheduled.Spec.Schedule}, next {scheduled.NextRunAt:u}");
                return null;
            case "sleep":
                var until = await Control.Now() + s.Duration("duration");
                while (await Control.Now() < until)
                {
                    await Observe();
                    await _pause(PollInterval, ct);
                }

                return null;
            case "waitFor":
                var deadline = await Control.Now() + s.Duration("timeout", TimeSpan.FromMinutes(30));
                while (true)
                {
                    await Observe();
                    var (ok, actual) = await Evaluate(s);
                    if (ok)
                    {
                        await Line("ok", $"{Describe(s)} (now {actual})");
                        return null;
                    }

                    if (await Control.Now() > deadline)
                    {
                        return $"{s.Where}: timed out after {s.Duration("timeout", TimeSpan.FromMinutes(30))} (emulated) waiting for {Describe(s)}; last value {actual}";
                    }

                    await _pause(PollInterval, ct);
                }

            case "assert":
                await Observe();
                var (holds, value) = await Evaluate(s);
                if (holds)
                {
                    await Line("ok", $"{Describe(s)} (is {value})");
                    return null;
                }

                return $"{s.Where}: expected {Describe(s)} but it is {value}";
            default:
                return await ExecuteBlueGreen(s, ct);
        }
    }

    /// <summary>The rate profile of a setTraffic / setListenerTraffic step (B-LB-3): steps, shapes, request duration, capacity per task.</summary>
    private static TrafficProfile Profile(ScenarioStep s)
    {
        var steps = ImmutableArray.Create(new TrafficStep(TimeSpan.Zero, s.Double("rps")))
            .AddRange(s.Maps("steps").Select(m => new TrafficStep(m.Duration("after"), m.Double("rps"))));
        var shapes = s.Maps("shapes").Select(m => new TrafficShape(
            m.Str("kind") switch { "ramp" => TrafficShapeKind.Ramp, "sine" => TrafficShapeKind.Sine, _ => TrafficShapeKind.Spike },
            m.Duration("after", TimeSpan.Zero), m.Duration("duration", TimeSpan.Zero), m.Double("rps"), m.Duration("period", TimeSpan.FromHours(24)))).ToImmutableArray();
        return new TrafficProfile(steps, s.Duration("requestDuration", TimeSpan.FromMilliseconds(200)), s.Double("perTaskCapacity", 100), shapes,
            s.Double("memoryBaselinePercent", 25), s.Double("memoryPerLoadPercent", 50));
    }

    /// <summary>Evaluates a waitFor/assert condition; returns whether it holds and the observed value.</summary>
    internal Task<(bool Holds, string Actual)> EvaluateAsync(ScenarioStep s) => Evaluate(s);

    /// <summary>Describes a waitFor/assert condition as the timeline prints it.</summary>
    internal static string DescribeCondition(ScenarioStep s) => Describe(s);

    /// <summary>Reads events and status of every cluster the runner knows and prints what changed.</summary>
    internal Task ObserveAsync() => Observe();

    /// <summary>Every cluster the steps created or used (the invariant checker runs over them).</summary>
    internal IReadOnlyCollection<string> Clusters => _clusters;

    /// <summary>Makes the runner's timeline follow a cluster the steps did not create.</summary>
    internal void Follow(string cluster) => _clusters.Add(cluster);

    /// <summary>
    /// Runs steps in order (a scenario's, an experiment's setup); returns the failures and how many steps passed. A
    /// failed action or wait ends the run; a failed assertion does not.
    /// </summary>
    internal async Task<(List<string> Failures, int Passed)> RunStepsAsync(IReadOnlyList<ScenarioStep> steps, CancellationToken ct)
    {
        var failures = new List<string>();
        var passed = 0;
        foreach (var step in steps)
        {
            await Line("step", $"{step.Kind} (line {step.Line})");
            string? failure;
            try
            {
                failure = await Execute(step, ct);
            }
            catch (EcsException e)
            {
                failure = $"{step.Where}: {e.Code}: {e.Message}";
            }

            if (failure is null)
            {
                passed++;
                continue;
            }

            failures.Add(failure);
            console.MarkupLineInterpolated($"[red]FAILED[/] {failure}");
            if (step.Kind is not "assert")
            {
                break; // a failed action or wait leaves nothing sensible to continue with
            }
        }

        return (failures, passed);
    }

    private async Task<(bool Holds, string Actual)> Evaluate(ScenarioStep s)
    {
        var condition = ScenarioParser.Conditions.First(s.Has);
        var op = s.Opt("op") ?? "==";
        var tolerance = s.Double("tolerance", 0.5);
        switch (condition)
        {
            case "runningTasks":
            {
                var tasks = await grains.GetGrain<IClusterGrain>(s.Str("cluster")).ListTasks(TaskFilter.All);
                var n = tasks.Count(t => t.LastStatus == TaskStatus.RUNNING && t.DesiredStatus == DesiredStatus.RUNNING
                                         && (s.Opt("service") is not { } svc || t.ServiceName == svc)
                                         && (s.Opt("capacityProvider") is not { } cp || t.CapacityProvider == cp)
                                         && (s.Opt("taskDefinition") is not { } td || IsTaskDefinition(t.TaskDefinitionArn, td)));
                return (Compare(n, op, s.Double(condition), 0), Num(n));
            }

            case "deploymentState":
            {
                // B-DP-1: the rolloutState of the service's PRIMARY deployment.
                var svc = await grains.GetGrain<IServiceGrain>(GrainKeys.Service(s.Str("cluster"), s.Str("service"))).Describe();
                var primary = svc?.Deployments.FirstOrDefault(d => d.Status == "PRIMARY");
                var state = primary?.RolloutState.ToString() ?? "none";
                var expected = s.Str(condition);
                return (op == "!=" ? state != expected : state == expected,
                    primary is null ? "no deployment" : $"{state} ({primary.Id}, {Arns.ShortName(primary.TaskDefinitionArn)}: {primary.RolloutStateReason})");
            }

            case "azBalanced":
            {
                // B-AZ-1: the service's running tasks per zone differ by at most one, over the zones with ACTIVE instances
                // (or holding its tasks).
                var status = await Control.GetClusterStatus(s.Str("cluster"), false);
                var service = s.Str(condition);
                var counts = status.Instances.Where(i => i.Status == ContainerInstanceStatus.ACTIVE).Select(i => i.AvailabilityZone)
                    .Concat(status.Tasks.Select(t => t.AvailabilityZone).OfType<string>())
                    .Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)
                    .ToDictionary(z => z, z => status.Tasks.Count(t => t.ServiceName == service && t.AvailabilityZone == z
                                                                     && t.LastStatus == TaskStatus.RUNNING && t.DesiredStatus == DesiredStatus.RUNNING));
                var balanced = counts.Count <= 1 || counts.Values.Max() - counts.Values.Min() <= 1;
                return (balanced, string.Join(", ", counts.Select(kv => $"{kv.Value} in {kv.Key}")));
            }

            case "serviceDeploymentStatus":
            {
                // B-DP-5: the status of the service's latest service deployment.
                var list = await grains.GetGrain<IServiceGrain>(GrainKeys.Service(s.Str("cluster"), s.Str("service"))).ListServiceDeployments();
                var latest = list.FirstOrDefault()?.Record;
                var expected = s.Str(condition);
                var status = latest?.Status ?? "none";
                return (op == "!=" ? status != expected : status == expected, latest is null ? "none" : $"{status}{(latest.StatusReason is { } r ? $" ({r})" : "")}");
            }

            case "provisioningTasks":
            {
                var n = (await grains.GetGrain<IClusterGrain>(s.Str("cluster")).Describe())?.ProvisioningTasksCount ?? 0;
                return (Compare(n, op, s.Double(condition), 0), Num(n));
            }

            case "registeredInstances":
            {
                var n = (await grains.GetGrain<IClusterGrain>(s.Str("cluster")).Describe())?.RegisteredContainerInstancesCount ?? 0;
                return (Compare(n, op, s.Double(condition), 0), Num(n));
            }

            case "inServiceInstances" or "desiredCapacity":
            {
                var asg = await grains.GetGrain<IAutoScalingGroupGrain>(s.Str("autoScalingGroup")).Describe()
                          ?? throw new ScenarioException($"{s.Where}: no Auto Scaling group {s.Str("autoScalingGroup")}");
                var n = condition == "inServiceInstances" ? asg.InService : asg.DesiredCapacity;
                return (Compare(n, op, s.Double(condition), 0), Num(n));
            }

            case "capacityProviderReservation":
            {
                var cas = (await grains.GetGrain<ICapacityProviderGrain>(s.Str("capacityProvider")).Describe())?.Cas;
                return cas is null ? (false, "not evaluated yet") : (Compare(cas.Cpr, op, s.Double(condition), tolerance), $"{cas.Cpr:0.##} (M {cas.M}, N {cas.N})");
            }

            case "cprSeen":
            {
                var seen = _cprSeen.GetValueOrDefault(s.Str("capacityProvider")) ?? [];
                var target = s.Double(condition);
                return (seen.Any(v => Compare(v, op, target, tolerance)), seen.Count == 0 ? "none yet" : string.Join(", ", seen.Distinct().Select(v => v.ToString("0.#", CultureInfo.InvariantCulture))));
            }

            case "maxTasksPerInstance":
            {
                var n = _maxPerInstance.GetValueOrDefault((s.Str("cluster"), s.Str("instanceType")));
                return (Compare(n, s.Opt("op") ?? "<=", s.Double(condition), 0), Num(n));
            }

            case "serviceSteady":
            {
                var svc = await grains.GetGrain<IServiceGrain>(GrainKeys.Service(s.Str("cluster"), s.Opt("service") ?? s.Str("serviceSteady"))).Describe();
                return (svc?.SteadyState == true, svc is null ? "no such service" : $"steady={svc.SteadyState}, running {svc.RunningCount}/{svc.Spec.DesiredCount}");
            }

            case "noTasksKilledByScaleIn":
            {
                var killed = (await grains.GetGrain<IClusterGrain>(s.Str("cluster")).ListTasks(TaskFilter.All))
                    .Count(t => t.StoppedReason?.StartsWith("Host EC2", StringComparison.Ordinal) == true);
                return (killed == 0, $"{killed} task(s) stopped with their host");
            }

            case "failedRequests" or "healthyTargets":
            {
                var figures = (await grains.GetGrain<ITrafficGrain>(s.Str("cluster")).GetFigures())
                    .Where(f => s.Opt("service") is not { } svc || f.Service == svc).ToList();
                var v = condition == "failedRequests" ? figures.Sum(f => f.Failed) : figures.Sum(f => f.HealthyHosts);
                return (Compare(v, op, s.Double(condition), 0), v.ToString("0", CultureInfo.InvariantCulture)
                    + (condition == "failedRequests" ? $" of {figures.Sum(f => f.Requests).ToString("0", CultureInfo.InvariantCulture)} requests" : " healthy target(s)"));
            }

            case "desiredCount":
            {
                var svc = await grains.GetGrain<IServiceGrain>(GrainKeys.Service(s.Str("cluster"), s.Str("service"))).Describe();
                var n = svc?.Spec.DesiredCount ?? 0;
                return (Compare(n, op, s.Double(condition), 0), svc is null ? "no such service" : Num(n));
            }

            case "alarmState":
            {
                // The service's policy alarms whose name contains `alarm` (e.g. AlarmHigh, AlarmLow); holds when one is in the state.
                var status = await Target(s).Status();
                var wanted = s.Str(condition);
                var alarms = status?.Alarms.Where(a => s.Opt("alarm") is not { } part || a.AlarmName.Contains(part, StringComparison.Ordinal)).ToList() ?? [];
                return (alarms.Any(a => a.State.ToString() == wanted),
                    alarms.Count == 0 ? "no alarms" : string.Join(", ", alarms.Select(a => $"{a.AlarmName}: {a.State}")));
            }

            case "scalingActivities":
            {
                var activities = await Target(s).Activities(false);
                var n = activities.Count(a => a.StatusCode == "Successful");
                return (Compare(n, op, s.Double(condition), 0), Num(n) + " successful");
            }

            default:
                return await EvaluateBlueGreen(s, condition, op, tolerance);
        }
    }

    private IScalableTargetGrain Target(ScenarioStep s) => grains.GetGrain<IScalableTargetGrain>(
        GrainKeys.ScalableTarget(AppAutoScaling.EcsNamespace, AppAutoScaling.ResourceId(s.Str("cluster"), s.Str("service")), AppAutoScaling.EcsDesiredCount));

    /// <summary>Reads what happened since the last poll and prints it as timeline lines.</summary>
    private async Task Observe()
    {
        foreach (var cluster in _clusters)
        {
            var grain = grains.GetGrain<IClusterGrain>(cluster);
            var page = await grain.ReadEvents(_eventCursor.GetValueOrDefault(cluster), null, 10_000);
            _eventCursor[cluster] = page.LastSequence;
            var placed = 0;
            var running = 0;
            var stopped = 0;
            foreach (var e in page.Events)
            {
                switch (e.DetailType)
                {
                    case EventTypes.InstanceLaunchSuccessful:
                        await Line("ec2", $"{e.Detail.GetValueOrDefault("EC2InstanceId")} in service in {e.Detail.GetValueOrDefault("AutoScalingGroupName")}", e.Time);
                        break;
                    case EventTypes.InstanceTerminateSuccessful:
                        await Line("ec2", $"{e.Detail.GetValueOrDefault("EC2InstanceId")} terminated from {e.Detail.GetValueOrDefault("AutoScalingGroupName")}", e.Time);
                        break;
                    case EventTypes.SpotInterruptionWarning or EventTypes.RebalanceRecommendation:
                        await Line("ec2", $"{e.DetailType}: {string.Join(", ", e.Detail.Select(kv => $"{kv.Key}={kv.Value}"))}", e.Time);
                        break;
                    case EventTypes.InstanceLaunchUnsuccessful:
                        await Line("ec2", $"launch failed in {e.Detail.GetValueOrDefault("AutoScalingGroupName")}", e.Time);
                        break;
                    case EventTypes.CapacityProviderReservation:
                        var provider = e.Detail["capacityProvider"];
                        var cpr = double.Parse(e.Detail["CapacityProviderReservation"], CultureInfo.InvariantCulture);
                        (_cprSeen.TryGetValue(provider, out var list) ? list : _cprSeen[provider] = []).Add(cpr);
                        var text = $"M {e.Detail["M"]}, N {e.Detail["N"]}, CPR {e.Detail["CapacityProviderReservation"]}, queued {e.Detail["queued"]}";
                        if (_lastCpr.GetValueOrDefault(provider) != text)
                        {
                            _lastCpr[provider] = text;
                            await Line("cas", $"{provider}: {text}", e.Time);
                        }

                        break;
                    case EventTypes.DeploymentStateChange:
                        await Line("deploy", $"{e.Resources.FirstOrDefault()?.Split('/')[^1]} {e.Detail.GetValueOrDefault("deploymentId")}: {e.Detail.GetValueOrDefault("eventName")} - {e.Detail.GetValueOrDefault("reason")}", e.Time);
                        break;
                    case EventTypes.AlarmStateChange:
                        await Line("alarm", $"{e.Detail.GetValueOrDefault("alarmName")}: {e.Detail.GetValueOrDefault("previousState.value")} -> {e.Detail.GetValueOrDefault("state.value")}", e.Time);
                        break;
                    case EventTypes.ScalingActivity:
                        await Line("scaling", $"{e.Detail.GetValueOrDefault("resourceId")}: {e.Detail.GetValueOrDefault("description")} {e.Detail.GetValueOrDefault("statusCode")}"
                            + (e.Detail.GetValueOrDefault("notScaledReason") is { Length: > 0 } why ? $" ({why})" : $" ({e.Detail.GetValueOrDefault("cause")})"), e.Time);
                        break;
                    case EventTypes.TaskStateChange when e.Task is { } t:
                        placed += t.LastStatus == TaskStatus.PENDING || (t.LastStatus == TaskStatus.PROVISIONING && t.ContainerInstanceId is not null) ? 1 : 0;
                        running += t.LastStatus == TaskStatus.RUNNING ? 1 : 0;
                        stopped += t.LastStatus == TaskStatus.STOPPED ? 1 : 0;
                        break;
                }
            }

            if (placed + running + stopped > 0)
            {
                await Line("tasks", $"{cluster}: {placed} placed, {running} started running, {stopped} stopped");
            }

            var status = await Control.GetClusterStatus(cluster, false);
            if (_queue.GetValueOrDefault(cluster, -1) != status.Cluster.ProvisioningTasksCount)
            {
                _queue[cluster] = status.Cluster.ProvisioningTasksCount;
                await Line("queue", $"{cluster}: {status.Cluster.ProvisioningTasksCount} task(s) PROVISIONING");
            }

            foreach (var i in status.Instances)
            {
                var key = (cluster, i.InstanceType);
                _maxPerInstance[key] = Math.Max(_maxPerInstance.GetValueOrDefault(key), i.TaskGroups.Values.Sum());
            }

            foreach (var svc in status.Services)
            {
                var seen = _serviceEventsSeen.GetValueOrDefault(svc.Spec.Name);
                foreach (var e in svc.Events.Take(Math.Max(0, svc.Events.Length - seen)).Reverse())
                {
                    await Line("service", e.Message, e.CreatedAt);
                }

                _serviceEventsSeen[svc.Spec.Name] = svc.Events.Length;
            }

            await ObserveShifts(cluster, status);
        }
    }

    private async Task Line(string what, string text, DateTimeOffset? at = null) =>
        WriteLine(console, at ?? await Control.Now(), what, text);

    /// <summary>One timeline line: emulated time, what, text (scenarios and experiments print the same way).</summary>
    internal static void WriteLine(IAnsiConsole console, DateTimeOffset at, string what, string text) =>
        console.MarkupLineInterpolated($"[grey]{at:HH:mm:ss}[/] [blue]{what,-7}[/] {text}");

    internal static bool Compare(double actual, string op, double expected, double tolerance) => op switch
    {
        "==" => Math.Abs(actual - expected) <= tolerance,
        "!=" => Math.Abs(actual - expected) > tolerance,
        ">=" => actual >= expected - tolerance,
        "<=" => actual <= expected + tolerance,
        ">" => actual > expected,
        "<" => actual < expected,
        _ => false,
    };

    private static string Describe(ScenarioStep s)
    {
        var condition = ScenarioParser.Conditions.First(s.Has);
        var scope = string.Join(", ", new[] { "cluster", "service", "capacityProvider", "autoScalingGroup", "instanceType", "taskDefinition", "rule", "targetGroup", "traffic", "stage" }
            .Where(s.Has).Select(k => $"{k} {s.Opt(k)}"));
        return $"{condition} {s.Opt("op") ?? (condition == "maxTasksPerInstance" ? "<=" : "==")} {s.Opt(condition)}" + (scope.Length > 0 ? $" ({scope})" : "");
    }

    private static string Num(int n) => n.ToString(CultureInfo.InvariantCulture);

    private static ImmutableArray<CapacityProviderStrategyItem> Strategy(ScenarioStep s, string key) =>
        s.Maps(key).Select(m => new CapacityProviderStrategyItem(m.Str("capacityProvider"), m.Int("weight", 0), m.Int("base", 0))).ToImmutableArray();

    private static ImmutableArray<Contracts.PlacementStrategy> Placement(ScenarioStep s) =>
        s.Maps("placementStrategy").Select(m => new Contracts.PlacementStrategy(Enum.Parse<PlacementStrategyType>(m.Str("type")), m.Opt("field"))).ToImmutableArray();

    private static LaunchType? LaunchTypeOf(ScenarioStep s) => s.Opt("launchType") is { } lt ? Enum.Parse<LaunchType>(lt) : null;

    /// <summary>"web", "web:3" or a task definition ARN names the task's task definition (family, or family:revision).</summary>
    private static bool IsTaskDefinition(string arn, string reference)
    {
        var shortName = Arns.ShortName(arn);
        return reference == arn || reference == shortName || shortName.StartsWith(reference + ":", StringComparison.Ordinal);
    }

    /// <summary>
    /// The deployment settings of a createService / updateService step (B-DP-2, B-DP-3, B-AZ-1, B-DP-6, B-DP-7); null when
    /// it names none. <paramref name="current"/>: the service's options before an update (a preset keeps its hooks).
    /// </summary>
    private static ServiceOptionsPatch? DeploymentOptions(ScenarioStep s, ServiceOptions? current)
    {
        if (!s.Has("circuitBreaker") && !s.Has("alarms") && !s.Has("healthCheckGracePeriod") && !s.Has("availabilityZoneRebalancing") && !HasStrategy(s))
        {
            return null;
        }

        DeploymentCircuitBreakerSpec? breaker = null;
        if (s.Has("circuitBreaker"))
        {
            var cb = s.Map("circuitBreaker");
            var threshold = cb.Opt("thresholdType") is { } type ? new ThresholdConfigurationSpec(type, cb.Int("thresholdValue", 50)) : null;
            breaker = new DeploymentCircuitBreakerSpec(cb.Bool("enable", true), cb.Bool("rollback", false),
                cb.Has("resetOnHealthyTask") ? cb.Bool("resetOnHealthyTask", true) : null, threshold);
        }

        DeploymentAlarmsSpec? alarms = null;
        if (s.Has("alarms"))
        {
            var a = s.Map("alarms");
            alarms = new DeploymentAlarmsSpec([.. a.Strings("names")], a.Bool("enable", true), a.Bool("rollback", true));
        }

        var (strategy, shift) = StrategyOf(s, current);
        return ServiceOptionsPatch.None with
        {
            CircuitBreaker = breaker,
            Alarms = alarms,
            HealthCheckGracePeriodSeconds = s.Has("healthCheckGracePeriod") ? (int)s.Duration("healthCheckGracePeriod").TotalSeconds : null,
            AvailabilityZoneRebalancing = s.Opt("availabilityZoneRebalancing"),
            Strategy = strategy,
            BakeTimeInMinutes = s.OptInt("bakeTimeInMinutes"),
            TrafficShift = shift,
        };
    }

    /// <summary>
    /// B-CW-1 / B-DP-3: a CloudWatch metric alarm (PutMetricAlarm) on a target group's AWS/ApplicationELB metric (e.g.
    /// HTTPCode_Target_5XX_Count, dimension TargetGroup), a service's AWS/ECS metric (ClusterName, ServiceName), or any
    /// namespace; a service's deploymentConfiguration.alarms can then name it.
    /// </summary>
    private async Task PutMetricAlarm(ScenarioStep s)
    {
        var dimensions = ImmutableArray.CreateBuilder<MetricDimension>();
        var ns = s.Opt("namespace");
        if (s.Opt("targetGroup") is { } tg)
        {
            var group = await grains.GetGrain<ITargetGroupGrain>(tg).Describe() ?? throw new ScenarioException($"{s.Where}: target group {tg} does not exist.");
            dimensions.Add(new MetricDimension("TargetGroup", TargetGroupArns.Dimension(group.Arn)));
            ns ??= MetricNamespaces.ApplicationElb;
        }
        else if (s.Opt("cluster") is { } cluster && s.Opt("service") is { } service)
        {
            dimensions.Add(new MetricDimension("ClusterName", cluster));
            dimensions.Add(new MetricDimension("ServiceName", service));
            ns ??= MetricNamespaces.Ecs;
        }

        var name = s.Str("name");
        var comparison = s.Opt("comparison") ?? "GreaterThanThreshold";
        var alarm = await grains.GetGrain<ICloudWatchAlarmsGrain>(0).Put(new AlarmSpec(name, "scenario " + s.Where, true, [], [], [], ns, s.Str("metric"),
            dimensions.ToImmutable(), s.Opt("statistic") ?? "Sum", null, (int)s.Duration("period", TimeSpan.FromMinutes(1)).TotalSeconds, null,
            s.Int("evaluationPeriods", 1), s.OptInt("datapointsToAlarm"), s.Double("threshold"), comparison, s.Opt("treatMissingData") ?? "notBreaching", null, [], null,
            ImmutableDictionary<string, string>.Empty, null));
        await Line("alarm", $"{alarm.Spec.Name}: {ns} {s.Str("metric")} {s.Opt("statistic") ?? "Sum"} {comparison} {s.Double("threshold").ToString(CultureInfo.InvariantCulture)}");
    }
}
