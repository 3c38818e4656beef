using System.Diagnostics;

namespace Emulator.Tests.Wire;

/// <summary>
/// A real silo process (the built Emulator.Silo.dll) on free loopback ports at 600x, for wire tests with the real
/// AWS CLI. Killed (with its children) at the end.
/// </summary>
public class SiloProcessFixture : IAsyncLifetime
{
    private Process? _process;

    public int Port { get; private set; }

    /// <summary>The Orleans gateway, for tests that drive the silo with the client's scenario and experiment runners.</summary>
    public int GatewayPort { get; private set; }

    /// <summary>Emulated seconds per wall second of this silo.</summary>
    protected virtual double TimeScale => 600;

    public string Endpoint => $"http://127.0.0.1:{Port}";

    /// <summary>
    /// The load balancer data-plane ports of this silo (issue 17): a range of its own, so load balancers of silos started
    /// side by side (other fixtures, a developer's emulator) never meet on one port.
    /// </summary>
    public string DataPlanePorts { get; } = PortRange();

    private static string PortRange()
    {
        var start = 20000 + (Environment.ProcessId % 200 * 50) + Random.Shared.Next(0, 50) * 10;
        return string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{start}-{start + 9}");
    }

    public async Task InitializeAsync()
    {
        var dll = MultiSilo.SiloProcesses.SiloDll();
        Port = MultiSilo.SiloProcesses.FreePort();
        GatewayPort = MultiSilo.SiloProcesses.FreePort();
        var info = new ProcessStartInfo("dotnet")
        {
            ArgumentList = { dll, "--port", Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--silo-port", MultiSilo.SiloProcesses.FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture),
                "--gateway-port", GatewayPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
                "--time-scale", TimeScale.ToString(System.Globalization.CultureInfo.InvariantCulture), "--metrics-export-seconds", "0",
                "--lb-ports", DataPlanePorts },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        _process = Process.Start(info)!;
        _process.OutputDataReceived += (_, _) => { };
        _process.ErrorDataReceived += (_, _) => { };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        using var http = new HttpClient();
        var sw = Stopwatch.StartNew();
        while (sw.Elapsed < TimeSpan.FromSeconds(120))
        {
            try
            {
                if ((await http.GetAsync(Endpoint + "/emulator/health")).IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // not listening yet
            }

            Assert.False(_process.HasExited, "the silo process exited during start-up");
            await Task.Delay(200);
        }

        Assert.Fail("the silo did not answer /emulator/health within 120 s");
    }

    public Task DisposeAsync()
    {
        if (_process is { HasExited: false })
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(10_000);
        }

        _process?.Dispose();
        return Task.CompletedTask;
    }
}

[CollectionDefinition(Name)]
public sealed class WireCollection : ICollectionFixture<SiloProcessFixture>
{
    public const string Name = "wire";
}
