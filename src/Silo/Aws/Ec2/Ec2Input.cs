using System.Collections.Immutable;
using System.Xml.Linq;
using static Emulator.Silo.Aws.QueryXml;

namespace Emulator.Silo.Aws.Ec2;

/// <summary>An EC2 Describe filter: Filter.N.Name with its values Filter.N.Value.M.</summary>
public sealed record Ec2Filter(string Name, ImmutableArray<string> Values)
{
    /// <summary>True when the value matches one of the filter's values (EC2 filters accept * and ? wildcards).</summary>
    public bool Matches(string? value) => value is not null && Values.Any(v => Wildcard(v, value));

    public bool Matches(bool value) => Matches(value ? "true" : "false");

    /// <summary>tag:KEY, tag-key and tag-value filters against a resource's tags; null when the filter is not a tag filter.</summary>
    public bool? MatchesTags(IReadOnlyDictionary<string, string> tags) => Name switch
    {
        _ when Name.StartsWith("tag:", StringComparison.Ordinal) => tags.TryGetValue(Name[4..], out var v) && Matches(v),
        "tag-key" => tags.Keys.Any(Matches),
        "tag-value" => tags.Values.Any(Matches),
        _ => null,
    };

    private static bool Wildcard(string pattern, string value)
    {
        if (!pattern.Contains('*', StringComparison.Ordinal) && !pattern.Contains('?', StringComparison.Ordinal))
        {
            return string.Equals(pattern, value, StringComparison.Ordinal);
        }

        var regex = "^" + System.Text.RegularExpressions.Regex.Escape(pattern).Replace("\\*", ".*", StringComparison.Ordinal).Replace("\\?", ".", StringComparison.Ordinal) + "$";
        return System.Text.RegularExpressions.Regex.IsMatch(value, regex, System.Text.RegularExpressions.RegexOptions.None, TimeSpan.FromSeconds(1));
    }
}

/// <summary>EC2 query protocol inputs shared by the EC2 operations: filters, tag specifications, tag sets.</summary>
public static class Ec2Input
{
    public static List<Ec2Filter> Filters(QueryInput input) =>
        input.NumberedMembers("Filter").Select(f => new Ec2Filter(f.String("Name") ?? "", f.Numbered("Value"))).ToList();

    /// <summary>The tags of TagSpecification.N entries for one resource type (entries without a type count too).</summary>
    public static ImmutableDictionary<string, string> TagSpecifications(QueryInput input, string resourceType)
    {
        var tags = ImmutableDictionary.CreateBuilder<string, string>(StringComparer.Ordinal);
        foreach (var spec in input.NumberedMembers("TagSpecification").Where(s => s.String("ResourceType") is null || s.String("ResourceType") == resourceType))
        {
            foreach (var t in spec.NumberedMembers("Tag"))
            {
                tags[t.String("Key") ?? ""] = t.String("Value") ?? "";
            }
        }

        return tags.ToImmutable();
    }

    /// <summary>An EC2 tagSet (omitted when empty, as EC2 does).</summary>
    public static XElement? TagSet(IReadOnlyDictionary<string, string> tags, string name = "tagSet") =>
        tags.Count == 0 ? null : Items(name, tags.OrderBy(t => t.Key, StringComparer.Ordinal).Select(t => E("item", V("key", t.Key), V("value", t.Value))));

    /// <summary>A filter name the operation does not know: EC2 answers InvalidParameterValue.</summary>
    public static Contracts.EcsException UnknownFilter(Ec2Filter f) => new("InvalidParameterValue", $"The filter '{f.Name}' is invalid");

    public static Contracts.EcsException Missing(string name) => new("MissingParameter", $"The request must contain the parameter {name}");
}
