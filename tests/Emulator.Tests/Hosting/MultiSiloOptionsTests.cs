using System.Net;
using System.Net.Sockets;
using Emulator.Runtime;
using Emulator.Silo.Hosting;

namespace Emulator.Tests.Hosting;

/// <summary>The embedded default's refusal rules and the id-stream scope of reactivated grains, without processes.</summary>
public sealed class MultiSiloOptionsTests
{
    [Fact]
    public void Embedded_default_refuses_to_join_a_primary_and_says_what_to_use()
    {
        var errors = EmbeddedGuard.Check(new SiloHostOptions { Primary = "127.0.0.1:11111", Port = Free(), SiloPort = Free(), GatewayPort = Free() });
        var error = Assert.Single(errors);
        Assert.Contains("refused", error, StringComparison.Ordinal);
        Assert.Contains("--redis", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Durable_mode_does_not_need_a_primary()
    {
        var errors = EmbeddedGuard.Check(new SiloHostOptions { Redis = "127.0.0.1:6379", Primary = "x:1", Port = Free(), SiloPort = Free(), GatewayPort = Free() });
        Assert.Contains("not needed with --redis", Assert.Single(errors), StringComparison.Ordinal);
    }

    [Fact]
    public void A_port_in_use_is_named_before_the_silo_starts()
    {
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        var port = ((IPEndPoint)taken.LocalEndpoint).Port;
        var errors = EmbeddedGuard.Check(new SiloHostOptions { Port = Free(), SiloPort = port, GatewayPort = Free() });
        Assert.Contains($"--silo-port {port} is already in use", Assert.Single(errors), StringComparison.Ordinal);
        Assert.Empty(EmbeddedGuard.Check(new SiloHostOptions { Port = Free(), SiloPort = Free(), GatewayPort = Free() }));
    }

    [Fact]
    public void B_ID_4_first_incarnation_keeps_the_plain_scope_later_ones_get_their_own()
    {
        Assert.Equal("cluster/a", Durability.Scope("cluster/a", 0));
        Assert.NotEqual(Durability.Scope("cluster/a", 0), Durability.Scope("cluster/a", 1));
        Assert.NotEqual(Durability.Scope("cluster/a", 1), Durability.Scope("cluster/a", 2));
    }

    private static int Free()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }
}
