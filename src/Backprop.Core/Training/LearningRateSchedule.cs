namespace Backprop.Core.Training;

/// <summary>How the learning rate changes from epoch to epoch (the PyTorch scheduler of the same name, stepped once per epoch).</summary>
public enum ScheduleKind
{
    /// <summary>Always the base rate.</summary>
    Constant,
    /// <summary><c>γ₀ · gamma^⌊e / stepSize⌋</c> (StepLR).</summary>
    Step,
    /// <summary><c>γ₀ · gamma^e</c> (ExponentialLR).</summary>
    Exponential,
    /// <summary><c>min + (γ₀ − min)(1 + cos(π e / T))/2</c>, T = <see cref="ScheduleSettings.CosineEpochs"/> or the run's epochs (CosineAnnealingLR).</summary>
    Cosine,
    /// <summary>Multiply by <c>factor</c> after <c>patience</c> epochs without relative improvement of the monitored loss (ReduceLROnPlateau, mode min).</summary>
    ReduceOnPlateau,
}

/// <summary>A schedule and its parameters.</summary>
public sealed record ScheduleSettings(
    ScheduleKind Kind = ScheduleKind.Constant,
    int StepSize = 10,
    double Gamma = 0.1,
    int? CosineEpochs = null,
    double MinLearningRate = 0,
    double Factor = 0.1,
    int Patience = 10,
    double Threshold = 1e-4,
    int Cooldown = 0)
{
    /// <summary>Every problem with these settings.</summary>
    public IEnumerable<OptionError> Validate(string path = "schedule")
    {
        if (!Enum.IsDefined(Kind)) yield return new(path + ".kind", $"Unknown schedule {(int)Kind}.");
        if (StepSize <= 0) yield return new(path + ".stepSize", $"Step size must be positive, got {StepSize}.");
        if (!(Gamma > 0 && Gamma <= 1)) yield return new(path + ".gamma", $"gamma must be in (0, 1], got {Gamma}.");
        if (CosineEpochs is <= 0) yield return new(path + ".cosineEpochs", $"Cosine period must be positive, got {CosineEpochs}.");
        if (!(double.IsFinite(MinLearningRate) && MinLearningRate >= 0)) yield return new(path + ".minLearningRate", $"Minimum learning rate must be zero or positive, got {MinLearningRate}.");
        if (!(Factor > 0 && Factor < 1)) yield return new(path + ".factor", $"factor must be in (0, 1), got {Factor}.");
        if (Patience < 0) yield return new(path + ".patience", $"patience must be zero or positive, got {Patience}.");
        if (!(Threshold >= 0 && double.IsFinite(Threshold))) yield return new(path + ".threshold", $"threshold must be zero or positive, got {Threshold}.");
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

    /// <summary>A schedule starting at <paramref name="baseRate"/> over a run of <paramref name="totalEpochs"/>.</summary>
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
        return _settings.MinLearningRate + (_baseRate - _settings.MinLearningRate) * (1 + Math.Cos(Math.PI * t / period)) / 2;
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
