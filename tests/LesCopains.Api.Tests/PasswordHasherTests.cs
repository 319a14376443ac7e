using LesCopains.Api.Auth;

namespace LesCopains.Api.Tests;

/// <summary>
/// The hasher against Argon2id's reference implementation: the encoded strings below were made by
/// its command-line tool (<c>echo -n 'correct horse battery' | argon2 SALT -id -t T -k M -p 1 -l 32 -e</c>),
/// so they also stand for every hash stored before the implementation changed.
/// </summary>
public sealed class PasswordHasherTests
{
    private const string Password = "correct horse battery";

    /// <summary>OWASP's parameters, the ones the hasher writes; salt "sixteen byte slt".</summary>
    private const string ReferenceOwasp = "$argon2id$v=19$m=19456,t=2,p=1$c2l4dGVlbiBieXRlIHNsdA$lXK37CikBCKU8CFfdBQXCZmUIwoeIZ+ijs+ixUN8jyY";

    /// <summary>Other parameters, read from the string: 8 MiB, 3 passes; salt "0123456789abcdef".</summary>
    private const string ReferenceOther = "$argon2id$v=19$m=8192,t=3,p=1$MDEyMzQ1Njc4OWFiY2RlZg$hFYHrwcoBHxAfZDoX/p+PKGbBZL9eCwhXvxYs6X//pw";

    private readonly PasswordHasher hasher = new();

    [Theory]
    [InlineData(ReferenceOwasp)]
    [InlineData(ReferenceOther)]
    public async Task Hashes_of_the_reference_implementation_verify_with_the_right_password_only(string encoded)
    {
        Assert.True(await hasher.VerifyAsync(Password, encoded));
        Assert.False(await hasher.VerifyAsync(Password + " ", encoded));
        Assert.False(await hasher.VerifyAsync("Correct horse battery", encoded));
    }

    [Fact]
    public async Task A_new_hash_uses_owasp_parameters_a_fresh_salt_and_verifies()
    {
        var a = await hasher.HashAsync(Password);
        var b = await hasher.HashAsync(Password);

        Assert.StartsWith("$argon2id$v=19$m=19456,t=2,p=1$", a, StringComparison.Ordinal);
        Assert.NotEqual(a.Split('$')[4], b.Split('$')[4]);
        Assert.True(await hasher.VerifyAsync(Password, a));
        Assert.True(await hasher.VerifyAsync(Password, b));
        Assert.False(await hasher.VerifyAsync("wrong password", a));
    }

    [Fact]
    public async Task A_tampered_hash_or_salt_does_not_verify()
    {
        var parts = ReferenceOwasp.Split('$');
        var otherHash = string.Join('$', parts[..5]) + "$" + "A" + parts[5][1..];
        var otherSalt = string.Join('$', parts[..4]) + "$c2l4dGVlbiBieXRlIHNsdQ$" + parts[5];

        Assert.False(await hasher.VerifyAsync(Password, otherHash));
        Assert.False(await hasher.VerifyAsync(Password, otherSalt));
    }

    [Theory]
    [InlineData("$argon2id$v=19$m=19456,t=2,p=2$c2l4dGVlbiBieXRlIHNsdA$lXK37CikBCKU8CFfdBQXCZmUIwoeIZ+ijs+ixUN8jyY")] // two lanes
    [InlineData("$argon2id$v=19$m=19456,t=2,p=1$c2hvcnQ$lXK37CikBCKU8CFfdBQXCZmUIwoeIZ+ijs+ixUN8jyY")] // 5-byte salt
    [InlineData("$argon2i$v=19$m=19456,t=2,p=1$c2l4dGVlbiBieXRlIHNsdA$lXK37CikBCKU8CFfdBQXCZmUIwoeIZ+ijs+ixUN8jyY")] // another variant
    [InlineData("not a hash")]
    public async Task A_hash_it_cannot_compute_is_refused_not_thrown(string encoded)
    {
        Assert.False(await hasher.VerifyAsync(Password, encoded));
    }

    [Fact]
    public async Task An_unknown_account_never_verifies()
    {
        Assert.False(await hasher.VerifyAsync(Password, null));
        Assert.False(await hasher.VerifyAsync("not a password", null));
    }
}
