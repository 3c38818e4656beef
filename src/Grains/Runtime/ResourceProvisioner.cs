using Emulator.Model.CloudFormation;

namespace Emulator.Runtime;

/// <summary>The stack a resource call is made for (handlers name generated physical resources after it).</summary>
public sealed record StackCallContext(string StackId, string StackName, string? ClientRequestToken);

/// <summary>
/// The CloudFormation resource handlers (B-CFN-10), provided by the host: each resource type maps onto the emulator's own
/// AWS operations (the same ones the AWS endpoint serves), so a stack and a CLI user get one behaviour. The stack grain
/// calls it; the silo registers the implementation (src/Silo/CloudFormation).
/// </summary>
public interface IResourceProvisioner
{
    /// <summary>Creates, updates, deletes or polls one resource; failures come back as a failed outcome with AWS's reason.</summary>
    Task<ResourceOutcome> Execute(ResourceCall call, StackCallContext context);

    /// <summary>Values of parameter store parameters (the SSM parameter types of B-CFN-2); unknown names are left out.</summary>
    Task<IReadOnlyDictionary<string, string>> Parameters(IReadOnlyList<string> names);
}
