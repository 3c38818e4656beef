using System.Collections.Immutable;
using System.Globalization;
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

    /// <summary>
    /// A group as DescribeAutoScalingGroups shows it: what the engine runs (sizes, zones, instances, status) and what the
    /// group was written with (<see cref="AsgSettings"/>: launch template or mixed instances policy, subnets, health
    /// checks, termination policies, ...) with AWS's defaults for members never written.
    /// </summary>
    public static XElement Group(AsgInfo info, LaunchTemplateRecord? template)
    {
        var spec = info.Spec;
        var fields = WithDefaults(spec.Settings?.Fields ?? Derived(spec, template), spec, template);
        var notPropagated = spec.Settings?.TagsNotPropagated ?? [];
        XElement? Echo(string member, object fallback) => QueryFields.Render(fields, member) ?? V(member, fallback);
        return E("member",
            V("AutoScalingGroupName", spec.Name),
            V("AutoScalingGroupARN", info.Arn),
            QueryFields.Render(fields, "LaunchConfigurationName"),
            QueryFields.Render(fields, "LaunchTemplate"),
            QueryFields.Render(fields, "MixedInstancesPolicy"),
            V("MinSize", spec.MinSize),
            V("MaxSize", spec.MaxSize),
            V("DesiredCapacity", info.DesiredCapacity),
            Echo("DefaultCooldown", 300),
            MemberStrings("AvailabilityZones", spec.AvailabilityZones),
            QueryFields.Render(fields, "LoadBalancerNames") ?? MemberStrings("LoadBalancerNames", []),
            QueryFields.Render(fields, "TargetGroupARNs") ?? MemberStrings("TargetGroupARNs", []),
            Echo("HealthCheckType", "EC2"),
            Echo("HealthCheckGracePeriod", 0),
            Members("Instances", info.Instances.OrderBy(i => i.InstanceId, StringComparer.Ordinal).Select(i => Instance(i, spec, template, null))),
            V("CreatedTime", info.CreatedAt),
            MemberStrings("SuspendedProcesses", []),
            QueryFields.Render(fields, "PlacementGroup"),
            QueryFields.Render(fields, "VPCZoneIdentifier"),
            MemberStrings("EnabledMetrics", []),
            info.Status == "Active" ? null : V("Status", info.Status),
            Members("Tags", spec.Tags.OrderBy(t => t.Key, StringComparer.Ordinal).Select(t => Tag(spec.Name, t.Key, t.Value, !notPropagated.Contains(t.Key)))),
            QueryFields.Render(fields, "TerminationPolicies") ?? MemberStrings("TerminationPolicies", ["Default"]),
            V("NewInstancesProtectedFromScaleIn", spec.NewInstancesProtectedFromScaleIn),
            Echo("ServiceLinkedRoleARN", $"arn:aws:iam::{Account(info.Arn)}:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling"),
            QueryFields.Render(fields, "MaxInstanceLifetime"),
            V("CapacityRebalance", spec.CapacityRebalance),
            QueryFields.Render(fields, "Context"),
            QueryFields.Render(fields, "DesiredCapacityType"),
            QueryFields.Render(fields, "DefaultInstanceWarmup"));
    }

    /// <summary>The written members of a group created before they were kept (or by the client): its launch source.</summary>
    public static ImmutableSortedDictionary<string, string> Derived(AsgSpec spec, LaunchTemplateRecord? template)
    {
        var b = ImmutableSortedDictionary.CreateBuilder<string, string>(StringComparer.Ordinal);
        if (spec.LaunchConfigurationName is { } lc)
        {
            b["LaunchConfigurationName"] = lc;
        }
        else if (IsMixed(spec, template) && spec.InstancesDistribution is { } d)
        {
            const string p = "MixedInstancesPolicy.";
            b[p + "LaunchTemplate.LaunchTemplateSpecification.LaunchTemplateName"] = spec.LaunchTemplateName ?? "";
            b[p + "LaunchTemplate.LaunchTemplateSpecification.Version"] = spec.LaunchTemplateVersion;
            for (var i = 0; i < spec.InstanceTypes.Length; i++)
            {
                b[p + $"LaunchTemplate.Overrides.member.{i + 1}.InstanceType"] = spec.InstanceTypes[i];
            }

            b[p + "InstancesDistribution.OnDemandBaseCapacity"] = d.OnDemandBaseCapacity.ToString(CultureInfo.InvariantCulture);
            b[p + "InstancesDistribution.OnDemandPercentageAboveBaseCapacity"] = d.OnDemandPercentageAboveBaseCapacity.ToString(CultureInfo.InvariantCulture);
            b[p + "InstancesDistribution.SpotAllocationStrategy"] = d.SpotAllocationStrategy;
        }
        else if (spec.LaunchTemplateName is { } lt)
        {
            b["LaunchTemplate.LaunchTemplateName"] = lt;
            b["LaunchTemplate.Version"] = spec.LaunchTemplateVersion;
        }

        return b.ToImmutable();
    }

    /// <summary>What AWS adds to a written launch source: both the template's id and name, its version, the distribution's defaults.</summary>
    private static ImmutableSortedDictionary<string, string> WithDefaults(ImmutableSortedDictionary<string, string> fields, AsgSpec spec, LaunchTemplateRecord? template)
    {
        var b = fields.ToBuilder();
        void Default(string key, string? value)
        {
            if (value is not null && !b.ContainsKey(key))
            {
                b[key] = value;
            }
        }

        foreach (var p in new[] { "LaunchTemplate.", "MixedInstancesPolicy.LaunchTemplate.LaunchTemplateSpecification." })
        {
            if (QueryFields.Has(fields, p.TrimEnd('.')))
            {
                Default(p + "LaunchTemplateId", template?.Id);
                Default(p + "LaunchTemplateName", template?.Name ?? spec.LaunchTemplateName);
                Default(p + "Version", "$Default");
            }
        }

        if (QueryFields.Has(fields, "MixedInstancesPolicy"))
        {
            const string d = "MixedInstancesPolicy.InstancesDistribution.";
            Default(d + "OnDemandAllocationStrategy", "prioritized");
            Default(d + "OnDemandBaseCapacity", "0");
            Default(d + "OnDemandPercentageAboveBaseCapacity", "100");
            Default(d + "SpotAllocationStrategy", "lowest-price");
            if (b[d + "SpotAllocationStrategy"] == "lowest-price")
            {
                Default(d + "SpotInstancePools", "2");
            }
        }

        return b.ToImmutable();
    }

    /// <summary>An Instance (in a group) or, with <paramref name="groupName"/>, an AutoScalingInstanceDetails.</summary>
    public static XElement Instance(AsgInstance i, AsgSpec spec, LaunchTemplateRecord? template, string? groupName) =>
        E("member",
            V("InstanceId", i.InstanceId),
            V("InstanceType", i.InstanceType),
            V("AutoScalingGroupName", groupName),
            V("AvailabilityZone", i.AvailabilityZone),
            V("LifecycleState", LifecycleState(i.State)),
            V("HealthStatus", groupName is null ? "Healthy" : "HEALTHY"), // AWS: "Healthy" in a group's instances, "HEALTHY" in DescribeAutoScalingInstances
            V("LaunchConfigurationName", spec.LaunchConfigurationName),
            spec.LaunchTemplateName is null ? null : E("LaunchTemplate",
                V("LaunchTemplateId", template?.Id), V("LaunchTemplateName", spec.LaunchTemplateName), V("Version", i.LaunchTemplateVersion)),
            V("ProtectedFromScaleIn", i.ProtectedFromScaleIn));

    public static XElement Tag(string group, string key, string value, bool propagateAtLaunch = true) =>
        E("member", V("ResourceId", group), V("ResourceType", "auto-scaling-group"), V("Key", key), V("Value", value), V("PropagateAtLaunch", propagateAtLaunch));

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
