/// What is wrong with a model spec, or between a spec and its weights or data.
///
/// Every description is one line naming the file at fault and the problem.
public enum ModelSpecError: Error, CustomStringConvertible, Sendable, Equatable {
    /// No spec at the given path (a directory without model.json, a missing file).
    case notFound(path: String, problem: String)
    /// The spec file could not be read.
    case unreadable(path: String, problem: String)
    /// The spec is not valid JSON or does not match the spec format.
    case invalid(path: String, problem: String)
    /// A layer's input does not match the previous layer's output.
    case layersDoNotChain(path: String, layer: String, problem: String)
    /// The weights file lacks a tensor the spec names.
    case missingTensor(path: String, tensor: String, layer: String)
    /// A tensor in the weights file has another shape than the spec implies.
    case shapeMismatch(path: String, tensor: String, expected: [Int], found: [Int])
    /// A tensor in the weights file holds a non-numeric dtype.
    case unusableTensor(path: String, tensor: String, problem: String)
    /// The dataset's samples do not fit the spec's input shape.
    case datasetShape(path: String, dataset: String, inputShape: [Int], sampleShape: [Int])

    public var description: String {
        switch self {
        case let .notFound(path, problem):
            return "\(path): \(problem)"
        case let .unreadable(path, problem):
            return "\(path): cannot read the model spec: \(problem)"
        case let .invalid(path, problem):
            return "\(path): invalid model spec: \(problem)"
        case let .layersDoNotChain(path, layer, problem):
            return "\(path): layer '\(layer)' does not fit the layer before it: \(problem)"
        case let .missingTensor(path, tensor, layer):
            return "\(path): no tensor \"\(tensor)\" (named by layer '\(layer)' of the spec)"
        case let .shapeMismatch(path, tensor, expected, found):
            return "\(path): tensor \"\(tensor)\" has shape \(shapeText(found)) but the spec needs \(shapeText(expected))"
        case let .unusableTensor(path, tensor, problem):
            return "\(path): tensor \"\(tensor)\": \(problem)"
        case let .datasetShape(path, dataset, inputShape, sampleShape):
            return
                "\(path): dataset \(dataset) has samples of shape \(shapeText(sampleShape)) (\(sampleShape.reduce(1, *)) values), which do not fit inputShape \(shapeText(inputShape))"
        }
    }
}

private func shapeText(_ s: [Int]) -> String { "[" + s.map(String.init).joined(separator: ", ") + "]" }
