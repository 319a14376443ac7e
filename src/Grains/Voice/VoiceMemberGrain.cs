using System.Text.Json;

namespace LesCopains.Grains.Voice;

/// <summary>
/// Where one user is in voice (volatile). Joins, leaves and moves of a user go through here one
/// at a time, so a user is never in two voice channels, even when two tabs race.
/// </summary>
public sealed class VoiceMemberGrain : Grain, IVoiceMemberGrain
{
    private Guid? channelId;
    private string? connectionId;

    private Guid UserId => this.GetPrimaryKey();

    public async Task<VoiceJoinResult> Join(Guid channelId, VoiceConnection connection, bool selfMute, bool selfDeaf)
    {
        if (connection.UserId != UserId)
        {
            throw new DomainException(ErrorCodes.Unauthorized, "connection: belongs to another user.");
        }

        if (this.channelId is { } current && current != channelId)
        {
            // Join the new channel first: a refused join leaves the user where they were.
            var joined = await Room(channelId).Join(connection, selfMute, selfDeaf);
            // Another tab's session there ends, and that tab is told.
            await Room(current).Leave(UserId, null, connectionId == connection.ConnectionId ? "left" : "replaced");
            Set(channelId, connection.ConnectionId);
            return joined;
        }

        var result = await Room(channelId).Join(connection, selfMute, selfDeaf);
        Set(channelId, connection.ConnectionId);
        return result;
    }

    public async Task Leave(string? connectionId)
    {
        if (this.channelId is not { } current || (connectionId is not null && connectionId != this.connectionId))
        {
            return;
        }

        await Room(current).Leave(UserId, this.connectionId, "left");
        Set(null, null);
    }

    public async Task<VoiceJoinResult> Move(Guid fromChannelId, Guid toChannelId, VoiceConnection connection)
    {
        if (channelId != fromChannelId || connectionId != connection.ConnectionId)
        {
            throw new DomainException(ErrorCodes.MemberNotFound, "userId: that member is not in this voice channel.");
        }

        var participant = (await Room(fromChannelId).GetParticipants()).FirstOrDefault(p => p.UserId == UserId);
        var joined = await Room(toChannelId).Join(connection, participant?.SelfMute ?? false, participant?.SelfDeaf ?? false);
        await Room(fromChannelId).Leave(UserId, connection.ConnectionId, "moved");
        Set(toChannelId, connection.ConnectionId);
        connection.Node.OnVoiceEvent(connection.ConnectionId, VoiceEvents.Moved, JsonSerializer.Serialize(new { fromChannelId, join = joined }, JsonSerializerOptions.Web)).Ignore();
        return joined;
    }

    public Task Cleared(Guid channelId, string connectionId)
    {
        if (this.channelId == channelId && this.connectionId == connectionId)
        {
            Set(null, null);
        }

        return Task.CompletedTask;
    }

    public Task<Guid?> GetChannel() => Task.FromResult(channelId);

    private void Set(Guid? channel, string? connection)
    {
        channelId = channel;
        connectionId = connection;
    }

    private IVoiceRoomGrain Room(Guid id) => GrainFactory.GetGrain<IVoiceRoomGrain>(id);
}
