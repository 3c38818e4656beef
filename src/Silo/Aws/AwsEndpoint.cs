using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Xml.Linq;
using Emulator.Contracts;
using Emulator.Runtime;

namespace Emulator.Silo.Aws;

/// <summary>
/// The AWS-compatible endpoint (B-W-1..4): one POST / for every service, dispatched on X-Amz-Target (JSON 1.0/1.1)
/// or on the form's Action + Version (query). Signatures are not checked. Grains never see wire shapes: handlers
/// translate between them and the contracts.
/// </summary>
public static partial class AwsEndpoint
{
    public static WebApplication MapAwsEndpoint(this WebApplication app)
    {
        app.MapPost("/", Handle);
        return app;
    }

    private static async Task Handle(HttpContext http, IGrainFactory grains, EmulatorRuntime runtime, ILoggerFactory logs)
    {
        var requestId = Guid.NewGuid().ToString();
        http.Response.Headers["x-amzn-RequestId"] = requestId;
        var context = new AwsContext(grains, runtime, requestId) { ContentLength = http.Request.ContentLength };
        var log = logs.CreateLogger("Emulator.Silo.Aws");
        var target = http.Request.Headers["X-Amz-Target"].ToString();
        if (target.Length > 0)
        {
            await HandleJson(http, target, context, log);
        }
        else
        {
            await HandleQuery(http, context, log);
        }
    }

    private static async Task HandleJson(HttpContext http, string target, AwsContext context, ILogger log)
    {
        var contentType = http.Request.ContentType ?? "application/x-amz-json-1.1";
        var jsonContentType = contentType.Contains("1.0", StringComparison.Ordinal) ? "application/x-amz-json-1.0" : "application/x-amz-json-1.1";
        var dot = target.LastIndexOf('.');
        var service = dot > 0 ? AwsServices.JsonTargets.GetValueOrDefault(target[..dot]) : null;
        if (service is not null && AwsServices.QueryCompatibleJson.Contains(service))
        {
            http.Items[QueryCompatibleKey] = true;
        }

        var handler = service is null ? null : OperationTable.Instance.Json(service, target[(dot + 1)..]);
        if (handler is null)
        {
            await JsonError(http, jsonContentType, AwsErrors.UnknownOperation, $"The operation {target} is not supported by this emulator (see docs/coverage.md).");
            return;
        }

        JsonElement body;
        try
        {
            using var doc = await JsonDocument.ParseAsync(http.Request.Body);
            body = doc.RootElement.Clone();
        }
        catch (JsonException e)
        {
            await JsonError(http, jsonContentType, JsonInput.SerializationException, "The request body is not valid JSON: " + e.Message);
            return;
        }

        if (body.ValueKind != JsonValueKind.Object)
        {
            await JsonError(http, jsonContentType, JsonInput.SerializationException, "The request body must be a JSON object.");
            return;
        }

        try
        {
            var result = await handler(new JsonInput(body), context);
            http.Response.StatusCode = 200;
            http.Response.ContentType = jsonContentType;
            await http.Response.WriteAsync(result.ToJsonString(), Encoding.UTF8);
        }
        catch (EcsException e)
        {
            await JsonError(http, jsonContentType, e.Code, e.Message, e.ResourceIds, service);
        }
        catch (ArgumentException e)
        {
            // Input that reached a lower layer's guard (an empty name used as a key, ...) is the caller's fault.
            await JsonError(http, jsonContentType, ErrorCodes.InvalidParameter, e.Message);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LogFailure(log, target, e);
            await JsonError(http, jsonContentType, ErrorCodes.ServerException, "Internal error: " + e.Message);
        }
    }

    private static async Task HandleQuery(HttpContext http, AwsContext context, ILogger log)
    {
        Dictionary<string, string> form;
        try
        {
            // PutMetricData may carry 1,000 datums of several members each (1 MB): more form values than ASP.NET's 1,024.
            if (http.Request.HasFormContentType && http.Features.Get<Microsoft.AspNetCore.Http.Features.IFormFeature>()?.Form is null)
            {
                http.Features.Set<Microsoft.AspNetCore.Http.Features.IFormFeature>(new Microsoft.AspNetCore.Http.Features.FormFeature(http.Request,
                    new Microsoft.AspNetCore.Http.Features.FormOptions { ValueCountLimit = 200_000 }));
            }

            form = http.Request.HasFormContentType
                ? (await http.Request.ReadFormAsync()).ToDictionary(kv => kv.Key, kv => kv.Value.ToString(), StringComparer.Ordinal)
                : http.Request.Query.ToDictionary(kv => kv.Key, kv => kv.Value.ToString(), StringComparer.Ordinal);
        }
        catch (InvalidDataException e)
        {
            await QueryError(http, null, "MalformedQueryString", e.Message, context.RequestId);
            return;
        }

        var action = form.GetValueOrDefault("Action");
        var version = form.GetValueOrDefault("Version");
        var service = version is null ? null : AwsServices.QueryVersions.GetValueOrDefault(version);
        if (string.IsNullOrEmpty(action))
        {
            await QueryError(http, service, AwsErrors.MissingAction, "The request must contain the parameter Action (query protocol) or the header X-Amz-Target (JSON protocol).", context.RequestId);
            return;
        }

        var handler = service is null ? null : OperationTable.Instance.Query(service, action);
        if (handler is null)
        {
            await QueryError(http, service, AwsErrors.InvalidAction, $"The action {action} for version {version ?? "(none)"} is not valid for this web service (see docs/coverage.md).", context.RequestId);
            return;
        }

        try
        {
            var result = await handler(new QueryInput(form), context);
            XNamespace ns = AwsServices.XmlNamespaces[service!];
            var response = service == AwsServices.Ec2
                ? new XElement(ns + action + "Response", // EC2: the result's members directly under the response
                    new XElement(ns + "requestId", context.RequestId),
                    WithNamespace(result, ns).Nodes())
                : new XElement(ns + action + "Response",
                    result.Name.LocalName == QueryXml.NoOutputName ? null : WithNamespace(result, ns),
                    new XElement(ns + "ResponseMetadata", new XElement(ns + "RequestId", context.RequestId)));
            http.Response.StatusCode = 200;
            http.Response.ContentType = "text/xml";
            await http.Response.WriteAsync(new XDocument(new XDeclaration("1.0", "UTF-8", null), response).ToString(SaveOptions.DisableFormatting), Encoding.UTF8);
        }
        catch (EcsException e)
        {
            await QueryError(http, service, e.Code, e.Message, context.RequestId);
        }
        catch (ArgumentException e)
        {
            await QueryError(http, service, ErrorCodes.ValidationError, e.Message, context.RequestId);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LogFailure(log, action, e);
            await QueryError(http, service, AwsErrors.InternalFailure, "Internal error: " + e.Message, context.RequestId);
        }
    }

    /// <summary>Handlers build elements without a namespace; the response puts every element in the service's.</summary>
    private static XElement WithNamespace(XElement e, XNamespace ns) =>
        new(ns + e.Name.LocalName, e.Attributes(), e.Nodes().Select(n => n is XElement child ? WithNamespace(child, ns) : n));

    private const string QueryCompatibleKey = "Emulator.AwsQueryCompatible";

    private static async Task JsonError(HttpContext http, string contentType, string code, string message, System.Collections.Immutable.ImmutableArray<string> resourceIds = default,
        string? service = null)
    {
        http.Response.StatusCode = AwsErrors.StatusOf(code, service);
        http.Response.ContentType = contentType;
        http.Response.Headers["x-amzn-ErrorType"] = code;
        if (http.Items.ContainsKey(QueryCompatibleKey))
        {
            // awsQueryCompatible JSON services (CloudWatch): SDKs read the query error code and fault from this header
            // and fail to deserialize the error without it.
            http.Response.Headers["x-amzn-query-error"] = code + ";" + AwsErrors.QueryFaultOf(code);
        }

        var body = new JsonObject { ["__type"] = code, ["message"] = message };
        if (!resourceIds.IsDefaultOrEmpty)
        {
            body["resourceIds"] = WireJson.Strings(resourceIds); // ConflictException's member (RunTask clientToken reuse)
        }

        await http.Response.WriteAsync(body.ToJsonString(), Encoding.UTF8);
    }

    private static async Task QueryError(HttpContext http, string? service, string code, string message, string requestId)
    {
        XNamespace ns = service is null ? AwsServices.XmlNamespaces[AwsServices.AutoScaling] : AwsServices.XmlNamespaces[service];
        http.Response.StatusCode = AwsErrors.StatusOf(code, service);
        http.Response.ContentType = "text/xml";
        var xml = service == AwsServices.Ec2
            ? new XElement("Response", // EC2's own error shape, without a namespace
                new XElement("Errors", new XElement("Error", new XElement("Code", code), new XElement("Message", message))),
                new XElement("RequestID", requestId))
            : new XElement(ns + "ErrorResponse",
                new XElement(ns + "Error",
                    new XElement(ns + "Type", AwsErrors.QueryFaultOf(code)),
                    new XElement(ns + "Code", code),
                    new XElement(ns + "Message", message)),
                new XElement(ns + "RequestId", requestId));
        await http.Response.WriteAsync(xml.ToString(SaveOptions.DisableFormatting), Encoding.UTF8);
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "AWS operation {Operation} failed")]
    private static partial void LogFailure(ILogger logger, string operation, Exception exception);
}
