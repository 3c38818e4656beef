using System.Collections.Immutable;
using System.Text.Json.Nodes;
using Emulator.Contracts;
using static Emulator.Model.CloudFormation.RunPhase;
using static Emulator.Model.CloudFormation.StackStatus;

namespace Emulator.Model.CloudFormation;

/// <summary>The account, region and zones a stack is evaluated in.</summary>
public sealed record StackEnvironment(string AccountId, string Region, ImmutableArray<string> Zones);

/// <summary>
/// One call to a resource handler: create, update, delete one resource, or poll one that is stabilizing
/// (<see cref="Poll"/>). Properties are resolved JSON.
/// </summary>
public sealed record ResourceCall(
    string JobKey,
    string Verb,
    string LogicalId,
    string Type,
    string? PhysicalId,
    string? Properties,
    string? PreviousProperties,
    ImmutableDictionary<string, string> Attributes,
    string? Handle,
    bool Poll);

/// <summary>
/// What a handler answers: done (physical id, attributes as JSON, the properties as applied), still stabilizing
/// (<see cref="InProgress"/>, with a handle to poll by), or failed with the reason CloudFormation shows.
/// </summary>
public sealed record ResourceOutcome(
    bool Succeeded,
    bool InProgress,
    string? PhysicalId,
    ImmutableDictionary<string, string>? Attributes,
    string? Reason,
    string? Handle)
{
    public static ResourceOutcome Done(string physicalId, ImmutableDictionary<string, string>? attributes = null) =>
        new(true, false, physicalId, attributes ?? ImmutableDictionary<string, string>.Empty, null, null);

    public static ResourceOutcome Stabilizing(string physicalId, string handle, ImmutableDictionary<string, string>? attributes = null) =>
        new(true, true, physicalId, attributes ?? ImmutableDictionary<string, string>.Empty, null, handle);

    public static ResourceOutcome Failed(string reason, string? physicalId = null) => new(false, false, physicalId, null, reason, null);
}

/// <summary>
/// The stack engine (B-CFN-5..7, B-CFN-11), pure: a stack record in, the next stack record (and the handler calls to
/// make) out. A create applies the template's resources in dependency order and rolls back (deletes, in reverse order)
/// on the first failure; an update creates, modifies in place or replaces each resource as its changed properties
/// demand, then deletes what was removed or replaced, and on failure reverts; a delete removes in reverse dependency
/// order. Every step is a stack event.
/// </summary>
public static class StackEngine
{
    /// <summary>A stack record that exists but has done nothing (CreateStack's first instant, or a change set's REVIEW_IN_PROGRESS).</summary>
    public static StackRecord New(string stackId, StackRequest request, string status, DateTimeOffset now) => new(
        stackId, request.StackName, request.Description, status, null, now, null, null, "", [], request.Tags ?? [], request.Capabilities ?? [],
        request.NotificationArns ?? [], request.OnFailure == "DO_NOTHING", request.EnableTerminationProtection ?? false, request.RoleArn,
        ImmutableDictionary<string, StackResourceRecord>.Empty, [], [], null, [], ImmutableDictionary<string, ChangeSetRecord>.Empty,
        ImmutableDictionary<string, bool>.Empty, request.TimeoutInMinutes);

    public static StackRecord BeginCreate(
        StackRecord s, Template template, ImmutableArray<StackParameterRecord> parameters, ImmutableDictionary<string, bool> conditions,
        ImmutableDictionary<string, string> imports, StackRequest request, DateTimeOffset now, string? changeSetId = null)
    {
        var graph = Dependencies.Of(template, conditions);
        var jobs = Dependencies.Order(graph, template.ResourceOrder)
            .Select(id => new StackJobRecord(id, id, VerbCreate, Pending, graph[id], null, false)).ToImmutableArray();
        var run = NewRun(Create, request, parameters, conditions, imports, jobs, ImmutableDictionary<string, StackResourceRecord>.Empty, now, changeSetId) with
        {
            TemplateBody = request.TemplateBody ?? s.TemplateBody,
        };
        s = s with
        {
            Status = CreateInProgress,
            StatusReason = "User Initiated",
            TemplateBody = run.TemplateBody,
            Parameters = parameters,
            Conditions = conditions,
            Description = template.Description,
            Tags = request.Tags ?? [],
            Capabilities = request.Capabilities ?? [],
            NotificationArns = request.NotificationArns ?? [],
            DisableRollback = request.OnFailure == "DO_NOTHING",
            Run = run,
        };
        return StackEvent(s, CreateInProgress, "User Initiated", now, request.ClientRequestToken);
    }

    public static StackRecord BeginUpdate(
        StackRecord s, Template template, ImmutableArray<StackParameterRecord> parameters, ImmutableDictionary<string, bool> conditions,
        ImmutableDictionary<string, string> imports, StackRequest request, DateTimeOffset now, string? changeSetId = null)
    {
        var graph = Dependencies.Of(template, conditions);
        var changedTypes = graph.Keys.Where(id => s.Resources.TryGetValue(id, out var r) && r.Type != template.Resources[id].Type).Order(StringComparer.Ordinal).ToList();
        if (changedTypes.Count > 0)
        {
            throw new TemplateException($"Update of resource type is not permitted. The new template modifies resource type of the following resources: [{string.Join(", ", changedTypes)}]");
        }

        var jobs = Dependencies.Order(graph, template.ResourceOrder)
            .Select(id => new StackJobRecord(id, id, s.Resources.ContainsKey(id) ? VerbUpdate : VerbCreate, Pending, graph[id], null, false))
            .ToImmutableArray();
        var run = NewRun(Update, request, parameters, conditions, imports, jobs, s.Resources, now, changeSetId) with
        {
            TemplateBody = request.TemplateBody ?? s.TemplateBody,
            Tags = request.Tags ?? s.Tags,
            Capabilities = request.Capabilities ?? s.Capabilities,
            NotificationArns = request.NotificationArns ?? s.NotificationArns,
            Description = template.Description,
        };
        s = s with { Status = UpdateInProgress, StatusReason = "User Initiated", Run = run };
        return StackEvent(s, UpdateInProgress, "User Initiated", now, request.ClientRequestToken);
    }

    public static StackRecord BeginDelete(StackRecord s, ImmutableArray<string> retain, string? clientRequestToken, DateTimeOffset now)
    {
        var run = new StackRunRecord(Delete, Apply, s.TemplateBody, s.Parameters, s.Conditions, ImmutableDictionary<string, string>.Empty,
            DeleteJobs(s.Resources.Values, s.Resources), s.Resources, [], null, "ROLLBACK", clientRequestToken, s.Tags, s.Capabilities,
            s.NotificationArns, s.Description, retain.IsDefault ? [] : retain, now, null, null);
        s = s with { Status = DeleteInProgress, StatusReason = "User Initiated", Run = run };
        return StackEvent(s, DeleteInProgress, "User Initiated", now, clientRequestToken);
    }

    private static StackRunRecord NewRun(
        string kind, StackRequest request, ImmutableArray<StackParameterRecord> parameters, ImmutableDictionary<string, bool> conditions,
        ImmutableDictionary<string, string> imports, ImmutableArray<StackJobRecord> jobs, ImmutableDictionary<string, StackResourceRecord> before,
        DateTimeOffset now, string? changeSetId) =>
        new(kind, Apply, request.TemplateBody ?? "", parameters, conditions, imports, jobs, before, [], null, request.OnFailure,
            request.ClientRequestToken, request.Tags ?? [], request.Capabilities ?? [], request.NotificationArns ?? [], request.Description, [], now,
            request.TimeoutInMinutes, changeSetId);

    /// <summary>
    /// Delete jobs for <paramref name="resources"/>: each after every resource of the set that depends on it (reverse
    /// dependency order).
    /// </summary>
    private static ImmutableArray<StackJobRecord> DeleteJobs(IEnumerable<StackResourceRecord> resources, IReadOnlyDictionary<string, StackResourceRecord> graph, string keyPrefix = "")
    {
        var set = resources.ToList();
        var ids = set.Select(r => r.LogicalId).ToHashSet(StringComparer.Ordinal);
        return [.. set.Select(r => new StackJobRecord(
            keyPrefix + r.LogicalId, r.LogicalId, VerbDelete, Pending,
            [.. graph.Values.Where(o => ids.Contains(o.LogicalId) && o.LogicalId != r.LogicalId && o.DependsOn.Contains(r.LogicalId)).Select(o => keyPrefix + o.LogicalId).Order(StringComparer.Ordinal)],
            r, false))];
    }

    /// <summary>The evaluation context of the stack's current run: its parameters, conditions, imports and the resources created so far.</summary>
    public static EvaluationContext Context(StackRecord s, Template template, StackEnvironment env)
    {
        var run = s.Run;
        var parameters = run?.Parameters ?? s.Parameters;
        var resources = s.Resources.Values
            .Where(r => r.PhysicalId is not null)
            .ToImmutableDictionary(r => r.LogicalId, r => new ResourceValues(r.PhysicalId!, r.Attributes.ToImmutableDictionary(kv => kv.Key, kv => JsonNode.Parse(kv.Value))), StringComparer.Ordinal);
        return new EvaluationContext(
            TemplateParameters.Values(parameters.Select(p => new BoundParameter(p.Key, p.Value, p.ResolvedValue, p.NoEcho, p.Type))),
            env.AccountId, env.Region, s.StackName, s.StackId, env.Zones, template.Mappings, run?.Conditions ?? s.Conditions, resources,
            run?.Imports ?? ImmutableDictionary<string, string>.Empty, run?.NotificationArns ?? s.NotificationArns);
    }

    /// <summary>
    /// Starts every job whose prerequisites are done (none while the phase is failing): the calls to make. Jobs that need
    /// no call (nothing changed, retained, never created) finish here.
    /// </summary>
    public static (StackRecord Stack, ImmutableArray<ResourceCall> Calls) Start(StackRecord s, Template template, StackEnvironment env, DateTimeOffset now)
    {
        var calls = ImmutableArray.CreateBuilder<ResourceCall>();
        var progressed = true;
        while (progressed && s.Run is { } run && run.Phase != Finalizing)
        {
            progressed = false;
            var failing = run.Jobs.Any(j => j.State == Failed) && run.Phase == Apply;
            if (failing)
            {
                break;
            }

            var states = run.Jobs.ToDictionary(j => j.Key, j => j.State, StringComparer.Ordinal);
            foreach (var job in run.Jobs.Where(j => j.State == Pending && j.After.All(a => !states.TryGetValue(a, out var st) || st == Done)))
            {
                var (next, call) = StartJob(s, job, template, env, now);
                s = next;
                if (call is not null)
                {
                    calls.Add(call);
                }

                progressed = true;
                if (run.Phase == Apply && s.Run!.Jobs.Any(j => j.State == Failed))
                {
                    break;
                }
            }
        }

        return (s, calls.ToImmutable());
    }

    /// <summary>Poll calls for the jobs whose resources are stabilizing.</summary>
    public static ImmutableArray<ResourceCall> Polls(StackRecord s) => s.Run is not { } run
        ? []
        : [.. run.Jobs.Where(j => j.State == Running).Select(j => (Job: j, Record: j.Replacement ? j.Target : Current(s, j)))
            .Where(x => x.Record?.Handle is not null)
            .Select(x => new ResourceCall(x.Job.Key, x.Job.Verb, x.Job.LogicalId, x.Record!.Type, x.Record.PhysicalId, x.Record.Properties, null,
                x.Record.Attributes, x.Record.Handle, true))];

    private static StackResourceRecord? Current(StackRecord s, StackJobRecord job) =>
        job.Verb == VerbDelete ? job.Target : s.Resources.GetValueOrDefault(job.LogicalId);

    private static (StackRecord, ResourceCall?) StartJob(StackRecord s, StackJobRecord job, Template template, StackEnvironment env, DateTimeOffset now)
    {
        switch (job.Verb)
        {
            case VerbCreate:
            {
                var d = template.Resources[job.LogicalId];
                var record = new StackResourceRecord(d.LogicalId, d.Type, null, CreateInProgress, null, null, ImmutableDictionary<string, string>.Empty, now,
                    job.After, d.DeletionPolicy, d.UpdateReplacePolicy, d.Metadata?.ToJsonString(), null);
                s = s with { Resources = s.Resources.SetItem(d.LogicalId, record) };
                if (ResourceTypes.Find(d.Type) is null)
                {
                    s = ResourceEvent(s, record, CreateInProgress, null, null, now);
                    return (Fail(s, job, record, CreateFailed, ResourceTypes.UnsupportedReason(d.Type), now), null);
                }

                string properties;
                try
                {
                    properties = (Intrinsics.Resolve(d.Properties ?? [], Context(s, template, env)) ?? new JsonObject()).ToJsonString();
                }
                catch (TemplateException e)
                {
                    s = ResourceEvent(s, record, CreateInProgress, null, null, now);
                    return (Fail(s, job, record, CreateFailed, e.Message, now), null);
                }

                record = record with { Properties = properties };
                s = s with { Resources = s.Resources.SetItem(d.LogicalId, record) };
                s = ResourceEvent(s, record, CreateInProgress, null, properties, now);
                return (SetJob(s, job with { State = Running }), Call(job, VerbCreate, record, properties, null));
            }

            case VerbUpdate:
                return StartUpdate(s, job, template, env, now);
            case VerbRevert:
                return StartRevert(s, job, now);
            case VerbDelete:
                return StartDelete(s, job, now);
            default:
                throw new InvalidOperationException("Unknown job verb " + job.Verb);
        }
    }

    private static (StackRecord, ResourceCall?) StartUpdate(StackRecord s, StackJobRecord job, Template template, StackEnvironment env, DateTimeOffset now)
    {
        var d = template.Resources[job.LogicalId];
        var current = s.Resources[job.LogicalId];
        var kept = current with { DependsOn = job.After, DeletionPolicy = d.DeletionPolicy, UpdateReplacePolicy = d.UpdateReplacePolicy, Metadata = d.Metadata?.ToJsonString() };
        string properties;
        try
        {
            properties = (Intrinsics.Resolve(d.Properties ?? [], Context(s, template, env)) ?? new JsonObject()).ToJsonString();
        }
        catch (TemplateException e)
        {
            s = ResourceEvent(s, current, UpdateInProgress, null, null, now);
            return (Fail(s, job, current, UpdateFailed, e.Message, now), null);
        }

        var changed = ChangedProperties(current.Properties, properties);
        if (changed.Count == 0 && current.Status is not (CreateFailed or UpdateFailed))
        {
            s = s with { Resources = s.Resources.SetItem(job.LogicalId, kept) };
            return (SetJob(s, job with { State = Done }), null);
        }

        var info = ResourceTypes.Find(d.Type);
        if (info is null)
        {
            s = ResourceEvent(s, current, UpdateInProgress, null, null, now);
            return (Fail(s, job, current, UpdateFailed, ResourceTypes.UnsupportedReason(d.Type), now), null);
        }

        if (changed.Any(info.Replaces))
        {
            if (info.NameProperty is { } nameProperty && JsonNode.Parse(properties)?[nameProperty] is { } newName
                && current.Properties is { } oldText && JsonNode.Parse(oldText)?[nameProperty] is { } oldName
                && JsonNode.DeepEquals(newName, oldName))
            {
                s = ResourceEvent(s, current, UpdateInProgress, null, properties, now);
                return (Fail(s, job, current, UpdateFailed,
                    $"CloudFormation cannot update a stack when a custom-named resource requires replacing. Rename {Template.Text(newName)} and update the stack again.", now), null);
            }

            var replacement = kept with { PhysicalId = null, Status = UpdateInProgress, Properties = properties, Attributes = ImmutableDictionary<string, string>.Empty, Handle = null, LastUpdated = now };
            s = ResourceEvent(s, current, UpdateInProgress, "Requested update requires the creation of a new physical resource; hence creating one.", properties, now);
            var replacing = job with { State = Running, Replacement = true, Target = replacement };
            return (SetJob(s, replacing), Call(replacing, VerbCreate, replacement, properties, null));
        }

        var updating = kept with { Status = UpdateInProgress, LastUpdated = now };
        s = s with { Resources = s.Resources.SetItem(job.LogicalId, updating) };
        s = ResourceEvent(s, updating, UpdateInProgress, null, properties, now);
        return (SetJob(s, job with { State = Running }), Call(job, VerbUpdate, updating, properties, current.Properties));
    }

    private static (StackRecord, ResourceCall?) StartRevert(StackRecord s, StackJobRecord job, DateTimeOffset now)
    {
        var before = s.Run!.Before[job.LogicalId];
        var current = s.Resources[job.LogicalId];
        if (current.PhysicalId != before.PhysicalId)
        {
            // A replaced resource goes back to its old physical resource; the new one is deleted in the rollback's cleanup.
            var restored = before with { Status = UpdateComplete, LastUpdated = now, Handle = null };
            s = s with { Resources = s.Resources.SetItem(job.LogicalId, restored), Run = s.Run with { Discards = current.PhysicalId is null ? s.Run.Discards : s.Run.Discards.Add(current) } };
            s = ResourceEvent(s, restored, UpdateInProgress, null, before.Properties, now);
            s = ResourceEvent(s, restored, UpdateComplete, null, null, now);
            return (SetJob(s, job with { State = Done }), null);
        }

        if (ChangedProperties(current.Properties, before.Properties).Count == 0)
        {
            s = s with { Resources = s.Resources.SetItem(job.LogicalId, before with { LastUpdated = current.LastUpdated }) };
            return (SetJob(s, job with { State = Done }), null);
        }

        var reverting = current with { Status = UpdateInProgress, LastUpdated = now };
        s = s with { Resources = s.Resources.SetItem(job.LogicalId, reverting) };
        s = ResourceEvent(s, reverting, UpdateInProgress, null, before.Properties, now);
        return (SetJob(s, job with { State = Running }), Call(job, VerbUpdate, reverting, before.Properties, current.Properties));
    }

    private static (StackRecord, ResourceCall?) StartDelete(StackRecord s, StackJobRecord job, DateTimeOffset now)
    {
        var target = job.Target!;
        var run = s.Run!;
        var current = IsCurrent(s, target);
        var retained = run.Retain.Contains(target.LogicalId)
            || (current && target.DeletionPolicy == "Retain")
            || (current && target.DeletionPolicy == "RetainExceptOnCreate" && !(run.Kind == Create && run.Phase == Rollback))
            || (!current && run.Phase == Cleanup && target.UpdateReplacePolicy == "Retain");
        if (target.PhysicalId is null || retained)
        {
            s = Remove(s, target);
            s = ResourceEvent(s, target, retained && target.PhysicalId is not null ? DeleteSkipped : DeleteComplete, null, null, now);
            return (SetJob(s, job with { State = Done }), null);
        }

        var deleting = target with { Status = DeleteInProgress, LastUpdated = now };
        if (IsCurrent(s, target))
        {
            s = s with { Resources = s.Resources.SetItem(target.LogicalId, deleting) };
        }

        s = ResourceEvent(s, deleting, DeleteInProgress, null, null, now);
        return (SetJob(s, job with { State = Running, Target = deleting }), Call(job, VerbDelete, deleting, deleting.Properties, null));
    }

    private static bool IsCurrent(StackRecord s, StackResourceRecord r) =>
        s.Resources.TryGetValue(r.LogicalId, out var c) && c.PhysicalId == r.PhysicalId;

    private static StackRecord Remove(StackRecord s, StackResourceRecord r) =>
        IsCurrent(s, r) ? s with { Resources = s.Resources.Remove(r.LogicalId) } : s;

    private static ResourceCall Call(StackJobRecord job, string verb, StackResourceRecord record, string? properties, string? previous) =>
        new(job.Key, verb, record.LogicalId, record.Type, record.PhysicalId, properties, previous, record.Attributes, record.Handle, false);

    /// <summary>Applies a handler's answer to the job it was for.</summary>
    public static StackRecord Complete(StackRecord s, ResourceCall call, ResourceOutcome outcome, DateTimeOffset now)
    {
        if (s.Run is not { } run || run.Jobs.FirstOrDefault(j => j.Key == call.JobKey) is not { State: Running } job)
        {
            return s; // cancelled meanwhile
        }

        switch (job.Verb)
        {
            case VerbCreate or VerbUpdate when job.Replacement:
            {
                var record = job.Target! with { PhysicalId = outcome.PhysicalId ?? job.Target!.PhysicalId, Attributes = outcome.Attributes ?? job.Target.Attributes, Handle = outcome.Handle, LastUpdated = now };
                if (!outcome.Succeeded)
                {
                    s = SetJob(s, job with { Target = record });
                    return Fail(s, job with { Target = record }, s.Resources[job.LogicalId], UpdateFailed, outcome.Reason, now);
                }

                if (outcome.InProgress)
                {
                    return SetJob(s, job with { Target = record });
                }

                var old = s.Resources[job.LogicalId];
                var done = record with { Status = UpdateComplete, Handle = null };
                s = s with { Resources = s.Resources.SetItem(job.LogicalId, done), Run = s.Run! with { Discards = s.Run.Discards.Add(old) } };
                s = ResourceEvent(s, done, UpdateComplete, null, null, now);
                return SetJob(s, job with { State = Done, Target = done });
            }

            case VerbCreate:
            {
                var current = s.Resources[job.LogicalId];
                var record = current with { PhysicalId = outcome.PhysicalId ?? current.PhysicalId, Attributes = outcome.Attributes ?? current.Attributes, Handle = outcome.Handle, LastUpdated = now };
                if (!outcome.Succeeded)
                {
                    s = s with { Resources = s.Resources.SetItem(job.LogicalId, record) };
                    return Fail(s, job, record, CreateFailed, outcome.Reason, now);
                }

                if (outcome.InProgress)
                {
                    s = s with { Resources = s.Resources.SetItem(job.LogicalId, record) };
                    return current.Handle is null ? ResourceEvent(s, record, CreateInProgress, "Resource creation Initiated", null, now) : s;
                }

                record = record with { Status = CreateComplete, Handle = null };
                s = s with { Resources = s.Resources.SetItem(job.LogicalId, record) };
                s = ResourceEvent(s, record, CreateComplete, null, null, now);
                return SetJob(s, job with { State = Done });
            }

            case VerbUpdate or VerbRevert:
            {
                var current = s.Resources[job.LogicalId];
                var record = current with { Attributes = outcome.Attributes is { Count: > 0 } a ? current.Attributes.SetItems(a) : current.Attributes, Handle = outcome.Handle, LastUpdated = now };
                if (!outcome.Succeeded)
                {
                    s = s with { Resources = s.Resources.SetItem(job.LogicalId, record) };
                    return Fail(s, job, record, UpdateFailed, outcome.Reason, now);
                }

                if (outcome.InProgress)
                {
                    return s with { Resources = s.Resources.SetItem(job.LogicalId, record with { Properties = call.Properties }) };
                }

                record = record with { Status = UpdateComplete, Properties = call.Properties, Handle = null };
                s = s with { Resources = s.Resources.SetItem(job.LogicalId, record) };
                s = ResourceEvent(s, record, UpdateComplete, null, null, now);
                return SetJob(s, job with { State = Done });
            }

            case VerbDelete:
            {
                var target = job.Target!;
                if (!outcome.Succeeded)
                {
                    var failed = target with { Status = DeleteFailed, Reason = outcome.Reason, LastUpdated = now, Handle = null };
                    if (IsCurrent(s, target))
                    {
                        s = s with { Resources = s.Resources.SetItem(target.LogicalId, failed) };
                    }

                    s = ResourceEvent(s, failed, DeleteFailed, outcome.Reason, null, now);
                    return SetJob(s, job with { State = Failed, Target = failed });
                }

                if (outcome.InProgress)
                {
                    var waiting = target with { Handle = outcome.Handle };
                    if (IsCurrent(s, target))
                    {
                        s = s with { Resources = s.Resources.SetItem(target.LogicalId, waiting) };
                    }

                    return SetJob(s, job with { Target = waiting });
                }

                s = Remove(s, target);
                s = ResourceEvent(s, target with { Status = DeleteComplete }, DeleteComplete, null, null, now);
                return SetJob(s, job with { State = Done });
            }

            default:
                return s;
        }
    }

    /// <summary>A job fails: the resource's status and event with the reason; the phase then winds down (see <see cref="Advance"/>).</summary>
    private static StackRecord Fail(StackRecord s, StackJobRecord job, StackResourceRecord record, string status, string? reason, DateTimeOffset now)
    {
        var failed = record with { Status = status, Reason = reason, LastUpdated = now, Handle = null };
        s = s with { Resources = s.Resources.SetItem(record.LogicalId, failed) };
        s = ResourceEvent(s, failed, status, reason, null, now);
        if (job.Replacement && job.Target?.PhysicalId is not null)
        {
            // The half-made replacement is deleted by the rollback's cleanup.
            s = s with { Run = s.Run! with { Discards = s.Run.Discards.Add(job.Target) } };
        }

        return SetJob(s, job with { State = Failed });
    }

    private static StackRecord SetJob(StackRecord s, StackJobRecord job) =>
        s with { Run = s.Run! with { Jobs = s.Run.Jobs.Select(j => j.Key == job.Key ? job : j).ToImmutableArray() } };

    /// <summary>
    /// Moves the operation on when its phase has nothing left to do: a failed apply cancels what is running and rolls
    /// back (or stops, with OnFailure DO_NOTHING); a finished phase starts the next; the last one sets the final status.
    /// A finished apply stops at <see cref="RunPhase.Finalizing"/>: outputs and exports are the grain's to publish
    /// (<see cref="Finish"/> or <see cref="FailFinalize"/>).
    /// </summary>
    public static StackRecord Advance(StackRecord s, DateTimeOffset now)
    {
        while (s.Run is { } run)
        {
            var running = run.Jobs.Any(j => j.State == Running);
            var failedJobs = run.Jobs.Where(j => j.State == Failed).ToList();
            var states = run.Jobs.ToDictionary(j => j.Key, j => j.State, StringComparer.Ordinal);
            var startable = run.Jobs.Any(j => j.State == Pending && j.After.All(a => !states.TryGetValue(a, out var st) || st == Done));

            if (run.Phase == Apply && run.Kind != Delete && failedJobs.Count > 0)
            {
                s = CancelRunning(s, now);
                s = RollBack(s, FailureReason(s, failedJobs), now);
                continue;
            }

            if (run.Phase == Finalizing || running || startable)
            {
                return s;
            }

            switch (run.Kind, run.Phase)
            {
                case (Delete, Apply):
                    if (failedJobs.Count > 0)
                    {
                        var reason = $"The following resource(s) failed to delete: [{Names(failedJobs)}]. ";
                        return StackEvent(s with { Status = DeleteFailed, StatusReason = reason, Run = null }, DeleteFailed, reason, now, run.ClientRequestToken);
                    }

                    return StackEvent(s with { Status = DeleteComplete, StatusReason = null, DeletionTime = now, Run = null }, DeleteComplete, null, now, run.ClientRequestToken);

                case (_, Apply):
                    s = s with { Run = run with { Phase = Finalizing } };
                    return s;

                case (Create, Rollback):
                    if (failedJobs.Count > 0)
                    {
                        var reason = $"The following resource(s) failed to delete: [{Names(failedJobs)}]. ";
                        return StackEvent(s with { Status = RollbackFailed, StatusReason = reason, Run = null }, RollbackFailed, reason, now, run.ClientRequestToken);
                    }

                    s = StackEvent(s with { Status = RollbackComplete, Run = null }, RollbackComplete, null, now, run.ClientRequestToken);
                    if (run.OnFailure == "DELETE")
                    {
                        s = StackEvent(s with { Status = DeleteInProgress, StatusReason = "User Initiated" }, DeleteInProgress, "User Initiated", now, run.ClientRequestToken);
                        s = StackEvent(s with { Status = DeleteComplete, StatusReason = null, DeletionTime = now }, DeleteComplete, null, now, run.ClientRequestToken);
                    }

                    return s;

                case (Update, Cleanup):
                    return StackEvent(s with { Status = UpdateComplete, StatusReason = null, Run = null }, UpdateComplete, null, now, run.ClientRequestToken);

                case (Update, Rollback):
                    if (failedJobs.Count > 0)
                    {
                        var reason = $"The following resource(s) failed to update: [{Names(failedJobs)}]. ";
                        return StackEvent(s with { Status = UpdateRollbackFailed, StatusReason = reason, Run = null }, UpdateRollbackFailed, reason, now, run.ClientRequestToken);
                    }

                    var added = s.Resources.Values.Where(r => !run.Before.ContainsKey(r.LogicalId)).ToList();
                    var cleanup = DeleteJobs(added, s.Resources).AddRange(run.Discards.Select((d, i) => new StackJobRecord($"discard/{i}/{d.LogicalId}", d.LogicalId, VerbDelete, Pending, [], d, false)));
                    s = s with { Status = UpdateRollbackCompleteCleanupInProgress, Run = run with { Phase = RollbackCleanup, Jobs = cleanup, Discards = [] } };
                    s = StackEvent(s, UpdateRollbackCompleteCleanupInProgress, null, now, run.ClientRequestToken);
                    continue;

                case (Update, RollbackCleanup):
                    return StackEvent(s with { Status = UpdateRollbackComplete, Run = null }, UpdateRollbackComplete, null, now, run.ClientRequestToken);

                default:
                    return s with { Run = null };
            }
        }

        return s;
    }

    private static string Names(IEnumerable<StackJobRecord> jobs) => string.Join(", ", jobs.Select(j => j.LogicalId).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal));

    private static string FailureReason(StackRecord s, List<StackJobRecord> failed)
    {
        var verb = s.Run!.Kind == Create || failed.All(j => j.Verb == VerbCreate && !j.Replacement) ? "create" : "update";
        return $"The following resource(s) failed to {verb}: [{Names(failed)}]. ";
    }

    /// <summary>Jobs still running when another failed are cancelled, as CloudFormation cancels them.</summary>
    private static StackRecord CancelRunning(StackRecord s, DateTimeOffset now)
    {
        foreach (var job in s.Run!.Jobs.Where(j => j.State == Running).ToList())
        {
            var create = job.Verb == VerbCreate && !job.Replacement;
            var status = create ? CreateFailed : UpdateFailed;
            var reason = create ? "Resource creation cancelled" : "Resource update cancelled";
            var record = s.Resources[job.LogicalId];
            s = Fail(s, job, record, status, reason, now);
        }

        return s;
    }

    /// <summary>
    /// From a failed apply (or finalize): a create rolls back by deleting everything it made (unless OnFailure is
    /// DO_NOTHING: CREATE_FAILED, resources kept); an update reverts what it changed, then deletes what it added.
    /// </summary>
    private static StackRecord RollBack(StackRecord s, string reason, DateTimeOffset now)
    {
        var run = s.Run!;
        if (run.Kind == Create)
        {
            if (run.OnFailure == "DO_NOTHING")
            {
                return StackEvent(s with { Status = CreateFailed, StatusReason = reason, Run = null }, CreateFailed, reason, now, run.ClientRequestToken);
            }

            var rollbackReason = reason + "Rollback requested by user.";
            s = s with
            {
                Status = RollbackInProgress,
                StatusReason = rollbackReason,
                Run = run with { Phase = Rollback, FailureReason = reason, Jobs = DeleteJobs(s.Resources.Values, s.Resources), Retain = [] },
            };
            return StackEvent(s, RollbackInProgress, rollbackReason, now, run.ClientRequestToken);
        }

        // Update: revert, in the old template's order, every resource whose physical resource or properties changed.
        var touched = run.Before.Keys.Where(id => s.Resources.TryGetValue(id, out var r)
            && (r.PhysicalId != run.Before[id].PhysicalId || ChangedProperties(r.Properties, run.Before[id].Properties).Count > 0 || r.Status is UpdateFailed))
            .ToHashSet(StringComparer.Ordinal);
        var order = Dependencies.Order(run.Before.ToDictionary(kv => kv.Key, kv => kv.Value.DependsOn.Where(run.Before.ContainsKey).ToImmutableArray(), StringComparer.Ordinal),
            run.Before.Keys.Order(StringComparer.Ordinal));
        var jobs = order.Where(touched.Contains)
            .Select(id => new StackJobRecord(id, id, VerbRevert, Pending, [.. run.Before[id].DependsOn.Where(touched.Contains)], null, false))
            .ToImmutableArray();
        var newPhysicals = run.Discards.Where(d => run.Before.TryGetValue(d.LogicalId, out var b) && b.PhysicalId != d.PhysicalId).ToImmutableArray();
        s = s with
        {
            Status = UpdateRollbackInProgress,
            StatusReason = reason,
            Run = run with { Phase = Rollback, FailureReason = reason, Jobs = jobs, Discards = newPhysicals },
        };
        return StackEvent(s, UpdateRollbackInProgress, reason, now, run.ClientRequestToken);
    }

    /// <summary>Outputs, exports and imports of the stack's run, evaluated now that every resource exists (B-CFN-8).</summary>
    public static (ImmutableArray<StackOutputRecord> Outputs, ImmutableDictionary<string, string> Exports, ImmutableArray<string> Imports) Outputs(
        StackRecord s, Template template, StackEnvironment env)
    {
        var ctx = Context(s, template, env);
        var outputs = ImmutableArray.CreateBuilder<StackOutputRecord>();
        var exports = ImmutableDictionary.CreateBuilder<string, string>(StringComparer.Ordinal);
        foreach (var name in template.OutputOrder)
        {
            var o = template.Outputs[name];
            if (o.Condition is { } c && !(ctx.Conditions.TryGetValue(c, out var holds) && holds))
            {
                continue;
            }

            var value = Intrinsics.Resolve(o.Value, ctx);
            var text = value is JsonArray a ? string.Join(",", a.Select(Template.Text)) : Template.Text(value);
            string? export = null;
            if (o.ExportName is not null)
            {
                export = Template.Text(Intrinsics.Resolve(o.ExportName, ctx));
                if (export.Length == 0)
                {
                    throw new TemplateException($"Template format error: Output {name} is malformed. The Name field of Export must not be null or empty");
                }

                if (!exports.TryAdd(export, text))
                {
                    throw new TemplateException($"Template error: the export name {export} is used by more than one output of the stack");
                }
            }

            outputs.Add(new StackOutputRecord(name, text, o.Description, export));
        }

        var active = Dependencies.Active(template, ctx.Conditions);
        var imports = template.Resources.Values.Where(r => active.Contains(r.LogicalId)).SelectMany(r => Dependencies.Imports(r.Properties))
            .Concat(template.Outputs.Values.SelectMany(o => Dependencies.Imports(o.Value)))
            .Select(arg => Template.Text(Intrinsics.Resolve(arg, ctx)))
            .Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToImmutableArray();
        return (outputs.ToImmutable(), exports.ToImmutable(), imports);
    }

    /// <summary>
    /// After the grain published the exports: a create is complete; an update takes its new template, parameters and
    /// outputs and deletes what it removed or replaced (UPDATE_COMPLETE_CLEANUP_IN_PROGRESS).
    /// </summary>
    public static StackRecord Finish(StackRecord s, ImmutableArray<StackOutputRecord> outputs, ImmutableArray<string> imports, DateTimeOffset now)
    {
        var run = s.Run!;
        if (run.Kind == Create)
        {
            s = s with { Status = CreateComplete, StatusReason = null, Outputs = outputs, Imports = imports, Run = null };
            return StackEvent(s, CreateComplete, null, now, run.ClientRequestToken);
        }

        var removed = run.Before.Values.Where(b => s.Resources.TryGetValue(b.LogicalId, out var r) && r.PhysicalId == b.PhysicalId && !run.Jobs.Any(j => j.LogicalId == b.LogicalId)).ToList();
        var jobs = DeleteJobs(removed, run.Before)
            .AddRange(run.Discards.Select((d, i) => new StackJobRecord($"discard/{i}/{d.LogicalId}", d.LogicalId, VerbDelete, Pending, [], d, false)));
        s = s with
        {
            Status = UpdateCompleteCleanupInProgress,
            StatusReason = null,
            TemplateBody = run.TemplateBody,
            Parameters = run.Parameters,
            Conditions = run.Conditions,
            Tags = run.Tags,
            Capabilities = run.Capabilities,
            NotificationArns = run.NotificationArns,
            Description = run.Description,
            Outputs = outputs,
            Imports = imports,
            LastUpdatedTime = now,
            Run = run with { Phase = Cleanup, Jobs = jobs, Discards = [] },
        };
        return StackEvent(s, UpdateCompleteCleanupInProgress, null, now, run.ClientRequestToken);
    }

    /// <summary>Outputs or exports could not be published: the operation fails and rolls back with <paramref name="reason"/>.</summary>
    public static StackRecord FailFinalize(StackRecord s, string reason, DateTimeOffset now) =>
        RollBack(s with { Run = s.Run! with { Phase = Apply } }, reason, now);

    /// <summary>The top-level properties whose resolved values differ between two property objects (JSON text).</summary>
    public static IReadOnlyList<string> ChangedProperties(string? before, string? after)
    {
        var a = (before is null ? null : JsonNode.Parse(before)) as JsonObject ?? [];
        var b = (after is null ? null : JsonNode.Parse(after)) as JsonObject ?? [];
        return [.. a.Select(kv => kv.Key).Union(b.Select(kv => kv.Key), StringComparer.Ordinal)
            .Where(k => !JsonNode.DeepEquals(a[k], b[k])).Order(StringComparer.Ordinal)];
    }

    private static StackRecord StackEvent(StackRecord s, string status, string? reason, DateTimeOffset now, string? token) =>
        s with
        {
            Events = s.Events.Add(new StackEventRecord(EventId(s), s.StackName, s.StackId, StackType, status, reason, now, null, token)),
        };

    private static StackRecord ResourceEvent(StackRecord s, StackResourceRecord r, string status, string? reason, string? properties, DateTimeOffset now) =>
        s with
        {
            Events = s.Events.Add(new StackEventRecord(
                $"{r.LogicalId}-{status}-{now.UtcDateTime:yyyy-MM-ddTHH:mm:ss.fffZ}-{s.Events.Length}", r.LogicalId, r.PhysicalId ?? "", r.Type, status, reason, now,
                properties, s.Run?.ClientRequestToken)),
        };

    /// <summary>A UUID-shaped event id, stable for (stack, event number): same inputs, same ids (B-ID-4).</summary>
    private static string EventId(StackRecord s)
    {
        var h1 = unchecked((uint)Time.SeededRandomSource.StableHash(s.StackId));
        var h2 = unchecked((uint)Time.SeededRandomSource.StableHash(s.StackId + "#" + s.Events.Length));
        return $"{h1:x8}-{h2 >> 16:x4}-4{h2 & 0xfff:x3}-a{(h1 ^ h2) & 0xfff:x3}-{(ulong)h2 * 2654435761UL & 0xffffffffffffUL:x12}";
    }
}
