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
            throw Errors.TaskDefinitionInactive(td.Arn);
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
        return update.ManagedInstances is { } mi
            ? await provider.UpdateManagedInstances(mi)
            : await provider.Update(update.ManagedScaling, update.ManagedTerminationProtection, update.ManagedDraining);
    }

    public Task<TaskDefinitionRecord> DeregisterTaskDefinition(string taskDefinition) => TaskDefinitions.Deregister(taskDefinition);

    public async Task<ImmutableDictionary<string, string>> TagResource(string resourceArn, ImmutableDictionary<string, string> tags)
    {
        var (arn, created) = await ExistingResource(resourceArn, listing: false);
        await StartTagsFromCreation(arn, created);
        return await Tags.Tag(arn, tags);
    }

    public async Task<ImmutableDictionary<string, string>> UntagResource(string resourceArn, ImmutableArray<string> tagKeys)
    {
        var (arn, created) = await ExistingResource(resourceArn, listing: false);
        await StartTagsFromCreation(arn, created);
        return await Tags.Untag(arn, tagKeys);
    }

    public async Task<ImmutableDictionary<string, string>> ListTagsForResource(string resourceArn)
    {
        var (arn, created) = await ExistingResource(resourceArn, listing: true);
        return await Tags.Find(arn) ?? created ?? ImmutableDictionary<string, string>.Empty;
    }

    public async Task<string> ExistingResourceArn(string resourceArn, bool listing) => (await ExistingResource(resourceArn, listing)).Arn;

    /// <summary>
    /// Issue 14: a resource's tags are the ones it was created with (CreateCluster, CreateService,
    /// RegisterTaskDefinition, CreateCapacityProvider <c>tags</c>), then every TagResource / UntagResource: the first
    /// change starts from the creation tags.
    /// </summary>
    private async Task StartTagsFromCreation(string arn, ImmutableDictionary<string, string>? created)
    {
        if (await Tags.Find(arn) is null)
        {
            await Tags.Replace(arn, created ?? ImmutableDictionary<string, string>.Empty);
        }
    }

    /// <summary>The ARN and the tags the resource was created with, if it names an existing ECS resource; else the errors the operation declares.</summary>
    private async Task<(string Arn, ImmutableDictionary<string, string>? Created)> ExistingResource(string resourceArn, bool listing)
    {
        var parts = resourceArn.Split(':', 6);
        if (parts.Length != 6 || parts[0] != "arn" || parts[2] != "ecs")
        {
            throw Errors.InvalidResourceArn(resourceArn);
        }

        var resource = parts[5];
        var slash = resource.IndexOf('/', StringComparison.Ordinal);
        var kind = slash < 0 ? resource : resource[..slash];
        var path = slash < 0 ? [] : resource[(slash + 1)..].Split('/');
        (bool Exists, ImmutableDictionary<string, string>? Tags) found = kind switch
        {
            "cluster" when path.Length == 1 => await Cluster(path[0]).Describe() is { } c ? (true, c.Tags) : (false, null),
            "service" when path.Length == 2 => await Service(path[0], path[1]).Describe() is { Status: not ServiceStatus.INACTIVE } s ? (true, s.Spec.Tags) : (false, null),
            "task" when path.Length == 2 => (!(await Cluster(path[0]).GetTasks([path[1]])).IsEmpty, null),
            "container-instance" when path.Length == 2 => ((await Cluster(path[0]).GetInstances()).Any(i => i.ContainerInstanceId == path[1]), null),
            "task-definition" when path.Length == 1 => await TaskDefinitions.Get(path[0]) is { } td ? (true, td.Spec.Tags) : (false, null),
            "capacity-provider" when path.Length == 1 => (await DescribeCapacityProviders([path[0]])).FirstOrDefault() is { } p ? (true, p.Spec?.Tags) : (false, null),
            _ => throw Errors.InvalidResourceArn(resourceArn),
        };

        // The model declares no ResourceNotFoundException for ListTagsForResource: a missing cluster is
        // ClusterNotFoundException, any other missing resource InvalidParameterException.
        return found.Exists ? (resourceArn, found.Tags)
            : !listing ? throw new EcsException(ErrorCodes.ResourceNotFound, "The specified resource could not be found.")
            : kind == "cluster" ? throw Errors.ClusterNotFound()
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
