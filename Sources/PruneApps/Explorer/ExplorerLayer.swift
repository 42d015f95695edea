import PruneKit

/// One prunable layer as the explorer lists it.
public struct ExplorerLayer: Sendable, Equatable {
    /// Layer name ("fc1").
    public var name: String
    /// Its weight tensor ("fc1.weight").
    public var tensor: String
    /// Dense or Conv2D.
    public var kind: LayerKind
    public var shape: [Int]
    public var count: Int
    /// When the layer reads the model's image input directly (the first
    /// Dense after a Flatten of an H x W image, or of a flat input whose
    /// length is a square, as MNIST's 784 = 28 x 28): H and W, so its mask
    /// can be shown per input pixel.
    public var inputImage: (height: Int, width: Int)?

    public static func == (a: ExplorerLayer, b: ExplorerLayer) -> Bool {
        a.name == b.name && a.tensor == b.tensor && a.shape == b.shape
    }

    /// "300x784" or "16x8x3x3".
    public var shapeText: String { shape.map(String.init).joined(separator: "x") }
    /// Neurons (Dense) or filters (Conv2D): the units structured pruning removes.
    public var unitName: String { kind == .conv2d ? "filters" : "neurons" }

    /// The prunable layers of `model`, in order.
    public static func prunableLayers(of model: Model) -> [ExplorerLayer] {
        let shape = model.inputShape
        var image: (Int, Int)?
        if shape.count >= 2, shape.dropLast(2).allSatisfy({ $0 == 1 }) {
            image = (shape[shape.count - 2], shape[shape.count - 1])
        } else if shape.count == 1, shape[0] >= 16 {
            let side = Int(Double(shape[0]).squareRoot().rounded())
            if side * side == shape[0] { image = (side, side) }
        }
        var sawOnlyReshapes = true
        var out = [ExplorerLayer]()
        for layer in model.layers {
            guard let w = layer.weight, layer.kind == .dense || layer.kind == .conv2d else {
                if !layer.parameters.isEmpty { sawOnlyReshapes = false }
                continue
            }
            var entry = ExplorerLayer(name: layer.name, tensor: w.name, kind: layer.kind, shape: w.value.shape, count: w.value.count)
            if sawOnlyReshapes, layer.kind == .dense, let (h, wd) = image, w.value.shape.count == 2, w.value.shape[1] == h * wd {
                entry.inputImage = (h, wd)
            }
            sawOnlyReshapes = false
            out.append(entry)
        }
        return out
    }
}

/// What stays the same for the whole explorer session: the model's name,
/// its layers, its data and its training recipe.
public struct ExplorerInfo {
    public var modelName: String
    public var datasetName: String
    public var layers: [ExplorerLayer]
    /// The retraining batch size (from the spec's recipe).
    public var batchSize: Int
    /// The recipe's optimiser (nil: SGD with momentum 0.9).
    public var recipeOptimizer: OptimizerConfig?
    /// Epochs the recipe trained the model for, when there is a recipe.
    public var recipeEpochs: Int? = nil
    public var train: Dataset?
    public var validation: Dataset?
    /// The bundle the model came from (spec, data, weights file), for exports.
    public var bundle: ModelBundle?
    /// Whether the model has a Dense layer (dense vs CSR inference is timed for those).
    public var hasDense: Bool
    /// The user's evaluator (`open MODEL --evaluator`); nil: the validation set.
    public var evaluator: ExternalEvaluator? = nil

    /// How previews and sweeps are measured: the user's evaluator (nil when
    /// `isCancelled` turned true first), else the validation set, else not at all.
    var measurement: (@Sendable (Model, _ isCancelled: () -> Bool) throws -> Evaluation?)? {
        if let evaluator { return { model, isCancelled in try evaluator.evaluation(ofSession: model, isCancelled: isCancelled) } }
        guard let validation else { return nil }
        return { model, _ in evaluate(model, on: validation) }
    }

    /// The optimiser of the recipe at learning rate `lr`.
    public func retrainOptimizer(learningRate lr: Float) -> OptimizerConfig {
        switch recipeOptimizer {
        case .adam(_, let b1, let b2, let eps, let wd)?: .adam(learningRate: lr, beta1: b1, beta2: b2, epsilon: eps, weightDecay: wd)
        case .sgd(_, let momentum, let wd)?: .sgd(learningRate: lr, momentum: momentum, weightDecay: wd)
        case nil: .sgd(learningRate: lr, momentum: 0.9)
        }
    }

    /// Mini-batches in one epoch of retraining.
    public var stepsPerEpoch: Int {
        let n = train?.count ?? 0
        return max(1, (n + batchSize - 1) / batchSize)
    }
}

/// The session as a job last published it: the history, the cursor and a
/// private copy of the model at the cursor. Immutable once built; the UI
/// reads only this, never the session a job may be changing.
public struct PublishedSession {
    public let history: [HistoryStep]
    public let cursor: Int
    /// A copy of the model at `cursor`, made for the UI (nobody writes it).
    public let model: Model
    /// The masks of the step before `cursor` (none at step 0), to show
    /// what the current step pruned and what came back.
    public let previousMasks: [String: Tensor]
    /// The seed the next step's random choices take (random scores, batches).
    public let nextStepSeed: UInt64
    /// Every step's values and masks (copy-on-write: shares the session's storage).
    public let snapshots: [SessionSnapshot]
    /// Counts publications: anything derived from an older one is stale.
    public let version: Int

    /// Copies what the UI needs out of `session`; call on the thread that owns it.
    public init(of session: PruningSession, version: Int) {
        history = Array(session.steps)
        cursor = session.cursor
        model = session.model.copy()
        previousMasks = session.cursor > 0 ? session.snapshots[session.cursor - 1].masks : [:]
        nextStepSeed = session.nextStepSeed
        snapshots = session.snapshots
        self.version = version
    }

    public var current: HistoryStep { history[cursor] }
    public var metrics: ModelMetrics { current.metrics }
    public var canUndo: Bool { cursor > 0 }
    public var canRedo: Bool { cursor < history.count - 1 }

    /// Current value of prunable weight `tensor` (masked entries are 0).
    public func values(_ tensor: String) -> Tensor? { model.parameter(named: tensor)?.value }
    /// Current mask of `tensor`, if any.
    public func mask(_ tensor: String) -> Tensor? { model.parameter(named: tensor)?.mask }
}
