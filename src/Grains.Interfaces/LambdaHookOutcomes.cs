using System.Globalization;

namespace Emulator.Contracts;

/// <summary>
/// B-DP-7 Model choice: how a user names a Lambda hook's outcome (the <c>/emulator/lambda-hooks</c> endpoint and
/// <c>client lambda-hook</c> read it the same way): a Lambda function ARN, the result SUCCEEDED or FAILED, and how long
/// the function answers IN_PROGRESS first (emulated seconds; none: it answers at once), or <c>forever</c> (it never
/// answers, so the hook times out and its timeout action applies).
/// </summary>
public static class LambdaHookOutcomes
{
    public const string Succeeded = "SUCCEEDED";
    public const string Failed = "FAILED";

    /// <summary>The outcome, or InvalidParameterException with a message that says what to write instead.</summary>
    public static LambdaHookOutcome Create(string? functionArn, string? result, double? inProgressSeconds, bool forever)
    {
        if (string.IsNullOrWhiteSpace(functionArn))
        {
            throw ErrorCodes.Invalid("functionArn is required: the Lambda function ARN a lifecycle hook names as its hookTargetArn.");
        }

        if (!functionArn.StartsWith("arn:", StringComparison.Ordinal) || !functionArn.Contains(":lambda:", StringComparison.Ordinal)
            || !functionArn.Contains(":function:", StringComparison.Ordinal))
        {
            throw ErrorCodes.Invalid($"functionArn '{functionArn}' is not a Lambda function ARN (arn:aws:lambda:REGION:ACCOUNT:function:NAME).");
        }

        if (forever && inProgressSeconds is not null)
        {
            throw ErrorCodes.Invalid("Give inProgressSeconds or forever, not both: forever means the function answers IN_PROGRESS until the hook times out.");
        }

        if (inProgressSeconds is { } seconds && (double.IsNaN(seconds) || double.IsInfinity(seconds) || seconds < 0))
        {
            throw ErrorCodes.Invalid($"inProgressSeconds must be a number of seconds at least 0, not {seconds.ToString(CultureInfo.InvariantCulture)}.");
        }

        var succeeds = result switch
        {
            Succeeded => true,
            Failed => false,
            null when forever => true,
            null => throw ErrorCodes.Invalid("result is required: SUCCEEDED or FAILED (what the function answers once it is no longer IN_PROGRESS)."),
            _ => throw ErrorCodes.Invalid($"result '{result}' is not valid: SUCCEEDED or FAILED."),
        };
        return new LambdaHookOutcome(functionArn, succeeds, forever ? null : inProgressSeconds ?? 0);
    }

    /// <summary>SUCCEEDED or FAILED, as written.</summary>
    public static string Result(LambdaHookOutcome outcome)
    {
        ArgumentNullException.ThrowIfNull(outcome);
        return outcome.Succeeds ? Succeeded : Failed;
    }

    /// <summary>One line for people: "FAILED after 30 s IN_PROGRESS", "IN_PROGRESS forever (the hook times out)", "SUCCEEDED at once".</summary>
    public static string Describe(LambdaHookOutcome outcome)
    {
        ArgumentNullException.ThrowIfNull(outcome);
        return outcome.InProgressSeconds switch
        {
            null => "IN_PROGRESS forever (the hook times out)",
            0 => $"{Result(outcome)} at once",
            { } s => $"{Result(outcome)} after {s.ToString(CultureInfo.InvariantCulture)} s IN_PROGRESS (emulated)",
        };
    }
}
