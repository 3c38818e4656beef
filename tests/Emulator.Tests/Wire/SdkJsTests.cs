using System.Diagnostics;
using Emulator.Tests.Client;

namespace Emulator.Tests.Wire;

/// <summary>
/// The AWS SDK for JavaScript v3 (@aws-sdk/client-ecs, client-auto-scaling, client-cloudwatch; tests/sdk-js, lockfile
/// committed) against a real silo process (B-W-4): node's built-in test runner runs tests/sdk-js/*.test.mjs with
/// EMULATOR_ENDPOINT pointing at the silo.
/// </summary>
[Collection(WireCollection.Name)]
public sealed class SdkJsTests(SiloProcessFixture silo)
{
    [Fact]
    public async Task Aws_sdk_for_javascript_v3_drives_the_emulator_unchanged()
    {
        var dir = Path.Combine(ScenarioParserTests.RepoRoot(), "tests", "sdk-js");
        Assert.True(Directory.Exists(Path.Combine(dir, "node_modules", "@aws-sdk", "client-ecs")),
            $"the SDK packages are not installed: run `npm ci` in {dir} (test.sh does this for every tests/*/package-lock.json)");
        var info = new ProcessStartInfo("node")
        {
            WorkingDirectory = dir,
            ArgumentList = { "--test" },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.Environment["EMULATOR_ENDPOINT"] = silo.Endpoint;
        info.Environment["AWS_ACCESS_KEY_ID"] = "x";
        info.Environment["AWS_SECRET_ACCESS_KEY"] = "x";
        info.Environment["AWS_REGION"] = "us-east-1";
        Process p;
        try
        {
            p = Process.Start(info)!;
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            Assert.Fail("node is not installed (test.sh installs Debian's nodejs): " + e.Message);
            return;
        }

        using (p)
        {
            var stdout = p.StandardOutput.ReadToEndAsync();
            var stderr = p.StandardError.ReadToEndAsync();
            using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(10));
            try
            {
                await p.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                p.Kill(entireProcessTree: true);
                Assert.Fail($"node --test did not finish within 10 minutes:{Environment.NewLine}{await stdout}{Environment.NewLine}{await stderr}");
            }

            var output = await stdout;
            Assert.True(p.ExitCode == 0, $"node --test in tests/sdk-js failed (exit {p.ExitCode}):{Environment.NewLine}{output}{Environment.NewLine}{await stderr}");
            Assert.Contains("# fail 0", output, StringComparison.Ordinal);
            Assert.DoesNotContain("# pass 0", output, StringComparison.Ordinal);
        }
    }
}
