/// One stage of a feed-forward network.
///
/// Activations are batched: the first dimension of every input and output
/// is the batch. `forward` caches what `backward` needs; `backward` takes
/// dL/d(output), accumulates dL/d(parameter) into each parameter's `grad`
/// and returns dL/d(input).
public protocol Layer: AnyObject {
    /// Layer name as it appears in the spec and the UI (e.g. "fc1").
    var name: String { get }
    /// What the layer is (`.dense`, `.conv2d`, `.relu`, ...), as in the spec.
    var kind: LayerKind { get }
    /// Trainable tensors, weights first. Empty for parameter-free layers.
    var parameters: [Parameter] { get }

    /// Computes the output for a batch. `training` switches dropout on.
    func forward(_ input: Tensor, training: Bool) -> Tensor
    /// Back-propagates through the last `forward`.
    func backward(_ gradOutput: Tensor) -> Tensor
    /// Like `backward`, but only accumulates parameter gradients and skips
    /// dL/d(input) (the first trainable layer's input needs no gradient).
    /// The default calls `backward` and drops the result.
    func backwardParametersOnly(_ gradOutput: Tensor)
    /// Output shape for one sample of `inputShape` (batch dimension excluded).
    func outputShape(for inputShape: [Int]) throws -> [Int]
    /// Multiply-accumulate operations for one sample of `inputShape` if every
    /// weight were dense; pruning analysis scales this by weight density.
    func denseMACs(for inputShape: [Int]) -> Int
    /// A deep copy with its own parameters.
    func copy() -> any Layer
}

extension Layer {
    public var parameters: [Parameter] { [] }
    public func denseMACs(for inputShape: [Int]) -> Int { 0 }
    public func backwardParametersOnly(_ gradOutput: Tensor) { _ = backward(gradOutput) }
    /// The weight parameter, if the layer has one.
    public var weight: Parameter? { parameters.first { $0.role == .weight } }
    /// The bias parameter, if the layer has one.
    public var bias: Parameter? { parameters.first { $0.role == .bias } }
}
