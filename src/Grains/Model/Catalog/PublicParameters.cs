using System.Collections.Frozen;
using System.Globalization;
using System.Text.Json.Nodes;

namespace Emulator.Model.Catalog;

/// <summary>One public SSM parameter as GetParameter shows it.</summary>
public sealed record PublicParameter(string Name, string Value, string DataType, long Version, DateTimeOffset LastModified);

/// <summary>
/// The public SSM parameters real ECS configurations read: the ECS-optimized AMIs (Amazon Linux 2 and 2023, x86_64,
/// arm64, GPU, Inferentia, kernel 5.10) as the <c>recommended</c> JSON document and its fields, and the plain Amazon
/// Linux AMIs. AMI ids are stable per region and parameter (a hash, so every region and every variant has its own id).
/// Model choice: one release (<see cref="ReleaseVersion"/>) for every image; anything else under /aws/service does not
/// exist here (ParameterNotFound), as a name that AWS does not publish.
/// </summary>
public static class PublicParameters
{
    public const string ReleaseVersion = "20250102";

    /// <summary>When the catalogue's release was published (LastModifiedDate of every parameter).</summary>
    public static readonly DateTimeOffset Published = new(2025, 1, 2, 0, 0, 0, TimeSpan.Zero);

    private const string EcsPrefix = "/aws/service/ecs/optimized-ami/";

    /// <summary>ECS-optimized variants: path under <see cref="EcsPrefix"/> -> (OS, image name pattern, agent/runtime).</summary>
    private static readonly FrozenDictionary<string, (string Os, string ImageName)> EcsImages = new Dictionary<string, (string, string)>(StringComparer.Ordinal)
    {
        ["amazon-linux-2"] = ("Amazon Linux 2", "amzn2-ami-ecs-hvm-2.0.{0}-x86_64-ebs"),
        ["amazon-linux-2/arm64"] = ("Amazon Linux 2", "amzn2-ami-ecs-hvm-2.0.{0}-arm64-ebs"),
        ["amazon-linux-2/gpu"] = ("Amazon Linux 2", "amzn2-ami-ecs-gpu-hvm-2.0.{0}-x86_64-ebs"),
        ["amazon-linux-2/inf"] = ("Amazon Linux 2", "amzn2-ami-ecs-inf-hvm-2.0.{0}-x86_64-ebs"),
        ["amazon-linux-2/kernel-5.10"] = ("Amazon Linux 2", "amzn2-ami-ecs-kernel-5.10-hvm-2.0.{0}-x86_64-ebs"),
        ["amazon-linux-2/kernel-5.10/arm64"] = ("Amazon Linux 2", "amzn2-ami-ecs-kernel-5.10-hvm-2.0.{0}-arm64-ebs"),
        ["amazon-linux-2023"] = ("Amazon Linux 2023", "al2023-ami-ecs-hvm-2023.0.{0}-kernel-6.1-x86_64"),
        ["amazon-linux-2023/arm64"] = ("Amazon Linux 2023", "al2023-ami-ecs-hvm-2023.0.{0}-kernel-6.1-arm64"),
        ["amazon-linux-2023/gpu"] = ("Amazon Linux 2023", "al2023-ami-ecs-gpu-hvm-2023.0.{0}-kernel-6.1-x86_64"),
        ["amazon-linux-2023/neuron"] = ("Amazon Linux 2023", "al2023-ami-ecs-neuron-hvm-2023.0.{0}-kernel-6.1-x86_64"),
    }.ToFrozenDictionary(StringComparer.Ordinal);

    /// <summary>The plain Amazon Linux AMIs (/aws/service/ami-amazon-linux-latest/NAME), value = an AMI id.</summary>
    private static readonly FrozenSet<string> LatestAmazonLinux = new[]
    {
        "al2023-ami-kernel-default-x86_64", "al2023-ami-kernel-default-arm64", "al2023-ami-kernel-6.1-x86_64", "al2023-ami-kernel-6.1-arm64",
        "amzn2-ami-hvm-x86_64-gp2", "amzn2-ami-hvm-arm64-gp2", "amzn2-ami-kernel-5.10-hvm-x86_64-gp2",
    }.ToFrozenSet(StringComparer.Ordinal);

    /// <summary>The fields of a <c>recommended</c> document, each also a parameter of its own (…/recommended/FIELD).</summary>
    public static readonly IReadOnlyList<string> RecommendedFields =
        ["ecs_agent_version", "ecs_runtime_version", "image_id", "image_name", "image_version", "os", "schema_version", "source_image_name"];

    /// <summary>The parameter of that name in that region, or null when it is not a public parameter the catalogue has.</summary>
    public static PublicParameter? Find(string name, string region)
    {
        if (name.StartsWith("/aws/service/ami-amazon-linux-latest/", StringComparison.Ordinal))
        {
            var leaf = name["/aws/service/ami-amazon-linux-latest/".Length..];
            return LatestAmazonLinux.Contains(leaf) ? new PublicParameter(name, AmiId(region, name), "aws:ec2:image", 1, Published) : null;
        }

        if (!name.StartsWith(EcsPrefix, StringComparison.Ordinal))
        {
            return null;
        }

        var rest = name[EcsPrefix.Length..];
        var at = rest.IndexOf("/recommended", StringComparison.Ordinal);
        if (at < 0 || !EcsImages.TryGetValue(rest[..at], out var image))
        {
            return null;
        }

        var variant = rest[..at];
        var tail = rest[(at + "/recommended".Length)..];
        var document = Recommended(variant, image, region);
        if (tail.Length == 0)
        {
            return new PublicParameter(name, document.ToJsonString(), "text", 1, Published);
        }

        var field = tail.TrimStart('/');
        if (!RecommendedFields.Contains(field))
        {
            return null;
        }

        var value = document[field] is JsonValue v && v.TryGetValue<int>(out var i) ? i.ToString(CultureInfo.InvariantCulture) : document[field]!.GetValue<string>();
        return new PublicParameter(name, value, field == "image_id" ? "aws:ec2:image" : "text", 1, Published);
    }

    private static JsonObject Recommended(string variant, (string Os, string ImageName) image, string region)
    {
        var imageName = string.Format(CultureInfo.InvariantCulture, image.ImageName, ReleaseVersion);
        var al2023 = variant.StartsWith("amazon-linux-2023", StringComparison.Ordinal);
        return new JsonObject
        {
            ["ecs_agent_version"] = "1.89.2",
            ["ecs_runtime_version"] = al2023 ? "Docker version 25.0.6" : "Docker version 20.10.25",
            ["image_id"] = AmiId(region, EcsPrefix + variant),
            ["image_name"] = imageName,
            ["image_version"] = (al2023 ? "2023.0." : "2.0.") + ReleaseVersion,
            ["os"] = image.Os,
            ["schema_version"] = 1,
            ["source_image_name"] = al2023 ? $"al2023-ami-minimal-2023.6.{ReleaseVersion}.0-kernel-6.1-x86_64" : $"amzn2-ami-minimal-hvm-2.0.{ReleaseVersion}.0-x86_64-ebs",
        };
    }

    /// <summary>"ami-" + 17 hex characters, a stable hash of the region and the image's parameter path.</summary>
    public static string AmiId(string region, string path)
    {
        var hash = System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(region + "|" + path));
        return "ami-0" + Convert.ToHexStringLower(hash)[..16];
    }
}
