namespace Emulator.Contracts;

/// <summary>
/// Long ARN formats (B-ID-2) and the "short name or full ARN" rule (B-ID-3). Pure string functions shared by the
/// grains, the HTTP edge and the client.
/// </summary>
public static class Arns
{
    public static string Cluster(string region, string account, string name) => $"arn:aws:ecs:{region}:{account}:cluster/{name}";

    public static string ContainerInstance(string region, string account, string cluster, string id) =>
        $"arn:aws:ecs:{region}:{account}:container-instance/{cluster}/{id}";

    public static string Service(string region, string account, string cluster, string name) =>
        $"arn:aws:ecs:{region}:{account}:service/{cluster}/{name}";

    public static string Task(string region, string account, string cluster, string id) =>
        $"arn:aws:ecs:{region}:{account}:task/{cluster}/{id}";

    public static string TaskDefinition(string region, string account, string family, int revision) =>
        $"arn:aws:ecs:{region}:{account}:task-definition/{family}:{revision}";

    public static string CapacityProvider(string region, string account, string name) =>
        $"arn:aws:ecs:{region}:{account}:capacity-provider/{name}";

    public static string AutoScalingGroup(string region, string account, string uuid, string name) =>
        $"arn:aws:autoscaling:{region}:{account}:autoScalingGroup:{uuid}:autoScalingGroupName/{name}";

    /// <summary>
    /// The last path segment of an ECS ARN, or the input when it is not an ARN (B-ID-3). For task-definition
    /// ARNs this is "family:revision".
    /// </summary>
    public static string ShortName(string nameOrArn)
    {
        if (!nameOrArn.StartsWith("arn:", StringComparison.Ordinal))
        {
            return nameOrArn;
        }

        var slash = nameOrArn.LastIndexOf('/');
        return slash >= 0 ? nameOrArn[(slash + 1)..] : nameOrArn;
    }

    /// <summary>Cluster name from a name or ARN; null/empty means "default" (B-ID-3).</summary>
    public static string ClusterName(string? nameOrArn) =>
        string.IsNullOrEmpty(nameOrArn) ? "default" : ShortName(nameOrArn);

    /// <summary>Auto Scaling group name from a name or an ASG ARN (…:autoScalingGroupName/NAME).</summary>
    public static string AutoScalingGroupName(string nameOrArn)
    {
        const string marker = "autoScalingGroupName/";
        var i = nameOrArn.IndexOf(marker, StringComparison.Ordinal);
        return i >= 0 ? nameOrArn[(i + marker.Length)..] : nameOrArn;
    }
}
