using System.Collections.Immutable;
using Emulator.Contracts;
using Emulator.Grains;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;
using Orleans.Storage;
using TaskStatus = Emulator.Contracts.TaskStatus;
using PlacementStrategy = Emulator.Contracts.PlacementStrategy;

namespace Emulator.Tests.Persistence;

/// <summary>
/// A durable-mode store written by an earlier build must still load: the cluster's stored state keeps its
/// serialization ids and type aliases. The golden bytes were written by the build before the cluster's record book
/// moved into the model (issue 10); a change that renumbers a member or renames an alias fails here.
/// </summary>
public sealed class ClusterStateCompatibilityTests
{
    private static readonly DateTimeOffset T0 = new(2024, 1, 2, 3, 4, 5, TimeSpan.Zero);

    [Fact]
    public void Cluster_state_written_by_the_previous_build_still_loads()
    {
        var serializer = StorageSerializer();
        if (Environment.GetEnvironmentVariable("EMULATOR_CAPTURE_GOLDEN") is { Length: > 0 } path)
        {
            File.WriteAllText(path, Convert.ToBase64String(serializer.Serialize(Sample()).ToArray()));
            return;
        }

        var loaded = serializer.Deserialize<ClusterState>(BinaryData.FromBytes(Convert.FromBase64String(Golden)));
        AssertSame(Sample(), loaded ?? throw new InvalidOperationException("nothing loaded"));
    }

    [Fact]
    public void Cluster_state_round_trips_through_the_storage_serializer()
    {
        var serializer = StorageSerializer();
        var loaded = serializer.Deserialize<ClusterState>(serializer.Serialize(Sample()));
        AssertSame(Sample(), loaded ?? throw new InvalidOperationException("nothing loaded"));
    }

    private static OrleansGrainStorageSerializer StorageSerializer()
    {
        var services = new ServiceCollection()
            .AddSerializer(b => b.AddAssembly(typeof(ClusterState).Assembly).AddAssembly(typeof(TaskRecord).Assembly))
            .BuildServiceProvider();
        return new OrleansGrainStorageSerializer(services.GetRequiredService<Serializer>());
    }

    private static void AssertSame(ClusterState expected, ClusterState actual)
    {
        Assert.Equal(expected.Exists, actual.Exists);
        Assert.Equal(expected.Status, actual.Status);
        Assert.Equal(expected.Providers.OrderBy(p => p.Key), actual.Providers.OrderBy(p => p.Key));
        Assert.Equal(expected.DefaultStrategy.ToArray(), actual.DefaultStrategy.ToArray());
        Assert.Equal(expected.Tags.OrderBy(p => p.Key), actual.Tags.OrderBy(p => p.Key));
        Assert.Equal(expected.Instances.Keys.Order(), actual.Instances.Keys.Order());
        foreach (var (id, i) in expected.Instances)
        {
            var a = actual.Instances[id];
            Assert.Equal(i with { UsedPorts = a.UsedPorts, Attributes = a.Attributes, TaskGroups = a.TaskGroups }, a);
            Assert.True(i.UsedPorts.SetEquals(a.UsedPorts));
            Assert.Equal(i.Attributes.OrderBy(p => p.Key), a.Attributes.OrderBy(p => p.Key));
            Assert.Equal(i.TaskGroups.OrderBy(p => p.Key), a.TaskGroups.OrderBy(p => p.Key));
        }

        Assert.Equal(expected.Tasks.Keys.Order(), actual.Tasks.Keys.Order());
        foreach (var (id, t) in expected.Tasks)
        {
            var a = actual.Tasks[id];
            Assert.Equal(t with { Needs = a.Needs, HostPorts = a.HostPorts }, a);
            Assert.Equal(t.HostPorts.ToArray(), a.HostPorts.ToArray());
            Assert.Equal(t.Needs with { HostPorts = a.Needs.HostPorts }, a.Needs);
            Assert.Equal(t.Needs.HostPorts.ToArray(), a.Needs.HostPorts.ToArray());
        }

        Assert.Equal(expected.Services, actual.Services);
        Assert.Equal(expected.Queue, actual.Queue);
        Assert.Equal(expected.QueuedPlacements.Keys.Order(), actual.QueuedPlacements.Keys.Order());
        foreach (var (id, q) in expected.QueuedPlacements)
        {
            Assert.Equal(q.Strategies.ToArray(), actual.QueuedPlacements[id].Strategies.ToArray());
            Assert.Equal(q.Constraints.ToArray(), actual.QueuedPlacements[id].Constraints.ToArray());
        }

        Assert.Equal(expected.ClientTokens.Keys, actual.ClientTokens.Keys);
        Assert.Equal(expected.ClientTokens["legacy"].ToArray(), actual.ClientTokens["legacy"].ToArray());
        Assert.Equal(expected.Faults, actual.Faults);
        Assert.Equal(expected.CreatedAt, actual.CreatedAt);
        Assert.Equal(expected.EventSequence, actual.EventSequence);
        Assert.Equal(expected.DeletedTaskCostByService, actual.DeletedTaskCostByService);
        Assert.Equal(expected.DeletedTaskCostByProvider, actual.DeletedTaskCostByProvider);
        Assert.Equal(expected.DeletedFargateCost, actual.DeletedFargateCost);
        Assert.Equal(expected.FargateSpotAvailable, actual.FargateSpotAvailable);
        Assert.Equal(expected.ClientTokenRecords.Keys, actual.ClientTokenRecords.Keys);
        foreach (var (token, r) in expected.ClientTokenRecords)
        {
            var a = actual.ClientTokenRecords[token];
            Assert.Equal((r.Fingerprint, r.At), (a.Fingerprint, a.At));
            Assert.Equal(r.TaskIds.ToArray(), a.TaskIds.ToArray());
        }

        Assert.Equal(expected.ZoneOutages, actual.ZoneOutages);
        Assert.Equal(expected.Incarnation, actual.Incarnation);
        Assert.Equal(expected.TargetGroups, actual.TargetGroups);
        Assert.Equal(expected.TargetGroupsSince, actual.TargetGroupsSince);
    }

    /// <summary>Every member of the state set, with the records the cluster keeps (placed, queued, stopped Fargate).</summary>
    private static ClusterState Sample()
    {
        var needs = new TaskRequirements(256, 512, [8080], 0, NetworkMode.bridge);
        var instance = new ContainerInstanceRecord(
            "ci0001", "golden", "i-0123456789abcdef0", "m5.large", "us-east-1a", "cp-asg", "asg-golden", true,
            ContainerInstanceStatus.ACTIVE, true, new ResourceSet(2048, 7782, 0, 2), new ResourceSet(256, 512, 0, 0),
            ImmutableHashSet.Create(22, 2375, 2376, 51678, 51679, 8080),
            ImmutableDictionary<string, string>.Empty.Add("ecs.availability-zone", "us-east-1a").Add("stage", "blue"),
            T0, 3, 1, 0, ImmutableDictionary<string, int>.Empty.Add("service:web", 1), 1, true);
        var placed = new TaskRecord(
            "task0001", "golden", "arn:aws:ecs:us-east-1:000000000000:task-definition/web:3", needs, "service:web", "ecs-svc/123",
            "web", "ecs-svc/123", "cp-asg", LaunchType.EC2, "ci0001", "i-0123456789abcdef0", "us-east-1a", TaskStatus.RUNNING,
            DesiredStatus.RUNNING, 4, T0, T0.AddSeconds(15), null, null, null, null, null, false, [8080], T0.AddSeconds(5),
            T0.AddSeconds(5), 30, null, null);
        var queued = new TaskRecord(
            "task0002", "golden", "arn:aws:ecs:us-east-1:000000000000:task-definition/batch:1", needs with { HostPorts = [] },
            "family:batch", null, null, null, "cp-asg", LaunchType.EC2, null, null, null, TaskStatus.PROVISIONING,
            DesiredStatus.RUNNING, 1, T0, null, null, null, null, null, null, false, [], null, null, 30, "CannotPullContainerError: injected");
        var fargate = new TaskRecord(
            "task0003", "golden", "arn:aws:ecs:us-east-1:000000000000:task-definition/web:3", needs with { HostPorts = [], NetworkMode = NetworkMode.awsvpc },
            "service:web", "ecs-svc/123", "web", "ecs-svc/123", "FARGATE_SPOT", LaunchType.FARGATE, null, null, "us-east-1b",
            TaskStatus.STOPPED, DesiredStatus.STOPPED, 5, T0, T0.AddSeconds(40), T0.AddMinutes(2), T0.AddMinutes(2).AddSeconds(1),
            "TerminationNotice", "Your Spot Task was interrupted.", T0.AddHours(1), false, [], T0.AddSeconds(1), T0.AddSeconds(1), 120, null,
            T0.AddMinutes(2));
        return new ClusterState
        {
            Exists = true,
            Status = "ACTIVE",
            Providers = ImmutableDictionary<string, ClusterProvider>.Empty
                .Add("cp-asg", new ClusterProvider("cp-asg", ProviderType.AutoScalingGroup, "asg-golden", true, true, false))
                .Add("FARGATE_SPOT", new ClusterProvider("FARGATE_SPOT", ProviderType.FargateSpot, null, false, false, false)),
            DefaultStrategy = [new CapacityProviderStrategyItem("cp-asg", 1, 2)],
            Tags = ImmutableDictionary<string, string>.Empty.Add("team", "golden"),
            Instances = { [instance.ContainerInstanceId] = instance },
            Tasks = { [placed.TaskId] = placed, [queued.TaskId] = queued, [fargate.TaskId] = fargate },
            Services = ["web"],
            Queue = [queued.TaskId],
            QueuedPlacements =
            {
                [queued.TaskId] = new QueuedPlacement(
                    [new PlacementStrategy(PlacementStrategyType.spread, "attribute:ecs.availability-zone"), new PlacementStrategy(PlacementStrategyType.binpack, "memory")],
                    [new PlacementConstraint(PlacementConstraintType.memberOf, "attribute:stage == blue"), new PlacementConstraint(PlacementConstraintType.distinctInstance, null)]),
            },
            ClientTokens = { ["legacy"] = ["task0001"] },
            Faults = new LaunchFaults(0.25, "CannotPullContainerError: injected", T0.AddHours(2), "web"),
            CreatedAt = T0,
            EventSequence = 4242,
            DeletedTaskCostByService = { ["web"] = 0.123456789m },
            DeletedTaskCostByProvider = { ["FARGATE_SPOT"] = 0.5m, ["EC2"] = 1.25m },
            DeletedFargateCost = 0.75m,
            FargateSpotAvailable = false,
            ClientTokenRecords = { ["token-1"] = new ClientTokenRecord("fingerprint-1", T0.AddMinutes(1), ["task0001", "task0003"]) },
            ZoneOutages = { ["us-east-1c"] = null, ["us-east-1b"] = T0.AddMinutes(30) },
            Incarnation = 7,
            TargetGroups = { ["web"] = new TargetGroupSpec("tg-web", 8080, "HTTP", 30, 5, 2, 300, "ip") },
            TargetGroupsSince = { ["web"] = T0.AddSeconds(2) },
        };
    }

    // Written by the build before issue 10's refactoring (commit 0914113), EMULATOR_CAPTURE_GOLDEN=<file>.
    private const string Golden =
        "IAADQQ1BQ1RJVkUhIAEFQRlGQVJHQVRFX1NQT1Qg6MAPCQMJwQEBAQEBAQHgQA1jcC1hc2cg6MAfCQMBQRVhc2ctZ29sZGVuAQMBAwEB4ODBAe"
        + "AhIAADIejAHwEFAQng4OAhIAEDQQl0ZWFtQA1nb2xkZW7gwQHgITABMSzULh1TdHJpbmdDb21wYXJlcgADAQHgAQNBDWNpMDAwMSDowFXBR0En"
        + "aS0wMTIzNDU2Nzg5YWJjZGVmMEERbTUubGFyZ2VBFXVzLWVhc3QtMWHBH8EnAQMJAwEBAyHoAAJAATLzAQEBCeAh6AACCAECEAEBAQHgISAADQ"
        + "FZADpKAEJKAIL8AOSdDAD0nQzgwQHgISABBUELc3RhZ2VACWJsdWVAK2Vjcy5hdmFpbGFiaWxpdHktem9uZcBh4MEB4CGAgMC/ej8L3AiBAAAA"
        + "AAAAAADgAQ0BBQEBISABA0EXc2VydmljZTp3ZWIABeDBAeABBQED4OAhOAMAAwEB4AEHQRF0YXNrMDAwMSDowMvBR0FxYXJuOmF3czplY3M6dX"
        + "MtZWFzdC0xOjAwMDAwMDAwMDAwMDp0YXNrLWRlZmluaXRpb24vd2ViOjMh6AACCAECECEgAAMBgvzg4AEBCQMB4MG3QRdlY3Mtc3ZjLzEyM0EH"
        + "d2ViwenBHwkDAcFVwV3BYQkDDQkDAQERIYCAwL96PwvcCIEAAAAAAAAAAOAhgACSsIM/C9wIgQAAAAAAAAAA4MEBwQHBAcEBwQEBASEgAAMBgv"
        + "zg4CGAALG6fT8L3AiBAAAAAAAAAADgIYAAsbp9PwvcCIEAAAAAAAAAAOABecEBwQHgQBF0YXNrMDAwMiDowGICwUdBdWFybjphd3M6ZWNzOnVz"
        + "LWVhc3QtMTowMDAwMDAwMDAwMDA6dGFzay1kZWZpbml0aW9uL2JhdGNoOjEh6AACCAECECEg4OABAQkDAeBBGWZhbWlseTpiYXRjaMEBwQHBAc"
        + "EfCQMBwQHBAcEBCQMBCQMBAQUhgIDAv3o/C9wIgQAAAAAAAAAA4MEBwQHBAcEBwQHBAQEBIcCGAuDBAcEBAXlBRUNhbm5vdFB1bGxDb250YWlu"
        + "ZXJFcnJvcjogaW5qZWN0ZWTBAeBAEXRhc2swMDAzIOjABgPBR8HTIegAAggBAhAhwIYC4AEBCQMJ4MG3wenB68HpwQ8JAwXBAcEBQRV1cy1lYX"
        + "N0LTFiCQMdCQMFARUhgIDAv3o/C9wIgQAAAAAAAAAA4CGAgESXkj8L3AiBAAAAAAAAAADgIYCATEbCPwvcCIEAAAAAAAAAAOAhgADj3sI/C9wI"
        + "gQAAAAAAAAAA4EEjVGVybWluYXRpb25Ob3RpY2VBP1lvdXIgU3BvdCBUYXNrIHdhcyBpbnRlcnJ1cHRlZC4hgIAohNxHC9wIgQAAAAAAAAAA4A"
        + "EBIcCGAuAhgABXWHs/C9wIgQAAAAAAAAAA4CGAAFdYez8L3AiBAAAAAAAAAADgAcIDwQEhgIBMRsI/C9wIgQAAAAAAAAAA4ODgISAAA8Hr4MEB"
        + "4CEAA8FiAuAhOAMAAwEB4AEDwWICIOggIAAFIegIAwVBP2F0dHJpYnV0ZTplY3MuYXZhaWxhYmlsaXR5LXpvbmXgIOgIAwFBDW1lbW9yeeDg4C"
        + "EgAAUh6AgDBUEvYXR0cmlidXRlOnN0YWdlID09IGJsdWXgIOgIAwHBAeDg4ODgITgDAAMBAeABA0ENbGVnYWN5ICAAA8HL4ODgIeiAAAAAAAAA"
        + "0D/B/gIhgICQSD5QC9wIgQAAAAAAAAAA4MHr4CGAgMC/ej8L3AiBAAAAAAAAAADgAZKEITgDAAMBAeABA8HrQCEAAAkAAAAAABXNWwcAAAAA4C"
        + "E4AwADAQHgAQXBD0AhAAABAAAAAAAFAAAAAAAAAEAHRUMyQCEAAAIAAAAAAH0AAAAAAAAA4EEhAAACAAAAAABLAAAAAAAAAAEBITgDAAMBAeAB"
        + "A8HrIOhADXRnLXdlYgGC/EEJSFRUUAF5ARUBCQFiCUEFaXDBAUEDLwEVwSYFQQcyMDDg4CE4AwADAQHgAQPB6yCAgO3wez8L3AiBAAAAAAAAAA"
        + "Dg4CcXOAMAAwEB4AEDQQ90b2tlbi0xIOhAG2ZpbmdlcnByaW50LTEhgIAGg54/C9wIgQAAAAAAAAAA4CEgAAXBy8AGA+Dg4OAnFTgDAAMBAeAB"
        + "BUEVdXMtZWFzdC0xY8ABwFYDIICA9KGrQwvcCIEAAAAAAAAAAODgBxUd4A==";
}
