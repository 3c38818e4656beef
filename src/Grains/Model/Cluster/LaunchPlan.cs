using System.Collections.Immutable;
using Emulator.Contracts;
using Emulator.Model.Lifecycle;
using Emulator.Model.Placement;

namespace Emulator.Model.Cluster;

/// <summary>
/// An API error a rule decided (AWS error code, message, and for ConflictException the resources it names). The
/// grain turns it into the exception the caller sees; bad input changes nothing.
/// </summary>
public sealed record Rejection(string Code, string Message)
{
    public ImmutableArray<string> ResourceIds { get; init; } = [];

    public static Rejection Invalid(string message) => new(ErrorCodes.InvalidParameter, message);

    public static Rejection Client(string message) => new(ErrorCodes.ClientException, message);
}

/// <summary>The cluster settings a launch is planned against (besides the record book).</summary>
/// <param name="ClientTokens">RunTask client tokens seen in the last 24 hours.</param>
/// <param name="ZoneOutages">Zones out of service (chaos) and until when (null: until restored).</param>
/// <param name="AvailabilityZones">The zones Fargate may use (B-ID-1), in order.</param>
/// <param name="ProvisioningQueueLimit">B-PQ-3: at most this many tasks in PROVISIONING per cluster.</param>
public sealed record LaunchSettings(
    string Cluster,
    string Region,
    string Account,
    IReadOnlyDictionary<string, ClusterProvider> Providers,
    ImmutableArray<CapacityProviderStrategyItem> DefaultStrategy,
    IReadOnlyDictionary<string, ClientTokenRecord> ClientTokens,
    IReadOnlyDictionary<string, DateTimeOffset?> ZoneOutages,
    IReadOnlyList<string> AvailabilityZones,
    int ProvisioningQueueLimit);

/// <summary>
/// One group of a launch: tasks of one capacity provider (or launch type) and, for StartTask, one target instance.
/// Fargate tasks get a zone each (<see cref="FargateZones"/>); EC2 tasks are placed as <see cref="Placement"/>
/// says, and <see cref="Queue"/> more wait in PROVISIONING (B-PQ-1).
/// </summary>
public sealed record LaunchBatch(
    string? CapacityProvider,
    LaunchType LaunchType,
    int Count,
    PlacementResult? Placement,
    int Queue,
    ImmutableArray<string> FargateZones);

/// <summary>
/// What a launch will do, decided before anything changes: a rejection, a replay of an earlier call with the same
/// client token, or the batches to create in order, the RunTask failures and the placement message.
/// </summary>
public sealed record LaunchPlan(
    Rejection? Rejection,
    ImmutableArray<string> ReplayTaskIds,
    ImmutableArray<LaunchBatch> Batches,
    ImmutableArray<LaunchFailure> Failures,
    string? PlacementMessage,
    QueuedPlacement QueuedPlacement,
    bool ReplacesExpiredToken)
{
    public bool IsReplay => !ReplayTaskIds.IsDefault;

    /// <summary>Tasks the plan puts in the PROVISIONING queue.</summary>
    public int ToQueue => Batches.Sum(b => b.Queue);

    /// <summary>Tasks the plan creates (placed, queued and Fargate).</summary>
    public int ToCreate => Batches.Sum(b => b.FargateZones.Length + (b.Placement?.Placed.Length ?? 0) + b.Queue);

    /// <summary>
    /// Creates the plan's tasks in the book, in the plan's order: each draws its id and injected fault
    /// (<see cref="LaunchPlanner.NewTask"/>) from <paramref name="random"/>, then is placed (B-PL-*), queued with the
    /// plan's placement (B-PQ-1) or accepted by Fargate in its zone. The book's observer hears of every change in
    /// between, so the stream's draws interleave the same way on every run (B-ID-4). Every task carries <paramref name="taskFaults"/>
    /// (B-DP-8: its task definition's and its service's chaos faults). Returns the tasks as created.
    /// </summary>
    public ImmutableArray<TaskRecord> ApplyTo(ClusterBook book, LaunchRequest request, string cluster, LaunchFaults? faults,
        EmulatorTimings timings, DateTimeOffset now, Random random, TaskFaults? taskFaults = null)
    {
        ArgumentNullException.ThrowIfNull(book);
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(timings);
        if (Rejection is not null || IsReplay)
        {
            throw new InvalidOperationException("a rejected or replayed launch creates nothing");
        }

        var created = ImmutableArray.CreateBuilder<TaskRecord>(ToCreate);
        foreach (var batch in Batches)
        {
            foreach (var zone in batch.FargateZones)
            {
                var t = TaskLifecycle.FargateAccepted(New(batch), zone, timings, now, random);
                book.Add(t);
                created.Add(t);
            }

            foreach (var a in batch.Placement?.Placed ?? [])
            {
                var t = New(batch);
                book.Add(t);
                var placed = TaskLifecycle.Placed(t, book.Instances[a.ContainerInstanceId], a.HostPorts, timings, now, random);
                book.Replace(t, placed);
                created.Add(placed);
            }

            for (var i = 0; i < batch.Queue; i++)
            {
                var t = New(batch);
                book.Add(t, QueuedPlacement);
                created.Add(t);
            }
        }

        return created.MoveToImmutable();

        TaskRecord New(LaunchBatch batch) =>
            LaunchPlanner.NewTask(request, book.UnusedId(random), cluster, batch.CapacityProvider, batch.LaunchType, faults, now, random, taskFaults);
    }

    public static LaunchPlan Rejected(Rejection rejection) => new(rejection, default, [], [], null, QueuedPlacement.None, false);

    public static LaunchPlan Replay(ImmutableArray<string> taskIds) => new(null, taskIds, [], [], null, QueuedPlacement.None, false);
}
