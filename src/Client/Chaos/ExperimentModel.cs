using System.Collections.Immutable;
using Emulator.Client.Scenarios;
using Emulator.Contracts;

namespace Emulator.Client.Chaos;

/// <summary>An experiment file is invalid: the message names the line and what is wrong. Nothing was injected.</summary>
public sealed class ExperimentException(string message) : Exception(message);

/// <summary>
/// A chaos experiment (issue 4): an AWS FIS experiment template (targets, actions ordered by startAfter, stop
/// conditions) plus the emulator's additions in the YAML form: the cluster, setup steps (scenario steps), a
/// steady-state hypothesis checked before, during and after, and how long to observe after the last action.
/// </summary>
public sealed record ExperimentFile(
    string Name,
    string? Description,
    string? Cluster,
    IReadOnlyList<ScenarioStep> Setup,
    IReadOnlyList<HypothesisProbe> SteadyState,
    IReadOnlyDictionary<string, ExperimentTarget> Targets,
    IReadOnlyList<ExperimentAction> Actions,
    IReadOnlyList<StopCondition> StopConditions,
    TimeSpan ObserveFor,
    TimeSpan SampleEvery);

/// <summary>
/// A FIS target: a resource type, how candidates are found (ARNs, tags, filters, the emulator's scope keys) and
/// how many are selected. Resolution against live state happens in the chaos grain at injection time.
/// </summary>
public sealed record ExperimentTarget(
    string Name,
    int Line,
    string ResourceType,
    ImmutableArray<string> Ids,
    ImmutableDictionary<string, string> Tags,
    string? Cluster,
    string? CapacityProvider,
    string? AutoScalingGroup,
    string? Service,
    string? AvailabilityZone,
    string? InstanceType,
    ChaosSelection Selection);

/// <summary>A FIS action: its id, parameters, the targets it acts on (by role) and the actions it starts after.</summary>
public sealed record ExperimentAction(
    string Name,
    int Line,
    string ActionId,
    IReadOnlyDictionary<string, string> Parameters,
    IReadOnlyDictionary<string, string> Targets,
    IReadOnlyList<string> StartAfter,
    string? Description);

/// <summary>A stop condition: FIS's "none", a CloudWatch alarm of the emulator, or the steady-state hypothesis.</summary>
public sealed record StopCondition(int Line, string Source, string? Value);

/// <summary>
/// One check of the steady-state hypothesis. <see cref="Kind"/> is failedRequestsPercent (value, op default &lt;,
/// optional service), serviceAtDesired (a service name; may be broken during, must be back within
/// <see cref="Within"/> of the last action ending) or any scenario condition (runningTasks, registeredInstances, ...).
/// </summary>
public sealed record HypothesisProbe(int Line, string Kind, ScenarioStep Condition, TimeSpan Within)
{
    public string Where => $"steadyState '{Kind}' at line {Line}";
}
