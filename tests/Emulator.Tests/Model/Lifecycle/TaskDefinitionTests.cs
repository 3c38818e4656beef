using System.Collections.Immutable;
using Emulator.Contracts;
using Emulator.Model.Catalog;

namespace Emulator.Tests.Model.Lifecycle;

public sealed class TaskDefinitionTests
{
    private static TaskDefinitionSpec Spec(NetworkMode mode, string? cpu = null, string? memory = null, params ContainerDefinition[] containers) =>
        new("web", [.. containers], cpu, memory, mode, ["EC2"], [], ImmutableDictionary<string, string>.Empty);

    private static ContainerDefinition C(int cpu, int? memory, params PortMapping[] ports) =>
        new("c" + cpu, "nginx", cpu, memory, null, true, [.. ports], null, 0);

    [Fact]
    public void Requirements_sum_containers_and_task_level_wins()
    {
        var r = TaskDefinitions.Requirements(Spec(NetworkMode.bridge, null, null, C(128, 256), C(128, 256)));
        Assert.Equal((256, 512), (r.Cpu, r.Memory));
        var t = TaskDefinitions.Requirements(Spec(NetworkMode.bridge, "1 vCPU", "2GB", C(128, 256)));
        Assert.Equal((1024, 2048), (t.Cpu, t.Memory));
    }

    [Fact]
    public void B_PL_1_static_host_ports_bridge_and_host_modes_awsvpc_uses_an_eni()
    {
        var bridge = TaskDefinitions.Requirements(Spec(NetworkMode.bridge, null, null, C(256, 512, new PortMapping(80, 8080, "tcp"), new PortMapping(81, 0, "tcp"))));
        Assert.Equal([8080], bridge.HostPorts.AsEnumerable());
        var host = TaskDefinitions.Requirements(Spec(NetworkMode.host, null, null, C(256, 512, new PortMapping(80, null, "tcp"))));
        Assert.Equal([80], host.HostPorts.AsEnumerable());
        var vpc = TaskDefinitions.Requirements(Spec(NetworkMode.awsvpc, null, null, C(256, 512, new PortMapping(80, 80, "tcp"))));
        Assert.Empty(vpc.HostPorts);
        Assert.Equal(1, vpc.Eni);
    }

    [Fact]
    public void Invalid_task_definitions_are_rejected_with_a_reason()
    {
        Assert.NotNull(TaskDefinitions.Validate(Spec(NetworkMode.bridge, null, null)));
        Assert.NotNull(TaskDefinitions.Validate(Spec(NetworkMode.bridge, null, null, C(256, null))));
        Assert.NotNull(TaskDefinitions.Validate(Spec(NetworkMode.bridge, "abc", null, C(256, 512))));
        Assert.NotNull(TaskDefinitions.Validate(Spec(NetworkMode.bridge, null, null, C(256, 512)) with { RequiresCompatibilities = ["FARGATE"] }));
        Assert.Null(TaskDefinitions.Validate(Spec(NetworkMode.awsvpc, "256", "512", C(256, 512)) with { RequiresCompatibilities = ["FARGATE"] }));
        Assert.NotNull(TaskDefinitions.Validate(Spec(NetworkMode.awsvpc, "256", "4096", C(256, 512)) with { RequiresCompatibilities = ["FARGATE"] }));
    }
}
