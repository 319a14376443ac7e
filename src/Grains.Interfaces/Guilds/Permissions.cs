namespace LesCopains.Grains.Guilds;

/// <summary>Permission bits. Values follow Discord's where Discord has the permission.</summary>
[Flags]
public enum Permissions : ulong
{
    None = 0,
    CreateInvite = 1UL << 0,
    KickMembers = 1UL << 1,
    BanMembers = 1UL << 2,
    Administrator = 1UL << 3,
    ManageChannels = 1UL << 4,
    ManageGuild = 1UL << 5,
    AddReactions = 1UL << 6,
    ViewAuditLog = 1UL << 7,
    Stream = 1UL << 9,
    ViewChannel = 1UL << 10,
    SendMessages = 1UL << 11,
    ManageMessages = 1UL << 13,
    AttachFiles = 1UL << 15,
    ReadMessageHistory = 1UL << 16,
    MentionEveryone = 1UL << 17,
    Connect = 1UL << 20,
    Speak = 1UL << 21,
    MuteMembers = 1UL << 22,
    MoveMembers = 1UL << 24,
    ManageRoles = 1UL << 28,
    ManageGuildExpressions = 1UL << 30,
    ManageThreads = 1UL << 34,
    CreateThreads = 1UL << 35,
    SendMessagesInThreads = 1UL << 38,
    ModerateMembers = 1UL << 40,
    PinMessages = 1UL << 51,

    All = CreateInvite | KickMembers | BanMembers | Administrator | ManageChannels | ManageGuild | AddReactions
        | ViewAuditLog | Stream | ViewChannel | SendMessages | ManageMessages | AttachFiles | ReadMessageHistory
        | MentionEveryone | Connect | Speak | MuteMembers | MoveMembers | ManageRoles | ManageThreads | CreateThreads
        | SendMessagesInThreads | ModerateMembers | PinMessages | ManageGuildExpressions,

    /// <summary>What <c>@everyone</c> gets in a new guild.</summary>
    DefaultEveryone = ViewChannel | SendMessages | ReadMessageHistory | AddReactions | AttachFiles | CreateInvite
        | Connect | Speak | Stream | CreateThreads | SendMessagesInThreads,

    /// <summary>What a timed-out member keeps: reading only.</summary>
    TimedOutAllowed = ViewChannel | ReadMessageHistory,

    /// <summary>Permissions that only make sense guild-wide; ignored in channel overwrites.</summary>
    GuildOnly = KickMembers | BanMembers | Administrator | ManageGuild | ViewAuditLog | ModerateMembers | ManageGuildExpressions,
}

/// <summary>Stable names for the wire format and the web client.</summary>
public static class PermissionNames
{
    public static readonly IReadOnlyDictionary<string, Permissions> ByName = new Dictionary<string, Permissions>
    {
        ["ADMINISTRATOR"] = Permissions.Administrator,
        ["VIEW_CHANNEL"] = Permissions.ViewChannel,
        ["SEND_MESSAGES"] = Permissions.SendMessages,
        ["READ_MESSAGE_HISTORY"] = Permissions.ReadMessageHistory,
        ["MANAGE_MESSAGES"] = Permissions.ManageMessages,
        ["MANAGE_CHANNELS"] = Permissions.ManageChannels,
        ["MANAGE_ROLES"] = Permissions.ManageRoles,
        ["MANAGE_GUILD"] = Permissions.ManageGuild,
        ["CREATE_INVITE"] = Permissions.CreateInvite,
        ["KICK_MEMBERS"] = Permissions.KickMembers,
        ["BAN_MEMBERS"] = Permissions.BanMembers,
        ["MODERATE_MEMBERS"] = Permissions.ModerateMembers,
        ["VIEW_AUDIT_LOG"] = Permissions.ViewAuditLog,
        ["MENTION_EVERYONE"] = Permissions.MentionEveryone,
        ["ADD_REACTIONS"] = Permissions.AddReactions,
        ["ATTACH_FILES"] = Permissions.AttachFiles,
        ["CONNECT"] = Permissions.Connect,
        ["SPEAK"] = Permissions.Speak,
        ["STREAM"] = Permissions.Stream,
        ["MUTE_MEMBERS"] = Permissions.MuteMembers,
        ["MOVE_MEMBERS"] = Permissions.MoveMembers,
        ["CREATE_THREADS"] = Permissions.CreateThreads,
        ["MANAGE_THREADS"] = Permissions.ManageThreads,
        ["SEND_MESSAGES_IN_THREADS"] = Permissions.SendMessagesInThreads,
        ["PIN_MESSAGES"] = Permissions.PinMessages,
        ["MANAGE_GUILD_EXPRESSIONS"] = Permissions.ManageGuildExpressions,
    };
}
