using System.Collections.Immutable;
using System.CommandLine;
using Emulator.Client.Chaos;
using Emulator.Client.Scenarios;
using Spectre.Console;

namespace Emulator.Client;

/// <summary>The command line: status tables and scenario runs.</summary>
public static class ClientCommands
{
    public static RootCommand Build()
    {
        var gateway = new Option<int>("--gateway-port") { Description = "Orleans gateway port of the silo", DefaultValueFactory = _ => 30000 };
        var redis = new Option<string?>("--redis") { Description = "Redis of a durable multi-silo emulator (host:port): find its gateways there" };
        var clusterId = new Option<string>("--cluster-id") { Description = "Cluster id of the durable emulator", DefaultValueFactory = _ => "ecs-emulator" };
        var root = new RootCommand("ECS emulator client: status views and scenario runs against a running silo.");
        root.Options.Add(gateway);
        root.Options.Add(redis);
        root.Options.Add(clusterId);
        Target target(ParseResult r) => new(r.GetValue(gateway), r.GetValue(redis), r.GetValue(clusterId)!);

        var cluster = new Option<string?>("--cluster") { Description = "Show one cluster in detail" };
        var watch = new Option<int>("--watch") { Description = "Refresh every N seconds (0 = once)", DefaultValueFactory = _ => 0 };
        var status = new Command("status", "Show clusters, capacity providers (N, M, CPR), instances, tasks and services.");
        status.Options.Add(cluster);
        status.Options.Add(watch);
        status.SetAction((result, ct) => WithConnection(target(result), ct, async connection =>
        {
            var view = new StatusView(connection.Grains, AnsiConsole.Console);
            do
            {
                await view.ShowAsync(result.GetValue(cluster));
                if (result.GetValue(watch) <= 0)
                {
                    break;
                }

                await Task.Delay(TimeSpan.FromSeconds(result.GetValue(watch)), ct);
            }
            while (!ct.IsCancellationRequested);
            return 0;
        }));
        root.Subcommands.Add(status);

        var dCluster = new Option<string>("--cluster") { Description = "Cluster name or ARN", Required = true };
        var dService = new Option<string>("--service") { Description = "Service name or ARN", Required = true };
        var follow = new Option<bool>("--follow") { Description = "Keep printing the timeline and the PRIMARY deployment's progress until interrupted" };
        var deployments = new Command("deployments", "A service's deployments (status, revisions, circuit breaker, rollback) and their timeline in emulated time.");
        deployments.Options.Add(dCluster);
        deployments.Options.Add(dService);
        deployments.Options.Add(follow);
        deployments.SetAction((result, ct) => WithConnection(target(result), ct, connection =>
            new DeploymentsView(connection.Grains, AnsiConsole.Console).RunAsync(
                Emulator.Contracts.Arns.ClusterName(result.GetValue(dCluster)), Emulator.Contracts.Arns.ShortName(result.GetValue(dService)!), result.GetValue(follow), ct)));
        root.Subcommands.Add(deployments);

        var cCluster = new Option<string>("--cluster") { Description = "Cluster name or ARN", Required = true };
        var cService = new Option<string>("--service") { Description = "Service name or ARN", Required = true };
        var cHook = new Option<string?>("--hook-id") { Description = "The hook to answer (default: the PAUSE hook awaiting an action)" };
        var cAction = new Option<string>("--action") { Description = "CONTINUE or ROLLBACK", DefaultValueFactory = _ => "CONTINUE" };
        cAction.AcceptOnlyFromAmong("CONTINUE", "ROLLBACK");
        var continueDeployment = new Command("continue-deployment", "Answer a blue/green, linear or canary deployment's PAUSE lifecycle hook (ContinueServiceDeployment): CONTINUE or ROLLBACK.");
        continueDeployment.Options.Add(cCluster);
        continueDeployment.Options.Add(cService);
        continueDeployment.Options.Add(cHook);
        continueDeployment.Options.Add(cAction);
        continueDeployment.SetAction((result, ct) => WithConnection(target(result), ct, async connection =>
        {
            var (ok, message) = await HookAnswers.Continue(connection.Grains, Emulator.Contracts.Arns.ClusterName(result.GetValue(cCluster)),
                Emulator.Contracts.Arns.ShortName(result.GetValue(cService)!), result.GetValue(cHook), result.GetValue(cAction)!);
            if (ok)
            {
                AnsiConsole.MarkupLineInterpolated($"[green]{message}[/]");
            }
            else
            {
                AnsiConsole.MarkupLineInterpolated($"[red]{message}[/]");
            }

            return ok ? 0 : 1;
        }));
        root.Subcommands.Add(continueDeployment);

        var file = new Argument<FileInfo>("file") { Description = "Scenario file (YAML)" };
        var suffix = new Option<string?>("--suffix") { Description = "Appended to every resource name the scenario creates" };
        var scenario = new Command("scenario", "Run or validate a YAML scenario.");
        var run = new Command("run", "Run a scenario, print a timeline, check the emulator's invariants; exit 1 if an assertion or wait fails or an invariant is violated.");
        run.Arguments.Add(file);
        run.Options.Add(suffix);
        run.SetAction(async (result, ct) =>
        {
            ScenarioFile parsed;
            try
            {
                parsed = ScenarioParser.Parse(File.ReadAllText(result.GetValue(file)!.FullName), result.GetValue(suffix));
            }
            catch (Exception e) when (e is ScenarioException or IOException)
            {
                AnsiConsole.MarkupLineInterpolated($"[red]scenario error:[/] {e.Message}");
                return 2;
            }

            return await WithConnection(target(result), ct, connection => new ScenarioRunner(connection.Grains, AnsiConsole.Console).RunAsync(parsed, ct));
        });
        var validate = new Command("validate", "Check a scenario file without running it.");
        validate.Arguments.Add(file);
        validate.SetAction(result =>
        {
            try
            {
                var parsed = ScenarioParser.Parse(File.ReadAllText(result.GetValue(file)!.FullName), null);
                AnsiConsole.MarkupLineInterpolated($"[green]ok[/]: {parsed.Name} ({parsed.Steps.Count} steps)");
                return 0;
            }
            catch (Exception e) when (e is ScenarioException or IOException)
            {
                AnsiConsole.MarkupLineInterpolated($"[red]scenario error:[/] {e.Message}");
                return 2;
            }
        });
        scenario.Subcommands.Add(run);
        scenario.Subcommands.Add(validate);
        root.Subcommands.Add(scenario);
        ChaosCommands.Add(root, (r, ct, action) => WithConnection(target(r), ct, action));
        LambdaHookCommands.Add(root, (r, ct, action) => WithConnection(target(r), ct, action));

        var silos = new Command("silos", "List the silos (durable mode): address, status, process, grains; marks the one hosting the most grains.");
        silos.SetAction((result, ct) => WithConnection(target(result), ct, async connection =>
        {
            SiloCommands.ShowSilos(await SiloChaos.ListAsync(connection), AnsiConsole.Console);
            return 0;
        }));
        root.Subcommands.Add(silos);

        var which = new Argument<string>("silo") { Description = "Silo address (as 'silos' prints it, or a unique prefix) or most-grains" };
        var killSilo = new Command("kill-silo", "Kill one silo with SIGKILL (kill -9: no graceful shutdown) and report how the cluster recovers.");
        killSilo.Arguments.Add(which);
        killSilo.SetAction((result, ct) => WithConnection(target(result), ct,
            connection => SiloCommands.KillSiloAsync(connection, result.GetValue(which)!, AnsiConsole.Console, ct)));
        root.Subcommands.Add(killSilo);

        var lServices = new Option<int>("--services") { Description = "Services to create", DefaultValueFactory = _ => 100 };
        var lTasks = new Option<int>("--tasks") { Description = "Tasks per service", DefaultValueFactory = _ => 100 };
        var lInstances = new Option<int>("--instances") { Description = "Container instances to register (0: tasks / 10)", DefaultValueFactory = _ => 0 };
        var lType = new Option<string>("--instance-type") { Description = "Instance type of the registered instances", DefaultValueFactory = _ => "m5.large" };
        var lHold = new Option<int>("--hold-seconds") { Description = "Wall seconds the steady state is held to read timer lag", DefaultValueFactory = _ => 10 };
        var lBaseline = new Option<int>("--baseline-activations") { Description = "Empty grains activated for the raw Orleans baseline", DefaultValueFactory = _ => 50_000 };
        var lTimeout = new Option<int>("--timeout-seconds") { Description = "Give up waiting for RUNNING after this many wall seconds", DefaultValueFactory = _ => 600 };
        var loadTest = new Command("load-test", "N services x M tasks on registered instances: progress bars, then a report from every silo (placement rate, steady state, memory, timer lag, CPU, raw Orleans baseline) and the invariant checker; exit 1 if a run timed out or an invariant is violated.");
        var lRps = new Option<double>("--rps") { Description = "Put every service behind its own target group with this many requests/s of synthetic traffic (0: no load balancers)", DefaultValueFactory = _ => 0 };
        var lWarmUp = new Option<int>("--warm-up-tasks")
        {
            Description = "Tasks placed on a separate cluster before the measurement, so that placement is measured warm like the raw baseline (0: cold)",
            DefaultValueFactory = _ => 0,
        };
        var lProfile = new Option<string?>("--profile") { Description = "Load over time after the first scale-up: TASKS@SECONDS,... sets every service's desired count at that emulated offset (e.g. 2000@0,500@600)" };
        var lRepeat = new Option<int>("--repeat") { Description = "Measured runs (each on a cluster of its own); with more than one, the median and range of every figure", DefaultValueFactory = _ => 1 };
        var lCluster = new Option<string?>("--cluster") { Description = "Name of the run's cluster (default load-HHMMSS; with --repeat, -r1, -r2, ... appended)" };
        var lFresh = new Option<bool>("--fresh-silo") { Description = "Start the built embedded silo for each run on --gateway-port and kill it after (every run cold, nothing left from the run before)" };
        var lScale = new Option<double>("--time-scale") { Description = "With --fresh-silo: the silo's time scale", DefaultValueFactory = _ => 100 };
        var lLaunches = new Option<int>("--launches-per-minute") { Description = "With --fresh-silo: Emulator:ServiceLaunchesPerMinute of the silo (AWS: 500)", DefaultValueFactory = _ => 100_000 };
        var lSiloDll = new Option<string?>("--silo-dll") { Description = "With --fresh-silo: the silo to start (default: the one built next to this client)" };
        var lLogs = new Option<string?>("--silo-logs") { Description = "With --fresh-silo: directory for each silo's log (default: a new temporary directory)" };
        foreach (var option in new Option[] { lServices, lTasks, lInstances, lType, lHold, lBaseline, lTimeout, lRps, lProfile, lWarmUp, lRepeat, lCluster, lFresh, lScale, lLaunches, lSiloDll, lLogs })
        {
            loadTest.Options.Add(option);
        }

        loadTest.SetAction((result, ct) =>
        {
            var services = result.GetValue(lServices);
            var tasks = result.GetValue(lTasks);
            var instances = result.GetValue(lInstances) is > 0 and var n ? n : Math.Max(1, (int)Math.Ceiling(services * (double)tasks / 10));
            if (services < 1 || tasks < 1 || result.GetValue(lHold) < 1 || result.GetValue(lBaseline) < 1 || result.GetValue(lRepeat) < 1)
            {
                AnsiConsole.MarkupLine("[red]--services, --tasks, --hold-seconds, --baseline-activations and --repeat must be at least 1[/]");
                return Task.FromResult(2);
            }

            var fresh = result.GetValue(lFresh);
            if (!fresh && new Option[] { lScale, lLaunches, lSiloDll, lLogs }.FirstOrDefault(x => result.GetResult(x) is { Implicit: false }) is { } siloOnly)
            {
                AnsiConsole.MarkupLineInterpolated($"[red]{siloOnly.Name} configures the silo that --fresh-silo starts; without --fresh-silo the load test uses the running silo as it is[/]");
                return Task.FromResult(2);
            }

            if (fresh && result.GetValue(redis) is not null)
            {
                AnsiConsole.MarkupLine("[red]--fresh-silo starts an embedded single silo; for the durable mode restart the cluster (deploy/local-cluster.sh) between runs[/]");
                return Task.FromResult(2);
            }

            if (fresh && (result.GetValue(lScale) is <= 0 or double.NaN || result.GetValue(lLaunches) < 1))
            {
                AnsiConsole.MarkupLine("[red]--time-scale and --launches-per-minute must be positive[/]");
                return Task.FromResult(2);
            }

            ImmutableArray<LoadStep> profile = [];
            if (result.GetValue(lProfile) is { } profileText)
            {
                profile = LoadProfile.Parse(profileText, out var profileError);
                if (profileError is not null)
                {
                    AnsiConsole.MarkupLineInterpolated($"[red]--profile: {profileError}[/]");
                    return Task.FromResult(2);
                }
            }

            // 10 tasks of 200 CPU units / 512 MiB fit an m5.large (2,048 units, 8 GiB).
            var options = new LoadTestOptions(services, tasks, instances, result.GetValue(lType)!, 200, 512, result.GetValue(lHold), result.GetValue(lBaseline), result.GetValue(lTimeout),
                Math.Max(0, result.GetValue(lRps)), profile, Math.Max(0, result.GetValue(lWarmUp)), result.GetValue(lRepeat), result.GetValue(lCluster));
            if (fresh)
            {
                var logs = result.GetValue(lLogs) ?? Directory.CreateTempSubdirectory("load-test-silos-").FullName;
                return RunFresh(new FreshSiloOptions(result.GetValue(gateway), result.GetValue(lScale), result.GetValue(lLaunches), result.GetValue(lSiloDll), logs), options, ct);
            }

            return WithConnection(target(result), ct, connection => LoadTest.RunAsync(connection.Grains, options, AnsiConsole.Console, ct, connection.Redis));
        });
        root.Subcommands.Add(loadTest);
        return root;
    }

    private sealed record Target(int GatewayPort, string? Redis, string ClusterId);

    private static async Task<int> RunFresh(FreshSiloOptions silo, LoadTestOptions options, CancellationToken ct)
    {
        try
        {
            return await LoadTest.RunOnFreshSilosAsync(silo, options, AnsiConsole.Console, ct);
        }
        catch (FreshSiloException e)
        {
            AnsiConsole.MarkupLineInterpolated($"[red]--fresh-silo:[/] {e.Message}");
            return 2;
        }
    }

    private static async Task<int> WithConnection(Target target, CancellationToken ct, Func<EmulatorConnection, Task<int>> action)
    {
        EmulatorConnection connection;
        try
        {
            connection = await EmulatorConnection.ConnectAsync(target.GatewayPort, target.Redis, target.ClusterId, ct);
        }
        catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            var where = target.Redis is null ? $"on gateway port {target.GatewayPort}" : $"in Redis {target.Redis} (cluster id {target.ClusterId})";
            AnsiConsole.MarkupLineInterpolated($"[red]no silo answered {where}:[/] {e.Message} (start one with: dotnet run --project src/Silo, or deploy/local-cluster.sh start)");
            return 2;
        }

        await using (connection)
        {
            return await action(connection);
        }
    }
}
