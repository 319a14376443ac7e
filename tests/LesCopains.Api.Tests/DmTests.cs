using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using LesCopains.Testing;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;

namespace LesCopains.Api.Tests;

[Collection(ApiCollection.Name)]
public sealed class DmTests(InProcessCluster cluster)
{
    [Fact]
    public async Task Concurrent_bundle_claims_hand_out_each_one_time_prekey_exactly_once()
    {
        var owner = await cluster.NewUserAsync("own");
        using var ownerHttp = cluster.CreateClient(owner.AccessToken);
        var deviceId = await ownerHttp.RegisterDeviceAsync(preKeys: 20);

        // Five contacts claim ten bundles each, all at once.
        var requesters = await Task.WhenAll(Enumerable.Range(0, 5).Select(async _ =>
        {
            var tokens = await cluster.NewUserAsync("req");
            var http = cluster.CreateClient(tokens.AccessToken);
            await http.OpenDirectAsync(owner.User.Id);
            return http;
        }));
        var claims = await Task.WhenAll(requesters.SelectMany(http => Enumerable.Range(0, 10).Select(async _ =>
        {
            var bundles = await http.GetFromJsonAsync<JsonElement>($"/api/dm/users/{owner.User.Id}/bundles");
            var device = Assert.Single(bundles.GetProperty("devices").EnumerateArray());
            Assert.Equal(deviceId, device.GetProperty("deviceId").GetInt32());
            Assert.Equal(33, Convert.FromBase64String(device.GetProperty("signedPreKey").GetProperty("publicKey").GetString()!).Length);
            return device.TryGetProperty("preKey", out var preKey) ? preKey.GetProperty("keyId").GetInt32() : (int?)null;
        })));

        var handedOut = claims.Where(k => k is not null).ToList();
        Assert.Equal(20, handedOut.Count);
        Assert.Equal(20, handedOut.Distinct().Count());
        Assert.Equal(30, claims.Count(k => k is null));

        await using var db = TestEnvironment.OpenDatabase(cluster.DatabaseUrl);
        await using var left = db.CreateCommand("SELECT count(*) FROM dm_prekeys WHERE user_id = $1");
        left.Parameters.AddWithValue(Guid.Parse(owner.User.Id));
        Assert.Equal(0L, await left.ExecuteScalarAsync());
        var counts = await ownerHttp.GetFromJsonAsync<JsonElement>($"/api/dm/devices/{deviceId}/prekeys");
        Assert.Equal(0, counts.GetProperty("preKeys").GetInt32());
        Assert.True(counts.GetProperty("refill").GetBoolean());
        foreach (var http in requesters)
        {
            http.Dispose();
        }
    }

    [Fact]
    public async Task Without_one_time_prekeys_the_bundle_still_has_the_signed_prekey_and_the_Kyber_last_resort_key()
    {
        var owner = await cluster.NewUserAsync("own");
        var peer = await cluster.NewUserAsync("peer");
        using var ownerHttp = cluster.CreateClient(owner.AccessToken);
        using var peerHttp = cluster.CreateClient(peer.AccessToken);
        var kyberLastResort = new { keyId = 900, publicKey = Convert.ToBase64String(new byte[1569]), signature = DmClient.Signature() };
        var oneTimeKyber = new object[] { new { keyId = 901, publicKey = Convert.ToBase64String(new byte[1569]), signature = DmClient.Signature() } };
        await ownerHttp.RegisterDeviceAsync(preKeys: 1, kyberLastResort: kyberLastResort, kyberPreKeys: oneTimeKyber);
        await peerHttp.OpenDirectAsync(owner.User.Id);

        var first = (await peerHttp.GetFromJsonAsync<JsonElement>($"/api/dm/users/{owner.User.Id}/bundles")).GetProperty("devices")[0];
        Assert.Equal(1, first.GetProperty("preKey").GetProperty("keyId").GetInt32());
        Assert.Equal(901, first.GetProperty("kyberPreKey").GetProperty("keyId").GetInt32());

        var second = (await peerHttp.GetFromJsonAsync<JsonElement>($"/api/dm/users/{owner.User.Id}/bundles")).GetProperty("devices")[0];
        Assert.False(second.TryGetProperty("preKey", out _));
        Assert.Equal(900, second.GetProperty("kyberPreKey").GetProperty("keyId").GetInt32());
        Assert.Equal(first.GetProperty("signedPreKey").GetProperty("publicKey").GetString(), second.GetProperty("signedPreKey").GetProperty("publicKey").GetString());
        Assert.Equal(first.GetProperty("identityKey").GetString(), second.GetProperty("identityKey").GetString());
    }

    [Fact]
    public async Task Keys_are_served_to_contacts_only_and_bad_key_material_is_refused()
    {
        var owner = await cluster.NewUserAsync("own");
        var stranger = await cluster.NewUserAsync("str");
        using var ownerHttp = cluster.CreateClient(owner.AccessToken);
        using var strangerHttp = cluster.CreateClient(stranger.AccessToken);
        await ownerHttp.RegisterDeviceAsync();

        await (await strangerHttp.GetAsync($"/api/dm/users/{owner.User.Id}/bundles")).AssertErrorAsync(HttpStatusCode.NotFound, "user_not_found");
        await (await strangerHttp.GetAsync($"/api/dm/users/{owner.User.Id}/devices")).AssertErrorAsync(HttpStatusCode.NotFound, "user_not_found");

        // Identity keys are 33 bytes with type byte 0x05; nothing is stored for a bad registration.
        var wrongType = Convert.FromBase64String(DmClient.CurveKey());
        wrongType[0] = 0x04;
        using var bad = await ownerHttp.PostAsJsonAsync("/api/dm/devices", new
        {
            registrationId = 7,
            identityKey = Convert.ToBase64String(wrongType),
            signedPreKey = new { keyId = 1, publicKey = DmClient.CurveKey(), signature = DmClient.Signature() },
        });
        await bad.AssertErrorAsync(HttpStatusCode.BadRequest, "validation_failed");
        using var tooMany = await ownerHttp.PostAsJsonAsync("/api/dm/devices", new
        {
            registrationId = 7,
            identityKey = DmClient.CurveKey(),
            signedPreKey = new { keyId = 1, publicKey = DmClient.CurveKey(), signature = DmClient.Signature() },
            preKeys = DmClient.PreKeys(101),
        });
        await tooMany.AssertErrorAsync(HttpStatusCode.BadRequest, "validation_failed");
        var devices = await ownerHttp.GetFromJsonAsync<JsonElement>("/api/dm/devices");
        Assert.Equal(1, devices.GetProperty("devices").GetArrayLength());
    }

    [Fact]
    public async Task A_rotated_signed_prekey_is_served_in_bundles_and_a_malformed_one_changes_nothing()
    {
        var owner = await cluster.NewUserAsync("own");
        var contact = await cluster.NewUserAsync("con");
        using var ownerHttp = cluster.CreateClient(owner.AccessToken);
        using var contactHttp = cluster.CreateClient(contact.AccessToken);
        var deviceId = await ownerHttp.RegisterDeviceAsync(preKeys: 0);
        await contactHttp.OpenDirectAsync(owner.User.Id);
        var before = (await ownerHttp.GetFromJsonAsync<JsonElement>("/api/dm/devices")).GetProperty("devices")[0];

        var rotated = new { keyId = 2, publicKey = DmClient.CurveKey(), signature = DmClient.Signature() };
        await Task.Delay(5);
        using (var ok = await ownerHttp.PutAsJsonAsync($"/api/dm/devices/{deviceId}/signed-prekey", new { signedPreKey = rotated }))
        {
            var body = await ok.Content.ReadAsStringAsync();
            Assert.True(ok.StatusCode == HttpStatusCode.OK, body);
            var updated = JsonDocument.Parse(body).RootElement.GetProperty("signedPreKeyUpdatedAt").GetDateTimeOffset();
            Assert.True(updated > before.GetProperty("signedPreKeyUpdatedAt").GetDateTimeOffset());
        }

        async Task<JsonElement> SignedInBundle() =>
            (await contactHttp.GetFromJsonAsync<JsonElement>($"/api/dm/users/{owner.User.Id}/bundles")).GetProperty("devices")[0].GetProperty("signedPreKey");
        var served = await SignedInBundle();
        Assert.Equal(2, served.GetProperty("keyId").GetInt32());
        Assert.Equal(rotated.publicKey, served.GetProperty("publicKey").GetString());
        Assert.Equal(rotated.signature, served.GetProperty("signature").GetString());

        // A 63-byte signature, a missing key, or a good signed prekey with a malformed Kyber key: refused, nothing replaced.
        var shortSignature = Convert.ToBase64String(new byte[63]);
        object[] bad =
        [
            new { signedPreKey = new { keyId = 3, publicKey = DmClient.CurveKey(), signature = shortSignature } },
            new { signedPreKey = (object?)null },
            new
            {
                signedPreKey = new { keyId = 3, publicKey = DmClient.CurveKey(), signature = DmClient.Signature() },
                kyberLastResortPreKey = new { keyId = 4, publicKey = DmClient.Body(), signature = shortSignature },
            },
        ];
        foreach (var body in bad)
        {
            using var refused = await ownerHttp.PutAsJsonAsync($"/api/dm/devices/{deviceId}/signed-prekey", body);
            await refused.AssertErrorAsync(HttpStatusCode.BadRequest, "validation_failed");
        }

        served = await SignedInBundle();
        Assert.Equal(2, served.GetProperty("keyId").GetInt32());
        Assert.Equal(rotated.publicKey, served.GetProperty("publicKey").GetString());
    }

    [Fact]
    public async Task Bundle_fetches_are_rate_limited_per_requester()
    {
        var owner = await cluster.NewUserAsync("own");
        var drainer = await cluster.NewUserAsync("drn");
        using var ownerHttp = cluster.CreateClient(owner.AccessToken);
        using var drainerHttp = cluster.CreateClient(drainer.AccessToken);
        await ownerHttp.RegisterDeviceAsync(preKeys: 100);
        await drainerHttp.OpenDirectAsync(owner.User.Id);

        HttpResponseMessage? refused = null;
        for (var i = 0; i < 101 && refused is null; i++)
        {
            var response = await drainerHttp.GetAsync($"/api/dm/users/{owner.User.Id}/bundles");
            if (response.StatusCode != HttpStatusCode.OK)
            {
                refused = response;
            }
        }

        Assert.NotNull(refused);
        await refused.AssertErrorAsync(HttpStatusCode.TooManyRequests, "rate_limited");
        var counts = await ownerHttp.GetFromJsonAsync<JsonElement>("/api/dm/devices/1/prekeys");
        Assert.Equal(0, counts.GetProperty("preKeys").GetInt32());
    }

    [Fact]
    public async Task An_envelope_set_that_does_not_match_the_device_lists_is_refused_and_nothing_is_stored()
    {
        var (a, b, conversation) = await PairAsync();
        using var aHttp = cluster.CreateClient(a.AccessToken);
        using var bHttp = cluster.CreateClient(b.AccessToken);
        var a1 = await aHttp.RegisterDeviceAsync();
        var a2 = await aHttp.RegisterDeviceAsync();
        var b1 = await bHttp.RegisterDeviceAsync();
        var b2 = await bHttp.RegisterDeviceAsync();

        // Missing: B's second device and A's own other device.
        using (var missing = await aHttp.SendEnvelopesAsync(conversation, a1, DmClient.Envelope(b.User.Id, b1, DmClient.Body())))
        {
            var body = await missing.Content.ReadAsStringAsync();
            Assert.Equal(HttpStatusCode.Conflict, missing.StatusCode);
            var error = JsonDocument.Parse(body).RootElement.GetProperty("error");
            Assert.Equal("devices_changed", error.GetProperty("code").GetString());
            var listed = error.GetProperty("missing").EnumerateArray().Select(d => (d.GetProperty("userId").GetString(), d.GetProperty("deviceId").GetInt32())).ToHashSet();
            Assert.Equal([(b.User.Id, b2), (a.User.Id, a2)], listed);
            Assert.Equal(0, error.GetProperty("extra").GetArrayLength());
        }

        // Extra: a device B does not have, and the sending device itself.
        using (var extra = await aHttp.SendEnvelopesAsync(
            conversation,
            a1,
            DmClient.Envelope(b.User.Id, b1, DmClient.Body()),
            DmClient.Envelope(b.User.Id, b2, DmClient.Body()),
            DmClient.Envelope(a.User.Id, a2, DmClient.Body()),
            DmClient.Envelope(a.User.Id, a1, DmClient.Body()),
            DmClient.Envelope(b.User.Id, 999, DmClient.Body())))
        {
            var error = JsonDocument.Parse(await extra.Content.ReadAsStringAsync()).RootElement.GetProperty("error");
            Assert.Equal(HttpStatusCode.Conflict, extra.StatusCode);
            Assert.Equal("devices_changed", error.GetProperty("code").GetString());
            var listed = error.GetProperty("extra").EnumerateArray().Select(d => (d.GetProperty("userId").GetString(), d.GetProperty("deviceId").GetInt32())).ToHashSet();
            Assert.Equal([(a.User.Id, a1), (b.User.Id, 999)], listed);
        }

        // Stale: the envelope was made for an earlier registration of the device.
        using (var stale = await aHttp.PostAsJsonAsync($"/api/dm/conversations/{conversation}/messages", new
        {
            senderDeviceId = a1,
            clientMessageId = "stale",
            envelopes = new object[]
            {
                new { userId = b.User.Id, deviceId = b1, type = 3, body = DmClient.Body(), registrationId = 16383 },
                DmClient.Envelope(b.User.Id, b2, DmClient.Body()),
                DmClient.Envelope(a.User.Id, a2, DmClient.Body()),
            },
        }))
        {
            var error = JsonDocument.Parse(await stale.Content.ReadAsStringAsync()).RootElement.GetProperty("error");
            Assert.Equal(HttpStatusCode.Conflict, stale.StatusCode);
            Assert.Equal(b1, Assert.Single(error.GetProperty("stale").EnumerateArray()).GetProperty("deviceId").GetInt32());
        }

        Assert.Equal(0L, await cluster.CountEnvelopesAsync(conversation));

        // The matching set is stored: one row per recipient device, the body untouched.
        var bodies = new[] { DmClient.Body(), DmClient.Body(), DmClient.Body() };
        using var ok = await aHttp.SendEnvelopesAsync(
            conversation,
            a1,
            DmClient.Envelope(b.User.Id, b1, bodies[0]),
            DmClient.Envelope(b.User.Id, b2, bodies[1]),
            DmClient.Envelope(a.User.Id, a2, bodies[2]));
        Assert.Equal(HttpStatusCode.Created, ok.StatusCode);
        await using var db = TestEnvironment.OpenDatabase(cluster.DatabaseUrl);
        await using var read = db.CreateCommand("SELECT content FROM dm_messages WHERE conversation_id = $1 ORDER BY id");
        read.Parameters.AddWithValue(conversation);
        var stored = new List<string>();
        await using (var reader = await read.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                stored.Add(reader.GetString(0));
            }
        }

        Assert.Equal(bodies.Order(), stored.Order());
    }

    [Fact]
    public async Task A_retried_client_message_id_stores_the_envelopes_once()
    {
        var (a, b, conversation) = await PairAsync();
        using var aHttp = cluster.CreateClient(a.AccessToken);
        using var bHttp = cluster.CreateClient(b.AccessToken);
        var a1 = await aHttp.RegisterDeviceAsync();
        var b1 = await bHttp.RegisterDeviceAsync();
        var request = new { senderDeviceId = a1, clientMessageId = "retry-1", envelopes = new[] { DmClient.Envelope(b.User.Id, b1, DmClient.Body()) } };
        var first = await (await aHttp.PostAsJsonAsync($"/api/dm/conversations/{conversation}/messages", request)).Content.ReadFromJsonAsync<JsonElement>();
        var second = await (await aHttp.PostAsJsonAsync($"/api/dm/conversations/{conversation}/messages", request)).Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(first.GetProperty("messageId").GetGuid(), second.GetProperty("messageId").GetGuid());
        Assert.Equal(1L, await cluster.CountEnvelopesAsync(conversation));
    }

    [Fact]
    public async Task A_non_member_can_neither_post_to_nor_read_a_conversation()
    {
        var (a, b, conversation) = await PairAsync();
        var outsider = await cluster.NewUserAsync("out");
        using var aHttp = cluster.CreateClient(a.AccessToken);
        using var bHttp = cluster.CreateClient(b.AccessToken);
        using var outsiderHttp = cluster.CreateClient(outsider.AccessToken);
        var b1 = await bHttp.RegisterDeviceAsync();
        var a1 = await aHttp.RegisterDeviceAsync();
        var o1 = await outsiderHttp.RegisterDeviceAsync();
        (await aHttp.SendEnvelopesAsync(conversation, a1, DmClient.Envelope(b.User.Id, b1, DmClient.Body()))).EnsureSuccessStatusCode();

        await (await outsiderHttp.SendEnvelopesAsync(conversation, o1, DmClient.Envelope(b.User.Id, b1, DmClient.Body()), DmClient.Envelope(a.User.Id, a1, DmClient.Body())))
            .AssertErrorAsync(HttpStatusCode.NotFound, "conversation_not_found");
        await (await outsiderHttp.GetAsync($"/api/dm/conversations/{conversation}/messages?deviceId={o1}")).AssertErrorAsync(HttpStatusCode.NotFound, "conversation_not_found");
        await (await outsiderHttp.GetAsync($"/api/dm/conversations/{conversation}")).AssertErrorAsync(HttpStatusCode.NotFound, "conversation_not_found");
        await (await outsiderHttp.PostAsJsonAsync($"/api/dm/conversations/{conversation}/members", new { userIds = new[] { outsider.User.Id } }))
            .AssertErrorAsync(HttpStatusCode.NotFound, "conversation_not_found");
        Assert.Equal(1L, await cluster.CountEnvelopesAsync(conversation));

        // A member reads only what was addressed to their own devices.
        var history = await bHttp.GetFromJsonAsync<JsonElement>($"/api/dm/conversations/{conversation}/messages?deviceId={b1}");
        Assert.Equal(1, history.GetProperty("envelopes").GetArrayLength());
        var aHistory = await aHttp.GetFromJsonAsync<JsonElement>($"/api/dm/conversations/{conversation}/messages?deviceId={b1}");
        Assert.Equal(0, aHistory.GetProperty("envelopes").GetArrayLength());
    }

    [Fact]
    public async Task Each_envelope_is_pushed_only_to_the_connections_of_its_device()
    {
        var (a, b, conversation) = await PairAsync();
        using var aHttp = cluster.CreateClient(a.AccessToken);
        using var bHttp = cluster.CreateClient(b.AccessToken);
        var a1 = await aHttp.RegisterDeviceAsync();
        var b1 = await bHttp.RegisterDeviceAsync();
        var b2 = await bHttp.RegisterDeviceAsync();
        await using var phone = await HubClient.ConnectAsync(cluster, b.AccessToken);
        await using var laptop = await HubClient.ConnectAsync(cluster, b.AccessToken);
        await using var undeclared = await HubClient.ConnectAsync(cluster, b.AccessToken);
        await phone.Connection.InvokeAsync<JsonElement>("DmUseDevice", b1);
        await laptop.Connection.InvokeAsync<JsonElement>("DmUseDevice", b2);

        // A device of someone else cannot be claimed by a connection.
        var foreign = await Assert.ThrowsAsync<HubException>(() => undeclared.Connection.InvokeAsync<JsonElement>("DmUseDevice", 9999));
        Assert.StartsWith("device_not_found:", foreign.Message.Split("HubException: ")[^1], StringComparison.Ordinal);

        string forPhone = DmClient.Body(), forLaptop = DmClient.Body();
        (await aHttp.SendEnvelopesAsync(conversation, a1, DmClient.Envelope(b.User.Id, b1, forPhone), DmClient.Envelope(b.User.Id, b2, forLaptop))).EnsureSuccessStatusCode();

        var (_, atPhone) = await phone.WaitForAsync("dm:envelope");
        var (_, atLaptop) = await laptop.WaitForAsync("dm:envelope");
        Assert.Equal(forPhone, atPhone.GetProperty("body").GetString());
        Assert.Equal(b1, atPhone.GetProperty("deviceId").GetInt32());
        Assert.Equal(forLaptop, atLaptop.GetProperty("body").GetString());
        Assert.Equal(conversation, atLaptop.GetProperty("conversationId").GetGuid());
        Assert.Equal(a1, atLaptop.GetProperty("senderDeviceId").GetInt32());

        // A later event to the same user proves the earlier envelopes had their chance to (wrongly) arrive.
        await using var aHub = await HubClient.ConnectAsync(cluster, a.AccessToken);
        await aHub.Connection.InvokeAsync("DmTyping", conversation);
        await undeclared.WaitForAsync("dm:typing");
        await phone.WaitForAsync("dm:typing");
        Assert.Equal(1, phone.Count("dm:envelope"));
        Assert.Equal(1, laptop.Count("dm:envelope"));
        Assert.Equal(0, undeclared.Count("dm:envelope"));
    }

    [Fact]
    public async Task An_offline_device_fetches_its_pending_envelopes_and_acknowledges_them()
    {
        var (a, b, conversation) = await PairAsync();
        using var aHttp = cluster.CreateClient(a.AccessToken);
        using var bHttp = cluster.CreateClient(b.AccessToken);
        var a1 = await aHttp.RegisterDeviceAsync();
        var b1 = await bHttp.RegisterDeviceAsync();
        var bodies = Enumerable.Range(0, 3).Select(_ => DmClient.Body()).ToList();
        foreach (var body in bodies)
        {
            (await aHttp.SendEnvelopesAsync(conversation, a1, DmClient.Envelope(b.User.Id, b1, body))).EnsureSuccessStatusCode();
        }

        var pending = (await bHttp.GetFromJsonAsync<JsonElement>($"/api/dm/devices/{b1}/envelopes")).GetProperty("envelopes");
        Assert.Equal(bodies, pending.EnumerateArray().Select(e => e.GetProperty("body").GetString()));
        var ids = pending.EnumerateArray().Select(e => e.GetProperty("id").GetGuid()).ToArray();
        var ack = await (await bHttp.PostAsJsonAsync($"/api/dm/devices/{b1}/envelopes/ack", new { ids })).Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(3, ack.GetProperty("acknowledged").GetInt32());
        Assert.Equal(0, (await bHttp.GetFromJsonAsync<JsonElement>($"/api/dm/devices/{b1}/envelopes")).GetProperty("envelopes").GetArrayLength());

        // Someone else's device id is not a mailbox the caller can read.
        await (await aHttp.GetAsync($"/api/dm/devices/{b1 + 1000}/envelopes")).AssertErrorAsync(HttpStatusCode.NotFound, "device_not_found");
    }

    [Fact]
    public async Task A_blocked_sender_is_told_success_but_nothing_reaches_or_is_stored_for_the_blocker()
    {
        var (a, b, conversation) = await PairAsync();
        using var aHttp = cluster.CreateClient(a.AccessToken);
        using var bHttp = cluster.CreateClient(b.AccessToken);
        var a1 = await aHttp.RegisterDeviceAsync();
        var a2 = await aHttp.RegisterDeviceAsync();
        var b1 = await bHttp.RegisterDeviceAsync();
        await using var bHub = await HubClient.ConnectAsync(cluster, b.AccessToken);
        await bHub.Connection.InvokeAsync<JsonElement>("DmUseDevice", b1);
        (await bHttp.PutAsync($"/api/dm/blocks/{a.User.Id}", null)).EnsureSuccessStatusCode();

        // The blocker's connections follow (their other tabs and devices hide the blocked person's messages).
        var (_, blockedEvent) = await bHub.WaitForAsync("blocks:update");
        Assert.True(blockedEvent.GetProperty("blocked").GetBoolean());
        Assert.Equal(a.User.Id, blockedEvent.GetProperty("user").GetProperty("id").GetString());
        Assert.Equal(a.User.Username, blockedEvent.GetProperty("user").GetProperty("username").GetString());

        using var sent = await aHttp.SendEnvelopesAsync(conversation, a1, DmClient.Envelope(b.User.Id, b1, DmClient.Body()), DmClient.Envelope(a.User.Id, a2, DmClient.Body()));
        Assert.Equal(HttpStatusCode.Created, sent.StatusCode);
        await using (var db = TestEnvironment.OpenDatabase(cluster.DatabaseUrl))
        {
            await using var toBlocker = db.CreateCommand("SELECT count(*) FROM dm_messages WHERE conversation_id = $1 AND recipient_id = $2");
            toBlocker.Parameters.AddWithValue(conversation);
            toBlocker.Parameters.AddWithValue(Guid.Parse(b.User.Id));
            Assert.Equal(0L, await toBlocker.ExecuteScalarAsync());
        }

        // A's own other device still gets its copy (A sees a normal conversation).
        Assert.Equal(1L, await cluster.CountEnvelopesAsync(conversation));

        // No new conversation with the blocker: they look like no user at all.
        var c = await cluster.NewUserAsync("blk");
        using var cHttp = cluster.CreateClient(c.AccessToken);
        (await cHttp.PutAsync($"/api/dm/blocks/{a.User.Id}", null)).EnsureSuccessStatusCode();
        await (await aHttp.PostAsJsonAsync("/api/dm/conversations", new { userId = c.User.Id })).AssertErrorAsync(HttpStatusCode.NotFound, "user_not_found");
        await (await aHttp.PostAsJsonAsync("/api/dm/conversations", new { userIds = new[] { b.User.Id, c.User.Id } })).AssertErrorAsync(HttpStatusCode.NotFound, "user_not_found");

        // Unblocked, messages flow again.
        (await bHttp.DeleteAsync($"/api/dm/blocks/{a.User.Id}")).EnsureSuccessStatusCode();
        var (_, unblockedEvent) = await bHub.WaitForAsync("blocks:update", e => !e.GetProperty("blocked").GetBoolean());
        Assert.Equal(a.User.Id, unblockedEvent.GetProperty("user").GetProperty("id").GetString());
        var body = DmClient.Body();
        (await aHttp.SendEnvelopesAsync(conversation, a1, DmClient.Envelope(b.User.Id, b1, body), DmClient.Envelope(a.User.Id, a2, DmClient.Body()))).EnsureSuccessStatusCode();
        var (_, envelope) = await bHub.WaitForAsync("dm:envelope");
        Assert.Equal(body, envelope.GetProperty("body").GetString());
        Assert.Equal(1, bHub.Count("dm:envelope"));
    }

    [Fact]
    public async Task The_direct_conversation_of_a_pair_is_created_once_whoever_opens_it()
    {
        var a = await cluster.NewUserAsync("a");
        var b = await cluster.NewUserAsync("b");
        using var aHttp = cluster.CreateClient(a.AccessToken);
        using var bHttp = cluster.CreateClient(b.AccessToken);
        var ids = await Task.WhenAll(
            aHttp.OpenDirectAsync(b.User.Id),
            bHttp.OpenDirectAsync(a.User.Id),
            aHttp.OpenDirectAsync(b.User.Id));
        Assert.Single(ids.Distinct());
        using var byName = await aHttp.PostAsJsonAsync("/api/dm/conversations", new { username = b.User.Username });
        Assert.Equal(ids[0], (await byName.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid());
        var list = await bHttp.GetFromJsonAsync<JsonElement>("/api/dm/conversations");
        Assert.Equal(ids[0], Assert.Single(list.GetProperty("conversations").EnumerateArray()).GetProperty("id").GetGuid());
    }

    [Fact]
    public async Task Groups_have_at_most_25_members_and_members_come_and_go()
    {
        var a = await cluster.NewUserAsync("a");
        var b = await cluster.NewUserAsync("b");
        var c = await cluster.NewUserAsync("c");
        using var aHttp = cluster.CreateClient(a.AccessToken);
        using var cHttp = cluster.CreateClient(c.AccessToken);
        var tooMany = Enumerable.Range(0, 25).Select(_ => Guid.NewGuid()).ToArray();
        await (await aHttp.PostAsJsonAsync("/api/dm/conversations", new { userIds = tooMany })).AssertErrorAsync(HttpStatusCode.BadRequest, "limit_reached");

        await using var cHub = await HubClient.ConnectAsync(cluster, c.AccessToken);
        using var created = await aHttp.PostAsJsonAsync("/api/dm/conversations", new { userIds = new[] { b.User.Id }, name = "Trip" });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var group = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
        await (await cHttp.GetAsync($"/api/dm/conversations/{group}")).AssertErrorAsync(HttpStatusCode.NotFound, "conversation_not_found");

        (await aHttp.PostAsJsonAsync($"/api/dm/conversations/{group}/members", new { userIds = new[] { c.User.Id } })).EnsureSuccessStatusCode();
        var (_, announced) = await cHub.WaitForAsync("dm:conversation", e => e.GetProperty("id").GetGuid() == group);
        Assert.Equal(3, announced.GetProperty("members").GetArrayLength());
        Assert.Equal("Trip", announced.GetProperty("name").GetString());

        (await cHttp.DeleteAsync($"/api/dm/conversations/{group}/members/@me")).EnsureSuccessStatusCode();
        await cHub.WaitForAsync("dm:removed", e => e.GetProperty("conversationId").GetGuid() == group);
        await (await cHttp.GetAsync($"/api/dm/conversations/{group}")).AssertErrorAsync(HttpStatusCode.NotFound, "conversation_not_found");
        var view = await aHttp.GetFromJsonAsync<JsonElement>($"/api/dm/conversations/{group}");
        Assert.Equal(2, view.GetProperty("members").GetArrayLength());
    }

    [Fact]
    public async Task Adding_or_removing_a_device_is_announced_to_conversation_members()
    {
        var (a, b, _) = await PairAsync();
        using var bHttp = cluster.CreateClient(b.AccessToken);
        await using var aHub = await HubClient.ConnectAsync(cluster, a.AccessToken);
        var b1 = await bHttp.RegisterDeviceAsync();
        var (_, added) = await aHub.WaitForAsync("dm:devices", e => e.GetProperty("devices").GetArrayLength() == 1);
        Assert.Equal(b.User.Id, added.GetProperty("userId").GetString());
        Assert.Equal(b1, added.GetProperty("devices")[0].GetProperty("deviceId").GetInt32());

        (await bHttp.DeleteAsync($"/api/dm/devices/{b1}")).EnsureSuccessStatusCode();
        await aHub.WaitForAsync("dm:devices", e => e.GetProperty("devices").GetArrayLength() == 0);
    }

    [Fact]
    public async Task A_new_name_reaches_the_people_one_shares_a_conversation_with_at_once_and_nobody_else()
    {
        var (a, b, _) = await PairAsync();
        var stranger = await cluster.NewUserAsync("s");
        await using var bHub = await HubClient.ConnectAsync(cluster, b.AccessToken);
        await using var strangerHub = await HubClient.ConnectAsync(cluster, stranger.AccessToken);
        using var aHttp = cluster.CreateClient(a.AccessToken);

        (await aHttp.PatchAsJsonAsync("/api/users/@me", new { displayName = "Nouveau Nom" })).EnsureSuccessStatusCode();
        var (_, update) = await bHub.WaitForAsync("user:update");
        Assert.False(update.TryGetProperty("guildId", out _));
        Assert.Equal(a.User.Id, update.GetProperty("user").GetProperty("id").GetString());
        Assert.Equal("Nouveau Nom", update.GetProperty("user").GetProperty("displayName").GetString());
        await Task.Delay(300);
        Assert.Equal(0, strangerHub.Count("user:update"));
    }

    private async Task<(ApiClient.Tokens A, ApiClient.Tokens B, Guid Conversation)> PairAsync()
    {
        var a = await cluster.NewUserAsync("a");
        var b = await cluster.NewUserAsync("b");
        using var http = cluster.CreateClient(a.AccessToken);
        return (a, b, await http.OpenDirectAsync(b.User.Id));
    }
}
