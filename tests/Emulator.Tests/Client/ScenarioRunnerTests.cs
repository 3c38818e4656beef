using Emulator.Client.Scenarios;
using Emulator.Tests.EndToEnd;
using Spectre.Console.Testing;

namespace Emulator.Tests.Client;

/// <summary>The shipped scenario files run through the client's runner against the in-process cluster.</summary>
[Collection(EmulatorCollection.Name)]
public sealed class ScenarioRunnerTests(EmulatorClusterFixture fixture)
{
    private async Task<(int Exit, string Output)> Run(string file)
    {
        var console = new TestConsole();
        console.Profile.Width = 200;
        var scenario = file.Contains('\n', StringComparison.Ordinal)
            ? ScenarioParser.Parse(file, EmulatorClusterFixture.Unique("-s"))
            : ScenarioParser.Parse(await File.ReadAllTextAsync(Path.Combine(ScenarioParserTests.RepoRoot(), "scenarios", file)), EmulatorClusterFixture.Unique("-s"));
        var exit = await new ScenarioRunner(fixture.Grains, console, EmulatorClusterFixture.Pause).RunAsync(scenario, CancellationToken.None);
        return (exit, console.Output);
    }

    [Theory]
    [InlineData("scale-from-zero.yaml")]
    [InlineData("fargate-split.yaml")]
    [InlineData("seed-talk-walkthrough.yaml")]
    [InlineData("workshop-capacity-providers.yaml")]
    [InlineData("rolling-update.yaml")]
    [InlineData("deploy-needs-capacity.yaml")]
    [InlineData("service-auto-scaling.yaml")]
    [InlineData("canary-with-hooks.yaml")]
    public async Task Shipped_scenario_passes(string file)
    {
        var (exit, output) = await Run(file);
        Assert.True(exit == 0, output);
        Assert.Contains("PASSED", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task B_DP_1_deployment_that_needs_capacity_prints_its_timeline()
    {
        var (exit, output) = await Run("deploy-needs-capacity.yaml");
        Assert.True(exit == 0, output);
        var lines = output.Split('\n');
        int At(string text) => Array.FindIndex(lines, l => l.Contains(text, StringComparison.Ordinal));
        var started = At("deployment ecs-svc/"); // the updateService step's line
        var queued = At("4 task(s) PROVISIONING");
        var cas = At("CPR 200");
        var completed = Array.FindLastIndex(lines, l => l.Contains("SERVICE_DEPLOYMENT_COMPLETED", StringComparison.Ordinal));
        Assert.True(started >= 0 && queued > started && cas > queued && completed > cas, output);
    }

    [Fact]
    public async Task Seed_walkthrough_timeline_shows_CAS_and_instances()
    {
        var (exit, output) = await Run("seed-talk-walkthrough.yaml");
        Assert.True(exit == 0, output);
        Assert.Contains("CPR 133.333", output, StringComparison.Ordinal);
        Assert.Contains("in service in walk-asg", output, StringComparison.Ordinal);
        Assert.Contains("terminated from walk-asg", output, StringComparison.Ordinal);
        Assert.Contains("task(s) PROVISIONING", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Failing_assertion_exits_1_and_says_why()
    {
        var (exit, output) = await Run("""
            name: impossible
            steps:
              - createCluster: { name: nope }
              - assert: { registeredInstances: 5, cluster: nope }
            """);
        Assert.Equal(1, exit);
        Assert.Contains("expected registeredInstances == 5", output, StringComparison.Ordinal);
    }
}
