using System.Collections.Immutable;

namespace Emulator.Contracts;

/// <summary>What an EC2 launch template version or launch configuration says about the instance (B-ASG-2, B-SP-2).</summary>
[GenerateSerializer, Immutable, Alias("LaunchData")]
public sealed record LaunchData(
    [property: Id(0)] string? ImageId,
    [property: Id(1)] string? InstanceType,
    [property: Id(2)] string? UserData,
    [property: Id(3)] bool Spot,
    [property: Id(4)] string? SpotMaxPrice,
    [property: Id(5)] ImmutableSortedDictionary<string, string>? Fields = null);

/// <summary>
/// One version of a launch template. <see cref="LaunchData.Fields"/> keeps the version's LaunchTemplateData exactly as
/// it was written (the query protocol's flattened members), so DescribeLaunchTemplateVersions returns what was written.
/// </summary>
[GenerateSerializer, Immutable, Alias("LaunchTemplateVersionRecord")]
public sealed record LaunchTemplateVersionRecord(
    [property: Id(0)] long Number,
    [property: Id(1)] string? Description,
    [property: Id(2)] DateTimeOffset CreatedAt,
    [property: Id(3)] LaunchData Data);

/// <summary>
/// An EC2 launch template with its versions; <see cref="Data"/> is the default version's data. Records stored before
/// versions existed have no <see cref="Versions"/>: their one version is <see cref="Data"/> (see <see cref="AllVersions"/>).
/// </summary>
[GenerateSerializer, Immutable, Alias("LaunchTemplateRecord")]
public sealed record LaunchTemplateRecord(
    [property: Id(0)] string Id,
    [property: Id(1)] string Name,
    [property: Id(2)] long DefaultVersion,
    [property: Id(3)] long LatestVersion,
    [property: Id(4)] DateTimeOffset CreatedAt,
    [property: Id(5)] LaunchData Data,
    [property: Id(6)] ImmutableDictionary<string, string> Tags,
    [property: Id(7)] ImmutableArray<LaunchTemplateVersionRecord> Versions = default)
{
    public ImmutableArray<LaunchTemplateVersionRecord> AllVersions =>
        Versions.IsDefaultOrEmpty ? [new LaunchTemplateVersionRecord(1, null, CreatedAt, Data)] : Versions;

    /// <summary>"$Default", "$Latest" or a version number; null when there is no such version.</summary>
    public LaunchTemplateVersionRecord? Version(string? selector) => selector switch
    {
        null or "$Default" => AllVersions.FirstOrDefault(v => v.Number == DefaultVersion),
        "$Latest" => AllVersions.FirstOrDefault(v => v.Number == LatestVersion),
        _ => long.TryParse(selector, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n)
            ? AllVersions.FirstOrDefault(v => v.Number == n) : null,
    };
}

/// <summary>An EC2 Auto Scaling launch configuration.</summary>
[GenerateSerializer, Immutable, Alias("LaunchConfigurationRecord")]
public sealed record LaunchConfigurationRecord(
    [property: Id(0)] string Name,
    [property: Id(1)] string Arn,
    [property: Id(2)] DateTimeOffset CreatedAt,
    [property: Id(3)] LaunchData Data);

/// <summary>
/// The account's EC2 launch templates and Auto Scaling launch configurations: where an Auto Scaling group finds its
/// instance type and the user data that tells the ECS agent which cluster to join (B-ASG-2, B-SP-2). Singleton,
/// keyed <see cref="Key"/>.
/// </summary>
[Alias("ILaunchTemplateRegistryGrain")]
public interface ILaunchTemplateRegistryGrain : IGrainWithStringKey
{
    public const string Key = GrainKeys.LaunchTemplates;

    [Alias("CreateTemplate")]
    Task<LaunchTemplateRecord> CreateTemplate(string name, LaunchData data, ImmutableDictionary<string, string> tags);

    /// <summary>CreateLaunchTemplate with the first version's description.</summary>
    [Alias("CreateTemplateDescribed")]
    Task<LaunchTemplateRecord> CreateTemplate(string name, LaunchData data, ImmutableDictionary<string, string> tags, string? versionDescription);

    /// <summary>CreateLaunchTemplateVersion: a new latest version (by id or name); the default version is unchanged.</summary>
    [Alias("CreateTemplateVersion")]
    Task<LaunchTemplateRecord> CreateTemplateVersion(string? id, string? name, LaunchData data, string? description);

    /// <summary>ModifyLaunchTemplate's SetDefaultVersion ("$Latest" or a number).</summary>
    [Alias("SetDefaultVersion")]
    Task<LaunchTemplateRecord> SetDefaultVersion(string? id, string? name, string version);

    /// <summary>CreateTags / DeleteTags on a launch template (remove: key -> value, null = any value).</summary>
    [Alias("TagTemplate")]
    Task<LaunchTemplateRecord> TagTemplate(string id, ImmutableDictionary<string, string> tags, ImmutableDictionary<string, string?> remove);

    /// <summary>By id (lt-…) or by name; null when neither matches.</summary>
    [Alias("GetTemplate")] Task<LaunchTemplateRecord?> GetTemplate(string? id, string? name);

    [Alias("ListTemplates")] Task<ImmutableArray<LaunchTemplateRecord>> ListTemplates();

    [Alias("DeleteTemplate")] Task<LaunchTemplateRecord> DeleteTemplate(string? id, string? name);

    [Alias("CreateConfiguration")] Task<LaunchConfigurationRecord> CreateConfiguration(string name, LaunchData data);

    [Alias("GetConfiguration")] Task<LaunchConfigurationRecord?> GetConfiguration(string name);

    [Alias("ListConfigurations")] Task<ImmutableArray<LaunchConfigurationRecord>> ListConfigurations();

    [Alias("DeleteConfiguration")] Task<LaunchConfigurationRecord> DeleteConfiguration(string name);
}
