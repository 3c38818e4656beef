using System.Collections.Immutable;
using Emulator.Contracts;

namespace Emulator.Grains;

/// <summary>
/// One stored hour of one metric series (Model.Persistence.MetricChunks): timestamps (UTC ticks) and values in time
/// order. <see cref="Units"/> is empty when every datapoint has the series' unit.
/// </summary>
[GenerateSerializer, Immutable, Alias("MetricChunk")]
public sealed record MetricChunk(
    [property: Id(0)] MetricSeries Series,
    [property: Id(1)] ImmutableArray<long> Ticks,
    [property: Id(2)] ImmutableArray<double> Values,
    [property: Id(3)] ImmutableArray<string> Units,
    [property: Id(4)] ImmutableArray<MetricStatisticSet?> Sets = default);

/// <summary>A stored series and the hours of it that are in storage.</summary>
[GenerateSerializer, Immutable, Alias("MetricIndexEntry")]
public sealed record MetricIndexEntry(
    [property: Id(0)] MetricSeries Series,
    [property: Id(1)] ImmutableArray<long> Chunks);

/// <summary>The index of one namespace's stored series: what a reactivated metric store reads first.</summary>
[GenerateSerializer, Immutable, Alias("MetricIndex")]
public sealed record MetricIndex(
    [property: Id(0)] ImmutableArray<MetricIndexEntry> Entries);
