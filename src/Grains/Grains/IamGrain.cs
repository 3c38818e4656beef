using Emulator.Contracts;
using Emulator.Model.Identity;
using Emulator.Runtime;

namespace Emulator.Grains;

[GenerateSerializer, Alias("IamGrainState")]
public sealed class IamGrainState
{
    [Id(0)] public IamState State { get; set; } = IamState.Empty;

    /// <summary>Changes applied so far: scopes the seeded id stream, so ids stay unique across deletes (B-ID-4).</summary>
    [Id(1)] public long Changes { get; set; }
}

/// <summary>The account's IAM entities (<see cref="IIamGrain"/>): validate and change in the pure model, persist.</summary>
public sealed class IamGrain([PersistentState("iam", "emulator")] IPersistentState<IamGrainState> store, EmulatorRuntime runtime) : Grain, IIamGrain
{
    public Task<IamState> Read() => Task.FromResult(store.State.State);

    public async Task<IamState> Apply(IamCommand command)
    {
        var context = new IamContext(runtime.Account, runtime.Clock.Now, runtime.Random.For($"iam/{store.State.Changes}"));
        var next = Iam.Apply(store.State.State, command, context);
        if (ReferenceEquals(next, store.State.State))
        {
            return next;
        }

        store.State.State = next;
        store.State.Changes++;
        await store.WriteStateAsync();
        return next;
    }
}
