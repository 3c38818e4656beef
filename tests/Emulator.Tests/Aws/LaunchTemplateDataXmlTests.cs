using System.Collections.Immutable;
using System.Text.Json;
using System.Xml.Linq;
using Emulator.Silo.Aws;
using Emulator.Silo.Aws.Ec2;
using Emulator.Tests.Wire;

namespace Emulator.Tests.Aws;

/// <summary>
/// Launch template data kept as written and rendered back (issue 14): every member of EC2's RequestLaunchTemplateData,
/// as the query protocol writes it, comes back where ResponseLaunchTemplateData puts it (checked against the EC2 service
/// model), so DescribeLaunchTemplateVersions returns exactly what CreateLaunchTemplate was given.
/// </summary>
public sealed class LaunchTemplateDataXmlTests
{
    [Fact]
    public void Every_request_member_comes_back_in_the_response_shape_of_the_ec2_model()
    {
        var model = ServiceModelValidator.Model("ec2");
        var shapes = model.GetProperty("shapes");
        var form = new Dictionary<string, string>(StringComparer.Ordinal);
        var expected = new List<(string[] Path, string Value)>();
        Walk(shapes, "RequestLaunchTemplateData", "ResponseLaunchTemplateData", "", [], form, expected, 0);
        Assert.True(expected.Count > 80, $"only {expected.Count} members walked");

        var xml = LaunchTemplateDataXml.Render("launchTemplateData", form);
        var missing = expected.Where(e => !Find(xml, e.Path, e.Value)).Select(e => string.Join("/", e.Path)).ToList();
        Assert.True(missing.Count == 0, "not rendered where the model puts them: " + string.Join(", ", missing));
    }

    [Fact]
    public void A_source_version_merge_replaces_top_level_members_whole()
    {
        var source = new SortedDictionary<string, string>(StringComparer.Ordinal)
        {
            ["ImageId"] = "ami-1", ["SecurityGroupId.1"] = "sg-1", ["SecurityGroupId.2"] = "sg-2", ["InstanceType"] = "t3.small",
        }.ToImmutableSortedDictionary(StringComparer.Ordinal);
        var update = new SortedDictionary<string, string>(StringComparer.Ordinal) { ["SecurityGroupId.1"] = "sg-3" }.ToImmutableSortedDictionary(StringComparer.Ordinal);
        var merged = LaunchTemplateDataXml.Merge(source, update);
        Assert.Equal(["ImageId", "InstanceType", "SecurityGroupId.1"], merged.Keys);
        Assert.Equal("sg-3", merged["SecurityGroupId.1"]);
    }

    [Fact]
    public void Query_fields_render_auto_scaling_lists_as_members_in_order()
    {
        var fields = new Dictionary<string, string>
        {
            ["TerminationPolicies.member.2"] = "OldestInstance",
            ["TerminationPolicies.member.1"] = "Default",
            ["MixedInstancesPolicy.LaunchTemplate.Overrides.member.10.InstanceType"] = "t2.large",
            ["MixedInstancesPolicy.LaunchTemplate.Overrides.member.2.InstanceType"] = "m5d.large",
        };
        Assert.Equal(["Default", "OldestInstance"], QueryFields.Render(fields, "TerminationPolicies")!.Elements("member").Select(e => e.Value));
        var overrides = QueryFields.Render(fields, "MixedInstancesPolicy")!.Element("LaunchTemplate")!.Element("Overrides")!;
        Assert.Equal(["m5d.large", "t2.large"], overrides.Elements("member").Select(e => e.Element("InstanceType")!.Value));
        Assert.Null(QueryFields.Render(fields, "VPCZoneIdentifier"));
    }

    private static void Walk(JsonElement shapes, string request, string response, string keyPrefix, string[] path,
        Dictionary<string, string> form, List<(string[] Path, string Value)> expected, int depth)
    {
        Assert.True(depth < 8, "the walk went too deep at " + keyPrefix);
        var responseMembers = shapes.GetProperty(response).GetProperty("members");
        foreach (var member in shapes.GetProperty(request).GetProperty("members").EnumerateObject())
        {
            if (!responseMembers.TryGetProperty(member.Name, out var responseMember))
            {
                continue;
            }

            var key = keyPrefix + QueryName(member);
            var element = responseMember.TryGetProperty("locationName", out var ln) ? ln.GetString()! : member.Name;
            var requestShape = shapes.GetProperty(member.Value.GetProperty("shape").GetString()!);
            var responseShape = shapes.GetProperty(responseMember.GetProperty("shape").GetString()!);
            switch (requestShape.GetProperty("type").GetString())
            {
                case "list":
                    var itemShape = requestShape.GetProperty("member").GetProperty("shape").GetString()!;
                    var responseItem = responseShape.GetProperty("member");
                    var itemName = responseItem.TryGetProperty("locationName", out var il) ? il.GetString()! : "item";
                    if (shapes.GetProperty(itemShape).GetProperty("type").GetString() == "structure")
                    {
                        Walk(shapes, itemShape, responseItem.GetProperty("shape").GetString()!, key + ".1.", [.. path, element, itemName], form, expected, depth + 1);
                    }
                    else
                    {
                        form[key + ".1"] = key;
                        expected.Add(([.. path, element, itemName], key));
                    }

                    break;
                case "structure":
                    Walk(shapes, member.Value.GetProperty("shape").GetString()!, responseMember.GetProperty("shape").GetString()!, key + ".", [.. path, element], form, expected, depth + 1);
                    break;
                default:
                    form[key] = key;
                    expected.Add(([.. path, element], key));
                    break;
            }
        }
    }

    /// <summary>The EC2 query protocol's name of a request member: queryName, else the capitalised locationName, else the member name.</summary>
    private static string QueryName(JsonProperty member)
    {
        if (member.Value.TryGetProperty("queryName", out var q))
        {
            return q.GetString()!;
        }

        return member.Value.TryGetProperty("locationName", out var l) ? char.ToUpperInvariant(l.GetString()![0]) + l.GetString()![1..] : member.Name;
    }

    private static bool Find(XElement root, string[] path, string value)
    {
        IEnumerable<XElement> level = [root];
        foreach (var name in path)
        {
            level = level.SelectMany(e => e.Elements(name));
        }

        return level.Any(e => e.Value == value && !e.HasElements);
    }
}
