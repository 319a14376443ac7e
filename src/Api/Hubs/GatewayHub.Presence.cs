using LesCopains.Api.Auth;
using LesCopains.Grains;
using LesCopains.Grains.Presence;
using Microsoft.AspNetCore.Mvc;

namespace LesCopains.Api.Hubs;

public sealed partial class GatewayHub
{
    /// <summary>Sets the status the user chose: online, idle, dnd or invisible (kept across sessions).</summary>
    public async Task<PresenceSelfEvent> SetPresence(string status, [FromServices] PresenceTracker presence)
    {
        var chosen = PresenceRules.ParseChosen(status)
            ?? throw new DomainException(ErrorCodes.ValidationFailed, "status: must be online, idle, dnd or invisible.");
        return PresenceTracker.SelfEvent(await presence.SetStatusAsync(Context.User!.UserId(), chosen));
    }

    /// <summary>This connection's automatic idle detection: "active" or "idle".</summary>
    public async Task<PresenceSelfEvent> SetActivity(string activity, [FromServices] PresenceTracker presence)
    {
        var value = activity switch
        {
            "active" => ClientActivity.Active,
            "idle" => ClientActivity.Idle,
            _ => throw new DomainException(ErrorCodes.ValidationFailed, "activity: must be active or idle."),
        };
        return PresenceTracker.SelfEvent(await presence.SetActivityAsync(Context.ConnectionId, Context.User!.UserId(), value));
    }
}
