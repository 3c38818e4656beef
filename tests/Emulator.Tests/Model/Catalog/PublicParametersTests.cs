using System.Text.Json;
using Emulator.Model.Catalog;

namespace Emulator.Tests.Model.Catalog;

/// <summary>The public SSM parameters of the ECS-optimized AMIs (issue 14).</summary>
public sealed class PublicParametersTests
{
    private const string Al2 = "/aws/service/ecs/optimized-ami/amazon-linux-2/recommended";

    [Fact]
    public void The_recommended_document_and_its_image_id_parameter_agree()
    {
        var document = PublicParameters.Find(Al2, "us-east-1")!;
        var imageId = PublicParameters.Find(Al2 + "/image_id", "us-east-1")!;
        using var json = JsonDocument.Parse(document.Value);
        Assert.Equal(imageId.Value, json.RootElement.GetProperty("image_id").GetString());
        Assert.Matches("^ami-[0-9a-f]{17}$", imageId.Value);
        Assert.Equal("aws:ec2:image", imageId.DataType);
        Assert.Equal("Amazon Linux 2", json.RootElement.GetProperty("os").GetString());
        Assert.Equal("1", PublicParameters.Find(Al2 + "/schema_version", "us-east-1")!.Value);
    }

    [Fact]
    public void Every_region_and_variant_has_its_own_image()
    {
        var a = PublicParameters.Find(Al2 + "/image_id", "us-east-1")!.Value;
        Assert.NotEqual(a, PublicParameters.Find(Al2 + "/image_id", "eu-west-1")!.Value);
        Assert.NotEqual(a, PublicParameters.Find("/aws/service/ecs/optimized-ami/amazon-linux-2/arm64/recommended/image_id", "us-east-1")!.Value);
        Assert.Equal(a, PublicParameters.Find(Al2 + "/image_id", "us-east-1")!.Value);
    }

    [Theory]
    [InlineData("/aws/service/ecs/optimized-ami/amazon-linux-2023/recommended/image_id")]
    [InlineData("/aws/service/ecs/optimized-ami/amazon-linux-2/gpu/recommended/image_id")]
    [InlineData("/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64")]
    public void Known_parameters_exist(string name) => Assert.NotNull(PublicParameters.Find(name, "us-east-1"));

    [Theory]
    [InlineData("/aws/service/ecs/optimized-ami/amazon-linux-3/recommended")]
    [InlineData("/aws/service/ecs/optimized-ami/amazon-linux-2/recommended/not_a_field")]
    [InlineData("/my/own/parameter")]
    public void Anything_else_is_not_found(string name) => Assert.Null(PublicParameters.Find(name, "us-east-1"));
}
