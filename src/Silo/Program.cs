using LesCopains.Hosting.Configuration;
using LesCopains.Silo;

WebApplication app;
try
{
    app = SiloApplication.Build(args);
}
catch (ConfigurationException ex)
{
    Console.Error.WriteLine(ex.Message);
    return 2;
}

await app.RunAsync();
return 0;
