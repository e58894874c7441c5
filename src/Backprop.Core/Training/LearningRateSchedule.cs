namespace Backprop.Core.Training;

/// <summary>How the learning rate changes from epoch to epoch (the PyTorch scheduler of the same name, stepped once per
/// epoch).</summary>
public enum ScheduleKind
{
    /// <summary>Always the base rate.</summary>
    Constant,
    /// <summary><c>γ₀ · gamma^⌊e / stepSize⌋</c> (StepLR).</summary>
    Step,
    /// <summary><c>γ₀ · gamma^e</c> (ExponentialLR).</summary>
    Exponential,
    /// <summary><c>min + (γ₀ − min)(1 + cos(π e / T))/2</c>, T = <see cref="ScheduleSettings.CosineEpochs"/> or the
    /// run's epochs (CosineAnnealingLR); after T epochs the rate stays at min (it does not rise again as PyTorch's
    /// would past T_max).</summary>
    Cosine,
    /// <summary>Multiply by <c>factor</c> after <c>patience</c> epochs without relative improvement of the monitored
    /// loss (ReduceLROnPlateau, mode min).</summary>
    ReduceOnPlateau,
}

/// <summary>A schedule and its parameters; defaults are PyTorch's schedulers' (the constants are the only place they
/// are written).</summary>
/// <param name="Kind">The schedule.</param>
/// <param name="StepSize">step: epochs between two multiplications by gamma.</param>
/// <param name="Gamma">step and exponential: the factor.</param>
/// <param name="CosineEpochs">cosine: the period T in epochs; null = the run's epochs.</param>
/// <param name="MinLearningRate">cosine and reduce_on_plateau: the lowest rate. An absolute rate: it is then multiplied
/// by each layer's learning-rate multiplier like every rate, so a layer with multiplier m ends at m · min.</param>
/// <param name="Factor">reduce_on_plateau: the factor.</param>
/// <param name="Patience">reduce_on_plateau: epochs without improvement before reducing.</param>
/// <param name="Threshold">reduce_on_plateau: relative improvement that counts (mode rel).</param>
/// <param name="Cooldown">reduce_on_plateau: epochs to wait after a reduction.</param>
public sealed record ScheduleSettings(
    ScheduleKind Kind = ScheduleSettings.DefaultKind,
    int StepSize = ScheduleSettings.DefaultStepSize,
    double Gamma = ScheduleSettings.DefaultGamma,
    int? CosineEpochs = null,
    double MinLearningRate = ScheduleSettings.DefaultMinLearningRate,
    double Factor = ScheduleSettings.DefaultFactor,
    int Patience = ScheduleSettings.DefaultPatience,
    double Threshold = ScheduleSettings.DefaultThreshold,
    int Cooldown = ScheduleSettings.DefaultCooldown)
{
    /// <summary>A constant learning rate.</summary>
    public const ScheduleKind DefaultKind = ScheduleKind.Constant;
    /// <summary>StepLR's step_size has no PyTorch default; 10 epochs.</summary>
    public const int DefaultStepSize = 10;
    /// <summary>StepLR's gamma (0.1).</summary>
    public const double DefaultGamma = 0.1;
    /// <summary>CosineAnnealingLR's eta_min and ReduceLROnPlateau's min_lr (0).</summary>
    public const double DefaultMinLearningRate = 0;
    /// <summary>ReduceLROnPlateau's factor.</summary>
    public const double DefaultFactor = 0.1;
    /// <summary>ReduceLROnPlateau's patience.</summary>
    public const int DefaultPatience = 10;
    /// <summary>ReduceLROnPlateau's threshold (relative).</summary>
    public const double DefaultThreshold = 1e-4;
    /// <summary>ReduceLROnPlateau's cooldown.</summary>
    public const int DefaultCooldown = 0;

    /// <summary>Every problem with these settings.</summary>
    public IEnumerable<OptionError> Validate(string path = "schedule")
    {
        if (!Enum.IsDefined(Kind)) yield return new(path + ".kind", $"Unknown schedule {(int)Kind}.");
        if (StepSize <= 0) yield return new(path + ".stepSize", $"Step size must be positive, got {StepSize}.");
        if (!(Gamma > 0 && Gamma <= 1)) yield return new(path + ".gamma", $"gamma must be in (0, 1], got {Gamma}.");
        if (CosineEpochs is <= 0) yield return new(path + ".cosineEpochs",
            $"Cosine period must be positive, got {CosineEpochs}.");
        if (!(double.IsFinite(MinLearningRate) && MinLearningRate >= 0)) yield return new(path + ".minLearningRate",
            $"Minimum learning rate must be zero or positive, got {MinLearningRate}.");
        if (!(Factor > 0 && Factor < 1)) yield return new(path + ".factor", $"factor must be in (0, 1), got {Factor}.");
        if (Patience < 0) yield return new(path + ".patience", $"patience must be zero or positive, got {Patience}.");
        if (!(Threshold >= 0 && double.IsFinite(Threshold))) yield return new(path + ".threshold",
            $"threshold must be zero or positive, got {Threshold}.");
        if (Cooldown < 0) yield return new(path + ".cooldown", $"cooldown must be zero or positive, got {Cooldown}.");
    }
}

/// <summary>Mutable state of a schedule (only reduce-on-plateau has any); part of a training snapshot.</summary>
public sealed record ScheduleState(double CurrentRate, double Best, int BadEpochs, int CooldownLeft);

/// <summary>Computes the learning rate of each epoch.</summary>
public sealed class LearningRateSchedule
{
    private readonly ScheduleSettings _settings;
    private readonly double _baseRate;
    private readonly int _totalEpochs;

    /// <summary>A schedule starting at <paramref name="baseRate"/> over a run of <paramref
    /// name="totalEpochs"/>.</summary>
    public LearningRateSchedule(ScheduleSettings settings, double baseRate, int totalEpochs)
    {
        _settings = settings;
        _baseRate = baseRate;
        _totalEpochs = totalEpochs;
        State = new ScheduleState(baseRate, double.PositiveInfinity, 0, 0);
    }

    /// <summary>Current plateau state.</summary>
    public ScheduleState State { get; set; }

    /// <summary>The learning rate for 0-based epoch <paramref name="epoch"/>.</summary>
    public double RateFor(int epoch) => _settings.Kind switch
    {
        ScheduleKind.Step => _baseRate * Math.Pow(_settings.Gamma, epoch / _settings.StepSize),
        ScheduleKind.Exponential => _baseRate * Math.Pow(_settings.Gamma, epoch),
        ScheduleKind.Cosine => CosineRate(epoch),
        ScheduleKind.ReduceOnPlateau => State.CurrentRate,
        _ => _baseRate,
    };

    private double CosineRate(int epoch)
    {
        int period = _settings.CosineEpochs ?? Math.Max(1, _totalEpochs);
        double t = Math.Min(epoch, period);
        return _settings.MinLearningRate + (_baseRate - _settings.MinLearningRate)
            * (1 + Math.Cos(Math.PI * t / period)) / 2;
    }

    /// <summary>Feeds the epoch's monitored loss to reduce-on-plateau (no effect on other schedules).</summary>
    public void Observe(double metric)
    {
        if (_settings.Kind != ScheduleKind.ReduceOnPlateau || double.IsNaN(metric)) return;
        var s = State;
        bool improved = metric < s.Best * (1 - _settings.Threshold) || double.IsPositiveInfinity(s.Best);
        double best = improved ? metric : s.Best;
        int bad = improved ? 0 : s.BadEpochs + 1;
        int cooldown = s.CooldownLeft;
        if (cooldown > 0) { cooldown--; bad = 0; }
        double rate = s.CurrentRate;
        if (bad > _settings.Patience)
        {
            rate = Math.Max(rate * _settings.Factor, _settings.MinLearningRate);
            cooldown = _settings.Cooldown;
            bad = 0;
        }
        State = new ScheduleState(rate, best, bad, cooldown);
    }
}
