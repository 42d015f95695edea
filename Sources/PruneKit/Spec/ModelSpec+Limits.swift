/// How large a model spec may make a model, checked by `ModelSpec.checkSizes`
/// before any layer is built, so a crafted `model.json` gets one line naming
/// the field instead of a multi-gigabyte allocation or an overflowed product.
///
/// Generous for what PruneScope trains on a CPU (LeNet-5 needs 62k
/// parameters and 7k activations per sample; a VGG-16 at 224x224 fits),
/// small enough that a model within them can be allocated and trained.
public enum SpecLimits {
    /// Values in one input sample: 2^24 (16.8M, e.g. 3 x 2048 x 2048).
    public static let inputValues = 1 << 24
    /// Parameters of the whole model: 2^28 (268M, 1 GiB as Float32; training
    /// keeps about three more copies for gradients and optimiser state).
    public static let parameters = 1 << 28
    /// Activation values of one sample over every layer's output, plus each
    /// convolution's column buffer (im2col): 2^28 (1 GiB as Float32).
    public static let activationsPerSample = 1 << 28
    /// Samples per optimiser step: 2^16.
    public static let batchSize = 1 << 16
    /// Values of the largest activation of one batch (batch size x the
    /// largest layer output or column buffer of one sample): 2^28. Also
    /// keeps max-pooling's 32-bit indices in range.
    public static let batchActivations = 1 << 28
    /// Epochs of one training run: 10^6.
    public static let epochs = 1_000_000
    /// Samples of a synthetic dataset (`dataset.count`): 10^7.
    public static let syntheticSamples = 10_000_000
    /// Classes of a synthetic dataset (`dataset.classes`): 10^4.
    public static let syntheticClasses = 10_000

    /// The largest batch `model` can run at once within `batchActivations`
    /// (at least 1).
    public static func largestBatch(for model: Model) -> Int {
        max(1, batchActivations / max(1, model.largestActivationPerSample))
    }

    /// Throws unless `batchSize` samples of `model` fit `batchSize` and
    /// `batchActivations`. `subject` names the option or field at fault.
    public static func checkBatchSize(_ batchSize: Int, for model: Model, subject: String) throws {
        guard batchSize >= 1 else { throw PruningError(subject, "\(batchSize) must be at least 1") }
        guard batchSize <= SpecLimits.batchSize else {
            throw PruningError(subject, "\(batchSize) is more than the limit of \(SpecLimits.batchSize) samples per batch")
        }
        let largest = largestBatch(for: model)
        guard batchSize <= largest else {
            throw PruningError(
                subject,
                "\(batchSize) samples of \(model.largestActivationPerSample) activation values each exceed "
                    + "the limit of \(batchActivations) per batch; use at most \(largest)")
        }
    }
}

extension Model {
    /// Values in the largest layer output or convolution column buffer of
    /// one sample (what one sample adds to the peak batch allocation).
    public var largestActivationPerSample: Int {
        var largest = inputShape.reduce(1) { $0.multipliedReportingOverflow(by: $1).partialValue }
        var shape = inputShape
        for layer in layers {
            guard let next = try? layer.outputShape(for: shape) else { break }
            let count = next.reduce(1) { $0.multipliedReportingOverflow(by: $1).partialValue }
            largest = max(largest, count)
            if let conv = layer as? Conv2D, next.count == 3 {
                let rows = conv.inChannels * conv.kernelSize * conv.kernelSize
                largest = max(largest, rows.multipliedReportingOverflow(by: next[1] * next[2]).partialValue)
            }
            shape = next
        }
        return largest
    }
}

extension ModelSpec {
    /// Checks every size in the spec against `SpecLimits` with
    /// overflow-checked arithmetic, before anything is allocated: the input
    /// shape, each layer's parameters, the activations of one sample and
    /// the training recipe's batch size and epochs. Layers that do not
    /// chain are left to `makeModel` to name.
    /// - Throws: `ModelSpecError.invalid` naming the field, e.g.
    ///   `layers[0] ('fc1').outFeatures: ...`.
    public func checkSizes(path: String) throws {
        func fail(_ field: String, _ problem: String) -> ModelSpecError {
            ModelSpecError.invalid(path: path, problem: field.isEmpty ? problem : "\(field): \(problem)")
        }
        guard !inputShape.isEmpty, inputShape.allSatisfy({ $0 > 0 }) else {
            throw fail("inputShape", "\(inputShape) must be non-empty with positive sizes")
        }
        let inputValues = try product(inputShape) { fail("inputShape", "\(inputShape) has more than \(SpecLimits.inputValues) values") }
        guard inputValues <= SpecLimits.inputValues else {
            throw fail("inputShape", "\(inputShape) has \(inputValues) values, more than the limit of \(SpecLimits.inputValues)")
        }
        var parameters = 0
        var activations = inputValues
        var shape: [Int]? = inputShape
        for (index, layer) in layers.enumerated() {
            let field = "layers[\(index)]" + (layer.name.map { " ('\($0)')" } ?? "")
            let sizes = try layer.checkedSizes(input: shape, index: index, field: field, fail: fail)
            let (total, overflow) = parameters.addingReportingOverflow(sizes.parameters)
            guard !overflow, total <= SpecLimits.parameters else {
                throw fail(field, "the model would have more than \(SpecLimits.parameters) parameters (the limit)")
            }
            parameters = total
            shape = sizes.output
            let (sum, over) = activations.addingReportingOverflow(sizes.activations)
            guard !over, sum <= SpecLimits.activationsPerSample else {
                throw fail(field, "one sample would need more than \(SpecLimits.activationsPerSample) activation values (the limit)")
            }
            activations = sum
        }
        guard training.batchSize <= SpecLimits.batchSize else {
            throw fail("training.batchSize", "\(training.batchSize) is more than the limit of \(SpecLimits.batchSize)")
        }
        guard training.epochs <= SpecLimits.epochs else {
            throw fail("training.epochs", "\(training.epochs) is more than the limit of \(SpecLimits.epochs)")
        }
        if let count = dataset.count, count > SpecLimits.syntheticSamples {
            throw fail("dataset.count", "\(count) is more than the limit of \(SpecLimits.syntheticSamples)")
        }
        if let classes = dataset.classes, classes > SpecLimits.syntheticClasses {
            throw fail("dataset.classes", "\(classes) is more than the limit of \(SpecLimits.syntheticClasses)")
        }
        if let noise = dataset.noise, !noise.isFinite {
            throw fail("dataset.noise", "\(noise) is not a finite number")
        }
    }
}

extension LayerSpec {
    /// What one layer adds: its parameters, its output shape for one
    /// sample (nil once the layers stop chaining) and the activation
    /// values of one sample (output plus column buffer).
    struct Sizes {
        var parameters = 0
        var output: [Int]?
        var activations = 0
    }

    func checkedSizes(input: [Int]?, index: Int, field: String, fail: (String, String) -> ModelSpecError) throws -> Sizes {
        // Worded as `makeLayer` words them, which reports them for specs within the limits.
        let layerName = name ?? "\(kind.rawValue)\(index)"
        func value(_ v: Int?, _ field: String, min: Int = 1, default fallback: Int? = nil) throws -> Int {
            guard let v = v ?? fallback else {
                throw fail("", "layer '\(layerName)' (\(kind.rawValue)) needs \"\(field)\"")
            }
            guard v >= min else { throw fail("", "layer '\(layerName)': \"\(field)\" must be at least \(min), got \(v)") }
            return v
        }
        func tooMany(_ name: String) -> ModelSpecError {
            fail("\(field).\(name)", "the layer would have more than \(SpecLimits.parameters) parameters (the limit)")
        }
        var sizes = Sizes()
        switch kind {
        case .dense:
            let inputs = try value(inFeatures, "inFeatures"), outputs = try value(outFeatures, "outFeatures")
            let weights = try product([outputs, inputs]) { tooMany("outFeatures") }
            sizes.parameters = try sum(weights, hasBias ? outputs : 0) { tooMany("outFeatures") }
            guard sizes.parameters <= SpecLimits.parameters else {
                throw fail(
                    "\(field).outFeatures",
                    "\(outputs) x inFeatures \(inputs) makes \(sizes.parameters) parameters, more than the limit of \(SpecLimits.parameters)"
                )
            }
            if input == [inputs] { sizes.output = [outputs] }
        case .conv2d:
            let inputs = try value(inChannels, "inChannels"), outputs = try value(outChannels, "outChannels")
            let k = try value(kernelSize, "kernelSize"), s = try value(stride, "stride", default: 1)
            let p = try value(padding, "padding", min: 0, default: 0)
            let perFilter = try product([inputs, k, k]) { tooMany("kernelSize") }
            let weights = try product([outputs, perFilter]) { tooMany("outChannels") }
            sizes.parameters = try sum(weights, hasBias ? outputs : 0) { tooMany("outChannels") }
            guard sizes.parameters <= SpecLimits.parameters else {
                throw fail(
                    "\(field).outChannels",
                    "\(outputs) x inChannels \(inputs) x kernelSize \(k)^2 makes \(sizes.parameters) parameters, "
                        + "more than the limit of \(SpecLimits.parameters)")
            }
            guard let input, input.count == 3, input[0] == inputs else { return sizes }
            let paddingTooLarge = { fail("\(field).padding", "\(p) is too large") }
            let border = try product([2, p], paddingTooLarge)
            let h = try sum(input[1], border, paddingTooLarge), w = try sum(input[2], border, paddingTooLarge)
            guard h >= k, w >= k else { return sizes }
            let output = [outputs, (h - k) / s + 1, (w - k) / s + 1]
            sizes.output = output
            let tooLarge = {
                fail(field, "one sample's output or column buffer would exceed \(SpecLimits.activationsPerSample) values (the limit)")
            }
            let values = try product(output, tooLarge)
            let columns = try product([perFilter, output[1], output[2]], tooLarge)
            sizes.activations = try sum(values, columns, tooLarge)
        case .maxpool2d:
            let k = try value(kernelSize, "kernelSize"), s = try value(stride, "stride", default: k)
            guard let input, input.count == 3, input[1] >= k, input[2] >= k else { return sizes }
            sizes.output = [input[0], (input[1] - k) / s + 1, (input[2] - k) / s + 1]
        case .flatten:
            guard let input, !input.isEmpty else { return sizes }
            sizes.output = [try product(input) { fail(field, "the flattened size overflows") }]
        case .relu, .tanh, .dropout:
            sizes.output = input
        }
        if let output = sizes.output, sizes.activations == 0 {
            sizes.activations = try product(output) { fail(field, "the output size overflows") }
        }
        return sizes
    }
}

/// The product of `values`, or `overflow()` thrown when it does not fit an Int.
private func product(_ values: [Int], _ overflow: () -> ModelSpecError) throws -> Int {
    var result = 1
    for v in values {
        let (p, over) = result.multipliedReportingOverflow(by: v)
        if over { throw overflow() }
        result = p
    }
    return result
}

/// `a + b`, or `overflow()` thrown when it does not fit an Int.
private func sum(_ a: Int, _ b: Int, _ overflow: () -> ModelSpecError) throws -> Int {
    let (s, over) = a.addingReportingOverflow(b)
    if over { throw overflow() }
    return s
}
