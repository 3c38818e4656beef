using System.Collections.Immutable;
using Emulator.Contracts;
using Emulator.Model.Catalog;
using Emulator.Runtime;

namespace Emulator.Grains;

[GenerateSerializer, Alias("TaskDefinitionRegistryState")]
public sealed class TaskDefinitionRegistryState
{
    [Id(0)] public Dictionary<string, ImmutableList<TaskDefinitionRecord>> Families { get; set; } = new(StringComparer.Ordinal);
}

/// <summary>Task definition families and their revisions (RegisterTaskDefinition, DescribeTaskDefinition, ...).</summary>
public sealed class TaskDefinitionRegistryGrain(
    [PersistentState("taskDefinitions", "emulator")] IPersistentState<TaskDefinitionRegistryState> store,
    EmulatorRuntime runtime) : Grain, ITaskDefinitionRegistryGrain
{
    public async Task<TaskDefinitionRecord> Register(TaskDefinitionSpec spec)
    {
        if (TaskDefinitions.Validate(spec) is { } error)
        {
            throw ErrorCodes.Client(error);
        }

        // B-DP-8: the emulator.* docker labels become the task's faults; a label that does not parse is refused.
        var (faults, labelError) = TaskFaultLabels.Parse(spec);
        if (labelError is not null)
        {
            throw ErrorCodes.Client(labelError);
        }

        var revisions = store.State.Families.GetValueOrDefault(spec.Family) ?? [];
        var revision = revisions.Count + 1;
        var record = new TaskDefinitionRecord(
            Arns.TaskDefinition(runtime.Region, runtime.Account, spec.Family, revision), spec.Family, revision, spec, true,
            runtime.Clock.Now, null, TaskDefinitions.Requirements(spec), TaskDefinitions.StopTimeoutSeconds(spec), faults);
        store.State.Families[spec.Family] = revisions.Add(record);
        await store.WriteStateAsync();
        return record;
    }

    public Task<TaskDefinitionRecord?> Get(string reference) => Task.FromResult(Find(reference));

    public async Task<TaskDefinitionRecord> Deregister(string reference)
    {
        var record = Find(reference) ?? throw ErrorCodes.Client("The specified task definition does not exist.");
        if (!reference.Contains(':', StringComparison.Ordinal))
        {
            throw ErrorCodes.Client("Revision is required: specify family:revision or the full ARN.");
        }

        var updated = record with { Active = false, DeregisteredAt = runtime.Clock.Now };
        store.State.Families[record.Family] = store.State.Families[record.Family].Replace(record, updated);
        await store.WriteStateAsync();
        return updated;
    }

    public Task<ImmutableArray<TaskDefinitionRecord>> List(string? familyPrefix, bool? active) =>
        Task.FromResult(store.State.Families
            .Where(f => familyPrefix is null || f.Key.StartsWith(familyPrefix, StringComparison.Ordinal))
            .OrderBy(f => f.Key, StringComparer.Ordinal)
            .SelectMany(f => f.Value)
            .Where(r => active is null || r.Active == active)
            .ToImmutableArray());

    /// <summary>B-ID-3: "family" (latest ACTIVE revision), "family:revision" or the full ARN.</summary>
    private TaskDefinitionRecord? Find(string reference)
    {
        var shortName = Arns.ShortName(reference);
        var colon = shortName.LastIndexOf(':');
        if (colon > 0 && int.TryParse(shortName[(colon + 1)..], out var revision))
        {
            var family = shortName[..colon];
            return store.State.Families.GetValueOrDefault(family)?.FirstOrDefault(r => r.Revision == revision);
        }

        return store.State.Families.GetValueOrDefault(shortName)?.LastOrDefault(r => r.Active);
    }
}
