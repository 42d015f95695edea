/// Inverted dropout: in training, zeroes each element with `probability`
/// and scales the survivors by `1 / (1 - probability)`; in evaluation it is
/// the identity. As PyTorch's `nn.Dropout`.
///
/// The drop pattern comes from a `SeededRandom` that advances with every
/// training forward pass, so a fixed seed gives a fixed sequence of masks.
/// `Trainer` reseeds it at the start of every epoch from its own seed.
public final class Dropout: Layer {
    public let name: String
    public var kind: LayerKind { .dropout }
    /// Chance of dropping an element, in `[0, 1)`.
    public let probability: Float
    /// The seed the layer was built with.
    public let seed: UInt64
    private var rng: SeededRandom
    /// Scale applied to kept elements (0 where dropped) in the last training pass;
    /// `nil` after an evaluation pass.
    private var lastScale: [Float]?

    /// A dropout layer; `probability` must be in `[0, 1)`.
    public init(name: String, probability: Float, seed: UInt64) {
        precondition(probability >= 0 && probability < 1, "Dropout '\(name)': probability \(probability) not in [0, 1)")
        self.name = name
        self.probability = probability
        self.seed = seed
        self.rng = SeededRandom(seed: seed)
    }

    /// Restarts the drop pattern from `seed`.
    public func reseed(_ seed: UInt64) { rng = SeededRandom(seed: seed) }

    public func forward(_ input: Tensor, training: Bool) -> Tensor {
        guard training, probability > 0 else {
            lastScale = nil
            return input
        }
        let keepScale = 1 / (1 - probability)
        let p = probability
        var generator = rng  // a local copy keeps the per-element loop free of exclusivity checks
        let scale = [Float](unsafeUninitializedCapacity: input.count) { s, initialized in
            for i in 0..<s.count { s[i] = generator.nextUnitFloat() >= p ? keepScale : 0 }
            initialized = s.count
        }
        rng = generator
        lastScale = scale
        return Tensor(shape: input.shape, data: input.data.zipContiguous(scale) { x, s in x * s })
    }

    public func backward(_ gradOutput: Tensor) -> Tensor {
        guard let scale = lastScale else { return gradOutput }
        precondition(scale.count == gradOutput.count, "Dropout '\(name)': gradient \(gradOutput.shape) does not match the last input")
        return Tensor(shape: gradOutput.shape, data: gradOutput.data.zipContiguous(scale) { g, s in g * s })
    }

    public func outputShape(for inputShape: [Int]) throws -> [Int] { inputShape }

    public func copy() -> any Layer {
        let d = Dropout(name: name, probability: probability, seed: seed)
        d.rng = rng
        return d
    }
}
