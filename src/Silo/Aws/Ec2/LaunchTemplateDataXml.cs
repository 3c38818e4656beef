using System.Collections.Immutable;
using System.Globalization;
using System.Xml.Linq;
using Emulator.Contracts;

namespace Emulator.Silo.Aws.Ec2;

/// <summary>
/// A launch template version's data, kept as the flattened query members it was written with
/// (<c>SecurityGroupId.1</c>, <c>BlockDeviceMapping.1.Ebs.VolumeSize</c>, …), rendered back as EC2's
/// ResponseLaunchTemplateData: members in lower camel case, lists as <c>…Set</c> of <c>item</c>. The request and
/// response shapes name lists differently; <see cref="ListNames"/> is that mapping, checked against the EC2 service
/// model by a test, so every member a client can write comes back as AWS returns it.
/// </summary>
public static class LaunchTemplateDataXml
{
    /// <summary>(enclosing request list or "", request list member) -> response list element.</summary>
    public static readonly ImmutableDictionary<(string Parent, string Name), string> ListNames = new Dictionary<(string, string), string>
    {
        [("", "BlockDeviceMapping")] = "blockDeviceMappingSet",
        [("", "NetworkInterface")] = "networkInterfaceSet",
        [("NetworkInterface", "SecurityGroupId")] = "groupSet",
        [("NetworkInterface", "Ipv6Addresses")] = "ipv6AddressesSet",
        [("NetworkInterface", "PrivateIpAddresses")] = "privateIpAddressesSet",
        [("NetworkInterface", "Ipv4Prefix")] = "ipv4PrefixSet",
        [("NetworkInterface", "Ipv6Prefix")] = "ipv6PrefixSet",
        [("", "TagSpecification")] = "tagSpecificationSet",
        [("TagSpecification", "Tag")] = "tagSet",
        [("", "ElasticGpuSpecification")] = "elasticGpuSpecificationSet",
        [("", "ElasticInferenceAccelerator")] = "elasticInferenceAcceleratorSet",
        [("", "SecurityGroupId")] = "securityGroupIdSet",
        [("", "SecurityGroup")] = "securityGroupSet",
        [("", "LicenseSpecification")] = "licenseSet",
        [("InstanceRequirements", "CpuManufacturer")] = "cpuManufacturerSet",
        [("InstanceRequirements", "ExcludedInstanceType")] = "excludedInstanceTypeSet",
        [("InstanceRequirements", "InstanceGeneration")] = "instanceGenerationSet",
        [("InstanceRequirements", "LocalStorageType")] = "localStorageTypeSet",
        [("InstanceRequirements", "AcceleratorType")] = "acceleratorTypeSet",
        [("InstanceRequirements", "AcceleratorManufacturer")] = "acceleratorManufacturerSet",
        [("InstanceRequirements", "AcceleratorName")] = "acceleratorNameSet",
        [("InstanceRequirements", "AllowedInstanceType")] = "allowedInstanceTypeSet",
    }.ToImmutableDictionary();

    /// <summary>Lists whose entries are not <c>item</c> elements: (enclosing request list, request list member) -> entry element.</summary>
    public static readonly ImmutableDictionary<(string Parent, string Name), string> ItemNames = new Dictionary<(string, string), string>
    {
        [("NetworkInterface", "SecurityGroupId")] = "groupId",
    }.ToImmutableDictionary();

    public const string Prefix = "LaunchTemplateData.";

    /// <summary>The LaunchTemplateData.* members of a request, without the prefix.</summary>
    public static ImmutableSortedDictionary<string, string> FieldsOf(IReadOnlyDictionary<string, string> form) =>
        form.Where(kv => kv.Key.StartsWith(Prefix, StringComparison.Ordinal))
            .ToImmutableSortedDictionary(kv => kv.Key[Prefix.Length..], kv => kv.Value, StringComparer.Ordinal);

    /// <summary>The fields of data written before fields were kept (image, type, user data, Spot market).</summary>
    public static ImmutableSortedDictionary<string, string> FieldsOf(LaunchData data)
    {
        if (data.Fields is { } fields)
        {
            return fields;
        }

        var b = ImmutableSortedDictionary.CreateBuilder<string, string>(StringComparer.Ordinal);
        void Add(string k, string? v)
        {
            if (v is not null)
            {
                b[k] = v;
            }
        }

        Add("ImageId", data.ImageId);
        Add("InstanceType", data.InstanceType);
        Add("UserData", data.UserData);
        Add("InstanceMarketOptions.MarketType", data.Spot ? "spot" : null);
        Add("InstanceMarketOptions.SpotOptions.MaxPrice", data.SpotMaxPrice);
        return b.ToImmutable();
    }

    /// <summary>
    /// CreateLaunchTemplateVersion with a SourceVersion: the source's data with the members the request names replaced
    /// (a top-level member is replaced whole, as EC2 does).
    /// </summary>
    public static ImmutableSortedDictionary<string, string> Merge(ImmutableSortedDictionary<string, string> source, ImmutableSortedDictionary<string, string> update)
    {
        var replaced = update.Keys.Select(Top).ToHashSet(StringComparer.Ordinal);
        return source.Where(kv => !replaced.Contains(Top(kv.Key))).Concat(update).ToImmutableSortedDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal);
    }

    public static XElement Render(string elementName, IReadOnlyDictionary<string, string> fields)
    {
        var root = new Node();
        foreach (var (key, value) in fields)
        {
            var node = root;
            foreach (var segment in key.Split('.'))
            {
                node = node.Children.TryGetValue(segment, out var child) ? child : node.Children[segment] = new Node();
            }

            node.Value = value;
        }

        return new XElement(elementName, Members(root, ""));
    }

    private static IEnumerable<XElement> Members(Node node, string listName)
    {
        foreach (var (name, child) in node.Children.OrderBy(c => c.Key, StringComparer.Ordinal))
        {
            if (IsList(child))
            {
                var element = ListNames.GetValueOrDefault((listName, name)) ?? Lower(name) + "Set";
                var item = ItemNames.GetValueOrDefault((listName, name)) ?? "item";
                yield return new XElement(element, child.Children
                    .OrderBy(c => int.Parse(c.Key, CultureInfo.InvariantCulture))
                    .Select(c => c.Value.Value is { } leaf && c.Value.Children.Count == 0 ? new XElement(item, leaf) : new XElement(item, Members(c.Value, name))));
            }
            else if (child.Children.Count == 0)
            {
                yield return new XElement(Lower(name), child.Value);
            }
            else
            {
                yield return new XElement(Lower(name), Members(child, name));
            }
        }
    }

    private static bool IsList(Node n) => n.Children.Count > 0 && n.Children.Keys.All(k => k.Length > 0 && k.All(char.IsAsciiDigit));

    private static string Top(string key) => key.Split('.')[0];

    private static string Lower(string s) => s.Length == 0 ? s : char.ToLowerInvariant(s[0]) + s[1..];

    private sealed class Node
    {
        public Dictionary<string, Node> Children { get; } = new(StringComparer.Ordinal);

        public string? Value { get; set; }
    }
}
