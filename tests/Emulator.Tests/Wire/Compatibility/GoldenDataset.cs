using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Emulator.Tests.Client;
using StackExchange.Redis;

namespace Emulator.Tests.Wire.Compatibility;

/// <summary>
/// A durable-mode Redis dataset written by an earlier build (<c>golden/&lt;build&gt;/</c>, made by <c>make-golden.sh</c>):
/// <c>dump.rdb</c>, <c>golden.json</c> (the build, its silo settings, the wall instant its silo stopped, the AWS CLI
/// requests it answered) and <c>expected/&lt;capture&gt;.json</c> (what it answered).
/// </summary>
public sealed class GoldenDataset
{
    private GoldenDataset(string directory, JsonObject manifest)
    {
        Directory = directory;
        Manifest = manifest;
    }

    public string Directory { get; }

    public JsonObject Manifest { get; }

    public string Name => Path.GetFileName(Directory);

    public string Rdb => Path.Combine(Directory, "dump.rdb");

    public string ClusterId => (string)Manifest["clusterId"]!;

    public double TimeScale => (double)Manifest["timeScale"]!;

    public int Seed => (int)Manifest["seed"]!;

    /// <summary>Silo options of the golden run (timings); the restored silo gets the same ones.</summary>
    public IReadOnlyList<string> SiloArgs => [.. Manifest["siloArgs"]!.AsArray().Select(a => (string)a!)];

    /// <summary>The wall instant the golden run's silo had stopped (emulated time stood still from there).</summary>
    public DateTimeOffset StoppedAt => DateTimeOffset.Parse((string)Manifest["stoppedAt"]!, CultureInfo.InvariantCulture);

    public IEnumerable<Capture> Captures => Manifest["captures"]!.AsArray().Select(c => new Capture(c!.AsObject(), this));

    public static string Root => Path.Combine(ScenarioParserTests.RepoRoot(), "tests", "Emulator.Tests", "Wire", "Compatibility", "golden");

    /// <summary>Every committed dataset, by directory name (the build that wrote it).</summary>
    public static List<string> All() =>
        [.. System.IO.Directory.GetDirectories(Root).Select(Path.GetFileName).OfType<string>().Order(StringComparer.Ordinal)];

    public static TheoryData<string> Names()
    {
        var data = new TheoryData<string>();
        foreach (var name in All())
        {
            data.Add(name);
        }

        return data;
    }

    public static GoldenDataset Load(string name)
    {
        var dir = Path.Combine(Root, name);
        var manifest = JsonNode.Parse(File.ReadAllText(Path.Combine(dir, "golden.json")))!.AsObject();
        Assert.True(File.Exists(Path.Combine(dir, "dump.rdb")), $"golden dataset {name}: dump.rdb is missing");
        return new GoldenDataset(dir, manifest);
    }

    /// <summary>
    /// Emulated time continues where the golden run stopped. The durable mode's clock (<c>DurableMode.AgreeOnClock</c>)
    /// is the record <c>&lt;cluster-id&gt;:emulator:clock</c>: emulated now = Epoch + (wall now - WallStart) x TimeScale,
    /// adopted by every silo that starts later. Left alone, a dataset restored days after it was written would jump
    /// emulated time ahead by (days x time scale): every due time long past, STOPPED tasks expired, queued tasks timed
    /// out, metric history beyond the retained day. So WallStart moves forward by the wall time since the golden silo
    /// stopped: a silo started now sees the emulated instant at which the golden one stopped, as if it had never been
    /// down. Returns that instant.
    /// </summary>
    public static async Task<DateTimeOffset> ContinueClockAsync(string redis, string clusterId, DateTimeOffset stoppedAt, DateTimeOffset wallNow)
    {
        await using var connection = await ConnectionMultiplexer.ConnectAsync(redis);
        var db = connection.GetDatabase();
        var key = clusterId + ":emulator:clock";
        var stored = await db.StringGetAsync(key);
        Assert.True(stored.HasValue, $"the golden dataset has no clock record {key}");
        var clock = JsonNode.Parse(stored.ToString())!.AsObject();
        var epoch = clock["Epoch"]!.GetValue<DateTimeOffset>();
        var wallStart = clock["WallStart"]!.GetValue<DateTimeOffset>();
        var scale = clock["TimeScale"]!.GetValue<double>();
        var emulatedAtStop = epoch + (stoppedAt - wallStart) * scale;
        clock["WallStart"] = wallStart + (wallNow - stoppedAt);
        await db.StringSetAsync(key, clock.ToJsonString());
        return emulatedAtStop;
    }

    /// <summary>One recorded request and the golden build's answer.</summary>
    public sealed class Capture(JsonObject entry, GoldenDataset dataset)
    {
        public string Name => (string)entry["name"]!;

        /// <summary>AWS CLI arguments (after <c>--endpoint-url</c>), or null for an event log capture.</summary>
        public string[]? Aws => entry["aws"]?.AsArray().Select(a => (string)a!).ToArray();

        /// <summary>The cluster whose event log (<c>/emulator/events</c>) this capture holds, or null.</summary>
        public string? Events => (string?)entry["events"];

        public IReadOnlyList<string> History => [.. (entry["history"]?.AsArray() ?? []).Select(p => (string)p!)];

        public IReadOnlyList<string> Ignore => [.. (entry["ignore"]?.AsArray() ?? []).Select(p => (string)p!)];

        public JsonNode Expected => JsonNode.Parse(File.ReadAllText(Path.Combine(dataset.Directory, "expected", Name + ".json")))!;

        public override string ToString() => Aws is { } a ? "aws " + string.Join(' ', a) : "events of " + Events;
    }

    /// <summary>Reads a whole event log of the emulator endpoint, page by page.</summary>
    public static async Task<JsonObject> ReadEventLogAsync(HttpClient http, string endpoint, string cluster)
    {
        var all = new JsonArray();
        long after = 0;
        while (true)
        {
            var page = JsonNode.Parse(await http.GetStringAsync($"{endpoint}/emulator/events/{cluster}?after={after}"))!;
            var events = page["events"]!.AsArray();
            if (events.Count == 0)
            {
                return new JsonObject { ["events"] = all };
            }

            foreach (var e in events)
            {
                all.Add(e!.DeepClone());
            }

            after = (long)page["lastSequence"]!;
        }
    }

    internal static JsonSerializerOptions Indented { get; } = new() { WriteIndented = true };
}
