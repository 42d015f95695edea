/// Flattens each sample to one dimension: `[batch, d1, d2, ...]` to
/// `[batch, d1 * d2 * ...]`, as PyTorch's `nn.Flatten()`. No data moves.
public final class Flatten: Layer {
    public let name: String
    public var kind: LayerKind { .flatten }
    private var lastInputShape: [Int]?

    /// A parameter-free reshaping layer.
    public init(name: String) { self.name = name }

    public func forward(_ input: Tensor, training: Bool) -> Tensor {
        precondition(input.rank >= 1, "Flatten '\(name)' needs a batch dimension, got \(input.shape)")
        lastInputShape = input.shape
        let batch = input.shape[0]
        return input.reshaped([batch, batch == 0 ? 0 : input.count / batch])
    }

    public func backward(_ gradOutput: Tensor) -> Tensor {
        guard let shape = lastInputShape else { preconditionFailure("Flatten '\(name)': backward before forward") }
        return gradOutput.reshaped(shape)
    }

    public func outputShape(for inputShape: [Int]) throws -> [Int] {
        guard !inputShape.isEmpty else {
            throw LayerError.inputShape(layer: name, kind: kind, expected: "at least one dimension", got: inputShape)
        }
        return [Tensor.elementCount(inputShape)]
    }

    public func copy() -> any Layer { Flatten(name: name) }
}
