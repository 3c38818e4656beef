namespace Emulator.Model.Placement;

/// <summary>AWS's wording for placement failures (B-PL-5), in one place.</summary>
public static class PlacementMessages
{
    public const string NoInstancesInCluster = "No Container Instances were found in your cluster.";

    public const string NoInstancesInCapacityProvider = "No Container Instances were found in your capacity provider.";

    private const string Troubleshooting = "For more information, see the Troubleshooting section.";

    /// <summary>
    /// The SERVICE_TASK_PLACEMENT_FAILURE service event text (B-PL-5, B-EV-2), e.g. "service web was unable to place
    /// a task because no container instance met all of its requirements. The closest matching container-instance
    /// ID has insufficient CPU units available. For more information, see the Troubleshooting section."
    /// </summary>
    public static string ServiceEvent(string serviceName, PlacementExplanation explanation)
    {
        ArgumentNullException.ThrowIfNull(explanation);
        if (explanation.Reason is not null)
        {
            return $"service {serviceName} was unable to place a task because no container instance met all of its requirements. {explanation.Detail} {Troubleshooting}";
        }

        // With a capacity provider AWS drops the "because ..." clause: the provider may still scale out (B-CAS).
        return explanation.Detail == NoInstancesInCapacityProvider
            ? $"service {serviceName} was unable to place a task. Reason: {explanation.Detail} {Troubleshooting}"
            : $"service {serviceName} was unable to place a task because no container instance met all of its requirements. Reason: {explanation.Detail} {Troubleshooting}";
    }

    /// <summary>"The closest matching container-instance ID ..." for an AWS reason word (B-PL-5).</summary>
    public static string ClosestInstance(string containerInstanceId, string reason)
    {
        var what = reason switch
        {
            PlacementReasons.Cpu => "has insufficient CPU units available.",
            PlacementReasons.Memory => "has insufficient memory available.",
            PlacementReasons.Ports => "is already using a port required by your task.",
            PlacementReasons.Attribute => "is missing an attribute required by your task.",
            // AWS has no sentence of its own for these and prints the reason word.
            _ => $"encountered error \"{reason}\".",
        };
        return $"The closest matching container-instance {containerInstanceId} {what}";
    }
}
