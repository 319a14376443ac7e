return await LesCopains.Hosting.ProcessEntry.RunAsync(() => LesCopains.Silo.SiloApplication.Build(args));
