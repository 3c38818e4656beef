using Emulator.Client;
using Emulator.Client.Chaos;
using Emulator.Client.Scenarios;
using Emulator.Contracts;
using Spectre.Console.Testing;

namespace Emulator.Tests.Client;

/// <summary>
/// Issue 18: a load test, a scenario and an experiment end with the emulator's invariant checker, and a violation
/// fails them (exit code 1) with a message naming the invariant, even when every step and every figure looked fine.
/// The violation is planted by the test cluster's grain storage (<see cref="PlantedViolationFixture"/>); the same
/// runs on a cluster without the plant pass, so the failure is the checker's doing.
/// </summary>
[Collection(PlantedViolationCollection.Name)]
public sealed class InvariantFailureTests(PlantedViolationFixture fixture)
{
    private static int _counter;

    private static string Unique(string prefix) => $"{prefix}-{Interlocked.Increment(ref _counter)}";

    private static TestConsole Console()
    {
        var console = new TestConsole();
        console.Profile.Width = 220;
        return console;
    }

    private static LoadTestOptions Small(string cluster) =>
        new(2, 10, 8, "m5.large", 200, 512, HoldSeconds: 1, BaselineActivations: 200, TimeoutSeconds: 120, Cluster: cluster);

    [Fact]
    public async Task A_planted_over_commit_fails_the_load_test_with_exit_code_1_and_names_the_invariant()
    {
        var console = Console();
        var cluster = Unique(PlantingStorage.Prefix + "-load");
        var exit = await LoadTest.RunAsync(fixture.Grains, Small(cluster), console, CancellationToken.None, pause: PlantedViolationFixture.Time.Pause);

        var output = console.Output;
        Assert.True(exit == 1, output);
        Assert.Contains("INVARIANT VIOLATED", output, StringComparison.Ordinal);
        Assert.Contains($"cluster {cluster}: instance", output, StringComparison.Ordinal);
        Assert.Contains("over-committed", output, StringComparison.Ordinal);
        Assert.Contains("NOT MET: invariants violated", output, StringComparison.Ordinal); // the goal line
        Assert.DoesNotContain("goal >= 0.40: met", output, StringComparison.Ordinal);

        // Every task was placed and ran: only the checker saw the inconsistent state.
        var info = (await fixture.Grains.GetGrain<IClusterGrain>(GrainKeys.Cluster(cluster)).Describe())!;
        Assert.Equal(20, info.RunningTasksCount);
    }

    [Fact]
    public async Task The_same_load_test_without_the_plant_passes()
    {
        var console = Console();
        var exit = await LoadTest.RunAsync(fixture.Grains, Small(Unique("clean-load")), console, CancellationToken.None, pause: PlantedViolationFixture.Time.Pause);
        Assert.True(exit == 0, console.Output);
        Assert.Contains("invariants hold", console.Output, StringComparison.Ordinal);
    }

    private static string Scenario(string cluster) => $"""
        name: planted
        steps:
          - createCluster: {"{"} name: {cluster} {"}"}
          - createAutoScalingGroup: {"{"} name: {cluster}-asg, cluster: {cluster}, instanceTypes: [m5.large], min: 0, max: 2, desired: 2 {"}"}
          - waitFor: {"{"} registeredInstances: 2, cluster: {cluster}, timeout: 60m {"}"}
          - assert: {"{"} registeredInstances: 2, cluster: {cluster} {"}"}
        """;

    [Fact]
    public async Task A_planted_over_commit_fails_a_scenario_whose_steps_all_pass()
    {
        var console = Console();
        var cluster = Unique(PlantingStorage.Prefix + "-scn");
        var exit = await new ScenarioRunner(fixture.Grains, console, PlantedViolationFixture.Time.Pause).RunAsync(ScenarioParser.Parse(Scenario(cluster), null), CancellationToken.None);

        var output = console.Output;
        Assert.True(exit == 1, output);
        Assert.Contains($"registeredInstances == 2 (cluster {cluster}) (is 2)", output, StringComparison.Ordinal); // every step passed
        Assert.DoesNotContain("PASSED", output, StringComparison.Ordinal);
        Assert.Contains("FAILED", output, StringComparison.Ordinal);
        Assert.Contains($"invariant violated: cluster {cluster}: instance", output, StringComparison.Ordinal);
        Assert.Contains("over-committed", output, StringComparison.Ordinal);

        var clean = Console();
        Assert.Equal(0, await new ScenarioRunner(fixture.Grains, clean, PlantedViolationFixture.Time.Pause).RunAsync(ScenarioParser.Parse(Scenario(Unique("clean-scn")), null), CancellationToken.None));
        Assert.Contains("invariants hold", clean.Output, StringComparison.Ordinal);
    }

    private static ExperimentFile Experiment(string cluster) => ExperimentParser.Parse($"""
        name: planted-experiment
        cluster: {cluster}
        setup:
          - createCluster: {"{"} name: {cluster} {"}"}
          - createAutoScalingGroup: {"{"} name: {cluster}-asg, cluster: {cluster}, instanceTypes: [m5.large], min: 0, max: 2, desired: 2 {"}"}
          - waitFor: {"{"} registeredInstances: 2, cluster: {cluster}, timeout: 60m {"}"}
          - registerTaskDefinition: {"{"} family: {cluster}-app, cpu: 256, memory: 512 {"}"}
          - createService: {"{"} cluster: {cluster}, name: web, taskDefinition: {cluster}-app, desiredCount: 1 {"}"}
          - waitFor: {"{"} serviceSteady: web, cluster: {cluster}, timeout: 60m {"}"}
        steadyState:
          - serviceAtDesired: web
            within: 5m
        actions:
          pause:
            actionId: "aws:fis:wait"
            parameters: {"{"} duration: PT1M {"}"}
        observeFor: 2m
        sampleEvery: 30s
        """, null, "planted.yaml", null);

    [Fact]
    public async Task A_planted_over_commit_turns_a_passed_experiment_into_invariants_violated()
    {
        var console = Console();
        var cluster = Unique(PlantingStorage.Prefix + "-x");
        var report = await new ExperimentRunner(fixture.Grains, console, PlantedViolationFixture.Time.Pause).RunAsync(Experiment(cluster), CancellationToken.None);

        Assert.True(report.ExitCode == 1, report.ToJson() + console.Output);
        Assert.Equal("invariants-violated", report.Outcome); // whatever the hypothesis said
        Assert.Contains(report.InvariantViolations, v => v.StartsWith($"cluster {cluster}: instance", StringComparison.Ordinal) && v.Contains("over-committed", StringComparison.Ordinal));
        Assert.Contains("over-committed", report.Reason, StringComparison.Ordinal);
        Assert.Contains("INVARIANT VIOLATED", console.Output, StringComparison.Ordinal);

        // Without the plant the checker finds nothing (the hypothesis is timing: on a starved machine it may fail on its own).
        var clean = await new ExperimentRunner(fixture.Grains, Console(), PlantedViolationFixture.Time.Pause).RunAsync(Experiment(Unique("clean-x")), CancellationToken.None);
        Assert.NotEqual("invariants-violated", clean.Outcome);
        Assert.Empty(clean.InvariantViolations);
    }
}
