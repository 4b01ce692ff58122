namespace MlflowGke.Build.Verify;

/// <summary>The smoke test failed; the message says what failed, the likely cause and what to do.</summary>
public sealed class VerifyFailedException(string message, Exception? innerException = null) : Exception(message, innerException);
