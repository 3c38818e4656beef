using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Xml.Linq;
using Emulator.Contracts;
using Emulator.Model.CloudFormation;
using Emulator.Runtime;
using Emulator.Silo.Aws;

namespace Emulator.Silo.CloudFormation;

/// <summary>
/// The emulator's AWS operations called in process, through the one operation table the endpoint serves: a resource
/// handler gets exactly what an AWS CLI user gets — the same validation, the same grains, the same errors.
/// </summary>
public sealed class InProcessAws(IGrainFactory grains, EmulatorRuntime runtime)
{
    public IGrainFactory Grains { get; } = grains;

    public EmulatorRuntime Runtime { get; } = runtime;

    public bool Has(string service, string operation) =>
        OperationTable.Instance.Json(service, operation) is not null || OperationTable.Instance.Query(service, operation) is not null;

    /// <summary>A JSON protocol operation (ECS, Logs, SSM, Application Auto Scaling, CloudWatch).</summary>
    public async Task<JsonObject> Json(string service, string operation, JsonObject body)
    {
        var handler = OperationTable.Instance.Json(service, operation)
            ?? throw new EcsException("UnknownOperationException", $"The emulator does not implement {service}:{operation}");
        using var document = JsonDocument.Parse(body.ToJsonString());
        try
        {
            return await handler(new JsonInput(document.RootElement.Clone()), Context());
        }
        catch (ArgumentException e)
        {
            throw new EcsException(ErrorCodes.InvalidParameter, e.Message);
        }
    }

    /// <summary>A query protocol operation (Auto Scaling, EC2, ELBv2, IAM, CloudWatch): the ...Result element.</summary>
    public async Task<XElement> Query(string service, string operation, IReadOnlyDictionary<string, string> form)
    {
        var handler = OperationTable.Instance.Query(service, operation)
            ?? throw new EcsException("InvalidAction", $"The emulator does not implement {service}:{operation}");
        try
        {
            return await handler(new QueryInput(form), Context());
        }
        catch (ArgumentException e)
        {
            throw new EcsException(ErrorCodes.ValidationError, e.Message);
        }
    }

    private AwsContext Context() => new(Grains, Runtime, "cloudformation-" + Guid.NewGuid().ToString("N")[..12]);

    /// <summary>
    /// CloudFormation's wording of a failed handler call: the service's message with a handler error code, the way
    /// Cloud Control-backed resources report it in stack events.
    /// </summary>
    public static string Reason(EcsException e, string? requestToken) =>
        string.Create(CultureInfo.InvariantCulture,
            $"Resource handler returned message: \"{e.Message}\" (RequestToken: {requestToken ?? "-"}, HandlerErrorCode: {HandlerErrorCode(e.Code)})");

    public static string HandlerErrorCode(string code) => code switch
    {
        _ when code.Contains("NotFound", StringComparison.Ordinal) || code.Contains("NoSuch", StringComparison.Ordinal) => "NotFound",
        _ when code.Contains("AlreadyExists", StringComparison.Ordinal) || code.Contains("Duplicate", StringComparison.Ordinal) => "AlreadyExists",
        _ when code.Contains("Limit", StringComparison.Ordinal) => "ServiceLimitExceeded",
        _ when code.Contains("InUse", StringComparison.Ordinal) || code.Contains("Contains", StringComparison.Ordinal) || code.Contains("Conflict", StringComparison.Ordinal) => "ResourceConflict",
        _ when code.Contains("Validation", StringComparison.Ordinal) || code.Contains("Invalid", StringComparison.Ordinal) || code.Contains("Client", StringComparison.Ordinal) => "InvalidRequest",
        _ => "GeneralServiceException",
    };

    public static bool IsNotFound(EcsException e) => HandlerErrorCode(e.Code) == "NotFound";
}

/// <summary>Conversions from CloudFormation properties (PascalCase JSON) to the emulator's wire inputs.</summary>
public static class CfnProperties
{
    /// <summary>
    /// PascalCase members to the camelCase of JSON protocol APIs (ECS, Logs, ...), recursively; the members of maps
    /// (<paramref name="maps"/>: Docker labels, log driver options) keep their keys.
    /// </summary>
    public static JsonNode? Camel(JsonNode? node, IReadOnlySet<string>? maps = null) => node switch
    {
        JsonObject o => new JsonObject(o.Select(kv => new KeyValuePair<string, JsonNode?>(
            Lower(kv.Key), maps is not null && maps.Contains(kv.Key) ? kv.Value?.DeepClone() : Camel(kv.Value, maps)))),
        JsonArray a => new JsonArray([.. a.Select(x => Camel(x, maps))]),
        _ => node?.DeepClone(),
    };

    public static string Lower(string s) => s.Length == 0 || char.IsLower(s[0]) ? s : char.ToLowerInvariant(s[0]) + s[1..];

    /// <summary>
    /// A structure as query protocol form fields: members as <c>Prefix.Member</c>, lists as <c>Prefix.member.N</c>
    /// (Auto Scaling, ELBv2, IAM, CloudWatch) or <c>Prefix.N</c> (EC2).
    /// </summary>
    public static void Flatten(IDictionary<string, string> form, string prefix, JsonNode? node, bool ec2 = false)
    {
        switch (node)
        {
            case null:
                return;
            case JsonObject o:
                foreach (var (k, v) in o)
                {
                    Flatten(form, prefix.Length == 0 ? k : prefix + "." + k, v, ec2);
                }

                return;
            case JsonArray a:
                for (var i = 0; i < a.Count; i++)
                {
                    Flatten(form, ec2 ? $"{prefix}.{i + 1}" : $"{prefix}.member.{i + 1}", a[i], ec2);
                }

                return;
            default:
                form[prefix] = Template.Text(node);
                return;
        }
    }

    /// <summary>A property as text (numbers and booleans as written), or null when absent.</summary>
    public static string? Text(JsonObject o, string name) => o[name] is { } v ? Template.Text(v) : null;

    public static int? Int(JsonObject o, string name) =>
        Text(o, name) is { } s ? int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out var i) ? i
            : throw new EcsException(ErrorCodes.ValidationError, $"Property {name} must be an integer, not '{s}'") : null;

    public static bool? Bool(JsonObject o, string name) => Text(o, name) switch
    {
        null => null,
        "true" or "True" => true,
        "false" or "False" => false,
        var s => throw new EcsException(ErrorCodes.ValidationError, $"Property {name} must be a boolean, not '{s}'"),
    };

    /// <summary>A list of strings (a single string is a list of one).</summary>
    public static IReadOnlyList<string> Strings(JsonObject o, string name) => o[name] switch
    {
        null => [],
        JsonArray a => [.. a.Select(Template.Text)],
        var v => [Template.Text(v)],
    };

    /// <summary>An integer-valued member made a JSON number (templates may write "10" where an API takes 10).</summary>
    public static void Number(JsonObject o, string name)
    {
        if (o[name] is JsonValue v && v.TryGetValue<string>(out var s) && int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out var i))
        {
            o[name] = i;
        }
    }

    /// <summary>A boolean-valued member made a JSON boolean ("true" where an API takes true).</summary>
    public static void Boolean(JsonObject o, string name)
    {
        if (o[name] is JsonValue v && v.TryGetValue<string>(out var s) && bool.TryParse(s, out var b))
        {
            o[name] = b;
        }
    }

    /// <summary>A JSON value as the text of a GetAtt attribute.</summary>
    public static string Attr(string value) => JsonValue.Create(value).ToJsonString();

    public static string Attr(IEnumerable<string> values) => new JsonArray([.. values.Select(v => (JsonNode?)JsonValue.Create(v))]).ToJsonString();
}
