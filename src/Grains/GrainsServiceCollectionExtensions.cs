using LesCopains.Grains.Persistence;
using LesCopains.Grains.Users;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace LesCopains.Grains;

/// <summary>Services the grains need inside a silo.</summary>
public static class GrainsServiceCollectionExtensions
{
    public static IServiceCollection AddGrainServices(this IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<MigrationRunner>();
        services.AddSingleton<AccountStore>();
        services.AddSingleton<SessionStore>();
        services.AddSingleton<Guilds.GuildMemberStore>();
        services.AddSingleton<Guilds.AuditLogStore>();
        services.AddSingleton<Guilds.GuildIconStore>();
        services.AddSingleton<Guilds.GuildEmojiStore>();
        services.AddSingleton<Channels.MessageStore>();
        services.AddSingleton<Channels.SocialStore>();
        services.AddSingleton<Channels.PollStore>();
        services.AddSingleton<Users.ReadStateStore>();
        services.AddSingleton<Users.NotificationSettingsStore>();
        services.AddSingleton<Users.MentionStore>();
        services.AddSingleton<Users.RelationshipStore>();
        services.AddSingleton<Channels.MessageWriter>();
        services.AddSingleton<Channels.ThreadStore>();
        services.AddSingleton<Channels.SearchStore>();
        services.AddHostedService(sp => sp.GetRequiredService<Channels.MessageWriter>());
        services.TryAddSingleton(Channels.ThreadArchiveSettings.Default);
        services.AddHostedService<Channels.ThreadArchiveSweeper>();
        services.AddSingleton<Dms.PreKeyStore>();
        services.AddSingleton<Dms.ConversationStore>();
        services.AddSingleton<Dms.DmEnvelopeStore>();
        services.TryAddSingleton(Voice.VoiceSettings.Default);
        services.AddSingleton<Voice.SfuWorkerClient>();
        return services;
    }
}
