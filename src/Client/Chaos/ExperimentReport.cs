using System.Text.Json;
using System.Text.Json.Serialization;

namespace Emulator.Client.Chaos;

/// <summary>
/// What an experiment did and what the configuration survived: the injections, the hypothesis checks (before,
/// during, after), requests served and failed by cause, tasks stopped and replaced, time back to steady state,
/// samples of CPR / instances / running tasks over time, and the cost accrued. Times are emulated.
/// </summary>
public sealed record ExperimentReport
{
    public required string Name { get; init; }

    /// <summary>
    /// passed, hypothesis-failed, stopped (a stop condition fired), not-steady-before, aborted (setup or targets failed),
    /// invariants-violated (the emulator's invariant checker found its state inconsistent at the end; see
    /// <see cref="InvariantViolations"/>).
    /// </summary>
    public required string Outcome { get; init; }

    public string? Reason { get; init; }

    public required int ExitCode { get; init; }

    public DateTimeOffset StartedAt { get; init; }

    public DateTimeOffset EndedAt { get; init; }

    public double WallSeconds { get; init; }

    public List<InjectionLine> Injections { get; init; } = [];

    public List<ProbeResult> Hypothesis { get; init; } = [];

    public RequestFigures Requests { get; init; } = new();

    public TaskFigures Tasks { get; init; } = new();

    /// <summary>Emulated seconds from the last action's end until every service was back at desired and steady (null: never).</summary>
    public double? SecondsBackToSteadyState { get; init; }

    public List<Sample> Samples { get; init; } = [];

    public decimal CostAccruedUsd { get; init; }

    /// <summary>Service events (B-SV-6) written during the experiment, oldest first: they say why a service could not keep up.</summary>
    public List<string> ServiceEvents { get; init; } = [];

    /// <summary>Service deployments started during the experiment (B-DP-5) and how they ended: completed, failed, rolled back.</summary>
    public List<DeploymentOutcome> Deployments { get; init; } = [];

    /// <summary>What the emulator's invariant checker found wrong at the end, per cluster (empty: the invariants hold).</summary>
    public List<string> InvariantViolations { get; init; } = [];

    public string ToJson() => JsonSerializer.Serialize(this, Options);

    public static ExperimentReport FromJson(string json) => JsonSerializer.Deserialize<ExperimentReport>(json, Options)!;

    private static readonly JsonSerializerOptions Options = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };
}

/// <summary>
/// One service deployment and its outcome (B-DP-1..5): its status and reason, the task definition it rolled out, the
/// circuit breaker's failures against the threshold, and the task definition a rollback went back to.
/// </summary>
public sealed record DeploymentOutcome(
    string Cluster,
    string Service,
    string ServiceDeploymentId,
    string Status,
    string? StatusReason,
    string TaskDefinition,
    string CircuitBreaker,
    int FailureCount,
    int Threshold,
    string? RolledBackTo,
    DateTimeOffset CreatedAt,
    DateTimeOffset? FinishedAt,
    string? Strategy = null,
    string? LifecycleStage = null,
    double? ProductionGreenPercent = null);

/// <summary>One action's injection: the action, when, on which resources, and until when for timed faults.</summary>
public sealed record InjectionLine(string Action, string ActionId, DateTimeOffset At, List<string> Targets, string Message, DateTimeOffset? Until);

/// <summary>One hypothesis check in one phase (before, during, after).</summary>
public sealed record ProbeResult(string Check, string Phase, bool Holds, string Actual, DateTimeOffset At);

public sealed record RequestFigures
{
    public double Total { get; init; }

    public double Failed { get; init; }

    public double Failed503NoHealthyTarget { get; init; }

    public double Failed502TargetDied { get; init; }

    /// <summary>Target 5xx of overloaded tasks (B-LB-4 Model choice: an under-scaled service sheds its excess).</summary>
    public double Failed5xxOverloaded { get; init; }

    public double FailedPercent => Total <= 0 ? 0 : Failed / Total * 100;

    public List<ServiceRequests> ByService { get; init; } = [];
}

/// <summary>
/// Requests of one service, or during a blue/green, linear or canary deployment of one of its target groups (B-DP-6):
/// <see cref="Colour"/> blue (the source revision's group) or green (the target revision's), <see cref="Revision"/> its
/// task definition. Failed5xxOverloaded counts every target 5xx (overloaded tasks, B-DP-8 error rates).
/// </summary>
public sealed record ServiceRequests(string Cluster, string Service, double Total, double Failed503NoHealthyTarget, double Failed502TargetDied, int HealthyHostsAtEnd,
    double Failed5xxOverloaded = 0, string? TargetGroup = null, string? Colour = null, string? Revision = null)
{
    public double Failed => Failed503NoHealthyTarget + Failed502TargetDied + Failed5xxOverloaded;
}

public sealed record TaskFigures
{
    public int Stopped { get; init; }

    public Dictionary<string, int> StoppedByCode { get; init; } = [];

    /// <summary>Service tasks that started RUNNING during the experiment (replacements and scale-out).</summary>
    public int ReplacementsStarted { get; init; }
}

/// <summary>A sample of the cluster(s) at one emulated time; <see cref="TrafficShifts"/>: per service, its blue/green, linear or canary deployment then.</summary>
public sealed record Sample(
    DateTimeOffset At,
    Dictionary<string, double> CapacityProviderReservation,
    Dictionary<string, int> InServiceInstances,
    Dictionary<string, string> ServiceRunning,
    double Requests,
    double FailedRequests,
    Dictionary<string, ShiftSample>? TrafficShifts = null);

/// <summary>
/// A traffic-shifting service deployment at one sample (B-DP-6, B-DP-7): its lifecycle stage, the green share of
/// production and test traffic, the production step (1-based; 0 before the first) of how many, its result, and the
/// hooks awaiting an action or in progress.
/// </summary>
public sealed record ShiftSample(string ServiceDeploymentId, string Strategy, string Stage, double ProductionGreenPercent, double TestGreenPercent, int Step, int Steps,
    string Result, List<string> HooksWaiting);
