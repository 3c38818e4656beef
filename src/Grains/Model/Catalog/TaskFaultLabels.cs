using System.Globalization;
using Emulator.Contracts;
using Emulator.Model.Lifecycle;
using Emulator.Model.Time;

namespace Emulator.Model.Catalog;

/// <summary>
/// B-DP-8: task failure faults declared per container in the task definition's <c>dockerLabels</c> (a real field, so
/// the AWS CLI, the SDKs and Terraform can all set them):
/// <list type="bullet">
/// <item><c>emulator.pull=fail</c>: the task stops before RUNNING, TaskFailedToStart, "CannotPullContainerError: …".</item>
/// <item><c>emulator.exitAfter=&lt;duration&gt;</c> (+ <c>emulator.exitCode=&lt;n&gt;</c>, default 1): the container exits that
/// long after RUNNING; when it is essential the task stops with EssentialContainerExited.</item>
/// <item><c>emulator.healthCheck=fail</c>: the container health check reports UNHEALTHY after its retries (a container
/// without a healthCheck gets Docker's default timings: 30 s interval, 3 retries).</item>
/// <item><c>emulator.targetHealth=fail</c>: the task's load balancer target never becomes healthy.</item>
/// <item><c>emulator.errorRate=&lt;0..1&gt;</c>: that share of the task's requests is answered 5xx.</item>
/// <item><c>emulator.cpuPerRequest=&lt;factor&gt;</c>: CPU per request multiplied (B-LB-4).</item>
/// </list>
/// Durations as in scenarios (<c>30s</c>, <c>5m</c>, <c>1h</c>). Any other <c>emulator.*</c> label, or a value that does not
/// parse, is a ClientException at registration: a fault the emulator would silently ignore is a defect.
/// </summary>
public static class TaskFaultLabels
{
    public const string Prefix = "emulator.";
    public const string Pull = "emulator.pull";
    public const string ExitAfter = "emulator.exitAfter";
    public const string ExitCode = "emulator.exitCode";
    public const string HealthCheck = "emulator.healthCheck";
    public const string TargetHealth = "emulator.targetHealth";
    public const string ErrorRate = "emulator.errorRate";
    public const string CpuPerRequest = "emulator.cpuPerRequest";

    public static readonly string[] Known = [Pull, ExitAfter, ExitCode, HealthCheck, TargetHealth, ErrorRate, CpuPerRequest];

    /// <summary>The task's faults (null when it has none) or the registration error.</summary>
    public static (TaskFaults? Faults, string? Error) Parse(TaskDefinitionSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var faults = TaskFaults.None;
        foreach (var c in spec.Containers.IsDefault ? [] : spec.Containers)
        {
            var labels = c.DockerLabels;
            if (labels is null)
            {
                continue;
            }

            foreach (var (key, value) in labels.Where(l => l.Key.StartsWith(Prefix, StringComparison.Ordinal)))
            {
                string? Bad(string expected) => $"Invalid docker label {key}={value} on container {c.Name}: {expected}.";
                switch (key)
                {
                    case Pull:
                        if (value != "fail")
                        {
                            return (null, Bad("the only value is 'fail'"));
                        }

                        faults = faults with { PullFailure = StopReasons.CannotPull(c.Image) };
                        break;
                    case ExitAfter:
                        if (Durations.TryParse(value) is not { } after || after <= TimeSpan.Zero)
                        {
                            return (null, Bad("expected a positive duration such as 30s, 5m or 1h"));
                        }

                        // A non-essential container that exits leaves its task running: nothing to model.
                        if (c.Essential)
                        {
                            faults = faults with { ExitAfter = faults.ExitAfter is { } other && other < after ? other : after };
                        }

                        break;
                    case ExitCode:
                        if (!int.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var code) || code is < 0 or > 255)
                        {
                            return (null, Bad("expected an exit code from 0 to 255"));
                        }

                        if (c.Essential)
                        {
                            faults = faults with { ExitCode = code };
                        }

                        break;
                    case HealthCheck:
                        if (value != "fail")
                        {
                            return (null, Bad("the only value is 'fail'"));
                        }

                        faults = faults with { HealthCheckFails = true, HealthCheck = faults.HealthCheck ?? c.HealthCheck ?? new ContainerHealthCheck(["CMD-SHELL", "exit 1"]) };
                        break;
                    case TargetHealth:
                        if (value != "fail")
                        {
                            return (null, Bad("the only value is 'fail'"));
                        }

                        faults = faults with { TargetHealthFails = true };
                        break;
                    case ErrorRate:
                        if (!double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var rate) || rate is < 0 or > 1 || double.IsNaN(rate))
                        {
                            return (null, Bad("expected a share of requests from 0 to 1"));
                        }

                        faults = faults with { ErrorRate = Math.Max(faults.ErrorRate, rate) };
                        break;
                    case CpuPerRequest:
                        if (!double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var factor) || factor <= 0 || factor > 1000 || double.IsNaN(factor))
                        {
                            return (null, Bad("expected a positive factor of at most 1000"));
                        }

                        faults = faults with { CpuPerRequest = faults.CpuPerRequest * factor };
                        break;
                    default:
                        return (null, $"Unknown docker label {key} on container {c.Name}: the emulator's labels are {string.Join(", ", Known)}.");
                }
            }
        }

        // The task runs a container health check when an essential container declares one (B-DP-1).
        if (faults.HealthCheck is null && spec.Containers.FirstOrDefault(c => c.Essential && c.HealthCheck is not null)?.HealthCheck is { } declared)
        {
            faults = faults with { HealthCheck = declared };
        }

        return (faults.IsNone ? null : faults, null);
    }

    /// <summary>
    /// B-DP-8 as chaos: a fault set on a running service, as it applies to one of its tasks (null: the task is not
    /// affected, e.g. a pull failure on a task that already runs). <paramref name="current"/> is what the task carries.
    /// </summary>
    public static TaskFaults? Apply(TaskFaults? current, ServiceTaskFault fault, bool alreadyStarted)
    {
        ArgumentNullException.ThrowIfNull(fault);
        var f = current ?? TaskFaults.None;
        var injected = alreadyStarted ? fault.Since : (DateTimeOffset?)null;
        return fault.Kind switch
        {
            TaskFaultKind.PullFailure => alreadyStarted ? null : f with { PullFailure = StopReasons.CannotPull("(chaos: image pull failure injected)") },
            TaskFaultKind.Exit => f with { ExitAfter = TimeSpan.FromSeconds(Math.Max(1, fault.Value)) },
            TaskFaultKind.HealthCheck => f with { HealthCheckFails = true, HealthCheck = f.HealthCheck ?? new ContainerHealthCheck(["CMD-SHELL", "exit 1"]), Since = injected, Until = fault.Until },
            TaskFaultKind.TargetHealth => f with { TargetHealthFails = true, Since = injected, Until = fault.Until },
            TaskFaultKind.ErrorRate => f with { ErrorRate = fault.Value, Until = fault.Until },
            TaskFaultKind.CpuPerRequest => f with { CpuPerRequest = fault.Value, Until = fault.Until },
            _ => null,
        };
    }

    /// <summary>Null when a chaos fault's value is valid for its kind, else the InvalidParameterException message.</summary>
    public static string? Validate(TaskFaultKind kind, double value) => kind switch
    {
        TaskFaultKind.Exit when value is < 1 or > 86_400 || double.IsNaN(value) => "The exit fault needs a duration from 1 second to 24 hours.",
        TaskFaultKind.ErrorRate when value is < 0 or > 1 || double.IsNaN(value) => "The error-rate fault needs a share of requests from 0 to 1.",
        TaskFaultKind.CpuPerRequest when value is <= 0 or > 1000 || double.IsNaN(value) => "The cpu-per-request fault needs a positive factor of at most 1000.",
        _ => null,
    };
}
