using Emulator.Silo.Aws;
using Emulator.Silo.Hosting;

var builder = WebApplication.CreateBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory });
builder.Configuration.AddCommandLine(args, EmulatorHostBuilderExtensions.SwitchMappings);
var (emulator, host) = builder.BindOptions();
builder.AddEmulatorSilo(emulator, host);

var app = builder.Build();
app.MapEmulatorEndpoints();
app.MapAwsEndpoint();
app.Lifetime.ApplicationStarted.Register(() => Console.WriteLine(
    $"ECS emulator silo ready: HTTP http://{host.Bind}:{host.Port}  Orleans gateway 127.0.0.1:{host.GatewayPort}  time scale {emulator.TimeScale}x  seed {emulator.Seed}"));
app.Run();
