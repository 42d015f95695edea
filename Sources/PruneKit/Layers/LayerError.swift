/// Why a layer cannot process an input of a given shape, or was built wrongly.
public enum LayerError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The per-sample input shape is not what the layer accepts.
    case inputShape(layer: String, kind: LayerKind, expected: String, got: [Int])
    /// The (padded) input is smaller than the kernel, so there is no output.
    case kernelTooLarge(layer: String, kernel: Int, height: Int, width: Int)
    /// A construction argument is out of range (e.g. a zero stride).
    case invalidArgument(layer: String, problem: String)
    /// A parameter handed to a layer has the wrong shape.
    case parameterShape(layer: String, parameter: String, expected: [Int], got: [Int])

    public var description: String {
        switch self {
        case let .inputShape(layer, kind, expected, got):
            return "layer '\(layer)' (\(kind)) expects input \(expected), got \(got)"
        case let .kernelTooLarge(layer, kernel, height, width):
            return "layer '\(layer)': kernel \(kernel)x\(kernel) does not fit the padded input \(height)x\(width)"
        case let .invalidArgument(layer, problem):
            return "layer '\(layer)': \(problem)"
        case let .parameterShape(layer, parameter, expected, got):
            return "layer '\(layer)': parameter '\(parameter)' should have shape \(expected), got \(got)"
        }
    }
}

extension Array where Element == Int {
    /// Shape printed as "[a, b, c]" for error messages.
    var shapeText: String { "[" + map(String.init).joined(separator: ", ") + "]" }
}
