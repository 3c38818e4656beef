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

/// <summary>
/// AWS's error texts, each written once (as moto keeps <c>exceptions.py</c>): the code and the message a caller of
/// the real service reads for the same mistake. Grains, the HTTP edge and the dashboard throw these instead of
/// spelling the text again.
/// </summary>
public static class Errors
{
    // ECS
    public static EcsException ClusterNotFound() => new(ErrorCodes.ClusterNotFound, "Cluster not found.");

    public static EcsException ServiceNotFound() => new(ErrorCodes.ServiceNotFound, "Service not found.");

    public static EcsException ServiceNotFoundIn(string service, string cluster) =>
        new(ErrorCodes.ServiceNotFound, $"Service {service} not found in cluster {cluster}.");

    public static EcsException ServiceNotActive() => new(ErrorCodes.ServiceNotActive, "Service was not ACTIVE.");

    public static EcsException TaskDefinitionUnknown() => ErrorCodes.Client("Unable to describe task definition.");

    public static EcsException TaskDefinitionInactive(string arn) => ErrorCodes.Client($"TaskDefinition is inactive: {arn}");

    public static EcsException InvalidResourceArn(string arn) => ErrorCodes.Invalid($"Invalid resource ARN: {arn}");

    public static EcsException NegativeDesiredCount() => ErrorCodes.Invalid("desiredCount must be at least 0.");

    public static EcsException DaemonDesiredCount() =>
        ErrorCodes.Invalid("The daemon scheduling strategy does not support a desired count for services.");

    public static EcsException AttributeTargetType() => ErrorCodes.Invalid("targetType must be container-instance.");

    // EC2 Auto Scaling (query protocol: the code is ValidationError / AlreadyExists, the reason leads the message)
    public static EcsException AutoScalingGroupNotFound(string name) =>
        new(ErrorCodes.ValidationError, $"AutoScalingGroup name not found - AutoScalingGroup {name} not found");

    public static EcsException LaunchConfigurationNotFound(string name) =>
        new(ErrorCodes.ValidationError, $"Launch configuration name not found - Launch configuration {name} not found");

    public static EcsException InstanceNotManaged(string instanceId) =>
        new(ErrorCodes.ValidationError, $"Instance Id not found - No managed instance found for instance ID: {instanceId}");
}
