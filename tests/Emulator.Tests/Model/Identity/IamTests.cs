using System.Collections.Immutable;
using Emulator.Contracts;
using Emulator.Model.Identity;

namespace Emulator.Tests.Model.Identity;

/// <summary>IAM as the emulator stores it (issue 14): names, documents, ids, ARNs and AWS's conflicts.</summary>
public sealed class IamTests
{
    private const string Trust = """{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ecs-tasks.amazonaws.com"},"Action":"sts:AssumeRole"}]}""";
    private const string Allow = """{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"logs:*","Resource":"*"}]}""";
    private static readonly ImmutableDictionary<string, string> NoTags = ImmutableDictionary<string, string>.Empty;

    private static IamContext Ctx => new("000000000000", new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero), new Random(1));

    private static IamState Apply(IamState s, params IamCommand[] commands) => commands.Aggregate(s, (st, c) => Iam.Apply(st, c, Ctx));

    private static string Code(Action a) => Assert.Throws<EcsException>(a).Code;

    private static IamState WithRole(string name = "exec") => Apply(IamState.Empty, new IamCreateRole(name, null, Trust, null, null, null, NoTags));

    [Fact]
    public void A_role_gets_an_aroa_id_its_arn_and_the_default_session_duration()
    {
        var s = Apply(IamState.Empty, new IamCreateRole("exec", "/ecs/", Trust, "task execution", null, null, NoTags));
        var role = Iam.Role(s, "EXEC");
        Assert.StartsWith("AROA", role.RoleId, StringComparison.Ordinal);
        Assert.Equal(21, role.RoleId.Length);
        Assert.Equal("arn:aws:iam::000000000000:role/ecs/exec", role.Arn);
        Assert.Equal(3600, role.MaxSessionDuration);
        Assert.Equal(Trust, role.AssumeRolePolicyDocument);
    }

    [Fact]
    public void Role_names_are_unique_without_regard_to_case() =>
        Assert.Equal(IamErrors.EntityAlreadyExists, Code(() => Apply(WithRole("Exec"), new IamCreateRole("exec", null, Trust, null, null, null, NoTags))));

    [Theory]
    [InlineData("not json", IamErrors.MalformedPolicyDocument)]
    [InlineData("""{"Version":"2012-10-17"}""", IamErrors.MalformedPolicyDocument)]
    [InlineData("""{"Statement":[{"Effect":"Allow","Action":"sts:AssumeRole"}]}""", IamErrors.MalformedPolicyDocument)]
    [InlineData("""{"Version":"2021-01-01","Statement":[]}""", IamErrors.MalformedPolicyDocument)]
    public void Trust_policies_are_json_with_statements_that_name_a_principal(string document, string code) =>
        Assert.Equal(code, Code(() => Apply(IamState.Empty, new IamCreateRole("r", null, document, null, null, null, NoTags))));

    [Theory]
    [InlineData("has space")]
    [InlineData("")]
    [InlineData("a234567890123456789012345678901234567890123456789012345678901234567")]
    public void Bad_role_names_are_validation_errors(string name) =>
        Assert.Equal(ErrorCodes.ValidationError, Code(() => Apply(IamState.Empty, new IamCreateRole(name, null, Trust, null, null, null, NoTags))));

    [Fact]
    public void A_role_with_policies_or_in_an_instance_profile_cannot_be_deleted()
    {
        var s = Apply(WithRole(),
            new IamAttachRolePolicy("exec", "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy", true),
            new IamSetRolePolicy("exec", "logs", Allow),
            new IamCreateInstanceProfile("profile", null, NoTags),
            new IamInstanceProfileRole("profile", "exec", true));
        Assert.Equal(IamErrors.DeleteConflict, Code(() => Apply(s, new IamDeleteRole("exec"))));
        s = Apply(s, new IamInstanceProfileRole("profile", "exec", false));
        Assert.Equal(IamErrors.DeleteConflict, Code(() => Apply(s, new IamDeleteRole("exec"))));
        s = Apply(s, new IamAttachRolePolicy("exec", "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy", false));
        Assert.Equal(IamErrors.DeleteConflict, Code(() => Apply(s, new IamDeleteRole("exec"))));
        s = Apply(s, new IamSetRolePolicy("exec", "logs", null), new IamDeleteRole("exec"));
        Assert.Empty(s.Roles);
        Assert.Equal(IamErrors.NoSuchEntity, Code(() => Iam.Role(s, "exec")));
    }

    [Fact]
    public void An_instance_profile_holds_one_role()
    {
        var s = Apply(WithRole("a"), new IamCreateRole("b", null, Trust, null, null, null, NoTags), new IamCreateInstanceProfile("p", null, NoTags), new IamInstanceProfileRole("p", "a", true));
        Assert.Equal(IamErrors.LimitExceeded, Code(() => Apply(s, new IamInstanceProfileRole("p", "b", true))));
        Assert.Equal(IamErrors.DeleteConflict, Code(() => Apply(s, new IamDeleteInstanceProfile("p"))));
        Assert.Equal("arn:aws:iam::000000000000:instance-profile/p", Iam.InstanceProfile(s, "p").Arn);
    }

    [Fact]
    public void Customer_managed_policies_must_exist_to_be_attached_and_aws_managed_ones_always_do()
    {
        var s = WithRole();
        Assert.Equal(IamErrors.NoSuchEntity, Code(() => Apply(s, new IamAttachRolePolicy("exec", "arn:aws:iam::000000000000:policy/mine", true))));
        Assert.Equal(IamErrors.InvalidInput, Code(() => Apply(s, new IamAttachRolePolicy("exec", "not-an-arn", true))));
        s = Apply(s, new IamCreatePolicy("mine", null, Allow, null, NoTags), new IamAttachRolePolicy("exec", "arn:aws:iam::000000000000:policy/mine", true));
        Assert.Single(Iam.AttachedTo(s, "arn:aws:iam::000000000000:policy/mine"));
        Assert.Equal(IamErrors.DeleteConflict, Code(() => Apply(s, new IamDeletePolicy("arn:aws:iam::000000000000:policy/mine"))));
        Assert.Equal("AmazonECSTaskExecutionRolePolicy", Iam.AwsManaged("arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy").Name);
        Assert.Equal("/service-role/", Iam.AwsManaged("arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy").Path);
    }

    [Fact]
    public void A_policy_keeps_at_most_five_versions_and_its_default_cannot_be_deleted()
    {
        const string arn = "arn:aws:iam::000000000000:policy/p";
        var s = Apply(IamState.Empty, new IamCreatePolicy("p", null, Allow, null, NoTags));
        for (var i = 0; i < 4; i++)
        {
            s = Apply(s, new IamCreatePolicyVersion(arn, Allow, i == 3));
        }

        Assert.Equal("v5", Iam.Policy(s, arn).DefaultVersionId);
        Assert.Equal(IamErrors.LimitExceeded, Code(() => Apply(s, new IamCreatePolicyVersion(arn, Allow, false))));
        Assert.Equal(IamErrors.DeleteConflict, Code(() => Apply(s, new IamDeletePolicyVersion(arn, "v5"))));
        Assert.Equal(IamErrors.DeleteConflict, Code(() => Apply(s, new IamDeletePolicy(arn))));
        s = Apply(s, new IamDeletePolicyVersion(arn, "v1"), new IamCreatePolicyVersion(arn, Allow, false));
        Assert.Equal("v6", Iam.Policy(s, arn).Versions[^1].VersionId);
    }

    [Fact]
    public void Tags_with_the_aws_prefix_are_refused() =>
        Assert.Equal(IamErrors.InvalidInput, Code(() => Apply(WithRole(), new IamTag("role", "exec", NoTags.Add("aws:team", "x"), []))));
}
