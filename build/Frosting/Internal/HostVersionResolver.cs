using System.Reflection;
using Cake.Cli;
using Cake.Core;

namespace Cake.Frosting.Internal;

/// <summary>--version shows the build's own version; --info also names the Cake engine it runs on.</summary>
internal sealed class HostVersionResolver : IVersionResolver
{
    public string GetVersion() => VersionOf(Assembly.GetEntryAssembly() ?? typeof(HostVersionResolver).Assembly);

    public string GetProductVersion() => $"{GetVersion()} (Cake engine {VersionOf(typeof(ICakeContext).Assembly)})";

    private static string VersionOf(Assembly assembly) =>
        assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0]
        ?? assembly.GetName().Version?.ToString(3)
        ?? "0.0.0";
}
