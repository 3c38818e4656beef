namespace Emulator.Silo.Aws;

/// <summary>The AWS protocols the endpoint speaks (B-W-1..3).</summary>
public enum AwsProtocol
{
    /// <summary>AWS JSON 1.0 / 1.1: POST /, X-Amz-Target: Prefix.Operation, JSON body.</summary>
    Json = 0,

    /// <summary>AWS query: POST / form-encoded Action=...&amp;Version=..., XML response.</summary>
    Query = 1,
}

/// <summary>
/// Marks a static handler method as the implementation of one AWS operation. The one table of operations
/// (<see cref="OperationTable"/>) is built from these attributes, and the coverage list (docs/coverage.md) is
/// checked against it by a test.
/// JSON handlers: <c>static Task&lt;JsonObject&gt; Name(JsonInput input, AwsContext context)</c>.
/// Query handlers: <c>static Task&lt;XElement&gt; Name(QueryInput input, AwsContext context)</c> returning the
/// ...Result element (the envelope and ResponseMetadata are added by the endpoint).
/// </summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = true)]
public sealed class AwsOperationAttribute(string service, string operation) : Attribute
{
    /// <summary>Service key: "ecs", "autoscaling", "ec2", "cloudwatch", "application-autoscaling".</summary>
    public string Service { get; } = service;

    public string Operation { get; } = operation;
}
