using System.Globalization;
using Emulator.Client.Scenarios;
using Emulator.Contracts;

namespace Emulator.Client.Chaos;

/// <summary>
/// B-DP-8's faults as the client and experiment files name them: pull, exit (value: a duration), health-check,
/// target-health, error-rate (value: 0..1), cpu-per-request (value: a factor).
/// </summary>
public static class TaskFaultNames
{
    public static readonly string[] All = ["pull", "exit", "health-check", "target-health", "error-rate", "cpu-per-request"];

    public static TaskFaultKind? Parse(string name) => name switch
    {
        "pull" => TaskFaultKind.PullFailure,
        "exit" => TaskFaultKind.Exit,
        "health-check" => TaskFaultKind.HealthCheck,
        "target-health" => TaskFaultKind.TargetHealth,
        "error-rate" => TaskFaultKind.ErrorRate,
        "cpu-per-request" => TaskFaultKind.CpuPerRequest,
        _ => null,
    };

    public static bool NeedsValue(TaskFaultKind kind) => kind is TaskFaultKind.Exit or TaskFaultKind.ErrorRate or TaskFaultKind.CpuPerRequest;

    public static string ValueHelp(TaskFaultKind kind) => kind switch
    {
        TaskFaultKind.Exit => "how long after running the tasks exit, e.g. 30s or 5m",
        TaskFaultKind.ErrorRate => "the share of requests answered 5xx, from 0 to 1",
        TaskFaultKind.CpuPerRequest => "the factor CPU per request is multiplied by",
        _ => "none",
    };

    /// <summary>The fault's value: seconds for exit, the number otherwise; null when it does not parse.</summary>
    public static double? ParseValue(TaskFaultKind kind, string value)
    {
        if (kind == TaskFaultKind.Exit)
        {
            try
            {
                var d = ScenarioStep.ParseDuration(value, "value");
                return d > TimeSpan.Zero ? d.TotalSeconds : null;
            }
            catch (ScenarioException)
            {
                return null;
            }
        }

        return double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && !double.IsNaN(v) ? v : null;
    }
}
