using System.Collections.Immutable;
using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Emulator.Model.CloudFormation;

/// <summary>A parameter as a CreateStack / UpdateStack / CreateChangeSet request gives it.</summary>
public sealed record ParameterInput(string Key, string? Value, bool UsePreviousValue);

/// <summary>A parameter's value for one stack: as given (for an SSM type, the parameter's name) and, for SSM types, what it resolved to.</summary>
public sealed record BoundParameter(string Key, string Value, string? ResolvedValue, bool NoEcho, string Type);

/// <summary>
/// B-CFN-2: binding a template's parameters — given values, previous values (UsePreviousValue), defaults — checked
/// against their type and constraints, then the <c>AWS::SSM::Parameter::Value&lt;...&gt;</c> ones resolved from the
/// parameter store. Errors are CloudFormation's ValidationError texts.
/// </summary>
public static class TemplateParameters
{
    /// <summary>Binds the inputs to the template's declarations (no parameter store yet).</summary>
    public static ImmutableArray<BoundParameter> Bind(Template template, IReadOnlyList<ParameterInput> inputs, IReadOnlyDictionary<string, string>? previous)
    {
        var unknown = inputs.Select(i => i.Key).Where(k => !template.Parameters.ContainsKey(k)).Distinct(StringComparer.Ordinal).ToList();
        if (unknown.Count > 0)
        {
            throw new TemplateException($"Parameters: [{string.Join(", ", unknown)}] do not exist in the template");
        }

        var given = inputs.GroupBy(i => i.Key, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Last(), StringComparer.Ordinal);
        var missing = new List<string>();
        var bound = ImmutableArray.CreateBuilder<BoundParameter>();
        foreach (var name in template.ParameterOrder)
        {
            var declaration = template.Parameters[name];
            string? value;
            if (given.TryGetValue(name, out var input))
            {
                if (input.UsePreviousValue)
                {
                    if (previous is null || !previous.TryGetValue(name, out value))
                    {
                        throw new TemplateException($"Invalid input for parameter key {name}. Cannot specify usePreviousValue as true for a parameter key not in the previous template");
                    }
                }
                else
                {
                    value = input.Value;
                }
            }
            else
            {
                value = declaration.Default;
            }

            if (value is null)
            {
                missing.Add(name);
                continue;
            }

            Check(declaration, value);
            bound.Add(new BoundParameter(name, value, null, declaration.NoEcho, declaration.Type));
        }

        if (missing.Count > 0)
        {
            throw new TemplateException($"Parameters: [{string.Join(", ", missing)}] must have values");
        }

        return bound.ToImmutable();
    }

    /// <summary>The parameter store names the SSM-typed parameters need.</summary>
    public static ImmutableArray<string> SsmNames(IEnumerable<BoundParameter> bound) =>
        [.. bound.Where(p => Template.IsSsmValueType(p.Type)).Select(p => p.Value).Distinct(StringComparer.Ordinal)];

    /// <summary>Fills in the SSM-typed parameters from <paramref name="store"/>; names it lacks are CloudFormation's error.</summary>
    public static ImmutableArray<BoundParameter> Resolve(ImmutableArray<BoundParameter> bound, IReadOnlyDictionary<string, string> store)
    {
        var missing = SsmNames(bound).Where(n => !store.ContainsKey(n)).ToList();
        if (missing.Count > 0)
        {
            throw new TemplateException($"Unable to fetch parameters [{string.Join(",", missing)}] from parameter store for this account.");
        }

        return [.. bound.Select(p => Template.IsSsmValueType(p.Type) ? p with { ResolvedValue = store[p.Value] } : p)];
    }

    /// <summary>What Ref of each parameter gives: a string, or a list for list types.</summary>
    public static ImmutableDictionary<string, JsonNode?> Values(IEnumerable<BoundParameter> bound) =>
        bound.ToImmutableDictionary(p => p.Key, JsonNode? (p) =>
        {
            var value = p.ResolvedValue ?? p.Value;
            return Template.IsListType(p.Type)
                ? (JsonNode)new JsonArray([.. (value.Length == 0 ? [] : value.Split(',')).Select(v => (JsonNode?)JsonValue.Create(v.Trim()))])
                : JsonValue.Create(value);
        }, StringComparer.Ordinal);

    private static void Check(ParameterDeclaration d, string value)
    {
        var name = d.Name;
        string Constraint(string fallback) => d.ConstraintDescription is { Length: > 0 } c ? $"Parameter '{name}' failed to satisfy constraint: {c}" : fallback;

        if (d.Type == "Number" && !IsNumber(value))
        {
            throw new TemplateException($"Parameter '{name}' must be a number.");
        }

        if (d.Type == "List<Number>" && value.Split(',').Any(v => !IsNumber(v.Trim())))
        {
            throw new TemplateException($"Parameter '{name}' must be a list of numbers.");
        }

        var values = Template.IsListType(d.Type) && !Template.IsSsmValueType(d.Type) ? value.Split(',').Select(v => v.Trim()).ToList() : [value];
        if (!d.AllowedValues.IsDefaultOrEmpty && values.Any(v => !d.AllowedValues.Contains(v)))
        {
            throw new TemplateException(Constraint($"Parameter '{name}' must be one of AllowedValues"));
        }

        if (d.AllowedPattern is { } pattern && values.Any(v => !Regex.IsMatch(v, "^(?:" + pattern + ")$", RegexOptions.None, TimeSpan.FromSeconds(1))))
        {
            throw new TemplateException(Constraint($"Parameter '{name}' must match pattern {pattern}"));
        }

        if (d.MinLength is { } min && value.Length < min)
        {
            throw new TemplateException(Constraint($"Parameter '{name}' must contain at least {min} characters"));
        }

        if (d.MaxLength is { } max && value.Length > max)
        {
            throw new TemplateException(Constraint($"Parameter '{name}' must contain at most {max} characters"));
        }

        if (d.Type == "Number" && double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var n))
        {
            if (d.MinValue is { } lo && n < lo)
            {
                throw new TemplateException(Constraint(string.Create(CultureInfo.InvariantCulture, $"Parameter '{name}' must be a number not less than {lo}")));
            }

            if (d.MaxValue is { } hi && n > hi)
            {
                throw new TemplateException(Constraint(string.Create(CultureInfo.InvariantCulture, $"Parameter '{name}' must be a number not greater than {hi}")));
            }
        }
    }

    private static bool IsNumber(string s) => double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out _);
}
