using System.Diagnostics;
using System.Globalization;

namespace Emulator.Tests.Wire.MultiSilo;

/// <summary>
/// The embedded default (localhost clustering, memory storage, in-memory reminders) refuses multi-silo use before
/// anything starts, with a message that says what would be lost and what to use instead; the running silo is untouched.
/// </summary>
public sealed class EmbeddedRefusalTests
{
    [Fact]
    public async Task A_second_embedded_silo_joining_the_first_is_refused_with_the_reason()
    {
        var http = SiloProcesses.FreePort();
        var siloPort = SiloProcesses.FreePort();
        var gateway = SiloProcesses.FreePort();
        using var first = Start("--port", P(http), "--silo-port", P(siloPort), "--gateway-port", P(gateway));
        await WaitHealthy(http, first);

        // Joining the first silo as a primary: refused.
        var join = await RunToExit("--port", P(SiloProcesses.FreePort()), "--silo-port", P(SiloProcesses.FreePort()), "--gateway-port", P(SiloProcesses.FreePort()),
            "--primary", "127.0.0.1:" + P(siloPort));
        Assert.Equal(2, join.ExitCode);
        Assert.Contains("--primary 127.0.0.1:" + P(siloPort) + ": refused", join.Output, StringComparison.Ordinal);
        Assert.Contains("runs exactly one silo", join.Output, StringComparison.Ordinal);
        Assert.Contains("--redis", join.Output, StringComparison.Ordinal);

        // The same ports as the running silo: refused with the same explanation, not a socket stack trace.
        var same = await RunToExit("--port", P(http), "--silo-port", P(siloPort), "--gateway-port", P(gateway));
        Assert.Equal(2, same.ExitCode);
        Assert.Contains($"--silo-port {siloPort} is already in use", same.Output, StringComparison.Ordinal);
        Assert.Contains("runs exactly one silo", same.Output, StringComparison.Ordinal);

        // The first silo still serves.
        using var client = new HttpClient();
        Assert.Equal("ok", await client.GetStringAsync($"http://127.0.0.1:{http}/emulator/health"));
        first.Kill(entireProcessTree: true);
        await first.WaitForExitAsync();
    }

    [Fact]
    public async Task A_durable_silo_refuses_an_unreachable_redis_with_a_clear_message()
    {
        var result = await RunToExit("--redis", "127.0.0.1:" + P(SiloProcesses.FreePort()), "--port", P(SiloProcesses.FreePort()),
            "--silo-port", P(SiloProcesses.FreePort()), "--gateway-port", P(SiloProcesses.FreePort()));
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("Redis does not answer", result.Output, StringComparison.Ordinal);
    }

    private static string P(int port) => port.ToString(CultureInfo.InvariantCulture);

    private static Process Start(params string[] args)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(SiloProcesses.SiloDll());
        foreach (var a in args.Append("--metrics-export-seconds").Append("0"))
        {
            info.ArgumentList.Add(a);
        }

        var p = Process.Start(info)!;
        p.OutputDataReceived += (_, _) => { };
        p.ErrorDataReceived += (_, _) => { };
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        return p;
    }

    private static async Task<(int ExitCode, string Output)> RunToExit(params string[] args)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(SiloProcesses.SiloDll());
        foreach (var a in args.Append("--metrics-export-seconds").Append("0"))
        {
            info.ArgumentList.Add(a);
        }

        using var p = Process.Start(info)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            await p.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            p.Kill(entireProcessTree: true);
            Assert.Fail("the silo did not refuse: it was still running after 60 s");
        }

        return (p.ExitCode, await stdout + await stderr);
    }

    private static async Task WaitHealthy(int port, Process process)
    {
        using var http = new HttpClient();
        var sw = Stopwatch.StartNew();
        while (sw.Elapsed < TimeSpan.FromSeconds(60))
        {
            try
            {
                if ((await http.GetAsync($"http://127.0.0.1:{port}/emulator/health")).IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // not yet
            }

            Assert.False(process.HasExited, "the first silo exited during start-up");
            await Task.Delay(200);
        }

        Assert.Fail("the first silo did not start");
    }
}
