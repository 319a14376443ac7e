namespace LesCopains.Grains.Voice;

/// <summary>What the server needs to know of an SDP offer.</summary>
public static class SdpInfo
{
    /// <summary>Whether an active <c>m=video</c> section sends (sendrecv/sendonly, the default being sendrecv).</summary>
    public static bool SendsVideo(string sdp)
    {
        var inVideo = false;
        var active = false;
        var sends = true;
        foreach (var raw in sdp.Split('\n'))
        {
            var line = raw.TrimEnd('\r');
            if (line.StartsWith("m=", StringComparison.Ordinal))
            {
                if (inVideo && active && sends)
                {
                    return true;
                }

                var parts = line[2..].Split(' ');
                inVideo = parts[0] == "video";
                active = parts.Length > 1 && parts[1] != "0";
                sends = true;
            }
            else if (line is "a=recvonly" or "a=inactive")
            {
                sends = false;
            }
        }

        return inVideo && active && sends;
    }
}
