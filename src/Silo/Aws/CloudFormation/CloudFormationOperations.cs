using System.Collections.Immutable;
using System.Text;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using Emulator.Contracts;
using Emulator.Model.CloudFormation;
using static Emulator.Silo.Aws.QueryXml;

namespace Emulator.Silo.Aws.CloudFormation;

/// <summary>
/// AWS CloudFormation over the query protocol (Version 2010-05-15; B-CFN-1..11): stacks, their events, resources and
/// templates, change sets, exports, template validation and summaries. Stacks run in their own grains
/// (<see cref="IStackGrain"/>), whose resource handlers call the emulator's own operations. Known gaps: TemplateURL
/// (no S3: pass TemplateBody), nested stacks, stack sets, drift detection, resource import, transforms.
/// </summary>
public static partial class CloudFormationOperations
{
    /// <summary>CloudFormation's limit for an inline template body (bytes); larger templates go through S3 on AWS.</summary>
    public const int MaxTemplateBody = 51_200;

    [AwsOperation(AwsServices.CloudFormation, "CreateStack")]
    public static async Task<XElement> CreateStack(QueryInput input, AwsContext context)
    {
        var request = Request(input, requireTemplate: true);
        var id = await Registry(context).Resolve(request.StackName) ?? await Registry(context).Reserve(request.StackName)
            ?? throw new EcsException("AlreadyExistsException", $"Stack [{request.StackName}] already exists");
        var stack = await Stack(context, id).Create(request);
        return E("CreateStackResult", V("StackId", stack.StackId));
    }

    [AwsOperation(AwsServices.CloudFormation, "UpdateStack")]
    public static async Task<XElement> UpdateStack(QueryInput input, AwsContext context)
    {
        var request = Request(input, requireTemplate: false);
        var (grain, _) = await Find(context, request.StackName);
        var stack = await grain.Update(request);
        return E("UpdateStackResult", V("StackId", stack.StackId));
    }

    [AwsOperation(AwsServices.CloudFormation, "DeleteStack")]
    public static async Task<XElement> DeleteStack(QueryInput input, AwsContext context)
    {
        var name = input.RequiredString("StackName");
        var id = name.StartsWith("arn:", StringComparison.Ordinal) ? name : await Registry(context).Resolve(name);
        if (id is not null)
        {
            // Deleting a stack that does not exist succeeds, as on AWS.
            await Stack(context, id).Delete(input.Strings("RetainResources"), input.String("ClientRequestToken"));
        }

        return NoOutput();
    }

    [AwsOperation(AwsServices.CloudFormation, "UpdateTerminationProtection")]
    public static async Task<XElement> UpdateTerminationProtection(QueryInput input, AwsContext context)
    {
        var (grain, stack) = await Find(context, input.RequiredString("StackName"));
        await grain.SetTerminationProtection(input.Bool("EnableTerminationProtection") ?? throw Missing("enableTerminationProtection"));
        return E("UpdateTerminationProtectionResult", V("StackId", stack.StackId));
    }

    [AwsOperation(AwsServices.CloudFormation, "DescribeStacks")]
    public static async Task<XElement> DescribeStacks(QueryInput input, AwsContext context)
    {
        var stacks = new List<StackRecord>();
        if (input.String("StackName") is { Length: > 0 } name)
        {
            stacks.Add((await Find(context, name, allowDeleted: true)).Stack);
        }
        else
        {
            foreach (var summary in await Registry(context).List())
            {
                if (summary.Status != StackStatus.DeleteComplete && await Stack(context, summary.StackId).Describe() is { } s)
                {
                    stacks.Add(s);
                }
            }
        }

        var (page, next) = Page(stacks, input, PageSizes.CfnDescribeStacks, s => s.StackId);
        return E("DescribeStacksResult", Members("Stacks", page.Select(CloudFormationShapes.Stack)), V("NextToken", next));
    }

    [AwsOperation(AwsServices.CloudFormation, "DescribeStackEvents")]
    public static async Task<XElement> DescribeStackEvents(QueryInput input, AwsContext context)
    {
        var (_, stack) = await Find(context, input.RequiredString("StackName"), allowDeleted: true);
        var events = stack.Events.Reverse().ToList();
        var (page, next) = Page(events, input, PageSizes.CfnDescribeStackEvents, e => e.EventId);
        return E("DescribeStackEventsResult", Members("StackEvents", page.Select(e => CloudFormationShapes.Event(stack, e))), V("NextToken", next));
    }

    [AwsOperation(AwsServices.CloudFormation, "DescribeStackResource")]
    public static async Task<XElement> DescribeStackResource(QueryInput input, AwsContext context)
    {
        var (_, stack) = await Find(context, input.RequiredString("StackName"), allowDeleted: true);
        var logicalId = input.RequiredString("LogicalResourceId");
        var resource = stack.Resources.GetValueOrDefault(logicalId)
            ?? throw QueryInput.Validation($"Resource {logicalId} does not exist for stack {stack.StackName}");
        return E("DescribeStackResourceResult", CloudFormationShapes.ResourceDetail(stack, resource));
    }

    [AwsOperation(AwsServices.CloudFormation, "DescribeStackResources")]
    public static async Task<XElement> DescribeStackResources(QueryInput input, AwsContext context)
    {
        var name = input.String("StackName");
        var physical = input.String("PhysicalResourceId");
        StackRecord stack;
        if (name is { Length: > 0 })
        {
            stack = (await Find(context, name, allowDeleted: true)).Stack;
        }
        else if (physical is { Length: > 0 })
        {
            stack = await ByPhysicalId(context, physical) ?? throw QueryInput.Validation($"Stack for {physical} does not exist");
        }
        else
        {
            throw QueryInput.Validation("Either StackName or PhysicalResourceId must be specified");
        }

        var logical = input.String("LogicalResourceId");
        var resources = Ordered(stack).Where(r => logical is null || r.LogicalId == logical).Where(r => physical is null || r.PhysicalId == physical);
        return E("DescribeStackResourcesResult", Members("StackResources", resources.Select(r => CloudFormationShapes.Resource(stack, r))));
    }

    [AwsOperation(AwsServices.CloudFormation, "ListStackResources")]
    public static async Task<XElement> ListStackResources(QueryInput input, AwsContext context)
    {
        var (_, stack) = await Find(context, input.RequiredString("StackName"), allowDeleted: true);
        var (page, next) = Page(Ordered(stack).ToList(), input, PageSizes.CfnListStackResources, r => r.LogicalId);
        return E("ListStackResourcesResult", Members("StackResourceSummaries", page.Select(CloudFormationShapes.ResourceSummary)), V("NextToken", next));
    }

    [AwsOperation(AwsServices.CloudFormation, "ListStacks")]
    public static async Task<XElement> ListStacks(QueryInput input, AwsContext context)
    {
        var filter = input.Strings("StackStatusFilter");
        var unknown = filter.FirstOrDefault(f => !StackStatus.All.Contains(f));
        if (unknown is not null)
        {
            throw QueryInput.Validation($"1 validation error detected: Value '[{unknown}]' at 'stackStatusFilter' failed to satisfy constraint: Member must satisfy constraint: [Member must satisfy enum value set: [{string.Join(", ", StackStatus.All.Order(StringComparer.Ordinal))}]]");
        }

        var stacks = (await Registry(context).List()).Where(s => filter.IsEmpty || filter.Contains(s.Status)).ToList();
        var (page, next) = Page(stacks, input, PageSizes.CfnListStacks, s => s.StackId);
        return E("ListStacksResult", Members("StackSummaries", page.Select(CloudFormationShapes.Summary)), V("NextToken", next));
    }

    [AwsOperation(AwsServices.CloudFormation, "GetTemplate")]
    public static async Task<XElement> GetTemplate(QueryInput input, AwsContext context)
    {
        var stage = input.String("TemplateStage") ?? "Original";
        if (stage is not ("Original" or "Processed"))
        {
            throw QueryInput.Validation($"1 validation error detected: Value '{stage}' at 'templateStage' failed to satisfy constraint: Member must satisfy enum value set: [Original, Processed]");
        }

        var (_, stack) = await Find(context, input.String("StackName") ?? throw Missing("stackName"), allowDeleted: true);
        var body = stack.TemplateBody;
        if (input.String("ChangeSetName") is { Length: > 0 } changeSetName)
        {
            body = ChangeSet(stack, changeSetName).Request.TemplateBody ?? body;
        }

        return E("GetTemplateResult", V("TemplateBody", body), MemberStrings("StagesAvailable", ["Original", "Processed"]));
    }

    [AwsOperation(AwsServices.CloudFormation, "GetTemplateSummary")]
    public static async Task<XElement> GetTemplateSummary(QueryInput input, AwsContext context)
    {
        string body;
        if (input.String("TemplateBody") is { } given)
        {
            body = CheckBody(given);
        }
        else if (input.String("StackName") is { Length: > 0 } name)
        {
            body = (await Find(context, name, allowDeleted: true)).Stack.TemplateBody;
        }
        else
        {
            throw QueryInput.Validation(input.String("TemplateURL") is not null ? TemplateUrlUnsupported : "Either StackName or TemplateBody must be specified.");
        }

        var template = Parse(body);
        var (required, types) = StackCapabilities.Of(template);
        return E("GetTemplateSummaryResult",
            Members("Parameters", template.ParameterOrder.Select(p => CloudFormationShapes.ParameterDeclaration(template.Parameters[p], summary: true))),
            V("Description", template.Description),
            MemberStrings("Capabilities", required),
            V("CapabilitiesReason", required.IsEmpty ? null : $"The following resource(s) require capabilities: [{string.Join(", ", types)}]"),
            MemberStrings("ResourceTypes", template.ResourceOrder.Select(r => template.Resources[r].Type).Distinct(StringComparer.Ordinal)),
            V("Version", "2010-09-09"),
            MemberStrings("DeclaredTransforms", template.Transforms),
            Members("ResourceIdentifierSummaries", template.Resources.Values.GroupBy(r => r.Type, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal)
                .Select(g => E("member", V("ResourceType", g.Key), MemberStrings("LogicalResourceIds", g.Select(r => r.LogicalId)), MemberStrings("ResourceIdentifiers", [])))));
    }

    [AwsOperation(AwsServices.CloudFormation, "ValidateTemplate")]
    public static Task<XElement> ValidateTemplate(QueryInput input, AwsContext context)
    {
        var body = input.String("TemplateBody") is { } given
            ? CheckBody(given)
            : throw QueryInput.Validation(input.String("TemplateURL") is not null ? TemplateUrlUnsupported : "Either Template URL or Template Body must be specified.");
        var template = Parse(body);
        try
        {
            Dependencies.Of(template, null);
        }
        catch (TemplateException e)
        {
            throw new EcsException(e.Code, e.Message);
        }

        var (required, types) = StackCapabilities.Of(template);
        return Task.FromResult(E("ValidateTemplateResult",
            Members("Parameters", template.ParameterOrder.Select(p => CloudFormationShapes.ParameterDeclaration(template.Parameters[p], summary: false))),
            V("Description", template.Description),
            MemberStrings("Capabilities", required),
            V("CapabilitiesReason", required.IsEmpty ? null : $"The following resource(s) require capabilities: [{string.Join(", ", types)}]"),
            MemberStrings("DeclaredTransforms", template.Transforms)));
    }

    [AwsOperation(AwsServices.CloudFormation, "CreateChangeSet")]
    public static async Task<XElement> CreateChangeSet(QueryInput input, AwsContext context)
    {
        var request = Request(input, requireTemplate: false);
        var name = input.RequiredString("ChangeSetName");
        if (!ChangeSetNamePattern().IsMatch(name) || name.Length > 128)
        {
            throw QueryInput.Validation($"1 validation error detected: Value '{name}' at 'changeSetName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z][-a-zA-Z0-9]*");
        }

        var type = input.String("ChangeSetType") ?? "UPDATE";
        if (type is not ("CREATE" or "UPDATE"))
        {
            throw QueryInput.Validation(type == "IMPORT"
                ? "Resource import (ChangeSetType IMPORT) is not supported by this emulator"
                : $"1 validation error detected: Value '{type}' at 'changeSetType' failed to satisfy constraint: Member must satisfy enum value set: [UPDATE, IMPORT, CREATE]");
        }

        string id;
        if (type == "CREATE")
        {
            id = await Registry(context).Resolve(request.StackName) ?? await Registry(context).Reserve(request.StackName)
                ?? throw new EcsException("AlreadyExistsException", $"Stack [{request.StackName}] already exists");
            if (request.TemplateBody is null)
            {
                throw QueryInput.Validation("Either Template URL or Template Body must be specified.");
            }
        }
        else
        {
            id = (await Find(context, request.StackName)).Stack.StackId;
        }

        var changeSet = await Stack(context, id).CreateChangeSet(name, type, request);
        return E("CreateChangeSetResult", V("Id", changeSet.ChangeSetId), V("StackId", id));
    }

    [AwsOperation(AwsServices.CloudFormation, "DescribeChangeSet")]
    public static async Task<XElement> DescribeChangeSet(QueryInput input, AwsContext context)
    {
        var (_, stack, changeSet) = await FindChangeSet(context, input);
        return E("DescribeChangeSetResult", CloudFormationShapes.ChangeSet(stack, changeSet).Nodes());
    }

    [AwsOperation(AwsServices.CloudFormation, "ExecuteChangeSet")]
    public static async Task<XElement> ExecuteChangeSet(QueryInput input, AwsContext context)
    {
        var (grain, _, changeSet) = await FindChangeSet(context, input);
        await grain.ExecuteChangeSet(changeSet.ChangeSetId, input.String("ClientRequestToken"));
        return E("ExecuteChangeSetResult");
    }

    [AwsOperation(AwsServices.CloudFormation, "DeleteChangeSet")]
    public static async Task<XElement> DeleteChangeSet(QueryInput input, AwsContext context)
    {
        // B-CFN-9: deleting a change set NAME the stack does not have succeeds and changes nothing (the CDK CLI removes
        // "cdk-deploy-change-set if it exists" this way before every deploy); an unknown change set ARN is ChangeSetNotFound.
        var name = input.RequiredString("ChangeSetName");
        if (!name.StartsWith("arn:", StringComparison.Ordinal) && input.String("StackName") is { } stackName)
        {
            var (stackGrain, stack) = await Find(context, stackName);
            if (!stack.ChangeSets.Values.Any(c => c.ChangeSetName == name))
            {
                return E("DeleteChangeSetResult");
            }

            await stackGrain.DeleteChangeSet(name);
            return E("DeleteChangeSetResult");
        }

        var (grain, _, changeSet) = await FindChangeSet(context, input);
        await grain.DeleteChangeSet(changeSet.ChangeSetId);
        return E("DeleteChangeSetResult");
    }

    [AwsOperation(AwsServices.CloudFormation, "ListChangeSets")]
    public static async Task<XElement> ListChangeSets(QueryInput input, AwsContext context)
    {
        var (_, stack) = await Find(context, input.RequiredString("StackName"));
        var sets = stack.ChangeSets.Values.OrderBy(c => c.CreationTime).ThenBy(c => c.ChangeSetName, StringComparer.Ordinal).ToList();
        var (page, next) = Page(sets, input, PageSizes.CfnListChangeSets, c => c.ChangeSetId);
        return E("ListChangeSetsResult", Members("Summaries", page.Select(c => CloudFormationShapes.ChangeSetSummary(stack, c))), V("NextToken", next));
    }

    [AwsOperation(AwsServices.CloudFormation, "ListExports")]
    public static async Task<XElement> ListExports(QueryInput input, AwsContext context)
    {
        var exports = (await Registry(context).Exports()).ToList();
        var (page, next) = Page(exports, input, PageSizes.CfnListExports, e => e.Name);
        return E("ListExportsResult",
            Members("Exports", page.Select(e => E("member", V("ExportingStackId", e.ExportingStackId), V("Name", e.Name), V("Value", e.Value)))),
            V("NextToken", next));
    }

    [AwsOperation(AwsServices.CloudFormation, "ListImports")]
    public static async Task<XElement> ListImports(QueryInput input, AwsContext context)
    {
        var name = input.RequiredString("ExportName");
        var export = (await Registry(context).Exports()).FirstOrDefault(e => e.Name == name)
            ?? throw QueryInput.Validation($"Export '{name}' does not exist.");
        var summaries = (await Registry(context).List()).ToDictionary(s => s.StackId, s => s.StackName, StringComparer.Ordinal);
        return E("ListImportsResult", MemberStrings("Imports", export.ImportingStacks.Select(id => summaries.GetValueOrDefault(id, id))));
    }

    private const string TemplateUrlUnsupported = "TemplateURL is not supported by this emulator (it has no S3): pass the template as TemplateBody (up to 51,200 bytes).";

    private static StackRequest Request(QueryInput input, bool requireTemplate)
    {
        var name = input.RequiredString("StackName");
        if (!StackNamePattern().IsMatch(name) || name.Length > 128)
        {
            throw QueryInput.Validation($"1 validation error detected: Value '{name}' at 'stackName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z][-a-zA-Z0-9]*|arn:[-a-zA-Z0-9:/._+]*");
        }

        var body = input.String("TemplateBody");
        if (body is null && input.String("TemplateURL") is not null)
        {
            throw QueryInput.Validation(TemplateUrlUnsupported);
        }

        if (body is not null)
        {
            CheckBody(body);
            if (input.Bool("UsePreviousTemplate") == true)
            {
                throw QueryInput.Validation("You cannot specify both usePreviousTemplate and Template Body");
            }
        }
        else if (requireTemplate || input.Bool("UsePreviousTemplate") != true)
        {
            throw QueryInput.Validation("Either Template URL or Template Body must be specified.");
        }

        var onFailure = input.String("OnFailure");
        var disableRollback = input.Bool("DisableRollback");
        if (onFailure is not null && disableRollback is not null)
        {
            throw QueryInput.Validation("You cannot specify both DisableRollback and OnFailure.");
        }

        if (onFailure is not (null or "ROLLBACK" or "DELETE" or "DO_NOTHING"))
        {
            throw QueryInput.Validation($"1 validation error detected: Value '{onFailure}' at 'onFailure' failed to satisfy constraint: Member must satisfy enum value set: [DO_NOTHING, ROLLBACK, DELETE]");
        }

        var parameters = input.Members("Parameters").Select(p => new StackParameterInput(
            p.RequiredString("ParameterKey"), p.String("ParameterValue"), p.Bool("UsePreviousValue") ?? false)).ToImmutableArray();
        var tags = input.Members("Tags").Select(t => new StackTagRecord(t.RequiredString("Key"), t.String("Value") ?? "")).ToImmutableArray();
        var hasTags = input.Form.Keys.Any(k => k.StartsWith("Tags", StringComparison.Ordinal));
        var hasCapabilities = input.Form.Keys.Any(k => k.StartsWith("Capabilities", StringComparison.Ordinal));
        var hasNotifications = input.Form.Keys.Any(k => k.StartsWith("NotificationARNs", StringComparison.Ordinal));
        return new StackRequest(
            name, body, parameters, hasTags ? tags : null, hasCapabilities ? input.Strings("Capabilities") : null,
            onFailure ?? (disableRollback == true ? "DO_NOTHING" : "ROLLBACK"), input.Bool("EnableTerminationProtection"), input.String("RoleARN"),
            hasNotifications ? input.Strings("NotificationARNs") : null, input.String("ClientRequestToken") ?? input.String("ClientToken"),
            input.Int("TimeoutInMinutes"), input.String("Description"));
    }

    private static string CheckBody(string body) =>
        Encoding.UTF8.GetByteCount(body) <= MaxTemplateBody
            ? body
            : throw QueryInput.Validation($"1 validation error detected: Value at 'templateBody' failed to satisfy constraint: Member must have length less than or equal to {MaxTemplateBody}");

    private static Template Parse(string body)
    {
        try
        {
            return Template.Parse(body);
        }
        catch (TemplateException e)
        {
            throw new EcsException(e.Code, e.Message);
        }
    }

    private static EcsException Missing(string member) =>
        QueryInput.Validation($"1 validation error detected: Value null at '{member}' failed to satisfy constraint: Member must not be null");

    private static ICloudFormationGrain Registry(AwsContext context) => context.Grains.GetGrain<ICloudFormationGrain>(ICloudFormationGrain.Key);

    private static IStackGrain Stack(AwsContext context, string id) => context.Grains.GetGrain<IStackGrain>(id);

    /// <summary>A stack by name (the live one) or id (deleted ones too, when <paramref name="allowDeleted"/>).</summary>
    private static async Task<(IStackGrain Grain, StackRecord Stack)> Find(AwsContext context, string nameOrId, bool allowDeleted = false)
    {
        var byId = nameOrId.StartsWith("arn:", StringComparison.Ordinal);
        var id = byId ? nameOrId : await Registry(context).Resolve(nameOrId);
        var grain = id is null ? null : Stack(context, id);
        var stack = grain is null ? null : await grain.Describe();
        if (stack is null || (stack.Status == StackStatus.DeleteComplete && !(allowDeleted && byId)))
        {
            throw QueryInput.Validation($"Stack with id {nameOrId} does not exist");
        }

        return (grain!, stack);
    }

    private static async Task<(IStackGrain Grain, StackRecord Stack, ChangeSetRecord ChangeSet)> FindChangeSet(AwsContext context, QueryInput input)
    {
        var name = input.RequiredString("ChangeSetName");
        string? stackName = input.String("StackName");
        if (name.StartsWith("arn:", StringComparison.Ordinal))
        {
            // A change set ARN names its stack only through the stack's grain: look among the live stacks.
            foreach (var summary in await Registry(context).List())
            {
                if (summary.Status != StackStatus.DeleteComplete && await Stack(context, summary.StackId).Describe() is { } s
                    && s.ChangeSets.Values.FirstOrDefault(c => c.ChangeSetId == name) is { } found)
                {
                    return (Stack(context, s.StackId), s, found);
                }
            }

            throw ChangeSetNotFound(name);
        }

        if (stackName is null)
        {
            throw QueryInput.Validation("StackName must be specified if ChangeSetName is not specified as an ARN.");
        }

        var id = stackName.StartsWith("arn:", StringComparison.Ordinal) ? stackName : await Registry(context).Resolve(stackName);
        var grain = id is null ? null : Stack(context, id);
        var stack = grain is null ? null : await grain.Describe();
        if (stack is null || stack.Status == StackStatus.DeleteComplete)
        {
            throw ChangeSetNotFound(name);
        }

        return (grain!, stack, ChangeSet(stack, name));
    }

    private static ChangeSetRecord ChangeSet(StackRecord stack, string nameOrId) =>
        stack.ChangeSets.Values.FirstOrDefault(c => c.ChangeSetName == nameOrId || c.ChangeSetId == nameOrId) ?? throw ChangeSetNotFound(nameOrId);

    private static EcsException ChangeSetNotFound(string name) => new("ChangeSetNotFound", $"ChangeSet [{name}] does not exist");

    private static async Task<StackRecord?> ByPhysicalId(AwsContext context, string physicalId)
    {
        foreach (var summary in await Registry(context).List())
        {
            if (summary.Status != StackStatus.DeleteComplete && await Stack(context, summary.StackId).Describe() is { } s
                && s.Resources.Values.Any(r => r.PhysicalId == physicalId))
            {
                return s;
            }
        }

        return null;
    }

    /// <summary>A stack's resources in template order (resources of an earlier template last).</summary>
    private static IEnumerable<StackResourceRecord> Ordered(StackRecord stack)
    {
        var order = stack.TemplateBody.Length == 0 ? [] : TemplateOrder(stack.TemplateBody);
        return stack.Resources.Values.OrderBy(r => order.IndexOf(r.LogicalId) is var i and >= 0 ? i : int.MaxValue).ThenBy(r => r.LogicalId, StringComparer.Ordinal);
    }

    private static List<string> TemplateOrder(string body)
    {
        try
        {
            return [.. Template.Parse(body).ResourceOrder];
        }
        catch (TemplateException)
        {
            return [];
        }
    }

    [GeneratedRegex("^([a-zA-Z][-a-zA-Z0-9]*|arn:[-a-zA-Z0-9:/._+]*)$")]
    private static partial Regex StackNamePattern();

    [GeneratedRegex("^[a-zA-Z][-a-zA-Z0-9]*$")]
    private static partial Regex ChangeSetNamePattern();
}
