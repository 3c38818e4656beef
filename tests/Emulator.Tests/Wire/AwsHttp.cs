using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using System.Xml.Linq;

namespace Emulator.Tests.Wire;

/// <summary>Raw AWS wire requests (JSON 1.1 for ECS, query for Auto Scaling / EC2 / CloudWatch), for what the CLI cannot send.</summary>
public sealed class AwsHttp(string endpoint) : IDisposable
{
    private readonly HttpClient _http = new() { BaseAddress = new Uri(endpoint) };

    public sealed record JsonReply(HttpStatusCode Status, JsonObject Body)
    {
        public string? ErrorType => Status == HttpStatusCode.OK ? null : (string?)Body["__type"];
    }

    public sealed record QueryReply(HttpStatusCode Status, XElement Body)
    {
        public string? ErrorCode => Status == HttpStatusCode.OK ? null : Body.Descendants().FirstOrDefault(e => e.Name.LocalName == "Code")?.Value;

        public IEnumerable<XElement> All(string name) => Body.Descendants().Where(e => e.Name.LocalName == name);

        public string? Value(string name) => All(name).FirstOrDefault()?.Value;
    }

    public Task<JsonReply> Ecs(string operation, JsonObject body) => Json("AmazonEC2ContainerServiceV20141113", operation, body);

    /// <summary>Application Auto Scaling (JSON 1.1).</summary>
    public Task<JsonReply> Aas(string operation, JsonObject body) => Json("AnyScaleFrontendService", operation, body);

    public async Task<JsonReply> Json(string targetPrefix, string operation, JsonObject body, string contentType = "application/x-amz-json-1.1")
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/");
        request.Headers.TryAddWithoutValidation("X-Amz-Target", targetPrefix + "." + operation);
        request.Content = new StringContent(body.ToJsonString(), Encoding.UTF8, contentType);
        using var response = await _http.SendAsync(request);
        return new JsonReply(response.StatusCode, JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsObject());
    }

    /// <summary>An ECS call that must succeed.</summary>
    public async Task<JsonObject> Ok(string operation, JsonObject body)
    {
        var r = await Ecs(operation, body);
        Assert.True(r.Status == HttpStatusCode.OK, $"{operation}: {r.Body.ToJsonString()}");
        return r.Body;
    }

    public async Task<QueryReply> Query(string version, string action, params (string Key, string Value)[] fields)
    {
        var form = new Dictionary<string, string> { ["Action"] = action, ["Version"] = version };
        foreach (var (k, v) in fields)
        {
            form[k] = v;
        }

        using var response = await _http.PostAsync("/", new FormUrlEncodedContent(form));
        return new QueryReply(response.StatusCode, XElement.Parse(await response.Content.ReadAsStringAsync()));
    }

    public Task<QueryReply> AutoScaling(string action, params (string Key, string Value)[] fields) => Query("2011-01-01", action, fields);

    public Task<QueryReply> Ec2(string action, params (string Key, string Value)[] fields) => Query("2016-11-15", action, fields);

    public void Dispose() => _http.Dispose();
}
