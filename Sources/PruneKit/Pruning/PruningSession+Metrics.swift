extension PruningSession {
    /// Metrics of the model as it is now; with `evaluate`, accuracy and loss
    /// on the validation set (one forward pass over it).
    public func currentMetrics(evaluate doEvaluate: Bool = false) -> ModelMetrics {
        if doEvaluate, let measure {
            do {
                let e = try measure(model)
                measureFailure = nil
                return ModelMetrics.measure(model, accuracy: e.accuracy, loss: Double(e.loss))
            } catch {
                measureFailure = "\(error)"
                return ModelMetrics.measure(model)
            }
        }
        guard doEvaluate, let validation else { return ModelMetrics.measure(model) }
        let e = evaluate(model, on: validation)
        return ModelMetrics.measure(model, accuracy: e.accuracy, loss: Double(e.loss))
    }
}
