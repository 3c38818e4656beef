using System.Collections.Immutable;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Emulator.Contracts;
using Emulator.Grains;
using Emulator.Model;
using Emulator.Model.Persistence;
using Emulator.Runtime;
using Emulator.Silo.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Core.Internal;
using Orleans.Serialization;
using Orleans.Storage;
using TaskStatus = Emulator.Contracts.TaskStatus;

namespace Emulator.Benchmarks;

/// <summary>
/// What storing the history costs (B-EV-3 event log segments, B-CAS-3 metric chunks): a cluster of N Fargate tasks
/// (default 2,000) in one silo whose "emulator" storage is Redis (<c>--redis host:port</c>, write-through as in the
/// durable mode) or memory (the embedded default); prints sizes, write times, the write-through read and the reload.
/// </summary>
public static class HistoryBenchmark
{
    public const string Usage = "usage: Emulator.Benchmarks --history [--tasks N] [--redis host:port]";

    public static async Task<int> Run(string[] args, TextWriter output)
    {
        var tasks = 2_000;
        string? redis = null;
        for (var i = 0; i + 1 < args.Length; i += 2)
        {
            switch (args[i])
            {
                case "--tasks" when int.TryParse(args[i + 1], NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) && n > 0 && n % 10 == 0:
                    tasks = n;
                    break;
                case "--redis":
                    redis = args[i + 1];
                    break;
                default:
                    Console.Error.WriteLine($"{args[i]} {args[i + 1]}: not understood (--tasks is a positive multiple of 10). {Usage}");
                    return 2;
            }
        }

        if (args.Length % 2 != 0)
        {
            Console.Error.WriteLine(Usage);
            return 2;
        }

        var options = new EmulatorOptions { TimeScale = 600, ServiceLaunchesPerMinute = 100_000, WriteThrough = redis is not null };
        using var host = Build(options, redis);
        await host.StartAsync();
        var grains = host.Services.GetRequiredService<IGrainFactory>();
        var control = grains.GetGrain<IEcsControlGrain>(GrainKeys.Control);
        output.WriteLine($"History storage cost: {tasks} Fargate tasks, storage {(redis is null ? "memory (embedded default)" : "Redis " + redis + " (durable mode, write-through)")}");

        await control.CreateCluster(new CreateClusterRequest("history", [], [], ImmutableDictionary<string, string>.Empty));
        await control.PutClusterCapacityProviders("history", ["FARGATE"], [new CapacityProviderStrategyItem("FARGATE", 1, 0)]);
        var td = await control.RegisterTaskDefinition(new TaskDefinitionSpec("app",
            [new ContainerDefinition("app", "public.ecr.aws/nginx/nginx:latest", 256, 512, null, true, [], null, 0)],
            "256", "512", NetworkMode.awsvpc, ["FARGATE"], [], ImmutableDictionary<string, string>.Empty));
        var cluster = grains.GetGrain<IClusterGrain>("history");
        var run = Stopwatch.StartNew();
        for (var i = 0; i < tasks / 10; i++)
        {
            await control.RunTask(new RunTaskRequest("history", td.Arn, 10, null, [], [], [], null, "bench", null));
        }

        var runMs = run.Elapsed.TotalMilliseconds;
        while ((await cluster.ListTasks(TaskFilter.All)).Count(t => t.LastStatus == TaskStatus.RUNNING) < tasks)
        {
            await Task.Delay(100);
        }

        output.WriteLine($"  {tasks / 10} RunTask calls (10 tasks each{(redis is null ? "" : "; the cluster state and the call's events written through")}): {runMs:0} ms, {runMs / (tasks / 10):0.00} ms per call");

        var first = Stopwatch.StartNew();
        var events = await ReadAll(cluster);
        output.WriteLine($"  first read of the log ({events.Count} events, pending ones written before the answer): {first.Elapsed.TotalMilliseconds:0.0} ms");
        var again = Stopwatch.StartNew();
        await ReadAll(cluster);
        output.WriteLine($"  a second read (nothing pending): {again.Elapsed.TotalMilliseconds:0.0} ms");

        // Sizes and write times of the segments, written by the same storage code as the cluster grain.
        var serializer = host.Services.GetRequiredKeyedService<IGrainStorage>(ChunkStorage<EventLogSegment>.StorageName);
        var binary = new OrleansGrainStorageSerializer(host.Services.GetRequiredService<Serializer>());
        var segments = events.GroupBy(e => EventLogSegments.SegmentOf(e.Sequence)).Select(g => new EventLogSegment([.. g])).ToList();
        var bytes = segments.Sum(s => (long)binary.Serialize(s).ToMemory().Length);
        output.WriteLine($"  stored size: {segments.Count} segments, {bytes / 1024.0:0} KiB, {(double)bytes / events.Count:0} B per event, {(double)bytes / segments.Count / 1024:0.0} KiB per full segment");
        var store = new ChunkStorage<EventLogSegment>(serializer, "bench-event-segment");
        var all = Stopwatch.StartNew();
        await Task.WhenAll(segments.Select((s, i) => store.WriteAsync("history#" + i.ToString(CultureInfo.InvariantCulture), s)));
        output.WriteLine($"  writing all {segments.Count} segments at once: {all.Elapsed.TotalMilliseconds:0.0} ms");
        var one = new List<double>();
        for (var i = 0; i < 50; i++)
        {
            var sw = Stopwatch.StartNew();
            await store.WriteAsync("history#tail", segments[i % segments.Count]);
            one.Add(sw.Elapsed.TotalMilliseconds);
        }

        one.Sort();
        output.WriteLine($"  rewriting one full segment (the most a small write-through flush writes): median {one[one.Count / 2]:0.00} ms, p90 {one[one.Count * 9 / 10]:0.00} ms");

        // The reload: a fresh activation reads the segments back.
        await cluster.Cast<IGrainManagementExtension>().DeactivateOnIdle();
        var reload = Stopwatch.StartNew();
        var reloaded = await ReadAll(cluster);
        output.WriteLine($"  reactivation + read after deactivation: {reload.Elapsed.TotalMilliseconds:0.0} ms, {reloaded.Count} events back, same sequences: {reloaded.Select(e => e.Sequence).SequenceEqual(events.Select(e => e.Sequence).Concat(reloaded.Skip(events.Count).Select(e => e.Sequence)))}");

        // Metrics: 23 emulated hours of minute datapoints in 20 series, then the first Get (writes what is pending).
        var now = await control.Now();
        var metrics = grains.GetGrain<IMetricStoreGrain>("Bench/History");
        for (var s = 0; s < 20; s++)
        {
            await metrics.Put([.. Enumerable.Range(0, 1380).Select(m => MetricNamespaces.Datum("M", now - TimeSpan.FromMinutes(1380 - m), m, "Percent", ("Series", s.ToString(CultureInfo.InvariantCulture))))]);
        }

        var dims = ImmutableArray.Create(new MetricDimension("Series", "0"));
        var get = Stopwatch.StartNew();
        while ((await metrics.Get("M", dims, now - TimeSpan.FromDays(2), now)).Length < 1380)
        {
        }

        var ingest = get.Elapsed.TotalMilliseconds;
        get.Restart();
        await metrics.Get("M", dims, now - TimeSpan.FromDays(2), now);
        output.WriteLine($"  metrics: 20 one-way Puts of 23 h of minute datapoints until a Get sees them ({(redis is null ? "nothing written" : $"that Get writes {20 * 24} hour chunks")}): {ingest:0.0} ms; a later Get: {get.Elapsed.TotalMilliseconds:0.00} ms");
        var chunk = binary.Serialize(new MetricChunk(new MetricSeries("M", dims, "Percent"), [.. Enumerable.Range(0, 60).Select(i => now.UtcTicks + i * TimeSpan.TicksPerMinute)],
            [.. Enumerable.Range(0, 60).Select(i => i * 1.5)], [])).ToMemory().Length;
        output.WriteLine($"  one stored hour of a minute series: {chunk} B");
        await host.StopAsync();
        return 0;
    }

    private static async Task<List<EmulatorEvent>> ReadAll(IClusterGrain cluster)
    {
        var events = new List<EmulatorEvent>();
        for (long after = 0; ;)
        {
            var page = await cluster.ReadEvents(after, null, 10_000);
            if (page.Events.IsEmpty)
            {
                return events;
            }

            events.AddRange(page.Events);
            after = page.LastSequence;
        }
    }

    private static IHost Build(EmulatorOptions options, string? redis)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Logging.AddConsole(c => c.LogToStandardErrorThreshold = LogLevel.Trace);
        builder.UseOrleans(silo =>
        {
            silo.UseLocalhostClustering(FreePort(), FreePort());
            if (redis is null)
            {
                silo.AddEmulator(options);
                return;
            }

            silo.AddEmulatorRuntimeOnly(options).UseInMemoryReminderService();
            silo.AddRedisGrainStorage(ChunkStorage<EventLogSegment>.StorageName, (Orleans.Persistence.RedisStorageOptions o) =>
                o.ConfigurationOptions = StackExchange.Redis.ConfigurationOptions.Parse(redis));
            silo.Services.AddOptions<Orleans.Persistence.RedisStorageOptions>(ChunkStorage<EventLogSegment>.StorageName)
                .Configure<Serializer>((o, serializer) => o.GrainStorageSerializer = new OrleansGrainStorageSerializer(serializer));
        });
        return builder.Build();
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
