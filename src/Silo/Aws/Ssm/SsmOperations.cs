using System.Collections.Immutable;
using System.Text.Json.Nodes;
using Emulator.Contracts;
using Emulator.Model.Catalog;

namespace Emulator.Silo.Aws.Ssm;

/// <summary>
/// AWS Systems Manager Parameter Store over JSON 1.1 (target prefix AmazonSSM), kept to the public parameters ECS
/// configurations read (<see cref="PublicParameters"/>): the ECS-optimized AMI ids. Known gap: parameters of one's own
/// (PutParameter) do not exist here.
/// </summary>
public static class SsmOperations
{
    public const string ParameterNotFound = "ParameterNotFound";
    public const string ParameterVersionNotFound = "ParameterVersionNotFound";
    public const string ValidationException = "ValidationException";

    [AwsOperation(AwsServices.Ssm, "GetParameter")]
    public static Task<JsonObject> GetParameter(JsonInput input, AwsContext context)
    {
        var name = input.String("Name") is { Length: > 0 } n ? n : throw Missing("name");
        _ = input.Bool("WithDecryption");
        return Task.FromResult(new JsonObject { ["Parameter"] = Shape(Resolve(name, context) ?? throw NotFound(name), name, context) });
    }

    [AwsOperation(AwsServices.Ssm, "GetParameters")]
    public static Task<JsonObject> GetParameters(JsonInput input, AwsContext context)
    {
        var names = input.Strings("Names") ?? throw Missing("names");
        if (names.Length is < 1 or > 10)
        {
            throw new EcsException(ValidationException, $"1 validation error detected: Value '[{string.Join(", ", names)}]' at 'names' failed to satisfy constraint: Member must have length less than or equal to 10 and greater than or equal to 1");
        }

        _ = input.Bool("WithDecryption");
        var found = new JsonArray();
        var invalid = ImmutableArray.CreateBuilder<string>();
        foreach (var name in names.Distinct(StringComparer.Ordinal))
        {
            if (Resolve(name, context) is { } p)
            {
                found.Add(Shape(p, name, context));
            }
            else
            {
                invalid.Add(name);
            }
        }

        return Task.FromResult(new JsonObject { ["Parameters"] = found, ["InvalidParameters"] = WireJson.Strings(invalid) });
    }

    /// <summary>A name with an optional <c>:version</c> selector (labels do not exist on public parameters).</summary>
    private static PublicParameter? Resolve(string selector, AwsContext context)
    {
        var colon = selector.LastIndexOf(':');
        var name = colon > 0 ? selector[..colon] : selector;
        var p = PublicParameters.Find(name, context.Region);
        if (p is null || colon <= 0)
        {
            return p;
        }

        var version = selector[(colon + 1)..];
        return long.TryParse(version, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var v) && v == p.Version
            ? p
            : throw new EcsException(ParameterVersionNotFound, $"Systems Manager could not find version {version} of {name}. Verify the version and try again.");
    }

    private static JsonObject Shape(PublicParameter p, string selector, AwsContext context)
    {
        var o = new JsonObject
        {
            ["Name"] = p.Name,
            ["Type"] = "String",
            ["Value"] = p.Value,
            ["Version"] = p.Version,
            ["LastModifiedDate"] = WireJson.Epoch(p.LastModified),
            ["ARN"] = $"arn:aws:ssm:{context.Region}::parameter{p.Name}",
            ["DataType"] = p.DataType,
        };
        if (selector != p.Name)
        {
            o["Selector"] = selector[p.Name.Length..];
        }

        return o;
    }

    private static EcsException NotFound(string name) => new(ParameterNotFound, $"Parameter {name} not found.");

    private static EcsException Missing(string member) =>
        new(ValidationException, $"1 validation error detected: Value null at '{member}' failed to satisfy constraint: Member must not be null");
}
