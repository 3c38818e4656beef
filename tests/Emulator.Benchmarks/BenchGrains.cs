namespace Emulator.Benchmarks;

/// <summary>A trivial grain with a small in-memory state: what "one activation" costs in raw Orleans.</summary>
[Alias("IActivationGrain")]
public interface IActivationGrain : IGrainWithIntegerKey
{
    [Alias("Touch")] Task<int> Touch();

    [Alias("Deactivate")] Task Deactivate();
}

public sealed class ActivationGrain : Grain, IActivationGrain
{
    /// <summary>~200 bytes of state, as in ORLEANS-NOTES' "small grain".</summary>
    private readonly byte[] _state = new byte[200];

    public Task<int> Touch()
    {
        _state[0]++;
        return Task.FromResult(_state.Length);
    }

    public Task Deactivate()
    {
        DeactivateOnIdle();
        return Task.CompletedTask;
    }
}

/// <summary>The callee of the call-rate baseline.</summary>
[Alias("IPingGrain")]
public interface IPingGrain : IGrainWithIntegerKey
{
    [Alias("Ping")] Task<int> Ping(int value);
}

public sealed class PingGrain : Grain, IPingGrain
{
    private int _calls;

    public Task<int> Ping(int value)
    {
        _calls++;
        return Task.FromResult(value + _calls);
    }
}

/// <summary>A caller grain: awaits <c>calls</c> sequential calls to one ping grain (grain -> grain baseline).</summary>
[Alias("ICallerGrain")]
public interface ICallerGrain : IGrainWithIntegerKey
{
    [Alias("Run")] Task<long> Run(long target, int calls);
}

public sealed class CallerGrain : Grain, ICallerGrain
{
    public async Task<long> Run(long target, int calls)
    {
        var ping = GrainFactory.GetGrain<IPingGrain>(target);
        long sum = 0;
        for (var i = 0; i < calls; i++)
        {
            sum += await ping.Ping(i);
        }

        return sum;
    }
}
