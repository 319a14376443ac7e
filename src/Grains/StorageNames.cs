namespace LesCopains.Grains;

/// <summary>Names of the grain storage providers configured by the silo.</summary>
public static class StorageNames
{
    /// <summary>ADO.NET grain storage on PostgreSQL, JSON state.</summary>
    public const string Postgres = "postgres";
}
