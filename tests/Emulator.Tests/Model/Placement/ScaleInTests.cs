using Emulator.Contracts;
using Emulator.Model.Placement;
using static Emulator.Tests.Model.Placement.TestInstances;

namespace Emulator.Tests.Model.Placement;

/// <summary>B-PL-2 reverse: which tasks the scheduler stops on scale-in.</summary>
public sealed class ScaleInTests
{
    private static StopCandidate Running(string id, ContainerInstanceRecord instance, string group = "service:web") =>
        new(id, group, Placed: true, Running: true, instance);

    private static string[] Choose(IReadOnlyList<StopCandidate> candidates, int count, int seed = 1, params Emulator.Contracts.PlacementStrategy[] strategies) =>
        [.. PlacementEngine.ChooseTasksToStop(candidates, count, [.. strategies], new Random(seed))];

    [Fact]
    public void B_PL_2_scale_in_stops_queued_then_not_running_tasks_first()
    {
        var a = Make("a");
        StopCandidate[] candidates =
        [
            Running("t1", a),
            new("t2", "service:web", Placed: false, Running: false, null),
            new("t3", "service:web", Placed: true, Running: false, a),
            new("t4", "service:web", Placed: false, Running: false, null),
            Running("t5", a),
        ];
        Assert.Equal(["t2"], Choose(candidates, 1));
        Assert.Equal(["t2", "t4"], Choose(candidates, 2));
        Assert.Equal(["t2", "t4", "t3"], Choose(candidates, 3));
        var four = Choose(candidates, 4);
        Assert.Equal(["t2", "t4", "t3"], four.Take(3));
        Assert.Contains(four[3], new[] { "t1", "t5" });
    }

    [Theory]
    [InlineData("memory")]
    [InlineData("cpu")]
    public void B_PL_2_scale_in_binpack_stops_on_the_instance_with_most_remaining(string field)
    {
        // Remaining: tight < middle < roomy in both CPU and memory.
        var tight = Make("tight", used: new ResourceSet(1536, 6000, 0, 0));
        var roomy = Make("roomy", used: new ResourceSet(512, 1000, 0, 0));
        var middle = Make("middle", used: new ResourceSet(1024, 3000, 0, 0));
        StopCandidate[] candidates =
        [
            Running("t1", tight), Running("t2", tight),
            Running("r1", roomy), Running("r2", roomy),
            Running("m1", middle), Running("m2", middle),
        ];
        var stopped = Choose(candidates, 3, 1, Binpack(field));
        Assert.Equal(["r1", "r2"], stopped.Take(2).Order());
        Assert.StartsWith("m", stopped[2], StringComparison.Ordinal);
    }

    [Fact]
    public void B_PL_2_scale_in_binpack_keeps_emptying_the_instance_it_started_on()
    {
        var a = Make("a");
        var b = Make("b");
        StopCandidate[] candidates = [Running("a1", a), Running("b1", b), Running("a2", a), Running("b2", b), Running("a3", a)];
        for (var seed = 0; seed < 10; seed++)
        {
            var stopped = Choose(candidates, 2, seed, Binpack("memory"));
            Assert.Equal(stopped[0][0], stopped[1][0]);
        }
    }

    [Theory]
    [InlineData("instanceId")]
    [InlineData("host")]
    public void B_PL_2_scale_in_spread_instance_keeps_the_balance(string field)
    {
        var a = Make("a");
        var b = Make("b");
        var c = Make("c");
        StopCandidate[] candidates =
        [
            Running("a1", a), Running("a2", a), Running("a3", a),
            Running("b1", b),
            Running("c1", c), Running("c2", c),
        ];
        var stopped = Choose(candidates, 3, 1, Spread(field));
        Assert.StartsWith("a", stopped[0], StringComparison.Ordinal);
        var left = candidates.Select(t => t.TaskId).Except(stopped).GroupBy(id => id[0]).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(new Dictionary<char, int> { ['a'] = 1, ['b'] = 1, ['c'] = 1 }, left);
    }

    [Fact]
    public void B_PL_2_scale_in_spread_counts_each_group_on_its_own()
    {
        var a = Make("a");
        var b = Make("b");
        StopCandidate[] candidates =
        [
            Running("a-web", a, "service:web"), Running("a-x1", a, "service:x"), Running("a-x2", a, "service:x"),
            Running("b-web1", b, "service:web"), Running("b-web2", b, "service:web"),
        ];
        // The biggest cell is (a, service:x) and (b, service:web), both 2; never a-web (1).
        for (var seed = 0; seed < 10; seed++)
        {
            Assert.NotEqual("a-web", Choose(candidates, 1, seed, Spread("instanceId"))[0]);
        }
    }

    [Fact]
    public void B_PL_2_scale_in_default_strategies_balance_zones_then_instances()
    {
        var a1 = Make("a1", az: "us-east-1a");
        var a2 = Make("a2", az: "us-east-1a");
        var b1 = Make("b1", az: "us-east-1b");
        StopCandidate[] candidates =
        [
            Running("a1-1", a1), Running("a1-2", a1), Running("a1-3", a1),
            Running("a2-1", a2),
            Running("b1-1", b1), Running("b1-2", b1),
        ];
        // Zone a has 4, zone b 2: stop 2 from zone a, both from a1 (3 vs 1).
        var stopped = Choose(candidates, 2, 1, [.. PlacementDefaults.ForService]);
        Assert.All(stopped, id => Assert.StartsWith("a1-", id, StringComparison.Ordinal));
    }

    [Fact]
    public void B_PL_2_scale_in_spread_attribute_missing_value_is_its_own_bucket()
    {
        var blue = Make("blue", attributes: [Kv("color", "blue")]);
        var plain1 = Make("plain1");
        var plain2 = Make("plain2");
        StopCandidate[] candidates = [Running("blue-1", blue), Running("blue-2", blue), Running("p1", plain1), Running("p2", plain2), Running("p3", plain2)];
        // "missing" has 3 tasks, blue 2.
        Assert.StartsWith("p", Choose(candidates, 1, 1, Spread("attribute:color"))[0], StringComparison.Ordinal);
    }

    [Fact]
    public void B_PL_2_scale_in_random_is_deterministic_per_seed()
    {
        var instances = Enumerable.Range(0, 5).Select(i => Make("i" + i)).ToArray();
        var candidates = Enumerable.Range(0, 40).Select(i => Running("t" + i, instances[i % 5])).ToArray();
        Assert.Equal(Choose(candidates, 10, 5, RandomStrategy()), Choose(candidates, 10, 5, RandomStrategy()));
        Assert.Equal(Choose(candidates, 10, 5), Choose(candidates, 10, 5));
        Assert.NotEqual(Choose(candidates, 10, 5), Choose(candidates, 10, 6));
        Assert.Equal(10, Choose(candidates, 10, 5).Distinct().Count());
    }

    [Fact]
    public void B_PL_2_scale_in_count_beyond_candidates_stops_them_all()
    {
        var a = Make("a");
        StopCandidate[] candidates = [Running("t1", a), Running("t2", a)];
        Assert.Equal(["t1", "t2"], Choose(candidates, 5).Order());
        Assert.Empty(Choose(candidates, 0));
        Assert.Empty(Choose([], 3));
    }
}
