using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace MlflowGke.Build.Tests.Support;

/// <summary>
/// A self-signed server certificate for 127.0.0.1 and localhost, and a PEM file with it that a child process trusts
/// through SSL_CERT_FILE (where .NET on Linux, as OpenSSL, reads its trusted roots from).
/// </summary>
public sealed class TestCertificate : IDisposable
{
    private readonly TempDirectory _folder = new();

    public TestCertificate()
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=localhost", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName("localhost");
        names.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], critical: false));
        Certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
        TrustFile = Path.Combine(_folder.Path, "trusted.pem");
        File.WriteAllText(TrustFile, Certificate.ExportCertificatePem());
    }

    public X509Certificate2 Certificate { get; }

    /// <summary>A PEM file holding only this certificate: set it as SSL_CERT_FILE to trust it and nothing else.</summary>
    public string TrustFile { get; }

    public void Dispose()
    {
        Certificate.Dispose();
        _folder.Dispose();
    }
}
