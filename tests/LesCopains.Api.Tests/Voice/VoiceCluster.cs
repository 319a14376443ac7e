using LesCopains.Grains.Voice;
using LesCopains.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace LesCopains.Api.Tests.Voice;

/// <summary>
/// A silo + Api with real SFU workers (Janus + adapter) registered, rooms of at most
/// <see cref="MaxParticipants"/>, and workers declared dead after 3 s of silence.
/// Without janus installed no worker starts and the <see cref="JanusFactAttribute"/> tests are skipped.
/// </summary>
public class VoiceCluster : InProcessCluster, IAsyncLifetime
{
    public const int MaxParticipants = 3;

    private readonly List<SfuWorkerNode> workers = [];

    public string WorkerSecret { get; } = TestEnvironment.NewSecret();

    public IReadOnlyList<SfuWorkerNode> Workers => workers;

    protected virtual int WorkerCount => 1;

    protected override IEnumerable<string> SiloArguments =>
    [
        $"--SFU_WORKER_SECRET={WorkerSecret}",
        $"--MAX_PARTICIPANTS_PER_ROOM={MaxParticipants}",
        "--SFU_WORKER_TIMEOUT_SECONDS=3",
        "--ENABLE_SIMULCAST=true",
    ];

    public IClusterClient Grains => ApiServices.GetRequiredService<IClusterClient>();

    async Task IAsyncLifetime.InitializeAsync()
    {
        await InitializeAsync();
        if (JanusProcess.Binary is null)
        {
            return;
        }

        for (var i = 0; i < WorkerCount; i++)
        {
            workers.Add(await SfuWorkerNode.StartAsync(ClusterId, WorkerSecret, $"w{i}-{ClusterId}"));
        }

        await Poll.UntilAsync(
            () => Grains.GetGrain<ISfuDirectoryGrain>(0).GetWorkers(),
            list => list.Count(w => w.Healthy) == WorkerCount,
            TimeSpan.FromSeconds(60),
            "the SFU workers to register");
    }

    async Task IAsyncLifetime.DisposeAsync()
    {
        foreach (var worker in workers)
        {
            await worker.DisposeAsync();
        }

        await DisposeAsync();
    }
}

/// <summary>Two workers, for failover (a test kills one).</summary>
public sealed class TwoWorkerVoiceCluster : VoiceCluster
{
    protected override int WorkerCount => 2;
}

[CollectionDefinition(Name)]
public sealed class VoiceCollection : ICollectionFixture<VoiceCluster>
{
    public const string Name = "voice";
}

/// <summary>Browser-shaped SDP offers: Janus answers them; no media ever flows in these tests.</summary>
public static class Sdp
{
    private static readonly string Fingerprint = string.Join(':', Enumerable.Repeat("AB", 32));

    public static string AudioOffer() => Offer(video: false);

    public static string AudioAndVideoOffer() => Offer(video: true);

    /// <summary>Audio (mid 0) and two sending video sections (mids 1 and 2): a screen share and a camera.</summary>
    public static string AudioAndTwoVideosOffer() => Offer(video: true, secondVideo: true);

    private static string Offer(bool video, bool secondVideo = false)
    {
        var lines = new List<string>
        {
            "v=0", "o=- 4611731400430051336 2 IN IP4 127.0.0.1", "s=-", "t=0 0",
            secondVideo ? "a=group:BUNDLE 0 1 2" : video ? "a=group:BUNDLE 0 1" : "a=group:BUNDLE 0", "a=msid-semantic: WMS s",
            "m=audio 9 UDP/TLS/RTP/SAVPF 111", "c=IN IP4 0.0.0.0", "a=rtcp:9 IN IP4 0.0.0.0",
            "a=ice-ufrag:abcd", "a=ice-pwd:abcdefghijklmnopqrstuvwx", "a=ice-options:trickle",
            "a=fingerprint:sha-256 " + Fingerprint, "a=setup:actpass", "a=mid:0", "a=sendonly", "a=msid:s a",
            "a=rtcp-mux", "a=rtpmap:111 opus/48000/2", "a=fmtp:111 minptime=10;useinbandfec=1", "a=ssrc:1111 cname:c",
        };
        if (video)
        {
            lines.AddRange(
            [
                "m=video 9 UDP/TLS/RTP/SAVPF 96", "c=IN IP4 0.0.0.0", "a=rtcp:9 IN IP4 0.0.0.0",
                "a=ice-ufrag:abcd", "a=ice-pwd:abcdefghijklmnopqrstuvwx", "a=ice-options:trickle",
                "a=fingerprint:sha-256 " + Fingerprint, "a=setup:actpass", "a=mid:1", "a=sendonly", "a=msid:s v",
                "a=rtcp-mux", "a=rtcp-rsize", "a=rtpmap:96 VP8/90000", "a=rtcp-fb:96 nack", "a=rtcp-fb:96 nack pli", "a=ssrc:2222 cname:c",
            ]);
        }

        if (secondVideo)
        {
            lines.AddRange(
            [
                "m=video 9 UDP/TLS/RTP/SAVPF 96", "c=IN IP4 0.0.0.0", "a=rtcp:9 IN IP4 0.0.0.0",
                "a=ice-ufrag:abcd", "a=ice-pwd:abcdefghijklmnopqrstuvwx", "a=ice-options:trickle",
                "a=fingerprint:sha-256 " + Fingerprint, "a=setup:actpass", "a=mid:2", "a=sendonly", "a=msid:s c",
                "a=rtcp-mux", "a=rtcp-rsize", "a=rtpmap:96 VP8/90000", "a=rtcp-fb:96 nack", "a=rtcp-fb:96 nack pli", "a=ssrc:3333 cname:c",
            ]);
        }

        return string.Join("\r\n", lines) + "\r\n";
    }
}
