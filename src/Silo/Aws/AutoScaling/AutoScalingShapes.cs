using System.Xml.Linq;
using Emulator.Contracts;
using static Emulator.Silo.Aws.QueryXml;

namespace Emulator.Silo.Aws.AutoScaling;

/// <summary>EC2 Auto Scaling XML shapes (B-W-3), member names as in the 2011-01-01 service model.</summary>
public static class AutoScalingShapes
{
    public static string LifecycleState(LifecycleState s) => s switch
    {
        Contracts.LifecycleState.Pending => "Pending",
        Contracts.LifecycleState.InService => "InService",
        Contracts.LifecycleState.TerminatingWait => "Terminating:Wait",
        Contracts.LifecycleState.Terminating => "Terminating",
        _ => "Terminated",
    };

    /// <summary>The UUID in an ASG ARN (…:autoScalingGroup:UUID:autoScalingGroupName/NAME).</summary>
    public static string Uuid(string asgArn)
    {
        var parts = asgArn.Split(':');
        return parts.Length >= 7 ? parts[6] : "";
    }

    public static XElement? LaunchTemplate(AsgSpec spec, LaunchTemplateRecord? template, string name = "LaunchTemplate") =>
        spec.LaunchTemplateName is null ? null : E(name,
            V("LaunchTemplateId", template?.Id),
            V("LaunchTemplateName", spec.LaunchTemplateName),
            V("Version", spec.LaunchTemplateVersion));

    /// <summary>
    /// Whether the group came from a MixedInstancesPolicy. A plain Spot launch template is kept as a one-type,
    /// all-Spot distribution (<see cref="AutoScalingOperations"/>), which is shown as the launch template it was.
    /// </summary>
    public static bool IsMixed(AsgSpec spec, LaunchTemplateRecord? template) =>
        spec.InstancesDistribution is not null
        && !(template is { Data.Spot: true } && spec.InstanceTypes.Length == 1 && spec.InstanceTypes[0] == template.Data.InstanceType
             && spec.InstancesDistribution == AutoScalingOperations.SpotOnly);

    public static XElement Group(AsgInfo info, LaunchTemplateRecord? template)
    {
        var spec = info.Spec;
        var mixed = IsMixed(spec, template);
        var d = spec.InstancesDistribution;
        return E("member",
            V("AutoScalingGroupName", spec.Name),
            V("AutoScalingGroupARN", info.Arn),
            V("LaunchConfigurationName", spec.LaunchConfigurationName),
            mixed ? null : LaunchTemplate(spec, template),
            mixed && d is not null
                ? E("MixedInstancesPolicy",
                    E("LaunchTemplate",
                        LaunchTemplate(spec, template, "LaunchTemplateSpecification"),
                        Members("Overrides", spec.InstanceTypes.Select(t => E("member", V("InstanceType", t))))),
                    E("InstancesDistribution",
                        V("OnDemandAllocationStrategy", "prioritized"),
                        V("OnDemandBaseCapacity", d.OnDemandBaseCapacity),
                        V("OnDemandPercentageAboveBaseCapacity", d.OnDemandPercentageAboveBaseCapacity),
                        V("SpotAllocationStrategy", d.SpotAllocationStrategy)))
                : null,
            V("MinSize", spec.MinSize),
            V("MaxSize", spec.MaxSize),
            V("DesiredCapacity", info.DesiredCapacity),
            V("DefaultCooldown", 300),
            MemberStrings("AvailabilityZones", spec.AvailabilityZones),
            MemberStrings("LoadBalancerNames", []),
            MemberStrings("TargetGroupARNs", []),
            V("HealthCheckType", "EC2"),
            V("HealthCheckGracePeriod", 0),
            Members("Instances", info.Instances.OrderBy(i => i.InstanceId, StringComparer.Ordinal).Select(i => Instance(i, spec, template, null))),
            V("CreatedTime", info.CreatedAt),
            MemberStrings("SuspendedProcesses", []),
            MemberStrings("EnabledMetrics", []),
            info.Status == "Active" ? null : V("Status", info.Status),
            Members("Tags", spec.Tags.OrderBy(t => t.Key, StringComparer.Ordinal).Select(t => Tag(spec.Name, t.Key, t.Value))),
            MemberStrings("TerminationPolicies", ["Default"]),
            V("NewInstancesProtectedFromScaleIn", spec.NewInstancesProtectedFromScaleIn),
            V("ServiceLinkedRoleARN", $"arn:aws:iam::{Account(info.Arn)}:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling"),
            V("CapacityRebalance", spec.CapacityRebalance));
    }

    /// <summary>An Instance (in a group) or, with <paramref name="groupName"/>, an AutoScalingInstanceDetails.</summary>
    public static XElement Instance(AsgInstance i, AsgSpec spec, LaunchTemplateRecord? template, string? groupName) =>
        E("member",
            V("InstanceId", i.InstanceId),
            V("InstanceType", i.InstanceType),
            V("AutoScalingGroupName", groupName),
            V("AvailabilityZone", i.AvailabilityZone),
            V("LifecycleState", LifecycleState(i.State)),
            V("HealthStatus", "HEALTHY"),
            V("LaunchConfigurationName", spec.LaunchConfigurationName),
            spec.LaunchTemplateName is null ? null : E("LaunchTemplate",
                V("LaunchTemplateId", template?.Id), V("LaunchTemplateName", spec.LaunchTemplateName), V("Version", i.LaunchTemplateVersion)),
            V("ProtectedFromScaleIn", i.ProtectedFromScaleIn));

    public static XElement Tag(string group, string key, string value) =>
        E("member", V("ResourceId", group), V("ResourceType", "auto-scaling-group"), V("Key", key), V("Value", value), V("PropagateAtLaunch", true));

    public static XElement Activity(ScalingActivity a, string? groupArn, string name = "member") =>
        E(name,
            V("ActivityId", a.ActivityId),
            V("AutoScalingGroupName", a.AutoScalingGroupName),
            V("Description", a.Description),
            V("Cause", a.Cause),
            V("StartTime", a.StartTime),
            V("EndTime", a.EndTime),
            V("StatusCode", a.StatusCode),
            V("StatusMessage", a.StatusMessage),
            V("Progress", a.Progress),
            V("Details", "{}"),
            V("AutoScalingGroupARN", groupArn));

    public static XElement LaunchConfiguration(LaunchConfigurationRecord c) =>
        E("member",
            V("LaunchConfigurationName", c.Name),
            V("LaunchConfigurationARN", c.Arn),
            V("ImageId", c.Data.ImageId ?? ""),
            MemberStrings("SecurityGroups", []),
            V("UserData", c.Data.UserData),
            V("InstanceType", c.Data.InstanceType ?? ""),
            V("SpotPrice", c.Data.SpotMaxPrice),
            E("InstanceMonitoring", V("Enabled", true)),
            V("CreatedTime", c.CreatedAt),
            V("EbsOptimized", false));

    private static string Account(string arn)
    {
        var parts = arn.Split(':');
        return parts.Length > 4 ? parts[4] : "000000000000";
    }
}
