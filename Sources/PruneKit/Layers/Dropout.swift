/// Inverted dropout: in training, zeroes each element with `probability`
/// and scales the survivors by `1 / (1 - probability)`; in evaluation it is
/// the identity. As PyTorch's `nn.Dropout`.
///
/// The drop pattern comes from a `SeededRandom` that advances with every
/// training forward pass, so a fixed seed gives a fixed sequence of masks.
/// `Trainer` reseeds it at the start of every epoch from its own seed.
public final class Dropout: Layer, @unchecked Sendable {
    public let name: String
    public var kind: String { "dropout" }
    /// Chance of dropping an element, in `[0, 1)`.
    public let probability: Float
    /// The seed the layer was built with.
    public let seed: UInt64
    private var rng: SeededRandom
    /// Scale applied to kept elements (0 where dropped) in the last training pass;
    /// `nil` after an evaluation pass.
    private var lastScale: [Float]?

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
        var scale = [Float](repeating: 0, count: input.count)
        var out = input
        scale.withUnsafeMutableBufferPointer { s in
            out.data.withUnsafeMutableBufferPointer { y in
                for i in 0..<y.count {
                    let keep = rng.nextUnitFloat() >= probability
                    s[i] = keep ? keepScale : 0
                    y[i] *= s[i]
                }
            }
        }
        lastScale = scale
        return out
    }

    public func backward(_ gradOutput: Tensor) -> Tensor {
        guard let scale = lastScale else { return gradOutput }
        precondition(scale.count == gradOutput.count, "Dropout '\(name)': gradient \(gradOutput.shape) does not match the last input")
        var g = gradOutput
        g.data.withUnsafeMutableBufferPointer { gp in
            scale.withUnsafeBufferPointer { s in
                for i in 0..<gp.count { gp[i] *= s[i] }
            }
        }
        return g
    }

    public func outputShape(for inputShape: [Int]) throws -> [Int] { inputShape }

    public func copy() -> any Layer {
        let d = Dropout(name: name, probability: probability, seed: seed)
        d.rng = rng
        return d
    }
}
