extension ExternalEvaluator {
    /// Evaluates `model` as it is (its masks; the evaluator's own weights)
    /// and reads the answer as an `Evaluation`: the primary metric as the
    /// accuracy, the `loss` metric as the loss. Nil when cancelled.
    /// - Throws: `ExternalEvaluatorError`, also when the evaluator reports
    ///   no `loss` (sensitivity sweeps and reports need one).
    public func evaluation(
        of model: Model, weights: (key: String, entries: () -> [SafetensorsEntry])? = nil, limit: Int? = nil,
        isCancelled: () -> Bool = { false }
    ) throws(ExternalEvaluatorError) -> Evaluation? {
        try evaluation(
            masks: PrunedWeightsExport.maskEntries(model: model), weights: weights, limit: limit, isCancelled: isCancelled)
    }

    /// The same for masks by tensor name (a checkpoint without a spec).
    public func evaluation(
        masks: [String: Tensor], limit: Int? = nil, isCancelled: () -> Bool = { false }
    ) throws(ExternalEvaluatorError) -> Evaluation? {
        try evaluation(masks: PrunedWeightsExport.maskEntries(masks), weights: nil, limit: limit, isCancelled: isCancelled)
    }

    private func evaluation(
        masks: [SafetensorsEntry], weights: (key: String, entries: () -> [SafetensorsEntry])?, limit: Int?,
        isCancelled: () -> Bool
    ) throws(ExternalEvaluatorError) -> Evaluation? {
        let hello = try start()
        guard hello.metrics.contains(where: { $0.name == "loss" }) else {
            throw failure(.protocolViolation("reports no \"loss\" metric, which this needs"))
        }
        guard let result = try evaluate(masks: masks, weights: weights, limit: limit, isCancelled: isCancelled) else { return nil }
        let primary = result.metrics[hello.primary.name] ?? 0
        return Evaluation(
            loss: Float(result.metrics["loss"] ?? 0), accuracy: primary,
            correct: Int((primary * Double(result.samples)).rounded()), count: result.samples)
    }

    /// A `PruningSession.measure` that asks this evaluator, sending the
    /// session's current weights (masked; rewritten only when they change)
    /// with its masks. Its primary metric must be an accuracy: it fills
    /// every accuracy figure of the session.
    public func sessionMeasure() throws(ExternalEvaluatorError) -> @Sendable (Model) throws -> Evaluation {
        let hello = try start()
        guard hello.primary.name == "accuracy" else {
            throw failure(
                .protocolViolation(
                    "its primary metric is \"\(hello.primary.name)\"; a model with a spec needs \"accuracy\" (it fills the accuracy figures)"
                ))
        }
        return { [self] model in
            guard let e = try self.evaluation(ofSession: model) else {
                throw self.failure(.exited("was cancelled"))
            }
            return e
        }
    }

    /// `model` as a session holds it: its masks and its current weights
    /// (sent only when they changed since the last request). Nil when cancelled.
    public func evaluation(ofSession model: Model, isCancelled: () -> Bool = { false }) throws(ExternalEvaluatorError) -> Evaluation? {
        let key = model.parameters.map { $0.value.contentHash }.joined(separator: ",")
        let weights = (key: key, entries: { model.parameters.map { SafetensorsEntry(name: $0.name, tensor: $0.value) } })
        return try evaluation(of: model, weights: weights, isCancelled: isCancelled)
    }
}
