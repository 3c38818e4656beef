using System.Collections.Immutable;

namespace Emulator.Contracts;

/// <summary>An IAM role: stored with its trust policy, inline and attached policies and tags; never enforced.</summary>
[GenerateSerializer, Immutable, Alias("IamRole")]
public sealed record IamRole(
    [property: Id(0)] string Name,
    [property: Id(1)] string Path,
    [property: Id(2)] string RoleId,
    [property: Id(3)] string Arn,
    [property: Id(4)] DateTimeOffset CreatedAt,
    [property: Id(5)] string AssumeRolePolicyDocument,
    [property: Id(6)] string? Description,
    [property: Id(7)] int MaxSessionDuration,
    [property: Id(8)] string? PermissionsBoundary,
    [property: Id(9)] ImmutableDictionary<string, string> Tags,
    [property: Id(10)] ImmutableSortedDictionary<string, string> InlinePolicies,
    [property: Id(11)] ImmutableArray<string> AttachedPolicies);

/// <summary>An IAM instance profile (at most one role, as AWS allows).</summary>
[GenerateSerializer, Immutable, Alias("IamInstanceProfile")]
public sealed record IamInstanceProfile(
    [property: Id(0)] string Name,
    [property: Id(1)] string Path,
    [property: Id(2)] string InstanceProfileId,
    [property: Id(3)] string Arn,
    [property: Id(4)] DateTimeOffset CreatedAt,
    [property: Id(5)] ImmutableArray<string> Roles,
    [property: Id(6)] ImmutableDictionary<string, string> Tags);

[GenerateSerializer, Immutable, Alias("IamPolicyVersion")]
public sealed record IamPolicyVersion(
    [property: Id(0)] string VersionId,
    [property: Id(1)] string Document,
    [property: Id(2)] DateTimeOffset CreatedAt);

/// <summary>A customer managed IAM policy with its versions (at most 5, one of them the default).</summary>
[GenerateSerializer, Immutable, Alias("IamManagedPolicy")]
public sealed record IamManagedPolicy(
    [property: Id(0)] string Name,
    [property: Id(1)] string Path,
    [property: Id(2)] string PolicyId,
    [property: Id(3)] string Arn,
    [property: Id(4)] DateTimeOffset CreatedAt,
    [property: Id(5)] DateTimeOffset UpdatedAt,
    [property: Id(6)] string? Description,
    [property: Id(7)] ImmutableArray<IamPolicyVersion> Versions,
    [property: Id(8)] string DefaultVersionId,
    [property: Id(9)] ImmutableDictionary<string, string> Tags,
    [property: Id(10)] int NextVersion);

/// <summary>
/// The account's IAM entities. Keys are lower-cased names (IAM names are unique without regard to case) or, for
/// managed policies, ARNs.
/// </summary>
[GenerateSerializer, Immutable, Alias("IamState")]
public sealed record IamState(
    [property: Id(0)] ImmutableSortedDictionary<string, IamRole> Roles,
    [property: Id(1)] ImmutableSortedDictionary<string, IamInstanceProfile> InstanceProfiles,
    [property: Id(2)] ImmutableSortedDictionary<string, IamManagedPolicy> Policies)
{
    public static IamState Empty { get; } = new(
        ImmutableSortedDictionary.Create<string, IamRole>(StringComparer.Ordinal),
        ImmutableSortedDictionary.Create<string, IamInstanceProfile>(StringComparer.Ordinal),
        ImmutableSortedDictionary.Create<string, IamManagedPolicy>(StringComparer.Ordinal));
}

/// <summary>One change to the account's IAM entities (the IAM write operations).</summary>
[GenerateSerializer, Immutable, Alias("IamCommand")]
public abstract record IamCommand;

[GenerateSerializer, Immutable, Alias("IamCreateRole")]
public sealed record IamCreateRole(
    [property: Id(0)] string Name,
    [property: Id(1)] string? Path,
    [property: Id(2)] string AssumeRolePolicyDocument,
    [property: Id(3)] string? Description,
    [property: Id(4)] int? MaxSessionDuration,
    [property: Id(5)] string? PermissionsBoundary,
    [property: Id(6)] ImmutableDictionary<string, string> Tags) : IamCommand;

[GenerateSerializer, Immutable, Alias("IamUpdateRole")]
public sealed record IamUpdateRole(
    [property: Id(0)] string Name,
    [property: Id(1)] string? Description,
    [property: Id(2)] int? MaxSessionDuration,
    [property: Id(3)] string? AssumeRolePolicyDocument) : IamCommand;

[GenerateSerializer, Immutable, Alias("IamDeleteRole")]
public sealed record IamDeleteRole([property: Id(0)] string Name) : IamCommand;

/// <summary>PutRolePolicy (Document set) or DeleteRolePolicy (Document null).</summary>
[GenerateSerializer, Immutable, Alias("IamSetRolePolicy")]
public sealed record IamSetRolePolicy(
    [property: Id(0)] string RoleName,
    [property: Id(1)] string PolicyName,
    [property: Id(2)] string? Document) : IamCommand;

/// <summary>AttachRolePolicy (Attach true) or DetachRolePolicy.</summary>
[GenerateSerializer, Immutable, Alias("IamAttachRolePolicy")]
public sealed record IamAttachRolePolicy(
    [property: Id(0)] string RoleName,
    [property: Id(1)] string PolicyArn,
    [property: Id(2)] bool Attach) : IamCommand;

/// <summary>TagRole / UntagRole (and the same for instance profiles and policies): Target is "role", "instance-profile" or "policy".</summary>
[GenerateSerializer, Immutable, Alias("IamTag")]
public sealed record IamTag(
    [property: Id(0)] string Target,
    [property: Id(1)] string Name,
    [property: Id(2)] ImmutableDictionary<string, string> Tags,
    [property: Id(3)] ImmutableArray<string> RemoveKeys) : IamCommand;

[GenerateSerializer, Immutable, Alias("IamCreateInstanceProfile")]
public sealed record IamCreateInstanceProfile(
    [property: Id(0)] string Name,
    [property: Id(1)] string? Path,
    [property: Id(2)] ImmutableDictionary<string, string> Tags) : IamCommand;

[GenerateSerializer, Immutable, Alias("IamDeleteInstanceProfile")]
public sealed record IamDeleteInstanceProfile([property: Id(0)] string Name) : IamCommand;

/// <summary>AddRoleToInstanceProfile (Add true) or RemoveRoleFromInstanceProfile.</summary>
[GenerateSerializer, Immutable, Alias("IamInstanceProfileRole")]
public sealed record IamInstanceProfileRole(
    [property: Id(0)] string InstanceProfileName,
    [property: Id(1)] string RoleName,
    [property: Id(2)] bool Add) : IamCommand;

[GenerateSerializer, Immutable, Alias("IamCreatePolicy")]
public sealed record IamCreatePolicy(
    [property: Id(0)] string Name,
    [property: Id(1)] string? Path,
    [property: Id(2)] string Document,
    [property: Id(3)] string? Description,
    [property: Id(4)] ImmutableDictionary<string, string> Tags) : IamCommand;

[GenerateSerializer, Immutable, Alias("IamDeletePolicy")]
public sealed record IamDeletePolicy([property: Id(0)] string PolicyArn) : IamCommand;

[GenerateSerializer, Immutable, Alias("IamCreatePolicyVersion")]
public sealed record IamCreatePolicyVersion(
    [property: Id(0)] string PolicyArn,
    [property: Id(1)] string Document,
    [property: Id(2)] bool SetAsDefault) : IamCommand;

[GenerateSerializer, Immutable, Alias("IamDeletePolicyVersion")]
public sealed record IamDeletePolicyVersion(
    [property: Id(0)] string PolicyArn,
    [property: Id(1)] string VersionId) : IamCommand;

/// <summary>
/// The account's IAM roles, role policies, attached managed policies, customer managed policies and instance profiles:
/// stored with AWS's names, ids, ARNs and errors so configurations that create them apply; nothing is enforced (every
/// caller may do everything). Singleton, keyed <see cref="Key"/>.
/// </summary>
[Alias("IIamGrain")]
public interface IIamGrain : IGrainWithStringKey
{
    public const string Key = "iam";

    [Alias("Read")] Task<IamState> Read();

    /// <summary>Applies one change (validated by the pure model; AWS error codes) and returns the new state.</summary>
    [Alias("Apply")] Task<IamState> Apply(IamCommand command);
}
