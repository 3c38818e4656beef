using Emulator.Contracts;
using Emulator.Model;
using Emulator.Model.Catalog;
using Emulator.Model.Time;

namespace Emulator.Tests.Model.Identity;

public sealed class IdentityTests
{
    [Fact]
    public void B_ID_1_defaults_account_region_and_three_zones()
    {
        var o = new EmulatorOptions();
        Assert.Equal("000000000000", o.AccountId);
        Assert.Equal("us-east-1", o.Region);
        Assert.Equal(["us-east-1a", "us-east-1b", "us-east-1c"], o.AvailabilityZones);
        Assert.Empty(o.Validate());
    }

    [Fact]
    public void B_ID_2_long_arn_formats()
    {
        Assert.Equal("arn:aws:ecs:us-east-1:000000000000:cluster/c", Arns.Cluster("us-east-1", "000000000000", "c"));
        Assert.Equal("arn:aws:ecs:us-east-1:000000000000:container-instance/c/abc", Arns.ContainerInstance("us-east-1", "000000000000", "c", "abc"));
        Assert.Equal("arn:aws:ecs:us-east-1:000000000000:service/c/web", Arns.Service("us-east-1", "000000000000", "c", "web"));
        Assert.Equal("arn:aws:ecs:us-east-1:000000000000:task/c/abc", Arns.Task("us-east-1", "000000000000", "c", "abc"));
        Assert.Equal("arn:aws:ecs:us-east-1:000000000000:task-definition/web:3", Arns.TaskDefinition("us-east-1", "000000000000", "web", 3));
        Assert.Equal("arn:aws:ecs:us-east-1:000000000000:capacity-provider/cp", Arns.CapacityProvider("us-east-1", "000000000000", "cp"));
        Assert.Equal("arn:aws:autoscaling:us-east-1:000000000000:autoScalingGroup:u:autoScalingGroupName/g", Arns.AutoScalingGroup("us-east-1", "000000000000", "u", "g"));
    }

    [Theory]
    [InlineData("web", "web")]
    [InlineData("arn:aws:ecs:us-east-1:000000000000:cluster/web", "web")]
    [InlineData("arn:aws:ecs:us-east-1:000000000000:task/c/0123", "0123")]
    [InlineData("arn:aws:ecs:us-east-1:000000000000:task-definition/web:3", "web:3")]
    public void B_ID_3_short_name_or_full_arn(string input, string expected) => Assert.Equal(expected, Arns.ShortName(input));

    [Fact]
    public void B_ID_3_no_cluster_means_default() => Assert.Equal("default", Arns.ClusterName(null));

    [Fact]
    public void B_ID_4_same_seed_same_ids_and_id_shapes()
    {
        var a = new SeededRandomSource(7).For("cluster/x");
        var b = new SeededRandomSource(7).For("cluster/x");
        var ids = Enumerable.Range(0, 5).Select(_ => RandomIds.TaskId(a)).ToList();
        Assert.Equal(ids, Enumerable.Range(0, 5).Select(_ => RandomIds.TaskId(b)));
        Assert.All(ids, id => Assert.Matches("^[0-9a-f]{32}$", id));
        Assert.Matches("^i-[0-9a-f]{17}$", RandomIds.Ec2InstanceId(a));
        Assert.Matches("^ecs-svc/[0-9]{19}$", RandomIds.DeploymentId(a));
        Assert.NotEqual(RandomIds.TaskId(new SeededRandomSource(8).For("cluster/x")), RandomIds.TaskId(new SeededRandomSource(7).For("cluster/x")));
    }

    [Fact]
    public void B_T_1_emulated_time_is_epoch_plus_scaled_wall_time()
    {
        var wall = new FakeTime(new DateTimeOffset(2026, 5, 1, 12, 0, 0, TimeSpan.Zero));
        var epoch = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var clock = new ScaledClock(wall, 60, epoch, wall.GetUtcNow());
        Assert.Equal(epoch, clock.Now);
        wall.Now += TimeSpan.FromSeconds(1);
        Assert.Equal(epoch + TimeSpan.FromMinutes(1), clock.Now);
        Assert.Equal(TimeSpan.FromSeconds(1), clock.ToWall(TimeSpan.FromMinutes(1)));
    }

    [Fact]
    public void B_T_2_default_durations()
    {
        var t = new EmulatorTimings();
        Assert.Equal(TimeSpan.FromSeconds(40), t.Ec2Launch);
        Assert.Equal(TimeSpan.FromSeconds(20), t.AgentRegistration);
        Assert.Equal(TimeSpan.FromSeconds(5), t.EniAttach);
        Assert.Equal(TimeSpan.FromSeconds(10), t.TaskStart);
        Assert.Equal(TimeSpan.FromSeconds(40), t.FargateStart);
        Assert.Equal(TimeSpan.FromSeconds(2), t.ContainerExit);
        Assert.Equal(TimeSpan.FromSeconds(30), t.StopTimeout);
        Assert.Equal(TimeSpan.FromSeconds(1), t.Deprovisioning);
        Assert.Equal(TimeSpan.FromHours(1), t.StoppedRetention);
        Assert.Equal(TimeSpan.FromSeconds(60), t.MetricPeriod);
        Assert.Equal(TimeSpan.FromSeconds(120), t.SpotNotice);
        Assert.Equal(TimeSpan.FromMinutes(30), t.ProvisioningTimeout);
    }

    [Fact]
    public void B_T_2_invalid_options_are_reported()
    {
        var o = new EmulatorOptions { TimeScale = 0, AccountId = "12" };
        o.Timings.StopTimeout = TimeSpan.FromSeconds(-1);
        Assert.Equal(3, o.Validate().Count);
    }

    [Theory]
    [InlineData("t3.small", 2048, 1996)]
    [InlineData("m5.large", 2048, 7987)]
    [InlineData("m4.large", 2048, 7987)]
    [InlineData("m5.xlarge", 4096, 15974)]
    public void B_IT_2_registered_cpu_and_memory(string type, int cpu, int memory)
    {
        var r = InstanceCatalog.Default.Registered(type);
        Assert.Equal(cpu, r.Cpu);
        Assert.Equal(memory, r.Memory);
    }

    [Fact]
    public void B_IT_1_catalog_has_the_minimum_set()
    {
        string[] required = ["t2.large", "t3.small", "t3.medium", "t3.large", "m3.large", "m4.large", "m5.large", "m5a.large", "m5ad.large",
            "m5d.large", "m5dn.large", "m5n.large", "m5.xlarge", "c5.large", "c5.xlarge", "r5.large", "g4dn.xlarge"];
        Assert.All(required, t => Assert.True(InstanceCatalog.Default.TryGet(t, out _), t));
        Assert.Equal(1, InstanceCatalog.Default.Get("g4dn.xlarge").Gpus);
    }

    private sealed class FakeTime(DateTimeOffset now) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = now;

        public override DateTimeOffset GetUtcNow() => Now;
    }
}
