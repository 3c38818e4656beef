using System.Collections.Immutable;
using Emulator.Contracts;
using Emulator.Model.Lifecycle;
using Emulator.Model.Placement;
using Emulator.Model.Scaling;
using Emulator.Model.Time;
using TaskStatus = Emulator.Contracts.TaskStatus;
using PlacementStrategy = Emulator.Contracts.PlacementStrategy;

namespace Emulator.Model.Cluster;

/// <summary>
/// Launch decisions (RunTask, StartTask, a service's launches): a request, the record book, the cluster's settings,
/// the time and the seeded random stream in; a <see cref="LaunchPlan"/> out, nothing changed. In order: the client
/// token (replay or conflict), the capacity provider split (B-CP-2, B-CP-3), placement per provider and target
/// instance (B-PL-*), for what does not fit the PROVISIONING queue or a failure (B-PQ-1), the PROVISIONING quota
/// (B-PQ-3), and a zone per Fargate task. The random stream is drawn from only by placement (ties), in the order
/// the batches are placed; the grain then creates the tasks with <see cref="NewTask"/>.
/// </summary>
public static class LaunchPlanner
{
    public static LaunchPlan Plan(LaunchRequest request, ClusterBook book, LaunchSettings settings, DateTimeOffset now, Random random)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(book);
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(random);

        // B-W-4 idempotency: a token seen within its lifetime replays the first call or conflicts with it.
        var expiredToken = false;
        if (request.ClientToken is { } token && settings.ClientTokens.TryGetValue(token, out var previous))
        {
            switch (ClientTokens.Check(previous.Fingerprint, previous.At, request.RequestFingerprint, now, ClientTokens.RunTaskTimeToLive))
            {
                case ClientTokenOutcome.Replay:
                    return LaunchPlan.Replay(previous.TaskIds);
                case ClientTokenOutcome.Conflict:
                    var arns = previous.TaskIds.Select(id => Arns.Task(settings.Region, settings.Account, settings.Cluster, id)).ToImmutableArray();
                    return LaunchPlan.Rejected(new Rejection(
                        ErrorCodes.Conflict, $"The clientToken is already in use with a different RunTask request. resourceIds: [{string.Join(", ", arns)}]")
                    {
                        ResourceIds = arns,
                    });
                default:
                    expiredToken = true; // expired: the token starts afresh
                    break;
            }
        }

        var allocations = Allocations(request, settings, out var invalid);
        if (invalid is not null)
        {
            return LaunchPlan.Rejected(invalid);
        }

        var strategies = Strategies(request);
        var constraints = Constraints(request);
        var batches = ImmutableArray.CreateBuilder<LaunchBatch>();
        var failures = ImmutableArray.CreateBuilder<LaunchFailure>();
        string? message = null;
        List<ContainerInstanceRecord>? working = null;
        PlacementResult? lastPlacement = null;
        Dictionary<string, int>? fargateCounts = null;
        foreach (var alloc in allocations.Where(a => a.Count > 0))
        {
            var provider = alloc.CapacityProvider is null ? null : settings.Providers.GetValueOrDefault(alloc.CapacityProvider);
            if (IsFargate(request, provider))
            {
                batches.Add(new LaunchBatch(alloc.CapacityProvider, LaunchType.FARGATE, alloc.Count, null, 0,
                    FargateZones(book, settings, request.SubnetZones, alloc.Count, now, ref fargateCounts)));
                continue;
            }

            var targets = request.TargetContainerInstances.IsDefaultOrEmpty ? [null] : request.TargetContainerInstances.Select(Arns.ShortName).Cast<string?>().ToList();
            foreach (var target in targets)
            {
                var count = target is null ? alloc.Count : 1;
                working ??= [.. book.Instances.Values];
                if (lastPlacement is not null)
                {
                    // B-PL-7: applied only when another placement follows (one O(instances) pass less per launch).
                    working = WithPlaced(working, lastPlacement, request, settings.Cluster, now);
                }

                var placement = PlacementEngine.Place(
                    working,
                    new PlacementRequest(request.TaskDefinition.Requirements, request.Group, count, strategies, constraints, alloc.CapacityProvider, target),
                    random);
                lastPlacement = placement;
                var queue = 0;
                if (placement.Unplaced > 0 && provider is not null && target is null
                    && ManagedInstances.InstanceTypeSelection.Unfittable(request.TaskDefinition.Requirements, provider.ManagedInstanceShapes ?? [], provider.Name) is { } unfit)
                {
                    // B-MI-2: no type the Managed Instances provider may launch can hold the task: it fails at once, with why.
                    message = request.ServiceName is { } svcName ? $"service {svcName} was unable to place a task. Reason: {unfit.Detail}" : unfit.Detail;
                    if (request.ServiceName is null)
                    {
                        failures.AddRange(Enumerable.Repeat(new LaunchFailure(Arns.CapacityProvider(settings.Region, settings.Account, provider.Name), unfit.Reason, unfit.Detail), placement.Unplaced));
                    }
                }
                else if (placement.Unplaced > 0)
                {
                    message = placement.Explanation is { } why && request.ServiceName is { } svc ? PlacementMessages.ServiceEvent(svc, why) : placement.Explanation?.Detail;
                    if (QueuesUnplaced(provider, target))
                    {
                        queue = placement.Unplaced; // B-PQ-1: wait in the provider's PROVISIONING queue.
                    }
                    else if (request.ServiceName is null)
                    {
                        // B-PQ-1: RunTask answers what did not fit in `failures`; a service logs the placement event instead.
                        if (Failures(placement, settings, out var none) is not { } failed)
                        {
                            return LaunchPlan.Rejected(none!);
                        }

                        failures.AddRange(failed);
                    }
                }

                // B-MI-1: tasks on a Managed Instances provider's instances report launch type MANAGED_INSTANCES.
                batches.Add(new LaunchBatch(alloc.CapacityProvider, provider?.Type == ProviderType.ManagedInstances ? LaunchType.MANAGED_INSTANCES : LaunchType.EC2,
                    count, placement, queue, []));
            }
        }

        var toQueue = batches.Sum(b => b.Queue);
        if (QuotaRefusal(book.Queue.Count, toQueue, settings) is { } quota)
        {
            return LaunchPlan.Rejected(quota);
        }

        return new LaunchPlan(null, default, batches.ToImmutable(), failures.ToImmutable(), message,
            new QueuedPlacement(strategies, constraints), expiredToken);
    }

    /// <summary>
    /// B-PQ-1: tasks that fit nowhere wait in PROVISIONING only with managed scaling ENABLED on their capacity provider
    /// (and not for StartTask, which names its instance); otherwise they fail at once.
    /// </summary>
    public static bool QueuesUnplaced(ClusterProvider? provider, string? targetContainerInstance) =>
        provider is { ManagedScaling: true } && targetContainerInstance is null;

    /// <summary>B-PQ-3: the per-cluster PROVISIONING quota (ClientException naming it), or null when the tasks may queue.</summary>
    public static Rejection? QuotaRefusal(int queuedNow, int toQueue, LaunchSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return toQueue > 0 && queuedNow + toQueue > settings.ProvisioningQueueLimit
            ? Rejection.Client(
                $"The number of tasks in the PROVISIONING state for cluster {settings.Cluster} would exceed the limit of {settings.ProvisioningQueueLimit} (quota: tasks in the PROVISIONING state per cluster).")
            : null;
    }

    /// <summary>
    /// B-CP-2: how many tasks go to which capacity provider: the request's explicit allocations (a service's), else
    /// its capacity provider strategy, else its launch type (no provider), else the cluster's default strategy split
    /// by B-CP-3; launch type and strategy together, an unassociated provider or an invalid strategy are rejected.
    /// </summary>
    public static ImmutableArray<ProviderAllocation> Allocations(LaunchRequest request, LaunchSettings settings, out Rejection? rejection)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(settings);
        rejection = null;
        if (!request.Allocations.IsDefaultOrEmpty)
        {
            foreach (var a in request.Allocations)
            {
                if (a.CapacityProvider is { } p && !settings.Providers.ContainsKey(p))
                {
                    rejection = Rejection.Invalid($"The specified capacity provider {p} is not associated with the cluster {settings.Cluster}.");
                    return [];
                }
            }

            return request.Allocations;
        }

        if (request.LaunchType is not null && !request.Strategy.IsDefaultOrEmpty)
        {
            rejection = Rejection.Invalid("Specifying both a launch type and capacity provider strategy is not supported.");
            return [];
        }

        if (request.LaunchType is not null)
        {
            return [new ProviderAllocation(null, request.Count)];
        }

        var strategy = !request.Strategy.IsDefaultOrEmpty ? request.Strategy : settings.DefaultStrategy;
        if (strategy.IsDefaultOrEmpty)
        {
            return [new ProviderAllocation(null, request.Count)];
        }

        if (CapacityProviderStrategies.Validate(strategy, n => KindOf(settings.Providers.Values, n)) is { } error)
        {
            rejection = Rejection.Invalid(error);
            return [];
        }

        return CapacityProviderStrategies.Split(strategy, request.Count)
            .Select(p => new ProviderAllocation(p.CapacityProvider, p.Count))
            .ToImmutableArray();
    }

    /// <summary>What a cluster's capacity provider is backed by (null: not associated).</summary>
    public static ProviderKind? KindOf(IEnumerable<ClusterProvider> providers, string name)
    {
        var p = providers.FirstOrDefault(x => x.Name == name);
        return p?.Type switch
        {
            ProviderType.AutoScalingGroup => ProviderKind.AutoScalingGroup,
            ProviderType.ManagedInstances => ProviderKind.AutoScalingGroup, // B-MI-1: EC2 capacity like a group's (never mixed with Fargate)
            ProviderType.Fargate => ProviderKind.Fargate,
            ProviderType.FargateSpot => ProviderKind.FargateSpot,
            _ => null,
        };
    }

    /// <summary>Fargate tasks: a FARGATE / FARGATE_SPOT provider, or launch type FARGATE without one.</summary>
    public static bool IsFargate(LaunchRequest request, ClusterProvider? provider)
    {
        ArgumentNullException.ThrowIfNull(request);
        return provider?.Type is ProviderType.Fargate or ProviderType.FargateSpot
            || (provider is null && request.LaunchType == LaunchType.FARGATE);
    }

    /// <summary>
    /// Model choice (AWS spreads Fargate tasks over the service's subnets): each task goes to the zone with the fewest
    /// live Fargate tasks of the cluster, the earliest zone on a tie, among the zones of the request's subnets (awsvpc,
    /// <see cref="SubnetPlacement.FargateZone"/>; every zone when it names none); a zone that is out (chaos AZ outage)
    /// gets nothing unless every candidate zone is out. <paramref name="counts"/> carries the tasks chosen so far
    /// across batches.
    /// </summary>
    public static ImmutableArray<string> FargateZones(ClusterBook book, LaunchSettings settings, ImmutableArray<string> subnetZones, int count,
        DateTimeOffset now, ref Dictionary<string, int>? counts)
    {
        ArgumentNullException.ThrowIfNull(book);
        ArgumentNullException.ThrowIfNull(settings);
        counts ??= new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var z in settings.AvailabilityZones.Concat(subnetZones.IsDefault ? [] : subnetZones))
        {
            counts.TryAdd(z, book.LiveFargateTasksIn(z));
        }

        var chosen = ImmutableArray.CreateBuilder<string>(count);
        for (var i = 0; i < count; i++)
        {
            var best = SubnetPlacement.FargateZone(settings.AvailabilityZones, subnetZones,
                z => settings.ZoneOutages.TryGetValue(z, out var until) && (until is null || until > now), counts);
            counts[best]++;
            chosen.Add(best);
        }

        return chosen.MoveToImmutable();
    }

    /// <summary>
    /// A new task of the request: PROVISIONING, desired RUNNING (B-TL-1), with an injected start failure when the
    /// cluster's launch faults draw one (<see cref="InjectedFailure"/>), carrying its task faults (B-DP-8).
    /// </summary>
    public static TaskRecord NewTask(LaunchRequest request, string taskId, string cluster, string? capacityProvider, LaunchType launchType,
        LaunchFaults? faults, DateTimeOffset now, Random random, TaskFaults? taskFaults = null)
    {
        ArgumentNullException.ThrowIfNull(request);
        var t = TaskLifecycle.New(
            taskId, cluster, request.TaskDefinition.Arn, request.TaskDefinition.Requirements, request.Group,
            request.StartedBy, request.ServiceName, request.DeploymentId, capacityProvider, launchType, request.IsDaemon,
            request.TaskDefinition.StopTimeoutSeconds, now) with { Faults = taskFaults }; // B-DP-8
        return InjectedFailure(faults, request.ServiceName, now, random) is { } reason ? t with { FailureInjected = reason } : t;
    }

    /// <summary>
    /// Launch faults (chaos knob behind B-SV-5's failing starts): while active and for the named service (or every
    /// task), each new task draws whether it will fail to start, with the configured stoppedReason. Draws from the
    /// stream only while the faults apply.
    /// </summary>
    public static string? InjectedFailure(LaunchFaults? faults, string? serviceName, DateTimeOffset now, Random random)
    {
        ArgumentNullException.ThrowIfNull(random);
        return faults is { } f && (f.Until is null || f.Until > now) && (f.ServiceName is null || f.ServiceName == serviceName)
            && random.NextDouble() < f.Probability
                ? f.Reason
                : null;
    }

    /// <summary>RunTask client tokens to forget now: every 256th token recorded sweeps the expired ones (24 h).</summary>
    public static IReadOnlyList<string> ExpiredTokens(IReadOnlyDictionary<string, ClientTokenRecord> tokens, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        return tokens.Count % 256 != 255
            ? []
            : tokens.Where(r => now - r.Value.At >= ClientTokens.RunTaskTimeToLive).Select(r => r.Key).ToList();
    }

    /// <summary>
    /// B-PL-6: how the request's tasks would be placed per provider, without placing anything and without touching the
    /// cluster's random stream (a stream of its own, seeded by the cluster's name).
    /// </summary>
    public static ImmutableArray<PlacementExplanationInfo> Explain(LaunchRequest request, ClusterBook book, LaunchSettings settings, DateTimeOffset now, out Rejection? rejection)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(book);
        ArgumentNullException.ThrowIfNull(settings);
        var allocations = Allocations(request, settings, out rejection);
        if (rejection is not null)
        {
            return [];
        }

        var strategies = Strategies(request);
        var constraints = Constraints(request);
        var result = ImmutableArray.CreateBuilder<PlacementExplanationInfo>();
        var working = book.Instances.Values.ToList();
        var random = new Random(SeededRandomSource.StableHash(settings.Cluster + "/explain"));
        foreach (var alloc in allocations.Where(a => a.Count > 0))
        {
            var provider = alloc.CapacityProvider is null ? null : settings.Providers.GetValueOrDefault(alloc.CapacityProvider);
            if (IsFargate(request, provider))
            {
                result.Add(new PlacementExplanationInfo(alloc.CapacityProvider, alloc.Count, 0, null, null, [], [], "Fargate tasks need no container instance."));
                continue;
            }

            var placement = PlacementEngine.Place(
                working,
                new PlacementRequest(request.TaskDefinition.Requirements, request.Group, alloc.Count, strategies, constraints, alloc.CapacityProvider),
                random,
                explain: true);
            working = WithPlaced(working, placement, request, settings.Cluster, now);
            var why = placement.Explanation;
            result.Add(new PlacementExplanationInfo(
                alloc.CapacityProvider, placement.Placed.Length, placement.Unplaced, why?.Reason, why?.ClosestContainerInstanceId,
                why?.Rejected.Select(r => new LaunchFailure(Arns.ContainerInstance(settings.Region, settings.Account, settings.Cluster, r.ContainerInstanceId), r.Reason, null)).ToImmutableArray() ?? [],
                why?.Ranking ?? [],
                why?.Detail ?? ""));
        }

        return result.ToImmutable();
    }

    private static ImmutableArray<PlacementStrategy> Strategies(LaunchRequest request) =>
        request.PlacementStrategies.IsDefault ? [] : request.PlacementStrategies;

    /// <summary>B-PL-4: the request's constraints, then the task definition's.</summary>
    private static ImmutableArray<PlacementConstraint> Constraints(LaunchRequest request) =>
        (request.PlacementConstraints.IsDefault ? [] : request.PlacementConstraints)
            .AddRange(request.TaskDefinition.Spec.PlacementConstraints.IsDefault ? [] : request.TaskDefinition.Spec.PlacementConstraints);

    /// <summary>The instances as they will be once the placement's tasks hold their resources (B-PL-7), same order.</summary>
    private static List<ContainerInstanceRecord> WithPlaced(List<ContainerInstanceRecord> working, PlacementResult placement, LaunchRequest request, string cluster, DateTimeOffset now)
    {
        if (placement.Placed.IsEmpty)
        {
            return working;
        }

        var byId = working.ToDictionary(i => i.ContainerInstanceId, StringComparer.Ordinal);
        foreach (var a in placement.Placed)
        {
            var probe = new TaskRecord("probe", cluster, "", request.TaskDefinition.Requirements, request.Group, null, null, null, null,
                LaunchType.EC2, a.ContainerInstanceId, null, null, TaskStatus.PENDING, DesiredStatus.RUNNING, 0, now, null, null, null,
                null, null, null, request.IsDaemon, a.HostPorts, null, null, 0, null);
            byId[a.ContainerInstanceId] = InstanceAccounting.ApplyTaskChange(byId[a.ContainerInstanceId], null, probe);
        }

        return [.. byId.Values];
    }

    /// <summary>
    /// B-PL-5: RunTask's failures for what did not fit, one per instance in scope with its reason word; with no usable
    /// container instance at all AWS answers with an error instead (null and <paramref name="rejection"/>).
    /// </summary>
    private static List<LaunchFailure>? Failures(PlacementResult placement, LaunchSettings settings, out Rejection? rejection)
    {
        var why = placement.Explanation;
        if (why is null || why.Rejected.IsEmpty || why.Reason is null)
        {
            rejection = Rejection.Invalid(why?.Detail is { Length: > 0 } detail ? detail : PlacementMessages.NoInstancesInCluster);
            return null;
        }

        rejection = null;
        return why.Rejected
            .Select(r => new LaunchFailure(Arns.ContainerInstance(settings.Region, settings.Account, settings.Cluster, r.ContainerInstanceId), r.Reason, null))
            .ToList();
    }
}
