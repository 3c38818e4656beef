using System.Collections.Immutable;
using System.Globalization;
using System.Xml.Linq;

namespace Emulator.Silo.Aws;

/// <summary>
/// Query protocol members kept as written (flattened: <c>VPCZoneIdentifier</c>, <c>TerminationPolicies.member.1</c>,
/// <c>MixedInstancesPolicy.LaunchTemplate.Overrides.member.2.InstanceType</c>) and rendered back in the response shape of
/// the same names, lists as <c>member</c> children: how Auto Scaling returns what a request set.
/// </summary>
public static class QueryFields
{
    /// <summary>The members of the form whose first segment is not excluded (Action and Version always are).</summary>
    public static ImmutableSortedDictionary<string, string> Of(IReadOnlyDictionary<string, string> form, IReadOnlySet<string> excluded) =>
        form.Where(kv => kv.Key is not ("Action" or "Version") && !excluded.Contains(Top(kv.Key)))
            .ToImmutableSortedDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal);

    /// <summary>The update's members replace the current ones of the same top-level name (a member is replaced whole).</summary>
    public static ImmutableSortedDictionary<string, string> Merge(ImmutableSortedDictionary<string, string> current, ImmutableSortedDictionary<string, string> update)
    {
        var replaced = update.Keys.Select(Top).ToHashSet(StringComparer.Ordinal);
        return current.Where(kv => !replaced.Contains(Top(kv.Key))).Concat(update).ToImmutableSortedDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal);
    }

    public static bool Has(IReadOnlyDictionary<string, string> fields, string member) =>
        fields.Keys.Any(k => k == member || k.StartsWith(member + ".", StringComparison.Ordinal));

    /// <summary>The element for one top-level member (null when it was not written).</summary>
    public static XElement? Render(IReadOnlyDictionary<string, string> fields, string member)
    {
        var sub = fields.Where(kv => kv.Key == member || kv.Key.StartsWith(member + ".", StringComparison.Ordinal)).ToList();
        if (sub.Count == 0)
        {
            return null;
        }

        var root = new Node();
        foreach (var (key, value) in sub)
        {
            var node = root;
            foreach (var segment in key.Split('.'))
            {
                node = node.Children.TryGetValue(segment, out var child) ? child : node.Children[segment] = new Node();
            }

            node.Value = value;
        }

        return Element(member, root.Children[member]);
    }

    private static XElement Element(string name, Node node)
    {
        if (node.Children.Count == 0)
        {
            return new XElement(name, node.Value ?? "");
        }

        if (node.Children.Count == 1 && node.Children.TryGetValue("member", out var list))
        {
            return new XElement(name, list.Children
                .OrderBy(c => int.TryParse(c.Key, NumberStyles.None, CultureInfo.InvariantCulture, out var i) ? i : int.MaxValue)
                .Select(c => Element("member", c.Value)));
        }

        return new XElement(name, node.Children.OrderBy(c => c.Key, StringComparer.Ordinal).Select(c => Element(c.Key, c.Value)));
    }

    private static string Top(string key)
    {
        var dot = key.IndexOf('.', StringComparison.Ordinal);
        return dot < 0 ? key : key[..dot];
    }

    private sealed class Node
    {
        public Dictionary<string, Node> Children { get; } = new(StringComparer.Ordinal);

        public string? Value { get; set; }
    }
}
