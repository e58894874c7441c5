using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Backprop.Core.Training;

/// <summary>The update rules, one pass over a segment each. Notation of the PyTorch docs: θ params, g gradient, γ lr, λ
/// weight decay.</summary>
internal static class OptimizerRules
{
    // torch.optim.SGD, momentum 0: g ← g + λθ; θ ← θ − γ g
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Sgd(Span<float> p, ReadOnlySpan<float> g, float lr, float decay)
    {
        for (int i = 0; i < p.Length; i++) p[i] -= lr * (g[i] + decay * p[i]);
    }

    // torch.optim.SGD with momentum μ, dampening τ: g ← g + λθ; b ← g (t = 1) or μ b + (1 − τ) g;
    // g ← g + μ b (Nesterov) or b; θ ← θ − γ g
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void SgdMomentum(Span<float> p, ReadOnlySpan<float> g, Span<float> b, float lr, float decay,
        float mu, float dampening, bool nesterov, bool firstStep)
    {
        for (int i = 0; i < p.Length; i++)
        {
            float gi = g[i] + decay * p[i];
            b[i] = firstStep ? gi : mu * b[i] + (1 - dampening) * gi;
            p[i] -= lr * (nesterov ? gi + mu * b[i] : b[i]);
        }
    }

    // torch.optim.Adam / AdamW (amsgrad off), in the form PyTorch computes it:
    // AdamW: θ ← θ − γλθ; Adam: g ← g + λθ. Then m ← β1 m + (1 − β1) g; v ← β2 v + (1 − β2) g²;
    // θ ← θ − (γ / (1 − β1^t)) · m / (sqrt(v) / sqrt(1 − β2^t) + ε)
    // Returns Σ g² of the gradient as given (before any decay term), summed exactly as ElementWise.SumOfSquares sums
    // it: the pass already reads g, so the gradient norms need no second read of it.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static double Adam(Span<float> p, ReadOnlySpan<float> g, Span<float> m, Span<float> v, double lr,
        float decay, bool decoupled, double beta1, double beta2, double epsilon, long step)
    {
        float stepSize = (float)(lr / (1 - Math.Pow(beta1, step)));
        float correction2Sqrt = (float)Math.Sqrt(1 - Math.Pow(beta2, step));
        // 1 − β computed in double then rounded, as PyTorch does: 1 − 0.999f in float is off by 1.3e-5 relative.
        float b1 = (float)beta1, b2 = (float)beta2, eps = (float)epsilon, b1c = (float)(1 - beta1),
            b2c = (float)(1 - beta2);
        float coupled = decoupled ? 0f : decay;
        float shrink = decoupled ? (float)(1 - lr * decay) : 1f;
        int i = 0, n = p.Length, width = Vector<float>.Count;
        double squares = 0;
        if (Vector.IsHardwareAccelerated && n >= width)
        {
            ref float rp = ref MemoryMarshal.GetReference(p);
            ref float rg = ref MemoryMarshal.GetReference(g);
            ref float rm = ref MemoryMarshal.GetReference(m);
            ref float rv = ref MemoryMarshal.GetReference(v);
            var vb1 = new Vector<float>(b1); var vb1c = new Vector<float>(b1c);
            var vb2 = new Vector<float>(b2); var vb2c = new Vector<float>(b2c);
            var vc2 = new Vector<float>(correction2Sqrt); var veps = new Vector<float>(eps);
            var vstep = new Vector<float>(stepSize); var vdecay = new Vector<float>(coupled); var vshrink =
                new Vector<float>(shrink);
            // Two vectors a step with one square accumulator each, then one: SumOfSquares' order.
            Vector<float> a0 = Vector<float>.Zero, a1 = Vector<float>.Zero;
            for (; i + 2 * width <= n; i += 2 * width)
            {
                var g0 = Vector.LoadUnsafe(ref rg, (nuint)i);
                var g1 = Vector.LoadUnsafe(ref rg, (nuint)(i + width));
                a0 = Vector.MultiplyAddEstimate(g0, g0, a0);
                a1 = Vector.MultiplyAddEstimate(g1, g1, a1);
                var p0 = Vector.LoadUnsafe(ref rp, (nuint)i) * vshrink;
                var p1 = Vector.LoadUnsafe(ref rp, (nuint)(i + width)) * vshrink;
                g0 += vdecay * p0;
                g1 += vdecay * p1;
                var m0 = vb1 * Vector.LoadUnsafe(ref rm, (nuint)i) + vb1c * g0;
                var m1 = vb1 * Vector.LoadUnsafe(ref rm, (nuint)(i + width)) + vb1c * g1;
                var v0 = vb2 * Vector.LoadUnsafe(ref rv, (nuint)i) + vb2c * (g0 * g0);
                var v1 = vb2 * Vector.LoadUnsafe(ref rv, (nuint)(i + width)) + vb2c * (g1 * g1);
                m0.StoreUnsafe(ref rm, (nuint)i);
                m1.StoreUnsafe(ref rm, (nuint)(i + width));
                v0.StoreUnsafe(ref rv, (nuint)i);
                v1.StoreUnsafe(ref rv, (nuint)(i + width));
                (p0 - vstep * (m0 / (Vector.SquareRoot(v0) / vc2 + veps))).StoreUnsafe(ref rp, (nuint)i);
                (p1 - vstep * (m1 / (Vector.SquareRoot(v1) / vc2 + veps))).StoreUnsafe(ref rp, (nuint)(i + width));
            }
            for (; i + width <= n; i += width)
            {
                var gv = Vector.LoadUnsafe(ref rg, (nuint)i);
                a0 = Vector.MultiplyAddEstimate(gv, gv, a0);
                var pv = Vector.LoadUnsafe(ref rp, (nuint)i) * vshrink;
                gv += vdecay * pv;
                var mv = vb1 * Vector.LoadUnsafe(ref rm, (nuint)i) + vb1c * gv;
                var vv = vb2 * Vector.LoadUnsafe(ref rv, (nuint)i) + vb2c * (gv * gv);
                mv.StoreUnsafe(ref rm, (nuint)i);
                vv.StoreUnsafe(ref rv, (nuint)i);
                (pv - vstep * (mv / (Vector.SquareRoot(vv) / vc2 + veps))).StoreUnsafe(ref rp, (nuint)i);
            }
            squares = Vector.Sum(a0 + a1);
        }
        for (; i < n; i++)
        {
            double raw = g[i];
            squares += raw * raw;
            float pi = p[i] * shrink;
            float gi = g[i] + coupled * pi;
            m[i] = b1 * m[i] + b1c * gi;
            v[i] = b2 * v[i] + b2c * (gi * gi);
            p[i] = pi - stepSize * (m[i] / (MathF.Sqrt(v[i]) / correction2Sqrt + eps));
        }
        return squares;
    }

    // torch.optim.RMSprop (centered off): g ← g + λθ; v ← α v + (1 − α) g²;
    // μ > 0: b ← μ b + g / (sqrt(v) + ε), θ ← θ − γ b; else θ ← θ − γ g / (sqrt(v) + ε)
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void RmsProp(Span<float> p, ReadOnlySpan<float> g, Span<float> v, Span<float> b, float lr,
        float decay, double alphaValue, float eps, float mu)
    {
        float alpha = (float)alphaValue, alphaComplement = (float)(1 - alphaValue);
        for (int i = 0; i < p.Length; i++)
        {
            float gi = g[i] + decay * p[i];
            v[i] = alpha * v[i] + alphaComplement * (gi * gi);
            float scaled = gi / (MathF.Sqrt(v[i]) + eps);
            if (mu > 0)
            {
                b[i] = mu * b[i] + scaled;
                p[i] -= lr * b[i];
            }
            else p[i] -= lr * scaled;
        }
    }
}
