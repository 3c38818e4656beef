using System.Text.Json.Nodes;
using Emulator.Contracts;
using Emulator.Model.CloudFormation;
using Emulator.Silo.Aws;

namespace Emulator.Silo.CloudFormation;

/// <summary>
/// AWS::ApplicationAutoScaling::ScalableTarget: RegisterScalableTarget (again for capacity and suspension changes, as
/// the API updates a registered target), DeregisterScalableTarget. Its physical id is CloudFormation's
/// <c>ResourceId|ScalableDimension|ServiceNamespace</c>, which a scaling policy's ScalingTargetId names.
/// </summary>
internal sealed class ScalableTargetHandler : ResourceHandler
{
    public override IReadOnlyList<string> Types => ["AWS::ApplicationAutoScaling::ScalableTarget"];

    public override async Task<ResourceOutcome> Create(HandlerContext c)
    {
        if (c.Properties["ScheduledActions"] is JsonArray { Count: > 0 })
        {
            return ResourceOutcome.Failed("ScheduledActions of AWS::ApplicationAutoScaling::ScalableTarget are not supported by this emulator's CloudFormation: use aws application-autoscaling put-scheduled-action");
        }

        await Register(c);
        var id = $"{CfnProperties.Text(c.Properties, "ResourceId")}|{CfnProperties.Text(c.Properties, "ScalableDimension")}|{CfnProperties.Text(c.Properties, "ServiceNamespace")}";
        return ResourceOutcome.Done(id, Attributes(("Id", id)));
    }

    public override async Task<ResourceOutcome> Update(HandlerContext c)
    {
        if (c.Changed.Any(p => p is not ("MinCapacity" or "MaxCapacity" or "SuspendedState" or "RoleARN")))
        {
            return await base.Update(c);
        }

        await Register(c);
        return ResourceOutcome.Done(c.PhysicalId, c.Call.Attributes);
    }

    public override async Task<ResourceOutcome> Delete(HandlerContext c)
    {
        var parts = c.PhysicalId.Split('|');
        await c.Aws.Json(AwsServices.ApplicationAutoScaling, "DeregisterScalableTarget", new JsonObject
        {
            ["ResourceId"] = parts[0], ["ScalableDimension"] = parts[1], ["ServiceNamespace"] = parts[2],
        });
        return ResourceOutcome.Done(c.PhysicalId);
    }

    private static Task<JsonObject> Register(HandlerContext c)
    {
        var body = (JsonObject)c.Properties.DeepClone();
        body.Remove("ScheduledActions");
        foreach (var n in new[] { "MinCapacity", "MaxCapacity" })
        {
            CfnProperties.Number(body, n);
        }

        if (body["SuspendedState"] is JsonObject suspended)
        {
            foreach (var b in new[] { "DynamicScalingInSuspended", "DynamicScalingOutSuspended", "ScheduledScalingSuspended" })
            {
                CfnProperties.Boolean(suspended, b);
            }
        }

        return c.Aws.Json(AwsServices.ApplicationAutoScaling, "RegisterScalableTarget", body);
    }
}

/// <summary>
/// AWS::ApplicationAutoScaling::ScalingPolicy: PutScalingPolicy (target tracking or step scaling, on the target named
/// by ScalingTargetId or by its three keys), again for configuration changes, DeleteScalingPolicy. Ref is its ARN.
/// </summary>
internal sealed class ScalingPolicyHandler : ResourceHandler
{
    public override IReadOnlyList<string> Types => ["AWS::ApplicationAutoScaling::ScalingPolicy"];

    public override async Task<ResourceOutcome> Create(HandlerContext c)
    {
        var result = await Put(c);
        var arn = result["PolicyARN"]?.GetValue<string>() ?? throw new EcsException(ErrorCodes.ServerException, "PutScalingPolicy returned no ARN");
        return ResourceOutcome.Done(arn, Attributes(("Arn", arn)));
    }

    public override async Task<ResourceOutcome> Update(HandlerContext c)
    {
        if (c.Changed.Any(p => p is not ("PolicyType" or "TargetTrackingScalingPolicyConfiguration" or "StepScalingPolicyConfiguration")))
        {
            return await base.Update(c);
        }

        await Put(c);
        return ResourceOutcome.Done(c.PhysicalId, c.Call.Attributes);
    }

    public override async Task<ResourceOutcome> Delete(HandlerContext c)
    {
        var body = Keys(c.Properties);
        body["PolicyName"] = CfnProperties.Text(c.Properties, "PolicyName");
        await c.Aws.Json(AwsServices.ApplicationAutoScaling, "DeleteScalingPolicy", body);
        return ResourceOutcome.Done(c.PhysicalId);
    }

    private static JsonObject Keys(JsonObject properties)
    {
        if (CfnProperties.Text(properties, "ScalingTargetId") is { } target)
        {
            var parts = target.Split('|');
            if (parts.Length != 3)
            {
                throw new EcsException(ErrorCodes.ValidationError, $"ScalingTargetId {target} is not the Ref of an AWS::ApplicationAutoScaling::ScalableTarget");
            }

            return new JsonObject { ["ResourceId"] = parts[0], ["ScalableDimension"] = parts[1], ["ServiceNamespace"] = parts[2] };
        }

        return new JsonObject
        {
            ["ResourceId"] = CfnProperties.Text(properties, "ResourceId"),
            ["ScalableDimension"] = CfnProperties.Text(properties, "ScalableDimension"),
            ["ServiceNamespace"] = CfnProperties.Text(properties, "ServiceNamespace"),
        };
    }

    private static Task<JsonObject> Put(HandlerContext c)
    {
        var body = Keys(c.Properties);
        body["PolicyName"] = CfnProperties.Text(c.Properties, "PolicyName") ?? c.GeneratedName(256);
        body["PolicyType"] = CfnProperties.Text(c.Properties, "PolicyType") ?? "StepScaling";
        foreach (var configuration in new[] { "TargetTrackingScalingPolicyConfiguration", "StepScalingPolicyConfiguration" })
        {
            if (c.Properties[configuration] is JsonObject o)
            {
                var copy = (JsonObject)o.DeepClone();
                Numbers(copy);
                body[configuration] = copy;
            }
        }

        return c.Aws.Json(AwsServices.ApplicationAutoScaling, "PutScalingPolicy", body);
    }

    /// <summary>Templates write numbers as strings ("70"); the JSON API takes numbers and booleans.</summary>
    private static void Numbers(JsonNode? node)
    {
        switch (node)
        {
            case JsonObject o:
                foreach (var key in o.Select(kv => kv.Key).ToList())
                {
                    if (o[key] is JsonValue v && v.TryGetValue<string>(out var s) && key is not ("PredefinedMetricType" or "ResourceLabel" or "AdjustmentType" or "MetricAggregationType"
                        or "MetricName" or "Namespace" or "Statistic" or "Unit" or "Name" or "Value"))
                    {
                        if (double.TryParse(s, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var d))
                        {
                            o[key] = d % 1 == 0 && Math.Abs(d) < int.MaxValue ? (int)d : d;
                        }
                        else if (bool.TryParse(s, out var b))
                        {
                            o[key] = b;
                        }
                    }
                    else
                    {
                        Numbers(o[key]);
                    }
                }

                return;
            case JsonArray a:
                foreach (var item in a)
                {
                    Numbers(item);
                }

                return;
        }
    }
}

/// <summary>AWS::CloudWatch::Alarm: PutMetricAlarm (a generated name when none is given), again for any change, DeleteAlarms. Ref is its name.</summary>
internal sealed class AlarmHandler : ResourceHandler
{
    public override IReadOnlyList<string> Types => ["AWS::CloudWatch::Alarm"];

    public override async Task<ResourceOutcome> Create(HandlerContext c)
    {
        var name = c.NameOr("AlarmName", 255);
        await Put(c, name);
        return ResourceOutcome.Done(name, Attributes(("Arn", $"arn:aws:cloudwatch:{c.Region}:{c.Account}:alarm:{name}")));
    }

    public override async Task<ResourceOutcome> Update(HandlerContext c)
    {
        await Put(c, c.PhysicalId);
        return ResourceOutcome.Done(c.PhysicalId, c.Call.Attributes);
    }

    public override async Task<ResourceOutcome> Delete(HandlerContext c)
    {
        await c.Aws.Query(AwsServices.CloudWatch, "DeleteAlarms", new Dictionary<string, string>(StringComparer.Ordinal) { ["AlarmNames.member.1"] = c.PhysicalId });
        return ResourceOutcome.Done(c.PhysicalId);
    }

    private static Task Put(HandlerContext c, string name)
    {
        var form = new Dictionary<string, string>(StringComparer.Ordinal);
        CfnProperties.Flatten(form, "", c.Properties);
        form["AlarmName"] = name;
        return c.Aws.Query(AwsServices.CloudWatch, "PutMetricAlarm", form);
    }
}
