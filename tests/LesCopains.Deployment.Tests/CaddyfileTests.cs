using System.Text.RegularExpressions;

namespace LesCopains.Deployment.Tests;

public sealed class CaddyfileTests
{
    private static string Caddyfile => Repo.ReadText("deploy/Caddyfile");

    /// <summary>The body of the site block whose address line starts with <paramref name="address"/>.</summary>
    private static string Site(string address)
    {
        var start = Caddyfile.IndexOf("\n" + address, StringComparison.Ordinal);
        Assert.True(start >= 0, $"no site {address}");
        var open = Caddyfile.IndexOf('{', start + address.Length + 1);
        int depth = 0, i = open;
        for (; i < Caddyfile.Length; i++)
        {
            depth += Caddyfile[i] switch { '{' => 1, '}' => -1, _ => 0 };
            if (depth == 0)
            {
                break;
            }
        }

        return Caddyfile[open..i];
    }

    [Fact]
    public void Public_site_is_the_domain_and_proxies_to_every_api_container()
    {
        var site = Site("{$DOMAIN}");
        Assert.Matches(@"(?m)^\s*reverse_proxy \{\s*$", site);
        // The service name looked up again and again, so `--scale api=N` adds upstreams.
        Assert.Matches(@"dynamic a \{\s*name api\s*port 3000\s*refresh \d+s\s*\}", site);
        Assert.DoesNotContain("silo", site, StringComparison.Ordinal);
    }

    [Fact]
    public void A_browser_sticks_to_one_api_node()
    {
        // SignalR's negotiate request and the connection after it must reach the same node.
        Assert.Matches(@"(?m)^\s*lb_policy cookie\b", Site("{$DOMAIN}"));
    }

    [Fact]
    public void Public_site_hides_admin_endpoints()
    {
        var site = Site("{$DOMAIN}");
        Assert.Matches(@"@admin path [^\n]*/metrics", site);
        Assert.Matches(@"@admin path [^\n]*/dashboard", site);
        Assert.Matches(@"respond @admin 40[34]", site);
    }

    [Fact]
    public void Dashboard_site_is_plain_http_on_the_port_compose_keeps_on_loopback()
    {
        Assert.Matches(@"(?m)^\s*reverse_proxy silo:3001\s*$", Site("http://:8081"));
        Assert.Contains("127.0.0.1:8081:8081", Repo.Service("caddy").Strings("ports"));
    }

    [Fact]
    public void Compose_mounts_this_caddyfile() =>
        Assert.Contains("./deploy/Caddyfile:/etc/caddy/Caddyfile:ro", Repo.Service("caddy").Strings("volumes"));

    [Fact]
    public void Braces_are_balanced() =>
        Assert.Equal(Regex.Matches(Caddyfile, "{").Count, Regex.Matches(Caddyfile, "}").Count);
}
