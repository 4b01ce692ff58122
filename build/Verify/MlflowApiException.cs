using System.Net;

namespace MlflowGke.Build.Verify;

/// <summary>
/// A failed MLflow call: either an answer with an error status (<see cref="StatusCode"/> set, with MLflow's
/// <c>error_code</c> and message when the body was MLflow's JSON), or no answer at all.
/// </summary>
public sealed class MlflowApiException : Exception
{
    public MlflowApiException(string request, HttpStatusCode statusCode, string? errorCode, string detail)
        : base($"{request} answered {(int)statusCode} {errorCode ?? statusCode.ToString()}: {detail}")
    {
        Request = request;
        StatusCode = statusCode;
        ErrorCode = errorCode;
        Detail = detail;
    }

    public MlflowApiException(string request, string detail, Exception innerException)
        : base($"{request} got no answer: {detail}", innerException)
    {
        Request = request;
        Detail = detail;
    }

    /// <summary>Method and path, e.g. "PUT /api/2.0/mlflow-artifacts/artifacts/1/abc/artifacts/verify.txt".</summary>
    public string Request { get; }

    /// <summary>Null when the server did not answer (refused, reset, timed out).</summary>
    public HttpStatusCode? StatusCode { get; }

    public string? ErrorCode { get; }

    /// <summary>MLflow's message, or the start of the body, or why there was no answer.</summary>
    public string Detail { get; }

    public bool IsUnreachable => StatusCode == null;

    /// <summary>The TLS handshake failed: no certificate this machine trusts for the host, or none served yet.</summary>
    public bool IsTlsFailure => InnerException is HttpRequestException { HttpRequestError: HttpRequestError.SecureConnectionError };
}
