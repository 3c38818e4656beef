using System.Globalization;

namespace Emulator.Benchmarks;

/// <summary>The command line: <c>--tasks N --instances N --activations N --time-scale X --launches-per-minute N</c>.</summary>
public sealed record BenchmarkOptions
{
    public int Tasks { get; init; } = 10_000;

    public int Instances { get; init; } = 1_250;

    public int Activations { get; init; } = 100_000;

    /// <summary>Emulated seconds per wall second: at 6000x a 10 s task start is 1.7 ms of wall time.</summary>
    public double TimeScale { get; init; } = 6_000;

    /// <summary>B-SV-3's 500 launches per emulated minute would dominate; the benchmark lifts it.</summary>
    public int LaunchesPerMinute { get; init; } = 100_000;

    /// <summary>Concurrent grain -> grain callers of the call-rate baseline (ORLEANS-NOTES uses 64).</summary>
    public int Callers { get; init; } = 64;

    /// <summary>Concurrent in-process client calls in flight for the client -> grain figure.</summary>
    public int ClientInFlight { get; init; } = 256;

    /// <summary>Tasks of a scale-out and scale-in run before the measured one (JIT, tiering); 0 = none.</summary>
    public int WarmupTasks { get; init; } = 1_000;

    /// <summary>Adds a grain call filter and times the pure model on its own, to find where the time goes.</summary>
    public bool Profile { get; init; }

    /// <summary>Seconds to wait for all tasks to be RUNNING before giving up (the run still exits 0).</summary>
    public int TimeoutSeconds { get; init; } = 180;

    /// <summary>Runs only the requests-per-second benchmark of the AWS endpoint against a real silo process.</summary>
    public bool Http { get; init; }

    /// <summary>Concurrent connections of the HTTP load generator.</summary>
    public int HttpConnections { get; init; } = 32;

    /// <summary>Measured seconds per HTTP phase.</summary>
    public int HttpSeconds { get; init; } = 5;

    /// <summary>Warm-up seconds before each HTTP phase (JIT, connection pool).</summary>
    public int HttpWarmupSeconds { get; init; } = 2;

    /// <summary>m5.large instances of each benchmark cluster (RunTask's 10 tasks of 6 MiB per request must keep fitting).</summary>
    public int HttpInstances { get; init; } = 40;

    /// <summary>Measures only the HTTP phases whose name contains this text (for profiling one operation), or all.</summary>
    public string? HttpOnly { get; init; }

    /// <summary>Runs of the whole benchmark, each in a process of its own; more than one prints the median and range of each figure.</summary>
    public int Repeat { get; init; } = 1;

    public static string Usage =>
        "usage: Emulator.Benchmarks [--tasks N] [--instances N] [--activations N] [--time-scale X] [--launches-per-minute N] [--timeout-seconds N] [--warmup-tasks N] [--profile] [--repeat N] | --http [--connections N] [--seconds N] [--warmup-seconds N] [--http-instances N] [--only TEXT] [--time-scale X] [--repeat N]";

    public static BenchmarkOptions Parse(string[] args)
    {
        var o = new BenchmarkOptions();
        for (var i = 0; i < args.Length; i++)
        {
            var name = args[i];
            if (name is "-h" or "--help")
            {
                throw new ArgumentException(Usage);
            }

            if (name == "--profile")
            {
                o = o with { Profile = true };
                continue;
            }

            if (name == "--http")
            {
                o = o with { Http = true };
                continue;
            }

            if (i + 1 >= args.Length)
            {
                throw new ArgumentException($"{name} needs a value. {Usage}");
            }

            var value = args[++i];
            o = name switch
            {
                "--tasks" => o with { Tasks = Positive(name, value) },
                "--instances" => o with { Instances = Positive(name, value) },
                "--activations" => o with { Activations = Positive(name, value) },
                "--time-scale" => o with { TimeScale = PositiveDouble(name, value) },
                "--launches-per-minute" => o with { LaunchesPerMinute = Positive(name, value) },
                "--timeout-seconds" => o with { TimeoutSeconds = Positive(name, value) },
                "--warmup-tasks" => o with { WarmupTasks = NonNegative(name, value) },
                "--connections" => o with { HttpConnections = Positive(name, value) },
                "--seconds" => o with { HttpSeconds = Positive(name, value) },
                "--warmup-seconds" => o with { HttpWarmupSeconds = NonNegative(name, value) },
                "--http-instances" => o with { HttpInstances = Positive(name, value) },
                "--only" => o with { HttpOnly = value },
                "--repeat" => o with { Repeat = Positive(name, value) },
                _ => throw new ArgumentException($"Unknown option {name}. {Usage}"),
            };
        }

        return o;
    }

    private static int Positive(string name, string value) =>
        int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) && n > 0
            ? n
            : throw new ArgumentException($"{name} must be a positive integer, not '{value}'.");

    private static int NonNegative(string name, string value) =>
        int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) && n >= 0
            ? n
            : throw new ArgumentException($"{name} must be a non-negative integer, not '{value}'.");

    private static double PositiveDouble(string name, string value) =>
        double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && d > 0 && !double.IsInfinity(d)
            ? d
            : throw new ArgumentException($"{name} must be a positive number, not '{value}'.");
}
