using System.Collections.Immutable;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Emulator.Contracts;
using StackExchange.Redis;

namespace Emulator.Client;

/// <summary>
/// The emulated clock of a durable emulator as its first silo stored it in Redis (B-T-1: emulatedNow = epoch +
/// (wallNow - wallStart) x timeScale), so the client can tell the emulated instant of a wall-clock event (a kill).
/// </summary>
public sealed record EmulatorClock(DateTimeOffset Epoch, DateTimeOffset WallStart, double TimeScale, int Seed, TimeSpan? MetricPeriod)
{
    /// <summary>The default of <c>Emulator:Timings:MetricPeriod</c> when the stored clock does not say (older silos).</summary>
    public static readonly TimeSpan DefaultMetricPeriod = TimeSpan.FromSeconds(60);

    public TimeSpan Period => MetricPeriod is { } p && p > TimeSpan.Zero ? p : DefaultMetricPeriod;

    /// <summary>Emulated time at a wall instant.</summary>
    public DateTimeOffset At(DateTimeOffset wall) => Epoch + Emulated(wall - WallStart);

    public TimeSpan Emulated(TimeSpan wall) => TimeSpan.FromTicks((long)(wall.Ticks * TimeScale));

    public TimeSpan Wall(TimeSpan emulated) => TimeSpan.FromTicks((long)(emulated.Ticks / TimeScale));

    public static string Key(string clusterId) => clusterId + ":emulator:clock";

    public static async Task<EmulatorClock> ReadAsync(string redis, string clusterId)
    {
        await using var connection = await ConnectionMultiplexer.ConnectAsync(redis);
        var json = await connection.GetDatabase().StringGetAsync(Key(clusterId));
        if (json.IsNullOrEmpty)
        {
            throw new InvalidOperationException($"Redis {redis} holds no emulator clock under {Key(clusterId)}: is --cluster-id right?");
        }

        return JsonSerializer.Deserialize<EmulatorClock>(json.ToString())
               ?? throw new InvalidOperationException($"Redis key {Key(clusterId)} does not hold a clock record.");
    }
}

/// <summary>One recovery figure, measured from the kill instant: what resumed and when (null: not seen before the deadline).</summary>
/// <param name="What">"cas", "cluster tick", "asg tick", "services", ...</param>
/// <param name="Subject">The cluster/provider, cluster or group it is about.</param>
/// <param name="SinceKill">Emulated time from the kill to the resumption.</param>
/// <param name="SinceDead">Emulated time from the death declaration to the resumption (negative: before it).</param>
public sealed record RecoveryFigure(string What, string Subject, TimeSpan? SinceKill, TimeSpan? SinceDead);

/// <summary>How a cluster recovered from one silo kill, every figure from the kill instant (wall and emulated).</summary>
public sealed record RecoveryReport(
    string Victim,
    EmulatorClock Clock,
    DateTimeOffset KilledAtWall,
    DateTimeOffset KilledAtEmulated,
    TimeSpan? DeclaredDeadWall,
    ImmutableArray<RecoveryFigure> Figures)
{
    public TimeSpan? DeclaredDeadEmulated => DeclaredDeadWall is { } w ? Clock.Emulated(w) : null;

    public IEnumerable<RecoveryFigure> Of(string what) => Figures.Where(f => f.What == what);

    /// <summary>The report's lines: each figure in wall seconds, emulated seconds and metric periods.</summary>
    public IEnumerable<string> Lines()
    {
        var period = Clock.Period;
        string Fmt(TimeSpan emulated) => string.Create(CultureInfo.InvariantCulture,
            $"{Clock.Wall(emulated).TotalSeconds,5:0.00} s wall = {emulated.TotalSeconds,6:0} s emulated ({emulated / period:0.00} metric periods)");

        yield return string.Create(CultureInfo.InvariantCulture,
            $"killed {Victim} at {KilledAtEmulated:O} (emulated); time scale {Clock.TimeScale}x, metric period {period.TotalSeconds:0} s emulated = {Clock.Wall(period).TotalSeconds:0.###} s wall");
        yield return DeclaredDeadEmulated is { } dead
            ? $"declared dead                        after {Fmt(dead)}"
            : "declared dead                        not seen";
        foreach (var f in Figures)
        {
            var label = $"{f.What} resumed: {f.Subject}";
            yield return f.SinceKill is { } since
                ? $"{label,-36} after {Fmt(since)}" + (f.SinceDead is { } d ? string.Create(CultureInfo.InvariantCulture, $"; {d.TotalSeconds:0} s emulated after the death ({d / period:0.00} periods)") : "")
                : $"{label,-36} not seen";
        }
    }
}

/// <summary>
/// Measures a silo kill's recovery from the kill instant. Before the kill it notes what to watch: every capacity
/// provider with managed scaling associated with a cluster (CAS: its CapacityProviderReservation datapoints, B-CAS-3),
/// every cluster's lifecycle timer (its AWS/ECS CPUReservation datapoint, once per metric period) and every group's
/// timer (AWS/AutoScaling GroupInServiceInstances, once per metric period). After the kill it reads only Orleans'
/// membership and the metric store, so watching does not itself wake the grains it measures; the first datapoint
/// stamped after the kill is the moment that work ran again (emulated time, exact). Services back at their desired
/// count are checked afterwards (that read reactivates what it touches).
/// </summary>
public sealed class RecoveryWatch
{
    private readonly EmulatorConnection _connection;
    private readonly EmulatorClock _clock;
    private readonly List<(string What, string Subject, string Namespace, string Metric, ImmutableArray<MetricDimension> Dimensions)> _series;
    private readonly Dictionary<string, ImmutableHashSet<string>> _servicesAtDesired;
    private DateTimeOffset _killedAt;

    private RecoveryWatch(EmulatorConnection connection, EmulatorClock clock, List<(string, string, string, string, ImmutableArray<MetricDimension>)> series,
        Dictionary<string, ImmutableHashSet<string>> servicesAtDesired)
    {
        _connection = connection;
        _clock = clock;
        _series = series;
        _servicesAtDesired = servicesAtDesired;
    }

    public EmulatorClock Clock => _clock;

    /// <summary>Notes what to watch in these clusters (call before the kill: it reads every cluster's status).</summary>
    public static async Task<RecoveryWatch> PrepareAsync(EmulatorConnection connection, IEnumerable<string> clusters)
    {
        if (connection.Redis is null)
        {
            throw new InvalidOperationException("recovery is measured in the durable mode (--redis) only");
        }

        var clock = await EmulatorClock.ReadAsync(connection.Redis, connection.ClusterId);
        var control = connection.Grains.GetGrain<IEcsControlGrain>(GrainKeys.Control);
        var series = new List<(string, string, string, string, ImmutableArray<MetricDimension>)>();
        var services = new Dictionary<string, ImmutableHashSet<string>>(StringComparer.Ordinal);
        foreach (var cluster in clusters)
        {
            var status = await control.GetClusterStatus(cluster, false);
            foreach (var p in status.CapacityProviders.Where(p => p.Cluster == cluster && p.Spec?.ManagedScaling.Status == ManagedScalingStatus.ENABLED))
            {
                series.Add(("cas", $"{cluster}/{p.Name}", MetricNamespaces.ManagedScaling, "CapacityProviderReservation",
                    [new MetricDimension("CapacityProviderName", p.Name), new MetricDimension("ClusterName", cluster)]));
            }

            series.Add(("cluster tick", cluster, MetricNamespaces.Ecs, "CPUReservation", [new MetricDimension("ClusterName", cluster)]));
            foreach (var g in status.AutoScalingGroups)
            {
                series.Add(("asg tick", g.Spec.Name, MetricNamespaces.AutoScaling, "GroupInServiceInstances", [new MetricDimension("AutoScalingGroupName", g.Spec.Name)]));
            }

            services[cluster] = status.Services.Where(s => s.Status == ServiceStatus.ACTIVE && s.RunningCount == s.Spec.DesiredCount)
                .Select(s => s.Spec.Name).ToImmutableHashSet(StringComparer.Ordinal);
        }

        return new RecoveryWatch(connection, clock, series, services);
    }

    /// <summary>Call right before the kill signal: the wall (and so emulated) instant everything is measured from.</summary>
    public void MarkKill() => _killedAt = DateTimeOffset.UtcNow;

    /// <summary>
    /// Waits (up to <paramref name="timeout"/> wall time) for the death declaration and for every watched series to
    /// publish a datapoint stamped after the kill; then, when <paramref name="services"/>, for every service that ran
    /// its desired count before the kill to run it again.
    /// </summary>
    public async Task<RecoveryReport> WatchAsync(string victim, TimeSpan timeout, bool services, CancellationToken ct)
    {
        var killedEmulated = _clock.At(_killedAt);
        var deadline = Stopwatch.StartNew();
        TimeSpan? dead = null;
        var seen = new Dictionary<int, DateTimeOffset>();
        while (deadline.Elapsed < timeout && (dead is null || seen.Count < _series.Count))
        {
            ct.ThrowIfCancellationRequested();

            // Every read at once, each bounded: a call that reaches a silo just as it dies can go unanswered until
            // Orleans' response timeout (30 s) and must not hold up the others.
            var deadCheck = dead is null ? Bounded(() => DeclaredDeadAsync(victim), ct) : null;
            var reads = Enumerable.Range(0, _series.Count).Where(i => !seen.ContainsKey(i)).Select(i => (i, Task: Bounded(async () =>
            {
                var s = _series[i];
                var points = await _connection.Grains.GetGrain<IMetricStoreGrain>(s.Namespace).Get(s.Metric, s.Dimensions, killedEmulated, DateTimeOffset.MaxValue);
                return points.Length > 0 ? points.Min(p => p.Timestamp) : (DateTimeOffset?)null;
            }, ct))).ToList();
            if (deadCheck is not null)
            {
                dead = await deadCheck;
            }

            foreach (var (i, read) in reads)
            {
                if (await read is { } first)
                {
                    seen[i] = first;
                }
            }

            await Task.Delay(100, ct);
        }

        var deadEmulated = dead is { } w ? killedEmulated + _clock.Emulated(w) : (DateTimeOffset?)null;
        var figures = ImmutableArray.CreateBuilder<RecoveryFigure>();
        for (var i = 0; i < _series.Count; i++)
        {
            figures.Add(seen.TryGetValue(i, out var at)
                ? new RecoveryFigure(_series[i].What, _series[i].Subject, at - killedEmulated, deadEmulated is { } d ? at - d : null)
                : new RecoveryFigure(_series[i].What, _series[i].Subject, null, null));
        }

        if (services)
        {
            foreach (var (cluster, names) in _servicesAtDesired.Where(kv => !kv.Value.IsEmpty))
            {
                var back = await ServicesBackAsync(cluster, names, timeout - deadline.Elapsed, ct);
                figures.Add(new RecoveryFigure("services at desired count", $"{cluster} ({names.Count} services)",
                    back is { } b ? _clock.Emulated(b) : null, back is { } b2 && dead is { } d2 ? _clock.Emulated(b2 - d2) : null));
            }
        }

        return new RecoveryReport(victim, _clock, _killedAt, killedEmulated, dead, figures.ToImmutable());
    }

    /// <summary>The call's answer, or default when it fails or takes longer than 2 s (calls fail while the cluster notices the death).</summary>
    private static async Task<T?> Bounded<T>(Func<Task<T?>> call, CancellationToken ct)
    {
        try
        {
            return await call().WaitAsync(TimeSpan.FromSeconds(2), ct);
        }
        catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            return default;
        }
    }

    /// <summary>
    /// Wall time from the kill to the death declaration: the declaring vote's own timestamp in the membership table
    /// (Orleans records one), else the moment this poll saw the silo dead. Null while it is not dead.
    /// </summary>
    private async Task<TimeSpan?> DeclaredDeadAsync(string victim)
    {
        var hosts = await _connection.Grains.GetGrain<IManagementGrain>(0).GetDetailedHosts(onlyActive: false);
        var entry = hosts.FirstOrDefault(h => h.SiloAddress.ToParsableString() == victim);
        if (entry is null || entry.Status != SiloStatus.Dead)
        {
            return null;
        }

        var votes = entry.SuspectTimes?.Select(v => new DateTimeOffset(DateTime.SpecifyKind(v.Item2, DateTimeKind.Utc))).Where(t => t >= _killedAt).ToList();
        var at = votes is { Count: > 0 } ? votes.Max() : DateTimeOffset.UtcNow;
        return at - _killedAt;
    }

    private async Task<TimeSpan?> ServicesBackAsync(string cluster, ImmutableHashSet<string> names, TimeSpan timeout, CancellationToken ct)
    {
        var control = _connection.Grains.GetGrain<IEcsControlGrain>(GrainKeys.Control);
        var sw = Stopwatch.StartNew();
        while (sw.Elapsed < timeout)
        {
            ct.ThrowIfCancellationRequested();
            try
            {
                var status = await control.GetClusterStatus(cluster, false).WaitAsync(TimeSpan.FromSeconds(5), ct);
                if (names.All(n => status.Services.Any(s => s.Spec.Name == n && s.Status == ServiceStatus.ACTIVE && s.RunningCount == s.Spec.DesiredCount)))
                {
                    return DateTimeOffset.UtcNow - _killedAt;
                }
            }
            catch (Exception e) when (e is TimeoutException || (e is not OperationCanceledException && e is not EcsException))
            {
                // calls fail (or go unanswered) while the cluster notices the death
            }

            await Task.Delay(250, ct);
        }

        return null;
    }
}
