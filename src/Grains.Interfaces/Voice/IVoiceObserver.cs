namespace LesCopains.Grains.Voice;

/// <summary>An Api node holding hub connections of voice participants; delivers per-connection voice events.</summary>
[Alias("lc.IVoiceObserver")]
public interface IVoiceObserver : IGrainObserver
{
    [Alias("OnVoiceEvent")]
    [Orleans.Concurrency.OneWay]
    Task OnVoiceEvent(string connectionId, string type, string payloadJson);

    /// <summary>Whether the connection is still open on this node (rooms drop participants whose connection vanished).</summary>
    [Alias("IsConnected")]
    Task<bool> IsConnected(string connectionId);
}
