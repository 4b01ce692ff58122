using System.Net;

namespace MlflowGke.Build.Kubernetes;

/// <summary>
/// Where the published MLflow is (EXPOSE=ingress): the address GKE gave the Ingress (status.loadBalancer.ingress[0].ip,
/// assigned a few minutes after the first apply), the DNS record the user creates for it, and the managed
/// certificate's state (Provisioning until that record resolves, then Active).
/// </summary>
public sealed class IngressAddress(IKubectl kubectl)
{
    public const string IngressName = "mlflow";

    public async Task<IngressState> ReadAsync(CancellationToken cancellationToken = default)
    {
        var ingress = await kubectl.GetAsync("ingresses.networking.k8s.io", IngressName, cancellationToken);
        var certificate = await kubectl.GetAsync("managedcertificates.networking.gke.io", IngressName, cancellationToken);
        var ip = ingress?["status"]?["loadBalancer"]?["ingress"]?[0]?["ip"]?.GetValue<string>();
        return new IngressState(
            ingress != null,
            ip != null && IPAddress.TryParse(ip, out var address) ? address : null,
            certificate?["status"]?["certificateStatus"]?.GetValue<string>());
    }
}

/// <summary>The Ingress as GKE reports it; null address: none assigned yet; null certificate status: not reported yet.</summary>
public sealed record IngressState(bool Exists, IPAddress? Address, string? CertificateStatus)
{
    /// <summary>What the user must do next, for the run summary and Doctor.</summary>
    public string Describe(string hostname) => (Exists, Address) switch
    {
        (false, _) => $"The Ingress {IngressAddress.IngressName} does not exist yet: run Deploy (or Apply) with EXPOSE=ingress.",
        (true, null) => $"The Ingress {IngressAddress.IngressName} has no address yet (GKE assigns one a few minutes after the first apply): check again with --target=Doctor, then create the DNS record for {hostname}.",
        (true, { } address) => $"MLflow is published at https://{hostname}/ through the Ingress address {address}. DNS record to create (or check): {hostname}. A {address}. "
            + $"Managed certificate: {CertificateStatus ?? "not reported yet"}{(CertificateStatus == "Active" ? "." : " (Google provisions it once the record resolves, up to 60 minutes; HTTPS fails until then).")}",
    };
}
