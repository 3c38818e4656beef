namespace Emulator.Model.Lifecycle;

/// <summary>What a request carrying a client token does (ECS "Ensuring idempotency").</summary>
public enum ClientTokenOutcome
{
    /// <summary>Unknown or expired token: the request runs and the token is recorded.</summary>
    New,

    /// <summary>Same token, same parameters, still alive: the original result is returned and nothing is created.</summary>
    Replay,

    /// <summary>Same token, different parameters: RunTask answers ConflictException, CreateService InvalidParameterException.</summary>
    Conflict,
}

/// <summary>
/// Client-token idempotency (B-W-4 and AWS's "Ensuring idempotency" page): RunTask tokens are up to 64 and CreateService
/// tokens up to 36 ASCII characters in 33..126, scoped to a cluster; a RunTask token lives 24 hours. The request's
/// parameters are compared through a fingerprint made at the HTTP edge (every member but the token).
/// </summary>
public static class ClientTokens
{
    public const int RunTaskMaxLength = 64;
    public const int CreateServiceMaxLength = 36;

    /// <summary>How long a RunTask token is remembered (emulated time).</summary>
    public static readonly TimeSpan RunTaskTimeToLive = TimeSpan.FromHours(24);

    /// <summary>Null when the token is well formed, else the reason it is not.</summary>
    public static string? Validate(string token, int maxLength)
    {
        if (token.Length is 0 || token.Length > maxLength)
        {
            return $"clientToken must be between 1 and {maxLength} characters long.";
        }

        return token.Any(c => c is < '!' or > '~')
            ? "clientToken may only contain ASCII characters in the range 33-126."
            : null;
    }

    /// <summary>
    /// The outcome for a token already seen at <paramref name="recordedAt"/> with <paramref name="recordedFingerprint"/>
    /// (null fingerprints — callers that do not fingerprint — match anything).
    /// </summary>
    public static ClientTokenOutcome Check(string? recordedFingerprint, DateTimeOffset? recordedAt, string? fingerprint, DateTimeOffset now, TimeSpan timeToLive)
    {
        if (recordedAt is not { } at || now - at >= timeToLive)
        {
            return ClientTokenOutcome.New;
        }

        return recordedFingerprint is null || fingerprint is null || string.Equals(recordedFingerprint, fingerprint, StringComparison.Ordinal)
            ? ClientTokenOutcome.Replay
            : ClientTokenOutcome.Conflict;
    }
}
