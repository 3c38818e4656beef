namespace Emulator.Contracts;

/// <summary>
/// The one error catalogue: every failure that reaches an API caller carries an AWS error code
/// (ClientException, InvalidParameterException, ClusterNotFoundException, ...). The HTTP edge maps the code to
/// the wire; the client prints it.
/// </summary>
[GenerateSerializer, Alias("EcsException")]
public sealed class EcsException : Exception
{
    public EcsException()
    {
        Code = ErrorCodes.ServerException;
    }

    public EcsException(string message)
        : base(message)
    {
        Code = ErrorCodes.ServerException;
    }

    public EcsException(string message, Exception inner)
        : base(message, inner)
    {
        Code = ErrorCodes.ServerException;
    }

    public EcsException(string code, string message)
        : base(message)
    {
        Code = code;
    }

    [Id(0)]
    public string Code { get; init; }

    /// <summary>ARNs an error names as a member of its own (ECS ConflictException's <c>resourceIds</c>), or empty.</summary>
    [Id(1)]
    public System.Collections.Immutable.ImmutableArray<string> ResourceIds { get; init; } = [];
}

public static class ErrorCodes
{
    public const string ClientException = "ClientException";
    public const string Conflict = "ConflictException";
    public const string InvalidParameter = "InvalidParameterException";
    public const string ClusterNotFound = "ClusterNotFoundException";
    public const string ClusterContainsServices = "ClusterContainsServicesException";
    public const string ClusterContainsTasks = "ClusterContainsTasksException";
    public const string ClusterContainsContainerInstances = "ClusterContainsContainerInstancesException";
    public const string ServiceNotFound = "ServiceNotFoundException";
    public const string ServiceNotActive = "ServiceNotActiveException";
    public const string ResourceInUse = "ResourceInUseException";
    public const string ResourceNotFound = "ResourceNotFoundException";

    /// <summary>PutAttributes / DeleteAttributes naming a target (container instance) that does not exist.</summary>
    public const string TargetNotFound = "TargetNotFoundException";
    public const string LimitExceeded = "LimitExceededException";
    public const string UpdateInProgress = "UpdateInProgressException";
    public const string ServerException = "ServerException";
    public const string AlreadyExists = "AlreadyExists";
    public const string ValidationError = "ValidationError";

    /// <summary>B-DP-5: a service deployment ARN that names no service deployment.</summary>
    public const string ServiceDeploymentNotFound = "ServiceDeploymentNotFoundException";
    public const string UnsupportedFeature = "UnsupportedFeatureException";

    public static EcsException Invalid(string message) => new(InvalidParameter, message);

    public static EcsException Client(string message) => new(ClientException, message);
}
