using System.Security.Cryptography;
using System.Text;
using NSec.Cryptography;

namespace LesCopains.Api.Auth;

/// <summary>
/// Argon2id with OWASP's parameters (19 MiB, 2 passes, 1 lane), in the PHC string format
/// <c>$argon2id$v=19$m=19456,t=2,p=1$salt$hash</c>, computed by libsodium (through NSec): native
/// code that takes ≈ 11 ms of CPU per hash here and its 19 MiB outside the managed heap. Hashing
/// runs in the Api (stateless, scales out) and is bounded to one hash per core so a burst of logins
/// cannot exhaust memory.
/// </summary>
public sealed class PasswordHasher
{
    private const int MemoryKiB = 19456;
    private const int Iterations = 2;
    private const int Parallelism = 1;
    private const int SaltBytes = 16;
    private const int HashBytes = 32;

    private readonly SemaphoreSlim gate = new(Math.Max(1, Environment.ProcessorCount));
    private readonly Lazy<string> dummyHash;

    public PasswordHasher()
    {
        dummyHash = new Lazy<string>(() => Encode(RandomNumberGenerator.GetBytes(SaltBytes), Compute("not a password"u8.ToArray(), new byte[SaltBytes], MemoryKiB, Iterations, Parallelism), MemoryKiB, Iterations, Parallelism));
    }

    public async Task<string> HashAsync(string password)
    {
        var salt = RandomNumberGenerator.GetBytes(SaltBytes);
        var hash = await RunAsync(() => Compute(Encoding.UTF8.GetBytes(password), salt, MemoryKiB, Iterations, Parallelism));
        return Encode(salt, hash, MemoryKiB, Iterations, Parallelism);
    }

    /// <summary>Verifies against <paramref name="encoded"/>; with <c>null</c> it still spends the same time (no user enumeration).</summary>
    public async Task<bool> VerifyAsync(string password, string? encoded)
    {
        var target = encoded ?? (dummyHash.IsValueCreated ? dummyHash.Value : await Task.Run(() => dummyHash.Value));
        var parts = target.Split('$');
        if (parts.Length != 6 || parts[1] != "argon2id")
        {
            return false;
        }

        int m = 0, t = 0, p = 0;
        foreach (var kv in parts[3].Split(','))
        {
            var pair = kv.Split('=');
            var value = int.Parse(pair[1], System.Globalization.CultureInfo.InvariantCulture);
            switch (pair[0])
            {
                case "m": m = value; break;
                case "t": t = value; break;
                case "p": p = value; break;
            }
        }

        var salt = FromB64(parts[4]);
        var expected = FromB64(parts[5]);
        if (!Supported(m, t, p, salt.Length, expected.Length))
        {
            return false;
        }

        var actual = await RunAsync(() => Compute(Encoding.UTF8.GetBytes(password), salt, m, t, p, expected.Length));
        return CryptographicOperations.FixedTimeEquals(actual, expected) && encoded is not null;
    }

    /// <summary>Every hash runs on the thread pool, never on the caller's thread (which may be an I/O thread, see <c>InlineIo</c>).</summary>
    private async Task<byte[]> RunAsync(Func<byte[]> work)
    {
        await gate.WaitAsync();
        try
        {
            return await Task.Run(work);
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>What libsodium's Argon2id computes: one lane, a 16-byte salt, at least 8 KiB and one pass, a 16–64-byte hash.</summary>
    private static bool Supported(int memoryKiB, int iterations, int parallelism, int saltLength, int hashLength) =>
        parallelism == 1 && iterations >= 1 && memoryKiB >= 8 && saltLength == SaltBytes && hashLength is >= 16 and <= 64;

    private static byte[] Compute(byte[] password, byte[] salt, int memoryKiB, int iterations, int parallelism, int length = HashBytes)
    {
        var argon = PasswordBasedKeyDerivationAlgorithm.Argon2id(new Argon2Parameters
        {
            DegreeOfParallelism = parallelism,
            MemorySize = memoryKiB,
            NumberOfPasses = iterations,
        });
        return argon.DeriveBytes(password, salt, length);
    }

    private static string Encode(byte[] salt, byte[] hash, int m, int t, int p) =>
        $"$argon2id$v=19$m={m},t={t},p={p}${ToB64(salt)}${ToB64(hash)}";

    private static string ToB64(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=');

    private static byte[] FromB64(string text) =>
        Convert.FromBase64String(text.PadRight(text.Length + ((4 - (text.Length % 4)) % 4), '='));
}
