using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using System.Text.Json.Nodes;
using Cake.Core.Diagnostics;

namespace MlflowGke.Build.Docker;

/// <summary>
/// Registry HTTP API v2 over HttpClient: <c>HEAD /v2/NAME/manifests/TAG</c>, accepting OCI index, manifest list,
/// Docker v2 and OCI manifests, and reading <c>Docker-Content-Digest</c>, which is the digest the tag points to
/// whatever kind of manifest it is (the CLI alternatives either hide an index's digest or print re-indented JSON).
/// Authentication follows the registry's challenge (Bearer token service or Basic) with docker's own credentials.
/// </summary>
public sealed class RegistryClient(HttpClient http, IRegistryCredentials credentials, ICakeLog log, RetryPolicy? retry = null) : IRegistryClient
{
    private static readonly string[] ManifestTypes =
    [
        "application/vnd.oci.image.index.v1+json",
        "application/vnd.docker.distribution.manifest.list.v2+json",
        "application/vnd.docker.distribution.manifest.v2+json",
        "application/vnd.oci.image.manifest.v1+json",
    ];

    private readonly RetryPolicy _retry = retry ?? RetryPolicy.Read;

    public async Task<string?> GetDigestAsync(string repository, string tag, CancellationToken cancellationToken)
    {
        var name = RegistryName.Parse(repository);
        var uri = new Uri(name.BaseUri, $"{name.Path}/manifests/{tag}");
        var pipeline = _retry.Create($"Reading {repository}:{tag} from {name.Host}", exception => exception is RegistryException { IsTransient: true }, log);
        return await pipeline.ExecuteAsync(async token => await ReadDigestAsync(name, uri, token), cancellationToken);
    }

    private async Task<string?> ReadDigestAsync(RegistryName name, Uri uri, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(name, uri, HttpMethod.Head, cancellationToken);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }

        if (response.IsSuccessStatusCode)
        {
            if (response.Headers.TryGetValues("Docker-Content-Digest", out var digests))
            {
                return digests.First();
            }

            // The header is optional: the digest is then the SHA-256 of the manifest exactly as served.
            using var body = await SendAsync(name, uri, HttpMethod.Get, cancellationToken);
            if (!body.IsSuccessStatusCode)
            {
                throw Failure(name, body.StatusCode, $"{(int)body.StatusCode} {body.ReasonPhrase}");
            }

            return "sha256:" + Convert.ToHexStringLower(SHA256.HashData(await body.Content.ReadAsByteArrayAsync(cancellationToken)));
        }

        throw Failure(name, response.StatusCode, $"{(int)response.StatusCode} {response.ReasonPhrase}");
    }

    private async Task<HttpResponseMessage> SendAsync(RegistryName name, Uri uri, HttpMethod method, CancellationToken cancellationToken)
    {
        var response = await TrySendAsync(name, uri, method, null, cancellationToken);
        if (response.StatusCode != HttpStatusCode.Unauthorized || response.Headers.WwwAuthenticate.FirstOrDefault() is not { } challenge)
        {
            return response;
        }

        response.Dispose();
        var authorization = await AuthorizeAsync(name, challenge, cancellationToken);
        return await TrySendAsync(name, uri, method, authorization, cancellationToken);
    }

    private async Task<HttpResponseMessage> TrySendAsync(RegistryName name, Uri uri, HttpMethod method, AuthenticationHeaderValue? authorization, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, uri);
        foreach (var type in ManifestTypes)
        {
            request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue(type));
        }

        request.Headers.Authorization = authorization;
        try
        {
            return await http.SendAsync(request, cancellationToken);
        }
        catch (HttpRequestException exception)
        {
            throw new RegistryException($"Cannot reach the registry {name.Host} ({uri.GetLeftPart(UriPartial.Authority)}): {exception.Message}. Check IMAGE_REPOSITORY and that the registry is up.", isTransient: true, exception);
        }
        catch (TaskCanceledException exception) when (!cancellationToken.IsCancellationRequested)
        {
            throw new RegistryException($"The registry {name.Host} did not answer in time.", isTransient: true, exception);
        }
    }

    private async Task<AuthenticationHeaderValue> AuthorizeAsync(RegistryName name, AuthenticationHeaderValue challenge, CancellationToken cancellationToken)
    {
        var credential = credentials.For(name.Host);
        var basic = credential == null ? null : new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{credential.Username}:{credential.Secret}")));
        if (challenge.Scheme.Equals("Basic", StringComparison.OrdinalIgnoreCase))
        {
            return basic ?? throw NotAuthorized(name);
        }

        var parameters = ParseChallenge(challenge.Parameter ?? string.Empty);
        if (!parameters.TryGetValue("realm", out var realm))
        {
            throw new RegistryException($"The registry {name.Host} asked for '{challenge.Scheme}' authentication without a realm; the suite supports Bearer token and Basic authentication.", isTransient: false);
        }

        var query = $"scope={Uri.EscapeDataString($"repository:{name.Path}:pull")}"
            + (parameters.TryGetValue("service", out var service) ? $"&service={Uri.EscapeDataString(service)}" : string.Empty);
        using var request = new HttpRequestMessage(HttpMethod.Get, $"{realm}?{query}");
        request.Headers.Authorization = basic;
        using var response = await http.SendAsync(request, cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            throw response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden
                ? NotAuthorized(name)
                : Failure(name, response.StatusCode, $"token service {realm} answered {(int)response.StatusCode} {response.ReasonPhrase}");
        }

        var token = JsonNode.Parse(await response.Content.ReadAsStringAsync(cancellationToken));
        var value = token?["token"]?.GetValue<string>() ?? token?["access_token"]?.GetValue<string>()
            ?? throw new RegistryException($"The token service {realm} of {name.Host} answered without a token.", isTransient: false);
        return new AuthenticationHeaderValue("Bearer", value);
    }

    private static Dictionary<string, string> ParseChallenge(string parameter) =>
        Regex.Matches(parameter, "(\\w+)=\"([^\"]*)\"")
            .ToDictionary(match => match.Groups[1].Value, match => match.Groups[2].Value, StringComparer.OrdinalIgnoreCase);

    private static RegistryException NotAuthorized(RegistryName name) =>
        new($"Not authorized to read {name.Path} in the registry {name.Host}. Log docker in to it: for Artifact Registry 'gcloud auth configure-docker {name.Host}' (in GitHub Actions: google-github-actions/auth, then docker/login-action or gcloud auth configure-docker).", isTransient: false);

    private static RegistryException Failure(RegistryName name, HttpStatusCode status, string detail) =>
        status switch
        {
            HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden => NotAuthorized(name),
            HttpStatusCode.TooManyRequests or >= HttpStatusCode.InternalServerError => new RegistryException($"The registry {name.Host} answered {detail}.", isTransient: true),
            _ => new RegistryException($"The registry {name.Host} answered {detail} for {name.Path}.", isTransient: false),
        };
}
