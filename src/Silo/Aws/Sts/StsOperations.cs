using System.Xml.Linq;
using static Emulator.Silo.Aws.QueryXml;

namespace Emulator.Silo.Aws.Sts;

/// <summary>
/// AWS STS over the query protocol (Version 2011-06-15): who the caller is. Signatures are not checked, so every caller
/// is the account's root user (what Terraform's <c>aws_caller_identity</c> and the providers' account lookup read).
/// </summary>
public static class StsOperations
{
    [AwsOperation(AwsServices.Sts, "GetCallerIdentity")]
    public static Task<XElement> GetCallerIdentity(QueryInput input, AwsContext context) =>
        Task.FromResult(E("GetCallerIdentityResult",
            V("UserId", context.Account),
            V("Account", context.Account),
            V("Arn", $"arn:aws:iam::{context.Account}:root")));
}
