using System.Reflection;
using Cake.Core.IO;
using Microsoft.Extensions.DependencyInjection;

namespace Cake.Frosting.Internal;

/// <summary>What <see cref="CakeHost"/> was configured with, handed to the command that runs it.</summary>
internal sealed record HostBlueprint(
    IServiceCollection Services,
    IReadOnlyDictionary<string, string> CakeSettings,
    IReadOnlyList<Assembly> TaskAssemblies,
    Type ContextType,
    DirectoryPath? WorkingDirectory)
{
    public IReadOnlyList<Type> TaskTypes { get; } = TaskAssemblies
        .SelectMany(assembly => assembly.GetTypes())
        .Where(type => typeof(IFrostingTask).IsAssignableFrom(type) && type is { IsAbstract: false, IsInterface: false })
        .OrderBy(type => type.FullName, StringComparer.Ordinal)
        .ToList();
}
