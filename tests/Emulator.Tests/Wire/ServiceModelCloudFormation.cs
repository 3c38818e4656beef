using System.Xml.Linq;

namespace Emulator.Tests.Wire;

/// <summary>
/// CloudFormation's operations (issue 17) answered by a real silo with real stacks (a log group and its outputs,
/// exported and imported across two stacks, a change set, an update, termination protection, deletion), each response
/// checked against the AWS service model, with the errors CloudFormation declares.
/// </summary>
internal static class ServiceModelCloudFormation
{
    public static async Task Exercise(ModelCheckedApi api, string cluster)
    {
        var producer = cluster + "-cfn";
        var consumer = cluster + "-cfn-import";
        var template = """
            {"Parameters": {"Days": {"Type": "Number", "Default": "7"}},
             "Resources": {"Logs": {"Type": "AWS::Logs::LogGroup", "Properties": {"RetentionInDays": {"Ref": "Days"}}}},
             "Outputs": {"Name": {"Value": {"Ref": "Logs"}, "Export": {"Name": "PRODUCER-logs"}}}}
            """.Replace("PRODUCER", producer, StringComparison.Ordinal);
        await api.Query("cloudformation", "ValidateTemplate", ("TemplateBody", template));
        await api.Query("cloudformation", "GetTemplateSummary", ("TemplateBody", template));
        await api.Query("cloudformation", "ValidateTemplate", [("TemplateBody", "{\"Resources\": {")], "ValidationError");
        var created = await api.Query("cloudformation", "CreateStack", ("StackName", producer), ("TemplateBody", template));
        var stackId = Find(created, "StackId");
        await Settle(api, producer, "CREATE_COMPLETE");

        await api.Query("cloudformation", "DescribeStacks");
        await api.Query("cloudformation", "DescribeStackEvents", ("StackName", producer));
        await api.Query("cloudformation", "DescribeStackResource", ("StackName", producer), ("LogicalResourceId", "Logs"));
        await api.Query("cloudformation", "DescribeStackResources", ("StackName", stackId));
        await api.Query("cloudformation", "ListStackResources", ("StackName", producer));
        await api.Query("cloudformation", "ListStacks", ("StackStatusFilter.member.1", "CREATE_COMPLETE"));
        await api.Query("cloudformation", "GetTemplate", ("StackName", producer));
        await api.Query("cloudformation", "GetTemplateSummary", ("StackName", producer));
        await api.Query("cloudformation", "ListExports");

        var importer = """{"Resources": {"Other": {"Type": "AWS::Logs::LogGroup", "Properties": {"LogGroupName": {"Fn::Join": ["-", [{"Fn::ImportValue": "PRODUCER-logs"}, "copy"]]}}}}}""".Replace("PRODUCER", producer, StringComparison.Ordinal);
        await api.Query("cloudformation", "CreateStack", ("StackName", consumer), ("TemplateBody", importer));
        await Settle(api, consumer, "CREATE_COMPLETE");
        await api.Query("cloudformation", "ListImports", ("ExportName", producer + "-logs"));

        await api.Query("cloudformation", "CreateChangeSet", ("StackName", producer), ("ChangeSetName", "days"), ("UsePreviousTemplate", "true"),
            ("Parameters.member.1.ParameterKey", "Days"), ("Parameters.member.1.ParameterValue", "30"));
        await api.Query("cloudformation", "DescribeChangeSet", ("StackName", producer), ("ChangeSetName", "days"));
        await api.Query("cloudformation", "ListChangeSets", ("StackName", producer));
        await api.Query("cloudformation", "ExecuteChangeSet", ("StackName", producer), ("ChangeSetName", "days"));
        await Settle(api, producer, "UPDATE_COMPLETE");
        await api.Query("cloudformation", "CreateChangeSet", ("StackName", producer), ("ChangeSetName", "again"), ("UsePreviousTemplate", "true"),
            ("Parameters.member.1.ParameterKey", "Days"), ("Parameters.member.1.ParameterValue", "14"));
        await api.Query("cloudformation", "DeleteChangeSet", ("StackName", producer), ("ChangeSetName", "again"));
        await api.Query("cloudformation", "DescribeChangeSet", [("StackName", producer), ("ChangeSetName", "again")], "ChangeSetNotFound");
        await api.Query("cloudformation", "UpdateStack", ("StackName", producer), ("UsePreviousTemplate", "true"),
            ("Parameters.member.1.ParameterKey", "Days"), ("Parameters.member.1.ParameterValue", "1"));
        await Settle(api, producer, "UPDATE_COMPLETE");
        await api.Query("cloudformation", "UpdateStack", [("StackName", producer), ("UsePreviousTemplate", "true"),
            ("Parameters.member.1.ParameterKey", "Days"), ("Parameters.member.1.UsePreviousValue", "true")], "ValidationError");

        await api.Query("cloudformation", "UpdateTerminationProtection", ("StackName", consumer), ("EnableTerminationProtection", "true"));
        await api.Query("cloudformation", "DeleteStack", [("StackName", consumer)], "ValidationError");
        await api.Query("cloudformation", "UpdateTerminationProtection", ("StackName", consumer), ("EnableTerminationProtection", "false"));
        await api.Query("cloudformation", "DeleteStack", ("StackName", consumer));
        await Settle(api, consumer, null);
        await api.Query("cloudformation", "DeleteStack", ("StackName", producer));
        await Settle(api, producer, null);
        await api.Query("cloudformation", "DescribeStacks", [("StackName", producer)], "ValidationError");
    }

    /// <summary>Waits for the stack's status (null: deleted, no longer described by name).</summary>
    private static Task Settle(ModelCheckedApi api, string stack, string? status) => api.Until($"{stack} {status ?? "deleted"}", async () =>
    {
        if (status is null)
        {
            var all = await api.Query("cloudformation", "ListStacks", ("StackStatusFilter.member.1", "DELETE_COMPLETE"));
            return all.Descendants().Any(e => e.Name.LocalName == "StackName" && e.Value == stack) ? "deleted" : null;
        }

        var described = await api.Query("cloudformation", "DescribeStacks", ("StackName", stack));
        var current = described.Descendants().First(e => e.Name.LocalName == "StackStatus").Value;
        Assert.False(current.Contains("ROLLBACK", StringComparison.Ordinal) || current.EndsWith("FAILED", StringComparison.Ordinal), $"{stack} is {current}");
        return current == status ? current : null;
    });

    private static string Find(XElement root, string localName) =>
        root.Descendants().FirstOrDefault(e => e.Name.LocalName == localName)?.Value ?? throw new InvalidOperationException($"no {localName} in {root}");
}
