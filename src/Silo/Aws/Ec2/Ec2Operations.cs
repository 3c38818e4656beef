using System.Collections.Immutable;
using System.Xml.Linq;
using Emulator.Contracts;
using Emulator.Silo.Aws.AutoScaling;
using static Emulator.Silo.Aws.QueryXml;

namespace Emulator.Silo.Aws.Ec2;

/// <summary>
/// The slice of EC2 (query protocol, Version 2016-11-15, lists as <c>item</c>) an ECS user touches: launch templates
/// and the instances of Auto Scaling groups (B-ASG-1). Known gaps: instances outside Auto Scaling groups
/// (RunInstances) do not exist; terminated instances disappear from DescribeInstances at once; one launch template
/// version.
/// </summary>
public static class Ec2Operations
{
    [AwsOperation(AwsServices.Ec2, "CreateLaunchTemplate")]
    public static async Task<XElement> CreateLaunchTemplate(QueryInput input, AwsContext context)
    {
        var name = input.String("LaunchTemplateName") is { Length: > 0 } n ? n : throw Ec2Missing("LaunchTemplateName");
        if (name.Length < 3 || name.Length > 128)
        {
            throw new EcsException("InvalidLaunchTemplateName.MalformedException", "A launch template name must be between 3 and 128 characters.");
        }

        var data = LaunchDataOf(input, context, LaunchTemplateDataXml.FieldsOf(input.Form), required: true);
        var record = await Registry(context).CreateTemplate(name, data, Ec2Input.TagSpecifications(input, "launch-template"), VersionDescription(input));
        return E("CreateLaunchTemplateResult", Template(record, "launchTemplate", context.Account));
    }

    /// <summary>A new version, from the request's data or merged over a source version's (B-ASG-2: groups on $Latest launch from it).</summary>
    [AwsOperation(AwsServices.Ec2, "CreateLaunchTemplateVersion")]
    public static async Task<XElement> CreateLaunchTemplateVersion(QueryInput input, AwsContext context)
    {
        var (id, name) = TemplateKey(input);
        var record = await Registry(context).GetTemplate(id, name) ?? throw TemplateNotFound(id, name);
        var fields = LaunchTemplateDataXml.FieldsOf(input.Form);
        if (input.String("SourceVersion") is { } source)
        {
            var from = record.Version(source)
                ?? throw new EcsException("InvalidLaunchTemplateId.VersionNotFound", $"Could not find launch template version {source} for launch template {record.Id}.");
            fields = LaunchTemplateDataXml.Merge(LaunchTemplateDataXml.FieldsOf(from.Data), fields);
        }

        var data = LaunchDataOf(input, context, fields, required: input.String("SourceVersion") is null);
        var updated = await Registry(context).CreateTemplateVersion(record.Id, null, data, VersionDescription(input));
        return E("CreateLaunchTemplateVersionResult", Version(updated, updated.AllVersions[^1], "launchTemplateVersion", context.Account));
    }

    [AwsOperation(AwsServices.Ec2, "ModifyLaunchTemplate")]
    public static async Task<XElement> ModifyLaunchTemplate(QueryInput input, AwsContext context)
    {
        var (id, name) = TemplateKey(input);
        var record = await Registry(context).GetTemplate(id, name) ?? throw TemplateNotFound(id, name);
        if (input.String("SetDefaultVersion") is { } version)
        {
            record = await Registry(context).SetDefaultVersion(record.Id, null, version);
        }

        return E("ModifyLaunchTemplateResult", Template(record, "launchTemplate", context.Account));
    }

    [AwsOperation(AwsServices.Ec2, "DescribeLaunchTemplateVersions")]
    public static async Task<XElement> DescribeLaunchTemplateVersions(QueryInput input, AwsContext context)
    {
        var id = input.String("LaunchTemplateId");
        var name = input.String("LaunchTemplateName");
        var selectors = input.Numbered("LaunchTemplateVersion");
        if (id is not null && name is not null)
        {
            throw new EcsException("InvalidParameterCombination", "Only one of launch template ID or launch template name may be specified.");
        }

        IEnumerable<LaunchTemplateRecord> templates;
        if (id is null && name is null)
        {
            if (!selectors.IsEmpty)
            {
                throw new EcsException("MissingParameter", "The request must contain the parameter LaunchTemplateId or LaunchTemplateName when versions are given.");
            }

            templates = await Registry(context).ListTemplates();
        }
        else
        {
            templates = [await Registry(context).GetTemplate(id, name) ?? throw TemplateNotFound(id, name)];
        }

        long? Bound(string member) => input.String(member) is { } v
            ? long.TryParse(v, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var b) ? b
                : throw new EcsException("InvalidParameterValue", $"Invalid value '{v}' for {member}.")
            : null;
        var (min, max) = (Bound("MinVersion"), Bound("MaxVersion"));
        var filters = Ec2Input.Filters(input);
        var rows = new List<(LaunchTemplateRecord Template, LaunchTemplateVersionRecord Version)>();
        foreach (var t in templates)
        {
            var versions = selectors.IsEmpty
                ? t.AllVersions.ToList()
                : selectors.Select(s => t.Version(s) ?? throw new EcsException("InvalidLaunchTemplateId.VersionNotFound",
                    $"Could not find launch template version {s} for launch template {t.Id}.")).Distinct().ToList();
            rows.AddRange(versions
                .Where(v => (min is null || v.Number >= min) && (max is null || v.Number <= max))
                .Where(v => filters.All(f => f.Name switch
                {
                    "is-default-version" => f.Matches(v.Number == t.DefaultVersion),
                    "image-id" => f.Matches(v.Data.ImageId),
                    "instance-type" => f.Matches(v.Data.InstanceType),
                    _ => throw Ec2Input.UnknownFilter(f),
                }))
                .Select(v => (t, v)));
        }

        var ordered = rows.OrderBy(r => r.Template.Name, StringComparer.Ordinal).ThenByDescending(r => r.Version.Number).ToList();
        var (page, next) = Page(ordered, input, PageSizes.Ec2DescribeLaunchTemplateVersions, r => r.Template.Id + ":" + r.Version.Number.ToString(System.Globalization.CultureInfo.InvariantCulture));
        return E("DescribeLaunchTemplateVersionsResult", Items("launchTemplateVersionSet", page.Select(r => Version(r.Template, r.Version, "item", context.Account))), V("nextToken", next));
    }

    [AwsOperation(AwsServices.Ec2, "DescribeLaunchTemplates")]
    public static async Task<XElement> DescribeLaunchTemplates(QueryInput input, AwsContext context)
    {
        var ids = input.Numbered("LaunchTemplateId");
        var names = input.Numbered("LaunchTemplateName");
        var all = await Registry(context).ListTemplates();
        foreach (var id in ids.Where(id => !all.Any(t => t.Id == id)))
        {
            throw new EcsException("InvalidLaunchTemplateId.NotFound", $"At least one of the launch templates specified in the request does not exist: {id}.");
        }

        foreach (var name in names.Where(n => !all.Any(t => t.Name == n)))
        {
            throw new EcsException("InvalidLaunchTemplateName.NotFoundException", $"At least one of the launch templates specified in the request does not exist: {name}.");
        }

        var filters = Ec2Input.Filters(input);
        var selected = all
            .Where(t => (ids.IsEmpty || ids.Contains(t.Id)) && (names.IsEmpty || names.Contains(t.Name)))
            .Where(t => filters.All(f => f.Name switch
            {
                "launch-template-name" => f.Values.Contains(t.Name),
                _ when f.Name.StartsWith("tag:", StringComparison.Ordinal) => t.Tags.TryGetValue(f.Name[4..], out var v) && f.Values.Contains(v),
                _ => true,
            }))
            .ToList();
        var (page, next) = Page(selected, input, PageSizes.Ec2DescribeLaunchTemplates, t => t.Id);
        return E("DescribeLaunchTemplatesResult", Items("launchTemplates", page.Select(t => Template(t, "item", context.Account))), V("nextToken", next));
    }

    [AwsOperation(AwsServices.Ec2, "DeleteLaunchTemplate")]
    public static async Task<XElement> DeleteLaunchTemplate(QueryInput input, AwsContext context)
    {
        var id = input.String("LaunchTemplateId");
        var name = input.String("LaunchTemplateName");
        if (id is null && name is null)
        {
            throw Ec2Missing("LaunchTemplateId");
        }

        var record = await Registry(context).DeleteTemplate(id, name);
        return E("DeleteLaunchTemplateResult", Template(record, "launchTemplate", context.Account));
    }

    [AwsOperation(AwsServices.Ec2, "DescribeInstances")]
    public static async Task<XElement> DescribeInstances(QueryInput input, AwsContext context)
    {
        var ids = input.Numbered("InstanceId");
        if (!ids.IsEmpty && input.String(PageSizes.Ec2DescribeInstances.SizeMember) is not null)
        {
            // AWS: MaxResults cannot be combined with instance ids.
            throw new EcsException("InvalidParameterCombination", "The parameter instancesSet cannot be used with the parameter maxResults");
        }

        var filters = Ec2Input.Filters(input);
        var templates = await AutoScalingOperations.Templates(context);
        var rows = (await InstanceGroups(context))
            .SelectMany(g => g.Instances.Select(i => (Group: g, Instance: i)))
            .Where(r => ids.IsEmpty || ids.Contains(r.Instance.InstanceId))
            .Where(r => filters.All(f => Matches(f, r.Group, r.Instance)))
            .OrderBy(r => r.Instance.LaunchedAt).ThenBy(r => r.Instance.InstanceId, StringComparer.Ordinal)
            .ToList();
        foreach (var id in ids.Where(id => !rows.Any(r => r.Instance.InstanceId == id)))
        {
            throw new EcsException("InvalidInstanceID.NotFound", $"The instance ID '{id}' does not exist");
        }

        var (page, next) = Page(rows, input, PageSizes.Ec2DescribeInstances, r => r.Instance.InstanceId);
        return E("DescribeInstancesResult",
            Items("reservationSet", page.Select(r => E("item",
                V("reservationId", "r-" + r.Instance.InstanceId[2..]),
                V("ownerId", context.Account),
                V("requesterId", "940372691376"),
                Items("groupSet", []),
                Items("instancesSet", [Instance(r.Group, r.Instance, AutoScalingOperations.TemplateOf(r.Group.Spec, templates))])))),
            V("nextToken", next));
    }

    /// <summary>B-ASG-1: an Auto Scaling instance terminated through EC2 is replaced by its group (desired unchanged).</summary>
    [AwsOperation(AwsServices.Ec2, "TerminateInstances")]
    public static async Task<XElement> TerminateInstances(QueryInput input, AwsContext context)
    {
        var ids = input.Numbered("InstanceId");
        if (ids.IsEmpty)
        {
            throw Ec2Missing("InstanceId");
        }

        var groups = await InstanceGroups(context);
        var found = new List<(AsgInfo Group, AsgInstance Instance)>();
        foreach (var id in ids.Distinct())
        {
            var g = groups.FirstOrDefault(g => g.Instances.Any(i => i.InstanceId == id))
                ?? throw new EcsException("InvalidInstanceID.NotFound", $"The instance ID '{id}' does not exist");
            found.Add((g, g.Instances.First(i => i.InstanceId == id)));
        }

        foreach (var (g, i) in found)
        {
            await context.Grains.GetGrain<IAutoScalingGroupGrain>(GrainKeys.AutoScalingGroup(g.Spec.Name)).TerminateInstance(i.InstanceId, decrementDesired: false);
        }

        return E("TerminateInstancesResult", Items("instancesSet", found.Select(f => E("item",
            V("instanceId", f.Instance.InstanceId),
            State("currentState", LifecycleState.Terminating),
            State("previousState", f.Instance.State)))));
    }

    private static XElement Instance(AsgInfo group, AsgInstance i, LaunchTemplateRecord? template) =>
        E("item",
            V("instanceId", i.InstanceId),
            V("imageId", template?.Data.ImageId ?? "ami-0123456789abcdef0"),
            State("instanceState", i.State),
            V("privateDnsName", ""),
            V("amiLaunchIndex", 0),
            V("instanceType", i.InstanceType),
            V("launchTime", i.LaunchedAt),
            E("placement", V("availabilityZone", i.AvailabilityZone), V("groupName", ""), V("tenancy", "default")),
            E("monitoring", V("state", "disabled")),
            V("architecture", "x86_64"),
            V("rootDeviceType", "ebs"),
            V("rootDeviceName", "/dev/xvda"),
            i.IsSpot ? V("instanceLifecycle", "spot") : null,
            V("hypervisor", "xen"),
            Items("tagSet", TagsOf(group).OrderBy(t => t.Key, StringComparer.Ordinal)
                .Select(t => E("item", V("key", t.Key), V("value", t.Value)))));

    /// <summary>
    /// The groups whose instances EC2 shows: the account's Auto Scaling groups and the instance groups of ECS Managed
    /// Instances providers (B-MI-2), which no Auto Scaling call lists.
    /// </summary>
    private static async Task<List<AsgInfo>> InstanceGroups(AwsContext context)
    {
        var managed = await context.Grains.GetGrain<IAccountGrain>(GrainKeys.Account).List(ResourceKind.ManagedInstancesGroup);
        var groups = await AutoScalingOperations.Groups(context);
        if (!managed.IsDefaultOrEmpty)
        {
            groups.AddRange(await AutoScalingOperations.Groups(context, managed));
        }

        return groups;
    }

    /// <summary>An instance's tags: its group's; a Managed Instances instance carries the managed tags, not an Auto Scaling group's name (B-MI-2).</summary>
    private static ImmutableDictionary<string, string> TagsOf(AsgInfo group) =>
        group.Spec.Tags.ContainsKey(ManagedInstancesTags.Managed) ? group.Spec.Tags : group.Spec.InstanceTags;

    private static XElement State(string name, LifecycleState s)
    {
        var (code, text) = s switch
        {
            LifecycleState.Pending => (0, "pending"),
            LifecycleState.InService or LifecycleState.TerminatingWait => (16, "running"),
            LifecycleState.Terminating => (32, "shutting-down"),
            _ => (48, "terminated"),
        };
        return E(name, V("code", code), V("name", text));
    }

    private static bool Matches(Ec2Filter f, AsgInfo g, AsgInstance i) => f.Name switch
    {
        "instance-id" => f.Values.Contains(i.InstanceId),
        "instance-type" => f.Values.Contains(i.InstanceType),
        "availability-zone" => f.Values.Contains(i.AvailabilityZone),
        "instance-state-name" => f.Values.Contains(((string?)State("x", i.State).Element("name")) ?? ""),
        "instance-lifecycle" => f.Values.Contains(i.IsSpot ? "spot" : "on-demand"),
        _ when f.Name.StartsWith("tag:", StringComparison.Ordinal) => TagsOf(g).TryGetValue(f.Name[4..], out var v) && f.Values.Contains(v),
        _ => throw new EcsException("InvalidParameterValue", $"The filter '{f.Name}' is invalid"),
    };

    private static XElement Version(LaunchTemplateRecord t, LaunchTemplateVersionRecord v, string name, string account) =>
        E(name,
            V("launchTemplateId", t.Id),
            V("launchTemplateName", t.Name),
            V("versionNumber", v.Number),
            V("versionDescription", v.Description),
            V("createTime", v.CreatedAt),
            V("createdBy", $"arn:aws:iam::{account}:root"),
            V("defaultVersion", v.Number == t.DefaultVersion),
            LaunchTemplateDataXml.Render("launchTemplateData", LaunchTemplateDataXml.FieldsOf(v.Data)));

    /// <summary>What the engine reads from a version's data (B-ASG-2, B-SP-2), validated; the fields themselves are kept as written.</summary>
    private static LaunchData LaunchDataOf(QueryInput input, AwsContext context, ImmutableSortedDictionary<string, string> fields, bool required)
    {
        if (required && input.Structure("LaunchTemplateData") is null)
        {
            throw Ec2Missing("LaunchTemplateData");
        }

        var type = fields.GetValueOrDefault("InstanceType");
        if (type is not null && !context.Runtime.Catalog.TryGet(type, out _))
        {
            throw new EcsException("InvalidParameterValue", $"Invalid value '{type}' for InstanceType.");
        }

        var marketType = fields.GetValueOrDefault("InstanceMarketOptions.MarketType");
        if (marketType is not (null or "spot" or "capacity-block"))
        {
            throw new EcsException("InvalidParameterValue", $"Invalid value '{marketType}' for MarketType.");
        }

        if (fields.GetValueOrDefault("UserData") is { } userData && !Emulator.Model.Catalog.EcsAgentConfig.IsBase64(userData))
        {
            throw new EcsException("InvalidUserData.Malformed", "Invalid BASE64 encoding of user data.");
        }

        return new LaunchData(fields.GetValueOrDefault("ImageId"), type, fields.GetValueOrDefault("UserData"), marketType == "spot",
            fields.GetValueOrDefault("InstanceMarketOptions.SpotOptions.MaxPrice"), fields);
    }

    private static string? VersionDescription(QueryInput input) =>
        input.String("VersionDescription") is { Length: > 255 } d
            ? throw new EcsException("InvalidParameterValue", "The version description must be at most 255 characters.")
            : input.String("VersionDescription");

    private static (string? Id, string? Name) TemplateKey(QueryInput input)
    {
        var id = input.String("LaunchTemplateId");
        var name = input.String("LaunchTemplateName");
        return (id, name) switch
        {
            (null, null) => throw Ec2Missing("LaunchTemplateId"),
            (not null, not null) => throw new EcsException("InvalidParameterCombination", "Only one of launch template ID or launch template name may be specified."),
            _ => (id, name),
        };
    }

    private static EcsException TemplateNotFound(string? id, string? name) => id is not null
        ? new EcsException("InvalidLaunchTemplateId.NotFound", $"The specified launch template, with template ID {id}, does not exist.")
        : new EcsException("InvalidLaunchTemplateName.NotFoundException", $"The specified launch template, with template name {name}, does not exist.");

    private static XElement Template(LaunchTemplateRecord t, string name, string account) =>
        E(name,
            V("launchTemplateId", t.Id),
            V("launchTemplateName", t.Name),
            V("createTime", t.CreatedAt),
            V("createdBy", $"arn:aws:iam::{account}:root"),
            V("defaultVersionNumber", t.DefaultVersion),
            V("latestVersionNumber", t.LatestVersion),
            t.Tags.IsEmpty ? null : Items("tagSet", t.Tags.OrderBy(x => x.Key, StringComparer.Ordinal).Select(x => E("item", V("key", x.Key), V("value", x.Value)))));

    private static ILaunchTemplateRegistryGrain Registry(AwsContext context) =>
        context.Grains.GetGrain<ILaunchTemplateRegistryGrain>(ILaunchTemplateRegistryGrain.Key);

    private static EcsException Ec2Missing(string name) => new("MissingParameter", $"The request must contain the parameter {name}");
}
