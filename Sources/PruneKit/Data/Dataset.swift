/// Labelled samples held in memory: one input tensor with the batch first.
///
/// `inputs.shape == [count] + sampleShape`; `labels[i]` is the class of
/// sample `i`, in `0..<classCount`.
public struct Dataset: Sendable {
    /// Display name, e.g. "mnist5k (validation)".
    public var name: String
    /// All samples, batch dimension first.
    public var inputs: Tensor
    /// Class index of each sample.
    public var labels: [Int]
    /// Number of classes; labels are in `0..<classCount`.
    public var classCount: Int

    /// Wraps samples and labels. Callers validate labels (see `DatasetError`).
    public init(name: String, inputs: Tensor, labels: [Int], classCount: Int) {
        precondition(
            inputs.rank >= 1 && inputs.shape[0] == labels.count,
            "inputs \(inputs.shape) and \(labels.count) labels disagree")
        self.name = name
        self.inputs = inputs
        self.labels = labels
        self.classCount = classCount
    }

    /// Number of samples.
    public var count: Int { labels.count }
    /// Shape of one sample (batch excluded).
    public var sampleShape: [Int] { Array(inputs.shape.dropFirst()) }
    /// Elements in one sample.
    public var sampleSize: Int { Tensor.elementCount(sampleShape) }

    /// The samples at `indices`, gathered into one batch, with their labels.
    public func batch<C: Collection>(_ indices: C) -> (inputs: Tensor, labels: [Int]) where C.Element == Int {
        let size = sampleSize
        var out = [Float](repeating: 0, count: indices.count * size)
        var labelsOut = [Int]()
        labelsOut.reserveCapacity(indices.count)
        inputs.data.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for (row, i) in indices.enumerated() {
                    let from = src.baseAddress! + i * size
                    (dst.baseAddress! + row * size).update(from: from, count: size)
                    labelsOut.append(labels[i])
                }
            }
        }
        return (Tensor(shape: [indices.count] + sampleShape, data: out), labelsOut)
    }

    /// A new dataset of the samples at `indices`, in that order.
    public func subset<C: Collection>(_ indices: C, name: String? = nil) -> Dataset where C.Element == Int {
        let (x, y) = batch(indices)
        return Dataset(name: name ?? self.name, inputs: x, labels: y, classCount: classCount)
    }
}
