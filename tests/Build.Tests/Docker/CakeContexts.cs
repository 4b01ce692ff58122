using Cake.Cli;
using Cake.Core;
using Cake.Core.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace MlflowGke.Build.Tests.Docker;

/// <summary>A real Cake context (file system, process runner, tool locator, log) for driving clients in-process.</summary>
public static class CakeContexts
{
    public static ICakeContext Create()
    {
        var services = new ServiceCollection();
        services.AddCakeDiagnostics().UseCakeDefaultModules();
        services.AddSingleton<ICakeArguments>(new CakeArguments(new Dictionary<string, List<string>>().ToLookup(pair => pair.Key, pair => pair.Key)));
        services.AddSingleton<ICakeConfiguration>(new CakeConfiguration(new Dictionary<string, string>()));
        return services.BuildServiceProvider().GetRequiredService<ICakeContext>();
    }
}
