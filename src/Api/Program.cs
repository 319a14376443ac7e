return await LesCopains.Hosting.ProcessEntry.RunAsync(() => LesCopains.Api.ApiApplication.Build(args));
