using Emulator.Contracts;
using Emulator.Client;
using Emulator.Tests.EndToEnd;
using Spectre.Console.Testing;

namespace Emulator.Tests.Client;

/// <summary>
/// <c>client load-test</c> (issue 5) through the client's code against the in-process cluster: a small run with a
/// load profile over time, its report, and the cluster left exactly as the profile's last step asked.
/// </summary>
[Collection(EmulatorCollection.Name)]
public sealed class LoadTestTests(EmulatorClusterFixture fixture)
{
    [Fact]
    public void A_profile_is_tasks_at_increasing_emulated_offsets_and_bad_text_is_refused()
    {
        var steps = LoadProfile.Parse("40@0, 5@300.5", out var error);
        Assert.Null(error);
        Assert.Equal(new[] { new LoadStep(TimeSpan.Zero, 40), new LoadStep(TimeSpan.FromSeconds(300.5), 5) }, steps.ToArray());

        foreach (var bad in new[] { "", "40", "x@1", "40@-1", "-3@5", "40@10,20@10", "40@10,20@5" })
        {
            Assert.Empty(LoadProfile.Parse(bad, out var why));
            Assert.NotNull(why);
        }
    }

    [Fact]
    public async Task A_load_test_with_a_profile_scales_out_and_in_and_reports_every_step()
    {
        var console = new TestConsole();
        console.Profile.Width = 200;
        var options = new LoadTestOptions(2, 10, 8, "m5.large", 200, 512, HoldSeconds: 1, BaselineActivations: 200, TimeoutSeconds: 120,
            Profile: LoadProfile.Parse("30@0,4@600", out _));
        var exit = await LoadTest.RunAsync(fixture.Grains, options, console, CancellationToken.None, pause: EmulatorClusterFixture.Pause);

        var output = console.Output;
        Assert.True(exit == 0, output);
        Assert.Contains("tasks placed per second", output);
        Assert.Contains("raw Orleans activations per second", output);
        Assert.Contains("profile step at +0 s: 60 tasks", output);
        Assert.Contains("profile step at +600 s: 8 tasks", output);
        Assert.DoesNotContain("not reached", output);

        // The cluster ends as the last step asked: 2 services x 4 RUNNING tasks, no instance over-committed.
        var cluster = output.Split('\n').Select(l => System.Text.RegularExpressions.Regex.Match(l, @"load-\d{6}")).First(m => m.Success).Value;
        var grain = fixture.Grains.GetGrain<IClusterGrain>(GrainKeys.Cluster(cluster));
        var info = (await grain.Describe())!;
        Assert.Equal(8, info.RunningTasksCount);
        Assert.Equal(0, info.PendingTasksCount);
        Assert.Empty((await grain.CheckInvariants()).Violations);

        // Issue 18: the test cluster has two silos; the report reads both and says where the cluster grain ran, and it
        // ends with the invariant checker.
        Assert.Contains("2 active: silo 1", output);
        Assert.Contains($"cluster grain {cluster} on silo ", output);
        Assert.Contains("on silo 1 alone", output);
        Assert.Contains("on silo 2 alone", output);
        Assert.Contains($"invariants hold (over-commit, counters, cost ledger, task counts, PROVISIONING queue, index) in {cluster}", output);
    }

    [Fact]
    public async Task Repeated_runs_each_get_a_cluster_of_their_own_and_end_with_the_median_and_range()
    {
        var console = new TestConsole();
        console.Profile.Width = 200;
        var name = EmulatorClusterFixture.Unique("rep");
        var options = new LoadTestOptions(2, 5, 4, "m5.large", 200, 512, HoldSeconds: 1, BaselineActivations: 200, TimeoutSeconds: 120, Repeat: 2, Cluster: name);
        var exit = await LoadTest.RunAsync(fixture.Grains, options, console, CancellationToken.None, pause: EmulatorClusterFixture.Pause);

        var output = console.Output;
        Assert.True(exit == 0, output);
        Assert.Contains($"run 1 of 2 (cluster {name}-r1)", output);
        Assert.Contains($"run 2 of 2 (cluster {name}-r2)", output);
        Assert.Contains("2 runs of 10 tasks / 2 services / 4 m5.large", output);
        Assert.Contains("median (min–max, 2 runs)", output);
        Assert.Contains("runs that failed", output);

        // The first run's cluster was deleted before the second run; the second stays for inspection.
        Assert.Null(await fixture.Grains.GetGrain<IClusterGrain>(GrainKeys.Cluster(name + "-r1")).Describe());
        Assert.Equal(10, (await fixture.Grains.GetGrain<IClusterGrain>(GrainKeys.Cluster(name + "-r2")).Describe())!.RunningTasksCount);
    }

    [Fact]
    public async Task Silo_pinned_grains_run_on_the_silo_their_key_names_and_refuse_a_silo_that_is_not_active()
    {
        var hosts = await fixture.Grains.GetGrain<IManagementGrain>(0).GetHosts(onlyActive: true);
        Assert.Equal(2, hosts.Count);
        foreach (var silo in hosts.Keys.Select(h => h.ToParsableString()))
        {
            var read = await fixture.Grains.GetGrain<ISiloDiagnosticsGrain>(GrainKeys.PinnedToSilo(silo)).Read(collect: false, resetLag: false);
            Assert.Equal(silo, read.SiloAddress);

            var probe = fixture.Grains.GetGrain<IPinnedProbeGrain>(GrainKeys.PinnedToSilo(silo, EmulatorClusterFixture.Unique("probe")));
            await probe.Touch();
            var stats = await fixture.Grains.GetGrain<IManagementGrain>(0).GetDetailedGrainStatistics();
            Assert.Equal(silo, stats.Single(s => s.GrainId.Equals(probe.GetGrainId())).SiloAddress.ToParsableString());
            await probe.Deactivate();
        }

        var gone = hosts.Keys.First().ToParsableString().Replace("@", "@1", StringComparison.Ordinal); // same endpoint, another generation
        await Assert.ThrowsAnyAsync<Exception>(() => fixture.Grains.GetGrain<ISiloDiagnosticsGrain>(GrainKeys.PinnedToSilo(gone)).Read(false, false));
    }
}
