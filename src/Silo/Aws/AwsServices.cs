namespace Emulator.Silo.Aws;

/// <summary>How each emulated AWS service is addressed on the wire (B-W-1..3).</summary>
public static class AwsServices
{
    public const string Ecs = "ecs";
    public const string AutoScaling = "autoscaling";
    public const string Ec2 = "ec2";
    public const string CloudWatch = "cloudwatch";
    public const string ApplicationAutoScaling = "application-autoscaling";
    public const string Elbv2 = "elasticloadbalancing";
    public const string CloudFormation = "cloudformation";
    public const string Iam = "iam";
    public const string Sts = "sts";
    public const string Logs = "logs";
    public const string Ssm = "ssm";

    /// <summary>X-Amz-Target prefixes of the JSON protocol services.</summary>
    public static readonly IReadOnlyDictionary<string, string> JsonTargets = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["AmazonEC2ContainerServiceV20141113"] = Ecs,
        ["AnyScaleFrontendService"] = ApplicationAutoScaling,
        ["GraniteServiceVersion20100801"] = CloudWatch,
        ["Logs_20140328"] = Logs,
        ["AmazonSSM"] = Ssm,
    };

    /// <summary>
    /// JSON services that are awsQueryCompatible: their JSON errors also carry <c>x-amzn-query-error: Code;Fault</c>
    /// (the AWS SDK for JavaScript v3 sends CloudWatch over JSON 1.0 and needs the header).
    /// </summary>
    public static readonly IReadOnlySet<string> QueryCompatibleJson = new HashSet<string>(StringComparer.Ordinal) { CloudWatch };

    /// <summary>Query protocol Version values.</summary>
    public static readonly IReadOnlyDictionary<string, string> QueryVersions = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["2011-01-01"] = AutoScaling,
        ["2016-11-15"] = Ec2,
        ["2010-08-01"] = CloudWatch,
        ["2015-12-01"] = Elbv2,
        ["2010-05-15"] = CloudFormation,
        ["2010-05-08"] = Iam,
        ["2011-06-15"] = Sts,
    };

    /// <summary>XML namespaces of query protocol responses.</summary>
    public static readonly IReadOnlyDictionary<string, string> XmlNamespaces = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        [AutoScaling] = "http://autoscaling.amazonaws.com/doc/2011-01-01/",
        [Ec2] = "http://ec2.amazonaws.com/doc/2016-11-15/",
        [CloudWatch] = "http://monitoring.amazonaws.com/doc/2010-08-01/",
        [Elbv2] = "http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/",
        [CloudFormation] = "http://cloudformation.amazonaws.com/doc/2010-05-15/",
        [Iam] = "https://iam.amazonaws.com/doc/2010-05-08/",
        [Sts] = "https://sts.amazonaws.com/doc/2011-06-15/",
    };
}
