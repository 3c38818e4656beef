using System.Collections.Immutable;
using Emulator.Contracts;
using Emulator.Model.Deployments;
using Emulator.Model.Placement;
using Emulator.Model.Scaling;
using Emulator.Runtime;
using Orleans.Concurrency;
using PlacementStrategy = Emulator.Contracts.PlacementStrategy;

namespace Emulator.Grains;

/// <summary>
/// The control plane's front door: validates requests the way ECS does (B-CP-1, B-CP-2, B-PL-4, B-SV-2, B-ID-3),
/// resolves names and ARNs, and orchestrates the grains an operation spans. Stateless, so it scales with load.
/// </summary>
[StatelessWorker]
public sealed partial class EcsControlGrain(EmulatorRuntime runtime) : Grain, IEcsControlGrain
{
    public const string Fargate = "FARGATE";
    public const string FargateSpot = "FARGATE_SPOT";

    private IAccountGrain Account => GrainFactory.GetGrain<IAccountGrain>(GrainKeys.Account);

    private ITaskDefinitionRegistryGrain TaskDefinitions => GrainFactory.GetGrain<ITaskDefinitionRegistryGrain>(GrainKeys.TaskDefinitions);

    public async Task<ClusterInfo> CreateCluster(CreateClusterRequest request)
    {
        var name = string.IsNullOrEmpty(request.Name) ? "default" : request.Name;
        ValidateName(name, "Cluster name");
        var existed = await Cluster(name).Describe() is not null;
        var info = await Cluster(name).Create(request with { Name = name });
        if (!existed)
        {
            await GrainFactory.GetGrain<IClusterSettingsGrain>(name).Put((request.Settings ?? ClusterSettingsRecord.Default) with { DeletedAt = null });
        }

        await Account.Add(ResourceKind.Cluster, name);
        if (!request.CapacityProviders.IsDefaultOrEmpty)
        {
            info = await PutClusterCapacityProviders(name, request.CapacityProviders, request.DefaultStrategy);
        }

        return info;
    }

    public async Task<ClusterInfo> DeleteCluster(string cluster)
    {
        var name = Arns.ClusterName(cluster);
        var before = await Cluster(name).Describe() ?? throw Errors.ClusterNotFound();
        var info = await Cluster(name).Delete();
        var settings = GrainFactory.GetGrain<IClusterSettingsGrain>(name);
        await settings.Put((await settings.Get() ?? ClusterSettingsRecord.Default) with { DeletedAt = runtime.Clock.Now });
        foreach (var p in before.CapacityProviders.Where(p => p is not (Fargate or FargateSpot)))
        {
            await Provider(p).SetCluster(null);
        }

        await Account.Remove(ResourceKind.Cluster, name);
        return info;
    }

    public async Task<ClusterInfo> PutClusterCapacityProviders(string cluster, ImmutableArray<string> providers, ImmutableArray<CapacityProviderStrategyItem> defaultStrategy)
    {
        var name = Arns.ClusterName(cluster);
        var before = await Cluster(name).Describe() ?? throw Errors.ClusterNotFound();
        var names = (providers.IsDefault ? [] : providers).Select(Arns.ShortName).Distinct(StringComparer.Ordinal).ToImmutableArray();
        var resolved = ImmutableArray.CreateBuilder<ClusterProvider>();
        foreach (var p in names)
        {
            var info = await DescribeOne(p) ?? throw ErrorCodes.Invalid($"The specified capacity provider {p} does not exist. Specify a valid name or ARN and try again.");
            if (info.Type == ProviderType.ManagedInstances && info.Spec?.ManagedInstances?.Cluster is { } owner && owner != name)
            {
                // B-MI-1: a Managed Instances provider exists within the cluster it was created for.
                throw ErrorCodes.Invalid($"The specified capacity provider {p} was created for cluster {owner} and cannot be associated with cluster {name}.");
            }

            if (info.Type is ProviderType.AutoScalingGroup or ProviderType.ManagedInstances && info.Cluster is { } other && other != name)
            {
                // B-CP-6: an Auto Scaling group provider belongs to one cluster at most.
                throw new EcsException(ErrorCodes.ResourceInUse, $"The specified capacity provider {p} is already associated with cluster {other}.");
            }

            resolved.Add(info.ToClusterProvider());
        }

        var strategy = defaultStrategy.IsDefault ? [] : defaultStrategy;
        foreach (var item in strategy)
        {
            if (!names.Contains(item.CapacityProvider))
            {
                throw ErrorCodes.Invalid($"The specified capacity provider strategy cannot contain a capacity provider that is not associated with the cluster. Associate the capacity provider with the cluster or specify a valid capacity provider and try again.");
            }
        }

        // B-CP-5: the whole list is replaced; the cluster refuses to drop a provider still in use.
        var result = await Cluster(name).SetCapacityProviders(resolved.ToImmutable(), strategy);
        foreach (var removed in before.CapacityProviders.Where(p => !names.Contains(p) && p is not (Fargate or FargateSpot)))
        {
            await Provider(removed).SetCluster(null);
        }

        foreach (var added in resolved.Where(p => p.Type is ProviderType.AutoScalingGroup or ProviderType.ManagedInstances))
        {
            await Provider(added.Name).SetCluster(name);
        }

        return result;
    }

    public async Task<CapacityProviderInfo> CreateCapacityProvider(CapacityProviderSpec spec)
    {
        if (string.IsNullOrEmpty(spec.Name) || spec.Name.Length > 255
            || !spec.Name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.'))
        {
            throw ErrorCodes.Invalid("The capacity provider name is invalid. Up to 255 letters (uppercase and lowercase), numbers, underscores, periods and hyphens are allowed.");
        }

        if (spec.Name.StartsWith("aws", StringComparison.OrdinalIgnoreCase) || spec.Name.StartsWith("ecs", StringComparison.OrdinalIgnoreCase)
            || spec.Name.StartsWith("fargate", StringComparison.OrdinalIgnoreCase))
        {
            throw ErrorCodes.Invalid("The capacity provider name cannot be prefixed with \"aws\", \"ecs\", or \"fargate\".");
        }

        if (spec.ManagedInstances is { } mi)
        {
            return await CreateManagedInstancesProvider(spec, mi);
        }

        var info = await Provider(spec.Name).Create(spec with { AutoScalingGroup = Arns.AutoScalingGroupName(spec.AutoScalingGroup) });
        await Account.Add(ResourceKind.CapacityProvider, spec.Name);
        return info;
    }

    /// <summary>
    /// B-MI-1: a MANAGED_INSTANCES provider is created within its cluster (which must exist): its subnets resolve to
    /// zones, it is created, then associated with the cluster (the cluster's default strategy is kept).
    /// </summary>
    private async Task<CapacityProviderInfo> CreateManagedInstancesProvider(CapacityProviderSpec spec, ManagedInstancesSpec mi)
    {
        var clusterName = Arns.ClusterName(mi.Cluster);
        var cluster = await Cluster(clusterName).Describe() ?? throw Errors.ClusterNotFound();
        var zones = ImmutableArray<string>.Empty;
        if (!mi.Subnets.IsDefaultOrEmpty)
        {
            var network = await GrainFactory.GetGrain<INetworkGrain>(INetworkGrain.Key).Read();
            foreach (var subnet in mi.Subnets.Where(s => !network.Subnets.ContainsKey(s) && Model.Network.NetworkModel.LooksLikeSubnetId(s)))
            {
                throw ErrorCodes.Invalid($"Error retrieving subnet information for [{subnet}]: The subnet ID '{subnet}' does not exist (ErrorCode: InvalidSubnetID.NotFound)");
            }

            zones = Model.Network.NetworkModel.ZonesOf(network, mi.Subnets);
        }

        var info = await Provider(spec.Name).CreateManagedInstances(spec with { ManagedInstances = mi with { Cluster = clusterName, Zones = zones } });
        await Account.Add(ResourceKind.CapacityProvider, spec.Name);
        await PutClusterCapacityProviders(clusterName, [.. cluster.CapacityProviders, spec.Name], cluster.DefaultStrategy);
        return await Provider(spec.Name).Describe() ?? info;
    }

    /// <summary>
    /// B-MI-1: launch type MANAGED_INSTANCES (without a strategy) runs on the cluster's Managed Instances capacity
    /// provider: the first in the cluster's default strategy, else the first associated (Model choice). Anything else
    /// is returned unchanged.
    /// </summary>
    private async Task<(LaunchType? LaunchType, ImmutableArray<CapacityProviderStrategyItem> Strategy)> ManagedInstancesLaunchType(
        string? cluster, LaunchType? launchType, ImmutableArray<CapacityProviderStrategyItem> strategy)
    {
        if (launchType != LaunchType.MANAGED_INSTANCES || !strategy.IsDefaultOrEmpty)
        {
            return (launchType, strategy);
        }

        var name = Arns.ClusterName(cluster);
        var info = await Cluster(name).Describe() ?? throw Errors.ClusterNotFound();
        var associated = info.CapacityProviders.IsDefaultOrEmpty ? [] : await DescribeCapacityProviders(info.CapacityProviders);
        var managed = associated.Where(p => p.Type == ProviderType.ManagedInstances).Select(p => p.Name).ToList();
        var chosen = (info.DefaultStrategy.IsDefault ? [] : info.DefaultStrategy).Select(i => i.CapacityProvider).FirstOrDefault(managed.Contains)
                     ?? managed.FirstOrDefault()
                     ?? throw ErrorCodes.Invalid($"The launch type MANAGED_INSTANCES needs a Managed Instances capacity provider in cluster {name}. Create one with CreateCapacityProvider (cluster {name}, managedInstancesProvider) and try again.");
        return (null, [new CapacityProviderStrategyItem(chosen, 1, 0)]);
    }

    public async Task<ImmutableArray<CapacityProviderInfo>> DescribeCapacityProviders(ImmutableArray<string> names)
    {
        var wanted = names.IsDefaultOrEmpty
            ? new[] { Fargate, FargateSpot }.Concat(await Account.List(ResourceKind.CapacityProvider)).ToImmutableArray()
            : names.Select(Arns.ShortName).ToImmutableArray();
        var result = ImmutableArray.CreateBuilder<CapacityProviderInfo>();
        foreach (var n in wanted)
        {
            if (await DescribeOne(n) is { } info)
            {
                result.Add(info);
            }
        }

        return result.ToImmutable();
    }

    public async Task<CapacityProviderInfo> DeleteCapacityProvider(string name)
    {
        var n = Arns.ShortName(name);
        if (n is Fargate or FargateSpot)
        {
            throw ErrorCodes.Invalid("The FARGATE and FARGATE_SPOT capacity providers are reserved and cannot be deleted.");
        }

        if ((await Provider(n).Describe())?.Spec?.ManagedInstances?.Cluster is { } owner
            && await Cluster(owner).Describe() is { } cluster && cluster.CapacityProviders.Contains(n))
        {
            // B-MI-1: a Managed Instances provider is deleted from its cluster: it leaves the cluster's list and default
            // strategy first (the cluster refuses while tasks use it, B-CP-5), then its instances terminate.
            await PutClusterCapacityProviders(owner, cluster.CapacityProviders.Remove(n),
                cluster.DefaultStrategy.IsDefault ? [] : cluster.DefaultStrategy.RemoveAll(i => i.CapacityProvider == n));
        }

        var info = await Provider(n).Delete();
        await Account.Remove(ResourceKind.CapacityProvider, n);
        return info;
    }

    public async Task<AsgInfo> CreateAutoScalingGroup(AsgSpec spec)
    {
        var info = await GrainFactory.GetGrain<IAutoScalingGroupGrain>(GrainKeys.AutoScalingGroup(spec.Name)).Create(spec);
        await Account.Add(ResourceKind.AutoScalingGroup, spec.Name);
        return info;
    }

    public Task<TaskDefinitionRecord> RegisterTaskDefinition(TaskDefinitionSpec spec) => TaskDefinitions.Register(spec);

    public async Task<LaunchResult> RunTask(RunTaskRequest request)
    {
        ValidateLaunchCount(request.Count, "Count");
        return await Cluster(Arns.ClusterName(request.Cluster)).LaunchTasks(await ToLaunchRequest(request));
    }

    private async Task<LaunchRequest> ToLaunchRequest(RunTaskRequest request)
    {
        var (launchType, providers) = await ManagedInstancesLaunchType(request.Cluster, request.LaunchType, request.CapacityProviderStrategy);
        request = request with { LaunchType = launchType, CapacityProviderStrategy = providers };
        var td = await ResolveTaskDefinition(request.TaskDefinition);
        if (!td.Active)
        {
            throw Errors.TaskDefinitionInactive(td.Arn);
        }

        var strategies = request.PlacementStrategies.IsDefaultOrEmpty ? PlacementDefaults.ForRunTask : request.PlacementStrategies;
        var constraints = request.PlacementConstraints.IsDefault ? [] : request.PlacementConstraints;
        ValidatePlacement(strategies, constraints);
        var network = await ResolveNetwork(request.Network, td);
        var zones = network?.Zones ?? default;
        return new LaunchRequest(
            TaskDefinition: td,
            Count: request.Count,
            Group: request.Group ?? "family:" + td.Family,
            StartedBy: request.StartedBy,
            ServiceName: null,
            DeploymentId: null,
            LaunchType: request.LaunchType,
            Strategy: request.CapacityProviderStrategy.IsDefault ? [] : request.CapacityProviderStrategy,
            Allocations: [],
            PlacementStrategies: strategies,
            PlacementConstraints: constraints.AddRange(SubnetPlacement.ZoneConstraints(zones)),
            TargetContainerInstances: [],
            IsDaemon: false,
            ClientToken: request.ClientToken,
            RequestFingerprint: request.RequestFingerprint,
            SubnetZones: zones);
    }

    public async Task<TaskRecord> StopTask(string? cluster, string task, string? reason)
    {
        var stopped = await Cluster(Arns.ClusterName(cluster)).StopTasks([task], Model.Lifecycle.StopReasons.UserInitiated,
            string.IsNullOrEmpty(reason) ? Model.Lifecycle.StopReasons.StoppedByUser : reason);
        return stopped[0];
    }

    public async Task<ServiceInfo> CreateService(CreateServiceRequest request)
    {
        var clusterName = Arns.ClusterName(request.Cluster);
        var cluster = await Cluster(clusterName).Describe() ?? throw Errors.ClusterNotFound();
        var (launchType, providers) = await ManagedInstancesLaunchType(clusterName, request.LaunchType, request.CapacityProviderStrategy);
        request = request with { LaunchType = launchType, CapacityProviderStrategy = providers };
        ValidateName(request.ServiceName, "Service name");
        var td = await ResolveTaskDefinition(request.TaskDefinition);
        var daemon = request.SchedulingStrategy == SchedulingStrategy.DAEMON;
        if (daemon && request.DesiredCount is not null)
        {
            throw Errors.DaemonDesiredCount();
        }

        if (daemon && (request.LaunchType == LaunchType.FARGATE || request.CapacityProviderStrategy is { IsDefaultOrEmpty: false }))
        {
            throw ErrorCodes.Invalid("The daemon scheduling strategy does not support capacity provider strategies or the FARGATE launch type.");
        }

        if (!daemon && request.DesiredCount is not { } desired)
        {
            throw ErrorCodes.Invalid("desiredCount is required for the REPLICA scheduling strategy.");
        }

        if (request.DesiredCount is < 0)
        {
            throw Errors.NegativeDesiredCount();
        }

        // B-SV-2 defaults; B-SV-1: daemons run with maximumPercent 100 and minimumHealthyPercent 0.
        var min = request.MinimumHealthyPercent ?? (daemon ? 0 : 100);
        var max = request.MaximumPercent ?? (daemon ? 100 : 200);
        ValidatePercents(min, max);
        var strategy = request.CapacityProviderStrategy.IsDefault ? [] : request.CapacityProviderStrategy;
        ValidateStrategy(request.LaunchType, strategy, cluster);
        var placementStrategies = request.PlacementStrategies.IsDefault ? [] : request.PlacementStrategies;
        var constraints = request.PlacementConstraints.IsDefault ? [] : request.PlacementConstraints;
        ValidatePlacement(placementStrategies, constraints);

        // B-AZ-1: availabilityZoneRebalancing defaults to ENABLED on create, DISABLED for services it cannot serve.
        var patch = request.Options ?? ServiceOptionsPatch.None;
        var options = ServiceOptions.Default.With(patch with
        {
            AvailabilityZoneRebalancing = patch.AvailabilityZoneRebalancing ?? DeploymentRules.DefaultAzRebalancing(request.SchedulingStrategy, placementStrategies),
        });
        options = options with { Network = await ResolveNetwork(options.Network, td) };
        Check(DeploymentRules.Validate(options));
        var spec = new ServiceSpec(clusterName, request.ServiceName, td, request.DesiredCount ?? 0, request.LaunchType, strategy,
            placementStrategies, constraints, request.SchedulingStrategy, min, max,
            request.Tags ?? ImmutableDictionary<string, string>.Empty, request.ClientToken, request.RequestFingerprint,
            request.LoadBalancers.IsDefault ? [] : request.LoadBalancers, options);
        return await Service(clusterName, request.ServiceName).Create(spec);
    }

    public async Task<ServiceInfo> UpdateService(UpdateServiceRequest request)
    {
        var clusterName = Arns.ClusterName(request.Cluster);
        var cluster = await Cluster(clusterName).Describe() ?? throw Errors.ClusterNotFound();
        var service = Service(clusterName, Arns.ShortName(request.Service));
        var current = await service.Describe();
        if (current is null || current.Status == ServiceStatus.INACTIVE)
        {
            throw Errors.ServiceNotFound();
        }

        if (request.DesiredCount is < 0)
        {
            throw Errors.NegativeDesiredCount();
        }

        if (request.DesiredCount is not null && current.Spec.SchedulingStrategy == SchedulingStrategy.DAEMON)
        {
            throw Errors.DaemonDesiredCount();
        }

        ValidatePercents(request.MinimumHealthyPercent ?? current.Spec.MinimumHealthyPercent, request.MaximumPercent ?? current.Spec.MaximumPercent);
        if (request.Options is { } requested)
        {
            // B-DP-2, B-DP-3: the options the service would have after the update must be valid; nothing changes otherwise.
            Check(DeploymentRules.Validate(current.Spec.EffectiveOptions.With(requested)));
        }

        if (request.CapacityProviderStrategy is { } strategy)
        {
            ValidateStrategy(null, strategy, cluster);
        }

        if (request.PlacementStrategies is not null || request.PlacementConstraints is not null)
        {
            ValidatePlacement(request.PlacementStrategies ?? current.Spec.PlacementStrategies, request.PlacementConstraints ?? current.Spec.PlacementConstraints);
        }

        var td = request.TaskDefinition is { } reference ? await ResolveTaskDefinition(reference) : null;
        var patch = request.Options;
        if (patch?.Network is { } network)
        {
            patch = patch with { Network = await ResolveNetwork(network, td ?? current.Spec.TaskDefinition) };
        }
        else if (td is not null && td.Spec.NetworkMode != NetworkMode.awsvpc && current.Spec.Options?.Network is not null)
        {
            throw ErrorCodes.Invalid("Network Configuration is not valid for the given networkMode of this task definition.");
        }

        return await service.Update(new ServiceUpdate(request.DesiredCount, td, request.CapacityProviderStrategy, request.PlacementStrategies,
            request.PlacementConstraints, request.MinimumHealthyPercent, request.MaximumPercent, request.ForceNewDeployment, request.LoadBalancers, patch));
    }

    public async Task<ServiceInfo> DeleteService(string? cluster, string service, bool force)
    {
        var clusterName = Arns.ClusterName(cluster);
        _ = await Cluster(clusterName).Describe() ?? throw Errors.ClusterNotFound();
        return await Service(clusterName, Arns.ShortName(service)).Delete(force);
    }

    public Task<ImmutableArray<InstanceStateChange>> UpdateContainerInstancesState(string? cluster, ImmutableArray<string> containerInstances, ContainerInstanceStatus status) =>
        Cluster(Arns.ClusterName(cluster)).UpdateInstancesState(containerInstances, status);

    public async Task<ClusterStatus> GetClusterStatus(string? cluster, bool includeStoppedTasks)
    {
        var name = Arns.ClusterName(cluster);
        var grain = Cluster(name);
        var info = await grain.Describe() ?? throw Errors.ClusterNotFound();
        // An empty list means "every provider" to DescribeCapacityProviders; a cluster without providers has none.
        var providers = info.CapacityProviders.IsDefaultOrEmpty
            ? ImmutableArray<CapacityProviderInfo>.Empty
            : await DescribeCapacityProviders(info.CapacityProviders);
        var asgs = ImmutableArray.CreateBuilder<AsgInfo>();
        foreach (var p in providers.Where(p => p.Spec is not null))
        {
            if (await GrainFactory.GetGrain<IAutoScalingGroupGrain>(GrainKeys.AutoScalingGroup(p.Spec!.AutoScalingGroup)).Describe() is { } asg)
            {
                asgs.Add(asg);
            }
        }

        var instances = await grain.GetInstances();
        var tasks = await grain.ListTasks(TaskFilter.All);
        if (!includeStoppedTasks)
        {
            tasks = tasks.Where(t => t.LastStatus != Contracts.TaskStatus.STOPPED).ToImmutableArray();
        }

        var services = ImmutableArray.CreateBuilder<ServiceInfo>();
        foreach (var s in info.Services)
        {
            if (await Service(name, s).Describe() is { } svc)
            {
                services.Add(svc);
            }
        }

        // B-IT-5: EC2 groups cost their instances; Fargate providers cost their tasks; services their tasks' share.
        var taskCosts = await grain.GetTaskCosts();
        var byProvider = ImmutableDictionary.CreateBuilder<string, decimal>(StringComparer.Ordinal);
        foreach (var p in providers)
        {
            byProvider[p.Name] = p.Spec is { } spec
                ? asgs.FirstOrDefault(a => a.Spec.Name == spec.AutoScalingGroup)?.AccruedCost ?? 0
                : taskCosts.ByCapacityProvider.GetValueOrDefault(p.Name);
        }

        var instanceCost = asgs.Sum(a => a.AccruedCost);
        var costs = new CostReport(instanceCost + taskCosts.Fargate, instanceCost, taskCosts.Fargate, byProvider.ToImmutable(), taskCosts.ByService);
        return new ClusterStatus(info, providers, asgs.ToImmutable(), instances, tasks, services.ToImmutable(), runtime.Clock.Now, costs);
    }

    public Task<DateTimeOffset> Now() => Task.FromResult(runtime.Clock.Now);

    public async Task<ImmutableArray<PlacementExplanationInfo>> ExplainRunTask(RunTaskRequest request)
    {
        var launch = await ToLaunchRequest(request);
        return await Cluster(Arns.ClusterName(request.Cluster)).ExplainPlacement(launch);
    }

    /// <summary>
    /// An awsvpc network configuration checked as ECS checks it (only for awsvpc task definitions, 1..16 subnets, at most
    /// 5 security groups, subnets and groups that exist) and its subnets' zones resolved. Subnet and group names that
    /// are not AWS ids (subnet-private-a) are taken as given, without a zone rule: the emulator's older convenience.
    /// </summary>
    private async Task<AwsVpcConfiguration?> ResolveNetwork(AwsVpcConfiguration? requested, TaskDefinitionRecord td)
    {
        if (requested is null)
        {
            return null;
        }

        if (td.Spec.NetworkMode != NetworkMode.awsvpc)
        {
            throw ErrorCodes.Invalid("Network Configuration is not valid for the given networkMode of this task definition.");
        }

        if (requested.Subnets.IsDefaultOrEmpty || requested.Subnets.Length > 16)
        {
            throw ErrorCodes.Invalid("subnets can have at least 1 and at most 16 items.");
        }

        if (!requested.SecurityGroups.IsDefault && requested.SecurityGroups.Length > 5)
        {
            throw ErrorCodes.Invalid("securityGroups can have at most 5 items.");
        }

        var network = await GrainFactory.GetGrain<INetworkGrain>(INetworkGrain.Key).Read();
        foreach (var subnet in requested.Subnets.Where(s => !network.Subnets.ContainsKey(s) && Model.Network.NetworkModel.LooksLikeSubnetId(s)))
        {
            throw ErrorCodes.Invalid($"Error retrieving subnet information for [{subnet}]: The subnet ID '{subnet}' does not exist (ErrorCode: InvalidSubnetID.NotFound)");
        }

        foreach (var group in (requested.SecurityGroups.IsDefault ? [] : requested.SecurityGroups)
            .Where(g => !network.SecurityGroups.ContainsKey(g) && g.StartsWith("sg-", StringComparison.Ordinal) && g.Length is 11 or 20))
        {
            throw ErrorCodes.Invalid($"Error retrieving security group information for [{group}]: The security group '{group}' does not exist (ErrorCode: InvalidGroup.NotFound)");
        }

        return requested with { Zones = Model.Network.NetworkModel.ZonesOf(network, requested.Subnets) };
    }

    private async Task<CapacityProviderInfo?> DescribeOne(string name) => name switch
    {
        Fargate => new CapacityProviderInfo(Fargate, Arns.CapacityProvider(runtime.Region, runtime.Account, Fargate), "ACTIVE", ProviderType.Fargate, null, null, null, null),
        FargateSpot => new CapacityProviderInfo(FargateSpot, Arns.CapacityProvider(runtime.Region, runtime.Account, FargateSpot), "ACTIVE", ProviderType.FargateSpot, null, null, null, null),
        _ => await Provider(name).Describe(),
    };

    private async Task<TaskDefinitionRecord> ResolveTaskDefinition(string reference)
    {
        if (string.IsNullOrWhiteSpace(reference))
        {
            throw ErrorCodes.Invalid("taskDefinition can not be blank.");
        }

        return await TaskDefinitions.Get(reference) ?? throw Errors.TaskDefinitionUnknown();
    }

    /// <summary>B-CP-1, B-CP-2: launch type and strategy are exclusive; the strategy's providers must be the cluster's.</summary>
    private static void ValidateStrategy(LaunchType? launchType, ImmutableArray<CapacityProviderStrategyItem> strategy, ClusterInfo cluster)
    {
        if (launchType is not null && !strategy.IsDefaultOrEmpty)
        {
            throw ErrorCodes.Invalid("Specifying both a launch type and capacity provider strategy is not supported. Remove one and try again.");
        }

        if (strategy.IsDefaultOrEmpty)
        {
            return;
        }

        var error = CapacityProviderStrategies.Validate(strategy, n =>
            !cluster.CapacityProviders.Contains(n) ? null
            : n == Fargate ? ProviderKind.Fargate
            : n == FargateSpot ? ProviderKind.FargateSpot
            : ProviderKind.AutoScalingGroup);
        if (error is not null)
        {
            throw ErrorCodes.Invalid(error);
        }
    }

    private static void ValidatePlacement(IReadOnlyList<PlacementStrategy> strategies, IReadOnlyList<PlacementConstraint> constraints)
    {
        if (PlacementValidation.Validate(strategies, constraints) is { } error)
        {
            throw ErrorCodes.Invalid(error);
        }
    }

    private static void ValidatePercents(int min, int max) => Check(DeploymentRules.ValidatePercents(min, max));

    private static void Check(string? error)
    {
        if (error is not null)
        {
            throw ErrorCodes.Invalid(error);
        }
    }

    private static void ValidateName(string name, string what)
    {
        if (string.IsNullOrEmpty(name) || name.Length > 255 || !name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_'))
        {
            throw ErrorCodes.Invalid($"{what} is invalid. Up to 255 letters (uppercase and lowercase), numbers, underscores, and hyphens are allowed.");
        }
    }

    private IClusterGrain Cluster(string name) => GrainFactory.GetGrain<IClusterGrain>(GrainKeys.Cluster(name));

    private IServiceGrain Service(string cluster, string name) => GrainFactory.GetGrain<IServiceGrain>(GrainKeys.Service(cluster, name));

    private ICapacityProviderGrain Provider(string name) => GrainFactory.GetGrain<ICapacityProviderGrain>(GrainKeys.CapacityProvider(name));
}
