using System.Reflection;
using Orleans.Serialization.Buffers;
using Orleans.Serialization.Codecs;
using Orleans.Serialization.Session;
using Orleans.Serialization.WireProtocol;

namespace Emulator.Tests.Wire.Compatibility;

/// <summary>
/// An Orleans-serialized payload decoded without its types: the tree of fields (id, wire type, encoded type, value) the
/// way Orleans' own <c>BitStreamFormatter</c> reads it, references resolved to the field they point at. Lets a test
/// check that every field a previous build stored is still written back, with the same id and encoding, after the
/// current build decoded it: a field the current build does not know (a renumbered or removed <c>[Id]</c>) is skipped
/// silently by Orleans on reading, and a retyped one comes back encoded differently.
/// </summary>
public sealed class WireFieldTree
{
    private WireFieldTree(uint id, int section, Field field, string? type)
    {
        Id = id;
        Section = section;
        WireType = field.WireType;
        Type = field.HasExtendedSchemaType ? type : null;
        Schema = field.IsSchemaTypeValid ? field.SchemaType.ToString() : null;
    }

    /// <summary>Field id within its object (ids restart after the base type's fields: see <see cref="Section"/>).</summary>
    public uint Id { get; }

    /// <summary>0 for the fields before the first end-of-base-fields marker (a type without a serializable base has no
    /// marker: all its fields), 1, 2, ... for the fields after each marker.</summary>
    public int Section { get; }

    public WireType WireType { get; }

    /// <summary>The encoded runtime type (a well-known type, an alias or a type name), when the field carries one.</summary>
    public string? Type { get; }

    public string? Schema { get; }

    public ulong Scalar { get; private set; }

    public byte[]? Bytes { get; private set; }

    public List<WireFieldTree> Children { get; } = [];

    /// <summary>A reference field: 0 is null, otherwise the referenced field (resolved in <see cref="Target"/>).</summary>
    public uint? Reference { get; private set; }

    public WireFieldTree? Target { get; private set; }

    public static WireFieldTree Parse(byte[] payload, SerializerSessionPool sessions)
    {
        using var session = sessions.GetSession();
        var reader = Reader.Create(payload, session);
        var (field, type) = reader.ReadFieldHeaderForAnalysis();
        return Read(ref reader, field, type, field.FieldIdDelta, 0);
    }

    private static WireFieldTree Read<TInput>(ref Reader<TInput> reader, Field field, string? type, uint id, int section)
    {
        var node = new WireFieldTree(id, section, field, type);
        if (field.IsReference)
        {
            // As BitStreamFormatter: references take a value slot, every other field is recorded (so it can be referenced).
            ReferenceCodec.MarkValueField(reader.Session);
            node.Reference = reader.ReadVarUInt32();
            node.Target = node.Reference == 0 ? null : reader.Session.ReferencedObjects.TryGetReferencedObject(node.Reference.Value) as WireFieldTree;
            return node;
        }

        ReferenceCodec.RecordObject(reader.Session, node);
        switch (field.WireType)
        {
            case WireType.VarInt:
                node.Scalar = reader.ReadVarUInt64();
                break;
            case WireType.Fixed32:
                node.Scalar = reader.ReadUInt32();
                break;
            case WireType.Fixed64:
                node.Scalar = reader.ReadUInt64();
                break;
            case WireType.LengthPrefixed:
                node.Bytes = reader.ReadBytes(reader.ReadVarUInt32());
                break;
            case WireType.TagDelimited:
                var childId = 0U;
                var childSection = 0;
                while (true)
                {
                    var (child, childType) = reader.ReadFieldHeaderForAnalysis();
                    if (child.IsEndObject)
                    {
                        break;
                    }

                    if (child.IsEndBaseFields)
                    {
                        childId = 0;
                        childSection++;
                        continue;
                    }

                    childId += child.FieldIdDelta;
                    node.Children.Add(Read(ref reader, child, childType, childId, childSection));
                }

                break;
            default:
                throw new InvalidDataException($"unexpected wire type {field.WireType} at byte {reader.Position}");
        }

        return node;
    }

    /// <summary>
    /// The first field of <paramref name="stored"/> that <paramref name="current"/> does not hold with the same id,
    /// encoding and value (its path and what was stored), or null when every stored field is there. Fields only the
    /// current tree has (members added since) are allowed; repeated fields (collection items) match in any order.
    /// <paramref name="type"/> (the stored root's .NET type) only names members in the path.
    /// </summary>
    public static string? FirstMissing(WireFieldTree stored, WireFieldTree current, Type? type) =>
        Missing(stored, current, type, type?.Name ?? "root", 0);

    private static string? Missing(WireFieldTree stored, WireFieldTree current, Type? type, string path, int depth)
    {
        if (depth > 64)
        {
            return null; // a reference cycle: compared already on the way down
        }

        stored = stored.Resolved;
        current = current.Resolved;
        if (stored.IsNull || current.IsNull)
        {
            return stored.IsNull == current.IsNull ? null : $"{path}: stored {stored.Show()}, written back {current.Show()}";
        }

        if (stored.WireType != current.WireType || stored.Schema != current.Schema || stored.Type != current.Type)
        {
            return $"{path}: stored as {stored.Encoding()}, written back as {current.Encoding()} (retyped member?)";
        }

        if (stored.WireType != WireType.TagDelimited)
        {
            return stored.Scalar == current.Scalar && (stored.Bytes ?? []).AsSpan().SequenceEqual(current.Bytes ?? [])
                ? null
                : $"{path}: stored {stored.Show()}, written back {current.Show()}";
        }

        var unused = current.Children.ToList();

        // Naming (for the message only): a type's own fields come after its base types' fields (the highest section).
        // A collection's codec has fields of its own and may nest its items a level down: the items' type is the
        // collection's one [GenerateSerializer] type argument, recognised by its ids and wire types.
        var own = stored.Children.Count == 0 ? 0 : stored.Children.Max(c => c.Section);
        var named = Fits(type, stored) ? type : null;
        foreach (var child in stored.Children)
        {
            var member = named is not null && child.Section == own ? Member(named, child) : null;
            var childType = member is not null ? MemberType(member)
                : named is not null ? null
                : Serializable(type) ? type
                : ElementType(type);
            var shown = member is null && named is null
                ? child.Resolved.Type ?? (Fits(childType, child.Resolved) ? childType!.Name : null)
                : null;
            var childPath = $"{path} > {(member is null ? "" : member.Name + " ")}[Id({child.Id}){(child.Section == own ? "" : " of a base type")}]" +
                (shown is null ? "" : " " + shown);
            var unknown = named is not null && member is null && child.Section == own ? $"; {named.Name} has no member [Id({child.Id})] now" : "";
            var candidates = unused.Where(c => c.Id == child.Id && c.Section == child.Section).ToList();
            if (candidates.Count == 0)
            {
                return $"{childPath} = {child.Show()}: stored, but the current build does not write this field back (renumbered or removed [Id]?{unknown})";
            }

            var match = candidates.FirstOrDefault(c => Missing(child, c, childType, childPath, depth + 1) is null);
            if (match is null)
            {
                // Report against the candidate that matches furthest down (for a collection item: the same item).
                return candidates.Select(c => Missing(child, c, childType, childPath, depth + 1)!)
                    .MaxBy(m => m.Split(" > ").Length);
            }

            unused.Remove(match);
        }

        return null;
    }

    private WireFieldTree Resolved => Reference is null ? this : Target ?? this;

    private bool IsNull => Reference == 0;

    private string Encoding() => $"{WireType}{(Schema is null ? "" : " " + Schema)}{(Type is null ? "" : " " + Type)}";

    private string Show()
    {
        var node = Resolved;
        if (node.IsNull)
        {
            return "null";
        }

        return node.WireType switch
        {
            WireType.TagDelimited => $"{{{node.Children.Count} fields{(node.Type is null ? "" : ", " + node.Type)}}}",
            WireType.LengthPrefixed when node.Bytes!.All(b => b is >= 0x20 and < 0x7F) => $"\"{System.Text.Encoding.ASCII.GetString(node.Bytes!)}\"",
            WireType.LengthPrefixed => Convert.ToHexString(node.Bytes!.AsSpan(0, Math.Min(node.Bytes!.Length, 32))),
            _ => $"{node.Scalar} ({node.WireType})",
        };
    }

    private static bool Serializable(Type? type) => type?.GetCustomAttribute<GenerateSerializerAttribute>() is not null;

    /// <summary>
    /// Whether a tag-delimited field looks like an instance of the [GenerateSerializer] <paramref name="type"/>: most of
    /// its own fields have a member with that id, and none of those has an impossible wire type (a string member
    /// holding an object, an object or collection member holding a scalar).
    /// </summary>
    private static bool Fits(Type? type, WireFieldTree node)
    {
        if (!Serializable(type) || node.WireType != WireType.TagDelimited || node.Children.Count == 0)
        {
            return false;
        }

        var own = node.Children.Max(c => c.Section);
        var fields = node.Children.Where(c => c.Section == own).ToList();
        var members = fields.Select(f => (Field: f.Resolved, Type: MemberType(Member(type, f)))).Where(m => m.Type is not null).ToList();
        return members.Count * 2 >= fields.Count && members.All(m => m.Field.IsNull ||
            (m.Type == typeof(string) ? m.Field.WireType == WireType.LengthPrefixed
                : Serializable(m.Type) || (m.Type!.IsGenericType && typeof(System.Collections.IEnumerable).IsAssignableFrom(m.Type)) ? m.Field.WireType == WireType.TagDelimited
                : true));
    }

    /// <summary>The member of a [GenerateSerializer] type that has this field's id.</summary>
    private static MemberInfo? Member(Type? type, WireFieldTree field)
    {
        if (!Serializable(type))
        {
            return null;
        }

        const BindingFlags all = BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic;
        return type!.GetProperties(all).Cast<MemberInfo>().Concat(type.GetFields(all))
            .FirstOrDefault(m => m.GetCustomAttribute<IdAttribute>()?.Id == field.Id);
    }

    /// <summary>For a collection (its codec's own fields are not members), the one [GenerateSerializer] type among its
    /// type arguments, e.g. TaskRecord for Dictionary&lt;string, TaskRecord&gt;: the items' fields can then be named.</summary>
    private static Type? ElementType(Type? type) =>
        type is { IsGenericType: true } && !Serializable(type) && type.GetGenericArguments().Where(Serializable).ToList() is [var element]
            ? element
            : null;

    private static Type? MemberType(MemberInfo? member) => member switch
    {
        PropertyInfo p => Nullable.GetUnderlyingType(p.PropertyType) ?? p.PropertyType,
        FieldInfo f => Nullable.GetUnderlyingType(f.FieldType) ?? f.FieldType,
        _ => null,
    };
}
