using System.Collections.Immutable;
using System.Diagnostics;
using System.Globalization;
using Emulator.Contracts;
using Microsoft.Extensions.DependencyInjection;

namespace Emulator.Benchmarks;

/// <summary>
/// The ECS Managed Instances provisioning loop at scale (issue 16, B-MI-2): one MANAGED_INSTANCES provider with no
/// instance at all, a service scaled from 0 to N tasks (default 10,000) in one CreateService; the manager launches
/// instances for the pending tasks, they register and the tasks are placed. Prints the wall time until every task is
/// RUNNING, tasks placed per second against the raw Orleans activation rate measured in the same run, the instances
/// launched and the manager's evaluations. Tasks not RUNNING at the timeout are errors (exit code 1), never speed.
/// Usage: <c>--managed-instances [--tasks N] [--time-scale X] [--activations N] [--timeout-seconds N]</c>.
/// </summary>
public static class ManagedInstancesBenchmark
{
    private const string ClusterName = "mi-bench";
    private const string Provider = "mi-bench-cp";

    public static async Task<int> Run(string[] args, TextWriter log)
    {
        int tasks = 10_000, activations = 100_000, timeoutSeconds = 300;
        double timeScale = 6000;
        for (var i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            switch (args[i])
            {
                case "--tasks": tasks = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--time-scale": timeScale = double.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--activations": activations = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--timeout-seconds": timeoutSeconds = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                default:
                    Console.Error.WriteLine($"unknown option {args[i]}; usage: --managed-instances [--tasks N] [--time-scale X] [--activations N] [--timeout-seconds N]");
                    return 2;
            }
        }

        var options = new BenchmarkOptions { TimeScale = timeScale, Activations = activations };
        var emulator = BenchmarkHost.EmulatorOptionsFor(options);
        emulator.ProvisioningQueueLimit = Math.Max(emulator.ProvisioningQueueLimit, tasks); // B-PQ-3's 500 would cap the scale-up
        using var host = BenchmarkHost.Build(emulator, null);
        await host.StartAsync();
        var grains = host.Services.GetRequiredService<IGrainFactory>();
        log.WriteLine($"ECS Managed Instances provisioning loop: {tasks:N0} tasks from no instance, time scale {timeScale}x");
        log.WriteLine("Raw Orleans baseline:");
        var baseline = await BaselineBenchmark.Run(grains, options, log);

        var control = grains.GetGrain<IEcsControlGrain>(GrainKeys.Control);
        var cluster = grains.GetGrain<IClusterGrain>(ClusterName);
        await control.CreateCluster(new CreateClusterRequest(ClusterName, [], [], ImmutableDictionary<string, string>.Empty));
        await control.CreateCapacityProvider(new CapacityProviderSpec(Provider, "", ManagedScalingSpec.Default, false, true, ImmutableDictionary<string, string>.Empty,
            new ManagedInstancesSpec("arn:aws:iam::000000000000:role/ecsInfrastructureRole", "arn:aws:iam::000000000000:instance-profile/ecsInstanceRole",
                [], [], ManagedInstancesSpec.OnDemand, "BASIC",
                new InstanceRequirementsSpec(new NumberRange(1, null), new NumberRange(1024, null), null, [], ["m5.xlarge"], [], [], null, null, null, null, null),
                "NONE", -1, "{}", [], ClusterName)));
        var td = await control.RegisterTaskDefinition(new TaskDefinitionSpec("mi-bench-web",
            [new ContainerDefinition("app", "public.ecr.aws/nginx/nginx:latest", 256, 512, null, true, [], null, 0)],
            null, null, NetworkMode.bridge, ["EC2"], [], ImmutableDictionary<string, string>.Empty));

        log.WriteLine("Emulator:");
        var cpu = Measure.CpuTime();
        var emulatedStart = await control.Now();
        var clock = Stopwatch.StartNew();
        await control.CreateService(new CreateServiceRequest(ClusterName, "web", td.Arn, tasks, null, [new CapacityProviderStrategyItem(Provider, 1, 0)], [], [],
            SchedulingStrategy.REPLICA, null, null, ImmutableDictionary<string, string>.Empty, null));
        var running = 0;
        while (clock.Elapsed < TimeSpan.FromSeconds(timeoutSeconds))
        {
            running = (await cluster.Describe())?.RunningTasksCount ?? 0;
            if (running >= tasks)
            {
                break;
            }

            await Task.Delay(20);
        }

        var seconds = clock.Elapsed.TotalSeconds;
        var emulated = (await control.Now() - emulatedStart).TotalSeconds;
        var cpuSeconds = (Measure.CpuTime() - cpu).TotalSeconds;
        var provider = (await control.DescribeCapacityProviders([Provider])).Single();
        var instances = (await cluster.GetInstances()).Length;
        var rate = running / seconds;
        var errors = tasks - running;
        log.WriteLine(FormattableString.Invariant($"  {running:N0} of {tasks:N0} tasks RUNNING after {seconds:0.00} s wall ({emulated:0} emulated s), CPU {cpuSeconds:0.00} s"));
        log.WriteLine(FormattableString.Invariant($"  {instances:N0} m5.xlarge instances launched by {provider.Managed?.Evaluations:N0} manager evaluations ({provider.Managed?.Launched:N0} launched)"));
        log.WriteLine(FormattableString.Invariant($"  {rate:N0} tasks RUNNING per second against {baseline.ActivationsPerSecond:N0} raw activations per second: ratio {rate / baseline.ActivationsPerSecond:0.00}"));
        if (errors > 0)
        {
            log.WriteLine(FormattableString.Invariant($"  ERROR: {errors:N0} tasks not RUNNING after {timeoutSeconds} s: counted as errors, not speed"));
        }

        log.WriteLine(FormattableString.Invariant(
            $"{{\"benchmark\":\"managed-instances\",\"tasks\":{tasks},\"running\":{running},\"errors\":{errors},\"seconds\":{seconds:0.000},\"emulatedSeconds\":{emulated:0},\"tasksPerSecond\":{rate:0.0},\"rawActivationsPerSecond\":{baseline.ActivationsPerSecond:0.0},\"ratio\":{rate / baseline.ActivationsPerSecond:0.000},\"instances\":{instances},\"evaluations\":{provider.Managed?.Evaluations ?? 0},\"cpuSeconds\":{cpuSeconds:0.00}}}"));
        await BenchmarkHost.Stop(host);
        return errors == 0 ? 0 : 1;
    }
}
