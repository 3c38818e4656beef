using System.Collections.Immutable;
using Emulator.Contracts;
using Emulator.Model.Catalog;
using Emulator.Model.Cluster;
using static Emulator.Tests.Model.Cluster.ClusterFixtures;
using TaskStatus = Emulator.Contracts.TaskStatus;

namespace Emulator.Tests.Model.Cluster;

/// <summary>Container instance rules by rule id (B-CI-1..6).</summary>
public sealed class ContainerInstanceRulesTests
{
    [Fact]
    public void B_CI_6_a_registered_instance_is_active_with_its_types_resources_and_the_built_in_attributes()
    {
        var info = InstanceCatalog.Default.Get("m5.large");
        var reg = new InstanceRegistration("i-0abc", "m5.large", "us-east-1b", "asg-1", true, true,
            ImmutableDictionary<string, string>.Empty.Add("stage", "blue"));
        var i = ContainerInstanceRules.Register(reg, "ci1", ClusterName, info, InstanceCatalog.Default.Registered(info), Zones, "cp", T0);

        Assert.Equal((ContainerInstanceStatus.ACTIVE, true, "cp", true, 1L), (i.Status, i.AgentConnected, i.CapacityProvider, i.IsSpot, i.Version));
        Assert.Equal(InstanceCatalog.Default.Registered(info), i.Registered); // B-IT-2
        Assert.Equal(2048, i.Registered.Cpu);
        Assert.Equal(ResourceSet.Zero, i.Used);
        Assert.True(InstanceCatalog.AgentReservedPorts.SetEquals(i.UsedPorts));
        Assert.Equal("us-east-1b", i.Attributes["ecs.availability-zone"]);
        Assert.Equal("m5.large", i.Attributes["ecs.instance-type"]);
        Assert.Equal("linux", i.Attributes["ecs.os-type"]);
        Assert.Equal(info.Architecture, i.Attributes["ecs.cpu-architecture"]);
        Assert.Equal("subnet-0emulator000002", i.Attributes["ecs.subnet-id"]);
        Assert.Equal("true", i.Attributes["ecs.capability.spot-instance-draining"]);
        Assert.StartsWith("ami-0emulator", i.Attributes["ecs.ami-id"], StringComparison.Ordinal);
        Assert.Equal("blue", i.Attributes["stage"]);
    }

    [Fact]
    public void B_CI_6_an_instance_belongs_to_the_provider_backed_by_its_auto_scaling_group()
    {
        ClusterProvider[] providers = [Asg("a", true), Asg("b", false), Fargate];
        Assert.Equal("b", ContainerInstanceRules.ProviderForAsg(providers, "asg-b"));
        Assert.Null(ContainerInstanceRules.ProviderForAsg(providers, "asg-other"));
        Assert.Null(ContainerInstanceRules.ProviderForAsg(providers, null));
    }

    [Theory]
    [InlineData(ContainerInstanceStatus.ACTIVE, ContainerInstanceStatus.DRAINING, false)]
    [InlineData(ContainerInstanceStatus.DRAINING, ContainerInstanceStatus.ACTIVE, false)]
    [InlineData(ContainerInstanceStatus.ACTIVE, ContainerInstanceStatus.ACTIVE, false)]
    [InlineData(ContainerInstanceStatus.INACTIVE, ContainerInstanceStatus.ACTIVE, true)]
    [InlineData(ContainerInstanceStatus.INACTIVE, ContainerInstanceStatus.DRAINING, true)]
    public void B_CI_4_only_active_and_draining_instances_change_state_through_the_api(ContainerInstanceStatus from, ContainerInstanceStatus to, bool refused)
    {
        var refusal = ContainerInstanceRules.StateChangeRefusal(Instance("i1") with { Status = from }, to);
        Assert.Equal(refused, refusal is not null);
        Assert.True(refusal is null || refusal.StartsWith("INVALID_STATE", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(ContainerInstanceStatus.ACTIVE, false)]
    [InlineData(ContainerInstanceStatus.DRAINING, false)]
    [InlineData(ContainerInstanceStatus.INACTIVE, true)]
    [InlineData(ContainerInstanceStatus.REGISTERING, true)]
    public void B_CI_4_the_api_asks_only_for_active_or_draining(ContainerInstanceStatus status, bool refused) =>
        Assert.Equal(refused ? ErrorCodes.InvalidParameter : null, ContainerInstanceRules.RequestedStatusRefusal(status)?.Code);

    [Fact]
    public void B_CI_4_a_status_change_bumps_the_version_once()
    {
        var i = Instance("i1");
        var draining = ContainerInstanceRules.WithStatus(i, ContainerInstanceStatus.DRAINING);
        Assert.Equal((ContainerInstanceStatus.DRAINING, 2L), (draining.Status, draining.Version));
        Assert.Same(draining, ContainerInstanceRules.WithStatus(draining, ContainerInstanceStatus.DRAINING));
    }

    public static TheoryData<string?, bool, DesiredStatus, TaskStatus, bool> Draining => new()
    {
        // service, daemon, desired, last, stops at once
        { "web", false, DesiredStatus.RUNNING, TaskStatus.PENDING, true },
        { "web", false, DesiredStatus.RUNNING, TaskStatus.PROVISIONING, true },
        { "web", false, DesiredStatus.RUNNING, TaskStatus.RUNNING, false }, // replaced by its service within min/max
        { null, false, DesiredStatus.RUNNING, TaskStatus.PENDING, false }, // standalone: not touched
        { "web", true, DesiredStatus.RUNNING, TaskStatus.PENDING, false }, // daemons stop after the service tasks
        { "web", false, DesiredStatus.STOPPED, TaskStatus.STOPPED, false },
    };

    [Theory]
    [MemberData(nameof(Draining))]
    public void B_CI_3_draining_stops_pending_service_tasks_at_once(string? service, bool daemon, DesiredStatus desired, TaskStatus last, bool stops) =>
        Assert.Equal(stops, ContainerInstanceRules.StopsWhenDraining(NewTask("t", service: service, daemon: daemon) with { DesiredStatus = desired, LastStatus = last }));

    [Theory]
    [InlineData("missing", 0, false, true)]
    [InlineData("inactive", 0, false, true)]
    [InlineData("active", 2, false, true)]
    [InlineData("active", 2, true, false)]
    [InlineData("active", 0, false, false)]
    public void B_CI_5_deregistering_an_instance_with_running_tasks_needs_force(string state, int live, bool force, bool refused)
    {
        var instance = state switch
        {
            "missing" => null,
            "inactive" => ContainerInstanceRules.Deregistered(Instance("i1")),
            _ => Instance("i1"),
        };
        var refusal = ContainerInstanceRules.DeregisterRefusal("i1", instance, live, force);
        Assert.Equal(refused, refusal is not null);
        Assert.True(refusal is null || refusal.Code == ErrorCodes.InvalidParameter);
    }

    [Fact]
    public void B_CI_5_a_deregistered_instance_is_inactive_and_disconnected()
    {
        var gone = ContainerInstanceRules.Deregistered(Instance("i1"));
        Assert.Equal((ContainerInstanceStatus.INACTIVE, false, 2L), (gone.Status, gone.AgentConnected, gone.Version));
    }

    public static TheoryData<string, string?> Puts => new()
    {
        { "ok", null },
        { "missing-instance", ErrorCodes.TargetNotFound },
        { "inactive-instance", ErrorCodes.TargetNotFound },
        { "bad-name", ErrorCodes.InvalidParameter },
        { "long-value", ErrorCodes.InvalidParameter },
        { "built-in", ErrorCodes.InvalidParameter },
        { "eleventh", ErrorCodes.LimitExceeded },
    };

    [Theory]
    [MemberData(nameof(Puts))]
    public void B_CI_6_put_attributes_checks_everything_before_changing_anything(string name, string? code)
    {
        var instances = new Dictionary<string, ContainerInstanceRecord>
        {
            ["i1"] = Instance("i1"),
            ["gone"] = ContainerInstanceRules.Deregistered(Instance("gone")),
        };
        var attrs = name switch
        {
            "missing-instance" => [new InstanceAttribute("nope", "stage", "blue")],
            "inactive-instance" => [new InstanceAttribute("gone", "stage", "blue")],
            "bad-name" => [new InstanceAttribute("i1", "stage!", "blue")],
            "long-value" => [new InstanceAttribute("i1", "stage", new string('x', 129))],
            "built-in" => [new InstanceAttribute("i1", "ecs.instance-type", "huge")],
            "eleventh" => Enumerable.Range(0, 11).Select(n => new InstanceAttribute("i1", "k" + n, "v")).ToArray(),
            _ => new[] { new InstanceAttribute("arn:aws:ecs:us-east-1:000000000000:container-instance/book/i1", "stage", "blue"), new InstanceAttribute("i1", "team", null) },
        };

        var updated = ContainerInstanceRules.PutAttributes(instances, attrs, ClusterName, out var rejection);
        Assert.Equal(code, rejection?.Code);
        if (code is null)
        {
            var i = Assert.Single(updated);
            Assert.Equal(("blue", "", 3L), (i.Attributes["stage"], i.Attributes["team"], i.Version)); // one version per attribute
        }
        else
        {
            Assert.Empty(updated);
        }
    }

    [Fact]
    public void B_CI_6_delete_attributes_refuses_built_in_ones_and_unknown_instances()
    {
        var instances = new Dictionary<string, ContainerInstanceRecord>
        {
            ["i1"] = Instance("i1", attributes: ImmutableDictionary<string, string>.Empty.Add("stage", "blue").Add("team", "a")),
        };
        var deleted = ContainerInstanceRules.DeleteAttributes(instances, [new InstanceAttribute("i1", "stage", null), new InstanceAttribute("i1", "team", null)], ClusterName, out var ok);
        Assert.Null(ok);
        Assert.Equal(2, deleted.Count);
        Assert.False(deleted[^1].Attributes.ContainsKey("stage"));
        Assert.False(deleted[^1].Attributes.ContainsKey("team"));
        Assert.Equal(3L, deleted[^1].Version);

        ContainerInstanceRules.DeleteAttributes(instances, [new InstanceAttribute("i1", "ecs.os-type", null)], ClusterName, out var builtIn);
        Assert.Equal(ErrorCodes.InvalidParameter, builtIn?.Code);
        ContainerInstanceRules.DeleteAttributes(instances, [new InstanceAttribute("i9", "stage", null)], ClusterName, out var unknown);
        Assert.Equal(ErrorCodes.TargetNotFound, unknown?.Code);
    }
}
