using System.Net;
using System.Text.Json.Nodes;

namespace MlflowGke.Build.Google;

/// <summary>
/// A Google API error answer: HTTP status, canonical status (ABORTED, PERMISSION_DENIED, …), the reason
/// from ErrorInfo or the legacy errors list (SERVICE_DISABLED, operationInProgress, …) and the API's message.
/// The exception message explains what to do.
/// </summary>
public sealed class GoogleApiException(string message, GoogleCall call, HttpStatusCode statusCode, string? status, string? reason, string? service, string apiMessage)
    : Exception(message)
{
    public GoogleCall Call { get; } = call;

    public HttpStatusCode StatusCode { get; } = statusCode;

    public string? Status { get; } = status;

    public string? Reason { get; } = reason;

    /// <summary>The API named by ErrorInfo's metadata (for SERVICE_DISABLED).</summary>
    public string? Service { get; } = service;

    public string ApiMessage { get; } = apiMessage;

    public bool IsNotFound => StatusCode == HttpStatusCode.NotFound;

    /// <summary>Stale etag on setIamPolicy: the whole read-modify-write must be redone.</summary>
    public bool IsEtagConflict => StatusCode == HttpStatusCode.Conflict && Status == "ABORTED";

    public bool IsAlreadyExists => ApiMessage.Contains("already exists", StringComparison.OrdinalIgnoreCase)
        || (StatusCode == HttpStatusCode.Conflict && Status == "ALREADY_EXISTS");

    /// <summary>Cloud SQL: another operation is running on the instance.</summary>
    public bool IsOperationInProgress => StatusCode == HttpStatusCode.Conflict && Reason == "operationInProgress";

    internal const string ServiceDisabled = "SERVICE_DISABLED";

    internal GoogleApiException WithMessage(string message) => new(message, Call, StatusCode, Status, Reason, Service, ApiMessage);

    internal static GoogleApiException FromResponse(GoogleCall call, HttpStatusCode statusCode, string body)
    {
        var (status, reason, service, apiMessage) = Parse(body);
        apiMessage = apiMessage.Length > 0 ? apiMessage : $"HTTP {(int)statusCode} {statusCode}";
        return new GoogleApiException(Explain(call, statusCode, reason, service, apiMessage), call, statusCode, status, reason, service, apiMessage);
    }

    private static string Explain(GoogleCall call, HttpStatusCode statusCode, string? reason, string? service, string apiMessage)
    {
        var prefix = $"Could not {call.Description}: {(int)statusCode} {apiMessage}";
        if (reason == ServiceDisabled)
        {
            var api = service ?? "the API";
            return $"{prefix}{Environment.NewLine}The {api} API is not enabled in project {call.Project}. Enable it with: gcloud services enable {api} --project={call.Project}";
        }

        if (statusCode == HttpStatusCode.Forbidden)
        {
            return $"{prefix}{Environment.NewLine}The caller lacks the permission {call.Permission}. Grant it a role that includes it, for example {call.Role} (gcloud projects add-iam-policy-binding {call.Project} --member=PRINCIPAL --role={call.Role}).";
        }

        if (statusCode == HttpStatusCode.Unauthorized)
        {
            return $"{prefix}{Environment.NewLine}The credentials were rejected: refresh them (gcloud auth application-default login) or check {GoogleAccessToken.StaticTokenVariable}.";
        }

        return prefix;
    }

    private static (string? Status, string? Reason, string? Service, string Message) Parse(string body)
    {
        try
        {
            if (JsonNode.Parse(body)?["error"] is not JsonObject error)
            {
                return (null, null, null, body.Trim());
            }

            var details = error["details"] as JsonArray ?? [];
            var errorInfo = details.OfType<JsonObject>().FirstOrDefault(detail => ((string?)detail["@type"])?.EndsWith("google.rpc.ErrorInfo", StringComparison.Ordinal) == true);
            var legacyReason = (error["errors"] as JsonArray)?.OfType<JsonObject>().Select(item => (string?)item["reason"]).FirstOrDefault();
            return ((string?)error["status"], (string?)errorInfo?["reason"] ?? legacyReason, (string?)errorInfo?["metadata"]?["service"], (string?)error["message"] ?? string.Empty);
        }
        catch (System.Text.Json.JsonException)
        {
            return (null, null, null, body.Trim());
        }
    }
}
