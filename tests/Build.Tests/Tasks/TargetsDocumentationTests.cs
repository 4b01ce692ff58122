using System.Reflection;
using Cake.Frosting;
using MlflowGke.Build.Tests.Support;

namespace MlflowGke.Build.Tests.Tasks;

public sealed class TargetsDocumentationTests
{
    private static IEnumerable<string> Targets => typeof(BuildContext).Assembly.GetTypes()
        .Where(type => typeof(IFrostingTask).IsAssignableFrom(type) && !type.IsAbstract)
        .Select(type => type.GetCustomAttribute<TaskNameAttribute>()!.Name);

    [TestCaseSource(nameof(Targets))]
    public void Readme_lists_the_target(string target)
    {
        var readme = File.ReadAllText(Path.Combine(RepositoryLayout.Root, "README.md"));

        Assert.That(readme, Does.Contain($"| `{target}`"));
    }

    [TestCaseSource(nameof(Targets))]
    public void Target_has_a_description(string target)
    {
        var type = typeof(BuildContext).Assembly.GetTypes().Single(type => type.GetCustomAttribute<TaskNameAttribute>()?.Name == target);

        Assert.That(type.GetCustomAttribute<TaskDescriptionAttribute>()?.Description, Is.Not.Null.And.Not.Empty);
    }
}
