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
        var exit = await LoadTest.RunAsync(fixture.Grains, options, console, CancellationToken.None, EmulatorClusterFixture.Pause);

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
    }
}
