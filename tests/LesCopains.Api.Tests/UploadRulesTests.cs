using System.Text;
using LesCopains.Api.Uploads;

namespace LesCopains.Api.Tests;

/// <summary>The pure parts of uploads: file names and content sniffing.</summary>
public sealed class UploadRulesTests
{
    [Theory]
    [InlineData("photo.png", "photo.png")]
    [InlineData("../../etc/passwd", "passwd")]
    [InlineData("C:\\Users\\me\\evil.exe", "evil.exe")]
    [InlineData("a<b>c:d\"e|f?g*h%i;j.txt", "a_b_c_d_e_f_g_h_i_j.txt")]
    [InlineData("bad\u0000name\r\n.txt", "bad_name__.txt")]
    [InlineData("rtl\u202Egnp.exe", "rtl_gnp.exe")]
    [InlineData("  ...  ", "file")]
    [InlineData("", "file")]
    [InlineData(null, "file")]
    [InlineData("Café été.pdf", "Café été.pdf")]
    public void File_names_are_made_safe(string? raw, string expected) => Assert.Equal(expected, FileNames.Sanitize(raw));

    [Fact]
    public void Long_file_names_keep_their_extension()
    {
        var name = FileNames.Sanitize(new string('a', 500) + ".jpeg");
        Assert.Equal(FileNames.MaxLength, name.Length);
        Assert.EndsWith("a.jpeg", name, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("%PDF-1.4", "application/pdf")]
    [InlineData("PK\u0003\u0004rest", "application/zip")]
    [InlineData("hello, world\n", "text/plain; charset=utf-8")]
    [InlineData("<svg xmlns=\"http://www.w3.org/2000/svg\"><script>alert(1)</script></svg>", "text/plain; charset=utf-8")]
    [InlineData("bin\u0001ary", "application/octet-stream")]
    public void Types_come_from_the_bytes(string head, string expected) =>
        Assert.Equal(expected, ContentSniffer.Sniff(Encoding.UTF8.GetBytes(head)).ContentType);

    [Fact]
    public void Video_containers_are_recognised()
    {
        Assert.Equal("video/mp4", ContentSniffer.Sniff([0, 0, 0, 0x20, .. "ftypisom"u8, 0, 0, 0, 0]).ContentType);
        Assert.Equal("video/webm", ContentSniffer.Sniff([0x1A, 0x45, 0xDF, 0xA3, 0x9F, 0x42, 0x86, 0x81]).ContentType);
        Assert.False(ContentSniffer.Sniff([0x1A, 0x45, 0xDF, 0xA3]).IsImage);
    }

    [Fact]
    public void A_truncated_image_header_is_still_an_image_without_a_size()
    {
        var sniffed = ContentSniffer.Sniff([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0]);
        Assert.Equal("image/png", sniffed.ContentType);
        Assert.Null(sniffed.Width);
        Assert.Equal("image/jpeg", ContentSniffer.Sniff([0xFF, 0xD8, 0xFF, 0xE0, 0x00]).ContentType);
    }
}
