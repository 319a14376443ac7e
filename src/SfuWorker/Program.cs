return await LesCopains.Hosting.ProcessEntry.RunAsync(() => LesCopains.SfuWorker.SfuWorkerApplication.Build(args));
