using System.Text;
using LesCopains.Api;
using LesCopains.Api.Auth;
using LesCopains.Grains;
using LesCopains.Hosting.Configuration;
using Microsoft.Extensions.Configuration;

namespace LesCopains.Cluster.Tests;

/// <summary>The codes, the sealing and the tickets of two-factor authentication, without a server.</summary>
public sealed class TwoFactorTests
{
    private sealed class FixedTime(DateTimeOffset now) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = now;

        public override DateTimeOffset GetUtcNow() => Now;
    }

    private static ApiSettings Settings(string? mfaKey = null, string jwt = "a jwt secret of more than thirty-two bytes")
    {
        var values = new Dictionary<string, string?>
        {
            ["DATABASE_URL"] = "postgresql://u:p@127.0.0.1:5432/db",
            ["REDIS_URL"] = "redis://127.0.0.1:6379",
            ["JWT_SECRET"] = jwt,
            ["MFA_SECRET_KEY"] = mfaKey,
        };
        return ApiSettings.Load(new Settings(new ConfigurationBuilder().AddInMemoryCollection(values).Build()));
    }

    // RFC 6238 appendix B, SHA-1 (the 8-digit codes' last six digits).
    [Theory]
    [InlineData(59L, "287082")]
    [InlineData(1111111109L, "081804")]
    [InlineData(1234567890L, "005924")]
    [InlineData(2000000000L, "279037")]
    public void Codes_are_those_of_RFC_6238(long unixSeconds, string code)
    {
        var secret = Encoding.ASCII.GetBytes("12345678901234567890");
        var twoFactor = new TwoFactor(Settings(), new FixedTime(DateTimeOffset.FromUnixTimeSeconds(unixSeconds)));

        Assert.Equal(unixSeconds / 30, twoFactor.MatchStep(secret, code));
        Assert.Equal(unixSeconds / 30, twoFactor.MatchStep(secret, code[..3] + " " + code[3..]));
        Assert.Null(twoFactor.MatchStep(secret, code[..5] + (code[5] == '9' ? '0' : (char)(code[5] + 1))));
    }

    [Fact]
    public void A_code_is_accepted_one_step_early_or_late_and_not_two()
    {
        var secret = Encoding.ASCII.GetBytes("12345678901234567890");
        var time = new FixedTime(DateTimeOffset.FromUnixTimeSeconds(1111111109));
        var twoFactor = new TwoFactor(Settings(), time);

        time.Now = DateTimeOffset.FromUnixTimeSeconds(1111111109 + 30);
        Assert.Equal(1111111109L / 30, twoFactor.MatchStep(secret, "081804"));
        time.Now = DateTimeOffset.FromUnixTimeSeconds(1111111109 - 30);
        Assert.Equal(1111111109L / 30, twoFactor.MatchStep(secret, "081804"));
        time.Now = DateTimeOffset.FromUnixTimeSeconds(1111111109 + 65);
        Assert.Null(twoFactor.MatchStep(secret, "081804"));
    }

    [Theory]
    [InlineData("JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP", 20)]
    [InlineData("jbsw y3dp ehpk 3pxp jbsw y3dp ehpk 3pxp", 20)]
    [InlineData("JBSWY3DPEHPK3PXPJBSWY3DPEE======", 16)]
    public void Secrets_are_read_as_authenticator_apps_show_them(string base32, int length) =>
        Assert.Equal(length, TwoFactor.ParseSecret(base32)!.Length);

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("JBSWY3DPEHPK3PXP")] // 10 bytes: too weak
    [InlineData("JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PX1")] // 1 is not base32
    public void Weak_or_malformed_secrets_are_refused(string? base32) => Assert.Null(TwoFactor.ParseSecret(base32));

    [Fact]
    public void Backup_codes_are_ten_distinct_one_use_codes_stored_only_hashed()
    {
        var (codes, hashes) = TwoFactor.NewBackupCodes();

        Assert.Equal(10, codes.Distinct().Count());
        Assert.All(codes, c => Assert.Matches("^[a-z2-9]{4}-[a-z2-9]{4}$", c));
        for (var i = 0; i < codes.Count; i++)
        {
            Assert.Equal(hashes[i], TwoFactor.HashBackupCode(TwoFactor.NormalizeBackupCode(codes[i].ToUpperInvariant().Replace("-", " ", StringComparison.Ordinal))!));
        }

        Assert.Null(TwoFactor.NormalizeBackupCode("abcd-efg0")); // 0 is not in the alphabet
        Assert.Null(TwoFactor.NormalizeBackupCode("123456"));
    }

    [Fact]
    public void A_sealed_secret_opens_only_for_its_account_and_under_its_key()
    {
        var secret = TwoFactor.ParseSecret("JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP")!;
        var user = Guid.NewGuid();
        var twoFactor = new TwoFactor(Settings(mfaKey: new string('k', 40)), TimeProvider.System);

        var sealedBytes = twoFactor.Seal(user, secret);

        Assert.Equal(secret, twoFactor.Unseal(user, sealedBytes));
        Assert.DoesNotContain(Convert.ToHexString(secret), Convert.ToHexString(sealedBytes), StringComparison.Ordinal);
        Assert.NotEqual(sealedBytes, twoFactor.Seal(user, secret)); // a fresh nonce each time
        Assert.Equal(ErrorCodes.InvalidMfaCode, Assert.Throws<DomainException>(() => twoFactor.Unseal(Guid.NewGuid(), sealedBytes)).Code);
        var otherKey = new TwoFactor(Settings(mfaKey: new string('x', 40)), TimeProvider.System);
        Assert.Equal(ErrorCodes.InvalidMfaCode, Assert.Throws<DomainException>(() => otherKey.Unseal(user, sealedBytes)).Code);

        // Without MFA_SECRET_KEY the key comes from JWT_SECRET, and is not the same key.
        var fromJwt = new TwoFactor(Settings(), TimeProvider.System);
        Assert.Equal(secret, fromJwt.Unseal(user, fromJwt.Seal(user, secret)));
        Assert.Throws<DomainException>(() => fromJwt.Unseal(user, sealedBytes));
    }

    [Fact]
    public void A_short_MFA_SECRET_KEY_is_refused_at_start()
    {
        var error = Assert.Throws<ConfigurationException>(() => Settings(mfaKey: "short"));
        Assert.Equal("MFA_SECRET_KEY", error.Variable);
    }

    [Fact]
    public async Task A_ticket_names_its_user_for_five_minutes_and_is_not_an_access_token()
    {
        var time = new FixedTime(DateTimeOffset.UtcNow);
        var settings = Settings();
        var twoFactor = new TwoFactor(settings, time);
        var user = Guid.NewGuid();

        var ticket = twoFactor.CreateTicket(user);

        Assert.Equal(user, await twoFactor.ReadTicketAsync(ticket));
        var tokens = new TokenService(settings, time);
        Assert.False((await tokens.ValidateAsync(ticket)).IsValid);
        var (access, _) = tokens.CreateAccessToken(user, Guid.NewGuid(), "someone");
        Assert.Equal(ErrorCodes.InvalidMfaTicket, (await Assert.ThrowsAsync<DomainException>(() => twoFactor.ReadTicketAsync(access))).Code);
        Assert.Equal(ErrorCodes.InvalidMfaTicket, (await Assert.ThrowsAsync<DomainException>(() => twoFactor.ReadTicketAsync(ticket[..^2] + "xx"))).Code);

        time.Now += TimeSpan.FromMinutes(5).Add(TimeSpan.FromSeconds(1));
        Assert.Equal(ErrorCodes.InvalidMfaTicket, (await Assert.ThrowsAsync<DomainException>(() => twoFactor.ReadTicketAsync(ticket))).Code);
    }
}
