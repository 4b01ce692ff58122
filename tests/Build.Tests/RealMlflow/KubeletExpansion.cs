using System.Text;

namespace MlflowGke.Build.Tests.RealMlflow;

/// <summary>
/// <c>$(VAR)</c> expansion exactly as the kubelet does it (k8s.io/kubernetes third_party/forked/golang/expansion):
/// <c>$$</c> is an escaped <c>$</c>; a reference to an unknown variable, an unclosed <c>$(</c> and any other
/// <c>$x</c> stay as written.
/// </summary>
public static class KubeletExpansion
{
    public static string Expand(string input, Func<string, string?> lookup)
    {
        var result = new StringBuilder();
        var checkpoint = 0;
        for (var cursor = 0; cursor < input.Length; cursor++)
        {
            if (input[cursor] != '$' || cursor + 1 >= input.Length)
            {
                continue;
            }

            result.Append(input, checkpoint, cursor - checkpoint);
            var (read, isVariable, advance) = ReadVariableName(input[(cursor + 1)..]);
            result.Append(isVariable ? lookup(read) ?? $"$({read})" : read);
            cursor += advance;
            checkpoint = cursor + 1;
        }

        return result.Append(input, checkpoint, input.Length - checkpoint).ToString();
    }

    private static (string Read, bool IsVariable, int Advance) ReadVariableName(string input)
    {
        switch (input[0])
        {
            case '$':
                return ("$", false, 1);
            case '(':
                var closer = input.IndexOf(')', 1);
                return closer < 0 ? ("$(", false, 1) : (input[1..closer], true, closer + 1);
            default:
                return ($"${input[0]}", false, 1);
        }
    }
}
