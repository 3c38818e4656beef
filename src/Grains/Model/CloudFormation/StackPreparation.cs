using System.Collections.Immutable;
using System.Text.Json.Nodes;
using Emulator.Contracts;

namespace Emulator.Model.CloudFormation;

/// <summary>A template ready to apply to a stack: parsed, parameters bound and resolved, conditions evaluated, imports found.</summary>
public sealed record PreparedStack(
    Template Template,
    ImmutableArray<StackParameterRecord> Parameters,
    ImmutableDictionary<string, bool> Conditions,
    ImmutableDictionary<string, string> Imports);

/// <summary>
/// Everything CloudFormation checks before it accepts a CreateStack, UpdateStack or CreateChangeSet (B-CFN-1..4, B-CFN-8):
/// the template's format, transforms, capabilities, parameters, rules, conditions, dependencies and imports. A failure
/// here is the API call's error, and nothing is created.
/// </summary>
public static class StackPreparation
{
    /// <summary>First step: the template parsed and the parameters bound (the SSM-typed ones still names).</summary>
    public static (Template Template, ImmutableArray<BoundParameter> Bound) Bind(
        string body, IReadOnlyList<StackParameterInput> inputs, IReadOnlyDictionary<string, string>? previous)
    {
        var template = Template.Parse(body);
        if (!template.Transforms.IsEmpty)
        {
            throw new TemplateException($"Transform {string.Join(", ", template.Transforms)} is not supported by this emulator's CloudFormation: deploy the processed template");
        }

        var bound = TemplateParameters.Bind(template, [.. inputs.Select(i => new ParameterInput(i.Key, i.Value, i.UsePreviousValue))], previous);
        return (template, bound);
    }

    /// <summary>Second step, with the parameter store's values and the account's exports at hand.</summary>
    public static PreparedStack Complete(
        Template template, ImmutableArray<BoundParameter> bound, IReadOnlyDictionary<string, string> parameterStore,
        IReadOnlyDictionary<string, string> exports, IEnumerable<string> capabilities, string stackName, string stackId, StackEnvironment env)
    {
        StackCapabilities.Check(template, capabilities);
        var resolved = TemplateParameters.Resolve(bound, parameterStore);
        var ctx = new EvaluationContext(
            TemplateParameters.Values(resolved), env.AccountId, env.Region, stackName, stackId, env.Zones, template.Mappings,
            ImmutableDictionary<string, bool>.Empty, ImmutableDictionary<string, ResourceValues>.Empty,
            exports.ToImmutableDictionary(StringComparer.Ordinal), []);
        var conditions = Intrinsics.EvaluateConditions(template.Conditions, ctx);
        ctx = ctx with { Conditions = conditions };
        CheckRules(template, ctx);
        Dependencies.Of(template, conditions);
        Dependencies.Of(template, null);

        var active = Dependencies.Active(template, conditions);
        var imports = ImmutableDictionary.CreateBuilder<string, string>(StringComparer.Ordinal);
        var importArgs = template.Resources.Values.Where(r => active.Contains(r.LogicalId)).SelectMany(r => Dependencies.Imports(r.Properties))
            .Concat(template.Outputs.Values.SelectMany(o => Dependencies.Imports(o.Value)));
        foreach (var arg in importArgs)
        {
            string name;
            try
            {
                name = Template.Text(Intrinsics.Resolve(arg, ctx));
            }
            catch (TemplateException)
            {
                continue; // an import whose name needs a resource's value is checked when that resource is created
            }

            imports[name] = exports.TryGetValue(name, out var value) ? value : throw new TemplateException($"No export named {name} found.");
        }

        var parameters = resolved.Select(p => new StackParameterRecord(p.Key, p.Value, p.ResolvedValue, p.NoEcho, p.Type)).ToImmutableArray();
        return new PreparedStack(template, parameters, conditions, imports.ToImmutable());
    }

    /// <summary>The Rules section: each rule whose RuleCondition holds must have every assertion hold.</summary>
    private static void CheckRules(Template template, EvaluationContext ctx)
    {
        foreach (var (name, node) in template.Rules)
        {
            if (node is not JsonObject rule || rule["Assertions"] is not JsonArray assertions)
            {
                throw new TemplateException($"Template format error: Every Rules member must contain an Assertions list, the rule '{name}' does not");
            }

            if (rule["RuleCondition"] is { } condition && !Intrinsics.Holds(condition, ctx))
            {
                continue;
            }

            foreach (var assertion in assertions)
            {
                if (assertion is not JsonObject a || !Intrinsics.Holds(a["Assert"], ctx))
                {
                    var description = (assertion as JsonObject)?["AssertDescription"]?.ToString();
                    throw new TemplateException(description ?? $"Template error: the assertion of rule {name} failed");
                }
            }
        }
    }
}
