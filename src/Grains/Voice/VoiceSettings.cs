namespace LesCopains.Grains.Voice;

/// <summary>
/// Voice settings of the silo: the shared secret the SFU worker adapters require
/// (<c>SFU_WORKER_SECRET</c>; null: voice is unavailable), <c>MAX_PARTICIPANTS_PER_ROOM</c>, and how
/// long a worker may stay silent before it is declared dead (<c>SFU_WORKER_TIMEOUT_SECONDS</c>), and
/// whether cameras publish simulcast (<c>ENABLE_SIMULCAST</c>, told to clients in the join result).
/// </summary>
public sealed record VoiceSettings(string? WorkerSecret, int MaxParticipantsPerRoom, TimeSpan WorkerTimeout, bool Simulcast = false)
{
    public static VoiceSettings Default { get; } = new(null, 50, TimeSpan.FromSeconds(15));
}
