using System.Collections.Immutable;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Emulator.Model.CloudFormation;

/// <summary>What a created resource offers to others: Ref (its physical id) and its Fn::GetAtt attributes.</summary>
public sealed record ResourceValues(string PhysicalId, ImmutableDictionary<string, JsonNode?> Attributes);

/// <summary>
/// Everything intrinsic functions read (B-CFN-3): parameter values, pseudo parameters, mappings, evaluated conditions,
/// the resources created so far and the exports of other stacks.
/// </summary>
public sealed record EvaluationContext(
    ImmutableDictionary<string, JsonNode?> Parameters,
    string AccountId,
    string Region,
    string StackName,
    string StackId,
    ImmutableArray<string> Zones,
    JsonObject Mappings,
    ImmutableDictionary<string, bool> Conditions,
    ImmutableDictionary<string, ResourceValues> Resources,
    ImmutableDictionary<string, string> Exports,
    ImmutableArray<string> NotificationArns)
{
    public const string Partition = "aws";
    public const string UrlSuffix = "amazonaws.com";

    public EvaluationContext WithResource(string logicalId, ResourceValues values) => this with { Resources = Resources.SetItem(logicalId, values) };
}

/// <summary>
/// B-CFN-3: the intrinsic functions — Ref, Fn::GetAtt, Fn::Sub, Fn::Join, Fn::Select, Fn::Split, Fn::GetAZs, Fn::If,
/// Fn::FindInMap, Fn::Base64, Fn::ImportValue, Fn::Cidr — and the condition functions (Fn::Equals, Fn::And, Fn::Or,
/// Fn::Not, Condition). Pure: a JSON tree in, a JSON tree out, AWS::NoValue removed. Errors carry CloudFormation's text.
/// </summary>
public static partial class Intrinsics
{
    public const string NoValue = "AWS::NoValue";

    /// <summary>The functions CloudFormation lists when it meets an unknown one.</summary>
    public static readonly ImmutableArray<string> Supported =
    [
        "Fn::Base64", "Fn::GetAtt", "Fn::GetAZs", "Fn::ImportValue", "Fn::Join", "Fn::Split", "Fn::FindInMap", "Fn::Select", "Ref",
        "Fn::Equals", "Fn::If", "Fn::Not", "Condition", "Fn::And", "Fn::Or", "Fn::Contains", "Fn::EachMemberEquals", "Fn::EachMemberIn",
        "Fn::ValueOf", "Fn::ValueOfAll", "Fn::RefAll", "Fn::Sub", "Fn::Cidr",
    ];

    private static readonly ImmutableHashSet<string> Pseudo = ImmutableHashSet.Create(StringComparer.Ordinal,
        "AWS::AccountId", "AWS::Region", "AWS::StackId", "AWS::StackName", "AWS::Partition", "AWS::URLSuffix", "AWS::NotificationARNs", NoValue);

    public static bool IsPseudo(string name) => Pseudo.Contains(name);

    /// <summary>A node is a function call when it is an object with one key that is Ref, Condition or Fn::*.</summary>
    public static bool IsFunction(JsonObject o, out string name, out JsonNode? argument)
    {
        if (o.Count == 1)
        {
            var (k, v) = o.First();
            if (k == "Ref" || k == "Condition" || k.StartsWith("Fn::", StringComparison.Ordinal))
            {
                name = k;
                argument = v;
                return true;
            }
        }

        name = "";
        argument = null;
        return false;
    }

    /// <summary>Resolves every function in <paramref name="node"/>; members and list items that are AWS::NoValue are left out.</summary>
    public static JsonNode? Resolve(JsonNode? node, EvaluationContext context) => Eval(node, context, out _);

    private static JsonNode? Eval(JsonNode? node, EvaluationContext ctx, out bool removed)
    {
        removed = false;
        switch (node)
        {
            case null:
                return null;
            case JsonValue v:
                return v.DeepClone();
            case JsonArray a:
            {
                var result = new JsonArray();
                foreach (var item in a)
                {
                    var r = Eval(item, ctx, out var gone);
                    if (!gone)
                    {
                        result.Add(r);
                    }
                }

                return result;
            }

            case JsonObject o when IsFunction(o, out var name, out var arg):
            {
                var r = Call(name, arg, ctx);
                if (r is JsonValue rv && rv.TryGetValue<string>(out var s) && ReferenceEquals(s, NoValueMarker))
                {
                    removed = true;
                    return null;
                }

                return r;
            }

            case JsonObject o:
            {
                var result = new JsonObject();
                foreach (var (k, child) in o)
                {
                    var r = Eval(child, ctx, out var gone);
                    if (!gone)
                    {
                        result[k] = r;
                    }
                }

                return result;
            }

            default:
                return node.DeepClone();
        }
    }

    /// <summary>The one string instance standing for AWS::NoValue while a tree is resolved (compared by reference).</summary>
    private static readonly string NoValueMarker = new('\0', 1);

    private static JsonNode? Call(string name, JsonNode? arg, EvaluationContext ctx)
    {
        switch (name)
        {
            case "Ref":
                return Ref(Str(Eval(arg, ctx, out _), "Ref"), ctx);
            case "Fn::GetAtt":
                return GetAtt(arg, ctx);
            case "Fn::Join":
            {
                var list = Args(arg, "Fn::Join", 2);
                var delimiter = Str(Eval(list[0], ctx, out _), "Fn::Join");
                var values = Eval(list[1], ctx, out _) as JsonArray
                    ?? throw new TemplateException("Template error: every Fn::Join object requires two parameters, (1) a string delimiter and (2) a list of strings to be joined or a function that returns a list of strings (such as Fn::GetAZs) to be joined.");
                return JsonValue.Create(string.Join(delimiter, values.Select(v => Scalar(v, "Fn::Join"))));
            }

            case "Fn::Select":
            {
                var list = Args(arg, "Fn::Select", 2);
                var indexText = Scalar(Eval(list[0], ctx, out _), "Fn::Select");
                var values = Eval(list[1], ctx, out _) as JsonArray
                    ?? throw new TemplateException("Template error: Fn::Select requires a list argument with two elements: an integer index and a list");
                if (!int.TryParse(indexText, NumberStyles.Integer, CultureInfo.InvariantCulture, out var index) || index < 0)
                {
                    throw new TemplateException("Template error: Fn::Select requires a list argument with two elements: an integer index and a list");
                }

                return index < values.Count
                    ? values[index]?.DeepClone()
                    : throw new TemplateException($"Template error: Fn::Select cannot select nonexistent value at index {index}");
            }

            case "Fn::Split":
            {
                var list = Args(arg, "Fn::Split", 2);
                var delimiter = Str(Eval(list[0], ctx, out _), "Fn::Split");
                var source = Str(Eval(list[1], ctx, out _), "Fn::Split");
                return new JsonArray([.. source.Split(delimiter).Select(s => (JsonNode?)JsonValue.Create(s))]);
            }

            case "Fn::Sub":
                return JsonValue.Create(Sub(arg, ctx));
            case "Fn::GetAZs":
            {
                var region = Eval(arg, ctx, out _) is { } r ? Scalar(r, "Fn::GetAZs") : "";
                if (region.Length > 0 && region != ctx.Region)
                {
                    throw new TemplateException($"Template error: Fn::GetAZs: the emulator knows the zones of {ctx.Region} only, not of {region}");
                }

                return new JsonArray([.. ctx.Zones.Select(z => (JsonNode?)JsonValue.Create(z))]);
            }

            case "Fn::If":
            {
                var list = Args(arg, "Fn::If", 3);
                var branch = Condition(Str(list[0], "Fn::If"), ctx) ? list[1] : list[2];
                var value = Eval(branch, ctx, out var gone);
                return gone ? NoValueNode() : value;
            }

            case "Fn::FindInMap":
                return FindInMap(arg, ctx);
            case "Fn::Base64":
                return JsonValue.Create(Convert.ToBase64String(Encoding.UTF8.GetBytes(Str(Eval(arg, ctx, out _), "Fn::Base64"))));
            case "Fn::ImportValue":
            {
                var export = Str(Eval(arg, ctx, out _), "Fn::ImportValue");
                return ctx.Exports.TryGetValue(export, out var value)
                    ? JsonValue.Create(value)
                    : throw new TemplateException($"No export named {export} found.");
            }

            case "Fn::Cidr":
                return Cidr(arg, ctx);
            case "Fn::Equals" or "Fn::And" or "Fn::Or" or "Fn::Not" or "Condition":
                return JsonValue.Create(ConditionFunction(name, arg, ctx));
            default:
                throw Unsupported(name);
        }
    }

    private static JsonNode NoValueNode() => JsonValue.Create(NoValueMarker);

    public static TemplateException Unsupported(string name) =>
        new($"Template error: Encountered unsupported function: {name} Supported functions are: [{string.Join(", ", Supported)}]");

    private static JsonNode? Ref(string target, EvaluationContext ctx)
    {
        switch (target)
        {
            case "AWS::AccountId": return JsonValue.Create(ctx.AccountId);
            case "AWS::Region": return JsonValue.Create(ctx.Region);
            case "AWS::StackId": return JsonValue.Create(ctx.StackId);
            case "AWS::StackName": return JsonValue.Create(ctx.StackName);
            case "AWS::Partition": return JsonValue.Create(EvaluationContext.Partition);
            case "AWS::URLSuffix": return JsonValue.Create(EvaluationContext.UrlSuffix);
            case "AWS::NotificationARNs": return new JsonArray([.. ctx.NotificationArns.Select(a => (JsonNode?)JsonValue.Create(a))]);
            case NoValue: return NoValueNode();
        }

        if (ctx.Parameters.TryGetValue(target, out var p))
        {
            return p?.DeepClone();
        }

        return ctx.Resources.TryGetValue(target, out var r)
            ? JsonValue.Create(r.PhysicalId)
            : throw new TemplateException($"Template format error: Unresolved resource dependencies [{target}] in the Resources block of the template");
    }

    private static JsonNode? GetAtt(JsonNode? arg, EvaluationContext ctx)
    {
        var (resource, attribute) = GetAttArgs(arg, ctx);
        if (!ctx.Resources.TryGetValue(resource, out var r))
        {
            throw new TemplateException($"Template format error: Unresolved resource dependencies [{resource}] in the Resources block of the template");
        }

        return r.Attributes.TryGetValue(attribute, out var value)
            ? value?.DeepClone()
            : throw new TemplateException($"Template error: resource {resource} does not support attribute type {attribute} in Fn::GetAtt");
    }

    /// <summary>Fn::GetAtt's two arguments: ["Resource", "Attribute"] (the attribute may be a Ref to a parameter), or "Resource.Attribute".</summary>
    public static (string Resource, string Attribute) GetAttArgs(JsonNode? arg, EvaluationContext? ctx)
    {
        if (arg is JsonValue v && v.TryGetValue<string>(out var dotted) && dotted.IndexOf('.', StringComparison.Ordinal) is > 0 and var dot)
        {
            return (dotted[..dot], dotted[(dot + 1)..]);
        }

        if (arg is JsonArray { Count: 2 } a && a[0] is JsonValue r && r.TryGetValue<string>(out var resource) && resource.Length > 0)
        {
            var attribute = a[1] switch
            {
                JsonValue av when av.TryGetValue<string>(out var s) && s.Length > 0 => s,
                JsonObject o when ctx is not null => Str(Eval(o, ctx, out _), "Fn::GetAtt"),
                JsonObject => "",
                _ => throw new TemplateException("Template error: every Fn::GetAtt object requires two non-empty parameters, the resource name and the resource attribute"),
            };
            return (resource, attribute);
        }

        throw new TemplateException("Template error: every Fn::GetAtt object requires two non-empty parameters, the resource name and the resource attribute");
    }

    private static string Sub(JsonNode? arg, EvaluationContext ctx)
    {
        string text;
        var variables = ImmutableDictionary<string, string>.Empty;
        switch (arg)
        {
            case JsonValue v when v.TryGetValue<string>(out var s):
                text = s;
                break;
            case JsonArray { Count: 2 } a when a[0] is JsonValue tv && tv.TryGetValue<string>(out var t) && a[1] is JsonObject map:
                text = t;
                variables = map.ToImmutableDictionary(kv => kv.Key, kv => Scalar(Eval(kv.Value, ctx, out _), "Fn::Sub"), StringComparer.Ordinal);
                break;
            default:
                throw new TemplateException("Template error: One or more Fn::Sub intrinsic functions don't specify expected arguments. Specify a string as first argument, and an optional second argument to specify a mapping of values to replace in the string");
        }

        return SubVariable().Replace(text, m =>
        {
            var name = m.Groups[1].Value;
            if (name.StartsWith('!'))
            {
                return "${" + name[1..] + "}"; // ${!Literal} writes ${Literal}
            }

            name = name.Trim();
            if (variables.TryGetValue(name, out var value))
            {
                return value;
            }

            var dot = name.IndexOf('.', StringComparison.Ordinal);
            if (dot > 0 && !IsPseudo(name) && !ctx.Parameters.ContainsKey(name))
            {
                return Scalar(GetAtt(new JsonArray(JsonValue.Create(name[..dot]), JsonValue.Create(name[(dot + 1)..])), ctx), "Fn::Sub");
            }

            return Scalar(Ref(name, ctx), "Fn::Sub");
        });
    }

    /// <summary>The names a Fn::Sub string refers to (for dependencies): ${X} and ${X.Attr}, without ${!X} and without its own variables.</summary>
    public static IEnumerable<string> SubReferences(JsonNode? arg)
    {
        var (text, own) = arg switch
        {
            JsonValue v when v.TryGetValue<string>(out var s) => (s, (IReadOnlySet<string>)new HashSet<string>()),
            JsonArray { Count: 2 } a when a[0] is JsonValue tv && tv.TryGetValue<string>(out var t) && a[1] is JsonObject map =>
                (t, map.Select(kv => kv.Key).ToHashSet(StringComparer.Ordinal)),
            _ => ("", new HashSet<string>()),
        };
        foreach (Match m in SubVariable().Matches(text))
        {
            var name = m.Groups[1].Value.Trim();
            if (!name.StartsWith('!') && !own.Contains(name))
            {
                yield return name;
            }
        }
    }

    private static JsonNode? FindInMap(JsonNode? arg, EvaluationContext ctx)
    {
        var list = Args(arg, "Fn::FindInMap", 3);
        var map = Scalar(Eval(list[0], ctx, out _), "Fn::FindInMap");
        var top = Scalar(Eval(list[1], ctx, out _), "Fn::FindInMap");
        var second = Scalar(Eval(list[2], ctx, out _), "Fn::FindInMap");
        if (ctx.Mappings[map] is not JsonObject m)
        {
            throw new TemplateException($"Template error: Mapping named '{map}' is not present in the 'Mappings' section of template.");
        }

        return m[top] is JsonObject t && t.ContainsKey(second)
            ? t[second]?.DeepClone()
            : throw new TemplateException($"Template error: Unable to get mapping for {map}::{top}::{second}");
    }

    /// <summary>Fn::Cidr [ipBlock, count, cidrBits]: the first <c>count</c> subnets of /(32 - cidrBits) inside the block.</summary>
    private static JsonNode Cidr(JsonNode? arg, EvaluationContext ctx)
    {
        var list = Args(arg, "Fn::Cidr", 3);
        var block = Scalar(Eval(list[0], ctx, out _), "Fn::Cidr");
        var countOk = int.TryParse(Scalar(Eval(list[1], ctx, out _), "Fn::Cidr"), out var count);
        var bitsOk = int.TryParse(Scalar(Eval(list[2], ctx, out _), "Fn::Cidr"), out var bits);
        var slash = block.IndexOf('/', StringComparison.Ordinal);
        if (!countOk || !bitsOk || count < 1 || count > 256 || bits < 1 || bits > 32 || slash < 0
            || !IPAddress.TryParse(block[..slash], out var address) || address.AddressFamily != System.Net.Sockets.AddressFamily.InterNetwork
            || !int.TryParse(block[(slash + 1)..], out var prefix) || prefix < 0 || prefix > 32)
        {
            throw new TemplateException("Template error: Fn::Cidr requires an IPv4 CIDR block, a count between 1 and 256 and cidrBits between 1 and 32");
        }

        var newPrefix = 32 - bits;
        if (newPrefix < prefix || (1L << (newPrefix - prefix)) < count)
        {
            throw new TemplateException($"Template error: Fn::Cidr cannot carve {count} /{newPrefix} subnets out of {block}");
        }

        var bytes = address.GetAddressBytes();
        var start = ((uint)bytes[0] << 24) | ((uint)bytes[1] << 16) | ((uint)bytes[2] << 8) | bytes[3];
        start &= prefix == 0 ? 0 : uint.MaxValue << (32 - prefix);
        var result = new JsonArray();
        for (var i = 0; i < count; i++)
        {
            var a = start + (uint)((long)i << bits);
            result.Add(JsonValue.Create(string.Create(CultureInfo.InvariantCulture, $"{a >> 24}.{(a >> 16) & 255}.{(a >> 8) & 255}.{a & 255}/{newPrefix}")));
        }

        return result;
    }

    /// <summary>Evaluates every condition of the Conditions section (B-CFN-3), each once, cycles rejected.</summary>
    public static ImmutableDictionary<string, bool> EvaluateConditions(JsonObject conditions, EvaluationContext ctx)
    {
        var results = new Dictionary<string, bool>(StringComparer.Ordinal);
        var visiting = new List<string>();

        bool Evaluate(string name)
        {
            if (results.TryGetValue(name, out var known))
            {
                return known;
            }

            if (!conditions.ContainsKey(name))
            {
                throw new TemplateException($"Template format error: Unresolved condition dependency {name} in Fn::If or Condition");
            }

            if (visiting.Contains(name))
            {
                throw new TemplateException($"Template format error: Circular dependency between conditions: [{string.Join(", ", visiting.SkipWhile(v => v != name))}]");
            }

            visiting.Add(name);
            var value = Truth(conditions[name], ctx with { Conditions = ImmutableDictionary<string, bool>.Empty }, Evaluate);
            visiting.RemoveAt(visiting.Count - 1);
            results[name] = value;
            return value;
        }

        foreach (var (name, _) in conditions)
        {
            Evaluate(name);
        }

        return results.ToImmutableDictionary(StringComparer.Ordinal);
    }

    /// <summary>Whether a rule assertion or condition expression holds (Rules section: Fn::Contains, Fn::EachMemberEquals, ... too).</summary>
    public static bool Holds(JsonNode? expression, EvaluationContext ctx) => Truth(expression, ctx, n => Condition(n, ctx));

    private static bool Condition(string name, EvaluationContext ctx) =>
        ctx.Conditions.TryGetValue(name, out var value)
            ? value
            : throw new TemplateException($"Template format error: Unresolved condition dependency {name} in Fn::If");

    private static bool ConditionFunction(string name, JsonNode? arg, EvaluationContext ctx) =>
        Truth(new JsonObject { [name] = arg?.DeepClone() }, ctx, n => Condition(n, ctx));

    /// <summary>A condition expression's truth: Fn::Equals, Fn::And, Fn::Or, Fn::Not, Condition, or a literal true/false.</summary>
    private static bool Truth(JsonNode? node, EvaluationContext ctx, Func<string, bool> condition)
    {
        if (node is JsonValue v)
        {
            return Scalar(v, "Condition") switch
            {
                "true" => true,
                "false" => false,
                var other => throw new TemplateException($"Template format error: Condition value {other} must be a boolean or a condition function"),
            };
        }

        if (node is not JsonObject o || !IsFunction(o, out var fn, out var arg))
        {
            throw new TemplateException("Template format error: Every Condition member must be a condition function (Fn::Equals, Fn::And, Fn::Or, Fn::Not or Condition)");
        }

        switch (fn)
        {
            case "Condition":
                return condition(Str(arg, "Condition"));
            case "Fn::Equals":
            {
                var list = Args(arg, "Fn::Equals", 2);
                return Comparable(Eval(list[0], ctx, out _)) == Comparable(Eval(list[1], ctx, out _));
            }

            case "Fn::Not":
            {
                var list = Args(arg, "Fn::Not", 1);
                return !Truth(list[0], ctx, condition);
            }

            case "Fn::And" or "Fn::Or":
            {
                if (arg is not JsonArray list || list.Count < 2 || list.Count > 10)
                {
                    throw new TemplateException($"Template error: {fn} requires between 2 and 10 conditions");
                }

                return fn == "Fn::And" ? list.All(c => Truth(c, ctx, condition)) : list.Any(c => Truth(c, ctx, condition));
            }

            case "Fn::Contains":
            {
                var list = Args(arg, "Fn::Contains", 2);
                var haystack = Eval(list[0], ctx, out _) as JsonArray ?? throw new TemplateException("Template error: Fn::Contains requires a list and a string");
                var needle = Comparable(Eval(list[1], ctx, out _));
                return haystack.Any(h => Comparable(h) == needle);
            }

            case "Fn::EachMemberEquals":
            {
                var list = Args(arg, "Fn::EachMemberEquals", 2);
                var members = Eval(list[0], ctx, out _) as JsonArray ?? throw new TemplateException("Template error: Fn::EachMemberEquals requires a list and a string");
                var value = Comparable(Eval(list[1], ctx, out _));
                return members.All(m => Comparable(m) == value);
            }

            case "Fn::EachMemberIn":
            {
                var list = Args(arg, "Fn::EachMemberIn", 2);
                var members = Eval(list[0], ctx, out _) as JsonArray ?? throw new TemplateException("Template error: Fn::EachMemberIn requires two lists");
                var allowed = (Eval(list[1], ctx, out _) as JsonArray ?? throw new TemplateException("Template error: Fn::EachMemberIn requires two lists"))
                    .Select(Comparable).ToHashSet(StringComparer.Ordinal);
                return members.All(m => allowed.Contains(Comparable(m)));
            }

            default:
                var value2 = Eval(o, ctx, out _);
                return Truth(value2, ctx, condition);
        }
    }

    /// <summary>Values compare as CloudFormation compares them: scalars as text, lists element by element.</summary>
    private static string Comparable(JsonNode? node) => node is JsonArray a ? "[" + string.Join(",", a.Select(Comparable)) + "]" : Template.Text(node);

    private static JsonArray Args(JsonNode? arg, string fn, int count) =>
        arg is JsonArray a && a.Count == count
            ? a
            : throw new TemplateException($"Template error: every {fn} object requires {count} parameters");

    private static string Str(JsonNode? node, string fn) => node is JsonValue v && v.TryGetValue<string>(out var s)
        ? s
        : node is JsonValue
            ? Template.Text(node)
            : throw new TemplateException($"Template error: {fn} requires a string argument, not {node?.ToJsonString() ?? "null"}");

    /// <summary>A list element or Sub value: strings and numbers as text; lists and objects are an error.</summary>
    private static string Scalar(JsonNode? node, string fn) => node switch
    {
        JsonValue v => Template.Text(v),
        null => "",
        _ => throw new TemplateException($"Template error: {fn} expects strings, not {node.ToJsonString()}"),
    };

    [GeneratedRegex(@"\$\{([^}]*)\}")]
    private static partial Regex SubVariable();
}
