using Emulator.Contracts;
using Emulator.Runtime;

namespace Emulator.Silo.Aws;

/// <summary>What an operation handler gets besides its input: the grains and the emulator's runtime.</summary>
public sealed class AwsContext(IGrainFactory grains, EmulatorRuntime runtime, string requestId)
{
    public IGrainFactory Grains { get; } = grains;

    public EmulatorRuntime Runtime { get; } = runtime;

    public string RequestId { get; } = requestId;

    public IEcsControlGrain Control => Grains.GetGrain<IEcsControlGrain>(0);

    public string Region => Runtime.Region;

    public string Account => Runtime.Account;

    public DateTimeOffset Now => Runtime.Clock.Now;

    public IClusterGrain Cluster(string? nameOrArn) => Grains.GetGrain<IClusterGrain>(GrainKeys.Cluster(Arns.ClusterName(nameOrArn)));
}
