using System.Collections.Immutable;
using System.Text.Json.Nodes;
using Emulator.Contracts;
using Emulator.Model.CloudFormation;

namespace Emulator.Tests.Model.CloudFormation;

/// <summary>
/// Runs the pure stack engine the way <c>StackGrain</c> does (start what is ready, apply the answers, finalize, move
/// phases on) against an in-memory set of resources: every handler call is logged, every resource the engine made and
/// did not delete is in <see cref="Live"/>. Failures are planted by logical id.
/// </summary>
internal sealed class StackEngineDriver
{
    public const string StackId = "arn:aws:cloudformation:us-east-1:123456789012:stack/s/00000000-0000-0000-0000-000000000001";

    public StackEnvironment Env { get; } = new("123456789012", "us-east-1", ["us-east-1a", "us-east-1b", "us-east-1c"]);

    /// <summary>Physical id → properties of every resource that exists now.</summary>
    public Dictionary<string, string> Live { get; } = new(StringComparer.Ordinal);

    /// <summary>"Create A", "Update A", "Delete A-1": the handler calls in the order they were made.</summary>
    public List<string> Calls { get; } = [];

    /// <summary>Logical ids whose create fails (with "boom: {id}").</summary>
    public HashSet<string> FailCreate { get; } = new(StringComparer.Ordinal);

    /// <summary>Logical ids whose in-place update fails.</summary>
    public HashSet<string> FailUpdate { get; } = new(StringComparer.Ordinal);

    /// <summary>Logical ids that stabilize for this many polls after their create.</summary>
    public Dictionary<string, int> StabilizePolls { get; } = new(StringComparer.Ordinal);

    /// <summary>Parameter store values the SSM parameter types resolve from.</summary>
    public Dictionary<string, string> ParameterStore { get; } = new(StringComparer.Ordinal);

    /// <summary>Exports of other stacks.</summary>
    public Dictionary<string, string> Exports { get; } = new(StringComparer.Ordinal);

    public DateTimeOffset Now { get; private set; } = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private int _counter;

    public static StackRequest Request(string body, params (string Key, string Value)[] parameters) =>
        new("s", body, [.. parameters.Select(p => new StackParameterInput(p.Key, p.Value, false))], null, ["CAPABILITY_IAM"], "ROLLBACK", null, null, null, "token-1", null, null);

    public PreparedStack Prepare(StackRequest request, StackRecord? previous = null)
    {
        var previousValues = previous?.Parameters.ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal);
        var (template, bound) = StackPreparation.Bind(request.TemplateBody!, request.Parameters, previousValues);
        return StackPreparation.Complete(template, bound, ParameterStore, Exports, request.Capabilities ?? [], request.StackName, StackId, Env);
    }

    public StackRecord Create(string body, params (string Key, string Value)[] parameters) => Create(Request(body, parameters));

    public StackRecord Create(StackRequest request)
    {
        var prepared = Prepare(request);
        var stack = StackEngine.New(StackId, request, StackStatus.CreateInProgress, Now);
        stack = StackEngine.BeginCreate(stack, prepared.Template, prepared.Parameters, prepared.Conditions, prepared.Imports, request, Now);
        return Run(stack);
    }

    public StackRecord Update(StackRecord stack, string body, params (string Key, string Value)[] parameters)
    {
        var request = Request(body, parameters);
        var prepared = Prepare(request, stack);
        stack = StackEngine.BeginUpdate(stack, prepared.Template, prepared.Parameters, prepared.Conditions, prepared.Imports, request, Now);
        return Run(stack);
    }

    public StackRecord Delete(StackRecord stack) => Run(StackEngine.BeginDelete(stack, [], "token-del", Now));

    /// <summary>Runs the operation to its final status (as the grain's ticks do, one emulated second apart).</summary>
    public StackRecord Run(StackRecord stack)
    {
        for (var tick = 0; tick < 10_000 && stack.Run is not null; tick++)
        {
            Now += TimeSpan.FromSeconds(1);
            var polls = StackEngine.Polls(stack);
            foreach (var poll in polls)
            {
                stack = StackEngine.Complete(stack, poll, Execute(poll), Now);
            }

            stack = StackEngine.Advance(stack, Now);
            if (stack.Run is null)
            {
                break;
            }

            var template = Template.Parse(stack.Run.TemplateBody);
            if (stack.Run.Phase == RunPhase.Finalizing)
            {
                try
                {
                    var (outputs, _, imports) = StackEngine.Outputs(stack, template, Env);
                    stack = StackEngine.Finish(stack, outputs, imports, Now);
                }
                catch (TemplateException e)
                {
                    stack = StackEngine.FailFinalize(stack, e.Message, Now);
                }

                stack = StackEngine.Advance(stack, Now);
                continue;
            }

            var (started, calls) = StackEngine.Start(stack, template, Env, Now);
            stack = started;
            foreach (var call in calls)
            {
                stack = StackEngine.Complete(stack, call, Execute(call), Now);
            }

            stack = StackEngine.Advance(stack, Now);
        }

        Assert.Null(stack.Run);
        return stack;
    }

    private ResourceOutcome Execute(ResourceCall call)
    {
        if (call.Poll)
        {
            Calls.Add("Poll " + call.LogicalId);
            var left = StabilizePolls[call.LogicalId] - 1;
            StabilizePolls[call.LogicalId] = left;
            return left > 0 ? ResourceOutcome.Stabilizing(call.PhysicalId!, "waiting", call.Attributes) : ResourceOutcome.Done(call.PhysicalId!, call.Attributes);
        }

        switch (call.Verb)
        {
            case RunPhase.VerbCreate:
                Calls.Add("Create " + call.LogicalId);
                if (FailCreate.Contains(call.LogicalId))
                {
                    return ResourceOutcome.Failed("boom: " + call.LogicalId);
                }

                var physical = $"{call.LogicalId}-{++_counter}";
                Live[physical] = call.Properties ?? "{}";
                var attributes = ImmutableDictionary<string, string>.Empty
                    .Add("Arn", JsonValue.Create("arn:aws:test:us-east-1:123456789012:thing/" + physical).ToJsonString());
                return StabilizePolls.ContainsKey(call.LogicalId)
                    ? ResourceOutcome.Stabilizing(physical, "waiting", attributes)
                    : ResourceOutcome.Done(physical, attributes);

            case RunPhase.VerbUpdate or RunPhase.VerbRevert:
                Calls.Add("Update " + call.LogicalId);
                if (FailUpdate.Contains(call.LogicalId) && call.Verb == RunPhase.VerbUpdate)
                {
                    return ResourceOutcome.Failed("update boom: " + call.LogicalId);
                }

                Live[call.PhysicalId!] = call.Properties ?? "{}";
                return ResourceOutcome.Done(call.PhysicalId!, call.Attributes);

            case RunPhase.VerbDelete:
                Calls.Add("Delete " + call.LogicalId);
                Live.Remove(call.PhysicalId!);
                return ResourceOutcome.Done(call.PhysicalId!);

            default:
                throw new InvalidOperationException(call.Verb);
        }
    }

    /// <summary>Resource events of one logical id, oldest first, as "STATUS" or "STATUS: reason".</summary>
    public static List<string> EventsOf(StackRecord stack, string logicalId) =>
        [.. stack.Events.Where(e => e.LogicalId == logicalId).Select(e => e.Reason is null ? e.Status : $"{e.Status}: {e.Reason}")];

    public static string Props(StackRecord stack, string logicalId) => stack.Resources[logicalId].Properties!;
}
