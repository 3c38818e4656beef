using System.Text.Json.Nodes;
using System.Xml.Linq;
using Emulator.Contracts;
using Emulator.Model.CloudFormation;
using Emulator.Silo.Aws;

namespace Emulator.Silo.CloudFormation;

internal static class IamCalls
{
    public static Task<XElement> Call(HandlerContext c, string operation, Dictionary<string, string> form) => c.Aws.Query(AwsServices.Iam, operation, form);

    /// <summary>A policy document property (an object in templates, or already JSON text) as the text IAM takes.</summary>
    public static string Document(JsonNode? node) => node switch
    {
        null => throw new EcsException(ErrorCodes.ValidationError, "Properties validation failed: a policy document is required"),
        JsonValue v when v.TryGetValue<string>(out var s) => s,
        _ => node.ToJsonString(),
    };

    public static void Tags(Dictionary<string, string> form, JsonObject properties)
    {
        var tags = (properties["Tags"] as JsonArray ?? []).OfType<JsonObject>().ToList();
        for (var i = 0; i < tags.Count; i++)
        {
            form[$"Tags.member.{i + 1}.Key"] = Template.Text(tags[i]["Key"]);
            form[$"Tags.member.{i + 1}.Value"] = Template.Text(tags[i]["Value"]);
        }
    }

    /// <summary>A role name from a Roles entry, which may be a name or (as some templates write) an ARN.</summary>
    public static string RoleName(string nameOrArn) => nameOrArn.StartsWith("arn:", StringComparison.Ordinal) ? nameOrArn[(nameOrArn.LastIndexOf('/') + 1)..] : nameOrArn;
}

/// <summary>
/// AWS::IAM::Role: CreateRole (a 64-character generated name when none is given), its inline Policies (PutRolePolicy) and
/// ManagedPolicyArns (AttachRolePolicy), each changed in place; trust policy, description and session duration in place;
/// delete detaches and removes the policies first, as CloudFormation's handler does.
/// </summary>
internal sealed class IamRoleHandler : ResourceHandler
{
    public override IReadOnlyList<string> Types => ["AWS::IAM::Role"];

    public override async Task<ResourceOutcome> Create(HandlerContext c)
    {
        var name = c.NameOr("RoleName", 64, "-_+=,.@");
        var form = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["RoleName"] = name,
            ["AssumeRolePolicyDocument"] = IamCalls.Document(c.Properties["AssumeRolePolicyDocument"]),
        };
        foreach (var p in new[] { "Path", "Description", "MaxSessionDuration", "PermissionsBoundary" })
        {
            if (CfnProperties.Text(c.Properties, p) is { } value)
            {
                form[p] = value;
            }
        }

        IamCalls.Tags(form, c.Properties);
        var result = await IamCalls.Call(c, "CreateRole", form);
        await Policies(c, name, [], Inline(c.Properties));
        await Managed(c, name, [], CfnProperties.Strings(c.Properties, "ManagedPolicyArns"));
        return ResourceOutcome.Done(name, Attributes(("Arn", QueryResults.Value(result, "Arn")), ("RoleId", QueryResults.Value(result, "RoleId"))));
    }

    public override async Task<ResourceOutcome> Update(HandlerContext c)
    {
        var other = c.Changed.Where(p => p is not ("Tags" or "Policies" or "ManagedPolicyArns" or "AssumeRolePolicyDocument" or "Description" or "MaxSessionDuration")).ToList();
        if (other.Count > 0)
        {
            return await base.Update(c);
        }

        var name = c.PhysicalId;
        if (c.Changed.Contains("AssumeRolePolicyDocument"))
        {
            await IamCalls.Call(c, "UpdateAssumeRolePolicy", new() { ["RoleName"] = name, ["PolicyDocument"] = IamCalls.Document(c.Properties["AssumeRolePolicyDocument"]) });
        }

        if (c.Changed.Contains("Description") || c.Changed.Contains("MaxSessionDuration"))
        {
            var form = new Dictionary<string, string>(StringComparer.Ordinal) { ["RoleName"] = name, ["Description"] = CfnProperties.Text(c.Properties, "Description") ?? "" };
            if (CfnProperties.Text(c.Properties, "MaxSessionDuration") is { } duration)
            {
                form["MaxSessionDuration"] = duration;
            }

            await IamCalls.Call(c, "UpdateRole", form);
        }

        await Policies(c, name, Inline(c.Previous), Inline(c.Properties));
        await Managed(c, name, CfnProperties.Strings(c.Previous, "ManagedPolicyArns"), CfnProperties.Strings(c.Properties, "ManagedPolicyArns"));
        if (c.Changed.Contains("Tags"))
        {
            var removed = (c.Previous["Tags"] as JsonArray ?? []).OfType<JsonObject>().Select(t => Template.Text(t["Key"]))
                .Except((c.Properties["Tags"] as JsonArray ?? []).OfType<JsonObject>().Select(t => Template.Text(t["Key"])), StringComparer.Ordinal).ToList();
            if (removed.Count > 0)
            {
                var untag = new Dictionary<string, string>(StringComparer.Ordinal) { ["RoleName"] = name };
                for (var i = 0; i < removed.Count; i++)
                {
                    untag[$"TagKeys.member.{i + 1}"] = removed[i];
                }

                await IamCalls.Call(c, "UntagRole", untag);
            }

            var tag = new Dictionary<string, string>(StringComparer.Ordinal) { ["RoleName"] = name };
            IamCalls.Tags(tag, c.Properties);
            if (tag.Count > 1)
            {
                await IamCalls.Call(c, "TagRole", tag);
            }
        }

        return ResourceOutcome.Done(name, c.Call.Attributes);
    }

    public override async Task<ResourceOutcome> Delete(HandlerContext c)
    {
        var name = c.PhysicalId;
        var attached = await IamCalls.Call(c, "ListAttachedRolePolicies", new() { ["RoleName"] = name });
        foreach (var arn in attached.Descendants().Where(e => e.Name.LocalName == "PolicyArn").Select(e => e.Value).ToList())
        {
            await IamCalls.Call(c, "DetachRolePolicy", new() { ["RoleName"] = name, ["PolicyArn"] = arn });
        }

        var inline = await IamCalls.Call(c, "ListRolePolicies", new() { ["RoleName"] = name });
        foreach (var policy in inline.Descendants().Where(e => e.Name.LocalName == "member").Select(e => e.Value).ToList())
        {
            await IamCalls.Call(c, "DeleteRolePolicy", new() { ["RoleName"] = name, ["PolicyName"] = policy });
        }

        var profiles = await IamCalls.Call(c, "ListInstanceProfilesForRole", new() { ["RoleName"] = name });
        foreach (var profile in profiles.Descendants().Where(e => e.Name.LocalName == "InstanceProfileName").Select(e => e.Value).ToList())
        {
            await IamCalls.Call(c, "RemoveRoleFromInstanceProfile", new() { ["RoleName"] = name, ["InstanceProfileName"] = profile });
        }

        await IamCalls.Call(c, "DeleteRole", new() { ["RoleName"] = name });
        return ResourceOutcome.Done(name);
    }

    private static Dictionary<string, string> Inline(JsonObject properties) =>
        (properties["Policies"] as JsonArray ?? []).OfType<JsonObject>()
            .ToDictionary(p => Template.Text(p["PolicyName"]), p => IamCalls.Document(p["PolicyDocument"]), StringComparer.Ordinal);

    private static async Task Policies(HandlerContext c, string role, Dictionary<string, string> before, Dictionary<string, string> after)
    {
        foreach (var gone in before.Keys.Where(k => !after.ContainsKey(k)))
        {
            await IamCalls.Call(c, "DeleteRolePolicy", new() { ["RoleName"] = role, ["PolicyName"] = gone });
        }

        foreach (var (policy, document) in after.Where(a => !before.TryGetValue(a.Key, out var d) || d != a.Value))
        {
            await IamCalls.Call(c, "PutRolePolicy", new() { ["RoleName"] = role, ["PolicyName"] = policy, ["PolicyDocument"] = document });
        }
    }

    private static async Task Managed(HandlerContext c, string role, IReadOnlyList<string> before, IReadOnlyList<string> after)
    {
        foreach (var gone in before.Except(after, StringComparer.Ordinal))
        {
            await IamCalls.Call(c, "DetachRolePolicy", new() { ["RoleName"] = role, ["PolicyArn"] = gone });
        }

        foreach (var added in after.Except(before, StringComparer.Ordinal))
        {
            await IamCalls.Call(c, "AttachRolePolicy", new() { ["RoleName"] = role, ["PolicyArn"] = added });
        }
    }
}

/// <summary>
/// AWS::IAM::Policy: an inline policy put on each of its Roles (PutRolePolicy), its physical id generated as
/// CloudFormation's is; changes move it between roles in place; delete removes it from every role.
/// </summary>
internal sealed class IamPolicyHandler : ResourceHandler
{
    public override IReadOnlyList<string> Types => ["AWS::IAM::Policy"];

    public override async Task<ResourceOutcome> Create(HandlerContext c)
    {
        if (CfnProperties.Strings(c.Properties, "Users").Count > 0 || CfnProperties.Strings(c.Properties, "Groups").Count > 0)
        {
            return ResourceOutcome.Failed("AWS::IAM::Policy on IAM users or groups is not supported by this emulator's CloudFormation (it has roles only)");
        }

        await Put(c, [], c.Properties);
        return ResourceOutcome.Done(c.GeneratedName(32, "-"));
    }

    public override async Task<ResourceOutcome> Update(HandlerContext c)
    {
        await Put(c, c.Previous, c.Properties);
        return ResourceOutcome.Done(c.PhysicalId, c.Call.Attributes);
    }

    public override async Task<ResourceOutcome> Delete(HandlerContext c)
    {
        var name = CfnProperties.Text(c.Properties, "PolicyName") ?? "";
        foreach (var role in CfnProperties.Strings(c.Properties, "Roles").Select(IamCalls.RoleName))
        {
            try
            {
                await IamCalls.Call(c, "DeleteRolePolicy", new() { ["RoleName"] = role, ["PolicyName"] = name });
            }
            catch (EcsException e) when (InProcessAws.IsNotFound(e))
            {
                // the role (or the policy on it) is already gone
            }
        }

        return ResourceOutcome.Done(c.PhysicalId);
    }

    private static async Task Put(HandlerContext c, JsonObject before, JsonObject after)
    {
        var name = CfnProperties.Text(after, "PolicyName") ?? throw new EcsException(ErrorCodes.ValidationError, "Properties validation failed: required key [PolicyName] not found");
        var oldName = CfnProperties.Text(before, "PolicyName");
        var roles = CfnProperties.Strings(after, "Roles").Select(IamCalls.RoleName).ToList();
        foreach (var role in CfnProperties.Strings(before, "Roles").Select(IamCalls.RoleName).Where(r => !roles.Contains(r) || oldName != name))
        {
            await IamCalls.Call(c, "DeleteRolePolicy", new() { ["RoleName"] = role, ["PolicyName"] = oldName ?? name });
        }

        var document = IamCalls.Document(after["PolicyDocument"]);
        foreach (var role in roles)
        {
            await IamCalls.Call(c, "PutRolePolicy", new() { ["RoleName"] = role, ["PolicyName"] = name, ["PolicyDocument"] = document });
        }
    }
}

/// <summary>AWS::IAM::ManagedPolicy: CreatePolicy, attached to its Roles; a new document is a new default version; DeletePolicy after detaching.</summary>
internal sealed class IamManagedPolicyHandler : ResourceHandler
{
    public override IReadOnlyList<string> Types => ["AWS::IAM::ManagedPolicy"];

    public override async Task<ResourceOutcome> Create(HandlerContext c)
    {
        var form = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["PolicyName"] = c.NameOr("ManagedPolicyName", 128, "-_+=,.@"),
            ["PolicyDocument"] = IamCalls.Document(c.Properties["PolicyDocument"]),
        };
        foreach (var p in new[] { "Path", "Description" })
        {
            if (CfnProperties.Text(c.Properties, p) is { } value)
            {
                form[p] = value;
            }
        }

        var result = await IamCalls.Call(c, "CreatePolicy", form);
        var arn = QueryResults.Value(result, "Arn") ?? throw new EcsException(ErrorCodes.ServerException, "CreatePolicy returned no ARN");
        foreach (var role in CfnProperties.Strings(c.Properties, "Roles").Select(IamCalls.RoleName))
        {
            await IamCalls.Call(c, "AttachRolePolicy", new() { ["RoleName"] = role, ["PolicyArn"] = arn });
        }

        return ResourceOutcome.Done(arn, Attributes(("PolicyArn", arn)));
    }

    public override async Task<ResourceOutcome> Update(HandlerContext c)
    {
        var other = c.Changed.Where(p => p is not ("PolicyDocument" or "Roles")).ToList();
        if (other.Count > 0)
        {
            return await base.Update(c);
        }

        if (c.Changed.Contains("PolicyDocument"))
        {
            await IamCalls.Call(c, "CreatePolicyVersion", new() { ["PolicyArn"] = c.PhysicalId, ["PolicyDocument"] = IamCalls.Document(c.Properties["PolicyDocument"]), ["SetAsDefault"] = "true" });
        }

        var before = CfnProperties.Strings(c.Previous, "Roles").Select(IamCalls.RoleName).ToList();
        var after = CfnProperties.Strings(c.Properties, "Roles").Select(IamCalls.RoleName).ToList();
        foreach (var role in before.Except(after, StringComparer.Ordinal))
        {
            await IamCalls.Call(c, "DetachRolePolicy", new() { ["RoleName"] = role, ["PolicyArn"] = c.PhysicalId });
        }

        foreach (var role in after.Except(before, StringComparer.Ordinal))
        {
            await IamCalls.Call(c, "AttachRolePolicy", new() { ["RoleName"] = role, ["PolicyArn"] = c.PhysicalId });
        }

        return ResourceOutcome.Done(c.PhysicalId, c.Call.Attributes);
    }

    public override async Task<ResourceOutcome> Delete(HandlerContext c)
    {
        var entities = await IamCalls.Call(c, "ListEntitiesForPolicy", new() { ["PolicyArn"] = c.PhysicalId });
        foreach (var role in entities.Descendants().Where(e => e.Name.LocalName == "RoleName").Select(e => e.Value).ToList())
        {
            await IamCalls.Call(c, "DetachRolePolicy", new() { ["RoleName"] = role, ["PolicyArn"] = c.PhysicalId });
        }

        var versions = await IamCalls.Call(c, "ListPolicyVersions", new() { ["PolicyArn"] = c.PhysicalId });
        foreach (var version in versions.Descendants().Where(e => e.Name.LocalName == "member"
            && e.Elements().Any(x => x.Name.LocalName == "IsDefaultVersion" && x.Value == "false")).Select(e => QueryResults.Value(e, "VersionId")!).ToList())
        {
            await IamCalls.Call(c, "DeletePolicyVersion", new() { ["PolicyArn"] = c.PhysicalId, ["VersionId"] = version });
        }

        await IamCalls.Call(c, "DeletePolicy", new() { ["PolicyArn"] = c.PhysicalId });
        return ResourceOutcome.Done(c.PhysicalId);
    }
}

/// <summary>AWS::IAM::InstanceProfile: CreateInstanceProfile with its role (AddRoleToInstanceProfile); roles changed in place; delete removes the role first.</summary>
internal sealed class IamInstanceProfileHandler : ResourceHandler
{
    public override IReadOnlyList<string> Types => ["AWS::IAM::InstanceProfile"];

    public override async Task<ResourceOutcome> Create(HandlerContext c)
    {
        var name = c.NameOr("InstanceProfileName", 128, "-_+=,.@");
        var form = new Dictionary<string, string>(StringComparer.Ordinal) { ["InstanceProfileName"] = name };
        if (CfnProperties.Text(c.Properties, "Path") is { } path)
        {
            form["Path"] = path;
        }

        var result = await IamCalls.Call(c, "CreateInstanceProfile", form);
        foreach (var role in CfnProperties.Strings(c.Properties, "Roles").Select(IamCalls.RoleName))
        {
            await IamCalls.Call(c, "AddRoleToInstanceProfile", new() { ["InstanceProfileName"] = name, ["RoleName"] = role });
        }

        return ResourceOutcome.Done(name, Attributes(("Arn", QueryResults.Value(result, "Arn"))));
    }

    public override async Task<ResourceOutcome> Update(HandlerContext c)
    {
        if (c.Changed.Any(p => p != "Roles"))
        {
            return await base.Update(c);
        }

        var before = CfnProperties.Strings(c.Previous, "Roles").Select(IamCalls.RoleName).ToList();
        var after = CfnProperties.Strings(c.Properties, "Roles").Select(IamCalls.RoleName).ToList();
        foreach (var role in before.Except(after, StringComparer.Ordinal))
        {
            await IamCalls.Call(c, "RemoveRoleFromInstanceProfile", new() { ["InstanceProfileName"] = c.PhysicalId, ["RoleName"] = role });
        }

        foreach (var role in after.Except(before, StringComparer.Ordinal))
        {
            await IamCalls.Call(c, "AddRoleToInstanceProfile", new() { ["InstanceProfileName"] = c.PhysicalId, ["RoleName"] = role });
        }

        return ResourceOutcome.Done(c.PhysicalId, c.Call.Attributes);
    }

    public override async Task<ResourceOutcome> Delete(HandlerContext c)
    {
        var profile = await IamCalls.Call(c, "GetInstanceProfile", new() { ["InstanceProfileName"] = c.PhysicalId });
        foreach (var role in profile.Descendants().Where(e => e.Name.LocalName == "RoleName").Select(e => e.Value).ToList())
        {
            await IamCalls.Call(c, "RemoveRoleFromInstanceProfile", new() { ["InstanceProfileName"] = c.PhysicalId, ["RoleName"] = role });
        }

        await IamCalls.Call(c, "DeleteInstanceProfile", new() { ["InstanceProfileName"] = c.PhysicalId });
        return ResourceOutcome.Done(c.PhysicalId);
    }
}

/// <summary>AWS::Logs::LogGroup: CreateLogGroup (a generated name when none is given), retention and tags in place, DeleteLogGroup.</summary>
internal sealed class LogGroupHandler : ResourceHandler
{
    public override IReadOnlyList<string> Types => ["AWS::Logs::LogGroup"];

    public override async Task<ResourceOutcome> Create(HandlerContext c)
    {
        var name = c.NameOr("LogGroupName", 512, "-_/.#");
        var body = new JsonObject { ["logGroupName"] = name };
        var tags = Tags(c.Properties);
        if (tags.Count > 0)
        {
            body["tags"] = tags;
        }

        await c.Aws.Json(AwsServices.Logs, "CreateLogGroup", body);
        await Retention(c, name);
        return ResourceOutcome.Done(name, Attributes(("Arn", $"arn:aws:logs:{c.Region}:{c.Account}:log-group:{name}:*")));
    }

    public override async Task<ResourceOutcome> Update(HandlerContext c)
    {
        var other = c.Changed.Where(p => p is not ("Tags" or "RetentionInDays")).ToList();
        if (other.Count > 0)
        {
            return await base.Update(c);
        }

        if (c.Changed.Contains("RetentionInDays"))
        {
            await Retention(c, c.PhysicalId);
        }

        if (c.Changed.Contains("Tags"))
        {
            var arn = $"arn:aws:logs:{c.Region}:{c.Account}:log-group:{c.PhysicalId}";
            var removed = Tags(c.Previous).Select(kv => kv.Key).Except(Tags(c.Properties).Select(kv => kv.Key), StringComparer.Ordinal).ToList();
            if (removed.Count > 0)
            {
                await c.Aws.Json(AwsServices.Logs, "UntagResource", new JsonObject { ["resourceArn"] = arn, ["tagKeys"] = new JsonArray([.. removed.Select(k => (JsonNode?)k)]) });
            }

            if (Tags(c.Properties) is { Count: > 0 } tags)
            {
                await c.Aws.Json(AwsServices.Logs, "TagResource", new JsonObject { ["resourceArn"] = arn, ["tags"] = tags });
            }
        }

        return ResourceOutcome.Done(c.PhysicalId, c.Call.Attributes);
    }

    public override async Task<ResourceOutcome> Delete(HandlerContext c)
    {
        await c.Aws.Json(AwsServices.Logs, "DeleteLogGroup", new JsonObject { ["logGroupName"] = c.PhysicalId });
        return ResourceOutcome.Done(c.PhysicalId);
    }

    private static async Task Retention(HandlerContext c, string name)
    {
        if (CfnProperties.Int(c.Properties, "RetentionInDays") is { } days)
        {
            await c.Aws.Json(AwsServices.Logs, "PutRetentionPolicy", new JsonObject { ["logGroupName"] = name, ["retentionInDays"] = days });
        }
        else if (c.Previous["RetentionInDays"] is not null)
        {
            await c.Aws.Json(AwsServices.Logs, "DeleteRetentionPolicy", new JsonObject { ["logGroupName"] = name });
        }
    }

    private static JsonObject Tags(JsonObject properties) =>
        new((properties["Tags"] as JsonArray ?? []).OfType<JsonObject>()
            .Select(t => KeyValuePair.Create<string, JsonNode?>(Template.Text(t["Key"]), Template.Text(t["Value"]))));
}
