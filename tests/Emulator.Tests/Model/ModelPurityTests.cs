using System.Reflection;

namespace Emulator.Tests.Model;

/// <summary>STYLE: the pure model has no Orleans reference; this test fails if it grows one.</summary>
public sealed class ModelPurityTests
{
    [Fact]
    public void Model_namespace_references_no_Orleans_type()
    {
        var modelTypes = typeof(Emulator.Model.Time.IEmulatedClock).Assembly.GetTypes()
            .Where(t => t.Namespace is not null && t.Namespace.StartsWith("Emulator.Model", StringComparison.Ordinal))
            .ToList();
        Assert.NotEmpty(modelTypes);

        var offenders = new List<string>();
        const BindingFlags all = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;
        foreach (var type in modelTypes)
        {
            var referenced = new List<Type>();
            if (type.BaseType is not null)
            {
                referenced.Add(type.BaseType);
            }

            referenced.AddRange(type.GetInterfaces());
            referenced.AddRange(type.GetCustomAttributes(false).Select(a => a.GetType()));
            referenced.AddRange(type.GetFields(all).Select(f => f.FieldType));
            referenced.AddRange(type.GetProperties(all).Select(p => p.PropertyType));
            foreach (var m in type.GetMethods(all))
            {
                referenced.Add(m.ReturnType);
                referenced.AddRange(m.GetParameters().Select(p => p.ParameterType));
                referenced.AddRange(m.GetCustomAttributes(false).Select(a => a.GetType()));
                var body = m.GetMethodBody();
                if (body is not null)
                {
                    referenced.AddRange(body.LocalVariables.Select(l => l.LocalType));
                }
            }

            foreach (var r in referenced.SelectMany(Flatten))
            {
                if (r.Assembly.GetName().Name?.StartsWith("Orleans", StringComparison.Ordinal) == true
                    || r.Namespace?.StartsWith("Orleans", StringComparison.Ordinal) == true)
                {
                    offenders.Add($"{type.FullName} -> {r.FullName}");
                }
            }
        }

        Assert.Empty(offenders);
    }

    private static IEnumerable<Type> Flatten(Type t)
    {
        yield return t;
        if (t.HasElementType && t.GetElementType() is { } e)
        {
            foreach (var x in Flatten(e))
            {
                yield return x;
            }
        }

        if (t.IsGenericType)
        {
            foreach (var a in t.GetGenericArguments().SelectMany(Flatten))
            {
                yield return a;
            }
        }
    }
}
