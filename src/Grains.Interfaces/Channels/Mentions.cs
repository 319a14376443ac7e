using System.Text.RegularExpressions;

namespace LesCopains.Grains.Channels;

/// <summary>Who a message mentions, as parsed from its content on the server.</summary>
[GenerateSerializer, Immutable, Alias("lc.MessageMentions")]
public sealed record MessageMentions(
    [property: Id(0)] IReadOnlyList<Guid> Users,
    [property: Id(1)] IReadOnlyList<Guid> Roles,
    [property: Id(2)] bool Everyone)
{
    public static readonly MessageMentions None = new([], [], false);

    /// <summary>The text says <c>@here</c> (and the author may use it): the members online, idle or dnd when it was sent.</summary>
    [Id(3)]
    public bool Here { get; init; }

    /// <summary>Whom <c>@here</c> reached, resolved from presence when the message was sent (or when an edit added it).</summary>
    [Id(4)]
    public IReadOnlyList<Guid> HereUsers { get; init; } = [];

    public bool IsEmpty => !Everyone && !Here && Users.Count == 0 && Roles.Count == 0;
}

/// <summary>
/// Parses <c>&lt;@userId&gt;</c>, <c>&lt;@&amp;roleId&gt;</c>, <c>@everyone</c> and <c>@here</c>. Mentions inside
/// code spans and code blocks are text, as they render. <c>@everyone</c>/<c>@here</c> count only for
/// authors with MENTION_EVERYONE; without it they stay plain text. Who <c>@here</c> reaches is not in
/// the text: the channel grain fills <see cref="MessageMentions.HereUsers"/> from presence.
/// </summary>
public static partial class MentionParser
{
    public const int MaxUsers = 100;
    public const int MaxRoles = 50;

    /// <summary><paramref name="mentions"/> with <paramref name="userId"/> too (a reply's author), within <see cref="MaxUsers"/>.</summary>
    public static MessageMentions WithUser(MessageMentions mentions, Guid userId) =>
        mentions.Users.Contains(userId) || mentions.Users.Count >= MaxUsers ? mentions : mentions with { Users = [.. mentions.Users, userId] };

    public static MessageMentions Parse(string content, bool canMentionEveryone)
    {
        var text = CodeRegex().Replace(content, " ");
        var users = new List<Guid>();
        var roles = new List<Guid>();
        foreach (Match match in TagRegex().Matches(text))
        {
            var id = Guid.Parse(match.Groups[2].ValueSpan);
            var list = match.Groups[1].Success ? roles : users;
            if (!list.Contains(id) && list.Count < (list == roles ? MaxRoles : MaxUsers))
            {
                list.Add(id);
            }
        }

        var everyone = false;
        var here = false;
        if (canMentionEveryone)
        {
            foreach (Match match in EveryoneRegex().Matches(text))
            {
                everyone |= match.Groups[1].ValueSpan is "everyone";
                here |= match.Groups[1].ValueSpan is "here";
            }
        }

        return users.Count == 0 && roles.Count == 0 && !everyone && !here ? MessageMentions.None : new MessageMentions(users, roles, everyone) { Here = here };
    }

    [GeneratedRegex(@"```[\s\S]*?```|`[^`\n]*`")]
    private static partial Regex CodeRegex();

    [GeneratedRegex(@"<@(&)?([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})>")]
    private static partial Regex TagRegex();

    [GeneratedRegex(@"(?<![\w@])@(everyone|here)\b")]
    private static partial Regex EveryoneRegex();
}
