using LesCopains.Api.Uploads;
using System.Globalization;
using LesCopains.Api.Auth;
using LesCopains.Api.Hubs;
using LesCopains.Api.Infrastructure;
using LesCopains.Grains;
using LesCopains.Grains.Guilds;
using LesCopains.Grains.Users;
using Microsoft.AspNetCore.Http.HttpResults;

namespace LesCopains.Api.Apis;

/// <summary>Guilds, channels, roles, overwrites, members, moderation and the audit log. The grain checks every permission.</summary>
public static class GuildsApi
{
    public sealed record CreateGuildRequest(string? Name);

    public sealed record UpdateGuildRequest(string? Name, Guid? OwnerId, string? Code);

    public sealed record DeleteGuildRequest(string? Code);

    public sealed record CreateChannelRequest(string? Name, string? Type, Guid? ParentId, string? Topic);

    public sealed record UpdateChannelRequest(string? Name, string? Topic, bool? PermissionsSynced, int? RateLimitPerUser);

    public sealed record OverwriteRequest(string? Type, string? Allow, string? Deny);

    public sealed record RoleRequest(string? Name, int? Color, string? Permissions);

    public sealed record PositionRequest(int? Position);

    public sealed record TimeoutRequest(DateTimeOffset? Until, string? Reason);

    public sealed record BanRequest(string? Reason, int? DeleteMessageSeconds);

    public sealed record CreateInviteRequest(Guid? ChannelId, int? MaxAgeSeconds, int? MaxUses);

    public static RouteGroupBuilder MapGuildsApi(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/api/guilds").WithTags("Guilds").RequireAuthorization().AddEndpointFilter<UserRateLimitFilter>();
        group.MapGet("", async (HttpContext http, IClusterClient cluster) =>
        {
            var userId = http.User.UserId();
            var views = new List<GuildViewDto>();
            foreach (var guildId in await cluster.GetGrain<IUserGrain>(userId).GetGuilds())
            {
                try
                {
                    views.Add(await cluster.GetGrain<IGuildGrain>(guildId).GetView(userId));
                }
                catch (DomainException ex) when (ex.Code == ErrorCodes.GuildNotFound)
                {
                    await cluster.GetGrain<IUserGrain>(userId).RemoveGuild(guildId);
                }
            }

            return TypedResults.Ok(new { guilds = views });
        });
        group.MapPost("", CreateGuild);
        group.MapGet("/{guildId:guid}", (Guid guildId, HttpContext http, IClusterClient cluster) =>
            Guild(cluster, guildId).GetView(http.User.UserId()));
        group.MapPatch("/{guildId:guid}", async (Guid guildId, UpdateGuildRequest body, HttpContext http, IClusterClient cluster, RateLimiter limiter, ApiSettings settings, TwoFactor twoFactor) =>
        {
            var actor = http.User.UserId();
            switch (body)
            {
                // One change per request: a rename after a transfer would need the permission just given away.
                case { OwnerId: not null, Name: not null }:
                    throw new DomainException(ErrorCodes.ValidationFailed, "ownerId: change the name and the owner in two requests.");
                case { OwnerId: { } ownerId }:
                    if ((await Guild(cluster, guildId).GetView(actor)).OwnerId == actor)
                    {
                        await AccountSecurityApi.RequireSecondFactorAsync(cluster, actor, body.Code, limiter, settings, twoFactor);
                    }

                    return await Guild(cluster, guildId).TransferOwnership(actor, ownerId);
                default:
                    return await Guild(cluster, guildId).Update(actor, body.Name ?? throw Required("name"));
            }
        });
        group.MapDelete("/{guildId:guid}", async (Guid guildId, HttpContext http, IClusterClient cluster, IBlobStore blobs,
            AttachmentRepository attachments, RateLimiter limiter, ApiSettings settings, TwoFactor twoFactor) =>
        {
            var guild = Guild(cluster, guildId);
            var view = await guild.GetView(http.User.UserId());
            if (view.OwnerId == http.User.UserId())
            {
                // The body is optional (only an owner with two-factor authentication sends one).
                var body = http.Request.HasJsonContentType() ? await http.Request.ReadFromJsonAsync<DeleteGuildRequest>() : null;
                await AccountSecurityApi.RequireSecondFactorAsync(cluster, http.User.UserId(), body?.Code, limiter, settings, twoFactor);
            }

            await guild.Delete(http.User.UserId());
            foreach (var picture in (view.Emojis ?? []).Select(e => e.Image).Append(view.Icon).Distinct())
            {
                await Pictures.ForgetAsync(picture, attachments, blobs);
            }
            return TypedResults.NoContent();
        });

        // Channels.
        group.MapPost("/{guildId:guid}/channels", async (Guid guildId, CreateChannelRequest body, HttpContext http, IClusterClient cluster) =>
        {
            var channel = await Guild(cluster, guildId).CreateChannel(http.User.UserId(), ParseChannelType(body.Type), body.Name ?? throw Required("name"), body.ParentId, body.Topic);
            return TypedResults.Created($"/api/guilds/{guildId}/channels/{channel.Id}", ChannelDto.From(guildId, channel));
        });
        group.MapPatch("/{guildId:guid}/channels/{channelId:guid}", async (Guid guildId, Guid channelId, UpdateChannelRequest body, HttpContext http, IClusterClient cluster) =>
            ChannelDto.From(guildId, await Guild(cluster, guildId).UpdateChannel(http.User.UserId(), channelId, body.Name, body.Topic, body.PermissionsSynced, body.RateLimitPerUser)));
        group.MapPut("/{guildId:guid}/channels/positions", MoveChannels);
        group.MapDelete("/{guildId:guid}/channels/{channelId:guid}", async (Guid guildId, Guid channelId, HttpContext http, IClusterClient cluster) =>
        {
            await Guild(cluster, guildId).DeleteChannel(http.User.UserId(), channelId);
            return TypedResults.NoContent();
        });
        group.MapPut("/{guildId:guid}/channels/{channelId:guid}/overwrites/{targetId:guid}", async (Guid guildId, Guid channelId, Guid targetId, OverwriteRequest body, HttpContext http, IClusterClient cluster) =>
        {
            var type = body.Type switch
            {
                "role" => OverwriteTarget.Role,
                "member" => OverwriteTarget.Member,
                _ => throw new DomainException(ErrorCodes.ValidationFailed, "type: must be \"role\" or \"member\"."),
            };
            var overwrite = new PermissionOverwrite(targetId, type, ParsePermissions(body.Allow, "allow") ?? Permissions.None, ParsePermissions(body.Deny, "deny") ?? Permissions.None);
            return ChannelDto.From(guildId, await Guild(cluster, guildId).SetOverwrite(http.User.UserId(), channelId, overwrite));
        });
        group.MapDelete("/{guildId:guid}/channels/{channelId:guid}/overwrites/{targetId:guid}", async (Guid guildId, Guid channelId, Guid targetId, HttpContext http, IClusterClient cluster) =>
            ChannelDto.From(guildId, await Guild(cluster, guildId).DeleteOverwrite(http.User.UserId(), channelId, targetId)));

        // Roles.
        group.MapPost("/{guildId:guid}/roles", async (Guid guildId, RoleRequest body, HttpContext http, IClusterClient cluster) =>
        {
            var role = await Guild(cluster, guildId).CreateRole(http.User.UserId(), body.Name ?? throw Required("name"), body.Color ?? 0, ParsePermissions(body.Permissions, "permissions") ?? Permissions.None);
            return TypedResults.Created($"/api/guilds/{guildId}/roles/{role.Id}", RoleDto.From(role));
        });
        group.MapPatch("/{guildId:guid}/roles/{roleId:guid}", async (Guid guildId, Guid roleId, RoleRequest body, HttpContext http, IClusterClient cluster) =>
            RoleDto.From(await Guild(cluster, guildId).UpdateRole(http.User.UserId(), roleId, body.Name, body.Color, ParsePermissions(body.Permissions, "permissions"))));
        group.MapPut("/{guildId:guid}/roles/{roleId:guid}/position", async (Guid guildId, Guid roleId, PositionRequest body, HttpContext http, IClusterClient cluster) =>
            new { roles = (await Guild(cluster, guildId).MoveRole(http.User.UserId(), roleId, body.Position ?? throw Required("position"))).OrderBy(r => r.Position).Select(RoleDto.From) });
        group.MapDelete("/{guildId:guid}/roles/{roleId:guid}", async (Guid guildId, Guid roleId, HttpContext http, IClusterClient cluster) =>
        {
            await Guild(cluster, guildId).DeleteRole(http.User.UserId(), roleId);
            return TypedResults.NoContent();
        });

        // Members and moderation.
        group.MapGet("/{guildId:guid}/members", async (Guid guildId, string? after, int? limit, string? ids, string? query, HttpContext http, IClusterClient cluster) =>
            (ids, query) switch
            {
                (null, null) => (object)await Guild(cluster, guildId).ListMembers(http.User.UserId(), after, limit ?? 100),
                (_, null) => new { members = await Guild(cluster, guildId).FindMembers(http.User.UserId(), MemberIds(ids, after, limit)) },
                (null, _) when after is null => new { members = await Guild(cluster, guildId).SearchMembers(http.User.UserId(), query, limit ?? 10) },
                _ => throw new DomainException(ErrorCodes.ValidationFailed, "query: cannot be combined with ids or after."),
            });
        group.MapPatch("/{guildId:guid}/members/{userId:guid}", UpdateMember);
        group.MapDelete("/{guildId:guid}/members/@me", async (Guid guildId, HttpContext http, IClusterClient cluster) =>
        {
            await Guild(cluster, guildId).Leave(http.User.UserId());
            return TypedResults.NoContent();
        });
        group.MapDelete("/{guildId:guid}/members/{userId:guid}", async (Guid guildId, Guid userId, string? reason, HttpContext http, IClusterClient cluster) =>
        {
            await Guild(cluster, guildId).Kick(http.User.UserId(), userId, reason);
            return TypedResults.NoContent();
        });
        group.MapPut("/{guildId:guid}/members/{userId:guid}/timeout", async (Guid guildId, Guid userId, TimeoutRequest body, HttpContext http, IClusterClient cluster) =>
            await Guild(cluster, guildId).Timeout(http.User.UserId(), userId, body.Until, body.Reason));
        group.MapGet("/{guildId:guid}/bans", async (Guid guildId, HttpContext http, IClusterClient cluster) =>
            new { bans = await Guild(cluster, guildId).ListBans(http.User.UserId()) });
        group.MapPut("/{guildId:guid}/bans/{userId:guid}", async (Guid guildId, Guid userId, BanRequest? body, HttpContext http, IClusterClient cluster) =>
        {
            await Guild(cluster, guildId).BanMember(http.User.UserId(), userId, body?.Reason, body?.DeleteMessageSeconds ?? 0);
            return TypedResults.NoContent();
        });
        group.MapDelete("/{guildId:guid}/bans/{userId:guid}", async (Guid guildId, Guid userId, HttpContext http, IClusterClient cluster) =>
        {
            await Guild(cluster, guildId).Unban(http.User.UserId(), userId);
            return TypedResults.NoContent();
        });

        // Invites and audit log.
        group.MapPost("/{guildId:guid}/invites", async (Guid guildId, CreateInviteRequest body, HttpContext http, IClusterClient cluster) =>
        {
            var invite = await Guild(cluster, guildId).CreateInvite(
                http.User.UserId(), body.ChannelId ?? throw Required("channelId"),
                body.MaxAgeSeconds is { } age ? TimeSpan.FromSeconds(age) : null, body.MaxUses ?? 0);
            return TypedResults.Created($"/api/invites/{invite.Code}", invite);
        });
        group.MapGet("/{guildId:guid}/invites", async (Guid guildId, HttpContext http, IClusterClient cluster) =>
            new { invites = await Guild(cluster, guildId).ListInvites(http.User.UserId()) });
        group.MapGet("/{guildId:guid}/audit-log", async (Guid guildId, Guid? before, int? limit, HttpContext http, IClusterClient cluster) =>
            new { entries = (await Guild(cluster, guildId).ReadAuditLog(http.User.UserId(), before, limit ?? 50)).Select(AuditJson) });
        return group;
    }

    private static async Task<Created<GuildViewDto>> CreateGuild(CreateGuildRequest body, HttpContext http, IClusterClient cluster, GuildGateway gateway)
    {
        var userId = http.User.UserId();
        var name = GuildRules.GuildName(body.Name);
        var guildId = Guid.CreateVersion7();
        var user = cluster.GetGrain<IUserGrain>(userId);
        await user.AddGuild(guildId);
        GuildViewDto view;
        try
        {
            view = await cluster.GetGrain<IGuildGrain>(guildId).Create(userId, name);
        }
        catch
        {
            await user.RemoveGuild(guildId);
            throw;
        }

        await gateway.AnnounceJoinAsync(userId, guildId);
        return TypedResults.Created($"/api/guilds/{guildId}", view);
    }

    private static async Task<object> MoveChannels(Guid guildId, System.Text.Json.JsonElement body, HttpContext http, IClusterClient cluster)
    {
        if (body.ValueKind != System.Text.Json.JsonValueKind.Array)
        {
            throw new DomainException(ErrorCodes.ValidationFailed, "positions: expected an array of {id, position, parentId?}.");
        }

        var moves = new List<ChannelMove>();
        foreach (var item in body.EnumerateArray())
        {
            if (!item.TryGetProperty("id", out var id) || !id.TryGetGuid(out var channelId)
                || !item.TryGetProperty("position", out var position) || !position.TryGetInt32(out var pos))
            {
                throw new DomainException(ErrorCodes.ValidationFailed, "positions: every item needs an id and an integer position.");
            }

            var changeParent = item.TryGetProperty("parentId", out var parent);
            Guid? parentId = changeParent && parent.ValueKind != System.Text.Json.JsonValueKind.Null
                ? parent.TryGetGuid(out var p) ? p : throw new DomainException(ErrorCodes.ValidationFailed, "parentId: must be a channel id or null.")
                : null;
            moves.Add(new ChannelMove(channelId, pos, parentId, changeParent));
        }

        var channels = await Guild(cluster, guildId).MoveChannels(http.User.UserId(), moves);
        return new { channels = channels.Select(c => ChannelDto.From(guildId, c)) };
    }

    private static async Task<MemberDto> UpdateMember(Guid guildId, Guid userId, System.Text.Json.JsonElement body, HttpContext http, IClusterClient cluster)
    {
        if (body.ValueKind != System.Text.Json.JsonValueKind.Object)
        {
            throw new DomainException(ErrorCodes.ValidationFailed, "Expected an object {nickname?, roles?}.");
        }

        string? nickname = null;
        var clear = false;
        if (body.TryGetProperty("nickname", out var nick))
        {
            if (nick.ValueKind == System.Text.Json.JsonValueKind.Null || nick.ValueKind == System.Text.Json.JsonValueKind.String && nick.GetString()!.Trim().Length == 0)
            {
                clear = true;
            }
            else if (nick.ValueKind == System.Text.Json.JsonValueKind.String)
            {
                nickname = nick.GetString();
            }
            else
            {
                throw new DomainException(ErrorCodes.ValidationFailed, "nickname: must be a string or null.");
            }
        }

        List<Guid>? roles = null;
        if (body.TryGetProperty("roles", out var r))
        {
            if (r.ValueKind != System.Text.Json.JsonValueKind.Array || r.GetArrayLength() > GuildRules.MaxRoles)
            {
                throw new DomainException(ErrorCodes.ValidationFailed, "roles: must be an array of role ids.");
            }

            roles = [];
            foreach (var item in r.EnumerateArray())
            {
                roles.Add(item.TryGetGuid(out var g) ? g : throw new DomainException(ErrorCodes.ValidationFailed, "roles: must be an array of role ids."));
            }
        }

        return await Guild(cluster, guildId).UpdateMember(http.User.UserId(), userId, nickname, clear, roles);
    }

    private static IGuildGrain Guild(IClusterClient cluster, Guid guildId) => cluster.GetGrain<IGuildGrain>(guildId);

    private static DomainException Required(string field) => new(ErrorCodes.ValidationFailed, $"{field}: is required.");

    /// <summary><c>ids=a,b,c</c>: user ids, comma-separated; a lookup does not page (the grain bounds the count).</summary>
    private static Guid[] MemberIds(string ids, string? after, int? limit)
    {
        if (after is not null || limit is not null)
        {
            throw new DomainException(ErrorCodes.ValidationFailed, "ids: cannot be combined with after or limit.");
        }

        return [.. ids.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Select(p => Guid.TryParse(p, out var id) ? id : throw new DomainException(ErrorCodes.ValidationFailed, "ids: each must be a user id."))];
    }

    public static ChannelType ParseChannelType(string? type) => type switch
    {
        null or "text" => ChannelType.Text,
        "voice" => ChannelType.Voice,
        "category" => ChannelType.Category,
        _ => throw new DomainException(ErrorCodes.ValidationFailed, "type: must be \"text\", \"voice\" or \"category\"."),
    };

    public static Permissions? ParsePermissions(string? raw, string field)
    {
        if (raw is null)
        {
            return null;
        }

        if (!ulong.TryParse(raw, NumberStyles.None, CultureInfo.InvariantCulture, out var bits) || (bits & ~(ulong)Permissions.All) != 0)
        {
            throw new DomainException(ErrorCodes.ValidationFailed, $"{field}: must be a decimal string of known permission bits.");
        }

        return (Permissions)bits;
    }

    private static object AuditJson(AuditEntry e) => new
    {
        e.Id,
        e.ActorId,
        e.Action,
        e.TargetId,
        e.Reason,
        Changes = System.Text.Json.JsonSerializer.Deserialize<System.Text.Json.JsonElement>(e.Changes),
        e.CreatedAt,
    };
}
