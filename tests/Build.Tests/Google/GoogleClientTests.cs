using MlflowGke.Build.Google;
using MlflowGke.Build.Tests.Fakes.Google;
using static MlflowGke.Build.Tests.Google.GoogleTestSetup;

namespace MlflowGke.Build.Tests.Google;

/// <summary>In-process tests of the Google clients: a fresh fake and clients pointed at it for every test.</summary>
public abstract class GoogleClientTests
{
    protected FakeGoogleCloud FakeCloud { get; private set; } = null!;

    protected GoogleCloud Api { get; private set; } = null!;

    protected RecordingLog Log { get; private set; } = null!;

    [SetUp]
    public async Task StartAsync()
    {
        FakeCloud = await StartFakeAsync();
        Api = Clients(FakeCloud);
        Log = new RecordingLog();
    }

    [TearDown]
    public async Task StopAsync()
    {
        Api.Dispose();
        await FakeCloud.DisposeAsync();
    }
}
