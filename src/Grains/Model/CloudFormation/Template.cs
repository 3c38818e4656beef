using System.Collections.Immutable;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Emulator.Model.CloudFormation;

/// <summary>One declared parameter (B-CFN-2).</summary>
public sealed record ParameterDeclaration(
    string Name,
    string Type,
    string? Default,
    bool NoEcho,
    string? Description,
    ImmutableArray<string> AllowedValues,
    string? AllowedPattern,
    int? MinLength,
    int? MaxLength,
    double? MinValue,
    double? MaxValue,
    string? ConstraintDescription);

/// <summary>One resource of the Resources section, as written (properties unresolved).</summary>
public sealed record ResourceDeclaration(
    string LogicalId,
    string Type,
    JsonObject? Properties,
    ImmutableArray<string> DependsOn,
    string? Condition,
    string? DeletionPolicy,
    string? UpdateReplacePolicy,
    JsonNode? Metadata);

/// <summary>One output: its value, optional export name and condition.</summary>
public sealed record OutputDeclaration(string Name, JsonNode? Value, JsonNode? ExportName, string? Description, string? Condition);

/// <summary>
/// A parsed template (B-CFN-1): the sections CloudFormation knows, each checked for shape. Intrinsic functions stay
/// unresolved until a stack evaluates them (<see cref="Intrinsics"/>).
/// </summary>
public sealed partial record Template(
    JsonObject Root,
    string? Description,
    ImmutableDictionary<string, ParameterDeclaration> Parameters,
    ImmutableArray<string> ParameterOrder,
    JsonObject Mappings,
    JsonObject Conditions,
    ImmutableDictionary<string, ResourceDeclaration> Resources,
    ImmutableArray<string> ResourceOrder,
    ImmutableDictionary<string, OutputDeclaration> Outputs,
    ImmutableArray<string> OutputOrder,
    JsonObject Rules,
    ImmutableArray<string> Transforms)
{
    /// <summary>The top-level sections a template may have; anything else is a format error.</summary>
    public static readonly ImmutableHashSet<string> Sections = ImmutableHashSet.Create(StringComparer.Ordinal,
        "AWSTemplateFormatVersion", "Description", "Metadata", "Parameters", "Rules", "Mappings", "Conditions", "Transform", "Resources", "Outputs",
        "Hooks");

    /// <summary>Resource attributes CloudFormation knows; anything else in a resource is a format error.</summary>
    private static readonly ImmutableHashSet<string> ResourceMembers = ImmutableHashSet.Create(StringComparer.Ordinal,
        "Type", "Properties", "DependsOn", "Condition", "DeletionPolicy", "UpdateReplacePolicy", "Metadata", "CreationPolicy", "UpdatePolicy", "Version");

    private static readonly ImmutableHashSet<string> ParameterTypes = ImmutableHashSet.Create(StringComparer.Ordinal,
        "String", "Number", "List<Number>", "CommaDelimitedList",
        "AWS::EC2::AvailabilityZone::Name", "AWS::EC2::Image::Id", "AWS::EC2::Instance::Id", "AWS::EC2::KeyPair::KeyName",
        "AWS::EC2::SecurityGroup::GroupName", "AWS::EC2::SecurityGroup::Id", "AWS::EC2::Subnet::Id", "AWS::EC2::Volume::Id",
        "AWS::EC2::VPC::Id", "AWS::Route53::HostedZone::Id", "AWS::SSM::Parameter::Name",
        "List<AWS::EC2::AvailabilityZone::Name>", "List<AWS::EC2::Image::Id>", "List<AWS::EC2::Instance::Id>",
        "List<AWS::EC2::SecurityGroup::GroupName>", "List<AWS::EC2::SecurityGroup::Id>", "List<AWS::EC2::Subnet::Id>",
        "List<AWS::EC2::Volume::Id>", "List<AWS::EC2::VPC::Id>", "List<AWS::Route53::HostedZone::Id>");

    /// <summary>Parses and checks a template body (B-CFN-1); every problem is CloudFormation's ValidationError text.</summary>
    public static Template Parse(string body) => From(TemplateDocument.Parse(body));

    public static Template From(JsonObject root)
    {
        var unknown = root.Select(kv => kv.Key).Where(k => !Sections.Contains(k)).ToList();
        if (unknown.Count > 0)
        {
            throw new TemplateException($"Template format error: Invalid template property or properties [{string.Join(", ", unknown)}]");
        }

        if (root["AWSTemplateFormatVersion"] is { } version && version.ToString() != "2010-09-09")
        {
            throw new TemplateException($"Template format error: Unsupported template format version '{version}'; the only valid version is 2010-09-09");
        }

        var description = root["Description"] switch
        {
            null => null,
            JsonValue v when v.TryGetValue<string>(out var s) => s,
            _ => throw new TemplateException("Template format error: Every Description member must be a string."),
        };

        var transforms = root["Transform"] switch
        {
            null => [],
            JsonValue v when v.TryGetValue<string>(out var s) => ImmutableArray.Create(s),
            JsonArray a => [.. a.Select(t => t?.ToString() ?? "")],
            _ => throw new TemplateException("Template format error: Transform must be a string or a list of strings."),
        };

        var resourcesNode = root["Resources"] as JsonObject;
        if (resourcesNode is null || resourcesNode.Count == 0)
        {
            throw new TemplateException("Template format error: At least one Resources member must be defined.");
        }

        var (parameters, parameterOrder) = ParseParameters(root["Parameters"]);
        var mappings = Section(root, "Mappings");
        foreach (var (name, map) in mappings)
        {
            if (map is not JsonObject m || m.Any(kv => kv.Value is not JsonObject))
            {
                throw new TemplateException($"Template format error: Every Mappings member {name} must contain a map of maps");
            }
        }

        var conditions = Section(root, "Conditions");
        var resources = ImmutableDictionary.CreateBuilder<string, ResourceDeclaration>(StringComparer.Ordinal);
        var order = ImmutableArray.CreateBuilder<string>();
        foreach (var (id, node) in resourcesNode)
        {
            if (!LogicalIdPattern().IsMatch(id))
            {
                throw new TemplateException($"Template format error: Resource name {id} is non alphanumeric.");
            }

            if (parameters.ContainsKey(id))
            {
                throw new TemplateException($"Template format error: The logical ID {id} is used by a parameter and a resource; logical IDs must be unique");
            }

            resources[id] = ParseResource(id, node);
            order.Add(id);
        }

        var outputs = ImmutableDictionary.CreateBuilder<string, OutputDeclaration>(StringComparer.Ordinal);
        var outputOrder = ImmutableArray.CreateBuilder<string>();
        foreach (var (name, node) in Section(root, "Outputs"))
        {
            if (node is not JsonObject o || !o.ContainsKey("Value"))
            {
                throw new TemplateException($"Template format error: Every Outputs member must contain a Value object, the member '{name}' does not");
            }

            var export = o["Export"] switch
            {
                null => null,
                JsonObject e when e["Name"] is { } n => n,
                _ => throw new TemplateException($"Template format error: Output {name} is malformed. The Name field of Export must not be null or empty"),
            };
            outputs[name] = new OutputDeclaration(name, o["Value"], export, o["Description"]?.ToString(), o["Condition"]?.ToString());
            outputOrder.Add(name);
        }

        return new Template(root, description, parameters, parameterOrder, mappings, conditions, resources.ToImmutable(), order.ToImmutable(),
            outputs.ToImmutable(), outputOrder.ToImmutable(), Section(root, "Rules"), transforms);
    }

    /// <summary>The template as JSON text (GetTemplate answers the body as given; this is for change comparison).</summary>
    public string Canonical() => Root.ToJsonString();

    private static JsonObject Section(JsonObject root, string name) => root[name] switch
    {
        null => [],
        JsonObject o => o,
        _ => throw new TemplateException($"Template format error: {name} must be an object (a map)"),
    };

    private static ResourceDeclaration ParseResource(string id, JsonNode? node)
    {
        if (node is not JsonObject r)
        {
            throw new TemplateException($"Template format error: [/Resources/{id}] resource definition is malformed");
        }

        var extra = r.Select(kv => kv.Key).Where(k => !ResourceMembers.Contains(k)).ToList();
        if (extra.Count > 0)
        {
            throw new TemplateException($"Template format error: Unrecognized resource attribute(s) [{string.Join(", ", extra)}] in resource {id}");
        }

        var type = r["Type"] is JsonValue tv && tv.TryGetValue<string>(out var t) && t.Length > 0
            ? t
            : throw new TemplateException($"Template format error: [/Resources/{id}] Every Resources object must contain a Type member.");
        if (!TypeNamePattern().IsMatch(type))
        {
            throw new TemplateException($"Template format error: Unrecognized resource types: [{type}]");
        }

        var properties = r["Properties"] switch
        {
            null => null,
            JsonObject p => p,
            _ => throw new TemplateException($"Template format error: [/Resources/{id}/Properties] Properties must be an object"),
        };

        var dependsOn = r["DependsOn"] switch
        {
            null => [],
            JsonValue v when v.TryGetValue<string>(out var s) => ImmutableArray.Create(s),
            JsonArray a when a.All(x => x is JsonValue xv && xv.TryGetValue<string>(out _)) => [.. a.Select(x => x!.GetValue<string>())],
            _ => throw new TemplateException($"Template format error: DependsOn of resource {id} must be a string or a list of strings"),
        };

        string? Policy(string member) => r[member] switch
        {
            null => null,
            JsonValue v when v.TryGetValue<string>(out var s) && s is "Delete" or "Retain" or "Snapshot" or "RetainExceptOnCreate" => s,
            var other => throw new TemplateException($"Template format error: Unrecognized {member} {other?.ToJsonString()} for resource {id}"),
        };

        var condition = r["Condition"] switch
        {
            null => null,
            JsonValue v when v.TryGetValue<string>(out var s) => s,
            _ => throw new TemplateException($"Template format error: Condition of resource {id} must be a string"),
        };

        return new ResourceDeclaration(id, type, properties, dependsOn, condition, Policy("DeletionPolicy"), Policy("UpdateReplacePolicy"), r["Metadata"]);
    }

    private static (ImmutableDictionary<string, ParameterDeclaration>, ImmutableArray<string>) ParseParameters(JsonNode? node)
    {
        var result = ImmutableDictionary.CreateBuilder<string, ParameterDeclaration>(StringComparer.Ordinal);
        var order = ImmutableArray.CreateBuilder<string>();
        if (node is null)
        {
            return (result.ToImmutable(), order.ToImmutable());
        }

        if (node is not JsonObject parameters)
        {
            throw new TemplateException("Template format error: Parameters must be an object (a map)");
        }

        foreach (var (name, value) in parameters)
        {
            if (value is not JsonObject p || p["Type"] is not JsonValue typeNode || !typeNode.TryGetValue<string>(out var type))
            {
                throw new TemplateException("Template format error: Every Parameters object must contain a Type member.");
            }

            if (!ParameterTypes.Contains(type) && !IsSsmValueType(type))
            {
                throw new TemplateException($"Template format error: Unrecognized parameter type: {type}");
            }

            var allowed = p["AllowedValues"] switch
            {
                null => ImmutableArray<string>.Empty,
                JsonArray a => [.. a.Select(Text)],
                _ => throw new TemplateException($"Template format error: AllowedValues of parameter {name} must be a list"),
            };

            result[name] = new ParameterDeclaration(
                name, type, p["Default"] is { } d ? Text(d) : null,
                p["NoEcho"] is { } ne && Text(ne) is "true" or "True",
                p["Description"]?.ToString(), allowed, p["AllowedPattern"]?.ToString(),
                Int(p["MinLength"]), Int(p["MaxLength"]), Number(p["MinValue"]), Number(p["MaxValue"]), p["ConstraintDescription"]?.ToString());
            order.Add(name);
        }

        return (result.ToImmutable(), order.ToImmutable());
    }

    /// <summary><c>AWS::SSM::Parameter::Value&lt;T&gt;</c>: the value is a parameter name, resolved from the parameter store.</summary>
    public static bool IsSsmValueType(string type) =>
        type.StartsWith("AWS::SSM::Parameter::Value<", StringComparison.Ordinal) && type.EndsWith('>');

    /// <summary>List-valued parameter types (Ref gives a list).</summary>
    public static bool IsListType(string type) =>
        type.StartsWith("List<", StringComparison.Ordinal) || type == "CommaDelimitedList"
        || type is "AWS::SSM::Parameter::Value<CommaDelimitedList>" or "AWS::SSM::Parameter::Value<List<String>>"
        || (IsSsmValueType(type) && type.Contains("<List<", StringComparison.Ordinal));

    /// <summary>A scalar as CloudFormation's text (numbers and booleans as written).</summary>
    public static string Text(JsonNode? node) => node switch
    {
        null => "",
        JsonValue v when v.TryGetValue<string>(out var s) => s,
        JsonValue v when v.TryGetValue<bool>(out var b) => b ? "true" : "false",
        _ => node.ToJsonString(),
    };

    private static int? Int(JsonNode? node) => node is null ? null : int.TryParse(Text(node), out var i) ? i : throw new TemplateException("Template format error: MinLength and MaxLength must be integers");

    private static double? Number(JsonNode? node) =>
        node is null ? null
        : double.TryParse(Text(node), System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var d) ? d
        : throw new TemplateException("Template format error: MinValue and MaxValue must be numbers");

    [GeneratedRegex("^[A-Za-z0-9]+$")]
    private static partial Regex LogicalIdPattern();

    /// <summary>AWS::Service::Resource, Custom::Name, Alexa::ASK::Skill, or a registry type Org::Service::Resource.</summary>
    [GeneratedRegex("^([A-Za-z0-9]+::[A-Za-z0-9]+::[A-Za-z0-9]+|Custom::[A-Za-z0-9_@-]+|AWS::CloudFormation::CustomResource)$")]
    private static partial Regex TypeNamePattern();
}
