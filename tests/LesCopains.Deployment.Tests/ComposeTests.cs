using System.Text.RegularExpressions;
using YamlDotNet.RepresentationModel;

namespace LesCopains.Deployment.Tests;

public sealed partial class ComposeTests
{
    public static TheoryData<string> AllServices => ["caddy", "postgres", "redis", "silo", "api", "sfu-worker"];

    public static TheoryData<string> BuiltServices => ["silo", "api", "sfu-worker"];

    public static TheoryData<string> PulledServices => ["caddy", "postgres", "redis"];

    /// <summary>What each process reads from its environment (ARCHITECTURE §7 and the process notes).</summary>
    public static TheoryData<string, string> RequiredEnvironment
    {
        get
        {
            var data = new TheoryData<string, string>();
            string[] cluster = ["DATABASE_URL", "REDIS_URL", "REDIS_PASSWORD", "CLUSTER_ID", "ADMIN_PASSWORD", "PRESENCE_TTL"];
            foreach (var name in cluster.Concat(["SILO_PORT", "GATEWAY_PORT", "SILO_HTTP_PORT", "SILO_ADVERTISED_IP", "SFU_WORKER_SECRET", "MAX_PARTICIPANTS_PER_ROOM"]))
            {
                data.Add("silo", name);
            }

            foreach (var name in cluster.Concat([
                "API_PORT", "BIND_ADDRESS", "JWT_SECRET", "MFA_SECRET_KEY", "JWT_ACCESS_EXPIRY", "JWT_REFRESH_EXPIRY",
                "RATE_LIMIT_MAX", "MAX_FILE_SIZE", "WS_PING_INTERVAL", "UPLOADS_DIR", "TRUSTED_PROXIES"]))
            {
                data.Add("api", name);
            }

            foreach (var name in new[] { "REDIS_URL", "REDIS_PASSWORD", "CLUSTER_ID", "SFU_WORKER_SECRET", "SFU_WORKER_PORT", "SFU_WORKER_URL", "BIND_ADDRESS", "RTC_ANNOUNCED_IP", "RTC_MIN_PORT", "RTC_MAX_PORT" })
            {
                data.Add("sfu-worker", name);
            }

            return data;
        }
    }

    [Fact]
    public void Sfu_worker_publishes_only_its_udp_media_range()
    {
        var ports = Repo.Service("sfu-worker").Strings("ports");
        var mapping = Assert.Single(ports);
        Assert.Equal("${RTC_MIN_PORT:-40000}-${RTC_MAX_PORT:-40100}:${RTC_MIN_PORT:-40000}-${RTC_MAX_PORT:-40100}/udp", mapping);
        Assert.Equal(["3003"], Repo.Service("sfu-worker").Strings("expose"));
        Assert.Equal("3003", Repo.Environment("sfu-worker")["SFU_WORKER_PORT"]);
        Assert.Equal(Repo.Environment("silo")["SFU_WORKER_SECRET"], Repo.Environment("sfu-worker")["SFU_WORKER_SECRET"]);
    }

    [Theory]
    [MemberData(nameof(AllServices))]
    public void Required_service_exists(string service) =>
        Assert.True(Repo.Services.Children.ContainsKey(new YamlScalarNode(service)), $"service '{service}' is missing");

    [Theory]
    [MemberData(nameof(AllServices))]
    public void Every_service_has_a_healthcheck(string service)
    {
        var healthcheck = Repo.Service(service).Map("healthcheck");
        Assert.NotEmpty(healthcheck.Strings("test"));
        Assert.NotEqual("NONE", healthcheck.Strings("test")[0]);
    }

    [Theory]
    [InlineData("silo")]
    [InlineData("api")]
    public void Is_scalable_no_container_name_and_no_host_ports(string service)
    {
        var node = Repo.Service(service);
        Assert.Null(node.Get("container_name"));
        Assert.Null(node.Get("ports"));
    }

    [Theory]
    [InlineData("api")]
    [InlineData("silo")]
    [InlineData("postgres")]
    [InlineData("redis")]
    public void Only_the_proxy_publishes_ports(string service) => Assert.Null(Repo.Service(service).Get("ports"));

    [Fact]
    public void Proxy_publishes_http_https_and_http3()
    {
        var ports = Repo.Service("caddy").Strings("ports");
        Assert.Contains("80:80", ports);
        Assert.Contains("443:443/tcp", ports);
        Assert.Contains("443:443/udp", ports);
    }

    [Fact]
    public void Dashboard_is_published_on_the_host_loopback_only()
    {
        foreach (var mapping in Repo.Service("caddy").Strings("ports").Where(p => p.Contains("8081", StringComparison.Ordinal)))
        {
            Assert.StartsWith("127.0.0.1:", mapping, StringComparison.Ordinal);
        }
    }

    [Theory]
    [MemberData(nameof(RequiredEnvironment))]
    public void Service_gets_the_setting_its_process_needs(string service, string variable) =>
        Assert.True(Repo.Environment(service).ContainsKey(variable), $"{service} lacks {variable}");

    [Theory]
    [InlineData("api", "JWT_SECRET")]
    [InlineData("api", "MFA_SECRET_KEY")]
    [InlineData("api", "ADMIN_PASSWORD")]
    [InlineData("silo", "ADMIN_PASSWORD")]
    [InlineData("silo", "REDIS_PASSWORD")]
    [InlineData("postgres", "POSTGRES_PASSWORD")]
    [InlineData("silo", "SFU_WORKER_SECRET")]
    [InlineData("sfu-worker", "SFU_WORKER_SECRET")]
    public void Secrets_have_no_default_and_stop_compose_when_unset(string service, string variable) =>
        Assert.Matches(@"\$\{[A-Z_]+:\?[^}]+\}", Repo.Environment(service)[variable]);

    [Fact]
    public void Silo_ports_match_the_processes_defaults()
    {
        var env = Repo.Environment("silo");
        Assert.Equal("11111", env["SILO_PORT"]);
        Assert.Equal("30000", env["GATEWAY_PORT"]);
        Assert.Equal("3001", env["SILO_HTTP_PORT"]);
        Assert.Equal("auto", env["SILO_ADVERTISED_IP"]);
        Assert.Equivalent(new[] { "11111", "30000", "3001" }, Repo.Service("silo").Strings("expose"));
    }

    [Fact]
    public void Api_port_matches_the_processes_default()
    {
        var env = Repo.Environment("api");
        Assert.Equal("3000", env["API_PORT"]);
        Assert.Equal("0.0.0.0", env["BIND_ADDRESS"]);
        Assert.Equal(["3000"], Repo.Service("api").Strings("expose"));
    }

    [Theory]
    [InlineData("silo", "http://localhost:3001/health")]
    [InlineData("api", "http://localhost:3000/health")]
    [InlineData("sfu-worker", "http://localhost:3003/health")]
    public void Health_checks_ask_the_processes_health_endpoint(string service, string url) =>
        Assert.Contains(url, Repo.Service(service).Map("healthcheck").Strings("test"));

    [Fact]
    public void Services_reach_each_other_on_the_internal_ports()
    {
        var env = Repo.Environment("api");
        Assert.Matches(@"^postgresql://[^@]+@postgres:5432/", env["DATABASE_URL"]);
        Assert.Equal("redis://redis:6379", env["REDIS_URL"]);
        Assert.Equal(env["DATABASE_URL"], Repo.Environment("silo")["DATABASE_URL"]);
        Assert.Equal(env["CLUSTER_ID"], Repo.Environment("silo")["CLUSTER_ID"]);
    }

    [Fact]
    public void Start_order_follows_health()
    {
        Assert.Equal("service_healthy", Repo.Service("api").Map("depends_on").Map("silo").Scalar("condition"));
        Assert.Equal("service_healthy", Repo.Service("silo").Map("depends_on").Map("postgres").Scalar("condition"));
        Assert.Equal("service_healthy", Repo.Service("silo").Map("depends_on").Map("redis").Scalar("condition"));
    }

    [Fact]
    public void Redis_requires_a_password_and_keeps_an_append_only_file()
    {
        var command = Repo.Service("redis").Strings("command");
        Assert.Contains("--requirepass", command);
        Assert.Equal("yes", command[command.ToList().IndexOf("--appendonly") + 1]);
    }

    [Theory]
    [MemberData(nameof(PulledServices))]
    public void Pulled_images_are_always_pulled(string service) =>
        Assert.Equal("always", Repo.Service(service).Scalar("pull_policy"));

    [Theory]
    [MemberData(nameof(BuiltServices))]
    public void Built_images_are_built_from_the_repository_root(string service)
    {
        var service_ = Repo.Service(service);
        Assert.Equal("build", service_.Scalar("pull_policy"));
        var build = service_.Map("build");
        Assert.Equal(".", build.Scalar("context"));
        Assert.True(File.Exists(Repo.PathOf(build.Scalar("dockerfile")!)), $"{build.Scalar("dockerfile")} does not exist");
    }

    [Fact]
    public void Named_volumes_are_bound_under_data()
    {
        var volumes = Repo.Compose.Map("volumes");
        Assert.NotEmpty(volumes.Children);
        foreach (var (name, node) in volumes.Children)
        {
            var options = ((YamlMappingNode)node).Map("driver_opts");
            Assert.Equal("bind", options.Scalar("o"));
            Assert.StartsWith("./data/", options.Scalar("device"), StringComparison.Ordinal);
            Assert.True(options.Scalar("device")!.Length > "./data/".Length, $"volume {name} binds all of ./data");
        }
    }

    [Theory]
    [MemberData(nameof(AllServices))]
    public void Service_mounts_are_named_volumes_or_read_only_config(string service)
    {
        var declared = Repo.Compose.Map("volumes").Children.Keys.Select(k => ((YamlScalarNode)k).Value).ToHashSet();
        foreach (var mount in Repo.Service(service).Strings("volumes"))
        {
            var source = mount.Split(':')[0];
            if (source.StartsWith('.') || source.StartsWith('/'))
            {
                Assert.StartsWith("./deploy/", source, StringComparison.Ordinal);
                Assert.EndsWith(":ro", mount, StringComparison.Ordinal);
                Assert.True(File.Exists(Repo.PathOf(source[2..])), $"{source} does not exist");
            }
            else
            {
                Assert.Contains(source, declared);
            }
        }
    }

    [Fact]
    public void Env_example_names_every_required_variable()
    {
        var example = Repo.ReadText(".env.example");
        var required = RequiredVariable().Matches(Repo.ReadText("docker-compose.yml"))
            .Select(m => m.Groups[1].Value).Distinct().ToList();
        Assert.NotEmpty(required);
        foreach (var name in required)
        {
            Assert.Matches($"(?m)^{name}=", example);
        }
    }

    [GeneratedRegex(@"\$\{([A-Z_]+):\?")]
    private static partial Regex RequiredVariable();
}
