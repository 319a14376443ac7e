using System.Buffers.Binary;
using System.Text.Unicode;

namespace LesCopains.Api.Uploads;

/// <summary>What a file really is, from its first bytes; the client's Content-Type is never trusted.</summary>
public sealed record SniffedType(string ContentType, bool IsImage, int? Width = null, int? Height = null);

/// <summary>
/// Magic-byte detection for the types the web client shows (PNG, JPEG, GIF, WebP, PDF, ZIP, MP4,
/// WebM), UTF-8 text as <c>text/plain</c> (so HTML or SVG is only ever text), everything else
/// <c>application/octet-stream</c>. Images also get their pixel size from their headers.
/// </summary>
public static class ContentSniffer
{
    /// <summary>How much of the start of a file <see cref="Sniff"/> wants (JPEG size markers may sit after EXIF data).</summary>
    public const int HeadLength = 256 * 1024;

    public const string OctetStream = "application/octet-stream";

    public static SniffedType Sniff(ReadOnlySpan<byte> head)
    {
        if (head.StartsWith((ReadOnlySpan<byte>)[0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]))
        {
            return Image("image/png", Png(head));
        }

        if (head.StartsWith((ReadOnlySpan<byte>)[0xFF, 0xD8, 0xFF]))
        {
            return Image("image/jpeg", Jpeg(head));
        }

        if (head.StartsWith("GIF87a"u8) || head.StartsWith("GIF89a"u8))
        {
            return Image("image/gif", head.Length >= 10 ? (BinaryPrimitives.ReadUInt16LittleEndian(head[6..]), BinaryPrimitives.ReadUInt16LittleEndian(head[8..])) : null);
        }

        if (head.Length >= 12 && head.StartsWith("RIFF"u8) && head[8..12].SequenceEqual("WEBP"u8))
        {
            return Image("image/webp", WebP(head));
        }

        if (head.StartsWith("%PDF-"u8))
        {
            return new SniffedType("application/pdf", false);
        }

        if (head.StartsWith("PK\x03\x04"u8) || head.StartsWith("PK\x05\x06"u8))
        {
            return new SniffedType("application/zip", false);
        }

        if (head.Length >= 12 && head[4..8].SequenceEqual("ftyp"u8))
        {
            return new SniffedType("video/mp4", false);
        }

        if (head.StartsWith((ReadOnlySpan<byte>)[0x1A, 0x45, 0xDF, 0xA3]))
        {
            return new SniffedType("video/webm", false);
        }

        return new SniffedType(IsText(head) ? "text/plain; charset=utf-8" : OctetStream, false);
    }

    private static SniffedType Image(string type, (int Width, int Height)? size) =>
        size is { Width: > 0, Height: > 0 } s ? new SniffedType(type, true, s.Width, s.Height) : new SniffedType(type, true);

    private static (int, int)? Png(ReadOnlySpan<byte> head) =>
        head.Length >= 24 && head[12..16].SequenceEqual("IHDR"u8)
            ? ((int)Math.Min(BinaryPrimitives.ReadUInt32BigEndian(head[16..]), int.MaxValue), (int)Math.Min(BinaryPrimitives.ReadUInt32BigEndian(head[20..]), int.MaxValue))
            : null;

    private static (int, int)? Jpeg(ReadOnlySpan<byte> head)
    {
        var at = 2;
        while (at + 4 <= head.Length)
        {
            if (head[at] != 0xFF)
            {
                return null;
            }

            var marker = head[at + 1];
            if (marker == 0xFF)
            {
                at++; // fill byte
                continue;
            }

            if (marker is 0xD8 or 0x01 or (>= 0xD0 and <= 0xD7))
            {
                at += 2; // markers without a length
                continue;
            }

            var length = BinaryPrimitives.ReadUInt16BigEndian(head[(at + 2)..]);
            // SOF0..SOF15 carry the frame size, except DHT (C4), JPG (C8) and DAC (CC).
            if (marker is >= 0xC0 and <= 0xCF and not 0xC4 and not 0xC8 and not 0xCC)
            {
                return at + 9 <= head.Length
                    ? (BinaryPrimitives.ReadUInt16BigEndian(head[(at + 7)..]), BinaryPrimitives.ReadUInt16BigEndian(head[(at + 5)..]))
                    : null;
            }

            if (marker == 0xDA || length < 2)
            {
                return null; // image data starts; no frame header before it
            }

            at += 2 + length;
        }

        return null;
    }

    private static (int, int)? WebP(ReadOnlySpan<byte> head)
    {
        if (head.Length < 30)
        {
            return null;
        }

        var chunk = head[12..16];
        if (chunk.SequenceEqual("VP8 "u8) && head[23] == 0x9D && head[24] == 0x01 && head[25] == 0x2A)
        {
            return (BinaryPrimitives.ReadUInt16LittleEndian(head[26..]) & 0x3FFF, BinaryPrimitives.ReadUInt16LittleEndian(head[28..]) & 0x3FFF);
        }

        if (chunk.SequenceEqual("VP8L"u8) && head[20] == 0x2F)
        {
            var bits = BinaryPrimitives.ReadUInt32LittleEndian(head[21..]);
            return ((int)(bits & 0x3FFF) + 1, (int)((bits >> 14) & 0x3FFF) + 1);
        }

        if (chunk.SequenceEqual("VP8X"u8))
        {
            return (1 + (head[24] | head[25] << 8 | head[26] << 16), 1 + (head[27] | head[28] << 8 | head[29] << 16));
        }

        return null;
    }

    /// <summary>UTF-8 without control characters other than tab, newlines and form feed (a character cut at the end of the sample is fine).</summary>
    private static bool IsText(ReadOnlySpan<byte> head)
    {
        var sample = head[..Math.Min(head.Length, 8192)];
        foreach (var b in sample)
        {
            if ((b < 0x20 && b is not (byte)'\t' and not (byte)'\n' and not (byte)'\r' and not 0x0C) || b == 0x7F)
            {
                return false;
            }
        }

        for (var cut = 0; cut < 4 && cut <= sample.Length; cut++)
        {
            if (Utf8.IsValid(sample[..(sample.Length - cut)]))
            {
                return true;
            }
        }

        return false;
    }
}
