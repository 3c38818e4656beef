using Emulator.Benchmarks;
using Microsoft.Extensions.DependencyInjection;

if (args is ["--lb-model", ..])
{
    return TrafficBenchmark.Run(args[1..], Console.Out);
}

if (args is ["--deployment", ..])
{
    return await DeploymentBenchmark.Run(args[1..], Console.Out);
}

if (args is ["--ui", ..])
{
    return await DashboardBenchmark.Run(args[1..], Console.Out);
}

if (args is ["--service-auto-scaling", ..])
{
    return await ServiceAutoScalingBenchmark.Run(args[1..], Console.Out);
}

if (args is ["--managed-instances", ..])
{
    return await ManagedInstancesBenchmark.Run(args[1..], Console.Out);
}

if (args is ["--history", ..])
{
    return await HistoryBenchmark.Run(args[1..], Console.Out);
}

BenchmarkOptions options;
try
{
    options = BenchmarkOptions.Parse(args);
}
catch (ArgumentException e)
{
    Console.Error.WriteLine(e.Message);
    return 2;
}

if (options.Repeat > 1)
{
    // Each run in a fresh process of its own (cold, like a single run), then the median and range of every headline figure.
    return await Repeat.Run(args, options, Console.Out);
}

if (options.Http)
{
    // The HTTP mode uses its own time scale default of the wire tests (600x) unless one is given.
    return await HttpBenchmark.Run(args.Contains("--time-scale") ? options : options with { TimeScale = 600 }, Console.Out);
}

var emulator = BenchmarkHost.EmulatorOptionsFor(options);
var profile = options.Profile ? new CallProfile() : null;
using var host = BenchmarkHost.Build(emulator, profile);
await host.StartAsync();
var grains = host.Services.GetRequiredService<IGrainFactory>();

Report.Header(Console.Out, options, emulator);
Console.WriteLine("Raw Orleans baseline:");
var baseline = await BaselineBenchmark.Run(grains, options, Console.Out);
Console.WriteLine("Emulator:");
var result = await EmulatorBenchmark.Run(host.Services, grains, options, profile, Console.Out);
await BenchmarkHost.Stop(host);
Report.Print(Console.Out, options, emulator, baseline, result);
return result.Probes.InvariantViolations == 0 ? 0 : 1;
