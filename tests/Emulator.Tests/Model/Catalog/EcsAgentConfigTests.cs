using System.Text;
using Emulator.Model.Catalog;

namespace Emulator.Tests.Model.Catalog;

/// <summary>User data read like the ECS agent reads /etc/ecs/ecs.config (B-ASG-2, B-SP-2).</summary>
public sealed class EcsAgentConfigTests
{
    /// <summary>The seed workshop's Spot launch template user data (after Fn::Sub).</summary>
    public const string WorkshopUserData =
        "#!/usr/bin/bash\n"
        + "echo ECS_CLUSTER=EcsSpotWorkshop >> /etc/ecs/ecs.config\n"
        + "sudo iptables --insert FORWARD 1 --in-interface docker+ --destination 169.254.169.254/32 --jump DROP\n"
        + "sudo service iptables save\n"
        + "echo ECS_ENABLE_SPOT_INSTANCE_DRAINING=true >> /etc/ecs/ecs.config\n"
        + "echo ECS_AWSVPC_BLOCK_IMDS=true >> /etc/ecs/ecs.config\n"
        + "cat /etc/ecs/ecs.config";

    [Fact]
    public void Workshop_user_data_names_the_cluster_and_enables_spot_draining()
    {
        var s = EcsAgentConfig.FromBase64(Convert.ToBase64String(Encoding.UTF8.GetBytes(WorkshopUserData)));
        Assert.Equal(new EcsAgentSettings("EcsSpotWorkshop", true), s);
    }

    [Theory]
    [InlineData(null, "default", false)]
    [InlineData("", "default", false)]
    [InlineData("#!/bin/bash\nyum update -y", "default", false)]
    [InlineData("ECS_CLUSTER=plain", "plain", false)]
    [InlineData("ECS_CLUSTER=\"quoted\"\nECS_ENABLE_SPOT_INSTANCE_DRAINING=\"true\"", "quoted", true)]
    [InlineData("echo \"ECS_CLUSTER=dq\" >> /etc/ecs/ecs.config", "dq", false)]
    [InlineData("echo 'ECS_CLUSTER=sq' >> /etc/ecs/ecs.config", "sq", false)]
    [InlineData("echo ECS_CLUSTER=a>>/etc/ecs/ecs.config; echo ECS_CLUSTER=b >> /etc/ecs/ecs.config", "b", false)]
    [InlineData("cat <<EOF >> /etc/ecs/ecs.config\r\nECS_CLUSTER=heredoc\r\nECS_ENABLE_SPOT_INSTANCE_DRAINING=false\r\nEOF", "heredoc", false)]
    [InlineData("# echo ECS_CLUSTER=commented\necho MY_ECS_CLUSTER=nope", "default", false)]
    public void Parses_ecs_config_lines(string? text, string cluster, bool draining)
    {
        Assert.Equal(new EcsAgentSettings(cluster, draining), EcsAgentConfig.Parse(text));
    }

    [Fact]
    public void Base64_and_plain_text_are_both_accepted()
    {
        Assert.Equal("x", EcsAgentConfig.FromBase64(Convert.ToBase64String(Encoding.UTF8.GetBytes("ECS_CLUSTER=x"))).ClusterName);
        Assert.Equal("y", EcsAgentConfig.FromBase64("ECS_CLUSTER=y").ClusterName);
        Assert.True(EcsAgentConfig.IsBase64("RUNTX0NMVVNURVI9eA=="));
        Assert.False(EcsAgentConfig.IsBase64("ECS_CLUSTER=y"));
    }
}
