using System.Collections.Immutable;
using System.Xml.Linq;
using Emulator.Contracts;
using Emulator.Model.Catalog;
using Emulator.Model.Scaling;
using static Emulator.Silo.Aws.QueryXml;

namespace Emulator.Silo.Aws.AutoScaling;

/// <summary>
/// EC2 Auto Scaling over the query protocol (B-W-3, B-ASG-1..6). A group's instance types and Spot settings come
/// from its launch configuration, launch template or mixed instances policy; its cluster and Spot draining come from
/// the user data, read like the ECS agent reads /etc/ecs/ecs.config (<see cref="EcsAgentConfig"/>).
/// Known gaps: UpdateAutoScalingGroup does not change the launch template or zones; subnets are not modelled, a
/// VPCZoneIdentifier subnet maps to a zone by a stable hash unless its id names a zone.
/// </summary>
public static class AutoScalingOperations
{
    /// <summary>A plain Spot launch template or a launch configuration with a SpotPrice: every instance is Spot.</summary>
    public static readonly MixedInstancesSpec SpotOnly = new(0, 0, "lowest-price");

    private static readonly string[] SpotStrategies = ["lowest-price", "capacity-optimized", "capacity-optimized-prioritized", "price-capacity-optimized"];

    // ------------------------------------------------------------------ launch configurations

    [AwsOperation(AwsServices.AutoScaling, "CreateLaunchConfiguration")]
    public static async Task<XElement> CreateLaunchConfiguration(QueryInput input, AwsContext context)
    {
        var name = input.RequiredString("LaunchConfigurationName");
        var imageId = input.RequiredString("ImageId");
        var type = input.RequiredString("InstanceType");
        CheckInstanceType(context, type);
        var spot = input.String("SpotPrice");
        if (spot is not null && !decimal.TryParse(spot, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out _))
        {
            throw QueryInput.Validation($"Invalid SpotPrice '{spot}'.");
        }

        await Registry(context).CreateConfiguration(name, new LaunchData(imageId, type, input.String("UserData"), spot is not null, spot));
        return QueryXml.NoOutput();
    }

    [AwsOperation(AwsServices.AutoScaling, "DescribeLaunchConfigurations")]
    public static async Task<XElement> DescribeLaunchConfigurations(QueryInput input, AwsContext context)
    {
        var names = input.Strings("LaunchConfigurationNames");
        var all = await Registry(context).ListConfigurations();
        var (page, next) = Page(all.Where(c => names.IsEmpty || names.Contains(c.Name)).ToList(), input, PageSizes.AsgDescribeLaunchConfigurations, c => c.Name);
        return E("DescribeLaunchConfigurationsResult",
            Members("LaunchConfigurations", page.Select(AutoScalingShapes.LaunchConfiguration)),
            V("NextToken", next));
    }

    [AwsOperation(AwsServices.AutoScaling, "DeleteLaunchConfiguration")]
    public static async Task<XElement> DeleteLaunchConfiguration(QueryInput input, AwsContext context)
    {
        var name = input.RequiredString("LaunchConfigurationName");
        foreach (var g in await Groups(context))
        {
            if (g.Spec.LaunchConfigurationName == name)
            {
                throw new EcsException("ResourceInUse", $"Cannot delete launch configuration {name} because it is attached to AutoScalingGroup {g.Spec.Name}");
            }
        }

        await Registry(context).DeleteConfiguration(name);
        return QueryXml.NoOutput();
    }

    // ------------------------------------------------------------------ groups

    /// <summary>The members the engine models itself; every other member of a request is kept as written (<see cref="AsgSettings"/>).</summary>
    private static readonly HashSet<string> Modelled = new(StringComparer.Ordinal)
    {
        "AutoScalingGroupName", "MinSize", "MaxSize", "DesiredCapacity", "Tags", "AvailabilityZones", "NewInstancesProtectedFromScaleIn", "CapacityRebalance",
    };

    /// <summary>Members whose effect the emulator does not have: refused with a clear error rather than stored and ignored.</summary>
    private static readonly string[] Unsupported = ["LifecycleHookSpecificationList", "TrafficSources", "InstanceId"];

    [AwsOperation(AwsServices.AutoScaling, "CreateAutoScalingGroup")]
    public static async Task<XElement> CreateAutoScalingGroup(QueryInput input, AwsContext context)
    {
        var name = input.RequiredString("AutoScalingGroupName");
        var min = input.Int("MinSize") ?? throw Missing("MinSize");
        var max = input.Int("MaxSize") ?? throw Missing("MaxSize");
        var desired = input.Int("DesiredCapacity") ?? min;
        RefuseUnsupported(input);
        var launch = await ResolveLaunch(input, context);
        var zones = await Zones(input, context) ?? throw QueryInput.Validation("At least one Availability Zone or VPC Subnet is required.");
        var tags = ImmutableDictionary.CreateBuilder<string, string>(StringComparer.Ordinal);
        var notPropagated = ImmutableHashSet.CreateBuilder<string>(StringComparer.Ordinal);
        foreach (var t in input.Members("Tags"))
        {
            var key = t.RequiredString("Key");
            tags[key] = t.String("Value") ?? "";
            if (t.Bool("PropagateAtLaunch") == false)
            {
                notPropagated.Add(key);
            }
        }

        var agent = EcsAgentConfig.FromBase64(launch.UserData);
        var settings = new AsgSettings(CheckedFields(input, context), notPropagated.ToImmutable());
        var spec = new AsgSpec(name, min, max, desired, zones, launch.InstanceTypes, launch.Distribution, agent.ClusterName, agent.SpotInstanceDraining,
            input.Bool("NewInstancesProtectedFromScaleIn") ?? false, input.Bool("CapacityRebalance") ?? false, launch.Version, tags.ToImmutable(),
            launch.TemplateName, launch.ConfigurationName, settings);
        await context.Control.CreateAutoScalingGroup(spec);
        return QueryXml.NoOutput();
    }

    /// <summary>
    /// Sizes go to the group's own rules (B-ASG-1); a new launch template, mixed instances policy or launch
    /// configuration applies to the instances launched from now on; new subnets or zones to the next launches; every
    /// other member is stored as written.
    /// </summary>
    [AwsOperation(AwsServices.AutoScaling, "UpdateAutoScalingGroup")]
    public static async Task<XElement> UpdateAutoScalingGroup(QueryInput input, AwsContext context)
    {
        var name = input.RequiredString("AutoScalingGroupName");
        var grain = Group(context, name);
        var current = await grain.Describe() ?? throw GroupNotFound(Arns.AutoScalingGroupName(name));
        RefuseUnsupported(input);
        var spec = current.Spec;
        var written = CheckedFields(input, context).Remove("AutoScalingGroupName");
        if (input.String("LaunchConfigurationName") is not null || input.Structure("LaunchTemplate") is not null || input.Structure("MixedInstancesPolicy") is not null)
        {
            var launch = await ResolveLaunch(input, context);
            var agent = EcsAgentConfig.FromBase64(launch.UserData);
            spec = spec with
            {
                InstanceTypes = launch.InstanceTypes, InstancesDistribution = launch.Distribution, ClusterName = agent.ClusterName,
                SpotDraining = agent.SpotInstanceDraining, LaunchTemplateVersion = launch.Version, LaunchTemplateName = launch.TemplateName,
                LaunchConfigurationName = launch.ConfigurationName,
            };

            // The new launch source replaces the old one whole.
            var old = spec.Settings?.Fields ?? AutoScalingShapes.Derived(current.Spec, null);
            spec = spec with { Settings = (spec.Settings ?? new AsgSettings(ImmutableSortedDictionary.Create<string, string>(StringComparer.Ordinal), [])) with { Fields = old.RemoveRange(old.Keys.Where(IsLaunchSource)) } };
        }

        if (await Zones(input, context) is { } zones)
        {
            spec = spec with { AvailabilityZones = zones };
        }

        var settings = spec.Settings ?? new AsgSettings(AutoScalingShapes.Derived(current.Spec, null), []);
        spec = spec with { Settings = settings with { Fields = QueryFields.Merge(settings.Fields, written) } };
        await grain.Update(new AsgUpdate(input.Int("MinSize"), input.Int("MaxSize"), input.Int("DesiredCapacity"),
            input.Bool("NewInstancesProtectedFromScaleIn"), input.Bool("CapacityRebalance"), null, spec));
        return QueryXml.NoOutput();
    }

    private static bool IsLaunchSource(string key) =>
        key == "LaunchConfigurationName" || key.StartsWith("LaunchTemplate.", StringComparison.Ordinal) || key.StartsWith("MixedInstancesPolicy.", StringComparison.Ordinal);

    private static void RefuseUnsupported(QueryInput input)
    {
        foreach (var member in Unsupported)
        {
            if (input.Form.Keys.Any(k => k == member || k.StartsWith(member + ".", StringComparison.Ordinal)))
            {
                throw QueryInput.Validation($"{member} is not supported by the emulator.");
            }
        }
    }

    /// <summary>The request's members kept as written, the ones with a fixed form validated as Auto Scaling validates them.</summary>
    private static ImmutableSortedDictionary<string, string> CheckedFields(QueryInput input, AwsContext context)
    {
        if (input.String("HealthCheckType") is { } check && check is not ("EC2" or "ELB" or "VPC_LATTICE" or "EBS"))
        {
            throw QueryInput.Validation($"Invalid HealthCheckType '{check}': valid values are EC2, ELB, VPC_LATTICE, EBS.");
        }

        foreach (var (member, min, max) in new[] { ("HealthCheckGracePeriod", 0, int.MaxValue), ("DefaultCooldown", 0, int.MaxValue), ("MaxInstanceLifetime", 0, int.MaxValue), ("DefaultInstanceWarmup", -1, int.MaxValue) })
        {
            if (input.Int(member) is { } v && (v < min || v > max || (member == "MaxInstanceLifetime" && v is > 0 and < 86400)))
            {
                throw QueryInput.Validation($"Invalid {member} {v}" + (member == "MaxInstanceLifetime" ? ": 0 or at least 86400 seconds." : "."));
            }
        }

        var policies = new[] { "Default", "AllocationStrategy", "OldestLaunchTemplate", "OldestLaunchConfiguration", "ClosestToNextInstanceHour", "NewestInstance", "OldestInstance" };
        foreach (var p in input.Strings("TerminationPolicies").Where(p => !policies.Contains(p) && !p.StartsWith("arn:", StringComparison.Ordinal)))
        {
            throw QueryInput.Validation($"Invalid termination policy '{p}': valid values are {string.Join(", ", policies)} or a Lambda function ARN.");
        }

        if (input.String("DesiredCapacityType") is { } unit && unit is not ("units" or "vcpu" or "memory-mib"))
        {
            throw QueryInput.Validation($"Invalid DesiredCapacityType '{unit}': valid values are units, vcpu, memory-mib.");
        }

        _ = context;
        return QueryFields.Of(input.Form, Modelled);
    }

    [AwsOperation(AwsServices.AutoScaling, "DeleteAutoScalingGroup")]
    public static async Task<XElement> DeleteAutoScalingGroup(QueryInput input, AwsContext context)
    {
        var name = Arns.AutoScalingGroupName(input.RequiredString("AutoScalingGroupName"));
        try
        {
            await Group(context, name).Delete(input.Bool("ForceDelete") ?? false);
        }
        catch (EcsException e) when (e.Code == ErrorCodes.ResourceInUse)
        {
            throw new EcsException("ResourceInUse", e.Message);
        }

        await context.Grains.GetGrain<IAccountGrain>(GrainKeys.Account).Remove(ResourceKind.AutoScalingGroup, name);
        return QueryXml.NoOutput();
    }

    [AwsOperation(AwsServices.AutoScaling, "DescribeAutoScalingGroups")]
    public static async Task<XElement> DescribeAutoScalingGroups(QueryInput input, AwsContext context)
    {
        var names = input.Strings("AutoScalingGroupNames").Select(Arns.AutoScalingGroupName).ToImmutableArray();
        var groups = await Groups(context, names);
        var (page, next) = Page(groups, input, PageSizes.AsgDescribeAutoScalingGroups, g => g.Spec.Name);
        var templates = await Templates(context);
        return E("DescribeAutoScalingGroupsResult",
            Members("AutoScalingGroups", page.Select(g => AutoScalingShapes.Group(g, TemplateOf(g.Spec, templates)))),
            V("NextToken", next));
    }

    [AwsOperation(AwsServices.AutoScaling, "DescribeAutoScalingInstances")]
    public static async Task<XElement> DescribeAutoScalingInstances(QueryInput input, AwsContext context)
    {
        var ids = input.Strings("InstanceIds");
        var templates = await Templates(context);
        var rows = (await Groups(context))
            .SelectMany(g => g.Instances.Select(i => (Group: g, Instance: i)))
            .Where(r => ids.IsEmpty || ids.Contains(r.Instance.InstanceId))
            .OrderBy(r => r.Instance.InstanceId, StringComparer.Ordinal)
            .ToList();
        var (page, next) = Page(rows, input, PageSizes.AsgDescribeAutoScalingInstances, r => r.Instance.InstanceId);
        return E("DescribeAutoScalingInstancesResult",
            Members("AutoScalingInstances", page.Select(r => AutoScalingShapes.Instance(r.Instance, r.Group.Spec, TemplateOf(r.Group.Spec, templates), r.Group.Spec.Name))),
            V("NextToken", next));
    }

    [AwsOperation(AwsServices.AutoScaling, "SetDesiredCapacity")]
    public static async Task<XElement> SetDesiredCapacity(QueryInput input, AwsContext context)
    {
        var grain = Group(context, input.RequiredString("AutoScalingGroupName"));
        await grain.SetDesiredCapacity(input.Int("DesiredCapacity") ?? throw Missing("DesiredCapacity"), null);
        return QueryXml.NoOutput();
    }

    [AwsOperation(AwsServices.AutoScaling, "SetInstanceProtection")]
    public static async Task<XElement> SetInstanceProtection(QueryInput input, AwsContext context)
    {
        var name = Arns.AutoScalingGroupName(input.RequiredString("AutoScalingGroupName"));
        var ids = input.Strings("InstanceIds");
        if (ids.IsEmpty)
        {
            throw Missing("InstanceIds");
        }

        var protect = input.Bool("ProtectedFromScaleIn") ?? throw Missing("ProtectedFromScaleIn");
        var info = await Group(context, name).Describe() ?? throw GroupNotFound(name);
        foreach (var id in ids)
        {
            if (!info.Instances.Any(i => i.InstanceId == id))
            {
                throw QueryInput.Validation($"The instance {id} is not part of Auto Scaling group {name}.");
            }
        }

        await Group(context, name).SetProtection(ids.Distinct().ToImmutableDictionary(id => id, _ => protect));
        return E("SetInstanceProtectionResult");
    }

    [AwsOperation(AwsServices.AutoScaling, "TerminateInstanceInAutoScalingGroup")]
    public static async Task<XElement> TerminateInstanceInAutoScalingGroup(QueryInput input, AwsContext context)
    {
        var id = input.RequiredString("InstanceId");
        var decrement = input.Bool("ShouldDecrementDesiredCapacity") ?? throw Missing("ShouldDecrementDesiredCapacity");
        var group = (await Groups(context)).FirstOrDefault(g => g.Instances.Any(i => i.InstanceId == id))
            ?? throw Errors.InstanceNotManaged(id);
        var activity = await Group(context, group.Spec.Name).TerminateInstance(id, decrement);
        return E("TerminateInstanceInAutoScalingGroupResult", AutoScalingShapes.Activity(activity, group.Arn, "Activity"));
    }

    [AwsOperation(AwsServices.AutoScaling, "DescribeScalingActivities")]
    public static async Task<XElement> DescribeScalingActivities(QueryInput input, AwsContext context)
    {
        var name = input.String("AutoScalingGroupName") is { Length: > 0 } n ? Arns.AutoScalingGroupName(n) : null;
        var ids = input.Strings("ActivityIds");
        var groups = await Groups(context, name is null ? [] : [name]);
        var rows = new List<(ScalingActivity Activity, string Arn)>();
        foreach (var g in groups)
        {
            rows.AddRange((await Group(context, g.Spec.Name).GetActivities(500)).Select(a => (a, g.Arn)));
        }

        var filtered = rows.Where(r => ids.IsEmpty || ids.Contains(r.Activity.ActivityId)).OrderByDescending(r => r.Activity.StartTime).ToList();
        var (page, next) = Page(filtered, input, PageSizes.AsgDescribeScalingActivities, r => r.Activity.ActivityId);
        return E("DescribeScalingActivitiesResult",
            Members("Activities", page.Select(r => AutoScalingShapes.Activity(r.Activity, r.Arn))),
            V("NextToken", next));
    }

    /// <summary>The target tracking policy ECS puts on a managed-scaling provider's group (B-CAS-3..5).</summary>
    [AwsOperation(AwsServices.AutoScaling, "DescribePolicies")]
    public static async Task<XElement> DescribePolicies(QueryInput input, AwsContext context)
    {
        var name = input.String("AutoScalingGroupName") is { Length: > 0 } n ? Arns.AutoScalingGroupName(n) : null;
        var policyNames = input.Strings("PolicyNames");
        var types = input.Strings("PolicyTypes");
        var policies = new List<XElement>();
        foreach (var g in await Groups(context, name is null ? [] : [name]))
        {
            if (g.CapacityProvider is null
                || await context.Grains.GetGrain<ICapacityProviderGrain>(GrainKeys.CapacityProvider(g.CapacityProvider)).Describe() is not { Spec: { } cp } provider
                || cp.ManagedScaling.Status != ManagedScalingStatus.ENABLED)
            {
                continue;
            }

            var policyName = ScalingActivities.CasPolicyName(AutoScalingShapes.Uuid(g.Arn));
            if ((!policyNames.IsEmpty && !policyNames.Contains(policyName) && !policyNames.Contains(PolicyArn(context, g, policyName)))
                || (!types.IsEmpty && !types.Contains("TargetTrackingScaling")))
            {
                continue;
            }

            var alarms = provider.Cas?.AlarmId is { } alarmId
                ? new[] { ScalingActivities.CasHighAlarmName(g.Spec.Name, alarmId), ScalingActivities.CasLowAlarmName(g.Spec.Name, alarmId) }
                : [];
            policies.Add(E("member",
                V("AutoScalingGroupName", g.Spec.Name),
                V("PolicyName", policyName),
                V("PolicyARN", PolicyArn(context, g, policyName)),
                V("PolicyType", "TargetTrackingScaling"),
                MemberStrings("StepAdjustments", []),
                Members("Alarms", alarms.Select(a => E("member", V("AlarmName", a), V("AlarmARN", $"arn:aws:cloudwatch:{context.Region}:{context.Account}:alarm:{a}")))),
                E("TargetTrackingConfiguration",
                    E("CustomizedMetricSpecification",
                        V("MetricName", "CapacityProviderReservation"),
                        V("Namespace", MetricNamespaces.ManagedScaling),
                        Members("Dimensions", [
                            E("member", V("Name", "CapacityProviderName"), V("Value", provider.Name)),
                            E("member", V("Name", "ClusterName"), V("Value", provider.Cluster ?? "")),
                        ]),
                        V("Statistic", "Average")),
                    V("TargetValue", (double)cp.ManagedScaling.TargetCapacity),
                    V("DisableScaleIn", false)),
                V("Enabled", true)));
        }

        var (page, next) = Page(policies, input, PageSizes.AsgDescribePolicies);
        return E("DescribePoliciesResult", Members("ScalingPolicies", page), V("NextToken", next));
    }

    [AwsOperation(AwsServices.AutoScaling, "CreateOrUpdateTags")]
    public static Task<XElement> CreateOrUpdateTags(QueryInput input, AwsContext context) => ChangeTags(input, context, delete: false);

    [AwsOperation(AwsServices.AutoScaling, "DeleteTags")]
    public static Task<XElement> DeleteTags(QueryInput input, AwsContext context) => ChangeTags(input, context, delete: true);

    private static async Task<XElement> ChangeTags(QueryInput input, AwsContext context, bool delete)
    {
        var tags = input.Members("Tags");
        if (tags.Count == 0)
        {
            throw Missing("Tags");
        }

        var byGroup = new Dictionary<string, List<(string Key, string Value, bool Propagate)>>(StringComparer.Ordinal);
        foreach (var t in tags)
        {
            var type = t.String("ResourceType") ?? "auto-scaling-group";
            if (type != "auto-scaling-group")
            {
                throw QueryInput.Validation($"Invalid ResourceType '{type}': only auto-scaling-group is supported.");
            }

            var group = Arns.AutoScalingGroupName(t.RequiredString("ResourceId"));
            (byGroup.TryGetValue(group, out var list) ? list : byGroup[group] = []).Add((t.RequiredString("Key"), t.String("Value") ?? "", t.Bool("PropagateAtLaunch") ?? false));
        }

        var current = new Dictionary<string, AsgInfo>(StringComparer.Ordinal);
        foreach (var group in byGroup.Keys)
        {
            current[group] = await Group(context, group).Describe() ?? throw GroupNotFound(group);
        }

        foreach (var (group, changes) in byGroup)
        {
            var spec = current[group].Spec;
            var settings = spec.Settings ?? new AsgSettings(AutoScalingShapes.Derived(spec, null), []);
            var keys = changes.Select(c => c.Key).ToImmutableArray();
            var notPropagated = delete
                ? settings.TagsNotPropagated.Except(keys)
                : settings.TagsNotPropagated.Except(keys).Union(changes.Where(c => !c.Propagate).Select(c => c.Key));
            var tagSet = delete
                ? spec.Tags.RemoveRange(changes.Where(c => !spec.Tags.TryGetValue(c.Key, out var v) || c.Value.Length == 0 || v == c.Value).Select(c => c.Key))
                : spec.Tags.SetItems(changes.Select(c => KeyValuePair.Create(c.Key, c.Value)));
            if (tagSet.Count > 50)
            {
                throw new EcsException("LimitExceeded", "The quota of 50 tags per Auto Scaling group has been reached.");
            }

            spec = spec with { Tags = tagSet, Settings = settings with { TagsNotPropagated = notPropagated } };
            await Group(context, group).Update(new AsgUpdate(null, null, null, null, null, null, spec));
        }

        return QueryXml.NoOutput();
    }

    [AwsOperation(AwsServices.AutoScaling, "DescribeTags")]
    public static async Task<XElement> DescribeTags(QueryInput input, AwsContext context)
    {
        var filters = input.Members("Filters").Select(f => (Name: f.String("Name") ?? "", Values: f.Strings("Values"))).ToList();
        foreach (var f in filters.Where(f => f.Name is not ("auto-scaling-group" or "key" or "value" or "propagate-at-launch")))
        {
            throw QueryInput.Validation($"Invalid filter name '{f.Name}': auto-scaling-group, key, value or propagate-at-launch.");
        }

        var rows = (await Groups(context))
            .SelectMany(g => g.Spec.Tags.OrderBy(t => t.Key, StringComparer.Ordinal)
                .Select(t => (Group: g.Spec.Name, t.Key, t.Value, Propagate: g.Spec.Settings?.TagsNotPropagated.Contains(t.Key) != true)))
            .Where(r => filters.All(f => f.Name switch
            {
                "auto-scaling-group" => f.Values.Contains(r.Group),
                "key" => f.Values.Contains(r.Key),
                "value" => f.Values.Contains(r.Value),
                _ => f.Values.Contains(r.Propagate ? "true" : "false"),
            }))
            .ToList();
        var (page, next) = Page(rows, input, PageSizes.AsgDescribeTags, r => r.Group + "|" + r.Key);
        return E("DescribeTagsResult", Members("Tags", page.Select(r => AutoScalingShapes.Tag(r.Group, r.Key, r.Value, r.Propagate))), V("NextToken", next));
    }

    // ------------------------------------------------------------------ helpers

    private sealed record Launch(ImmutableArray<string> InstanceTypes, MixedInstancesSpec? Distribution, string? UserData, string Version, string? TemplateName, string? ConfigurationName);

    private static async Task<Launch> ResolveLaunch(QueryInput input, AwsContext context)
    {
        var configuration = input.String("LaunchConfigurationName");
        var template = input.Structure("LaunchTemplate");
        var mixed = input.Structure("MixedInstancesPolicy");
        if ((configuration is not null ? 1 : 0) + (template is not null ? 1 : 0) + (mixed is not null ? 1 : 0) != 1)
        {
            throw QueryInput.Validation("Valid requests must contain either LaunchTemplate, LaunchConfigurationName, InstanceId or MixedInstancesPolicy parameter.");
        }

        if (configuration is not null)
        {
            var c = await Registry(context).GetConfiguration(configuration)
                ?? throw QueryInput.Validation($"Invalid launch configuration - Launch configuration {configuration} not found");
            return new Launch([c.Data.InstanceType!], c.Data.Spot ? SpotOnly : null, c.Data.UserData, "1", null, configuration);
        }

        if (template is not null)
        {
            var (record, version) = await ResolveTemplate(template, context);
            var data = record.Version(version)!.Data;
            var type = data.InstanceType ?? throw QueryInput.Validation("The specified launch template does not specify an instance type.");
            return new Launch([type], data.Spot ? SpotOnly : null, data.UserData, version, record.Name, null);
        }

        var lt = mixed!.Structure("LaunchTemplate")?.Structure("LaunchTemplateSpecification")
            ?? throw Missing("MixedInstancesPolicy.LaunchTemplate.LaunchTemplateSpecification");
        var (mixedRecord, mixedVersion) = await ResolveTemplate(lt, context);
        var mixedData = mixedRecord.Version(mixedVersion)!.Data;
        var overrides = mixed.Structure("LaunchTemplate")!.Members("Overrides").Select(o => o.String("InstanceType")).OfType<string>().ToImmutableArray();
        foreach (var t in overrides)
        {
            CheckInstanceType(context, t);
        }

        var types = overrides.IsEmpty
            ? [mixedData.InstanceType ?? throw QueryInput.Validation("The specified launch template does not specify an instance type and no overrides were given.")]
            : overrides;
        var d = mixed.Structure("InstancesDistribution");
        var distribution = new MixedInstancesSpec(d?.Int("OnDemandBaseCapacity") ?? 0, d?.Int("OnDemandPercentageAboveBaseCapacity") ?? 100,
            d?.String("SpotAllocationStrategy") ?? "lowest-price");
        if (distribution.OnDemandBaseCapacity < 0 || distribution.OnDemandPercentageAboveBaseCapacity is < 0 or > 100)
        {
            throw QueryInput.Validation("OnDemandBaseCapacity must be at least 0 and OnDemandPercentageAboveBaseCapacity between 0 and 100.");
        }

        if (!SpotStrategies.Contains(distribution.SpotAllocationStrategy))
        {
            throw QueryInput.Validation($"Invalid SpotAllocationStrategy '{distribution.SpotAllocationStrategy}': valid values are {string.Join(", ", SpotStrategies)}.");
        }

        return new Launch(types, distribution, mixedData.UserData, mixedVersion, mixedRecord.Name, null);
    }

    private static async Task<(LaunchTemplateRecord Record, string Version)> ResolveTemplate(QueryInput spec, AwsContext context)
    {
        var id = spec.String("LaunchTemplateId");
        var name = spec.String("LaunchTemplateName");
        if ((id is null) == (name is null))
        {
            throw QueryInput.Validation("Valid requests must contain either launchTemplateId or launchTemplateName.");
        }

        var record = await Registry(context).GetTemplate(id, name)
            ?? throw QueryInput.Validation($"You must use a valid fully-formed launch template. The specified launch template, with template {(id is not null ? "ID " + id : "name " + name)}, does not exist.");
        var version = spec.String("Version") ?? "$Default";
        if (record.Version(version) is null)
        {
            throw QueryInput.Validation($"You must use a valid fully-formed launch template. The specified launch template version {version} does not exist.");
        }

        return (record, version);
    }

    /// <summary>
    /// The zones of the request's AvailabilityZones or VPCZoneIdentifier subnets (null when it names neither). A subnet of
    /// the emulator's EC2 network carries its zone; an id in AWS's form must exist. Other subnet names (the emulator's
    /// older convenience, e.g. subnet-private-a) map to the zone their name contains, else to one by a stable hash.
    /// </summary>
    private static async Task<ImmutableArray<string>?> Zones(QueryInput input, AwsContext context)
    {
        var known = context.Runtime.Options.AvailabilityZones;
        var zones = input.Strings("AvailabilityZones");
        foreach (var z in zones)
        {
            if (!known.Contains(z))
            {
                throw QueryInput.Validation($"The availability zone {z} is not legally formatted or is not available. Known zones: {string.Join(", ", known)}.");
            }
        }

        if (!zones.IsEmpty)
        {
            return zones.Distinct().ToImmutableArray();
        }

        var subnets = (input.String("VPCZoneIdentifier") ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (subnets.Length == 0)
        {
            return null;
        }

        var network = await Ec2.Ec2NetworkOperations.Network(context).Read();
        var result = new List<string>();
        foreach (var s in subnets)
        {
            if (network.Subnets.TryGetValue(s, out var subnet))
            {
                result.Add(subnet.AvailabilityZone);
            }
            else if (Model.Network.NetworkModel.LooksLikeSubnetId(s))
            {
                throw QueryInput.Validation($"The subnet ID '{s}' does not exist");
            }
            else
            {
                result.Add(known.FirstOrDefault(z => s.Contains(z, StringComparison.Ordinal)) ?? known[(int)(StableHash(s) % (uint)known.Count)]);
            }
        }

        return result.Distinct().ToImmutableArray();
    }

    private static uint StableHash(string s)
    {
        var h = 2166136261u;
        foreach (var c in s)
        {
            h = (h ^ c) * 16777619u;
        }

        return h;
    }

    private static void CheckInstanceType(AwsContext context, string type)
    {
        if (!context.Runtime.Catalog.TryGet(type, out _))
        {
            throw QueryInput.Validation($"Invalid instance type: {type}. Known types: {string.Join(", ", context.Runtime.Catalog.All.Select(t => t.Name))}.");
        }
    }

    private static string PolicyArn(AwsContext context, AsgInfo g, string policyName) =>
        $"arn:aws:autoscaling:{context.Region}:{context.Account}:scalingPolicy:{AutoScalingShapes.Uuid(g.Arn)}:autoScalingGroupName/{g.Spec.Name}:policyName/{policyName}";

    private static ILaunchTemplateRegistryGrain Registry(AwsContext context) =>
        context.Grains.GetGrain<ILaunchTemplateRegistryGrain>(ILaunchTemplateRegistryGrain.Key);

    private static IAutoScalingGroupGrain Group(AwsContext context, string nameOrArn) =>
        context.Grains.GetGrain<IAutoScalingGroupGrain>(GrainKeys.AutoScalingGroup(Arns.AutoScalingGroupName(nameOrArn)));

    /// <summary>The account's groups (or the named ones, missing names left out), by name.</summary>
    internal static async Task<List<AsgInfo>> Groups(AwsContext context, ImmutableArray<string> names = default)
    {
        var list = names.IsDefaultOrEmpty ? await context.Grains.GetGrain<IAccountGrain>(GrainKeys.Account).List(ResourceKind.AutoScalingGroup) : names;
        var infos = await Task.WhenAll(list.Distinct().Select(n => Group(context, n).Describe()));
        return infos.OfType<AsgInfo>().OrderBy(g => g.Spec.Name, StringComparer.Ordinal).ToList();
    }

    internal static async Task<ImmutableArray<LaunchTemplateRecord>> Templates(AwsContext context) => await Registry(context).ListTemplates();

    internal static LaunchTemplateRecord? TemplateOf(AsgSpec spec, ImmutableArray<LaunchTemplateRecord> templates) =>
        spec.LaunchTemplateName is { } n ? templates.FirstOrDefault(t => t.Name == n) : null;

    private static EcsException Missing(string name) =>
        QueryInput.Validation($"1 validation error detected: Value null at '{char.ToLowerInvariant(name[0]) + name[1..]}' failed to satisfy constraint: Member must not be null");

    private static EcsException GroupNotFound(string name) => Errors.AutoScalingGroupNotFound(name);
}
