using System.Collections.Immutable;
using System.Globalization;
using System.Reflection;
using System.Text.Json.Nodes;
using Emulator.Contracts;
using Emulator.Model.CloudFormation;
using Emulator.Runtime;
using static Emulator.Model.CloudFormation.RunPhase;

namespace Emulator.Silo.CloudFormation;

/// <summary>What one handler call gets: the call, the stack, the properties (parsed), and the emulator's operations.</summary>
public sealed class HandlerContext(ResourceCall call, StackCallContext stack, InProcessAws aws)
{
    public ResourceCall Call { get; } = call;

    public StackCallContext Stack { get; } = stack;

    public InProcessAws Aws { get; } = aws;

    /// <summary>The resolved properties to apply (on delete and poll: the properties last applied).</summary>
    public JsonObject Properties { get; } = Parse(call.Properties);

    /// <summary>The properties applied before an update.</summary>
    public JsonObject Previous { get; } = Parse(call.PreviousProperties);

    public string PhysicalId => Call.PhysicalId ?? throw new InvalidOperationException($"{Call.LogicalId} has no physical id");

    public string Region => Aws.Runtime.Region;

    public string Account => Aws.Runtime.Account;

    public DateTimeOffset Now => Aws.Runtime.Clock.Now;

    /// <summary>The name CloudFormation would generate for this resource (B-CFN-10), seeded by stack, resource and the job.</summary>
    public string GeneratedName(int maxLength, string allowed = "-_", bool lowercase = false) =>
        PhysicalNames.Generate(Stack.StackName, Call.LogicalId, maxLength,
            Aws.Runtime.Random.For($"cloudformation/name/{Stack.StackId}/{Call.LogicalId}/{Now.UtcTicks}"), allowed, lowercase);

    /// <summary>A name property, or a generated name when the template gives none.</summary>
    public string NameOr(string property, int maxLength, string allowed = "-_", bool lowercase = false) =>
        CfnProperties.Text(Properties, property) is { Length: > 0 } name ? name : GeneratedName(maxLength, allowed, lowercase);

    /// <summary>The top-level properties that differ between <see cref="Previous"/> and <see cref="Properties"/>.</summary>
    public IReadOnlyList<string> Changed => StackEngine.ChangedProperties(Call.PreviousProperties, Call.Properties);

    /// <summary>A stabilization handle carrying when waiting began (emulated), so a handler can give up after its limit.</summary>
    public string Handle(string state) => $"{state}|{Now.UtcTicks.ToString(CultureInfo.InvariantCulture)}";

    public (string State, DateTimeOffset Since) ReadHandle() => ReadHandleOf(Call.Handle);

    /// <summary>A handle made by <see cref="Handle"/>: its state and when waiting began (now, for anything else).</summary>
    public (string State, DateTimeOffset Since) ReadHandleOf(string? handle) =>
        handle is { } h && h.LastIndexOf('|') is var bar and > 0 && long.TryParse(h[(bar + 1)..], NumberStyles.Integer, CultureInfo.InvariantCulture, out var ticks)
            ? (h[..bar], new DateTimeOffset(ticks, TimeSpan.Zero))
            : (handle ?? "", Now);

    private static JsonObject Parse(string? json) => (json is null ? null : JsonNode.Parse(json)) as JsonObject ?? [];
}

/// <summary>
/// The handler of one or more resource types (B-CFN-10): each maps the type's properties onto the emulator's own
/// operations through <see cref="InProcessAws"/>. Create answers the physical id and the Fn::GetAtt attributes (or
/// a handle to poll while the resource stabilizes); Update changes a resource in place (replacements are the engine's:
/// a create, then a delete at cleanup); Delete removes it (a resource already gone counts as deleted).
/// </summary>
public abstract class ResourceHandler
{
    public abstract IReadOnlyList<string> Types { get; }

    public abstract Task<ResourceOutcome> Create(HandlerContext c);

    /// <summary>By default only tags change in place; anything else the type does not support updating is a clear failure.</summary>
    public virtual Task<ResourceOutcome> Update(HandlerContext c) =>
        Task.FromResult(c.Changed.All(p => p == "Tags")
            ? ResourceOutcome.Done(c.PhysicalId, c.Call.Attributes)
            : ResourceOutcome.Failed($"Updating {string.Join(", ", c.Changed)} of {c.Call.Type} in place is not supported by this emulator's CloudFormation"));

    public abstract Task<ResourceOutcome> Delete(HandlerContext c);

    /// <summary>A stabilizing resource checked again; by default it is done.</summary>
    public virtual Task<ResourceOutcome> Poll(HandlerContext c) => Task.FromResult(ResourceOutcome.Done(c.PhysicalId, c.Call.Attributes));

    protected static ImmutableDictionary<string, string> Attributes(params (string Name, string? Value)[] values) =>
        values.Where(v => v.Value is not null).ToImmutableDictionary(v => v.Name, v => CfnProperties.Attr(v.Value!), StringComparer.Ordinal);

    protected static Task<ResourceOutcome> Done(string physicalId, ImmutableDictionary<string, string>? attributes = null) =>
        Task.FromResult(ResourceOutcome.Done(physicalId, attributes));
}

/// <summary>
/// The host's <see cref="IResourceProvisioner"/>: dispatches each call to the handler of its type (every
/// <see cref="ResourceHandler"/> of this assembly), turning the operations' AWS errors into CloudFormation's reasons.
/// </summary>
public sealed class CloudFormationProvisioner(IGrainFactory grains, EmulatorRuntime runtime) : IResourceProvisioner
{
    /// <summary>Every handler, by resource type.</summary>
    public static readonly ImmutableDictionary<string, ResourceHandler> Handlers = typeof(ResourceHandler).Assembly.GetTypes()
        .Where(t => t.IsSubclassOf(typeof(ResourceHandler)) && !t.IsAbstract)
        .Select(t => (ResourceHandler)Activator.CreateInstance(t, BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance, null, null, CultureInfo.InvariantCulture)!)
        .SelectMany(h => h.Types.Select(type => (type, h)))
        .ToImmutableDictionary(x => x.type, x => x.h, StringComparer.Ordinal);

    private readonly InProcessAws _aws = new(grains, runtime);

    public async Task<ResourceOutcome> Execute(ResourceCall call, StackCallContext context)
    {
        if (!Handlers.TryGetValue(call.Type, out var handler))
        {
            return ResourceOutcome.Failed(ResourceTypes.UnsupportedReason(call.Type), call.PhysicalId);
        }

        var c = new HandlerContext(call, context, _aws);
        try
        {
            return call switch
            {
                { Poll: true } => await handler.Poll(c),
                { Verb: VerbCreate } => await handler.Create(c),
                { Verb: VerbUpdate or VerbRevert } => await handler.Update(c),
                { Verb: VerbDelete } => await handler.Delete(c),
                _ => ResourceOutcome.Failed("Unknown handler action " + call.Verb),
            };
        }
        catch (EcsException e) when (call.Verb == VerbDelete && !call.Poll && InProcessAws.IsNotFound(e))
        {
            return ResourceOutcome.Done(call.PhysicalId ?? call.LogicalId);
        }
        catch (EcsException e)
        {
            return ResourceOutcome.Failed(InProcessAws.Reason(e, context.ClientRequestToken), call.PhysicalId);
        }
    }

    /// <summary>Parameter store values through SSM's own GetParameters (the public parameters of the AMI catalog).</summary>
    public async Task<IReadOnlyDictionary<string, string>> Parameters(IReadOnlyList<string> names)
    {
        var found = new Dictionary<string, string>(StringComparer.Ordinal);
        if (!_aws.Has("ssm", "GetParameters"))
        {
            return found;
        }

        foreach (var chunk in names.Chunk(10))
        {
            var result = await _aws.Json("ssm", "GetParameters", new JsonObject { ["Names"] = new JsonArray([.. chunk.Select(n => (JsonNode?)JsonValue.Create(n))]) });
            foreach (var p in result["Parameters"]?.AsArray() ?? [])
            {
                if (p?["Name"]?.GetValue<string>() is { } name && p["Value"]?.GetValue<string>() is { } value)
                {
                    found[name] = value;
                }
            }
        }

        return found;
    }
}
