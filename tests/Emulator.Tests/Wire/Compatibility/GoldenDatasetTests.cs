using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using System.Text.Json.Nodes;
using Emulator.Grains;
using Emulator.Tests.Wire.MultiSilo;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;
using Orleans.Serialization.Session;
using StackExchange.Redis;
using Xunit.Abstractions;

namespace Emulator.Tests.Wire.Compatibility;

/// <summary>
/// Stored state keeps its serialization ids (issue 10): a durable-mode Redis written by an earlier build (the golden
/// datasets in <c>golden/</c>, made by <c>make-golden.sh</c>; README.md there) still loads. One test decodes every
/// stored grain state with the current build and checks, field by field, that nothing stored was dropped or re-read
/// differently; the other starts a real silo of the current build on the dataset and checks with the real AWS CLI
/// that everything the golden run created is there as it was, then that the emulator keeps working on it.
/// </summary>
/// <remarks>Runs alone, after the parallel collections: its silo and some 60 AWS CLI processes would otherwise load the
/// machine under the timing bounds of <see cref="SiloLossTests"/>.</remarks>
[Collection(GoldenDatasetCollection.Name)]
public sealed class GoldenDatasetTests(ITestOutputHelper output)
{
    /// <summary>Chunked history (<c>ChunkStorage</c>) is stored under a grain type of its own, the kind, as its state name.</summary>
    private static readonly Dictionary<string, Type> ChunkKinds = new(StringComparer.Ordinal)
    {
        ["emulator-event-segment"] = typeof(EventLogSegment),
        ["emulator-metric-chunk"] = typeof(MetricChunk),
        ["emulator-metric-index"] = typeof(MetricIndex),
    };

    public static TheoryData<string> Datasets => GoldenDataset.Names();

    [Theory]
    [MemberData(nameof(Datasets))]
    public async Task Stored_state_of_an_earlier_build_decodes_field_for_field(string dataset)
    {
        var golden = GoldenDataset.Load(dataset);
        await using var processes = new SiloProcesses(golden.ClusterId);
        await processes.StartRedisAsync(golden.Rdb);
        await using var redis = await ConnectionMultiplexer.ConnectAsync(processes.Redis);
        var db = redis.GetDatabase();
        var prefix = golden.ClusterId + "/state/";
        var keys = redis.GetServer(redis.GetEndPoints()[0]).Keys(pattern: prefix + "*").Select(k => k.ToString()).Order(StringComparer.Ordinal).ToList();
        Assert.True(keys.Count > 0, $"the golden dataset {dataset} holds no grain state under {prefix}");

        await using var services = new ServiceCollection().AddSerializer(b => b.AddAssembly(typeof(ClusterState).Assembly)).BuildServiceProvider();
        var serializer = services.GetRequiredService<Serializer>();
        var sessions = services.GetRequiredService<SerializerSessionPool>();
        var (grainTypes, stateTypes, remindable) = CurrentStorageMap();
        var failures = new List<string>();
        var decoded = new SortedDictionary<string, int>(StringComparer.Ordinal);
        foreach (var key in keys)
        {
            // <service id>/state/<grain type>/<grain key>/<state name>; grain keys may hold '/' themselves.
            var rest = key[prefix.Length..];
            var grainType = rest[..rest.IndexOf('/', StringComparison.Ordinal)];
            var stateName = rest[(rest.LastIndexOf('/') + 1)..];
            if (!grainTypes.Contains(grainType))
            {
                failures.Add($"{key}: no grain class of the current build has the grain type '{grainType}' (a renamed grain class without [GrainType(\"{grainType}\")] orphans its stored state and reminders)");
                continue;
            }

            if (!stateTypes.TryGetValue((grainType, stateName), out var type))
            {
                failures.Add($"{key}: grain type '{grainType}' has no [PersistentState(\"{stateName}\", \"emulator\")] in the current build (its stored state would be ignored)");
                continue;
            }

            var data = (byte[]?)await db.HashGetAsync(key, "data");
            Assert.True(data is { Length: > 0 }, $"{key}: no 'data' field");
            object? value;
            try
            {
                value = Deserialize(serializer, type, data);
            }
            catch (Exception e)
            {
                failures.Add($"{key}: the current build cannot decode the stored {type.Name}: {e.GetBaseException().Message}");
                continue;
            }

            var missing = WireFieldTree.FirstMissing(WireFieldTree.Parse(data, sessions), WireFieldTree.Parse(Serialize(serializer, type, value), sessions), type);
            if (missing is not null)
            {
                failures.Add($"{key}: {missing}");
            }

            decoded[type.Name] = decoded.GetValueOrDefault(type.Name) + 1;
        }

        // Reminders (Orleans' Redis reminder table: rows of JSON strings: hash, grain id, name, etag, start, period) bring grains
        // back after a restart: each must name a grain type of the current build that still takes reminders.
        var reminders = await db.SortedSetRangeByRankAsync(golden.ClusterId + "/reminders");
        Assert.NotEmpty(reminders);
        foreach (var row in reminders)
        {
            var grainId = (string)JsonNode.Parse("[" + row + "]")![1]!;
            var grainType = grainId[..grainId.IndexOf('/', StringComparison.Ordinal)];
            if (!remindable.Contains(grainType))
            {
                failures.Add($"reminder {row}: no grain class of the current build with grain type '{grainType}' takes reminders (the reminder would fail for good)");
            }
        }

        output.WriteLine($"{keys.Count} stored states of build {golden.Manifest["build"]}: {string.Join(", ", decoded.Select(d => $"{d.Value} {d.Key}"))}");
        Assert.True(failures.Count == 0,
            $"{failures.Count} stored state(s) written by build {golden.Manifest["build"]} do not decode field for field with the current build. Stored members keep " +
            "their [Id] and type (records only grow at the end); a deliberate break needs a migration or a new golden dataset (README.md in Wire/Compatibility):\n" +
            string.Join("\n", failures.Take(20)));
    }

    [Theory]
    [MemberData(nameof(Datasets))]
    public async Task Durable_dataset_of_an_earlier_build_loads_unchanged_and_keeps_working(string dataset)
    {
        var golden = GoldenDataset.Load(dataset);
        await using var processes = new SiloProcesses(golden.ClusterId);
        await processes.StartRedisAsync(golden.Rdb);

        // Emulated time resumes at the instant the golden silo stopped (GoldenDataset.ContinueClockAsync says why).
        var rewrittenAt = DateTimeOffset.UtcNow;
        var resumeAt = await GoldenDataset.ContinueClockAsync(processes.Redis, golden.ClusterId, golden.StoppedAt, rewrittenAt);
        var phase = Stopwatch.StartNew();
        var silo = await processes.StartSiloAsync(golden.TimeScale, ["--seed", golden.Seed.ToString(CultureInfo.InvariantCulture), .. golden.SiloArgs]);
        var endpoint = processes.Endpoints[silo.Id];
        using var http = new HttpClient();
        var now = await EmulatedNow(http, endpoint);
        var bound = (DateTimeOffset.UtcNow - rewrittenAt) * golden.TimeScale + TimeSpan.FromMinutes(1);
        Assert.True(now >= resumeAt && now - resumeAt <= bound,
            $"emulated time should continue at {resumeAt:O} (the golden run's last instant), not jump: it is {now:O}, at most {bound} later was expected");
        output.WriteLine($"golden build {golden.Manifest["build"]}: emulated time resumed at {resumeAt:O}, now {now:O} (silo started in {phase.Elapsed.TotalSeconds:0} s)");
        phase.Restart();

        // 1. Everything the golden run created is there: same ids, ARNs, counts, statuses, versions, tags, revisions,
        // events and datapoints (history only grows).
        var cli = new AwsCli(endpoint);
        var differences = new List<string>();
        var captures = golden.Captures.ToList();
        await Parallel.ForEachAsync(captures, new ParallelOptions { MaxDegreeOfParallelism = 3 }, async (capture, _) =>
        {
            JsonNode restored;
            if (capture.Aws is { } args)
            {
                var r = await cli.Run([.. args, "--output", "json"]);
                if (r.ExitCode != 0)
                {
                    lock (differences)
                    {
                        differences.Add($"{capture.Name}: {capture} failed on the restored emulator: {r.Stderr.Trim()}");
                    }

                    return;
                }

                restored = JsonNode.Parse(r.Stdout)!;
            }
            else
            {
                restored = await GoldenDataset.ReadEventLogAsync(http, endpoint, capture.Events!);
            }

            var found = GoldenComparison.Compare(capture.Expected, restored, capture.History, capture.Ignore);
            lock (differences)
            {
                differences.AddRange(found.Select(d => $"{capture.Name}: {d}").Where(d => !IsIntendedChange(d)));
            }
        });
        Assert.True(differences.Count == 0,
            $"the current build restored the golden dataset of build {golden.Manifest["build"]} with {differences.Count} difference(s) from what that build answered " +
            "(stored members keep their [Id] and type; README.md in Wire/Compatibility):\n" + string.Join("\n", differences.Take(40)));
        output.WriteLine($"{captures.Count} captures identical ({phase.Elapsed.TotalSeconds:0} s)");

        // 2. It keeps working on the restored state.
        phase.Restart();
        await KeepsWorking(cli, http, endpoint, golden, resumeAt);
        output.WriteLine($"kept working ({phase.Elapsed.TotalSeconds:0} s)");
    }

    /// <summary>
    /// Answers the golden build gave that a later build corrected on purpose (each with its reason); a difference is
    /// forgiven only when it is exactly this correction, so everything else the capture holds is still compared.
    /// </summary>
    private static readonly (string Capture, string Difference, string Why)[] IntendedChanges =
    [
        ("ecs-list-tags-cluster", ".tags: 2 elements, golden 0", "ListTagsForResource lists the tags a resource was created with (issue 14); the golden build listed only TagResource's"),
        ("ecs-list-tags-service", ".tags: 1 elements, golden 0", "the same"),
        ("ecs-list-tags-task-definition", ".tags: 2 elements, golden 0", "the same"),
        ("autoscaling-describe-auto-scaling-groups", ".HealthStatus: golden \"HEALTHY\", restored \"Healthy\"", "an Auto Scaling group instance's HealthStatus is written Healthy, as AWS writes it (issue 14)"),
    ];

    private static bool IsIntendedChange(string difference) =>
        IntendedChanges.Any(c => difference.StartsWith(c.Capture + ": ", StringComparison.Ordinal) && difference.EndsWith(c.Difference, StringComparison.Ordinal));

    /// <summary>
    /// The restored emulator runs on: the service scales out (CAS buys an instance, the new tasks run behind the target
    /// group), the queued PROVISIONING task is placed once its group may grow (B-PQ-2), a task stops, a task definition
    /// gets its next revision, a Fargate task starts with an id never handed out before, no instance is over-committed,
    /// and the event log continues after the golden events.
    /// </summary>
    private async Task KeepsWorking(AwsCli cli, HttpClient http, string endpoint, GoldenDataset golden, DateTimeOffset resumeAt)
    {
        var goldenTasks = golden.Captures.Where(c => c.Name.StartsWith("ecs-describe-tasks-", StringComparison.Ordinal))
            .SelectMany(c => c.Expected.AsArray()).Select(t => (string)t!["taskArn"]!).ToHashSet(StringComparer.Ordinal);
        var goldenGroups = golden.Captures.Single(c => c.Name == "autoscaling-describe-auto-scaling-groups").Expected["AutoScalingGroups"]!.AsArray();
        var asgInstances = goldenGroups.Single(g => (string)g!["AutoScalingGroupName"]! == "golden-asg")!["Instances"]!.AsArray().Count;
        var goldenActivities = golden.Captures.Single(c => c.Name == "autoscaling-describe-scaling-activities-asg").Expected["Activities"]!.AsArray().Count;
        var goldenEvents = golden.Captures.Single(c => c.Name == "events-golden-ec2").Expected["events"]!.AsArray().Select(e => (string)e!["id"]!).ToList();

        // Scale-out: one web task more than golden-asg's instances can hold (4 x 512 CPU units per m5.large).
        var desired = 4 * asgInstances + 1;
        await Json(cli, "ecs", "update-service", "--cluster", "golden-ec2", "--service", "web", "--desired-count", desired.ToString(CultureInfo.InvariantCulture));
        // B-PQ-2: the queued whole-instance task runs once golden-spot-asg may launch a third instance.
        await Json(cli, "autoscaling", "update-auto-scaling-group", "--auto-scaling-group-name", "golden-spot-asg", "--max-size", "3");
        await Until($"{desired} web tasks RUNNING and healthy", async () =>
        {
            var tasks = await Tasks(cli, "golden-ec2", "--service-name", "web");
            var health = await Json(cli, "elbv2", "describe-target-health", "--target-group-arn", TargetGroupArn(golden));
            return tasks.Count(t => (string)t["lastStatus"]! == "RUNNING") == desired &&
                health["TargetHealthDescriptions"]!.AsArray().Count(h => (string)h!["TargetHealth"]!["State"]! == "healthy") == desired;
        });
        await Until("the queued golden-big task RUNNING", async () =>
            (await Tasks(cli, "golden-ec2", "--started-by", "golden-spot")).Count(t => (string)t["lastStatus"]! == "RUNNING") == 3);

        var groups = (await Json(cli, "autoscaling", "describe-auto-scaling-groups", "--auto-scaling-group-names", "golden-asg"))["AutoScalingGroups"]![0]!;
        Assert.True((int)groups["DesiredCapacity"]! > asgInstances, $"CAS should have scaled golden-asg out from {asgInstances}: {groups.ToJsonString()}");
        var activities = (await Json(cli, "autoscaling", "describe-scaling-activities", "--auto-scaling-group-name", "golden-asg"))["Activities"]!.AsArray();
        Assert.True(activities.Count > goldenActivities, "a new scaling activity was expected after the restore");
        var cpr = await Json(cli, "cloudwatch", "get-metric-statistics", "--namespace", "AWS/ECS/ManagedScaling", "--metric-name", "CapacityProviderReservation",
            "--dimensions", "Name=ClusterName,Value=golden-ec2", "Name=CapacityProviderName,Value=golden-cp", "--period", "60", "--statistics", "Maximum",
            "--start-time", resumeAt.ToString("O", CultureInfo.InvariantCulture), "--end-time", (await EmulatedNow(http, endpoint)).ToString("O", CultureInfo.InvariantCulture));
        var points = cpr["Datapoints"]!.AsArray();
        Assert.True(points.Count > 0, "CAS should publish CapacityProviderReservation after the restore");
        Assert.Contains(points, p => (double)p!["Maximum"]! > 100); // the scale-out's demand

        // No instance over-committed (every container instance's remaining CPU and memory >= 0).
        var cis = (await Json(cli, "ecs", "list-container-instances", "--cluster", "golden-ec2"))["containerInstanceArns"]!.AsArray().Select(a => (string)a!).ToArray();
        var described = (await Json(cli, ["ecs", "describe-container-instances", "--cluster", "golden-ec2", "--container-instances", .. cis]))["containerInstances"]!.AsArray();
        foreach (var ci in described)
        {
            foreach (var resource in ci!["remainingResources"]!.AsArray().Where(r => (string)r!["type"]! == "INTEGER"))
            {
                Assert.True((int)resource!["integerValue"]! >= 0, $"over-committed: {ci["ec2InstanceId"]} {resource.ToJsonString()}");
            }
        }

        // A task stops on request; a task definition gets its next revision; a new Fargate task runs with a fresh id.
        var batch = (await Tasks(cli, "golden-ec2", "--started-by", "golden-script")).Single(t => (string)t["lastStatus"]! == "RUNNING");
        await Json(cli, "ecs", "stop-task", "--cluster", "golden-ec2", "--task", (string)batch["taskArn"]!, "--reason", "compatibility test");
        await Until("the batch task STOPPED", async () =>
            (string)(await Json(cli, "ecs", "describe-tasks", "--cluster", "golden-ec2", "--tasks", (string)batch["taskArn"]!))["tasks"]![0]!["lastStatus"]! == "STOPPED");
        var revision = await Json(cli, "ecs", "register-task-definition", "--family", "golden-web", "--network-mode", "bridge",
            "--container-definitions", """[{"name":"web","image":"public.ecr.aws/nginx/nginx:1.28","cpu":512,"memory":1024,"essential":true}]""");
        Assert.Equal(4, (int)revision["taskDefinition"]!["revision"]!);
        var run = await Json(cli, "ecs", "run-task", "--cluster", "golden-fargate", "--task-definition", "golden-fargate:2", "--network-configuration",
            "awsvpcConfiguration={subnets=[subnet-a],securityGroups=[sg-golden]}", "--started-by", "compat-test");
        var fresh = (string)run["tasks"]![0]!["taskArn"]!;
        Assert.DoesNotContain(fresh, goldenTasks);
        await Until("the new Fargate task RUNNING", async () =>
            (string)(await Json(cli, "ecs", "describe-tasks", "--cluster", "golden-fargate", "--tasks", fresh))["tasks"]![0]!["lastStatus"]! == "RUNNING");

        // The event log continues after the golden events (B-EV-3: in order, the golden ones first, no id twice).
        var log = (await GoldenDataset.ReadEventLogAsync(http, endpoint, "golden-ec2"))["events"]!.AsArray();
        var ids = log.Select(e => (string)e!["id"]!).ToList();
        Assert.Equal(goldenEvents, ids.Take(goldenEvents.Count));
        Assert.Equal(ids.Count, ids.Distinct(StringComparer.Ordinal).Count());
        Assert.Contains(log.Skip(goldenEvents.Count), e => (string?)e!["detail-type"] == "ECS Task State Change" && e["detail"]!["lastStatus"]?.GetValue<string>() == "RUNNING");
        output.WriteLine($"kept working: web at {desired} tasks on {groups["DesiredCapacity"]} instances, {activities.Count - goldenActivities} new scaling activities, " +
            $"{log.Count} events ({goldenEvents.Count} golden)");
    }

    private static string TargetGroupArn(GoldenDataset golden) =>
        (string)golden.Captures.Single(c => c.Name == "elbv2-describe-target-groups").Expected["TargetGroups"]![0]!["TargetGroupArn"]!;

    private static async Task<JsonNode> Json(AwsCli cli, params string[] args)
    {
        var r = await cli.Run([.. args, "--output", "json"]);
        Assert.True(r.ExitCode == 0, $"aws {string.Join(' ', args)} failed: {r.Stderr}");
        return r.Stdout.Trim().Length == 0 ? new JsonObject() : JsonNode.Parse(r.Stdout)!;
    }

    private static async Task<List<JsonNode>> Tasks(AwsCli cli, string cluster, params string[] filter)
    {
        var arns = (await Json(cli, ["ecs", "list-tasks", "--cluster", cluster, .. filter]))["taskArns"]!.AsArray().Select(a => (string)a!).ToArray();
        return arns.Length == 0 ? [] : [.. (await Json(cli, ["ecs", "describe-tasks", "--cluster", cluster, "--tasks", .. arns]))["tasks"]!.AsArray().Select(t => t!)];
    }

    private static async Task<DateTimeOffset> EmulatedNow(HttpClient http, string endpoint) =>
        JsonNode.Parse(await http.GetStringAsync($"{endpoint}/emulator/status/golden-ec2"))!["now"]!.GetValue<DateTimeOffset>();

    private static async Task Until(string what, Func<Task<bool>> condition)
    {
        var sw = Stopwatch.StartNew();
        while (!await condition())
        {
            Assert.True(sw.Elapsed < TimeSpan.FromMinutes(5), "timed out waiting for " + what);
            await Task.Delay(2000);
        }
    }

    /// <summary>
    /// The field check is not vacuous: a stored ClusterState whose STOPPED task loses its stopped reason on the way
    /// back (what a renumbered [Id] does: Orleans skips the unknown stored field and the member stays null), or whose
    /// task version reads differently, is reported with the path and the stored value.
    /// </summary>
    [Fact]
    public async Task The_field_check_reports_a_stored_field_that_is_not_read_back()
    {
        var golden = GoldenDataset.Load(GoldenDataset.All()[0]);
        await using var processes = new SiloProcesses(golden.ClusterId);
        await processes.StartRedisAsync(golden.Rdb);
        await using var redis = await ConnectionMultiplexer.ConnectAsync(processes.Redis);
        var data = (byte[])(await redis.GetDatabase().HashGetAsync(golden.ClusterId + "/state/cluster/golden-ec2/cluster", "data"))!;
        await using var services = new ServiceCollection().AddSerializer(b => b.AddAssembly(typeof(ClusterState).Assembly)).BuildServiceProvider();
        var serializer = services.GetRequiredService<Serializer>();
        var sessions = services.GetRequiredService<SerializerSessionPool>();
        var stored = WireFieldTree.Parse(data, sessions);

        var state = serializer.Deserialize<ClusterState>(data)!;
        Assert.Null(WireFieldTree.FirstMissing(stored, WireFieldTree.Parse(serializer.SerializeToArray(state), sessions), typeof(ClusterState)));

        var stopped = state.Tasks.Values.First(t => t.StoppedReason == "golden: stopped by make-golden.sh");
        state.Tasks[stopped.TaskId] = stopped with { StoppedReason = null };
        var lost = WireFieldTree.FirstMissing(stored, WireFieldTree.Parse(serializer.SerializeToArray(state), sessions), typeof(ClusterState)) ?? "";
        Assert.Contains("ClusterState > Tasks [Id(6)] > [Id(2)] TaskRecord > StoppedReason [Id(21)]", lost, StringComparison.Ordinal);
        Assert.Contains("\"golden: stopped by make-golden.sh\"", lost, StringComparison.Ordinal);
        output.WriteLine(lost);

        state = serializer.Deserialize<ClusterState>(data)!;
        state.Tasks[stopped.TaskId] = stopped with { Version = stopped.Version + 1 };
        var changed = WireFieldTree.FirstMissing(stored, WireFieldTree.Parse(serializer.SerializeToArray(state), sessions), typeof(ClusterState)) ?? "";
        Assert.Contains("ClusterState > Tasks [Id(6)] > [Id(2)] TaskRecord > Version [Id(15)]: stored", changed, StringComparison.Ordinal);
        output.WriteLine(changed);
    }

    /// <summary>
    /// The current build's storage layout: grain type names (Orleans' default: the class name without "Grain",
    /// lower case, unless [GrainType] says otherwise) and, per grain type and state name, the state's .NET type.
    /// </summary>
    private static (HashSet<string> GrainTypes, Dictionary<(string, string), Type> States, HashSet<string> Remindable) CurrentStorageMap()
    {
        var grainTypes = new HashSet<string>(ChunkKinds.Keys, StringComparer.Ordinal);
        var remindable = new HashSet<string>(StringComparer.Ordinal);
        var states = ChunkKinds.ToDictionary(k => (k.Key, k.Key), k => k.Value);
        foreach (var grain in typeof(ClusterGrain).Assembly.GetTypes().Where(t => t is { IsClass: true, IsAbstract: false } && typeof(Grain).IsAssignableFrom(t)))
        {
            var name = grain.GetCustomAttribute<GrainTypeAttribute>() is { } attribute
                ? attribute.GetGrainType(null!, grain).ToString()!
                : (grain.Name.EndsWith("Grain", StringComparison.Ordinal) ? grain.Name[..^"Grain".Length] : grain.Name).ToLowerInvariant();
            grainTypes.Add(name);
            if (typeof(IRemindable).IsAssignableFrom(grain))
            {
                remindable.Add(name);
            }

            foreach (var parameter in grain.GetConstructors().SelectMany(c => c.GetParameters()))
            {
                if (parameter.GetCustomAttribute<PersistentStateAttribute>() is { } state && parameter.ParameterType.IsGenericType)
                {
                    states[(name, state.StateName)] = parameter.ParameterType.GetGenericArguments()[0];
                }
            }
        }

        return (grainTypes, states, remindable);
    }

    private static object? Deserialize(Serializer serializer, Type type, byte[] data) =>
        Generic(nameof(Serializer.Deserialize), typeof(byte[]), type).Invoke(serializer, [data]);

    private static byte[] Serialize(Serializer serializer, Type type, object? value) =>
        (byte[])Generic(nameof(Serializer.SerializeToArray), null, type).Invoke(serializer, [value])!;

    private static MethodInfo Generic(string name, Type? parameter, Type type) =>
        typeof(Serializer).GetMethods().Single(m => m.Name == name && m.IsGenericMethodDefinition && m.GetGenericArguments().Length == 1 &&
            m.GetParameters().Length == 1 && (parameter is null || m.GetParameters()[0].ParameterType == parameter)).MakeGenericMethod(type);
}

[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class GoldenDatasetCollection
{
    public const string Name = "golden datasets";
}
