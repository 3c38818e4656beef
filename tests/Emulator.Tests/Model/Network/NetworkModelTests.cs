using System.Collections.Immutable;
using Emulator.Contracts;
using Emulator.Model.Network;

namespace Emulator.Tests.Model.Network;

/// <summary>The EC2 network's rules (issue 14): CIDRs, zones, security group rules, conflicts, the default VPC.</summary>
public sealed class NetworkModelTests
{
    private static readonly ImmutableDictionary<string, string> NoTags = ImmutableDictionary<string, string>.Empty;

    private static NetworkContext Ctx(int seed = 1) =>
        new("000000000000", "us-east-1", Zones.Of("us-east-1", ["us-east-1a", "us-east-1b", "us-east-1c"]), new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero), new Random(seed));

    private static (NetworkState State, string Id) Create(NetworkState s, NetworkCommand c, int seed = 1) => NetworkModel.Create(s, c, Ctx(seed));

    private static string Code(Action a) => Assert.Throws<EcsException>(a).Code;

    private static (NetworkState S, string Vpc) WithVpc(string cidr = "10.0.0.0/16") => Create(NetworkState.Empty, new NetworkCreateVpc(cidr, null, NoTags));

    [Fact]
    public void The_default_vpc_has_a_default_subnet_per_zone_and_a_default_group()
    {
        var s = NetworkModel.WithDefaultVpc(NetworkState.Empty, Ctx());
        var vpc = Assert.Single(s.Vpcs.Values);
        Assert.True(vpc.IsDefault);
        Assert.Equal("172.31.0.0/16", vpc.CidrBlock);
        Assert.True(vpc.EnableDnsHostnames);
        Assert.Equal(["172.31.0.0/20", "172.31.16.0/20", "172.31.32.0/20"], s.Subnets.Values.OrderBy(n => n.AvailabilityZone).Select(n => n.CidrBlock));
        Assert.Equal(["us-east-1a", "us-east-1b", "us-east-1c"], s.Subnets.Values.Select(n => n.AvailabilityZone).Order());
        Assert.All(s.Subnets.Values, n => Assert.True(n.DefaultForAz && n.MapPublicIpOnLaunch));
        var group = Assert.Single(s.SecurityGroups.Values);
        Assert.Equal(("default", true), (group.GroupName, group.IsDefault));
        Assert.Contains(group.Rules, r => !r.IsEgress && r.ReferencedGroupId == group.GroupId && r.Protocol == "-1");
        Assert.Contains(group.Rules, r => r.IsEgress && r.CidrIpv4 == "0.0.0.0/0");
        Assert.Same(s, NetworkModel.WithDefaultVpc(s, Ctx(2)));
    }

    [Fact]
    public void The_same_seed_gives_the_same_ids() =>
        Assert.Equal(NetworkModel.WithDefaultVpc(NetworkState.Empty, Ctx(7)).Vpcs.Keys, NetworkModel.WithDefaultVpc(NetworkState.Empty, Ctx(7)).Vpcs.Keys);

    [Theory]
    [InlineData("10.0.0.0/15", NetworkErrors.VpcRange)]
    [InlineData("10.0.0.0/29", NetworkErrors.VpcRange)]
    [InlineData("10.0.0.1/16", NetworkErrors.InvalidParameterValue)]
    [InlineData("10.0.0.0", NetworkErrors.InvalidParameterValue)]
    [InlineData("300.0.0.0/16", NetworkErrors.InvalidParameterValue)]
    public void Vpc_cidrs_are_16_to_28_without_host_bits(string cidr, string code) =>
        Assert.Equal(code, Code(() => Create(NetworkState.Empty, new NetworkCreateVpc(cidr, null, NoTags))));

    [Fact]
    public void Subnets_lie_inside_their_vpc_without_overlapping_and_carry_their_zone()
    {
        var (s, vpc) = WithVpc();
        (s, var subnet) = Create(s, new NetworkCreateSubnet(vpc, "10.0.1.0/24", "us-east-1b", null, NoTags));
        Assert.Equal(("us-east-1b", "use1-az2"), (s.Subnets[subnet].AvailabilityZone, s.Subnets[subnet].AvailabilityZoneId));
        Assert.Equal(NetworkErrors.SubnetRange, Code(() => Create(s, new NetworkCreateSubnet(vpc, "10.1.0.0/24", "us-east-1a", null, NoTags))));
        Assert.Equal(NetworkErrors.SubnetConflict, Code(() => Create(s, new NetworkCreateSubnet(vpc, "10.0.1.128/25", "us-east-1a", null, NoTags))));
        Assert.Equal(NetworkErrors.SubnetConflict, Code(() => Create(s, new NetworkCreateSubnet(vpc, "10.0.0.0/20", "us-east-1a", null, NoTags))));
        Assert.Equal(NetworkErrors.InvalidParameterValue, Code(() => Create(s, new NetworkCreateSubnet(vpc, "10.0.2.0/24", "us-east-1z", null, NoTags))));
        Assert.Equal(NetworkErrors.VpcNotFound, Code(() => Create(s, new NetworkCreateSubnet("vpc-0000000000000000f", "10.0.2.0/24", null, null, NoTags))));
        (s, var byId) = Create(s, new NetworkCreateSubnet(vpc, "10.0.2.0/24", null, "use1-az3", NoTags));
        Assert.Equal("us-east-1c", s.Subnets[byId].AvailabilityZone);
    }

    [Fact]
    public void A_subnet_without_a_zone_goes_to_the_vpcs_least_used_zone()
    {
        var (s, vpc) = WithVpc();
        (s, _) = Create(s, new NetworkCreateSubnet(vpc, "10.0.1.0/24", "us-east-1a", null, NoTags));
        (s, var second) = Create(s, new NetworkCreateSubnet(vpc, "10.0.2.0/24", null, null, NoTags));
        Assert.Equal("us-east-1b", s.Subnets[second].AvailabilityZone);
    }

    [Fact]
    public void Zones_of_subnets_follow_the_subnets_order_without_repeats_and_skip_unknown_ids()
    {
        var (s, vpc) = WithVpc();
        (s, var c) = Create(s, new NetworkCreateSubnet(vpc, "10.0.1.0/24", "us-east-1c", null, NoTags));
        (s, var a) = Create(s, new NetworkCreateSubnet(vpc, "10.0.2.0/24", "us-east-1a", null, NoTags));
        (s, var c2) = Create(s, new NetworkCreateSubnet(vpc, "10.0.3.0/24", "us-east-1c", null, NoTags));
        Assert.Equal(["us-east-1c", "us-east-1a"], NetworkModel.ZonesOf(s, [c, a, c2, "subnet-private-b"]).ToArray());
    }

    [Theory]
    [InlineData("subnet-0123456789abcdef0", true)]
    [InlineData("subnet-01234567", true)]
    [InlineData("subnet-private-a", false)]
    [InlineData("subnet-0123456789ABCDEF0", false)]
    public void Subnet_ids_of_aws_form_are_recognised(string id, bool aws) => Assert.Equal(aws, NetworkModel.LooksLikeSubnetId(id));

    [Fact]
    public void A_new_group_allows_all_egress_and_rejects_duplicate_rules()
    {
        var (s, vpc) = WithVpc();
        (s, var g) = Create(s, new NetworkCreateSecurityGroup("web", "web tier", vpc, NoTags));
        Assert.Single(s.SecurityGroups[g].Rules, r => r.IsEgress && r.Protocol == "-1" && r.CidrIpv4 == "0.0.0.0/0");
        var http = new SecurityGroupRuleRequest("6", 80, 80, "10.0.0.0/16", null, null, null, "http");
        s = NetworkModel.Apply(s, new NetworkSecurityGroupRules(g, false, true, [http], [], NoTags), Ctx());
        var rule = Assert.Single(s.SecurityGroups[g].Rules, r => !r.IsEgress);
        Assert.Equal(("tcp", 80, 80, "http"), (rule.Protocol, rule.FromPort, rule.ToPort, rule.Description));
        Assert.Equal(NetworkErrors.PermissionDuplicate, Code(() => NetworkModel.Apply(s, new NetworkSecurityGroupRules(g, false, true, [http with { Protocol = "tcp" }], [], NoTags), Ctx())));
        Assert.Equal(NetworkErrors.GroupDuplicate, Code(() => Create(s, new NetworkCreateSecurityGroup("web", "again", vpc, NoTags))));
        Assert.Equal(NetworkErrors.GroupReserved, Code(() => Create(s, new NetworkCreateSecurityGroup("default", "no", vpc, NoTags))));
    }

    [Fact]
    public void Each_authorization_reports_only_the_rules_it_added()
    {
        // Terraform authorizes an ingress and an egress rule at once: each answer names its own rule, never the other's.
        var (s, vpc) = WithVpc();
        (s, var g) = Create(s, new NetworkCreateSecurityGroup("web", "web tier", vpc, NoTags));
        var start = s;
        var ingress = NetworkModel.Apply(s, new NetworkSecurityGroupRules(g, false, true, [new("tcp", 5000, 5000, "10.1.0.0/16", null, null, null, null)], [], NoTags), Ctx());
        var both = NetworkModel.Apply(ingress, new NetworkSecurityGroupRules(g, true, true, [new("udp", 53, 53, "0.0.0.0/0", null, null, null, null)], [], NoTags), Ctx());
        var first = Assert.Single(NetworkModel.NewRuleIds(start, ingress, g));
        var second = Assert.Single(NetworkModel.NewRuleIds(ingress, both, g));
        Assert.NotEqual(first, second);
        Assert.False(both.SecurityGroups[g].Rules.Single(r => r.RuleId == first).IsEgress);
        Assert.True(both.SecurityGroups[g].Rules.Single(r => r.RuleId == second).IsEgress);
        Assert.Empty(NetworkModel.NewRuleIds(both, both, g));
    }

    [Fact]
    public void Rules_are_revoked_by_content_or_by_id_and_missing_ones_are_errors()
    {
        var (s, vpc) = WithVpc();
        (s, var g) = Create(s, new NetworkCreateSecurityGroup("web", "web tier", vpc, NoTags));
        var allEgress = new SecurityGroupRuleRequest("-1", 0, 0, "0.0.0.0/0", null, null, null, null);
        s = NetworkModel.Apply(s, new NetworkSecurityGroupRules(g, true, false, [allEgress], [], NoTags), Ctx());
        Assert.Empty(s.SecurityGroups[g].Rules);
        Assert.Equal(NetworkErrors.PermissionNotFound, Code(() => NetworkModel.Apply(s, new NetworkSecurityGroupRules(g, true, false, [allEgress], [], NoTags), Ctx())));
        s = NetworkModel.Apply(s, new NetworkSecurityGroupRules(g, false, true, [new("udp", 53, 53, "0.0.0.0/0", null, null, null, null)], [], NoTags), Ctx());
        var id = s.SecurityGroups[g].Rules.Single().RuleId;
        s = NetworkModel.Apply(s, new NetworkSecurityGroupRules(g, false, false, [], [id], NoTags), Ctx());
        Assert.Empty(s.SecurityGroups[g].Rules);
        Assert.Equal(NetworkErrors.RuleNotFound, Code(() => NetworkModel.Apply(s, new NetworkSecurityGroupRules(g, false, false, [], [id], NoTags), Ctx())));
    }

    [Theory]
    [InlineData("all", null, null, "-1")]
    [InlineData("17", 53, 53, "udp")]
    [InlineData("ICMP", -1, -1, "icmp")]
    [InlineData("50", null, null, "50")]
    public void Protocols_are_kept_in_aws_form(string protocol, int? from, int? to, string expected) =>
        Assert.Equal(expected, NetworkModel.Normalize(new SecurityGroupRuleRequest(protocol, from, to, "0.0.0.0/0", null, null, null, null)).Protocol);

    [Theory]
    [InlineData("tcp", null, 80, "0.0.0.0/0")]
    [InlineData("tcp", 90, 80, "0.0.0.0/0")]
    [InlineData("tcp", 80, 70000, "0.0.0.0/0")]
    [InlineData("gre", null, null, "0.0.0.0/0")]
    [InlineData("tcp", 80, 80, "10.0.0.1/33")]
    public void Bad_rules_are_invalid_parameter_values(string protocol, int? from, int? to, string cidr) =>
        Assert.Equal(NetworkErrors.InvalidParameterValue, Code(() => NetworkModel.Normalize(new SecurityGroupRuleRequest(protocol, from, to, cidr, null, null, null, null))));

    [Fact]
    public void Groups_in_use_and_vpcs_with_resources_cannot_be_deleted()
    {
        var (s, vpc) = WithVpc();
        (s, var db) = Create(s, new NetworkCreateSecurityGroup("db", "database", vpc, NoTags));
        (s, var app) = Create(s, new NetworkCreateSecurityGroup("app", "application", vpc, NoTags));
        s = NetworkModel.Apply(s, new NetworkSecurityGroupRules(db, false, true, [new("tcp", 5432, 5432, null, null, null, app, null)], [], NoTags), Ctx());
        Assert.Equal(NetworkErrors.DependencyViolation, Code(() => NetworkModel.Apply(s, new NetworkDeleteSecurityGroup(app, null), Ctx())));
        Assert.Equal(NetworkErrors.CannotDelete, Code(() => NetworkModel.Apply(s, new NetworkDeleteSecurityGroup(s.Vpcs[vpc].DefaultSecurityGroupId, null), Ctx())));
        Assert.Equal(NetworkErrors.DependencyViolation, Code(() => NetworkModel.Apply(s, new NetworkDeleteVpc(vpc), Ctx())));
        s = NetworkModel.Apply(s, new NetworkDeleteSecurityGroup(db, null), Ctx());
        s = NetworkModel.Apply(s, new NetworkDeleteSecurityGroup(app, null), Ctx());
        s = NetworkModel.Apply(s, new NetworkDeleteVpc(vpc), Ctx());
        Assert.Empty(s.Vpcs);
        Assert.Empty(s.SecurityGroups);
    }

    [Fact]
    public void Tags_go_to_vpcs_subnets_groups_and_rules_and_unknown_ids_are_errors()
    {
        var (s, vpc) = WithVpc();
        var rule = s.SecurityGroups[s.Vpcs[vpc].DefaultSecurityGroupId].Rules[0].RuleId;
        s = NetworkModel.Apply(s, new NetworkTags([vpc, rule], ImmutableDictionary<string, string>.Empty.Add("Name", "main"), ImmutableDictionary<string, string?>.Empty), Ctx());
        Assert.Equal("main", s.Vpcs[vpc].Tags["Name"]);
        Assert.Equal("main", s.SecurityGroups[s.Vpcs[vpc].DefaultSecurityGroupId].Rules[0].Tags["Name"]);
        s = NetworkModel.Apply(s, new NetworkTags([vpc], NoTags, ImmutableDictionary<string, string?>.Empty.Add("Name", "other")), Ctx());
        Assert.Equal("main", s.Vpcs[vpc].Tags["Name"]);
        s = NetworkModel.Apply(s, new NetworkTags([vpc], NoTags, ImmutableDictionary<string, string?>.Empty.Add("Name", null)), Ctx());
        Assert.Empty(s.Vpcs[vpc].Tags);
        Assert.Equal(NetworkErrors.SubnetNotFound, Code(() => NetworkModel.Apply(s, new NetworkTags(["subnet-0000000000000000f"], NoTags, ImmutableDictionary<string, string?>.Empty), Ctx())));
        Assert.Equal(NetworkErrors.InvalidParameterValue, Code(() => NetworkModel.Apply(s, new NetworkTags([vpc], NoTags.Add("aws:x", "y"), ImmutableDictionary<string, string?>.Empty), Ctx())));
    }

    [Theory]
    [InlineData("10.0.0.0/16", "10.0.5.0/24", true)]
    [InlineData("10.0.0.0/24", "10.0.0.0/16", false)]
    [InlineData("0.0.0.0/0", "192.168.1.0/24", true)]
    public void Cidr_containment(string outer, string inner, bool contains) =>
        Assert.Equal(contains, Cidr.Parse(outer)!.Value.Contains(Cidr.Parse(inner)!.Value));

    [Fact]
    public void Cidrs_print_as_parsed() => Assert.Equal("172.31.16.0/20", Cidr.Parse("172.31.16.0/20")!.Value.ToString());

    [Theory]
    [InlineData("us-east-1", "use1")]
    [InlineData("eu-central-1", "euc1")]
    [InlineData("ap-northeast-1", "apne1")]
    [InlineData("us-west-2", "usw2")]
    public void B_ID_1_zone_ids_use_the_region_code(string region, string code) =>
        Assert.Equal(code + "-az1", Zones.Of(region, [region + "a"])[0].ZoneId);
}
