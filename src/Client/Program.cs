using Emulator.Client;

return await ClientCommands.Build().Parse(args).InvokeAsync();
