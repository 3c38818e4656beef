using System.Collections.Immutable;
using Emulator.Contracts;
using Emulator.Model.Time;
using Emulator.Runtime;

namespace Emulator.Grains;

[GenerateSerializer, Alias("LaunchRegistryState")]
public sealed class LaunchRegistryState
{
    [Id(0)] public ImmutableSortedDictionary<string, LaunchTemplateRecord> Templates { get; set; } = ImmutableSortedDictionary.Create<string, LaunchTemplateRecord>(StringComparer.Ordinal);

    [Id(1)] public ImmutableSortedDictionary<string, LaunchConfigurationRecord> Configurations { get; set; } = ImmutableSortedDictionary.Create<string, LaunchConfigurationRecord>(StringComparer.Ordinal);
}

/// <summary>EC2 launch templates and Auto Scaling launch configurations of the account (B-ASG-2), keyed by name.</summary>
public sealed class LaunchTemplateRegistryGrain : Grain, ILaunchTemplateRegistryGrain
{
    private readonly IPersistentState<LaunchRegistryState> _store;
    private readonly EmulatorRuntime _rt;

    public LaunchTemplateRegistryGrain([PersistentState("launch", "emulator")] IPersistentState<LaunchRegistryState> store, EmulatorRuntime runtime)
    {
        _store = store;
        _rt = runtime;
    }

    private LaunchRegistryState S => _store.State;

    public Task<LaunchTemplateRecord> CreateTemplate(string name, LaunchData data, ImmutableDictionary<string, string> tags) => CreateTemplate(name, data, tags, null);

    public async Task<LaunchTemplateRecord> CreateTemplate(string name, LaunchData data, ImmutableDictionary<string, string> tags, string? versionDescription)
    {
        if (S.Templates.ContainsKey(name))
        {
            throw new EcsException("InvalidLaunchTemplateName.AlreadyExistsException", $"Launch template name already in use.");
        }

        var now = _rt.Clock.Now;
        var record = new LaunchTemplateRecord("lt-" + RandomIds.HexString(RandomFor("template/" + name), 17), name, 1, 1, now, data, tags,
            [new LaunchTemplateVersionRecord(1, versionDescription, now, data)]);
        S.Templates = S.Templates.Add(name, record);
        await _store.WriteStateAsync();
        return record;
    }

    public async Task<LaunchTemplateRecord> CreateTemplateVersion(string? id, string? name, LaunchData data, string? description)
    {
        var record = Find(id, name) ?? throw NotFound(id, name);
        if (record.AllVersions.Length >= 10_000)
        {
            throw new EcsException("VersionLimitExceeded", "Launch template version limit (10000) exceeded.");
        }

        var number = record.LatestVersion + 1;
        var updated = record with
        {
            LatestVersion = number,
            Versions = record.AllVersions.Add(new LaunchTemplateVersionRecord(number, description, _rt.Clock.Now, data)),
        };
        return await Save(updated);
    }

    public async Task<LaunchTemplateRecord> SetDefaultVersion(string? id, string? name, string version)
    {
        var record = Find(id, name) ?? throw NotFound(id, name);
        var chosen = record.Version(version)
            ?? throw new EcsException("InvalidLaunchTemplateId.VersionNotFound", $"Could not find launch template version {version} for launch template {record.Id}.");
        return await Save(record with { DefaultVersion = chosen.Number, Data = chosen.Data, Versions = record.AllVersions });
    }

    public async Task<LaunchTemplateRecord> TagTemplate(string id, ImmutableDictionary<string, string> tags, ImmutableDictionary<string, string?> remove)
    {
        var record = Find(id, null) ?? throw NotFound(id, null);
        var next = record.Tags.SetItems(tags);
        foreach (var (k, v) in remove)
        {
            if (next.TryGetValue(k, out var have) && (v is null || v == have))
            {
                next = next.Remove(k);
            }
        }

        return await Save(record with { Tags = next });
    }

    private async Task<LaunchTemplateRecord> Save(LaunchTemplateRecord record)
    {
        S.Templates = S.Templates.SetItem(record.Name, record);
        await _store.WriteStateAsync();
        return record;
    }

    public Task<LaunchTemplateRecord?> GetTemplate(string? id, string? name) => Task.FromResult(Find(id, name));

    public Task<ImmutableArray<LaunchTemplateRecord>> ListTemplates() => Task.FromResult(S.Templates.Values.ToImmutableArray());

    public async Task<LaunchTemplateRecord> DeleteTemplate(string? id, string? name)
    {
        var record = Find(id, name) ?? throw NotFound(id, name);
        S.Templates = S.Templates.Remove(record.Name);
        await _store.WriteStateAsync();
        return record;
    }

    public async Task<LaunchConfigurationRecord> CreateConfiguration(string name, LaunchData data)
    {
        if (S.Configurations.ContainsKey(name))
        {
            throw new EcsException(ErrorCodes.AlreadyExists, $"Launch Configuration by this name already exists - A launch configuration already exists with the name {name}");
        }

        var arn = $"arn:aws:autoscaling:{_rt.Region}:{_rt.Account}:launchConfiguration:{RandomIds.Uuid(RandomFor("configuration/" + name))}:launchConfigurationName/{name}";
        var record = new LaunchConfigurationRecord(name, arn, _rt.Clock.Now, data);
        S.Configurations = S.Configurations.Add(name, record);
        await _store.WriteStateAsync();
        return record;
    }

    public Task<LaunchConfigurationRecord?> GetConfiguration(string name) => Task.FromResult(S.Configurations.GetValueOrDefault(name));

    public Task<ImmutableArray<LaunchConfigurationRecord>> ListConfigurations() => Task.FromResult(S.Configurations.Values.ToImmutableArray());

    public async Task<LaunchConfigurationRecord> DeleteConfiguration(string name)
    {
        var record = S.Configurations.GetValueOrDefault(name)
            ?? throw Errors.LaunchConfigurationNotFound(name);
        S.Configurations = S.Configurations.Remove(name);
        await _store.WriteStateAsync();
        return record;
    }

    /// <summary>Seeded per resource and creation time, so ids stay unique across deletes and reactivations (B-ID-4).</summary>
    private Random RandomFor(string scope) => _rt.Random.For($"launch/{scope}/{_rt.Clock.Now.UtcTicks}");

    private LaunchTemplateRecord? Find(string? id, string? name) =>
        name is not null ? S.Templates.GetValueOrDefault(name) is { } byName && (id is null || byName.Id == id) ? byName : null
        : id is not null ? S.Templates.Values.FirstOrDefault(t => t.Id == id)
        : null;

    private static EcsException NotFound(string? id, string? name) => id is not null
        ? new EcsException("InvalidLaunchTemplateId.NotFound", $"The specified launch template, with template ID {id}, does not exist.")
        : new EcsException("InvalidLaunchTemplateName.NotFoundException", $"The specified launch template, with template name {name}, does not exist.");
}
