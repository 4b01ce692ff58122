using System.Net;
using System.Text.Json.Nodes;

namespace MlflowGke.Build.Tests.Fakes.Google;

/// <summary>Error answers in the shape Google APIs use: {"error":{code,message,status,details|errors}}.</summary>
public sealed record GoogleError(HttpStatusCode Code, string Status, string Message, JsonArray? Details = null, string? LegacyReason = null)
{
    public JsonObject ToJson()
    {
        var error = new JsonObject { ["code"] = (int)Code, ["message"] = Message, ["status"] = Status };
        if (Details != null)
        {
            error["details"] = Details;
        }

        if (LegacyReason != null)
        {
            error["errors"] = new JsonArray(new JsonObject { ["domain"] = "global", ["reason"] = LegacyReason, ["message"] = Message });
        }

        return new JsonObject { ["error"] = error };
    }

    public static GoogleError NotFound(string message, string? legacyReason = null) => new(HttpStatusCode.NotFound, "NOT_FOUND", message, LegacyReason: legacyReason);

    public static GoogleError InvalidArgument(string message, string? legacyReason = null) => new(HttpStatusCode.BadRequest, "INVALID_ARGUMENT", message, LegacyReason: legacyReason);

    public static GoogleError AlreadyExists(string message) => new(HttpStatusCode.Conflict, "ALREADY_EXISTS", message);

    /// <summary>setIamPolicy with a stale etag.</summary>
    public static GoogleError EtagConflict() =>
        new(HttpStatusCode.Conflict, "ABORTED", "There were concurrent policy changes. Please retry the whole read-modify-write with exponential backoff.");

    public static GoogleError PermissionDenied(string permission) =>
        new(HttpStatusCode.Forbidden, "PERMISSION_DENIED", $"Permission '{permission}' denied on resource (or it may not exist).", ErrorInfo("IAM_PERMISSION_DENIED", "iam.googleapis.com", new JsonObject { ["permission"] = permission }));

    public static GoogleError ServiceDisabled(string service, string projectNumber) => new(
        HttpStatusCode.Forbidden,
        "PERMISSION_DENIED",
        $"{service} API has not been used in project {projectNumber} before or it is disabled. Enable it by visiting https://console.developers.google.com/apis/api/{service}/overview?project={projectNumber} then retry.",
        ErrorInfo("SERVICE_DISABLED", "googleapis.com", new JsonObject { ["service"] = service, ["consumer"] = $"projects/{projectNumber}" }));

    public static GoogleError Transient(HttpStatusCode code) => code == HttpStatusCode.TooManyRequests
        ? new(code, "RESOURCE_EXHAUSTED", "Quota exceeded for quota metric 'Read requests' and limit 'Read requests per minute'.")
        : new(code, "UNAVAILABLE", "The service is currently unavailable.");

    /// <summary>Cloud SQL: another operation runs on the instance.</summary>
    public static GoogleError OperationInProgress() =>
        new(HttpStatusCode.Conflict, "ABORTED", "Operation failed because another operation was already in progress.", LegacyReason: "operationInProgress");

    private static JsonArray ErrorInfo(string reason, string domain, JsonObject metadata) =>
        [new JsonObject { ["@type"] = "type.googleapis.com/google.rpc.ErrorInfo", ["reason"] = reason, ["domain"] = domain, ["metadata"] = metadata }];
}

/// <summary>Thrown by a handler to answer with an error.</summary>
public sealed class GoogleErrorAnswer(GoogleError error) : Exception(error.Message)
{
    public GoogleError Error { get; } = error;
}
