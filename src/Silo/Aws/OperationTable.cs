using System.Reflection;
using System.Text.Json.Nodes;
using System.Xml.Linq;

namespace Emulator.Silo.Aws;

public delegate Task<JsonObject> JsonHandler(JsonInput input, AwsContext context);

public delegate Task<XElement> QueryHandler(QueryInput input, AwsContext context);

/// <summary>
/// The one table from (service, operation) to its handler, built from <see cref="AwsOperationAttribute"/> on static
/// methods of this assembly.
/// </summary>
public sealed class OperationTable
{
    private readonly Dictionary<(string Service, string Operation), JsonHandler> _json = [];
    private readonly Dictionary<(string Service, string Operation), QueryHandler> _query = [];

    public OperationTable()
    {
        var methods = typeof(OperationTable).Assembly.GetTypes()
            .SelectMany(t => t.GetMethods(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static));
        foreach (var m in methods)
        {
            foreach (var a in m.GetCustomAttributes<AwsOperationAttribute>())
            {
                var key = (a.Service, a.Operation);
                if (m.ReturnType == typeof(Task<JsonObject>))
                {
                    _json.Add(key, m.CreateDelegate<JsonHandler>());
                }
                else if (m.ReturnType == typeof(Task<XElement>))
                {
                    _query.Add(key, m.CreateDelegate<QueryHandler>());
                }
                else
                {
                    throw new InvalidOperationException($"{m.DeclaringType}.{m.Name}: an AWS operation handler returns Task<JsonObject> or Task<XElement>.");
                }
            }
        }
    }

    public static OperationTable Instance { get; } = new();

    /// <summary>Every implemented operation, "service:Operation", for the coverage list.</summary>
    public IEnumerable<string> Operations =>
        _json.Keys.Select(k => $"{k.Service}:{k.Operation}").Concat(_query.Keys.Select(k => $"{k.Service}:{k.Operation}")).Distinct().Order(StringComparer.Ordinal);

    public JsonHandler? Json(string service, string operation) => _json.GetValueOrDefault((service, operation));

    public QueryHandler? Query(string service, string operation) => _query.GetValueOrDefault((service, operation));
}
