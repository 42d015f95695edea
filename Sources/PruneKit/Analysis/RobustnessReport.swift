/// Which samples robustness is measured on.
public enum RobustnessSplit: String, Sendable, Codable, CaseIterable {
    /// The validation part (the default: data the model never trained on).
    case validation
    /// The training part.
    case train
    /// Training and validation together.
    case all
}

/// What to measure: the FGSM and PGD radii, the noise levels, the split.
///
/// Radii and sigmas are in normalised input units (for pixels / 255, 0.1 is
/// about 25 grey levels).
public struct RobustnessSettings: Sendable, Equatable, Codable {
    /// FGSM radii (L-inf epsilon).
    public var fgsmEpsilons: [Float]
    /// PGD radii (L-inf epsilon).
    public var pgdEpsilons: [Float]
    /// PGD steps, each of size epsilon / 4.
    public var pgdSteps: Int
    /// Standard deviations of the Gaussian input noise.
    public var noiseSigmas: [Float]
    /// Samples attacked and perturbed.
    public var split: RobustnessSplit
    /// Seed of the noise.
    public var seed: UInt64

    /// The defaults of `prunescope robustness`: FGSM 0.05 and 0.1, PGD 0.1 with
    /// 10 steps, noise 0.1, on the validation set, seed 0.
    public init(
        fgsmEpsilons: [Float] = [0.05, 0.1], pgdEpsilons: [Float] = [0.1], pgdSteps: Int = 10,
        noiseSigmas: [Float] = [0.1], split: RobustnessSplit = .validation, seed: UInt64 = 0
    ) {
        self.fgsmEpsilons = fgsmEpsilons
        self.pgdEpsilons = pgdEpsilons
        self.pgdSteps = pgdSteps
        self.noiseSigmas = noiseSigmas
        self.split = split
        self.seed = seed
    }
}

/// A model's accuracy clean, under FGSM, PGD and noise, and how well a
/// loss-threshold attack tells its training samples from validation ones.
///
/// Encodes as `{"split", "count", "clean": {"accuracy", "loss"}, "fgsm":
/// [{"epsilon", "accuracy"}], "pgd": [{"epsilon", "steps", "accuracy"}],
/// "noise": [{"sigma", "accuracy"}], "membership": {"auc", "advantage",
/// "train_loss", "validation_loss"}}` (membership null without both sets).
public struct RobustnessReport: Sendable, Equatable, Codable {
    /// Accuracy and mean loss on unperturbed inputs.
    public struct Clean: Sendable, Equatable, Codable {
        /// Fraction correct, in [0, 1].
        public var accuracy: Double
        /// Mean cross-entropy per sample.
        public var loss: Double
        public init(accuracy: Double, loss: Double) {
            self.accuracy = accuracy
            self.loss = loss
        }
    }
    /// Accuracy under FGSM at one radius.
    public struct FGSM: Sendable, Equatable, Codable {
        /// L-inf radius, in normalised input units.
        public var epsilon: Float
        /// Fraction still correct, in [0, 1].
        public var accuracy: Double
        public init(epsilon: Float, accuracy: Double) {
            self.epsilon = epsilon
            self.accuracy = accuracy
        }
    }
    /// Accuracy under PGD at one radius.
    public struct PGD: Sendable, Equatable, Codable {
        /// L-inf radius, in normalised input units.
        public var epsilon: Float
        /// Steps of size epsilon / 4.
        public var steps: Int
        /// Fraction still correct, in [0, 1].
        public var accuracy: Double
        public init(epsilon: Float, steps: Int, accuracy: Double) {
            self.epsilon = epsilon
            self.steps = steps
            self.accuracy = accuracy
        }
    }
    /// Accuracy under Gaussian noise of one standard deviation.
    public struct Noise: Sendable, Equatable, Codable {
        /// Standard deviation, in normalised input units.
        public var sigma: Float
        /// Fraction still correct, in [0, 1].
        public var accuracy: Double
        public init(sigma: Float, accuracy: Double) {
            self.sigma = sigma
            self.accuracy = accuracy
        }
    }

    /// Samples measured.
    public var split: RobustnessSplit
    /// Number of samples in the split.
    public var count: Int
    /// Unperturbed inputs.
    public var clean: Clean
    /// One entry per FGSM radius, in the settings' order.
    public var fgsm: [FGSM]
    /// One entry per PGD radius, in the settings' order.
    public var pgd: [PGD]
    /// One entry per noise level, in the settings' order.
    public var noise: [Noise]
    /// The membership attack (always training vs validation, whatever the split).
    public var membership: MembershipInference?

    private enum CodingKeys: String, CodingKey { case split, count, clean, fgsm, pgd, noise, membership }

    public init(
        split: RobustnessSplit, count: Int, clean: Clean, fgsm: [FGSM], pgd: [PGD], noise: [Noise], membership: MembershipInference?
    ) {
        self.split = split
        self.count = count
        self.clean = clean
        self.fgsm = fgsm
        self.pgd = pgd
        self.noise = noise
        self.membership = membership
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(split, forKey: .split)
        try c.encode(count, forKey: .count)
        try c.encode(clean, forKey: .clean)
        try c.encode(fgsm, forKey: .fgsm)
        try c.encode(pgd, forKey: .pgd)
        try c.encode(noise, forKey: .noise)
        try c.encode(membership, forKey: .membership)
    }

    /// Measures `model` on the split of `train`/`validation` that `settings`
    /// names, with inputs clipped to `range` (by default the range covering
    /// both sets, `InputRange.covering`).
    /// - Throws: `CancellationError` when `isCancelled` answers true (asked
    ///   between batches and PGD steps).
    public static func measure(
        _ model: Model, train: Dataset, validation: Dataset, settings: RobustnessSettings,
        range: InputRange? = nil, isCancelled: () -> Bool = { false }
    ) throws -> RobustnessReport {
        let range = range ?? InputRange.covering([train, validation])
        let data: Dataset
        switch settings.split {
        case .validation: data = validation
        case .train: data = train
        case .all: data = train.appending(validation)
        }
        func run(_ perturbation: InputPerturbation) throws -> Evaluation {
            try Robustness.evaluate(model, on: data, under: perturbation, range: range, isCancelled: isCancelled)
        }
        let clean = try run(.none)
        let fgsm = try settings.fgsmEpsilons.map { FGSM(epsilon: $0, accuracy: try run(.fgsm(epsilon: $0)).accuracy) }
        let pgd = try settings.pgdEpsilons.map {
            PGD(epsilon: $0, steps: settings.pgdSteps, accuracy: try run(.pgd(epsilon: $0, steps: settings.pgdSteps)).accuracy)
        }
        let noise = try settings.noiseSigmas.map {
            Noise(sigma: $0, accuracy: try run(.gaussianNoise(sigma: $0, seed: settings.seed)).accuracy)
        }
        if isCancelled() { throw CancellationError() }
        return RobustnessReport(
            split: settings.split, count: data.count, clean: Clean(accuracy: clean.accuracy, loss: Double(clean.loss)),
            fgsm: fgsm, pgd: pgd, noise: noise,
            membership: MembershipInference.measure(model, train: train, validation: validation))
    }
}

extension Dataset {
    /// This dataset's samples followed by `other`'s (same sample shape).
    func appending(_ other: Dataset) -> Dataset {
        precondition(sampleShape == other.sampleShape, "cannot join samples of shape \(sampleShape) and \(other.sampleShape)")
        return Dataset(
            name: "\(name) + \(other.name)",
            inputs: Tensor(shape: [count + other.count] + sampleShape, data: inputs.data + other.inputs.data),
            labels: labels + other.labels, classCount: max(classCount, other.classCount))
    }
}
