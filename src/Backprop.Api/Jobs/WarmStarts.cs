namespace Backprop.Api.Jobs;

/// <summary>Whether a model's weights fit a network: a warm start needs the same input width and units per
/// layer.</summary>
internal static class WarmStarts
{
    public static bool SameShape(NetworkSpec a, NetworkSpec b) =>
        a.InputWidth == b.InputWidth && a.Layers.Count == b.Layers.Count
        && a.Layers.Zip(b.Layers).All(p => p.First.Units == p.Second.Units);
}
