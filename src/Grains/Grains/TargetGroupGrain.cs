using System.Collections.Immutable;
using Emulator.Contracts;
using Emulator.Model.LoadBalancing;
using Emulator.Model.Time;
using Emulator.Runtime;

namespace Emulator.Grains;

[GenerateSerializer, Alias("TargetGroupState")]
public sealed class TargetGroupState
{
    [Id(0)] public bool Exists { get; set; }

    [Id(1)] public TargetGroupSpec? Spec { get; set; }

    [Id(2)] public string Arn { get; set; } = "";

    [Id(3)] public DateTimeOffset CreatedAt { get; set; }

    /// <summary>The services naming this group, as (cluster, service).</summary>
    [Id(4)] public ImmutableSortedSet<string> Users { get; set; } = ImmutableSortedSet<string>.Empty;

    /// <summary>B-ELB-1: the load balancers whose listener or rule actions forward to this group (ARNs).</summary>
    [Id(5)] public ImmutableSortedSet<string> LoadBalancers { get; set; } = ImmutableSortedSet<string>.Empty;

    /// <summary>The flow shares each load balancer currently sends this group.</summary>
    [Id(6)] public ImmutableSortedDictionary<string, ImmutableArray<RoutedLoad>> Routes { get; set; } = ImmutableSortedDictionary<string, ImmutableArray<RoutedLoad>>.Empty;

    /// <summary>The merged flow shares over time (recent history only), as the traffic grains integrate them.</summary>
    [Id(7)] public ImmutableArray<RouteEpoch> Epochs { get; set; } = [];
}

/// <summary>
/// An ELB v2 target group (B-LB-1, B-LB-2), keyed by name. It keeps the settings and which services name it; the
/// targets themselves are the tasks of those services, whose health the owning cluster derives from its task records
/// (<see cref="TargetHealthModel"/>), so a Describe is one call per cluster, never one per target. It is also where the
/// load balancers forwarding to it leave the flow shares it receives over time (B-ELB-1, <see cref="RouteEpoch"/>): the
/// traffic grains of its services' clusters read them (told one-way when they change) and integrate them with their
/// own targets' health, the one traffic model of B-LB-3.
/// </summary>
public sealed class TargetGroupGrain(
    [PersistentState("targetgroup", "emulator")] IPersistentState<TargetGroupState> store, EmulatorRuntime runtime) : Grain, ITargetGroupGrain
{
    public const string NotFoundCode = "TargetGroupNotFound";
    public const string NotFoundMessage = "One or more target groups not found";

    /// <summary>How far back the route history goes: a traffic grain further behind than this integrates today's routes.</summary>
    private static readonly TimeSpan RouteHistory = TimeSpan.FromHours(1);

    private TargetGroupState S => store.State;

    private string Name => this.GetPrimaryKeyString();

    public async Task<TargetGroupInfo> Create(TargetGroupSpec spec)
    {
        Validate(spec);
        if (S.Exists)
        {
            // ELB: creating an identical group again returns it; different settings are an error.
            return S.Spec == spec
                ? await Info()
                : throw new EcsException("DuplicateTargetGroupName", $"A target group with the same name '{Name}' exists, but with different settings");
        }

        var random = runtime.Random.For("targetgroup/" + Name);
        S.Exists = true;
        S.Spec = spec;
        S.Arn = TargetGroupArns.Arn(runtime.Region, runtime.Account, Name, RandomIds.HexString(random, 16));
        S.CreatedAt = runtime.Clock.Now;
        S.Users = ImmutableSortedSet<string>.Empty;
        S.LoadBalancers = ImmutableSortedSet<string>.Empty;
        S.Routes = S.Routes.Clear();
        S.Epochs = [];
        await store.WriteStateAsync();
        await GrainFactory.GetGrain<IAccountGrain>(GrainKeys.Account).Add(ResourceKind.TargetGroup, Name);
        return await Info();
    }

    public async Task<TargetGroupInfo> Modify(TargetGroupSpec spec)
    {
        EnsureExists();
        Validate(spec);
        S.Spec = spec;
        await store.WriteStateAsync();

        // B-LB-2: a new deregistration delay or health check applies to the clusters' targets from now on.
        foreach (var cluster in Users().Select(u => u.Cluster).Distinct(StringComparer.Ordinal))
        {
            await GrainFactory.GetGrain<IClusterGrain>(GrainKeys.Cluster(cluster)).UpdateTargetGroup(spec);
        }

        return await Info();
    }

    public async Task<TargetGroupInfo?> Describe() => S.Exists ? await Info() : null;

    public async Task Delete()
    {
        if (!S.Exists)
        {
            return;
        }

        if (!S.LoadBalancers.IsEmpty)
        {
            throw new EcsException("ResourceInUse", $"Target group '{S.Arn}' is currently in use by a listener or a rule");
        }

        // Model choice: ELB only refuses while a listener uses the group; the emulator also refuses while an ECS service
        // names it, so no service is left with a dangling target group.
        if (!S.Users.IsEmpty)
        {
            throw new EcsException("ResourceInUse", $"Target group '{S.Arn}' is currently in use by ECS service(s): {string.Join(", ", S.Users)}");
        }

        S.Exists = false;
        S.Spec = null;
        S.Routes = S.Routes.Clear();
        S.Epochs = [];
        await store.WriteStateAsync();
        await GrainFactory.GetGrain<IAccountGrain>(GrainKeys.Account).Remove(ResourceKind.TargetGroup, Name);
    }

    public async Task<TargetGroupSpec> Attach(string cluster, string service)
    {
        if (!S.Exists)
        {
            // What ECS answers when it cannot find the target group of a loadBalancers entry.
            throw ErrorCodes.Invalid("Unable to assume role and validate the specified targetGroupArn. Please verify that the ECS service role being passed has the proper permissions.");
        }

        var key = cluster + "/" + service;
        if (!S.Users.Contains(key))
        {
            S.Users = S.Users.Add(key);
            await store.WriteStateAsync();
            if (S.Users.Count == 1)
            {
                TellLoadBalancers(hasUsers: true);
            }
        }

        return S.Spec!;
    }

    public async Task Detach(string cluster, string service)
    {
        var key = cluster + "/" + service;
        if (S.Users.Contains(key))
        {
            S.Users = S.Users.Remove(key);
            await store.WriteStateAsync();
            if (S.Users.IsEmpty)
            {
                TellLoadBalancers(hasUsers: false);
            }
        }
    }

    public Task<TargetGroupSummary?> Summary() =>
        Task.FromResult(S.Exists ? new TargetGroupSummary(S.Arn, S.Spec!, [.. S.Users], [.. S.LoadBalancers]) : null);

    public async Task<bool> SetLoadBalancerRoutes(string loadBalancerArn, bool referenced, ImmutableArray<RoutedLoad> routes, DateTimeOffset from)
    {
        if (!S.Exists)
        {
            return false;
        }

        var loadBalancers = referenced ? S.LoadBalancers.Add(loadBalancerArn) : S.LoadBalancers.Remove(loadBalancerArn);
        var current = S.Routes.GetValueOrDefault(loadBalancerArn, []);
        var changed = !current.SequenceEqual(routes);
        if (changed || loadBalancers != S.LoadBalancers)
        {
            S.LoadBalancers = loadBalancers;
            S.Routes = routes.IsEmpty ? S.Routes.Remove(loadBalancerArn) : S.Routes.SetItem(loadBalancerArn, routes);
            if (changed)
            {
                S.Epochs = RoutedTraffic.Append(S.Epochs, from, [.. S.Routes.Values.SelectMany(r => r)], runtime.Clock.Now - RouteHistory);
            }

            await store.WriteStateAsync();
            if (changed)
            {
                foreach (var cluster in Users().Select(u => u.Cluster).Distinct(StringComparer.Ordinal))
                {
                    await GrainFactory.GetGrain<ITrafficGrain>(GrainKeys.Cluster(cluster)).RoutesChanged(Name);
                }
            }
        }

        return !S.Users.IsEmpty;
    }

    public Task<ImmutableArray<RouteEpoch>> GetRoutes() => Task.FromResult(S.Exists ? S.Epochs : []);

    public async Task<ImmutableArray<ServiceDataPlaneTargets>> GetDataPlaneTargets()
    {
        var result = ImmutableArray.CreateBuilder<ServiceDataPlaneTargets>();
        foreach (var cluster in Users().Select(u => u.Cluster).Distinct(StringComparer.Ordinal))
        {
            result.AddRange(await GrainFactory.GetGrain<IClusterGrain>(GrainKeys.Cluster(cluster)).GetDataPlaneTargets(Name));
        }

        return result.ToImmutable();
    }

    private void TellLoadBalancers(bool hasUsers)
    {
        foreach (var lb in S.LoadBalancers)
        {
            if (LoadBalancerArns.Name(lb) is { } name)
            {
                GrainFactory.GetGrain<ILoadBalancerGrain>(name).TargetGroupUsersChanged(S.Arn, hasUsers).Ignore();
            }
        }
    }

    private IEnumerable<(string Cluster, string Service)> Users() =>
        S.Users.Select(u => u.Split('/', 2)).Select(p => (p[0], p[1]));

    private async Task<TargetGroupInfo> Info()
    {
        var targets = ImmutableArray.CreateBuilder<TargetHealthInfo>();
        foreach (var cluster in Users().Select(u => u.Cluster).Distinct(StringComparer.Ordinal))
        {
            targets.AddRange(await GrainFactory.GetGrain<IClusterGrain>(GrainKeys.Cluster(cluster)).GetTargetHealth(Name));
        }

        return new TargetGroupInfo(S.Spec!, S.Arn, targets.ToImmutable(), S.CreatedAt, [.. S.LoadBalancers]);
    }

    private void EnsureExists()
    {
        if (!S.Exists)
        {
            throw new EcsException(NotFoundCode, NotFoundMessage);
        }
    }

    private static void Validate(TargetGroupSpec spec)
    {
        if (TargetGroups.Validate(spec) is { } error)
        {
            throw new EcsException(ErrorCodes.ValidationError, error);
        }
    }
}
