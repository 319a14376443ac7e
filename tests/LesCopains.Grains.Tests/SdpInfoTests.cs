using LesCopains.Grains.Voice;

namespace LesCopains.Grains.Tests;

/// <summary>The voice room refuses video that is not a declared screen share: it must see sending video m-lines.</summary>
public sealed class SdpInfoTests
{
    private const string Audio = "v=0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=mid:0\r\na=sendonly\r\n";

    [Theory]
    [InlineData(Audio, false)]
    [InlineData(Audio + "m=video 9 UDP/TLS/RTP/SAVPF 96\r\na=mid:1\r\na=sendonly\r\n", true)]
    [InlineData(Audio + "m=video 9 UDP/TLS/RTP/SAVPF 96\r\na=mid:1\r\n", true)] // sendrecv by default
    [InlineData(Audio + "m=video 9 UDP/TLS/RTP/SAVPF 96\r\na=mid:1\r\na=sendrecv\r\n", true)]
    [InlineData(Audio + "m=video 9 UDP/TLS/RTP/SAVPF 96\r\na=mid:1\r\na=recvonly\r\n", false)]
    [InlineData(Audio + "m=video 9 UDP/TLS/RTP/SAVPF 96\r\na=mid:1\r\na=inactive\r\n", false)]
    [InlineData(Audio + "m=video 0 UDP/TLS/RTP/SAVPF 96\r\na=mid:1\r\na=sendonly\r\n", false)] // rejected section
    [InlineData("v=0\nm=video 9 UDP/TLS/RTP/SAVPF 96\na=sendonly\nm=audio 9 UDP/TLS/RTP/SAVPF 111\na=sendonly\n", true)] // video first, \n only
    public void Sending_video_is_detected(string sdp, bool sendsVideo) =>
        Assert.Equal(sendsVideo, SdpInfo.SendsVideo(sdp));

    [Fact]
    public void Sending_video_sections_are_listed_by_mid()
    {
        var sdp = Audio
            + "m=video 9 UDP/TLS/RTP/SAVPF 96\r\na=mid:1\r\na=sendonly\r\n"
            + "m=video 9 UDP/TLS/RTP/SAVPF 96\r\na=mid:2\r\na=inactive\r\n"
            + "m=video 9 UDP/TLS/RTP/SAVPF 96\r\na=mid:3\r\na=sendonly\r\na=rid:h send\r\na=simulcast:send h;m;l\r\n";
        Assert.Equal(["1", "3"], SdpInfo.SendingVideoMids(sdp));
    }
}
