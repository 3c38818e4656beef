using System.Net;
using System.Net.Sockets;

namespace Emulator.Silo.Hosting;

/// <summary>
/// The embedded default (localhost clustering, memory grain storage, in-memory reminders) is a single-silo mode:
/// with a second silo, the first one's death would take the cluster down (its primary), every reminder (one
/// in-memory reminder table) and part of every other silo's grain state (memory storage grains) with it. So it
/// refuses to be used that way, before anything starts, rather than losing data later.
/// </summary>
public static class EmbeddedGuard
{
    public const string Explanation =
        "The embedded default (localhost clustering, memory grain storage, in-memory reminders) runs exactly one silo: " +
        "a second silo would make the first a single point of failure and a silo's death would lose every reminder and " +
        "part of the grain state. For several silos start every silo with --redis host:port (see deploy/README.md).";

    /// <summary>Errors that stop the silo before it starts (empty when it may start).</summary>
    public static IReadOnlyList<string> Check(SiloHostOptions host)
    {
        var errors = new List<string>();
        if (!string.IsNullOrWhiteSpace(host.Primary))
        {
            errors.Add(host.Durable
                ? $"--primary {host.Primary}: not needed with --redis (silos find each other in Redis); leave it out."
                : $"--primary {host.Primary}: refused. {Explanation}");
        }

        foreach (var (name, port) in new[] { ("--silo-port", host.SiloPort), ("--gateway-port", host.GatewayPort), ("--port", host.Port) })
        {
            if (port is < 1 or > 65535)
            {
                errors.Add($"{name} must be between 1 and 65535.");
            }
            else if (InUse(port))
            {
                errors.Add(host.Durable
                    ? $"{name} {port} is already in use on this machine: give each silo of the cluster its own --port, --silo-port and --gateway-port."
                    : $"{name} {port} is already in use on this machine (another emulator silo?). {Explanation} " +
                      "To run a second, independent emulator, give it other --port, --silo-port and --gateway-port values.");
            }
        }

        return errors;
    }

    private static bool InUse(int port)
    {
        try
        {
            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            listener.Stop();
            return false;
        }
        catch (SocketException)
        {
            return true;
        }
    }
}
