using Emulator.Model.Lifecycle;

namespace Emulator.Tests.Model.Lifecycle;

/// <summary>Client-token idempotency rules (AWS "Ensuring idempotency"): lengths, characters, replay, conflict, 24 h life.</summary>
public sealed class ClientTokensTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData("abc", 64, true)]
    [InlineData("", 64, false)]
    [InlineData("with space", 64, false)]
    [InlineData("tab\t", 64, false)]
    [InlineData("ünïcode", 64, false)]
    [InlineData("!~", 64, true)]
    public void Token_characters_and_length(string token, int max, bool valid) =>
        Assert.Equal(valid, ClientTokens.Validate(token, max) is null);

    [Fact]
    public void RunTask_allows_64_and_CreateService_36_characters()
    {
        Assert.Null(ClientTokens.Validate(new string('a', 64), ClientTokens.RunTaskMaxLength));
        Assert.NotNull(ClientTokens.Validate(new string('a', 65), ClientTokens.RunTaskMaxLength));
        Assert.Null(ClientTokens.Validate(new string('a', 36), ClientTokens.CreateServiceMaxLength));
        Assert.NotNull(ClientTokens.Validate(new string('a', 37), ClientTokens.CreateServiceMaxLength));
    }

    [Fact]
    public void Same_fingerprint_replays_a_different_one_conflicts_until_the_token_expires()
    {
        var ttl = ClientTokens.RunTaskTimeToLive;
        Assert.Equal(ClientTokenOutcome.New, ClientTokens.Check(null, null, "f1", T0, ttl));
        Assert.Equal(ClientTokenOutcome.Replay, ClientTokens.Check("f1", T0, "f1", T0.AddHours(23.9), ttl));
        Assert.Equal(ClientTokenOutcome.Conflict, ClientTokens.Check("f1", T0, "f2", T0.AddHours(23.9), ttl));
        Assert.Equal(ClientTokenOutcome.New, ClientTokens.Check("f1", T0, "f1", T0.AddHours(24), ttl));
        Assert.Equal(ClientTokenOutcome.New, ClientTokens.Check("f1", T0, "f2", T0.AddHours(24), ttl));
        Assert.Equal(TimeSpan.FromHours(24), ttl);
    }
}
