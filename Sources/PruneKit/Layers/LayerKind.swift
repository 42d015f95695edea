/// What a layer is: the kinds a spec can name and every `Layer` reports.
///
/// The raw values are the spec's and the reports' words ("dense",
/// "conv2d", ...), so JSON files read and write exactly as before.
public enum LayerKind: String, Codable, Sendable, CaseIterable, CustomStringConvertible {
    case dense, conv2d, maxpool2d, relu, tanh, flatten, dropout

    public var description: String { rawValue }

    /// Whether the layer has a weight the pruning engine can mask
    /// (a Dense matrix or a Conv2D kernel).
    public var hasPrunableWeight: Bool { self == .dense || self == .conv2d }
}

/// What a parameter is to its layer. Raw values as in PyTorch's
/// state_dict names (`fc1.weight`, `fc1.bias`).
public enum ParameterRole: String, Codable, Sendable, CaseIterable, CustomStringConvertible {
    case weight, bias

    public var description: String { rawValue }
}
