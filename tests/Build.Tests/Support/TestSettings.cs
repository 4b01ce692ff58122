using MlflowGke.Build.Settings;

namespace MlflowGke.Build.Tests.Support;

/// <summary>Settings parsed from a table of values, as if each had been given in the environment, in the repository.</summary>
public static class TestSettings
{
    public static DeploySettings Parse(IReadOnlyDictionary<string, string> values) =>
        new(SettingNames.All.Select(definition => new ResolvedSetting(definition, values.GetValueOrDefault(definition.Name), "test")).ToList(), RepositoryLayout.Root);
}
