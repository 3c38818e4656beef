using System.Collections.Immutable;
using System.Diagnostics;
using Emulator.Contracts;
using Emulator.Model.Cluster;
using Emulator.Model.Lifecycle;
using Emulator.Model.Placement;
using PlacementStrategy = Emulator.Contracts.PlacementStrategy;

namespace Emulator.Grains;

/// <summary>The cluster's tasks: launches (planned by <see cref="LaunchPlanner"/>), stops, and the views services and CAS read.</summary>
public sealed partial class ClusterGrain
{
    public Task<LaunchResult> LaunchTasks(LaunchRequest request)
    {
        EnsureExists();
        var started = Stopwatch.GetTimestamp();
        var now = Now;

        // Decide everything first (pure), then apply: bad input changes nothing.
        var plan = LaunchPlanner.Plan(request, _book, Settings(), now, _random);
        Refuse(plan.Rejection);
        if (plan.IsReplay)
        {
            return Task.FromResult(new LaunchResult(plan.ReplayTaskIds.Where(_book.Tasks.ContainsKey).Select(id => _book.Tasks[id]).ToImmutableArray(), [], null));
        }

        var created = plan.ApplyTo(_book, request, Name, S.Faults, _rt.Options.Timings, now, _random, FaultsForNewTask(request, now));
        if (request.ServiceName is { } service)
        {
            if (plan.PlacementMessage is { } message)
            {
                _placementMessages[service] = message;
            }
            else
            {
                _placementMessages.Remove(service);
            }
        }

        if (request.ClientToken is { } token)
        {
            RecordToken(token, request.RequestFingerprint, plan.ReplacesExpiredToken, created, now);
        }

        _rt.Metrics.RecordPlacement(Stopwatch.GetElapsedTime(started).TotalMilliseconds, created.Length);
        if (request.ServiceName is { } caller)
        {
            _servicesToPoke.Remove(caller);
        }

        FlushPokes();
        MarkDirty();
        return Task.FromResult(new LaunchResult(created, plan.Failures, plan.PlacementMessage));
    }

    public Task<ImmutableArray<TaskRecord>> StopTasks(ImmutableArray<string> taskIds, string stopCode, string reason)
    {
        EnsureExists();
        var result = ImmutableArray.CreateBuilder<TaskRecord>();
        foreach (var reference in taskIds)
        {
            var id = Arns.ShortName(reference);
            if (!_book.Tasks.TryGetValue(id, out var t))
            {
                throw ErrorCodes.Invalid("The referenced task was not found.");
            }

            result.Add(StopOne(t, stopCode, reason));
        }

        FlushPokes();
        MarkDirty();
        return Task.FromResult(result.ToImmutable());
    }

    public Task<ImmutableArray<string>> StopServiceTasks(string serviceName, string? capacityProvider, int count, ImmutableArray<PlacementStrategy> strategies, string reason)
    {
        var candidates = ClusterRules.StopCandidates(_book, serviceName, capacityProvider);
        var chosen = PlacementEngine.ChooseTasksToStop(candidates, count, strategies.IsDefault ? [] : strategies, _random);
        foreach (var id in chosen)
        {
            StopOne(_book.Tasks[id], StopReasons.ServiceSchedulerInitiated, reason);
        }

        _servicesToPoke.Remove(serviceName);
        FlushPokes();
        MarkDirty();
        return Task.FromResult(chosen);
    }

    public Task<ImmutableArray<TaskRecord>> GetTasks(ImmutableArray<string> taskIds) =>
        Task.FromResult(taskIds.Select(Arns.ShortName).Where(_book.Tasks.ContainsKey).Select(id => _book.Tasks[id]).ToImmutableArray());

    public Task<ImmutableArray<TaskRecord>> ListTasks(TaskFilter filter) => Task.FromResult(ClusterRules.ListTasks(_book, filter).ToImmutableArray());

    public Task<ServiceTasksSnapshot> GetServiceTasks(string serviceName, ImmutableArray<PlacementConstraint> daemonConstraints)
    {
        // Called on every reconciliation of every service: one pass over the service's tasks.
        var views = ClusterTargets.ServiceTaskViews(_book, serviceName, _rt.Options.Timings, Now, S.TargetGroups, S.TargetGroupsSince, S.DeploymentTargetGroups);
        var instances = daemonConstraints.IsDefault ? [] : ClusterRules.DaemonInstances(_book, daemonConstraints);
        var now = Now;
        return Task.FromResult(new ServiceTasksSnapshot(views, instances, _placementMessages.GetValueOrDefault(serviceName), S.Providers, S.DefaultStrategy,
            ZonesInService(now), InstanceZones())); // B-AZ-1 usable zones (ClusterGrain.Deployments.cs)
    }

    public Task<ProviderSnapshot> GetProviderSnapshot(string capacityProvider)
    {
        var instances = _book.Instances.Values
            .Where(i => i.CapacityProvider == capacityProvider && i.Status != ContainerInstanceStatus.INACTIVE)
            .ToImmutableArray();
        return Task.FromResult(new ProviderSnapshot(instances, QueuePlacer.QueuedNeeds(_book, capacityProvider), S.Exists && S.Providers.ContainsKey(capacityProvider)));
    }

    public Task<ImmutableArray<PlacementExplanationInfo>> ExplainPlacement(LaunchRequest request)
    {
        EnsureExists();
        var result = LaunchPlanner.Explain(request, _book, Settings(), Now, out var rejection);
        Refuse(rejection);
        return Task.FromResult(result);
    }

    /// <summary>B-W-4 idempotency: the token remembers the request's fingerprint and the tasks it started (24 h).</summary>
    private void RecordToken(string token, string? fingerprint, bool replacesExpired, ImmutableArray<TaskRecord> created, DateTimeOffset now)
    {
        if (replacesExpired)
        {
            S.ClientTokenRecords.Remove(token);
        }

        foreach (var expired in LaunchPlanner.ExpiredTokens(S.ClientTokenRecords, now))
        {
            S.ClientTokenRecords.Remove(expired);
        }

        S.ClientTokenRecords[token] = new ClientTokenRecord(fingerprint, now, created.Select(t => t.TaskId).ToImmutableArray());
    }

    /// <summary>desiredStatus STOPPED (B-TL-3); a queued task leaves the queue, a load-balanced one is deregistered first (B-LB-2).</summary>
    private TaskRecord StopOne(TaskRecord t, string stopCode, string reason)
    {
        var stopped = TaskLifecycle.RequestStop(t, stopCode, reason, _rt.Options.Timings, Now, DeregistrationDelay(t));
        if (!ReferenceEquals(stopped, t))
        {
            _book.Replace(t, stopped);
        }

        return stopped;
    }
}
