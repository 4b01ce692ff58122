namespace MlflowGke.Build.Settings;

/// <summary>A label that namespaces carry, as a NetworkPolicy's namespaceSelector matches it.</summary>
public sealed record NamespaceLabel(string Key, string Value)
{
    public override string ToString() => $"{Key}={Value}";
}
