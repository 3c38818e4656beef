using System.Collections.Immutable;
using Emulator.Contracts;

namespace Emulator.Grains;

/// <summary>The front door of the alarms (<see cref="ICloudWatchAlarmsGrain"/>): routes by name, fans out reads, merges.</summary>
[Orleans.Concurrency.StatelessWorker]
public sealed class CloudWatchAlarmsGrain : Grain, ICloudWatchAlarmsGrain
{
    private IAlarmShardGrain Shard(string name) => GrainFactory.GetGrain<IAlarmShardGrain>(AlarmShards.Of(name));

    private IEnumerable<IAlarmShardGrain> All => Enumerable.Range(0, AlarmShards.Count).Select(i => GrainFactory.GetGrain<IAlarmShardGrain>(i));

    public Task<AlarmInfo> Put(AlarmSpec spec) => Shard(spec.Name).Put(spec);

    public async Task Delete(ImmutableArray<string> names)
    {
        var missing = (await Task.WhenAll(names.GroupBy(AlarmShards.Of).Select(g => GrainFactory.GetGrain<IAlarmShardGrain>(g.Key).Missing([.. g]))))
            .SelectMany(m => m).ToList();
        if (missing.Count > 0)
        {
            throw new EcsException("ResourceNotFound", $"Alarm(s) not found: {string.Join(", ", missing)}.");
        }

        await DeleteIfExists(names);
    }

    public async Task DeleteIfExists(ImmutableArray<string> names) =>
        await Task.WhenAll(names.GroupBy(AlarmShards.Of).Select(g => GrainFactory.GetGrain<IAlarmShardGrain>(g.Key).Delete([.. g], true)));

    public async Task<ImmutableArray<AlarmInfo>> Describe(AlarmQuery query)
    {
        var shards = query.Names.IsDefaultOrEmpty ? All : query.Names.Select(AlarmShards.Of).Distinct().Select(i => GrainFactory.GetGrain<IAlarmShardGrain>(i));
        var parts = await Task.WhenAll(shards.Select(s => s.Describe(query)));
        return [.. parts.SelectMany(p => p).OrderBy(a => a.Spec.Name, StringComparer.Ordinal)];
    }

    public Task SetState(string name, AlarmStateValue state, string reason, string? reasonData) => Shard(name).SetState(name, state, reason, reasonData);

    public async Task SetActionsEnabled(ImmutableArray<string> names, bool enabled) =>
        await Task.WhenAll(names.GroupBy(AlarmShards.Of).Select(g => GrainFactory.GetGrain<IAlarmShardGrain>(g.Key).SetActionsEnabled([.. g], enabled)));

    public async Task<ImmutableArray<AlarmHistoryItem>> History(string? name, string? itemType, DateTimeOffset? start, DateTimeOffset? end)
    {
        var shards = name is null ? All : [Shard(name)];
        var parts = await Task.WhenAll(shards.Select(s => s.History(name, itemType, start, end)));
        return [.. parts.SelectMany(p => p).OrderByDescending(h => h.Timestamp)];
    }

    public async Task<ImmutableArray<AlarmTransition>> EnteredAlarmSince(ImmutableArray<string> names, DateTimeOffset since)
    {
        var parts = await Task.WhenAll(names.GroupBy(AlarmShards.Of).Select(g => GrainFactory.GetGrain<IAlarmShardGrain>(g.Key).EnteredAlarmSince([.. g], since)));
        return [.. parts.SelectMany(p => p).OrderBy(t => t.At)];
    }

    public async Task Subscribe(ImmutableArray<string> names, IAlarmSubscriber subscriber) =>
        await Task.WhenAll(names.GroupBy(AlarmShards.Of).Select(g => GrainFactory.GetGrain<IAlarmShardGrain>(g.Key).Subscribe([.. g], subscriber, true)));

    public async Task Unsubscribe(ImmutableArray<string> names, IAlarmSubscriber subscriber) =>
        await Task.WhenAll(names.GroupBy(AlarmShards.Of).Select(g => GrainFactory.GetGrain<IAlarmShardGrain>(g.Key).Subscribe([.. g], subscriber, false)));
}
