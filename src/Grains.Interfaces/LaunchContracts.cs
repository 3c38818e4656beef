using System.Collections.Immutable;

namespace Emulator.Contracts;

/// <summary>What an EC2 launch template version or launch configuration says about the instance (B-ASG-2, B-SP-2).</summary>
[GenerateSerializer, Immutable, Alias("LaunchData")]
public sealed record LaunchData(
    [property: Id(0)] string? ImageId,
    [property: Id(1)] string? InstanceType,
    [property: Id(2)] string? UserData,
    [property: Id(3)] bool Spot,
    [property: Id(4)] string? SpotMaxPrice);

/// <summary>An EC2 launch template (one version: the emulator has no CreateLaunchTemplateVersion).</summary>
[GenerateSerializer, Immutable, Alias("LaunchTemplateRecord")]
public sealed record LaunchTemplateRecord(
    [property: Id(0)] string Id,
    [property: Id(1)] string Name,
    [property: Id(2)] long DefaultVersion,
    [property: Id(3)] long LatestVersion,
    [property: Id(4)] DateTimeOffset CreatedAt,
    [property: Id(5)] LaunchData Data,
    [property: Id(6)] ImmutableDictionary<string, string> Tags);

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

    /// <summary>By id (lt-…) or by name; null when neither matches.</summary>
    [Alias("GetTemplate")] Task<LaunchTemplateRecord?> GetTemplate(string? id, string? name);

    [Alias("ListTemplates")] Task<ImmutableArray<LaunchTemplateRecord>> ListTemplates();

    [Alias("DeleteTemplate")] Task<LaunchTemplateRecord> DeleteTemplate(string? id, string? name);

    [Alias("CreateConfiguration")] Task<LaunchConfigurationRecord> CreateConfiguration(string name, LaunchData data);

    [Alias("GetConfiguration")] Task<LaunchConfigurationRecord?> GetConfiguration(string name);

    [Alias("ListConfigurations")] Task<ImmutableArray<LaunchConfigurationRecord>> ListConfigurations();

    [Alias("DeleteConfiguration")] Task<LaunchConfigurationRecord> DeleteConfiguration(string name);
}
