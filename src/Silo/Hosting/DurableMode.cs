using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Emulator.Model;
using Orleans.Configuration;
using Orleans.Serialization;
using Orleans.Storage;
using StackExchange.Redis;

namespace Emulator.Silo.Hosting;

/// <summary>
/// The durable multi-silo mode: Redis holds membership, grain state ("emulator" storage), reminders, the emulated
/// clock's start (so every silo, and a silo restarted later, agrees on emulated "now": B-T-1) and a registry of the
/// running silos' process ids (for the client's kill-silo chaos action).
/// </summary>
public static class DurableMode
{
    /// <summary>Redis key of the clock start of one emulator (cluster id).</summary>
    public static string ClockKey(string clusterId) => clusterId + ":emulator:clock";

    /// <summary>Redis hash of the silos of one emulator: silo address -> JSON (pid, machine, ports).</summary>
    public static string SilosKey(string clusterId) => clusterId + ":emulator:silos";

    /// <summary>Connects to Redis or fails with a message that says where it looked.</summary>
    public static IConnectionMultiplexer Connect(string redis)
    {
        try
        {
            var options = ConfigurationOptions.Parse(redis);
            options.AbortOnConnectFail = true;
            options.ConnectTimeout = 5000;
            return ConnectionMultiplexer.Connect(options);
        }
        catch (RedisConnectionException e)
        {
            throw new InvalidOperationException($"--redis {redis}: Redis does not answer ({e.Message}). Start one (redis-server --port 6379) or run without --redis for the embedded single-silo default.", e);
        }
    }

    /// <summary>
    /// The first silo of an emulator stores its clock start (epoch, wall start, time scale, seed) in Redis; every later
    /// silo adopts it. A silo configured with a different time scale or seed is refused: one emulator, one clock.
    /// </summary>
    public static void AgreeOnClock(IConnectionMultiplexer redis, string clusterId, EmulatorOptions options, TimeProvider wall)
    {
        var start = options.WallStart ?? wall.GetUtcNow();
        var epoch = options.Epoch ?? new DateTimeOffset(start.UtcTicks - start.UtcTicks % TimeSpan.TicksPerSecond, TimeSpan.Zero);
        var mine = new ClockRecord(epoch, start, options.TimeScale, options.Seed, options.Timings.MetricPeriod);
        var db = redis.GetDatabase();
        db.StringSet(ClockKey(clusterId), JsonSerializer.Serialize(mine), when: When.NotExists);
        var stored = JsonSerializer.Deserialize<ClockRecord>(db.StringGet(ClockKey(clusterId)).ToString())
            ?? throw new InvalidOperationException($"Redis key {ClockKey(clusterId)} does not hold a clock record.");
        if (Math.Abs(stored.TimeScale - options.TimeScale) > 1e-9 || stored.Seed != options.Seed)
        {
            throw new InvalidOperationException(
                $"Emulator '{clusterId}' in Redis runs at time scale {stored.TimeScale.ToString(CultureInfo.InvariantCulture)} with seed {stored.Seed}; this silo was started with " +
                $"{options.TimeScale.ToString(CultureInfo.InvariantCulture)} / {options.Seed}. Start it with --time-scale {stored.TimeScale.ToString(CultureInfo.InvariantCulture)} --seed {stored.Seed}, " +
                $"or use another --cluster-id (or delete the key {ClockKey(clusterId)} to start a new emulator).");
        }

        options.Epoch = stored.Epoch;
        options.WallStart = stored.WallStart;
        options.WriteThrough = true;
    }

    /// <summary>Redis clustering, storage and reminders, plus failure detection per <see cref="SiloHostOptions.FailureDetection"/>.</summary>
    public static ISiloBuilder UseDurableMode(this ISiloBuilder silo, SiloHostOptions host, IConnectionMultiplexer redis)
    {
        silo.Configure<ClusterOptions>(o =>
        {
            o.ClusterId = host.ClusterId;
            o.ServiceId = host.ClusterId;
        });
        silo.ConfigureEndpoints(System.Net.IPAddress.Parse(host.AdvertisedAddress), host.SiloPort, host.GatewayPort, listenOnAnyHostAddress: host.AdvertisedAddress != "127.0.0.1");
        var shared = Task.FromResult((redis, true)); // one connection for all three, not disposed by them
        var configuration = ConfigurationOptions.Parse(host.Redis!);
        silo.UseRedisClustering(o =>
        {
            o.ConfigurationOptions = configuration;
            o.CreateMultiplexer = _ => shared;
        });
        silo.AddRedisGrainStorage("emulator", (Orleans.Persistence.RedisStorageOptions o) =>
        {
            o.ConfigurationOptions = configuration;
            o.CreateMultiplexer = _ => shared;
        });
        silo.Services.AddOptions<Orleans.Persistence.RedisStorageOptions>("emulator")
            .Configure<Serializer>((o, serializer) => o.GrainStorageSerializer = new OrleansGrainStorageSerializer(serializer));
        silo.UseRedisReminderService(o =>
        {
            o.ConfigurationOptions = configuration;
            o.CreateMultiplexer = _ => shared;
        });

#if KUBERNETES
        // deploy/k8s: built with -p:Kubernetes=true; in a pod, Orleans' Kubernetes hosting takes the cluster id from
        // the pod's labels and the advertised address from POD_IP, and removes silos whose pods are gone.
        if (Environment.GetEnvironmentVariable("KUBERNETES_SERVICE_HOST") is not null)
        {
            silo.UseKubernetesHosting();
        }
#endif

        // A killed silo is declared dead within ~1-2 s instead of ~10-20 s (profile "fast"; --failure-detection orleans
        // keeps Orleans' defaults): until then its grains, CAS loops and timers are gone (FailureDetectionOptions).
        silo.Configure<ClusterMembershipOptions>(host.FailureDetection.ApplyTo);
        return silo;
    }

    /// <summary>Records this silo (address -> pid) in Redis so the client can list and kill silos; removed on a clean stop.</summary>
    public static void RegisterSilo(IConnectionMultiplexer redis, string clusterId, string siloAddress, SiloHostOptions host)
    {
        var entry = new SiloEntry(Environment.ProcessId, Environment.MachineName, host.Port, host.GatewayPort, host.SiloPort, DateTimeOffset.UtcNow);
        redis.GetDatabase().HashSet(SilosKey(clusterId), siloAddress, JsonSerializer.Serialize(entry));
    }

    public static void UnregisterSilo(IConnectionMultiplexer redis, string clusterId, string siloAddress)
    {
        try
        {
            redis.GetDatabase().HashDelete(SilosKey(clusterId), siloAddress);
        }
        catch (RedisException e)
        {
            Trace.TraceWarning("could not remove silo {0} from Redis: {1}", siloAddress, e.Message);
        }
    }

    /// <summary>The clock start; MetricPeriod (informational, the first silo's) lets the client express recovery in metric periods.</summary>
    private sealed record ClockRecord(DateTimeOffset Epoch, DateTimeOffset WallStart, double TimeScale, int Seed, TimeSpan? MetricPeriod = null);

    /// <summary>What the client reads to find a silo's process.</summary>
    public sealed record SiloEntry(int Pid, string Machine, int HttpPort, int GatewayPort, int SiloPort, DateTimeOffset StartedAt);
}
