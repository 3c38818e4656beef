using System.Collections.Immutable;

namespace Emulator.Model.CloudFormation;

/// <summary>CloudFormation's stack and resource statuses (B-CFN-11), and the engine's own phase and job states.</summary>
public static class StackStatus
{
    public const string ReviewInProgress = "REVIEW_IN_PROGRESS";
    public const string CreateInProgress = "CREATE_IN_PROGRESS";
    public const string CreateComplete = "CREATE_COMPLETE";
    public const string CreateFailed = "CREATE_FAILED";
    public const string RollbackInProgress = "ROLLBACK_IN_PROGRESS";
    public const string RollbackComplete = "ROLLBACK_COMPLETE";
    public const string RollbackFailed = "ROLLBACK_FAILED";
    public const string UpdateInProgress = "UPDATE_IN_PROGRESS";
    public const string UpdateCompleteCleanupInProgress = "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS";
    public const string UpdateComplete = "UPDATE_COMPLETE";
    public const string UpdateFailed = "UPDATE_FAILED";
    public const string UpdateRollbackInProgress = "UPDATE_ROLLBACK_IN_PROGRESS";
    public const string UpdateRollbackCompleteCleanupInProgress = "UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS";
    public const string UpdateRollbackComplete = "UPDATE_ROLLBACK_COMPLETE";
    public const string UpdateRollbackFailed = "UPDATE_ROLLBACK_FAILED";
    public const string DeleteInProgress = "DELETE_IN_PROGRESS";
    public const string DeleteComplete = "DELETE_COMPLETE";
    public const string DeleteFailed = "DELETE_FAILED";
    public const string DeleteSkipped = "DELETE_SKIPPED";

    public const string StackType = "AWS::CloudFormation::Stack";

    /// <summary>Statuses from which an update may start.</summary>
    public static readonly ImmutableHashSet<string> Updatable = ImmutableHashSet.Create(StringComparer.Ordinal,
        CreateComplete, UpdateComplete, UpdateRollbackComplete);

    /// <summary>Statuses of a stack with an operation running (no other may start).</summary>
    public static bool InProgress(string status) => status.EndsWith("_IN_PROGRESS", StringComparison.Ordinal) && status != ReviewInProgress;

    /// <summary>Every stack status, for ListStacks' filter (an unknown one is a ValidationError).</summary>
    public static readonly ImmutableHashSet<string> All = ImmutableHashSet.Create(StringComparer.Ordinal,
        ReviewInProgress, CreateInProgress, CreateComplete, CreateFailed, RollbackInProgress, RollbackComplete, RollbackFailed,
        UpdateInProgress, UpdateCompleteCleanupInProgress, UpdateComplete, UpdateFailed, UpdateRollbackInProgress,
        UpdateRollbackCompleteCleanupInProgress, UpdateRollbackComplete, UpdateRollbackFailed, DeleteInProgress, DeleteComplete, DeleteFailed,
        "IMPORT_IN_PROGRESS", "IMPORT_COMPLETE", "IMPORT_ROLLBACK_IN_PROGRESS", "IMPORT_ROLLBACK_FAILED", "IMPORT_ROLLBACK_COMPLETE");
}

/// <summary>The phases of a stack operation and the states of its jobs.</summary>
public static class RunPhase
{
    public const string Create = "CREATE";
    public const string Update = "UPDATE";
    public const string Delete = "DELETE";

    public const string Apply = "APPLY";
    public const string Finalizing = "FINALIZE";
    public const string Cleanup = "CLEANUP";
    public const string Rollback = "ROLLBACK";
    public const string RollbackCleanup = "ROLLBACK_CLEANUP";

    public const string Pending = "Pending";
    public const string Running = "Running";
    public const string Done = "Done";
    public const string Failed = "Failed";

    public const string VerbCreate = "Create";
    public const string VerbUpdate = "Update";
    public const string VerbRevert = "Revert";
    public const string VerbDelete = "Delete";
}
