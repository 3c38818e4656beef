using System.Globalization;

namespace Emulator.Model.Network;

/// <summary>An IPv4 CIDR block: the network address (host bits zero) and the prefix length.</summary>
public readonly record struct Cidr(uint Network, int Prefix)
{
    public uint Mask => Prefix == 0 ? 0 : uint.MaxValue << (32 - Prefix);

    public ulong Size => 1UL << (32 - Prefix);

    public bool Contains(Cidr other) => other.Prefix >= Prefix && (other.Network & Mask) == Network;

    public bool Overlaps(Cidr other) => Contains(other) || other.Contains(this);

    /// <summary>Parses "a.b.c.d/n"; host bits must be zero unless <paramref name="allowHostBits"/> (then they are cleared).</summary>
    public static Cidr? Parse(string? text, bool allowHostBits = false)
    {
        if (string.IsNullOrEmpty(text))
        {
            return null;
        }

        var slash = text.IndexOf('/');
        if (slash < 0 || !int.TryParse(text.AsSpan(slash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var prefix) || prefix > 32)
        {
            return null;
        }

        var parts = text[..slash].Split('.');
        if (parts.Length != 4)
        {
            return null;
        }

        uint address = 0;
        foreach (var p in parts)
        {
            if (p.Length is 0 or > 3 || !byte.TryParse(p, NumberStyles.None, CultureInfo.InvariantCulture, out var b))
            {
                return null;
            }

            address = (address << 8) | b;
        }

        var cidr = new Cidr(0, prefix);
        var network = address & cidr.Mask;
        return network == address || allowHostBits ? cidr with { Network = network } : null;
    }

    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"{Network >> 24}.{(Network >> 16) & 255}.{(Network >> 8) & 255}.{Network & 255}/{Prefix}");
}

/// <summary>IPv6 CIDR syntax check (rules may name IPv6 ranges; the emulator does no IPv6 addressing).</summary>
public static class Ipv6Cidr
{
    public static bool IsValid(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return false;
        }

        var slash = text.IndexOf('/');
        return slash > 0
            && int.TryParse(text.AsSpan(slash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var prefix) && prefix <= 128
            && System.Net.IPAddress.TryParse(text[..slash], out var ip) && ip.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6;
    }
}
