namespace LesCopains.Grains.Dms;

/// <summary>Input limits and validation for direct messages and key material.</summary>
public static class DmRules
{
    public const int MaxDevices = 10;
    public const int MaxPreKeysPerUpload = 100;
    public const int MaxPreKeysPerDevice = 200;
    public const int RefillBelow = 20;
    public const int MaxGroupMembers = 25;
    public const int MaxNameLength = 100;
    public const int MaxEnvelopeBytes = 64 * 1024;
    public const int MaxEnvelopes = MaxGroupMembers * MaxDevices;
    public const int MaxClientMessageIdLength = 64;
    public const int MaxKyberKeyBytes = 4096;

    /// <summary>A serialized Curve25519 public key: 33 bytes, type byte 0x05.</summary>
    public static string CurveKey(string? raw, string field)
    {
        var bytes = Decode(raw, field, 33);
        if (bytes.Length != 33 || bytes[0] != 0x05)
        {
            throw Invalid(field, "must be a 33-byte Curve25519 public key (type byte 0x05), base64.");
        }

        return raw!;
    }

    /// <summary>An XEdDSA signature: 64 bytes.</summary>
    public static string Signature(string? raw, string field)
    {
        if (Decode(raw, field, 64).Length != 64)
        {
            throw Invalid(field, "must be a 64-byte signature, base64.");
        }

        return raw!;
    }

    public static string KyberKey(string? raw, string field)
    {
        if (Decode(raw, field, MaxKyberKeyBytes).Length == 0)
        {
            throw Invalid(field, "must be a non-empty base64 public key.");
        }

        return raw!;
    }

    public static int KeyId(int id, string field) =>
        id is < 0 or > 0xFFFFFF ? throw Invalid(field, "must be between 0 and 16777215.") : id;

    public static int RegistrationId(int id) =>
        id is < 1 or > 0x3FFF ? throw Invalid("registrationId", "must be between 1 and 16383.") : id;

    public static SignedPreKeyDto SignedPreKey(SignedPreKeyDto? key, string field) =>
        key is null
            ? throw Invalid(field, "is required.")
            : new(KeyId(key.KeyId, field + ".keyId"), CurveKey(key.PublicKey, field + ".publicKey"), Signature(key.Signature, field + ".signature"));

    public static KyberPreKeyDto KyberPreKey(KyberPreKeyDto key, string field) =>
        new(KeyId(key.KeyId, field + ".keyId"), KyberKey(key.PublicKey, field + ".publicKey"), Signature(key.Signature, field + ".signature"));

    public static string? Name(string? raw, string field)
    {
        var name = raw?.Trim();
        if (string.IsNullOrEmpty(name))
        {
            return null;
        }

        return name.Length > MaxNameLength ? throw Invalid(field, $"at most {MaxNameLength} characters.") : name;
    }

    /// <summary>Envelope bodies are opaque to the server: it only checks they are base64 of a bounded size.</summary>
    public static string Body(string? raw, string field)
    {
        if (Decode(raw, field, MaxEnvelopeBytes).Length == 0)
        {
            throw Invalid(field, "must be non-empty base64.");
        }

        return raw!;
    }

    public static DomainException Invalid(string field, string message) => new(ErrorCodes.ValidationFailed, $"{field}: {message}");

    private static byte[] Decode(string? raw, string field, int maxBytes)
    {
        if (string.IsNullOrEmpty(raw) || raw.Length > ((maxBytes + 2) / 3 * 4) + 4)
        {
            throw Invalid(field, $"must be base64 of at most {maxBytes} bytes.");
        }

        var buffer = new byte[(raw.Length / 4 * 3) + 3];
        if (!Convert.TryFromBase64String(raw, buffer, out var written) || written > maxBytes)
        {
            throw Invalid(field, $"must be base64 of at most {maxBytes} bytes.");
        }

        return buffer[..written];
    }
}
