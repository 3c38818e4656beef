using Emulator.Model.Catalog;

namespace Emulator.Tests.Model.Lifecycle;

public sealed class InstanceAttributeTests
{
    [Theory]
    [InlineData("stack", true)]
    [InlineData("team/app.v1", true)]
    [InlineData("", false)]
    [InlineData("has space", false)]
    public void B_CI_6_attribute_names(string name, bool valid) => Assert.Equal(valid, InstanceAttributes.IsValidName(name));

    [Fact]
    public void B_CI_6_builtin_attributes_are_ecs_prefixed_and_at_most_10_custom()
    {
        Assert.True(InstanceAttributes.IsBuiltIn("ecs.availability-zone"));
        Assert.False(InstanceAttributes.IsBuiltIn("stack"));
        Assert.Equal(10, InstanceAttributes.MaxCustom);
    }
}
