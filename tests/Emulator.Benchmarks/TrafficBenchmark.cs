using System.Diagnostics;
using System.Globalization;
using Emulator.Contracts;
using Emulator.Model.LoadBalancing;

namespace Emulator.Benchmarks;

/// <summary>
/// <c>--lb-model [--targets N] [--rps X] [--seconds N]</c>: the load balancer model's cost per tick (B-LB-3). N targets
/// (default 10,000) at X requests/s (default 1,000), one emulated hour in 1 s ticks, 1 % of the targets dying and 1 %
/// deregistered along the way: the per-tick work the cluster (timeline) and the traffic grain (integration) do.
/// </summary>
public static class TrafficBenchmark
{
    public static int Run(string[] args, TextWriter output)
    {
        int targets = 10_000, seconds = 3600;
        double rps = 1_000;
        for (var i = 0; i + 1 < args.Length; i += 2)
        {
            switch (args[i])
            {
                case "--targets": targets = int.Parse(args[i + 1], CultureInfo.InvariantCulture); break;
                case "--rps": rps = double.Parse(args[i + 1], CultureInfo.InvariantCulture); break;
                case "--seconds": seconds = int.Parse(args[i + 1], CultureInfo.InvariantCulture); break;
                default: output.WriteLine("usage: Emulator.Benchmarks --lb-model [--targets N] [--rps X] [--seconds N]"); return 2;
            }
        }

        var t0 = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var settings = new HealthCheckSettings(TimeSpan.FromSeconds(30), 2, 2, TimeSpan.FromSeconds(90));
        var random = new Random(42);
        var facts = Enumerable.Range(0, targets).Select(i =>
        {
            var registered = t0 - TimeSpan.FromSeconds(random.Next(0, 600));
            var roll = random.NextDouble();
            return roll < 0.01 ? new TargetFacts("t" + i, registered, null, t0 + TimeSpan.FromSeconds(random.Next(1, seconds)))
                : roll < 0.02 ? new TargetFacts("t" + i, registered, t0 + TimeSpan.FromSeconds(random.Next(1, seconds)), null)
                : new TargetFacts("t" + i, registered, null, null);
        }).ToList();
        var profile = TrafficProfile.Constant(rps);

        var sw = Stopwatch.StartNew();
        var allocated = GC.GetAllocatedBytesForCurrentThread();
        TrafficIncrement total = default;
        for (var s = 0; s < seconds; s++)
        {
            var tl = TargetHealthModel.Timeline("svc", "tg", facts, settings, t0 + TimeSpan.FromSeconds(s), t0 + TimeSpan.FromSeconds(s + 1));
            total += TrafficModel.Accumulate(tl, profile, t0);
        }

        sw.Stop();
        allocated = GC.GetAllocatedBytesForCurrentThread() - allocated;
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"lb model: {targets} targets, {rps} req/s, {seconds} ticks of 1 s: {sw.Elapsed.TotalMilliseconds / seconds:0.000} ms per tick, " +
            $"{allocated / seconds / 1024.0:0.0} KiB allocated per tick"));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  requests {total.Requests:0}, failed 503 {total.Failed503:0.0}, failed 502 {total.Failed502:0.0} (expected requests {rps * seconds:0})"));
        return 0;
    }
}
