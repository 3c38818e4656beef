using System.Buffers;
using System.Collections.Immutable;
using System.Text.Json;
using Emulator.Contracts;

namespace Emulator.Silo.Dashboard;

/// <summary>
/// The dashboard's charts over emulated time (issue 15): CapacityProviderReservation per provider against its target
/// (B-CAS-3), instances in service and desired per Auto Scaling group, running and pending tasks, requests and 5xx per
/// second of the cluster's target groups (B-LB-3), accrued cost (B-IT-5); with chaos injections and deployments as
/// markers on the time axis. Every series but the task counts comes from the emulator's CloudWatch datapoints; the
/// task counts are swept from the task records, which are exact while stopped tasks are still kept (B-T-2: one
/// hour), so points older than that are left out rather than drawn too low. A pure function of its input.
/// </summary>
public static class DashboardHistory
{
    /// <summary>Everything one history answer is made of, fetched by the endpoint.</summary>
    public sealed record Input(
        DateTimeOffset Now,
        DateTimeOffset From,
        TimeSpan Period,
        TimeSpan StoppedRetention,
        IReadOnlyList<(string Provider, int TargetCapacity, ImmutableArray<MetricDatum> Cpr)> Providers,
        IReadOnlyList<(string Group, ImmutableArray<MetricDatum> InService, ImmutableArray<MetricDatum> Desired)> Groups,
        IReadOnlyList<(string TargetGroup, ImmutableArray<MetricDatum> Requests, ImmutableArray<MetricDatum> Errors5xx)> TargetGroups,
        IReadOnlyList<(string Provider, ImmutableArray<MetricDatum> Charges)> Cost,
        IReadOnlyList<TaskRecord> Tasks,
        IReadOnlyList<ChaosInjection> Injections,
        IReadOnlyList<ServiceInfo> Services);

    /// <summary>
    /// The start of a window that fits the cluster's own history: its oldest datapoint or task, but at least
    /// <paramref name="minimum"/> before now and never before the input's own start.
    /// </summary>
    public static DateTimeOffset AutoFrom(Input x, TimeSpan minimum)
    {
        var oldest = x.Now;
        void Consider(ImmutableArray<MetricDatum> data)
        {
            foreach (var d in data.IsDefault ? [] : data)
            {
                if (d.Timestamp >= x.From && d.Timestamp < oldest)
                {
                    oldest = d.Timestamp;
                }
            }
        }

        foreach (var p in x.Providers)
        {
            Consider(p.Cpr);
        }

        foreach (var g in x.Groups)
        {
            Consider(g.InService);
        }

        foreach (var t in x.Tasks)
        {
            if (t.CreatedAt >= x.From && t.CreatedAt < oldest)
            {
                oldest = t.CreatedAt;
            }
        }

        // A little room before the first point, so it does not sit on the axis.
        var from = oldest - TimeSpan.FromTicks((x.Now - oldest).Ticks / 20);
        return from > x.Now - minimum ? x.Now - minimum : from < x.From ? x.From : from;
    }

    public static byte[] Write(Input input)
    {
        var buffer = new ArrayBufferWriter<byte>(16 * 1024);
        using (var w = new Utf8JsonWriter(buffer))
        {
            Write(w, input);
        }

        return buffer.WrittenSpan.ToArray();
    }

    private static void Write(Utf8JsonWriter w, Input x)
    {
        var periodSeconds = x.Period.TotalSeconds;
        w.WriteStartObject();
        w.WriteNumber("now", x.Now.ToUnixTimeMilliseconds());
        w.WriteNumber("from", x.From.ToUnixTimeMilliseconds());
        w.WriteNumber("periodSeconds", periodSeconds);
        w.WriteStartArray("charts");

        Chart(w, "cpr", "CapacityProviderReservation", "%",
            x.Providers.Select(p => new Series(p.Provider, Points(p.Cpr, x.From), false)),
            x.Providers.Select(p => (p.Provider + " target", (double)p.TargetCapacity)));

        Chart(w, "instances", "Instances in service (dashed: desired)", "instances",
            x.Groups.SelectMany(g => new[]
            {
                new Series(g.Group, Points(g.InService, x.From), false),
                new Series(g.Group + " desired", Points(g.Desired, x.From), true),
            }), []);

        var taskFrom = Max(x.From, x.Now - x.StoppedRetention);
        var (times, running, pending) = TaskCounts(x.Tasks, taskFrom, x.Now, Step(x.Now - taskFrom));
        var tasksTitle = taskFrom > x.From
            ? $"Tasks (from {taskFrom:HH:mm}: stopped tasks are kept {x.StoppedRetention.TotalMinutes:0} min)"
            : "Tasks";
        Chart(w, "tasks", tasksTitle, "tasks",
        [
            new Series("running", times.Zip(running, (t, v) => (t, (double)v)).ToList(), false),
            new Series("pending (incl. PROVISIONING)", times.Zip(pending, (t, v) => (t, (double)v)).ToList(), false),
        ], []);

        Chart(w, "requests", "Requests and 5xx per second", "req/s",
        [
            new Series("requests/s", Sum(x.TargetGroups.Select(g => g.Requests), x.From, periodSeconds), false),
            new Series("5xx/s", Sum(x.TargetGroups.Select(g => g.Errors5xx), x.From, periodSeconds), false),
        ], []);

        var cost = x.Cost.Select(c => new Series(c.Provider, Points(c.Charges, x.From), false)).ToList();
        if (cost.Count > 1)
        {
            cost.Insert(0, new Series("total", CarrySum(cost.Select(c => c.Points).ToList()), false));
        }

        Chart(w, "cost", "Accrued cost (USD)", "USD", cost, []);
        w.WriteEndArray();

        w.WriteStartArray("markers");
        foreach (var i in x.Injections.Where(i => i.At >= x.From).OrderBy(i => i.At))
        {
            Marker(w, i.At, "chaos", i.Action, i.Message);
        }

        foreach (var (service, d) in x.Services.SelectMany(s => s.Deployments.Select(d => (s.Spec.Name, d))))
        {
            if (d.CreatedAt >= x.From)
            {
                Marker(w, d.CreatedAt, "deployment", $"{service} {d.Id}", $"deployment {d.Id} of {service} started ({Arns.ShortName(d.TaskDefinitionArn)})", d.Id + ":start");
            }

            if (d.RolloutState != DeploymentRolloutState.IN_PROGRESS && d.UpdatedAt >= x.From && d.UpdatedAt > d.CreatedAt)
            {
                Marker(w, d.UpdatedAt, "deployment", $"{service} {d.Id} {d.RolloutState}",
                    $"deployment {d.Id} of {service} {d.RolloutState}: {d.RolloutStateReason}", d.Id + ":" + d.RolloutState);
            }
        }

        w.WriteEndArray();
        w.WriteNumber("tasksFrom", taskFrom.ToUnixTimeMilliseconds());
        w.WriteEndObject();
    }

    /// <summary>
    /// Running and pending task counts at each grid instant in [from, to] (B-TL-1): running from startedAt until
    /// stoppingAt (the stop request) or stoppedAt; pending (PROVISIONING, PENDING, ACTIVATING) from createdAt until it
    /// runs or is asked to stop. One sweep over the tasks' start and end instants.
    /// </summary>
    public static (List<long> Times, List<int> Running, List<int> Pending) TaskCounts(IReadOnlyList<TaskRecord> tasks, DateTimeOffset from, DateTimeOffset to, TimeSpan step)
    {
        var running = new List<(long At, int Delta)>(tasks.Count * 2);
        var pending = new List<(long At, int Delta)>(tasks.Count * 2);
        foreach (var t in tasks)
        {
            var end = t.StoppingAt ?? t.StoppedAt;
            if (t.StartedAt is { } started)
            {
                Interval(running, started, end);
            }

            Interval(pending, t.CreatedAt, Min(t.StartedAt, end));
        }

        var times = new List<long>();
        if (to < from || step <= TimeSpan.Zero)
        {
            return (times, [], []);
        }

        for (var at = from; at < to; at += step)
        {
            times.Add(at.ToUnixTimeMilliseconds());
        }

        times.Add(to.ToUnixTimeMilliseconds());
        return (times, Sweep(running, times), Sweep(pending, times));
    }

    private static void Interval(List<(long, int)> deltas, DateTimeOffset start, DateTimeOffset? end)
    {
        if (end is { } e && e <= start)
        {
            return;
        }

        deltas.Add((start.ToUnixTimeMilliseconds(), 1));
        if (end is { } stop)
        {
            deltas.Add((stop.ToUnixTimeMilliseconds(), -1));
        }
    }

    private static List<int> Sweep(List<(long At, int Delta)> deltas, List<long> times)
    {
        deltas.Sort((a, b) => a.At.CompareTo(b.At));
        var counts = new List<int>(times.Count);
        var level = 0;
        var i = 0;
        foreach (var t in times)
        {
            while (i < deltas.Count && deltas[i].At <= t)
            {
                level += deltas[i].Delta;
                i++;
            }

            counts.Add(level);
        }

        return counts;
    }

    /// <summary>About 240 points across the span, never finer than one emulated second.</summary>
    private static TimeSpan Step(TimeSpan span) => TimeSpan.FromSeconds(Math.Max(1, Math.Ceiling(span.TotalSeconds / 240)));

    private static List<(long, double)> Points(ImmutableArray<MetricDatum> data, DateTimeOffset from) =>
        (data.IsDefault ? [] : data).Where(d => d.Timestamp >= from).OrderBy(d => d.Timestamp)
            .Select(d => (d.Timestamp.ToUnixTimeMilliseconds(), d.Value)).ToList();

    /// <summary>Per-period counts of several target groups added up by timestamp, as a rate per second.</summary>
    private static List<(long, double)> Sum(IEnumerable<ImmutableArray<MetricDatum>> series, DateTimeOffset from, double periodSeconds) =>
        series.SelectMany(s => Points(s, from))
            .GroupBy(p => p.Item1)
            .OrderBy(g => g.Key)
            .Select(g => (g.Key, g.Sum(p => p.Item2) / periodSeconds))
            .ToList();

    /// <summary>The sum of cumulative series at every instant any of them has a point, each carried forward from its last point.</summary>
    public static List<(long, double)> CarrySum(IReadOnlyList<List<(long At, double Value)>> series)
    {
        var times = series.SelectMany(s => s.Select(p => p.At)).Distinct().Order().ToList();
        var index = new int[series.Count];
        var last = new double[series.Count];
        var result = new List<(long, double)>(times.Count);
        foreach (var t in times)
        {
            for (var k = 0; k < series.Count; k++)
            {
                while (index[k] < series[k].Count && series[k][index[k]].At <= t)
                {
                    last[k] = series[k][index[k]].Value;
                    index[k]++;
                }
            }

            result.Add((t, last.Sum()));
        }

        return result;
    }

    private sealed record Series(string Label, List<(long At, double Value)> Points, bool Dashed);

    private static void Chart(Utf8JsonWriter w, string id, string title, string unit, IEnumerable<Series> series, IEnumerable<(string Label, double Value)> guides)
    {
        w.WriteStartObject();
        w.WriteString("id", id);
        w.WriteString("title", title);
        w.WriteString("unit", unit);
        w.WriteStartArray("series");
        foreach (var s in series)
        {
            w.WriteStartObject();
            w.WriteString("label", s.Label);
            if (s.Dashed)
            {
                w.WriteBoolean("dashed", true);
            }

            w.WriteStartArray("points");
            foreach (var (at, value) in s.Points)
            {
                w.WriteStartArray();
                w.WriteNumberValue(at);
                w.WriteNumberValue(Math.Round(value, 4));
                w.WriteEndArray();
            }

            w.WriteEndArray();
            w.WriteEndObject();
        }

        w.WriteEndArray();
        w.WriteStartArray("guides");
        foreach (var (label, value) in guides)
        {
            w.WriteStartObject();
            w.WriteString("label", label);
            w.WriteNumber("value", value);
            w.WriteEndObject();
        }

        w.WriteEndArray();
        w.WriteEndObject();
    }

    private static void Marker(Utf8JsonWriter w, DateTimeOffset at, string kind, string label, string detail, string? key = null)
    {
        w.WriteStartObject();
        w.WriteNumber("t", at.ToUnixTimeMilliseconds());
        w.WriteString("kind", kind);
        w.WriteString("label", label);
        w.WriteString("detail", detail);
        if (key is not null)
        {
            w.WriteString("key", key);
        }

        w.WriteEndObject();
    }

    private static DateTimeOffset Max(DateTimeOffset a, DateTimeOffset b) => a > b ? a : b;

    private static DateTimeOffset? Min(DateTimeOffset? a, DateTimeOffset? b) => a is null ? b : b is null ? a : a < b ? a : b;
}
