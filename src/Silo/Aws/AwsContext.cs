using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using Emulator.Contracts;
using Emulator.Runtime;

namespace Emulator.Silo.Aws;

/// <summary>What an operation handler gets besides its input: the grains and the emulator's runtime.</summary>
public sealed class AwsContext(IGrainFactory grains, EmulatorRuntime runtime, string requestId)
{
    public IGrainFactory Grains { get; } = grains;

    public EmulatorRuntime Runtime { get; } = runtime;

    public string RequestId { get; } = requestId;

    /// <summary>The request body's size in bytes when the client sent it (PutMetricData's 1 MB limit).</summary>
    public long? ContentLength { get; init; }

    public IEcsControlGrain Control => Grains.GetGrain<IEcsControlGrain>(GrainKeys.Control);

    public string Region => Runtime.Region;

    public string Account => Runtime.Account;

    public DateTimeOffset Now => Runtime.Clock.Now;

    public IClusterGrain Cluster(string? nameOrArn) => Grains.GetGrain<IClusterGrain>(GrainKeys.Cluster(Arns.ClusterName(nameOrArn)));

    /// <summary>
    /// A task definition revision by its full ARN, for shaping tasks. A revision's contents never change once registered
    /// (only its status does, which task shapes do not show), so revisions are remembered per emulator runtime: a
    /// DescribeTasks of 10 tasks is then not 10 calls to the registry grain (the hot path of issue 3's benchmark).
    /// </summary>
    public async ValueTask<TaskDefinitionRecord?> TaskDefinitionRevision(string arn)
    {
        var cache = Revisions.GetOrCreateValue(Runtime);
        if (cache.TryGetValue(arn, out var known))
        {
            return known;
        }

        var record = await Grains.GetGrain<ITaskDefinitionRegistryGrain>(GrainKeys.TaskDefinitions).Get(arn);
        if (record is not null && string.Equals(record.Arn, arn, StringComparison.Ordinal))
        {
            cache.TryAdd(arn, record);
        }

        return record;
    }

    private static readonly ConditionalWeakTable<EmulatorRuntime, ConcurrentDictionary<string, TaskDefinitionRecord>> Revisions = new();
}
