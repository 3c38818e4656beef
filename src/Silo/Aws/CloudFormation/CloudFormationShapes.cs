using System.Xml.Linq;
using Emulator.Contracts;
using static Emulator.Silo.Aws.QueryXml;

namespace Emulator.Silo.Aws.CloudFormation;

/// <summary>CloudFormation's response structures (query protocol XML, lists as <c>member</c>).</summary>
public static class CloudFormationShapes
{
    public static XElement Stack(StackRecord s) => E("member",
        V("StackId", s.StackId),
        V("StackName", s.StackName),
        V("ChangeSetId", s.Run?.ChangeSetId),
        V("Description", s.Description),
        Members("Parameters", s.Parameters.Select(Parameter)),
        V("CreationTime", s.CreationTime),
        V("DeletionTime", s.DeletionTime),
        V("LastUpdatedTime", s.LastUpdatedTime),
        E("RollbackConfiguration"),
        V("StackStatus", s.Status),
        V("StackStatusReason", s.StatusReason),
        V("DisableRollback", s.DisableRollback),
        MemberStrings("NotificationARNs", s.NotificationArns),
        V("TimeoutInMinutes", s.TimeoutInMinutes),
        MemberStrings("Capabilities", s.Capabilities),
        s.Outputs.IsEmpty ? null : Members("Outputs", s.Outputs.Select(o => E("member",
            V("OutputKey", o.Key), V("OutputValue", o.Value), V("Description", o.Description), V("ExportName", o.ExportName)))),
        V("RoleARN", s.RoleArn),
        Members("Tags", s.Tags.Select(t => E("member", V("Key", t.Key), V("Value", t.Value)))),
        V("EnableTerminationProtection", s.TerminationProtection),
        E("DriftInformation", V("StackDriftStatus", "NOT_CHECKED")));

    public static XElement Parameter(StackParameterRecord p) => E("member",
        V("ParameterKey", p.Key),
        V("ParameterValue", p.NoEcho ? "****" : p.Value),
        V("ResolvedValue", p.NoEcho ? null : p.ResolvedValue));

    public static XElement Event(StackRecord s, StackEventRecord e) => E("member",
        V("StackId", s.StackId),
        V("EventId", e.EventId),
        V("StackName", s.StackName),
        V("LogicalResourceId", e.LogicalId),
        V("PhysicalResourceId", e.PhysicalId),
        V("ResourceType", e.ResourceType),
        V("Timestamp", e.Timestamp),
        V("ResourceStatus", e.Status),
        V("ResourceStatusReason", e.Reason),
        V("ResourceProperties", e.Properties),
        V("ClientRequestToken", e.ClientRequestToken));

    public static XElement Resource(StackRecord s, StackResourceRecord r) => E("member",
        V("StackName", s.StackName),
        V("StackId", s.StackId),
        V("LogicalResourceId", r.LogicalId),
        V("PhysicalResourceId", r.PhysicalId),
        V("ResourceType", r.Type),
        V("Timestamp", r.LastUpdated),
        V("ResourceStatus", r.Status),
        V("ResourceStatusReason", r.Reason),
        E("DriftInformation", V("StackResourceDriftStatus", "NOT_CHECKED")));

    public static XElement ResourceDetail(StackRecord s, StackResourceRecord r) => E("StackResourceDetail",
        V("StackName", s.StackName),
        V("StackId", s.StackId),
        V("LogicalResourceId", r.LogicalId),
        V("PhysicalResourceId", r.PhysicalId),
        V("ResourceType", r.Type),
        V("LastUpdatedTimestamp", r.LastUpdated),
        V("ResourceStatus", r.Status),
        V("ResourceStatusReason", r.Reason),
        V("Metadata", r.Metadata ?? "{}"),
        E("DriftInformation", V("StackResourceDriftStatus", "NOT_CHECKED")));

    public static XElement ResourceSummary(StackResourceRecord r) => E("member",
        V("LogicalResourceId", r.LogicalId),
        V("PhysicalResourceId", r.PhysicalId),
        V("ResourceType", r.Type),
        V("LastUpdatedTimestamp", r.LastUpdated),
        V("ResourceStatus", r.Status),
        V("ResourceStatusReason", r.Reason),
        E("DriftInformation", V("StackResourceDriftStatus", "NOT_CHECKED")));

    public static XElement Summary(StackSummaryRecord s) => E("member",
        V("StackId", s.StackId),
        V("StackName", s.StackName),
        V("TemplateDescription", s.TemplateDescription),
        V("CreationTime", s.CreationTime),
        V("LastUpdatedTime", s.LastUpdatedTime),
        V("DeletionTime", s.DeletionTime),
        V("StackStatus", s.Status),
        V("StackStatusReason", s.StatusReason),
        E("DriftInformation", V("StackDriftStatus", "NOT_CHECKED")));

    /// <summary>GetTemplateSummary's ParameterDeclaration (<paramref name="summary"/>) or ValidateTemplate's TemplateParameter.</summary>
    public static XElement ParameterDeclaration(Model.CloudFormation.ParameterDeclaration p, bool summary) => E("member",
        V("ParameterKey", p.Name),
        V("DefaultValue", p.Default),
        summary ? V("ParameterType", p.Type) : null,
        V("NoEcho", p.NoEcho),
        V("Description", p.Description),
        summary ? E("ParameterConstraints", p.AllowedValues.IsDefaultOrEmpty ? null : MemberStrings("AllowedValues", p.AllowedValues)) : null);

    /// <summary>DescribeChangeSet's members (the caller wraps them in the result element).</summary>
    public static XElement ChangeSet(StackRecord s, ChangeSetRecord c) => E("ChangeSet",
        V("ChangeSetName", c.ChangeSetName),
        V("ChangeSetId", c.ChangeSetId),
        V("StackId", s.StackId),
        V("StackName", s.StackName),
        V("Description", c.Description),
        Members("Parameters", c.Parameters.Select(Parameter)),
        V("CreationTime", c.CreationTime),
        V("ExecutionStatus", c.ExecutionStatus),
        V("Status", c.Status),
        V("StatusReason", c.StatusReason),
        MemberStrings("NotificationARNs", c.Request.NotificationArns ?? []),
        E("RollbackConfiguration"),
        MemberStrings("Capabilities", c.Request.Capabilities ?? []),
        Members("Tags", (c.Request.Tags ?? []).Select(t => E("member", V("Key", t.Key), V("Value", t.Value)))),
        Members("Changes", c.Changes.Select(Change)),
        V("IncludeNestedStacks", false));

    public static XElement ChangeSetSummary(StackRecord s, ChangeSetRecord c) => E("member",
        V("StackId", s.StackId),
        V("StackName", s.StackName),
        V("ChangeSetId", c.ChangeSetId),
        V("ChangeSetName", c.ChangeSetName),
        V("ExecutionStatus", c.ExecutionStatus),
        V("Status", c.Status),
        V("StatusReason", c.StatusReason),
        V("CreationTime", c.CreationTime),
        V("Description", c.Description),
        V("IncludeNestedStacks", false));

    private static XElement Change(ResourceChangeRecord r) => E("member",
        V("Type", "Resource"),
        E("ResourceChange",
            V("Action", r.Action),
            V("LogicalResourceId", r.LogicalId),
            V("PhysicalResourceId", r.PhysicalId),
            V("ResourceType", r.ResourceType),
            V("Replacement", r.Replacement),
            MemberStrings("Scope", r.Scope),
            Members("Details", r.Details.Select(d => E("member",
                E("Target", V("Attribute", d.Attribute), V("Name", d.Name), V("RequiresRecreation", d.RequiresRecreation)),
                V("Evaluation", d.Evaluation),
                V("ChangeSource", d.ChangeSource),
                V("CausingEntity", d.CausingEntity))))));
}
