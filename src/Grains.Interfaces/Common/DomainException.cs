namespace LesCopains.Grains;

/// <summary>
/// A rule of the domain was broken. <see cref="Code"/> is stable and reaches the client
/// unchanged; the Api maps it to an HTTP status.
/// </summary>
[GenerateSerializer, Alias("lc.DomainException")]
public sealed class DomainException : Exception
{
    public DomainException()
    {
        Code = ErrorCodes.Internal;
    }

    public DomainException(string code, string message)
        : base(message)
    {
        Code = code;
    }

    public DomainException(string message, Exception innerException)
        : base(message, innerException)
    {
        Code = ErrorCodes.Internal;
    }

    [Id(0)]
    public string Code { get; init; }
}
