using LesCopains.Hosting.Configuration;
using LesCopains.Node;

WebApplication app;
try
{
    app = NodeApplication.Build(args);
}
catch (ConfigurationException ex)
{
    Console.Error.WriteLine(ex.Message);
    return 2;
}

await app.RunAsync();
return 0;
