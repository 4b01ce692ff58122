using System.Text;

namespace MlflowGke.Build.Status;

/// <summary>Whether a row compares something Apply sends (in sync or drifted) or only reports a fact (the lock holder, the last backup).</summary>
public enum StatusKind
{
    InSync,
    Drifted,
    Info,
}

/// <summary>One line of the Status table: what is checked, what Apply would send (or what should be there), and what is live.</summary>
public sealed record StatusRow(string Subject, string Wanted, string Live, StatusKind Kind)
{
    public static StatusRow Compare(string subject, string wanted, string? live) =>
        new(subject, wanted, live ?? "missing", wanted == live ? StatusKind.InSync : StatusKind.Drifted);

    public static StatusRow Present(string subject, string wanted, bool present) =>
        new(subject, wanted, present ? wanted : "missing", present ? StatusKind.InSync : StatusKind.Drifted);

    public static StatusRow Fact(string subject, string live) => new(subject, string.Empty, live, StatusKind.Info);

    public string State => Kind switch
    {
        StatusKind.InSync => "ok",
        StatusKind.Drifted => "DRIFT",
        _ => string.Empty,
    };
}

/// <summary>Status's rows, as a console table and as GitHub Actions step summary markdown.</summary>
public sealed class StatusReport(IReadOnlyList<StatusRow> rows)
{
    public IReadOnlyList<StatusRow> Rows { get; } = rows;

    public IReadOnlyList<StatusRow> Drifted => Rows.Where(row => row.Kind == StatusKind.Drifted).ToList();

    public bool InSync => Drifted.Count == 0;

    public string Verdict => InSync
        ? $"In sync: all {Rows.Count(row => row.Kind != StatusKind.Info)} checks match what Apply would send."
        : $"Drifted: {Drifted.Count} of {Rows.Count(row => row.Kind != StatusKind.Info)} checks differ from what Apply would send ({string.Join("; ", Drifted.Select(row => row.Subject))}). Deploy (or Apply) puts them back.";

    public IEnumerable<string> TableLines()
    {
        string[] header = ["", "checked", "Apply would send", "live"];
        var table = Rows.Select(row => new[] { row.State, row.Subject, row.Wanted, row.Live }).Prepend(header).ToList();
        var widths = Enumerable.Range(0, header.Length - 1).Select(column => Math.Min(70, table.Max(line => line[column].Length))).ToList();
        return table.Select(line => string.Join("  ", line.Select((cell, column) => column < widths.Count ? cell.PadRight(widths[column]) : cell)).TrimEnd());
    }

    public string Markdown()
    {
        var text = new StringBuilder()
            .AppendLine($"#### Status: {(InSync ? "in sync" : "**drifted**")}")
            .AppendLine()
            .AppendLine("| | checked | Apply would send | live |")
            .AppendLine("|---|---|---|---|");
        foreach (var row in Rows)
        {
            text.AppendLine($"| {(row.Kind == StatusKind.Drifted ? "**DRIFT**" : row.State)} | {Cell(row.Subject)} | {Cell(row.Wanted)} | {Cell(row.Live)} |");
        }

        return text.AppendLine().AppendLine(Verdict).ToString();
    }

    private static string Cell(string text) => text.Length == 0 ? string.Empty : $"`{text.Replace("|", "\\|", StringComparison.Ordinal).Replace("`", "'", StringComparison.Ordinal)}`";
}

/// <summary>Status found drift: exit code 4, after the table.</summary>
public sealed class DriftedException(string message) : Exception(message), Cake.Frosting.IExitCodeException
{
    public int ExitCode => 4;
}
