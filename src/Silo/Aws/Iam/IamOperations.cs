using System.Collections.Immutable;
using System.Xml.Linq;
using Emulator.Contracts;
using Emulator.Model.Identity;
using static Emulator.Silo.Aws.QueryXml;

namespace Emulator.Silo.Aws.Iam;

/// <summary>
/// AWS IAM over the query protocol (Version 2010-05-08): roles, role (inline) policies, attached managed policies,
/// customer managed policies and instance profiles, as real ECS configurations create them (task execution roles,
/// container instance roles and profiles). Stored with AWS's ids, ARNs and errors; nothing is enforced. Policy
/// documents come back URL-encoded, as IAM returns them. Known gaps: users, groups, service-linked roles, access keys.
/// </summary>
public static class IamOperations
{
    // ------------------------------------------------------------------ roles

    [AwsOperation(AwsServices.Iam, "CreateRole")]
    public static async Task<XElement> CreateRole(QueryInput input, AwsContext context)
    {
        var name = input.String("RoleName");
        var state = await Apply(context, new IamCreateRole(name ?? "", input.String("Path"), input.String("AssumeRolePolicyDocument") ?? "",
            input.String("Description"), input.Int("MaxSessionDuration"), input.String("PermissionsBoundary"), Tags(input)));
        return E("CreateRoleResult", Role(Model.Identity.Iam.Role(state, name!)));
    }

    [AwsOperation(AwsServices.Iam, "GetRole")]
    public static async Task<XElement> GetRole(QueryInput input, AwsContext context)
    {
        var name = RequiredName(input, "RoleName");
        return E("GetRoleResult", Role(Model.Identity.Iam.Role(await Read(context), name)));
    }

    [AwsOperation(AwsServices.Iam, "ListRoles")]
    public static async Task<XElement> ListRoles(QueryInput input, AwsContext context)
    {
        var prefix = input.String("PathPrefix") ?? "/";
        var roles = (await Read(context)).Roles.Values.Where(r => r.Path.StartsWith(prefix, StringComparison.Ordinal)).ToList();
        var (page, next) = Page(roles, input, PageSizes.IamListRoles, r => r.Name);
        return E("ListRolesResult", Members("Roles", page.Select(r => Role(r, "member"))), Truncation(next));
    }

    [AwsOperation(AwsServices.Iam, "UpdateRole")]
    public static async Task<XElement> UpdateRole(QueryInput input, AwsContext context)
    {
        await Apply(context, new IamUpdateRole(RequiredName(input, "RoleName"), input.String("Description"), input.Int("MaxSessionDuration"), null));
        return E("UpdateRoleResult");
    }

    [AwsOperation(AwsServices.Iam, "UpdateRoleDescription")]
    public static async Task<XElement> UpdateRoleDescription(QueryInput input, AwsContext context)
    {
        var name = RequiredName(input, "RoleName");
        var state = await Apply(context, new IamUpdateRole(name, input.String("Description") ?? throw Missing("description"), null, null));
        return E("UpdateRoleDescriptionResult", Role(Model.Identity.Iam.Role(state, name)));
    }

    [AwsOperation(AwsServices.Iam, "UpdateAssumeRolePolicy")]
    public static async Task<XElement> UpdateAssumeRolePolicy(QueryInput input, AwsContext context)
    {
        await Apply(context, new IamUpdateRole(RequiredName(input, "RoleName"), null, null, input.String("PolicyDocument") ?? throw Missing("policyDocument")));
        return NoOutput();
    }

    [AwsOperation(AwsServices.Iam, "DeleteRole")]
    public static async Task<XElement> DeleteRole(QueryInput input, AwsContext context)
    {
        await Apply(context, new IamDeleteRole(RequiredName(input, "RoleName")));
        return NoOutput();
    }

    [AwsOperation(AwsServices.Iam, "TagRole")]
    public static async Task<XElement> TagRole(QueryInput input, AwsContext context)
    {
        await Apply(context, new IamTag("role", RequiredName(input, "RoleName"), Tags(input), []));
        return NoOutput();
    }

    [AwsOperation(AwsServices.Iam, "UntagRole")]
    public static async Task<XElement> UntagRole(QueryInput input, AwsContext context)
    {
        await Apply(context, new IamTag("role", RequiredName(input, "RoleName"), ImmutableDictionary<string, string>.Empty, input.Strings("TagKeys")));
        return NoOutput();
    }

    [AwsOperation(AwsServices.Iam, "ListRoleTags")]
    public static async Task<XElement> ListRoleTags(QueryInput input, AwsContext context)
    {
        var role = Model.Identity.Iam.Role(await Read(context), RequiredName(input, "RoleName"));
        var (page, next) = Page(role.Tags.OrderBy(t => t.Key, StringComparer.Ordinal).ToList(), input, PageSizes.IamListRoleTags, t => t.Key);
        return E("ListRoleTagsResult", TagMembers(page) ?? Members("Tags", []), Truncation(next));
    }

    // ------------------------------------------------------------------ inline and attached role policies

    [AwsOperation(AwsServices.Iam, "PutRolePolicy")]
    public static async Task<XElement> PutRolePolicy(QueryInput input, AwsContext context)
    {
        await Apply(context, new IamSetRolePolicy(RequiredName(input, "RoleName"), RequiredName(input, "PolicyName"),
            input.String("PolicyDocument") ?? throw Missing("policyDocument")));
        return NoOutput();
    }

    [AwsOperation(AwsServices.Iam, "GetRolePolicy")]
    public static async Task<XElement> GetRolePolicy(QueryInput input, AwsContext context)
    {
        var role = Model.Identity.Iam.Role(await Read(context), RequiredName(input, "RoleName"));
        var policyName = RequiredName(input, "PolicyName");
        var document = role.InlinePolicies.GetValueOrDefault(policyName)
            ?? throw new EcsException(IamErrors.NoSuchEntity, $"The role policy with name {policyName} cannot be found.");
        return E("GetRolePolicyResult", V("RoleName", role.Name), V("PolicyName", policyName), V("PolicyDocument", Uri.EscapeDataString(document)));
    }

    [AwsOperation(AwsServices.Iam, "DeleteRolePolicy")]
    public static async Task<XElement> DeleteRolePolicy(QueryInput input, AwsContext context)
    {
        await Apply(context, new IamSetRolePolicy(RequiredName(input, "RoleName"), RequiredName(input, "PolicyName"), null));
        return NoOutput();
    }

    [AwsOperation(AwsServices.Iam, "ListRolePolicies")]
    public static async Task<XElement> ListRolePolicies(QueryInput input, AwsContext context)
    {
        var role = Model.Identity.Iam.Role(await Read(context), RequiredName(input, "RoleName"));
        var (page, next) = Page(role.InlinePolicies.Keys.ToList(), input, PageSizes.IamListRolePolicies, n => n);
        return E("ListRolePoliciesResult", MemberStrings("PolicyNames", page), Truncation(next));
    }

    [AwsOperation(AwsServices.Iam, "AttachRolePolicy")]
    public static async Task<XElement> AttachRolePolicy(QueryInput input, AwsContext context)
    {
        await Apply(context, new IamAttachRolePolicy(RequiredName(input, "RoleName"), input.String("PolicyArn") ?? throw Missing("policyArn"), true));
        return NoOutput();
    }

    [AwsOperation(AwsServices.Iam, "DetachRolePolicy")]
    public static async Task<XElement> DetachRolePolicy(QueryInput input, AwsContext context)
    {
        await Apply(context, new IamAttachRolePolicy(RequiredName(input, "RoleName"), input.String("PolicyArn") ?? throw Missing("policyArn"), false));
        return NoOutput();
    }

    [AwsOperation(AwsServices.Iam, "ListAttachedRolePolicies")]
    public static async Task<XElement> ListAttachedRolePolicies(QueryInput input, AwsContext context)
    {
        var role = Model.Identity.Iam.Role(await Read(context), RequiredName(input, "RoleName"));
        var prefix = input.String("PathPrefix") ?? "/";
        var attached = role.AttachedPolicies.Where(a => PolicyPath(a).StartsWith(prefix, StringComparison.Ordinal)).ToList();
        var (page, next) = Page(attached, input, PageSizes.IamListAttachedRolePolicies, a => a);
        return E("ListAttachedRolePoliciesResult",
            Members("AttachedPolicies", page.Select(a => E("member", V("PolicyName", a[(a.LastIndexOf('/') + 1)..]), V("PolicyArn", a)))),
            Truncation(next));
    }

    // ------------------------------------------------------------------ instance profiles

    [AwsOperation(AwsServices.Iam, "CreateInstanceProfile")]
    public static async Task<XElement> CreateInstanceProfile(QueryInput input, AwsContext context)
    {
        var name = input.String("InstanceProfileName") ?? "";
        var state = await Apply(context, new IamCreateInstanceProfile(name, input.String("Path"), Tags(input)));
        return E("CreateInstanceProfileResult", InstanceProfile(state, Model.Identity.Iam.InstanceProfile(state, name)));
    }

    [AwsOperation(AwsServices.Iam, "GetInstanceProfile")]
    public static async Task<XElement> GetInstanceProfile(QueryInput input, AwsContext context)
    {
        var state = await Read(context);
        return E("GetInstanceProfileResult", InstanceProfile(state, Model.Identity.Iam.InstanceProfile(state, RequiredName(input, "InstanceProfileName"))));
    }

    [AwsOperation(AwsServices.Iam, "DeleteInstanceProfile")]
    public static async Task<XElement> DeleteInstanceProfile(QueryInput input, AwsContext context)
    {
        await Apply(context, new IamDeleteInstanceProfile(RequiredName(input, "InstanceProfileName")));
        return NoOutput();
    }

    [AwsOperation(AwsServices.Iam, "AddRoleToInstanceProfile")]
    public static async Task<XElement> AddRoleToInstanceProfile(QueryInput input, AwsContext context)
    {
        await Apply(context, new IamInstanceProfileRole(RequiredName(input, "InstanceProfileName"), RequiredName(input, "RoleName"), true));
        return NoOutput();
    }

    [AwsOperation(AwsServices.Iam, "RemoveRoleFromInstanceProfile")]
    public static async Task<XElement> RemoveRoleFromInstanceProfile(QueryInput input, AwsContext context)
    {
        await Apply(context, new IamInstanceProfileRole(RequiredName(input, "InstanceProfileName"), RequiredName(input, "RoleName"), false));
        return NoOutput();
    }

    [AwsOperation(AwsServices.Iam, "ListInstanceProfiles")]
    public static async Task<XElement> ListInstanceProfiles(QueryInput input, AwsContext context)
    {
        var state = await Read(context);
        var prefix = input.String("PathPrefix") ?? "/";
        var (page, next) = Page(state.InstanceProfiles.Values.Where(p => p.Path.StartsWith(prefix, StringComparison.Ordinal)).ToList(), input,
            PageSizes.IamListInstanceProfiles, p => p.Name);
        return E("ListInstanceProfilesResult", Members("InstanceProfiles", page.Select(p => InstanceProfile(state, p, "member"))), Truncation(next));
    }

    [AwsOperation(AwsServices.Iam, "ListInstanceProfilesForRole")]
    public static async Task<XElement> ListInstanceProfilesForRole(QueryInput input, AwsContext context)
    {
        var state = await Read(context);
        var role = Model.Identity.Iam.Role(state, RequiredName(input, "RoleName"));
        var (page, next) = Page(state.InstanceProfiles.Values.Where(p => p.Roles.Contains(role.Name)).ToList(), input,
            PageSizes.IamListInstanceProfilesForRole, p => p.Name);
        return E("ListInstanceProfilesForRoleResult", Members("InstanceProfiles", page.Select(p => InstanceProfile(state, p, "member"))), Truncation(next));
    }

    [AwsOperation(AwsServices.Iam, "TagInstanceProfile")]
    public static async Task<XElement> TagInstanceProfile(QueryInput input, AwsContext context)
    {
        await Apply(context, new IamTag("instance-profile", RequiredName(input, "InstanceProfileName"), Tags(input), []));
        return NoOutput();
    }

    [AwsOperation(AwsServices.Iam, "UntagInstanceProfile")]
    public static async Task<XElement> UntagInstanceProfile(QueryInput input, AwsContext context)
    {
        await Apply(context, new IamTag("instance-profile", RequiredName(input, "InstanceProfileName"), ImmutableDictionary<string, string>.Empty, input.Strings("TagKeys")));
        return NoOutput();
    }

    // ------------------------------------------------------------------ customer managed policies

    [AwsOperation(AwsServices.Iam, "CreatePolicy")]
    public static async Task<XElement> CreatePolicy(QueryInput input, AwsContext context)
    {
        var name = input.String("PolicyName") ?? "";
        var state = await Apply(context, new IamCreatePolicy(name, input.String("Path"), input.String("PolicyDocument") ?? "", input.String("Description"), Tags(input)));
        var policy = state.Policies.Values.First(p => Model.Identity.Iam.Key(p.Name) == Model.Identity.Iam.Key(name));
        return E("CreatePolicyResult", Policy(state, policy, "Policy"));
    }

    [AwsOperation(AwsServices.Iam, "GetPolicy")]
    public static async Task<XElement> GetPolicy(QueryInput input, AwsContext context)
    {
        var state = await Read(context);
        return E("GetPolicyResult", Policy(state, FindPolicy(state, input), "Policy"));
    }

    [AwsOperation(AwsServices.Iam, "ListPolicies")]
    public static async Task<XElement> ListPolicies(QueryInput input, AwsContext context)
    {
        var state = await Read(context);
        var scope = input.String("Scope") ?? "All";
        if (scope is not ("All" or "AWS" or "Local"))
        {
            throw QueryInput.Validation($"1 validation error detected: Value '{scope}' at 'scope' failed to satisfy constraint: Member must satisfy enum value set: [All, AWS, Local]");
        }

        var onlyAttached = input.Bool("OnlyAttached") ?? false;
        var prefix = input.String("PathPrefix") ?? "/";
        var policies = (scope == "AWS" ? [] : state.Policies.Values)
            .Where(p => p.Path.StartsWith(prefix, StringComparison.Ordinal) && (!onlyAttached || !Model.Identity.Iam.AttachedTo(state, p.Arn).IsEmpty))
            .ToList();
        var (page, next) = Page(policies, input, PageSizes.IamListPolicies, p => p.Arn);
        return E("ListPoliciesResult", Members("Policies", page.Select(p => Policy(state, p, "member"))), Truncation(next));
    }

    [AwsOperation(AwsServices.Iam, "GetPolicyVersion")]
    public static async Task<XElement> GetPolicyVersion(QueryInput input, AwsContext context)
    {
        var state = await Read(context);
        var policy = FindPolicy(state, input);
        var id = input.String("VersionId") ?? throw Missing("versionId");
        var version = policy.Versions.FirstOrDefault(v => v.VersionId == id)
            ?? throw new EcsException(IamErrors.NoSuchEntity, $"Policy {policy.Arn} version {id} does not exist or is not attachable.");
        return E("GetPolicyVersionResult", Version(policy, version, "PolicyVersion"));
    }

    [AwsOperation(AwsServices.Iam, "ListPolicyVersions")]
    public static async Task<XElement> ListPolicyVersions(QueryInput input, AwsContext context)
    {
        var state = await Read(context);
        var policy = FindPolicy(state, input);
        var (page, next) = Page(policy.Versions.Reverse().ToList(), input, PageSizes.IamListPolicyVersions, v => v.VersionId);
        return E("ListPolicyVersionsResult", Members("Versions", page.Select(v => Version(policy, v, "member"))), Truncation(next));
    }

    [AwsOperation(AwsServices.Iam, "CreatePolicyVersion")]
    public static async Task<XElement> CreatePolicyVersion(QueryInput input, AwsContext context)
    {
        var arn = input.String("PolicyArn") ?? throw Missing("policyArn");
        var state = await Apply(context, new IamCreatePolicyVersion(arn, input.String("PolicyDocument") ?? "", input.Bool("SetAsDefault") ?? false));
        var policy = Model.Identity.Iam.Policy(state, arn);
        return E("CreatePolicyVersionResult", Version(policy, policy.Versions[^1], "PolicyVersion"));
    }

    [AwsOperation(AwsServices.Iam, "DeletePolicyVersion")]
    public static async Task<XElement> DeletePolicyVersion(QueryInput input, AwsContext context)
    {
        await Apply(context, new IamDeletePolicyVersion(input.String("PolicyArn") ?? throw Missing("policyArn"), input.String("VersionId") ?? throw Missing("versionId")));
        return NoOutput();
    }

    [AwsOperation(AwsServices.Iam, "DeletePolicy")]
    public static async Task<XElement> DeletePolicy(QueryInput input, AwsContext context)
    {
        await Apply(context, new IamDeletePolicy(input.String("PolicyArn") ?? throw Missing("policyArn")));
        return NoOutput();
    }

    [AwsOperation(AwsServices.Iam, "ListEntitiesForPolicy")]
    public static async Task<XElement> ListEntitiesForPolicy(QueryInput input, AwsContext context)
    {
        var state = await Read(context);
        var policy = FindPolicy(state, input);
        var (page, next) = Page(Model.Identity.Iam.AttachedTo(state, policy.Arn).ToList(), input, PageSizes.IamListEntitiesForPolicy, r => r.Name);
        return E("ListEntitiesForPolicyResult",
            Members("PolicyGroups", []),
            Members("PolicyUsers", []),
            Members("PolicyRoles", page.Select(r => E("member", V("RoleName", r.Name), V("RoleId", r.RoleId)))),
            Truncation(next));
    }

    // ------------------------------------------------------------------ shapes and helpers

    private static XElement Role(IamRole r, string name = "Role") =>
        E(name,
            V("Path", r.Path),
            V("RoleName", r.Name),
            V("RoleId", r.RoleId),
            V("Arn", r.Arn),
            V("CreateDate", r.CreatedAt),
            V("AssumeRolePolicyDocument", Uri.EscapeDataString(r.AssumeRolePolicyDocument)),
            V("Description", r.Description),
            V("MaxSessionDuration", r.MaxSessionDuration),
            r.PermissionsBoundary is { } b ? E("PermissionsBoundary", V("PermissionsBoundaryType", "Policy"), V("PermissionsBoundaryArn", b)) : null,
            TagMembers(r.Tags),
            E("RoleLastUsed"));

    private static XElement InstanceProfile(IamState state, IamInstanceProfile p, string name = "InstanceProfile") =>
        E(name,
            V("Path", p.Path),
            V("InstanceProfileName", p.Name),
            V("InstanceProfileId", p.InstanceProfileId),
            V("Arn", p.Arn),
            V("CreateDate", p.CreatedAt),
            Members("Roles", p.Roles.Select(r => state.Roles.GetValueOrDefault(Model.Identity.Iam.Key(r))).OfType<IamRole>().Select(r => Role(r, "member"))),
            TagMembers(p.Tags));

    private static XElement Policy(IamState state, IamManagedPolicy p, string name) =>
        E(name,
            V("PolicyName", p.Name),
            V("PolicyId", p.PolicyId),
            V("Arn", p.Arn),
            V("Path", p.Path),
            V("DefaultVersionId", p.DefaultVersionId),
            V("AttachmentCount", Model.Identity.Iam.AttachedTo(state, p.Arn).Length),
            V("PermissionsBoundaryUsageCount", 0),
            V("IsAttachable", true),
            V("Description", p.Description),
            V("CreateDate", p.CreatedAt),
            V("UpdateDate", p.UpdatedAt),
            TagMembers(p.Tags));

    private static XElement Version(IamManagedPolicy p, IamPolicyVersion v, string name) =>
        E(name,
            V("Document", Uri.EscapeDataString(v.Document)),
            V("VersionId", v.VersionId),
            V("IsDefaultVersion", v.VersionId == p.DefaultVersionId),
            V("CreateDate", v.CreatedAt));

    private static IamManagedPolicy FindPolicy(IamState state, QueryInput input)
    {
        var arn = input.String("PolicyArn") ?? throw Missing("policyArn");
        return arn.StartsWith(Model.Identity.Iam.AwsManagedPrefix, StringComparison.Ordinal) ? Model.Identity.Iam.AwsManaged(arn) : Model.Identity.Iam.Policy(state, arn);
    }

    private static string PolicyPath(string arn)
    {
        var at = arn.IndexOf(":policy/", StringComparison.Ordinal);
        var rest = at < 0 ? "/" : arn[(at + ":policy".Length)..];
        return rest[..(rest.LastIndexOf('/') + 1)];
    }

    /// <summary>IAM's Tags list (left out when there are none, as IAM does).</summary>
    private static XElement? TagMembers(IEnumerable<KeyValuePair<string, string>> tags)
    {
        var sorted = tags.OrderBy(t => t.Key, StringComparer.Ordinal).ToList();
        return sorted.Count == 0 ? null : Members("Tags", sorted.Select(t => E("member", V("Key", t.Key), V("Value", t.Value))));
    }

    /// <summary>IAM's IsTruncated / Marker pair.</summary>
    private static object?[] Truncation(string? next) => [V("IsTruncated", next is not null), V("Marker", next)];

    private static ImmutableDictionary<string, string> Tags(QueryInput input)
    {
        var b = ImmutableDictionary.CreateBuilder<string, string>(StringComparer.Ordinal);
        foreach (var t in input.Members("Tags"))
        {
            b[t.RequiredString("Key")] = t.String("Value") ?? "";
        }

        return b.ToImmutable();
    }

    private static string RequiredName(QueryInput input, string member)
    {
        var lower = char.ToLowerInvariant(member[0]) + member[1..];
        var value = input.String(member);
        Model.Identity.Iam.ValidateName(value, lower, member is "RoleName" ? 64 : 128);
        return value!;
    }

    private static EcsException Missing(string member) =>
        QueryInput.Validation($"1 validation error detected: Value null at '{member}' failed to satisfy constraint: Member must not be null");

    private static IIamGrain Grain(AwsContext context) => context.Grains.GetGrain<IIamGrain>(IIamGrain.Key);

    private static Task<IamState> Read(AwsContext context) => Grain(context).Read();

    private static Task<IamState> Apply(AwsContext context, IamCommand command) => Grain(context).Apply(command);
}
