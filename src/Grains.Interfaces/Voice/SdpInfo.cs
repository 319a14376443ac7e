namespace LesCopains.Grains.Voice;

/// <summary>What the server needs to know of an SDP offer.</summary>
public static class SdpInfo
{
    /// <summary>Whether an active <c>m=video</c> section sends (sendrecv/sendonly, the default being sendrecv).</summary>
    public static bool SendsVideo(string sdp) => SendingVideoMids(sdp).Count > 0;

    /// <summary>The mids of the active <c>m=video</c> sections that send (a section without <c>a=mid</c> counts as "").</summary>
    public static IReadOnlyList<string> SendingVideoMids(string sdp)
    {
        var mids = new List<string>();
        var inVideo = false;
        var active = false;
        var sends = true;
        string mid = "";
        void Close()
        {
            if (inVideo && active && sends)
            {
                mids.Add(mid);
            }
        }

        foreach (var raw in sdp.Split('\n'))
        {
            var line = raw.TrimEnd('\r');
            if (line.StartsWith("m=", StringComparison.Ordinal))
            {
                Close();
                var parts = line[2..].Split(' ');
                inVideo = parts[0] == "video";
                active = parts.Length > 1 && parts[1] != "0";
                sends = true;
                mid = "";
            }
            else if (line is "a=recvonly" or "a=inactive")
            {
                sends = false;
            }
            else if (line.StartsWith("a=mid:", StringComparison.Ordinal))
            {
                mid = line[6..];
            }
        }

        Close();
        return mids;
    }
}
