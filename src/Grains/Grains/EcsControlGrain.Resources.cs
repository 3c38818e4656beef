using System.Collections.Immutable;
using Emulator.Contracts;

namespace Emulator.Grains;

/// <summary>
/// The front door's operations on tasks started on chosen instances, container instances, capacity providers, task
/// definitions and tags: every mutating ECS call goes through <see cref="IEcsControlGrain"/>, so the AWS edge and the
/// client validate the same way and get the same AWS errors.
/// </summary>
public sealed partial class EcsControlGrain
{
    /// <summary>Most container instances a StartTask (and tasks a RunTask) may name.</summary>
    private const int MaxLaunchCount = 10;

    public async Task<LaunchResult> StartTask(StartTaskRequest request)
    {
        var instances = request.ContainerInstances.IsDefault ? [] : request.ContainerInstances;
        ValidateLaunchCount(instances.Length, "containerInstances");
        var td = await ResolveTaskDefinition(request.TaskDefinition);
        if (!td.Active)
        {
            throw ErrorCodes.Client($"TaskDefinition is inactive: {td.Arn}");
        }

        // B-PL-1: one task on each named instance; EC2 only, no capacity provider, no strategy.
        return await Cluster(Arns.ClusterName(request.Cluster)).LaunchTasks(new LaunchRequest(
            TaskDefinition: td,
            Count: instances.Length,
            Group: request.Group ?? "family:" + td.Family,
            StartedBy: request.StartedBy,
            ServiceName: null,
            DeploymentId: null,
            LaunchType: LaunchType.EC2,
            Strategy: [],
            Allocations: [],
            PlacementStrategies: [],
            PlacementConstraints: [],
            TargetContainerInstances: instances,
            IsDaemon: false,
            ClientToken: null));
    }

    public Task<ContainerInstanceRecord> DeregisterContainerInstance(string? cluster, string containerInstance, bool force) =>
        Cluster(Arns.ClusterName(cluster)).DeregisterInstance(containerInstance, force);

    public Task<ImmutableArray<InstanceAttribute>> PutAttributes(string? cluster, ImmutableArray<InstanceAttribute> attributes) =>
        Cluster(Arns.ClusterName(cluster)).PutAttributes(attributes);

    public Task<ImmutableArray<InstanceAttribute>> DeleteAttributes(string? cluster, ImmutableArray<InstanceAttribute> attributes) =>
        Cluster(Arns.ClusterName(cluster)).DeleteAttributes(attributes);

    public async Task<CapacityProviderInfo> UpdateCapacityProvider(CapacityProviderUpdate update)
    {
        var name = Arns.ShortName(update.Name);
        if (name is Fargate or FargateSpot)
        {
            throw ErrorCodes.Invalid("The FARGATE and FARGATE_SPOT capacity providers are reserved and cannot be updated.");
        }

        var provider = Provider(name);
        _ = await provider.Describe() ?? throw ErrorCodes.Invalid($"The specified capacity provider {name} does not exist.");
        return await provider.Update(update.ManagedScaling, update.ManagedTerminationProtection, update.ManagedDraining);
    }

    public Task<TaskDefinitionRecord> DeregisterTaskDefinition(string taskDefinition) => TaskDefinitions.Deregister(taskDefinition);

    public async Task<ImmutableDictionary<string, string>> TagResource(string resourceArn, ImmutableDictionary<string, string> tags) =>
        await Tags.Tag(await ExistingResourceArn(resourceArn, listing: false), tags);

    public async Task<ImmutableDictionary<string, string>> UntagResource(string resourceArn, ImmutableArray<string> tagKeys) =>
        await Tags.Untag(await ExistingResourceArn(resourceArn, listing: false), tagKeys);

    public async Task<string> ExistingResourceArn(string resourceArn, bool listing)
    {
        var parts = resourceArn.Split(':', 6);
        if (parts.Length != 6 || parts[0] != "arn" || parts[2] != "ecs")
        {
            throw ErrorCodes.Invalid($"Invalid resource ARN: {resourceArn}");
        }

        var resource = parts[5];
        var slash = resource.IndexOf('/', StringComparison.Ordinal);
        var kind = slash < 0 ? resource : resource[..slash];
        var path = slash < 0 ? [] : resource[(slash + 1)..].Split('/');
        var exists = kind switch
        {
            "cluster" when path.Length == 1 => await Cluster(path[0]).Describe() is not null,
            "service" when path.Length == 2 => await Service(path[0], path[1]).Describe() is { Status: not ServiceStatus.INACTIVE },
            "task" when path.Length == 2 => !(await Cluster(path[0]).GetTasks([path[1]])).IsEmpty,
            "container-instance" when path.Length == 2 => (await Cluster(path[0]).GetInstances()).Any(i => i.ContainerInstanceId == path[1]),
            "task-definition" when path.Length == 1 => await TaskDefinitions.Get(path[0]) is not null,
            "capacity-provider" when path.Length == 1 => (await DescribeCapacityProviders([path[0]])).Length > 0,
            _ => throw ErrorCodes.Invalid($"Invalid resource ARN: {resourceArn}"),
        };

        // The model declares no ResourceNotFoundException for ListTagsForResource: a missing cluster is
        // ClusterNotFoundException, any other missing resource InvalidParameterException.
        return exists ? resourceArn
            : !listing ? throw new EcsException(ErrorCodes.ResourceNotFound, "The specified resource could not be found.")
            : kind == "cluster" ? throw new EcsException(ErrorCodes.ClusterNotFound, "Cluster not found.")
            : throw ErrorCodes.Invalid("The specified resource could not be found.");
    }

    private ITagRegistryGrain Tags => GrainFactory.GetGrain<ITagRegistryGrain>(GrainKeys.Tags);

    private static void ValidateLaunchCount(int count, string what)
    {
        if (count is < 1 or > MaxLaunchCount)
        {
            throw ErrorCodes.Invalid(what == "Count"
                ? $"Count must be between 1 and {MaxLaunchCount}."
                : $"{what} must name between 1 and {MaxLaunchCount} container instances.");
        }
    }
}
