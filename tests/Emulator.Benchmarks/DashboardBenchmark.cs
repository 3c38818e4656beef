using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Emulator.Benchmarks;

/// <summary>
/// The web dashboard at the load test's size (issue 15): the built silo (Release) as a child process at 100x, a
/// cluster of N m5.large instances (one Auto Scaling group behind a managed-scaling capacity provider) running
/// M tasks in S services (half binpack, half spread), prepared through the AWS API; then tests/ui/measure.mjs opens
/// /ui/clusters/NAME in Debian's headless Chromium (playwright-core) and reports the time to first render (several
/// page loads), the time per update (network + server, JSON parse, drawing) while two services roll a deployment, the
/// page's long tasks and event-loop delay, and its JS heap. Figures only: nothing here is asserted. Run on a quiet machine (the load
/// average is printed with the figures).
/// </summary>
public static partial class DashboardBenchmark
{
    public sealed record Options(int Instances, int Tasks, int Services, double TimeScale, int Updates, int Loads, string? Screenshot = null, bool Profile = false)
    {
        public static Options Parse(string[] args)
        {
            var o = new Options(1000, 10_000, 10, 100, 60, 5);
            for (var i = 0; i < args.Length; i++)
            {
                var value = i + 1 < args.Length ? args[i + 1] : throw new ArgumentException($"{args[i]} needs a value");
                o = args[i] switch
                {
                    "--instances" => o with { Instances = int.Parse(value, CultureInfo.InvariantCulture) },
                    "--tasks" => o with { Tasks = int.Parse(value, CultureInfo.InvariantCulture) },
                    "--services" => o with { Services = int.Parse(value, CultureInfo.InvariantCulture) },
                    "--time-scale" => o with { TimeScale = double.Parse(value, CultureInfo.InvariantCulture) },
                    "--updates" => o with { Updates = int.Parse(value, CultureInfo.InvariantCulture) },
                    "--loads" => o with { Loads = int.Parse(value, CultureInfo.InvariantCulture) },
                    "--screenshot" => o with { Screenshot = Path.GetFullPath(value) },
                    "--profile" => o with { Profile = value is "1" or "true" or "on" },
                    _ => throw new ArgumentException($"unknown option {args[i]}; usage: --ui [--instances N] [--tasks N] [--services N] [--time-scale X] [--updates N] [--loads N] [--screenshot FILE] [--profile on]"),
                };
                i++;
            }

            return o;
        }
    }

    public static async Task<int> Run(string[] args, TextWriter output)
    {
        Options o;
        try
        {
            o = Options.Parse(args);
        }
        catch (Exception e) when (e is ArgumentException or FormatException)
        {
            Console.Error.WriteLine(e.Message);
            return 2;
        }

        var ui = Path.Combine(HttpBenchmark.SiloProcess.RepoRoot(), "tests", "ui");
        if (!Directory.Exists(Path.Combine(ui, "node_modules", "playwright-core")))
        {
            Console.Error.WriteLine($"playwright-core is not installed: run `npm ci` in {ui}");
            return 2;
        }

        using var silo = HttpBenchmark.SiloProcess.Start(o.TimeScale);
        using var http = new HttpClient { BaseAddress = new Uri(silo.Endpoint), Timeout = TimeSpan.FromMinutes(2) };
        await silo.WaitHealthy(http);
        output.WriteLine($"Dashboard benchmark: silo {silo.Endpoint} (pid {silo.Pid}), {o.Instances} m5.large instances, {o.Tasks} tasks in {o.Services} services, {o.TimeScale}x, {Environment.ProcessorCount} cores, load {LoadAverage()}");

        const string cluster = "ui-bench";
        var sw = Stopwatch.StartNew();
        var services = await Prepare(http, cluster, o);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"prepared in {sw.Elapsed.TotalSeconds:0.0} s: {o.Instances} instances registered, {o.Tasks} tasks RUNNING"));

        var info = new ProcessStartInfo("node")
        {
            WorkingDirectory = ui,
            ArgumentList = { "measure.mjs" },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.Environment["EMULATOR_ENDPOINT"] = silo.Endpoint;
        info.Environment["CLUSTER"] = cluster;
        info.Environment["UPDATES"] = o.Updates.ToString(CultureInfo.InvariantCulture);
        info.Environment["LOADS"] = o.Loads.ToString(CultureInfo.InvariantCulture);
        info.Environment["DEPLOY"] = string.Join(',', services.Take(2));
        if (o.Profile)
        {
            info.Environment["PROFILE"] = "1";
        }

        if (o.Screenshot is { } screenshot)
        {
            info.Environment["SCREENSHOT"] = screenshot;
        }

        var loadBefore = LoadAverage();
        using var node = Process.Start(info)!;
        var stderr = node.StandardError.ReadToEndAsync();
        string? result = null;
        while (await node.StandardOutput.ReadLineAsync() is { } line)
        {
            if (line.StartsWith("RESULT ", StringComparison.Ordinal))
            {
                result = line[7..];
            }
            else
            {
                output.WriteLine("  " + line);
            }
        }

        await node.WaitForExitAsync();
        var loadAfter = LoadAverage();
        if (node.ExitCode != 0 || result is null)
        {
            output.WriteLine($"measure.mjs failed (exit {node.ExitCode}): {await stderr}");
            return 1;
        }

        Print(output, JsonNode.Parse(result)!.AsObject(), o, loadBefore, loadAfter);
        output.WriteLine(result);
        return 0;
    }

    private static void Print(TextWriter output, JsonObject r, Options o, string loadBefore, string loadAfter)
    {
        double D(JsonNode? n) => n?.GetValue<double>() ?? double.NaN;
        string Ms(JsonNode? n) => D(n).ToString("0", CultureInfo.InvariantCulture) + " ms";
        var u = r["update"]!;
        var h = r["history"]!;
        output.WriteLine();
        output.WriteLine($"| figure ({o.Instances:N0} instances, {o.Tasks:N0} tasks, {o.TimeScale}x) | value |");
        output.WriteLine("|---|---|");
        output.WriteLine($"| time to first render (navigation -> map drawn), median of {r["loads"]} loads | {Ms(r["firstRender"]!["median"])} (min {Ms(r["firstRender"]!["min"])}, max {Ms(r["firstRender"]!["max"])}) |");
        output.WriteLine($"| time to first frame painted after it, median | {Ms(r["firstFrame"]!["median"])} |");
        output.WriteLine($"| snapshot size | {D(u["bytes"]) / 1024:0} KiB |");
        output.WriteLine($"| per update, main thread (parse + draw), median / p95 / max | {Ms(u["mainMedian"])} / {Ms(u["mainP95"])} / {Ms(u["mainMax"])} |");
        output.WriteLine($"| per update, of which drawing, median | {Ms(u["renderMedian"])} |");
        output.WriteLine($"| per update, round trip (network + silo), median / p95 | {Ms(u["fetchMedian"])} / {Ms(u["fetchP95"])} |");
        output.WriteLine($"| updates per wall second (target 1) | {D(u["perSecond"]):0.00} over {u["count"]} updates |");
        output.WriteLine($"| charts: round trip / main thread, median | {Ms(h["fetchMedian"])} / {Ms(h["mainMedian"])} |");
        output.WriteLine($"| long tasks (> 50 ms) during the updates: count / longest | {r["longTasks"]!["count"]} / {Ms(r["longTasks"]!["max"])} |");
        output.WriteLine($"| longest event-loop delay (a 100 ms timer's lateness) | {Ms(r["maxFrameGap"])} |");
        output.WriteLine($"| JS heap after GC (used / total) | {D(r["heap"]!["used"]) / 1048576:0.0} MiB / {D(r["heap"]!["total"]) / 1048576:0.0} MiB |");
        output.WriteLine($"| DOM nodes | {r["heap"]!["nodes"]} |");
        output.WriteLine($"| machine load average (1, 5, 15 min) before / after | {loadBefore} / {loadAfter} |");
    }

    private static string LoadAverage() => File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "?";

    /// <summary>The cluster, through the AWS API: launch template + ASG (min = max = desired), capacity provider, services.</summary>
    private static async Task<List<string>> Prepare(HttpClient http, string cluster, Options o)
    {
        var n = o.Instances.ToString(CultureInfo.InvariantCulture);
        await HttpBenchmark.Call(http, "CreateCluster", new() { ["clusterName"] = cluster });
        var userData = Convert.ToBase64String(Encoding.UTF8.GetBytes($"#!/bin/bash\necho ECS_CLUSTER={cluster} >> /etc/ecs/ecs.config\n"));
        (await HttpBenchmark.Query(http, "2016-11-15", ("Action", "CreateLaunchTemplate"), ("LaunchTemplateName", cluster + "-lt"), ("LaunchTemplateData.ImageId", "ami-12345678"),
            ("LaunchTemplateData.InstanceType", "m5.large"), ("LaunchTemplateData.UserData", userData))).Dispose();
        (await HttpBenchmark.Query(http, "2011-01-01", ("Action", "CreateAutoScalingGroup"), ("AutoScalingGroupName", cluster + "-asg"), ("LaunchTemplate.LaunchTemplateName", cluster + "-lt"),
            ("LaunchTemplate.Version", "$Latest"), ("MinSize", n), ("MaxSize", n), ("DesiredCapacity", n), ("NewInstancesProtectedFromScaleIn", "true"),
            ("AvailabilityZones.member.1", "us-east-1a"), ("AvailabilityZones.member.2", "us-east-1b"), ("AvailabilityZones.member.3", "us-east-1c"))).Dispose();
        using var describe = await HttpBenchmark.Query(http, "2011-01-01", ("Action", "DescribeAutoScalingGroups"), ("AutoScalingGroupNames.member.1", cluster + "-asg"));
        var arn = AsgArn().Match(await describe.Content.ReadAsStringAsync()).Groups[1].Value;
        await HttpBenchmark.Call(http, "CreateCapacityProvider", new()
        {
            ["name"] = cluster + "-cp",
            ["autoScalingGroupProvider"] = new JsonObject
            {
                ["autoScalingGroupArn"] = arn,
                ["managedScaling"] = new JsonObject { ["status"] = "ENABLED", ["targetCapacity"] = 100 },
                ["managedTerminationProtection"] = "ENABLED",
            },
        });
        await HttpBenchmark.Call(http, "PutClusterCapacityProviders", new()
        {
            ["cluster"] = cluster,
            ["capacityProviders"] = new JsonArray(cluster + "-cp"),
            ["defaultCapacityProviderStrategy"] = new JsonArray(new JsonObject { ["capacityProvider"] = cluster + "-cp", ["weight"] = 1 }),
        });
        await Until(http, cluster, c => c["registeredContainerInstancesCount"]!.GetValue<int>() >= o.Instances, TimeSpan.FromMinutes(5), "the instances to register");

        await HttpBenchmark.Call(http, "RegisterTaskDefinition", new()
        {
            ["family"] = cluster + "-web",
            ["containerDefinitions"] = new JsonArray(new JsonObject { ["name"] = "web", ["image"] = "nginx", ["cpu"] = 128, ["memory"] = 512, ["essential"] = true }),
        });
        var services = new List<string>();
        var perService = o.Tasks / o.Services;
        for (var s = 0; s < o.Services; s++)
        {
            var name = $"svc-{s}";
            services.Add(name);
            var strategy = s % 2 == 0
                ? new JsonArray(new JsonObject { ["type"] = "binpack", ["field"] = "memory" })
                : new JsonArray(new JsonObject { ["type"] = "spread", ["field"] = "instanceId" });
            await HttpBenchmark.Call(http, "CreateService", new()
            {
                ["cluster"] = cluster,
                ["serviceName"] = name,
                ["taskDefinition"] = cluster + "-web",
                ["desiredCount"] = perService + (s < o.Tasks % o.Services ? 1 : 0),
                ["placementStrategy"] = strategy,
            });
        }

        await Until(http, cluster, c => c["runningTasksCount"]!.GetValue<int>() >= o.Tasks, TimeSpan.FromMinutes(10), $"{o.Tasks} tasks to run");
        return services;
    }

    private static async Task Until(HttpClient http, string cluster, Func<JsonNode, bool> condition, TimeSpan timeout, string what)
    {
        var sw = Stopwatch.StartNew();
        while (true)
        {
            var c = (await HttpBenchmark.Call(http, "DescribeClusters", new() { ["clusters"] = new JsonArray(cluster) }))["clusters"]![0]!;
            if (condition(c))
            {
                return;
            }

            if (sw.Elapsed > timeout)
            {
                throw new InvalidOperationException($"timed out waiting for {what}: {c.ToJsonString(new JsonSerializerOptions { WriteIndented = false })}");
            }

            await Task.Delay(250);
        }
    }

    [GeneratedRegex("<AutoScalingGroupARN>([^<]+)</AutoScalingGroupARN>")]
    private static partial Regex AsgArn();
}
