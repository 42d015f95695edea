import PruneKit
import PruneTUI

/// The explorer's inspection mode as a `TerminalApp`: a checkpoint with no
/// model spec (a Hugging Face or PyTorch `.safetensors`, an `.npz`, an
/// `.npy`). Every tensor listed in name-prefix groups that fold, with a
/// filter; the selected tensor's statistics, histogram and heatmap; the
/// rules that make it prunable or not; magnitude pruning per tensor, global
/// or 2:4, previewed live from each tensor's value distribution and exported
/// exactly. Statistics are computed in the background while the list is
/// already usable.
///
/// The model and the effect runner, and nothing else: every event goes
/// through `InspectorModel.update`, the effects it returns go to the runner,
/// frames are drawn from the model alone.
public struct InspectorApp: TerminalApp {
    public typealias Message = InspectorMessage

    public private(set) var model: InspectorModel
    public let runner: InspectorEffectRunner
    public let themes: [Theme]

    public init(model: InspectorModel, runner: InspectorEffectRunner, themes: [Theme] = [.builtinDefault]) {
        self.model = model
        self.runner = runner
        self.themes = themes.isEmpty ? [.builtinDefault] : themes
    }

    /// An inspector of `archive` on a screen of `size`; call `startLoading` before running it.
    public static func make(
        archive: any TensorArchive, rules: PrunableRules = .default, size: Size, themes: [Theme] = [.builtinDefault],
        worker: any BackgroundWorker, post: @escaping @Sendable (InspectorMessage) -> Void,
        exportPath: String? = nil, evaluator: (hello: EvaluatorHello, process: ExternalEvaluator)? = nil
    ) -> InspectorApp {
        let model = InspectorModel(
            archive: archive, rules: rules, size: size, themeCount: max(1, themes.count), exportPath: exportPath,
            evaluator: evaluator?.hello)
        return InspectorApp(
            model: model, runner: InspectorEffectRunner(archive: archive, worker: worker, post: post, evaluator: evaluator?.process),
            themes: themes)
    }

    public var minimumSize: Size { Size(width: 80, height: 24) }
    /// q is text while a prompt is open.
    public var quitsOnQ: Bool {
        if case .prompt? = model.modal { return false }
        return true
    }
    public var theme: Theme { themes[model.themeIndex % themes.count] }

    /// Starts the statistics pass in the background (once, before `run`).
    public mutating func startLoading() {
        runner.run(model.startLoading())
    }

    public func render(into buffer: inout CellBuffer, context: DrawContext) {
        model.render(into: &buffer, context: context)
    }

    public mutating func handle(_ event: AppEvent<InspectorMessage>, context: DrawContext) -> AppAction {
        let (action, effects) = model.update(event, now: context.now)
        runner.run(effects)
        return action
    }

    public mutating func tick(now: Double) -> Bool {
        let (dirty, effects) = model.tick(now: now)
        runner.run(effects)
        return dirty
    }
}
