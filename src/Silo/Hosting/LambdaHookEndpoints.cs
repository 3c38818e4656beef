using System.Text.Json;
using Emulator.Contracts;

namespace Emulator.Silo.Hosting;

/// <summary>
/// B-DP-7 Model choice: the Lambda hook outcomes (no AWS API: Lambda functions do not run here), per function ARN.
/// <list type="bullet">
/// <item><c>GET /emulator/lambda-hooks</c>: every configured outcome.</item>
/// <item><c>PUT</c> or <c>POST /emulator/lambda-hooks</c>: <c>{"functionArn": "arn:aws:lambda:…:function:check", "result":
/// "FAILED", "inProgressSeconds": 30}</c> (IN_PROGRESS for 30 emulated seconds, then FAILED; without inProgressSeconds the
/// answer comes at once) or <c>{"functionArn": …, "forever": true}</c> (never answers: the hook times out).</item>
/// <item><c>DELETE /emulator/lambda-hooks?functionArn=…</c>: back to the default (SUCCEEDED at once).</item>
/// </list>
/// Bad input answers 400 with <c>{"__type": "InvalidParameterException", "message": …}</c> and changes nothing.
/// </summary>
public static class LambdaHookEndpoints
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    public static WebApplication MapLambdaHookEndpoints(this WebApplication app)
    {
        ILambdaHooksGrain Hooks(IGrainFactory grains) => grains.GetGrain<ILambdaHooksGrain>(GrainKeys.LambdaHooks);
        app.MapGet("/emulator/lambda-hooks", async (IGrainFactory grains) =>
            Results.Json((await Hooks(grains).List()).Select(Shape), Json));
        async Task<IResult> Set(HttpRequest request, IGrainFactory grains)
        {
            try
            {
                using var body = await JsonDocument.ParseAsync(request.Body);
                var outcome = Parse(body.RootElement);
                await Hooks(grains).Set(outcome);
                return Results.Json(Shape(outcome), Json);
            }
            catch (JsonException e)
            {
                return Error(ErrorCodes.InvalidParameter, "The body is not valid JSON: " + e.Message);
            }
            catch (EcsException e)
            {
                return Error(e.Code, e.Message);
            }
        }

        app.MapPut("/emulator/lambda-hooks", Set);
        app.MapPost("/emulator/lambda-hooks", Set);
        app.MapDelete("/emulator/lambda-hooks", async (string? functionArn, IGrainFactory grains) =>
        {
            if (string.IsNullOrWhiteSpace(functionArn))
            {
                return Error(ErrorCodes.InvalidParameter, "Name the function: DELETE /emulator/lambda-hooks?functionArn=arn:aws:lambda:REGION:ACCOUNT:function:NAME");
            }

            if (!(await Hooks(grains).List()).Any(o => o.FunctionArn == functionArn))
            {
                return Results.Json(new { __type = ErrorCodes.ResourceNotFound, message = $"No outcome is configured for {functionArn} (it answers SUCCEEDED at once)." }, Json, statusCode: 404);
            }

            await Hooks(grains).Remove(functionArn);
            return Results.NoContent();
        });
        return app;
    }

    /// <summary>The request body as an outcome (InvalidParameterException for anything else than the documented members).</summary>
    public static LambdaHookOutcome Parse(JsonElement body)
    {
        if (body.ValueKind != JsonValueKind.Object)
        {
            throw ErrorCodes.Invalid("The body must be a JSON object: {\"functionArn\": \"arn:aws:lambda:…:function:NAME\", \"result\": \"SUCCEEDED\" | \"FAILED\", \"inProgressSeconds\": N | \"forever\": true}.");
        }

        foreach (var p in body.EnumerateObject().Where(p => p.Name is not ("functionArn" or "result" or "inProgressSeconds" or "forever")))
        {
            throw ErrorCodes.Invalid($"Unknown member '{p.Name}': the members are functionArn, result, inProgressSeconds and forever.");
        }

        string? Text(string name) => !body.TryGetProperty(name, out var v) || v.ValueKind == JsonValueKind.Null ? null
            : v.ValueKind == JsonValueKind.String ? v.GetString() : throw ErrorCodes.Invalid($"{name} must be a string.");
        double? seconds = !body.TryGetProperty("inProgressSeconds", out var s) || s.ValueKind == JsonValueKind.Null ? null
            : s.ValueKind == JsonValueKind.Number ? s.GetDouble() : throw ErrorCodes.Invalid("inProgressSeconds must be a number (emulated seconds).");
        var forever = body.TryGetProperty("forever", out var f) && f.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False or JsonValueKind.Null => false,
            _ => throw ErrorCodes.Invalid("forever must be true or false."),
        };
        return LambdaHookOutcomes.Create(Text("functionArn"), Text("result"), seconds, forever);
    }

    private static object Shape(LambdaHookOutcome o) => new
    {
        functionArn = o.FunctionArn,
        result = LambdaHookOutcomes.Result(o),
        inProgressSeconds = o.InProgressSeconds,
        forever = o.InProgressSeconds is null,
        description = LambdaHookOutcomes.Describe(o),
    };

    private static IResult Error(string code, string message) => Results.Json(new { __type = code, message }, Json, statusCode: 400);
}
