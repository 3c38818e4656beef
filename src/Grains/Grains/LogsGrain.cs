using Emulator.Contracts;
using Emulator.Model.Logs;
using Emulator.Runtime;

namespace Emulator.Grains;

[GenerateSerializer, Alias("LogsGrainState")]
public sealed class LogsGrainState
{
    [Id(0)] public LogsState State { get; set; } = LogsState.Empty;
}

/// <summary>The account's log groups (<see cref="ILogsGrain"/>): validate and change in the pure model, persist.</summary>
public sealed class LogsGrain([PersistentState("logs", "emulator")] IPersistentState<LogsGrainState> store, EmulatorRuntime runtime) : Grain, ILogsGrain
{
    public Task<LogsState> Read() => Task.FromResult(store.State.State);

    public async Task<LogsState> Apply(LogsCommand command)
    {
        var next = LogGroups.Apply(store.State.State, command, runtime.Clock.Now);
        store.State.State = next;
        await store.WriteStateAsync();
        return next;
    }
}
