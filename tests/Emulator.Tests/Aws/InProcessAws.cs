using System.Text.Json;
using System.Text.Json.Nodes;
using System.Xml.Linq;
using Emulator.Runtime;
using Emulator.Silo.Aws;
using Emulator.Tests.EndToEnd;
using Microsoft.Extensions.DependencyInjection;
using Orleans.TestingHost;

namespace Emulator.Tests.Aws;

/// <summary>
/// The AWS operations of the in-process test silo called as the HTTP edge calls them (the same handlers from the
/// <see cref="OperationTable"/>, a context on the silo's runtime), answers round-tripped through their JSON text as the
/// wire sees them.
/// </summary>
public sealed class InProcessAws(EmulatorClusterFixture fixture)
{
    private readonly AwsContext _context = new(fixture.Grains,
        (fixture.Cluster.Primary as InProcessSiloHandle ?? throw new InvalidOperationException("the test cluster runs in process"))
            .SiloHost.Services.GetRequiredService<EmulatorRuntime>(), "test-request");

    public async Task<JsonObject> Ecs(string operation, JsonObject body)
    {
        var handler = OperationTable.Instance.Json(AwsServices.Ecs, operation)!;
        using var doc = JsonDocument.Parse(body.ToJsonString());
        var result = await handler(new JsonInput(doc.RootElement.Clone()), _context);
        return JsonNode.Parse(result.ToJsonString())!.AsObject();
    }

    public async Task<XElement> Query(string service, string action, params (string Key, string Value)[] form)
    {
        var handler = OperationTable.Instance.Query(service, action)!;
        return await handler(new QueryInput(form.ToDictionary(f => f.Key, f => f.Value)), _context);
    }
}
