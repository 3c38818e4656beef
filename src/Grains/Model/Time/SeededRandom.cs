namespace Emulator.Model.Time;

/// <summary>
/// The seeded random source (B-ID-4). Each scope (a grain key, a cluster name) gets its own stream derived from
/// the seed and the scope name, so the same seed and the same inputs give the same ids and choices no matter
/// how grains interleave.
/// </summary>
public interface IRandomSource
{
    int Seed { get; }

    Random For(string scope);
}

public sealed class SeededRandomSource(int seed) : IRandomSource
{
    public int Seed { get; } = seed;

    public Random For(string scope) => new(unchecked(Seed * 486187739 + StableHash(scope)));

    /// <summary>FNV-1a: stable across processes, unlike string.GetHashCode.</summary>
    public static int StableHash(string s)
    {
        unchecked
        {
            uint h = 2166136261;
            foreach (var c in s)
            {
                h = (h ^ c) * 16777619;
            }

            return (int)h;
        }
    }
}

/// <summary>Id generation from a seeded stream (B-ID-2, B-ID-4).</summary>
public static class RandomIds
{
    private const string Hex = "0123456789abcdef";

    public static string HexString(Random random, int length)
    {
        return string.Create(length, random, static (span, r) =>
        {
            for (var i = 0; i < span.Length; i++)
            {
                span[i] = Hex[r.Next(16)];
            }
        });
    }

    /// <summary>Task and container instance ids: 32 lowercase hex characters.</summary>
    public static string TaskId(Random random) => HexString(random, 32);

    /// <summary>EC2 instance ids: "i-" + 17 hex characters.</summary>
    public static string Ec2InstanceId(Random random) => "i-" + HexString(random, 17);

    /// <summary>A UUID-shaped id (ASG ARNs, activity ids).</summary>
    public static string Uuid(Random random)
    {
        var h = HexString(random, 32);
        return $"{h[..8]}-{h[8..12]}-{h[12..16]}-{h[16..20]}-{h[20..]}";
    }

    /// <summary>Service revision ids (B-DP-5): 19 digits.</summary>
    public static string RevisionId(Random random) => DeploymentId(random)["ecs-svc/".Length..];

    /// <summary>Service deployment ids (B-DP-5): 22 characters of [A-Za-z0-9_-], like AWS's.</summary>
    public static string ServiceDeploymentId(Random random)
    {
        const string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        return string.Create(22, random, static (span, r) =>
        {
            for (var i = 0; i < span.Length; i++)
            {
                span[i] = alphabet[r.Next(alphabet.Length)];
            }
        });
    }

    /// <summary>Deployment ids "ecs-svc/" + 19 digits.</summary>
    public static string DeploymentId(Random random)
    {
        var digits = string.Create(19, random, static (span, r) =>
        {
            span[0] = (char)('1' + r.Next(9));
            for (var i = 1; i < span.Length; i++)
            {
                span[i] = (char)('0' + r.Next(10));
            }
        });
        return "ecs-svc/" + digits;
    }
}
