using Emulator.Client;
using Emulator.Client.Scenarios;
using Emulator.Tests.EndToEnd;
using Spectre.Console.Testing;

namespace Emulator.Tests.Client;

/// <summary>
/// `client deployments` on a canary with hooks (B-DP-6, B-DP-7), driven by the shipped scenario canary-with-hooks.yaml on
/// the emulated clock: paused at its PAUSE hook the view shows the stage, the weights, the hook AWAITING_ACTION and the
/// commands that answer it; followed through the canary it shows 10 % on green, step 1 of 2 and the countdown to the
/// next step; at the end the result.
/// </summary>
[Collection(EmulatorCollection.Name)]
public sealed class DeploymentsViewTests(EmulatorClusterFixture fixture)
{
    [Fact]
    public async Task B_DP_6_B_DP_7_client_deployments_shows_stage_weights_steps_countdown_and_the_hook_to_answer()
    {
        var scenario = ScenarioParser.Parse(
            await File.ReadAllTextAsync(Path.Combine(ScenarioParserTests.RepoRoot(), "scenarios", "canary-with-hooks.yaml")), EmulatorClusterFixture.Unique("-v"));
        var steps = scenario.Steps;
        var paused = Index(steps, s => s.Kind == "waitFor" && s.Has("hookStatus"));
        var canary = Index(steps, s => s.Kind == "waitFor" && s.Opt("greenTrafficPercent") == "10");
        var cluster = steps[0].Str("name");
        var service = steps.First(s => s.Kind == "createService").Str("name");
        var runner = new ScenarioRunner(fixture.Grains, new TestConsole(), EmulatorClusterFixture.Pause);

        // Up to the PAUSE hook after SCALE_UP: the deployment waits with all traffic on blue.
        await Steps(runner, steps.Take(paused + 1));
        var atHook = await Follow(cluster, service, iterations: 3);
        Assert.Contains("POST_SCALE_UP", atHook, StringComparison.Ordinal);
        Assert.Contains("CANARY", atHook, StringComparison.Ordinal);
        Assert.Contains("production blue 100 % / green 0 %", atHook, StringComparison.Ordinal);
        Assert.Contains("AWAITING_ACTION", atHook, StringComparison.Ordinal);
        Assert.Contains($"client continue-deployment --cluster {cluster} --service {service} --hook-id ", atHook, StringComparison.Ordinal);
        Assert.Contains($"aws ecs continue-service-deployment --service-deployment-arn arn:aws:ecs:", atHook, StringComparison.Ordinal);
        Assert.Contains("hook timeout in ", atHook, StringComparison.Ordinal);

        // Continued: test traffic on green, the Lambda hook, then the canary: 10 % on green, step 1 of 2, the bake counting down.
        await Steps(runner, steps.Skip(paused + 1).Take(canary - paused));
        var atCanary = await Follow(cluster, service, iterations: 3);
        Assert.Contains("PRODUCTION_TRAFFIC_SHIFT", atCanary, StringComparison.Ordinal);
        Assert.Contains("production blue 90 % / green 10 %", atCanary, StringComparison.Ordinal);
        Assert.Contains("test blue 0 % / green 100 %", atCanary, StringComparison.Ordinal);
        Assert.Contains("step 1 of 2", atCanary, StringComparison.Ordinal);
        Assert.Contains("next traffic step in ", atCanary, StringComparison.Ordinal);

        // The rest: SUCCESSFUL, all production traffic on green; the summary says so.
        await Steps(runner, steps.Skip(canary + 1));
        var console = new TestConsole();
        console.Profile.Width = 250;
        Assert.Equal(0, await new DeploymentsView(fixture.Grains, console, EmulatorClusterFixture.Pause).RunAsync(cluster, service, false, CancellationToken.None));
        var end = console.Output;
        Assert.Contains("SUCCEEDED", end, StringComparison.Ordinal);
        Assert.Contains("blue 0 % / green 100 %", end, StringComparison.Ordinal);
        Assert.Contains("2 of 2", end, StringComparison.Ordinal);
    }

    private static int Index(IReadOnlyList<ScenarioStep> steps, Func<ScenarioStep, bool> match)
    {
        for (var i = 0; i < steps.Count; i++)
        {
            if (match(steps[i]))
            {
                return i;
            }
        }

        throw new InvalidOperationException("step not found");
    }

    private static async Task Steps(ScenarioRunner runner, IEnumerable<ScenarioStep> steps)
    {
        var (failures, _) = await runner.RunStepsAsync([.. steps], CancellationToken.None);
        Assert.True(failures.Count == 0, string.Join(Environment.NewLine, failures));
    }

    /// <summary>`client deployments --follow` for a few of its polls (each lets a wall second of emulated time pass).</summary>
    private async Task<string> Follow(string cluster, string service, int iterations)
    {
        var console = new TestConsole();
        console.Profile.Width = 250;
        using var stop = new CancellationTokenSource();
        var polls = 0;
        Pause pause = async (wall, ct) =>
        {
            if (++polls >= iterations)
            {
                await stop.CancelAsync();
            }

            await EmulatorClusterFixture.Pause(wall, ct);
        };
        Assert.Equal(0, await new DeploymentsView(fixture.Grains, console, pause).RunAsync(cluster, service, true, stop.Token));
        return console.Output;
    }
}
