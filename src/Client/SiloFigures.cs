using System.Collections.Immutable;
using System.Globalization;
using Emulator.Contracts;
using StackExchange.Redis;

namespace Emulator.Client;

/// <summary>Redis's own process figures (durable mode), from <c>INFO</c>: CPU seconds (user + system) and RSS.</summary>
public sealed record RedisFigures(double CpuSeconds, long ResidentBytes);

/// <summary>Timer lag (B-T-3, emulated seconds) over one or several silos.</summary>
public sealed record LagFigures(double P50, double P99, double Max, long Count)
{
    /// <summary>
    /// The lag of several silos as one distribution: each silo's retained values weighted by how many lags its window
    /// counted per retained value. One silo with lag answers its own percentiles unchanged.
    /// </summary>
    public static LagFigures Merge(IEnumerable<SiloDiagnostics> silos)
    {
        var withLag = silos.Where(s => s.LagCount > 0).ToList();
        if (withLag.Count == 0)
        {
            return new LagFigures(0, 0, 0, 0);
        }

        if (withLag.Count == 1 || withLag.Any(s => s.LagSample.IsDefaultOrEmpty))
        {
            var only = withLag.MaxBy(s => s.LagCount)!;
            return withLag.Count == 1
                ? new LagFigures(only.LagP50, only.LagP99, only.LagMax, only.LagCount)
                : new LagFigures(withLag.Max(s => s.LagP50), withLag.Max(s => s.LagP99), withLag.Max(s => s.LagMax), withLag.Sum(s => s.LagCount));
        }

        var weighted = withLag.SelectMany(s => s.LagSample.Select(v => (Value: v, Weight: (double)s.LagCount / s.LagSample.Length)))
            .OrderBy(x => x.Value).ToList();
        var total = weighted.Sum(x => x.Weight);
        double At(double q)
        {
            var seen = 0.0;
            foreach (var (value, weight) in weighted)
            {
                seen += weight;
                if (seen >= q * total)
                {
                    return value;
                }
            }

            return weighted[^1].Value;
        }

        return new LagFigures(At(0.5), At(0.99), withLag.Max(s => s.LagMax), withLag.Sum(s => s.LagCount));
    }
}

/// <summary>
/// Every silo's figures at one moment (one silo in the embedded default, each silo of the durable mode), and Redis's
/// in the durable mode. Process totals count each process once: an in-process test cluster runs several silos in one.
/// </summary>
public sealed record ClusterReading(ImmutableArray<SiloDiagnostics> Silos, RedisFigures? Redis)
{
    public IEnumerable<SiloDiagnostics> Processes => Silos.DistinctBy(s => (s.MachineName, s.ProcessId));

    public double CpuSeconds => Processes.Sum(s => s.CpuSeconds);

    public long ResidentBytes => Processes.Sum(s => s.ResidentBytes);

    public long GcHeapBytes => Processes.Sum(s => s.GcHeapBytes);

    public DateTimeOffset EmulatedNow => Silos.Max(s => s.EmulatedNow);

    public double TimeScale => Silos[0].TimeScale;

    public int ProcessorCount => Silos[0].ProcessorCount;

    public LagFigures Lag => LagFigures.Merge(Silos);

    public SiloDiagnostics Silo(string address) => Silos.Single(s => s.SiloAddress == address);
}

/// <summary>Where the grains of one load-test cluster ran: the cluster grain's silo and its service grains per silo.</summary>
public sealed record GrainLocations(string? ClusterGrainSilo, ImmutableDictionary<string, int> ServiceGrainsBySilo);

/// <summary>
/// Reads the figures of every active silo of the emulator the client is connected to (<see cref="ISiloDiagnosticsGrain"/>,
/// placed on the silo it names) and, in the durable mode, Redis's CPU and memory (<c>INFO</c>).
/// </summary>
public sealed class SiloProbe : IAsyncDisposable
{
    private readonly IGrainFactory _grains;
    private readonly ConnectionMultiplexer? _redis;

    private SiloProbe(IGrainFactory grains, ImmutableArray<string> silos, ConnectionMultiplexer? redis, string? redisAddress)
    {
        _grains = grains;
        Silos = silos;
        _redis = redis;
        RedisAddress = redisAddress;
    }

    /// <summary>The active silos when the probe was made, by address (Orleans' parsable form), in order.</summary>
    public ImmutableArray<string> Silos { get; }

    public string? RedisAddress { get; }

    public static async Task<SiloProbe> ConnectAsync(IGrainFactory grains, string? redis)
    {
        var silos = await ActiveSilosAsync(grains);
        ConnectionMultiplexer? mux = null;
        if (!string.IsNullOrWhiteSpace(redis))
        {
            var options = ConfigurationOptions.Parse(redis);
            options.AllowAdmin = true; // INFO (Redis's own CPU and memory) is an admin command for StackExchange.Redis
            mux = await ConnectionMultiplexer.ConnectAsync(options);
        }

        return new SiloProbe(grains, silos, mux, redis);
    }

    /// <summary>The active silos now, by address, in order.</summary>
    public static async Task<ImmutableArray<string>> ActiveSilosAsync(IGrainFactory grains) =>
        (await grains.GetGrain<IManagementGrain>(0).GetHosts(onlyActive: true)).Keys.Select(a => a.ToParsableString()).Order(StringComparer.Ordinal).ToImmutableArray();

    /// <summary>"silo 2 of 3" style: the 1-based position of a silo in <see cref="Silos"/>.</summary>
    public string Name(string silo) => Silos.IndexOf(silo) is >= 0 and var i ? $"silo {i + 1}" : silo;

    public async Task<ClusterReading> ReadAsync(bool collect, bool resetLag)
    {
        var silos = await Task.WhenAll(Silos.Select(s => _grains.GetGrain<ISiloDiagnosticsGrain>(GrainKeys.PinnedToSilo(s)).Read(collect, resetLag)));
        return new ClusterReading([.. silos], await ReadRedisAsync());
    }

    /// <summary>Where the cluster grain of <paramref name="cluster"/> and its service grains are active now.</summary>
    public async Task<GrainLocations> LocateAsync(string cluster)
    {
        var stats = await _grains.GetGrain<IManagementGrain>(0).GetDetailedGrainStatistics();
        var clusterId = _grains.GetGrain<IClusterGrain>(GrainKeys.Cluster(cluster)).GetGrainId();
        var clusterSilo = stats.FirstOrDefault(s => s.GrainId.Equals(clusterId))?.SiloAddress.ToParsableString();
        var services = stats
            .Where(s => s.GrainType.Contains("ServiceGrain", StringComparison.Ordinal)
                        && s.GrainId.Key.ToString()!.StartsWith(GrainKeys.Service(cluster, ""), StringComparison.Ordinal))
            .GroupBy(s => s.SiloAddress.ToParsableString())
            .ToImmutableDictionary(g => g.Key, g => g.Count());
        return new GrainLocations(clusterSilo, services);
    }

    private async Task<RedisFigures?> ReadRedisAsync()
    {
        if (_redis is null)
        {
            return null;
        }

        var server = _redis.GetServer(_redis.GetEndPoints()[0]);
        var info = (await server.InfoAsync()).SelectMany(g => g).ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal);
        double D(string key) => info.TryGetValue(key, out var v) && double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) ? d : 0;
        return new RedisFigures(D("used_cpu_user") + D("used_cpu_sys"), (long)D("used_memory_rss"));
    }

    public async ValueTask DisposeAsync()
    {
        if (_redis is not null)
        {
            await _redis.DisposeAsync();
        }
    }
}
