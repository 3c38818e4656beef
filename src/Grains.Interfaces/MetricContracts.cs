using System.Collections.Immutable;
using Orleans.Concurrency;

namespace Emulator.Contracts;

[GenerateSerializer, Immutable, Alias("MetricDimension")]
public sealed record MetricDimension(
    [property: Id(0)] string Name,
    [property: Id(1)] string Value);

/// <summary>One CloudWatch datapoint at an emulated time. Dimensions are kept sorted by name.</summary>
[GenerateSerializer, Immutable, Alias("MetricDatum")]
public sealed record MetricDatum(
    [property: Id(0)] string MetricName,
    [property: Id(1)] ImmutableArray<MetricDimension> Dimensions,
    [property: Id(2)] DateTimeOffset Timestamp,
    [property: Id(3)] double Value,
    [property: Id(4)] string Unit,
    [property: Id(5)] MetricStatisticSet? Statistics = null)
{
    /// <summary>How many samples this datum stands for (a PutMetricData StatisticValues set or Values/Counts entry; 1 otherwise).</summary>
    public double SampleCount => Statistics?.SampleCount ?? 1;

    public double Sum => Statistics?.Sum ?? Value;

    public double Minimum => Statistics?.Minimum ?? Value;

    public double Maximum => Statistics?.Maximum ?? Value;
}

/// <summary>PutMetricData's StatisticValues: many samples summarised (SampleCount, Sum, Minimum, Maximum).</summary>
[GenerateSerializer, Immutable, Alias("MetricStatisticSet")]
public sealed record MetricStatisticSet(
    [property: Id(0)] double SampleCount,
    [property: Id(1)] double Sum,
    [property: Id(2)] double Minimum,
    [property: Id(3)] double Maximum);

/// <summary>One series to read from a metric store: name and exact dimensions.</summary>
[GenerateSerializer, Immutable, Alias("MetricSeriesKey")]
public sealed record MetricSeriesKey(
    [property: Id(0)] string MetricName,
    [property: Id(1)] ImmutableArray<MetricDimension> Dimensions);

/// <summary>A metric series: name and dimensions (ListMetrics).</summary>
[GenerateSerializer, Immutable, Alias("MetricSeries")]
public sealed record MetricSeries(
    [property: Id(0)] string MetricName,
    [property: Id(1)] ImmutableArray<MetricDimension> Dimensions,
    [property: Id(2)] string Unit);

/// <summary>
/// The CloudWatch metrics of one namespace (AWS/ECS/ManagedScaling CapacityProviderReservation B-CAS-3, AWS/ECS
/// CPUReservation/MemoryReservation, AWS/AutoScaling GroupDesiredCapacity/GroupInServiceInstances), one grain per
/// namespace. Datapoints are in emulated time and kept for one emulated day per series (known gap: AWS keeps 15 months
/// and rolls up resolutions), in memory and in grain storage by the hour, so a silo's death loses no datapoint a
/// caller has read (durable mode).
/// </summary>
[Alias("IMetricStoreGrain")]
public interface IMetricStoreGrain : IGrainWithStringKey
{
    [Alias("Put"), OneWay] Task Put(ImmutableArray<MetricDatum> data);

    /// <summary>Datapoints of the series with exactly these dimensions in [start, end).</summary>
    [Alias("Get")]
    Task<ImmutableArray<MetricDatum>> Get(string metricName, ImmutableArray<MetricDimension> dimensions, DateTimeOffset start, DateTimeOffset end);

    /// <summary>Series whose name matches (null: any) and that have all the given dimensions (an empty value: any value).</summary>
    [Alias("List")]
    Task<ImmutableArray<MetricSeries>> List(string? metricName, ImmutableArray<MetricDimension> dimensions);

    /// <summary>Datapoints of several series in [start, end) in one call (alarm evaluation reads a batch per period, B-CW-1).</summary>
    [Alias("GetMany")]
    Task<ImmutableArray<ImmutableArray<MetricDatum>>> GetMany(ImmutableArray<MetricSeriesKey> series, DateTimeOffset start, DateTimeOffset end);
}

public static class MetricNamespaces
{
    public const string ManagedScaling = "AWS/ECS/ManagedScaling";
    public const string Ecs = "AWS/ECS";
    public const string AutoScaling = "AWS/AutoScaling";

    /// <summary>B-LB-3: RequestCount, HTTPCode_ELB_5XX_Count, HealthyHostCount, ... by TargetGroup.</summary>
    public const string ApplicationElb = "AWS/ApplicationELB";

    /// <summary>B-IT-5: the emulator's own namespace for accrued cost (EstimatedCharges, USD).</summary>
    public const string EmulatorCost = "Emulator/Cost";

    /// <summary>ECS Container Insights: RunningTaskCount, DesiredTaskCount, PendingTaskCount, CpuUtilized, MemoryUtilized per service.</summary>
    public const string ContainerInsights = "ECS/ContainerInsights";

    public static ImmutableArray<string> All { get; } = [ManagedScaling, Ecs, AutoScaling, ApplicationElb, EmulatorCost, ContainerInsights];

    public static MetricDatum Datum(string metricName, DateTimeOffset at, double value, string unit, params ReadOnlySpan<(string Name, string Value)> dimensions)
    {
        var dims = ImmutableArray.CreateBuilder<MetricDimension>(dimensions.Length);
        foreach (var (n, v) in dimensions)
        {
            dims.Add(new MetricDimension(n, v));
        }

        dims.Sort((a, b) => string.CompareOrdinal(a.Name, b.Name));
        return new MetricDatum(metricName, dims.MoveToImmutable(), at, value, unit);
    }
}
