using System.Security.Cryptography;

namespace LesCopains.Api.Uploads;

/// <summary>A stored blob: its SHA-256 (lowercase hex), its size, and whether this write created it.</summary>
public sealed record StoredBlob(string Sha256, long Size, bool Created);

/// <summary>Thrown when a blob is longer than the limit given to <see cref="IBlobStore.PutAsync"/>; nothing was kept.</summary>
public sealed class BlobTooLargeException(long limit) : Exception($"The content is larger than {limit} bytes.")
{
    public long Limit { get; } = limit;
}

/// <summary>
/// Content-addressed byte storage for uploads (channel attachments, encrypted DM blobs, ...).
/// Bytes are streamed, never held in memory; a blob is named by its SHA-256, so the same bytes are
/// stored once. The store knows nothing about who may read a blob: callers keep that in their own
/// tables and check it before <see cref="OpenRead"/>. An object store can replace the file system
/// implementation behind this interface.
/// </summary>
public interface IBlobStore
{
    /// <summary>
    /// Streams <paramref name="content"/> into the store, hashing as it goes. More than
    /// <paramref name="maxBytes"/> bytes throws <see cref="BlobTooLargeException"/> as soon as the
    /// limit is crossed, and leaves nothing behind.
    /// </summary>
    Task<StoredBlob> PutAsync(Stream content, long maxBytes, CancellationToken cancellationToken);

    /// <summary>A seekable stream over the blob, or null when it is not stored.</summary>
    Stream? OpenRead(string sha256);

    /// <summary>Removes a blob (callers make sure nothing refers to it any more).</summary>
    void Delete(string sha256);

    /// <summary>Removes a blob unless it was stored (again) since <paramref name="untouchedSince"/>.</summary>
    void Delete(string sha256, DateTimeOffset untouchedSince);
}

/// <summary>
/// <see cref="IBlobStore"/> on a directory (<c>UPLOADS_DIR</c>): <c>ab/cd/abcd…</c> sharded by the
/// first two bytes of the hash; writes go to <c>tmp/</c> first and are moved into place, so a reader
/// never sees a partial blob and a crash leaves only a temp file (removed at a later start once an hour old).
/// </summary>
public sealed class FileSystemBlobStore : IBlobStore
{
    private const int BufferSize = 81920;

    private readonly string root;
    private readonly string temp;

    public FileSystemBlobStore(string root)
    {
        this.root = Path.GetFullPath(root);
        temp = Path.Combine(this.root, "tmp");
        Directory.CreateDirectory(temp);
        // Left by a crash; another Api node sharing the directory may be writing the recent ones.
        foreach (var stale in new DirectoryInfo(temp).EnumerateFiles().Where(f => f.LastWriteTimeUtc < DateTime.UtcNow.AddHours(-1)))
        {
            stale.Delete();
        }
    }

    public async Task<StoredBlob> PutAsync(Stream content, long maxBytes, CancellationToken cancellationToken)
    {
        var tempPath = Path.Combine(temp, Guid.NewGuid().ToString("N"));
        try
        {
            long size = 0;
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            await using (var file = new FileStream(tempPath, FileMode.CreateNew, FileAccess.Write, FileShare.None, BufferSize, FileOptions.Asynchronous))
            {
                var buffer = new byte[BufferSize];
                int read;
                while ((read = await content.ReadAsync(buffer, cancellationToken)) > 0)
                {
                    size += read;
                    if (size > maxBytes)
                    {
                        throw new BlobTooLargeException(maxBytes);
                    }

                    hash.AppendData(buffer, 0, read);
                    await file.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
                }

                await file.FlushAsync(cancellationToken);
            }

            var sha256 = Convert.ToHexStringLower(hash.GetHashAndReset());
            var path = PathOf(sha256);
            if (File.Exists(path))
            {
                // Mark it as stored again, so that a sweep of unreferenced blobs leaves it alone.
                File.SetLastWriteTimeUtc(path, DateTime.UtcNow);
                return new StoredBlob(sha256, size, false);
            }

            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            try
            {
                File.Move(tempPath, path, overwrite: false);
            }
            catch (IOException) when (File.Exists(path))
            {
                // The same bytes were stored concurrently: keep theirs.
                return new StoredBlob(sha256, size, false);
            }

            return new StoredBlob(sha256, size, true);
        }
        finally
        {
            File.Delete(tempPath);
        }
    }

    public Stream? OpenRead(string sha256)
    {
        try
        {
            return new FileStream(PathOf(sha256), FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, BufferSize, FileOptions.Asynchronous);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
    }

    public void Delete(string sha256) => File.Delete(PathOf(sha256));

    public void Delete(string sha256, DateTimeOffset untouchedSince)
    {
        var file = new FileInfo(PathOf(sha256));
        if (file.Exists && file.LastWriteTimeUtc < untouchedSince.UtcDateTime)
        {
            file.Delete();
        }
    }

    private string PathOf(string sha256)
    {
        if (sha256.Length != 64 || !sha256.All(char.IsAsciiHexDigitLower))
        {
            throw new ArgumentException("Not a lowercase SHA-256 hex digest.", nameof(sha256));
        }

        return Path.Combine(root, sha256[..2], sha256[2..4], sha256);
    }
}
