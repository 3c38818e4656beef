using System.Collections.Immutable;
using Emulator.Contracts;
using Emulator.Model.CloudFormation;
using Emulator.Model.Time;
using Emulator.Runtime;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Emulator.Grains;

[GenerateSerializer, Alias("StackState")]
public sealed class StackState
{
    [Id(0)] public StackRecord? Stack { get; set; }
}

/// <summary>
/// One CloudFormation stack (B-CFN-5..9). The API calls validate and start an operation (the pure
/// <see cref="StackEngine"/> decides every step); a due timer then runs it: the jobs whose prerequisites are done are
/// handed to the resource handlers (<see cref="IResourceProvisioner"/>, the emulator's own AWS operations), their
/// answers applied, stabilizing resources polled every <see cref="PollInterval"/> of emulated time, until the stack
/// reaches a final status. A wake-up reminder resumes an operation whose silo died (durable mode).
/// </summary>
public sealed partial class StackGrain(
    [PersistentState("stack", "emulator")] IPersistentState<StackState> store,
    EmulatorRuntime runtime,
    IServiceProvider services,
    ILogger<StackGrain> logger) : Grain, IStackGrain, IRemindable
{
    /// <summary>How often (emulated) a stabilizing resource is checked again, as CloudFormation polls its handlers.</summary>
    public static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(5);

    /// <summary>Handler calls made per tick at most (a tick is one grain turn; a large template takes several).</summary>
    private const int MaxRoundsPerTick = 64;

    private DueTimer? _timer;
    private (string Body, Template Template)? _template;
    private DateTimeOffset _nextPoll = DateTimeOffset.MinValue;

    private StackRecord? Stack => store.State.Stack;

    private string StackId => this.GetPrimaryKeyString();

    private DateTimeOffset Now => runtime.Clock.Now;

    private StackEnvironment Env => new(runtime.Account, runtime.Region, [.. runtime.Options.AvailabilityZones]);

    private ICloudFormationGrain Registry => GrainFactory.GetGrain<ICloudFormationGrain>(ICloudFormationGrain.Key);

    private IResourceProvisioner Provisioner => services.GetService<IResourceProvisioner>()
        ?? throw new EcsException(ErrorCodes.ServerException, "This host runs no CloudFormation resource handlers (IResourceProvisioner is not registered)");

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _timer = DueTimer.Register(this, Tick, runtime.Clock);
        if (Stack?.Run is not null)
        {
            _timer.Arm(Now);
            await this.RegisterOrUpdateReminder(Durability.WakeReminder, Durability.WakePeriod(runtime), Durability.WakePeriod(runtime));
        }
    }

    public Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (Stack?.Run is not null)
        {
            _timer?.ArmNoLaterThan(Now);
        }

        return Task.CompletedTask;
    }

    public Task<StackRecord?> Describe() => Task.FromResult(Stack);

    public async Task<StackRecord> Create(StackRequest request)
    {
        if (Stack is { } existing && existing.Status != StackStatus.ReviewInProgress)
        {
            throw new EcsException("AlreadyExistsException", $"Stack [{request.StackName}] already exists");
        }

        var prepared = await Prepare(request, null, request.TemplateBody ?? throw new EcsException(ErrorCodes.ValidationError, "Either Template URL or Template Body must be specified."));
        var now = Now;
        var stack = Stack ?? StackEngine.New(StackId, request, StackStatus.CreateInProgress, now);
        stack = StackEngine.BeginCreate(stack with { CreationTime = now }, prepared.Template, prepared.Parameters, prepared.Conditions, prepared.Imports, request, now);
        await Begin(stack);
        return stack;
    }

    public async Task<StackRecord> Update(StackRequest request)
    {
        var stack = Live(request.StackName);
        if (!StackStatus.Updatable.Contains(stack.Status))
        {
            throw new EcsException(ErrorCodes.ValidationError, $"Stack:{StackId} is in {stack.Status} state and can not be updated.");
        }

        var body = request.TemplateBody ?? stack.TemplateBody;
        var prepared = await Prepare(request with { TemplateBody = body }, stack, body);
        var changes = ChangeSets.Compute(stack, prepared.Template, prepared.Parameters, prepared.Conditions, prepared.Imports, Env);
        if (ChangeSets.NothingToDo(stack, prepared.Template, changes, prepared.Parameters, request.Tags))
        {
            throw new EcsException(ErrorCodes.ValidationError, ChangeSets.NoUpdatesMessage);
        }

        var now = Now;
        stack = StackEngine.BeginUpdate(stack, prepared.Template, prepared.Parameters, prepared.Conditions, prepared.Imports, request with { TemplateBody = body }, now);
        await Begin(stack);
        return stack;
    }

    public async Task Delete(ImmutableArray<string> retainResources, string? clientRequestToken)
    {
        if (Stack is not { } stack || stack.Status == StackStatus.DeleteComplete)
        {
            return;
        }

        if (stack.TerminationProtection)
        {
            throw new EcsException(ErrorCodes.ValidationError, $"Stack [{stack.StackName}] cannot be deleted while TerminationProtection is enabled");
        }

        if (StackStatus.InProgress(stack.Status))
        {
            throw new EcsException(ErrorCodes.ValidationError, $"Stack [{stack.StackName}] cannot be deleted while in status {stack.Status}");
        }

        if (!retainResources.IsDefaultOrEmpty && stack.Status != StackStatus.DeleteFailed)
        {
            throw new EcsException(ErrorCodes.ValidationError, "Invalid operation on stack: RetainResources can only be specified when the stack is in the DELETE_FAILED state");
        }

        var now = Now;
        stack = StackEngine.BeginDelete(stack with { ChangeSets = ImmutableDictionary<string, ChangeSetRecord>.Empty }, retainResources, clientRequestToken, now);
        if (await Registry.ExportsInUse(StackId) is { } inUse)
        {
            // B-CFN-8: an export another stack imports keeps its stack (DELETE_FAILED, nothing deleted).
            stack = stack with
            {
                Status = StackStatus.DeleteFailed,
                StatusReason = inUse,
                Run = null,
                Events = stack.Events.Add(new StackEventRecord(
                    $"{stack.StackId}#{stack.Events.Length}", stack.StackName, stack.StackId, StackStatus.StackType, StackStatus.DeleteFailed, inUse, now, null, clientRequestToken)),
            };
        }

        await Begin(stack);
    }

    public async Task SetTerminationProtection(bool enabled)
    {
        var stack = Live(Stack?.StackName ?? StackId);
        store.State.Stack = stack with { TerminationProtection = enabled };
        await store.WriteStateAsync();
    }

    public async Task<ChangeSetRecord> CreateChangeSet(string name, string changeSetType, StackRequest request)
    {
        var now = Now;
        StackRecord stack;
        if (changeSetType == "CREATE")
        {
            if (Stack is { } existing && existing.Status != StackStatus.ReviewInProgress)
            {
                throw new EcsException("AlreadyExistsException", $"Stack [{request.StackName}] already exists and cannot be created again with the changeSet [{name}].");
            }

            stack = Stack ?? StackEngine.New(StackId, request, StackStatus.ReviewInProgress, now);
        }
        else
        {
            stack = Live(request.StackName);
            if (!StackStatus.Updatable.Contains(stack.Status))
            {
                throw new EcsException(ErrorCodes.ValidationError, $"Stack:{StackId} is in {stack.Status} state and can not be updated.");
            }
        }

        if (stack.ChangeSets.ContainsKey(name))
        {
            throw new EcsException("AlreadyExistsException", $"ChangeSet {name} already exists");
        }

        var body = request.TemplateBody ?? stack.TemplateBody;
        if (body.Length == 0)
        {
            throw new EcsException(ErrorCodes.ValidationError, "Either Template URL or Template Body must be specified.");
        }

        var prepared = await Prepare(request with { TemplateBody = body }, changeSetType == "CREATE" ? null : stack, body);
        var changes = ChangeSets.Compute(stack, prepared.Template, prepared.Parameters, prepared.Conditions, prepared.Imports, Env);
        var empty = changeSetType != "CREATE" && ChangeSets.NothingToDo(stack, prepared.Template, changes, prepared.Parameters, request.Tags);
        var random = runtime.Random.For($"cloudformation/changeset/{StackId}/{name}/{stack.Events.Length}/{stack.ChangeSets.Count}");
        var changeSet = new ChangeSetRecord(
            $"arn:{EvaluationContext.Partition}:cloudformation:{runtime.Region}:{runtime.Account}:changeSet/{name}/{RandomIds.Uuid(random)}", name, changeSetType,
            empty ? "FAILED" : "CREATE_COMPLETE", empty ? ChangeSets.NoChangesReason : null, empty ? "UNAVAILABLE" : "AVAILABLE", now, request.Description,
            request with { TemplateBody = body }, prepared.Parameters, changes);
        store.State.Stack = stack with { ChangeSets = stack.ChangeSets.SetItem(name, changeSet) };
        await store.WriteStateAsync();
        await Summarize();
        return changeSet;
    }

    public async Task ExecuteChangeSet(string nameOrId, string? clientRequestToken)
    {
        var stack = Stack ?? throw ChangeSetNotFound(nameOrId);
        var changeSet = FindChangeSet(stack, nameOrId);
        if (changeSet.ExecutionStatus != "AVAILABLE")
        {
            throw new EcsException("InvalidChangeSetStatus", $"ChangeSet [{changeSet.ChangeSetId}] cannot be executed in its current execution status of [{changeSet.ExecutionStatus}]");
        }

        if (StackStatus.InProgress(stack.Status))
        {
            throw new EcsException(ErrorCodes.ValidationError, $"Stack:{StackId} is in {stack.Status} state and can not be updated.");
        }

        var request = changeSet.Request with { ClientRequestToken = clientRequestToken ?? changeSet.Request.ClientRequestToken };
        var prepared = await Prepare(request, changeSet.ChangeSetType == "CREATE" ? null : stack, request.TemplateBody!);
        var now = Now;

        // CloudFormation removes every change set of a stack once one is executed.
        stack = stack with { ChangeSets = ImmutableDictionary<string, ChangeSetRecord>.Empty };
        stack = changeSet.ChangeSetType == "CREATE"
            ? StackEngine.BeginCreate(stack with { CreationTime = now }, prepared.Template, prepared.Parameters, prepared.Conditions, prepared.Imports, request, now, changeSet.ChangeSetId)
            : StackEngine.BeginUpdate(stack, prepared.Template, prepared.Parameters, prepared.Conditions, prepared.Imports, request, now, changeSet.ChangeSetId);
        await Begin(stack);
    }

    public async Task DeleteChangeSet(string nameOrId)
    {
        var stack = Stack ?? throw ChangeSetNotFound(nameOrId);
        var changeSet = FindChangeSet(stack, nameOrId);
        store.State.Stack = stack with { ChangeSets = stack.ChangeSets.Remove(changeSet.ChangeSetName) };
        await store.WriteStateAsync();
    }

    private static ChangeSetRecord FindChangeSet(StackRecord stack, string nameOrId) =>
        stack.ChangeSets.Values.FirstOrDefault(c => c.ChangeSetName == nameOrId || c.ChangeSetId == nameOrId) ?? throw ChangeSetNotFound(nameOrId);

    private static EcsException ChangeSetNotFound(string nameOrId) => new("ChangeSetNotFound", $"ChangeSet [{nameOrId}] does not exist");

    /// <summary>The stack, existing and not deleted (a stack made by a CREATE change set exists only once executed).</summary>
    private StackRecord Live(string name) =>
        Stack is { } s && s.Status is not (StackStatus.DeleteComplete or StackStatus.ReviewInProgress)
            ? s
            : throw new EcsException(ErrorCodes.ValidationError, $"Stack [{name}] does not exist");

    /// <summary>B-CFN-1..4: the template, parameters (SSM ones from the parameter store), capabilities, rules and imports.</summary>
    private async Task<PreparedStack> Prepare(StackRequest request, StackRecord? previous, string body)
    {
        try
        {
            var previousValues = previous?.Parameters.ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal);
            var (template, bound) = StackPreparation.Bind(body, request.Parameters.IsDefault ? [] : request.Parameters, previousValues);
            var names = TemplateParameters.SsmNames(bound);
            var parameterStore = names.IsEmpty ? ImmutableDictionary<string, string>.Empty : await Provisioner.Parameters(names);
            var exports = (await Registry.Exports()).ToDictionary(e => e.Name, e => e.Value, StringComparer.Ordinal);
            var capabilities = request.Capabilities ?? previous?.Capabilities ?? [];
            return StackPreparation.Complete(template, bound, parameterStore, exports, capabilities, request.StackName, StackId, Env);
        }
        catch (TemplateException e)
        {
            throw new EcsException(e.Code, e.Message);
        }
    }

    private async Task Begin(StackRecord stack)
    {
        store.State.Stack = stack;
        await store.WriteStateAsync();
        await Summarize();
        if (stack.Run is not null)
        {
            await this.RegisterOrUpdateReminder(Durability.WakeReminder, Durability.WakePeriod(runtime), Durability.WakePeriod(runtime));
            _timer!.Arm(Now);
        }
    }

    private Task Summarize()
    {
        var s = Stack!;
        return Registry.Summarize(new StackSummaryRecord(s.StackId, s.StackName, s.Status, s.StatusReason, s.CreationTime, s.LastUpdatedTime, s.DeletionTime, s.Description));
    }

    private Template TemplateOf(string body)
    {
        if (_template is { } cached && ReferenceEquals(cached.Body, body))
        {
            return cached.Template;
        }

        var template = Template.Parse(body);
        _template = (body, template);
        return template;
    }

    /// <summary>One turn of the running operation: start what is ready, apply the answers, poll what stabilizes, move phases on.</summary>
    private async Task Tick(CancellationToken cancellationToken)
    {
        _timer!.Fired();
        var before = Stack;
        try
        {
            await Run();
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LogTickFailed(logger, StackId, e);
        }
        finally
        {
            if (!ReferenceEquals(before, Stack))
            {
                await store.WriteStateAsync(cancellationToken);
                await Summarize();
            }

            if (Stack?.Run is { } run)
            {
                // Stabilizing resources are checked again at the next poll; anything else goes on at once.
                var polling = run.Jobs.Any(j => j.State == RunPhase.Running);
                _timer.Arm(polling ? (_nextPoll > Now ? _nextPoll : Now + PollInterval) : Now);
            }
            else
            {
                await UnregisterWake();
            }
        }
    }

    private async Task Run()
    {
        var context = new StackCallContext(StackId, Stack!.StackName, Stack.Run?.ClientRequestToken);
        if (Stack.Run is { } polling && polling.Jobs.Any(j => j.State == RunPhase.Running) && Now >= _nextPoll)
        {
            _nextPoll = Now + PollInterval;
            await Execute(StackEngine.Polls(Stack), context);
        }

        for (var round = 0; round < MaxRoundsPerTick && Stack?.Run is { } run; round++)
        {
            var now = Now;
            var template = TemplateOf(run.TemplateBody);
            var stack = StackEngine.Advance(Stack, now);
            if (stack.Run?.Phase == RunPhase.Finalizing)
            {
                stack = await Finalize(stack, template, now);
                store.State.Stack = stack;
                continue;
            }

            var (started, calls) = StackEngine.Start(stack, template, Env, now);
            store.State.Stack = StackEngine.Advance(started, now);
            if (calls.IsEmpty)
            {
                if (ReferenceEquals(started, stack) || store.State.Stack?.Run is null)
                {
                    break;
                }

                continue;
            }

            await Execute(calls, context);
        }
    }

    private async Task Execute(ImmutableArray<ResourceCall> calls, StackCallContext context)
    {
        var outcomes = await Task.WhenAll(calls.Select(async c =>
        {
            try
            {
                return await Provisioner.Execute(c, context);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                LogHandlerFailed(logger, c.Type, c.LogicalId, e);
                return ResourceOutcome.Failed("Internal failure: " + e.Message);
            }
        }));
        var stack = Stack!;
        var now = Now;
        for (var i = 0; i < calls.Length; i++)
        {
            stack = StackEngine.Complete(stack, calls[i], outcomes[i], now);
        }

        store.State.Stack = StackEngine.Advance(stack, now);
    }

    /// <summary>B-CFN-8: outputs evaluated and exports published (or the operation fails and rolls back with the reason).</summary>
    private async Task<StackRecord> Finalize(StackRecord stack, Template template, DateTimeOffset now)
    {
        try
        {
            var (outputs, exports, imports) = StackEngine.Outputs(stack, template, Env);
            await Registry.Publish(StackId, exports, imports);
            return StackEngine.Finish(stack, outputs, imports, now);
        }
        catch (TemplateException e)
        {
            return StackEngine.FailFinalize(stack, e.Message, now);
        }
        catch (EcsException e)
        {
            return StackEngine.FailFinalize(stack, e.Message, now);
        }
    }

    private async Task UnregisterWake()
    {
        if (await this.GetReminder(Durability.WakeReminder) is { } reminder)
        {
            await this.UnregisterReminder(reminder);
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Stack {StackId}: a tick failed")]
    private static partial void LogTickFailed(ILogger logger, string stackId, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Resource handler for {Type} ({LogicalId}) threw")]
    private static partial void LogHandlerFailed(ILogger logger, string type, string logicalId, Exception exception);
}
