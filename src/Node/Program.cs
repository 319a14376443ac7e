return await LesCopains.Hosting.ProcessEntry.RunAsync(() => LesCopains.Node.NodeApplication.Build(args));
