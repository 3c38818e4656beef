using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Emulator.Model.CloudFormation;

/// <summary>
/// B-CFN-1: a template body as CloudFormation reads it, JSON or YAML, into one JSON tree. YAML's short forms of the
/// intrinsic functions (<c>!Ref X</c>, <c>!GetAtt A.B</c>, <c>!Sub ...</c>, <c>!If [...]</c>, <c>!Condition C</c>) become
/// their long forms (<c>{"Ref": "X"}</c>, <c>{"Fn::GetAtt": ["A", "B"]}</c>, ...), so everything after parsing sees one
/// shape. A body that parses as neither is CloudFormation's "Template format error: ... not well-formed".
/// </summary>
public static partial class TemplateDocument
{
    /// <summary>Parses <paramref name="body"/>; JSON when it starts with '{', otherwise YAML (as CloudFormation decides).</summary>
    public static JsonObject Parse(string body)
    {
        if (string.IsNullOrWhiteSpace(body))
        {
            throw new TemplateException("Template format error: the template body is empty");
        }

        var trimmed = body.TrimStart();
        JsonNode? root = trimmed.StartsWith('{') ? ParseJson(body) : ParseYaml(body);
        return root as JsonObject ?? throw new TemplateException("Template format error: the template must be a JSON or YAML object (a map of sections)");
    }

    private static JsonNode? ParseJson(string body)
    {
        try
        {
            return JsonNode.Parse(body, documentOptions: new JsonDocumentOptions { AllowTrailingCommas = false, CommentHandling = JsonCommentHandling.Disallow });
        }
        catch (JsonException e)
        {
            throw new TemplateException(string.Create(CultureInfo.InvariantCulture,
                $"Template format error: JSON not well-formed. (line {(e.LineNumber ?? 0) + 1}, column {(e.BytePositionInLine ?? 0) + 1})"));
        }
    }

    private static JsonNode? ParseYaml(string body)
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(body));
        }
        catch (YamlException e)
        {
            throw new TemplateException(string.Create(CultureInfo.InvariantCulture,
                $"Template format error: YAML not well-formed. (line {e.Start.Line}, column {e.Start.Column})"));
        }

        if (stream.Documents.Count != 1)
        {
            throw new TemplateException("Template format error: YAML not well-formed. (a template is exactly one YAML document)");
        }

        return Convert(stream.Documents[0].RootNode);
    }

    private static JsonNode? Convert(YamlNode node)
    {
        var tag = node.Tag.IsEmpty ? null : node.Tag.Value;
        if (tag is not null && tag.StartsWith('!') && !tag.StartsWith("!!", StringComparison.Ordinal))
        {
            return ShortForm(tag[1..], node);
        }

        return node switch
        {
            YamlMappingNode map => Map(map),
            YamlSequenceNode seq => new JsonArray([.. seq.Children.Select(Convert)]),
            YamlScalarNode scalar => Scalar(scalar),
            _ => throw new TemplateException("Template format error: YAML not well-formed."),
        };
    }

    private static JsonObject Map(YamlMappingNode map)
    {
        var o = new JsonObject();
        foreach (var (k, v) in map.Children)
        {
            var key = k is YamlScalarNode s ? s.Value ?? "" : throw new TemplateException("Template format error: YAML map keys must be scalars");
            if (o.ContainsKey(key))
            {
                throw new TemplateException($"Template format error: YAML not well-formed. (duplicate key '{key}', line {k.Start.Line})");
            }

            o[key] = Convert(v);
        }

        return o;
    }

    /// <summary>
    /// Plain scalars: true/false, null/~, integers (without leading zeros, so account ids stay strings) and decimals become
    /// JSON values; everything else, and every quoted scalar, is a string (dates such as a policy's 2012-10-17 included).
    /// </summary>
    private static JsonNode? Scalar(YamlScalarNode scalar)
    {
        var value = scalar.Value ?? "";
        if (scalar.Style is ScalarStyle.SingleQuoted or ScalarStyle.DoubleQuoted or ScalarStyle.Literal or ScalarStyle.Folded)
        {
            return JsonValue.Create(value);
        }

        switch (value)
        {
            case "true" or "True" or "TRUE":
                return JsonValue.Create(true);
            case "false" or "False" or "FALSE":
                return JsonValue.Create(false);
            case "null" or "Null" or "NULL" or "~" or "":
                return null;
        }

        if (IntegerPattern().IsMatch(value) && long.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var l))
        {
            return JsonValue.Create(l);
        }

        if (DecimalPattern().IsMatch(value) && double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var d))
        {
            return JsonValue.Create(d);
        }

        return JsonValue.Create(value);
    }

    private static JsonNode ShortForm(string name, YamlNode node)
    {
        switch (name)
        {
            case "Ref":
                return new JsonObject { ["Ref"] = Convert(Untagged(node)) };
            case "Condition":
                return new JsonObject { ["Condition"] = Convert(Untagged(node)) };
            case "GetAtt" when node is YamlScalarNode s:
            {
                // !GetAtt Resource.Attribute (the attribute may itself contain dots: Endpoint.Address)
                var text = s.Value ?? "";
                var dot = text.IndexOf('.', StringComparison.Ordinal);
                if (dot <= 0)
                {
                    throw new TemplateException($"Template error: every Fn::GetAtt object requires two non-empty parameters ('{text}')");
                }

                return new JsonObject { ["Fn::GetAtt"] = new JsonArray(JsonValue.Create(text[..dot]), JsonValue.Create(text[(dot + 1)..])) };
            }

            default:
                return new JsonObject { ["Fn::" + name] = Convert(Untagged(node)) };
        }
    }

    /// <summary>The node without its short-form tag (tags apply to the node they stand on, not to its children).</summary>
    private static YamlNode Untagged(YamlNode node) => node switch
    {
        YamlScalarNode s => new YamlScalarNode(s.Value) { Style = s.Style == ScalarStyle.Plain ? ScalarStyle.DoubleQuoted : s.Style },
        YamlSequenceNode q => new YamlSequenceNode(q.Children),
        YamlMappingNode m => new YamlMappingNode(m.Children),
        _ => node,
    };

    [GeneratedRegex("^[-+]?(0|[1-9][0-9]*)$")]
    private static partial Regex IntegerPattern();

    [GeneratedRegex("^[-+]?([0-9]+\\.[0-9]*|\\.[0-9]+)([eE][-+]?[0-9]+)?$")]
    private static partial Regex DecimalPattern();
}

/// <summary>A template or stack input CloudFormation rejects: its error code (ValidationError unless said) and message, verbatim where AWS has one.</summary>
public sealed class TemplateException(string message, string code = TemplateException.ValidationError) : Exception(message)
{
    public const string ValidationError = "ValidationError";

    public string Code { get; } = code;
}
