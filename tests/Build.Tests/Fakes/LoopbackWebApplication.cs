using System.Net;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace MlflowGke.Build.Tests.Fakes;

/// <summary>The in-process Kestrel every test double runs on: 127.0.0.1, a free port, no logging; HTTPS with a certificate.</summary>
public static class LoopbackWebApplication
{
    public static WebApplication Create(X509Certificate2? tlsCertificate = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0, listen =>
        {
            if (tlsCertificate != null)
            {
                listen.UseHttps(tlsCertificate);
            }
        }));
        return builder.Build();
    }

    /// <summary>The started application's base address, ending in '/'.</summary>
    public static Uri BaseUri(this WebApplication app) =>
        new(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single().TrimEnd('/') + "/");
}
