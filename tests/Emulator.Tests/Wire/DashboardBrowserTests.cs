using System.Diagnostics;
using Emulator.Client;
using Emulator.Client.Chaos;
using Emulator.Client.Scenarios;
using Emulator.Tests.Client;
using Emulator.Tests.EndToEnd;
using Spectre.Console.Testing;

namespace Emulator.Tests.Wire;

/// <summary>
/// A silo process for the dashboard's browser tests at 30x: the seed walk-through's CPR 133.3 lasts about four
/// emulated minutes, eight wall seconds here, which the page (one update per wall second) shows even on a busy
/// machine; the other stories (the workshop's 40 tasks, a Spot experiment) take tens of wall seconds at this scale.
/// </summary>
public sealed class DashboardSiloFixture : SiloProcessFixture
{
    protected override double TimeScale => 30;
}

/// <summary>
/// The browser tests (a silo, Chromium, the story) and the durable-mode check (Redis, two silos) run on their own,
/// after the parallel collections, so they neither starve nor starve the other wire tests on two cores.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class DashboardCollection : ICollectionFixture<DashboardSiloFixture>
{
    public const string Name = "dashboard";
}

/// <summary>
/// The web dashboard (issue 15) in Debian's headless Chromium driven by playwright-core (tests/ui, lockfile committed;
/// test.sh runs `npm ci` there and installs Chromium), against a real silo process, while the client's scenario and
/// experiment runners play the stories through the silo's Orleans gateway. Each test runs one tests/ui/*.test.mjs
/// with node's test runner; the script asserts on the page and this test on the script's result and the story's.
/// </summary>
[Collection(DashboardCollection.Name)]
public sealed class DashboardBrowserTests(DashboardSiloFixture silo)
{
    /// <summary>Set to 1 to write the workshop screenshot to docs/dashboard-workshop.png (the picture the README shows).</summary>
    public const string UpdateScreenshotVariable = "EMULATOR_UPDATE_SCREENSHOT";

    private static string UiDir => Path.Combine(ScenarioParserTests.RepoRoot(), "tests", "ui");

    [Fact]
    public async Task Seed_walkthrough_plays_and_the_page_shows_CPR_133_3_then_4_instances()
    {
        var suffix = EmulatorClusterFixture.Unique("-ui");
        var scenario = ScenarioParser.Parse(await File.ReadAllTextAsync(Scenario("seed-talk-walkthrough.yaml")), suffix);
        await RunWithStory("walkthrough.test.mjs", new() { ["CLUSTER"] = "walk" + suffix, ["PROVIDER"] = "walk-cp" + suffix },
            (grains, console, ct) => new ScenarioRunner(grains, console).RunAsync(scenario, ct), storyMustFinish: true);
    }

    [Fact]
    public async Task Clicking_an_instance_shows_its_tasks()
    {
        var suffix = EmulatorClusterFixture.Unique("-ui");
        var scenario = ScenarioParser.Parse("""
            name: dashboard click
            steps:
              - createCluster: { name: click }
              - createAutoScalingGroup: { name: click-asg, cluster: click, instanceTypes: [m5.large], min: 0, max: 4, desired: 2 }
              - createCapacityProvider: { name: click-cp, autoScalingGroup: click-asg, targetCapacity: 100 }
              - putClusterCapacityProviders: { cluster: click, providers: [click-cp], defaultStrategy: [{ capacityProvider: click-cp, weight: 1 }] }
              - registerTaskDefinition: { family: click-web, cpu: 256, memory: 512 }
              - createService: { cluster: click, name: web, taskDefinition: click-web, desiredCount: 11, placementStrategy: [{ type: binpack, field: cpu }] }
              - waitFor: { runningTasks: 11, cluster: click, timeout: 15m }
            """, suffix);
        await RunWithStory("instance-click.test.mjs", new() { ["CLUSTER"] = "click" + suffix, ["TASKS"] = "11", ["SERVICE"] = "web" + suffix },
            (grains, console, ct) => new ScenarioRunner(grains, console).RunAsync(scenario, ct), storyMustFinish: true);
    }

    [Fact]
    public async Task Event_stream_shows_a_Spot_interruption_warning_during_an_experiment()
    {
        var suffix = EmulatorClusterFixture.Unique("-ui");
        var file = Path.Combine(ScenarioParserTests.RepoRoot(), "experiments", "workshop-spot-draining.yaml");
        var experiment = ExperimentParser.Parse(await File.ReadAllTextAsync(file), null, file, suffix);
        Assert.NotNull(experiment.Cluster);

        // The experiment runs on for its observation time after the warning; the test stops it once the page showed it.
        await RunWithStory("spot-events.test.mjs", new() { ["CLUSTER"] = experiment.Cluster! },
            async (grains, console, ct) => (await new ExperimentRunner(grains, console).RunAsync(experiment, ct)).ExitCode, storyMustFinish: false);
    }

    [Fact]
    public async Task Workshop_cluster_9_on_demand_31_spot_is_drawn_and_captured()
    {
        var suffix = EmulatorClusterFixture.Unique("-ui");
        var scenario = ScenarioParser.Parse(await File.ReadAllTextAsync(Scenario("workshop-capacity-providers.yaml")), suffix);
        var update = Environment.GetEnvironmentVariable(UpdateScreenshotVariable) == "1";
        var screenshot = update
            ? Path.Combine(ScenarioParserTests.RepoRoot(), "docs", "dashboard-workshop.png")
            : Path.Combine(Path.GetTempPath(), $"dashboard-workshop-{Guid.NewGuid():N}.png");
        try
        {
            await RunWithStory("workshop-screenshot.test.mjs", new()
            {
                ["CLUSTER"] = "workshop" + suffix,
                ["OD_PROVIDER"] = "workshop-od-cp" + suffix,
                ["SPOT_PROVIDER"] = "workshop-spot-cp" + suffix,
                ["SCREENSHOT"] = screenshot,
            }, (grains, console, ct) => new ScenarioRunner(grains, console).RunAsync(scenario, ct), storyMustFinish: true);
            Assert.True(new FileInfo(screenshot).Length > 20_000, "the screenshot was written");
        }
        finally
        {
            if (!update)
            {
                File.Delete(screenshot);
            }
        }
    }

    [Fact]
    public async Task Unknown_cluster_url_shows_a_clear_message()
    {
        var (exit, output) = await RunNode("unknown-cluster.test.mjs", new() { ["CLUSTER"] = "no-such-cluster" + EmulatorClusterFixture.Unique("-ui") }, CancellationToken.None);
        Assert.True(exit == 0, output);
    }

    private static string Scenario(string file) => Path.Combine(ScenarioParserTests.RepoRoot(), "scenarios", file);

    /// <summary>
    /// Plays a story (a scenario or an experiment through the silo's gateway) while the browser script watches the
    /// page. A story that fails stops the script at once; one still running when the script is done is cancelled unless
    /// it must finish (then its result is asserted too).
    /// </summary>
    private async Task RunWithStory(string script, Dictionary<string, string> env, Func<IGrainFactory, TestConsole, CancellationToken, Task<int>> story, bool storyMustFinish)
    {
        await using var connection = await EmulatorConnection.ConnectAsync(silo.GatewayPort, CancellationToken.None);
        var console = new TestConsole();
        console.Profile.Width = 200;
        using var stopStory = new CancellationTokenSource(TimeSpan.FromMinutes(15));
        using var stopNode = new CancellationTokenSource();
        var node = RunNode(script, env, stopNode.Token);
        var play = Task.Run(() => story(connection.Grains, console, stopStory.Token));

        if (await Task.WhenAny(node, play) == play && (play.IsFaulted || play.Result != 0))
        {
            await stopNode.CancelAsync();
            var (_, partial) = await node;
            Assert.Fail($"the story failed before the page was checked ({(play.IsFaulted ? play.Exception!.GetBaseException().Message : "exit " + play.Result)}):{Environment.NewLine}{console.Output}{Environment.NewLine}{partial}");
        }

        var (exit, output) = await node;
        if (!storyMustFinish)
        {
            await stopStory.CancelAsync();
        }

        int storyExit;
        try
        {
            storyExit = await play;
        }
        catch (OperationCanceledException) when (!storyMustFinish)
        {
            storyExit = 0;
        }

        Assert.True(exit == 0, $"{script} failed (exit {exit}):{Environment.NewLine}{output}{Environment.NewLine}story:{Environment.NewLine}{console.Output}");
        Assert.Contains("# fail 0", output, StringComparison.Ordinal);
        Assert.True(storyExit == 0, $"the story failed (exit {storyExit}):{Environment.NewLine}{console.Output}");
    }

    /// <summary>Runs one browser script with node's test runner (TAP output), the silo's address in EMULATOR_ENDPOINT.</summary>
    private async Task<(int Exit, string Output)> RunNode(string script, Dictionary<string, string> env, CancellationToken cancel)
    {
        Assert.True(Directory.Exists(Path.Combine(UiDir, "node_modules", "playwright-core")),
            $"playwright-core is not installed: run `npm ci` in {UiDir} (test.sh does this for every tests/*/package-lock.json)");
        Assert.True(File.Exists("/usr/bin/chromium"), "Debian's chromium is not installed (test.sh installs it)");
        var info = new ProcessStartInfo("node")
        {
            WorkingDirectory = UiDir,
            ArgumentList = { "--test", "--test-reporter=tap", script },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.Environment["EMULATOR_ENDPOINT"] = silo.Endpoint;
        foreach (var (k, v) in env)
        {
            info.Environment[k] = v;
        }

        using var p = Process.Start(info)!;
        var stdout = p.StandardOutput.ReadToEndAsync(CancellationToken.None);
        var stderr = p.StandardError.ReadToEndAsync(CancellationToken.None);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        timeout.CancelAfter(TimeSpan.FromMinutes(12));
        try
        {
            await p.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            p.Kill(entireProcessTree: true);
            await p.WaitForExitAsync(CancellationToken.None);
            return (-1, $"{script} was stopped ({(cancel.IsCancellationRequested ? "the story failed" : "12 minutes passed")}):{Environment.NewLine}{await stdout}{Environment.NewLine}{await stderr}");
        }

        return (p.ExitCode, $"{await stdout}{Environment.NewLine}{await stderr}");
    }
}
