namespace MlflowGke.Build.Google;

/// <summary>
/// What a request does, in words, and the permission it needs with a predefined role that grants it:
/// enough to turn a bare 403 into an instruction.
/// </summary>
public sealed record GoogleCall(string Description, string Project, string Permission, string Role);
