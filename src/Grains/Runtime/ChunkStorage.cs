using Microsoft.Extensions.DependencyInjection;
using Orleans.Storage;

namespace Emulator.Runtime;

/// <summary>
/// Named chunks of one grain's history in the emulator's grain storage ("emulator": memory in the embedded default,
/// Redis in the durable mode), each under a grain id of its own (<c>kind/key</c>), so a grain can keep a long history
/// in many small records and rewrite only the ones that changed. Remembers each chunk's ETag. Only the owning grain
/// activation uses an instance; a chunk found in storage that this instance never read (left by an activation that
/// died between writes) is taken over: its ETag is read and the write retried once.
/// </summary>
public sealed class ChunkStorage<T>(IGrainStorage storage, string kind)
    where T : class
{
    /// <summary>The grain storage provider every emulator grain uses.</summary>
    public const string StorageName = "emulator";

    private readonly Dictionary<string, string?> _etags = new(StringComparer.Ordinal);

    /// <summary>Chunks written by this instance (cost figures).</summary>
    public long Writes { get; private set; }

    public static ChunkStorage<T> For(IServiceProvider services, string kind) =>
        new(services.GetRequiredKeyedService<IGrainStorage>(StorageName), kind);

    public async Task<T?> ReadAsync(string key)
    {
        var state = new GrainState<T>();
        await storage.ReadStateAsync(kind, Id(key), state);
        _etags[key] = state.ETag;
        return state.RecordExists ? state.State : null;
    }

    public async Task WriteAsync(string key, T value)
    {
        var state = new GrainState<T>(value, _etags.GetValueOrDefault(key));
        try
        {
            await storage.WriteStateAsync(kind, Id(key), state);
        }
        catch (InconsistentStateException)
        {
            var current = new GrainState<T>();
            await storage.ReadStateAsync(kind, Id(key), current);
            state = new GrainState<T>(value, current.ETag);
            await storage.WriteStateAsync(kind, Id(key), state);
        }

        Writes++;
        _etags[key] = state.ETag;
    }

    /// <summary>Deletes a chunk; a chunk that is not in storage is left alone.</summary>
    public async Task DeleteAsync(string key)
    {
        var state = new GrainState<T>(null!, _etags.GetValueOrDefault(key));
        if (state.ETag is null)
        {
            await storage.ReadStateAsync(kind, Id(key), state);
            if (!state.RecordExists)
            {
                _etags.Remove(key);
                return;
            }
        }

        try
        {
            await storage.ClearStateAsync(kind, Id(key), state);
        }
        catch (InconsistentStateException)
        {
            var current = new GrainState<T>();
            await storage.ReadStateAsync(kind, Id(key), current);
            if (current.RecordExists)
            {
                await storage.ClearStateAsync(kind, Id(key), current);
            }
        }

        _etags.Remove(key);
    }

    private GrainId Id(string key) => GrainId.Create(kind, key);
}
