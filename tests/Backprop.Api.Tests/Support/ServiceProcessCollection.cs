namespace Backprop.Api.Tests.Support;

/// <summary>Tests that run the service as a child process: one at a time and apart from the other tests, so that their
/// timing (a job caught mid-training, latency under load) is not at the mercy of the rest of the suite on a small CI
/// machine.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ServiceProcessCollection
{
    public const string Name = "service process";
}
