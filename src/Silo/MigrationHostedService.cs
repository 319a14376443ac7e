using LesCopains.Grains.Persistence;

namespace LesCopains.Silo;

/// <summary>
/// Brings the database schema up to date before the silo joins the cluster (registered before
/// Orleans, so it runs first). Retries while PostgreSQL is not reachable yet.
/// </summary>
public sealed partial class MigrationHostedService(MigrationRunner runner, ILogger<MigrationHostedService> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            try
            {
                var applied = await runner.ApplyAsync(cancellationToken);
                LogSchemaReady(applied.Count);
                return;
            }
            catch (Npgsql.NpgsqlException ex) when (DateTime.UtcNow < deadline && ex.IsTransient)
            {
                LogWaiting(ex.Message);
                await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
            }
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Information, Message = "Database schema is current ({Applied} migrations applied now)")]
    private partial void LogSchemaReady(int applied);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Waiting for PostgreSQL: {Reason}")]
    private partial void LogWaiting(string reason);
}
