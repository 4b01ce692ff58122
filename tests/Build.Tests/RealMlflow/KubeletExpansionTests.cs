namespace MlflowGke.Build.Tests.RealMlflow;

/// <summary>The cases of the kubelet's own expansion tests (third_party/forked/golang/expansion/expand_test.go).</summary>
public sealed class KubeletExpansionTests
{
    private static readonly Dictionary<string, string> Variables = new()
    {
        ["VAR_A"] = "A",
        ["VAR_B"] = "B",
        ["VAR_EMPTY"] = string.Empty,
        ["URI"] = "postgresql://u:p@h:5432/d",
    };

    [TestCase("$(VAR_A)", "A")]
    [TestCase("___$(VAR_B)___", "___B___")]
    [TestCase("$(VAR_A)-$(VAR_B)", "A-B")]
    [TestCase("x$(VAR_EMPTY)y", "xy")]
    [TestCase("$(UNKNOWN)", "$(UNKNOWN)")]
    [TestCase("$$(VAR_A)", "$(VAR_A)")]
    [TestCase("$$$(VAR_A)", "$A")]
    [TestCase("$$$$(VAR_A)", "$$(VAR_A)")]
    [TestCase("$(VAR_A", "$(VAR_A")]
    [TestCase("$VAR_A", "$VAR_A")]
    [TestCase("tail$", "tail$")]
    [TestCase("$()", "$()")]
    [TestCase("--backend-store-uri=$(URI)", "--backend-store-uri=postgresql://u:p@h:5432/d")]
    public void Expands_like_the_kubelet(string input, string expected)
    {
        // When
        var expanded = KubeletExpansion.Expand(input, name => Variables.GetValueOrDefault(name));

        // Then
        Assert.That(expanded, Is.EqualTo(expected));
    }
}
