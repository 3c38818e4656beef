using System.Collections.Immutable;
using System.Text.Json;
using Emulator.Contracts;

namespace Emulator.Model.Identity;

/// <summary>IAM's error codes (the query protocol's Error/Code).</summary>
public static class IamErrors
{
    public const string NoSuchEntity = "NoSuchEntity";
    public const string EntityAlreadyExists = "EntityAlreadyExists";
    public const string DeleteConflict = "DeleteConflict";
    public const string LimitExceeded = "LimitExceeded";
    public const string MalformedPolicyDocument = "MalformedPolicyDocument";
    public const string InvalidInput = "InvalidInput";
}

/// <summary>What an IAM change needs besides the state: the account, the time and a seeded source of ids (B-ID-4).</summary>
public sealed record IamContext(string Account, DateTimeOffset Now, Random Random);

/// <summary>
/// IAM's rules as pure functions over <see cref="IamState"/>: names, paths and policy documents validated as IAM
/// validates them, ids (AROA…, AIPA…, ANPA…) and ARNs, and the conflicts AWS reports (a role still in an instance
/// profile or with policies cannot be deleted, an instance profile holds one role, five versions per policy).
/// Nothing here is enforced at call time: the emulator stores IAM, it does not authorize.
/// </summary>
public static class Iam
{
    public const int DefaultMaxSessionDuration = 3600;
    public const int MaxPolicyVersions = 5;

    /// <summary>AWS managed policies: every ARN under arn:aws:iam::aws:policy/ is taken to exist (Model choice).</summary>
    public const string AwsManagedPrefix = "arn:aws:iam::aws:policy/";

    public static string Key(string name) => name.ToLowerInvariant();

    public static IamState Apply(IamState s, IamCommand command, IamContext ctx) => command switch
    {
        IamCreateRole c => CreateRole(s, c, ctx),
        IamUpdateRole c => UpdateRole(s, c),
        IamDeleteRole c => DeleteRole(s, c),
        IamSetRolePolicy c => SetRolePolicy(s, c),
        IamAttachRolePolicy c => AttachRolePolicy(s, c),
        IamTag c => Tag(s, c),
        IamCreateInstanceProfile c => CreateInstanceProfile(s, c, ctx),
        IamDeleteInstanceProfile c => DeleteInstanceProfile(s, c),
        IamInstanceProfileRole c => InstanceProfileRole(s, c),
        IamCreatePolicy c => CreatePolicy(s, c, ctx),
        IamDeletePolicy c => DeletePolicy(s, c),
        IamCreatePolicyVersion c => CreatePolicyVersion(s, c, ctx),
        IamDeletePolicyVersion c => DeletePolicyVersion(s, c),
        _ => throw new ArgumentException("unknown IAM command " + command.GetType().Name, nameof(command)),
    };

    public static IamRole Role(IamState s, string name) =>
        s.Roles.GetValueOrDefault(Key(name)) ?? throw NoSuchEntity($"The role with name {name} cannot be found.");

    public static IamInstanceProfile InstanceProfile(IamState s, string name) =>
        s.InstanceProfiles.GetValueOrDefault(Key(name)) ?? throw NoSuchEntity($"Instance Profile {name} cannot be found.");

    public static IamManagedPolicy Policy(IamState s, string arn) =>
        s.Policies.GetValueOrDefault(arn) ?? throw NoSuchEntity($"Policy {arn} does not exist or is not attachable.");

    /// <summary>An AWS managed policy as GetPolicy shows it (no document is known: Model choice, an allow-nothing document).</summary>
    public static IamManagedPolicy AwsManaged(string arn) => new(
        arn[(arn.LastIndexOf('/') + 1)..], PathOf(arn, AwsManagedPrefix), "ANPA" + IdSuffix(new Random(StableHash(arn))), arn,
        new DateTimeOffset(2015, 2, 6, 18, 40, 0, TimeSpan.Zero), new DateTimeOffset(2015, 2, 6, 18, 40, 0, TimeSpan.Zero), null,
        [new IamPolicyVersion("v1", """{"Version":"2012-10-17","Statement":[]}""", new DateTimeOffset(2015, 2, 6, 18, 40, 0, TimeSpan.Zero))],
        "v1", ImmutableDictionary<string, string>.Empty, 2);

    /// <summary>The roles, and how many, a managed policy is attached to.</summary>
    public static ImmutableArray<IamRole> AttachedTo(IamState s, string policyArn) =>
        s.Roles.Values.Where(r => r.AttachedPolicies.Contains(policyArn)).ToImmutableArray();

    public static void ValidateName(string? name, string member, int max = 64)
    {
        if (string.IsNullOrEmpty(name))
        {
            throw Validation($"1 validation error detected: Value null at '{member}' failed to satisfy constraint: Member must not be null");
        }

        if (name.Length > max || !name.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '+' or '=' or ',' or '.' or '@' or '-'))
        {
            throw Validation($"1 validation error detected: Value '{name}' at '{member}' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]+ and have length less than or equal to {max}");
        }
    }

    public static string ValidatePath(string? path)
    {
        var p = string.IsNullOrEmpty(path) ? "/" : path;
        if (p.Length > 512 || !p.StartsWith('/') || !p.EndsWith('/') || p.Any(c => c < '!' || c > '~'))
        {
            throw Validation($"1 validation error detected: Value '{p}' at 'path' failed to satisfy constraint: Member must satisfy regular expression pattern: (\\u002F)|(\\u002F[\\u0021-\\u007E]+\\u002F)");
        }

        return p;
    }

    /// <summary>A policy document: JSON, an object with Statement; a trust policy's statements name a Principal.</summary>
    public static void ValidatePolicyDocument(string? document, bool trustPolicy)
    {
        if (string.IsNullOrWhiteSpace(document))
        {
            throw Validation("1 validation error detected: Value null at 'policyDocument' failed to satisfy constraint: Member must not be null");
        }

        JsonElement root;
        try
        {
            using var doc = JsonDocument.Parse(document);
            root = doc.RootElement.Clone();
        }
        catch (JsonException)
        {
            throw new EcsException(IamErrors.MalformedPolicyDocument, "This policy contains invalid Json");
        }

        if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("Statement", out var statement)
            || statement.ValueKind is not (JsonValueKind.Array or JsonValueKind.Object))
        {
            throw new EcsException(IamErrors.MalformedPolicyDocument, "Syntax errors in policy.");
        }

        if (root.TryGetProperty("Version", out var version) && version.GetString() is not ("2012-10-17" or "2008-10-17"))
        {
            throw new EcsException(IamErrors.MalformedPolicyDocument, "The policy failed legacy parsing");
        }

        var statements = statement.ValueKind == JsonValueKind.Array ? statement.EnumerateArray().ToList() : [statement];
        foreach (var st in statements)
        {
            if (st.ValueKind != JsonValueKind.Object || !st.TryGetProperty("Effect", out var effect) || effect.GetString() is not ("Allow" or "Deny"))
            {
                throw new EcsException(IamErrors.MalformedPolicyDocument, "Syntax errors in policy.");
            }

            if (trustPolicy && !st.TryGetProperty("Principal", out _) && !st.TryGetProperty("NotPrincipal", out _))
            {
                throw new EcsException(IamErrors.MalformedPolicyDocument, "Has prohibited field Resource");
            }
        }
    }

    public static string RoleArn(string account, string path, string name) => $"arn:aws:iam::{account}:role{path}{name}";

    public static string InstanceProfileArn(string account, string path, string name) => $"arn:aws:iam::{account}:instance-profile{path}{name}";

    public static string PolicyArn(string account, string path, string name) => $"arn:aws:iam::{account}:policy{path}{name}";

    private static IamState CreateRole(IamState s, IamCreateRole c, IamContext ctx)
    {
        ValidateName(c.Name, "roleName");
        var path = ValidatePath(c.Path);
        ValidatePolicyDocument(c.AssumeRolePolicyDocument, trustPolicy: true);
        var session = c.MaxSessionDuration ?? DefaultMaxSessionDuration;
        if (session is < 3600 or > 43200)
        {
            throw Validation($"1 validation error detected: Value '{session}' at 'maxSessionDuration' failed to satisfy constraint: Member must have value less than or equal to 43200 and greater than or equal to 3600");
        }

        if (c.Description is { Length: > 1000 })
        {
            throw Validation("1 validation error detected: Value at 'description' failed to satisfy constraint: Member must have length less than or equal to 1000");
        }

        ValidateTags(c.Tags);
        if (s.Roles.ContainsKey(Key(c.Name)))
        {
            throw new EcsException(IamErrors.EntityAlreadyExists, $"Role with name {c.Name} already exists.");
        }

        var role = new IamRole(c.Name, path, "AROA" + IdSuffix(ctx.Random), RoleArn(ctx.Account, path, c.Name), ctx.Now, c.AssumeRolePolicyDocument,
            c.Description, session, c.PermissionsBoundary, c.Tags, ImmutableSortedDictionary.Create<string, string>(StringComparer.Ordinal), []);
        return s with { Roles = s.Roles.Add(Key(c.Name), role) };
    }

    private static IamState UpdateRole(IamState s, IamUpdateRole c)
    {
        var role = Role(s, c.Name);
        if (c.MaxSessionDuration is < 3600 or > 43200)
        {
            throw Validation($"1 validation error detected: Value '{c.MaxSessionDuration}' at 'maxSessionDuration' failed to satisfy constraint: Member must have value less than or equal to 43200 and greater than or equal to 3600");
        }

        if (c.AssumeRolePolicyDocument is not null)
        {
            ValidatePolicyDocument(c.AssumeRolePolicyDocument, trustPolicy: true);
        }

        var updated = role with
        {
            Description = c.Description ?? role.Description,
            MaxSessionDuration = c.MaxSessionDuration ?? role.MaxSessionDuration,
            AssumeRolePolicyDocument = c.AssumeRolePolicyDocument ?? role.AssumeRolePolicyDocument,
        };
        return s with { Roles = s.Roles.SetItem(Key(c.Name), updated) };
    }

    private static IamState DeleteRole(IamState s, IamDeleteRole c)
    {
        var role = Role(s, c.Name);
        if (s.InstanceProfiles.Values.Any(p => p.Roles.Contains(role.Name)))
        {
            throw new EcsException(IamErrors.DeleteConflict, "Cannot delete entity, must remove roles from instance profile first.");
        }

        if (!role.AttachedPolicies.IsEmpty)
        {
            throw new EcsException(IamErrors.DeleteConflict, "Cannot delete entity, must detach all policies first.");
        }

        if (!role.InlinePolicies.IsEmpty)
        {
            throw new EcsException(IamErrors.DeleteConflict, "Cannot delete entity, must delete policies first.");
        }

        return s with { Roles = s.Roles.Remove(Key(c.Name)) };
    }

    private static IamState SetRolePolicy(IamState s, IamSetRolePolicy c)
    {
        ValidateName(c.RoleName, "roleName");
        ValidateName(c.PolicyName, "policyName", 128);
        var role = Role(s, c.RoleName);
        if (c.Document is null)
        {
            return role.InlinePolicies.ContainsKey(c.PolicyName)
                ? s with { Roles = s.Roles.SetItem(Key(role.Name), role with { InlinePolicies = role.InlinePolicies.Remove(c.PolicyName) }) }
                : throw NoSuchEntity($"The role policy with name {c.PolicyName} cannot be found.");
        }

        ValidatePolicyDocument(c.Document, trustPolicy: false);
        return s with { Roles = s.Roles.SetItem(Key(role.Name), role with { InlinePolicies = role.InlinePolicies.SetItem(c.PolicyName, c.Document) }) };
    }

    private static IamState AttachRolePolicy(IamState s, IamAttachRolePolicy c)
    {
        ValidateName(c.RoleName, "roleName");
        ValidatePolicyArn(c.PolicyArn);
        var role = Role(s, c.RoleName);
        if (!c.Attach)
        {
            return role.AttachedPolicies.Contains(c.PolicyArn)
                ? s with { Roles = s.Roles.SetItem(Key(role.Name), role with { AttachedPolicies = role.AttachedPolicies.Remove(c.PolicyArn) }) }
                : throw NoSuchEntity($"Policy {c.PolicyArn} was not found.");
        }

        if (!c.PolicyArn.StartsWith(AwsManagedPrefix, StringComparison.Ordinal))
        {
            _ = Policy(s, c.PolicyArn);
        }

        if (role.AttachedPolicies.Contains(c.PolicyArn))
        {
            return s;
        }

        if (role.AttachedPolicies.Length >= 20)
        {
            throw new EcsException(IamErrors.LimitExceeded, "Cannot exceed quota for PoliciesPerRole: 20");
        }

        return s with { Roles = s.Roles.SetItem(Key(role.Name), role with { AttachedPolicies = role.AttachedPolicies.Add(c.PolicyArn) }) };
    }

    private static IamState Tag(IamState s, IamTag c)
    {
        ValidateTags(c.Tags);
        static ImmutableDictionary<string, string> Merge(ImmutableDictionary<string, string> current, IamTag c)
        {
            var merged = current.SetItems(c.Tags).RemoveRange(c.RemoveKeys.IsDefault ? [] : c.RemoveKeys);
            return merged.Count > 50 ? throw new EcsException(IamErrors.LimitExceeded, "Cannot exceed quota for TagsPerResource: 50") : merged;
        }

        switch (c.Target)
        {
            case "role":
                var role = Role(s, c.Name);
                return s with { Roles = s.Roles.SetItem(Key(role.Name), role with { Tags = Merge(role.Tags, c) }) };
            case "instance-profile":
                var profile = InstanceProfile(s, c.Name);
                return s with { InstanceProfiles = s.InstanceProfiles.SetItem(Key(profile.Name), profile with { Tags = Merge(profile.Tags, c) }) };
            default:
                var policy = Policy(s, c.Name);
                return s with { Policies = s.Policies.SetItem(policy.Arn, policy with { Tags = Merge(policy.Tags, c) }) };
        }
    }

    private static IamState CreateInstanceProfile(IamState s, IamCreateInstanceProfile c, IamContext ctx)
    {
        ValidateName(c.Name, "instanceProfileName", 128);
        var path = ValidatePath(c.Path);
        ValidateTags(c.Tags);
        if (s.InstanceProfiles.ContainsKey(Key(c.Name)))
        {
            throw new EcsException(IamErrors.EntityAlreadyExists, $"Instance Profile {c.Name} already exists.");
        }

        var profile = new IamInstanceProfile(c.Name, path, "AIPA" + IdSuffix(ctx.Random), InstanceProfileArn(ctx.Account, path, c.Name), ctx.Now, [], c.Tags);
        return s with { InstanceProfiles = s.InstanceProfiles.Add(Key(c.Name), profile) };
    }

    private static IamState DeleteInstanceProfile(IamState s, IamDeleteInstanceProfile c)
    {
        var profile = InstanceProfile(s, c.Name);
        return profile.Roles.IsEmpty
            ? s with { InstanceProfiles = s.InstanceProfiles.Remove(Key(c.Name)) }
            : throw new EcsException(IamErrors.DeleteConflict, "Cannot delete entity, must remove roles from instance profile first.");
    }

    private static IamState InstanceProfileRole(IamState s, IamInstanceProfileRole c)
    {
        ValidateName(c.InstanceProfileName, "instanceProfileName", 128);
        ValidateName(c.RoleName, "roleName");
        var profile = InstanceProfile(s, c.InstanceProfileName);
        var role = Role(s, c.RoleName);
        if (!c.Add)
        {
            return profile.Roles.Contains(role.Name)
                ? s with { InstanceProfiles = s.InstanceProfiles.SetItem(Key(profile.Name), profile with { Roles = profile.Roles.Remove(role.Name) }) }
                : throw NoSuchEntity($"The role with name {c.RoleName} cannot be found in instance profile {profile.Name}.");
        }

        if (profile.Roles.Contains(role.Name))
        {
            throw new EcsException(IamErrors.LimitExceeded, "Cannot exceed quota for InstanceSessionsPerInstanceProfile: 1");
        }

        return profile.Roles.IsEmpty
            ? s with { InstanceProfiles = s.InstanceProfiles.SetItem(Key(profile.Name), profile with { Roles = [role.Name] }) }
            : throw new EcsException(IamErrors.LimitExceeded, "Cannot exceed quota for InstanceSessionsPerInstanceProfile: 1");
    }

    private static IamState CreatePolicy(IamState s, IamCreatePolicy c, IamContext ctx)
    {
        ValidateName(c.Name, "policyName", 128);
        var path = ValidatePath(c.Path);
        ValidatePolicyDocument(c.Document, trustPolicy: false);
        ValidateTags(c.Tags);
        var arn = PolicyArn(ctx.Account, path, c.Name);
        if (s.Policies.Values.Any(p => Key(p.Name) == Key(c.Name)))
        {
            throw new EcsException(IamErrors.EntityAlreadyExists, $"A policy called {c.Name} already exists. Duplicate names are not allowed.");
        }

        var policy = new IamManagedPolicy(c.Name, path, "ANPA" + IdSuffix(ctx.Random), arn, ctx.Now, ctx.Now, c.Description,
            [new IamPolicyVersion("v1", c.Document, ctx.Now)], "v1", c.Tags, 2);
        return s with { Policies = s.Policies.Add(arn, policy) };
    }

    private static IamState DeletePolicy(IamState s, IamDeletePolicy c)
    {
        ValidatePolicyArn(c.PolicyArn);
        var policy = Policy(s, c.PolicyArn);
        if (!AttachedTo(s, c.PolicyArn).IsEmpty)
        {
            throw new EcsException(IamErrors.DeleteConflict, "Cannot delete a policy attached to entities.");
        }

        if (policy.Versions.Length > 1)
        {
            throw new EcsException(IamErrors.DeleteConflict, "This policy has more than one version. Before you delete a policy, you must delete the policy's versions. The default version is deleted with the policy.");
        }

        return s with { Policies = s.Policies.Remove(c.PolicyArn) };
    }

    private static IamState CreatePolicyVersion(IamState s, IamCreatePolicyVersion c, IamContext ctx)
    {
        ValidatePolicyArn(c.PolicyArn);
        var policy = Policy(s, c.PolicyArn);
        ValidatePolicyDocument(c.Document, trustPolicy: false);
        if (policy.Versions.Length >= MaxPolicyVersions)
        {
            throw new EcsException(IamErrors.LimitExceeded, $"A managed policy can have up to {MaxPolicyVersions} versions. Before you create a new version, you must delete an existing version.");
        }

        var id = "v" + policy.NextVersion.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var updated = policy with
        {
            Versions = policy.Versions.Add(new IamPolicyVersion(id, c.Document, ctx.Now)),
            DefaultVersionId = c.SetAsDefault ? id : policy.DefaultVersionId,
            NextVersion = policy.NextVersion + 1,
            UpdatedAt = ctx.Now,
        };
        return s with { Policies = s.Policies.SetItem(policy.Arn, updated) };
    }

    private static IamState DeletePolicyVersion(IamState s, IamDeletePolicyVersion c)
    {
        ValidatePolicyArn(c.PolicyArn);
        var policy = Policy(s, c.PolicyArn);
        var version = policy.Versions.FirstOrDefault(v => v.VersionId == c.VersionId)
            ?? throw NoSuchEntity($"Policy {c.PolicyArn} version {c.VersionId} does not exist or is not attachable.");
        if (version.VersionId == policy.DefaultVersionId)
        {
            throw new EcsException(IamErrors.DeleteConflict, "Cannot delete the default version of a policy.");
        }

        return s with { Policies = s.Policies.SetItem(policy.Arn, policy with { Versions = policy.Versions.Remove(version) }) };
    }

    private static void ValidatePolicyArn(string arn)
    {
        if (string.IsNullOrEmpty(arn) || !arn.StartsWith("arn:", StringComparison.Ordinal) || arn.Split(':').Length < 6 || !arn.Contains(":policy/", StringComparison.Ordinal))
        {
            throw new EcsException(IamErrors.InvalidInput, $"ARN {arn} is not valid.");
        }
    }

    private static void ValidateTags(ImmutableDictionary<string, string> tags)
    {
        if (tags.Count > 50)
        {
            throw new EcsException(IamErrors.LimitExceeded, "Cannot exceed quota for TagsPerResource: 50");
        }

        foreach (var (k, v) in tags)
        {
            if (k.Length is < 1 or > 128 || v.Length > 256)
            {
                throw Validation("1 validation error detected: tag keys must have length between 1 and 128 and values at most 256.");
            }

            if (k.StartsWith("aws:", StringComparison.OrdinalIgnoreCase))
            {
                throw new EcsException(IamErrors.InvalidInput, "User-defined tag keys can't start with 'aws:'. This prefix is reserved for AWS system usage.");
            }
        }
    }

    private static string PathOf(string arn, string prefix)
    {
        var rest = arn[prefix.Length..];
        var slash = rest.LastIndexOf('/');
        return slash < 0 ? "/" : "/" + rest[..(slash + 1)];
    }

    /// <summary>The 17 characters after an IAM id prefix: upper-case letters and digits.</summary>
    private static string IdSuffix(Random random)
    {
        const string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
        return string.Create(17, random, static (span, r) =>
        {
            for (var i = 0; i < span.Length; i++)
            {
                span[i] = alphabet[r.Next(alphabet.Length)];
            }
        });
    }

    private static int StableHash(string s) => Time.SeededRandomSource.StableHash(s);

    private static EcsException NoSuchEntity(string message) => new(IamErrors.NoSuchEntity, message);

    private static EcsException Validation(string message) => new(ErrorCodes.ValidationError, message);
}
