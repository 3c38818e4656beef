using System.Collections.Immutable;
using System.Text.Json.Nodes;

namespace Emulator.Model.CloudFormation;

/// <summary>
/// B-CFN-4: which resources a resource needs before it can be created — implicitly through Ref, Fn::GetAtt and the
/// variables of Fn::Sub, explicitly through DependsOn — and the order that follows. References to something the
/// template does not declare are CloudFormation's "Unresolved resource dependencies"; a cycle is its "Circular
/// dependency between resources". With conditions known, only the branches Fn::If takes count and resources whose
/// condition is false do not exist.
/// </summary>
public static class Dependencies
{
    /// <summary>The dependencies of every resource that exists under <paramref name="conditions"/> (null: every branch, every resource).</summary>
    public static ImmutableDictionary<string, ImmutableArray<string>> Of(Template template, IReadOnlyDictionary<string, bool>? conditions)
    {
        var active = Active(template, conditions);
        var result = ImmutableDictionary.CreateBuilder<string, ImmutableArray<string>>(StringComparer.Ordinal);
        var unresolved = new List<string>();
        foreach (var id in template.ResourceOrder.Where(active.Contains))
        {
            var r = template.Resources[id];
            var deps = new SortedSet<string>(StringComparer.Ordinal);
            foreach (var d in r.DependsOn)
            {
                if (!template.Resources.ContainsKey(d) || !active.Contains(d))
                {
                    unresolved.Add(d);
                }
                else
                {
                    deps.Add(d);
                }
            }

            foreach (var name in References(r.Properties, conditions).Concat(References(r.Metadata, conditions)))
            {
                if (template.Parameters.ContainsKey(name) || Intrinsics.IsPseudo(name))
                {
                    continue;
                }

                if (!template.Resources.ContainsKey(name) || !active.Contains(name))
                {
                    unresolved.Add(name);
                }
                else if (name != id)
                {
                    deps.Add(name);
                }
                else
                {
                    throw new TemplateException($"Circular dependency between resources: [{id}]");
                }
            }

            result[id] = [.. deps];
        }

        if (unresolved.Count > 0)
        {
            throw new TemplateException($"Template format error: Unresolved resource dependencies [{string.Join(", ", unresolved.Distinct(StringComparer.Ordinal))}] in the Resources block of the template");
        }

        var outputsUnresolved = template.OutputOrder
            .Where(o => template.Outputs[o].Condition is not { } c || conditions is null || (conditions.TryGetValue(c, out var v) && v))
            .SelectMany(o => References(template.Outputs[o].Value, conditions).Concat(References(template.Outputs[o].ExportName, conditions)))
            .Where(n => !template.Parameters.ContainsKey(n) && !Intrinsics.IsPseudo(n) && !(template.Resources.ContainsKey(n) && active.Contains(n)))
            .Distinct(StringComparer.Ordinal).ToList();
        if (outputsUnresolved.Count > 0)
        {
            throw new TemplateException($"Template format error: Unresolved resource dependencies [{string.Join(", ", outputsUnresolved)}] in the Outputs block of the template");
        }

        var graph = result.ToImmutable();
        Order(graph, template.ResourceOrder);
        return graph;
    }

    /// <summary>The resources that exist: no condition, or a condition that holds (every one when conditions are unknown).</summary>
    public static ImmutableHashSet<string> Active(Template template, IReadOnlyDictionary<string, bool>? conditions)
    {
        var b = ImmutableHashSet.CreateBuilder<string>(StringComparer.Ordinal);
        foreach (var (id, r) in template.Resources)
        {
            if (r.Condition is null || conditions is null)
            {
                b.Add(id);
                continue;
            }

            if (!conditions.TryGetValue(r.Condition, out var holds))
            {
                throw new TemplateException($"Template format error: Unresolved condition dependency {r.Condition} in resource {id}");
            }

            if (holds)
            {
                b.Add(id);
            }
        }

        return b.ToImmutable();
    }

    /// <summary>
    /// A creation order in which every resource comes after its dependencies; among ready resources the template's
    /// order. A cycle is CloudFormation's error naming the resources on it.
    /// </summary>
    public static ImmutableArray<string> Order(IReadOnlyDictionary<string, ImmutableArray<string>> graph, IEnumerable<string> templateOrder)
    {
        var order = templateOrder.Where(graph.ContainsKey).ToList();
        var done = new HashSet<string>(StringComparer.Ordinal);
        var result = ImmutableArray.CreateBuilder<string>(order.Count);
        while (result.Count < order.Count)
        {
            var progressed = false;
            foreach (var id in order)
            {
                if (!done.Contains(id) && graph[id].All(done.Contains))
                {
                    done.Add(id);
                    result.Add(id);
                    progressed = true;
                }
            }

            if (!progressed)
            {
                var cycle = FindCycle(graph, order.Where(id => !done.Contains(id)).ToList());
                throw new TemplateException($"Circular dependency between resources: [{string.Join(", ", cycle)}]");
            }
        }

        return result.ToImmutable();
    }

    private static List<string> FindCycle(IReadOnlyDictionary<string, ImmutableArray<string>> graph, List<string> remaining)
    {
        var left = remaining.ToHashSet(StringComparer.Ordinal);
        var path = new List<string>();
        var onPath = new HashSet<string>(StringComparer.Ordinal);
        var current = remaining[0];
        while (!onPath.Contains(current))
        {
            path.Add(current);
            onPath.Add(current);
            current = graph[current].First(left.Contains);
        }

        var start = path.IndexOf(current);
        var cycle = path.Skip(start).ToList();
        cycle.Sort(StringComparer.Ordinal);
        return cycle;
    }

    /// <summary>
    /// Names referred to by Ref, Fn::GetAtt and Fn::Sub in <paramref name="node"/>. With <paramref name="conditions"/>,
    /// Fn::If contributes only the branch it takes.
    /// </summary>
    public static IEnumerable<string> References(JsonNode? node, IReadOnlyDictionary<string, bool>? conditions)
    {
        switch (node)
        {
            case JsonArray a:
                foreach (var r in a.SelectMany(x => References(x, conditions)))
                {
                    yield return r;
                }

                break;
            case JsonObject o when Intrinsics.IsFunction(o, out var name, out var arg):
                switch (name)
                {
                    case "Ref" when arg is JsonValue v && v.TryGetValue<string>(out var target):
                        yield return target;
                        break;
                    case "Fn::GetAtt":
                        yield return Intrinsics.GetAttArgs(arg, null).Resource;
                        if (arg is JsonArray { Count: 2 } ga)
                        {
                            foreach (var r in References(ga[1], conditions))
                            {
                                yield return r;
                            }
                        }

                        break;
                    case "Fn::Sub":
                        foreach (var variable in Intrinsics.SubReferences(arg))
                        {
                            var dot = variable.IndexOf('.', StringComparison.Ordinal);
                            yield return dot > 0 && !Intrinsics.IsPseudo(variable) ? variable[..dot] : variable;
                        }

                        if (arg is JsonArray { Count: 2 } sa)
                        {
                            foreach (var r in References(sa[1], conditions))
                            {
                                yield return r;
                            }
                        }

                        break;
                    case "Fn::If" when conditions is not null && arg is JsonArray { Count: 3 } ia && ia[0] is JsonValue cv && cv.TryGetValue<string>(out var c):
                        if (!conditions.TryGetValue(c, out var holds))
                        {
                            throw new TemplateException($"Template format error: Unresolved condition dependency {c} in Fn::If");
                        }

                        foreach (var r in References(holds ? ia[1] : ia[2], conditions))
                        {
                            yield return r;
                        }

                        break;
                    default:
                        foreach (var r in References(arg, conditions))
                        {
                            yield return r;
                        }

                        break;
                }

                break;
            case JsonObject o:
                foreach (var r in o.SelectMany(kv => References(kv.Value, conditions)))
                {
                    yield return r;
                }

                break;
        }
    }

    /// <summary>Every Fn::ImportValue name written as a literal (for tracking which exports a stack uses).</summary>
    public static IEnumerable<JsonNode?> Imports(JsonNode? node)
    {
        switch (node)
        {
            case JsonArray a:
                foreach (var r in a.SelectMany(Imports))
                {
                    yield return r;
                }

                break;
            case JsonObject o when Intrinsics.IsFunction(o, out var name, out var arg) && name == "Fn::ImportValue":
                yield return arg;
                break;
            case JsonObject o:
                foreach (var r in o.SelectMany(kv => Imports(kv.Value)))
                {
                    yield return r;
                }

                break;
        }
    }
}
