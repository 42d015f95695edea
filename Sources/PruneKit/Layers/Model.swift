/// An ordered stack of layers with a known per-sample input shape.
///
/// A reference type: trainers, optimisers and the pruning engine update its
/// parameters in place. One owner at a time; use `copy()` to hand a
/// snapshot to background work (e.g. an accuracy preview).
public final class Model {
    /// Display name, e.g. "lenet-300-100".
    public var name: String
    /// Shape of one input sample, batch excluded (e.g. [784] or [1, 28, 28]).
    public let inputShape: [Int]
    /// Layers in order.
    public let layers: [any Layer]

    public init(name: String, inputShape: [Int], layers: [any Layer]) {
        self.name = name
        self.inputShape = inputShape
        self.layers = layers
    }

    /// Every parameter, in layer order (weights before biases within a layer).
    public var parameters: [Parameter] { layers.flatMap(\.parameters) }

    /// The parameter called `name` (its tensor name), if any.
    public func parameter(named name: String) -> Parameter? {
        parameters.first { $0.name == name }
    }

    /// Total number of scalar parameters.
    public var parameterCount: Int { parameters.reduce(0) { $0 + $1.value.count } }

    /// Runs a batch through every layer. `input.shape == [batch] + inputShape`.
    public func forward(_ input: Tensor, training: Bool = false) -> Tensor {
        var x = input
        for layer in layers { x = layer.forward(x, training: training) }
        return x
    }

    /// Back-propagates dL/d(logits) through every layer, accumulating gradients.
    /// Returns dL/d(input).
    @discardableResult
    public func backward(_ gradLogits: Tensor) -> Tensor {
        var g = gradLogits
        for layer in layers.reversed() { g = layer.backward(g) }
        return g
    }

    /// Back-propagates dL/d(logits) only as far as parameter gradients need:
    /// layers before the first trainable one are skipped, and that layer does
    /// not compute dL/d(its input). Training uses this; it saves a GEMM.
    public func backwardForParameters(_ gradLogits: Tensor) {
        guard let first = layers.firstIndex(where: { !$0.parameters.isEmpty }) else { return }
        var g = gradLogits
        var i = layers.count - 1
        while i > first {
            g = layers[i].backward(g)
            i -= 1
        }
        layers[first].backwardParametersOnly(g)
    }

    /// Zeroes every parameter's gradient.
    public func zeroGrad() { for p in parameters { p.zeroGrad() } }

    /// Per-sample shape entering each layer, and the final output shape last.
    public func activationShapes() throws -> [[Int]] {
        var shapes = [inputShape]
        for layer in layers { shapes.append(try layer.outputShape(for: shapes[shapes.count - 1])) }
        return shapes
    }

    /// A deep copy with independent parameters (masks included).
    public func copy() -> Model {
        Model(name: name, inputShape: inputShape, layers: layers.map { $0.copy() })
    }
}
