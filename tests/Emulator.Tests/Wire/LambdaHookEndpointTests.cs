using System.Net;
using System.Text;
using System.Text.Json;

namespace Emulator.Tests.Wire;

/// <summary>
/// B-DP-7 Model choice over HTTP on a real silo: <c>/emulator/lambda-hooks</c> sets (PUT or POST), lists and removes the
/// outcome a Lambda lifecycle hook's function answers; bad input answers 400 with InvalidParameterException and a message
/// that says what to write, and changes nothing.
/// </summary>
[Collection(WireCollection.Name)]
public sealed class LambdaHookEndpointTests(SiloProcessFixture silo)
{
    [Fact]
    public async Task B_DP_7_lambda_hook_outcomes_are_set_listed_and_removed_over_http()
    {
        using var http = new HttpClient { BaseAddress = new Uri(silo.Endpoint) };
        var function = $"arn:aws:lambda:us-east-1:000000000000:function:check-{Guid.NewGuid():N}";
        async Task<(HttpStatusCode Status, JsonElement Body)> Send(HttpMethod method, string path, string? body = null)
        {
            using var request = new HttpRequestMessage(method, path);
            if (body is not null)
            {
                request.Content = new StringContent(body, Encoding.UTF8, "application/json");
            }

            using var response = await http.SendAsync(request);
            var text = await response.Content.ReadAsStringAsync();
            return (response.StatusCode, text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone());
        }

        async Task<JsonElement?> Listed()
        {
            var (status, list) = await Send(HttpMethod.Get, "/emulator/lambda-hooks");
            Assert.Equal(HttpStatusCode.OK, status);
            return list.EnumerateArray().Where(o => o.GetProperty("functionArn").GetString() == function).Select(o => (JsonElement?)o).FirstOrDefault();
        }

        var (putStatus, put) = await Send(HttpMethod.Put, "/emulator/lambda-hooks", $$"""{"functionArn": "{{function}}", "result": "FAILED", "inProgressSeconds": 45}""");
        Assert.Equal(HttpStatusCode.OK, putStatus);
        Assert.Equal(("FAILED", 45.0, false), (put.GetProperty("result").GetString(), put.GetProperty("inProgressSeconds").GetDouble(), put.GetProperty("forever").GetBoolean()));
        var listed = await Listed();
        Assert.Equal(("FAILED", 45.0), (listed!.Value.GetProperty("result").GetString(), listed.Value.GetProperty("inProgressSeconds").GetDouble()));

        foreach (var bad in new[]
        {
            ("""{"functionArn": "FUNCTION", "result": "MAYBE"}""", "SUCCEEDED or FAILED"),
            ("""{"functionArn": "my-function", "result": "FAILED"}""", "not a Lambda function ARN"),
            ("""{"functionArn": "FUNCTION", "result": "FAILED", "inProgressSeconds": 5, "forever": true}""", "not both"),
            ("""{"functionArn": "FUNCTION", "result": "FAILED", "inProgressSeconds": -1}""", "at least 0"),
            ("""{"functionArn": "FUNCTION", "result": "FAILED",""", "not valid JSON"),
        })
        {
            var (status, error) = await Send(HttpMethod.Post, "/emulator/lambda-hooks", bad.Item1.Replace("FUNCTION", function, StringComparison.Ordinal));
            Assert.Equal(HttpStatusCode.BadRequest, status);
            Assert.Equal("InvalidParameterException", error.GetProperty("__type").GetString());
            Assert.Contains(bad.Item2, error.GetProperty("message").GetString(), StringComparison.Ordinal);
            Assert.Equal(45.0, (await Listed())!.Value.GetProperty("inProgressSeconds").GetDouble()); // unchanged
        }

        var (foreverStatus, forever) = await Send(HttpMethod.Post, "/emulator/lambda-hooks", $$"""{"functionArn": "{{function}}", "forever": true}""");
        Assert.Equal(HttpStatusCode.OK, foreverStatus);
        Assert.True(forever.GetProperty("forever").GetBoolean());
        Assert.Equal(JsonValueKind.Null, (await Listed())!.Value.GetProperty("inProgressSeconds").ValueKind);

        Assert.Equal(HttpStatusCode.BadRequest, (await Send(HttpMethod.Delete, "/emulator/lambda-hooks")).Status);
        Assert.Equal(HttpStatusCode.NoContent, (await Send(HttpMethod.Delete, "/emulator/lambda-hooks?functionArn=" + Uri.EscapeDataString(function))).Status);
        Assert.Null(await Listed());
        var (goneStatus, gone) = await Send(HttpMethod.Delete, "/emulator/lambda-hooks?functionArn=" + Uri.EscapeDataString(function));
        Assert.Equal(HttpStatusCode.NotFound, goneStatus);
        Assert.Contains("SUCCEEDED at once", gone.GetProperty("message").GetString(), StringComparison.Ordinal);
    }
}
