using MlflowGke.Build.Settings;
using MlflowGke.Build.Tests.Support;

namespace MlflowGke.Build.Tests.Settings;

/// <summary>Every setting is documented where users look: cake.config's [Deploy] section and the README's table.</summary>
public sealed class SettingsDocumentationTests
{
    private static IEnumerable<string> Names => SettingNames.All.Select(definition => definition.Name);

    [TestCaseSource(nameof(Names))]
    public void Cake_config_entry_is_the_one_rendered_from_the_definition(string name)
    {
        var config = File.ReadAllText(Path.Combine(RepositoryLayout.Root, "cake.config"));

        Assert.That(config, Does.Contain(SettingNames.Get(name).ConfigEntry + "\n"));
    }

    [TestCaseSource(nameof(Names))]
    public void Readme_row_is_the_one_rendered_from_the_definition(string name)
    {
        var readme = File.ReadAllText(Path.Combine(RepositoryLayout.Root, "README.md"));

        Assert.That(readme, Does.Contain(SettingNames.Get(name).ReadmeRow + "\n"));
    }
}
