using Backprop.Benchmarks.Workloads;

namespace Backprop.Benchmarks.Verification;

/// <summary>
/// A plain, obviously-correct scalar float32 trainer for the ReLU/softmax/Adam workloads, in the same arithmetic as
/// the numpy peer. It is the oracle for <c>compare-reference</c>: when the core's
/// numbers drift from the peers', this says whether the harness or the core is responsible. Slow by design.
/// </summary>
public sealed class ReferenceTrainer
{
    private readonly int[] _sizes;
    private readonly float[][] _w, _b, _mw, _vw, _mb, _vb; // per layer: W (out, in) row-major, b (out)
    private long _step;

    /// <param name="flatParameters">Initial parameters in the core's flat layout: per layer W then b.</param>
    public ReferenceTrainer(int[] sizes, ReadOnlySpan<float> flatParameters)
    {
        _sizes = sizes;
        int layers = sizes.Length - 1, offset = 0;
        (_w, _b, _mw, _vw, _mb, _vb) = (new float[layers][], new float[layers][], new float[layers][],
            new float[layers][], new float[layers][], new float[layers][]);
        for (int l = 0; l < layers; l++)
        {
            int n = sizes[l] * sizes[l + 1];
            _w[l] = flatParameters.Slice(offset, n).ToArray();
            _b[l] = flatParameters.Slice(offset + n, sizes[l + 1]).ToArray();
            offset += n + sizes[l + 1];
            (_mw[l], _vw[l], _mb[l], _vb[l]) = (new float[n], new float[n], new float[sizes[l + 1]],
                new float[sizes[l + 1]]);
        }
    }

    /// <summary>One epoch over <paramref name="order"/> in batches; returns Σ batch mean loss × batch rows /
    /// rows.</summary>
    public double Epoch(DataSplit train, ReadOnlySpan<int> order, int batchSize, double lr)
    {
        double total = 0;
        for (int start = 0; start < train.Rows; start += batchSize)
        {
            int rows = Math.Min(batchSize, train.Rows - start);
            var x = new float[rows * train.Width];
            var labels = new int[rows];
            for (int r = 0; r < rows; r++)
            {
                train.Features.AsSpan(order[start + r] * train.Width, train.Width).CopyTo(x.AsSpan(r * train.Width));
                labels[r] = train.Labels[order[start + r]];
            }
            total += Step(x, labels, rows, lr) * rows;
        }
        return total / train.Rows;
    }

    private double Step(float[] x, int[] labels, int rows, double lr)
    {
        int layers = _sizes.Length - 1;
        var acts = new float[layers + 1][]; // acts[0] = x, acts[l+1] = f(z_l), (rows, sizes[l+1])
        acts[0] = x;
        for (int l = 0; l < layers; l++)
        {
            int fin = _sizes[l], fout = _sizes[l + 1];
            var a = acts[l + 1] = new float[rows * fout];
            for (int r = 0; r < rows; r++)
                for (int o = 0; o < fout; o++)
                {
                    float z = _b[l][o];
                    for (int i = 0; i < fin; i++) z += acts[l][r * fin + i] * _w[l][o * fin + i];
                    a[r * fout + o] = l < layers - 1 ? Math.Max(z, 0f) : z; // output keeps logits
                }
        }
        int classes = _sizes[^1];
        var delta = acts[layers].ToArray(); // becomes dL/dz of the output, (rows, classes)
        double loss = 0;
        for (int r = 0; r < rows; r++)
        {
            var z = acts[layers].AsSpan(r * classes, classes);
            double max = double.NegativeInfinity, sum = 0;
            foreach (float v in z) max = Math.Max(max, v);
            foreach (float v in z) sum += Math.Exp(v - max);
            loss += max + Math.Log(sum) - z[labels[r]];
            for (int c = 0; c < classes; c++)
                delta[r * classes + c] = ((float)(Math.Exp(z[c] - max) / sum) - (c == labels[r] ? 1f : 0f)) / rows;
        }
        _step++;
        for (int l = layers - 1; l >= 0; l--)
        {
            int fin = _sizes[l], fout = _sizes[l + 1];
            var gw = new float[fin * fout];
            var gb = new float[fout];
            var below = new float[rows * fin];
            for (int r = 0; r < rows; r++)
                for (int o = 0; o < fout; o++)
                {
                    float d = delta[r * fout + o];
                    gb[o] += d;
                    for (int i = 0; i < fin; i++)
                    {
                        gw[o * fin + i] += d * acts[l][r * fin + i];
                        below[r * fin + i] += d * _w[l][o * fin + i];
                    }
                }
            for (int i = 0; i < below.Length; i++) if (acts[l][i] <= 0) below[i] = 0; // ReLU'(z) = 0 at z ≤ 0
            Adam(_w[l], gw, _mw[l], _vw[l], lr);
            Adam(_b[l], gb, _mb[l], _vb[l], lr);
            delta = below;
        }
        return loss / rows;
    }

    // torch.optim.Adam defaults: θ ← θ − (lr / (1−β1^t)) · m / (sqrt(v) / sqrt(1−β2^t) + ε)
    private void Adam(float[] p, float[] g, float[] m, float[] v, double lr)
    {
        float stepSize = (float)(lr / (1 - Math.Pow(0.9, _step)));
        float c2 = (float)Math.Sqrt(1 - Math.Pow(0.999, _step));
        for (int i = 0; i < p.Length; i++)
        {
            m[i] = 0.9f * m[i] + 0.1f * g[i];
            v[i] = 0.999f * v[i] + 0.001f * g[i] * g[i];
            p[i] -= stepSize * (m[i] / (MathF.Sqrt(v[i]) / c2 + 1e-8f));
        }
    }
}
