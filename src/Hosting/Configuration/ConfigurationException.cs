namespace LesCopains.Hosting.Configuration;

/// <summary>A missing or invalid setting; the message names the environment variable.</summary>
public sealed class ConfigurationException(string variable, string problem)
    : Exception($"Configuration error: {variable} {problem}")
{
    public string Variable { get; } = variable;
}
