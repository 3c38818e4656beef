using Emulator.Silo.Aws;
using Emulator.Silo.Dashboard;
using Emulator.Silo.Hosting;

var builder = WebApplication.CreateBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory });
builder.Configuration.AddCommandLine(args, EmulatorHostBuilderExtensions.SwitchMappings);
Emulator.Model.EmulatorOptions emulator;
SiloHostOptions host;
try
{
    (emulator, host) = builder.BindOptions();
    builder.AddEmulatorSilo(emulator, host);
}
catch (Exception e) when (e is ArgumentException or InvalidOperationException)
{
    Console.Error.WriteLine("ECS emulator silo not started: " + e.Message);
    return 2;
}

var app = builder.Build();
app.MapEmulatorEndpoints();
app.MapDashboard();
app.MapAwsEndpoint();
app.UseSiloRegistry(host);
var mode = host.Durable ? $"durable (Redis {host.Redis}, cluster id {host.ClusterId}, failure detection {host.FailureDetection.Describe()})" : "embedded single-silo";
app.Lifetime.ApplicationStarted.Register(() => Console.WriteLine(
    $"ECS emulator silo ready: HTTP http://{host.Bind}:{host.Port}  dashboard http://{host.Bind}:{host.Port}/ui  Orleans gateway 127.0.0.1:{host.GatewayPort}  time scale {emulator.TimeScale}x  seed {emulator.Seed}  mode {mode}  pid {Environment.ProcessId}"));
app.Run();
return 0;
