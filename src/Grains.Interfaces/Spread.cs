using System.Collections.Immutable;
using System.Globalization;

namespace Emulator.Contracts;

/// <summary>
/// One figure over repeated runs: median and range (min–max) and how many runs, which is how the load test and the
/// benchmarks report a figure when given <c>--repeat N</c> (a single run of a 2-core machine varies by a third).
/// </summary>
public sealed record Spread(ImmutableArray<double> Values)
{
    public int Runs => Values.Length;

    public double Median
    {
        get
        {
            if (Values.IsDefaultOrEmpty)
            {
                return double.NaN;
            }

            var sorted = Values.Order().ToArray();
            var mid = sorted.Length / 2;
            return sorted.Length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
        }
    }

    public double Min => Values.IsDefaultOrEmpty ? double.NaN : Values.Min();

    public double Max => Values.IsDefaultOrEmpty ? double.NaN : Values.Max();

    public static Spread Of(IEnumerable<double> values) => new([.. values.Where(v => !double.IsNaN(v))]);

    /// <summary>"median (min–max, N runs)" with the given number format, e.g. <c>0.54 (0.42–0.73, 5 runs)</c>.</summary>
    public string Format(string format) => Runs switch
    {
        0 => "n/a",
        1 => Median.ToString(format, CultureInfo.InvariantCulture) + " (1 run)",
        _ => string.Create(CultureInfo.InvariantCulture, $"{Median.ToString(format, CultureInfo.InvariantCulture)} ({Min.ToString(format, CultureInfo.InvariantCulture)}–{Max.ToString(format, CultureInfo.InvariantCulture)}, {Runs} runs)"),
    };

    /// <summary>The JSON object a script reads: <c>{"median":..,"min":..,"max":..,"runs":..,"values":[..]}</c>.</summary>
    public string ToJson(string format) =>
        string.Create(CultureInfo.InvariantCulture,
            $"{{\"median\":{Json(Median, format)},\"min\":{Json(Min, format)},\"max\":{Json(Max, format)},\"runs\":{Runs},\"values\":[{string.Join(",", Values.Select(v => Json(v, format)))}]}}");

    private static string Json(double v, string format) => double.IsFinite(v) ? v.ToString(format, CultureInfo.InvariantCulture) : "null";
}
