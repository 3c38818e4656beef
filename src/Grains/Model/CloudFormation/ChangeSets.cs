using System.Collections.Immutable;
using System.Text.Json.Nodes;
using Emulator.Contracts;

namespace Emulator.Model.CloudFormation;

/// <summary>
/// B-CFN-9: what applying a template to a stack would change, resource by resource — Add, Remove, or Modify with
/// Replacement True (a create-only property changes), False (in place) or Conditional (a create-only property takes
/// a value that is only known once another resource is created or replaced). The same comparison decides whether an
/// update has anything to do at all.
/// </summary>
public static class ChangeSets
{
    public const string NoChangesReason = "The submitted information didn't contain changes. Submit different information to create a change set.";
    public const string NoUpdatesMessage = "No updates are to be performed.";

    private const string Unresolved = "{{changeset:unresolved}}";

    public static ImmutableArray<ResourceChangeRecord> Compute(
        StackRecord stack, Template template, ImmutableArray<StackParameterRecord> parameters, ImmutableDictionary<string, bool> conditions,
        ImmutableDictionary<string, string> imports, StackEnvironment env)
    {
        var graph = Dependencies.Of(template, conditions);
        var order = Dependencies.Order(graph, template.ResourceOrder);
        var current = stack.Resources;
        var dynamic = new HashSet<string>(StringComparer.Ordinal);
        var changes = ImmutableArray.CreateBuilder<ResourceChangeRecord>();

        var resources = current.Values.Where(r => r.PhysicalId is not null)
            .ToImmutableDictionary(r => r.LogicalId, r => new ResourceValues(r.PhysicalId!, r.Attributes.ToImmutableDictionary(kv => kv.Key, kv => JsonNode.Parse(kv.Value))), StringComparer.Ordinal);
        var ctx = new EvaluationContext(
            TemplateParameters.Values(parameters.Select(p => new BoundParameter(p.Key, p.Value, p.ResolvedValue, p.NoEcho, p.Type))),
            env.AccountId, env.Region, stack.StackName, stack.StackId, env.Zones, template.Mappings, conditions, resources, imports, stack.NotificationArns);

        foreach (var id in order)
        {
            var d = template.Resources[id];
            var info = ResourceTypes.Find(d.Type);
            if (!current.TryGetValue(id, out var existing))
            {
                changes.Add(new ResourceChangeRecord("Add", id, null, d.Type, null, [], []));
                dynamic.Add(id);
                ctx = ctx.WithResource(id, Placeholder(d.Type));
                continue;
            }

            JsonObject? properties;
            try
            {
                properties = Intrinsics.Resolve(d.Properties ?? [], ctx) as JsonObject ?? [];
            }
            catch (TemplateException)
            {
                properties = null;
            }

            var changed = properties is null ? ["*"] : StackEngine.ChangedProperties(existing.Properties, properties.ToJsonString());
            if (changed.Count == 0 && existing.Status is not (StackStatus.CreateFailed or StackStatus.UpdateFailed))
            {
                continue;
            }

            var details = ImmutableArray.CreateBuilder<ResourceChangeDetailRecord>();
            var replacement = "False";
            foreach (var name in changed.Where(n => n != "*"))
            {
                var value = properties?[name]?.ToJsonString() ?? "";
                var isDynamic = value.Contains(Unresolved, StringComparison.Ordinal);
                var recreates = info?.Replaces(name) ?? false;
                var requires = recreates ? (isDynamic ? "Conditionally" : "Always") : "Never";
                details.Add(new ResourceChangeDetailRecord("Properties", name, requires, isDynamic ? "Dynamic" : "Static",
                    isDynamic ? "ResourceReference" : "DirectModification", null));
                replacement = (replacement, requires) switch
                {
                    (_, "Always") => "True",
                    ("False", "Conditionally") => "Conditional",
                    _ => replacement,
                };
            }

            if (properties is null)
            {
                replacement = "Conditional";
            }

            if (replacement != "False")
            {
                dynamic.Add(id);
                ctx = ctx.WithResource(id, Placeholder(d.Type));
            }

            changes.Add(new ResourceChangeRecord("Modify", id, existing.PhysicalId, d.Type, replacement, ["Properties"], details.ToImmutable()));
        }

        foreach (var r in current.Values.Where(r => !graph.ContainsKey(r.LogicalId)).OrderBy(r => r.LogicalId, StringComparer.Ordinal))
        {
            changes.Add(new ResourceChangeRecord("Remove", r.LogicalId, r.PhysicalId, r.Type, null, [], []));
        }

        return changes.ToImmutable();
    }

    /// <summary>Whether a request changes nothing: no resource change, and the same template, parameters and tags.</summary>
    public static bool NothingToDo(StackRecord stack, Template template, ImmutableArray<ResourceChangeRecord> changes, ImmutableArray<StackParameterRecord> parameters, ImmutableArray<StackTagRecord>? tags) =>
        changes.IsEmpty
        && stack.TemplateBody.Length > 0
        && Template.Parse(stack.TemplateBody).Canonical() == template.Canonical()
        && stack.Parameters.Select(p => (p.Key, p.Value)).SequenceEqual(parameters.Select(p => (p.Key, p.Value)))
        && (tags is null || stack.Tags.SequenceEqual(tags.Value));

    /// <summary>A resource whose values are not known before it is (re)created: every attribute of its type is a placeholder.</summary>
    private static ResourceValues Placeholder(string type) => new(
        Unresolved,
        (ResourceTypes.Find(type)?.Attributes ?? []).ToImmutableDictionary(a => a, _ => (JsonNode?)JsonValue.Create(Unresolved), StringComparer.Ordinal));
}
