using System.Collections.Immutable;
using Emulator.Contracts;

namespace Emulator.Grains;

[GenerateSerializer, Alias("LambdaHooksState")]
public sealed class LambdaHooksState
{
    [Id(0)] public ImmutableDictionary<string, LambdaHookOutcome> Outcomes { get; set; } = ImmutableDictionary<string, LambdaHookOutcome>.Empty.WithComparers(StringComparer.Ordinal);
}

/// <summary>
/// B-DP-7 Model choice: Lambda functions cannot run here, so a lifecycle hook naming one is answered from the outcome
/// configured for its ARN (SUCCEEDED, FAILED, or IN_PROGRESS for a while or for ever); a function without one succeeds
/// at once.
/// </summary>
public sealed class LambdaHooksGrain([PersistentState("lambda-hooks", "emulator")] IPersistentState<LambdaHooksState> store) : Grain, ILambdaHooksGrain
{
    public async Task Set(LambdaHookOutcome outcome)
    {
        ArgumentNullException.ThrowIfNull(outcome);
        if (string.IsNullOrWhiteSpace(outcome.FunctionArn))
        {
            throw ErrorCodes.Invalid("functionArn is required.");
        }

        if (outcome.InProgressSeconds is < 0)
        {
            throw ErrorCodes.Invalid("inProgressSeconds must not be negative.");
        }

        store.State.Outcomes = store.State.Outcomes.SetItem(outcome.FunctionArn, outcome);
        await store.WriteStateAsync();
    }

    public async Task Remove(string functionArn)
    {
        store.State.Outcomes = store.State.Outcomes.Remove(functionArn);
        await store.WriteStateAsync();
    }

    public Task<ImmutableArray<LambdaHookOutcome>> List() =>
        Task.FromResult(store.State.Outcomes.Values.OrderBy(o => o.FunctionArn, StringComparer.Ordinal).ToImmutableArray());
}
