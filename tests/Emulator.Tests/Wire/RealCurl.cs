using System.Diagnostics;
using System.Globalization;
using System.Text.Json;

namespace Emulator.Tests.Wire;

/// <summary>The real curl (Debian's; test.sh installs it) against a load balancer's data plane, as the workshop runs it.</summary>
public static class RealCurl
{
    /// <summary>Real curl (it resolves <c>*.localhost</c> to loopback itself): status (0 when nothing answers) and body.</summary>
    public static async Task<(int Status, string Body, JsonElement Json)> Get(string url)
    {
        var info = new ProcessStartInfo("curl") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { "-s", "--max-time", "10", "-w", "\n%{http_code}", url })
        {
            info.ArgumentList.Add(a);
        }

        using var p = Process.Start(info)!;
        var output = await p.StandardOutput.ReadToEndAsync();
        await p.WaitForExitAsync();
        var cut = output.LastIndexOf('\n');
        var status = int.Parse(output[(cut + 1)..], CultureInfo.InvariantCulture);
        var body = output[..Math.Max(0, cut)];
        var json = status == 200 && body.StartsWith('{') ? JsonDocument.Parse(body).RootElement : default;
        return (status, body, json);
    }
}
