using System.Collections.Immutable;
using System.Globalization;

namespace Emulator.Model.Deployments;

/// <summary>The lifecycle stages of a BLUE_GREEN, LINEAR or CANARY service deployment, in order (B-DP-6).</summary>
public enum LifecycleStage
{
    RECONCILE_SERVICE,
    PRE_SCALE_UP,
    SCALE_UP,
    POST_SCALE_UP,
    TEST_TRAFFIC_SHIFT,
    POST_TEST_TRAFFIC_SHIFT,
    PRODUCTION_TRAFFIC_SHIFT,
    POST_PRODUCTION_TRAFFIC_SHIFT,
    BAKE_TIME,
    CLEAN_UP,
}

/// <summary>
/// Where a lifecycle hook runs (B-DP-7): the stages above but SCALE_UP, BAKE_TIME and CLEAN_UP, plus
/// PRE_PRODUCTION_TRAFFIC_SHIFT, which is no stage of its own: it runs before every production traffic step.
/// </summary>
public enum HookStage
{
    RECONCILE_SERVICE,
    PRE_SCALE_UP,
    POST_SCALE_UP,
    TEST_TRAFFIC_SHIFT,
    POST_TEST_TRAFFIC_SHIFT,
    PRE_PRODUCTION_TRAFFIC_SHIFT,
    PRODUCTION_TRAFFIC_SHIFT,
    POST_PRODUCTION_TRAFFIC_SHIFT,
}

/// <summary>The traffic-shifting strategies of B-DP-6 (ROLLING is the rolling update of B-DP-1, not shifted here).</summary>
public enum ShiftKind
{
    BLUE_GREEN,
    LINEAR,
    CANARY,
}

/// <summary>
/// How production traffic moves to the green revision (B-DP-6): all at once (BLUE_GREEN), <see cref="StepPercent"/> more
/// every <see cref="StepBake"/> (LINEAR), or <see cref="CanaryPercent"/> then the rest after <see cref="CanaryBake"/>
/// (CANARY); then <see cref="BakeTime"/> with both colours up before CLEAN_UP.
/// </summary>
public sealed record ShiftStrategy(ShiftKind Kind, double StepPercent, TimeSpan StepBake, double CanaryPercent, TimeSpan CanaryBake, TimeSpan BakeTime)
{
    /// <summary>AWS's defaults: LINEAR 10 % every 6 minutes, CANARY 5 % for 10 minutes, bake time 0.</summary>
    public static ShiftStrategy Of(ShiftKind kind, double? stepPercent = null, int? stepBakeMinutes = null, double? canaryPercent = null,
        int? canaryBakeMinutes = null, int? bakeTimeMinutes = null) =>
        new(kind, stepPercent ?? 10, TimeSpan.FromMinutes(stepBakeMinutes ?? 6), canaryPercent ?? 5, TimeSpan.FromMinutes(canaryBakeMinutes ?? 10),
            TimeSpan.FromMinutes(bakeTimeMinutes ?? 0));
}

/// <summary>One production traffic step: from <see cref="Offset"/> after PRODUCTION_TRAFFIC_SHIFT began, green serves <see cref="GreenPercent"/>.</summary>
public readonly record struct ShiftStep(TimeSpan Offset, double GreenPercent);

/// <summary>
/// The pure arithmetic of B-DP-6: the production traffic steps of a strategy, the green share at an instant, how long
/// the shift lasts, the seed's CodeDeploy configurations as named presets, and AWS's validation of the settings.
/// </summary>
public static class TrafficShifting
{
    public const double MinStepPercent = 3;
    public const double MinCanaryPercent = 0.1;
    public const int MaxBakeMinutes = 1440;

    /// <summary>
    /// The steps of the production traffic shift. BLUE_GREEN: 100 % at once. LINEAR: step k (k = 1, 2, …) at (k - 1) x
    /// stepBake with min(100, k x stepPercent) %, the last step reaching 100 % (33 % gives 33, 66, 99, 100). CANARY:
    /// canaryPercent at once, 100 % after canaryBake.
    /// </summary>
    public static ImmutableArray<ShiftStep> Steps(ShiftStrategy strategy)
    {
        ArgumentNullException.ThrowIfNull(strategy);
        switch (strategy.Kind)
        {
            case ShiftKind.LINEAR:
                var steps = ImmutableArray.CreateBuilder<ShiftStep>();
                var percent = 0.0;
                for (var k = 1; percent < 100; k++)
                {
                    // Multiples of the step, rounded to 0.1 % (AWS takes steps as multiples of 0.1): 3 x 33 is 99, not 99.00000001.
                    percent = Math.Min(100, Math.Round(k * strategy.StepPercent, 1));
                    steps.Add(new ShiftStep((k - 1) * strategy.StepBake, percent));
                }

                return steps.ToImmutable();
            case ShiftKind.CANARY:
                return strategy.CanaryPercent >= 100
                    ? [new ShiftStep(TimeSpan.Zero, 100)]
                    : [new ShiftStep(TimeSpan.Zero, strategy.CanaryPercent), new ShiftStep(strategy.CanaryBake, 100)];
            default:
                return [new ShiftStep(TimeSpan.Zero, 100)];
        }
    }

    /// <summary>The green share of production traffic <paramref name="sinceShiftStart"/> after the shift began (0 before it).</summary>
    public static double GreenPercentAt(ShiftStrategy strategy, TimeSpan sinceShiftStart)
    {
        var green = 0.0;
        foreach (var step in Steps(strategy))
        {
            if (step.Offset <= sinceShiftStart)
            {
                green = step.GreenPercent;
            }
        }

        return sinceShiftStart < TimeSpan.Zero ? 0 : green;
    }

    /// <summary>How long PRODUCTION_TRAFFIC_SHIFT lasts without hooks: until its last step (LINEAR 10 % every minute: 9 minutes).</summary>
    public static TimeSpan ShiftDuration(ShiftStrategy strategy) => Steps(strategy)[^1].Offset;

    /// <summary>
    /// The shortest time from the end of POST_TEST_TRAFFIC_SHIFT to CLEAN_UP (no hook waiting): the production shift
    /// plus the bake time with both colours up.
    /// </summary>
    public static TimeSpan ShiftAndBake(ShiftStrategy strategy) => ShiftDuration(strategy) + strategy.BakeTime;

    /// <summary>
    /// The seed's CodeDeploy deployment configurations (B-DP-6) on the native strategies: ECSAllAtOnce = BLUE_GREEN,
    /// ECSLinear10PercentEvery1Minutes / 3Minutes = LINEAR 10 % every 1 / 3 minutes, ECSCanary10Percent5Minutes /
    /// 15Minutes = CANARY 10 % for 5 / 15 minutes. Null for any other name.
    /// </summary>
    public static ShiftStrategy? Preset(string codeDeployConfiguration, int bakeTimeMinutes = 0) => codeDeployConfiguration switch
    {
        "CodeDeployDefault.ECSAllAtOnce" or "ECSAllAtOnce" => ShiftStrategy.Of(ShiftKind.BLUE_GREEN, bakeTimeMinutes: bakeTimeMinutes),
        "CodeDeployDefault.ECSLinear10PercentEvery1Minutes" or "ECSLinear10PercentEvery1Minutes" =>
            ShiftStrategy.Of(ShiftKind.LINEAR, 10, 1, bakeTimeMinutes: bakeTimeMinutes),
        "CodeDeployDefault.ECSLinear10PercentEvery3Minutes" or "ECSLinear10PercentEvery3Minutes" =>
            ShiftStrategy.Of(ShiftKind.LINEAR, 10, 3, bakeTimeMinutes: bakeTimeMinutes),
        "CodeDeployDefault.ECSCanary10Percent5Minutes" or "ECSCanary10Percent5Minutes" =>
            ShiftStrategy.Of(ShiftKind.CANARY, canaryPercent: 10, canaryBakeMinutes: 5, bakeTimeMinutes: bakeTimeMinutes),
        "CodeDeployDefault.ECSCanary10Percent15Minutes" or "ECSCanary10Percent15Minutes" =>
            ShiftStrategy.Of(ShiftKind.CANARY, canaryPercent: 10, canaryBakeMinutes: 15, bakeTimeMinutes: bakeTimeMinutes),
        _ => null,
    };

    /// <summary>
    /// B-DP-6 validation of a deployment configuration, AWS's constraints: stepPercent a multiple of 0.1 in [3, 100],
    /// canaryPercent a multiple of 0.1 in [0.1, 100], bake times 0..1440 minutes. Null when valid.
    /// </summary>
    public static string? Validate(double? stepPercent, int? stepBakeMinutes, double? canaryPercent, int? canaryBakeMinutes, int? bakeTimeMinutes)
    {
        if (stepPercent is { } step && (step < MinStepPercent || step > 100 || !TenthMultiple(step)))
        {
            return string.Create(CultureInfo.InvariantCulture,
                $"Invalid linearConfiguration: stepPercent must be a multiple of 0.1 between {MinStepPercent:0.0} and 100.0, but was {step}.");
        }

        if (canaryPercent is { } canary && (canary < MinCanaryPercent || canary > 100 || !TenthMultiple(canary)))
        {
            return string.Create(CultureInfo.InvariantCulture,
                $"Invalid canaryConfiguration: canaryPercent must be a multiple of 0.1 between {MinCanaryPercent:0.0} and 100.0, but was {canary}.");
        }

        foreach (var (name, minutes) in new[] { ("linearConfiguration.stepBakeTimeInMinutes", stepBakeMinutes), ("canaryConfiguration.canaryBakeTimeInMinutes", canaryBakeMinutes), ("bakeTimeInMinutes", bakeTimeMinutes) })
        {
            if (minutes is < 0 or > MaxBakeMinutes)
            {
                return string.Create(CultureInfo.InvariantCulture, $"Invalid {name}: must be between 0 and {MaxBakeMinutes} minutes, but was {minutes}.");
            }
        }

        return null;
    }

    /// <summary>
    /// B-DP-6: a BLUE_GREEN, LINEAR or CANARY deployment needs, on every load balancer of the service, an alternate target
    /// group and a production listener rule (the test listener rule is optional). Null when valid.
    /// </summary>
    public static string? ValidateLoadBalancers(ShiftKind kind, IReadOnlyList<(string TargetGroupArn, string? Alternate, string? ProductionRule)> loadBalancers)
    {
        ArgumentNullException.ThrowIfNull(loadBalancers);
        if (loadBalancers.Count == 0)
        {
            return $"The {kind} deployment strategy requires a load balancer with advancedConfiguration (alternateTargetGroupArn and productionListenerRule).";
        }

        foreach (var lb in loadBalancers)
        {
            if (string.IsNullOrEmpty(lb.Alternate) || string.IsNullOrEmpty(lb.ProductionRule))
            {
                return $"The {kind} deployment strategy requires advancedConfiguration with alternateTargetGroupArn and productionListenerRule for load balancer target group {lb.TargetGroupArn}.";
            }

            if (lb.Alternate == lb.TargetGroupArn)
            {
                return $"advancedConfiguration.alternateTargetGroupArn must differ from the targetGroupArn {lb.TargetGroupArn}.";
            }
        }

        return null;
    }

    private static bool TenthMultiple(double v) => Math.Abs((v * 10) - Math.Round(v * 10)) < 1e-9;
}
