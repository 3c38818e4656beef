using System.Collections.Immutable;

namespace Emulator.Model.CloudFormation;

/// <summary>
/// B-CFN-2: the capabilities a template needs acknowledged — CAPABILITY_IAM for IAM resources, CAPABILITY_NAMED_IAM
/// when they carry custom names, CAPABILITY_AUTO_EXPAND for transforms — and CloudFormation's refusal without them.
/// </summary>
public static class StackCapabilities
{
    public const string Iam = "CAPABILITY_IAM";
    public const string NamedIam = "CAPABILITY_NAMED_IAM";
    public const string AutoExpand = "CAPABILITY_AUTO_EXPAND";

    private static readonly ImmutableDictionary<string, string?> IamTypes = new Dictionary<string, string?>(StringComparer.Ordinal)
    {
        ["AWS::IAM::Role"] = "RoleName",
        ["AWS::IAM::ManagedPolicy"] = "ManagedPolicyName",
        ["AWS::IAM::InstanceProfile"] = "InstanceProfileName",
        ["AWS::IAM::User"] = "UserName",
        ["AWS::IAM::Group"] = "GroupName",
        ["AWS::IAM::Policy"] = null,
        ["AWS::IAM::AccessKey"] = null,
        ["AWS::IAM::UserToGroupAddition"] = null,
    }.ToImmutableDictionary(StringComparer.Ordinal);

    /// <summary>The capabilities <paramref name="template"/> needs and the resource types that need them.</summary>
    public static (ImmutableArray<string> Required, ImmutableArray<string> Types) Of(Template template)
    {
        var iam = template.Resources.Values.Where(r => IamTypes.ContainsKey(r.Type)).ToList();
        var required = ImmutableArray.CreateBuilder<string>();
        if (iam.Count > 0)
        {
            var named = iam.Any(r => IamTypes[r.Type] is { } nameProperty && r.Properties?[nameProperty] is not null);
            required.Add(named ? NamedIam : Iam);
        }

        if (!template.Transforms.IsEmpty)
        {
            required.Add(AutoExpand);
        }

        return (required.ToImmutable(), [.. iam.Select(r => r.Type).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)]);
    }

    /// <summary>Throws CloudFormation's InsufficientCapabilitiesException when <paramref name="given"/> lacks one.</summary>
    public static void Check(Template template, IEnumerable<string> given)
    {
        var have = given.ToHashSet(StringComparer.Ordinal);
        var missing = Of(template).Required.Where(c => !have.Contains(c) && !(c == Iam && have.Contains(NamedIam))).ToList();
        if (missing.Count > 0)
        {
            throw new TemplateException($"Requires capabilities : [{string.Join(", ", missing)}]", "InsufficientCapabilitiesException");
        }
    }
}
