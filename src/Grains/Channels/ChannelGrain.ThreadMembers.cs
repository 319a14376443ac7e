using LesCopains.Grains.Dms;

namespace LesCopains.Grains.Channels;

/// <summary>
/// Who follows a thread: its creator (from its creation), everyone who posts in it (once their
/// message is committed), and whoever joins it. Members see it under its channel in their channel
/// list and count every unread message in it (<see cref="Users.ReadStateGrain"/>). Each change
/// reaches the member's own connections as <c>thread:member:update</c> and the viewers as a
/// <c>thread:update</c> with the new <see cref="ThreadDto.MemberCount"/>.
/// </summary>
public sealed partial class ChannelGrain
{
    /// <summary>The thread's members, loaded with it (null for a channel).</summary>
    private HashSet<Guid>? threadMembers;

    public async Task<ThreadDto> JoinThread(Guid userId)
    {
        await AccessAsync(userId);
        if (thread is null)
        {
            throw NotFound();
        }

        await ArchiveIfInactiveAsync();
        RequireNotArchived();
        await AddThreadMemberAsync(userId);
        return CurrentThread()!;
    }

    public async Task LeaveThread(Guid userId)
    {
        await AccessAsync(userId);
        if (thread is null || threadMembers is null)
        {
            throw NotFound();
        }

        if (!threadMembers.Remove(userId))
        {
            return;
        }

        try
        {
            await threads.RemoveMemberAsync(ChannelId, userId);
        }
        catch
        {
            threadMembers.Add(userId);
            throw;
        }

        PublishMembership(userId, joined: false);
    }

    public Task ThreadMemberGone(Guid userId)
    {
        if (thread is not null && threadMembers is not null && threadMembers.Remove(userId))
        {
            RelayThread("thread:update");
        }

        return Task.CompletedTask;
    }

    /// <summary>After a send to this thread: its author follows the thread once the message is committed.</summary>
    private void JoinOnPost(Guid authorId, Task<MessageDto> stored)
    {
        if (threadMembers is not null && !threadMembers.Contains(authorId))
        {
            JoinAfterCommitAsync(authorId, stored).Ignore();
        }
    }

    private async Task JoinAfterCommitAsync(Guid authorId, Task<MessageDto> stored)
    {
        try
        {
            await stored;
        }
        catch
        {
            return; // not sent: nothing to follow
        }

        await AddThreadMemberAsync(authorId);
    }

    private async Task AddThreadMemberAsync(Guid userId)
    {
        // Taken in the set before the insert: a send that interleaves does not insert twice.
        if (threadMembers is null || !threadMembers.Add(userId))
        {
            return;
        }

        try
        {
            await threads.AddMemberAsync(ChannelId, userId, time.GetUtcNow());
        }
        catch
        {
            threadMembers.Remove(userId);
            throw;
        }

        PublishMembership(userId, joined: true);
    }

    private void PublishMembership(Guid userId, bool joined)
    {
        var dto = RelayThread("thread:update");
        UserFeeds.Publish(GrainFactory, [userId], ThreadRules.MemberUpdateEvent, new { guildId, threadId = dto.Id, parentId = dto.ParentId, joined, thread = dto });
    }
}
