using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace MlflowGke.Build.Tests.Fakes.Registry;

/// <summary>
/// A registry behind the Docker token authentication that Artifact Registry and Docker Hub use: a manifest request
/// without a token gets 401 with <c>WWW-Authenticate: Bearer realm=…,service=…,scope=…</c>; the realm hands out a
/// token for Basic credentials; with the token, manifests answer as the distribution API documents (200 with
/// <c>Docker-Content-Digest</c>, 404 for an unknown tag). Only what the suite's registry reads touch.
/// </summary>
public sealed class TokenAuthRegistry : IAsyncDisposable
{
    public const string Username = "oauth2accesstoken";
    public const string Password = "ya29.test-access-token";
    private const string Token = "registry-token";
    private const string Service = "fake-registry";
    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, byte[]> _manifests = new();
    private int _unavailableAnswersLeft;

    private TokenAuthRegistry(WebApplication app) => _app = app;

    public string Host => _app.BaseUri().Authority;

    public ConcurrentQueue<string> Requests { get; } = new();

    /// <summary>When false, HEAD answers omit Docker-Content-Digest (the header is optional in the API).</summary>
    public bool SendsDigestHeader { get; set; } = true;

    public static async Task<TokenAuthRegistry> StartAsync()
    {
        var app = LoopbackWebApplication.Create();
        var registry = new TokenAuthRegistry(app);
        app.MapGet("/token", registry.IssueToken);
        app.MapMethods("/v2/{**path}", ["HEAD", "GET"], registry.Manifest);
        await app.StartAsync();
        return registry;
    }

    /// <summary>Stores a manifest under a tag and returns its digest.</summary>
    public string AddManifest(string name, string tag, string manifestJson)
    {
        var bytes = Encoding.UTF8.GetBytes(manifestJson);
        _manifests[$"{name}/manifests/{tag}"] = bytes;
        return Digest(bytes);
    }

    /// <summary>The next <paramref name="count"/> manifest requests answer 503 Service Unavailable.</summary>
    public void FailNext(int count) => _unavailableAnswersLeft = count;

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();

    private static string Digest(byte[] bytes) => "sha256:" + Convert.ToHexStringLower(SHA256.HashData(bytes));

    private IResult IssueToken(HttpContext context)
    {
        Requests.Enqueue($"GET /token?{context.Request.QueryString.Value?.TrimStart('?')}");
        var expected = "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"{Username}:{Password}"));
        return context.Request.Headers.Authorization.ToString() == expected && context.Request.Query["service"] == Service
            ? Results.Json(new { token = Token, expires_in = 300 })
            : Results.Json(new { errors = new[] { new { code = "UNAUTHORIZED", message = "authentication required" } } }, statusCode: 401);
    }

    private IResult Manifest(HttpContext context, string path)
    {
        Requests.Enqueue($"{context.Request.Method} /v2/{path}");
        if (Interlocked.Decrement(ref _unavailableAnswersLeft) >= 0)
        {
            return Results.StatusCode(503);
        }

        var name = path.Split("/manifests/")[0];
        if (context.Request.Headers.Authorization.ToString() != $"Bearer {Token}")
        {
            context.Response.Headers.WWWAuthenticate = $"Bearer realm=\"http://{Host}/token\",service=\"{Service}\",scope=\"repository:{name}:pull\"";
            return Results.Json(new { errors = new[] { new { code = "UNAUTHORIZED", message = "authentication required" } } }, statusCode: 401);
        }

        if (!_manifests.TryGetValue(path, out var manifest))
        {
            return Results.Json(new { errors = new[] { new { code = "MANIFEST_UNKNOWN", message = "manifest unknown" } } }, statusCode: 404);
        }

        if (SendsDigestHeader)
        {
            context.Response.Headers["Docker-Content-Digest"] = Digest(manifest);
        }

        return Results.Bytes(manifest, "application/vnd.oci.image.index.v1+json");
    }
}
