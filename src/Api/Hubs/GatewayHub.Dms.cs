using LesCopains.Api.Auth;
using LesCopains.Grains;
using LesCopains.Grains.Dms;

namespace LesCopains.Api.Hubs;

/// <summary>Direct messages on the gateway: which device a connection is, and typing indicators.</summary>
public sealed partial class GatewayHub
{
    private const string DeviceItem = "dm:device";

    public static string DeviceGroup(Guid userId, int deviceId) => $"device:{userId:N}:{deviceId}";

    /// <summary>
    /// Declares that this connection is <paramref name="deviceId"/>, one of the caller's registered DM devices;
    /// envelopes for that device are then pushed here (and only to such connections).
    /// </summary>
    public async Task<DmDeviceResult> DmUseDevice(int deviceId)
    {
        var userId = Context.User!.UserId();
        var devices = await cluster.GetGrain<IKeyDirectoryGrain>(userId).GetDevices();
        if (devices.All(d => d.DeviceId != deviceId))
        {
            throw new DomainException(ErrorCodes.DeviceNotFound, "deviceId: not one of your registered devices.");
        }

        if (Context.Items.TryGetValue(DeviceItem, out var previous) && previous is int old && old != deviceId)
        {
            await Groups.RemoveFromGroupAsync(Context.ConnectionId, DeviceGroup(userId, old));
        }

        Context.Items[DeviceItem] = deviceId;
        await Groups.AddToGroupAsync(Context.ConnectionId, DeviceGroup(userId, deviceId));
        return new DmDeviceResult(deviceId);
    }

    /// <summary>Tells the other members of a conversation that the caller is typing (not stored).</summary>
    public Task DmTyping(Guid conversationId) =>
        cluster.GetGrain<IConversationGrain>(conversationId).Typing(Context.User!.UserId());
}

public sealed record DmDeviceResult(int DeviceId);
