using System.Collections.Immutable;
using Emulator.Contracts;
using Emulator.Model.CloudFormation;
using Emulator.Model.Time;
using Emulator.Runtime;

namespace Emulator.Grains;

[GenerateSerializer, Alias("CloudFormationState")]
public sealed class CloudFormationState
{
    /// <summary>Live stacks: name → stack id.</summary>
    [Id(0)] public ImmutableSortedDictionary<string, string> Live { get; set; } = ImmutableSortedDictionary.Create<string, string>(StringComparer.Ordinal);

    /// <summary>Every stack ever created, by id (ListStacks shows deleted ones too).</summary>
    [Id(1)] public ImmutableDictionary<string, StackSummaryRecord> Summaries { get; set; } = ImmutableDictionary.Create<string, StackSummaryRecord>(StringComparer.Ordinal);

    [Id(2)] public ImmutableSortedDictionary<string, StackExportRecord> Exports { get; set; } = ImmutableSortedDictionary.Create<string, StackExportRecord>(StringComparer.Ordinal);

    /// <summary>Stack id → the export names it imports.</summary>
    [Id(3)] public ImmutableDictionary<string, ImmutableArray<string>> Imports { get; set; } = ImmutableDictionary.Create<string, ImmutableArray<string>>(StringComparer.Ordinal);

    /// <summary>How many stacks were ever created, for fresh seeded ids.</summary>
    [Id(4)] public int Created { get; set; }
}

/// <summary>
/// The account's CloudFormation registry (B-CFN-5, B-CFN-8): stack names, the stack list, exports and imports. The
/// stack grains call it; it never calls them, so no call cycle exists.
/// </summary>
public sealed class CloudFormationGrain(
    [PersistentState("cloudformation", "emulator")] IPersistentState<CloudFormationState> store, EmulatorRuntime runtime) : Grain, ICloudFormationGrain
{
    private CloudFormationState S => store.State;

    public Task<string?> Resolve(string stackName) => Task.FromResult(S.Live.GetValueOrDefault(stackName));

    public async Task<string?> Reserve(string stackName)
    {
        if (S.Live.ContainsKey(stackName))
        {
            return null;
        }

        var random = runtime.Random.For($"cloudformation/stack/{stackName}/{S.Created}");
        var id = $"arn:{EvaluationContext.Partition}:cloudformation:{runtime.Region}:{runtime.Account}:stack/{stackName}/{RandomIds.Uuid(random)}";
        S.Created++;
        S.Live = S.Live.SetItem(stackName, id);
        await store.WriteStateAsync();
        return id;
    }

    public async Task Summarize(StackSummaryRecord summary)
    {
        S.Summaries = S.Summaries.SetItem(summary.StackId, summary);
        if (summary.Status == StackStatus.DeleteComplete && S.Live.GetValueOrDefault(summary.StackName) == summary.StackId)
        {
            S.Live = S.Live.Remove(summary.StackName);
            S.Exports = S.Exports.RemoveRange(S.Exports.Values.Where(e => e.ExportingStackId == summary.StackId).Select(e => e.Name).ToList());
            S.Imports = S.Imports.Remove(summary.StackId);
            S.Exports = S.Exports.ToImmutableSortedDictionary(kv => kv.Key, kv => kv.Value with { ImportingStacks = kv.Value.ImportingStacks.Remove(summary.StackId) }, StringComparer.Ordinal);
        }

        await store.WriteStateAsync();
    }

    public Task<ImmutableArray<StackSummaryRecord>> List() =>
        Task.FromResult(S.Summaries.Values.OrderByDescending(s => s.CreationTime).ThenBy(s => s.StackId, StringComparer.Ordinal).ToImmutableArray());

    public Task<ImmutableArray<StackExportRecord>> Exports() => Task.FromResult(S.Exports.Values.ToImmutableArray());

    public async Task Publish(string stackId, ImmutableDictionary<string, string> exports, ImmutableArray<string> imports)
    {
        foreach (var (name, value) in exports)
        {
            if (S.Exports.TryGetValue(name, out var other) && other.ExportingStackId != stackId)
            {
                throw new EcsException(ErrorCodes.ValidationError, $"Export with name {name} is already exported by stack {StackName(other.ExportingStackId)}");
            }

            if (S.Exports.TryGetValue(name, out var mine) && mine.Value != value && InUseElsewhere(mine, stackId) is { } user)
            {
                throw new EcsException(ErrorCodes.ValidationError, $"Cannot update export {name} as it is in use by {user}");
            }
        }

        foreach (var mine in S.Exports.Values.Where(e => e.ExportingStackId == stackId && !exports.ContainsKey(e.Name)))
        {
            if (InUseElsewhere(mine, stackId) is { } user)
            {
                throw new EcsException(ErrorCodes.ValidationError, $"Cannot delete export {mine.Name} as it is in use by {user}");
            }
        }

        foreach (var name in imports)
        {
            if (!S.Exports.ContainsKey(name) && !exports.ContainsKey(name))
            {
                throw new EcsException(ErrorCodes.ValidationError, $"No export named {name} found.");
            }
        }

        var table = S.Exports.RemoveRange(S.Exports.Values.Where(e => e.ExportingStackId == stackId).Select(e => e.Name).ToList());
        foreach (var (name, value) in exports)
        {
            var importers = S.Exports.TryGetValue(name, out var old) ? old.ImportingStacks : ImmutableSortedSet.Create<string>(StringComparer.Ordinal);
            table = table.SetItem(name, new StackExportRecord(name, value, stackId, importers));
        }

        var previous = S.Imports.GetValueOrDefault(stackId, []);
        foreach (var name in previous.Except(imports, StringComparer.Ordinal))
        {
            if (table.TryGetValue(name, out var e))
            {
                table = table.SetItem(name, e with { ImportingStacks = e.ImportingStacks.Remove(stackId) });
            }
        }

        foreach (var name in imports)
        {
            if (table.TryGetValue(name, out var e))
            {
                table = table.SetItem(name, e with { ImportingStacks = e.ImportingStacks.Add(stackId) });
            }
        }

        S.Exports = table;
        S.Imports = imports.IsEmpty ? S.Imports.Remove(stackId) : S.Imports.SetItem(stackId, imports);
        await store.WriteStateAsync();
    }

    public Task<string?> ExportsInUse(string stackId)
    {
        var used = S.Exports.Values.Where(e => e.ExportingStackId == stackId).Select(e => (e.Name, User: InUseElsewhere(e, stackId))).FirstOrDefault(x => x.User is not null);
        return Task.FromResult(used.User is null ? null : $"Export {used.Name} cannot be deleted as it is in use by {used.User}");
    }

    private string? InUseElsewhere(StackExportRecord export, string stackId) =>
        export.ImportingStacks.Where(s => s != stackId).Select(StackName).FirstOrDefault();

    private string StackName(string stackId) => S.Summaries.TryGetValue(stackId, out var s) ? s.StackName : stackId;
}
