using System.Diagnostics;
using Emulator.Tests.Client;

namespace Emulator.Tests.Wire;

/// <summary>
/// The AWS SDK for JavaScript v3 (@aws-sdk/client-ecs, client-auto-scaling, client-cloudwatch, client-elastic-load-balancing-v2;
/// tests/sdk-js, lockfile committed) against a real silo process (B-W-4): node's built-in test runner runs
/// tests/sdk-js/*.test.mjs with EMULATOR_ENDPOINT pointing at the silo. The blue/green file runs against a silo of its
/// own (<see cref="BlueGreenSdkJsTests"/>).
/// </summary>
[Collection(WireCollection.Name)]
public sealed class SdkJsTests(SiloProcessFixture silo)
{
    [Fact]
    public async Task Aws_sdk_for_javascript_v3_drives_the_emulator_unchanged()
    {
        var files = Directory.GetFiles(NodeTests.Dir(), "*.test.mjs").Select(f => Path.GetFileName(f)!).Where(f => !NodeTests.OwnSilo.Contains(f)).Order(StringComparer.Ordinal).ToList();
        await NodeTests.Run(silo.Endpoint, files);
    }
}

/// <summary>node's test runner over tests/sdk-js.</summary>
internal static class NodeTests
{
    /// <summary>Test files that need a silo of their own (a lower time scale), run by their own test classes.</summary>
    public static readonly string[] OwnSilo = ["bluegreen.test.mjs"];

    public static string Dir() => Path.Combine(ScenarioParserTests.RepoRoot(), "tests", "sdk-js");

    /// <summary>Runs <c>node --test FILES</c> in tests/sdk-js against the endpoint; fails with node's output unless every test passed.</summary>
    public static async Task Run(string endpoint, IReadOnlyList<string> files)
    {
        var dir = Dir();
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
        foreach (var file in files)
        {
            info.ArgumentList.Add(file);
        }

        info.Environment["EMULATOR_ENDPOINT"] = endpoint;
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

/// <summary>A silo at 20x: a one-minute canary step lasts three wall seconds, long enough to watch the listener rule's weights.</summary>
public sealed class BlueGreenSiloFixture : SiloProcessFixture
{
    protected override double TimeScale => 20;
}

/// <summary>
/// B-DP-6 / B-DP-7 through the newest JavaScript SDK (tests/sdk-js/bluegreen.test.mjs) on a silo of its own at 20x: bad
/// settings refused, settings round trips, ContinueServiceDeployment's errors, and a CANARY deployment paused by a PAUSE
/// hook, continued (the production rule's weights 90/10, then all on green) and a second one rolled back by the hook's answer;
/// a Lambda hook answering from the outcome set at /emulator/lambda-hooks (IN_PROGRESS, then FAILED: rolled back).
/// </summary>
public sealed class BlueGreenSdkJsTests(BlueGreenSiloFixture silo) : IClassFixture<BlueGreenSiloFixture>
{
    [Fact]
    public Task B_DP_6_B_DP_7_blue_green_canary_and_lifecycle_hooks_through_the_javascript_sdk() =>
        NodeTests.Run(silo.Endpoint, NodeTests.OwnSilo);
}
