using System.CommandLine;
using Emulator.Client.Chaos;
using Emulator.Contracts;
using Spectre.Console;

namespace Emulator.Client;

/// <summary>
/// B-DP-7 Model choice: <c>client lambda-hook</c> sets what a Lambda lifecycle hook's function answers (Lambda does not
/// run here): <c>--function ARN --result SUCCEEDED|FAILED [--in-progress-seconds N | --forever]</c>, <c>--remove</c>
/// (back to SUCCEEDED at once) and <c>--list</c>. The same outcomes as <c>/emulator/lambda-hooks</c>.
/// </summary>
public static class LambdaHookCommands
{
    public static void Add(RootCommand root, ChaosCommands.Connected withConnection)
    {
        ArgumentNullException.ThrowIfNull(root);
        var function = new Option<string?>("--function") { Description = "The Lambda function ARN a lifecycle hook names (hookTargetArn)" };
        var result = new Option<string?>("--result") { Description = "What the function answers: SUCCEEDED or FAILED" };
        var seconds = new Option<double?>("--in-progress-seconds") { Description = "Answer IN_PROGRESS for this many emulated seconds first (default 0)" };
        var forever = new Option<bool>("--forever") { Description = "Answer IN_PROGRESS for ever: the hook times out and its timeout action applies" };
        var remove = new Option<bool>("--remove") { Description = "Forget the function's outcome (it answers SUCCEEDED at once again)" };
        var list = new Option<bool>("--list") { Description = "Show every configured outcome" };
        var command = new Command("lambda-hook", "Set what a Lambda lifecycle hook's function answers (B-DP-7; default SUCCEEDED at once), or list the outcomes.")
        {
            function, result, seconds, forever, remove, list,
        };
        command.SetAction((r, ct) => withConnection(r, ct, connection => RunAsync(connection.Grains, AnsiConsole.Console,
            new Request(r.GetValue(function), r.GetValue(result), r.GetValue(seconds), r.GetValue(forever), r.GetValue(remove), r.GetValue(list)))));
        root.Subcommands.Add(command);
    }

    /// <summary>What the command line asked for.</summary>
    public sealed record Request(string? Function, string? Result, double? InProgressSeconds, bool Forever, bool Remove, bool List);

    /// <summary>Runs one request: 0 done, 2 bad input (nothing changed).</summary>
    public static async Task<int> RunAsync(IGrainFactory grains, IAnsiConsole console, Request request)
    {
        ArgumentNullException.ThrowIfNull(grains);
        ArgumentNullException.ThrowIfNull(console);
        ArgumentNullException.ThrowIfNull(request);
        var hooks = grains.GetGrain<ILambdaHooksGrain>(GrainKeys.LambdaHooks);
        try
        {
            if (request.List)
            {
                if (request.Function is not null || request.Result is not null || request.InProgressSeconds is not null || request.Forever || request.Remove)
                {
                    throw ErrorCodes.Invalid("--list takes no other option.");
                }

                Show(console, await hooks.List());
                return 0;
            }

            if (request.Remove)
            {
                if (request.Function is null || request.Result is not null || request.InProgressSeconds is not null || request.Forever)
                {
                    throw ErrorCodes.Invalid("--remove takes --function only.");
                }

                if (!(await hooks.List()).Any(o => o.FunctionArn == request.Function))
                {
                    throw ErrorCodes.Invalid($"No outcome is configured for {request.Function} (it answers SUCCEEDED at once).");
                }

                await hooks.Remove(request.Function);
                console.MarkupLineInterpolated($"{request.Function}: [green]SUCCEEDED at once[/] (the default)");
                return 0;
            }

            if (request.Function is null)
            {
                throw ErrorCodes.Invalid("Give --function ARN --result SUCCEEDED|FAILED [--in-progress-seconds N | --forever], --function ARN --remove, or --list.");
            }

            var outcome = LambdaHookOutcomes.Create(request.Function, request.Result, request.InProgressSeconds, request.Forever);
            await hooks.Set(outcome);
            console.MarkupLineInterpolated($"{outcome.FunctionArn}: [green]{LambdaHookOutcomes.Describe(outcome)}[/]");
            return 0;
        }
        catch (EcsException e)
        {
            console.MarkupLineInterpolated($"[red]lambda-hook:[/] {e.Message}");
            return 2;
        }
    }

    private static void Show(IAnsiConsole console, IReadOnlyList<LambdaHookOutcome> outcomes)
    {
        if (outcomes.Count == 0)
        {
            console.MarkupLine("No Lambda hook outcomes configured: every function answers SUCCEEDED at once.");
            return;
        }

        var table = new Table().AddColumn("Function").AddColumn("Result").AddColumn("IN_PROGRESS first").AddColumn("Answer");
        foreach (var o in outcomes)
        {
            table.AddRow(Markup.Escape(o.FunctionArn), LambdaHookOutcomes.Result(o),
                o.InProgressSeconds is { } s ? $"{s.ToString(System.Globalization.CultureInfo.InvariantCulture)} s" : "forever",
                Markup.Escape(LambdaHookOutcomes.Describe(o)));
        }

        console.Write(table);
    }
}
