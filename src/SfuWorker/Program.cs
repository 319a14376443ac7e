await LesCopains.SfuWorker.SfuWorkerApplication.Build(args).RunAsync();
