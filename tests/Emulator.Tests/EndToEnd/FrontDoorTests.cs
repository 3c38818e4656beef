using System.Collections.Immutable;
using Emulator.Contracts;

namespace Emulator.Tests.EndToEnd;

/// <summary>
/// Issue 10: every mutating ECS call goes through the front door (<see cref="IEcsControlGrain"/>), so the AWS edge and
/// the client validate the same way; bad input is an AWS error that changes nothing.
/// </summary>
[Collection(EmulatorCollection.Name)]
public sealed class FrontDoorTests(EmulatorClusterFixture fixture) : IAsyncLifetime
{
    private readonly EcsDriver _ecs = new(fixture);

    public Task InitializeAsync() => _ecs.InitializeAsync();

    public Task DisposeAsync() => _ecs.DisposeAsync();

    [Fact]
    public async Task B_PL_1_StartTask_runs_one_task_on_each_named_instance_and_refuses_bad_counts_without_a_change()
    {
        var cluster = await _ecs.CreateCluster("start");
        var (_, provider) = await _ecs.CreateAsgProvider(cluster, "m5.large", 0, 2, 2, managedTerminationProtection: false, managedScaling: false);
        await _ecs.Control.PutClusterCapacityProviders(cluster, [provider], []);
        await _ecs.WaitUntil("2 instances", async () => (await _ecs.Status(cluster)).Instances.Length == 2, TimeSpan.FromMinutes(3));
        var instances = (await _ecs.Status(cluster)).Instances.Select(i => i.ContainerInstanceId).ToImmutableArray();
        var td = await _ecs.RegisterTaskDefinition();

        foreach (var bad in new[] { ImmutableArray<string>.Empty, Enumerable.Repeat(instances[0], 11).ToImmutableArray() })
        {
            var e = await Assert.ThrowsAsync<EcsException>(() => _ecs.Control.StartTask(new StartTaskRequest(cluster, td.Arn, bad, null, null)));
            Assert.Equal(ErrorCodes.InvalidParameter, e.Code);
        }

        var tooMany = await Assert.ThrowsAsync<EcsException>(() => _ecs.Control.RunTask(new RunTaskRequest(cluster, td.Arn, 11, LaunchType.EC2, [], [], [], null, null, null)));
        Assert.Equal(ErrorCodes.InvalidParameter, tooMany.Code);
        Assert.Equal(0, await _ecs.CountTasks(cluster, _ => true));

        var started = await _ecs.Control.StartTask(new StartTaskRequest(cluster, td.Arn, instances, null, "me"));
        Assert.Equal(instances.Order(), started.Tasks.Select(t => t.ContainerInstanceId!).Order());
        Assert.All(started.Tasks, t => Assert.Equal("family:" + td.Family, t.Group));
        Assert.All(started.Tasks, t => Assert.Equal("me", t.StartedBy));

        await _ecs.Control.DeregisterTaskDefinition(td.Arn);
        var inactive = await Assert.ThrowsAsync<EcsException>(() => _ecs.Control.StartTask(new StartTaskRequest(cluster, td.Arn, [instances[0]], null, null)));
        Assert.Equal(ErrorCodes.ClientException, inactive.Code);
        Assert.Equal(2, await _ecs.CountTasks(cluster, _ => true));
    }

    [Fact]
    public async Task Tags_on_a_missing_resource_are_ResourceNotFound_and_on_a_cluster_are_kept()
    {
        var cluster = await _ecs.CreateCluster("tags");
        var arn = Arns.Cluster(EmulatorClusterFixture.Options.Region, EmulatorClusterFixture.Options.AccountId, cluster);
        var missing = await Assert.ThrowsAsync<EcsException>(() => _ecs.Control.TagResource(arn + "-nope", ImmutableDictionary<string, string>.Empty.Add("k", "v")));
        Assert.Equal(ErrorCodes.ResourceNotFound, missing.Code);
        var tags = await _ecs.Control.TagResource(arn, ImmutableDictionary<string, string>.Empty.Add("team", "a"));
        Assert.Equal("a", tags["team"]);
        Assert.Empty(await _ecs.Control.UntagResource(arn, ["team"]));
    }
}
