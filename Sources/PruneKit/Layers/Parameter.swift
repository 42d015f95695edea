/// A trainable tensor of a layer: its value, its gradient and, once pruned, its mask.
///
/// `name` is the tensor's name in the weights file (e.g. `fc1.weight`, as a
/// PyTorch state_dict names it). A reference type because layers, optimisers
/// and the pruning engine all update the same storage. One owner at a time:
/// a model being trained on a background task is not touched elsewhere
/// (copy it with `Model.copy()` for concurrent work).
public final class Parameter {
    /// Tensor name in the weights file.
    public let name: String
    /// What the parameter is to its layer: `.weight` or `.bias`.
    public let role: ParameterRole
    /// Current value. Where `mask` is 0 the value is exactly 0.
    public var value: Tensor
    /// Gradient of the loss with respect to `value`, accumulated by `backward`.
    public var grad: Tensor
    /// 1 keeps an element, 0 prunes it; `nil` means nothing is pruned.
    /// Same shape as `value`. Optimisers zero masked gradients and state and
    /// re-apply the mask after every step.
    public var mask: Tensor?

    public init(name: String, role: ParameterRole, value: Tensor) {
        self.name = name
        self.role = role
        self.value = value
        self.grad = Tensor.zeros(value.shape)
    }

    /// Sets the gradient to zero.
    public func zeroGrad() {
        grad.data.withUnsafeMutableBufferPointer { $0.update(repeating: 0) }
    }

    /// Multiplies the value by the mask, so pruned elements are exactly 0.
    public func applyMask() {
        guard let mask else { return }
        value.data.withUnsafeMutableBufferPointer { v in
            mask.data.withUnsafeBufferPointer { m in
                for i in 0..<v.count where m[i] == 0 { v[i] = 0 }
            }
        }
    }

    /// A deep copy (value, gradient and mask).
    public func copy() -> Parameter {
        let p = Parameter(name: name, role: role, value: value)
        p.grad = grad
        p.mask = mask
        return p
    }
}
