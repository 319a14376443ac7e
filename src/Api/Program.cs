using LesCopains.Api;
using LesCopains.Hosting.Configuration;

WebApplication app;
try
{
    app = ApiApplication.Build(args);
}
catch (ConfigurationException ex)
{
    Console.Error.WriteLine(ex.Message);
    return 2;
}

await app.RunAsync();
return 0;
