namespace Emulator.Contracts;

/// <summary>How each grain is keyed. Names are unique per account+region, which a silo cluster emulates.</summary>
public static class GrainKeys
{
    public const string Account = "account";
    public const string TaskDefinitions = "task-definitions";
    public const string Tags = "tags";

    /// <summary>B-DP-7: the configured Lambda hook outcomes (<see cref="ILambdaHooksGrain"/>).</summary>
    public const string LambdaHooks = "lambda-hooks";

    /// <summary>The Spot market (one per emulated region).</summary>
    public const string SpotMarket = "default";

    /// <summary>Launch templates and launch configurations.</summary>
    public const string LaunchTemplates = "launch";

    /// <summary>The ECS control plane's front door (an integer-keyed stateless worker).</summary>
    public const long Control = 0;

    public static string Cluster(string name) => name;

    public static string Service(string cluster, string service) => $"{cluster}/{service}";

    public static (string Cluster, string Service) ParseService(string key)
    {
        var i = key.IndexOf('/', StringComparison.Ordinal);
        return (key[..i], key[(i + 1)..]);
    }

    public static string CapacityProvider(string name) => name;

    public static string AutoScalingGroup(string name) => name;

    /// <summary>B-MI-2: the name of the instance group a Managed Instances provider launches into (an Auto Scaling group grain no user lists).</summary>
    public static string ManagedInstancesGroup(string capacityProvider) => "ecs-managed-instances-" + capacityProvider;

    /// <summary>
    /// A grain placed on one silo (silo-pinned placement): the silo's address as <c>SiloAddress.ToParsableString()</c>
    /// writes it, then optionally <c>/</c> and anything that tells grains on the same silo apart.
    /// </summary>
    public static string PinnedToSilo(string siloAddress, string? suffix = null) => suffix is null ? siloAddress : $"{siloAddress}/{suffix}";

    /// <summary>The silo address a silo-pinned grain's key names.</summary>
    public static string PinnedSilo(string key)
    {
        var i = key.IndexOf('/', StringComparison.Ordinal);
        return i < 0 ? key : key[..i];
    }

    /// <summary>An Application Auto Scaling scalable target: "NAMESPACE|RESOURCE_ID|DIMENSION" (B-AS-1).</summary>
    public static string ScalableTarget(string serviceNamespace, string resourceId, string scalableDimension) =>
        $"{serviceNamespace}|{resourceId}|{scalableDimension}";

    public static (string ServiceNamespace, string ResourceId, string ScalableDimension) ParseScalableTarget(string key)
    {
        var parts = key.Split('|');
        return (parts[0], parts[1], parts[2]);
    }
}

/// <summary>Kinds of named resources the account registry lists.</summary>
public enum ResourceKind
{
    Cluster = 0,
    CapacityProvider = 1,
    AutoScalingGroup = 2,
    TargetGroup = 3,

    /// <summary>Application Auto Scaling scalable targets, by <see cref="GrainKeys.ScalableTarget"/> key.</summary>
    ScalableTarget = 4,

    /// <summary>CloudWatch namespaces that received custom metrics (PutMetricData).</summary>
    MetricNamespace = 5,

    /// <summary>ELBv2 load balancers (B-ELB-1), by name.</summary>
    LoadBalancer = 6,

    /// <summary>B-MI-2: the instance groups ECS Managed Instances providers launch into (not Auto Scaling groups a user sees).</summary>
    ManagedInstancesGroup = 7,
}
