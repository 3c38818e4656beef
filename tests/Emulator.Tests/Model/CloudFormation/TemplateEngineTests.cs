using System.Collections.Immutable;
using System.Text.Json.Nodes;
using Emulator.Contracts;
using Emulator.Model.CloudFormation;
using static Emulator.Tests.Model.CloudFormation.StackEngineDriver;

namespace Emulator.Tests.Model.CloudFormation;

/// <summary>
/// B-CFN-1..11: the template engine as a pure model — intrinsic functions, conditions, parameters (SSM types
/// included), dependency order, CloudFormation's errors for cycles and unknown references, rollback and deletion.
/// </summary>
public sealed class TemplateEngineTests
{
    private static EvaluationContext Context(string mappings = "{}", Dictionary<string, bool>? conditions = null, params (string Name, string Value)[] parameters) => new(
        parameters.ToImmutableDictionary(p => p.Name, p => (JsonNode?)JsonValue.Create(p.Value), StringComparer.Ordinal),
        "123456789012", "us-east-1", "s", StackId, ["us-east-1a", "us-east-1b", "us-east-1c"], (JsonObject)JsonNode.Parse(mappings)!,
        (conditions ?? []).ToImmutableDictionary(StringComparer.Ordinal),
        ImmutableDictionary<string, ResourceValues>.Empty.Add("Cluster", new ResourceValues("my-cluster",
            ImmutableDictionary<string, JsonNode?>.Empty.Add("Arn", JsonValue.Create("arn:aws:ecs:us-east-1:123456789012:cluster/my-cluster")))),
        ImmutableDictionary<string, string>.Empty.Add("SharedVpc", "vpc-123"), []);

    private static string Eval(string json, EvaluationContext ctx) => Intrinsics.Resolve(JsonNode.Parse(json), ctx)!.ToJsonString();

    [Fact]
    public void B_CFN_3_intrinsic_functions_evaluate_as_CloudFormation_does()
    {
        var ctx = Context("""{"Sizes":{"small":{"Cpu":"256"}}}""", null, ("Env", "prod"));
        Assert.Equal("\"my-cluster\"", Eval("""{"Ref":"Cluster"}""", ctx));
        Assert.Equal("\"prod\"", Eval("""{"Ref":"Env"}""", ctx));
        Assert.Equal("\"us-east-1\"", Eval("""{"Ref":"AWS::Region"}""", ctx));
        Assert.Equal("\"arn:aws:ecs:us-east-1:123456789012:cluster/my-cluster\"", Eval("""{"Fn::GetAtt":["Cluster","Arn"]}""", ctx));
        Assert.Equal("\"arn:aws:ecs:us-east-1:123456789012:cluster/my-cluster\"", Eval("""{"Fn::GetAtt":"Cluster.Arn"}""", ctx));
        Assert.Equal("\"prod-my-cluster-us-east-1-123456789012-x\"",
            Eval("""{"Fn::Sub":["${Env}-${Cluster}-${AWS::Region}-${AWS::AccountId}-${X}",{"X":"x"}]}""", ctx));
        Assert.Equal("\"c=arn:aws:ecs:us-east-1:123456789012:cluster/my-cluster ${Literal}\"", Eval("""{"Fn::Sub":"c=${Cluster.Arn} ${!Literal}"}""", ctx));
        Assert.Equal("\"a,b,my-cluster\"", Eval("""{"Fn::Join":[",",["a","b",{"Ref":"Cluster"}]]}""", ctx));
        Assert.Equal("\"b\"", Eval("""{"Fn::Select":["1",["a","b","c"]]}""", ctx));
        Assert.Equal("[\"a\",\"b\",\"c\"]", Eval("""{"Fn::Split":["|","a|b|c"]}""", ctx));
        Assert.Equal("\"c\"", Eval("""{"Fn::Select":[2,{"Fn::Split":["|","a|b|c"]}]}""", ctx));
        Assert.Equal("[\"us-east-1a\",\"us-east-1b\",\"us-east-1c\"]", Eval("""{"Fn::GetAZs":""}""", ctx));
        Assert.Equal("\"us-east-1b\"", Eval("""{"Fn::Select":[1,{"Fn::GetAZs":{"Ref":"AWS::Region"}}]}""", ctx));
        Assert.Equal("\"256\"", Eval("""{"Fn::FindInMap":["Sizes","small","Cpu"]}""", ctx));
        Assert.Equal("\"vpc-123\"", Eval("""{"Fn::ImportValue":"SharedVpc"}""", ctx));
        Assert.Equal("\"aGVsbG8=\"", Eval("""{"Fn::Base64":"hello"}""", ctx));
    }

    [Fact]
    public void B_CFN_3_Fn_If_takes_the_branch_of_its_condition_and_AWS_NoValue_removes_the_property()
    {
        var ctx = Context("{}", new Dictionary<string, bool> { ["IsProd"] = true, ["IsDev"] = false });
        Assert.Equal("\"big\"", Eval("""{"Fn::If":["IsProd","big","small"]}""", ctx));
        Assert.Equal("{\"A\":1}", Eval("""{"A":1,"B":{"Fn::If":["IsDev","x",{"Ref":"AWS::NoValue"}]}}""", ctx));
        Assert.Equal("[\"a\"]", Eval("""["a",{"Fn::If":["IsDev","b",{"Ref":"AWS::NoValue"}]}]""", ctx));
    }

    [Fact]
    public void B_CFN_3_bad_intrinsic_arguments_are_CloudFormation_template_errors()
    {
        var ctx = Context();
        Assert.Contains("Fn::Select cannot select nonexistent value at index 5", Assert.Throws<TemplateException>(() => Eval("""{"Fn::Select":[5,["a"]]}""", ctx)).Message);
        Assert.Contains("Unresolved resource dependencies [Nope]", Assert.Throws<TemplateException>(() => Eval("""{"Ref":"Nope"}""", ctx)).Message);
        Assert.Contains("does not support attribute type Bogus", Assert.Throws<TemplateException>(() => Eval("""{"Fn::GetAtt":["Cluster","Bogus"]}""", ctx)).Message);
        Assert.Equal("No export named Missing found.", Assert.Throws<TemplateException>(() => Eval("""{"Fn::ImportValue":"Missing"}""", ctx)).Message);
        Assert.Contains("Mapping named 'M' is not present", Assert.Throws<TemplateException>(() => Eval("""{"Fn::FindInMap":["M","a","b"]}""", ctx)).Message);
    }

    [Fact]
    public void B_CFN_3_conditions_combine_Equals_Not_And_Or_and_other_conditions()
    {
        var ctx = Context("{}", null, ("Env", "prod"), ("Count", "3"));
        var conditions = Intrinsics.EvaluateConditions((JsonObject)JsonNode.Parse("""
            {
              "IsProd": {"Fn::Equals": [{"Ref": "Env"}, "prod"]},
              "IsDev": {"Fn::Not": [{"Condition": "IsProd"}]},
              "ProdAndThree": {"Fn::And": [{"Condition": "IsProd"}, {"Fn::Equals": [{"Ref": "Count"}, "3"]}]},
              "DevOrThree": {"Fn::Or": [{"Condition": "IsDev"}, {"Fn::Equals": ["3", {"Ref": "Count"}]}]}
            }
            """)!, ctx);
        Assert.True(conditions["IsProd"]);
        Assert.False(conditions["IsDev"]);
        Assert.True(conditions["ProdAndThree"]);
        Assert.True(conditions["DevOrThree"]);

        var cyclic = Assert.Throws<TemplateException>(() => Intrinsics.EvaluateConditions((JsonObject)JsonNode.Parse(
            """{"A": {"Condition": "B"}, "B": {"Condition": "A"}}""")!, ctx));
        Assert.Contains("Circular dependency between conditions", cyclic.Message);
    }

    private const string Chain = """
        Parameters:
          Prefix:
            Type: String
            Default: demo
        Resources:
          Service:
            Type: AWS::Logs::LogGroup
            Properties:
              LogGroupName: !Sub "${Prefix}-${Cluster}-${Group.Arn}"
          Group:
            Type: AWS::Logs::LogGroup
            DependsOn: Cluster
            Properties:
              LogGroupName: !Join ["-", [!Ref Prefix, group]]
          Cluster:
            Type: AWS::ECS::Cluster
            Properties:
              ClusterName: !Ref Prefix
        Outputs:
          ClusterName:
            Value: !Ref Cluster
            Export:
              Name: !Sub "${AWS::StackName}-cluster"
          GroupArn:
            Value: !GetAtt Group.Arn
        """;

    [Fact]
    public void B_CFN_4_resources_are_created_in_dependency_order_and_deleted_in_reverse()
    {
        var driver = new StackEngineDriver();
        var stack = driver.Create(Chain);

        Assert.Equal(StackStatus.CreateComplete, stack.Status);
        Assert.Equal(["Create Cluster", "Create Group", "Create Service"], driver.Calls);
        Assert.Equal(["Cluster"], stack.Resources["Group"].DependsOn.ToArray());
        Assert.Equal(["Cluster", "Group"], stack.Resources["Service"].DependsOn.ToArray());
        var group = stack.Resources["Group"].PhysicalId;
        Assert.Equal($"{{\"LogGroupName\":\"demo-Cluster-1-arn:aws:test:us-east-1:123456789012:thing/{group}\"}}", Props(stack, "Service"));
        Assert.Equal("{\"LogGroupName\":\"demo-group\"}", Props(stack, "Group"));
        Assert.Equal(
            [new StackOutputRecord("ClusterName", "Cluster-1", null, "s-cluster"), new StackOutputRecord("GroupArn", $"arn:aws:test:us-east-1:123456789012:thing/{group}", null, null)],
            stack.Outputs.ToArray());
        Assert.Equal(3, driver.Live.Count);

        driver.Calls.Clear();
        stack = driver.Delete(stack);
        Assert.Equal(StackStatus.DeleteComplete, stack.Status);
        Assert.Equal(["Delete Service", "Delete Group", "Delete Cluster"], driver.Calls);
        Assert.Empty(driver.Live);
        Assert.Empty(stack.Resources);
    }

    [Fact]
    public void B_CFN_4_a_circular_dependency_is_rejected_before_anything_is_created()
    {
        var driver = new StackEngineDriver();
        var e = Assert.Throws<TemplateException>(() => driver.Create("""
            Resources:
              A:
                Type: AWS::Logs::LogGroup
                Properties: { LogGroupName: !Ref B }
              B:
                Type: AWS::Logs::LogGroup
                Properties: { LogGroupName: !GetAtt C.Arn }
              C:
                Type: AWS::Logs::LogGroup
                DependsOn: A
            """));
        Assert.Equal("Circular dependency between resources: [A, B, C]", e.Message);
        Assert.Equal(TemplateException.ValidationError, e.Code);
        Assert.Empty(driver.Calls);
    }

    [Fact]
    public void B_CFN_4_unknown_references_are_rejected_with_CloudFormations_error()
    {
        var driver = new StackEngineDriver();
        Assert.Equal("Template format error: Unresolved resource dependencies [Nowhere] in the Resources block of the template",
            Assert.Throws<TemplateException>(() => driver.Create("""
                Resources:
                  A:
                    Type: AWS::Logs::LogGroup
                    Properties: { LogGroupName: !Sub "${Nowhere}-x" }
                """)).Message);
        Assert.Equal("Template format error: Unresolved resource dependencies [Ghost] in the Resources block of the template",
            Assert.Throws<TemplateException>(() => driver.Create("""
                Resources:
                  A:
                    Type: AWS::Logs::LogGroup
                    DependsOn: [Ghost]
                """)).Message);
        Assert.Equal("Template format error: Unresolved resource dependencies [Missing] in the Outputs block of the template",
            Assert.Throws<TemplateException>(() => driver.Create("""
                Resources:
                  A:
                    Type: AWS::Logs::LogGroup
                Outputs:
                  O:
                    Value: !Ref Missing
                """)).Message);
        Assert.Empty(driver.Calls);
    }

    [Theory]
    [InlineData("{\"Resources\": {", "Template format error: JSON not well-formed.")]
    [InlineData("Resources: [a, b", "Template format error: YAML not well-formed.")]
    [InlineData("{\"Resources\": {}}", "Template format error: At least one Resources member must be defined.")]
    [InlineData("{\"Resources\": {\"A\": {\"Properties\": {}}}}", "Every Resources object must contain a Type member.")]
    [InlineData("{\"Resources\": {\"A-b\": {\"Type\": \"AWS::Logs::LogGroup\"}}}", "Template format error: Resource name A-b is non alphanumeric.")]
    [InlineData("{\"Resourcez\": {}, \"Resources\": {\"A\": {\"Type\": \"AWS::Logs::LogGroup\"}}}", "Template format error: Invalid template property or properties [Resourcez]")]
    [InlineData("{\"AWSTemplateFormatVersion\": \"2011-01-01\", \"Resources\": {\"A\": {\"Type\": \"AWS::Logs::LogGroup\"}}}", "Unsupported template format version")]
    public void B_CFN_1_malformed_templates_are_format_errors(string body, string message)
    {
        var e = Assert.Throws<TemplateException>(() => new StackEngineDriver().Create(body));
        Assert.Contains(message, e.Message);
        Assert.Equal(TemplateException.ValidationError, e.Code);
    }

    [Fact]
    public void B_CFN_2_parameters_are_checked_and_SSM_parameter_types_resolve_from_the_parameter_store()
    {
        const string body = """
            Parameters:
              Ami:
                Type: AWS::SSM::Parameter::Value<AWS::EC2::Image::Id>
                Default: /aws/service/ecs/optimized-ami/amazon-linux-2/recommended/image_id
              Size:
                Type: Number
                MinValue: 1
                MaxValue: 10
              Env:
                Type: String
                AllowedValues: [dev, prod]
            Resources:
              A:
                Type: AWS::Logs::LogGroup
                Properties: { LogGroupName: !Sub "${Ami}-${Size}-${Env}" }
            """;
        var driver = new StackEngineDriver();
        driver.ParameterStore["/aws/service/ecs/optimized-ami/amazon-linux-2/recommended/image_id"] = "ami-0123456789abcdef0";
        var stack = driver.Create(body, ("Size", "3"), ("Env", "dev"));
        Assert.Equal(StackStatus.CreateComplete, stack.Status);
        Assert.Equal("{\"LogGroupName\":\"ami-0123456789abcdef0-3-dev\"}", Props(stack, "A"));
        var ami = stack.Parameters.Single(p => p.Key == "Ami");
        Assert.Equal("/aws/service/ecs/optimized-ami/amazon-linux-2/recommended/image_id", ami.Value);
        Assert.Equal("ami-0123456789abcdef0", ami.ResolvedValue);

        Assert.Contains("Parameters: [Size, Env] must have values", Assert.Throws<TemplateException>(() => driver.Create(body)).Message);
        Assert.Throws<TemplateException>(() => driver.Create(body, ("Size", "11"), ("Env", "dev")));
        Assert.Throws<TemplateException>(() => driver.Create(body, ("Size", "3"), ("Env", "qa")));
        Assert.Contains("Parameters: [Bogus] do not exist in the template",
            Assert.Throws<TemplateException>(() => driver.Create(body, ("Size", "3"), ("Env", "dev"), ("Bogus", "x"))).Message);
    }

    [Fact]
    public void B_CFN_3_resources_whose_condition_is_false_are_not_created()
    {
        var driver = new StackEngineDriver();
        var stack = driver.Create("""
            Parameters:
              Env: { Type: String, Default: dev }
            Conditions:
              IsProd: !Equals [!Ref Env, prod]
            Resources:
              Always:
                Type: AWS::Logs::LogGroup
                Properties:
                  LogGroupName: !If [IsProd, prod-logs, dev-logs]
              ProdOnly:
                Type: AWS::Logs::LogGroup
                Condition: IsProd
            Outputs:
              Prod:
                Condition: IsProd
                Value: !Ref ProdOnly
            """);
        Assert.Equal(StackStatus.CreateComplete, stack.Status);
        Assert.Equal(["Create Always"], driver.Calls);
        Assert.Equal("{\"LogGroupName\":\"dev-logs\"}", Props(stack, "Always"));
        Assert.Empty(stack.Outputs);
    }

    [Fact]
    public void B_CFN_6_a_failing_resource_rolls_the_create_back_leaving_nothing_with_its_reason()
    {
        var driver = new StackEngineDriver();
        driver.FailCreate.Add("Service");
        var stack = driver.Create(Chain);

        Assert.Equal(StackStatus.RollbackComplete, stack.Status);
        Assert.Equal(["Create Cluster", "Create Group", "Create Service", "Delete Group", "Delete Cluster"], driver.Calls);
        Assert.Empty(driver.Live);
        Assert.Equal(["CREATE_IN_PROGRESS", "CREATE_FAILED: boom: Service", "DELETE_COMPLETE"], EventsOf(stack, "Service"));
        Assert.Equal(["CREATE_IN_PROGRESS", "CREATE_COMPLETE", "DELETE_IN_PROGRESS", "DELETE_COMPLETE"], EventsOf(stack, "Cluster"));
        Assert.Equal(
            [
                "CREATE_IN_PROGRESS: User Initiated",
                "ROLLBACK_IN_PROGRESS: The following resource(s) failed to create: [Service]. Rollback requested by user.",
                "ROLLBACK_COMPLETE",
            ],
            EventsOf(stack, "s"));
        Assert.Empty(stack.Outputs);
    }

    [Fact]
    public void B_CFN_10_an_unsupported_resource_type_fails_its_stack_naming_the_type()
    {
        var driver = new StackEngineDriver();
        var stack = driver.Create("""
            Resources:
              First:
                Type: AWS::Logs::LogGroup
              Fn:
                Type: AWS::Lambda::Function
                DependsOn: First
            """);
        Assert.Equal(StackStatus.RollbackComplete, stack.Status);
        Assert.Contains(stack.Events, e => e.LogicalId == "Fn" && e.Status == StackStatus.CreateFailed
            && e.Reason == "Resource type AWS::Lambda::Function is not supported by this emulator's CloudFormation (supported types: docs/cloudformation.md)");
        Assert.Empty(driver.Live);
    }

    [Fact]
    public void B_CFN_6_OnFailure_DO_NOTHING_keeps_what_was_made_in_CREATE_FAILED()
    {
        var driver = new StackEngineDriver();
        driver.FailCreate.Add("Group");
        var stack = driver.Create(Request(Chain) with { OnFailure = "DO_NOTHING" });
        Assert.Equal(StackStatus.CreateFailed, stack.Status);
        Assert.Equal("The following resource(s) failed to create: [Group]. ", stack.StatusReason);
        Assert.Single(driver.Live);
    }

    [Fact]
    public void B_CFN_5_stabilizing_resources_are_polled_until_done_before_their_dependents_start()
    {
        var driver = new StackEngineDriver();
        driver.StabilizePolls["Cluster"] = 3;
        var stack = driver.Create(Chain);
        Assert.Equal(StackStatus.CreateComplete, stack.Status);
        Assert.Equal(["Create Cluster", "Poll Cluster", "Poll Cluster", "Poll Cluster", "Create Group", "Create Service"], driver.Calls);
    }

    [Fact]
    public void B_CFN_7_an_update_modifies_in_place_or_replaces_per_resource_type_and_deletes_what_it_removed()
    {
        var driver = new StackEngineDriver();
        var stack = driver.Create("""
            Resources:
              Cluster:
                Type: AWS::ECS::Cluster
                Properties:
                  ClusterSettings: [{ Name: containerInsights, Value: disabled }]
              Logs:
                Type: AWS::Logs::LogGroup
                Properties: { LogGroupName: one, RetentionInDays: 7 }
              Gone:
                Type: AWS::Logs::LogGroup
            """);
        var cluster = stack.Resources["Cluster"].PhysicalId;
        var logs = stack.Resources["Logs"].PhysicalId;
        driver.Calls.Clear();

        // ClusterSettings is mutable (in place); LogGroupName is create-only (a custom name: replacing it needs a new one).
        stack = driver.Update(stack, """
            Resources:
              Cluster:
                Type: AWS::ECS::Cluster
                Properties:
                  ClusterSettings: [{ Name: containerInsights, Value: enabled }]
              Logs:
                Type: AWS::Logs::LogGroup
                Properties: { LogGroupName: two, RetentionInDays: 7 }
            """);
        Assert.Equal(["Update Cluster", "Create Logs", "Delete Gone", "Delete Logs"], driver.Calls);
        Assert.Equal(StackStatus.UpdateComplete, stack.Status);
        Assert.Equal(cluster, stack.Resources["Cluster"].PhysicalId);
        Assert.NotEqual(logs, stack.Resources["Logs"].PhysicalId);
        Assert.Equal(2, driver.Live.Count);
        Assert.False(stack.Resources.ContainsKey("Gone"));
        Assert.Contains("Requested update requires the creation of a new physical resource; hence creating one.", EventsOf(stack, "Logs").Last(e => e.StartsWith("UPDATE_IN_PROGRESS", StringComparison.Ordinal)));
    }

    [Fact]
    public void B_CFN_7_a_failed_update_rolls_back_to_the_previous_properties_and_removes_what_it_added()
    {
        var driver = new StackEngineDriver();
        var stack = driver.Create("""
            Resources:
              Cluster:
                Type: AWS::ECS::Cluster
                Properties:
                  ClusterSettings: [{ Name: containerInsights, Value: disabled }]
            """);
        var before = Props(stack, "Cluster");
        driver.FailCreate.Add("Extra");
        stack = driver.Update(stack, """
            Resources:
              Cluster:
                Type: AWS::ECS::Cluster
                Properties:
                  ClusterSettings: [{ Name: containerInsights, Value: enabled }]
              Extra:
                Type: AWS::Logs::LogGroup
                DependsOn: Cluster
            """);
        Assert.Equal(StackStatus.UpdateRollbackComplete, stack.Status);
        Assert.Equal(before, Props(stack, "Cluster"));
        Assert.Equal(before, driver.Live[stack.Resources["Cluster"].PhysicalId!]);
        Assert.False(stack.Resources.ContainsKey("Extra"));
        Assert.Single(driver.Live);
        Assert.Contains(stack.Events, e => e.LogicalId == "s" && e.Status == StackStatus.UpdateRollbackInProgress
            && e.Reason == "The following resource(s) failed to create: [Extra]. ");
    }

    [Fact]
    public void B_CFN_7_changing_a_resources_type_is_refused()
    {
        var driver = new StackEngineDriver();
        var stack = driver.Create("""{"Resources":{"A":{"Type":"AWS::Logs::LogGroup"}}}""");
        var e = Assert.Throws<TemplateException>(() => driver.Update(stack, """{"Resources":{"A":{"Type":"AWS::ECS::Cluster"}}}"""));
        Assert.Contains("Update of resource type is not permitted", e.Message);
    }

    [Fact]
    public void B_CFN_4_DeletionPolicy_Retain_keeps_the_resource_when_the_stack_is_deleted()
    {
        var driver = new StackEngineDriver();
        var stack = driver.Create("""
            Resources:
              Kept:
                Type: AWS::Logs::LogGroup
                DeletionPolicy: Retain
              Dropped:
                Type: AWS::Logs::LogGroup
            """);
        stack = driver.Delete(stack);
        Assert.Equal(StackStatus.DeleteComplete, stack.Status);
        Assert.Single(driver.Live);
        Assert.Equal(StackStatus.DeleteSkipped, stack.Events.Last(e => e.LogicalId == "Kept").Status);
    }

    [Fact]
    public void B_CFN_8_an_import_of_a_missing_export_is_refused_before_anything_is_created()
    {
        var driver = new StackEngineDriver();
        const string body = """
            Resources:
              A:
                Type: AWS::Logs::LogGroup
                Properties: { LogGroupName: !ImportValue SharedName }
            """;
        Assert.Equal("No export named SharedName found.", Assert.Throws<TemplateException>(() => driver.Create(body)).Message);
        driver.Exports["SharedName"] = "from-other-stack";
        var stack = driver.Create(body);
        Assert.Equal("{\"LogGroupName\":\"from-other-stack\"}", Props(stack, "A"));
        Assert.Equal(["SharedName"], stack.Imports.ToArray());
    }
}
