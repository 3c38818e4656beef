using Emulator.Contracts;
using PlacementStrategy = Emulator.Contracts.PlacementStrategy;
using Emulator.Model.Placement;
using static Emulator.Tests.Model.Placement.TestInstances;

namespace Emulator.Tests.Model.Placement;

/// <summary>
/// B-PL-2, B-PL-7: the placement index (MinKeyTree per cell of spread-attribute values) chooses exactly what the
/// scan over every instance chooses, with the same draws from the seeded random source.
/// </summary>
public sealed class PlacementIndexTests
{
    // ---- MinKeyTree against brute force -------------------------------------------------------------------------

    [Theory]
    [InlineData(1, 0, 1)]
    [InlineData(7, 1, 2)]
    [InlineData(64, 2, 3)]
    [InlineData(100, 3, 4)]
    [InlineData(333, 2, 5)]
    public void MinKeyTree_answers_like_a_scan_through_random_changes(int slots, int keys, int seed)
    {
        var random = new Random(seed);
        var present = new bool[slots];
        var values = new int[slots][];
        var tree = new MinKeyTree(slots, keys);
        for (var i = 0; i < slots; i++)
        {
            present[i] = random.Next(4) != 0;
            values[i] = Enumerable.Range(0, keys).Select(_ => random.Next(3)).ToArray();
            tree.Load(i, present[i], values[i]);
        }

        tree.Build();
        for (var round = 0; round < 300; round++)
        {
            AssertLikeScan(tree, present, values, random);
            var slot = random.Next(slots);
            present[slot] = random.Next(4) != 0;
            values[slot] = Enumerable.Range(0, keys).Select(_ => random.Next(3)).ToArray();
            tree.Set(slot, present[slot], values[slot]);
        }
    }

    private static void AssertLikeScan(MinKeyTree tree, bool[] present, int[][] values, Random random)
    {
        var ties = new List<int>();
        int[]? best = null;
        for (var i = 0; i < present.Length; i++)
        {
            if (!present[i])
            {
                continue;
            }

            var c = best is null ? -1 : Compare(values[i], best);
            if (c < 0)
            {
                best = values[i];
                ties.Clear();
            }

            if (c <= 0)
            {
                ties.Add(i);
            }
        }

        Assert.Equal(ties.Count, tree.MinCount);
        if (best is null)
        {
            return;
        }

        for (var k = 0; k < best.Length; k++)
        {
            Assert.Equal(best[k], tree.MinKey(k));
        }

        for (var k = 0; k < ties.Count; k++)
        {
            Assert.Equal(ties[k], tree.Select(k));
        }

        var slot = random.Next(present.Length + 1);
        Assert.Equal(ties.Count(t => t < slot), tree.CountMinBefore(slot));
        Assert.Throws<ArgumentOutOfRangeException>(() => tree.Select(ties.Count));
    }

    private static int Compare(int[] a, int[] b)
    {
        for (var k = 0; k < a.Length; k++)
        {
            var c = a[k].CompareTo(b[k]);
            if (c != 0)
            {
                return c;
            }
        }

        return 0;
    }

    [Fact]
    public void MinKeyTree_with_nothing_present_has_no_minimum()
    {
        var tree = new MinKeyTree(5, 2);
        tree.Build();
        Assert.Equal(0, tree.MinCount);
        Assert.Equal(0, tree.CountMinBefore(5));
        Assert.Throws<ArgumentOutOfRangeException>(() => tree.Select(0));
    }

    // ---- the engine: index and scan place identically ----------------------------------------------------------

    private static readonly PlacementStrategy[][] StrategySets =
    [
        [],
        [Spread("attribute:ecs.availability-zone"), Spread("instanceId")],
        [Spread("instanceId")],
        [Binpack("cpu")],
        [Binpack("memory")],
        [Binpack("memory"), Spread("instanceId")],
        [Spread("instanceId"), Binpack("cpu")],
        [Spread("attribute:ecs.availability-zone"), Binpack("memory")],
        [Binpack("cpu"), Spread("attribute:ecs.availability-zone")],
        [Spread("attribute:rack"), Spread("attribute:ecs.availability-zone"), Spread("instanceId")],
        [Spread("attribute:ecs.instance-type")],
        [Spread("attribute:rack"), RandomStrategy(), Binpack("cpu")],
        [RandomStrategy()],
    ];

    public static IEnumerable<object[]> Cases()
    {
        for (var set = 0; set < StrategySets.Length; set++)
        {
            foreach (var seed in new[] { 1, 2, 3 })
            {
                yield return [set, seed];
            }
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void B_PL_2_index_places_like_the_scan(int strategySet, int seed)
    {
        var random = new Random(seed * 7919 + strategySet);
        var instances = RandomCluster(random, 150 + random.Next(250));
        var strategies = StrategySets[strategySet];
        var constraints = random.Next(3) switch
        {
            0 => Array.Empty<PlacementConstraint>(),
            1 => [DistinctInstance()],
            _ => [MemberOf("attribute:ecs.availability-zone != us-east-1c")],
        };
        var needs = random.Next(4) == 0 ? Needs(512, 1024, ports: [8080]) : Needs(128 * (1 + random.Next(4)), 256 * (1 + random.Next(4)));

        // Several batches in a row, each applied, so later batches see groups and used resources of earlier ones.
        for (var batch = 0; batch < 3; batch++)
        {
            var request = Request(needs, count: 1 + random.Next(instances.Count * 2), group: batch == 2 ? "service:other" : "service:web",
                strategies: strategies, constraints: constraints);
            var scanRandom = new Random(seed + batch);
            var indexRandom = new Random(seed + batch);
            var scan = PlacementEngine.Place(instances, request, scanRandom, false, PlacementSearch.Scan);
            var indexed = PlacementEngine.Place(instances, request, indexRandom, false, PlacementSearch.Index);

            Assert.Equal(scan.Placed.Select(a => (a.TaskIndex, a.ContainerInstanceId)), indexed.Placed.Select(a => (a.TaskIndex, a.ContainerInstanceId)));
            Assert.Equal(scan.Unplaced, indexed.Unplaced);
            Assert.Equal(scan.Explanation?.Detail, indexed.Explanation?.Detail);
            Assert.Equal(scanRandom.Next(), indexRandom.Next()); // the same number of draws
            instances = Apply(instances, request, scan);
        }
    }

    [Fact]
    public void B_PL_2_default_service_strategy_through_the_index_spreads_zones_then_instances()
    {
        // 300 instances over 3 AZs, 600 tasks: the index (chosen automatically at this size) gives each AZ 200 and
        // each instance 2, as B-PL-3's default asks.
        var instances = Enumerable.Range(0, 300).Select(i => Make($"i{i:D3}", az: $"us-east-1{(char)('a' + i % 3)}")).ToList();
        var result = PlacementEngine.Place(instances, Request(Needs(128, 128), count: 600, strategies: [.. PlacementDefaults.ForService]), new Random(5));
        Assert.Equal(600, result.Placed.Length);
        Assert.All(CountPerInstance(result).Values, n => Assert.Equal(2, n));
        var byZone = result.Placed.GroupBy(a => instances.First(i => i.ContainerInstanceId == a.ContainerInstanceId).AvailabilityZone).ToDictionary(g => g.Key, g => g.Count());
        Assert.All(byZone.Values, n => Assert.Equal(200, n));
    }

    [Fact]
    public void B_PL_2_many_distinct_attribute_values_fall_back_to_the_scan_with_the_same_answer()
    {
        // Every instance its own value of "slot": more cells than the index keeps, so it scans; same answer either way.
        var instances = Enumerable.Range(0, 200).Select(i => Make($"i{i:D3}", attributes: [Kv("slot", i.ToString())])).ToList();
        var request = Request(count: 50, strategies: [Spread("attribute:slot")]);
        var auto = PlacementEngine.Place(instances, request, new Random(9));
        var scan = PlacementEngine.Place(instances, request, new Random(9), false, PlacementSearch.Scan);
        Assert.Equal(scan.Placed.Select(a => a.ContainerInstanceId), auto.Placed.Select(a => a.ContainerInstanceId));
        Assert.Equal(50, CountPerInstance(auto).Count);
    }

    private static List<ContainerInstanceRecord> RandomCluster(Random random, int count)
    {
        string[] types = ["m5.large", "m5.xlarge", "t3.medium", "c5.large"];
        var list = new List<ContainerInstanceRecord>(count);
        for (var i = 0; i < count; i++)
        {
            var type = types[random.Next(types.Length)];
            var status = random.Next(20) switch
            {
                0 => ContainerInstanceStatus.DRAINING,
                1 => ContainerInstanceStatus.INACTIVE,
                _ => ContainerInstanceStatus.ACTIVE,
            };
            var used = random.Next(3) == 0 ? new ResourceSet(256 * random.Next(4), 512 * random.Next(6), 0, 0) : default;
            list.Add(Make(
                $"ci-{i:D4}", type, $"us-east-1{(char)('a' + random.Next(3))}", status: status, connected: random.Next(30) != 0, used: used,
                extraUsedPorts: random.Next(10) == 0 ? [8080] : null,
                attributes: random.Next(5) == 0 ? [] : [Kv("rack", "r" + random.Next(4))],
                groups: random.Next(4) == 0 ? [Kv("service:web", random.Next(3))] : null));
        }

        return list;
    }
}
