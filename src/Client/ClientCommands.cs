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
        var root = new RootCommand("ECS emulator client: status views and scenario runs against a running silo.");
        root.Options.Add(gateway);

        var cluster = new Option<string?>("--cluster") { Description = "Show one cluster in detail" };
        var watch = new Option<int>("--watch") { Description = "Refresh every N seconds (0 = once)", DefaultValueFactory = _ => 0 };
        var status = new Command("status", "Show clusters, capacity providers (N, M, CPR), instances, tasks and services.");
        status.Options.Add(cluster);
        status.Options.Add(watch);
        status.SetAction((result, ct) => WithConnection(result.GetValue(gateway), ct, async connection =>
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

        var file = new Argument<FileInfo>("file") { Description = "Scenario file (YAML)" };
        var suffix = new Option<string?>("--suffix") { Description = "Appended to every resource name the scenario creates" };
        var scenario = new Command("scenario", "Run or validate a YAML scenario.");
        var run = new Command("run", "Run a scenario, print a timeline; exit 1 if an assertion or wait fails.");
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

            return await WithConnection(result.GetValue(gateway), ct, connection => new ScenarioRunner(connection.Grains, AnsiConsole.Console).RunAsync(parsed, ct));
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
        ChaosCommands.Add(root, (r, ct, action) => WithConnection(r.GetValue(gateway), ct, action));
        return root;
    }

    private static async Task<int> WithConnection(int gatewayPort, CancellationToken ct, Func<EmulatorConnection, Task<int>> action)
    {
        EmulatorConnection connection;
        try
        {
            connection = await EmulatorConnection.ConnectAsync(gatewayPort, ct);
        }
        catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            AnsiConsole.MarkupLineInterpolated($"[red]no silo answered on gateway port {gatewayPort}:[/] {e.Message} (start one with: dotnet run --project src/Silo)");
            return 2;
        }

        await using (connection)
        {
            return await action(connection);
        }
    }
}
