namespace Emulator.Client;

/// <summary>
/// How a client run lets time pass between two polls of the emulator. Against a live silo it waits wall time
/// (<see cref="Pauses.Wall"/>); the virtual-time test host passes one that advances its clock instead, so the same
/// runner code drives a deterministic in-process cluster.
/// </summary>
public delegate Task Pause(TimeSpan wall, CancellationToken cancellationToken);

public static class Pauses
{
    /// <summary>Waits wall time: the emulated clock of a live silo moves on by itself.</summary>
    public static Pause Wall { get; } = (wall, ct) => Task.Delay(wall, ct);
}
