namespace Backprop.Benchmarks.Verification;

/// <summary>SHA-256 (lowercase hex) of one split's float32 features and int32 labels, little-endian, plus its class
/// counts.</summary>
public sealed record SplitChecksums(string Features, string Labels, int[] ClassCounts, float[] FirstFeatures);

/// <summary>Per-workload checks on the initial weights (one hash per layer's W) and the epoch-0 shuffle.</summary>
public sealed record ModelChecksums(string[] LayerWeights, float[] FirstWeights, int[]? FirstPermutation);

/// <summary>
/// The checksums of the generated workload data, the same the Python and TorchSharp peers are checked against, kept
/// here so that this program needs nothing outside its own output folder at run time.
/// </summary>
public static class ExpectedChecksums
{
    public static readonly ulong[] SplitMix64Seed0 = [16294208416658607535, 7960286522194355700, 487617019471545679];

    public static readonly Dictionary<string, (SplitChecksums Train, SplitChecksums Test)> Data = new()
    {
        ["W2"] = (
            new("9ff86473a639627637a01d434f57ab5df53a90c3e01424ddb3748b5927b62b91",
                "e956175fa73c08fc3e9d74c8863e65c0de73a34ffb5b77e7803479597099bd7a",
                [11042, 8146, 5904, 8073, 9750, 8092, 11824, 10836, 14445, 11888],
                [-0.9638545513153076f, -0.1614161729812622f, -0.0028204917907714844f, -0.9190981388092041f]),
            new("2ecf9d4c7eb82eda0931fa34559a841af8286fd9267658088db7aed52711e78e",
                "d5bcef22e80681cc2c5154b5514edab1b648fbc54dc90ab069bbbfca242616c9",
                [1056, 827, 618, 803, 969, 838, 1158, 1088, 1483, 1160],
                [0.7833414077758789f, 0.8720648288726807f, 0.2588740587234497f, 0.613304853439331f])),
        ["W3"] = (
            new("e9d7e4732c8625b5a015af708f76b4479208939c19c2c71321aad05382e42967",
                "19d0897d71a745c97000d8438bb71788f7c149081a237bf00b8f58542b095171",
                [4421, 7913, 7030, 3764, 6173, 6176, 7639, 6207, 5726, 4951],
                [0.2577911615371704f, 0.1404232382774353f, 0.37935131788253784f, 0.625339686870575f]),
            new("ed72a8e89effa206a9532609c387f83a950c3c56afd42ac0108464e59dabe711",
                "0dde4b0b1b17782db24021cc232715ebd663f394883ea9287a7d94215effefd2",
                [768, 1323, 1180, 628, 1039, 996, 1265, 986, 988, 827],
                [0.26317983865737915f, 0.34839707612991333f, 0.3607149124145508f, 0.18306124210357666f])),
        ["W4"] = (
            new("175df34fce36e4528eb5c149abf8d8006e787e96576fe93594f6043292c69354",
                "988e5e23e01d976a2b542168748727ba07681a3ecdc1faaadb484137ac3cdd3d", [], []),
            new("bc4c28b6a302e4e706182e42c9abf0a9495f4f4cac250a4cc2125fda11781229",
                "cd4afd7d20615a1c8ee8590741e693f737766ba41d394afe1e67ca3d61b43dc0", [], [])),
    };

    public static readonly Dictionary<string, ModelChecksums> Models = new()
    {
        ["W1"] = new(["849c3b7310f69c2ef2dcf72040ba57625817346e369ad3b7a76f0fe79da47020",
                      "cce773c35765e14dbad81673aefc773ca8193e97e33d4df407e9a30ef30f56f7"],
                     [-0.32373178005218506f, -0.500731885433197f, -0.5030115842819214f, -0.029651593416929245f], null),
        ["W2"] = new(["a2b18c05ccab73b90eddcbfb389b9ade42e86beb30bd40b8beed49088b4879d3",
                      "922254c54149829c0faa048363b922b6ec528c25f7bfe0d01fd998cef055384b",
                      "4cd555222a111a31aa8b76cd04f24249b9bb6e2f09d8a700431619094431213b"],
                     [-0.24625630676746368f, 0.2306872010231018f, 0.09112255275249481f, -0.13510902225971222f],
                     [73080, 61502, 31820, 49187, 32436, 31596, 44824, 4126]),
        ["W3"] = new(["985d80943f7112615b2a5baa0be310704fad53839207612e7e1a01545944b4b0",
                      "f574b84d08464b73a63d98d8214e38e58d6fc636b02c1150ff2ebcfdb1e201f7",
                      "6c7fd6c35c659c53b5ddb3f2067c9afbec12b0faa800b289565956c71dd7b105"],
                     [-0.030410800129175186f, -0.055954642593860626f, -0.013898549601435661f, 0.0005143922753632069f],
                     [49643, 11370, 32096, 36949, 37068, 28903, 6817, 16382]),
        ["W4"] = new(["58fe69bb21bc30a4fcab44896a483ef62e92b41ee37b19f444cd9b15fd0c54bc",
                      "66f802cc770a4523ae3dba2a46bfb2e100b8bbba80d4bc7bdc168c3cdbd3d58f"],
                     [0.05969324707984924f, -0.08529253304004669f, 0.03533308580517769f, 0.08524389564990997f],
                     [613, 904, 1228, 738, 519, 1045, 293, 1382]),
    };
}
