using Emulator.Contracts;

namespace Emulator.Silo.Aws;

/// <summary>
/// The one catalogue from error codes to the wire (B-W-1, B-W-3): HTTP status, and for the query protocol whether
/// the fault is the sender's or the receiver's. ServerException is the only 5xx of ECS.
/// </summary>
public static class AwsErrors
{
    public const string UnknownOperation = "UnknownOperationException";
    public const string InvalidAction = "InvalidAction";
    public const string MissingAction = "MissingAction";
    public const string InternalFailure = "InternalFailure";

    public static int StatusOf(string code, string? service = null) => code switch
    {
        ErrorCodes.ServerException or InternalFailure or "ServiceFailure" => 500,
        "ResourceNotFound" => 404, // CloudWatch DeleteAlarms / SetAlarmState
        "ResourceNotFoundException" when service == AwsServices.CloudWatch => 404, // CloudWatch tagging
        "NoSuchEntity" when service == AwsServices.Iam => 404,
        "ChangeSetNotFound" when service == AwsServices.CloudFormation => 404,
        "EntityAlreadyExists" or "DeleteConflict" or "LimitExceeded" when service == AwsServices.Iam => 409, // Auto Scaling's LimitExceeded is a 400
        _ => 400,
    };

    public static string QueryFaultOf(string code) => StatusOf(code) >= 500 ? "Receiver" : "Sender";
}
