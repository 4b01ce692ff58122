namespace MlflowGke.Build.Settings;

/// <summary>What a parser or a default may read of the other settings.</summary>
public interface ISettingLookup
{
    /// <summary>The directory relative paths are resolved against: the repository the suite runs in.</summary>
    string WorkingDirectory { get; }

    /// <summary>The setting's valid value (given or default); null when missing or invalid.</summary>
    object? Get(string name);

    /// <summary>Whether the user gave the setting at all (valid or not).</summary>
    bool IsSet(string name);
}
